// UTF-8 (RFC 3629) on Uint8Array, without TextEncoder/TextDecoder (not assumed on XS).
// Strings are walked with the string iterator, never indexed: on XS strings are UTF-8 inside and
// `s.charCodeAt(i)` on a long string costs O(i).

/** Appends bytes to a growing buffer; one allocation per doubling. */
export class ByteBuilder {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Appends `s` as UTF-8. Lone surrogates become U+FFFD (they cannot be encoded, RFC 3629 §3). */
  utf8(s: string): void {
    // The UTF-8 bytes as code units, by two native calls (a fixed few steps on XS, where the loop
    // below costs about a hundred per character); encodeURIComponent refuses lone surrogates.
    let units: string;
    try {
      units = unescape(encodeURIComponent(s));
    } catch {
      this.#utf8Loop(s);
      return;
    }
    this.reserve(units.length);
    this.length = copyUnits(this.buf, this.length, units);
  }

  #utf8Loop(s: string): void {
    for (const ch of s) {
      let c = ch.codePointAt(0)!;
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      this.reserve(4);
      const b = this.buf;
      if (c < 0x80) b[this.length++] = c;
      else if (c < 0x800) {
        b[this.length++] = 0xc0 | (c >> 6);
        b[this.length++] = 0x80 | (c & 63);
      } else if (c < 0x10000) {
        b[this.length++] = 0xe0 | (c >> 12);
        b[this.length++] = 0x80 | ((c >> 6) & 63);
        b[this.length++] = 0x80 | (c & 63);
      } else {
        b[this.length++] = 0xf0 | (c >> 18);
        b[this.length++] = 0x80 | ((c >> 12) & 63);
        b[this.length++] = 0x80 | ((c >> 6) & 63);
        b[this.length++] = 0x80 | (c & 63);
      }
    }
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Writes the code units of `s` (each below 0x100) into `buf` from `at`; returns the end. In
 * slices of 64: XS keeps strings as UTF-8, and charCodeAt(i) on a long one scans from its start.
 */
export function copyUnits(buf: Uint8Array, at: number, s: string): number {
  const n = s.length;
  if (n <= 64) {
    for (let k = 0; k < n; k++) buf[at++] = s.charCodeAt(k);
    return at;
  }
  for (let i = 0; i < n; i += 64) {
    const piece = s.slice(i, i + 64);
    for (let k = 0; k < piece.length; k++) buf[at++] = piece.charCodeAt(k);
  }
  return at;
}

export function utf8Encode(s: string): Uint8Array {
  const b = new ByteBuilder(s.length + 16);
  b.utf8(s);
  return b.finish();
}

/**
 * Strict UTF-8 decoding (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF).
 * Returns undefined for ill-formed input: callers decide what a bad encoding means for them.
 */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  const parts: string[] = [];
  let chunk: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i];
    let c: number;
    let n: number;
    if (b0 < 0x80) { c = b0; n = 1; }
    else if (b0 >= 0xc2 && b0 <= 0xdf) { c = b0 & 0x1f; n = 2; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { c = b0 & 0x0f; n = 3; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { c = b0 & 0x07; n = 4; }
    else return undefined;
    if (i + n > bytes.length) return undefined;
    for (let k = 1; k < n; k++) {
      const b = bytes[i + k];
      if ((b & 0xc0) !== 0x80) return undefined;
      c = (c << 6) | (b & 0x3f);
    }
    if ((n === 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n === 4 && (c < 0x10000 || c > 0x10ffff))) return undefined;
    chunk.push(c);
    // each spread argument is a slot on the XS stack (384 by default on the ESP32): small chunks
    if (chunk.length >= 128) { parts.push(String.fromCodePoint(...chunk)); chunk = []; }
    i += n;
  }
  if (chunk.length) parts.push(String.fromCodePoint(...chunk));
  return parts.join('');
}
