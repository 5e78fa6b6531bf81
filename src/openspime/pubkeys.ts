// XEP-0189 key lookups as OpenSpime v0.9 uses them (§1.0.1, §1.2.0, §1.2.1; docs/PROTOCOL.md §5):
//   <iq type='get' to=CERT><pubkeys xmlns='urn:xmpp:tmp:pubkey' jid=JID/></iq>
//   → <pubkeys jid=JID><KeyInfo xmlns=xmldsig#><KeyValue><RSAKeyValue><Modulus/><Exponent/>…
// Both sides: KeyDirectory (asks allow-listed certification services, caches with a bound and an
// expiry) and answerPubkeys (a certification service's stanza-in/stanza-out handler).
import type { RsaPublicKey } from '../crypto/crypto.js';
import { rsaPublicKeyFromBase64, rsaPublicKeyToBase64 } from '../crypto/rsa-key.js';
import { xml, type XmlElement } from '../xml/element.js';
import { OpenSpimeError } from './errors.js';
import { bareJid, canonicalJid, sameJid } from './jid.js';
import { NS_PUBKEY, NS_STANZAS, NS_XMLDSIG } from './namespaces.js';

/**
 * What the XMPP client (another layer) provides: send an iq of type get/set and resolve with the
 * response iq (type result or error) from the addressee, matched by id and from (RFC 6120 §8.2.3);
 * reject on timeout or disconnection.
 */
export interface IqSender {
  request(iq: XmlElement): Promise<XmlElement>;
}

/** At most this many keys are taken from one answer (rotation overlap), the rest ignored. */
export const MAX_KEYS_PER_JID = 4;

export function pubkeysRequest(cert: string, jid: string): XmlElement {
  return xml('iq', { type: 'get', to: cert }, xml('pubkeys', { xmlns: NS_PUBKEY, jid }));
}

/** Keys from a `<pubkeys/>` result; unusable ones (too small, malformed) are skipped. */
export function parsePubkeys(pubkeys: XmlElement, jid: string): { keys: RsaPublicKey[]; rejected: string[] } {
  if (pubkeys.name !== 'pubkeys' || pubkeys.ns !== NS_PUBKEY) throw new OpenSpimeError('key-unavailable', 'answer without <pubkeys/>');
  if (!sameJid((pubkeys.attr('jid') ?? '').trim(), jid)) throw new OpenSpimeError('key-unavailable', `answer is for ${pubkeys.attr('jid')}, asked for ${jid}`);
  const keys: RsaPublicKey[] = [];
  const rejected: string[] = [];
  for (const info of pubkeys.getChildren('KeyInfo', NS_XMLDSIG)) {
    for (const value of info.getChildren('KeyValue', NS_XMLDSIG)) {
      for (const rsa of value.getChildren('RSAKeyValue', NS_XMLDSIG)) {
        const m = rsa.getChildText('Modulus', NS_XMLDSIG);
        const e = rsa.getChildText('Exponent', NS_XMLDSIG);
        const key = m === undefined || e === undefined ? 'RSAKeyValue without Modulus/Exponent' : rsaPublicKeyFromBase64(m, e);
        if (typeof key === 'string') rejected.push(key);
        else if (keys.length < MAX_KEYS_PER_JID) keys.push(key);
        else return { keys, rejected }; // the rest is not looked at (§5)
      }
    }
  }
  return { keys, rejected };
}

export function pubkeysElement(jid: string, keys: readonly RsaPublicKey[]): XmlElement {
  return xml('pubkeys', { xmlns: NS_PUBKEY, jid }, keys.map((k) => {
    const { modulus, exponent } = rsaPublicKeyToBase64(k);
    return xml('KeyInfo', { xmlns: NS_XMLDSIG }, xml('KeyValue', null, xml('RSAKeyValue', null, xml('Modulus', null, modulus), xml('Exponent', null, exponent))));
  }));
}

export interface KeyDirectoryOptions {
  iq: IqSender;
  /** Certification services trusted to vouch for keys ("the list published on openspime.org"). */
  certServices: readonly string[];
  now: () => number;
  /** How long an answer is reused. Default one hour. */
  ttlMs?: number;
  /** Cache bound; the oldest entry goes first. Default 64. */
  maxEntries?: number;
  /** A cached answer younger than this is not re-fetched after a failed verification. Default 60 s. */
  minRefreshMs?: number;
  /** How long a failed lookup (no key, bad key, error, timeout) is answered from memory. Default 60 s. */
  negativeTtlMs?: number;
  /** Bound of the failed-lookup memory (oldest out). Default 256. */
  maxNegative?: number;
  /** Lookups on the wire at once, over all peers. Default 4 (well below the client's iq table). */
  maxConcurrent?: number;
  /** Lookups on the wire at once on behalf of one peer. Default 2. */
  maxConcurrentPerPeer?: number;
  /** Lookups one peer may cause per window. Default 8 per 60 s. */
  peerQuota?: number;
  peerWindowMs?: number;
  /** Peers whose quota is remembered (oldest out). Default 256. */
  maxPeers?: number;
  /**
   * Lookups all peers together may cause per window (default 64 per peerWindowMs): relayed
   * containers name any osid they like, so per-peer counts alone do not bound them.
   */
  globalQuota?: number;
}

