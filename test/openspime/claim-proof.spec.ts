// The claim-proof vectors (test/vectors/claim-proof.json, PROTOCOL.md §6.4) on any engine, XS
// included, with the portable HMAC: the MAC key, input and MAC are reproduced exactly; JIDs in
// other cases give the same MAC; each refusal vector gets its stated condition in the spime's
// order of checks (parse, date, MAC).
import { base64Decode, base64Encode } from '../../src/bytes/base64.js';
import { toHex } from '../../src/bytes/bytes.js';
import { utf8Decode, utf8Encode } from '../../src/bytes/utf8.js';
import { hmac } from '../../src/crypto/portable.js';
import { parseClaim } from '../../src/openspime/claim.js';
import { claimProofInput, computeClaimProof, normalizeClaimSecret, parseClaimProof, verifyClaimProof, macEqual } from '../../src/openspime/claim-proof.js';
import { parseContainer } from '../../src/openspime/container.js';
import { parseDateTime } from '../../src/openspime/datetime.js';
import { OpenSpimeError } from '../../src/openspime/errors.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { DEFAULT_SKEW_MS } from '../../src/openspime/open.js';
import { parseDocument } from '../../src/xml/document.js';
import v from '../vectors/claim-proof-vectors.js';

const crypto = { hmac };
const key = normalizeClaimSecret(v.secret);

/** The proof checks of §6.6 steps 5 and 7, in order: the condition, or 'accepted'. */
function check(proofXml: string, requester: string, now: string): string {
  try {
    const proof = parseClaimProof(parseDocument(utf8Encode(proofXml)));
    if (Math.abs(parseDateTime(proof.date)! - parseDateTime(now)!) > DEFAULT_SKEW_MS) return 'request-expired';
    return verifyClaimProof(crypto, key, v.spime, requester, proof) ? 'accepted' : 'not-authorized-for-spime';
  } catch (e) {
    if (e instanceof OpenSpimeError) return e.condition;
    throw e;
  }
}

describe('claim-proof vectors', () => {
  test('the MAC key is the normalized secret; spaces, dashes and case do not matter', () => {
    expect(toHex(key)).toBe(v.key);
    expect(toHex(normalizeClaimSecret(v.secret.toLowerCase().replace(/-/g, ' ')))).toBe(v.key);
  });

  test('the MAC input and the MAC are reproduced byte for byte', () => {
    const input = claimProofInput(v.spime, v.requester, v.date, v.nonce);
    expect(base64Encode(input)).toBe(v.input);
    expect(utf8Decode(input)).toBe(v.inputText);
    expect(v.inputText.split('\u0000')).toEqual(['openspime-claim-proof-1', '4a6b-5638-0312111d@spime.openspime.com', 'spimeowner@mydomain.com', v.date, v.nonce]);
    expect(base64Encode(computeClaimProof(crypto, key, v.spime, v.requester, v.date, v.nonce))).toBe(v.mac);
  });

  test('JIDs written in other cases (and with or without a resource) give the same MAC', () => {
    expect(v.caseVariant.mac).toBe(v.mac);
    expect(base64Encode(computeClaimProof(crypto, key, v.caseVariant.spime, v.caseVariant.requester, v.date, v.nonce))).toBe(v.mac);
    expect(base64Encode(computeClaimProof(crypto, key, '4A6B-5638-0312111D@SPIME.openspime.com', 'spimeowner@mydomain.com', v.date, v.nonce))).toBe(v.mac);
  });

  test('the signed claim request carries the proof, and it verifies', () => {
    const iq = parseDocument(utf8Encode(v.stanza));
    const container = parseContainer(iq.getChild('openspime', NS_CORE)!);
    expect(container.transport.kind).toBe('plain');
    const msg = parseClaim(container.transport.kind === 'plain' ? container.transport.payload : iq);
    expect(msg.kind).toBe('request');
    const proof = msg.kind === 'request' ? msg.proof! : undefined!;
    expect([proof.date, proof.nonce, base64Encode(proof.mac)]).toEqual([v.date, v.nonce, v.mac]);
    expect(verifyClaimProof(crypto, key, v.spime, container.originator!.osid!, proof)).toBe(true);
    expect(check(v.refusals[0].proof.replace(/>[^<]+</, `>${v.mac}<`), v.requester, v.date)).toBe('accepted');
  });

  test.each(v.refusals.map((r) => [r.name, r]))('refusal %s gets its stated condition', (_n, r) => {
    expect(check(r.proof, r.requester, r.now)).toBe(r.expect);
  });

  test('MACs compare in constant time, and only equal lengths can match', () => {
    const mac = base64Decode(v.mac)!;
    expect(macEqual(mac, mac.slice())).toBe(true);
    expect(macEqual(mac, mac.slice(0, 31))).toBe(false);
    const other = mac.slice(); other[31] ^= 1;
    expect(macEqual(mac, other)).toBe(false);
  });
});
