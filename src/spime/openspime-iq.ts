// The spime's one entry for directly addressed OpenSpime iqs (`<iq type='set'><openspime/>`): the
// client has one handler slot per (type, name, xmlns), and several extensions answer such iqs
// (claims, configuration). Each handler returns its reply, or undefined when the container's
// payload is not its own (openIqContainer's contract); nobody's → feature-not-implemented.
import { NS_CORE } from '../openspime/namespaces.js';
import type { XmlElement } from '../xml/element.js';
import { StanzaError } from '../xmpp/errors.js';

export type OpenSpimeIqHandler = (iq: XmlElement) => Promise<XmlElement | undefined>;

export class OpenSpimeIqRouter {
  readonly #handlers: OpenSpimeIqHandler[] = [];

  /** Adds a handler (tried in the order added). */
  add(handler: OpenSpimeIqHandler): void { this.#handlers.push(handler); }

  /** Registers the router on the client (Client.registerIq). */
  attach(client: { registerIq(type: 'set', name: string, xmlns: string, handler: (iq: XmlElement) => Promise<XmlElement | undefined>): void }): void {
    client.registerIq('set', 'openspime', NS_CORE, (iq) => this.handle(iq));
  }

  async handle(iq: XmlElement): Promise<XmlElement | undefined> {
    for (const h of this.#handlers) {
      const reply = await h(iq);
      if (reply) return reply;
    }
    throw new StanzaError('feature-not-implemented', 'cancel', 'no handler for this OpenSpime payload');
  }
}
