// Generates the profile's test vectors (test/vectors/openspime.json) from fixed keys
// (test/vectors/keys.json) and fixed random bytes (SHA-256 in counter mode over a per-vector
// seed). Run by tools/make-vectors.js; re-run by test/openspime/vectors.test.ts, which requires
// the committed file to be reproduced byte for byte. Node-only (hosts/node crypto).
import { createHash } from 'node:crypto';
import { createNodeCrypto, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import { base64Encode } from '../../src/bytes/base64.js';
import { toHex } from '../../src/bytes/bytes.js';
import { utf8Decode } from '../../src/bytes/utf8.js';
import type { Crypto, RsaPrivateKey } from '../../src/crypto/crypto.js';
import { rsaPublicKeyToBase64 } from '../../src/crypto/rsa-key.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { canonicalize } from '../../src/openspime/canonical.js';
import { buildClaimResponse } from '../../src/openspime/claim.js';
import { claimKeyBodyBytes, issueClaimKey, type ClaimKeyBody } from '../../src/openspime/claimkey.js';
import { parseContainer } from '../../src/openspime/container.js';
import { buildData, type DataEntry } from '../../src/openspime/data.js';
import { OpenSpimeError, stanzaErrorFor } from '../../src/openspime/errors.js';
import { CONTENT_TYPE_V09_AES, NS_CLIENT, NS_CORE, NS_PUBSUB, SIGN_ALG, VERSION } from '../../src/openspime/namespaces.js';
import { seal, type SealOptions } from '../../src/openspime/seal.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { buildSeekRequest } from '../../src/openspime/spimeseek.js';
import { serialize } from '../helpers/xml-text.js';
import type { EntityName, NegativeVector, Vector, VectorFile } from './types.js';

export type { NegativeVector, Vector, VectorFile } from './types.js';

export interface KeysFile { [entity: string]: { privateKeyPkcs8Pem: string } }

export const NOW = '2026-11-22T06:00:00Z';
export const ENTITIES = {
  spime: { jid: '4A6B-5638-0312111D@spime.openspime.com/spime', cert: 'services@spime.openspime.com/cert' },
  scopenode: { jid: '775B-F2C2-2B3765F4@scopenode.openspime.com/co2', cert: 'services@scopenode.openspime.com/cert' },
  owner: { jid: 'spimeowner@mydomain.com/web', cert: 'cert.spimeowners.com' },
} as const;

/**
 * Fixed "random" bytes (PROTOCOL.md §10): the concatenation of blocks
 * SHA-256(UTF-8("spimekit-vectors" 0x00 seed 0x00 decimal(counter))), counter = 0, 1, 2, …,
 * consumed front to back by successive draws (a draw never reuses bytes of an earlier one).
 */
export function fixedRandom(seed: string): (n: number) => Uint8Array {
  let pool = new Uint8Array(0);
  let counter = 0;
  return (n: number) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(`spimekit-vectors\u0000${seed}\u0000${counter++}`).digest();
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

/** Records what the crypto consumed, so the vector can state its content key and IV. */
function recordingCrypto(seed: string): { crypto: Crypto; draws: Uint8Array[] } {
  const draws: Uint8Array[] = [];
  const random = fixedRandom(seed);
  const crypto = createNodeCrypto({ randomBytes: (n) => { const b = random(n); draws.push(b); return b; } });
  return { crypto, draws };
}

const tree = (el: XmlElement): unknown => JSON.parse(JSON.stringify(el));

export function generateVectors(keysFile: KeysFile): VectorFile {
  const keys = {} as Record<EntityName, RsaPrivateKey>;
  for (const name of Object.keys(ENTITIES) as EntityName[]) keys[name] = nodeRsaPrivateKey(keysFile[name].privateKeyPkcs8Pem);
  const now = Date.parse(NOW);
  const vectors: Vector[] = [];

  const entry = { date: '2026-11-22T05:59:00Z', exposure: 'outdoor' as const, lat: 45.475841199050905, lon: 9.172725677490234, ele: 120, ppm: 412.5, temperature: 21.5, humidity: 45.2, pressure: 100812 };
  const claimBody: ClaimKeyBody = { claims: ENTITIES.spime.jid, osid: 'spimeowner@mydomain.com', expdate: '2027-11-22T00:00:00Z' };

  const make = (name: string, description: string, sender: EntityName, to: string, payload: (c: Crypto) => XmlElement,
    opts: Partial<SealOptions>, wrap: (openspime: XmlElement) => XmlElement, claimKey?: Uint8Array): void => {
    const { crypto, draws } = recordingCrypto(name);
    const el = seal(payload(crypto), { crypto, osid: ENTITIES[sender].jid, cert: ENTITIES[sender].cert, signingKey: keys[sender], ...opts });
    const parsed = parseContainer(el);
    const v: Vector = {
      name, description, randomSeed: name, from: ENTITIES[sender].jid, to,
      stanza: serialize(wrap(el)), container: tree(el), osid: ENTITIES[sender].jid,
      expect: { signed: true, encrypted: parsed.transport.kind === 'encrypted', payloadName: '' },
    };
    const si = signedInfo(el, parsed, ENTITIES[sender].jid);
    v.signedInfo = base64Encode(si);
    v.signature = base64Encode(parsed.originator!.sign!.value);
    if (parsed.transport.kind === 'encrypted') {
      // seal draws the content key, then the IV, then the OAEP seed (after any payload draws)
      const n = draws.length;
      v.contentKey = toHex(draws[n - 3]);
      v.iv = toHex(draws[n - 2]);
      v.plaintext = utf8Decode(canonicalize(payload(createNodeCrypto({ randomBytes: fixedRandom(name) }))))!;
    }
    if (claimKey) {
      v.claimKey = base64Encode(claimKey);
      v.claimKeyBody = utf8Decode(claimKeyBodyBytes(claimBody))!;
    }
    v.expect.payloadName = parsed.transport.kind === 'plain' ? parsed.transport.payload.name : payload(crypto).name;
    vectors.push(v);
  };

  const iqSet = (from: string, to: string, id: string) => (c: XmlElement) => xml('iq', { xmlns: NS_CLIENT, from, to, type: 'set', id }, c);
  const publish = (from: string, id: string, itemId: string) => (c: XmlElement) =>
    xml('iq', { xmlns: NS_CLIENT, from, to: 'pubsub.openspime.com', type: 'set', id }, xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'spimeseek' }, xml('item', { id: itemId }, c))));

  make('report-signed', 'Data report, signed, plain transport (v0.9 §1.0.0 payload with the §1.0.1 originator).',
    'spime', ENTITIES.scopenode.jid, () => buildData([entry]), {}, iqSet(ENTITIES.spime.jid, ENTITIES.scopenode.jid, 'r1'));

  make('report-encrypted', 'Data report, signed, encrypted to the ScopeNode (v0.9 §1.0.1).',
    'spime', ENTITIES.scopenode.jid, () => buildData([entry]), { encryptTo: keys.scopenode.publicKey }, iqSet(ENTITIES.spime.jid, ENTITIES.scopenode.jid, 'r2'));

  const ck = issueClaimKey(createNodeCrypto(), keys.spime, claimBody);
  make('claim-response', 'The spime answers a claim by spimeowner@mydomain.com with a claim key, signed (v0.9 §1.1.0).',
    'spime', 'spimeowner@mydomain.com/web', () => buildClaimResponse('spimeowner@mydomain.com', ck), {},
    (c) => xml('iq', { xmlns: NS_CLIENT, from: ENTITIES.spime.jid, to: 'spimeowner@mydomain.com/web', type: 'result', id: 'c1' }, c), ck);

  const seekExp = '2026-11-22T07:00:00Z';
  make('seek-request', 'A spime seeks plain information about itself over PubSub (v0.9 §1.2.0).',
    'spime', 'pubsub.openspime.com', (c) => buildSeekRequest({ id: toHex(c.randomBytes(8)), spimeid: ENTITIES.spime.jid, expdate: seekExp, encrequired: false }),
    {}, publish(ENTITIES.spime.jid, 's1', 'item-s1'));

  make('seek-request-claimkey', 'The authorized claimer seeks encrypted information, presenting its claim key (v0.9 §1.2.1).',
    'owner', 'pubsub.openspime.com', (c) => buildSeekRequest({ id: toHex(c.randomBytes(8)), spimeid: ENTITIES.spime.jid, expdate: seekExp, encrequired: true }),
    { claimkey: { cert: ENTITIES.spime.cert, claims: ENTITIES.spime.jid, key: ck } }, publish(ENTITIES.owner.jid, 's2', 'item-s2'), ck);

  // The same report as report-signed, from the server-stamped lower-case form of the osid
  // (RFC 7622: local and domain parts compare case-insensitively, §4.1).
  const lowerFrom = ENTITIES.spime.jid.replace(/^[^/]+/, (b) => b.toLowerCase());
  make('report-signed-jid-case', 'The signed report with osid 4A6B-… arriving from the server-stamped 4a6b-…: the same JID (canonical comparison), accepted.',
    'spime', ENTITIES.scopenode.jid, () => buildData([entry]), {}, iqSet(lowerFrom, ENTITIES.scopenode.jid, 'r3'));
  vectors[vectors.length - 1].from = lowerFrom;

  const negative = negativeVectors(keys, entry, iqSet, publish);

  const entities = {} as VectorFile['entities'];
  for (const name of Object.keys(ENTITIES) as EntityName[]) entities[name] = { ...ENTITIES[name], ...rsaPublicKeyToBase64(keys[name].publicKey) };
  void now;
  return { profile: 'spimekit OpenSpime v0.9 profile, docs/PROTOCOL.md', generatedBy: 'tools/make-vectors.js', now: NOW, entities, vectors, negative };
}

