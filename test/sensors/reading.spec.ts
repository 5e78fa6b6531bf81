// Samples → OpenSpime data entry (OpenSpime core v0.9, "Data Reporting" example fields).
import { formatDateTime } from '../../src/openspime/datetime.js';
import { entryFields, toEntry } from '../../src/sensors/reading.js';

const T = Date.UTC(2008, 3, 2, 16, 54, 22, 640);

describe('reading model', () => {
  test('the OpenSpime example entry: date, lat, lon, ele in metres, ppm', () => {
    const entry = toEntry([
      { location: { latitude: 45.475841199050905, longitude: 9.172725677490234, altitude: 120 } },
      { carbonDioxideGasSensor: { CO2: 384 } },
    ], T);
    expect(entry).toEqual({ date: '2008-04-02T16:54:22Z', lat: 45.475841199050905, lon: 9.172725677490234, ele: 120, ppm: 384 });
    expect(entryFields(entry)).toEqual([
      ['date', '2008-04-02T16:54:22Z'], ['lat', '45.475841'], ['lon', '9.172726'], ['ele', '120.0', 'm'], ['ppm', '384'],
    ]);
  });

  test('extra quantities in fixed units; the first sample in priority order wins', () => {
    const entry = toEntry([
      undefined, // a faulted sensor
      { barometer: { pressure: 100_653.27 }, thermometer: { temperature: 21.5 }, altimeter: { altitude: 118.2 } },
      { carbonDioxideGasSensor: { CO2: 611 }, thermometer: { temperature: 25.9 }, hygrometer: { humidity: 41.26 } },
    ], T);
    expect(entry).toEqual({ date: '2008-04-02T16:54:22Z', ppm: 611, temperature: 21.5, humidity: 41.26, pressure: 100_653.27, ele: 118.2 });
    expect(entryFields(entry).slice(1)).toEqual([
      ['ele', '118.2', 'm'], ['ppm', '611'], ['temperature', '21.50', 'Cel'], ['humidity', '41.3', '%RH'], ['pressure', '100653', 'Pa'],
    ]);
  });

  test('GPS altitude is preferred to barometric altitude, whatever the order', () => {
    const entry = toEntry([{ altimeter: { altitude: 99 } }, { location: { latitude: 1, longitude: 2, altitude: 122 } }], T);
    expect(entry.ele).toBe(122);
  });

  test('dates are UTC with whole seconds, before and after 2000', () => {
    expect(formatDateTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatDateTime(Date.UTC(1999, 11, 31, 23, 59, 59, 999))).toBe('1999-12-31T23:59:59Z');
  });
});
