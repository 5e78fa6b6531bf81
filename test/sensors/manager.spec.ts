// The sensor manager: every fitted sensor sampled on the host clock, faults reported with a
// bounded backoff, one failing sensor never stopping the others. Runs the whole simulated
// spime (SCD41 + BMP280 on I2C, GNSS on a UART) on a virtual clock.
import { SensorError } from '../../src/sensors/errors.js';
import { SensorManager } from '../../src/sensors/manager.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { simulatedSpime } from '../../hosts/sim/sensors/spime.js';

describe('SensorManager with scripted sensors', () => {
  test('backoff doubles per consecutive failure up to the maximum, and resets on success', async () => {
    const clock = new VirtualClock();
    let failing = true;
    const flaky = { fault: undefined as SensorError | undefined, sample() { if (failing) { this.fault = new SensorError('nack'); return undefined; } this.fault = undefined; return { thermometer: { temperature: 20 } }; } };
    const retries: number[] = [];
    const manager = new SensorManager({ clock, sensors: { flaky: { sensor: flaky, interval: 1000 } }, retry: { initial: 500, max: 4000 }, onFault: (_n, _e, ms) => retries.push(ms) });
    manager.start();
    await clock.advance(20_000);
    expect(retries.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(manager.status('flaky')).toMatchObject({ state: 'fault', fault: { condition: 'nack' } });
    failing = false;
    await clock.advance(5000);
    expect(manager.status('flaky')).toMatchObject({ state: 'ok', failures: 0 });
    await clock.run(manager.stop());
  });

  test('a sensor that throws (a bug) is reported and retried; the others keep sampling', async () => {
    const clock = new VirtualClock();
    const broken = { sample(): never { throw new TypeError('bug'); } };
    let n = 0;
    const good = { sample: async () => ({ carbonDioxideGasSensor: { CO2: 400 + n++ } }) };
    const manager = new SensorManager({ clock, sensors: { broken: { sensor: broken, interval: 1000 }, good: { sensor: good, interval: 1000 } } });
    manager.start();
    await clock.advance(10_000);
    expect(manager.status('broken')!.fault).toBeInstanceOf(TypeError);
    expect(manager.status('good')!.samples).toBeGreaterThanOrEqual(10);
    expect(manager.entry(0).ppm).toBeGreaterThan(400);
    await clock.run(manager.stop());
  });

  test('caller mistakes in the configuration throw', () => {
    const clock = new VirtualClock();
    expect(() => new SensorManager({ clock, sensors: { x: { sensor: { sample: () => undefined }, interval: 0 } } })).toThrow(RangeError);
    expect(() => new SensorManager({ clock, sensors: {}, retry: { initial: 10, max: 5 } })).toThrow(RangeError);
  });
});

describe('the simulated spime', () => {
  async function started() {
    const clock = new VirtualClock();
    const spime = simulatedSpime({ clock, seed: 1, outages: [[30_000, 40_000]] });
    await clock.run(spime.start());
    return { clock, spime };
  }

  test('after 12 s every field of an OpenSpime entry is present', async () => {
    const { clock, spime } = await started();
    await clock.advance(12_000);
    const entry = spime.manager.entry(spime.time());
    expect(entry.date).toMatch(/^2008-04-02T16:54:3\dZ$/);
    expect(entry.lat).toBeCloseTo(45.464, 2);
    expect(entry.lon).toBeCloseTo(9.19, 2);
    expect(entry.ele).toBeCloseTo(122, 0);
    expect(entry.ppm).toBeGreaterThan(400);
    expect(entry.ppm).toBeLessThan(2100);
    expect(entry.temperature).toBeGreaterThan(10);
    expect(entry.humidity).toBeGreaterThan(30);
    expect(entry.pressure).toBeGreaterThan(98_000);
    await clock.run(spime.stop());
  });

  test('the barometer feeds the SCD4x pressure compensation and the GPS fix sets the altitude reference', async () => {
    const { clock, spime } = await started();
    await clock.advance(12_000);
    const baro = spime.manager.latest('barometer')!;
    expect(Math.abs(spime.chips.co2!.settings.ambientPressure! - baro.barometer!.pressure)).toBeLessThan(100); // whole hPa on the wire
    // Sent when the hPa value changes, not once per barometer sample.
    await clock.advance(30_000);
    expect(spime.chips.co2!.log.filter((c) => c === 'setAmbientPressure').length).toBeLessThanOrEqual(6);
    expect(spime.drivers.barometer!.seaLevelPressure).not.toBe(101_325);
    expect(Math.abs(baro.altimeter!.altitude - 122)).toBeLessThan(3);
    await clock.run(spime.stop());
  });

  test('CO2 over time: the room fills, then is aired', async () => {
    const { clock, spime } = await started();
    const ppm: number[] = [];
    for (let i = 0; i < 24; i++) { await clock.advance(10_000); ppm.push(spime.manager.entry(0).ppm!); }
    const peak = Math.max(...ppm);
    expect(ppm[0]).toBeLessThan(peak - 300);
    expect(ppm[ppm.length - 1]).toBeLessThan(peak - 500);
    await clock.run(spime.stop());
  });

  test('a NACKing CO2 sensor is reported, backs off, goes stale, recovers — GPS and barometer never stop', async () => {
    const { clock, spime } = await started();
    await clock.advance(6_000);
    spime.bus.detach(0x62); // a loose connector
    const gpsBefore = spime.manager.status('gps')!.samples, baroBefore = spime.manager.status('barometer')!.samples;
    await clock.advance(25_000);
    expect(spime.manager.status('co2')).toMatchObject({ state: 'fault', fault: { condition: 'nack' } });
    expect(spime.manager.entry(0).ppm).toBeUndefined(); // stale after 15 s: not reported as current
    expect(spime.manager.status('gps')!.samples - gpsBefore).toBeGreaterThanOrEqual(4); // outage from 30 s
    expect(spime.manager.status('barometer')!.samples - baroBefore).toBeGreaterThanOrEqual(20);
    spime.bus.attach(0x62, spime.chips.co2!);
    await clock.advance(35_000); // within one capped backoff (30 s) plus an interval
    expect(spime.manager.status('co2')!.state).toBe('ok');
    expect(spime.manager.entry(0).ppm).toBeDefined();
    await clock.run(spime.stop());
  });

  test('stuck data-ready, a NACKing barometer and corrupt NMEA at once: each reported, none stalls another', async () => {
    const { clock, spime } = await started();
    await clock.advance(6_000);
    spime.chips.co2!.faults.stuckDataReady = true;
    spime.chips.gnss.faults.corruptSentences = 10;
    spime.chips.gnss.faults.garbageBytes = 300;
    spime.bus.injectNack(0x76, 3);
    const samples = (name: string) => spime.manager.status(name)!.samples;
    const before = { gps: samples('gps'), barometer: samples('barometer') };
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await clock.advance(500);
      for (const name of ['co2', 'gps', 'barometer']) {
        const f = spime.manager.status(name)!.fault;
        if (f instanceof SensorError) seen.add(`${name}:${f.condition}`);
      }
    }
    expect([...seen].sort()).toEqual(['barometer:nack', 'co2:timeout']);
    expect(spime.manager.status('co2')!.fault).toMatchObject({ condition: 'timeout' });
    expect(spime.drivers.gps!.statistics.checksumErrors).toBeGreaterThanOrEqual(9);
    expect(samples('gps') - before.gps).toBeGreaterThanOrEqual(25); // 0.5 s interval, a couple of epochs lost
    expect(samples('barometer') - before.barometer).toBeGreaterThanOrEqual(12); // recovered after its NACKs
    expect(spime.manager.status('barometer')!.state).toBe('ok');
    spime.chips.co2!.faults.stuckDataReady = false;
    await clock.advance(40_000);
    expect(spime.manager.status('co2')!.state).toBe('ok');
    await clock.run(spime.stop());
  });

  test('CRC corruption and a lost GPS fix are each reported with their condition', async () => {
    const { clock, spime } = await started();
    const faults: string[] = [];
    await clock.advance(6_000);
    spime.chips.co2!.faults.corruptReads = 3;
    for (let i = 0; i < 40; i++) {
      await clock.advance(1000);
      for (const name of ['co2', 'gps', 'barometer']) {
        const f = spime.manager.status(name)!.fault;
        if (f instanceof SensorError) faults.push(`${name}:${f.condition}`);
      }
    }
    expect(faults).toContain('co2:crc-mismatch');
    expect(faults).toContain('gps:no-fix');
    expect(faults.filter((f) => f.startsWith('barometer'))).toEqual([]);
    expect(spime.manager.status('gps')!.state).toBe('ok'); // fix regained after 40 s
    await clock.run(spime.stop());
  });
});
