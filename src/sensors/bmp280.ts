// Bosch BMP280 (chip id 0x58) and BME280 (0x60) barometer + thermometer on I2C 0x76/0x77
// (BMP280 datasheet BST-BMP280-DS001; BME280 BST-BME280-DS002 shares the T/P registers and
// compensation, and adds a humidity channel read when the chip id says BME280). Forced and normal mode, oversampling,
// IIR filter (§3.3–3.6). Conversions are awaited on the host clock (§3.8.1 measurement time).
// The chip is probed lazily: a missing or wrong chip is a reportable fault that the next
// sample() retries, not a constructor exception.
import { altitudeFromPressure, seaLevelPressureFor, STANDARD_SEA_LEVEL_PA } from './altitude.js';
import { type Calibration, parseCalibration, pressure, temperatureFine, temperatureFromFine } from './bmp280-compensation.js';
import { humidity, parseHumidityCalibration, type HumidityCalibration } from './bme280-humidity.js';
import type { Clock } from './clock.js';
import { SensorError } from './errors.js';
import type { I2CConstructor, SensorBus } from './io.js';
import { I2CRegisters, type Registers } from './registers.js';

/** Register map, §4.2. */
export const Register = Object.freeze({
  calibration: 0x88, // 24 bytes, dig_T1…dig_P9
  chipId: 0xd0,
  reset: 0xe0,
  humidityCalibrationH1: 0xa1, // BME280: dig_H1
  humidityCalibration: 0xe1, // BME280: 7 bytes, dig_H2…dig_H6
  ctrlHum: 0xf2, // BME280: osrs_h[2:0], effective after the next ctrl_meas write (§5.4.3)
  status: 0xf3, // bit 3 measuring, bit 0 im_update
  ctrlMeas: 0xf4, // osrs_t[7:5] osrs_p[4:2] mode[1:0]
  config: 0xf5, // t_sb[7:5] filter[4:2]
  pressMsb: 0xf7, // press msb, lsb, xlsb[7:4], temp msb, lsb, xlsb[7:4] (BME280: hum msb, lsb)
});

export const ChipId = Object.freeze({ BMP280: 0x58, BME280: 0x60 });
export const Mode = Object.freeze({ sleep: 0b00, forced: 0b01, normal: 0b11 });
/** Oversampling factor → osrs code (§3.3.1, 0 = skipped). */
export const Oversampling: Readonly<Record<number, number>> = Object.freeze({ 0: 0, 1: 1, 2: 2, 4: 3, 8: 4, 16: 5 });
/** IIR filter coefficient → code (§3.3.3). */
export const Filter: Readonly<Record<number, number>> = Object.freeze({ 0: 0, 2: 1, 4: 2, 8: 3, 16: 4 });
/** Normal-mode standby time in ms → t_sb code (BMP280 Table 11). */
export const Standby: Readonly<Record<number, number>> = Object.freeze({ 0.5: 0, 62.5: 1, 125: 2, 250: 3, 500: 4, 1000: 5, 2000: 6, 4000: 7 });

export interface BMP280Configuration {
  mode?: 'forced' | 'normal' | 'sleep';
  temperatureOversampling?: 0 | 1 | 2 | 4 | 8 | 16;
  pressureOversampling?: 0 | 1 | 2 | 4 | 8 | 16;
  /** BME280 only. */
  humidityOversampling?: 0 | 1 | 2 | 4 | 8 | 16;
  filter?: 0 | 2 | 4 | 8 | 16;
  standby?: number;
  /** Pa, the sea-level reference for altitude. */
  seaLevelPressure?: number;
}

export interface BMP280Options extends BMP280Configuration {
  sensor: SensorBus<I2CConstructor>;
  clock: Clock;
  onError?: (error: SensorError) => void;
}

export interface BMP280Sample {
  barometer: { pressure: number };
  thermometer: { temperature: number };
  altimeter: { altitude: number };
  /** BME280 only. */
  hygrometer?: { humidity: number };
}

/** Max. measurement time in ms for oversampling factors (datasheet §3.8.1 / Appendix B). */
export function measurementTime(temperatureOversampling: number, pressureOversampling: number, humidityOversampling = 0): number {
  return 1.25 + 2.3 * temperatureOversampling + (pressureOversampling ? 2.3 * pressureOversampling + 0.575 : 0) +
    (humidityOversampling ? 2.3 * humidityOversampling + 0.575 : 0); // BME280 §9.1
}

export class BMP280 {
  #registers: Registers;
  #clock: Clock;
  #onError: ((error: SensorError) => void) | undefined;
  #calibration: Calibration | undefined;
  #humidityCalibration: HumidityCalibration | undefined;
  #chip = 0;
  #config: Required<BMP280Configuration> = { mode: 'forced', temperatureOversampling: 2, pressureOversampling: 16, humidityOversampling: 1, filter: 4, standby: 500, seaLevelPressure: STANDARD_SEA_LEVEL_PA };
  #fault: SensorError | undefined;
  #lastPressure: number | undefined;

