// Presence between the spime and its owner (RFC 6121): on claim both become subscribed to each
// other — the spime pre-approves the owner (§3.4) and asks for the owner's subscription — so the
// owner sees the spime come and go, with a one-line state in <status/> (`ok · 3 queued`,
// `sensor fault: scd4x · …`) and <show>away</show> when degraded. Subscription requests from
// anyone but the owner are refused (`unsubscribed`); release, hand-over or factory reset removes
// the old owner's roster item, which cancels both subscriptions (§2.5.2). The roster is
// reconciled on every session: whatever is not the current owner goes.
import { bareJid, canonicalJid, sameJid } from '../openspime/jid.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { Clock, TimerHandle } from '../xmpp/clock.js';
import { StanzaError } from '../xmpp/errors.js';
import type { SpimeStatus } from './app.js';
import type { Ownership } from './ownership.js';

export const NS_ROSTER = 'jabber:iq:roster';

/** What the presence side needs of the XMPP client (src/xmpp/client.ts Client has it all). */
export interface PresenceClient {
  readonly jid: string;
  readonly status: string;
  send(el: XmlElement): void;
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  on(event: 'online' | 'stanza', fn: (el: XmlElement) => void): () => void;
  registerIq(type: 'get' | 'set', name: string, xmlns: string, handler: (iq: XmlElement, payload: XmlElement) => XmlElement | undefined): void;
}

export interface PresenceLine { status: string; show?: 'away' }

/** The one-line state: what an owner wants at a glance. Degraded (away): a sensor or send fault,
 *  a halted application, entries dropped for lack of flash. */
export function presenceLine(s: SpimeStatus): PresenceLine {
  const parts: string[] = [];
  let degraded = false;
  if (s.halted) { parts.push('halted (flash)'); degraded = true; }
  if (s.sensorFaults.length) { parts.push(`sensor fault: ${s.sensorFaults.join(', ')}`); degraded = true; }
  if (s.fault) { parts.push(`refused: ${s.fault.condition}`); degraded = true; }
  if (!parts.length) parts.push('ok');
  parts.push(`${s.pending} queued`);
  if (s.dropped) { parts.push(`${s.dropped} dropped`); degraded = true; }
  if (s.clock === 'none') parts.push('no clock');
  return degraded ? { status: parts.join(' · '), show: 'away' } : { status: parts.join(' · ') };
}

export interface OwnerPresenceOptions {
  client: PresenceClient;
  ownership: Ownership;
  /** The state to show; default 'ok'. */
  line?: () => PresenceLine;
  timers: Clock;
  /** How often the line is looked at (sent only when it changed); default 5000 ms. */
  refreshMs?: number;
  onEvent?: (event: { type: 'refused-subscription'; from: string } | { type: 'subscribed'; owner: string } | { type: 'removed'; jid: string }) => void;
}

export class OwnerPresence {
  readonly #o: OwnerPresenceOptions;
  readonly #offs: Array<() => void> = [];
  #timer: TimerHandle | undefined;
  #sent: string | undefined;
  #stopped = false;

  constructor(o: OwnerPresenceOptions) {
    this.#o = o;
    const c = o.client;
    // roster pushes (RFC 6121 §2.1.6): acknowledged when from our own account, refused otherwise
    c.registerIq('set', 'query', NS_ROSTER, (iq) => {
      const from = iq.attr('from');
      if (from !== undefined && !sameJid(bareJid(from), bareJid(c.jid))) throw new StanzaError('service-unavailable', 'cancel');
      return undefined;
    });
    this.#offs.push(c.on('stanza', (el) => this.#stanza(el)));
    this.#offs.push(c.on('online', () => { this.#sent = undefined; void this.reconcile(); }));
    this.#offs.push(o.ownership.onChange((owner, previous) => { void this.#ownerChanged(owner, previous); }));
    this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    this.#offs.forEach((off) => off());
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
  }

  /** Sends the current line now if it changed (or `force`). */
  update(force = false): void {
    const c = this.#o.client;
    if (c.status !== 'online') return;
    const line = this.#o.line?.() ?? { status: 'ok' };
    const key = `${line.show ?? ''}|${line.status}`;
    if (!force && key === this.#sent) return;
    this.#safeSend(xml('presence', {}, line.show ? xml('show', {}, line.show) : null, xml('status', {}, line.status)));
    this.#sent = key;
  }

  /** The roster holds the owner (subscribed both ways) and nobody else. */
  async reconcile(): Promise<void> {
    const c = this.#o.client;
    if (c.status !== 'online') return;
    const owner = this.#o.ownership.ownerOf();
    let items: XmlElement[] = [];
    try {
      const result = await c.request(xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER })));
      items = result.getChild('query', NS_ROSTER)?.getChildren('item', NS_ROSTER) ?? [];
    } catch { /* no roster answer: subscribe anyway below */ }
    let ownerItem: XmlElement | undefined;
    for (const item of items) {
      const jid = item.attr('jid') ?? '';
      if (owner !== undefined && sameJid(jid, owner)) ownerItem = item;
      else await this.#remove(jid);
    }
    if (owner !== undefined) {
      const sub = ownerItem?.attr('subscription') ?? 'none';
      if (sub !== 'both' && sub !== 'from') this.#safeSend(xml('presence', { to: owner, type: 'subscribed' }));
      if (sub !== 'both' && sub !== 'to' && ownerItem?.attr('ask') !== 'subscribe') this.#safeSend(xml('presence', { to: owner, type: 'subscribe' }));
    }
    this.update(true);
  }

  async #ownerChanged(owner: string | undefined, previous: string | undefined): Promise<void> {
    if (previous !== undefined && (owner === undefined || !sameJid(owner, previous))) await this.#remove(previous);
    if (owner !== undefined) {
      this.#safeSend(xml('presence', { to: owner, type: 'subscribed' }));
      this.#safeSend(xml('presence', { to: owner, type: 'subscribe' }));
      this.#o.onEvent?.({ type: 'subscribed', owner });
    }
    this.update(true);
  }

  async #remove(jid: string): Promise<void> {
    if (!jid || this.#o.client.status !== 'online') return;
    try {
      await this.#o.client.request(xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, subscription: 'remove' }))));
      this.#o.onEvent?.({ type: 'removed', jid });
    } catch {
      // not on the roster (item-not-found) or offline: the next session's reconcile tries again
      this.#safeSend(xml('presence', { to: jid, type: 'unsubscribed' }));
    }
  }

  #stanza(el: XmlElement): void {
    if (el.name !== 'presence') return;
    const type = el.attr('type');
    const from = el.attr('from');
    if (!from || canonicalJid(from) === undefined) return;
    const who = bareJid(from);
    if (type === 'subscribe') {
      if (this.#o.ownership.isOwner(who)) {
        this.#safeSend(xml('presence', { to: who, type: 'subscribed' }));
        this.update(true);
      } else {
        this.#safeSend(xml('presence', { to: who, type: 'unsubscribed' }));
        this.#o.onEvent?.({ type: 'refused-subscription', from: who });
      }
    }
    // probes are the server's; unsubscribe/unsubscribed from the owner: the owner's choice
  }

  #tick(): void {
    if (this.#stopped) return;
    this.update();
    this.#timer = this.#o.timers.setTimeout(() => this.#tick(), this.#o.refreshMs ?? 5000);
  }

  #safeSend(el: XmlElement): void {
    try { this.#o.client.send(el); } catch { /* offline: the next session reconciles */ }
  }
}
