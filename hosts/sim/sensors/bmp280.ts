// A register-accurate Bosch BMP280/BME280 on the simulated bus (BMP280 datasheet §4–5): the
// calibration NVM at 0x88, chip id, ctrl_meas/config, status `measuring` during a conversion,
// forced mode falling back to sleep, normal mode converting every t_meas + t_standby, the IIR
// filter, 20-bit raw ADC values. The raw values are the inverse of the datasheet compensation
// (binary search over the 20-bit ADC range), so a correct driver reads back the intended
// temperature and pressure.
import { type Calibration, encodeCalibration, pressure, temperatureFine } from '../../../src/sensors/bmp280-compensation.js';
import { measurementTime } from '../../../src/sensors/bmp280.js';
import { encodeHumidityCalibration, humidity, type HumidityCalibration } from '../../../src/sensors/bme280-humidity.js';
import type { Clock } from '../../../src/sensors/clock.js';
import type { SimI2CDevice } from './i2c.js';

export interface Weather { temperature: number; pressure: number; /** %RH, BME280 only (default 50). */ humidity?: number }

/** The worked example of BMP280 datasheet §3.12. */
export const DATASHEET_CALIBRATION: Calibration = Object.freeze({
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
});

/** A BME280's humidity trimming as commonly read from production parts. */
export const TYPICAL_HUMIDITY_CALIBRATION: HumidityCalibration = Object.freeze({ H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30 });

export interface SimBMP280Options {
  clock: Clock;
  environment: (t: number) => Weather;
  /** 0x58 BMP280 (default), 0x60 BME280, anything else to test the chip-id check. */
  chipId?: number;
  calibration?: Calibration;
  humidityCalibration?: HumidityCalibration;
}

/** The 16-bit adc_H compensating closest to `rh` (humidity rises with adc_H). */
export function rawHumidity(rh: number, tFine: number, c: HumidityCalibration): number {
  let lo = 0, hi = 0xffff;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (humidity(mid, tFine, c) < rh) lo = mid + 1; else hi = mid;
  }
  return lo;
}

const OSRS = [0, 1, 2, 4, 8, 16, 16, 16];
const FILTER = [1, 2, 4, 8, 16, 16, 16, 16];
const STANDBY_MS = [0.5, 62.5, 125, 250, 500, 1000, 2000, 4000];

/** Smallest 20-bit adc_T whose t_fine reaches `temperature` (t_fine = T·5120). */
export function rawTemperature(temperature: number, c: Calibration): number {
  const target = temperature * 5120;
  let lo = 0, hi = 0xfffff;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (temperatureFine(mid, c) < target) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The 20-bit adc_P compensating closest to `pascal` (pressure falls as adc_P rises). */
export function rawPressure(pascal: number, tFine: number, c: Calibration): number {
  let lo = 0, hi = 0xfffff;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pressure(mid, tFine, c) > pascal) lo = mid + 1; else hi = mid;
  }
  if (lo > 0 && Math.abs(pressure(lo - 1, tFine, c) - pascal) < Math.abs(pressure(lo, tFine, c) - pascal)) lo--;
  return lo;
}

export class SimBMP280 implements SimI2CDevice {
  #o: SimBMP280Options;
  #calibration: Calibration;
  #humidityCalibration: HumidityCalibration;
  #osrsH = 0; // ctrl_hum as latched by the last ctrl_meas write
  readonly #regs = new Uint8Array(256);
  #pointer = 0;
  #conversionEnd = -1; // forced mode
  #normalSince = -1; // normal mode cycle origin
  #normalDone = 0; // normal-mode conversions already produced
  #filtered: Weather | undefined;
  readonly faults = { stuckMeasuring: false };

  constructor(options: SimBMP280Options) {
    this.#o = options;
    this.#calibration = options.calibration ?? DATASHEET_CALIBRATION;
    this.#humidityCalibration = options.humidityCalibration ?? TYPICAL_HUMIDITY_CALIBRATION;
    this.#reset();
  }

