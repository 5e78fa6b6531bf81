// BMP280 compensation against the datasheet's worked example (BST-BMP280-DS001 §3.12, Table 16).
import { encodeCalibration, parseCalibration, pressure, temperatureFine, temperatureFromFine } from '../../src/sensors/bmp280-compensation.js';
import { altitudeFromPressure, pressureAtAltitude, seaLevelPressureFor } from '../../src/sensors/altitude.js';
import { DATASHEET_CALIBRATION, rawPressure, rawTemperature } from '../../hosts/sim/sensors/bmp280.js';

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
