// RFC 6120 §8.2.3: every iq get/set gets exactly one result or error with the same id. This table
// matches answers to requests, checks that the answer comes from the entity asked (§8.1.2.1: from
// our account, the answer may carry no 'from', our bare JID or our domain), and rejects on timeout.
// Bounded: at most `maxPending` requests; beyond that `request` rejects at once with
// `resource-constraint` and nothing is sent (back-pressure on the caller, not a fault of the
// link). `reserved` more slots are kept for the client's own requests (the keepalive ping), so
// applications filling the table can never starve link supervision. Generated ids are random (an
// entity that can guess them could forge answers) and never equal a pending one; a caller-supplied
// id that is already pending is refused (`duplicate-id`), never allowed to replace its entry.
import { xml, type XmlElement } from '../xml/element.js';
import type { Clock, TimerHandle } from './clock.js';
import { hexEncode } from './bytes.js';
import { ConnectionError, StanzaError } from './errors.js';
import { sameJid } from './jid.js';

/** 64 random bits, hex: an iq id nobody else can predict. */
export function randomId(crypto: { randomBytes(n: number): Uint8Array }): string {
  return hexEncode(crypto.randomBytes(8));
}

export interface IqTrackerOptions {
  clock: Clock;
  send: (el: XmlElement) => void;
  /** Own identity, for the §8.1.2.1 'from' rule. */
  self: () => { full: string; bare: string; domain: string };
  timeoutMs?: number;
  maxPending?: number;
  /** Slots beyond maxPending only `{ reserved: true }` requests may take (default 2). */
  reserved?: number;
  /** A fresh unpredictable id (randomId with the host's crypto). */
  newId: () => string;
}

interface Pending { to: string | undefined; resolve: (el: XmlElement) => void; reject: (e: Error) => void; timer: TimerHandle }

export class IqTracker {
  readonly #o: IqTrackerOptions;
  readonly #pending = new Map<string, Pending>();

  constructor(o: IqTrackerOptions) {
    this.#o = o;
  }

  get size(): number { return this.#pending.size; }

  /** Sends an iq get/set and resolves with the result iq; rejects with StanzaError for type="error",
   *  ConnectionError `timeout`, or `resource-constraint` when the table is full. */
  request(iq: XmlElement, timeoutMs = this.#o.timeoutMs ?? 30000, o: { reserved?: boolean } = {}): Promise<XmlElement> {
    const limit = (this.#o.maxPending ?? 32) + (o.reserved ? this.#o.reserved ?? 2 : 0);
    if (this.#pending.size >= limit) {
      return Promise.reject(new ConnectionError('resource-constraint', `${this.#pending.size} iq requests already pending`));
    }
    let id = iq.attr('id');
    if (id && this.#pending.has(id)) return Promise.reject(new ConnectionError('duplicate-id', `an iq with id "${id}" is already pending`));
    if (!id) {
      do id = this.#o.newId(); while (this.#pending.has(id));
      iq.attrs.id = id;
    }
    return new Promise<XmlElement>((resolve, reject) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.#pending.delete(id!);
        reject(new ConnectionError('timeout', `no answer to iq ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id!, { to: iq.attr('to'), resolve, reject, timer });
      try {
        this.#o.send(iq);
      } catch (e) {
        this.#o.clock.clearTimeout(timer);
        this.#pending.delete(id!);
        reject(e as Error);
      }
    });
  }

  /** Feeds an incoming iq result/error; true when it answered a pending request. */
  handle(iq: XmlElement): boolean {
    const type = iq.attr('type');
    if (type !== 'result' && type !== 'error') return false;
    const id = iq.attr('id');
    const p = id === undefined ? undefined : this.#pending.get(id);
    if (!p || !this.#fromMatches(p.to, iq.attr('from'))) return false;
    this.#pending.delete(id!);
    this.#o.clock.clearTimeout(p.timer);
    if (type === 'result') p.resolve(iq);
    else p.reject(StanzaError.fromElement(iq));
    return true;
  }

  /** Rejects every pending request (new session: their answers can no longer come). */
  rejectAll(error: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) { this.#o.clock.clearTimeout(p.timer); p.reject(error); }
  }

  #fromMatches(to: string | undefined, from: string | undefined): boolean {
    const self = this.#o.self();
    if (to === undefined || sameJid(to, self.bare)) {
      return from === undefined || [self.bare, self.domain, self.full].some((j) => sameJid(from, j));
    }
    return from !== undefined && sameJid(from, to);
  }
}

/** RFC 6120 §8.3: an error reply to a request stanza. */
export function iqError(request: XmlElement, condition: string, type = 'cancel', text?: string): XmlElement {
  return xml('iq', { type: 'error', id: request.attr('id'), to: request.attr('from') },
    xml('error', { type },
      xml(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }),
      text ? xml('text', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }, text) : null));
}