  constructor(options: BMP280Options) {
    if (!options?.sensor?.io) throw new TypeError('BMP280: options.sensor.io is required');
    if (!options.clock) throw new TypeError('BMP280: options.clock is required');
    this.#clock = options.clock;
    this.#onError = options.onError;
    const { sensor, clock: _c, onError: _e, ...config } = options;
    this.#check(config);
    Object.assign(this.#config, config);
    this.#registers = new I2CRegisters(new sensor.io({ address: 0x76, hz: 400_000, ...sensor }));
  }

  get fault(): SensorError | undefined { return this.#fault; }
  /** 'BMP280' or 'BME280' once probed. */
  get chip(): string | undefined { return this.#chip === ChipId.BME280 ? 'BME280' : this.#chip === ChipId.BMP280 ? 'BMP280' : undefined; }
  get seaLevelPressure(): number { return this.#config.seaLevelPressure; }

  configure(options: BMP280Configuration): void {
    this.#check(options);
    Object.assign(this.#config, options);
    if (this.#calibration) this.#attempt(() => this.#writeConfig());
  }

  /** Set the altitude reference so the last pressure reads as `elevation` m (e.g. from a GPS fix). */
  calibrateAltitude(elevation: number): boolean {
    if (this.#lastPressure === undefined) return false;
    this.#config.seaLevelPressure = seaLevelPressureFor(this.#lastPressure, elevation);
    return true;
  }

  async sample(): Promise<BMP280Sample | undefined> {
    try {
      if (!this.#calibration) this.#probe();
      const c = this.#config;
      if (c.mode === 'sleep') throw new SensorError('invalid-state', 'BMP280: sleeping, configure({mode}) first');
      if (c.mode === 'forced') {
        // §3.6.2: writing forced mode starts one conversion; the chip returns to sleep after it.
        this.#writeRegister(Register.ctrlMeas, this.#ctrlMeas());
        await this.#clock.delay(Math.ceil(measurementTime(c.temperatureOversampling, c.pressureOversampling, this.#humidityCalibration ? c.humidityOversampling : 0)));
        let polls = 0;
        while (this.#readRegisters(Register.status, 1)[0] & 0x08) {
          if (++polls > 5) throw new SensorError('timeout', 'conversion never finished');
          await this.#clock.delay(1);
        }
      }
      // Burst read of all data registers keeps T and P from the same conversion (§3.9).
      const d = this.#readRegisters(Register.pressMsb, this.#humidityCalibration ? 8 : 6);
      const adcP = (d[0] << 12) | (d[1] << 4) | (d[2] >> 4);
      const adcT = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4);
      if (adcT === 0x80000) return undefined; // reset value: no conversion yet (normal mode start-up)
      const tFine = temperatureFine(adcT, this.#calibration!);
      const temperature = temperatureFromFine(tFine);
      this.#fault = undefined;
      if (adcP === 0x80000) return undefined; // pressure skipped
      const p = pressure(adcP, tFine, this.#calibration!);
      this.#lastPressure = p;
      const result: BMP280Sample = {
        barometer: { pressure: p },
        thermometer: { temperature },
        altimeter: { altitude: altitudeFromPressure(p, c.seaLevelPressure) },
      };
      const adcH = (d[6] << 8) | d[7];
      if (this.#humidityCalibration && adcH !== 0x8000) result.hygrometer = { humidity: humidity(adcH, tFine, this.#humidityCalibration) };
      return result;
    } catch (error) {
      this.#report(error);
      return undefined;
    }
  }

  close(): void {
    this.#registers.close();
  }

  /** Chip id, calibration, configuration: on first use and after every fault that lost them. */
  #probe(): void {
    const id = this.#readRegisters(Register.chipId, 1)[0];
    if (id !== ChipId.BMP280 && id !== ChipId.BME280) throw new SensorError('wrong-chip-id', `0x${id.toString(16)}`);
    this.#chip = id;
    this.#calibration = parseCalibration(this.#readRegisters(Register.calibration, 24));
    this.#humidityCalibration = undefined;
    if (id === ChipId.BME280) {
      const h1 = this.#readRegisters(Register.humidityCalibrationH1, 1)[0];
      this.#humidityCalibration = parseHumidityCalibration(h1, this.#readRegisters(Register.humidityCalibration, 7));
    }
    this.#writeConfig();
  }

  #writeConfig(): void {
    const c = this.#config;
    // §5.4.6: config writes in normal mode may be ignored, so sleep first.
    this.#writeRegister(Register.ctrlMeas, 0);
    if (this.#humidityCalibration) this.#writeRegister(Register.ctrlHum, Oversampling[c.humidityOversampling]);
    this.#writeRegister(Register.config, (Standby[c.standby] << 5) | (Filter[c.filter] << 2));
    if (c.mode === 'normal') this.#writeRegister(Register.ctrlMeas, this.#ctrlMeas());
  }

  #ctrlMeas(): number {
    const c = this.#config;
    return (Oversampling[c.temperatureOversampling] << 5) | (Oversampling[c.pressureOversampling] << 2) | Mode[c.mode];
  }

  #check(o: BMP280Configuration): void {
    if (o.mode !== undefined && !(o.mode in Mode)) throw new RangeError(`BMP280: mode ${o.mode}`);
    if (o.temperatureOversampling !== undefined && !(o.temperatureOversampling in Oversampling)) throw new RangeError('BMP280: temperatureOversampling');
    if (o.pressureOversampling !== undefined && !(o.pressureOversampling in Oversampling)) throw new RangeError('BMP280: pressureOversampling');
    if (o.humidityOversampling !== undefined && !(o.humidityOversampling in Oversampling)) throw new RangeError('BMP280: humidityOversampling');
    if (o.filter !== undefined && !(o.filter in Filter)) throw new RangeError('BMP280: filter');
    if (o.standby !== undefined && !(o.standby in Standby)) throw new RangeError('BMP280: standby');
  }

  #writeRegister(register: number, value: number): void { this.#registers.write(register, value); }
  #readRegisters(register: number, count: number): Uint8Array { return this.#registers.read(register, count); }

  #attempt(operation: () => void): void {
    try { operation(); } catch (error) { this.#report(error); }
  }

  #report(error: unknown): void {
    if (!(error instanceof SensorError) || error.condition === 'invalid-state') throw error;
    // After a NACK the chip may have reset: probe again next time.
    if (error.condition !== 'timeout') this.#calibration = undefined;
    this.#fault = error;
    this.#onError?.(error);
  }
}
