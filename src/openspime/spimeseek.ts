// SpimeSeek requests (v0.9 §1.2; docs/PROTOCOL.md §7): build and parse
//   <spimeseek xmlns='http://openspime.org/protocol/spimeseek' version='0.9'>
//     <request id=ID><spimeid/><expdate/><encrequired/></request></spimeseek>
// and the ScopeNode's admission check: identity (originator osid, request id) not seen before,
// expdate in the future but not too far (bounds the replay memory).
import { xml, type XmlElement } from '../xml/element.js';
import { parseDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { jidCovers } from './jid.js';
import type { ClaimKeyBody } from './claimkey.js';
import { NS_SPIMESEEK, VERSION } from './namespaces.js';

export interface SeekRequest {
  id: string;
  spimeid: string;
  expdate: string;
  encrequired: boolean;
}

/** A request may not live longer than this (PROTOCOL.md §7.2). */
export const MAX_SEEK_LIFETIME_MS = 24 * 3600_000;
const ID_RE = /^[0-9A-Za-z_-]{8,64}$/;

export function buildSeekRequest(r: SeekRequest): XmlElement {
  return xml('spimeseek', { xmlns: NS_SPIMESEEK, version: VERSION },
    xml('request', { id: r.id }, xml('spimeid', null, r.spimeid), xml('expdate', null, r.expdate), xml('encrequired', null, r.encrequired ? 'true' : 'false')));
}

function bad(message: string): never {
  throw new OpenSpimeError('bad-format', message);
}

export function parseSeekRequest(el: XmlElement): SeekRequest {
  if (el.name !== 'spimeseek' || el.ns !== NS_SPIMESEEK) bad('not a spimeseek element');
  if ((el.attr('version') ?? '').trim() !== VERSION) throw new OpenSpimeError('unsupported-version', `spimeseek version '${el.attr('version')}'`);
  const req = el.getChild('request', NS_SPIMESEEK);
  if (!req) bad('spimeseek without request');
  const id = (req.attr('id') ?? '').trim();
  if (!ID_RE.test(id)) bad(`request id '${id}'`);
  const spimeid = req.getChildText('spimeid', NS_SPIMESEEK)?.trim();
  const expdate = req.getChildText('expdate', NS_SPIMESEEK)?.trim();
  const enc = req.getChildText('encrequired', NS_SPIMESEEK)?.trim() ?? 'false';
  if (!spimeid) bad('request without spimeid');
  if (!expdate || parseDateTime(expdate) === undefined) bad('request without a valid expdate');
  if (enc !== 'true' && enc !== 'false' && enc !== '1' && enc !== '0') bad(`encrequired '${enc}'`);
  return { id, spimeid, expdate, encrequired: enc === 'true' || enc === '1' };
}

/**
 * Remembers admitted requests until they expire, bounded. `admit` throws request-expired or
 * request-replayed; per v0.9 §1.2.0 the ScopeNode then ignores the request (no answer).
 */
export class SeekGuard {
  readonly #seen = new Map<string, number>(); // identity → expiry (ms)
  readonly #now: () => number;
  readonly #skew: number;
  readonly #max: number;

  constructor(now: () => number, skewMs = 300_000, maxEntries = 4096) {
    this.#now = now;
    this.#skew = skewMs;
    this.#max = maxEntries;
  }

  admit(osid: string, r: SeekRequest): void {
    const now = this.#now();
    const exp = parseDateTime(r.expdate)!;
    if (now > exp + this.#skew) throw new OpenSpimeError('request-expired', `expired ${r.expdate}`);
    if (exp - now > MAX_SEEK_LIFETIME_MS + this.#skew) throw new OpenSpimeError('request-expired', `expdate ${r.expdate} is more than 24 h ahead`);
    for (const [k, e] of this.#seen) if (now > e + this.#skew) this.#seen.delete(k);
    const id = `${osid}\u0000${r.id}`;
    if (this.#seen.has(id)) throw new OpenSpimeError('request-replayed', `request ${r.id} of ${osid} already treated`);
    // Full: refuse rather than forget (forgetting would re-open a replay window).
    if (this.#seen.size >= this.#max) throw new OpenSpimeError('request-replayed', 'replay memory full');
    this.#seen.set(id, exp);
  }
}

/**
 * May the requester see the sought spime's data (PROTOCOL.md §7.3)? Yes if it is the spime
 * itself, or presented a verified claim key for that spime. Throws not-authorized-for-spime.
 */
export function authorizeSeek(requester: { osid: string; claim?: ClaimKeyBody }, r: SeekRequest): void {
  if (jidCovers(r.spimeid, requester.osid)) return;
  if (requester.claim && requester.claim.claims === r.spimeid) return;
  throw new OpenSpimeError('not-authorized-for-spime', `${requester.osid} may not seek ${r.spimeid}`);
}
