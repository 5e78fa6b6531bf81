// Node wiring of the XMPP client: node:tls transport, node:crypto, Node timers.
import { Client, type ClientOptions } from '../../src/xmpp/client.js';
import { TransportXmlStream } from '../../src/xmpp/xml-stream.js';
import type { XmlLimits } from '../../src/xml/index.js';
import { nodeClock } from './clock.js';
import './xml-engine.js';
import { createNodeCrypto } from './crypto.js';
import { NodeTransport, type NodeTransportOptions } from './transport.js';

export type NodeClientOptions = Omit<ClientOptions, 'createStream' | 'clock' | 'crypto'> & Partial<Pick<ClientOptions, 'clock' | 'crypto'>> & {
  /** PEM trust anchors for the server certificate (default: Node's CA bundle). */
  ca?: string | string[];
  tls?: Omit<NodeTransportOptions, 'ca'>;
  /** Bounds on what the server can make the XML tokenizer hold (default DEFAULT_XML_LIMITS);
   *  passing one is a stream error policy-violation (RFC 6120 §13.12). */
  xmlLimits?: Partial<XmlLimits>;
};

export function createClient(o: NodeClientOptions): Client {
  const { ca, tls, xmlLimits, ...rest } = o;
  return new Client({
    clock: nodeClock,
    crypto: createNodeCrypto(),
    ...rest,
    createStream: () => new TransportXmlStream(new NodeTransport({ ...tls, ca }), xmlLimits),
  });
}
