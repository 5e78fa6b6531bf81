// The claim extension (v0.9 §1.1.0; docs/PROTOCOL.md §6.1): request and response payloads, and
// the spime's stanza-in/stanza-out claim handler.
//   request:  <claim xmlns='openspime:protocol:extension:claim' version='0.9'><request claims=SPIME/></claim>
//   response: <claim …><response authorizes=JID><claimkey>base64</claimkey></response></claim>
// Profile additions (§6.4, §6.5): a request may carry a <proof/> of the label's claim secret
// (./claim-proof); the owner may <release/> the spime or <handover to=JID/>, each dated and with a
// nonce, answered by <owner jid=…/> (the owner afterwards; no jid: none).
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { buildClaimProof, parseClaimProof, type ClaimProof } from './claim-proof.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { RsaPrivateKey } from '../crypto/crypto.js';
import { issueClaimKey } from './claimkey.js';
import { formatDateTime, parseDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { bareJid, sameJid } from './jid.js';
import { NS_CLAIM, NS_CORE, VERSION } from './namespaces.js';
import { openIqContainer, type OpenOptions } from './open.js';
import { seal } from './seal.js';

export function buildClaimRequest(claims: string, proof?: ClaimProof): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('request', { claims }, proof ? buildClaimProof(proof) : null));
}

/** The owner gives the spime up (§6.5). `date`: now (XEP-0082); `nonce`: fresh, base64. */
export function buildRelease(date: string, nonce: string): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('release', { date, nonce }));
}

/** The owner hands the spime to `to` (a bare JID) (§6.5). */
export function buildHandover(to: string, date: string, nonce: string): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('handover', { to, date, nonce }));
}

/** The spime's answer to release and handover: its owner now (undefined: none). */
export function buildOwnerAnswer(owner: string | undefined): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('owner', owner ? { jid: owner } : {}));
}

export function buildClaimResponse(authorizes: string, claimkey: Uint8Array): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('response', { authorizes }, xml('claimkey', null, base64Encode(claimkey))));
}

export type ClaimMessage =
  | { kind: 'request'; claims: string; proof?: ClaimProof }
  | { kind: 'response'; authorizes: string; claimkey: Uint8Array }
  | { kind: 'release'; date: string; nonce: string }
  | { kind: 'handover'; to: string; date: string; nonce: string }
  | { kind: 'owner'; jid: string | undefined };

function dated(el: XmlElement, what: string): { date: string; nonce: string } {
  const date = el.attr('date') ?? '', nonce = el.attr('nonce') ?? '';
  if (parseDateTime(date) === undefined) throw new OpenSpimeError('bad-format', `${what} without an XEP-0082 date`);
  const n = base64Decode(nonce);
  if (!n || n.length < 8 || n.length > 64) throw new OpenSpimeError('bad-format', `${what} nonce must be 8..64 bytes, base64`);
  return { date, nonce };
}

/** Also accepts the v0.9 example's namespace-less response <claim/> (in the core namespace, erratum E8). */
export function parseClaim(el: XmlElement): ClaimMessage {
  if (el.name !== 'claim' || (el.ns !== NS_CLAIM && el.ns !== NS_CORE)) throw new OpenSpimeError('bad-format', 'not a claim element');
  const v = el.attr('version');
  if (v !== undefined && v.trim() !== VERSION) throw new OpenSpimeError('unsupported-version', `claim version '${v}'`);
  const req = el.getChild('request', el.ns);
  if (req) {
    const claims = req.attr('claims')?.trim();
    if (!claims) throw new OpenSpimeError('bad-format', 'claim request without claims');
    const proof = req.getChild('proof', el.ns);
    return proof ? { kind: 'request', claims, proof: parseClaimProof(proof) } : { kind: 'request', claims };
  }
  const release = el.getChild('release', el.ns);
  if (release) return { kind: 'release', ...dated(release, 'release') };
  const handover = el.getChild('handover', el.ns);
  if (handover) {
    const to = handover.attr('to')?.trim();
    if (!to || to.indexOf('/') >= 0 || to.indexOf('@') <= 0) throw new OpenSpimeError('bad-format', 'handover to must be a bare JID with a localpart');
    return { kind: 'handover', to, ...dated(handover, 'handover') };
  }
  const owner = el.getChild('owner', el.ns);
  if (owner) return { kind: 'owner', jid: owner.attr('jid')?.trim() || undefined };
  const res = el.getChild('response', el.ns);
  const authorizes = res?.attr('authorizes')?.trim();
  const key = res?.getChildText('claimkey', el.ns);
  const bytes = key === undefined ? undefined : base64Decode(key);
  if (!res || !authorizes || !bytes || !bytes.length) throw new OpenSpimeError('bad-format', 'claim without a valid request or response');
  return { kind: 'response', authorizes, claimkey: bytes };
}

export interface ClaimHandlerOptions extends OpenOptions {
  /** The spime's own JID, key and certification service. */
  self: { jid: string; cert: string; key: RsaPrivateKey };
  /** Local claim policy (first claimer, button press, claim secret…): may `requester` claim? */
  policy: (requester: string, signed: boolean) => boolean | Promise<boolean>;
  /** Claim-key lifetime; default one year. */
  lifetimeMs?: number;
}

/**
 * The spime's answer to a claim iq (v0.9 §1.1.0, PROTOCOL.md §6.1): a signed result carrying a
 * claim key for the requester's bare JID, addressed to the requesting full JID (erratum E9), or an
 * error. Undefined if the iq is not a claim request.
 */
export function handleClaim(iq: XmlElement, o: ClaimHandlerOptions): Promise<XmlElement | undefined> {
  return openIqContainer(iq, o, {
    matches: (p) => p.name === 'claim' && (p.ns === NS_CLAIM || p.ns === NS_CORE),
    precheck: (p) => {
      const msg = parseClaim(p);
      if (msg.kind !== 'request') throw new OpenSpimeError('bad-format', 'not a claim request');
      if (!sameJid(msg.claims, o.self.jid)) throw new OpenSpimeError('not-authorized-for-spime', `claim for ${msg.claims} sent to ${o.self.jid}`);
    },
    handle: async (opened, from) => {
      if (!(await o.policy(from, opened.signed))) throw new OpenSpimeError('not-authorized-for-spime', `claim by ${from} refused by policy`);
      const authorizes = bareJid(from);
      const key = issueClaimKey(o.crypto, o.self.key, { claims: o.self.jid, osid: authorizes, expdate: formatDateTime(o.now() + (o.lifetimeMs ?? 365 * 24 * 3600_000)) });
      return seal(buildClaimResponse(authorizes, key), { crypto: o.crypto, osid: o.self.jid, cert: o.self.cert, signingKey: o.self.key });
    },
  });
}
