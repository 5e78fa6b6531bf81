// The one place the sensors of a spime are wired: drivers for what the board has fitted, on the
// IO classes the host gives (Moddable's embedded:io/i2c and embedded:io/serial on the device,
// the simulated bus and UART on the host), a SensorManager sampling them, the barometer's
// pressure fed to the SCD4x compensation (datasheet §3.6.5), and the barometric altitude
// reference set from the first GPS fix with an altitude.
import type { Board } from './board.js';
import { BMP280 } from './bmp280.js';
import type { Clock } from './clock.js';
import { GPS } from './gps/gps.js';
import type { I2CConstructor, SerialConstructor } from './io.js';
import { SensorManager, type RetryPolicy, type SensorSlot } from './manager.js';
import { SCD4x } from './scd4x.js';

export interface SensorSuiteOptions {
  board: Board;
  i2c: I2CConstructor;
  serial?: SerialConstructor;
  clock: Clock;
  retry?: RetryPolicy;
  /** Sampling interval of the barometer in ms (GPS: twice as often; SCD4x gives a value per 5 s). */
  interval?: number;
}

/** The sensor part of a spime's configuration (PROTOCOL.md §13.2), applied live by `configure`. */
export interface SensorSettings {
  co2?: { enabled: boolean; selfCalibration: boolean; temperatureOffset: number; compensate: 'pressure' | 'altitude' | 'none'; altitude: number };
  barometer?: { enabled: boolean; oversampling: 1 | 2 | 4 | 8 | 16; seaLevelPressure: number; elevation?: number };
  gps?: { enabled: boolean };
}

/** SCD4x default ambient pressure (§3.6.5): what "no compensation" means to the sensor. */
const SCD4X_DEFAULT_PRESSURE_PA = 101_300;

export function createSensorSuite(options: SensorSuiteOptions) {
  const { board, clock } = options;
  const interval = options.interval ?? 1000;
  const bus = { io: options.i2c, ...board.i2c };
  const fitted = board.sensors;

  const gps = board.gps && options.serial ? new GPS({ sensor: { io: options.serial, ...board.gps }, clock }) : undefined;
  const barometer = fitted.bmp280 ? new BMP280({ sensor: { ...bus, address: fitted.bmp280.address }, clock, mode: 'forced' }) : undefined;
  const co2 = fitted.scd4x ? new SCD4x({ sensor: { ...bus, address: fitted.scd4x.address }, clock, variant: fitted.scd4x.variant }) : undefined;

  // Priority for merged readings: the barometer's thermometer before the SCD4x's self-heated one.
  const sensors: Record<string, SensorSlot> = {};
  if (gps) sensors.gps = { sensor: gps, interval: interval / 2 }; // twice per 1 Hz epoch
  if (barometer) sensors.barometer = { sensor: barometer, interval };
  if (co2) sensors.co2 = { sensor: co2, interval, maxAge: 15_000 };

  let altitudeSet = false;
  let sentHpa = 0; // the SCD4x takes whole hPa (§3.6.5): send only when that changes
  let feedPressure = true; // co2.compensate = 'pressure'
  let knownElevation: number | undefined; // baro.elevation: the reference comes from it, not from the GPS
  let appliedCo2 = '';
  const manager = new SensorManager({
    clock,
    retry: options.retry ?? { initial: 1000, max: 30_000 },
    sensors,
    onSample(name, sample) {
      if (name === 'barometer' && barometer && knownElevation !== undefined && !altitudeSet) altitudeSet = barometer.calibrateAltitude(knownElevation);
      if (name === 'barometer' && sample.barometer && co2 && feedPressure) {
        const hPa = Math.round(sample.barometer.pressure / 100);
        if (hPa !== sentHpa && hPa >= 700 && hPa <= 1200) {
          void co2.setAmbientPressure(hPa * 100).then((ok) => { if (ok) sentHpa = hPa; });
        }
      }
      if (name === 'gps' && barometer && !altitudeSet && sample.location?.altitude !== undefined) altitudeSet = barometer.calibrateAltitude(sample.location.altitude);
    },
  });

  return {
    drivers: { co2, barometer, gps },
    manager,
    /** Put the SCD4x in periodic mode (a failure is reported and retried by the manager), start every loop. */
    async start(): Promise<void> {
      if (co2) await co2.configure({ mode: 'periodic' });
      manager.start();
    },
    /**
     * Applies sensor settings live, without a restart: enable/disable through the manager, the
     * SCD4x's idle-only settings only when they changed (it pauses measuring ~0.5 s for them),
     * the barometer's registers at once, the altitude reference from a known elevation.
     */
    async configure(s: SensorSettings): Promise<boolean> {
      let ok = true;
      if (s.gps && gps) manager.setEnabled('gps', s.gps.enabled);
      if (s.barometer && barometer) {
        const b = s.barometer;
        manager.setEnabled('barometer', b.enabled);
        const elevation = b.elevation;
        barometer.configure({ pressureOversampling: b.oversampling, ...(elevation === undefined ? { seaLevelPressure: b.seaLevelPressure } : {}) });
        if (elevation !== knownElevation) {
          knownElevation = elevation;
          altitudeSet = elevation !== undefined ? barometer.calibrateAltitude(elevation) : false;
        }
      }
      if (s.co2 && co2) {
        const c = s.co2;
        manager.setEnabled('co2', c.enabled);
        feedPressure = c.compensate === 'pressure';
        const key = JSON.stringify([c.selfCalibration, c.temperatureOffset, c.compensate, c.altitude]);
        if (key !== appliedCo2) {
          sentHpa = 0;
          ok = await co2.configure({
            automaticSelfCalibration: c.selfCalibration, temperatureOffset: c.temperatureOffset,
            altitude: c.compensate === 'altitude' ? c.altitude : 0,
            ...(c.compensate === 'none' ? { ambientPressure: SCD4X_DEFAULT_PRESSURE_PA } : {}),
          });
          if (ok) appliedCo2 = key;
        }
      }
      return ok;
    },
    /** UTC now from the GPS when it has given a time, else undefined (the host's clock decides). */
    gpsTime(): number | undefined { return gps?.time; },
    async stop(): Promise<void> {
      await manager.stop();
      if (co2) await co2.stop();
      co2?.close(); barometer?.close(); gps?.close();
    },
  };
}

export type SensorSuite = ReturnType<typeof createSensorSuite>;
