// RFC 6120 §5: STARTTLS. TLS is mandatory here: a server that does not offer it gets no
// credentials and no plaintext stanza (ConnectionError `tls-required`), whatever it says.
import { xml, type XmlElement } from '../xml/element.js';
import { ConnectionError } from './errors.js';
import type { StreamReader } from './reader.js';

export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

export const starttlsElement = (): XmlElement => xml('starttls', { xmlns: NS_TLS });

/** After <starttls/> was sent (pipelined with the stream header, §5.4.2.1 allows sending it as
 *  soon as the features are known; sending it earlier only saves the round trip): check the
 *  features offered it and wait for <proceed/>. */
export async function awaitProceed(reader: StreamReader, features: XmlElement): Promise<void> {
  if (!features.getChild('starttls', NS_TLS)) throw new ConnectionError('tls-required', 'server does not offer STARTTLS; refusing to continue in plaintext');
  const el = await reader.element('starttls');
  if (el.ns === NS_TLS && el.name === 'proceed') return;
  if (el.ns === NS_TLS && el.name === 'failure') throw new ConnectionError('tls-failed', 'server answered STARTTLS with <failure/> (RFC 6120 §5.4.2.2)');
  throw new ConnectionError('tls-failed', `unexpected <${el.name}/> instead of <proceed/>`);
}
