// The shape of the vector file test/device/crypto.test.ts writes for this program: the Wycheproof
// sets and profile vectors the Node host passes (test/crypto/node-crypto.test.ts,
// test/openspime/vectors.test.ts), reduced to hex fields. Keys are PKCS#8 DER in hex.
/** bench/device-crypto.ts: time these operations instead of running the vectors. */
export interface DeviceBench {
  /** PKCS#8 DER (hex) of an RSA key to sign and unwrap with. */
  key: string;
  /** Milliseconds to spend on each operation (at least one run each). */
  budget: number;
}

export interface DeviceVectors {
  sigGen: Array<{ key: string; hash: 'sha1' | 'sha256'; tests: Array<[tcId: number, msg: string, sig: string]> }>;
  sigVerify: Array<{ n: string; e: string; hash: 'sha256'; tests: Array<[tcId: number, msg: string, sig: string, valid: boolean]> }>;
  pkcs1: Array<{ key: string; tests: Array<[tcId: number, ct: string]> }>;
  oaep: Array<{ key: string; tests: Array<[tcId: number, ct: string, msg: string, decrypts: boolean]> }>;
  gcm: Array<[tcId: number, key: string, iv: string, aad: string, msg: string, ct: string, tag: string, valid: boolean, inProfile: boolean]>;
  hmac: Array<[tcId: number, hash: 'sha1' | 'sha256', key: string, msg: string, tag: string, tagBytes: number, valid: boolean]>;
  pbkdf2: Array<[tcId: number, hash: 'sha1' | 'sha256', password: string, salt: string, iterations: number, dkLen: number, dk: string]>;
  profile: Array<{ name: string; n: string; e: string; signerKey: string; signedInfo: string; signature: string;
    unwrap?: { key: string; wrapped: string; contentKey: string; iv: string; body: string; aad: string; plaintext: string } }>;
  /** The device wraps these for this key; the Node side unwraps them with OpenSSL. */
  oaepEncrypt: { n: string; e: string; key: string; messages: string[] };
}
