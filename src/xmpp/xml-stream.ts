// XmlStream over a byte Transport: the xml branch's tokenizer turns bytes into stream events, its
// writer turns elements into bytes. RFC 6120 §4.3.3: on each restart (after STARTTLS and after
// SASL success) both sides start a new stream, so `open()` resets the tokenizer.
import { XmlTokenizer, writeElement, writeStreamClose, writeStreamOpen, type XmlElement } from '../xml/index.js';
import type { XmlTokenizerOptions } from '../xml/tokenizer.js';
import { utf8Encode } from './bytes.js';
import { NS_STREAMS, StreamError } from './errors.js';
import type { StreamHandler, XmlStream } from './stream.js';
import type { ChannelBindingType, ConnectOptions, Transport } from './transport.js';

export class TransportXmlStream implements XmlStream {
  readonly #transport: Transport;
  readonly #tokenizer: XmlTokenizer;
  #handler: StreamHandler | undefined;
  #feeding = false;
  #resetPending = false;
  #closed = false;

  constructor(transport: Transport, limits: XmlTokenizerOptions = {}) {
    this.#transport = transport;
    this.#tokenizer = new XmlTokenizer({
      streamStart: (header) => this.#handler?.streamStart(header.attrs),
      stanza: (el) => this.#handler?.element(el),
      streamEnd: () => this.#handler?.streamEnd(),
    }, limits);
  }

  get secure(): boolean { return this.#transport.secure; }

  connect(options: ConnectOptions, handler: StreamHandler): Promise<void> {
    this.#handler = handler;
    return this.#transport.connect(options, {
      data: (bytes) => this.#data(bytes),
      close: (error) => { if (!this.#closed) { this.#closed = true; handler.close(error); } },
    });
  }

  open(attrs: { to: string; from?: string; 'xml:lang'?: string }): void {
    // a restart requested from inside a stanza callback waits until the current chunk is done
    if (this.#feeding) this.#resetPending = true;
    else this.#tokenizer.reset();
    this.#transport.write(writeStreamOpen({ to: attrs.to, from: attrs.from, lang: attrs['xml:lang'] }));
  }

  send(el: XmlElement): void {
    this.#transport.write(writeElement(el, 'jabber:client'));
  }

  end(): void {
    this.#transport.write(writeStreamClose());
  }

  startTls(): Promise<void> {
    this.#tokenizer.reset();
    return this.#transport.startTls();
  }

  channelBinding(type: ChannelBindingType): Uint8Array | undefined {
    return this.#transport.channelBinding?.(type);
  }

  close(): void {
    this.#transport.close();
  }

  #data(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#feeding = true;
    try {
      this.#tokenizer.feed(bytes);
    } catch (e) {
      // RFC 6120 §4.9: bad input (not-well-formed, restricted-xml, a limit passed:
      // policy-violation) ends the stream, and the entity that finds it says why with a
      // <stream:error/> before closing (§4.9.1.1), so the server's log shows our reason.
      const condition = (e as { condition?: string }).condition ?? 'not-well-formed';
      this.#closed = true;
      try {
        this.#transport.write(utf8Encode(`<stream:error><${condition} xmlns='${NS_STREAMS}'/></stream:error></stream:stream>`));
      } catch { /* transport already gone */ }
      this.#handler?.close(new StreamError(condition, (e as Error).message, undefined, true));
      this.#transport.close();
    } finally {
      this.#feeding = false;
      if (this.#resetPending) { this.#resetPending = false; this.#tokenizer.reset(); }
    }
  }
}
