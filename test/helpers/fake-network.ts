// Certification services on a fake network: an IqSender that routes each iq to the answerPubkeys
// handler of the service it is addressed to, and counts requests. Portable (no Node imports).
import type { RsaPublicKey } from '../../src/crypto/crypto.js';
import { answerPubkeys, type IqSender } from '../../src/openspime/pubkeys.js';
import { xml, XmlElement } from '../../src/xml/element.js';

export class CertNetwork implements IqSender {
  /** service JID → (entity JID → keys) */
  readonly services = new Map<string, Map<string, RsaPublicKey[]>>();
  readonly requests: XmlElement[] = [];
  /** When set, every request fails like a timeout. */
  down = false;
  private nextId = 1;

  publish(service: string, jid: string, ...keys: RsaPublicKey[]): this {
    if (!this.services.has(service)) this.services.set(service, new Map());
    this.services.get(service)!.set(jid, keys);
    return this;
  }

  async request(iq: XmlElement): Promise<XmlElement> {
    this.requests.push(iq);
    if (this.down) throw new Error('remote-server-timeout');
    const to = iq.attr('to')!;
    const stamped = xml('iq', { ...iq.attrs, id: String(this.nextId++), from: 'scopenode@test/res' }, ...iq.children);
    const service = this.services.get(to);
    if (!service) return xml('iq', { type: 'error', from: to, id: stamped.attr('id') }, xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })));
    return answerPubkeys(stamped, (jid) => service.get(jid))!;
  }
}

/** A clock the test moves. */
export function manualClock(startIso: string): { now: () => number; advance: (ms: number) => void; set: (iso: string) => void } {
  let t = Date.parse(startIso);
  return { now: () => t, advance: (ms) => { t += ms; }, set: (iso) => { t = Date.parse(iso); } };
}

/** Rebuilds an XmlElement from its JSON form ({name, ns, attrs, children}). */
export function fromTree(t: unknown): XmlElement {
  const o = t as { name: string; ns: string; attrs: Record<string, string>; children: unknown[] };
  return new XmlElement(o.name, o.ns, { ...o.attrs }, o.children.map((c) => (typeof c === 'string' ? c : fromTree(c))));
}
