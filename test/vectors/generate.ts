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
import { buildData } from '../../src/openspime/data.js';
import { NS_CLIENT, NS_PUBSUB } from '../../src/openspime/namespaces.js';
import { seal, type SealOptions } from '../../src/openspime/seal.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { buildSeekRequest } from '../../src/openspime/spimeseek.js';
import { serialize } from '../helpers/xml-text.js';
import type { EntityName, Vector, VectorFile } from './types.js';

export type { Vector, VectorFile } from './types.js';

export interface KeysFile { [entity: string]: { privateKeyPkcs8Pem: string } }

export const NOW = '2026-11-22T06:00:00Z';
export const ENTITIES = {
  spime: { jid: '4A6B-5638-0312111D@spime.openspime.com/spime', cert: 'services@spime.openspime.com/cert' },
  scopenode: { jid: '775B-F2C2-2B3765F4@scopenode.openspime.com/co2', cert: 'services@scopenode.openspime.com/cert' },
  owner: { jid: 'spimeowner@mydomain.com/web', cert: 'cert.spimeowners.com' },
} as const;

/** Fixed "random" bytes: SHA-256(seed ‖ 0x00 ‖ counter) blocks, consumed in order. */
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

  const entities = {} as VectorFile['entities'];
  for (const name of Object.keys(ENTITIES) as EntityName[]) entities[name] = { ...ENTITIES[name], ...rsaPublicKeyToBase64(keys[name].publicKey) };
  void now;
  return { profile: 'spimekit OpenSpime v0.9 profile, docs/PROTOCOL.md', generatedBy: 'tools/make-vectors.js', now: NOW, entities, vectors };
}

export const vectorFileText = (f: VectorFile): string => JSON.stringify(f, null, 2) + '\n';
export const vectorModuleText = (f: VectorFile): string =>
  '// Generated by tools/make-vectors.js from test/vectors/openspime.json: do not edit.\n' +
  '// The same data as the JSON, importable by the portable suites on XS.\n' +
  "import type { VectorFile } from './types.js';\n\n" +
  `const vectors: VectorFile = ${JSON.stringify(f, null, 2)};\n\nexport default vectors;\n`;
