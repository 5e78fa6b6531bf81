// XEP-0114 (Jabber Component Protocol) on Node: a trusted service (the key service, a test peer)
// attached to a server's component port as its own domain (e.g. keys.<host>).
//   §3: stream to 'jabber:component:accept', the server answers with a stream id, the component
//   proves the shared secret with <handshake>hex(SHA-1(id ‖ secret))</handshake>, the server
//   acknowledges with an empty <handshake/> (or a stream error).
// Bytes go through the project's own transport (hosts/node/transport.ts, plain TCP: component
// ports are loopback/trusted links, XEP-0114 has no TLS) and XML layer, as the client's do.
import { createHash, randomBytes } from 'node:crypto';
import { XmlTokenizer, writeElement, writeStreamClose, writeStreamOpen, xml, type XmlElement } from '../../src/xml/index.js';
import { NodeTransport } from './transport.js';
import { sameJid } from '../../src/openspime/jid.js';
import './xml-engine.js';

export const NS_COMPONENT = 'jabber:component:accept';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

export interface ComponentOptions {
  /** The component's domain, e.g. keys.spimekit.test. */
  domain: string;
  secret: string;
  port: number;
  host?: string;
  /** Connect + handshake deadline, and default iq timeout (ms). Default 5000. */
  timeoutMs?: number;
  /** Requests awaiting an answer at once; beyond, `request` rejects at once. Default 256. */
  maxPending?: number;
}

interface Pending { to: string; resolve: (el: XmlElement) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }


/** Answers an iq get/set: the reply iq, or undefined for service-unavailable (RFC 6120 §8.4). */
export type ComponentIqHandler = (iq: XmlElement) => XmlElement | undefined | Promise<XmlElement | undefined>;

export class ExternalComponent {
  readonly domain: string;
  readonly #o: ComponentOptions;
  readonly #transport = new NodeTransport();
  readonly #stanzaHandlers: Array<(el: XmlElement) => void> = [];
  readonly #pending = new Map<string, Pending>();
  #iqHandler: ComponentIqHandler | undefined;
  #closed = false;
  #closeWaiters: Array<() => void> = [];

  private constructor(o: ComponentOptions) {
    this.#o = o;
    this.domain = o.domain;
  }

  /** Connects and resolves once the server accepted the handshake; rejects otherwise. */
  static connect(o: ComponentOptions): Promise<ExternalComponent> {
    return new ExternalComponent(o).#start();
  }

  /** Called for every stanza except iq results/errors to our own requests and iq get/set. */
  onStanza(handler: (el: XmlElement) => void): void {
    this.#stanzaHandlers.push(handler);
  }

  /** The one iq get/set handler; iqs it declines get service-unavailable, never silence. */
  onIq(handler: ComponentIqHandler): void {
    this.#iqHandler = handler;
  }

  send(el: XmlElement): void {
    // XEP-0114 §3: the component stamps its own 'from' (servers refuse stanzas without one)
    if (el.attr('from') === undefined) el.attrs.from = this.domain;
    this.#transport.write(writeElement(el, NS_COMPONENT));
  }

