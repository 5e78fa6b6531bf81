// `npm start [-- --seconds N] [--spimes N] [--seed S] [--interval MS] [--batch N] [--batch-wait S]
// [--outage-at S] [--outage-for S] [--data-dir DIR] [--dashboard-port N]`: the host simulation (tools/simulation.ts): a
// private Prosody, the key service, a ScopeNode and simulated spimes running the spime application
// on file-backed flash, sending signed, encrypted batches. Runs until Ctrl-C, or N seconds (then
// drains the flash); then stops every process it started. With --data-dir the flash files and the
// ScopeNode's store are kept there and found again by the next run (even after a kill -9). The
// ScopeNode is the service (hosts/node/scopenode/): SQLite store in the data dir, SpimeSeek, and
// the dashboard on 127.0.0.1 (port 8080, or a free one), whose URL it prints.
// Bundled with esbuild (a devDependency) like the other TypeScript tools.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureServers } from './ensure-servers.js';

// Prosody (and openssl for its certificate) first: installed now, or a stop with the command to run.
if (!ensureServers(['prosody', 'openssl'], { command: 'npm start' })) process.exit(1);

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const option = (name, fallback, { zero = false } = {}) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero)) { console.error(`--${name} needs a ${zero ? 'non-negative' : 'positive'} number`); process.exit(2); }
  return value;
};
const dataDirAt = args.indexOf('--data-dir');
if (dataDirAt >= 0 && !args[dataDirAt + 1]) { console.error('--data-dir needs a directory'); process.exit(2); }
const options = {
  seconds: option('seconds', undefined), spimes: option('spimes', 3), seed: option('seed', 42), intervalMs: option('interval', 3000),
  batchEntries: option('batch', 5), batchWaitMs: option('batch-wait', 15) * 1000,
  outageAtS: option('outage-at', 15, { zero: true }), outageForS: option('outage-for', 20, { zero: true }),
  dataDir: dataDirAt >= 0 ? resolve(args[dataDirAt + 1]) : undefined,
  dashboardPort: option('dashboard-port', 8080, { zero: true }),
};

// Inside the repository: the bundle's packages (better-sqlite3, pg, uplot) and the dashboard's
// files are found from where it sits.
mkdirSync(join(root, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(root, '.tmp', 'start-'));
try {
  const out = join(dir, 'simulation.mjs');
  await esbuild.build({
    entryPoints: [join(root, 'tools/simulation.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: out, packages: 'external', logLevel: 'warning',
  });
  const { runSimulation, prosodyInstalled } = await import(pathToFileURL(out).href);
  // Loaded: the bundle is not needed any more, so a killed run leaves no dir of ours behind.
  rmSync(dir, { recursive: true, force: true });
  if (!prosodyInstalled()) {
    console.error('npm start needs Prosody (the XMPP server the simulation runs privately on loopback), and `prosody` is not on PATH.\n'
      + 'Install it with:  sudo apt-get install prosody   (Debian/Ubuntu; .ci/run does this)');
    process.exitCode = 1;
  } else {
    // Ctrl-C (or SIGTERM) ends the run the same way the deadline does: every process cleaned up.
    let stop;
    const stopped = new Promise((r) => { stop = r; });
    // A second one exits at once (the servers' watchdogs still stop them: tools/servers/process.ts).
    let signals = 0;
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
      if (signals++) process.exit(130);
      console.log(`\n${sig}: stopping`);
      stop();
    });
    console.log(`spimekit host simulation: ${options.spimes} spimes, ${options.seconds ? `${options.seconds} s` : 'until Ctrl-C'}; each takes a reading every ${options.intervalMs / 1000} s, `
      + `a report carries up to ${options.batchEntries} entries or what waited ${options.batchWaitMs / 1000} s`
      + `${options.spimes >= 2 && options.outageForS > 0 ? `; spime-2's link cut ${options.outageAtS} s in for ${options.outageForS} s` : ''}; `
      + `data dir ${options.dataDir ?? 'temporary (removed at exit)'}`);
    const verified = await runSimulation(options, stopped);
    const counts = [...verified.values()];
    const summary = verified.size > 10
      ? `${verified.size} of ${options.spimes} spimes, ${Math.min(...counts)} to ${Math.max(...counts)} each`
      : [...verified].map(([jid, n]) => `${jid}: ${n}`).join(', ');
    console.log(`done: verified reports per spime — ${summary || 'none'}`);
    process.exitCode = verified.size ? 0 : 1;
  }
} catch (e) {
  console.error(`npm start: ${e.stack ?? e}`);
  process.exitCode = 2;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
