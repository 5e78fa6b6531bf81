// Generates the claim-proof vectors (test/vectors/claim-proof.json; PROTOCOL.md §6.4–6.6) from the
// fixed keys of test/vectors/keys.json and fixed random bytes (the same construction as
// generate.ts). Run by tools/make-vectors.js; test/openspime/claim-proof-vectors.test.ts requires
// the committed files to be reproduced byte for byte. Node-only (hosts/node crypto).
import { createNodeCrypto, nodeRsaPrivateKey } from '../../hosts/node/crypto.js';
import { base64Encode } from '../../src/bytes/base64.js';
import { toHex } from '../../src/bytes/bytes.js';
import { utf8Decode } from '../../src/bytes/utf8.js';
import { buildClaimRequest } from '../../src/openspime/claim.js';
import { claimProofInput, computeClaimProof, normalizeClaimSecret, type ClaimProof } from '../../src/openspime/claim-proof.js';
import { NS_CLAIM, NS_CLIENT } from '../../src/openspime/namespaces.js';
import { seal } from '../../src/openspime/seal.js';
import { xml } from '../../src/xml/element.js';
import { serialize } from '../helpers/xml-text.js';
import { ENTITIES, fixedRandom, type KeysFile } from './generate.js';

export interface ClaimProofRefusal {
  name: string;
  description: string;
  /** The <proof/> element as sent (serialized), by `requester`. */
  proof: string;
  requester: string;
  /** The spime's clock when it checks. */
  now: string;
  expect: string;
}

export interface ClaimProofVectors {
  profile: string;
  generatedBy: string;
  secret: string;
  /** The MAC key: the normalized secret, hex. */
  key: string;
  spime: string;
  requester: string;
  date: string;
  nonce: string;
  /** The MAC input (base64) and the same with 0x00 written \u0000. */
  input: string;
  inputText: string;
  mac: string;
  /** The same claim with the JIDs written in other cases: the same input, the same MAC. */
  caseVariant: { spime: string; requester: string; mac: string };
  /** The whole signed claim request (owner → spime), its signature over §4.2's SignedInfo. */
  stanza: string;
  refusals: ClaimProofRefusal[];
}

export const CLAIM_SECRET_VECTOR = 'K7QF-3MZT-ABCD-EFGH-2345-67XY';
export const CLAIM_DATE_VECTOR = '2026-11-22T06:00:00.000Z';

export function generateClaimProofVectors(keysFile: KeysFile): ClaimProofVectors {
  const crypto = createNodeCrypto({ randomBytes: fixedRandom('claim-proof') });
  const ownerKey = nodeRsaPrivateKey(keysFile.owner.privateKeyPkcs8Pem);
  const key = normalizeClaimSecret(CLAIM_SECRET_VECTOR);
  const spime = ENTITIES.spime.jid, requester = ENTITIES.owner.jid;
  const nonce = base64Encode(crypto.randomBytes(16));
  const input = claimProofInput(spime, requester, CLAIM_DATE_VECTOR, nonce);
  const mac = computeClaimProof(crypto, key, spime, requester, CLAIM_DATE_VECTOR, nonce);
  const variantSpime = spime.toLowerCase(), variantRequester = 'SpimeOwner@MyDomain.COM/web';
  const proof: ClaimProof = { date: CLAIM_DATE_VECTOR, nonce, mac };
  const request = seal(buildClaimRequest(spime, proof), { crypto, osid: requester, cert: ENTITIES.owner.cert, signingKey: ownerKey });
  const stanza = serialize(xml('iq', { xmlns: NS_CLIENT, from: requester, to: spime, type: 'set', id: 'claim1' }, request));
  const proofEl = (p: Partial<ClaimProof> & { alg?: string }, macBytes = p.mac ?? mac) =>
    serialize(xml('proof', { xmlns: NS_CLAIM, alg: p.alg ?? 'hmac-sha256', date: p.date ?? CLAIM_DATE_VECTOR, nonce: p.nonce ?? nonce }, base64Encode(macBytes)));
  const wrongKey = normalizeClaimSecret('K7QF-3MZT-ABCD-EFGH-2345-67XZ');
  const refusals: ClaimProofRefusal[] = [
    { name: 'wrong-secret', description: 'MAC made with a secret one character off', proof: proofEl({}, computeClaimProof(crypto, wrongKey, spime, requester, CLAIM_DATE_VECTOR, nonce)), requester, now: CLAIM_DATE_VECTOR, expect: 'not-authorized-for-spime' },
    { name: 'other-requester', description: 'a proof made for mallory@mydomain.com, sent by the owner (the operator re-using a captured MAC)', proof: proofEl({}, computeClaimProof(crypto, key, spime, 'mallory@mydomain.com', CLAIM_DATE_VECTOR, nonce)), requester, now: CLAIM_DATE_VECTOR, expect: 'not-authorized-for-spime' },
    { name: 'other-spime', description: 'a proof for another spime', proof: proofEl({}, computeClaimProof(crypto, key, 'FFFF-0000-00000000@spime.openspime.com', requester, CLAIM_DATE_VECTOR, nonce)), requester, now: CLAIM_DATE_VECTOR, expect: 'not-authorized-for-spime' },
    { name: 'stale', description: 'the right MAC, checked 10 minutes after its date (skew 5 min)', proof: proofEl({}), requester, now: '2026-11-22T06:10:00.000Z', expect: 'request-expired' },
    { name: 'alg', description: 'another algorithm', proof: proofEl({ alg: 'hmac-sha1' }), requester, now: CLAIM_DATE_VECTOR, expect: 'unsupported-algorithm' },
    { name: 'short-nonce', description: 'a nonce of 8 bytes', proof: proofEl({ nonce: base64Encode(new Uint8Array(8)) }), requester, now: CLAIM_DATE_VECTOR, expect: 'bad-format' },
    { name: 'short-mac', description: 'a truncated MAC (16 bytes)', proof: proofEl({}, mac.slice(0, 16)), requester, now: CLAIM_DATE_VECTOR, expect: 'bad-format' },
  ];
  return {
    profile: 'spimekit OpenSpime v0.9 profile, docs/PROTOCOL.md §6.4–6.6', generatedBy: 'tools/make-vectors.js',
    secret: CLAIM_SECRET_VECTOR, key: toHex(key), spime, requester, date: CLAIM_DATE_VECTOR, nonce,
    input: base64Encode(input), inputText: utf8Decode(input)!, mac: base64Encode(mac),
    caseVariant: { spime: variantSpime, requester: variantRequester, mac: base64Encode(computeClaimProof(crypto, key, variantSpime, variantRequester, CLAIM_DATE_VECTOR, nonce)) },
    stanza, refusals,
  };
}

export const claimProofFileText = (v: ClaimProofVectors): string => JSON.stringify(v, null, 2) + '\n';
export const claimProofModuleText = (v: ClaimProofVectors): string =>
  '// Generated by tools/make-vectors.js from test/vectors/claim-proof.json: do not edit.\n' +
  '// The same data as the JSON, importable by the portable suites on XS.\n' +
  "import type { ClaimProofVectors } from './generate-claim-proof.js';\n\n" +
  `const vectors: ClaimProofVectors = ${JSON.stringify(v, null, 2)};\n\nexport default vectors;\n`;
