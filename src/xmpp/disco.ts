// XEP-0030 Service Discovery, disco#info responder (§3.1): the identity of the spime and the
// features it supports. Extensions add their features (`addFeature`); the core adds its own.
import { xml } from '../xml/element.js';
import { StanzaError } from './errors.js';
import type { IqHandlers } from './iq-handlers.js';

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

export interface Identity { category: string; type: string; name?: string }

export class Disco {
  readonly identities: Identity[];
  readonly #features = new Set<string>([NS_DISCO_INFO]);

  constructor(identity: Identity = { category: 'client', type: 'bot', name: 'spimekit' }) {
    this.identities = [identity];
  }

  addFeature(v: string): void { this.#features.add(v); }
  get features(): string[] { return [...this.#features].sort(); }

  register(handlers: IqHandlers): void {
    handlers.register('get', 'query', NS_DISCO_INFO, (_iq, query) => {
      // §3.1: a node we do not know is <item-not-found/>
      if (query.attr('node') !== undefined) throw new StanzaError('item-not-found', 'cancel');
      return xml('query', { xmlns: NS_DISCO_INFO },
        this.identities.map((i) => xml('identity', { category: i.category, type: i.type, name: i.name })),
        this.features.map((f) => xml('feature', { var: f })));
    });
  }
}
