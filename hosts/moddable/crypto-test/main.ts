// The device crypto test: runs the vectors of test/device/crypto.test.ts's file against
// spimekit/host/crypto/crypto on the Moddable build. Prints `PASS suite count`, `FAIL suite ...`
// lines, `OUT ...` lines for the Node side to check (device-made ciphertexts and signatures) and
// a last line `RESULT passed=N failed=M`. Given a DeviceBench file instead (bench/device-crypto.ts),
// it prints `BENCH operation runs milliseconds` lines.
import { fromHex, toHex } from 'spimekit/bytes/bytes';
import { CryptoError, type RsaPrivateKey } from 'spimekit/crypto/crypto';
import { closeModdableRsaKey, createModdableCrypto, generateModdableRsaKey, moddableRsaPrivateKey } from 'spimekit/host/crypto/crypto';
import { print, vectorText } from 'spimekit/test/runner';
import type { DeviceBench, DeviceVectors } from './vectors.js';

const crypto = createModdableCrypto();
const input = JSON.parse(vectorText()) as DeviceVectors | { bench: DeviceBench };
const hex = (s: string): Uint8Array => {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex ${s.slice(0, 20)}`);
  return b;
};

function bench({ key: der, budget }: DeviceBench): void {
  const time = (name: string, op: () => unknown) => {
    const start = Date.now();
    let runs = 0;
    do { op(); runs++; } while (Date.now() - start < budget);
    print(`BENCH ${name} ${runs} ${Date.now() - start}`);
  };
  const key = moddableRsaPrivateKey(hex(der));
  const data = crypto.randomBytes(1024), k16 = crypto.randomBytes(16), iv = crypto.randomBytes(12), none = new Uint8Array(0);
  const sig = crypto.rsaSign(key, 'sha256', data), wrapped = crypto.rsaOaepEncrypt(key.publicKey, k16);
  time('sha256-1KiB', () => crypto.digest('sha256', data));
  time('hmac-sha256-1KiB', () => crypto.hmac('sha256', k16, data));
  time('pbkdf2-sha1-4096', () => crypto.pbkdf2('sha1', k16, iv, 4096, 20));
  time('pbkdf2-sha256-4096', () => crypto.pbkdf2('sha256', k16, iv, 4096, 32));
  time('aes128gcm-encrypt-1KiB', () => crypto.aesGcmEncrypt(k16, iv, data, none));
  time('rsa2048-sign', () => crypto.rsaSign(key, 'sha256', data));
  time('rsa2048-verify', () => crypto.rsaVerify(key.publicKey, 'sha256', data, sig));
  time('rsa2048-oaep-wrap', () => crypto.rsaOaepEncrypt(key.publicKey, k16));
  time('rsa2048-oaep-unwrap', () => crypto.rsaOaepDecrypt(key, wrapped));
  time('rsa2048-import', () => closeModdableRsaKey(moddableRsaPrivateKey(hex(der))));
  closeModdableRsaKey(key);
}

function runVectors(v: DeviceVectors): void {
  let passed = 0, failed = 0;

  function suite(name: string, body: (fail: (detail: string) => void) => number): void {
    let failures = 0;
    const fail = (detail: string) => { failures++; print(`FAIL ${name} ${detail}`); };
    let n = 0;
    try {
      n = body(fail);
    } catch (e) {
      fail(`threw ${String(e)}`);
    }
    if (failures) failed++;
    else { passed++; print(`PASS ${name} ${n}`); }
  }

  function withKey<T>(der: string, use: (key: RsaPrivateKey) => T): T {
    const key = moddableRsaPrivateKey(hex(der));
    try { return use(key); } finally { closeModdableRsaKey(key); }
  }

  const conditionOf = (call: () => unknown): string => {
    try { call(); return 'returned'; } catch (e) { return e instanceof CryptoError ? e.condition : `threw ${String(e)}`; }
  };

  suite('rsa-sig-gen', (fail) => {
    let n = 0;
    for (const g of v.sigGen) withKey(g.key, (key) => {
      for (const [tcId, msg, sig] of g.tests) {
        const s = toHex(crypto.rsaSign(key, g.hash, hex(msg)));
        if (s !== sig) fail(`tcId ${tcId} (${g.hash}): signature ${s.slice(0, 32)}...`);
        if (!crypto.rsaVerify(key.publicKey, g.hash, hex(msg), hex(s))) fail(`tcId ${tcId}: own signature does not verify`);
        n++;
      }
    });
    return n;
  });

  suite('rsa-sig-verify', (fail) => {
    let n = 0;
    for (const g of v.sigVerify) {
      const key = { modulus: hex(g.n), exponent: hex(g.e) };
      for (const [tcId, msg, sig, valid] of g.tests) {
        const ok = crypto.rsaVerify(key, g.hash, hex(msg), hex(sig));
        if (ok !== valid) fail(`tcId ${tcId}: got ${ok}`);
        n++;
      }
    }
    return n;
  });

  suite('rsa-pkcs1-ciphertexts-to-oaep', (fail) => {
    let n = 0;
    for (const g of v.pkcs1) withKey(g.key, (key) => {
      for (const [tcId, ct] of g.tests) {
        if (crypto.rsaOaepDecrypt(key, hex(ct)) !== undefined) fail(`tcId ${tcId}: decrypted`);
        n++;
      }
    });
    return n;
  });

  suite('rsa-oaep-decrypt', (fail) => {
    let n = 0;
    for (const g of v.oaep) withKey(g.key, (key) => {
      for (const [tcId, ct, msg, decrypts] of g.tests) {
        const m = crypto.rsaOaepDecrypt(key, hex(ct));
        const got = m === undefined ? 'undefined' : toHex(m) === msg ? 'decrypts' : `wrong ${toHex(m)}`;
        if (got !== (decrypts ? 'decrypts' : 'undefined')) fail(`tcId ${tcId}: ${got}`);
        n++;
      }
    });
    return n;
  });

  suite('aes-gcm', (fail) => {
    let n = 0;
    for (const [tcId, key, iv, aad, msg, ct, tag, valid, inProfile] of v.gcm) {
      if (!inProfile) {
        const e = conditionOf(() => crypto.aesGcmEncrypt(hex(key), hex(iv), hex(msg), hex(aad)));
        const d = conditionOf(() => crypto.aesGcmDecrypt(hex(key), hex(iv), hex(ct + tag), hex(aad)));
        if (e !== 'bad-input' || d !== 'bad-input') fail(`tcId ${tcId}: out of profile gave ${e}/${d}`);
      } else {
        if (valid) {
          const out = toHex(crypto.aesGcmEncrypt(hex(key), hex(iv), hex(msg), hex(aad)));
          if (out !== ct + tag) fail(`tcId ${tcId}: encrypt gave ${out}`);
        }
        const m = crypto.aesGcmDecrypt(hex(key), hex(iv), hex(ct + tag), hex(aad));
        const got = m === undefined ? 'undefined' : toHex(m);
        if (got !== (valid ? msg : 'undefined')) fail(`tcId ${tcId}: decrypt gave ${got}`);
      }
      n++;
    }
    return n;
  });

  suite('hmac', (fail) => {
    let n = 0;
    for (const [tcId, hash, key, msg, tag, tagBytes, valid] of v.hmac) {
      const t = toHex(crypto.hmac(hash, hex(key), hex(msg)).subarray(0, tagBytes));
      if ((t === tag) !== valid) fail(`tcId ${tcId} (${hash}): tag ${t}`);
      n++;
    }
    return n;
  });

  suite('pbkdf2', (fail) => {
    let n = 0;
    for (const [tcId, hash, password, salt, iterations, dkLen, dk] of v.pbkdf2) {
      const got = toHex(crypto.pbkdf2(hash, hex(password), hex(salt), iterations, dkLen));
      if (got !== dk) fail(`tcId ${tcId} (${hash}): ${got}`);
      n++;
    }
    return n;
  });

  suite('profile-vectors', (fail) => {
    let n = 0;
    for (const p of v.profile) {
      const signer = { modulus: hex(p.n), exponent: hex(p.e) };
      if (!crypto.rsaVerify(signer, 'sha256', hex(p.signedInfo), hex(p.signature))) fail(`${p.name}: signature does not verify`);
      const bad = hex(p.signedInfo);
      bad[bad.length - 1] ^= 1;
      if (crypto.rsaVerify(signer, 'sha256', bad, hex(p.signature))) fail(`${p.name}: verifies a changed SignedInfo`);
      withKey(p.signerKey, (key) => {
        const s = toHex(crypto.rsaSign(key, 'sha256', hex(p.signedInfo)));
        if (s !== p.signature) fail(`${p.name}: re-signing gave another signature`);
      });
      const u = p.unwrap;
      if (u) withKey(u.key, (key) => {
        const ck = crypto.rsaOaepDecrypt(key, hex(u.wrapped));
        if (!ck || toHex(ck) !== u.contentKey) { fail(`${p.name}: content key did not unwrap`); return; }
        const plain = crypto.aesGcmDecrypt(ck, hex(u.iv), hex(u.body), hex(u.aad));
        if (!plain || toHex(plain) !== u.plaintext) fail(`${p.name}: body did not decrypt`);
        const again = crypto.aesGcmEncrypt(ck, hex(u.iv), hex(u.plaintext), hex(u.aad));
        if (toHex(again) !== u.body) fail(`${p.name}: body did not re-encrypt to the vector`);
      });
      n++;
    }
    return n;
  });

  // Behaviour the vectors do not cover: typed errors for caller mistakes, undefined for hostile input.
  suite('behaviour', (fail) => {
    let n = 0;
    const check = (what: string, ok: boolean) => { if (!ok) fail(what); n++; };
    const k16 = new Uint8Array(16), iv = new Uint8Array(12), none = new Uint8Array(0);
    check('24-byte AES key is bad-input', conditionOf(() => crypto.aesGcmEncrypt(new Uint8Array(24), iv, none, none)) === 'bad-input');
    check('16-byte IV is bad-input', conditionOf(() => crypto.aesGcmEncrypt(k16, new Uint8Array(16), none, none)) === 'bad-input');
    check('truncated GCM input is undefined', crypto.aesGcmDecrypt(k16, iv, new Uint8Array(15), none) === undefined);
    check('SHA-256 of "abc"', toHex(crypto.digest('sha256', new Uint8Array([0x61, 0x62, 0x63]))) === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    check('PBKDF2 of length 0 is empty, 0 iterations is bad-input', crypto.pbkdf2('sha256', k16, k16, 1, 0).length === 0 && conditionOf(() => crypto.pbkdf2('sha256', k16, k16, 0, 32)) === 'bad-input');
    check('SHA-1 of "abc"', toHex(crypto.digest('sha1', new Uint8Array([0x61, 0x62, 0x63]))) === 'a9993e364706816aba3e25717850c26c9cd0d89d');
    const zero = { modulus: new Uint8Array(256), exponent: new Uint8Array([1, 0, 1]) };
    check('zero modulus OAEP encryption is bad-key', conditionOf(() => crypto.rsaOaepEncrypt(zero, new Uint8Array(16))) === 'bad-key');
    check('zero modulus does not verify', crypto.rsaVerify(zero, 'sha256', none, new Uint8Array(256)) === false);
    const r1 = crypto.randomBytes(32), r2 = crypto.randomBytes(32);
    check('random bytes differ', toHex(r1) !== toHex(r2) && r1.length === 32);
    check('a foreign handle is refused', conditionOf(() => crypto.rsaSign({ publicKey: zero, opaque: {} }, 'sha256', none)).startsWith('threw TypeError'));
    const o = v.oaepEncrypt;
    const pub = { modulus: hex(o.n), exponent: hex(o.e) };
    check('191-byte OAEP message is bad-input', conditionOf(() => crypto.rsaOaepEncrypt(pub, new Uint8Array(191))) === 'bad-input');
    withKey(o.key, (key) => {
      o.messages.forEach((m, i) => {
        const c = crypto.rsaOaepEncrypt(pub, hex(m));
        print(`OUT oaep ${i} ${toHex(c)}`);
        const back = crypto.rsaOaepDecrypt(key, c);
        check(`OAEP round trip ${i}`, back !== undefined && toHex(back) === m);
        const flipped = c.slice();
        flipped[7] ^= 1;
        check(`flipped OAEP ciphertext ${i} is undefined`, crypto.rsaOaepDecrypt(key, flipped) === undefined);
        check(`truncated OAEP ciphertext ${i} is undefined`, crypto.rsaOaepDecrypt(key, c.subarray(1)) === undefined);
      });
    });
    const generated = generateModdableRsaKey(2048);
    const data = crypto.randomBytes(40);
    const sig = crypto.rsaSign(generated, 'sha256', data);
    check('generated key: 2048-bit modulus, e = 65537', generated.publicKey.modulus.length === 256 && toHex(generated.publicKey.exponent) === '010001');
    check('generated key signs and verifies', crypto.rsaVerify(generated.publicKey, 'sha256', data, sig));
    const wrapped = crypto.rsaOaepEncrypt(generated.publicKey, data.subarray(0, 16));
    const unwrapped = crypto.rsaOaepDecrypt(generated, wrapped);
    check('generated key unwraps', unwrapped !== undefined && toHex(unwrapped) === toHex(data.subarray(0, 16)));
    check('another key does not unwrap', withKey(o.key, (key) => crypto.rsaOaepDecrypt(key, wrapped)) === undefined);
    print(`OUT generated ${toHex(generated.publicKey.modulus)} ${toHex(generated.publicKey.exponent)} ${toHex(data)} ${toHex(sig)}`);
    closeModdableRsaKey(generated);
    check('a closed key is refused', conditionOf(() => crypto.rsaSign(generated, 'sha256', data)).startsWith('threw'));
    return n;
  });
  print(`RESULT passed=${passed} failed=${failed}`);
}

if ('bench' in input) bench(input.bench);
else runVectors(input);