  /** ctrl_meas as the driver left it (tests check the mode it chose). */
  get ctrlMeas(): number { this.#tick(); return this.#regs[0xf4]; }
  get config(): number { return this.#regs[0xf5]; }

  write(bytes: Uint8Array): boolean {
    this.#tick();
    if (bytes.length === 0) return true;
    this.#pointer = bytes[0];
    // §5.2.1: a multi-byte write is register/data pairs (no auto-increment).
    for (let i = 0; i + 1 < bytes.length; i += 2) this.#writeRegister(bytes[i], bytes[i + 1]);
    return true;
  }

  read(count: number): Uint8Array | undefined {
    this.#tick();
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.#readRegister((this.#pointer + i) & 0xff);
    this.#pointer = (this.#pointer + count) & 0xff; // §5.2.2: reads auto-increment
    return out;
  }

  #reset(): void {
    const r = this.#regs;
    r.fill(0);
    r.set(encodeCalibration(this.#calibration), 0x88);
    r[0xd0] = this.#o.chipId ?? 0x58;
    r.set([0x80, 0, 0, 0x80, 0, 0], 0xf7); // data reset values (§4.3.6–4.3.7)
    if (this.#isBme280()) {
      const [h1, e1] = encodeHumidityCalibration(this.#humidityCalibration);
      r[0xa1] = h1;
      r.set(e1, 0xe1);
      r.set([0x80, 0], 0xfd);
    }
    this.#osrsH = 0;
    this.#conversionEnd = this.#normalSince = -1;
    this.#filtered = undefined;
  }

  #readRegister(register: number): number {
    if (register === 0xf3) {
      const measuring = this.faults.stuckMeasuring || this.#o.clock.now() < this.#conversionEnd;
      return measuring ? 0x08 : 0;
    }
    return this.#regs[register];
  }

  #writeRegister(register: number, value: number): void {
    const now = this.#o.clock.now();
    if (register === 0xe0) { if (value === 0xb6) this.#reset(); return; }
    if (register === 0xf5) { this.#regs[0xf5] = value & 0xfd; return; }
    if (register === 0xf2 && this.#isBme280()) { this.#regs[0xf2] = value & 7; return; }
    if (register !== 0xf4) return; // read-only or reserved
    this.#regs[0xf4] = value;
    this.#osrsH = this.#regs[0xf2]; // BME280 §5.4.3: ctrl_hum takes effect on this write
    const mode = value & 3;
    this.#normalSince = -1;
    if (mode === 1 || mode === 2) this.#conversionEnd = now + this.#measurementMs();
    else if (mode === 3) { this.#normalSince = now; this.#normalDone = 0; }
  }

  /** Typical conversion time, §3.8.1 (shorter than the max the driver waits for). */
  #measurementMs(): number {
    const t = OSRS[this.#regs[0xf4] >> 5], p = OSRS[(this.#regs[0xf4] >> 2) & 7];
    return measurementTime(t, p, this.#isBme280() ? OSRS[this.#osrsH] : 0) * 0.8;
  }

  #tick(): void {
    const now = this.#o.clock.now();
    const mode = this.#regs[0xf4] & 3;
    if ((mode === 1 || mode === 2) && this.#conversionEnd >= 0 && now >= this.#conversionEnd && !this.faults.stuckMeasuring) {
      this.#convert(this.#conversionEnd);
      this.#regs[0xf4] &= 0xfc; // back to sleep (§3.6.2)
      this.#conversionEnd = -1;
    } else if (mode === 3 && this.#normalSince >= 0) {
      const period = this.#measurementMs() + STANDBY_MS[this.#regs[0xf5] >> 5];
      const due = Math.floor((now - this.#normalSince - this.#measurementMs()) / period) + 1;
      if (due - this.#normalDone > 16) this.#normalDone = due - 16; // the filter has forgotten older ones
      for (; this.#normalDone < due; this.#normalDone++) this.#convert(this.#normalSince + this.#measurementMs() + this.#normalDone * period);
    }
  }

  /** One conversion at time t: filter (§3.4.3), invert the compensation, store the raw registers. */
  #convert(t: number): void {
    const c = this.#calibration, r = this.#regs;
    const osrsT = r[0xf4] >> 5, osrsP = (r[0xf4] >> 2) & 7;
    const coefficient = FILTER[(r[0xf5] >> 2) & 7];
    const weather = this.#o.environment(t);
    const f = this.#filtered;
    // The IIR filter acts on pressure and temperature: x = (x_prev·(c−1) + x_new) / c.
    this.#filtered = !f || coefficient === 1 ? { ...weather } : {
      temperature: (f.temperature * (coefficient - 1) + weather.temperature) / coefficient,
      pressure: (f.pressure * (coefficient - 1) + weather.pressure) / coefficient,
    };
    const adcT = osrsT ? rawTemperature(this.#filtered.temperature, c) : 0x80000;
    const adcP = osrsP && osrsT ? rawPressure(this.#filtered.pressure, temperatureFine(adcT, c), c) : 0x80000;
    r[0xf7] = adcP >> 12; r[0xf8] = (adcP >> 4) & 0xff; r[0xf9] = (adcP & 0xf) << 4;
    r[0xfa] = adcT >> 12; r[0xfb] = (adcT >> 4) & 0xff; r[0xfc] = (adcT & 0xf) << 4;
    if (this.#isBme280()) {
      // Humidity has no IIR filter (BME280 §3.4.4).
      const adcH = this.#osrsH && osrsT ? rawHumidity(weather.humidity ?? 50, temperatureFine(adcT, c), this.#humidityCalibration) : 0x8000;
      r[0xfd] = adcH >> 8; r[0xfe] = adcH & 0xff;
    }
  }

  #isBme280(): boolean { return (this.#o.chipId ?? 0x58) === 0x60; }
}
