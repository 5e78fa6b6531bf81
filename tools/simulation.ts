// `npm start`: the host simulation. A private Prosody on loopback (tools/servers/prosody.ts), the
// key service as its XEP-0114 component keys.<host>, a ScopeNode and a few spimes — each spime on
// its own simulated sensors (hosts/sim, seeded), sending a signed, encrypted report every few
// seconds, and the ScopeNode printing each entry once it has verified and decrypted it. The same
// src/ code the device runs; only the transport, crypto, clock and sensors are the host's.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createNodeCrypto, generateNodeRsaKeyAsync } from '../hosts/node/crypto.js';
import { startKeyService } from '../hosts/node/key-service.js';
import { nodeClock as sensorClock } from '../hosts/node/sensors/clock.js';
import { createClient } from '../hosts/node/xmpp.js';
import { simulatedSpime } from '../hosts/sim/sensors/spime.js';
import type { RsaPrivateKey } from '../src/crypto/crypto.js';
import type { DataEntry } from '../src/openspime/data.js';
import { attachScopeNode } from '../src/roles/scopenode.js';
import { SpimeReporter } from '../src/roles/spime.js';
import { entryFields } from '../src/sensors/reading.js';
import type { Client } from '../src/xmpp/client.js';
import { startProsody } from './servers/prosody.js';
import type { TestServer } from './servers/server.js';

export interface SimulationOptions {
  /** Run this long once the fleet is online, then clean up and return; default: until stop (Ctrl-C). */
  seconds?: number;
  spimes?: number;
  seed?: number;
  /** Each spime reports this often, ms. */
  intervalMs?: number;
  log?: (line: string) => void;
}

export function prosodyInstalled(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'prosody')));
}

/** Up to this many spimes, one line per report and per spime online; above, one summary line per interval. */
const VERBOSE_FLEET = 10;
/** Spimes being set up at once: keys come from libuv's 4-thread pool, and a bounded set-up stops
 *  within one step when told to (an unbounded one would queue 200 key generations first). */
const SETUP_CONCURRENCY = 8;
/** At least this long between two logins, so a fleet's SCRAM logins (a PBKDF2 on each side the
 *  first time) and TLS handshakes do not all land on the server in the same instant. */
const LOGIN_SPACING_MS = 25;
/** Everything is stopped within this, whatever the fleet size: clients close in parallel. */
const CLIENT_STOP_MS = 2500;

class Stopped extends Error {}

