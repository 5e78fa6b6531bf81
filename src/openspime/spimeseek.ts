// SpimeSeek requests (v0.9 §1.2; docs/PROTOCOL.md §7): build and parse
//   <spimeseek xmlns='http://openspime.org/protocol/spimeseek' version='0.9'>
//     <request id=ID><spimeid/><expdate/><encrequired/></request></spimeseek>
// and the ScopeNode's admission check: authorized (§7.3) first, then identity (originator osid,
// request id) not seen before, expdate in the future but not too far (bounds the replay memory),
// and a per-osid share of that memory.
import { xml, type XmlElement } from '../xml/element.js';
import { buildEntry, parseEntry, type DataEntry } from './data.js';
import { parseDateTime } from './datetime.js';
import { checkVersion, OpenSpimeError } from './errors.js';
import { bareJid, canonicalJid, sameJid } from './jid.js';
import type { ClaimKeyBody } from './claimkey.js';
import { NS_SPIMESEEK, VERSION } from './namespaces.js';
import { openContainer, type Opened, type OpenOptions } from './open.js';

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
  checkVersion(el, 'spimeseek');
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

export interface SeekResponse {
  id: string;
  entries: DataEntry[];
}

/**
 * The ScopeNode's answer (PROTOCOL.md §7.3): `<spimeseek><response id=ID><entry/>…</response>`.
 * `<entry/>` and its children are in the SpimeSeek namespace (inherited, as v0.9 §1.2.0 writes
 * them); their content is the data extension's (§9).
 */
export function buildSeekResponse(r: SeekResponse): XmlElement {
  return xml('spimeseek', { xmlns: NS_SPIMESEEK, version: VERSION }, xml('response', { id: r.id }, r.entries.map(buildEntry)));
}

/** Parses a SpimeSeek response; entry errors are inconsistent-data-with-scope as in §9. */
export function parseSeekResponse(el: XmlElement): SeekResponse {
  if (el.name !== 'spimeseek' || el.ns !== NS_SPIMESEEK) bad('not a spimeseek element');
  checkVersion(el, 'spimeseek');
  const res = el.getChild('response', NS_SPIMESEEK);
  if (!res) bad('spimeseek without response');
  const id = (res.attr('id') ?? '').trim();
  if (!ID_RE.test(id)) bad(`response id '${id}'`);
  const entries = res.getChildren('entry');
  for (const e of entries) if (e.ns !== NS_SPIMESEEK && e.ns !== '') bad(`<entry/> in namespace '${e.ns ?? ''}' (want ${NS_SPIMESEEK})`);
  return { id, entries: entries.map(parseEntry) };
}

/** Who asks: the effective osid of a verified container, and its verified claim key if any. */
export interface SeekRequester {
  osid: string;
  claim?: ClaimKeyBody;
}

/**
 * Remembers admitted requests until they expire, bounded in total and per osid. `admit` throws
 * not-authorized-for-spime, request-expired, request-replayed or rate-limited; per v0.9 §1.2.0 the
 * ScopeNode then ignores the request (no answer). Only authorized requests take memory, and one
 * osid at most `maxPerOsid` of it, so no signer can fill it and lock the others out.
 */
export class SeekGuard {
  readonly #seen = new Map<string, { exp: number; osid: string }>(); // identity → expiry (ms), account
  readonly #perOsid = new Map<string, number>(); // bare JID → identities held
  readonly #now: () => number;
  readonly #skew: number;
  readonly #max: number;
  readonly #maxPerOsid: number;

  constructor(now: () => number, skewMs = 300_000, maxEntries = 4096, maxPerOsid = 64) {
    this.#now = now;
    this.#skew = skewMs;
    this.#max = maxEntries;
    this.#maxPerOsid = maxPerOsid;
  }

