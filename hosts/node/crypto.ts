// The Crypto interface (src/crypto/crypto.ts) on node:crypto (OpenSSL).
// RSA-OAEP *encryption* pads in TypeScript (RFC 8017 §7.1.1) and uses raw RSA, so that the seed
// comes from this object's `randomBytes`: the test-vector tool injects fixed random bytes and gets
// reproducible wrapped keys. Decryption is OpenSSL's own OAEP (constant-time unpadding), which
// also cross-checks the encoder.
import * as nodeCrypto from 'node:crypto';
import { CryptoError, type Crypto, type HashAlgorithm, type RsaPrivateKey, type RsaPublicKey } from '../../src/crypto/crypto.js';
import { rsaPublicKeyFromBytes } from '../../src/crypto/rsa-key.js';

const u8 = (b: Buffer | Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

const publicKeyObjects = new WeakMap<RsaPublicKey, nodeCrypto.KeyObject>();

function publicKeyObject(key: RsaPublicKey): nodeCrypto.KeyObject {
  let k = publicKeyObjects.get(key);
  if (!k) {
    try {
      k = nodeCrypto.createPublicKey({ key: { kty: 'RSA', n: b64url(key.modulus), e: b64url(key.exponent) }, format: 'jwk' });
    } catch (e) {
      throw new CryptoError('bad-key', `RSA public key not usable: ${(e as Error).message}`);
    }
    publicKeyObjects.set(key, k);
  }
  return k;
}

function privateKeyObject(key: RsaPrivateKey): nodeCrypto.KeyObject {
  const k = key.opaque;
  if (!(k instanceof nodeCrypto.KeyObject) || k.type !== 'private') throw new TypeError('not a private key handle made by hosts/node');
  return k;
}

/** Wraps a node private KeyObject (or PEM) as the opaque handle src/ passes around. */
export function nodeRsaPrivateKey(pemOrKey: string | nodeCrypto.KeyObject): RsaPrivateKey {
  const k = typeof pemOrKey === 'string' ? nodeCrypto.createPrivateKey(pemOrKey) : pemOrKey;
  if (k.asymmetricKeyType !== 'rsa') throw new TypeError('not an RSA private key');
  const jwk = k.export({ format: 'jwk' });
  const pub = rsaPublicKeyFromBytes(Buffer.from(jwk.n!, 'base64url'), Buffer.from(jwk.e!, 'base64url'));
  // Small (test-vector) keys are representable too: the size policy is the protocol layer's.
  const publicKey = typeof pub === 'string'
    ? { modulus: u8(Buffer.from(jwk.n!, 'base64url')), exponent: u8(Buffer.from(jwk.e!, 'base64url')) }
    : pub;
  return Object.freeze({ publicKey, opaque: k });
}

// Keys are generated as PKCS #8 DER and re-imported, never as a KeyObject straight from the
// generator: Node 20's generator job shares its key's lock with the KeyObject it returns, and its
// destructor takes that lock. A garbage collection during `export({format: 'jwk'})` (which holds
// the lock while it allocates) that collects the finished job deadlocks the main thread for good —
// seen as `npm start -- --spimes 200` hanging in set-up, deaf to every signal. A re-imported key
// has a lock of its own.
const rsaGeneration = (bits: number): nodeCrypto.RSAKeyPairOptions<'der', 'der'> => ({
  modulusLength: bits, publicExponent: 65537, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' },
});

const fromPkcs8 = (der: Buffer): RsaPrivateKey => nodeRsaPrivateKey(nodeCrypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));

/** A fresh RSA key pair (for a host simulation; the device generates its key in mbedTLS). Blocks
 *  the event loop for the whole generation (~0.2 s at 2048 bits): use `generateNodeRsaKeyAsync`
 *  where signals and sockets must stay served. */
export function generateNodeRsaKey(bits = 2048): RsaPrivateKey {
  return fromPkcs8(nodeCrypto.generateKeyPairSync('rsa', rsaGeneration(bits)).privateKey);
}

/** The same on libuv's thread pool: the event loop keeps running while the key is made. */
export function generateNodeRsaKeyAsync(bits = 2048): Promise<RsaPrivateKey> {
  return new Promise((resolve, reject) => nodeCrypto.generateKeyPair('rsa', rsaGeneration(bits), (e, _publicKey, privateKey) => {
    if (e) reject(e);
    else resolve(fromPkcs8(privateKey));
  }));
}

export function exportPrivateKeyPem(key: RsaPrivateKey): string {
  return privateKeyObject(key).export({ format: 'pem', type: 'pkcs8' }) as string;
}

