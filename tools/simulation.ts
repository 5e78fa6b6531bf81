// `npm start`: the host simulation. A private Prosody on loopback (tools/servers/prosody.ts), the
// key service as its XEP-0114 component keys.<host>, a ScopeNode and a few spimes — each spime on
// its own simulated sensors (hosts/sim, seeded) and running the spime application (src/spime/app.ts)
// on its own file-backed flash in the run's data dir: a reading every interval, stored in flash
// first, sent in signed, encrypted batches and dropped from flash once the ScopeNode acknowledged
// them. spime-2's link is cut for a while (its queue fills, then drains); the ScopeNode prints each
// entry once verified and decrypted and stores entries by (osid, date). The same src/ code the
// device runs; only the transport, crypto, clock, flash and sensors are the host's.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createNodeCrypto } from '../hosts/node/crypto.js';
import { generateClaimSecret } from '../src/openspime/claim-proof.js';
import { utf8Decode } from '../src/bytes/utf8.js';
import { RECORD_CLAIM_SECRET } from '../src/spime/ownership.js';
import { startKeyService } from '../hosts/node/key-service.js';
import { startNodeSpime, type NodeSpime } from '../hosts/node/spime-app.js';
import { nodeClock as sensorClock } from '../hosts/node/sensors/clock.js';
import { createClient } from '../hosts/node/xmpp.js';
import { simulatedSpime } from '../hosts/sim/sensors/spime.js';
import { parseDateTime } from '../src/openspime/datetime.js';
// h13a: the ScopeNode service (store, SpimeSeek, dashboard) instead of the bare role
import { startDashboard, type Dashboard } from '../hosts/node/scopenode/dashboard.js';
import { startScopeNodeService, type ScopeNodeService } from '../hosts/node/scopenode/service.js';
import { openScopeStore, type ScopeStore } from '../hosts/node/scopenode/store.js';
import type { SpimeApp, SpimeEvent } from '../src/spime/app.js';
import { entryFields } from '../src/sensors/reading.js';
import type { Client } from '../src/xmpp/client.js';
import { runOwnerCommand } from './owner/commands.js';
import { defaultIdentitiesDir, IdentityCache, type FleetIdentity } from './fleet/identities.js';
import { FleetStatus } from './fleet/status.js';
import { startProsody, type ProsodyServer } from './servers/prosody.js';

export interface SimulationOptions {
  /** Run this long once the fleet is online, then clean up and return; default: until stop (Ctrl-C). */
  seconds?: number;
  spimes?: number;
  seed?: number;
  /** Each spime takes a reading this often, ms. */
  intervalMs?: number;
  /** A report carries up to this many entries, or what has waited batchWaitMs. */
  batchEntries?: number;
  batchWaitMs?: number;
  /** The spimes' flash files and the ScopeNode's store; kept (and found again) when given,
   *  default: inside the server's temp dir (gone with it, even after a kill -9). */
  dataDir?: string;
  /** The fleet's keys, passwords and SCRAM records, made once (tools/fleet/identities.ts); default
   *  `identities` in the data dir when one is given, else the user's cache dir. */
  identitiesDir?: string;
  /** spime-2's link is cut this many seconds after the fleet is online, for outageForS (0: never). */
  outageAtS?: number;
  outageForS?: number;
  /** spime-1 is claimed by owner@<host> (through the owner command line's code) this many seconds in (0: never). */
  claimAtS?: number;
  /** The dashboard's port on 127.0.0.1 (default 8080, or any free port if that one is taken). */
  dashboardPort?: number;
  log?: (line: string) => void;
}

export function prosodyInstalled(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'prosody')));
}

/** Up to this many spimes, one line per report and per spime online; above, the compact status
 *  (tools/fleet/status.ts) every STATUS_MS, from set-up to the end. */
const VERBOSE_FLEET = 10;
const STATUS_MS = 5000;
/** Spimes being set up at once: keys (first run only) come from libuv's 4-thread pool, and a
 *  bounded set-up stops within one step when told to (an unbounded one would queue 1000 key
 *  generations first). 16: a set-up step mostly waits (login round trips, sensor start-up). */
const SETUP_CONCURRENCY = 16;
/** Between two logins at least this long, so a fleet's TLS handshakes and logins do not all land
 *  on the server in the same instant: 25 ms, less for a big fleet (all logins started within 20 s). */
