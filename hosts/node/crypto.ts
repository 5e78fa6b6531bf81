// The Crypto interface (src/crypto/crypto.ts) on node:crypto. Minimal: the four operations SCRAM
// needs. (The openspime branch extends this file; on merge, its version supersedes this one.)
import * as nodeCrypto from 'node:crypto';
import type { Crypto } from '../../src/crypto/crypto.js';

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();

export const nodeCrypto_: Crypto = {
  randomBytes: (n) => u8(nodeCrypto.randomBytes(n)),
  digest: (alg, data) => u8(nodeCrypto.createHash(alg).update(data).digest()),
  hmac: (alg, key, data) => u8(nodeCrypto.createHmac(alg, key).update(data).digest()),
  pbkdf2: (alg, password, salt, iterations, length) => u8(nodeCrypto.pbkdf2Sync(password, salt, iterations, length, alg)),
};

export function createNodeCrypto(): Crypto {
  return nodeCrypto_;
}
