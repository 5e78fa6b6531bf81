// Who owns this spime, kept in the record store (src/storage/records.ts), and the spime's answers
// to the claim extension (docs/PROTOCOL.md §6.4–6.6): claims proved with the label's secret,
// release, hand-over, the lock-out after wrong guesses, and factory reset.
//
// Policy. One owner at a time, a bare JID. An unowned spime is claimed by whoever proves the
// label's secret (§6.4); the owner may claim again (a fresh claim key, no secret needed); anyone
// else is refused while it is owned, secret or not. Wrong proofs count, persisted: after
// FREE_ATTEMPTS the spime refuses claims for an exponentially growing time (rate-limited), also
// across power cycles (the lock restarts in full at boot, so neither a power cut nor a clock set
// forward by the server shortens it). Release and hand-over come from the owner, signed, dated
// and never replayed: each accepted operation's date is persisted and the next must be later.
// A claim key the spime issued authorizes nothing once its osid is not the recorded owner.
//
// Order of checks: everything local and cheap (parse, spime JID, owner record, lock, date,
// replay) before the signature is verified; the MAC after it, so that only a properly signed
// request can count as a guess. A refused request writes nothing, except a wrong proof (its count).
import { formatDateTime, parseDateTime } from '../openspime/datetime.js';
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { buildClaimResponse, buildOwnerAnswer, parseClaim, type ClaimMessage } from '../openspime/claim.js';
import { normalizeClaimSecret, verifyClaimProof } from '../openspime/claim-proof.js';
import { issueClaimKey, type ClaimKeyBody } from '../openspime/claimkey.js';
import { OpenSpimeError } from '../openspime/errors.js';
import { bareJid, canonicalJid, jidCovers, sameJid } from '../openspime/jid.js';
import { NS_CLAIM, NS_CORE } from '../openspime/namespaces.js';
import { DEFAULT_SKEW_MS, openIqContainer } from '../openspime/open.js';
import type { KeyDirectory } from '../openspime/pubkeys.js';
import { seal } from '../openspime/seal.js';
import { utf8Decode, utf8Encode } from '../bytes/utf8.js';
import type { RecordStore } from '../storage/records.js';
import type { XmlElement } from '../xml/element.js';

/** Record names (≤ 15 bytes). `id.` records are the spime's identity: factory reset keeps them. */
export const RECORD_OWNER = 'owner';
export const RECORD_CLAIM_LOCK = 'claim.lock';
export const RECORD_CLAIM_SEEN = 'claim.seen';
export const RECORD_CLAIM_SECRET = 'id.secret';
export const IDENTITY_RECORD_PREFIX = 'id.';

export const FREE_ATTEMPTS = 3;
export const LOCK_BASE_MS = 60_000;
export const LOCK_MAX_MS = 24 * 3600_000;
const NONCES_REMEMBERED = 32;

export interface OwnerRecord {
  /** The owner's bare JID, canonical. */
  jid: string;
  /** When the claim (or hand-over) was accepted, UTC ms. */
  since: number;
}

export interface OwnershipOptions {
  records: RecordStore;
  crypto: Crypto;
  /** Owners' keys (XEP-0189) from these trusted certification services. */
  keys: KeyDirectory;
  self: { jid: string; cert: string; key: RsaPrivateKey };
  /** UTC ms, or undefined while the spime does not know the time (then no claim is accepted). */
  utc: () => number | undefined;
  /** Monotonic ms (the lock-out also runs on it). */
  mono: () => number;
  skewMs?: number;
  /** Lifetime of the claim keys issued; default one year. */
  claimKeyLifetimeMs?: number;
  freeAttempts?: number;
  lockBaseMs?: number;
  lockMaxMs?: number;
}

export type OwnerChange = (owner: string | undefined, previous: string | undefined) => void;

interface Lock { failures: number; until: number }

