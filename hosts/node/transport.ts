// The Transport interface (src/xmpp/transport.ts) on node:net and node:tls.
// - Certificate verification is always on (rejectUnauthorized is not an option); `ca` adds trust
//   anchors (a private CA) for the chain and the name check against `servername` (the XMPP domain,
//   RFC 6120 §13.7.2, also sent as SNI, XEP-0368 §3).
// - TCP_NODELAY, and writes made in one turn of the event loop go out as one write (one TLS
//   record): a pipelined header+<starttls/> or header+<bind/> must not be split, and with Nagle
//   small TLS writes stall ~40 ms against delayed ACKs.
// - STARTTLS upgrades the same socket in place (tls.connect({socket})).
// - Every wait on the peer has a deadline (TCP connect, TLS handshake, the peer's close) and
//   close() aborts a pending connect or handshake at once: a silent peer never holds a socket.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ChannelBindingType, ConnectOptions, Transport, TransportHandler } from '../../src/xmpp/transport.js';
import { ConnectionError, TimeoutError } from '../../src/xmpp/errors.js';
import { isCertificateFailure } from '../../src/xmpp/reconnect.js';

/** A Node socket/TLS error as the client's typed ConnectionError: `certificate` (a chain or name
 *  that does not verify: permanent, see classifyFailure), `tls-failed` (any other handshake or
 *  record failure, e.g. garbage after <proceed/>: transient), `connect-failed` (TCP), or
 *  `connection-lost` (ECONNRESET and the like once connected). Node's error is the `cause`; its
 *  `code` is kept for callers that log or match it. */
export class NodeTransportError extends ConnectionError {
  readonly code?: string;
  constructor(condition: string, cause: Error) {
    super(condition, cause.message);
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') this.code = code;
    Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true });
  }
}

type Phase = 'tcp' | 'tls' | 'open';

function typedError(e: Error, phase: Phase): Error {
  if (e instanceof ConnectionError) return e;
  if (isCertificateFailure(e)) return new NodeTransportError('certificate', e);
  const { code = '', syscall = '' } = e as { code?: string; syscall?: string };
  if (syscall === 'connect' || syscall === 'getaddrinfo') return new NodeTransportError('connect-failed', e);
  if (phase === 'tls' || /^ERR_(SSL|TLS)_/.test(code) || /SSL|TLS/.test(e.message)) return new NodeTransportError('tls-failed', e);
  return new NodeTransportError(phase === 'tcp' ? 'connect-failed' : 'connection-lost', e);
}

export interface NodeTransportOptions {
  /** PEM trust anchors; default: Node's bundled CAs. */
  ca?: string | string[];
  /** TCP connect (+ TLS handshake for direct TLS) deadline, ms (default 15000; ConnectOptions wins). */
  connectTimeoutMs?: number;
  /** STARTTLS handshake deadline, ms (default 15000; ConnectOptions wins). */
  tlsTimeoutMs?: number;
  /** Lowest TLS version accepted (default TLSv1.2). */
  minVersion?: tls.SecureVersion;
}

export class NodeTransport implements Transport {
  readonly #o: NodeTransportOptions;
  #raw: net.Socket | undefined;
  #socket: net.Socket | tls.TLSSocket | undefined;
  #handler: TransportHandler | undefined;
  #servername = '';
  #pending: Uint8Array[] = [];
  #flushScheduled = false;
  #closed = false;
  #upgrading = false;
  #tlsTimeoutMs = 15000;
  /** Rejects the pending connect or handshake (close() during one). */
  #abort: ((e: Error) => void) | undefined;

  constructor(o: NodeTransportOptions = {}) {
    this.#o = o;
  }

