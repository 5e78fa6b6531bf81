// The Transport interface (src/xmpp/transport.ts) on the device: an ECMA-419 TCP socket and the
// sans-IO mbedTLS session (tls/, native), driven from here over that socket.
// - STARTTLS is an in-place upgrade: a new TCP object takes over the open socket with `from:` and
//   its ciphertext goes through the TLS session; direct TLS (XEP-0368) starts it at once.
// - The certificate is always verified against the provisioned CA and the server name (also the
//   SNI); TLS 1.2 minimum (sansio_tls.c). Every failure is a typed ModdableTransportError
//   (`certificate`: permanent, see classifyFailure; `tls-failed`, `connect-failed`,
//   `connection-lost`) or a TimeoutError, delivered to the caller: nothing aborts the VM.
// - Writes made in one turn go out as one TLS record (a pipelined header+<starttls/> or
//   header+<bind/> must not be split); the socket takes what it can and the rest waits for
//   onWritable.
import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import TlsSession, { CERTIFICATE, CLOSED, WANT } from 'spimekit/host/tls';
import { resolveHost } from 'spimekit/host/dns';
import type { ChannelBindingType, ConnectOptions, Transport, TransportHandler } from 'spimekit/xmpp/transport';
import { ConnectionError, TimeoutError } from 'spimekit/xmpp/errors';

/** A socket or TLS failure on the device; `code` is mbedTLS's (negative) error code when TLS failed. */
export class ModdableTransportError extends ConnectionError {
  readonly code?: number;
  constructor(condition: 'certificate' | 'tls-failed' | 'connect-failed' | 'connection-lost' | 'socket-closed', message: string, code?: number) {
    super(condition, message);
    if (code !== undefined) this.code = code;
  }
}

export interface ModdableTransportOptions {
  /** The trust anchor(s) for the server certificate: PEM text (provisioned, never compiled in). */
  ca: string;
  connectTimeoutMs?: number;
  tlsTimeoutMs?: number;
}

interface Pending { resolve(): void; reject(e: Error): void; timer: Timer | undefined }

const hex = (code: number) => `-0x${(-code).toString(16).padStart(4, '0')}`;

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

export class ModdableTransport implements Transport {
  readonly #ca: Uint8Array;
  readonly #o: ModdableTransportOptions;
  #tcp: TCP | undefined;
  #tls: TlsSession | undefined;
  #handler: TransportHandler | undefined;
  #servername = '';
  #tlsTimeoutMs = 15000;
  #secure = false;
  #closed = false;
  /** bytes to the socket (ciphertext once TLS is on), waiting for room */
  #wire: Uint8Array[] = [];
  #writable = 0;
  /** plaintext written this turn (or during the handshake) */
  #plain: Uint8Array[] = [];
  #flushQueued = false;
  #pending: Pending | undefined;

  constructor(o: ModdableTransportOptions) {
    this.#o = o;
    this.#ca = asciiBytes(o.ca); // PEM is ASCII
  }

