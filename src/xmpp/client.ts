// The XMPP client: all wiring in one place. Order of one connection (RFC 6120 §9 walks the same):
//   1. connect the transport (direct TLS, XEP-0368, or plain TCP)
//   2-4. negotiate.ts: STARTTLS (§5), SASL (§6), restart with <resume/> (XEP-0198 §5) or
//      <bind/> (§7), each step pipelined as far as the RFC allows; <enable/> and initial
//      presence once the post-auth features are in (#afterFeatures)
//   5. online: stanzas routed — SM nonzas, iq answers (tracker), iq requests (handlers:
//      ping, disco#info, time, extensions'), everything else to `stanza` listeners
// Then keepalive pings, and reconnect with backoff when the link drops.
import type { HashCrypto } from '../crypto/crypto.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { Clock, TimerHandle } from './clock.js';
import { Disco, type Identity } from './disco.js';
import { withDeadline } from './deadline.js';
import { ConnectionError, NS_STREAMS, StanzaError, StreamError, TimeoutError } from './errors.js';
import { registerEntityTime, parseUtc, timeRequest } from './entity-time.js';
import { Emitter } from './events.js';
import { IqHandlers, type IqHandler } from './iq-handlers.js';
import { IqTracker, randomId } from './iq-tracker.js';
import { bareJid, formatJid, parseJid, type Jid } from './jid.js';
import { NS_PING, pingElement, registerPing } from './ping.js';
import { NS_STREAM, StreamReader } from './reader.js';
import { negotiate, type Negotiation, type ServerMemory } from './negotiate.js';
import {
  Backoff, DEFAULT_MAX_REDIRECTS, DEFAULT_PERMANENT_RETRY_MS, DEFAULT_STABLE_MS, classifyFailure, parseHostPort, type ReconnectOptions,
} from './reconnect.js';
import type { ScramCache } from './sasl-scram.js';
import { NS_SM, StreamManagement, isStanza } from './stream-management.js';
import type { XmlStream } from './stream.js';

export interface ClientOptions {
  jid: string;
  password: string;
  /** Requested resource; the server may assign another (RFC 6120 §7.6). */
  resource?: string;
  /** Where to connect; default: the JID's domain (no SRV lookup in src/). */
  host?: string;
  port?: number;
  /** XEP-0368: TLS from the first byte (port 5223 usually). */
  directTls?: boolean;
  /** Name the certificate must carry (and SNI); default the JID's domain (RFC 6120 §13.7.2.1). */
  servername?: string;
  /** A fresh element stream per connection attempt (host transport + XML codec). */
  createStream: () => XmlStream;
  clock: Clock;
  crypto: HashCrypto;
  /** PLAIN only over TLS and only if true. */
  allowPlain?: boolean;
  /** XEP-0198; default true. */
  streamManagement?: boolean;
  maxUnacked?: number;
  maxPendingIq?: number;
  /** Deadlines on the peer, ms (each default 15000): the TCP connect (with the handshake for
   *  direct TLS), the STARTTLS handshake, and each negotiation step — every answer awaited from
   *  stream header to bind, and the <enabled/> answering <enable/>. A passed deadline is a
   *  TimeoutError (`connection-timeout`, with the `step`), and a retry at backoff pace. */
  connectTimeoutMs?: number;
  tlsTimeoutMs?: number;
  negotiationTimeoutMs?: number;
  /** How long stop() waits for the server's </stream:stream> before closing anyway (default 2000). */
  closeTimeoutMs?: number;
  iqTimeoutMs?: number;
  /** XEP-0199 ping to the server after this much silence, ms (0: never; default 60000). */
  keepaliveMs?: number;
  /** Send initial presence (RFC 6121 §4.2) once online; default true. */
  presence?: boolean;
  /** false: no automatic reconnect. */
  reconnect?: ReconnectOptions | false;
  /** SCRAM iteration counts accepted (RFC 5802 §9: a hostile server can make PBKDF2 cost what it
   *  likes). Default 4096 (RFC 7677 §4's floor) to 100_000 (10× Prosody 0.12's 10000). */
  minScramIterations?: number;
  maxScramIterations?: number;
  /** The SCRAM keys (RFC 5802 §5.1 cache) to start from, e.g. kept from an earlier run; the client
   *  updates this object when the server's salt or count changes. Default: a fresh, empty one. */
  scramCache?: ScramCache;
  identity?: Identity;
}

