// The one crypto interface src/ uses. Hosts implement it: hosts/node with node:crypto, the device
// with mbedTLS (ESP32 hardware AES/SHA/RSA). Only operations mbedTLS offers; bytes in, bytes out.
// Synchronous on purpose: both backends are, and SCRAM's thousands of HMACs must not each cost a
// turn of the event loop.

export type HashAlgorithm = 'sha1' | 'sha256';

export interface Crypto {
  /** Cryptographically secure random bytes (device: the ESP32 hardware RNG via mbedTLS). */
  randomBytes(length: number): Uint8Array;
  digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** PBKDF2 with HMAC-`algorithm` (SCRAM's Hi(), RFC 5802 §2.2). */
  pbkdf2(algorithm: HashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;
}
