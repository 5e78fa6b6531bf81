// Sensor samples → one OpenSpime data entry (OpenSpime core protocol v0.9, "Data Reporting":
// <entry><date/><lat/><lon/><ele unit='m'/><ppm/>…). A plain object: the protocol layer writes
// the XML. Extra measured quantities travel alongside in fixed units: temperature °C, humidity
// %RH, pressure Pa.

import { DATA_FIELDS, type DataEntry, type NumericField } from '../openspime/data.js';
import { formatDateTime } from '../openspime/datetime.js';

/** The entry a set of samples makes: the data extension's own model (units and ranges there). */
export type Entry = DataEntry;

/** The union of ECMA-419 sample groups the drivers produce. */
export interface Samples {
  carbonDioxideGasSensor?: { CO2: number };
  thermometer?: { temperature: number };
  hygrometer?: { humidity: number };
  barometer?: { pressure: number };
  altimeter?: { altitude: number };
  location?: { latitude: number; longitude: number; altitude?: number };
}

/**
 * Merge samples into an entry. `samples` are in priority order: the first that has a quantity
 * wins (e.g. list the barometer before the CO2 sensor, whose thermometer reads its own heat).
 * Elevation prefers the GPS altitude over the barometric one.
 */
export function toEntry(samples: readonly (Samples | undefined)[], time: number): Entry {
  const entry: Entry = { date: formatDateTime(time) };
  let baroAltitude: number | undefined;
  for (const s of samples) {
    if (!s) continue;
    if (s.location) {
      entry.lat ??= s.location.latitude;
      entry.lon ??= s.location.longitude;
      if (s.location.altitude !== undefined) entry.ele ??= s.location.altitude;
    }
    if (s.carbonDioxideGasSensor) entry.ppm ??= s.carbonDioxideGasSensor.CO2;
    if (s.thermometer) entry.temperature ??= s.thermometer.temperature;
    if (s.hygrometer) entry.humidity ??= s.hygrometer.humidity;
    if (s.barometer) entry.pressure ??= s.barometer.pressure;
    if (s.altimeter) baroAltitude ??= s.altimeter.altitude;
  }
  if (entry.ele === undefined && baroAltitude !== undefined) entry.ele = baroAltitude;
  return entry;
}

/**
 * The entry's fields as text for people (logs, the demo), each with the precision it deserves:
 * lat/lon 6 decimals (~0.1 m), ele 1 decimal, ppm whole. The wire form is the data extension's
 * buildEntry (src/openspime/data.ts), whose units these are.
 */
export function entryFields(entry: Entry): [name: string, text: string, unit?: string][] {
  const out: [string, string, string?][] = [['date', entry.date]];
  for (const [name, unit] of DATA_FIELDS) {
    const v = entry[name];
    if (v !== undefined) out.push(unit ? [name, v.toFixed(DISPLAY_DIGITS[name]), unit] : [name, v.toFixed(DISPLAY_DIGITS[name])]);
  }
  return out;
}

const DISPLAY_DIGITS: Readonly<Record<NumericField, number>> = Object.freeze({
  lat: 6, lon: 6, ele: 1, ppm: 0, temperature: 2, humidity: 1, pressure: 0,
});
