// The spime application through a real Prosody with the fault-injecting flash: a spime reporting
// to a ScopeNode (signed, encrypted, XEP-0189 keys from the component, XEP-0202 time from the
// server), its power cut at seeded random points of random writes and erases, rebooted on the same
// flash cells, over and over; every tenth boot also finds a new XMPP session. Meanwhile the spime's
// TCP connection (through the delay proxy) is cut at a random byte of either direction — mid-stanza,
// mid-TLS-record — and Prosody is restarted now and then (SPIMEKIT_SOAK_NET_CUTS, _RESTARTS). At
// the end it drains and the ScopeNode, storing by (osid, date) as PROTOCOL.md §7.4 says, holds
// exactly the readings the spime took: 0 lost, 0 duplicated after dedupe, in the order they were
// taken. `npm run soak` (tools/soak.js) runs it with 1,000 / 1,000 / 100.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { startNodeSpime } from '../../hosts/node/spime-app.js';
import { nodeClock } from '../../hosts/node/clock.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { SimFlash } from '../../hosts/sim/flash.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { parseDateTime } from '../../src/openspime/datetime.js';
import { attachScopeNode } from '../../src/roles/scopenode.js';
import { SpimeApp } from '../../src/spime/app.js';
import { SealedReportSender } from '../../src/spime/report-sender.js';
import { FlashLog } from '../../src/storage/log.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';
import { startDelayProxy, type CutRule, type DelayProxy, type ProxyConnection } from '../servers/delay-proxy.js';

const CUTS = Number(process.env.SPIMEKIT_SOAK_CUTS ?? 100);
const SEED = Number(process.env.SPIMEKIT_SOAK_SEED ?? 20261201);
const NET_CUTS = Number(process.env.SPIMEKIT_SOAK_NET_CUTS ?? 20);
const RESTARTS = Number(process.env.SPIMEKIT_SOAK_RESTARTS ?? 2);
/** Print progress every this many boots (0: never). */
const VERBOSE = Number(process.env.SPIMEKIT_SOAK_VERBOSE ?? 0);

const crypto = createNodeCrypto();
const spimeKey = generateNodeRsaKey();
const scopeKey = generateNodeRsaKey();
let server: TestServer;
let keyService: KeyService;
let proxy: DelayProxy;
let ignored = 0;
let spime: Client;
let scope: Client;
const stored = new Map<string, DataEntry>();
let duplicates = 0;
const rejected: string[] = [];

// the spime through the proxy (its link is the one cut); the ScopeNode straight to the server.
// Sessions are short-lived here: the backoff resets after 200 ms online, and a failure classed
// permanent is retried after ~1 s, not hours.
const client = (user: string, resource: string, port = server.c2sPort) => createClient({
  jid: `${user}@${server.host}`, password: `${user}-pw`, resource, ca: server.caPem,
  host: '127.0.0.1', port, reconnect: { initialMs: 50, maxMs: 500, stableMs: 200, permanentRetryMs: 1000 },
});

