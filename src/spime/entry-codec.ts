// A reading as stored in the flash log: a small versioned binary form of a DataEntry, not XML.
//   u8   version (1)
//   u8   flags: bit 0 undated (time is monotonic ms since boot `boot`), bit 1 exposure present,
//        bit 2 exposure is 'outdoor'
//   u8   fields present: bit i = DATA_FIELDS[i] (lat, lon, ele, ppm, temperature, humidity, pressure)
//   u48  time: UTC ms since the epoch, or (undated) monotonic ms since boot
//   u16  boot (undated only)
//   per present field, in DATA_FIELDS order: zigzag LEB128 of round(value × scale)
// Scales: lat/lon 1e-7° (~1 cm), ele 1 cm, ppm 0.1, temperature 0.01 °C, humidity 0.1 %RH,
// pressure 0.1 Pa. A reading is quantized to these steps when it is taken (quantizeValues), so
// the entry stored, sent and acknowledged is one value, and decoding gives it back exactly.
// Typical full reading: 30 bytes (44 in flash with the record header, 48 with 16-byte units); worst case 38.
import { DATA_FIELDS, type DataEntry, type NumericField } from '../openspime/data.js';

export const ENTRY_CODEC_VERSION = 1;

export type ReadingValues = Omit<DataEntry, 'date'>;

export interface StoredReading {
  /** UTC ms since the epoch; or, when `boot` is set, monotonic ms since that boot (not dated yet). */
  time: number;
  boot?: number;
  values: ReadingValues;
}

const SCALE: Readonly<Record<NumericField, number>> = { lat: 1e7, lon: 1e7, ele: 100, ppm: 10, temperature: 100, humidity: 10, pressure: 10 };
const MAX_U48 = 2 ** 48 - 1;

export class EntryCodecError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'EntryCodecError', writable: true, configurable: true });
  }
}

/** The values rounded to the stored steps and clamped to the profile's ranges; non-finite ones left out. */
export function quantizeValues(v: ReadingValues): ReadingValues {
  const out: ReadingValues = {};
  if (v.exposure !== undefined) out.exposure = v.exposure;
  for (const [name, , min, max] of DATA_FIELDS) {
    const x = v[name];
    if (x === undefined || !Number.isFinite(x)) continue;
    const s = SCALE[name];
    out[name] = Math.round(Math.min(max, Math.max(min, x)) * s) / s;
  }
  return out;
}

export function encodeReading(r: StoredReading): Uint8Array {
  if (!Number.isInteger(r.time) || r.time < 0 || r.time > MAX_U48) throw new RangeError(`reading time ${r.time} outside [0, 2^48)`);
  const out = new Uint8Array(64);
  let n = 0;
  out[n++] = ENTRY_CODEC_VERSION;
  let flags = 0;
  if (r.boot !== undefined) flags |= 1;
  if (r.values.exposure !== undefined) flags |= 2 | (r.values.exposure === 'outdoor' ? 4 : 0);
  out[n++] = flags;
  const presentAt = n++;
  let present = 0;
  const hi = Math.floor(r.time / 2 ** 32), lo = r.time >>> 0;
  out[n++] = (hi >>> 8) & 0xff; out[n++] = hi & 0xff;
  out[n++] = lo >>> 24; out[n++] = (lo >>> 16) & 0xff; out[n++] = (lo >>> 8) & 0xff; out[n++] = lo & 0xff;
  if (r.boot !== undefined) {
    if (!Number.isInteger(r.boot) || r.boot < 0 || r.boot > 0xffff) throw new RangeError(`boot ${r.boot} outside [0, 65535]`);
    out[n++] = r.boot >>> 8; out[n++] = r.boot & 0xff;
  }
  DATA_FIELDS.forEach(([name], i) => {
    const x = r.values[name];
    if (x === undefined) return;
    present |= 1 << i;
    let z = Math.round(x * SCALE[name]);
    z = z < 0 ? -2 * z - 1 : 2 * z; // zigzag, in doubles: |z| < 2^53
    do {
      const low = z % 128;
      z = Math.floor(z / 128);
      out[n++] = low | (z > 0 ? 0x80 : 0);
    } while (z > 0);
  });
  out[presentAt] = present;
  return out.slice(0, n);
}

export function decodeReading(b: Uint8Array): StoredReading {
  const need = (k: number) => { if (n + k > b.length) throw new EntryCodecError('reading truncated'); };
  let n = 0;
  need(9);
  if (b[n++] !== ENTRY_CODEC_VERSION) throw new EntryCodecError(`reading version ${b[0]}`);
  const flags = b[n++];
  const present = b[n++];
  const time = ((b[n] << 8) | b[n + 1]) * 2 ** 32 + (((b[n + 2] << 24) | (b[n + 3] << 16) | (b[n + 4] << 8) | b[n + 5]) >>> 0);
  n += 6;
  const r: StoredReading = { time, values: {} };
  if (flags & 1) { need(2); r.boot = (b[n] << 8) | b[n + 1]; n += 2; }
  if (flags & 2) r.values.exposure = flags & 4 ? 'outdoor' : 'indoor';
  DATA_FIELDS.forEach(([name], i) => {
    if (!(present & (1 << i))) return;
    let z = 0, mul = 1, byte: number;
    do {
      need(1);
      byte = b[n++];
      z += (byte & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 56) throw new EntryCodecError('varint too long');
    } while (byte & 0x80);
    const v = z % 2 === 1 ? -(z + 1) / 2 : z / 2;
    r.values[name] = v / SCALE[name];
  });
  if (n !== b.length) throw new EntryCodecError('trailing bytes after the reading');
  return r;
}
