// RSA public keys from the wire: XML-DSig `RSAKeyValue` (W3C XML Signature §4.4.2.1, the form
// XEP-0189's `urn:xmpp:tmp:pubkey` carries) and the profile's acceptance rules
// (docs/PROTOCOL.md §3.2): modulus 2048–4096 bits, odd; exponent odd, 3 ≤ e < 2^32.

import { base64Decode, base64Encode } from '../bytes/base64.js';
import { bytesEqual } from '../bytes/bytes.js';
import type { RsaPublicKey } from './crypto.js';

export const MIN_MODULUS_BITS = 2048;
export const MAX_MODULUS_BITS = 4096;

function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

export function bitLength(n: Uint8Array): number {
  const b = stripLeadingZeros(n);
  if (b.length === 0 || (b.length === 1 && b[0] === 0)) return 0;
  return (b.length - 1) * 8 + (32 - Math.clz32(b[0]));
}

/** A validated key, or a reason it is unacceptable. Leading zero octets are tolerated and removed. */
export function rsaPublicKeyFromBytes(modulus: Uint8Array, exponent: Uint8Array): RsaPublicKey | string {
  const n = stripLeadingZeros(modulus);
  const e = stripLeadingZeros(exponent);
  const bits = bitLength(n);
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) return `modulus of ${bits} bits (want ${MIN_MODULUS_BITS}-${MAX_MODULUS_BITS})`;
  if ((n[n.length - 1] & 1) === 0) return 'even modulus';
  const ebits = bitLength(e);
  if (ebits < 2 || ebits > 32 || (e[e.length - 1] & 1) === 0) return 'exponent must be odd, 3 <= e < 2^32';
  return { modulus: n.slice(), exponent: e.slice() };
}

/** Parses the base64 text of `<Modulus>` and `<Exponent>` (ds:CryptoBinary). */
export function rsaPublicKeyFromBase64(modulus: string, exponent: string): RsaPublicKey | string {
  const n = base64Decode(modulus);
  const e = base64Decode(exponent);
  if (!n || !e) return 'Modulus/Exponent is not base64';
  return rsaPublicKeyFromBytes(n, e);
}

/** ds:CryptoBinary encodings (no leading zero octets), as published in `RSAKeyValue`. */
export function rsaPublicKeyToBase64(key: RsaPublicKey): { modulus: string; exponent: string } {
  return { modulus: base64Encode(stripLeadingZeros(key.modulus)), exponent: base64Encode(stripLeadingZeros(key.exponent)) };
}

export function rsaPublicKeysEqual(a: RsaPublicKey, b: RsaPublicKey): boolean {
  return bytesEqual(stripLeadingZeros(a.modulus), stripLeadingZeros(b.modulus)) && bytesEqual(stripLeadingZeros(a.exponent), stripLeadingZeros(b.exponent));
}
