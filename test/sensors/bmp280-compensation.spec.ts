// BMP280 compensation against the datasheet's worked example (BST-BMP280-DS001 §3.12, Table 16).
import { encodeCalibration, parseCalibration, pressure, temperatureFine, temperatureFromFine } from '../../src/sensors/bmp280-compensation.js';
import { encodeHumidityCalibration, humidity, parseHumidityCalibration } from '../../src/sensors/bme280-humidity.js';
import { altitudeFromPressure, pressureAtAltitude, seaLevelPressureFor } from '../../src/sensors/altitude.js';
import { DATASHEET_CALIBRATION, rawHumidity, rawPressure, rawTemperature, TYPICAL_HUMIDITY_CALIBRATION } from '../../hosts/sim/sensors/bmp280.js';

const c = DATASHEET_CALIBRATION;

describe('BMP280 compensation, datasheet §3.12 example', () => {
  test('adc_T = 519888 → t_fine = 128422, T = 25.08 °C', () => {
    const tFine = temperatureFine(519888, c);
    expect(tFine).toBe(128422);
    expect(temperatureFromFine(tFine)).toBe(25.08);
  });
  test('adc_P = 415148 → p = 100653.27 Pa (double-precision formula)', () => {
    expect(pressure(415148, 128422, c)).toBeCloseTo(100653.27, 1);
  });
  test('negative temperatures use arithmetic (floor) shifts like the C reference', () => {
    const adc = rawTemperature(-20, c);
    expect(temperatureFromFine(temperatureFine(adc, c))).toBeCloseTo(-20, 1);
  });
  test('calibration block parses little-endian, signed except T1 and P1', () => {
    const bytes = encodeCalibration(c);
    expect(bytes[0] | (bytes[1] << 8)).toBe(27504); // dig_T1 at 0x88/0x89
    expect(bytes[4]).toBe(0x18); // dig_T3 = -1000 = 0xFC18
    expect(bytes[5]).toBe(0xfc);
    expect(parseCalibration(bytes)).toEqual(c);
  });
  test('the simulator inverse finds the datasheet ADC values', () => {
    expect(rawTemperature(128422 / 5120, c)).toBe(519888);
    expect(Math.abs(rawPressure(100653.27, 128422, c) - 415148)).toBeLessThanOrEqual(1);
  });
});

describe('altitude from pressure', () => {
  test('standard atmosphere: 101325 Pa is sea level, 1000 m ≈ 89875 Pa (ICAO table 89874.6)', () => {
    expect(altitudeFromPressure(101325)).toBeCloseTo(0, 6);
    expect(Math.abs(pressureAtAltitude(1000) - 89874.6)).toBeLessThan(5);
    expect(altitudeFromPressure(pressureAtAltitude(1000))).toBeCloseTo(1000, 6);
  });
  test('a known elevation fixes the sea-level reference', () => {
    const p = 99900; // a low-pressure day in Milan
    const p0 = seaLevelPressureFor(p, 122);
    expect(altitudeFromPressure(p, p0)).toBeCloseTo(122, 6);
    expect(p0).toBeGreaterThan(p);
  });
});

describe('BME280 humidity (BME280 datasheet §4.2.2, §8.1)', () => {
  test('the packed 12-bit dig_H4/dig_H5 (0xE4–0xE6) parse, negative values included', () => {
    // dig_H4 = 0xE4<<4 | 0xE5[3:0]; dig_H5 = 0xE6<<4 | 0xE5[7:4]
    expect(parseHumidityCalibration(75, Uint8Array.of(0x6a, 0x01, 0x00, 0x13, 0x29, 0x03, 0x1e))).toEqual({ H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30 });
    const negative = { H1: 0, H2: -300, H3: 7, H4: -100, H5: -7, H6: -5 };
    const [h1, e1] = encodeHumidityCalibration(negative);
    expect(parseHumidityCalibration(h1, e1)).toEqual(negative);
  });
  test('compensation is monotonic, clamped to 0…100 %RH, and inverted by the simulator', () => {
    const c = TYPICAL_HUMIDITY_CALIBRATION, tFine = 128422;
    expect(humidity(0, tFine, c)).toBe(0);
    expect(humidity(0xffff, tFine, c)).toBe(100);
    for (const rh of [5, 25.5, 50, 75, 95]) expect(humidity(rawHumidity(rh, tFine, c), tFine, c)).toBeCloseTo(rh, 1);
  });
});
