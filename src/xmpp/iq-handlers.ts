// Incoming iq get/set (RFC 6120 §8.2.3): extensions register a handler per payload (name, xmlns);
// the handler returns the result payload (or nothing) or throws a StanzaError; one that needs an
// application-specific error condition (RFC 6120 §8.3.3, e.g. the OpenSpime profile's) returns the
// whole reply iq of type result or error instead. An iq nobody handles
// is answered with <service-unavailable/> (RFC 6120 §8.4), never left unanswered.
import { xml, type XmlElement } from '../xml/element.js';
import { StanzaError } from './errors.js';
import { iqError } from './iq-tracker.js';

// `undefined` (not `void`) for "no payload": the result is inspected below, and `void` in a union
// is not narrowed by `?.`/`??` (a compiler without strictNullChecks rejects `result?.name`).
export type IqHandler = (iq: XmlElement, payload: XmlElement) => XmlElement | undefined | Promise<XmlElement | undefined>;

export class IqHandlers {
  readonly #handlers = new Map<string, IqHandler>();

  /** `type` get or set; one handler per (type, name, xmlns). */
  register(type: 'get' | 'set', name: string, xmlns: string, handler: IqHandler): void {
    this.#handlers.set(`${type} ${xmlns} ${name}`, handler);
  }

  /** Answers an iq get/set through `send`. */
  async handle(iq: XmlElement, send: (el: XmlElement) => void): Promise<void> {
    const type = iq.attr('type');
    const children = iq.getChildren();
    if (children.length !== 1) return send(iqError(iq, 'bad-request', 'modify', 'an iq get/set carries exactly one payload'));
    const payload = children[0];
    const handler = this.#handlers.get(`${type} ${payload.ns} ${payload.name}`);
    if (!handler) return send(iqError(iq, 'service-unavailable'));
    try {
      const result = await handler(iq, payload);
      if (result?.name === 'iq' && (result.attr('type') === 'result' || result.attr('type') === 'error')) {
        send(xml('iq', { type: result.attr('type'), id: iq.attr('id'), to: iq.attr('from') }, result.children));
        return;
      }
      send(xml('iq', { type: 'result', id: iq.attr('id'), to: iq.attr('from') }, result ?? null));
    } catch (e) {
      if (e instanceof StanzaError) send(iqError(iq, e.condition, e.type, e.text || undefined));
      else send(iqError(iq, 'internal-server-error', 'wait'));
    }
  }
}
