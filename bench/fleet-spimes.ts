// The spime side of `npm run bench:fleet` (bench/fleet.ts forks it): N simulated spimes in this
// one process, each on its own simulated sensors, file-backed flash and XMPP session, running the
// spime application (hosts/node/spime-app.ts) — what `npm start` runs per spime. Its own process so
// its CPU and memory are measured apart from the ScopeNode's and Prosody's. Talks to the parent
// over the IPC channel: `start` (config), `drain`, `stop`; sends `status` every second.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeCrypto } from '../hosts/node/crypto.js';
import { nodeClock as sensorClock } from '../hosts/node/sensors/clock.js';
import { startNodeSpime } from '../hosts/node/spime-app.js';
import { createClient } from '../hosts/node/xmpp.js';
import { simulatedSpime } from '../hosts/sim/sensors/spime.js';
import type { SpimeApp, SpimeEvent } from '../src/spime/app.js';
import type { Client } from '../src/xmpp/client.js';
import { IdentityCache } from '../tools/fleet/identities.js';

export interface FleetSpimesConfig {
  names: string[];
  identitiesDir: string;
  flashDir: string;
  host: string;
  port: number;
  ca: string;
  scopeNode: string;
  cert: string;
  intervalMs: number;
  batchEntries: number;
  batchWaitMs: number;
  loginSpacingMs: number;
  setupConcurrency: number;
  seed: number;
}

export interface FleetSpimesStatus {
  type: 'status';
  online: number;
  setUp: number;
  /** When the last spime came online (ms since the start message), once all have. */
  allOnlineMs?: number;
  produced: number;
  entriesAcked: number;
  reportsAcked: number;
  queued: number;
  dropped: number;
  errors: number;
  topError?: string;
  cpuUs: number;
  rss: number;
  /** RSS, and CPU (µs), just before the first spime was set up. */
  baseRss: number;
  startCpuUs: number;
}

const send = (m: unknown) => process.send!(m);
const crypto = createNodeCrypto();
const clients: Client[] = [];
const sims: Array<{ stop(): Promise<void> }> = [];
const spimes: Array<{ app: SpimeApp; stop(): Promise<void>; boot(drain: boolean): void; sampling: boolean }> = [];
let produced = 0, dropped = 0, errors = 0, online = 0, entriesAcked = 0, reportsAcked = 0;
const errorKinds = new Map<string, number>();
let allOnlineMs: number | undefined;
let baseRss = process.memoryUsage().rss;
let startCpuUs = 0;
let t0 = Date.now();
let stopping = false;

async function start(c: FleetSpimesConfig): Promise<void> {
  t0 = Date.now();
  mkdirSync(c.flashDir, { recursive: true });
  const ids = new IdentityCache(c.identitiesDir);
  global.gc?.();
  baseRss = process.memoryUsage().rss;
  const u = process.cpuUsage();
  startCpuUs = u.user + u.system;
  let nextLogin = Date.now();
  let next = 0;
  const setUp = async (user: string, i: number) => {
    const id = await ids.get(user);
    const wait = nextLogin - Date.now();
    nextLogin = Math.max(nextLogin, Date.now()) + c.loginSpacingMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const client = createClient({ jid: `${user}@${c.host}`, password: id.password, scramCache: id.scramCache(), resource: 'sim', ca: c.ca, host: '127.0.0.1', port: c.port });
    client.on('error', (e) => { errors++; errorKinds.set(e.message, (errorKinds.get(e.message) ?? 0) + 1); });
    client.on('online', () => { online++; });
    client.on('offline', () => { online--; });
    clients.push(client);
    const tSensors = sensorClock.now();
    const sim = simulatedSpime({ clock: sensorClock, seed: c.seed + i, epoch: Date.now() - tSensors, outages: [] });
    sims.push(sim);
    await Promise.all([client.start(), sim.start()]); // as in npm start

    const onEvent = (e: SpimeEvent) => {
      if (e.type === 'sampled') produced++;
      if (e.type === 'dropped') dropped += e.count;
      if (e.type === 'acked') { reportsAcked++; entriesAcked += e.entries; }
    };
    const spime = {
      app: undefined as unknown as SpimeApp, stop: async () => {}, sampling: true,
      boot: (drain: boolean) => {
        const node = startNodeSpime({
          client, crypto, key: id.key, cert: c.cert, scopeNode: c.scopeNode, scopeNodeCert: c.cert, flashPath: join(c.flashDir, `${user}.flash`),
          entry: () => (spime.sampling ? sim.manager.entry(sim.time()) : undefined),
          // draining a backlog (a saturated run's) in batches of 10 or more
          samplePeriodMs: c.intervalMs, maxEntries: drain ? Math.max(c.batchEntries, 10) : c.batchEntries, maxWaitMs: drain ? 1 : c.batchWaitMs,
          retryInitialMs: 500, retryMaxMs: 4000, faultBackoffMs: 30_000, onEvent,
        });
        spime.app = node.app;
        spime.stop = node.stop;
      },
    };
    spime.boot(false);
    spimes.push(spime);
  };
  const lane = async () => {
    while (next < c.names.length && !stopping) {
      const i = next++;
      await setUp(c.names[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.setupConcurrency, c.names.length) }, lane));
}

function status(): FleetSpimesStatus {
  const st = spimes.map((s) => s.app.status());
  if (allOnlineMs === undefined && spimes.length && online === spimes.length && spimes.length === total) allOnlineMs = Date.now() - t0;
  const top = [...errorKinds].sort((a, b) => b[1] - a[1])[0];
  const cpu = process.cpuUsage();
  return {
    type: 'status', online, setUp: spimes.length, allOnlineMs, produced,
    entriesAcked, reportsAcked,
    queued: st.reduce((n, x) => n + x.pending, 0), dropped, errors, topError: top && `${top[1]}× ${top[0]}`,
    cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss, baseRss, startCpuUs,
  };
}

let total = 0;
const ticker = setInterval(() => send(status()), 1000);
process.on('message', (m: { type: string; config?: FleetSpimesConfig }) => {
  if (m.type === 'start') {
    total = m.config!.names.length;
    start(m.config!).catch((e) => send({ type: 'failed', message: (e as Error).stack ?? String(e) }));
  } else if (m.type === 'drain') {
    // as a timed `npm start` ends: no new readings, every application restarted without batch wait
    void Promise.all(spimes.map(async (s) => { s.sampling = false; await s.stop(); s.boot(true); }));
  } else if (m.type === 'stop') {
    stopping = true;
    clearInterval(ticker);
    void (async () => {
      await Promise.race([Promise.all(spimes.map((s) => s.stop())), new Promise((r) => setTimeout(r, 2000))]);
      send(status());
      await Promise.race([Promise.all([...sims.map((s) => s.stop()), ...clients.map((c) => c.stop())]), new Promise((r) => setTimeout(r, 3000))]);
      process.exit(0);
    })();
  }
});
process.on('disconnect', () => process.exit(0)); // the bench is gone: so are we
