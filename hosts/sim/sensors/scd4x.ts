// A command-accurate Sensirion SCD4x on the simulated bus (SCD4x datasheet §3): 16-bit commands,
// CRC-protected words, a new measurement every 5 s in periodic mode with data-ready semantics
// (cleared by read_measurement, which NACKs when the buffer is empty), commands outside the
// periodic-mode whitelist not acknowledged, no acknowledge while a command executes (500 ms after
// stop_periodic_measurement, 5 s for measure_single_shot). Faults: corrupted CRCs, stuck data-ready.
import type { Clock } from '../../../src/sensors/clock.js';
import { pressureAtAltitude } from '../../../src/sensors/altitude.js';
import { crc8, encodeWords } from '../../../src/sensors/sensirion.js';
import { Command } from '../../../src/sensors/scd4x.js';
import type { SimI2CDevice } from './i2c.js';
import { Prng } from './prng.js';

export interface Air {
  co2: number; temperature: number; humidity: number;
  /** Ambient pressure in Pa (default 101325): a photoacoustic sensor counts molecules, so an
   * uncompensated reading scales with actual / assumed pressure (datasheet §3.6.3–3.6.5). */
  pressure?: number;
}

export interface SimSCD4xOptions {
  clock: Clock;
  /** The air around the sensor at time t (ms of the clock). */
  environment: (t: number) => Air;
  variant?: 'SCD40' | 'SCD41';
  prng?: Prng;
  /** CO2 noise amplitude in ppm (datasheet accuracy ±(40 ppm + 5 %); default 0 = exact). */
  noise?: number;
  /** The uncalibrated sensor's CO2 error in ppm (what forced recalibration removes). */
  drift?: number;
  /** 48-bit serial as three words (default: the datasheet example 0xf896 0x9f07 0x3bbe). */
  serial?: [number, number, number];
}

const byCode = new Map<number, { ms: number; duringPeriodic: boolean; name: string }>(
  Object.entries(Command).map(([name, c]) => [c.code, { ms: c.ms, duringPeriodic: c.duringPeriodic, name }]),
);
/** The sensor heats itself; the default 4 °C temperature offset (§3.6.1) cancels it. */
const SELF_HEATING = 4;

export class SimSCD4x implements SimI2CDevice {
  #o: SimSCD4xOptions;
  #prng: Prng;
  #mode: 'idle' | 'periodic' = 'idle';
  #busyUntil = 0;
  #nextMeasurementAt = 0;
  #singleShotAt = -1;
  #buffer: number[] | undefined; // the last measurement, until read
  #response: Uint8Array | undefined;
  #periodicSince = 0;
  #lastPeriodicMs = 0; // how long the last periodic run lasted (FRC needs ≥ 3 min)
  #correction = 0; // ppm applied by forced recalibration
  #lastSeen = 0; // the last measured CO2, before correction
  #responseAt = 0;
  /** Settings (§3.6–3.7), readable by tests. */
  /** EEPROM writes (persist_settings), limited to ~2000 in the part's life. */
  eepromWrites = 0;
  readonly settings = { temperatureOffset: 4, altitude: 0, ambientPressure: undefined as number | undefined, automaticSelfCalibration: true };
  /** Fault injection. */
  readonly faults = { corruptReads: 0, stuckDataReady: false };
  /** The last 100 commands received, by name (tests assert what the driver sent). */
  readonly log: string[] = [];

  constructor(options: SimSCD4xOptions) {
    this.#o = options;
    this.#prng = options.prng ?? new Prng(0x5cd4);
  }

