// A loopback TCP proxy that adds a fixed one-way delay per direction, counts round trips, and can
// cut or silence connections — for the session benchmark and for stream-resumption tests.
//
// Round trips, precisely: the proxy splits each connection's traffic into *flights* — maximal runs
// of bytes in one direction, in the order the proxy receives them (before delaying them). A
// *round trip* is a client→server flight that is followed by a server→client flight: the client
// said something and (after 2 × delay) heard back. For a client that waits for each answer before
// speaking again, the time a session takes is about roundTrips × 2 × delayMs; a client that
// pipelines merges flights and so counts fewer. Not counted: the TCP handshake (the kernel answers
// it, the proxy cannot delay it: add 1 RTT yourself if you want it) and TCP-level ACKs.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type Direction = 'c2s' | 's2c';

export interface Flight {
  dir: Direction;
  bytes: number;
  /** ms since the connection was accepted, when the proxy received the flight's first/last byte */
  start: number;
  end: number;
  /** The flight's bytes, if the proxy was started with `record: true`. */
  data?: Buffer;
}

export interface ProxyConnection {
  readonly id: number;
  /** Date.now() when the proxy accepted the client's connection (its TCP connect completed). */
  readonly openedAt: number;
  readonly flights: Flight[];
  readonly bytes: Record<Direction, number>;
  /** Client→server flights answered by a server→client flight (see file comment). */
  readonly roundTrips: number;
  readonly closed: boolean;
  /** Destroy both sides now; `reset` sends TCP RST instead of FIN. Bytes in flight are dropped. */
  cut(reset?: boolean): void;
}

export interface DelayProxyOptions {
  /** Where to forward (loopback). */
  targetPort: number;
  targetHost?: string;
  /** One-way delay added to each direction, ms. 0 forwards immediately. */
  delayMs?: number;
  /** Keep each flight's bytes (for transcripts). */
  record?: boolean;
}

export interface CutRule {
  /** Cut once this many bytes have passed in `dir`; the bytes beyond are dropped (mid-stanza). */
  afterBytes: number;
  dir: Direction;
  reset?: boolean;
  /** Apply to the next connection only (default) or to every later one. */
  once?: boolean;
}

export interface DelayProxy {
  readonly port: number;
  readonly connections: ProxyConnection[];
  /** The most recently accepted connection. */
  last(): ProxyConnection | undefined;
  /** Resolves when the next connection is accepted. */
  nextConnection(): Promise<ProxyConnection>;
  setDelay(ms: number): void;
  /** Cut every open connection. */
  cutAll(reset?: boolean): void;
  /** Cut future connections after N bytes in one direction. */
  cutAfter(rule: CutRule): void;
  /**
   * A dead link: keep every connection open but drop all data from now on (it is lost, not
   * delayed — an established TLS stream cannot recover). For ping / XEP-0198 ack timeout tests.
   * `unsilence()` makes the proxy forward again (for new connections).
   */
  silence(): void;
  unsilence(): void;
  /** New connections are accepted and immediately closed while refusing (server "down"). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export async function startDelayProxy(o: DelayProxyOptions): Promise<DelayProxy> {
  let delay = o.delayMs ?? 0;
  let silenced = false;
  let refusing = false;
  let nextId = 1;
  const rules: CutRule[] = [];
  const connections: ProxyConnection[] = [];
  const waiters: Array<(c: ProxyConnection) => void> = [];
  const open = new Set<() => void>();

  const server: Server = createServer((client) => {
    if (refusing) { client.destroy(); return; }
    const t0 = Date.now();
    const upstream: Socket = connect(o.targetPort, o.targetHost ?? '127.0.0.1');
    const flights: Flight[] = [];
    const bytes = { c2s: 0, s2c: 0 };
    const rule = rules[0];
    if (rule && rule.once !== false) rules.shift();
    let closed = false;
    const cut = (reset = false) => {
      if (closed) return;
      closed = true;
      open.delete(cutThis);
      for (const s of [client, upstream]) {
        if (reset && typeof s.resetAndDestroy === 'function' && !s.destroyed && s.readyState === 'open') s.resetAndDestroy(); else s.destroy();
      }
    };
    const cutThis = () => cut();
    open.add(cutThis);
    const conn: ProxyConnection = {
      id: nextId++,
      openedAt: t0,
      flights,
      bytes,
      get roundTrips() {
        let n = 0;
        for (let i = 0; i + 1 < flights.length; i++) if (flights[i]?.dir === 'c2s' && flights[i + 1]?.dir === 's2c') n++;
        return n;
      },
      get closed() { return closed; },
      cut,
    };
    connections.push(conn);
    waiters.splice(0).forEach((w) => w(conn));

    const pipe = (from: Socket, to: Socket, dir: Direction) => {
      from.on('data', (chunk: Buffer) => {
        if (closed || silenced) return;
        let data = chunk;
        let cutNow = false;
        if (rule && rule.dir === dir && bytes[dir] + data.length >= rule.afterBytes) {
          data = data.subarray(0, Math.max(0, rule.afterBytes - bytes[dir]));
          cutNow = true;
        }
        if (data.length) {
          bytes[dir] += data.length;
          const now = Date.now() - t0;
          const lastFlight = flights.at(-1);
          if (lastFlight?.dir === dir) {
            lastFlight.bytes += data.length;
            lastFlight.end = now;
            if (o.record) lastFlight.data = Buffer.concat([lastFlight.data ?? Buffer.alloc(0), data]);
          } else {
            flights.push({ dir, bytes: data.length, start: now, end: now, ...(o.record ? { data: Buffer.from(data) } : {}) });
          }
          // Equal delays keep order: Node fires timers of equal duration in creation order.
          const forward = () => { if (!closed && !to.destroyed) to.write(data); };
          if (delay > 0) setTimeout(forward, delay); else forward();
        }
        if (cutNow) {
          // Let the truncated bytes reach the peer first, then cut.
          const doCut = () => cut(rule?.reset);
          if (delay > 0) setTimeout(doCut, delay + 1); else setImmediate(doCut);
        }
      });
      // A FIN from one side is passed on after the delay, like the data before it.
      from.on('end', () => { const f = () => { if (!to.destroyed) to.end(); }; if (delay > 0) setTimeout(f, delay); else f(); });
      from.on('close', () => { const f = () => cut(); if (delay > 0) setTimeout(f, delay + 1); else setImmediate(f); });
      from.on('error', () => {});
    };
    pipe(client, upstream, 'c2s');
    pipe(upstream, client, 's2c');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as import('node:net').AddressInfo).port;

  return {
    port,
    connections,
    last: () => connections.at(-1),
    nextConnection: () => new Promise((resolve) => waiters.push(resolve)),
    setDelay(ms) { delay = ms; },
    cutAll(reset) { for (const c of connections) c.cut(reset); },
    cutAfter(rule) { rules.push(rule); },
    silence() { silenced = true; },
    unsilence() { silenced = false; },
    refuse(on) { refusing = on; },
    close() {
      for (const c of connections) c.cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
