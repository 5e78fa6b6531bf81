// Sensirion SCD40/SCD41 photoacoustic CO2 sensor on I2C address 0x62 (SCD4x datasheet, v1.4+).
// ECMA-419 sensor shape: `new SCD4x({sensor: {io, ...bus}, clock})`, `configure`, `sample`, `close`.
// Every command's execution time (datasheet §3.5 table "max. command duration") is awaited on
// the host clock, never busy-waited; calls are queued so a pressure update from the barometer can
// not land between a command and its read.
import type { Clock } from './clock.js';
import { SensorError } from './errors.js';
import type { I2CConstructor, SensorBus } from './io.js';
import { SensirionDevice } from './sensirion.js';

interface Command { readonly code: number; readonly ms: number; readonly duringPeriodic: boolean }

/** Datasheet §3.5–3.10: command codes, max execution time, whether allowed in periodic mode. */
export const Command = Object.freeze({
  startPeriodicMeasurement: { code: 0x21b1, ms: 0, duringPeriodic: false },
  readMeasurement: { code: 0xec05, ms: 1, duringPeriodic: true },
  stopPeriodicMeasurement: { code: 0x3f86, ms: 500, duringPeriodic: true },
  setTemperatureOffset: { code: 0x241d, ms: 1, duringPeriodic: false },
  getTemperatureOffset: { code: 0x2318, ms: 1, duringPeriodic: false },
  setSensorAltitude: { code: 0x2427, ms: 1, duringPeriodic: false },
  getSensorAltitude: { code: 0x2322, ms: 1, duringPeriodic: false },
  setAmbientPressure: { code: 0xe000, ms: 1, duringPeriodic: true },
  getDataReadyStatus: { code: 0xe4b8, ms: 1, duringPeriodic: true },
  setAutomaticSelfCalibrationEnabled: { code: 0x2416, ms: 1, duringPeriodic: false },
  getAutomaticSelfCalibrationEnabled: { code: 0x2313, ms: 1, duringPeriodic: false },
  getSerialNumber: { code: 0x3682, ms: 1, duringPeriodic: false },
  persistSettings: { code: 0x3615, ms: 800, duringPeriodic: false },
  performForcedRecalibration: { code: 0x362f, ms: 400, duringPeriodic: false },
  reinit: { code: 0x3646, ms: 30, duringPeriodic: false },
  measureSingleShot: { code: 0x219d, ms: 5000, duringPeriodic: false }, // SCD41 only
} satisfies Record<string, Command>);

/** The periodic measurement interval (§3.5.1): a new value every 5 s. */
export const MEASUREMENT_INTERVAL_MS = 5000;
/** Data-ready still false after this long in periodic mode means the sensor is stuck. */
const STUCK_AFTER_MS = 3 * MEASUREMENT_INTERVAL_MS;

export type SCD4xVariant = 'SCD40' | 'SCD41';

export interface SCD4xOptions {
  sensor: SensorBus<I2CConstructor>;
  clock: Clock;
  variant?: SCD4xVariant;
  onError?: (error: SensorError) => void;
}

export interface SCD4xConfiguration {
  /** 'periodic' (5 s, both variants) or 'single-shot' (SCD41 only, 5 s per sample()). */
  mode?: 'periodic' | 'single-shot' | 'idle';
  /** °C subtracted from the measured temperature for self-heating (§3.6.1), 0…175. */
  temperatureOffset?: number;
  /** Metres above sea level (§3.6.3), 0…3000; superseded by ambientPressure. */
  altitude?: number;
  /** Pa (§3.6.5), 70000…120000; allowed during periodic measurement. */
  ambientPressure?: number;
  /** Automatic self-calibration (§3.7.5): needs a week with fresh-air exposure. */
  automaticSelfCalibration?: boolean;
}

export interface SCD4xSample {
  carbonDioxideGasSensor: { CO2: number };
  thermometer: { temperature: number };
  hygrometer: { humidity: number };
}

