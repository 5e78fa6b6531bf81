// The device crypto host (hosts/moddable/crypto: PSA Crypto on mbedTLS) on the real Moddable
// build: with $MODDABLE set, builds hosts/moddable/crypto-test as an x-cli-lin executable, runs it
// on the Wycheproof sets and profile vectors that hosts/node passes (node-crypto.test.ts,
// openspime/vectors.test.ts) and checks its counts; device-made OAEP ciphertexts and a
// device-generated key's signature are then checked with OpenSSL. Without $MODDABLE the suite is
// reported skipped, with the reason in its name.
import * as nodeCrypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64Decode } from '../../src/bytes/base64.js';
import { toHex } from '../../src/bytes/bytes.js';
import { utf8Encode } from '../../src/bytes/utf8.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { transportAad } from '../../src/openspime/seal.js';
import type { XmlElement } from '../../src/xml/element.js';
import type { DeviceVectors } from '../../hosts/moddable/crypto-test/vectors.js';
import vectors from '../vectors/openspime-vectors.js';
import { loadWycheproof } from '../helpers/wycheproof.js';
import { parseXml } from '../helpers/parse-xml.js';
import { E, keysFile } from '../helpers/world.js';
import { buildCryptoTest, runCryptoTest } from '../../tools/device-crypto.js';

const sdk = process.env.MODDABLE;
const pemToDerHex = (pem: string): string => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex');
const hashOf = (sha: string): 'sha1' | 'sha256' => (sha === 'SHA-1' ? 'sha1' : 'sha256');

function findOpenspime(el: XmlElement): XmlElement | undefined {
  if (el.name === 'openspime' && el.ns === NS_CORE) return el;
  for (const c of el.children) if (typeof c !== 'string') { const f = findOpenspime(c); if (f) return f; }
  return undefined;
}

/** The vector file, with the number of cases each device suite must report. */
function deviceVectors(): { file: DeviceVectors; counts: Record<string, number> } {
  type Key = { privateKeyPkcs8: string; sha: string };
  const sigGen = ['rsa_pkcs1_1024_sig_gen_test', 'rsa_pkcs1_2048_sig_gen_test'].flatMap((name) =>
    loadWycheproof<Key, { msg: string; sig: string }>(name).testGroups
      .filter((g) => g.sha === 'SHA-1' || g.sha === 'SHA-256')
      .map((g) => ({ key: g.privateKeyPkcs8, hash: hashOf(g.sha), tests: g.tests.map((t) => [t.tcId, t.msg, t.sig] as [number, string, string]) })));
  const sigVerify = loadWycheproof<{ publicKey: { modulus: string; publicExponent: string }; sha: string }, { msg: string; sig: string }>('rsa_signature_2048_sha256_test').testGroups
    .map((g) => ({ n: g.publicKey.modulus, e: g.publicKey.publicExponent, hash: 'sha256' as const, tests: g.tests.map((t) => [t.tcId, t.msg, t.sig, t.result === 'valid'] as [number, string, string, boolean]) }));
  const pkcs1 = loadWycheproof<Key, { ct: string }>('rsa_pkcs1_2048_test').testGroups
    .map((g) => ({ key: g.privateKeyPkcs8, tests: g.tests.map((t) => [t.tcId, t.ct] as [number, string]) }));
  const oaep = loadWycheproof<Key & { mgfSha: string }, { msg: string; ct: string; label: string }>('rsa_oaep_2048_sha256_mgf1sha256_test').testGroups
    .filter((g) => g.sha === 'SHA-256' && g.mgfSha === 'SHA-256')
    .map((g) => ({ key: g.privateKeyPkcs8, tests: g.tests.map((t) => [t.tcId, t.ct, t.msg, t.result === 'valid' && t.label === ''] as [number, string, string, boolean]) }));
  const gcm = loadWycheproof<{ keySize: number; ivSize: number; tagSize: number }, { key: string; iv: string; aad: string; msg: string; ct: string; tag: string }>('aes_gcm_test').testGroups
    .flatMap((g) => g.tests.map((t) => [t.tcId, t.key, t.iv, t.aad, t.msg, t.ct, t.tag, t.result === 'valid',
      (g.keySize === 128 || g.keySize === 256) && g.ivSize === 96 && g.tagSize === 128] as DeviceVectors['gcm'][number]));
  const hmac = (['sha1', 'sha256'] as const).flatMap((hash) => loadWycheproof<{ tagSize: number }, { key: string; msg: string; tag: string }>(`hmac_${hash}_test`).testGroups
    .flatMap((g) => g.tests.map((t) => [t.tcId, hash, t.key, t.msg, t.tag, g.tagSize / 8, t.result === 'valid'] as DeviceVectors['hmac'][number])));
  // Beyond PSA's HMAC key size limit (8 KB on mbedTLS 2.28): RFC 2104 hashes long keys first.
  const longKey = nodeCrypto.randomBytes(10000), longMsg = nodeCrypto.randomBytes(100);
  for (const hash of ['sha1', 'sha256'] as const) hmac.push([900000 + hmac.length, hash, longKey.toString('hex'), longMsg.toString('hex'), nodeCrypto.createHmac(hash, longKey).update(longMsg).digest('hex'), hash === 'sha1' ? 20 : 32, true]);
  const pbkdf2 = (['sha1', 'sha256'] as const).flatMap((hash) => loadWycheproof<object, { password: string; salt: string; iterationCount: number; dkLen: number; dk: string }>(`pbkdf2_hmac${hash}_test`).testGroups
    .flatMap((g) => g.tests)
    // as node-crypto.test.ts: the few multi-million-iteration cases are left out for time (none is invalid)
    .filter((t) => t.iterationCount <= 100000)
    .map((t) => [t.tcId, hash, t.password, t.salt, t.iterationCount, t.dkLen, t.result === 'valid' ? t.dk : 'invalid'] as DeviceVectors['pbkdf2'][number]));
  const entityOf = (jid: string) => (Object.keys(E) as Array<keyof typeof E>).find((n) => E[n].jid === jid)!;
  const b64hex = (s: string) => toHex(base64Decode(s)!);
  const profile = vectors.vectors.map((v) => {
    const signer = entityOf(v.osid);
    const entry: DeviceVectors['profile'][number] = {
      name: v.name, n: b64hex(E[signer].modulus), e: b64hex(E[signer].exponent), signerKey: pemToDerHex(keysFile[signer].privateKeyPkcs8Pem),
      signedInfo: b64hex(v.signedInfo!), signature: b64hex(v.signature!),
    };
    if (v.contentKey) {
      const t = findOpenspime(parseXml(v.stanza))!.getChild('transport', NS_CORE)!;
      const body = base64Decode(t.text())!;
      entry.unwrap = {
        key: pemToDerHex(keysFile.scopenode.privateKeyPkcs8Pem), wrapped: b64hex(t.attr('transport-key')!), contentKey: v.contentKey,
        iv: toHex(body.subarray(0, 12)), body: toHex(body.subarray(12)), aad: toHex(transportAad(v.osid, t.attr('content-type')!)), plaintext: toHex(utf8Encode(v.plaintext!)),
      };
    }
    return entry;
  });
  const oaepEncrypt = { n: b64hex(E.scopenode.modulus), e: b64hex(E.scopenode.exponent), key: pemToDerHex(keysFile.scopenode.privateKeyPkcs8Pem), messages: ['', '00', toHex(nodeCrypto.randomBytes(16)), toHex(nodeCrypto.randomBytes(32)), toHex(nodeCrypto.randomBytes(190))] };
  const file: DeviceVectors = { sigGen, sigVerify, pkcs1, oaep, gcm, hmac, pbkdf2, profile, oaepEncrypt };
  const count = (groups: Array<{ tests: unknown[] }>) => groups.reduce((a, g) => a + g.tests.length, 0);
  return {
    file,
    counts: {
      'rsa-sig-gen': count(sigGen), 'rsa-sig-verify': count(sigVerify), 'rsa-pkcs1-ciphertexts-to-oaep': count(pkcs1), 'rsa-oaep-decrypt': count(oaep),
      'aes-gcm': gcm.length, hmac: hmac.length, pbkdf2: pbkdf2.length, 'profile-vectors': profile.length, behaviour: 11 + 3 * oaepEncrypt.messages.length + 5,
    },
  };
}

