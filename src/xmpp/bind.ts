// RFC 6120 §7: resource binding. The server may change or assign the resource; the JID it returns
// is the session's full JID.
import { xml, type XmlElement } from '../xml/element.js';
import { StanzaError, StreamError } from './errors.js';
import { parseJid } from './jid.js';

export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
export const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';

export function bindElement(id: string, resource?: string): XmlElement {
  return xml('iq', { type: 'set', id }, xml('bind', { xmlns: NS_BIND }, resource ? xml('resource', null, resource) : null));
}

/** The bound full JID from the result, or the StanzaError the server answered with (§7.6.2). */
export function bindResult(iq: XmlElement): string {
  if (iq.attr('type') === 'error') throw StanzaError.fromElement(iq);
  const jid = iq.getChild('bind', NS_BIND)?.getChildText('jid', NS_BIND)?.trim();
  if (!jid) throw new StreamError('undefined-condition', 'bind result without <jid/>', undefined, true);
  // the server's input, so a fault we name to it (bad-format) and retry, not a RangeError
  try { parseJid(jid); } catch { throw new StreamError('bad-format', `bind result with an invalid JID "${jid.slice(0, 64)}"`, undefined, true); }
  return jid;
}

/** RFC 3921 session establishment: only when a (legacy) server marks it required, not <optional/>. */
export function sessionRequired(features: XmlElement): boolean {
  const s = features.getChild('session', NS_SESSION);
  return !!s && !s.getChild('optional', NS_SESSION);
}

export function sessionElement(id: string): XmlElement {
  return xml('iq', { type: 'set', id }, xml('session', { xmlns: NS_SESSION }));
}