/** Runs the simulation; resolves with the number of verified reports per spime JID. */
export async function runSimulation(o: SimulationOptions = {}, stopSignal?: Promise<void>): Promise<Map<string, number>> {
  const log = o.log ?? console.log;
  const count = o.spimes ?? 3;
  const seed = o.seed ?? 42;
  const intervalMs = o.intervalMs ?? 3000;
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

  let server: TestServer | undefined;
  let keyService: Awaited<ReturnType<typeof startKeyService>> | undefined;
  const clients: Client[] = [];
  const sims: Array<{ stop(): Promise<void> }> = [];
  const errors = new Map<string, number>();
  let reports = 0, rejected = 0;

  try {
    // Not raced: a server or component still starting when the stop came would be left behind.
    server = await startProsody();
    log(`${stamp()} prosody ${server.host} on 127.0.0.1:${server.c2sPort} (pid ${server.pid}), log ${server.logPath}`);
    const srv = server;
    keyService = await startKeyService({ port: srv.componentPort, domain: srv.componentDomain, secret: srv.componentSecret });
    if (stopRequested) throw new Stopped();
    const ks = keyService;
    const cert = ks.domain;
    const names = Array.from({ length: count }, (_, i) => `spime-${i + 1}`);

    /** An account, a fresh key published by the key service, and a client for `user`. */
    const identity = async (user: string): Promise<RsaPrivateKey> => {
      const [key] = await untilStop(Promise.all([generateNodeRsaKeyAsync(), srv.register(user, `${user}-pw`)]));
      ks.publish(`${user}@${srv.host}`, [key.publicKey]);
      return key;
    };
    const client = (user: string, resource: string): Client => {
      const c = createClient({ jid: `${user}@${srv.host}`, password: `${user}-pw`, resource, ca: srv.caPem, host: '127.0.0.1', port: srv.c2sPort });
      c.on('error', (e) => {
        if (verbose) log(`${stamp()} ${user}: ${e.message}`);
        else errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
      });
      clients.push(c);
      return c;
    };

    const scopeKey = await identity('scopenode');
    const scope = client('scopenode', 'scope');
    attachScopeNode({
      client: scope, crypto, key: scopeKey, certServices: [cert], now: Date.now,
      // sized to the fleet: the defaults (64 keys cached, 64 lookups a minute) suit a ScopeNode
      // of a few dozen spimes, and would refuse most of a 200-spime fleet's first reports
      keyDirectory: { maxEntries: count + 16, globalQuota: 2 * count + 16, maxNegative: count + 16 },
      accept: (osid, entries, info) => {
        verified.set(osid, (verified.get(osid) ?? 0) + 1);
        reports++;
        if (!verbose) return;
        for (const e of entries) {
          const fields = entryFields(e).map(([name, text, unit]) => `${name}=${text}${unit ? ` ${unit}` : ''}`).join('  ');
          log(`${stamp()} verified ${osid} (${info.signed ? 'signed' : 'unsigned'}, ${info.encrypted ? 'encrypted' : 'plain'})  ${fields}`);
        }
      },
      rejected: (from, condition) => { rejected++; log(`${stamp()} REJECTED report from ${from}: ${condition}`); },
    });
    log(`${stamp()} scopenode online as ${await untilStop(scope.start())}`);

    // The fleet: each spime gets its key, account and login as soon as one of the set-up slots is
    // free, logins at least LOGIN_SPACING_MS apart, and starts reporting once online.
    let online = 0;
    let nextLogin = Date.now();
    const progress = verbose ? undefined : setInterval(() => log(`${stamp()} set-up: ${online}/${count} spimes online`), 2000);
    const setUp = async (user: string, i: number) => {
      const key = await identity(user);
      const wait = nextLogin - Date.now();
      nextLogin = Math.max(nextLogin, Date.now()) + LOGIN_SPACING_MS;
      if (wait > 0) await untilStop(new Promise((r) => setTimeout(r, wait)));
      const c = client(user, 'sim');
      const jid = await untilStop(c.start());
      const tSensors = sensorClock.now();
      const sim = simulatedSpime({ clock: sensorClock, seed: seed + i, epoch: Date.now() - tSensors, outages: [[tSensors + 20_000, tSensors + 30_000]] });
      sims.push(sim);
      await untilStop(sim.start());
      const reporter = new SpimeReporter({ client: c, crypto, key, cert, scopeNode: scope.jid, scopeNodeCert: cert, now: Date.now });
      online++;
      if (verbose) log(`${stamp()} ${jid} online, sensors on ${sim.board.name} (seed ${seed + i})`);
      return { jid, sim, reporter };
    };
    let spimes: Array<Awaited<ReturnType<typeof setUp>>>;
    try {
      spimes = await pool(names, SETUP_CONCURRENCY, setUp, () => stopRequested);
    } finally {
      if (progress) clearInterval(progress);
    }
    if (!verbose) log(`${stamp()} ${count} spimes online (keys published by ${cert}); a report each every ${intervalMs / 1000} s`);

    let stopping = false;
    for (const [i, s] of spimes.entries()) {
      const tick = () => {
        if (stopping) return;
        const entry: DataEntry = s.sim.manager.entry(s.sim.time());
        s.reporter.report([entry]).catch((e) => {
          if (stopping) return;
          const why = (e as { condition?: string }).condition ?? (e as Error).message;
          if (verbose) log(`${stamp()} ${s.jid}: report refused: ${why}`);
          else errors.set(`report refused: ${why}`, (errors.get(`report refused: ${why}`) ?? 0) + 1);
        });
        after(intervalMs, tick);
      };
      // staggered, so the reports do not all arrive in the same instant
      after(1000 + (i * intervalMs) / count, tick);
    }
    if (!verbose) {
      let last = 0;
      const summary = () => {
        const fresh = reports - last;
        last = reports;
        const errs = [...errors].map(([m, n]) => `${n}× ${m}`).join('; ');
        errors.clear();
        log(`${stamp()} ${fresh} verified reports in the last ${intervalMs / 1000} s, from ${verified.size}/${count} spimes so far; ${reports} in all${rejected ? `, ${rejected} REJECTED` : ''}${errs ? `; ${errs}` : ''}`);
        after(intervalMs, summary);
      };
      after(intervalMs, summary);
    }

    if (o.seconds !== undefined) after(o.seconds * 1000, requestStop);
    await stopped;
    stopping = true;
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
  } finally {
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
    await bounded('clients', Promise.all([...sims.map((s) => s.stop()), ...clients.map((c) => c.stop())]), CLIENT_STOP_MS);
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
