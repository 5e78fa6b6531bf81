// Session round-trip benchmark: how many round trips, and how long, from TCP connect to a ready
// session (and to the first iq answered), through a proxy that adds a fixed delay each way — per
// client, per path (STARTTLS on 5222-style port, XEP-0368 direct TLS), against the physical floor.
//
//   npm run bench:session -- [--delay 50] [--runs 3] [--server prosody|ejabberd|both] [--trace]
//
// --trace prints each measured connection's flights (direction, timing, first bytes).
//
// Round trips are counted by test/servers/delay-proxy.ts (definition there). Times start when the
// proxy accepts the TCP connection, so the TCP handshake (1 RTT) is in neither time nor floor.
import { startDelayProxy } from '../test/servers/delay-proxy.js';
import { startEjabberd } from '../test/servers/ejabberd.js';
import { startProsody } from '../tools/servers/prosody.js';
import type { TestServer } from '../tools/servers/server.js';
import { makeXmppjsClient, xml } from '../test/servers/xmppjs.js';
import { createClient } from '../hosts/node/xmpp.js';

type Path = 'starttls' | 'directtls';

/** What a benchmarked client must do. Everything else (options, TLS trust) is the factory's. */
export interface SessionClient {
  /** Connect, secure, authenticate, bind: resolve when the session is ready for stanzas. */
  start(): Promise<void>;
  /** Send one iq (XEP-0199 ping to the server) and resolve when it is answered. */
  ping(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClientFactoryArgs {
  /** XMPP domain; connect to 127.0.0.1:`port` (the delay proxy), present `domain` in SNI. */
  domain: string;
  port: number;
  path: Path;
  username: string;
  password: string;
  /** PEM of the CA the server certificate chains to: trust it, and nothing weaker. */
  caPem: string;
}

export type ClientFactory = (args: ClientFactoryArgs) => SessionClient;

const xmppjs: ClientFactory = (a) => {
  const c = makeXmppjsClient({
    server: { host: a.domain, c2sPort: a.port, directTlsPort: a.port, caPem: a.caPem },
    username: a.username, password: a.password, transport: a.path, port: a.port,
  });
  return {
    async start() { await c.start(); },
    async ping() { await c.iqCaller.request(xml('iq', { type: 'get', to: a.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' }))); },
    async stop() { await c.stop(); },
  };
};

// spimekit's client (hosts/node/xmpp.ts): a fresh client per run, so nothing is remembered from an
// earlier login (its <auth/> pipelining on re-login is not measured here; see README).
const spimekit: ClientFactory = (a) => {
  const c = createClient({
    jid: `${a.username}@${a.domain}`, password: a.password, host: '127.0.0.1', port: a.port,
    directTls: a.path === 'directtls', ca: a.caPem, reconnect: false, keepaliveMs: 0,
  });
  c.on('error', () => {});
  return {
    async start() { await c.start(); },
    async ping() { await c.ping(); },
    async stop() { await c.stop(); },
  };
};

const clients: Record<string, ClientFactory> = {
  'xmpp.js 0.14': xmppjs,
  'spimekit': spimekit,
};

/**
 * The floor, in round trips after TCP connect, for a client that waits for every answer the
 * protocol makes it wait for (RFC 6120, RFC 8446, RFC 5802; no pipelining, no SASL2):
 * STARTTLS: header→features, <starttls/>→<proceed/>, TLS 1.3 ClientHello→ServerHello…Finished,
 *   header (with the client Finished)→features, SCRAM client-first→challenge,
 *   client-final→success, header→features, bind→result = 8.
 * Direct TLS: the same minus the first two = 6. The first iq answered adds 1.
 */
const FLOOR: Record<Path, number> = { starttls: 8, directtls: 6 };

interface Sample { readyRt: number; readyMs: number; iqRt: number; iqMs: number }

async function measure(factory: ClientFactory, server: TestServer, path: Path, delayMs: number, trace = false): Promise<Sample> {
  const target = path === 'starttls' ? server.c2sPort : server.directTlsPort;
  const proxy = await startDelayProxy({ targetPort: target, delayMs, record: trace });
  const client = factory({ domain: server.host, port: proxy.port, path, username: 'bench', password: 'bench-pw', caPem: server.caPem });
  try {
    const conn = proxy.nextConnection();
    await client.start();
    const c = await conn;
    const readyMs = Date.now() - c.openedAt;
    const readyRt = c.roundTrips;
    await client.ping();
    const iqMs = Date.now() - c.openedAt;
    if (trace) {
      console.log(`  trace ${path}, ${delayMs} ms each way: flight (ms since accept at the proxy, bytes, start of data)`);
      for (const f of c.flights) {
        const text = f.data ? f.data.toString('latin1').replace(/[^\x20-\x7e]/g, '.').slice(0, 70) : '';
        console.log(`  ${String(f.start).padStart(6)}..${String(f.end).padEnd(6)} ${f.dir === 'c2s' ? 'C→S' : 'S→C'} ${String(f.bytes).padStart(5)}  ${text}`);
      }
    }
    // A client may have other exchanges in flight (e.g. XEP-0198 <enable/>): count what it took.
    return { readyRt, readyMs, iqRt: c.roundTrips, iqMs };
  } finally {
    await client.stop().catch(() => {});
    await proxy.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] as string : dflt;
}

async function main(): Promise<void> {
  const delayMs = Number(arg('delay', '50'));
  const runs = Number(arg('runs', '3'));
  const which = arg('server', 'prosody');
  const trace = process.argv.includes('--trace');
  const starters: Array<[string, () => Promise<TestServer>]> = [];
  if (which === 'prosody' || which === 'both') starters.push(['prosody 0.12', () => startProsody()]);
  if (which === 'ejabberd' || which === 'both') starters.push(['ejabberd 23.01', () => startEjabberd()]);
  const rtt = 2 * delayMs;
  console.log(`session round trips: ${delayMs} ms each way (RTT ${rtt} ms), median of ${runs}; times from TCP connect (TCP handshake not included)`);
  const rows: string[][] = [['server', 'client', 'path', 'RT ready', 'floor', 'ms ready', 'floor ms', 'over floor', 'ms at 0 delay', 'RT 1st iq', 'ms 1st iq']];
  for (const [serverName, start] of starters) {
    const server = await start();
    try {
      await server.register('bench', 'bench-pw');
      for (const [clientName, factory] of Object.entries(clients)) {
        for (const path of ['starttls', 'directtls'] as Path[]) {
          await measure(factory, server, path, 0); // warm-up (JIT, server caches)
          const local: Sample[] = [];
          const delayed: Sample[] = [];
          for (let i = 0; i < runs; i++) local.push(await measure(factory, server, path, 0));
          for (let i = 0; i < runs; i++) delayed.push(await measure(factory, server, path, delayMs, trace && i === runs - 1));
          const floorMs = FLOOR[path] * rtt;
          const readyMs = median(delayed.map((s) => s.readyMs));
          rows.push([serverName, clientName, path,
            String(median(delayed.map((s) => s.readyRt))), String(FLOOR[path]),
            String(readyMs), String(floorMs), `+${readyMs - floorMs} (${(readyMs / floorMs).toFixed(2)}×)`,
            String(median(local.map((s) => s.readyMs))),
            String(median(delayed.map((s) => s.iqRt))), String(median(delayed.map((s) => s.iqMs)))]);
        }
      }
    } finally {
      await server.stop();
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(`floor: ${FLOOR.starttls} RT for STARTTLS, ${FLOOR.directtls} for direct TLS (see bench/session.ts); +1 RT for the first iq.`);
  console.log('"ms at 0 delay" is the same session with no added delay: local CPU and server time.');
  console.log('SCRAM iterations: Prosody 10000, ejabberd 4096 (their defaults) — the client\'s PBKDF2 is part of "over floor".');
}

await main();