type Wrap = (c: XmlElement) => XmlElement;

/** The refusals of §10: one stanza per condition a receiver can decide from the stanza alone. */
function negativeVectors(keys: Record<EntityName, RsaPrivateKey>, entry: DataEntry,
  iqSet: (from: string, to: string, id: string) => Wrap, publish: (from: string, id: string, itemId: string) => Wrap): NegativeVector[] {
  const out: NegativeVector[] = [];
  const S = ENTITIES.spime, O = ENTITIES.owner, N = ENTITIES.scopenode;
  const sealAs = (seed: string, who: EntityName, payload: XmlElement, more: Partial<SealOptions> = {}): XmlElement =>
    seal(payload, { crypto: createNodeCrypto({ randomBytes: fixedRandom(seed) }), osid: ENTITIES[who].jid, cert: ENTITIES[who].cert, signingKey: keys[who], ...more });
  const iqErr = (condition: string): NegativeVector['expect'] => {
    const el = stanzaErrorFor(new OpenSpimeError(condition as never));
    return { condition, error: { type: el.attr('type')!, defined: el.getChildren()[0].name } };
  };
  const report = (name: string, description: string, condition: string, build: (seed: string) => XmlElement, from: string = S.jid): void => {
    out.push({ name, description, receiver: 'scopenode-report', randomSeed: name, from, stanza: serialize(iqSet(from, N.jid, name)(build(name))), expect: iqErr(condition) });
  };
  const seek = (name: string, description: string, condition: string, who: EntityName, build: (seed: string) => XmlElement, deliveries?: number): void => {
    const v: NegativeVector = { name, description, receiver: 'scopenode-seek', randomSeed: name, from: 'pubsub.openspime.com', stanza: serialize(publish(ENTITIES[who].jid, name, `item-${name}`)(build(name))), expect: { condition } };
    if (deliveries) v.deliveries = deliveries;
    out.push(v);
  };
  const data = () => buildData([entry]);
  const seekReq = (seed: string, spimeid: string, expdate: string, enc = false) =>
    buildSeekRequest({ id: toHex(fixedRandom(`${seed}/id`)(8)), spimeid, expdate, encrequired: enc });

  report('neg-text-under-openspime', 'Non-whitespace text directly under <openspime/> (§4.1).', 'bad-format',
    (s) => { const el = sealAs(s, 'spime', data()); el.children.unshift('junk'); return el; });
  report('neg-text-under-originator', 'Non-whitespace text directly under <originator/> (§4.1).', 'bad-format',
    (s) => { const el = sealAs(s, 'spime', data()); el.getChild('originator')!.children.push('junk'); return el; });
  report('neg-missing-version', '<openspime/> without version (§2).', 'bad-format',
    (s) => { const el = sealAs(s, 'spime', data()); delete el.attrs.version; return el; });
  report('neg-unsupported-version', "<openspime version='1.0'/> (§2).", 'unsupported-version',
    (s) => { const el = sealAs(s, 'spime', data()); el.attrs.version = '1.0'; return el; });
  report('neg-v09-content-type', "v0.9's x-openspime/aes-base64 with its placeholder text: the content type is refused before its values are decoded (§4.4 step 1, E13).", 'unsupported-content-type',
    () => xml('openspime', { xmlns: NS_CORE, version: VERSION }, xml('originator', { cert: S.cert, osid: S.jid }, xml('sign', { alg: SIGN_ALG }, base64Encode(new Uint8Array(256)))),
      xml('transport', { 'content-type': CONTENT_TYPE_V09_AES, 'transport-key': '** Base64 encoded data **}' }, '** Base64 encoded data **')));
  report('neg-unsupported-algorithm', "sign/@alg='rsa-sha1' (§3.1).", 'unsupported-algorithm',
    (s) => { const el = sealAs(s, 'spime', data()); el.getChild('originator')!.getChild('sign')!.attrs.alg = 'rsa-sha1'; return el; });
  report('neg-not-signed', 'The unsigned v0.9 §1.0.0 report (§4.4 step 3, E19).', 'not-signed',
    () => xml('openspime', { xmlns: NS_CORE, version: VERSION }, xml('transport', null, data())));
  report('neg-untrusted-cert-service', 'originator/@cert outside the allow-list (§5).', 'untrusted-cert-service',
    (s) => sealAs(s, 'spime', data(), { cert: 'cert.evil.example' }));
  report('neg-osid-mismatch', 'A report whose osid is the spime, sent from another account (§4.4 step 2).', 'osid-mismatch',
    (s) => sealAs(s, 'spime', data()), 'mallory@spime.openspime.com/spime');
  report('neg-osid-mismatch-resource-case', 'The resourcepart compares exactly: osid …/spime sent from …/Spime (§4.1).', 'osid-mismatch',
    (s) => sealAs(s, 'spime', data()), S.jid.replace('/spime', '/Spime'));
  report('neg-bad-signature', 'report-signed with one value changed after signing (§4.4 step 4).', 'bad-signature',
    (s) => { const el = sealAs(s, 'spime', data()); const ppm = el.getChild('transport')!.getChildren()[0].getChildren()[0].getChild('ppm')!; ppm.children = ['512.5']; return el; });
  report('neg-key-unavailable', 'Signed by an osid its certification service has no key for (§5).', 'key-unavailable',
    (s) => sealAs(s, 'spime', data(), { osid: '9999-0000-00000000@spime.openspime.com/spime' }), '9999-0000-00000000@spime.openspime.com/spime');
  report('neg-decryption-failed', 'Signed, but encrypted to the owner\'s key instead of the ScopeNode\'s (§3.3).', 'decryption-failed',
    (s) => sealAs(s, 'spime', data(), { encryptTo: keys.owner.publicKey }));
  report('neg-inconsistent-data', 'An entry dated one hour after `now` (§7.1, §9).', 'inconsistent-data-with-scope',
    (s) => sealAs(s, 'spime', buildData([{ ...entry, date: '2026-11-22T07:00:00Z' }])));

  const ck = (body: Partial<ClaimKeyBody>, signer: EntityName = 'spime') =>
    issueClaimKey(createNodeCrypto(), keys[signer], { claims: S.jid, osid: 'spimeowner@mydomain.com', expdate: '2027-11-22T00:00:00Z', ...body });
  const withKey = (key: Uint8Array) => ({ claimkey: { cert: S.cert, claims: S.jid, key } });
  const exp = '2026-11-22T07:00:00Z';
  seek('neg-seek-not-authorized', 'The owner seeks the spime without presenting a claim key (§7.3).', 'not-authorized-for-spime', 'owner',
    (s) => sealAs(s, 'owner', seekReq(s, S.jid, exp)));
  seek('neg-seek-spimeid-bare', 'The spime seeks itself under its bare JID: spimeid must equal the osid, not cover it (§7.3).', 'not-authorized-for-spime', 'spime',
    (s) => sealAs(s, 'spime', seekReq(s, S.jid.replace(/\/.*/, ''), exp)));
  seek('neg-seek-expired', 'A SpimeSeek request whose expdate has passed (§7.2).', 'request-expired', 'spime',
    (s) => sealAs(s, 'spime', seekReq(s, S.jid, '2026-11-22T05:00:00Z')));
  seek('neg-seek-too-long', 'A SpimeSeek request living more than 24 h (§7.2).', 'request-expired', 'spime',
    (s) => sealAs(s, 'spime', seekReq(s, S.jid, '2026-11-24T06:00:00Z')));
  seek('neg-seek-replayed', 'The same request delivered twice: the second is a replay (§7.2).', 'request-replayed', 'spime',
    (s) => sealAs(s, 'spime', seekReq(s, S.jid, exp)), 2);
  seek('neg-claimkey-expired', 'The owner presents a claim key that expired before `now` (§6.3 step 6).', 'claimkey-expired', 'owner',
    (s) => sealAs(s, 'owner', seekReq(s, S.jid, exp), withKey(ck({ expdate: '2026-11-01T00:00:00Z' }))));
  seek('neg-claimkey-not-authorized', 'The owner presents a claim key issued to another account (§6.3 step 5).', 'claimkey-not-authorized', 'owner',
    (s) => sealAs(s, 'owner', seekReq(s, S.jid, exp), withKey(ck({ osid: 'someone@mydomain.com' }))));
  seek('neg-claimkey-invalid', 'A claim key signed by the owner instead of the claimed spime (§6.3 step 3).', 'claimkey-invalid', 'owner',
    (s) => sealAs(s, 'owner', seekReq(s, S.jid, exp), withKey(ck({}, 'owner'))));
  void O;
  return out;
}

export const vectorFileText = (f: VectorFile): string => JSON.stringify(f, null, 2) + '\n';
export const vectorModuleText = (f: VectorFile): string =>
  '// Generated by tools/make-vectors.js from test/vectors/openspime.json: do not edit.\n' +
  '// The same data as the JSON, importable by the portable suites on XS.\n' +
  "import type { VectorFile } from './types.js';\n\n" +
  `const vectors: VectorFile = ${JSON.stringify(f, null, 2)};\n\nexport default vectors;\n`;