/** Conversions of §3.6.2: raw words to ppm, °C, %RH. */
export function convertMeasurement(co2: number, rawT: number, rawRh: number): SCD4xSample {
  return {
    carbonDioxideGasSensor: { CO2: co2 },
    thermometer: { temperature: -45 + (175 * rawT) / 65535 },
    hygrometer: { humidity: (100 * rawRh) / 65535 },
  };
}

export class SCD4x {
  #device: SensirionDevice;
  #clock: Clock;
  #variant: SCD4xVariant;
  #onError: ((error: SensorError) => void) | undefined;
  #mode: 'idle' | 'periodic' | 'single-shot' = 'idle';
  /** The mode asked for: a start that failed (NACK) is retried by the next sample(). */
  #wanted: 'idle' | 'periodic' | 'single-shot' = 'idle';
  #lastData = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #fault: SensorError | undefined;

  constructor(options: SCD4xOptions) {
    if (!options?.sensor?.io) throw new TypeError('SCD4x: options.sensor.io is required');
    if (!options.clock) throw new TypeError('SCD4x: options.clock is required');
    this.#clock = options.clock;
    this.#variant = options.variant ?? 'SCD41';
    this.#onError = options.onError;
    this.#device = new SensirionDevice(new options.sensor.io({ address: 0x62, hz: 100_000, ...options.sensor }));
  }

