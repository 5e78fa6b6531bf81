// Byte helpers for the XMPP layer: UTF-8 and base64 (RFC 4648 §4) on Uint8Array. src/ may not
// assume TextEncoder/TextDecoder or Buffer (XS has neither by default), and on XS strings are
// UTF-8 internally, so these loop over code points and bytes, never index long strings.

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) { out[n++] = 0xc0 | (c >> 6); out[n++] = 0x80 | (c & 63); }
    else if (c < 0x10000) { out[n++] = 0xe0 | (c >> 12); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
    else { out[n++] = 0xf0 | (c >> 18); out[n++] = 0x80 | ((c >> 12) & 63); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
  }
  return out.slice(0, n);
}

/** Strict decoder: malformed sequences throw (SASL and stream data must be valid UTF-8). */
export function utf8Decode(b: Uint8Array): string {
  let s = '';
  let chunk: number[] = [];
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp: number, len: number;
    if (c < 0x80) { cp = c; len = 1; }
    else if (c >= 0xc2 && c < 0xe0) { cp = c & 0x1f; len = 2; }
    else if (c >= 0xe0 && c < 0xf0) { cp = c & 0x0f; len = 3; }
    else if (c >= 0xf0 && c < 0xf5) { cp = c & 0x07; len = 4; }
    else throw new RangeError('invalid UTF-8');
    if (i + len > b.length) throw new RangeError('truncated UTF-8');
    for (let k = 1; k < len; k++) {
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) throw new RangeError('invalid UTF-8');
      cp = (cp << 6) | (d & 63);
    }
    if ((len === 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff))) throw new RangeError('invalid UTF-8');
    chunk.push(cp);
    // each spread argument is a slot on the XS stack (384 by default on the ESP32): small chunks
    if (chunk.length >= 128) { s += String.fromCodePoint(...chunk); chunk = []; }
    i += len;
  }
  return s + String.fromCodePoint(...chunk);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function base64Encode(b: Uint8Array): string {
  const parts: string[] = [];
  let line = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    line += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (i + 1 < b.length ? ALPHABET[(n >> 6) & 63] : '=') + (i + 2 < b.length ? ALPHABET[n & 63] : '=');
    if (line.length >= 512) { parts.push(line); line = ''; }
  }
  parts.push(line);
  return parts.join('');
}

/** Strict RFC 4648 decoder (RFC 6120 §6.4.2: whitespace is not allowed in SASL data; `=` alone is empty). */
export function base64Decode(s: string): Uint8Array {
  if (s === '=') return new Uint8Array(0);
  if (s.length % 4 !== 0) throw new RangeError('invalid base64 length');
  const out = new Uint8Array((s.length / 4) * 3);
  let n = 0;
  for (let i = 0; i < s.length; i += 4) {
    const q = [0, 0, 0, 0];
    let pad = 0;
    for (let k = 0; k < 4; k++) {
      const c = s.charCodeAt(i + k);
      if (c === 61 /* = */ && i + 4 === s.length && k >= 2) { pad++; continue; }
      if (pad || c >= 128 || DECODE[c] < 0) throw new RangeError('invalid base64');
      q[k] = DECODE[c];
    }
    const v = (q[0] << 18) | (q[1] << 12) | (q[2] << 6) | q[3];
    out[n++] = v >> 16;
    if (pad < 2) out[n++] = (v >> 8) & 255;
    if (pad < 1) out[n++] = v & 255;
  }
  return out.slice(0, n);
}

// Shared with the crypto and protocol code.
export { bytesEqual, concatBytes } from '../bytes/bytes.js';

export function hexEncode(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function hexDecode(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