  get secure(): boolean { return this.#secure; }

  connect(options: ConnectOptions, handler: TransportHandler): Promise<void> {
    this.#handler = handler;
    this.#servername = options.servername;
    this.#tlsTimeoutMs = options.tlsTimeoutMs ?? this.#o.tlsTimeoutMs ?? 15000;
    const ms = options.connectTimeoutMs ?? this.#o.connectTimeoutMs ?? 15000;
    return new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject, timer: Timer.set(() => this.#fail(new TimeoutError('connect', ms)), ms) };
      void resolveHost(options.host).then((address) => {
        if (!this.#pending || this.#closed) return; // timed out or closed meanwhile
        if (!address) { this.#fail(new ModdableTransportError('connect-failed', `cannot resolve ${options.host}`)); return; }
        this.#open(address, options);
      }, (e: Error) => this.#fail(new ModdableTransportError('connect-failed', `cannot resolve ${options.host}: ${e.message}`)));
    });
  }

  #open(address: string, options: ConnectOptions): void {
    let connected = false;
    try {
      this.#tcp = new TCP({
        address, port: options.port, nodelay: true, format: 'buffer',
        onWritable: (count: number) => {
          this.#writable = count;
          if (!connected) {
            connected = true;
            if (options.directTls) { this.#beginTls(); return; }
            this.#settle();
          }
          this.#drainWire();
        },
        onReadable: () => this.#readable(),
        onError: () => {
          if (!connected) this.#fail(new ModdableTransportError('connect-failed', `cannot connect to ${address}:${options.port}`));
          else this.#lost();
        },
      });
    } catch (e) {
      this.#fail(new ModdableTransportError('connect-failed', `cannot connect to ${address}:${options.port}: ${(e as Error).message}`));
    }
  }

  write(bytes: Uint8Array): void {
    if (this.#closed || !this.#tcp) throw new ConnectionError('socket-closed', 'write on a closed transport');
    this.#plain.push(bytes);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      void Promise.resolve().then(() => { this.#flushQueued = false; this.#flushPlain(); });
    }
  }

  startTls(): Promise<void> {
    if (this.#closed || !this.#tcp) return Promise.reject(new ConnectionError('socket-closed', 'STARTTLS on a closed transport'));
    this.#flushPlain();
    return new Promise<void>((resolve, reject) => {
      const ms = this.#tlsTimeoutMs;
      this.#pending = { resolve, reject, timer: Timer.set(() => this.#fail(new TimeoutError('tls', ms)), ms) };
      // the in-place upgrade: the same socket, now read and written through the TLS session
      try {
        this.#tcp = new TCP({
          from: this.#tcp!, format: 'buffer',
          onWritable: (count: number) => { this.#writable = count; this.#drainWire(); },
          onReadable: () => this.#readable(),
          onError: () => this.#lost(),
        });
      } catch (e) {
        this.#fail(new ModdableTransportError('tls-failed', `cannot take over the socket: ${(e as Error).message}`));
        return;
      }
      this.#beginTls();
    });
  }

  channelBinding(_type: ChannelBindingType): Uint8Array | undefined {
    return undefined; // not exported by the native session: SCRAM without -PLUS
  }

  close(): void {
    if (this.#closed) return;
    if (this.#pending) { this.#fail(new ConnectionError('socket-closed', 'closed while connecting')); return; }
    this.#flushPlain();
    if (this.#tls && this.#secure) {
      this.#tls.closeNotify();
      this.#pumpTls();
    }
    this.#finish();
  }

  #beginTls(): void {
    const session = new TlsSession(this.#ca, this.#servername);
    if (session.setupError) {
      this.#fail(new ModdableTransportError('tls-failed', `TLS setup failed (${hex(session.setupError)}): is the provisioned CA valid PEM?`, session.setupError));
      return;
    }
    this.#tls = session;
    this.#stepHandshake();
  }

  #stepHandshake(): void {
    const tls = this.#tls!;
    const r = tls.handshake();
    this.#pumpTls();
    if (r === WANT) return;
    if (r !== 0) { this.#fail(this.#tlsError(r, 'TLS handshake')); return; }
    this.#secure = true;
    this.#settle();
    this.#flushPlain();
    this.#drainTls(); // application data that came with the last handshake flight
  }

  #tlsError(r: number, what: string): ModdableTransportError {
    const tls = this.#tls!;
    const code = tls.lastError;
    const text = `${what} failed (${hex(code)}${tls.detail ? `: ${tls.detail}` : ''})`;
    if (r === CERTIFICATE) return new ModdableTransportError('certificate', `certificate of ${this.#servername} not verified: ${text}`, code);
    if (r === CLOSED) return new ModdableTransportError('tls-failed', `${what}: the server closed the TLS session`, code);
    return new ModdableTransportError('tls-failed', text, code);
  }

  #readable(): void {
    if (this.#closed || !this.#tcp) return;
    const data = this.#tcp.read() as ArrayBuffer | undefined; // all there is
    if (!data) return;
    const tls = this.#tls;
    if (!tls) { this.#handler?.data(new Uint8Array(data)); return; }
    if (tls.feed(data) !== 0) { this.#abortTls(this.#tlsError(-4, 'TLS input')); return; }
    if (!this.#secure) this.#stepHandshake();
    else this.#drainTls();
  }

  #drainTls(): void {
    const tls = this.#tls!;
    for (;;) {
      if (this.#closed) return;
      const r = tls.read();
      if (typeof r !== 'number') { this.#handler?.data(new Uint8Array(r)); continue; }
      this.#pumpTls(); // alerts, key updates
      if (r === WANT) return;
      if (r === CLOSED) { this.#finish(); return; }
      this.#abortTls(this.#tlsError(r, 'TLS'));
      return;
    }
  }

  #abortTls(e: Error): void {
    if (this.#pending) this.#fail(e);
    else this.#finish(e);
  }

  #flushPlain(): void {
    if (!this.#plain.length || this.#closed || !this.#tcp) return;
    if (this.#tls && !this.#secure) return; // held until the handshake is done
    const chunks = this.#plain;
    this.#plain = [];
    let bytes: Uint8Array;
    if (chunks.length === 1) bytes = chunks[0]!;
    else {
      let n = 0;
      for (const c of chunks) n += c.length;
      bytes = new Uint8Array(n);
      let at = 0;
      for (const c of chunks) { bytes.set(c, at); at += c.length; }
    }
    if (this.#tls) {
      const r = this.#tls.write(bytes);
      if (r < 0) { this.#finish(this.#tlsError(r, 'TLS write')); return; }
      this.#pumpTls();
    } else {
      this.#wire.push(bytes);
      this.#drainWire();
    }
  }

  #pumpTls(): void {
    const out = this.#tls?.take();
    if (out) { this.#wire.push(new Uint8Array(out)); this.#drainWire(); }
  }

  #drainWire(): void {
    const tcp = this.#tcp;
    if (!tcp || this.#closed) return;
    while (this.#wire.length && this.#writable > 0) {
      const head = this.#wire[0]!;
      const n = Math.min(head.length, this.#writable);
      const part = n === head.length ? head : head.subarray(0, n);
      try {
        this.#writable = tcp.write(part) as unknown as number;
      } catch (e) {
        this.#finish(new ModdableTransportError('connection-lost', `write failed: ${(e as Error).message}`));
        return;
      }
      if (n === head.length) this.#wire.shift();
      else this.#wire[0] = head.subarray(n);
    }
  }

  #settle(): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    Timer.clear(p.timer);
    p.resolve();
  }

  #fail(e: Error): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (p) Timer.clear(p.timer);
    this.#destroy();
    p?.reject(e);
  }

  #lost(): void {
    if (this.#pending) { this.#fail(new ModdableTransportError(this.#tls ? 'tls-failed' : 'connection-lost', 'the connection closed during the handshake')); return; }
    this.#finish(); // the peer closed (or reset): the client decides whether that was orderly
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#destroy();
    this.#handler?.close(error);
  }

  #destroy(): void {
    this.#closed = true;
    this.#secure = false;
    try { this.#tcp?.close(); } catch { /* already closed */ }
    this.#tcp = undefined;
    this.#tls?.close();
    this.#tls = undefined;
    this.#wire = [];
    this.#plain = [];
  }
}