  /** The last runtime fault; cleared by the next successful operation. */
  get fault(): SensorError | undefined { return this.#fault; }
  get mode(): 'idle' | 'periodic' | 'single-shot' { return this.#mode; }

  /** Apply settings. Idle-only settings stop periodic measurement (500 ms) and restart it. */
  configure(options: SCD4xConfiguration): Promise<boolean> {
    const { mode, temperatureOffset, altitude, ambientPressure, automaticSelfCalibration } = options;
    if (mode === 'single-shot' && this.#variant !== 'SCD41') throw new SensorError('invalid-state', 'single-shot needs an SCD41');
    if (temperatureOffset !== undefined && !(temperatureOffset >= 0 && temperatureOffset < 175)) throw new RangeError('temperatureOffset: 0…175 °C');
    if (altitude !== undefined && !(altitude >= 0 && altitude <= 3000)) throw new RangeError('altitude: 0…3000 m');
    if (ambientPressure !== undefined && !(ambientPressure >= 70000 && ambientPressure <= 120000)) throw new RangeError('ambientPressure: 70000…120000 Pa');
    const idleOnly = temperatureOffset !== undefined || altitude !== undefined || automaticSelfCalibration !== undefined;
    const wanted = mode ?? this.#wanted;
    this.#wanted = wanted;
    return this.#guard(async () => {
      if (this.#mode === 'periodic' && (idleOnly || wanted !== 'periodic')) await this.#stop();
      if (temperatureOffset !== undefined) await this.#send(Command.setTemperatureOffset, Math.round((temperatureOffset * 65535) / 175));
      if (altitude !== undefined) await this.#send(Command.setSensorAltitude, Math.round(altitude));
      if (automaticSelfCalibration !== undefined) await this.#send(Command.setAutomaticSelfCalibrationEnabled, automaticSelfCalibration ? 1 : 0);
      if (ambientPressure !== undefined) await this.#send(Command.setAmbientPressure, Math.round(ambientPressure / 100));
      await this.#enter(wanted);
      return true;
    }, false);
  }

  /** Ambient pressure compensation (§3.6.5), the one setting allowed while measuring: fed from the barometer. */
  setAmbientPressure(pascal: number): Promise<boolean> {
    return this.configure({ ambientPressure: pascal });
  }

  /**
   * Periodic mode: the latest measurement if one is ready, else undefined (not a fault — one
   * arrives every 5 s). Single-shot mode: triggers one (5 s) and returns it. Idle: throws.
   */
  sample(): Promise<SCD4xSample | undefined> {
    if (this.#wanted === 'idle') throw new SensorError('invalid-state', 'SCD4x: configure({mode}) first');
    return this.#guard(async () => {
      if (this.#mode !== this.#wanted) {
        await this.#enter(this.#wanted); // the start failed earlier, or stop() was called
        if (this.#mode === 'periodic') return undefined; // first value in 5 s
      }
      if (this.#mode === 'single-shot') {
        await this.#send(Command.measureSingleShot);
      } else {
        await this.#send(Command.getDataReadyStatus);
        const ready = this.#device.readWords(1)[0];
        // §3.8.2: data ready when the 11 least significant bits are not all 0.
        if ((ready & 0x07ff) === 0) {
          if (this.#clock.now() - this.#lastData > STUCK_AFTER_MS) throw new SensorError('timeout', 'data-ready stuck low');
          return undefined;
        }
      }
      await this.#send(Command.readMeasurement);
      const w = this.#device.readWords(3);
      this.#lastData = this.#clock.now();
      return convertMeasurement(w[0], w[1], w[2]);
    }, undefined);
  }

  /** The 48-bit serial number (§3.9.2), idle mode only. */
  serialNumber(): Promise<number | undefined> {
    this.#requireIdle();
    return this.#guard(async () => {
      await this.#send(Command.getSerialNumber);
      const w = this.#device.readWords(3);
      return w[0] * 2 ** 32 + w[1] * 2 ** 16 + w[2];
    }, undefined);
  }

  /**
   * Forced recalibration (§3.7.1) to a known concentration, e.g. 420 ppm outdoors: idle mode, after
   * at least 3 minutes of periodic measurement at that concentration. Resolves the correction in
   * ppm, or undefined with fault 'calibration-failed' when the sensor refuses (it answers 0xFFFF).
   */
  forcedRecalibration(targetPpm: number): Promise<number | undefined> {
    if (!(targetPpm >= 400 && targetPpm <= 2000)) throw new RangeError('targetPpm: 400…2000');
    this.#requireIdle();
    return this.#guard(async () => {
      await this.#send(Command.performForcedRecalibration, Math.round(targetPpm));
      const correction = this.#device.readWords(1)[0];
      if (correction === 0xffff) throw new SensorError('calibration-failed', 'FRC refused: run periodic measurement ≥ 3 min first');
      return correction - 0x8000;
    }, undefined);
  }

  /**
   * Store the settings in EEPROM (§3.9.1) so they survive a power cycle. The EEPROM endures about
   * 2000 writes: call on a user's request, never per sample.
   */
  persistSettings(): Promise<boolean> {
    this.#requireIdle();
    return this.#guard(async () => { await this.#send(Command.persistSettings); return true; }, false);
  }

  /** Stop periodic measurement; resolves after the 500 ms the sensor needs (§3.5.3). */
  stop(): Promise<boolean> {
    this.#wanted = 'idle';
    return this.#guard(async () => { if (this.#mode === 'periodic') await this.#stop(); this.#mode = 'idle'; return true; }, false);
  }

  close(): void {
    this.#device.close();
  }

  async #enter(mode: 'idle' | 'periodic' | 'single-shot'): Promise<void> {
    if (mode === 'periodic' && this.#mode !== 'periodic') {
      await this.#send(Command.startPeriodicMeasurement);
      this.#lastData = this.#clock.now();
    }
    this.#mode = mode;
  }

  async #stop(): Promise<void> {
    await this.#send(Command.stopPeriodicMeasurement);
    this.#mode = 'idle';
  }

  #requireIdle(): void {
    if (this.#mode === 'periodic') throw new SensorError('invalid-state', 'SCD4x: command not allowed during periodic measurement');
  }

  /** Write a command (and argument word), then wait its execution time on the host clock. */
  async #send(command: Command, argument?: number): Promise<void> {
    if (!command.duringPeriodic && this.#mode === 'periodic') throw new SensorError('invalid-state', 'SCD4x: command not allowed during periodic measurement');
    this.#device.writeCommand(command.code, argument);
    if (command.ms) await this.#clock.delay(command.ms);
  }

  /** Serialise operations; turn runtime faults into `fault` + onError + a fallback result. */
  #guard<T, F>(operation: () => Promise<T>, fallback: F): Promise<T | F> {
    const run = this.#queue.then(operation).then(
      (value) => { this.#fault = undefined; return value; },
      (error: unknown) => {
        if (!(error instanceof SensorError) || error.condition === 'invalid-state') throw error;
        this.#fault = error;
        this.#onError?.(error);
        return fallback;
      },
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
