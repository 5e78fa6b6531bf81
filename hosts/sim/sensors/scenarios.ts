// Environments for the simulated chips, as functions of clock time (ms). Deterministic for a
// given seed: noise comes from a Prng the caller seeds.
import type { Air } from './scd4x.js';
import type { Weather } from './bmp280.js';
import { Prng } from './prng.js';

export const OUTDOOR_CO2 = 420;

/**
 * A meeting room: people arrive at `fillFrom`, CO2 rises towards `occupied` ppm (first-order,
 * time constant `tau`), the window opens at `airAt` and it decays back to outdoor air faster.
 */
export function roomCo2({ fillFrom = 0, airAt = 20 * 60_000, occupied = 2000, tau = 10 * 60_000, airTau = 3 * 60_000 } = {}): (t: number) => number {
  const atAiring = t0(airAt - fillFrom);
  function t0(dt: number): number { return OUTDOOR_CO2 + (occupied - OUTDOOR_CO2) * (1 - Math.exp(-Math.max(0, dt) / tau)); }
  return (t) => t < airAt ? (t < fillFrom ? OUTDOOR_CO2 : t0(t - fillFrom)) : OUTDOOR_CO2 + (atAiring - OUTDOOR_CO2) * Math.exp(-(t - airAt) / airTau);
}

/** Indoor air: the CO2 curve, a warming room, humidity following occupancy. */
export function indoorAir(co2 = roomCo2(), prng = new Prng(1), noise = 0, weather?: (t: number) => Weather): (t: number) => Air {
  return (t) => {
    const c = co2(t);
    return {
      co2: c + (noise ? prng.noise(noise) : 0),
      temperature: 21 + (c - OUTDOOR_CO2) / 800,
      humidity: 40 + (c - OUTDOOR_CO2) / 100,
      pressure: weather ? weather(t).pressure : 101_325,
    };
  };
}

/**
 * Weather at `elevation` m: station pressure drifting with a passing front (±`swing` Pa over
 * `period` ms) plus a trend (Pa per hour) and optional noise; a slow daily temperature swing.
 */
export function weatherDrift({ seaLevel = 101325, elevation = 122, swing = 300, period = 6 * 3600_000, trend = -50, noise = 0, prng = new Prng(2) } = {}): (t: number) => Weather {
  const station = seaLevel * Math.pow(1 - elevation / 44330, 5.255);
  return (t) => ({
    pressure: station + swing * Math.sin((2 * Math.PI * t) / period) + (trend * t) / 3600_000 + (noise ? prng.noise(noise) : 0),
    temperature: 18 + 4 * Math.sin((2 * Math.PI * t) / 86_400_000),
    humidity: 55 - 10 * Math.sin((2 * Math.PI * t) / 86_400_000), // drier as it warms
  });
}

/** Fix lost during each [from, to) window (ms): an arcade roof, a tunnel. */
export function fixOutages(windows: readonly (readonly [number, number])[]): (t: number) => boolean {
  return (t) => !windows.some(([from, to]) => t >= from && t < to);
}
