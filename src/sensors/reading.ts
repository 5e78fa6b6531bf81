// Sensor samples → one OpenSpime data entry (OpenSpime core protocol v0.9, "Data Reporting":
// <entry><date/><lat/><lon/><ele unit='m'/><ppm/>…). A plain object: the protocol layer writes
// the XML. Extra measured quantities travel alongside in fixed units: temperature °C, humidity
// %RH, pressure Pa.

export interface Entry {
  /** ISO 8601 UTC, e.g. 2008-04-02T16:54:22Z. */
  date: string;
  lat?: number;
  lon?: number;
  /** Metres above mean sea level. */
  ele?: number;
  /** CO2 in parts per million. */
  ppm?: number;
  temperature?: number;
  humidity?: number;
  pressure?: number;
}

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
  const entry: Entry = { date: isoDate(time) };
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

/** ISO 8601 UTC with whole seconds (the OpenSpime example's precision). */
export function isoDate(time: number): string {
  return new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The entry's fields as text, in document order, with the precision each deserves: lat/lon 6
 * decimals (~0.1 m), ele 1 decimal with unit 'm' as in the OpenSpime example, ppm whole, etc.
 */
export function entryFields(entry: Entry): [name: string, text: string, unit?: string][] {
  const out: [string, string, string?][] = [['date', entry.date]];
  if (entry.lat !== undefined) out.push(['lat', entry.lat.toFixed(6)]);
  if (entry.lon !== undefined) out.push(['lon', entry.lon.toFixed(6)]);
  if (entry.ele !== undefined) out.push(['ele', entry.ele.toFixed(1), 'm']);
  if (entry.ppm !== undefined) out.push(['ppm', Math.round(entry.ppm).toString()]);
  if (entry.temperature !== undefined) out.push(['temperature', entry.temperature.toFixed(2), 'C']);
  if (entry.humidity !== undefined) out.push(['humidity', entry.humidity.toFixed(1), '%RH']);
  if (entry.pressure !== undefined) out.push(['pressure', entry.pressure.toFixed(0), 'Pa']);
  return out;
}
