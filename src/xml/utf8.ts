// UTF-8 (RFC 3629) without TextDecoder/TextEncoder, which XS does not guarantee. The tokenizer
// validates bytes as it scans them, so decoding here trusts its input: ranges are whole,
// well-formed sequences.

const PIECE = 512; // code units per String.fromCharCode call: keeps the native stack small on XS

/** Decodes validated UTF-8 byte ranges to strings through one reusable UTF-16 buffer. */
export class Utf8Decoder {
  readonly #units = new Uint16Array(PIECE + 1);

  decode(bytes: Uint8Array, start: number, end: number): string {
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

/** Code point at the start of a validated sequence of `len` bytes. */
export function codePointAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b < 0x80) return b;
  if (b < 0xe0) return ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
  if (b < 0xf0) return ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
  return ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
}