interface Entry { keys: RsaPublicKey[]; fetchedAt: number }
interface Failure { error: OpenSpimeError; until: number }
interface PeerUse { windowStart: number; count: number; inflight: number }

/**
 * Keys of other entities, fetched from allow-listed certification services and cached. A lookup
 * costs a round trip and a slot in the client's iq table, and a peer chooses which JID we look up,
 * so the work one peer can cause is bounded: failed answers are remembered for a while (negative
 * cache), lookups per peer are counted per window and limited in flight, and lookups overall are
 * limited in flight. Beyond a bound `lookup` throws `rate-limited` without asking anyone.
 */
/** Cache identity of a (service, JID) pair: canonical, so case variants share one entry. */
const cacheId = (cert: string, jid: string): string => `${canonicalJid(cert)}\u0000${canonicalJid(jid)}`;

export class KeyDirectory {
  readonly #o: Required<KeyDirectoryOptions>;
  readonly #cache = new Map<string, Entry>();
  readonly #failed = new Map<string, Failure>();
  readonly #inflight = new Map<string, Promise<Entry>>();
  readonly #peers = new Map<string, PeerUse>();
  readonly #all: PeerUse = { windowStart: -Infinity, count: 0, inflight: 0 };

  constructor(options: KeyDirectoryOptions) {
    this.#o = {
      ttlMs: 3600_000, maxEntries: 64, minRefreshMs: 60_000, negativeTtlMs: 60_000, maxNegative: 256,
      maxConcurrent: 4, maxConcurrentPerPeer: 2, peerQuota: 8, peerWindowMs: 60_000, maxPeers: 256, globalQuota: 64,
      ...options,
    };
  }

  isTrusted(cert: string): boolean {
    return this.#o.certServices.some((c) => sameJid(c, cert));
  }

  /**
   * The keys `cert` publishes for `jid`. `refresh` asks again unless the cached answer is younger
   * than minRefreshMs (used once after a verification failure: the key may have rotated, but a
   * stream of forged signatures must not turn into a stream of lookups). `peer` is whom the
   * lookup is for (the sender's bare JID): its quota pays for a lookup that goes on the wire.
   */
  async lookup(cert: string, jid: string, refresh = false, peer?: string): Promise<RsaPublicKey[]> {
    if (!this.isTrusted(cert)) throw new OpenSpimeError('untrusted-cert-service', `${cert} is not an allowed certification service`);
    const id = cacheId(cert, jid);
    const now = this.#o.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.fetchedAt < this.#o.ttlMs && !(refresh && now - hit.fetchedAt >= this.#o.minRefreshMs)) return hit.keys;
    let pending = this.#inflight.get(id);
    if (!pending) {
      const failed = this.#failed.get(id);
      if (failed && now < failed.until) throw failed.error;
      if (failed) this.#failed.delete(id);
      pending = this.#start(id, cert, jid, peer, now);
    }
    return (await pending).keys;
  }

  /** Whether a refresh would actually ask the service again (so a caller can skip a retry). */
  canRefresh(cert: string, jid: string): boolean {
    const hit = this.#cache.get(cacheId(cert, jid));
    return !hit || this.#o.now() - hit.fetchedAt >= this.#o.minRefreshMs;
  }

  forget(cert: string, jid: string): void {
    this.#cache.delete(cacheId(cert, jid));
    this.#failed.delete(cacheId(cert, jid));
  }

  get size(): number {
    return this.#cache.size;
  }

  /** Lookups on the wire now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  #start(id: string, cert: string, jid: string, peer: string | undefined, now: number): Promise<Entry> {
    const o = this.#o;
    if (this.#inflight.size >= o.maxConcurrent) throw new OpenSpimeError('rate-limited', `${this.#inflight.size} key lookups in flight`);
    const all = this.#all;
    if (now - all.windowStart >= o.peerWindowMs) { all.windowStart = now; all.count = 0; }
    if (all.count >= o.globalQuota) throw new OpenSpimeError('rate-limited', `${all.count} key lookups in ${o.peerWindowMs} ms`);
    let use: PeerUse | undefined;
    if (peer !== undefined) {
      use = this.#peers.get(peer);
      if (!use || now - use.windowStart >= o.peerWindowMs) {
        use = { windowStart: now, count: 0, inflight: use?.inflight ?? 0 };
        this.#peers.delete(peer);
        this.#peers.set(peer, use);
        // Forgetting an idle peer's count is harmless: the in-flight bounds still hold.
        for (const [k, u] of this.#peers) {
          if (this.#peers.size <= o.maxPeers) break;
          if (u.inflight === 0) this.#peers.delete(k);
        }
      }
      if (use.count >= o.peerQuota) throw new OpenSpimeError('rate-limited', `${peer} caused ${use.count} key lookups in ${o.peerWindowMs} ms`);
      if (use.inflight >= o.maxConcurrentPerPeer) throw new OpenSpimeError('rate-limited', `${use.inflight} key lookups in flight for ${peer}`);
      use.count++;
      use.inflight++;
    }
    all.count++;
    const pending = this.#fetch(cert, jid).then((entry) => {
      this.#cache.delete(id);
      this.#cache.set(id, entry);
      while (this.#cache.size > o.maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
      return entry;
    }, (e: unknown) => {
      const error = e instanceof OpenSpimeError ? e : new OpenSpimeError('key-unavailable', String((e as Error)?.message ?? e));
      this.#failed.delete(id);
      this.#failed.set(id, { error, until: o.now() + o.negativeTtlMs });
      while (this.#failed.size > o.maxNegative) this.#failed.delete(this.#failed.keys().next().value!);
      throw error;
    }).finally(() => {
      this.#inflight.delete(id);
      if (use) use.inflight--;
    });
    this.#inflight.set(id, pending);
    return pending;
  }

  async #fetch(cert: string, jid: string): Promise<Entry> {
    let answer: XmlElement;
    try {
      answer = await this.#o.iq.request(pubkeysRequest(cert, jid));
    } catch (e) {
      throw new OpenSpimeError('key-unavailable', `no answer from ${cert}: ${(e as Error)?.message ?? e}`);
    }
    if (answer.attr('type') !== 'result') throw new OpenSpimeError('key-unavailable', `${cert} answered type ${answer.attr('type')}`);
    const pubkeys = answer.getChild('pubkeys', NS_PUBKEY);
    if (!pubkeys) throw new OpenSpimeError('key-unavailable', `${cert} answered without <pubkeys/>`);
    const { keys, rejected } = parsePubkeys(pubkeys, jid);
    if (!keys.length) throw new OpenSpimeError(rejected.length ? 'bad-key' : 'key-unavailable', rejected.length ? rejected.join('; ') : `${cert} has no key for ${jid}`);
    return { keys, fetchedAt: this.#o.now() };
  }
}

function iqError(iq: XmlElement, type: string, condition: string): XmlElement {
  return xml('iq', { type: 'error', id: iq.attr('id'), to: iq.attr('from'), from: iq.attr('to') },
    xml('error', { type }, xml(condition, { xmlns: NS_STANZAS })));
}

/**
 * A certification service's answer to a `<pubkeys/>` query (XEP-0189 as in v0.9 §1.0.1), or
 * undefined if the stanza is not one (let another handler have it). Unknown JIDs get
 * item-not-found, a set gets not-allowed, a query without jid bad-request.
 */
