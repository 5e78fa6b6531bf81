// The XMPP servers `npm test` and `npm start` run privately on loopback (Prosody, ejabberd, and
// openssl for their throwaway certificates) are system packages, not npm ones. Before anything else
// runs, both commands call `ensureServers`: when something is missing and this process may install
// (root or passwordless sudo, apt-get present, SPIMEKIT_NO_INSTALL unset), it says so in one line
// and installs `prosody lua-unbound ejabberd openssl` with the packages' own daemons kept from
// starting (a policy-rc.d that refuses, as .ci/run does); otherwise it stops at once with the exact
// install command for this system (Debian/Ubuntu, Fedora, macOS with Homebrew).
// `node tools/ensure-servers.js [prosody] [ejabberd] [openssl]`: the same, exit 0 when ready, 1 not.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGES = ['prosody', 'lua-unbound', 'ejabberd', 'openssl'];
// lua-unbound is only Prosody's preferred DNS library (a warning at start without it): not probed.
// ejabberd is started through `erl` with the libraries its Debian ejabberdctl names
// (test/servers/ejabberd.ts), so both must be there.
const PROBES = { prosody: ['prosody'], ejabberd: ['ejabberdctl', 'erl'], openssl: ['openssl'], postgresql: ['initdb', 'postgres'], chromium: ['chromium'] };
// Installed only when asked for (npm test asks): PostgreSQL, the ScopeNode store's second backend
// (test/scopenode/store.test.ts; Debian keeps its server binaries in /usr/lib/postgresql/<version>/bin),
// and Chromium, the browser the dashboard test drives headless (test/scopenode/dashboard.test.ts).
const OPTIONAL_PACKAGES = { postgresql: ['postgresql'], chromium: ['chromium'] };
const packagesFor = (needs) => [...PACKAGES, ...needs.flatMap((n) => OPTIONAL_PACKAGES[n] ?? [])];
function postgresBinDirs() {
  try { return readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin')); } catch { return []; }
}
const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const PROSODY_PID = '/run/prosody/prosody.pid';

function onPath(cmd, env) {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  // Debian puts ejabberdctl in /usr/sbin, which a user's PATH often lacks.
  if (cmd === 'ejabberdctl') dirs.push('/usr/sbin');
  if (cmd === 'initdb' || cmd === 'postgres') dirs.push(...postgresBinDirs());
  return dirs.some((dir) => {
    try { return statSync(join(dir, cmd)).isFile(); } catch { return false; }
  });
}

/** The needed servers (keys of PROBES) whose commands are not installed. */
export function missingServers(needs, env = process.env) {
  return needs.filter((name) => PROBES[name].some((cmd) => !onPath(cmd, env)));
}

/** 'debian' | 'fedora' | 'macos' | 'unknown', from /etc/os-release's ID and ID_LIKE, or uname. */
export function detectSystem(osRelease, platform = process.platform) {
  if (platform === 'darwin') return 'macos';
  const field = (k) => (new RegExp(`^${k}=["']?([^"'\\n]*)`, 'm').exec(osRelease ?? '')?.[1] ?? '').toLowerCase().split(/\s+/);
  const ids = [...field('ID'), ...field('ID_LIKE')];
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'debian';
  if (ids.some((id) => id === 'fedora' || id === 'rhel' || id === 'centos')) return 'fedora';
  return 'unknown';
}

/** The one command a person runs to install the servers on `system`. */
export function installCommand(system, root, packages = PACKAGES) {
  const sudo = root ? '' : 'sudo ';
  switch (system) {
    case 'debian': return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
    case 'fedora': return `${sudo}dnf install -y ${packages.map((p) => (p === 'postgresql' ? 'postgresql-server' : p)).join(' ')}`;
    case 'macos': return `brew install prosody ejabberd openssl${packages.includes('postgresql') ? ' postgresql@15' : ''}${packages.includes('chromium') ? ' && brew install --cask chromium' : ''}`;
    default: return `your system's package manager: ${packages.join(' ')} (Debian names)`;
  }
}

function readOsRelease(env) {
  try { return readFileSync(env.SPIMEKIT_OS_RELEASE ?? '/etc/os-release', 'utf8'); } catch { return ''; }
}

/** How this process could install, or why it cannot: {prefix: [...]} | {reason}. */
function installer(env, system) {
  if (env.SPIMEKIT_NO_INSTALL) return { reason: 'SPIMEKIT_NO_INSTALL is set' };
  if (system !== 'debian') return { reason: 'automatic install is done with apt-get only' };
  if (!onPath('apt-get', env)) return { reason: 'apt-get is not on PATH' };
  if (process.getuid?.() === 0) return { prefix: [] };
  if (onPath('sudo', env) && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env }).status === 0) return { prefix: ['sudo', '-n'] };
  return { reason: 'not root, and sudo needs a password' };
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function readPid(file) {
  try { const pid = Number(readFileSync(file, 'utf8').trim()); return pid > 1 ? pid : undefined; } catch { return undefined; }
}

