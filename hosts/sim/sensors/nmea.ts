// An NMEA 0183 receiver: GGA + RMC (+ GSA, GSV, VTG that a position driver must skip) once per
// second along a track, with a UTC date and time, losing and regaining its fix on a schedule,
// and faults to inject (corrupted sentences, line noise, silence).
import { checksum } from '../../../src/sensors/gps/nmea.js';
import { Prng } from './prng.js';
import type { Track } from './track.js';

export interface NmeaGeneratorOptions {
  track: Track;
  /** UTC ms since the epoch at clock time 0. */
  epoch: number;
  /** Talker ID: GP (GPS), GN (multi-GNSS), GL, GA… */
  talker?: string;
  /** Whether the receiver has a fix at clock time t (default: always). */
  hasFix?: (t: number) => boolean;
  prng?: Prng;
}

/** `$body*HH\r\n` as bytes. */
export function frame(body: string): Uint8Array {
  const bytes = new Uint8Array(body.length + 6);
  bytes[0] = 0x24;
  for (let i = 0; i < body.length; i++) bytes[i + 1] = body.charCodeAt(i);
  const hex = checksum(bytes.subarray(1, body.length + 1)).toString(16).toUpperCase().padStart(2, '0');
  bytes[body.length + 1] = 0x2a;
  bytes[body.length + 2] = hex.charCodeAt(0);
  bytes[body.length + 3] = hex.charCodeAt(1);
  bytes[body.length + 4] = 0x0d;
  bytes[body.length + 5] = 0x0a;
  return bytes;
}

/** ddmm.mmmmm,N / dddmm.mmmmm,E */
export function formatAngle(value: number, degreeDigits: 2 | 3, positive: string, negative: string): string {
  const units = Math.round(Math.abs(value) * 60 * 1e5); // 1e-5 minutes, carried exactly
  const degrees = Math.floor(units / 6e6);
  const minutes = (units - degrees * 6e6) / 1e5;
  return `${String(degrees).padStart(degreeDigits, '0')}${minutes.toFixed(5).padStart(8, '0')},${value < 0 ? negative : positive}`;
}

function two(n: number): string { return String(n).padStart(2, '0'); }

export class NmeaGenerator {
  #o: NmeaGeneratorOptions;
  #prng: Prng;
  /** Fault injection: corrupt the next n sentences (one character changed after the checksum). */
  readonly faults = { corruptSentences: 0, garbageBytes: 0, silent: false };

  constructor(options: NmeaGeneratorOptions) {
    this.#o = options;
    this.#prng = options.prng ?? new Prng(0x6e6d);
  }

  /** The bytes a receiver sends for the epoch at clock time t (ms). */
  epoch(t: number): Uint8Array {
    if (this.faults.silent) return new Uint8Array(0);
    const talker = this.#o.talker ?? 'GP';
    const fix = this.#o.hasFix ? this.#o.hasFix(t) : true;
    const p = this.#o.track.at(t);
    const d = new Date(this.#o.epoch + t);
    const time = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.${two(Math.floor(d.getUTCMilliseconds() / 10))}`;
    const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
    const lat = formatAngle(p.latitude, 2, 'N', 'S'), lon = formatAngle(p.longitude, 3, 'E', 'W');
    const satellites = fix ? 7 + this.#prng.int(5) : 0;
    const hdop = fix ? (0.8 + this.#prng.next()).toFixed(2) : '99.99';
    const knots = ((p.speed * 3600) / 1852).toFixed(3);
    const sentences = fix
      ? [
        `${talker}RMC,${time},A,${lat},${lon},${knots},${p.course.toFixed(2)},${date},,,A`,
        `${talker}VTG,${p.course.toFixed(2)},T,,M,${knots},N,${(p.speed * 3.6).toFixed(3)},K,A`,
        `${talker}GGA,${time},${lat},${lon},1,${two(satellites)},${hdop},${p.elevation.toFixed(1)},M,47.3,M,,`,
        `${talker}GSA,A,3,04,05,09,12,24,25,29,,,,,,1.83,${hdop},1.52`,
        `GPGSV,2,1,07,04,45,113,38,05,17,298,31,09,63,046,42,12,12,324,29`,
      ]
      : [
        `${talker}RMC,${time},V,,,,,,,${date},,,N`,
        `${talker}VTG,,,,,,,,,N`,
        `${talker}GGA,${time},,,,,0,00,99.99,,,,,,`,
        `${talker}GSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99`,
      ];
    const parts = sentences.map((s) => {
      const bytes = frame(s);
      if (this.faults.corruptSentences > 0) {
        this.faults.corruptSentences--;
        bytes[8 + this.#prng.int(bytes.length - 14)] ^= 0x01; // flip a bit inside the body
      }
      return bytes;
    });
    if (this.faults.garbageBytes > 0) {
      const garbage = new Uint8Array(this.faults.garbageBytes);
      for (let i = 0; i < garbage.length; i++) garbage[i] = this.#prng.int(256);
      parts.splice(this.#prng.int(parts.length), 0, garbage);
      this.faults.garbageBytes = 0;
    }
    let length = 0;
    for (const part of parts) length += part.length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) { out.set(part, offset); offset += part.length; }
    return out;
  }
}
