// The data extension's <entry/> (v0.9 §1.0.0; docs/PROTOCOL.md §9): one sample per entry.
//   <data xmlns='openspime:protocol:extension:data' version='0.9'><entry>
//     <date/> <exposure/> <lat/> <lon/> <ele unit='m'/> <ppm/>
//     <temperature unit='Cel'/> <humidity unit='%RH'/> <pressure unit='Pa'/>
//   </entry></data>
import { xml, type XmlElement } from '../xml/element.js';
import { parseDateTime } from './datetime.js';
import { checkVersion, OpenSpimeError } from './errors.js';
import { NS_DATA, VERSION } from './namespaces.js';

export interface DataEntry {
  /** XEP-0082 DateTime of the sample. */
  date: string;
  exposure?: 'indoor' | 'outdoor';
  /** WGS 84 decimal degrees. */
  lat?: number;
  lon?: number;
  /** Elevation in metres (unit='m'). */
  ele?: number;
  /** CO2 mole fraction, parts per million. */
  ppm?: number;
  /** °C (unit='Cel', UCUM). */
  temperature?: number;
  /** Relative humidity, percent (unit='%RH'). */
  humidity?: number;
  /** Pa (unit='Pa'). */
  pressure?: number;
}

export type NumericField = 'lat' | 'lon' | 'ele' | 'ppm' | 'temperature' | 'humidity' | 'pressure';
/** Element order as emitted; unit attribute (if any) and the accepted range. */
export const DATA_FIELDS: ReadonlyArray<readonly [NumericField, string | undefined, number, number]> = [
  ['lat', undefined, -90, 90],
  ['lon', undefined, -180, 180],
  ['ele', 'm', -12000, 100000],
  ['ppm', undefined, 0, 1e6],
  ['temperature', 'Cel', -273.15, 1000],
  ['humidity', '%RH', 0, 100],
  ['pressure', 'Pa', 0, 1e7],
];

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function bad(message: string): never {
  throw new OpenSpimeError('inconsistent-data-with-scope', message);
}

export function buildEntry(e: DataEntry): XmlElement {
  if (parseDateTime(e.date) === undefined) throw new OpenSpimeError('bad-format', `entry date '${e.date}'`);
  const kids: XmlElement[] = [xml('date', null, e.date)];
  if (e.exposure !== undefined) kids.push(xml('exposure', null, e.exposure));
  for (const [name, unit, min, max] of DATA_FIELDS) {
    const v = e[name];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < min || v > max) throw new OpenSpimeError('bad-format', `${name} ${v} outside [${min}, ${max}]`);
    kids.push(xml(name, unit ? { unit } : null, String(v)));
  }
  return xml('entry', null, kids);
}

export function buildData(entries: readonly DataEntry[]): XmlElement {
  return xml('data', { xmlns: NS_DATA, version: VERSION }, entries.map(buildEntry));
}

/** Parses one entry. Unknown child elements are ignored (forward compatibility, §9.2). */
export function parseEntry(el: XmlElement): DataEntry {
  const date = el.getChildText('date')?.trim();
  if (!date || parseDateTime(date) === undefined) bad('entry without a valid XEP-0082 <date/>');
  const entry: DataEntry = { date };
  const exposure = el.getChildText('exposure')?.trim();
  if (exposure !== undefined) {
    if (exposure !== 'indoor' && exposure !== 'outdoor') bad(`exposure '${exposure}'`);
    entry.exposure = exposure;
  }
  for (const [name, unit, min, max] of DATA_FIELDS) {
    const found = el.getChildren(name);
    if (!found.length) continue;
    if (found.length > 1) bad(`more than one <${name}/>`);
    const f = found[0];
    if (unit !== undefined && (f.attr('unit') ?? unit) !== unit) bad(`<${name}/> in unit '${f.attr('unit')}' (want ${unit})`);
    const text = f.text().trim();
    if (!NUMBER_RE.test(text)) bad(`<${name}/> '${text}' is not a number`);
    const v = Number(text);
    if (!(v >= min && v <= max)) bad(`<${name}/> ${v} outside [${min}, ${max}]`);
    entry[name] = v;
  }
  return entry;
}

export function parseData(el: XmlElement): DataEntry[] {
  if (el.name !== 'data' || el.ns !== NS_DATA) throw new OpenSpimeError('bad-format', 'not a data element');
  checkVersion(el, 'data');
  const entries = el.getChildren('entry');
  if (!entries.length) bad('data without entries');
  return entries.map(parseEntry);
}