const describeDevice = sdk ? describe : describe.skip;
describeDevice(`device crypto (PSA on mbedTLS) on the Moddable x-cli-lin build${sdk ? '' : ' — skipped: $MODDABLE is not set (README "Building for the device")'}`, () => {
  const { file, counts } = deviceVectors();
  let output = '';
  beforeAll(() => {
    const out = mkdtempSync(join(tmpdir(), 'spimekit-device-crypto-'));
    try {
      const vectorFile = join(out, 'vectors.json');
      writeFileSync(vectorFile, JSON.stringify(file));
      output = runCryptoTest(buildCryptoTest(sdk!, out), vectorFile);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30 * 60_000);
  const lines = () => output.split('\n');

  test('every device suite passes with the expected number of cases, and nothing failed', () => {
    expect(lines().filter((l) => /^(FAIL|EXCEPTION|ABORT)/.test(l))).toEqual([]);
    const got = Object.fromEntries(lines().filter((l) => l.startsWith('PASS ')).map((l) => { const [, name, n] = l.split(' '); return [name, Number(n)]; }));
    expect(got).toEqual(counts);
    expect(lines()).toContain(`RESULT passed=${Object.keys(counts).length} failed=0`);
  });
  test('OAEP ciphertexts made on the device unwrap with OpenSSL (OAEP-SHA-256, empty label)', () => {
    const key = nodeCrypto.createPrivateKey({ key: Buffer.from(file.oaepEncrypt.key, 'hex'), format: 'der', type: 'pkcs8' });
    const outs = lines().filter((l) => l.startsWith('OUT oaep '));
    expect(outs.length).toBe(file.oaepEncrypt.messages.length);
    for (const l of outs) {
      const [, , i, ct] = l.split(' ');
      const m = nodeCrypto.privateDecrypt({ key, padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(ct, 'hex'));
      expect(m.toString('hex')).toBe(file.oaepEncrypt.messages[Number(i)]);
    }
  });
  test('a key generated inside PSA signs what OpenSSL verifies', () => {
    const l = lines().find((x) => x.startsWith('OUT generated '));
    expect(l).toBeDefined();
    const [, , n, e, data, sig] = l!.split(' ');
    const pub = nodeCrypto.createPublicKey({ key: { kty: 'RSA', n: Buffer.from(n, 'hex').toString('base64url'), e: Buffer.from(e, 'hex').toString('base64url') }, format: 'jwk' });
    expect(nodeCrypto.verify('sha256', Buffer.from(data, 'hex'), { key: pub, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, Buffer.from(sig, 'hex'))).toBe(true);
  });
});