export function answerPubkeys(iq: XmlElement, keysFor: (jid: string) => readonly RsaPublicKey[] | undefined): XmlElement | undefined {
  if (iq.name !== 'iq') return undefined;
  const q = iq.getChild('pubkeys', NS_PUBKEY);
  const type = iq.attr('type');
  if (!q || (type !== 'get' && type !== 'set')) return undefined;
  if (type === 'set') return iqError(iq, 'cancel', 'not-allowed');
  const jid = q.attr('jid')?.trim();
  if (!jid) return iqError(iq, 'modify', 'bad-request');
  const keys = keysFor(jid);
  if (!keys || !keys.length) return iqError(iq, 'cancel', 'item-not-found');
  return xml('iq', { type: 'result', id: iq.attr('id'), to: iq.attr('from'), from: iq.attr('to') }, pubkeysElement(jid, keys));
}

/** An account publishing its own keys to a certification service (docs/PROTOCOL.md §5): the same
 *  `<pubkeys/>` payload as an answer, in an iq set, for the sender's own bare JID. */
export function pubkeysPublishRequest(cert: string, jid: string, keys: readonly RsaPublicKey[]): XmlElement {
  return xml('iq', { type: 'set', to: cert }, pubkeysElement(jid, keys));
}

/**
 * A certification service's answer to a key publication, or undefined if the stanza is not one.
 * The sender is the server-stamped `from` of an authenticated session, so an account can publish
 * for itself only (`forbidden` otherwise) and only from a domain `mayPublish` accepts (cheap
 * checks before the keys are parsed); a publication without a usable key is `bad-request`.
 */
export function answerPubkeysPublish(iq: XmlElement, mayPublish: (bareJid: string) => boolean, publish: (bareJid: string, keys: RsaPublicKey[]) => void): XmlElement | undefined {
  if (iq.name !== 'iq' || iq.attr('type') !== 'set') return undefined;
  const q = iq.getChild('pubkeys', NS_PUBKEY);
  if (!q) return undefined;
  const from = bareJid(iq.attr('from') ?? '');
  const jid = q.attr('jid')?.trim() ?? '';
  if (!from || !mayPublish(from)) return iqError(iq, 'cancel', 'not-allowed');
  if (jid !== from) return iqError(iq, 'auth', 'forbidden'); // JIDs as servers stamp them: canonical
  const { keys } = parsePubkeys(q, jid);
  if (!keys.length) return iqError(iq, 'modify', 'bad-request');
  publish(from, keys);
  return xml('iq', { type: 'result', id: iq.attr('id'), to: iq.attr('from'), from: iq.attr('to') });
}