  get mode(): 'idle' | 'periodic' { return this.#mode; }
  get dataReady(): boolean { this.#tick(); return this.#buffer !== undefined; }

  write(bytes: Uint8Array): boolean {
    const now = this.#o.clock.now();
    this.#tick();
    if (now < this.#busyUntil || bytes.length < 2) return false;
    const code = (bytes[0] << 8) | bytes[1];
    const command = byCode.get(code);
    if (!command) return false;
    if (this.#mode === 'periodic' && !command.duringPeriodic) return false; // §3.5: not acknowledged
    if (command.name === 'measureSingleShot' && this.#o.variant === 'SCD40') return false;
    let argument = -1;
    if (bytes.length >= 5) {
      if (crc8(bytes[2], bytes[3]) !== bytes[4]) return false; // a bad CRC on written data is refused
      argument = (bytes[2] << 8) | bytes[3];
    }
    this.log.push(command.name);
    if (this.log.length > 100) this.log.shift(); // bounded: the host simulation runs for hours
    this.#response = undefined;
    this.#busyUntil = now + command.ms;
    const respond = (words: number[]) => { this.#response = encodeWords(words); this.#responseAt = now + command.ms; };
    const s = this.settings;
    switch (command.name) {
      case 'startPeriodicMeasurement': this.#mode = 'periodic'; this.#nextMeasurementAt = now + 5000; this.#periodicSince = now; break;
      case 'stopPeriodicMeasurement': this.#mode = 'idle'; this.#lastPeriodicMs = now - this.#periodicSince; break;
      case 'persistSettings': this.eepromWrites++; break;
      case 'performForcedRecalibration':
        if (argument < 0 || this.#lastPeriodicMs < 180_000) respond([0xffff]);
        else {
          const correction = argument - this.#lastSeen;
          this.#correction = correction;
          respond([(correction + 0x8000) & 0xffff]);
        }
        break;
      case 'readMeasurement': if (this.#buffer) { respond(this.#buffer); this.#buffer = undefined; } break;
      case 'getDataReadyStatus': respond([this.#buffer && !this.faults.stuckDataReady ? 0x8006 : 0x8000]); break;
      case 'setTemperatureOffset': if (argument >= 0) s.temperatureOffset = (argument * 175) / 65535; break;
      case 'getTemperatureOffset': respond([Math.round((s.temperatureOffset * 65535) / 175)]); break;
      case 'setSensorAltitude': if (argument >= 0) s.altitude = argument; break;
      case 'getSensorAltitude': respond([s.altitude]); break;
      case 'setAmbientPressure': if (argument >= 0) s.ambientPressure = argument * 100; break;
      case 'setAutomaticSelfCalibrationEnabled': if (argument >= 0) s.automaticSelfCalibration = argument === 1; break;
      case 'getAutomaticSelfCalibrationEnabled': respond([s.automaticSelfCalibration ? 1 : 0]); break;
      case 'getSerialNumber': respond(this.#o.serial ?? [0xf896, 0x9f07, 0x3bbe]); break;
      case 'measureSingleShot': this.#singleShotAt = now + command.ms; break;
      default: break;
    }
    return true;
  }

  read(count: number): Uint8Array | undefined {
    const now = this.#o.clock.now();
    this.#tick();
    if (!this.#response || now < this.#responseAt) return undefined;
    const out = this.#response.slice(0, count);
    this.#response = undefined;
    if (this.faults.corruptReads > 0 && out.length >= 3) {
      this.faults.corruptReads--;
      out[2] ^= 0x5a; // the first word's CRC no longer matches
    }
    return out;
  }

  /** Measurements due by now (every 5 s in periodic mode; once for single shot). */
  #tick(): void {
    const now = this.#o.clock.now();
    if (this.#mode === 'periodic') {
      while (now >= this.#nextMeasurementAt) {
        this.#buffer = this.#measure(this.#nextMeasurementAt);
        this.#nextMeasurementAt += 5000;
      }
    }
    if (this.#singleShotAt >= 0 && now >= this.#singleShotAt) {
      this.#buffer = this.#measure(this.#singleShotAt);
      this.#singleShotAt = -1;
    }
  }

  #measure(t: number): number[] {
    const air = this.#o.environment(t);
    // The sensor compensates for the pressure it was told (set_ambient_pressure wins over altitude).
    const assumed = this.settings.ambientPressure ?? pressureAtAltitude(this.settings.altitude);
    const seen = (air.co2 * (air.pressure ?? 101_325)) / assumed;
    this.#lastSeen = seen + (this.#o.drift ?? 0);
    const co2 = Math.max(0, Math.min(40000, Math.round(this.#lastSeen + this.#correction + (this.#o.noise ? this.#prng.noise(this.#o.noise) : 0))));
    const temperature = air.temperature + SELF_HEATING - this.settings.temperatureOffset;
    const rawT = Math.max(0, Math.min(65535, Math.round(((temperature + 45) * 65535) / 175)));
    const rawRh = Math.max(0, Math.min(65535, Math.round((air.humidity * 65535) / 100)));
    return [co2, rawT, rawRh];
  }
}