const loginSpacingMs = (count: number) => Math.min(25, 20_000 / count);
/** A timed run's last quarter, at most this long, sends what is in flash (no new readings). */
const DRAIN_MS = 15_000;
/** Everything is stopped within this, whatever the fleet size: clients close in parallel. */
const CLIENT_STOP_MS = 2500;

class Stopped extends Error {}

/** Runs the simulation; resolves with the number of verified reports per spime JID. */
export async function runSimulation(o: SimulationOptions = {}, stopSignal?: Promise<void>): Promise<Map<string, number>> {
  const log = o.log ?? console.log;
  const count = o.spimes ?? 3;
  const seed = o.seed ?? 42;
  const intervalMs = o.intervalMs ?? 3000;
  const batchEntries = o.batchEntries ?? 5;
  const batchWaitMs = o.batchWaitMs ?? 15_000;
  const outageAtS = o.outageAtS ?? 15;
  const outageForS = o.outageForS ?? 20;
  const claimAtS = o.claimAtS ?? 8;
  const verbose = count <= VERBOSE_FLEET;
  const crypto = createNodeCrypto();
  const verified = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const after = (ms: number, fn: () => void) => { const t = setTimeout(() => { timers.delete(t); fn(); }, ms); timers.add(t); };
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;

  // The stop request is honoured in every phase: set-up steps race it, and nothing new starts after it.
  let stopRequested = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((r) => { wake = r; });
  const requestStop = () => { stopRequested = true; wake(); };
  void stopSignal?.then(requestStop);
  const untilStop = <T>(p: Promise<T>): Promise<T> => Promise.race([p, stopped.then((): never => { throw new Stopped(); })]);

  let server: ProsodyServer | undefined;
  let keyService: Awaited<ReturnType<typeof startKeyService>> | undefined;
  const clients: Client[] = [];
  const sims: Array<{ stop(): Promise<void> }> = [];
  const apps = new Set<{ stop(): Promise<void> }>();
  const errors = new Map<string, number>();
  let errorCount = 0;
  let statusTimer: ReturnType<typeof setInterval> | undefined;
  let reports = 0, rejected = 0;
  // the ScopeNode's store: (osid, date) pairs, in a file of the data dir so a later run knows them
  let storedNew = 0, storedEarlier = 0, duplicates = 0, produced = 0, inherited = 0, dropped = 0;
  let deadlineReached = false;
  let reportsAcked = 0, entriesAcked = 0, largestReport = 0;
  let scopeStore: ScopeStore | undefined, scopeService: ScopeNodeService | undefined, dashboard: Dashboard | undefined;

  try {
    // Not raced: a server or component still starting when the stop came would be left behind.
    // admin: Prosody's pubsub lets only admins create nodes (the ScopeNode creates `spimeseek`)
    server = await startProsody({ admins: ['scopenode'], logLevel: verbose ? 'debug' : 'info' }); // a fleet's debug log would be most of Prosody's work
    log(`${stamp()} prosody ${server.host} on 127.0.0.1:${server.c2sPort} (pid ${server.pid}), log ${server.logPath}`);
    const srv = server;
    keyService = await startKeyService({ port: srv.componentPort, domain: srv.componentDomain, secret: srv.componentSecret });
    if (stopRequested) throw new Stopped();
    const ks = keyService;
    const cert = ks.domain;
    const names = Array.from({ length: count }, (_, i) => `spime-${i + 1}`);
    const dataDir = o.dataDir ?? join(srv.configDir, 'spimes');
    mkdirSync(dataDir, { recursive: true });
    // h13a: the ScopeNode's SQLite store in the data dir (entries by (osid, date)), kept across runs
    const store = scopeStore = await openScopeStore(join(dataDir, 'scopenode.sqlite'));
    const runStartedAt = Date.now();
    const earlier = new Set<string>(); // entries re-sent this run that an earlier run had stored
    log(`${stamp()} data dir ${dataDir}${o.dataDir ? ' (kept)' : ''}: ${await store.entryCount()} entries in the ScopeNode's store (${store.location}) from earlier runs`);

    // Identities made once and kept: key, password and SCRAM record (no PBKDF2 on either side again)
    const ids = new IdentityCache(o.identitiesDir ?? (o.dataDir ? join(o.dataDir, 'identities') : defaultIdentitiesDir()));
    // the spimes, the ScopeNode and, when the run claims spime-1, its owner
    const everyone = [...names, 'scopenode', ...(claimAtS > 0 && count > 0 ? ['owner'] : [])];
    const known = everyone.filter((n) => ids.has(n)).length;
    if (known < everyone.length) log(`${stamp()} identities ${ids.path}: ${known} of ${everyone.length} kept from earlier runs, making the other ${everyone.length - known} (RSA keys: once)`);
    /** The account (from its kept SCRAM record) and key, published by the key service, of `user`. */
    const identity = async (user: string): Promise<FleetIdentity> => {
      const id = await untilStop(ids.get(user));
      srv.registerScram(user, id.account);
      ks.publish(`${user}@${srv.host}`, [id.key.publicKey]);
      return id;
    };
    const client = (id: FleetIdentity, resource: string): Client => {
      const { user } = id;
      const c = createClient({ jid: `${user}@${srv.host}`, password: id.password, scramCache: id.scramCache(), resource, ca: srv.caPem, host: '127.0.0.1', port: srv.c2sPort });
      c.on('error', (e) => {
        if (verbose) log(`${stamp()} ${user}: ${e.message}`);
        else { errorCount++; errors.set(e.message, (errors.get(e.message) ?? 0) + 1); }
      });
      clients.push(c);
      return c;
    };

    const scopeId = await identity('scopenode');
    const scope = client(scopeId, 'scope');
    // h13a: the ScopeNode service: verified, scope-checked, committed to the store before the ack
    scopeService = startScopeNodeService({
      client: scope, crypto, key: scopeId.key, cert, certServices: [cert], now: Date.now, store,
      seek: { service: srv.pubsubDomain },
      // sized to the fleet: the defaults (64 keys cached, 64 lookups a minute) suit a ScopeNode
      // of a few dozen spimes, and would refuse most of a 200-spime fleet's first reports
      keyDirectory: { maxEntries: count + 16, globalQuota: 2 * count + 16, maxNegative: count + 16, maxPeers: count + 16, maxConcurrent: 16 },
      duplicates: (_osid, n) => { duplicates += n; },
      accepted: (osid, entries, fresh, info) => {
        verified.set(osid, (verified.get(osid) ?? 0) + 1);
        reports++;
        const isNew = new Set(fresh);
        for (const e of entries) {
          if (isNew.has(e)) { storedNew++; continue; }
          duplicates++;
          const id = `${osid} ${parseDateTime(e.date)}`;
          void store.entryReceivedAt(osid, e.date).then((at) => {
            if (at !== undefined && at < runStartedAt && !earlier.has(id)) { earlier.add(id); storedEarlier++; }
          }, () => {});
        }
        if (!verbose) return;
        for (const e of entries) {
          const fields = entryFields(e).map(([name, text, unit]) => `${name}=${text}${unit ? ` ${unit}` : ''}`).join('  ');
          log(`${stamp()} verified ${osid} (${info.signed ? 'signed' : 'unsigned'}, ${info.encrypted ? 'encrypted' : 'plain'})  ${fields}`);
        }
      },
    });
    scopeService.on((e) => {
      if (e.type === 'rejected') { rejected++; log(`${stamp()} REJECTED report from ${e.from}: ${e.condition}`); }
      else if (e.type === 'seek-answered') log(`${stamp()} SpimeSeek: answered ${e.requester} about ${e.spimeid} (${e.entries} entries)`);
    });
    log(`${stamp()} scopenode online as ${await untilStop(scope.start())}`);
    await untilStop(scopeService.subscribeSeek()).catch((e) => { if (e instanceof Stopped) throw e; log(`${stamp()} SpimeSeek: not subscribed: ${(e as Error).message}`); });
    const service = scopeService;
    const page = await startDashboard({ service, port: o.dashboardPort ?? 8080 })
      .catch((e) => ((e as { code?: string }).code === 'EADDRINUSE' ? startDashboard({ service, port: 0 }) : Promise.reject(e)));
    dashboard = page;
    log(`${stamp()} dashboard: ${page.url}`);

    // The fleet: each spime gets its key, account and login as soon as one of the set-up slots is
    // free, logins at least loginSpacingMs apart, and starts reporting once online.
    let nextLogin = Date.now();
    // the spimes set up so far (their application is replaced at the drain)
    const live: Array<{ app: SpimeApp }> = [];
    if (!verbose) {
      const status = new FleetStatus();
      statusTimer = setInterval(() => {
        const st = live.map((x) => x.app.status());
        const top = [...errors].sort((a, b) => b[1] - a[1])[0];
        errors.clear();
        log(`${stamp()} ${status.line({
          spimes: count, online: st.filter((x) => x.online).length, reports, queued: st.reduce((n, x) => n + x.pending, 0),
          dropped, errors: errorCount, topError: top ? `${top[1]}× ${top[0]}` : undefined, rejected,
        })}`);
      }, STATUS_MS);
    }
    const setUp = async (user: string, i: number) => {
      const id = await identity(user);
      const key = id.key;
      const wait = nextLogin - Date.now();
      nextLogin = Math.max(nextLogin, Date.now()) + loginSpacingMs(count);
      if (wait > 0) await untilStop(new Promise((r) => setTimeout(r, wait)));
      const c = client(id, 'sim');
      const tSensors = sensorClock.now();
      const sim = simulatedSpime({ clock: sensorClock, seed: seed + i, epoch: Date.now() - tSensors, outages: [[tSensors + 20_000, tSensors + 30_000]] });
      sims.push(sim);
      // the sensors' start-up (~0.1 s of simulated chip delays) while the client logs in
      const [jid] = await untilStop(Promise.all([c.start(), sim.start()]));
      if (verbose) log(`${stamp()} ${jid} online, sensors on ${sim.board.name} (seed ${seed + i})`);
      const spime = { user, jid, client: c, sim, sampling: true, app: undefined as unknown as SpimeApp, node: undefined as unknown as NodeSpime, stop: async () => {} };
      let sampled = 0;
      const onEvent = (e: SpimeEvent) => {
        if (e.type === 'sampled') { sampled++; produced++; }
        if (e.type === 'dropped') dropped += e.count;
        if (e.type === 'acked') { reportsAcked++; entriesAcked += e.entries; largestReport = Math.max(largestReport, e.entries); }
        if (!verbose) return;
        const inFlash = () => spime.app?.status().pending ?? 0;
        if (e.type === 'acked') log(`${stamp()} ${user}: report of ${e.entries} entries acknowledged; ${inFlash()} in flash`);
        else if (e.type === 'retry') log(`${stamp()} ${user}: report not sent (${e.condition}), again in ${(e.inMs / 1000).toFixed(1)} s; ${inFlash()} in flash`);
        else if (e.type === 'dropped') log(`${stamp()} ${user}: flash full, ${e.count} oldest entries DROPPED`);
        else if (e.type === 'refused') log(`${stamp()} ${user}: entry ${e.seq} REFUSED (${e.condition})`);
        else if (e.type === 'halted') log(`${stamp()} ${user}: HALTED: ${(e.error as Error).message}`);
      };
      /** The application on this spime's flash; `drain`: no more readings and no batch wait. */
      const boot = (drain: boolean) => {
        const node = startNodeSpime({
          client: c, crypto, key, cert, scopeNode: scope.jid, scopeNodeCert: cert, flashPath: join(dataDir, `${user}.flash`),
          entry: () => (spime.sampling ? sim.manager.entry(sim.time()) : undefined),
          samplePeriodMs: intervalMs, maxEntries: batchEntries, maxWaitMs: drain ? 1 : batchWaitMs,
          retryInitialMs: 500, retryMaxMs: 4000, faultBackoffMs: 30_000, onEvent,
          claimSecret: generateClaimSecret((n) => crypto.randomBytes(n)), ownerCertServices: [cert],
          sensors: sim, // the sensor settings of the configuration reach the simulated drivers
          // for the owner's presence line (`sensor fault: co2 · …`, away)
          sensorFaults: () => ['co2', 'barometer', 'gps'].filter((n) => sim.manager.status(n)?.state === 'fault'),
        });
        spime.app = node.app;
        spime.node = node;
        // the drain sends at once whatever the stored configuration says about batching
        if (drain) node.app.reconfigure({ maxWaitMs: 1 });
        const stop = async () => { apps.delete(handle); await node.stop(); };
        const handle = { stop };
        apps.add(handle);
        spime.stop = stop;
      };
      boot(false);
      // the label: the secret that claims this spime (kept in its record store; printed for the user)
      const secret = utf8Decode(spime.node.records.get(RECORD_CLAIM_SECRET) ?? new Uint8Array(0)) ?? '';
      if (verbose || i === 0) log(`${stamp()} ${user}: label secret ${secret.replace(/(.{4})(?=.)/g, '$1-')} (claim with: npx spimekit owner claim ${jid} --secret …)`);
      live.push(spime);
      const fromFlash = spime.app.status().pending - sampled;
      inherited += fromFlash;
      if (fromFlash > 0) log(`${stamp()} ${user}: ${fromFlash} entries in flash from an earlier run`);
      return { ...spime, boot, readings: () => sampled, get state() { return spime; } };
    };
    const tSetUp = Date.now();
    const spimes = await pool(names, SETUP_CONCURRENCY, setUp, () => stopRequested);
    if (!verbose) log(`${stamp()} ${count} spimes online, ${((Date.now() - tSetUp) / 1000).toFixed(1)} s after the first login began (keys published by ${cert}); a report each every ${intervalMs / 1000} s`);

    const statusOf = (x: (typeof spimes)[number]) => x.state.app.status();
    if (verbose) {
      const line = () => {
        log(`${stamp()} flash: ${spimes.map((x) => { const st = statusOf(x); return `${x.user}${st.online ? '' : ' (offline)'}: ${st.pending} in flash, ${st.reportsAcked} reports acked, ${st.dropped} dropped`; }).join(' | ')}`);
        after(5000, line);
      };
      after(5000, line);
    }

    // The scripted outage: spime-2's session closed, and opened again outageForS later.
    const cut = spimes[1];
    let linkCut = false;
    const restore = () => {
      if (!linkCut || !cut) return;
      linkCut = false;
      log(`${stamp()} OUTAGE over: ${cut.user}'s link back (${statusOf(cut).pending} entries in flash)`);
      cut.client.start().catch((e) => log(`${stamp()} ${cut.user}: reconnect failed: ${(e as Error).message}`));
    };
    if (cut && outageForS > 0) {
      after(outageAtS * 1000, () => {
        linkCut = true;
        log(`${stamp()} OUTAGE: ${cut.user}'s link cut for ${outageForS} s`);
        void cut.client.stop();
        after(outageForS * 1000, restore);
      });
    }

    // The claim: owner@<host> claims spime-1 with its label secret, through the owner command line's
    // code, and from then on sees its presence (subscribed both ways).
    const claimed = spimes[0];
    if (claimed && claimAtS > 0) {
      const ownerId = await untilStop(identity('owner'));
      const caPath = join(dataDir, 'ca.pem');
      writeFileSync(caPath, srv.caPem);
      const ownerConfig = { jid: `owner@${srv.host}`, password: ownerId.password, ca: caPath, host: '127.0.0.1', port: srv.c2sPort, key: '(in memory)', cert };
      after(claimAtS * 1000, () => {
        const secret = utf8Decode(claimed.state.node.records.get(RECORD_CLAIM_SECRET) ?? new Uint8Array(0)) ?? '';
        log(`${stamp()} CLAIM: owner@${srv.host} claims ${claimed.jid} with its label secret`);
        const ownerLog = { config: ownerConfig, privateKey: ownerId.key, log: (l: string) => log(`${stamp()} owner: ${l.length > 120 ? `${l.slice(0, 117)}…` : l}`), error: (l: string) => log(`${stamp()} owner: ${l}`) };
        void runOwnerCommand(['claim', claimed.jid, '--secret', secret], ownerLog).then(async (code) => {
          if (code !== 0 || stopRequested) return;
          log(`${stamp()} ${claimed.user} is owned by ${claimed.state.node.ownership.ownerOf()}; what the owner sees (npx spimekit owner status):`);
          await runOwnerCommand(['status', '--wait', '2'], ownerLog);
          if (stopRequested) return;
          // Configuration over the air: the owner changes the report period (signed <config/>,
          // npx spimekit owner config set), and the spime's readings follow without a restart.
          const periodS = intervalMs >= 2000 ? 1 : 2;
          log(`${stamp()} CONFIG: owner sets ${claimed.user}'s report period from ${intervalMs / 1000} s to ${periodS} s (npx spimekit owner config set ${claimed.jid} report.period=${periodS})`);
          const before = claimed.readings();
          const t0 = Date.now();
          if (await runOwnerCommand(['config', 'set', claimed.jid, `report.period=${periodS}`], ownerLog) !== 0 || stopRequested) return;
          log(`${stamp()} ${claimed.user}: applied live, no restart: a reading every ${claimed.state.app.status().samplePeriodMs / 1000} s`);
          after(Math.max(4, 4 * periodS) * 1000, () => {
            const n = claimed.readings() - before, s = (Date.now() - t0) / 1000;
            log(`${stamp()} ${claimed.user}: ${n} readings in the ${s.toFixed(1)} s since the change (every ${claimed.state.app.status().samplePeriodMs / 1000} s now; before: every ${intervalMs / 1000} s)`);
          });
        });
      });
    }

    // A timed run ends with what is in flash sent, inside its N seconds (the stop after the
    // deadline stays prompt, whatever the fleet size): the last quarter (at most DRAIN_MS) takes no
    // more readings and skips the batch wait (each spime's application restarts on its flash, as
    // after a reboot), with the link restored.
    let drainStarted = false;
    const inFlash = () => spimes.reduce((n, x) => n + statusOf(x).pending, 0);
    const drain = async () => {
      drainStarted = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      restore();
      for (const x of spimes) x.state.sampling = false;
      log(`${stamp()} draining: ${inFlash()} entries in flash`);
      await Promise.all(spimes.map(async (x) => { await x.state.stop(); if (!stopRequested) x.boot(true); }));
    };
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    if (o.seconds !== undefined) {
      const drainMs = Math.min(DRAIN_MS, Math.max(3000, o.seconds * 250));
      after(Math.max(0, o.seconds * 1000 - drainMs), () => { void drain(); });
      // not in `timers`: the drain clears those
      deadlineTimer = setTimeout(() => { deadlineReached = true; requestStop(); }, o.seconds * 1000);
    }
    await stopped;
    clearTimeout(deadlineTimer);
    if (deadlineReached && drainStarted) {
      const left = inFlash();
      log(`${stamp()} ${left ? `${left} entries still in flash at the deadline` : 'drained: no entries in flash'}`);
    }
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
  } finally {
    clearInterval(statusTimer);
    for (const t of timers) clearTimeout(t);
    // In parallel and bounded: a fleet stops as fast as one client (each has its own 2 s close deadline).
    const bounded = async (what: string, p: Promise<unknown>, ms: number) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        p.catch((e) => log(`cleanup ${what}: ${(e as Error).message}`)),
        new Promise((r) => { timer = setTimeout(() => { log(`cleanup ${what}: still going after ${ms} ms, moving on`); r(undefined); }, ms); }),
      ]);
      clearTimeout(timer);
    };
    const tStop = Date.now();
    await bounded('spime applications', Promise.all([...apps].map((a) => a.stop())), 1000);
    log(`${stamp()} stored ${storedNew + storedEarlier} of ${produced + inherited} entries produced (${produced} read this run, ${inherited} found in flash from an earlier run; ${storedNew} new in the store, ${storedEarlier} stored by an earlier run), ${duplicates} duplicates ignored, ${dropped} dropped; ${reportsAcked} reports acknowledged carrying ${entriesAcked} entries (${reportsAcked ? (entriesAcked / reportsAcked).toFixed(1) : 0} each on average, at most ${largestReport})`);
    await bounded('clients', Promise.all([...sims.map((s) => s.stop()), ...clients.map((c) => c.stop())]), CLIENT_STOP_MS);
    // h13a: answers under way, then the store's last batch, then the page
    if (scopeService) await bounded('scopenode service', scopeService.stop(), 1000);
    if (scopeStore) await bounded('scopenode store', scopeStore.close(), 2000);
    if (dashboard) await bounded('dashboard', dashboard.close(), 500);
    if (keyService) await bounded('key service', keyService.close(), 500);
    if (server) await server.stop().catch((e) => log(`cleanup server: ${(e as Error).message}`));
    log(`${stamp()} stopped ${clients.length} clients and the server in ${((Date.now() - tStop) / 1000).toFixed(1)} s`);
  }
  return verified;
}

/** `run` over `items`, at most `width` at a time, in order of results; none starts once `stop()`. */
async function pool<T, R>(items: readonly T[], width: number, run: (item: T, i: number) => Promise<R>, stop: () => boolean): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length && !stop()) {
      const i = next++;
      results[i] = await run(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (stop()) throw new Stopped();
  return results;
}
