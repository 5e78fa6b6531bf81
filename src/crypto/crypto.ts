// The one crypto interface src/ uses. Hosts implement it: hosts/node with node:crypto, the device
// with mbedTLS (ESP32 hardware AES/SHA/RSA). Only operations mbedTLS offers; bytes in, bytes out.
// Synchronous on purpose: both backends are, and SCRAM's thousands of HMACs must not each cost a
// turn of the event loop.
//
// Failure rule: a caller mistake (wrong key length, wrong IV length) throws a CryptoError; anything an attacker
// controls (signatures, ciphertexts, wrapped keys) yields `false`/`undefined`, never an exception,
// and every way of failing looks the same to the caller (no padding or MAC oracle).

import { SpimeError } from '../errors.js';

export type HashAlgorithm = 'sha1' | 'sha256';

/**
 * What a host's Crypto throws for a caller mistake, never its library's raw error: `bad-key` (a
 * public key the library cannot use), `bad-input` (wrong key/IV length, message too long).
 */
export class CryptoError extends SpimeError {
  declare readonly condition: 'bad-key' | 'bad-input';
  constructor(condition: 'bad-key' | 'bad-input', message?: string) {
    super(condition, message);
  }
}

/**
 * An RSA public key as plain data: unsigned big-endian integers, as carried by XML-DSig
 * `RSAKeyValue` (XEP-0189). Values, not handles: they come from the network and are compared,
 * cached and printed. See `rsaPublicKeyFromBytes` in ./rsa-key for validation.
 */
export interface RsaPublicKey {
  readonly modulus: Uint8Array;
  readonly exponent: Uint8Array;
}

/**
 * An RSA private key as an opaque handle made by the host (node: a KeyObject; device: an mbedTLS
 * context in secure storage). src/ never sees the private numbers; keys never leave the device.
 */
export interface RsaPrivateKey {
  readonly publicKey: RsaPublicKey;
  /** Not data: only the host that made the handle can use it. */
  readonly opaque: unknown;
}

export interface Crypto {
  /** Cryptographically secure random bytes (device: the ESP32 hardware RNG via mbedTLS). */
  randomBytes(length: number): Uint8Array;
  digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** PBKDF2 with HMAC-`algorithm` (SCRAM's Hi(), RFC 5802 §2.2). */
  pbkdf2(algorithm: HashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;

  /**
   * AES-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag. Key: 16 or 32 bytes.
   * Returns ciphertext ‖ tag.
   */
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Inverse of aesGcmEncrypt; undefined if the tag does not verify (or the input is too short). */
  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array | undefined;

  /** RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.1) over `data` hashed with `hash`. */
  rsaSign(key: RsaPrivateKey, hash: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2, re-encode and compare); false on any fault. */
  rsaVerify(key: RsaPublicKey, hash: HashAlgorithm, data: Uint8Array, signature: Uint8Array): boolean;

  /**
   * RSAES-OAEP encryption (RFC 8017 §7.1.1) with SHA-256, MGF1-SHA-256, empty label: the
   * profile's key wrap. There is deliberately no RSAES-PKCS1-v1_5 decryption in this interface
   * (Bleichenbacher padding oracle; Node ≥ 20 refuses it, CVE-2023-46809).
   */
  rsaOaepEncrypt(key: RsaPublicKey, plaintext: Uint8Array): Uint8Array;
  /** RSAES-OAEP decryption, same parameters; undefined on any failure. */
  rsaOaepDecrypt(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array | undefined;
}

/** What SASL SCRAM needs: hashing and randomness only (the portable reference implements just this). */
export type HashCrypto = Pick<Crypto, 'randomBytes' | 'digest' | 'hmac' | 'pbkdf2'>;
