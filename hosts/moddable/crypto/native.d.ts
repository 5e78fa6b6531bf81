// Types of native.js (the PSA binding). A number result is a psa-crypto.h spk_status.
type Bytes = ArrayBuffer | ArrayBufferView;
export type HashId = 1 | 256;
export type Status = number;

export function randomBytes(length: number): ArrayBuffer;
export function digest(hash: HashId, data: Bytes): ArrayBuffer | Status;
export function hmac(hash: HashId, key: Bytes, data: Bytes): ArrayBuffer | Status;
export function pbkdf2(hash: HashId, password: Bytes, salt: Bytes, iterations: number, length: number): ArrayBuffer | Status;
export function aesGcmEncrypt(key: Bytes, iv: Bytes, plaintext: Bytes, aad: Bytes): ArrayBuffer | Status;
export function aesGcmDecrypt(key: Bytes, iv: Bytes, ciphertextAndTag: Bytes, aad: Bytes): ArrayBuffer | Status;
export function rsaVerify(modulus: Bytes, exponent: Bytes, hash: HashId, data: Bytes, signature: Bytes): Status;
export function rsaOaepEncrypt(modulus: Bytes, exponent: Bytes, message: Bytes): ArrayBuffer | Status;

export class RsaKeyPair {
  /** PKCS#1 RSAPrivateKey or PKCS#8 DER, or a modulus size to generate; throws a Status. */
  constructor(derOrBits: Bytes | number);
  readonly bits: number;
  /** 0: modulus, 1: exponent (unsigned big-endian). */
  publicPart(which: 0 | 1): ArrayBuffer;
  sign(hash: HashId, data: Bytes): ArrayBuffer | Status;
  oaepDecrypt(ciphertext: Bytes): ArrayBuffer | Status;
  /** Destroys the PSA keys now (the garbage collector would, later). */
  close(): void;
}
