// UTF-8 (RFC 3629) without TextDecoder/TextEncoder, which XS does not guarantee. The tokenizer
// validates bytes as it scans them, so decoding here trusts its input: ranges are whole,
// well-formed sequences.

const PIECE = 64; // code units per String.fromCharCode call: each is a slot on the XS stack (384 by default on esp32)

/** Decodes validated UTF-8 byte ranges to strings through one reusable UTF-16 buffer. */
export class Utf8Decoder {
  readonly #units = new Uint16Array(PIECE + 1);
  readonly #native: ((bytes: Uint8Array, start: number, end: number) => string) | null;

  /** `native`: the host's decoder (engine.ts), used for all but single bytes. */
  constructor(native: ((bytes: Uint8Array, start: number, end: number) => string) | null = null) {
    this.#native = native;
  }

  decode(bytes: Uint8Array, start: number, end: number): string {
    if (this.#native !== null && end - start > 1) return this.#native(bytes, start, end);
    if (end - start === 1 && bytes[start] < 0x80) return String.fromCharCode(bytes[start]);
    if (end - start <= PIECE) {
      let ascii = true;
      for (let i = start; i < end; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
      // Bytes below 0x80 are their own code units: no copy needed.
      if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
    }
    const units = this.#units;
    let out = '';
    const pieces: string[] = [];
    let n = 0;
    let i = start;
    while (i < end) {
      const b = bytes[i];
      if (n === 0 && b < 0x80) {
        // A run of ASCII goes straight from the bytes.
        let j = i + 1;
        while (j < end && bytes[j] < 0x80) j++;
        if (j - i >= 16) {
          pieces.push(latin1(bytes, i, j));
          i = j;
          continue;
        }
      }
      let c: number;
      if (b < 0x80) { c = b; i += 1; }
      else if (b < 0xe0) { c = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f); i += 2; }
      else if (b < 0xf0) { c = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f); i += 3; }
      else {
        c = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
        i += 4;
        c -= 0x10000;
        units[n++] = 0xd800 | (c >> 10);
        c = 0xdc00 | (c & 0x3ff);
      }
      units[n++] = c;
      if (n >= PIECE) {
        pieces.push(String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]));
        n = 0;
      }
    }
    if (n) pieces.push(String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]));
    out = pieces.length === 1 ? pieces[0] : pieces.join('');
    return out;
  }
}

/** Bytes as Latin-1 code units, in one native call per piece: the ASCII fast path, and a way to
 *  let the regular-expression engine (native on XS too) check a run of bytes. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= PIECE) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  const pieces: string[] = [];
  for (let k = start; k < end; k += PIECE) {
    pieces.push(String.fromCharCode.apply(null, bytes.subarray(k, Math.min(end, k + PIECE)) as unknown as number[]));
  }
  return pieces.join('');
}