function aptInstall(prefix, env, log, packages) {
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    return r.status === 0;
  };
  const daemonBefore = readPid(PROSODY_PID);
  // Keep the packages' own daemons (and ejabberd's epmd, on all interfaces) from starting at all.
  const madePolicy = !existsSync(POLICY_RC_D) && run(['sh', '-c', `printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC_D} && chmod +x ${POLICY_RC_D}`]);
  try {
    if (!run(['apt-get', 'update', '-qq'])) return false;
    return run(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  } finally {
    if (madePolicy) run(['rm', '-f', POLICY_RC_D]);
    // Had a Prosody daemon started anyway (no policy-rc.d support), stop that one: only its pid.
    const daemon = readPid(PROSODY_PID);
    if (daemon && daemon !== daemonBefore && pidAlive(daemon)) {
      log(`stopping the Prosody daemon the package started (pid ${daemon}); the tests run their own`);
      if (prefix.length) run(['kill', String(daemon)]);
      else try { process.kill(daemon, 'SIGTERM'); } catch { /* gone meanwhile */ }
    }
  }
}

/**
 * Makes sure the servers in `needs` are installed, installing them when allowed. Returns true when
 * they are; otherwise prints why and the command to run, and returns false (the caller exits).
 */
export function ensureServers(needs, { command = 'this command', env = process.env, log = console.log, error = console.error } = {}) {
  const missing = missingServers(needs, env);
  if (!missing.length) return true;
  const system = detectSystem(readOsRelease(env));
  const how = installer(env, system);
  const packages = packagesFor(needs);
  const what = `${command} runs private ${missing.every((m) => m in OPTIONAL_PACKAGES) ? 'servers (and a headless browser)' : 'XMPP servers'} on loopback and needs ${missing.join(', ')}, not installed`;
  if (how.prefix) {
    log(`${what}: installing ${packages.join(' ')} with ${how.prefix.length ? 'sudo ' : ''}apt-get (the packages' own daemons kept from starting)`);
    const installed = aptInstall(how.prefix, env, log, packages);
    const still = missingServers(needs, env);
    if (installed && !still.length) return true;
    error(`${command}: installing with apt-get failed${still.length ? ` (${still.join(', ')} still missing)` : ''}. Install by hand with:\n  ${installCommand(system, process.getuid?.() === 0, packages)}`);
    return false;
  }
  error(`${what} (${how.reason}). Install ${missing.length > 1 ? 'them' : 'it'} with:\n  ${installCommand(system, process.getuid?.() === 0, packages)}`);
  return false;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const needs = process.argv.slice(2);
  const unknown = needs.filter((n) => !(n in PROBES));
  if (unknown.length) { console.error(`unknown server: ${unknown.join(', ')} (known: ${Object.keys(PROBES).join(', ')})`); process.exit(2); }
  process.exit(ensureServers(needs.length ? needs : Object.keys(PROBES).filter((n) => !(n in OPTIONAL_PACKAGES)), { command: 'spimekit' }) ? 0 : 1);
}
