// The Crypto interface (src/crypto/crypto.ts) on the device: PSA Crypto through ./native (mbedTLS
// 2.28 on lin, mbedTLS 4 on ESP32, where PSA drivers use the SHA/AES/bignum hardware). Caller
// mistakes throw CryptoError as the Node host does; attacker-controlled failures are
// false/undefined. RSA private keys are PSA key handles: the numbers stay in PSA's key store.
// Unlike hosts/node, OAEP's seed always comes from PSA's RNG (there is no raw RSA in PSA), so
// wrapped keys cannot be reproduced from injected random bytes on the device.
import { CryptoError, type Crypto, type HashAlgorithm, type RsaPrivateKey, type RsaPublicKey } from 'spimekit/crypto/crypto';
import * as psa from './native.js';

// psa-crypto.h spk_status
const BAD_INPUT = 1, BAD_KEY = 2;

const hashId = (algorithm: HashAlgorithm): psa.HashId => {
  if (algorithm === 'sha1') return 1;
  if (algorithm === 'sha256') return 256;
  throw new CryptoError('bad-input', `hash ${String(algorithm)}`);
};

function statusError(status: number, what: string): Error {
  if (status === BAD_INPUT) return new CryptoError('bad-input', what);
  if (status === BAD_KEY) return new CryptoError('bad-key', what);
  return new Error(`${what}: PSA failure (spk_status ${status})`);
}

function bytesOrThrow(result: ArrayBuffer | number, what: string): Uint8Array {
  if (typeof result === 'number') throw statusError(result, what);
  return new Uint8Array(result);
}

function checkGcm(key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== 16 && key.length !== 32) throw new CryptoError('bad-input', `AES-GCM key of ${key.length} bytes`);
  if (iv.length !== 12) throw new CryptoError('bad-input', `AES-GCM IV of ${iv.length} bytes (want 12)`);
}

function keyPair(key: RsaPrivateKey): psa.RsaKeyPair {
  if (!(key.opaque instanceof psa.RsaKeyPair)) throw new TypeError('not a private key handle made by hosts/moddable');
  return key.opaque;
}

function wrap(pair: psa.RsaKeyPair): RsaPrivateKey {
  const publicKey: RsaPublicKey = Object.freeze({ modulus: new Uint8Array(pair.publicPart(0)), exponent: new Uint8Array(pair.publicPart(1)) });
  return Object.freeze({ publicKey, opaque: pair });
}

function newPair(source: Uint8Array | number, what: string): RsaPrivateKey {
  try {
    return wrap(new psa.RsaKeyPair(source));
  } catch (e) {
    throw typeof e === 'number' ? statusError(e, what) : e;
  }
}

/** An RSA private key from DER (PKCS#1 RSAPrivateKey or PKCS#8), imported into PSA. The caller
 *  should drop (and overwrite) the DER afterwards: from here on only the handle exists in JS. */
export function moddableRsaPrivateKey(der: Uint8Array): RsaPrivateKey {
  return newPair(der, 'RSA private key not usable');
}

/** A fresh RSA key pair generated inside PSA (seconds on an ESP32 at 2048 bits). */
export function generateModdableRsaKey(bits = 2048): RsaPrivateKey {
  return newPair(bits, `RSA key generation (${bits} bits)`);
}

/** Destroys the key's PSA slots now rather than at garbage collection; the handle is dead after. */
export function closeModdableRsaKey(key: RsaPrivateKey): void {
  keyPair(key).close();
}

export function createModdableCrypto(): Crypto {
  return {
    randomBytes: (length) => new Uint8Array(psa.randomBytes(length)),
    digest: (algorithm, data) => bytesOrThrow(psa.digest(hashId(algorithm), data), 'digest'),
    hmac: (algorithm, key, data) => bytesOrThrow(psa.hmac(hashId(algorithm), key, data), 'HMAC'),
    pbkdf2: (algorithm, password, salt, iterations, length) => bytesOrThrow(psa.pbkdf2(hashId(algorithm), password, salt, iterations, length), 'PBKDF2'),

    aesGcmEncrypt(key, iv, plaintext, aad) {
      checkGcm(key, iv);
      return bytesOrThrow(psa.aesGcmEncrypt(key, iv, plaintext, aad), 'AES-GCM encryption');
    },
    aesGcmDecrypt(key, iv, data, aad) {
      checkGcm(key, iv);
      if (data.length < 16) return undefined;
      const r = psa.aesGcmDecrypt(key, iv, data, aad);
      return typeof r === 'number' ? undefined : new Uint8Array(r);
    },

    rsaSign(key, hash, data) {
      return bytesOrThrow(keyPair(key).sign(hashId(hash), data), 'RSA signature');
    },
    rsaVerify(key, hash, data, signature) {
      return psa.rsaVerify(key.modulus, key.exponent, hashId(hash), data, signature) === 0;
    },

    rsaOaepEncrypt(key, message) {
      return bytesOrThrow(psa.rsaOaepEncrypt(key.modulus, key.exponent, message), `RSA-OAEP encryption of ${message.length} bytes`);
    },
    rsaOaepDecrypt(key, ciphertext) {
      const r = keyPair(key).oaepDecrypt(ciphertext);
      return typeof r === 'number' ? undefined : new Uint8Array(r);
    },
  };
}
