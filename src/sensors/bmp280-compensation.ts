// Bosch BMP280/BME280 temperature and pressure compensation (BMP280 datasheet BST-BMP280-DS001
// §3.11.3 and §8.1; BME280 §4.2.3 and §8.1 — the same T/P path).
//
// Temperature uses the datasheet's 32-bit integer formula: every intermediate is an exact
// integer well inside 2^53, so JavaScript numbers compute it exactly (Math.floor of a division
// is C's arithmetic right shift). Pressure uses the datasheet's double-precision alternative
// (§8.1) rather than the 64-bit integer one: the 64-bit intermediates exceed 2^53, so an exact
// port would need BigInt, which on XS allocates on every operation; doubles are what JavaScript
// numbers already are, and §3.12's worked example gives the double result (100653.27 Pa).

export interface Calibration {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
}

/** Calibration block 0x88…0x9F (§3.11.2): little-endian, T1 and P1 unsigned, the rest signed. */
export function parseCalibration(bytes: Uint8Array): Calibration {
  const u16 = (i: number) => bytes[i] | (bytes[i + 1] << 8);
  const s16 = (i: number) => { const v = u16(i); return v > 0x7fff ? v - 0x10000 : v; };
  return {
    T1: u16(0), T2: s16(2), T3: s16(4),
    P1: u16(6), P2: s16(8), P3: s16(10), P4: s16(12), P5: s16(14), P6: s16(16), P7: s16(18), P8: s16(20), P9: s16(22),
  };
}

/** The inverse of parseCalibration (for simulators). */
export function encodeCalibration(c: Calibration): Uint8Array {
  const values = [c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9];
  const out = new Uint8Array(24);
  values.forEach((v, i) => { const u = v & 0xffff; out[i * 2] = u & 0xff; out[i * 2 + 1] = u >> 8; });
  return out;
}

/** t_fine (shared by the pressure formula) from a 20-bit temperature reading, §3.11.3. */
export function temperatureFine(adcT: number, c: Calibration): number {
  const var1 = Math.floor(((Math.floor(adcT / 8) - c.T1 * 2) * c.T2) / 2048);
  const d = Math.floor(adcT / 16) - c.T1;
  const var2 = Math.floor((Math.floor((d * d) / 4096) * c.T3) / 16384);
  return var1 + var2;
}

/** °C from t_fine (the integer formula returns centi-degrees: (t_fine·5+128)>>8). */
export function temperatureFromFine(tFine: number): number {
  return Math.floor((tFine * 5 + 128) / 256) / 100;
}

/** Pa from a 20-bit pressure reading and t_fine, double-precision formula of §8.1. */
export function pressure(adcP: number, tFine: number, c: Calibration): number {
  let var1 = tFine / 2 - 64000;
  let var2 = (var1 * var1 * c.P6) / 32768;
  var2 = var2 + var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  if (var1 === 0) return 0; // avoid division by zero (datasheet)
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.P9 * p * p) / 2147483648;
  var2 = (p * c.P8) / 32768;
  return p + (var1 + var2 + c.P7) / 16;
}