  get secure(): boolean { return this.#socket instanceof tls.TLSSocket && this.#socket.encrypted && !this.#upgrading; }

  connect(options: ConnectOptions, handler: TransportHandler): Promise<void> {
    this.#handler = handler;
    this.#servername = options.servername;
    this.#tlsTimeoutMs = options.tlsTimeoutMs ?? this.#o.tlsTimeoutMs ?? 15000;
    const ms = options.connectTimeoutMs ?? this.#o.connectTimeoutMs ?? 15000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new TimeoutError('connect', ms)), ms);
      const phase: Phase = options.directTls ? 'tls' : 'tcp';
      const fail = (e: Error) => { clearTimeout(timer); this.#abort = undefined; this.#destroy(); reject(typedError(e, phase)); };
      const done = () => { clearTimeout(timer); this.#abort = undefined; this.#ready(socket); resolve(); };
      this.#abort = fail;
      let socket: net.Socket | tls.TLSSocket;
      if (options.directTls) {
        socket = tls.connect({ host: options.host, port: options.port, ...this.#tlsOptions() }, done);
      } else {
        socket = net.connect({ host: options.host, port: options.port }, done);
      }
      socket.setNoDelay(true);
      this.#raw = socket;
      this.#socket = socket;
      socket.once('error', fail);
    });
  }

  write(bytes: Uint8Array): void {
    if (this.#closed || !this.#socket) throw new ConnectionError('socket-closed', 'write on a closed transport');
    this.#pending.push(bytes);
    if (!this.#flushScheduled && !this.#upgrading) {
      this.#flushScheduled = true;
      process.nextTick(() => this.#flush());
    }
  }

  startTls(): Promise<void> {
    const raw = this.#raw!;
    this.#flush();
    this.#upgrading = true;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    raw.removeAllListeners('error');
    return new Promise((resolve, reject) => {
      const ms = this.#tlsTimeoutMs;
      const timer = setTimeout(() => onError(new TimeoutError('tls', ms)), ms);
      const sock = tls.connect({ socket: raw, ...this.#tlsOptions() }, () => {
        clearTimeout(timer);
        this.#abort = undefined;
        this.#upgrading = false;
        sock.removeListener('error', onError);
        this.#ready(sock);
        resolve();
        this.#flush();
      });
      const onError = (e: Error) => { clearTimeout(timer); this.#abort = undefined; this.#destroy(); reject(typedError(e, 'tls')); };
      this.#abort = onError;
      sock.setNoDelay(true);
      sock.once('error', onError);
      this.#socket = sock;
    });
  }

  channelBinding(type: ChannelBindingType): Uint8Array | undefined {
    const s = this.#socket;
    if (!(s instanceof tls.TLSSocket) || !s.encrypted) return undefined;
    // RFC 9266: tls-exporter, only defined safely for TLS 1.3 here
    if (type === 'tls-exporter' && s.getProtocol() === 'TLSv1.3') {
      const b = s.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
      return new Uint8Array(b);
    }
    return undefined;
  }

  close(): void {
    if (this.#closed) return;
    if (this.#abort) { this.#abort(new ConnectionError('socket-closed', 'closed while connecting')); return; }
    this.#flush();
    const s = this.#socket;
    if (s) s.end();
    // a peer that never closes its side must not keep us: destroy after a grace period
    setTimeout(() => this.#destroy(), 1000).unref();
  }

  #tlsOptions(): tls.ConnectionOptions {
    return {
      servername: this.#servername,
      ca: this.#o.ca,
      rejectUnauthorized: true,
      minVersion: this.#o.minVersion ?? 'TLSv1.2',
    };
  }

  #ready(socket: net.Socket | tls.TLSSocket): void {
    socket.removeAllListeners('error');
    socket.on('data', (b: Buffer) => this.#handler?.data(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    socket.on('error', (e) => this.#finish(typedError(e, 'open')));
    socket.on('close', () => this.#finish());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#pending.length || !this.#socket || this.#closed || this.#upgrading) return;
    const chunks = this.#pending;
    this.#pending = [];
    this.#socket.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.destroy();
    this.#handler?.close(error);
  }

  #destroy(): void {
    this.#closed = true;
    this.#socket?.destroy();
    this.#raw?.destroy();
  }
}
