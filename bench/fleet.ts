// Fleet benchmark: how many simulated spimes one machine carries, and which part gives out first.
//
//   npm run bench:fleet -- --spimes N [--minutes M] [--interval S] [--batch N] [--identities DIR] [--debug-log]
//
// Three processes, measured apart: a private Prosody; this one (the ScopeNode — verify, decrypt,
// store by (osid, date) — and the key service); and bench/fleet-spimes.ts, forked, running the N
// spimes (sensors, flash, sessions, sealing) as `npm start` does. Identities come from the kept
// cache (tools/fleet/identities.ts; the first run with a new N makes the missing keys, once).
// Each spime takes a reading every --interval s (default 60) and sends a report of --batch
// entries (default 1: one report a minute each). After all are online and one interval has
// passed, --minutes M (default 2) are measured; then the spimes drain their flash and the entries
// stored are compared with the entries read. Prints: time until all online, reports/s sustained,
// CPU per report on each side, memory per spime, Prosody's CPU and memory, the machine's load,
// and entries lost (read, not stored, not dropped for a full flash: must be 0). Prosody logs at
// "info" (--debug-log: "debug", the test harness's default, which costs it several times the CPU).
import * as esbuild from 'esbuild';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNodeCrypto } from '../hosts/node/crypto.js';
import { startKeyService } from '../hosts/node/key-service.js';
import { createClient } from '../hosts/node/xmpp.js';
import { parseDateTime } from '../src/openspime/datetime.js';
import { attachScopeNode } from '../src/roles/scopenode.js';
import { defaultIdentitiesDir, IdentityCache } from '../tools/fleet/identities.js';
import { startProsody } from '../tools/servers/prosody.js';
import type { FleetSpimesConfig, FleetSpimesStatus } from './fleet-spimes.js';

const args = process.argv.slice(2);
const num = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) { console.error(`--${name} needs a positive number`); process.exit(2); }
  return v;
};
const count = Math.floor(num('spimes', 100));
const minutes = num('minutes', 2);
const intervalMs = num('interval', 60) * 1000;
const batch = Math.floor(num('batch', 1));
/** Logins at least this far apart, set-ups at once: the same spreading as `npm start`. */
const LOGIN_SPACING_MS = num('login-spacing', Math.min(25, 20_000 / count));
const SETUP_CONCURRENCY = 16;
const ONLINE_DEADLINE_MS = 10 * 60_000;
const DRAIN_DEADLINE_MS = 120_000;

/** utime + stime of a process, µs (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function procCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
/** VmRSS of a process, bytes (/proc/PID/status). */
function procRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
const selfCpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;

const load0 = loadavg();
console.log(`bench:fleet: ${count} spimes, a reading every ${intervalMs / 1000} s, reports of ${batch} (${(count / (intervalMs * batch / 1000)).toFixed(1)} reports/s expected), ${minutes} min measured; `
  + `${cpus().length} cores, load average ${load0.map((x) => x.toFixed(2)).join(' ')} before`);

// identities first (outside every measurement)
const identitiesAt = args.indexOf('--identities');
const identitiesDir = identitiesAt >= 0 && args[identitiesAt + 1] ? resolve(args[identitiesAt + 1]!) : defaultIdentitiesDir();
const ids = new IdentityCache(identitiesDir);
const names = Array.from({ length: count }, (_, i) => `spime-${i + 1}`);
const missing = names.filter((n) => !ids.has(n)).length;
if (missing) {
  console.log(`${stamp()} making ${missing} identities (RSA keys, SCRAM records), kept in ${ids.path} for later runs`);
  let done = 0;
  const lanes = Array.from({ length: 4 }, async (_, lane) => {
    for (let i = lane; i < names.length; i += 4) { await ids.get(names[i]!); if (++done % 100 === 0) console.log(`${stamp()}   ${done}/${names.length}`); }
  });
  await Promise.all(lanes);
}
await ids.get('scopenode');

