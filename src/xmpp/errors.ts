// The XMPP layer's errors, one subclass of SpimeError per layer (xmpp.js style), each built from
// the wire element where there is one. `condition` is the RFC's own condition name.
import { SpimeError } from '../errors.js';
import type { XmlElement } from '../xml/element.js';

export const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** Condition element and optional <text/> of an error element (RFC 6120 §4.9.2, §6.4.5, §8.3.2). */
function parseCondition(el: XmlElement, ns: string): { condition: string; text: string; child?: XmlElement } {
  let condition = 'undefined-condition', text = '', child: XmlElement | undefined;
  for (const c of el.getChildren()) {
    if (c.name === 'text' && c.ns === ns) text = c.text();
    else if (c.ns === ns) { condition = c.name; child = c; }
  }
  return { condition, text, child };
}

/** RFC 6120 §4.9: a stream-level error; fatal, the stream is closed. */
export class StreamError extends SpimeError {
  readonly text: string;
  /** For see-other-host (§4.9.3.19): the host[:port] the server redirects to. */
  readonly redirect?: string;
  /** True when this client found the fault in the server's input and sent the <stream:error/>
   *  itself; false when the server sent it (then the condition names our fault). */
  readonly local: boolean;
  constructor(condition: string, text = '', redirect?: string, local = false) {
    super(condition, text);
    this.text = text;
    this.local = local;
    if (redirect) this.redirect = redirect;
  }
  static fromElement(el: XmlElement): StreamError {
    const { condition, text, child } = parseCondition(el, NS_STREAMS);
    return new StreamError(condition, text, condition === 'see-other-host' ? child?.text().trim() : undefined);
  }
}

/** RFC 6120 §6.5: SASL <failure/> conditions, plus local ones (`server-signature-mismatch`,
 *  `iteration-count-too-high`, `iteration-count-too-low`). */
export class SaslError extends SpimeError {
  readonly text: string;
  constructor(condition: string, text = '') {
    super(condition, text);
    this.text = text;
  }
  static fromElement(el: XmlElement): SaslError {
    const { condition, text } = parseCondition(el, NS_SASL);
    return new SaslError(condition, text);
  }
}

/** RFC 6120 §8.3: a stanza error, e.g. an iq answered with type="error". */
export class StanzaError extends SpimeError {
  readonly text: string;
  /** §8.3.2: cancel | continue | modify | auth | wait */
  readonly type: string;
  readonly stanza?: XmlElement;
  constructor(condition: string, type = 'cancel', text = '', stanza?: XmlElement) {
    super(condition, text);
    this.text = text;
    this.type = type;
    if (stanza) this.stanza = stanza;
  }
  static fromElement(stanza: XmlElement): StanzaError {
    const error = stanza.getChild('error');
    if (!error) return new StanzaError('undefined-condition', 'cancel', 'error stanza without <error/>', stanza);
    const { condition, text } = parseCondition(error, NS_STANZAS);
    return new StanzaError(condition, error.attr('type') ?? 'cancel', text, stanza);
  }
}

/** Failures of this client or its transport that are not a peer's error element:
 *  `connection-timeout`, `tls-required`, `tls-failed`, `certificate` (the server's certificate does
 *  not verify), `connect-failed`, `connection-lost` (the link dropped without a local stop()),
 *  `socket-closed`, `timeout`, `sm-failed`, `policy`. A host's own error is kept as `cause`. */
export class ConnectionError extends SpimeError {}

/** What the client was waiting for when a deadline passed (issue 9, item 3: every wait on the
 *  peer has one). `connect`: TCP (and the handshake, for direct TLS); `tls`: the STARTTLS
 *  handshake; `features`: a stream header and its features; the others: the answer to that step. */
export type TimeoutStep = 'connect' | 'tls' | 'features' | 'starttls' | 'sasl' | 'resume' | 'bind' | 'session' | 'enable' | 'close' | 'register';

/** A deadline passed while waiting on the peer: `connection-timeout`, retried at backoff pace. */
export class TimeoutError extends ConnectionError {
  readonly step: TimeoutStep;
  readonly timeoutMs: number;
  constructor(step: TimeoutStep, timeoutMs: number) {
    super('connection-timeout', `no answer from the server within ${timeoutMs} ms (waiting for: ${step})`);
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}
