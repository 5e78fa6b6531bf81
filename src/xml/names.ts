// Interned names for engines with cheap loops (engine.ts): element and attribute names repeat in
// every stanza, and hashing and comparing a few bytes in a JIT-compiled loop costs less than
// building the same string again. Not used on the device: the table is 16 KB and XS takes tags
// through regular expressions, whose captures are the names.
import type { Utf8Decoder } from './utf8.js';

const SLOTS = 512; // a power of two
const WIDTH = 32; // longest name kept, in bytes

export class NameTable {
  readonly #bytes = new Uint8Array(SLOTS * WIDTH);
  readonly #lengths = new Uint8Array(SLOTS); // 0: empty slot
  readonly #strings: string[] = new Array<string>(SLOTS).fill('');
  readonly #decoder: Utf8Decoder;

  constructor(decoder: Utf8Decoder) {
    this.#decoder = decoder;
  }

  /** The string of the validated UTF-8 name in bytes [start, end). */
  name(buf: Uint8Array, start: number, end: number): string {
    const len = end - start;
    if (len > WIDTH || len === 0) return this.#decoder.decode(buf, start, end);
    let h = len;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]) | 0;
    const slot = (h ^ (h >>> 11)) & (SLOTS - 1);
    const at = slot * WIDTH;
    const bytes = this.#bytes;
    if (this.#lengths[slot] === len) {
      let k = 0;
      while (k < len && bytes[at + k] === buf[start + k]) k++;
      if (k === len) return this.#strings[slot];
    }
    const s = this.#decoder.decode(buf, start, end);
    for (let k = 0; k < len; k++) bytes[at + k] = buf[start + k];
    this.#lengths[slot] = len;
    this.#strings[slot] = s;
    return s;
  }
}
