// Sensirion's I2C conventions, shared by its parts (SCD4x, SHT4x, SGP4x…), as ESPHome's
// sensirion_common does: 16-bit commands sent MSB first, data as 16-bit words each followed by
// a CRC-8 (SCD4x datasheet §3.11: polynomial 0x31, init 0xFF, no reflection, no final XOR;
// example: CRC(0xBEEF) = 0x92).
import { SensorError } from './errors.js';
import type { I2C } from './io.js';

/** CRC-8 of one word's two bytes. */
export function crc8(msb: number, lsb: number): number {
  let crc = 0xff ^ msb;
  for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  crc ^= lsb;
  for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  return crc;
}

/** Fill `out` with command (+ optional argument word and its CRC). Returns the byte count. */
export function encodeCommand(out: Uint8Array, command: number, argument?: number): number {
  out[0] = command >> 8;
  out[1] = command & 0xff;
  if (argument === undefined) return 2;
  out[2] = (argument >> 8) & 0xff;
  out[3] = argument & 0xff;
  out[4] = crc8(out[2], out[3]);
  return 5;
}

/** Words of a response (3 bytes each). Returns -1-index of the first word failing its CRC, or the word count. */
export function decodeWords(bytes: Uint8Array, words: Uint16Array, count: number): number {
  for (let i = 0; i < count; i++) {
    const msb = bytes[i * 3], lsb = bytes[i * 3 + 1];
    if (crc8(msb, lsb) !== bytes[i * 3 + 2]) return -1 - i;
    words[i] = (msb << 8) | lsb;
  }
  return count;
}

/** Encode words with their CRCs (used by simulators answering like a Sensirion part). */
export function encodeWords(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(words.length * 3);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] & 0xffff;
    out[i * 3] = w >> 8;
    out[i * 3 + 1] = w & 0xff;
    out[i * 3 + 2] = crc8(w >> 8, w & 0xff);
  }
  return out;
}

/**
 * A Sensirion part on an ECMA-419 I2C instance: command writes and CRC-checked word reads with
 * buffers allocated once, bus failures turned into SensorError 'nack' and bad CRCs into
 * 'crc-mismatch' (runtime faults the driver reports). Execution-time waits stay with the driver,
 * which owns the clock. Up to 3 response words (the most any SCD4x command returns).
 */
export class SensirionDevice {
  #io: I2C | undefined;
  readonly #tx = new Uint8Array(5);
  readonly #rx = new Uint8Array(9);
  /** The words of the last read. */
  readonly words = new Uint16Array(3);

  constructor(io: I2C) { this.#io = io; }

  writeCommand(command: number, argument?: number): void {
    const n = encodeCommand(this.#tx, command, argument);
    try { this.#bus().write(this.#tx.subarray(0, n)); } catch (e) { if (e instanceof SensorError) throw e; throw new SensorError('nack', `command 0x${command.toString(16)}`); }
  }

  /** Read `count` words into `words`. */
  readWords(count: number): Uint16Array {
    const rx = this.#rx.subarray(0, count * 3);
    try { this.#bus().read(rx); } catch (e) { if (e instanceof SensorError) throw e; throw new SensorError('nack', 'read'); }
    const ok = decodeWords(rx, this.words, count);
    if (ok < 0) throw new SensorError('crc-mismatch', `word ${-1 - ok}`);
    return this.words;
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  #bus(): I2C {
    if (!this.#io) throw new SensorError('invalid-state', 'closed');
    return this.#io;
  }
}