  get size(): number { return this.#seen.size; }

  /**
   * The checks that need neither the container's signature nor a lookup (expiry, replay, memory):
   * run before opening, so a replayed or stale request costs nothing. Does not admit.
   */
  check(osid: string, r: SeekRequest): void {
    const now = this.#now();
    const exp = parseDateTime(r.expdate)!;
    if (now > exp + this.#skew) throw new OpenSpimeError('request-expired', `expired ${r.expdate}`);
    if (exp - now > MAX_SEEK_LIFETIME_MS + this.#skew) throw new OpenSpimeError('request-expired', `expdate ${r.expdate} is more than 24 h ahead`);
    this.#purge(now);
    if (this.#seen.has(`${canonicalJid(osid)}\u0000${r.id}`)) throw new OpenSpimeError('request-replayed', `request ${r.id} of ${osid} already treated`);
    // Full: refuse rather than forget (forgetting would re-open a replay window).
    if (this.#seen.size >= this.#max) throw new OpenSpimeError('rate-limited', 'replay memory full');
    // The share is per account: a claim key for a bare JID covers every resource of it.
    if ((this.#perOsid.get(canonicalJid(bareJid(osid))) ?? 0) >= this.#maxPerOsid) throw new OpenSpimeError('rate-limited', `${bareJid(osid)} has ${this.#maxPerOsid} requests pending`);
  }

  /** Authorizes (§7.3) and then remembers the request; call with the opened, verified container. */
  admit(requester: SeekRequester, r: SeekRequest): void {
    authorizeSeek(requester, r);
    this.check(requester.osid, r);
    const account = canonicalJid(bareJid(requester.osid));
    this.#seen.set(`${canonicalJid(requester.osid)}\u0000${r.id}`, { exp: parseDateTime(r.expdate)!, osid: account });
    this.#perOsid.set(account, (this.#perOsid.get(account) ?? 0) + 1);
  }

  #purge(now: number): void {
    for (const [k, e] of this.#seen) {
      if (now <= e.exp + this.#skew) continue;
      this.#seen.delete(k);
      const n = (this.#perOsid.get(e.osid) ?? 1) - 1;
      if (n > 0) this.#perOsid.set(e.osid, n);
      else this.#perOsid.delete(e.osid);
    }
  }
}

/**
 * May the requester see the sought spime's data (PROTOCOL.md §7.3)? Yes if it is the spime
 * itself, or presented a verified claim key for that spime. Throws not-authorized-for-spime.
 */
export function authorizeSeek(requester: SeekRequester, r: SeekRequest): void {
  // Exact (canonical) equality, not "covers": a bare spimeid names an account, not the spime whose
  // osid is a full JID, and a full spimeid is one resource (PROTOCOL.md §7.3).
  if (sameJid(r.spimeid, requester.osid)) return;
  if (requester.claim && sameJid(requester.claim.claims, r.spimeid)) return;
  throw new OpenSpimeError('not-authorized-for-spime', `${requester.osid} may not seek ${r.spimeid}`);
}

/**
 * A SpimeSeek request relayed by PubSub (PROTOCOL.md §7.2, §7.3), in the order that keeps a
 * hostile request cheap: parse, "could it be authorized at all", expiry, replay and memory (no
 * lookup), then open the container
 * (claim key and signature), then authorize and admit. `from` is the PubSub service. Throws an
 * OpenSpimeError; per v0.9 the ScopeNode ignores the request then.
 */
export async function openSeekRequest(el: XmlElement, from: string, o: OpenOptions, guard: SeekGuard): Promise<{ opened: Opened; request: SeekRequest }> {
  let request: SeekRequest | undefined;
  const opened = await openContainer(el, from, o, {
    precheck: (payload, osid, container) => {
      request = parseSeekRequest(payload);
      // §7.3 before any lookup: neither the spime itself nor presenting a claim key for it
      const ck = container.originator?.claimkey;
      if (!sameJid(request.spimeid, osid) && !(ck && sameJid(ck.claims, request.spimeid))) authorizeSeek({ osid }, request);
      guard.check(osid, request);
    },
  });
  guard.admit(opened, request!);
  return { opened, request: request! };
}
