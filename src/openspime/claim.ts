// The claim extension (v0.9 §1.1.0; docs/PROTOCOL.md §6.1): request and response payloads, and
// the spime's stanza-in/stanza-out claim handler.
//   request:  <claim xmlns='openspime:protocol:extension:claim' version='0.9'><request claims=SPIME/></claim>
//   response: <claim …><response authorizes=JID><claimkey>base64</claimkey></response></claim>
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { RsaPrivateKey } from '../crypto/crypto.js';
import { issueClaimKey } from './claimkey.js';
import { formatDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { bareJid, sameJid } from './jid.js';
import { NS_CLAIM, NS_CORE, VERSION } from './namespaces.js';
import { openIqContainer, type OpenOptions } from './open.js';
import { seal } from './seal.js';

export function buildClaimRequest(claims: string): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('request', { claims }));
}

export function buildClaimResponse(authorizes: string, claimkey: Uint8Array): XmlElement {
  return xml('claim', { xmlns: NS_CLAIM, version: VERSION }, xml('response', { authorizes }, xml('claimkey', null, base64Encode(claimkey))));
}

export type ClaimMessage = { kind: 'request'; claims: string } | { kind: 'response'; authorizes: string; claimkey: Uint8Array };

/** Also accepts the v0.9 example's namespace-less response <claim/> (in the core namespace, erratum E8). */
export function parseClaim(el: XmlElement): ClaimMessage {
  if (el.name !== 'claim' || (el.ns !== NS_CLAIM && el.ns !== NS_CORE)) throw new OpenSpimeError('bad-format', 'not a claim element');
  const v = el.attr('version');
  if (v !== undefined && v.trim() !== VERSION) throw new OpenSpimeError('unsupported-version', `claim version '${v}'`);
  const req = el.getChild('request', el.ns);
  if (req) {
    const claims = req.attr('claims')?.trim();
    if (!claims) throw new OpenSpimeError('bad-format', 'claim request without claims');
    return { kind: 'request', claims };
  }
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