function put48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32), lo = v >>> 0;
  b[o] = (hi >>> 8) & 0xff; b[o + 1] = hi & 0xff; b[o + 2] = lo >>> 24; b[o + 3] = (lo >>> 16) & 0xff; b[o + 4] = (lo >>> 8) & 0xff; b[o + 5] = lo & 0xff;
}
function get48(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 2 ** 32 + (((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0);
}
const time48 = (ms: number) => { const b = new Uint8Array(6); put48(b, 0, Math.max(0, Math.round(ms))); return b; };

export function encodeOwnerRecord(r: OwnerRecord): Uint8Array { return utf8Encode(JSON.stringify(r)); }
export function decodeOwnerRecord(b: Uint8Array | undefined): OwnerRecord | undefined {
  if (!b) return undefined;
  try {
    const r = JSON.parse(utf8Decode(b) ?? '') as OwnerRecord;
    return typeof r?.jid === 'string' && typeof r.since === 'number' ? { jid: r.jid, since: r.since } : undefined;
  } catch { return undefined; }
}

export class Ownership {
  readonly #o: OwnershipOptions;
  readonly #r: RecordStore;
  readonly #listeners: OwnerChange[] = [];
  readonly #nonces: string[] = [];
  /** The lock also ends no earlier than this on the monotonic clock. */
  #lockMono = 0;

  constructor(o: OwnershipOptions) {
    this.#o = o;
    this.#r = o.records;
    const lock = this.#lock();
    if (lock.failures >= this.#free) this.#lockMono = o.mono() + this.#lockDuration(lock.failures);
  }

  /** The owner's bare JID (canonical), or undefined when unowned. */
  ownerOf(): string | undefined { return decodeOwnerRecord(this.#r.get(RECORD_OWNER))?.jid; }

  /** The owner record (JID and since when). */
  owner(): OwnerRecord | undefined { return decodeOwnerRecord(this.#r.get(RECORD_OWNER)); }

  /** Is `jid` (full or bare, any case of local and domain part) the owner? */
  isOwner(jid: string | undefined): boolean {
    const owner = this.ownerOf();
    return owner !== undefined && jid !== undefined && sameJid(bareJid(jid), owner);
  }

  /**
   * Does a verified claim key (Opened.claim) presented by `osid` authorize it on this spime? Only
   * if it claims this spime, covers `osid`, and `osid` is the owner on record now: a released or
   * handed-over owner's keys authorize nothing here.
   */
  claimKeyAuthorizes(claim: ClaimKeyBody | undefined, osid: string): boolean {
    return !!claim && sameJid(bareJid(claim.claims), bareJid(this.#o.self.jid)) && jidCovers(claim.osid, osid) && this.isOwner(osid);
  }

  /** Calls `fn(owner, previous)` after every change of owner (claim, release, hand-over, reset). */
  onChange(fn: OwnerChange): () => void {
    this.#listeners.push(fn);
    return () => { const i = this.#listeners.indexOf(fn); if (i >= 0) this.#listeners.splice(i, 1); };
  }

  /** Wrong proofs so far, and how long claims are refused from now (0: not locked). */
  lockout(): { failures: number; lockedForMs: number } {
    const lock = this.#lock();
    return { failures: lock.failures, lockedForMs: this.#lockedFor(lock) };
  }

  /**
   * Release asked by the owner through an authenticated local channel (the XEP-0050 Release
   * command, whose `from` the owner's server stamped): the owner record goes, as with a signed
   * release (§6.5), and the listeners are told.
   */
  releaseByOwner(): void {
    const previous = this.ownerOf();
    if (previous === undefined) return;
    this.#r.update([[RECORD_OWNER, undefined]]);
    this.#changed(undefined, previous);
  }

  /** The label secret is stored (provisioning writes it once; it survives factory reset). */
  hasSecret(): boolean { return this.#r.get(RECORD_CLAIM_SECRET) !== undefined; }

  /** Provisioning: store the label's secret (as printed; normalized here). */
  setSecret(secret: string): void { this.#r.set(RECORD_CLAIM_SECRET, normalizeClaimSecret(secret)); }

  /**
   * Factory reset (the button held at boot): owner, claim state and every configuration record
   * go, in one atomic update; the identity (`id.` records: claim secret, identity key) stays.
   */
  factoryReset(): void {
    const previous = this.ownerOf();
    const gone = this.#r.names().filter((n) => n.indexOf(IDENTITY_RECORD_PREFIX) !== 0);
    if (gone.length) this.#r.update(gone.map((n) => [n, undefined] as const));
    this.#lockMono = 0;
    this.#nonces.length = 0;
    if (previous !== undefined) this.#changed(undefined, previous);
  }

  /** The spime's answer to an iq carrying a claim-extension container; undefined if not one. */
  handleIq(iq: XmlElement): Promise<XmlElement | undefined> {
    const o = this.#o;
    let msg: ClaimMessage | undefined;
    return openIqContainer(iq, { crypto: o.crypto, keys: o.keys, now: () => o.utc() ?? 0, skewMs: o.skewMs }, {
      matches: (p) => p.name === 'claim' && (p.ns === NS_CLAIM || p.ns === NS_CORE),
      precheck: (p, osid) => { msg = parseClaim(p); this.#precheck(msg, osid); },
      handle: (opened) => this.#handle(msg!, opened.osid, opened.claim),
    });
  }

  // --- checks

  get #free(): number { return this.#o.freeAttempts ?? FREE_ATTEMPTS; }

  #lock(): Lock {
    const b = this.#r.get(RECORD_CLAIM_LOCK);
    return b && b.length === 8 ? { failures: (b[0] << 8) | b[1], until: get48(b, 2) } : { failures: 0, until: 0 };
  }

  #lockDuration(failures: number): number {
    if (failures < this.#free) return 0;
    const base = this.#o.lockBaseMs ?? LOCK_BASE_MS, max = this.#o.lockMaxMs ?? LOCK_MAX_MS;
    return Math.min(max, base * 2 ** Math.min(30, failures - this.#free));
  }

  #lockedFor(lock: Lock): number {
    if (lock.failures < this.#free) return 0;
    const utc = this.#o.utc();
    return Math.max(0, utc === undefined ? Infinity : lock.until - utc, this.#lockMono - this.#o.mono());
  }

  /** Cheap and local, writes nothing. */
  #precheck(msg: ClaimMessage, osid: string): void {
    const self = this.#o.self.jid;
    if (msg.kind === 'request') {
      if (!sameJid(bareJid(msg.claims), bareJid(self))) throw new OpenSpimeError('not-authorized-for-spime', `claim for ${msg.claims} sent to ${self}`);
      if (this.isOwner(osid)) return; // the owner asks for a fresh claim key
      if (this.ownerOf() !== undefined) throw new OpenSpimeError('not-authorized-for-spime', 'the spime has an owner');
      const locked = this.#lockedFor(this.#lock());
      if (locked > 0) throw new OpenSpimeError('rate-limited', `too many wrong claim secrets: try again in ${Number.isFinite(locked) ? Math.ceil(locked / 1000) + ' s' : 'a while (no clock)'}`);
      if (!msg.proof) throw new OpenSpimeError('not-authorized-for-spime', 'a claim of an unowned spime needs a proof of its claim secret (§6.4)');
      if (!this.hasSecret()) throw new OpenSpimeError('not-authorized-for-spime', 'this spime has no claim secret provisioned');
      this.#checkFresh(msg.proof.date, msg.proof.nonce);
      return;
    }
    if (msg.kind === 'release' || msg.kind === 'handover') {
      if (!this.isOwner(osid)) throw new OpenSpimeError('not-authorized-for-spime', `${bareJid(osid)} is not the owner`);
      if (msg.kind === 'handover' && canonicalJid(msg.to) === undefined) throw new OpenSpimeError('bad-format', 'handover to an invalid JID');
      this.#checkFresh(msg.date, msg.nonce);
      return;
    }
    throw new OpenSpimeError('bad-format', 'not a claim request, release or handover');
  }

  /** Dated within the skew, later than the last accepted operation, nonce not seen lately. */
  #checkFresh(date: string, nonce: string): void {
    const utc = this.#o.utc();
    const t = parseDateTime(date)!;
    if (utc === undefined) throw new OpenSpimeError('request-expired', 'the spime does not know the time yet');
    if (Math.abs(t - utc) > (this.#o.skewMs ?? DEFAULT_SKEW_MS)) throw new OpenSpimeError('request-expired', `dated ${date}, the spime's time is ${formatDateTime(utc)}`);
    const seen = this.#r.get(RECORD_CLAIM_SEEN);
    if ((seen && seen.length === 6 && t <= get48(seen, 0)) || this.#nonces.indexOf(nonce) >= 0) throw new OpenSpimeError('request-replayed', 'not later than an accepted request, or its nonce was seen');
  }

  // --- after the signature verified

  async #handle(msg: ClaimMessage, osid: string, claim: ClaimKeyBody | undefined): Promise<XmlElement> {
    // a claim key presented must be one that still means something here
    if (claim && !this.claimKeyAuthorizes(claim, osid)) throw new OpenSpimeError('not-authorized-for-spime', 'the claim key presented is not the current owner\'s');
    const requester = canonicalJid(bareJid(osid))!;
    const utc = this.#o.utc() ?? 0;
    if (msg.kind === 'request') {
      if (!this.isOwner(requester)) {
        // the state may have moved while the signature was checked: the cheap checks again
        this.#precheck(msg, osid);
        this.#remember(msg.proof!.nonce);
        if (!verifyClaimProof(this.#o.crypto, this.#r.get(RECORD_CLAIM_SECRET)!, this.#o.self.jid, requester, msg.proof!)) {
          const failures = this.#lock().failures + 1;
          const duration = this.#lockDuration(failures);
          const b = new Uint8Array(8);
          b[0] = failures >> 8; b[1] = failures & 0xff;
          put48(b, 2, duration ? utc + duration : 0);
          this.#r.set(RECORD_CLAIM_LOCK, b);
          if (duration) this.#lockMono = this.#o.mono() + duration;
          throw new OpenSpimeError('not-authorized-for-spime', 'wrong claim secret');
        }
        const previous = this.ownerOf();
        this.#r.update([
          [RECORD_OWNER, encodeOwnerRecord({ jid: requester, since: utc })],
          [RECORD_CLAIM_LOCK, undefined],
          [RECORD_CLAIM_SEEN, time48(parseDateTime(msg.proof!.date)!)],
        ]);
        this.#lockMono = 0;
        this.#changed(requester, previous);
      }
      return this.#sealed(buildClaimResponse(requester, this.#claimKey(requester, utc)));
    }
    if (msg.kind !== 'release' && msg.kind !== 'handover') throw new OpenSpimeError('bad-format', 'not a claim request, release or handover');
    this.#precheck(msg, osid);
    this.#remember(msg.nonce);
    const previous = this.ownerOf();
    const next = msg.kind === 'handover' ? canonicalJid(bareJid(msg.to))! : undefined;
    const seen = time48(parseDateTime(msg.date)!);
    this.#r.update([[RECORD_OWNER, next ? encodeOwnerRecord({ jid: next, since: utc }) : undefined], [RECORD_CLAIM_SEEN, seen]]);
    if (next !== previous) this.#changed(next, previous);
    return this.#sealed(buildOwnerAnswer(next));
  }

  #claimKey(owner: string, utc: number): Uint8Array {
    const o = this.#o;
    return issueClaimKey(o.crypto, o.self.key, { claims: o.self.jid, osid: owner, expdate: formatDateTime(utc + (o.claimKeyLifetimeMs ?? 365 * 24 * 3600_000)) });
  }

  #sealed(payload: XmlElement): XmlElement {
    const o = this.#o;
    return seal(payload, { crypto: o.crypto, osid: o.self.jid, cert: o.self.cert, signingKey: o.self.key });
  }

  #remember(nonce: string): void {
    this.#nonces.push(nonce);
    if (this.#nonces.length > NONCES_REMEMBERED) this.#nonces.shift();
  }

  #changed(owner: string | undefined, previous: string | undefined): void {
    for (const fn of [...this.#listeners]) {
      try { fn(owner, previous); } catch { /* a listener's bug is not the owner record's */ }
    }
  }
}
