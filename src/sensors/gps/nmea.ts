// NMEA 0183 framing from raw bytes (NMEA 0183 v4.10 §5.3): `$` or `!`, up to 79 characters of
// fields, `*` and two hex digits of XOR checksum, CR LF. Works on bytes, never on strings: XS
// stores strings as UTF-8 and indexing into them is quadratic. Sentences may be split across
// any chunk boundary; line noise, a `$` mid-sentence, or an over-long line never grow the buffer
// beyond one sentence.

/** The standard allows 82 characters including `$` and CR LF; u-blox PUBX runs to ~120, so allow 128. */
export const MAX_SENTENCE = 128;
const DOLLAR = 0x24, BANG = 0x21, STAR = 0x2a, CR = 0x0d, LF = 0x0a, COMMA = 0x2c;

export interface FramerStatistics { sentences: number; checksumErrors: number; overflows: number; missingChecksum: number }

/**
 * Calls `onSentence(body, length)` for each sentence whose checksum is valid; `body` holds the
 * characters between `$` and `*` (reused: copy what you keep).
 */
export class NmeaFramer {
  readonly statistics: FramerStatistics = { sentences: 0, checksumErrors: 0, overflows: 0, missingChecksum: 0 };
  readonly #buffer = new Uint8Array(MAX_SENTENCE);
  #length = -1; // -1: hunting for a start character
  #onSentence: (body: Uint8Array, length: number) => void;

  constructor(onSentence: (body: Uint8Array, length: number) => void) {
    this.#onSentence = onSentence;
  }

  push(bytes: Uint8Array): void {
    const buffer = this.#buffer;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === DOLLAR || b === BANG) { this.#length = 0; continue; } // (re)start; a truncated sentence is dropped
      if (this.#length < 0) continue;
      if (b === CR || b === LF) { this.#end(); this.#length = -1; continue; }
      if (b < 0x20 || b > 0x7e || this.#length === MAX_SENTENCE) {
        if (this.#length === MAX_SENTENCE) this.statistics.overflows++;
        else this.statistics.checksumErrors++; // a non-printable byte is line noise inside a sentence
        this.#length = -1;
        continue;
      }
      buffer[this.#length++] = b;
    }
  }

  #end(): void {
    const buffer = this.#buffer, length = this.#length;
    const star = length - 3;
    if (star < 0 || buffer[star] !== STAR) { this.statistics.missingChecksum++; return; }
    let sum = 0;
    for (let i = 0; i < star; i++) sum ^= buffer[i];
    const hi = hexValue(buffer[star + 1]), lo = hexValue(buffer[star + 2]);
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== sum) { this.statistics.checksumErrors++; return; }
    this.statistics.sentences++;
    this.#onSentence(buffer, star);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** XOR checksum of the characters between `$` and `*` (for generators). */
export function checksum(body: Uint8Array, length = body.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum ^= body[i];
  return sum;
}

/**
 * Field boundaries of a sentence body: field i is body[starts[i]]…body[starts[i+1]-2].
 * Field 0 is the address (talker + type). Returns the field count.
 */
export function splitFields(body: Uint8Array, length: number, starts: Uint8Array): number {
  let count = 0;
  starts[count++] = 0;
  for (let i = 0; i < length && count < starts.length - 1; i++) if (body[i] === COMMA) starts[count++] = i + 1;
  starts[count] = length + 1; // a virtual comma after the last field
  return count;
}

/** A field as a decimal number; NaN when empty or malformed. */
export function fieldNumber(body: Uint8Array, starts: Uint8Array, index: number, count: number): number {
  if (index >= count) return NaN;
  const start = starts[index], end = starts[index + 1] - 1;
  if (start >= end) return NaN;
  let value = 0, scale = 0, sign = 1, i = start, digits = 0;
  if (body[i] === 0x2d) { sign = -1; i++; } else if (body[i] === 0x2b) i++;
  for (; i < end; i++) {
    const c = body[i];
    if (c === 0x2e) { if (scale) return NaN; scale = 1; continue; }
    if (c < 0x30 || c > 0x39) return NaN;
    value = value * 10 + (c - 0x30);
    digits++;
    if (scale) scale *= 10;
  }
  if (!digits) return NaN;
  return (sign * value) / (scale || 1);
}

/** A one-character field (e.g. 'N', 'A'), as its byte; 0 when empty. */
export function fieldChar(body: Uint8Array, starts: Uint8Array, index: number, count: number): number {
  if (index >= count) return 0;
  return starts[index + 1] - 1 > starts[index] ? body[starts[index]] : 0;
}
