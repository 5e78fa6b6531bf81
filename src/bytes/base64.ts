// Base64, RFC 4648 §4 (standard alphabet, with padding), on bytes.
// Profile rules (docs/PROTOCOL.md §3.4): output has no line breaks and no whitespace; input may
// carry XML whitespace anywhere (the v0.9 examples indent it, intermediaries may wrap it) and
// nothing else: no URL-safe alphabet, no missing padding, no data after padding, and the unused
// bits of the last group must be zero (RFC 4648 §3.5) so that each byte string has one encoding.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC: number[] = [];
const DEC = new Int16Array(256).fill(-1);
{
  let i = 0;
  for (const ch of ALPHABET) {
    ENC.push(ch.charCodeAt(0));
    DEC[ch.charCodeAt(0)] = i++;
  }
}
const PAD = 0x3d; // '='

export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  const out: number[] = [];
  const flush = (): void => {
    parts.push(String.fromCharCode.apply(null, out));
    out.length = 0;
  };
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out.push(ENC[n >> 18], ENC[(n >> 12) & 63], ENC[(n >> 6) & 63], ENC[n & 63]);
    // Each argument of fromCharCode is a slot on the XS stack (384 on the ESP32; thousands
    // overflow even desktop XS): pieces of 64.
    if (out.length >= 64) flush();
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out.push(ENC[n >> 18], ENC[(n >> 12) & 63], PAD, PAD);
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out.push(ENC[n >> 18], ENC[(n >> 12) & 63], ENC[(n >> 6) & 63], PAD);
  }
  flush();
  return parts.join('');
}

function isXmlWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Decodes base64 given as a string or as its (ASCII/UTF-8) bytes. XML whitespace is skipped;
 * anything else outside the canonical encoding returns undefined (never throws on bad input).
 */
export function base64Decode(input: string | Uint8Array): Uint8Array | undefined {
  const src = typeof input === 'string' ? asciiBytes(input) : input;
  if (src === undefined) return undefined;
  const out = new Uint8Array(Math.floor((src.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let count = 0; // sextets in the current group
  let pad = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (isXmlWhitespace(c)) continue;
    if (c === PAD) {
      // padding only completes a group of 2 or 3 sextets, and nothing but more '=' may follow
      if (pad === 0 && count < 2) return undefined;
      pad++;
      count++;
      if (count === 4) {
        if (pad === 2) {
          if ((acc & 0x0f) !== 0) return undefined; // 4 unused bits must be zero
          out[n++] = (acc >> 4) & 0xff;
        } else if (pad === 1) {
          if ((acc & 0x03) !== 0) return undefined; // 2 unused bits must be zero
          out[n++] = (acc >> 10) & 0xff;
          out[n++] = (acc >> 2) & 0xff;
        } else return undefined;
        count = 0;
        acc = 0;
      }
      continue;
    }
    if (pad > 0) return undefined; // data after padding
    const v = DEC[c];
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    if (++count === 4) {
      out[n++] = (acc >> 16) & 0xff;
      out[n++] = (acc >> 8) & 0xff;
      out[n++] = acc & 0xff;
      count = 0;
      acc = 0;
    }
  }
  if (count !== 0) return undefined; // missing padding or truncated group
  return out.slice(0, n);
}

/** Bytes of a string that must be ASCII (base64 text); undefined if it is not. */
function asciiBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c > 0x7f) return undefined;
    out[n++] = c;
  }
  return out.subarray(0, n);
}
