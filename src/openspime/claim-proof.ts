// Proof of the label's claim secret (docs/PROTOCOL.md §6.4, a profile addition to v0.9 §1.1.0):
// a claim request carries an HMAC-SHA256, keyed by the secret printed on the spime's label, over
// the request's canonical bytes — bound to the spime's JID, the requester's bare JID, a date and a
// fresh nonce. The secret itself never crosses the network; a captured proof names one requester,
// one spime and one date, so the server operator can neither learn the secret from it (it is long
// enough that guessing offline is hopeless) nor replay it for anyone else.
//   <proof xmlns=NS_CLAIM alg='hmac-sha256' date=XEP-0082 nonce=base64(16 B)>base64(MAC)</proof>
//   MAC = HMAC-SHA256(secret, "openspime-claim-proof-1" 0x00 ‖ canonical(spime) 0x00 ‖
//                     canonical(bare requester) 0x00 ‖ date 0x00 ‖ nonce)
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { utf8Encode } from '../bytes/utf8.js';
import type { HashCrypto } from '../crypto/crypto.js';
import { xml, type XmlElement } from '../xml/element.js';
import { parseDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { bareJid, canonicalJid } from './jid.js';
import { NS_CLAIM } from './namespaces.js';

export const CLAIM_PROOF_LABEL = 'openspime-claim-proof-1';
export const CLAIM_PROOF_ALG = 'hmac-sha256';
export const CLAIM_NONCE_BYTES = 16;
/** Base32 characters of a generated label secret: 24 × 5 = 120 bits. */
export const CLAIM_SECRET_CHARS = 24;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface ClaimProof {
  date: string;
  nonce: string;
  mac: Uint8Array;
}

/** The secret as the MAC key: UTF-8 of the label text without spaces and '-', ASCII upper-cased. */
export function normalizeClaimSecret(secret: string): Uint8Array {
  return utf8Encode(secret.replace(/[\s-]+/g, '').toUpperCase());
}

/** A fresh label secret: 24 base32 characters in groups of four (`K7QF-3MZT-…`). */
export function generateClaimSecret(randomBytes: (n: number) => Uint8Array): string {
  const r = randomBytes(CLAIM_SECRET_CHARS);
  let s = '';
  for (let i = 0; i < CLAIM_SECRET_CHARS; i++) s += (i && i % 4 === 0 ? '-' : '') + BASE32[r[i] & 31];
  return s;
}

/** The bytes the MAC covers (the claim request's canonical bytes). */
export function claimProofInput(spime: string, requester: string, date: string, nonce: string): Uint8Array {
  return utf8Encode(`${CLAIM_PROOF_LABEL}\u0000${canonicalJid(bareJid(spime))}\u0000${canonicalJid(bareJid(requester))}\u0000${date}\u0000${nonce}`);
}

export function computeClaimProof(crypto: Pick<HashCrypto, 'hmac'>, secret: Uint8Array, spime: string, requester: string, date: string, nonce: string): Uint8Array {
  return crypto.hmac('sha256', secret, claimProofInput(spime, requester, date, nonce));
}

/** A proof for a claim of `spime` by `requester` (its bare JID is what the MAC binds), dated `now`. */
export function makeClaimProof(crypto: Pick<HashCrypto, 'hmac' | 'randomBytes'>, secret: string | Uint8Array, spime: string, requester: string, date: string): ClaimProof {
  const key = typeof secret === 'string' ? normalizeClaimSecret(secret) : secret;
  const nonce = base64Encode(crypto.randomBytes(CLAIM_NONCE_BYTES));
  return { date, nonce, mac: computeClaimProof(crypto, key, spime, requester, date, nonce) };
}

export function buildClaimProof(p: ClaimProof): XmlElement {
  return xml('proof', { xmlns: NS_CLAIM, alg: CLAIM_PROOF_ALG, date: p.date, nonce: p.nonce }, base64Encode(p.mac));
}

/** Parses `<proof/>`: `unsupported-algorithm` for another alg, `bad-format` for anything malformed. */
export function parseClaimProof(el: XmlElement): ClaimProof {
  if (el.attr('alg') !== CLAIM_PROOF_ALG) throw new OpenSpimeError('unsupported-algorithm', `proof alg '${el.attr('alg') ?? ''}' (want ${CLAIM_PROOF_ALG})`);
  const date = el.attr('date') ?? '', nonce = el.attr('nonce') ?? '';
  const nonceBytes = base64Decode(nonce);
  const mac = base64Decode(el.text());
  if (parseDateTime(date) === undefined) throw new OpenSpimeError('bad-format', 'proof date is not an XEP-0082 DateTime');
  if (!nonceBytes || nonceBytes.length !== CLAIM_NONCE_BYTES) throw new OpenSpimeError('bad-format', `proof nonce must be ${CLAIM_NONCE_BYTES} bytes`);
  if (!mac || mac.length !== 32) throw new OpenSpimeError('bad-format', 'proof must be 32 bytes (HMAC-SHA256)');
  return { date, nonce, mac };
}

/** Constant-time comparison: the time taken tells nothing about how much of a guess was right. */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Checks a parsed proof against the secret: true when it was made with it. */
export function verifyClaimProof(crypto: Pick<HashCrypto, 'hmac'>, secret: Uint8Array, spime: string, requester: string, p: ClaimProof): boolean {
  return macEqual(computeClaimProof(crypto, secret, spime, requester, p.date, p.nonce), p.mac);
}

