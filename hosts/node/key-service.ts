// The certification service (OpenSpime v0.9 `cert`; docs/PROTOCOL.md §5) as an XEP-0114 component:
// answers XEP-0189 <pubkeys/> queries with the keys it holds, through src/openspime answerPubkeys.
// The development SpimeGate's `cert` service; a production one would hold keys registered out of
// band, not handed in by the process that starts it.
import type { RsaPublicKey } from '../../src/crypto/crypto.js';
import { bareJid, canonicalJid } from '../../src/openspime/jid.js';
import { answerPubkeys } from '../../src/openspime/pubkeys.js';
import { ExternalComponent, type ComponentOptions } from './component.js';

export interface KeyService {
  readonly domain: string;
  /** Publish (or replace) the keys of `jid`; a bare JID vouches for all its resources. */
  publish(jid: string, keys: readonly RsaPublicKey[]): void;
  /** Queries answered so far (for logs and tests). */
  readonly answered: number;
  close(): Promise<void>;
}

export async function startKeyService(o: ComponentOptions): Promise<KeyService> {
  const keys = new Map<string, readonly RsaPublicKey[]>();
  const component = await ExternalComponent.connect(o);
  let answered = 0;
  component.onIq((iq) => {
    const reply = answerPubkeys(iq, (jid) => keys.get(canonicalJid(jid)) ?? keys.get(canonicalJid(bareJid(jid))));
    if (reply) answered++;
    return reply;
  });
  return {
    domain: component.domain,
    publish: (jid, k) => { keys.set(canonicalJid(jid), k); },
    get answered() { return answered; },
    close: () => component.close(),
  };
}
