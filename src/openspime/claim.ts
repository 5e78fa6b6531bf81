// The claim extension (v0.9 §1.1.0; docs/PROTOCOL.md §6.1): request and response payloads.
//   request:  <claim xmlns='openspime:protocol:extension:claim' version='0.9'><request claims=SPIME/></claim>
//   response: <claim …><response authorizes=JID><claimkey>base64</claimkey></response></claim>
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { xml, type XmlElement } from '../xml/element.js';
import { OpenSpimeError } from './errors.js';
import { NS_CLAIM, NS_CORE, VERSION } from './namespaces.js';

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