const server = await startProsody({ logLevel: args.includes('--debug-log') ? 'debug' : 'info' });
const work = mkdtempSync(join(tmpdir(), 'spimekit-bench-fleet-'));
let child: ReturnType<typeof fork> | undefined;
let exitCode = 0;
try {
  const keys = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  for (const user of [...names, 'scopenode']) {
    const id = await ids.get(user);
    server.registerScram(user, id.account);
    keys.publish(`${user}@${server.host}`, [id.key.publicKey]);
  }

  // the ScopeNode: verify, decrypt, store (osid, date) once
  const scopeId = await ids.get('scopenode');
  const scope = createClient({ jid: `scopenode@${server.host}`, password: scopeId.password, scramCache: scopeId.scramCache(), resource: 'scope', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort });
  let scopeErrors = 0, reports = 0, rejected = 0, duplicates = 0;
  scope.on('error', () => { scopeErrors++; });
  const store = new Set<string>();
  const rejections = new Map<string, number>();
  attachScopeNode({
    client: scope, crypto: createNodeCrypto(), key: scopeId.key, certServices: [keys.domain], now: Date.now,
    keyDirectory: { maxEntries: count + 16, globalQuota: 2 * count + 16, maxNegative: count + 16, maxPeers: count + 16, maxConcurrent: 16 },
    duplicates: (_o, n) => { duplicates += n; },
    accept: (osid, entries) => {
      reports++;
      for (const e of entries) {
        const id = `${osid} ${parseDateTime(e.date)}`;
        if (store.has(id)) duplicates++;
        else store.add(id);
      }
    },
    rejected: (_from, condition) => { rejected++; rejections.set(condition, (rejections.get(condition) ?? 0) + 1); },
  });
  await scope.start();
  console.log(`${stamp()} prosody (pid ${server.pid}), key service and ScopeNode up; ${count} accounts written from their SCRAM records`);

  // the spimes' process
  const bundle = join(work, 'fleet-spimes.mjs');
  await esbuild.build({ entryPoints: [resolve('bench/fleet-spimes.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: bundle, packages: 'external', logLevel: 'warning' });
  child = fork(bundle, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
  let last: FleetSpimesStatus | undefined;
  let failed: string | undefined;
  child.on('message', (m: FleetSpimesStatus | { type: 'failed'; message: string }) => {
    if (m.type === 'status') last = m;
    else failed = m.message;
  });
  const config: FleetSpimesConfig = {
    names, identitiesDir, flashDir: join(work, 'flash'), host: server.host, port: server.c2sPort, ca: server.caPem,
    scopeNode: scope.jid, cert: keys.domain, intervalMs, batchEntries: batch, batchWaitMs: intervalMs * batch + 15_000,
    loginSpacingMs: LOGIN_SPACING_MS, setupConcurrency: SETUP_CONCURRENCY, seed: 42,
  };
  const setUp0 = { scope: selfCpuUs(), prosody: procCpuUs(server.pid) };
  child.send({ type: 'start', config });
  const line = (s: FleetSpimesStatus) => `online ${s.online}/${count} | ${reports} reports verified | ${s.queued} entries queued | ${s.dropped} dropped | ${s.errors + scopeErrors} errors${s.topError ? ` (${s.topError})` : ''}${rejected ? ` | ${rejected} refused` : ''}`;
  const waitFor = async (what: string, ok: () => boolean, ms: number, every = 5000) => {
    const deadline = Date.now() + ms;
    let shown = Date.now();
    while (!ok()) {
      if (failed) throw new Error(`the spimes' process failed: ${failed}`);
      if (Date.now() > deadline) throw new Error(`not within ${ms / 1000} s: ${what}`);
      if (Date.now() - shown >= every && last) { console.log(`${stamp()} ${line(last)}`); shown = Date.now(); }
      await sleep(200);
    }
  };
  await waitFor('all spimes online', () => last?.allOnlineMs !== undefined, ONLINE_DEADLINE_MS);
  const allOnlineMs = last!.allOnlineMs!;
  console.log(`${stamp()} all ${count} online ${(allOnlineMs / 1000).toFixed(1)} s after the first login began`);
  const rssOnline = last!.rss, baseRss = last!.baseRss;
  // what the logins cost: CPU seconds per side from the start message to all online
  const setUpCpu = { spimes: last!.cpuUs - last!.startCpuUs, scope: selfCpuUs() - setUp0.scope, prosody: procCpuUs(server.pid) - setUp0.prosody };

  // warm-up: one interval (every spime's first reading, the ScopeNode's key lookups), then measure
  const warm = Date.now() + intervalMs * batch + 5000;
  await waitFor('the warm-up', () => Date.now() >= warm, intervalMs * batch + 60_000);
  const a = { at: Date.now(), reports, spime: last!.cpuUs, scope: selfCpuUs(), prosody: procCpuUs(server.pid), queued: last!.queued };
  const measureEnd = a.at + minutes * 60_000;
  await waitFor('the measured minutes', () => Date.now() >= measureEnd, minutes * 60_000 + 60_000);
  const b = { at: Date.now(), reports, spime: last!.cpuUs, scope: selfCpuUs(), prosody: procCpuUs(server.pid), queued: last!.queued };
  const prosodyRss = procRss(server.pid);
  const rssRunning = last!.rss;

  const secs = (b.at - a.at) / 1000;
  const n = b.reports - a.reports;
  const perReport = (us: number) => (n ? `${(us / n / 1000).toFixed(2)} ms` : 'n/a');
  const share = (us: number) => `${((us / 1e6 / secs) * 100).toFixed(1)}% of a core`;
  const measuredRows: Array<[string, string]> = [
    ['spimes', `${count} (a reading every ${intervalMs / 1000} s, ${batch} per report: ${(count / (intervalMs * batch / 1000)).toFixed(1)} reports/s offered)`],
    ['time until all online', `${(allOnlineMs / 1000).toFixed(1)} s (logins ${LOGIN_SPACING_MS} ms apart at least, ${SETUP_CONCURRENCY} set up at once)`],
    ['set-up CPU (to all online)', `spimes ${(setUpCpu.spimes / 1e6).toFixed(1)} s, Prosody ${(setUpCpu.prosody / 1e6).toFixed(1)} s, ScopeNode ${(setUpCpu.scope / 1e6).toFixed(1)} s `
      + `(${((setUpCpu.prosody / 1000) / count).toFixed(1)} ms of Prosody per login)`],
    ['reports/s sustained', `${(n / secs).toFixed(2)} over ${secs.toFixed(0)} s (${n} reports); entries queued ${a.queued} → ${b.queued}`
      + `${b.queued > a.queued + count ? ' — SATURATED: the queues grew, the offered rate is beyond what the fleet carries' : ''}`],
    ['CPU per report, spime side', `${perReport(b.spime - a.spime)} (${share(b.spime - a.spime)})`],
    ['CPU per report, ScopeNode side', `${perReport(b.scope - a.scope)} (${share(b.scope - a.scope)}; with the key service)`],
    ['CPU per report, Prosody', `${perReport(b.prosody - a.prosody)} (${share(b.prosody - a.prosody)})`],
    ['memory per simulated spime', `${((rssRunning - baseRss) / count / 1024).toFixed(0)} KB (spimes' process RSS ${mb(baseRss)} empty, ${mb(rssOnline)} all online, ${mb(rssRunning)} running)`],
    ['Prosody memory', `${mb(prosodyRss)} RSS (${((prosodyRss / count) / 1024).toFixed(0)} KB per session, all included)`],
  ];
  console.log('');
  for (const [k, v] of measuredRows) console.log(`${k.padEnd(32)}${v}`);
  console.log('');

  console.log(`${stamp()} draining the spimes' flash`);
  child.send({ type: 'drain' });
  await sleep(3000);
  // a saturated run drains a long queue: allow 20 ms an entry beyond the base deadline
  await waitFor('the flash drained', () => last!.queued === 0 && last!.entriesAcked + last!.dropped >= last!.produced, DRAIN_DEADLINE_MS + last!.queued * 20);
  await sleep(1500); // the last acknowledgements' entries are in the store
  const final = await new Promise<FleetSpimesStatus>((r) => {
    child!.on('message', (m: FleetSpimesStatus) => { if (m.type === 'status') r(m); });
    child!.send({ type: 'stop' });
  });

  const lost = final.produced - store.size - final.dropped;
  const load1 = loadavg();
  const rows: Array<[string, string]> = [
    ['entries', `${final.produced} read, ${store.size} stored, ${final.dropped} dropped (flash full), ${duplicates} duplicates ignored`],
    ['reports refused (sent again)', `${rejected}${rejected ? ` (${[...rejections].map(([k, v]) => `${v}× ${k}`).join(', ')})` : ''}`],
    ['entries lost', `${lost}`],
    ['errors', `${final.errors} on the spimes' sessions${final.topError ? ` (${final.topError})` : ''}, ${scopeErrors} on the ScopeNode's`],
    ['machine load average', `${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after (${cpus().length} cores)`],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(32)}${v}`);
  if (lost !== 0 || final.dropped !== 0) { console.log('\nFAIL: entries lost or dropped'); exitCode = 1; }
  await keys.close();
  await scope.stop();
} catch (e) {
  console.error(`bench:fleet: ${(e as Error).stack ?? e}`);
  exitCode = 2;
} finally {
  child?.kill('SIGKILL');
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
