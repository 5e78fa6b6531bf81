// The simulated sensor side of one spime, wired as the firmware wires the real one: an I2C bus
// with an SCD41 and a BMP280, a GNSS module on a UART, the three drivers, and a SensorManager
// that samples them, feeds the barometer's pressure to the SCD4x compensation and sets the
// altitude reference from the first GPS fix. Used by `npm run sensors:demo`, the specs and
// the host simulation. Platform-neutral: any Clock (virtual or real) drives it.
import { BMP280 } from '../../src/sensors/bmp280.js';
import type { Clock } from '../../src/sensors/clock.js';
import { GPS } from '../../src/sensors/gps/gps.js';
import { SensorManager, type RetryPolicy } from '../../src/sensors/manager.js';
import { SCD4x } from '../../src/sensors/scd4x.js';
import { SimBMP280 } from './bmp280.js';
import { SimI2CBus } from './i2c.js';
import { NmeaGenerator } from './nmea.js';
import { Prng } from './prng.js';
import { SimSCD4x } from './scd4x.js';
import { fixOutages, indoorAir, roomCo2, weatherDrift } from './scenarios.js';
import { PolylineTrack, type Track } from './track.js';
import { SimUart } from './uart.js';

export interface SimulatedSpimeOptions {
  clock: Clock;
  seed?: number;
  /** UTC ms at clock time 0 (the GNSS date and time). */
  epoch?: number;
  track?: Track;
  /** Clock-time windows without a GPS fix. */
  outages?: readonly (readonly [number, number])[];
  retry?: RetryPolicy;
  /** Sampling interval of the barometer and GPS in ms (the SCD4x gives one value per 5 s). */
  interval?: number;
}

export function simulatedSpime(options: SimulatedSpimeOptions) {
  const { clock } = options;
  const prng = new Prng(options.seed ?? 42);
  const epoch = options.epoch ?? Date.UTC(2008, 3, 2, 16, 54, 22);
  const interval = options.interval ?? 1000;

  const bus = new SimI2CBus();
  const co2Chip = new SimSCD4x({ clock, environment: indoorAir(roomCo2({ airAt: 90_000, tau: 40_000, airTau: 15_000 }), prng, 5), prng, noise: 10 });
  const baroChip = new SimBMP280({ clock, environment: weatherDrift({ noise: 2, prng, swing: 200, period: 1_800_000 }) });
  bus.attach(0x62, co2Chip);
  bus.attach(0x76, baroChip);
  const gnss = new NmeaGenerator({ track: options.track ?? new PolylineTrack(), epoch, hasFix: fixOutages(options.outages ?? [[40_000, 55_000]]), prng });
  const uart = new SimUart({ clock, module: gnss, prng });

  const co2 = new SCD4x({ sensor: { io: bus.io }, clock, variant: 'SCD41' });
  const barometer = new BMP280({ sensor: { io: bus.io, address: 0x76 }, clock, mode: 'forced' });
  const gps = new GPS({ sensor: { io: uart.io, port: 2 }, clock });

  let altitudeSet = false;
  const manager = new SensorManager({
    clock,
    retry: options.retry ?? { initial: 1000, max: 30_000 },
    // Priority for merged readings: the barometer's thermometer before the SCD4x's self-heated one.
    sensors: {
      gps: { sensor: gps, interval: interval / 2 }, // twice per 1 Hz epoch: a fix is never a second old
      barometer: { sensor: barometer, interval },
      co2: { sensor: co2, interval, maxAge: 15_000 },
    },
    onSample(name, sample) {
      if (name === 'barometer' && sample.barometer) void co2.setAmbientPressure(sample.barometer.pressure);
      if (name === 'gps' && !altitudeSet && sample.location?.altitude !== undefined) altitudeSet = barometer.calibrateAltitude(sample.location.altitude);
    },
  });

  return {
    bus, uart, chips: { co2: co2Chip, barometer: baroChip, gnss },
    drivers: { co2, barometer, gps }, manager,
    /** Start measuring: the SCD4x goes into periodic mode, then every loop runs. */
    async start(): Promise<void> {
      await co2.configure({ mode: 'periodic' });
      manager.start();
    },
    /** UTC now: the GPS time when the receiver has given one, else the simulation's epoch. */
    time(): number { return gps.time ?? epoch + clock.now(); },
    async stop(): Promise<void> {
      await manager.stop();
      await co2.stop();
      co2.close(); barometer.close(); gps.close();
    },
  };
}
