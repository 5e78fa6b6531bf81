// The tokenizer's current token (tokenizer.ts) as bytes and as a string. Only the current token is
// carried across chunks, as bytes, so a split UTF-8 sequence is never decoded early; a string is
// decoded once per name, attribute value or text run, the way the engine makes cheapest
// (engine.ts): interned names (names.ts), the host's decoder, ASCII as slices of one Latin-1
// string per chunk.
import { xmlEngine } from './engine.js';
import { NameTable } from './names.js';
import { Utf8Decoder } from './utf8.js';

export class TokenBytes {
  /** The token's bytes from earlier chunks: carry[0, carryLen). */
  carry = new Uint8Array(64);
  carryLen = 0;
  /** A token continues from the previous chunk. */
  open = false;
  /** Absolute offset of the last UTF-8 lead byte seen (the state machine sets it). */
  lastNonAscii = -1;
  readonly #decoder = new Utf8Decoder(xmlEngine.decodeUtf8);
  readonly #latin1 = xmlEngine.decodeLatin1; // engine.ts
  readonly #names: NameTable | null = xmlEngine.cheapLoops ? new NameTable(this.#decoder) : null;
  #chunkText: string | null = null; // the current chunk as Latin-1, made on first use (take)
  #base = 0; // absolute offset of the current chunk's first byte

  reset(): void {
    this.carryLen = 0;
    if (this.carry.length > 4096) this.carry = new Uint8Array(64);
    this.open = false;
    this.lastNonAscii = -1;
  }

  /** A new chunk, at absolute offset `base`. */
  chunk(base: number): void {
    this.#base = base;
    this.#chunkText = null;
  }

  /** The token's bytes up to `end` (exclusive) of this chunk as a string, less `trim` bytes at its end. */
  take(buf: Uint8Array, mark: number, end: number, trim = 0): string {
    this.open = false;
    if (this.carryLen === 0) {
      if (end - trim <= mark) return '';
      // ASCII (no lead byte since the token began): a slice of the chunk's Latin-1 string, which
      // V8 makes without copying.
      if (this.#latin1 !== null && this.lastNonAscii < this.#base + mark) {
        if (this.#chunkText === null) this.#chunkText = this.#latin1(buf, 0, buf.length);
        return this.#chunkText.slice(mark, end - trim);
      }
      return this.#decoder.decode(buf, mark, end - trim);
    }
    this.append(buf, mark, end);
    const len = this.carryLen - trim;
    this.carryLen = 0;
    return this.#decoder.decode(this.carry, 0, len);
  }

  /** The token, a name: interned where the engine makes that cheap (names.ts). */
  takeName(buf: Uint8Array, mark: number, end: number): string {
    const names = this.#names;
    if (names === null) return this.take(buf, mark, end);
    this.open = false;
    if (this.carryLen === 0) return names.name(buf, mark, end);
    this.append(buf, mark, end);
    const len = this.carryLen;
    this.carryLen = 0;
    return names.name(this.carry, 0, len);
  }

  /** Carries bytes [from, to) of this chunk over to the next. */
  append(buf: Uint8Array, from: number, to: number): void {
    const need = this.carryLen + to - from;
    if (need > this.carry.length) {
      const bigger = new Uint8Array(Math.max(need, this.carry.length * 2));
      bigger.set(this.carry.subarray(0, this.carryLen));
      this.carry = bigger;
    }
    this.carry.set(buf.subarray(from, to), this.carryLen);
    this.carryLen = need;
  }
}