export type ClientStatus = 'offline' | 'connecting' | 'online' | 'stopping' | 'stopped';

export type ClientEvents = {
  /** Session up; `resumed` when XEP-0198 resumed the previous one (nothing was lost). */
  online: (jid: string, resumed: boolean) => void;
  offline: (error?: Error) => void;
  /** message/presence (and iq not otherwise handled by type) addressed to us. */
  stanza: (el: XmlElement) => void;
  /** Stanzas sent but not confirmed by the server when a session was lost without resumption
   *  (XEP-0198 §5 failed / no SM). The application decides to resend them (e.g. from flash). */
  unconfirmed: (stanzas: XmlElement[]) => void;
  /** Every failure, typed: negotiation, auth, stream error, transport. */
  error: (error: Error) => void;
  /** The next attempt is in `delayMs`: `backoff` after a transient failure, `redirect` for a
   *  see-other-host followed, `permanent` at the slow cadence after a permanent one. */
  reconnecting: (delayMs: number, attempt: number, kind: 'backoff' | 'redirect' | 'permanent') => void;
  /** Post-bind stream features, for extensions (e.g. CSI). */
  features: (features: XmlElement) => void;
  /** Every element received / written once online (debugging, tracing). */
  input: (el: XmlElement) => void;
  output: (el: XmlElement) => void;
};


export class Client extends Emitter<ClientEvents> {
  readonly #o: ClientOptions;
  readonly #jid: Jid;
  readonly handlers = new IqHandlers();
  readonly disco: Disco;
  readonly iq: IqTracker;
  readonly #sm: StreamManagement;
  readonly #scramCache: ScramCache;
  readonly #backoff: Backoff;
  #stream: XmlStream | undefined;
  #status: ClientStatus = 'offline';
  #boundJid = '';
  #memory: ServerMemory | undefined;
  #redirect: { host: string; port: number } | undefined;
  /** see-other-host redirects followed since the last healthy session or other failure. */
  #redirects = 0;
  /** Whether the last input from the server came over TLS (its certificate verified). */
  #inputSecure = false;
  #onlineSince = 0;
  /** When the outstanding keepalive probe went out (undefined: none). */
  #probeAt: number | undefined;
  #retryTimer: TimerHandle | undefined;
  #keepaliveTimer: TimerHandle | undefined;
  #enableTimer: TimerHandle | undefined;
  #lastReceived = 0;
  #timeOffset = 0;
  #timeSynced = false;
  #startWaiters: Array<{ resolve: (jid: string) => void; reject: (e: Error) => void }> = [];
  #stopWaiter: (() => void) | undefined;
  #pendingFeatures: XmlElement | undefined;
  readonly #featureHandlers: Array<{ name: string; xmlns: string; handler: (feature: XmlElement) => void }> = [];
  /** Round trips spent waiting on the server in the last negotiation (for benchmarks). */
  roundTrips = 0;
  /** The SASL mechanism of the last login (e.g. SCRAM-SHA-256-PLUS). */
  lastMechanism = '';

