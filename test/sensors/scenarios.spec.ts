// Simulation scenarios and determinism: the same seed replays a run exactly.
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { fixOutages, OUTDOOR_CO2, roomCo2, weatherDrift } from '../../hosts/sim/sensors/scenarios.js';
import { simulatedSpime } from '../../hosts/sim/sensors/spime.js';

describe('scenarios', () => {
  test('a room fills up towards its occupied level, then airing brings it back to outdoor air', () => {
    const co2 = roomCo2({ fillFrom: 60_000, airAt: 30 * 60_000, occupied: 2000, tau: 10 * 60_000, airTau: 3 * 60_000 });
    expect(co2(0)).toBe(OUTDOOR_CO2);
    const filling = [5, 10, 20, 29].map((m) => co2(m * 60_000));
    expect(filling).toEqual([...filling].sort((a, b) => a - b)); // rising
    expect(filling[3]).toBeGreaterThan(1700);
    expect(filling[3]).toBeLessThan(2000);
    expect(co2(45 * 60_000)).toBeLessThan(OUTDOOR_CO2 + 0.01 * (filling[3] - OUTDOOR_CO2));
  });
  test('pressure drifts with a passing front and a trend around the station pressure', () => {
    const w = weatherDrift({ seaLevel: 101_325, elevation: 0, swing: 300, period: 3600_000, trend: -100 });
    expect(w(0).pressure).toBeCloseTo(101_325, 6);
    expect(w(900_000).pressure).toBeCloseTo(101_325 + 300 - 25, 6); // quarter period: crest, minus 15 min of trend
    const high = weatherDrift({ elevation: 1000 });
    expect(high(0).pressure).toBeLessThan(90_000);
  });
  test('fix outages are half-open windows', () => {
    const fix = fixOutages([[10, 20], [30, 40]]);
    expect([0, 10, 19, 20, 35, 40].map(fix)).toEqual([true, false, false, true, false, true]);
  });
  test('the PRNG is reproducible per seed and uniform enough', () => {
    const a = new Prng(9), b = new Prng(9), c = new Prng(10);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(xs[0]).not.toBe(c.next());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('deterministic simulation', () => {
  async function run(seed: number): Promise<string[]> {
    const clock = new VirtualClock();
    const spime = simulatedSpime({ clock, seed });
    await clock.run(spime.start());
    const out: string[] = [];
    for (let i = 0; i < 15; i++) { await clock.advance(1000); out.push(JSON.stringify(spime.manager.entry(spime.time()))); }
    await clock.run(spime.stop());
    return out;
  }
  test('the same seed replays the same readings; another seed differs', async () => {
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(await run(6)).not.toEqual(first);
  });
});