function gcmName(key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  throw new CryptoError('bad-input', `AES-GCM key of ${key.length} bytes`);
}

function checkIv(iv: Uint8Array): void {
  if (iv.length !== 12) throw new CryptoError('bad-input', `AES-GCM IV of ${iv.length} bytes (want 12)`);
}

const HASH_LEN = 32; // SHA-256, the profile's OAEP hash

function mgf1Sha256(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let counter = 0, o = 0; o < length; counter++) {
    const c = new Uint8Array([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255]);
    const h = nodeCrypto.createHash('sha256').update(seed).update(c).digest();
    out.set(h.subarray(0, Math.min(HASH_LEN, length - o)), o);
    o += HASH_LEN;
  }
  return out;
}

export interface NodeCryptoOptions {
  /** Source of random bytes; default node:crypto's CSPRNG. Tests inject fixed bytes. */
  randomBytes?: (length: number) => Uint8Array;
}

export function createNodeCrypto(options: NodeCryptoOptions = {}): Crypto {
  const randomBytes = options.randomBytes ?? ((n: number) => u8(nodeCrypto.randomBytes(n)));
  return {
    randomBytes,
    digest: (algorithm: HashAlgorithm, data: Uint8Array) => u8(nodeCrypto.createHash(algorithm).update(data).digest()),
    hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => u8(nodeCrypto.createHmac(algorithm, key).update(data).digest()),
    pbkdf2: (algorithm, password, salt, iterations, length) => u8(nodeCrypto.pbkdf2Sync(password, salt, iterations, length, algorithm)),

    aesGcmEncrypt(key, iv, plaintext, aad) {
      checkIv(iv);
      const c = nodeCrypto.createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return u8(Buffer.concat([body, c.getAuthTag()]));
    },
    aesGcmDecrypt(key, iv, data, aad) {
      checkIv(iv);
      if (data.length < 16) return undefined;
      const d = nodeCrypto.createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 });
      d.setAAD(aad);
      d.setAuthTag(data.subarray(data.length - 16));
      try {
        return u8(Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]));
      } catch {
        return undefined;
      }
    },

    rsaSign(key, hash, data) {
      return u8(nodeCrypto.sign(hash, data, { key: privateKeyObject(key), padding: nodeCrypto.constants.RSA_PKCS1_PADDING }));
    },
    rsaVerify(key, hash, data, signature) {
      try {
        return nodeCrypto.verify(hash, data, { key: publicKeyObject(key), padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, signature);
      } catch {
        return false;
      }
    },

    rsaOaepEncrypt(key, message) {
      // EME-OAEP encoding, RFC 8017 §7.1.1 step 2, then RSAEP with no further padding.
      // k is the modulus length in whole octets (RFC 8017 §2): a 2052-bit modulus has k = 257.
      const k = Math.ceil(publicKeyObject(key).asymmetricKeyDetails!.modulusLength! / 8);
      if (k < 2 * HASH_LEN + 2) throw new CryptoError('bad-key', `a ${k}-byte modulus is too small for RSA-OAEP-SHA256`);
      if (message.length > k - 2 * HASH_LEN - 2) throw new CryptoError('bad-input', `message of ${message.length} bytes too long for RSA-OAEP with a ${k}-byte modulus`);
      const lHash = nodeCrypto.createHash('sha256').update(new Uint8Array(0)).digest();
      const db = new Uint8Array(k - HASH_LEN - 1);
      db.set(lHash, 0);
      db[db.length - message.length - 1] = 0x01;
      db.set(message, db.length - message.length);
      const seed = randomBytes(HASH_LEN);
      const dbMask = mgf1Sha256(seed, db.length);
      for (let i = 0; i < db.length; i++) db[i] ^= dbMask[i];
      const seedMask = mgf1Sha256(db, HASH_LEN);
      const em = new Uint8Array(k);
      for (let i = 0; i < HASH_LEN; i++) em[1 + i] = seed[i] ^ seedMask[i];
      em.set(db, 1 + HASH_LEN);
      try {
        return u8(nodeCrypto.publicEncrypt({ key: publicKeyObject(key), padding: nodeCrypto.constants.RSA_NO_PADDING }, em));
      } catch (e) {
        throw new CryptoError('bad-key', `RSA encryption failed: ${(e as Error).message}`);
      }
    },
    rsaOaepDecrypt(key, ciphertext) {
      try {
        return u8(nodeCrypto.privateDecrypt({ key: privateKeyObject(key), padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext));
      } catch {
        return undefined;
      }
    },
  };
}