const startKeys = async () => {
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${server.host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${server.host}`, [scopeKey.publicKey]);
};

beforeAll(async () => {
  server = await startProsody();
  await Promise.all(['spime', 'scopenode'].map((u) => server.register(u, `${u}-pw`)));
  await startKeys();
  proxy = await startDelayProxy({ targetPort: server.c2sPort });
  scope = client('scopenode', 'scope');
  attachScopeNode({
    client: scope, crypto, key: scopeKey, certServices: [server.componentDomain], now: Date.now,
    accept: (osid, entries) => {
      for (const e of entries) {
        const key = `${osid}\u0000${e.date}`;
        if (stored.has(key)) duplicates++;
        else stored.set(key, e);
      }
    },
    rejected: (_from, condition) => rejected.push(condition),
    duplicates: (_osid, n) => { ignored += n; },
  });
  spime = client('spime', 'device', proxy.port);
  await Promise.all([scope.start(), spime.start()]);
}, 30_000);

afterAll(async () => {
  await Promise.allSettled([spime?.stop(), scope?.stop(), keyService?.close()]);
  await proxy?.close();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`${CUTS} power cuts, ${NET_CUTS} connection cuts mid-stanza, ${RESTARTS} Prosody restarts (seed ${SEED}): after draining, the ScopeNode holds exactly the readings taken, in order`, async () => {
  const prng = new Prng(SEED);
  const net = new Prng(SEED ^ 0x5eed); // its own stream: the power cuts do not depend on the network's
  const flash = new SimFlash({ blocks: 4, blockLength: 4096, seed: SEED });
  const sender = new SealedReportSender({ client: spime, crypto, key: spimeKey, cert: server.componentDomain, scopeNode: scope.jid, scopeNodeCert: server.componentDomain, now: Date.now });
  let counter = 0;
  const taken = new Set<number>();
  let halts = 0;

  // connection cuts: every connection the spime opens gets a rule — cut after a random number of
  // bytes in one direction (the login is ~1.5 KB up and ~4 KB down; reports go up at ~20 KB/s,
  // results come down at ~3 KB/s) — while more are wanted. Sized so that a connection lives about
  // a boot and carries a few reports: the backlog must not outgrow the flash (that would be drops)
  const ruled: Array<{ conn: ProxyConnection; rule: CutRule }> = [];
  const queued: CutRule[] = [];
  const netCuts = () => ruled.filter(({ conn, rule }) => conn.bytes[rule.dir] >= rule.afterBytes).length;
  let cutting = NET_CUTS > 0;
  const arm = () => {
    const up = net.next() < 0.7;
    const rule: CutRule = up ? { afterBytes: 500 + net.int(14000), dir: 'c2s', once: true } : { afterBytes: 500 + net.int(6000), dir: 's2c', once: true };
    queued.push(rule);
    proxy.cutAfter(rule);
  };
  const watch = (): void => {
    void proxy.nextConnection().then((conn) => {
      const rule = queued.shift();
      if (rule) ruled.push({ conn, rule });
      if (cutting && netCuts() + queued.length < NET_CUTS) arm();
      watch();
    });
  };
  if (cutting) { arm(); watch(); await spime.stop(); void spime.start().catch(() => undefined); }

  // Prosody restarts, spread over the run, one at a time, while the spime goes on; the key
  // service's component connection dies with the server and is started again
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  const restartEvery = RESTARTS > 0 ? Math.max(1, Math.floor(CUTS / RESTARTS)) : Infinity;
  const restart = () => {
    restarting ??= (async () => {
      await server.restart();
      restarts++;
      await keyService.close().catch(() => undefined);
      await startKeys();
    })().finally(() => { restarting = undefined; });
  };

  const boot = (cut: boolean) => {
    let current: number | undefined;
    const app = new SpimeApp({
      log: new FlashLog(flash), timers: nodeClock, sender,
      read: () => { current = 400 + counter++; return { ppm: current, temperature: 21 }; },
      serverTime: () => spime.syncTime(),
      samplePeriodMs: 40, maxEntries: 1 + prng.int(20), maxWaitMs: 100, retryInitialMs: 20, retryMaxMs: 200,
    });
    const take = app.takeReading.bind(app);
    app.takeReading = () => { const seq = take(); if (seq !== undefined) taken.add(current!); return seq; };
    const offs = [spime.on('online', () => app.setOnline(true)), spime.on('offline', () => app.setOnline(false))];
    if (cut) flash.cutAt(prng.int(1000));
    app.setOnline(spime.status === 'online');
    app.start();
    return { app, off: () => offs.forEach((f) => f()) };
  };

  // power cuts until CUTS; then on (still cutting the power) until the network counts are reached
  for (let i = 0; i < CUTS || ((netCuts() < NET_CUTS || restarts < RESTARTS) && i < 4 * CUTS + 100); i++) {
    if (i % restartEvery === Math.floor(restartEvery / 2) && restarts < RESTARTS) restart();
    const { app, off } = boot(true);
    for (let t = 0; t < 400 && !app.status().halted; t++) await sleep(5);
    expect(app.status().halted).toBe(true);
    halts++;
    await app.stop();
    off();
    flash.revive();
    // a new session: what was in flight is lost (also while Prosody restarts: stop() while the
    // link is coming up must still end, client.spec)
    if (i % 10 === 9) { await spime.stop(); void spime.start().catch(() => undefined); }
    if (VERBOSE && i % VERBOSE === 0) process.stderr.write(`soak: ${i + 1} boots, ${netCuts()} connection cuts, ${restarts} restarts, ${taken.size} taken, ${stored.size} stored, spime ${spime.status}, scope ${scope.status}\n`);
  }
  cutting = false;
  await restarting;
  const cuts = netCuts();

  // drain: no more cuts, no more readings
  const drain = new SpimeApp({ log: new FlashLog(flash), timers: nodeClock, sender, read: () => undefined, serverTime: () => spime.syncTime(), maxEntries: 20, maxWaitMs: 1 });
  const offs = [spime.on('online', () => drain.setOnline(true)), spime.on('offline', () => drain.setOnline(false))];
  drain.setOnline(spime.status === 'online');
  drain.start();
  for (let t = 0; t < 2000 && drain.status().pending > 0; t++) await sleep(10);
  expect(drain.status()).toMatchObject({ pending: 0, dropped: 0, refused: 0, halted: false });
  await drain.stop();
  offs.forEach((f) => f());

  const entries = [...stored.values()].sort((a, b) => parseDateTime(a.date)! - parseDateTime(b.date)!);
  const ppms = entries.map((e) => e.ppm!);
  const lost = [...taken].filter((p) => !ppms.includes(p));
  const extra = ppms.filter((p) => !taken.has(p)); // readings whose append a cut interrupted but which made it to flash
  const order = [...ppms].sort((a, b) => a - b).every((p, i) => p === ppms[i]);
  console.log(`soak seed ${SEED}: ${halts} power cuts, ${cuts} connection cuts mid-stanza (of ${proxy.connections.length} connections), ${restarts} Prosody restarts; ${taken.size} readings taken, ${stored.size} stored: ${lost.length} lost, ${duplicates} duplicated (${ignored} resent entries the ScopeNode ignored), per-spime order ${order ? 'kept' : 'BROKEN'}; ${extra.length} cut appends that survived, ${flash.eraseCounts.join('/')} erases per block`);
  expect(lost).toEqual([]);
  expect(extra.length).toBeLessThanOrEqual(halts);
  expect(new Set(ppms).size).toBe(ppms.length);
  expect([...ppms].sort((a, b) => a - b)).toEqual(ppms); // order kept
  expect(entries.every((e) => Math.abs(parseDateTime(e.date)! - Date.now()) < 600_000)).toBe(true); // dated now, never 1970
  expect(rejected).toEqual([]);
  expect(duplicates).toBe(0);
  expect(cuts).toBeGreaterThanOrEqual(NET_CUTS);
  expect(restarts).toBeGreaterThanOrEqual(RESTARTS);
  if (CUTS >= 50) expect(Math.min(...flash.eraseCounts)).toBeGreaterThan(0); // the ring turned
}, 60_000 + CUTS * 1000 + NET_CUTS * 300 + RESTARTS * 5000);

test('kill -9 mid-run, start again on the same flash file: the readings in flash and not acknowledged are sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spimekit-kill9-'));
  const path = join(dir, 'spime.flash');
  try {
    const taken: number[] = [];
    // bundled here and run directly, so that SIGKILL hits the writer itself (no wrapper process)
    const script = join(dir, 'flash-writer.mjs');
    await build({ entryPoints: ['test/helpers/flash-writer.ts'], outfile: script, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning', absWorkingDir: process.cwd() });
    const child = spawn(process.execPath, [script, path, '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    let out = '';
    let deadline: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve, reject) => {
      deadline = setTimeout(() => reject(new Error('the writer took no 150 readings in 30 s')), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const l of lines) if (l.startsWith('taken ')) taken.push(Number(l.slice(6)));
        if (taken.length >= 150) { child.kill('SIGKILL'); resolve(); }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    }).finally(() => clearTimeout(deadline));
    await exited;
    const before = new Set([...stored.values()].map((e) => e.ppm));
    // the same identity on a new flash (a reset): what it sent before must not swallow new readings
    const sentBefore = Math.max(0, ...[...stored.values()].map((e) => parseDateTime(e.date)!));
    const spimeApp = startNodeSpime({ client: spime, crypto, key: spimeKey, cert: server.componentDomain, scopeNode: scope.jid, scopeNodeCert: server.componentDomain, flashPath: path, entry: () => ({ date: '' }), maxWaitMs: 1 });
    expect(spimeApp.app.status().pending).toBeGreaterThanOrEqual(150);
    for (let t = 0; t < 1000 && spimeApp.app.status().pending > 0; t++) await sleep(10);
    expect(spimeApp.app.status().pending).toBe(0);
    await spimeApp.stop();
    const fresh = [...stored.values()].filter((e) => e.ppm! >= 100000 && !before.has(e.ppm));
    const arrived = fresh.map((e) => e.ppm!);
    for (const p of taken) expect(arrived).toContain(p);
    // the writer never knew the time (fresh flash, offline): dated by the restart, after all the
    // identity had sent, and not in the future — never 1970
    for (const e of fresh) expect(parseDateTime(e.date)!).toBeGreaterThan(sentBefore);
    for (const e of fresh) expect(parseDateTime(e.date)!).toBeLessThanOrEqual(Date.now());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
