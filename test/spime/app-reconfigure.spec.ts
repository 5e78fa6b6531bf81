// SpimeApp.reconfigure (the configuration applied live, PROTOCOL.md §13.2) and the keep-oldest
// overflow policy, on a manual clock and a simulated flash; SensorManager.setEnabled.
import { SimFlash } from '../../hosts/sim/flash.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { simulatedSpime } from '../../hosts/sim/sensors/spime.js';
import { defaultConfig, sensorSettingsOf } from '../../src/spime/config.js';
import { SpimeApp, type SpimeEvent } from '../../src/spime/app.js';
import type { ReportSender } from '../../src/spime/report-sender.js';
import { FlashLog } from '../../src/storage/log.js';
import { flush, ManualClock } from '../xmpp/fakes.js';

const UTC0 = Date.UTC(2026, 11, 1, 12, 0, 0);

class Scope implements ReportSender {
  reports: DataEntry[][] = [];
  down = false;
  async send(entries: readonly DataEntry[]): Promise<void> {
    await flush(2);
    if (this.down) throw Object.assign(new Error('remote-server-timeout'), { condition: 'remote-server-timeout' });
    this.reports.push([...entries]);
  }
}

function setup(blocks = 8) {
  const clock = new ManualClock();
  const scope = new Scope();
  const events: SpimeEvent[] = [];
  const log = new FlashLog(new SimFlash({ blocks, blockLength: 4096 }));
  let n = 0;
  const app = new SpimeApp({
    log, timers: clock, sender: scope, samplePeriodMs: 60_000, maxEntries: 20, maxWaitMs: 300_000,
    read: () => ({ ppm: 400 + n++ }), serverTime: async () => UTC0 + clock.now(), onEvent: (e) => events.push(e),
  });
  return { clock, scope, events, log, app };
}

describe('SpimeApp.reconfigure', () => {
  test('a shorter period takes effect at once: readings every new period from now', async () => {
    const { app, clock, events } = setup();
    app.setOnline(true);
    app.start();
    await clock.advance(10_000);
    const sampled = () => events.filter((e) => e.type === 'sampled').length;
    expect(sampled()).toBe(1); // at 0 s; the next would be at 60 s
    app.reconfigure({ samplePeriodMs: 2000 });
    await clock.advance(6500);
    expect(sampled()).toBe(4); // 12, 14, 16 s
    expect(app.status()).toMatchObject({ samplePeriodMs: 2000 });
    await app.stop();
  });

  test('a smaller batch or a shorter wait sends what is due at once', async () => {
    const { app, clock, scope } = setup();
    app.reconfigure({ samplePeriodMs: 1000 });
    app.setOnline(true);
    app.start();
    await clock.advance(4500);
    expect(scope.reports).toEqual([]);
    app.reconfigure({ maxEntries: 2 });
    await clock.advance(10);
    expect(scope.reports.map((r) => r.length)).toEqual([2, 2, 1]);
    app.reconfigure({ maxEntries: 20, maxWaitMs: 0 });
    await clock.advance(1000);
    expect(scope.reports.length).toBeGreaterThan(3);
    await app.stop();
  });

  test('exposure is stated on readings from the change on', async () => {
    const { app, clock, scope } = setup();
    app.reconfigure({ samplePeriodMs: 1000, maxEntries: 1, maxWaitMs: 0 });
    app.setOnline(true);
    app.start();
    await clock.advance(1500);
    app.reconfigure({ exposure: 'indoor' });
    await clock.advance(2000);
    const exposures = scope.reports.flat().map((e) => e.exposure);
    expect(exposures[0]).toBeUndefined();
    expect(exposures.at(-1)).toBe('indoor');
    await app.stop();
  });

  test('bad values are refused, nothing changed', () => {
    const { app } = setup();
    expect(() => app.reconfigure({ samplePeriodMs: Number.NaN })).toThrow(RangeError);
    expect(app.status().samplePeriodMs).toBe(60_000);
  });
});

describe('log overflow policy', () => {
  async function fill(keepOldest: boolean) {
    const { app, clock, scope, log, events } = setup(2);
    scope.down = true;
    app.reconfigure({ samplePeriodMs: 1000, keepOldest });
    app.setOnline(false);
    app.start();
    await clock.advance(400_000); // far more readings than 2 blocks hold
    await app.stop();
    return { app, log, events };
  }
  test('drop-oldest (default): the log drops the oldest unsent readings for the new ones', async () => {
    const { app } = await fill(false);
    expect(app.status().dropped).toBeGreaterThan(0);
    expect(app.status().skipped).toBe(0);
  });
  test('keep-oldest: no unsent reading is dropped; new ones are skipped and counted', async () => {
    const { app, events } = await fill(true);
    expect(app.status().dropped).toBe(0);
    expect(app.status().skipped).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'skipped')).toBe(true);
  });
});

describe('SensorManager.setEnabled and SensorSuite.configure (simulated SCD41, BMP280, GNSS)', () => {
  test('disabled sensors are not sampled and leave readings; driver settings reach the chips live', async () => {
    const clock = new VirtualClock();
    const sim = simulatedSpime({ clock, seed: 3 });
    await clock.run(sim.start());
    await clock.advance(12_000);
    expect(sim.manager.entry(UTC0).ppm).toBeDefined();
    expect(sim.manager.entry(UTC0).lat).toBeDefined();
    const settings = sensorSettingsOf({ ...defaultConfig(), 'co2.enabled': false, 'gps.enabled': false, 'baro.oversample': '4' });
    expect(await clock.run(sim.configure(settings))).toBe(true);
    expect(sim.manager.status('co2')!.state).toBe('disabled');
    const e = sim.manager.entry(UTC0);
    expect([e.ppm, e.lat, e.pressure !== undefined]).toEqual([undefined, undefined, true]);
    await clock.advance(10_000);
    expect(sim.manager.entry(UTC0).ppm).toBeUndefined();
    expect(sim.chips.barometer!.ctrlMeas >> 2 & 7).toBe(3); // osrs_p = x4
    // back on, with self-calibration off and a temperature offset: the SCD41 is told (idle-only settings)
    expect(await clock.run(sim.configure(sensorSettingsOf({ ...defaultConfig(), 'co2.asc': false, 'co2.t-offset': 2.5 })))).toBe(true);
    expect(sim.chips.co2!.settings.automaticSelfCalibration).toBe(false);
    expect(sim.chips.co2!.settings.temperatureOffset).toBeCloseTo(2.5, 1);
    await clock.advance(12_000);
    expect(sim.manager.entry(UTC0).ppm).toBeDefined();
    expect(sim.manager.entry(UTC0).lat).toBeDefined();
    await clock.run(sim.stop());
  });
});
