// The GPS driver on a simulated UART fed by a simulated receiver walking through Milan.
import { GPS } from '../../src/sensors/gps/gps.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { NmeaGenerator } from '../../hosts/sim/sensors/nmea.js';
import { fixOutages } from '../../hosts/sim/sensors/scenarios.js';
import { FixedPosition, PolylineTrack, type Track } from '../../hosts/sim/sensors/track.js';
import { SimUart } from '../../hosts/sim/sensors/uart.js';

const EPOCH = Date.UTC(2008, 3, 2, 16, 54, 22); // the OpenSpime example's date

function rig({ baud = 9600, talker = 'GP', track = new PolylineTrack() as Track, outages = [] as [number, number][] } = {}) {
  const clock = new VirtualClock();
  const module = new NmeaGenerator({ track, epoch: EPOCH, talker, hasFix: fixOutages(outages) });
  const uart = new SimUart({ clock, module });
  const gps = new GPS({ sensor: { io: uart.io, baud }, clock });
  return { clock, module, uart, gps };
}

describe('GPS over a simulated UART', () => {
  test('a fix at the Duomo within two seconds, with UTC time from RMC', async () => {
    const { clock, gps } = rig();
    await clock.advance(1500);
    const s = gps.sample()!;
    expect(s.location.latitude).toBeCloseTo(45.4643, 3);
    expect(s.location.longitude).toBeCloseTo(9.1895, 3);
    expect(s.location.altitude).toBeCloseTo(122, 0);
    expect(s.location.speed).toBeCloseTo(1.4, 2);
    expect(s.location.satellites).toBeGreaterThanOrEqual(7);
    expect(new Date(s.time!).toISOString()).toBe('2008-04-02T16:54:23.000Z');
    expect(gps.statistics.checksumErrors).toBe(0);
  });

  test('bytes arrive at 9600 baud (960 bytes/s): an epoch of five sentences takes ~0.35 s on the wire', async () => {
    const { clock, gps } = rig();
    const bytes = new NmeaGenerator({ track: new PolylineTrack(), epoch: EPOCH }).epoch(0).length;
    expect(bytes).toBeGreaterThan(300);
    const wire = (bytes / 960) * 1000;
    await clock.advance(wire - 100);
    expect(gps.statistics.sentences).toBeLessThan(5);
    await clock.advance(150);
    expect(gps.statistics.sentences).toBe(5);
  });

  test('the position follows the walk (1.4 m/s ≈ 84 m per minute)', async () => {
    const { clock, gps } = rig();
    await clock.advance(1500);
    const a = gps.sample()!.location;
    await clock.advance(60_000);
    const b = gps.sample()!.location;
    const metres = Math.hypot((b.latitude - a.latitude) * 110_540, (b.longitude - a.longitude) * 111_320 * Math.cos((a.latitude * Math.PI) / 180));
    expect(metres).toBeGreaterThan(70);
    expect(metres).toBeLessThan(90);
  });

  test('losing and regaining the fix (the Galleria roof)', async () => {
    const { clock, gps } = rig({ outages: [[10_000, 20_000]] });
    await clock.advance(9_600);
    expect(gps.sample()).toBeDefined();
    await clock.advance(2_000);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('no-fix');
    expect(gps.time).toBeDefined(); // time keeps coming without a fix
    await clock.advance(10_000);
    expect(gps.sample()).toBeDefined();
    expect(gps.fault).toBeUndefined();
  });

  test('corrupted sentences are counted and skipped; the next epoch fixes again', async () => {
    const { clock, gps, module } = rig();
    await clock.advance(1500);
    module.faults.corruptSentences = 5; // a whole epoch
    module.faults.garbageBytes = 200;
    await clock.advance(1000);
    expect(gps.statistics.checksumErrors).toBeGreaterThanOrEqual(4);
    await clock.advance(1000);
    expect(gps.sample()).toBeDefined();
  });

  test('a line where every sentence is corrupt for over 3 s is a checksum-mismatch fault', async () => {
    const { clock, gps, module } = rig();
    await clock.advance(1500);
    module.faults.corruptSentences = 1000;
    await clock.advance(4000);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('checksum-mismatch');
    module.faults.corruptSentences = 0;
    await clock.advance(1500);
    expect(gps.sample()).toBeDefined();
  });

  test('a silent receiver (unplugged) becomes a timeout', async () => {
    const { clock, gps, module } = rig();
    await clock.advance(1500);
    module.faults.silent = true;
    await clock.advance(4000);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('timeout');
  });

  test('the wrong baud rate is garbage, not a crash', async () => {
    const { clock, gps } = rig({ baud: 115200 });
    await clock.advance(5000);
    expect(gps.sample()).toBeUndefined();
    expect(gps.statistics.sentences).toBe(0);
    expect(gps.fault?.condition).toBe('checksum-mismatch');
  });

  test('southern and western hemisphere with a multi-GNSS (GN) talker', async () => {
    const { clock, gps } = rig({ talker: 'GN', track: new FixedPosition(-34.6037, -58.3816, 25) }); // Buenos Aires
    await clock.advance(1500);
    const s = gps.sample()!;
    expect(s.location.latitude).toBeCloseTo(-34.6037, 6);
    expect(s.location.longitude).toBeCloseTo(-58.3816, 6);
    expect(s.location.altitude).toBe(25);
  });

  test('close() stops the UART', async () => {
    const { clock, gps } = rig();
    await clock.advance(1500);
    gps.close();
    const before = gps.statistics.sentences;
    await clock.advance(3000);
    expect(gps.statistics.sentences).toBe(before);
  });
});

describe('GPS start-up', () => {
  test('before the first sentence there is no sample and no fault; silence past 3 s is a timeout', async () => {
    const clock = new VirtualClock();
    const gps = new GPS({ sensor: { io: class { read() { return undefined; } write() {} close() {} } }, clock });
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault).toBeUndefined();
    await clock.advance(3001);
    expect(gps.sample()).toBeUndefined();
    expect(gps.fault?.condition).toBe('timeout');
  });
});
