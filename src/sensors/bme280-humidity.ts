// BME280 humidity compensation (BME280 datasheet BST-BME280-DS002 §4.2.2 calibration layout,
// §8.1 double-precision formula — the same choice as pressure, see bmp280-compensation.ts).
// Only the BME280 has this channel; its temperature and pressure path is the BMP280's.

export interface HumidityCalibration { H1: number; H2: number; H3: number; H4: number; H5: number; H6: number }

/** Calibration from register 0xA1 (1 byte) and 0xE1…0xE7 (7 bytes), §4.2.2 Table 16. */
export function parseHumidityCalibration(a1: number, e1: Uint8Array): HumidityCalibration {
  const s8 = (v: number) => (v > 0x7f ? v - 0x100 : v);
  const h2 = e1[0] | (e1[1] << 8);
  return {
    H1: a1,
    H2: h2 > 0x7fff ? h2 - 0x10000 : h2,
    H3: e1[2],
    // dig_H4 = 0xE4[11:4] | 0xE5[3:0], dig_H5 = 0xE6[11:4] | 0xE5[7:4]: 12-bit, signed via the high byte.
    H4: s8(e1[3]) * 16 + (e1[4] & 0x0f),
    H5: s8(e1[5]) * 16 + (e1[4] >> 4),
    H6: s8(e1[6]),
  };
}

/** The inverse of parseHumidityCalibration (for simulators): [0xA1, 0xE1…0xE7]. */
export function encodeHumidityCalibration(c: HumidityCalibration): [number, Uint8Array] {
  const e1 = new Uint8Array(7);
  e1[0] = c.H2 & 0xff; e1[1] = (c.H2 >> 8) & 0xff;
  e1[2] = c.H3;
  e1[3] = (c.H4 >> 4) & 0xff;
  e1[4] = (c.H4 & 0x0f) | ((c.H5 & 0x0f) << 4);
  e1[5] = (c.H5 >> 4) & 0xff;
  e1[6] = c.H6 & 0xff;
  return [c.H1, e1];
}

/** %RH from the 16-bit humidity reading and t_fine; clamped to 0…100 as the datasheet does. */
export function humidity(adcH: number, tFine: number, c: HumidityCalibration): number {
  let h = tFine - 76800;
  h = (adcH - (c.H4 * 64 + (c.H5 / 16384) * h)) * ((c.H2 / 65536) * (1 + (c.H6 / 67108864) * h * (1 + (c.H3 / 67108864) * h)));
  h = h * (1 - (c.H1 * h) / 524288);
  return h > 100 ? 100 : h < 0 ? 0 : h;
}
