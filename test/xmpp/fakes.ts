// Shared fakes for the portable client specs: a manual clock, and an in-memory element stream
// wired to a scripted server that answers like Prosody 0.12 does (features and elements copied
// from a real session, see test/xmpp/transcripts.ts), with a real server-side SCRAM computation so
// the client's proof is checked, not just echoed.
import { digest, hmac, pbkdf2, portableCrypto } from '../../src/crypto/portable.js';
import { Client, type ClientOptions } from '../../src/xmpp/client.js';
import { base64Decode, base64Encode, bytesEqual, utf8Decode, utf8Encode } from '../../src/xmpp/bytes.js';
import type { Clock } from '../../src/xmpp/clock.js';
import type { StreamHandler, XmlStream } from '../../src/xmpp/stream.js';
import type { ConnectOptions } from '../../src/xmpp/transport.js';
import { xml, type XmlElement } from '../../src/xml/element.js';

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): number { this.#timers.set(++this.#id, { at: this.t + ms, fn }); return this.#id; }
  clearTimeout(h: unknown): void { this.#timers.delete(h as number); }
  get pending(): number { return this.#timers.size; }
  /** Fires due timers in order, flushing microtasks between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

export async function flush(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

export const NS = {
  stream: 'http://etherx.jabber.org/streams', tls: 'urn:ietf:params:xml:ns:xmpp-tls', sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind', session: 'urn:ietf:params:xml:ns:xmpp-session', sm: 'urn:xmpp:sm:3', client: 'jabber:client',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
};

/** What the client wrote, grouped by "turn": everything written before the server next answered. */
export type Written = { kind: 'open' } | { kind: 'el'; el: XmlElement } | { kind: 'end' } | { kind: 'starttls' };

export interface ServerConfig {
  offerStarttls?: boolean;
  mechanisms?: string[];
  password?: string;
  salt?: Uint8Array;
  iterations?: number;
  /** Corrupt the server signature (an impostor that does not know the password). */
  lie?: boolean;
  sm?: boolean;
  /** Answer <resume/> with <failed/> (session expired on the server). */
  resumeFails?: boolean;
  boundJid?: string;
  /** XEP-0440 channel-binding types to advertise (and -PLUS mechanisms to add). */
  cbTypes?: string[];
  /** Post-auth features mark RFC 3921 <session/> required (no <optional/>): legacy servers. */
  sessionRequired?: boolean;
}

/** A Prosody-like c2s peer at element level; one instance per connection, the state shared. */
export class FakeServer {
  cfg: Required<ServerConfig>;
  /** All connections made, with their writes. */
  connections: FakeStream[] = [];
  /** Count of server answers the client had to wait for, per connection (round trips). */
  smSessions = new Map<string, { h: number }>();
  /** The first turn of each connection (see FakeStream.turns). */
  received: XmlElement[] = [];
  onStanza: ((el: XmlElement, conn: FakeStream) => void) | undefined;
  /** Delivered right behind <resumed/>, in the same batch (XEP-0198 §5: the unacknowledged queue). */
  afterResumed: XmlElement[] = [];
  /** Overrides the 'h' of <failed/> to <resume/> (e.g. higher than the client ever sent). */
  failedH: string | undefined;

  constructor(cfg: ServerConfig = {}) {
    this.cfg = {
      offerStarttls: true, mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN'], password: 'pencil',
      salt: utf8Encode('fixed salt 16 by'), iterations: 4096, lie: false, sm: true, resumeFails: false,
      boundJid: 'spime@example.net/sk1', cbTypes: [], sessionRequired: false, ...cfg,
    };
  }

  createStream = (): XmlStream => {
    const s = new FakeStream(this);
    this.connections.push(s);
    return s;
  };

  get last(): FakeStream { return this.connections[this.connections.length - 1]; }
}

export class FakeStream implements XmlStream {
  secure = false;
  handler!: StreamHandler;
  connectedTo: ConnectOptions | undefined;
  /** Writes, split into turns: a new turn starts when the server answers. */
  turns: Written[][] = [[]];
  closed = false;
  #phase: 'pre-tls' | 'tls' | 'authed' = 'pre-tls';
  #scram: { hash: 'sha1' | 'sha256'; clientFirstBare: string; serverFirst: string; nonce: string } | undefined;
  #smId: string | undefined;
  #inbound = 0;
  #smOn = false;
  /** Stanzas the server will not acknowledge (to test resend). */
  holdAcks = false;
  /** The network loses what the client writes from now on (the server never processes it). */
  dropIncoming = false;
  constructor(readonly server: FakeServer) {}

  async connect(options: ConnectOptions, handler: StreamHandler): Promise<void> {
    this.connectedTo = options;
    this.handler = handler;
    if (options.directTls) { this.secure = true; this.#phase = 'tls'; }
  }

  get all(): Written[] { return this.turns.flat(); }
  get sentElements(): XmlElement[] { return this.all.flatMap((w) => (w.kind === 'el' ? [w.el] : [])); }

  #write(w: Written): void {
    if (this.closed) throw new Error('write after close');
    this.turns[this.turns.length - 1].push(w);
  }

  /** Server → client, asynchronously like a socket. */
  deliver(...items: Array<XmlElement | { start: Record<string, string> } | 'end'>): void {
    void Promise.resolve().then(() => {
      if (this.closed) return;
      if (this.turns[this.turns.length - 1].length) this.turns.push([]);
      for (const it of items) {
        if (this.closed) return;
        if (it === 'end') this.handler.streamEnd();
        else if (it instanceof Object && 'start' in it) this.handler.streamStart(it.start);
        else this.handler.element(it as XmlElement);
      }
    });
  }

  open(attrs: { to: string }): void {
    this.#write({ kind: 'open' });
    const header = { start: { from: attrs.to, id: `s${this.server.connections.length}`, version: '1.0', 'xml:lang': 'en' } };
    const c = this.server.cfg;
    let features: XmlElement;
    if (this.#phase === 'pre-tls') {
      features = xml('stream:features', { xmlns: NS.stream }, c.offerStarttls ? xml('starttls', { xmlns: NS.tls }, xml('required')) : null,
        c.offerStarttls ? null : xml('mechanisms', { xmlns: NS.sasl }, c.mechanisms.map((m) => xml('mechanism', null, m))));
    } else if (this.#phase === 'tls') {
      features = xml('stream:features', { xmlns: NS.stream }, xml('mechanisms', { xmlns: NS.sasl }, c.mechanisms.map((m) => xml('mechanism', null, m))),
        c.cbTypes.length ? xml('sasl-channel-binding', { xmlns: 'urn:xmpp:sasl-cb:0' }, c.cbTypes.map((type) => xml('channel-binding', { type }))) : null);
    } else {
      features = xml('stream:features', { xmlns: NS.stream }, xml('bind', { xmlns: NS.bind }, xml('required')),
        xml('session', { xmlns: NS.session }, c.sessionRequired ? null : xml('optional')), c.sm ? xml('sm', { xmlns: NS.sm }, xml('optional')) : null);
    }
    features.name = 'features';
    this.deliver(header, features);
  }

  send(el: XmlElement): void {
    this.#write({ kind: 'el', el });
    if (!this.dropIncoming) this.#answer(el);
  }

  end(): void {
    this.#write({ kind: 'end' });
    this.deliver('end');
  }

  /** What the "TLS layer" of this fake gives for tls-exporter. */
  channelBinding(type: string): Uint8Array | undefined {
    return type === 'tls-exporter' && this.secure ? utf8Encode('EXPORTED-KEYING-MATERIAL-32BYTES') : undefined;
  }

  async startTls(): Promise<void> {
    this.#write({ kind: 'starttls' });
    this.secure = true;
    this.#phase = 'tls';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void Promise.resolve().then(() => this.handler.close());
  }

  /** The network dies (no </stream:stream>, no answer). */
  cut(error = new Error('ECONNRESET')): void {
    if (this.closed) return;
    this.closed = true;
    void Promise.resolve().then(() => this.handler.close(error));
  }

  #answer(el: XmlElement): void {
    const c = this.server.cfg;
    if (el.ns === NS.tls && el.name === 'starttls') return c.offerStarttls ? this.deliver(xml('proceed', { xmlns: NS.tls })) : undefined;
    if (el.ns === NS.sasl) return this.#sasl(el);
    if (el.ns === NS.sm) return this.#smNonza(el);
    if (this.#smOn && ['iq', 'message', 'presence'].includes(el.name)) this.#inbound++;
    if (el.name === 'iq' && el.getChild('bind', NS.bind)) {
      this.#phase = 'authed';
      return this.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: el.attr('id') }, xml('bind', { xmlns: NS.bind }, xml('jid', null, c.boundJid))));
    }
    if (el.name === 'iq' && el.getChild('session', NS.session)) {
      return this.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: el.attr('id') }));
    }
    this.server.received.push(el);
    this.server.onStanza?.(el, this);
  }

  #smNonza(el: XmlElement): void {
    if (el.name === 'enable') {
      this.#smOn = true;
      this.#inbound = 0;
      this.#smId = `sm-${this.server.connections.length}`;
      this.server.smSessions.set(this.#smId, { h: 0 });
      return this.deliver(xml('enabled', { xmlns: NS.sm, id: this.#smId, resume: 'true', max: 300 }));
    }
    if (el.name === 'r') { if (!this.holdAcks) this.deliver(xml('a', { xmlns: NS.sm, h: this.#inbound })); return; }
    if (el.name === 'resume') {
      const prev = this.server.connections[this.server.connections.length - 2];
      if (this.server.cfg.resumeFails || !prev) return this.deliver(xml('failed', { xmlns: NS.sm, h: this.server.failedH ?? (prev ? prev.#inbound : 0) }, xml('item-not-found', { xmlns: NS.stanzas })));
      this.#smOn = true;
      this.#inbound = prev.#inbound;
      this.#phase = 'authed';
      return this.deliver(xml('resumed', { xmlns: NS.sm, previd: el.attr('previd'), h: this.#inbound }), ...this.server.afterResumed);
    }
  }

  /** Server side of SCRAM (RFC 5802 §3) with the configured password, salt and count. */
  #sasl(el: XmlElement): void {
    const c = this.server.cfg;
    const fail = (cond: string) => this.deliver(xml('failure', { xmlns: NS.sasl }, xml(cond)));
    const data = el.text() === '=' ? '' : utf8Decode(base64Decode(el.text()));
    if (el.name === 'auth') {
      const mech = el.attr('mechanism')!;
      if (!c.mechanisms.includes(mech)) return fail('invalid-mechanism');
      if (mech === 'PLAIN') {
        const [, , pw] = data.split('\u0000');
        if (pw !== c.password) return fail('not-authorized');
        this.#phase = 'authed';
        return this.deliver(xml('success', { xmlns: NS.sasl }));
      }
      const clientFirstBare = data.slice(data.indexOf(',', data.indexOf(',') + 1) + 1);
      const nonce = /r=([^,]+)/.exec(clientFirstBare)![1] + 'SERVERNONCE';
      const serverFirst = `r=${nonce},s=${base64Encode(c.salt)},i=${c.iterations}`;
      this.#scram = { hash: mech.includes('256') ? 'sha256' : 'sha1', clientFirstBare, serverFirst, nonce };
      return this.deliver(xml('challenge', { xmlns: NS.sasl }, base64Encode(utf8Encode(serverFirst))));
    }
    if (el.name === 'response' && this.#scram) {
      const { hash, clientFirstBare, serverFirst } = this.#scram;
      const withoutProof = data.slice(0, data.lastIndexOf(',p='));
      const proof = base64Decode(data.slice(data.lastIndexOf(',p=') + 3));
      const salted = pbkdf2(hash, utf8Encode(c.password), c.salt, c.iterations, hash === 'sha1' ? 20 : 32);
      const clientKey = hmac(hash, salted, utf8Encode('Client Key'));
      const auth = utf8Encode(`${clientFirstBare},${serverFirst},${withoutProof}`);
      const sig = hmac(hash, digest(hash, clientKey), auth);
      const recovered = proof.map((b, i) => b ^ sig[i]);
      if (!bytesEqual(digest(hash, recovered), digest(hash, clientKey))) return fail('not-authorized');
      const serverSig = hmac(hash, hmac(hash, salted, utf8Encode('Server Key')), auth);
      if (c.lie) serverSig[0] ^= 1;
      this.#phase = 'authed';
      return this.deliver(xml('success', { xmlns: NS.sasl }, base64Encode(utf8Encode(`v=${base64Encode(serverSig)}`))));
    }
    fail('malformed-request');
  }
}

/** Crypto whose "random" bytes come from a seeded LCG: reproducible nonces and ids. */
export function seededCrypto(seed: number) {
  return portableCrypto((n) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255));
}

/** A client on `server` with a manual clock, no keepalive, deterministic backoff; its errors collected. */
export function fakeClient(crypto: ClientOptions['crypto'], server = new FakeServer(), extra: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const client = new Client({
    jid: 'spime@example.net', password: 'pencil', resource: 'sk1', createStream: () => server.createStream(), clock, crypto,
    keepaliveMs: 0, reconnect: { initialMs: 1000, maxMs: 8000, random: () => 0.5 }, ...extra,
  });
  const errors: Error[] = [];
  client.on('error', (e) => errors.push(e));
  return { server, clock, client, errors };
}
