// The element-level stream the session layer talks to: a byte transport plus the XML tokenizer and
// writer (xml-stream.ts). Kept as an interface so negotiation and routing are tested with scripted
// server elements (test/xmpp/fake-stream.ts) and no socket.
import type { XmlElement } from '../xml/element.js';
import type { ChannelBindingType, ConnectOptions } from './transport.js';

export interface StreamHandler {
  /** A stream header from the server (RFC 6120 §4.2), attributes as written. */
  streamStart(attrs: Record<string, string>): void;
  /** A top-level element: stanza or nonza. */
  element(el: XmlElement): void;
  /** The server's </stream:stream>. */
  streamEnd(): void;
  /** The connection is gone; `error` for a fault (socket, TLS, XML not-well-formed). */
  close(error?: Error): void;
}

export interface XmlStream {
  connect(options: ConnectOptions, handler: StreamHandler): Promise<void>;
  /** Write a stream header and reset the parser for the server's new stream (RFC 6120 §4.3.3 restart). */
  open(attrs: { to: string; from?: string; 'xml:lang'?: string }): void;
  send(el: XmlElement): void;
  /** Write </stream:stream> (RFC 6120 §4.4). */
  end(): void;
  startTls(): Promise<void>;
  readonly secure: boolean;
  channelBinding?(type: ChannelBindingType): Uint8Array | undefined;
  close(): void;
}
