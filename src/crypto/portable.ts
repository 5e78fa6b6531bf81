// Reference implementation of the `Crypto` digests in plain TypeScript: SHA-1 (FIPS 180-4 §6.1),
// SHA-256 (§6.2), HMAC (RFC 2104) and PBKDF2 (RFC 8018 §5.2). Why it exists: the portable specs
// (SCRAM, negotiation) run on XS under xsnap, which has no mbedTLS binding; with this they run the
// real SCRAM arithmetic there instead of precomputed values. Hosts use their native backend
// (node:crypto, mbedTLS) — this is slow for SCRAM's 4096+ iterations and not constant-time-hardened.
// Randomness cannot be portable: the caller passes a source.
import type { HashCrypto, HashAlgorithm } from './crypto.js';

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Merkle–Damgård padding: 0x80, zeros, 64-bit big-endian bit length. */
function pad(data: Uint8Array): DataView {
  const len = ((data.length + 9 + 63) >> 6) << 6;
  const buf = new Uint8Array(len);
  buf.set(data);
  buf[data.length] = 0x80;
  const v = new DataView(buf.buffer);
  v.setUint32(len - 8, Math.floor(data.length / 0x20000000));
  v.setUint32(len - 4, (data.length << 3) >>> 0);
  return v;
}

const W = new Uint32Array(80);

function sha1(data: Uint8Array): Uint8Array {
  const v = pad(data);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  for (let off = 0; off < v.byteLength; off += 64) {
    for (let t = 0; t < 16; t++) W[t] = v.getUint32(off + t * 4);
    for (let t = 16; t < 80; t++) { const x = W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16]; W[t] = (x << 1) | (x >>> 31); }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number, k: number;
      if (t < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = tmp;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
  }
  const out = new DataView(new ArrayBuffer(20));
  [h0, h1, h2, h3, h4].forEach((h, i) => out.setUint32(i * 4, h >>> 0));
  return new Uint8Array(out.buffer);
}

function sha256(data: Uint8Array): Uint8Array {
  const v = pad(data);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < v.byteLength; off += 64) {
    for (let t = 0; t < 16; t++) W[t] = v.getUint32(off + t * 4);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >>> 3);
      const s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let t = 0; t < 64; t++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + W[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  const out = new DataView(new ArrayBuffer(32));
  for (let i = 0; i < 8; i++) out.setUint32(i * 4, H[i]);
  return new Uint8Array(out.buffer);
}

export function digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  return algorithm === 'sha1' ? sha1(data) : sha256(data);
}

/** RFC 2104: H((K ^ opad) || H((K ^ ipad) || text)), block size 64 for both hashes. */
export function hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length > 64) key = digest(algorithm, key);
  const inner = new Uint8Array(64 + data.length);
  const outerKey = new Uint8Array(64);
  for (let i = 0; i < 64; i++) { inner[i] = (key[i] ?? 0) ^ 0x36; outerKey[i] = (key[i] ?? 0) ^ 0x5c; }
  inner.set(data, 64);
  const ih = digest(algorithm, inner);
  const outer = new Uint8Array(64 + ih.length);
  outer.set(outerKey);
  outer.set(ih, 64);
  return digest(algorithm, outer);
}

/** RFC 8018 §5.2: T_i = U_1 ^ ... ^ U_c, U_1 = PRF(P, S || INT(i)). */
export function pbkdf2(algorithm: HashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const block = new Uint8Array(salt.length + 4);
  block.set(salt);
  for (let i = 1, o = 0; o < length; i++) {
    new DataView(block.buffer).setUint32(salt.length, i);
    let u = hmac(algorithm, password, block);
    const t = u.slice();
    for (let c = 1; c < iterations; c++) {
      u = hmac(algorithm, password, u);
      for (let k = 0; k < t.length; k++) t[k] ^= u[k];
    }
    out.set(t.subarray(0, Math.min(t.length, length - o)), o);
    o += t.length;
  }
  return out;
}

export function portableCrypto(randomBytes: (length: number) => Uint8Array): HashCrypto {
  return { randomBytes, digest, hmac, pbkdf2 };
}
