// Decoding of the sentences a position needs (NMEA 0183 v4.10 §6.3): GGA (fix data: position,
// altitude, quality, satellites, HDOP) and RMC (recommended minimum: position, validity, speed,
// course, UTC date and time). Any talker (GP GPS, GL GLONASS, GA Galileo, GB/BD BeiDou, GN
// multi-constellation); other sentence types are recognised by the caller and ignored.
import { fieldChar, fieldNumber } from './nmea.js';

export interface Gga {
  /** UTC milliseconds since midnight. */
  timeOfDay: number;
  latitude: number; // degrees, south negative; NaN without fix
  longitude: number; // degrees, west negative
  /** 0 invalid, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning… */
  quality: number;
  satellites: number;
  hdop: number;
  /** Metres above mean sea level (geoid). */
  altitude: number;
}

export interface Rmc {
  timeOfDay: number;
  valid: boolean;
  latitude: number;
  longitude: number;
  /** m/s (from knots). */
  speed: number;
  /** Degrees true. */
  course: number;
  /** UTC milliseconds since the epoch of the date and time, NaN without a date. */
  time: number;
}

const KNOT = 1852 / 3600;

/** The sentence type of a body (`GPGGA` → 'GGA'), ignoring the talker; '' for proprietary ($P…). */
export function sentenceType(body: Uint8Array, length: number): string {
  if (length < 5 || body[0] === 0x50 /* P */) return '';
  // Address: 2-character talker + 3-character formatter (§5.3.2).
  if (body[5] !== 0x2c && length > 5) return '';
  return String.fromCharCode(body[2], body[3], body[4]);
}

/** hhmmss.ss → ms since midnight. */
function timeOfDay(body: Uint8Array, starts: Uint8Array, index: number, count: number): number {
  const t = fieldNumber(body, starts, index, count);
  if (Number.isNaN(t)) return NaN;
  const hh = Math.floor(t / 10000), mm = Math.floor(t / 100) % 100, ss = t - hh * 10000 - mm * 100;
  return Math.round(((hh * 60 + mm) * 60 + ss) * 1000);
}

/** ddmm.mmmm / dddmm.mmmm + hemisphere → signed degrees. */
function angle(body: Uint8Array, starts: Uint8Array, index: number, count: number): number {
  const v = fieldNumber(body, starts, index, count);
  const hemisphere = fieldChar(body, starts, index + 1, count);
  if (Number.isNaN(v) || !hemisphere) return NaN;
  const degrees = Math.floor(v / 100);
  const value = degrees + (v - degrees * 100) / 60;
  return hemisphere === 0x53 /* S */ || hemisphere === 0x57 /* W */ ? -value : value;
}

export function decodeGga(body: Uint8Array, starts: Uint8Array, count: number): Gga {
  const quality = fieldNumber(body, starts, 6, count);
  return {
    timeOfDay: timeOfDay(body, starts, 1, count),
    latitude: angle(body, starts, 2, count),
    longitude: angle(body, starts, 4, count),
    quality: Number.isNaN(quality) ? 0 : quality,
    satellites: fieldNumber(body, starts, 7, count),
    hdop: fieldNumber(body, starts, 8, count),
    altitude: fieldNumber(body, starts, 9, count),
  };
}

export function decodeRmc(body: Uint8Array, starts: Uint8Array, count: number): Rmc {
  const tod = timeOfDay(body, starts, 1, count);
  const date = fieldNumber(body, starts, 9, count); // ddmmyy
  let time = NaN;
  if (!Number.isNaN(date) && !Number.isNaN(tod)) {
    const dd = Math.floor(date / 10000), mo = Math.floor(date / 100) % 100, yy = date % 100;
    // Two-digit year: NMEA receivers are post-1980 (GPS epoch), so 80–99 → 19xx.
    time = Date.UTC(yy < 80 ? 2000 + yy : 1900 + yy, mo - 1, dd) + tod;
  }
  const speed = fieldNumber(body, starts, 7, count);
  return {
    timeOfDay: tod,
    valid: fieldChar(body, starts, 2, count) === 0x41, // 'A'
    latitude: angle(body, starts, 3, count),
    longitude: angle(body, starts, 5, count),
    speed: Number.isNaN(speed) ? NaN : speed * KNOT,
    course: fieldNumber(body, starts, 8, count),
    time,
  };
}