  constructor(o: ClientOptions) {
    super();
    this.#o = o;
    this.#jid = parseJid(o.jid);
    this.#scramCache = o.scramCache ?? {};
    this.#sm = new StreamManagement({ maxUnacked: o.maxUnacked });
    this.#backoff = new Backoff(o.reconnect || {});
    this.iq = new IqTracker({
      clock: o.clock,
      send: (el) => this.send(el),
      self: () => ({ full: this.#boundJid, bare: bareJid(this.#jid), domain: this.#jid.domain }),
      timeoutMs: o.iqTimeoutMs,
      maxPending: o.maxPendingIq,
      newId: () => randomId(o.crypto),
    });
    this.disco = new Disco(o.identity);
    this.disco.register(this.handlers);
    registerPing(this.handlers);
    this.disco.addFeature(NS_PING);
    registerEntityTime(this.handlers, o.clock, () => this.#timeSynced, () => this.#timeOffset);
    this.disco.addFeature('urn:xmpp:time');
  }

  get status(): ClientStatus { return this.#status; }
  get jid(): string { return this.#boundJid; }
  get domain(): string { return this.#jid.domain; }
  /** Stanzas the server has not acknowledged yet (XEP-0198). */
  get unacked(): readonly XmlElement[] { return this.#sm.unacked; }
  get smEnabled(): boolean { return this.#sm.receiving; }

  /** Extensions act on a post-auth stream feature (name, xmlns) when the server offers it, on
   *  every new session (e.g. XEP-0352 CSI), without editing the core. */
  registerFeature(name: string, xmlns: string, handler: (feature: XmlElement) => void): void {
    this.#featureHandlers.push({ name, xmlns, handler });
  }

  /** Extensions answer iq requests through this (never by editing the core). */
  registerIq(type: 'get' | 'set', name: string, xmlns: string, handler: IqHandler, discoFeature?: string): void {
    this.handlers.register(type, name, xmlns, handler);
    if (discoFeature) this.disco.addFeature(discoFeature);
  }

  /** Connects and resolves with the bound JID when first online. Rejects on a permanent failure
   *  (credentials refused, a certificate that does not verify; the client goes on retrying at the
   *  slow cadence until stop()), or on any failure when reconnect is off. While a retry is
   *  scheduled it waits for that attempt: calling start() never bypasses the backoff. */
  start(): Promise<string> {
    if (this.#status === 'online') return Promise.resolve(this.#boundJid);
    const p = new Promise<string>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
    if (this.#retryTimer === undefined && (this.#status === 'offline' || this.#status === 'stopped')) {
      this.#backoff.reset();
      this.#redirects = 0;
      this.#status = 'offline';
      void this.#connect();
    }
    return p;
  }

  /** Writes a stanza (or nonza). Throws `not-connected` when offline and `resource-constraint`
   *  when XEP-0198's unacked queue is full — in both cases nothing was written. */
  send(el: XmlElement): void {
    if (this.#status !== 'online' || !this.#stream) throw new ConnectionError('not-connected', 'the client is not online');
    this.#write(el);
  }

  /** iq get/set → result iq, or StanzaError/ConnectionError. */
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement> {
    return this.iq.request(iq, timeoutMs);
  }

  /** XEP-0199 §4.2: ping the server (or `to`); resolves with the round trip in ms. */
  async ping(to: string = this.#jid.domain, timeoutMs?: number): Promise<number> {
    const t0 = this.#o.clock.now();
    try {
      await this.request(pingElement(to), timeoutMs);
    } catch (e) {
      // §4.2: a server that does not know ping still answers: the link is alive
      if (!(e instanceof StanzaError && (e.condition === 'service-unavailable' || e.condition === 'feature-not-implemented'))) throw e;
    }
    return this.#o.clock.now() - t0;
  }

  /** XEP-0202: the server's time, corrected by half the round trip; also sets the client's clock
   *  offset used to answer time queries. Returns ms since the epoch. */
  async syncTime(to: string = this.#jid.domain): Promise<number> {
    const t0 = this.#o.clock.now();
    const res = await this.request(timeRequest(to));
    const t1 = this.#o.clock.now();
    const now = parseUtc(res) + (t1 - t0) / 2;
    this.#timeOffset = now - t1;
    this.#timeSynced = true;
    return now;
  }

  /** Clean shutdown: acknowledge what we handled (XEP-0198), close the stream, no reconnect. */
  stop(): Promise<void> {
    this.#clearTimers();
    if (this.#status === 'stopped' || this.#status === 'offline') {
      this.#status = 'stopped';
      this.#rejectStart(new ConnectionError('stopped', 'stop() was called'));
      return Promise.resolve();
    }
    const stream = this.#stream;
    this.#status = 'stopping';
    return new Promise<void>((resolve) => {
      const timer = this.#o.clock.setTimeout(() => stream?.close(), this.#o.closeTimeoutMs ?? 2000);
      this.#stopWaiter = () => { this.#o.clock.clearTimeout(timer); resolve(); };
      try {
        if (this.#sm.receiving) stream?.send(this.#sm.ackElement());
        stream?.end();
      } catch { stream?.close(); }
      if (!stream) this.#closed(undefined);
    });
  }

  // --- one connection ---

  async #connect(): Promise<void> {
    this.#status = 'connecting';
    const o = this.#o;
    const target = this.#redirect ?? { host: o.host ?? this.#jid.domain, port: o.port ?? (o.directTls ? 5223 : 5222) };
    this.#redirect = undefined;
    const stream = o.createStream();
    const reader = new StreamReader(o.clock, o.negotiationTimeoutMs ?? 15000);
    this.#stream = stream;
    this.#inputSecure = false;
    this.roundTrips = 0;
    // during negotiation the reader queues; once online it hands every element to #route
    const handler = {
      streamStart: (attrs: Record<string, string>) => {
        if (this.#stream !== stream) return;
        this.#inputSecure = stream.secure;
        reader.push({ kind: 'start', attrs });
      },
      element: (el: XmlElement) => {
        if (this.#stream !== stream) return;
        this.#inputSecure = stream.secure;
        this.#lastReceived = o.clock.now();
        reader.push({ kind: 'element', el });
      },
      streamEnd: () => {
        if (this.#stream !== stream) return;
        if (this.#status === 'stopping') stream.close();
        // a <stream:error/> just before the close is the reason, not the close itself
        else this.#fail(stream, reader.failed ?? new ConnectionError('socket-closed', 'server closed the stream'));
      },
      close: (error?: Error) => {
        const why = reader.failed ?? error;
        reader.fail(error ?? new ConnectionError('socket-closed', 'connection closed'));
        if (this.#stream === stream) this.#closed(why);
      },
    };
    try {
      const connectTimeoutMs = o.connectTimeoutMs ?? 15000;
      await withDeadline(o.clock, connectTimeoutMs, 'connect', stream.connect({
        host: target.host, port: target.port, directTls: !!o.directTls, servername: o.servername ?? this.#jid.domain,
        connectTimeoutMs, tlsTimeoutMs: o.tlsTimeoutMs ?? 15000,
      }, handler));
      const stats = { roundTrips: o.directTls ? 2 : 1, mechanism: '' }; // TCP (+ TLS handshake)
      const n: Negotiation = {
        stream, reader, o, starttls: !o.directTls, domain: this.#jid.domain, bare: bareJid(this.#jid), local: this.#jid.local,
        sm: this.#sm, scramCache: this.#scramCache, memory: this.#memory, stats, jid: this.#boundJid,
        write: (el) => this.#write(el, stream),
        lostSession: (lost) => this.#lostSession(lost),
        afterFeatures: (features, fresh) => this.#afterFeatures(stream, features, fresh),
        newId: () => randomId(o.crypto),
      };
      let resumed: boolean;
      try {
        resumed = await negotiate(n);
      } finally {
        this.#memory = n.memory;
        this.roundTrips = stats.roundTrips;
        this.lastMechanism = stats.mechanism;
      }
      // the link may have dropped after the last negotiation read: #closed has dealt with it
      if (this.#stream !== stream) return;
      this.#boundJid = n.jid;
      this.#online(stream, reader, resumed);
    } catch (e) {
      this.#fail(stream, e as Error);
    }
  }

  /** After the post-auth features: <enable/> (XEP-0198 §3) and initial presence, written at once. */
  #afterFeatures(stream: XmlStream, features: XmlElement, fresh: boolean): void {
    if (fresh) {
      if (this.#o.streamManagement !== false && features.getChild('sm', NS_SM)) {
        stream.send(this.#sm.enableElement());
        // a server silent after <enable/> would leave us queueing unacknowledged stanzas forever
        const ms = this.#o.negotiationTimeoutMs ?? 15000;
        this.#enableTimer = this.#o.clock.setTimeout(() => { this.#enableTimer = undefined; this.#fail(stream, new TimeoutError('enable', ms)); }, ms);
      }
      if (this.#o.presence !== false) this.#write(xml('presence'), stream);
    }
    this.emit('features', features);
    this.#pendingFeatures = fresh ? features : undefined;
  }

  #online(stream: XmlStream, reader: StreamReader, resumed: boolean): void {
    this.#status = 'online';
    this.#onlineSince = this.#o.clock.now();
    this.#lastReceived = this.#onlineSince;
    this.#probeAt = undefined;
    this.#scheduleKeepalive();
    this.emit('online', this.#boundJid, resumed);
    const features = this.#pendingFeatures;
    this.#pendingFeatures = undefined;
    if (features) for (const f of this.#featureHandlers) { const el = features.getChild(f.name, f.xmlns); if (el) f.handler(el); }
    const waiters = this.#startWaiters;
    this.#startWaiters = [];
    for (const w of waiters) w.resolve(this.#boundJid);
    // what arrived after the last negotiation read (<enabled/>, the queue resent after
    // <resumed/>) is routed now, in order, and every later element as it comes
    const route = (el: XmlElement) => {
      if (this.#stream !== stream) return;
      try { this.#route(el); } catch (e) { this.#fail(stream, e as Error); }
    };
    try { reader.handoff(route); } catch (e) { this.#fail(stream, e as Error); }
  }

  #lostSession(unconfirmed: XmlElement[]): void {
    this.iq.rejectAll(new ConnectionError('session-lost', 'the session ended before an answer came'));
    if (unconfirmed.length) this.emit('unconfirmed', unconfirmed);
  }

  #write(el: XmlElement, stream = this.#stream!): void {
    const stanza = isStanza(el);
    if (stanza) this.#sm.track(el);
    stream.send(el);
    this.emit('output', el);
    if (stanza && this.#sm.wantsRequest()) stream.send(xml('r', { xmlns: NS_SM }));
  }

  #route(el: XmlElement): void {
    const stream = this.#stream!;
    this.emit('input', el);
    if (el.ns === NS_SM) {
      if (el.name === 'enabled' || el.name === 'failed') this.#clearEnableTimer();
      if (el.name === 'enabled') return this.#sm.onEnabled(el);
      if (el.name === 'failed') { const lost = this.#sm.onEnableFailed(); if (lost.length) this.emit('unconfirmed', lost); return; }
      const reply = this.#sm.handle(el);
      if (reply) stream.send(reply);
      return;
    }
    if (el.ns === NS_STREAM && el.name === 'error') throw StreamError.fromElement(el);
    if (!isStanza(el)) return; // unknown nonza: ignore (RFC 6120 §8 leaves them to extensions)
    this.#sm.countInbound();
    if (el.name === 'iq') {
      const type = el.attr('type');
      if (type === 'get' || type === 'set') { void this.handlers.handle(el, (r) => this.#safeSend(r)); return; }
      if (this.iq.handle(el)) return;
    }
    this.emit('stanza', el);
  }

  #safeSend(el: XmlElement): void {
    try { this.send(el); } catch { /* offline or queue full: the requester times out */ }
  }

  /** XEP-0199 §4.2 link supervision: after `keepaliveMs` of silence, probe; the link is dead only
   *  when nothing at all arrives within the deadline. Any answer proves it alive, an error iq
   *  too, and a full local table or queue is back-pressure, never link death: the ping takes a
   *  reserved slot in the iq table, and when XEP-0198's queue is full an <r/> probes instead. */
  #scheduleKeepalive(delay?: number): void {
    const every = this.#o.keepaliveMs ?? 60000;
    if (!every) return;
    this.#keepaliveTimer = this.#o.clock.setTimeout(() => {
      this.#keepaliveTimer = undefined;
      const stream = this.#stream;
      if (this.#status !== 'online' || !stream) return;
      const now = this.#o.clock.now();
      if (this.#probeAt !== undefined) {
        if (this.#lastReceived < this.#probeAt) return this.#fail(stream, new ConnectionError('connection-timeout', 'nothing received after the keepalive ping'));
        this.#probeAt = undefined;
      }
      const idle = now - this.#lastReceived;
      if (idle < every) return this.#scheduleKeepalive(every - idle);
      const deadline = Math.min(every, 30000);
      this.#probeAt = now;
      this.iq.request(pingElement(this.#jid.domain), deadline, { reserved: true }).catch((e) => {
        if (!(e instanceof ConnectionError && e.condition === 'resource-constraint') || this.#stream !== stream || !this.#sm.receiving) return;
        try { stream.send(xml('r', { xmlns: NS_SM })); } catch { /* gone: the close handler tells */ }
      });
      this.#scheduleKeepalive(deadline);
    }, delay ?? every);
  }

  #fail(stream: XmlStream, error: Error): void {
    if (this.#stream !== stream) return;
    // RFC 6120 §4.9.1.1: a fault we found in the server's stream (not one it sent us) is named
    // to it in a <stream:error/> before the close. The XML layer's own faults are sent there.
    if (error instanceof StreamError && error.local) {
      try {
        stream.send(xml('error', { xmlns: NS_STREAM }, xml(error.condition, { xmlns: NS_STREAMS })));
        stream.end();
      } catch { /* already gone */ }
    }
    this.#closed(error);
    try { stream.close(); } catch { /* already gone */ }
  }

  /** The connection is gone (error or not): tell, then stop or retry. */
  #closed(error: Error | undefined): void {
    if (!this.#stream) return;
    const authenticated = this.#inputSecure;
    this.#stream = undefined;
    this.#clearTimers();
    const wasStopping = this.#status === 'stopping';
    const wasOnline = this.#status === 'online';
    const r = this.#o.reconnect || {};
    if (wasOnline && this.#o.clock.now() - this.#onlineSince >= (r.stableMs ?? DEFAULT_STABLE_MS)) {
      this.#backoff.reset();
      this.#redirects = 0;
    }
    // RFC 6120 §4.9.3.19, followed only when it came over TLS: in the clear anyone could send it
    let redirect: { host: string; port: number } | undefined;
    if (error instanceof StreamError && error.condition === 'see-other-host' && error.redirect && authenticated) {
      redirect = parseHostPort(error.redirect, this.#o.port ?? (this.#o.directTls ? 5223 : 5222));
    }
    if (wasStopping) {
      this.#status = 'stopped';
      // XEP-0198: a clean close ends the SM session; what is unacked is reported
      this.#lostSession(this.#sm.reset());
      this.#rejectStart(new ConnectionError('stopped', 'stop() was called'));
      this.emit('offline', undefined);
      this.#stopWaiter?.();
      this.#stopWaiter = undefined;
      return;
    }
    // the link dropped (a clean TCP close included) without stop(): that is an error to report
    if (!error) error = new ConnectionError('connection-lost', 'the connection dropped');
    this.#status = 'offline';
    if (this.#o.streamManagement === false || !this.#sm.canResume) { if (wasOnline || this.#sm.unacked.length) this.#lostSession(this.#sm.reset()); }
    if (error) this.emit('error', error);
    this.emit('offline', error);
    const kind = redirect ? 'redirect' : classifyFailure(error, authenticated);
    const slow = r.permanentRetryMs ?? DEFAULT_PERMANENT_RETRY_MS;
    if (this.#o.reconnect === false || (kind === 'permanent' && slow === false)) {
      this.#status = 'stopped';
      this.#lostSession(this.#sm.reset());
      this.#rejectStart(error);
      return;
    }
    let delay: number;
    if (kind === 'permanent') {
      // the server will say the same for hours: what it had not confirmed is reported now
      this.#lostSession(this.#sm.reset());
      this.#rejectStart(error);
      this.#redirects = 0;
      delay = this.#backoff.jitter(slow as number);
    } else if (kind === 'redirect') {
      this.#redirect = redirect;
      delay = ++this.#redirects <= (r.maxRedirects ?? DEFAULT_MAX_REDIRECTS) ? 0 : this.#backoff.next();
    } else {
      this.#redirects = 0;
      delay = this.#backoff.next();
    }
    this.emit('reconnecting', delay, this.#backoff.attempt, kind === 'transient' ? 'backoff' : kind);
    this.#retryTimer = this.#o.clock.setTimeout(() => { this.#retryTimer = undefined; if (this.#status === 'offline') void this.#connect(); }, delay);
  }

  #rejectStart(error: Error): void {
    const waiters = this.#startWaiters;
    this.#startWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  #clearTimers(): void {
    if (this.#retryTimer !== undefined) this.#o.clock.clearTimeout(this.#retryTimer);
    if (this.#keepaliveTimer !== undefined) this.#o.clock.clearTimeout(this.#keepaliveTimer);
    this.#retryTimer = this.#keepaliveTimer = undefined;
    this.#clearEnableTimer();
  }

  #clearEnableTimer(): void {
    if (this.#enableTimer !== undefined) this.#o.clock.clearTimeout(this.#enableTimer);
    this.#enableTimer = undefined;
  }
}

export { formatJid };