  /**
   * iq get/set → the answer (result or error iq) from the entity it was sent to (RFC 6120 §8.2.3:
   * same id, from = our request's to); rejects on timeout or close. Ids are random, so another
   * entity can neither guess a pending one nor have its answer taken for the addressee's.
   */
  request(iq: XmlElement, timeoutMs = this.#o.timeoutMs ?? 5000): Promise<XmlElement> {
    const to = iq.attr('to');
    // XEP-0114: a component's stanzas are routed by 'to'; without one, no answer could be matched.
    if (to === undefined) return Promise.reject(new Error(`component ${this.domain}: iq request without 'to'`));
    if (this.#pending.size >= (this.#o.maxPending ?? 256)) return Promise.reject(new Error(`component ${this.domain}: ${this.#pending.size} iq requests already pending`));
    let id = iq.attr('id');
    if (!id || this.#pending.has(id)) iq.attrs.id = id = 'c' + randomBytes(12).toString('base64url');
    const key = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#pending.delete(key); reject(new Error(`component ${this.domain}: no answer to iq ${key}`)); }, timeoutMs);
      this.#pending.set(key, { to, resolve, reject, timer });
      try {
        this.send(iq);
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(key);
        reject(e as Error);
      }
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#closeWaiters.push(resolve);
      try { this.#transport.write(writeStreamClose()); } catch { /* already gone */ }
      this.#transport.close();
    });
  }

  #start(): Promise<ExternalComponent> {
    const o = this.#o;
    let ready = false;
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(timer);
        if (!ready) { ready = true; reject(e); }
        this.#transport.close();
      };
      const timer = setTimeout(() => fail(new Error(`component ${o.domain}: no handshake within ${o.timeoutMs ?? 5000} ms`)), o.timeoutMs ?? 5000);
      const tokenizer = new XmlTokenizer({
        streamStart: (header) => {
          const digest = createHash('sha1').update((header.attr('id') ?? '') + o.secret).digest('hex');
          this.#transport.write(writeElement(xml('handshake', null, digest), NS_COMPONENT));
        },
        stanza: (el) => {
          if (ready) return this.#route(el);
          if (el.name === 'handshake' && el.ns === NS_COMPONENT) { ready = true; clearTimeout(timer); resolve(this); return; }
          fail(new Error(`component ${o.domain}: handshake refused: ${el.getChildren().map((c) => c.name).join(' ') || el.name}`));
        },
        streamEnd: () => this.#transport.close(),
      });
      this.#transport.connect({ host: o.host ?? '127.0.0.1', port: o.port, servername: o.domain }, {
        data: (bytes) => {
          try { tokenizer.feed(bytes); } catch (e) { fail(e as Error); }
        },
        close: (error) => {
          this.#closed = true;
          fail(error ?? new Error(`component ${o.domain}: connection closed`));
          for (const [, p] of this.#pending) { clearTimeout(p.timer); p.reject(new Error(`component ${this.domain}: closed`)); }
          this.#pending.clear();
          for (const w of this.#closeWaiters.splice(0)) w();
        },
      }).then(() => {
        this.#transport.write(writeStreamOpen({ to: o.domain, ns: NS_COMPONENT }));
      }, fail);
    });
  }

  #route(el: XmlElement): void {
    const type = el.attr('type');
    if (el.name === 'iq' && (type === 'result' || type === 'error')) {
      const id = el.attr('id');
      const p = id === undefined ? undefined : this.#pending.get(id);
      if (p && this.#answers(p, el.attr('from'))) { this.#pending.delete(id!); clearTimeout(p.timer); p.resolve(el); return; }
    }
    if (el.name === 'iq' && (type === 'get' || type === 'set')) { void this.#answer(el); return; }
    for (const h of this.#stanzaHandlers) h(el);
  }

  /** RFC 6120 §8.2.3: the answer comes from the entity asked (the server stamps 'from' on what it routes to us). */
  #answers(p: Pending, from: string | undefined): boolean {
    return from !== undefined && sameJid(from, p.to);
  }

  async #answer(iq: XmlElement): Promise<void> {
    let reply: XmlElement | undefined;
    try {
      reply = await this.#iqHandler?.(iq);
    } catch {
      reply = errorReply(iq, 'wait', 'internal-server-error');
    }
    if (this.#closed) return;
    this.send(reply ?? errorReply(iq, 'cancel', 'service-unavailable'));
  }
}

function errorReply(iq: XmlElement, type: string, condition: string): XmlElement {
  return xml('iq', { type: 'error', id: iq.attr('id'), to: iq.attr('from'), from: iq.attr('to') },
    xml('error', { type }, xml(condition, { xmlns: NS_STANZAS })));
}
