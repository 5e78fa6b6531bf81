// A private PostgreSQL per test suite (the ScopeNode store's second backend): Debian's package,
// initdb in a throwaway dir, listening on 127.0.0.1 only on a fresh port, trust auth for the local
// superuser (reachable from loopback only, gone with the dir). PostgreSQL refuses to run as root,
// so when we are root the cluster belongs to, and the server runs as, an unprivileged user
// (`nobody`, via runuser). Started, watched and cleaned up like Prosody (tools/servers/process.ts).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePorts } from './ports.js';
import { logTail, spawnServer, type ServerProcess } from './process.js';
// @ts-expect-error: plain JavaScript tool without declarations
import { ensureServers } from '../ensure-servers.js';

export interface PostgresServer {
  readonly port: number;
  readonly pid: number;
  /** The cluster's superuser on database `postgres`. */
  readonly url: string;
  readonly dir: string;
  /** A fresh, empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

/** The directory of Debian's PostgreSQL server binaries (the newest version), or one on PATH. */
export function postgresBinDir(env = process.env): string | undefined {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  return (env.PATH ?? '').split(delimiter).find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** The user the server runs as when we are root. */
const SERVER_USER = 'nobody';
const SUPERUSER = 'spimekit';

export async function startPostgres(): Promise<PostgresServer> {
  // missing: installed now when this process may (as tools/ensure-servers.js does for Prosody),
  // else an error naming the command to run
  if (!postgresBinDir() && !(ensureServers as (needs: string[], o: object) => boolean)(['postgresql'], { command: 'the PostgreSQL test server' })) {
    throw new Error('PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH); see the install command above');
  }
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL was installed but no initdb was found in /usr/lib/postgresql/*/bin or on PATH');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'spimekit-postgres-'));
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  // as root: the whole dir is the server user's (mkdtemp made it 0700 root)
  const as = (cmd: string, args: string[]): [string, string[]] => (root ? ['runuser', ['-u', SERVER_USER, '--', cmd, ...args]] : [cmd, args]);
  try {
    if (root) {
      const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const [initCmd, initArgs] = as(join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    execFileSync(initCmd, initArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${err.stderr?.toString() || err.message}`);
  }
  const [port] = await freePorts(1) as [number];
  const [cmd, args] = as(join(bin, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
    // a throwaway test cluster: no fsync, small memory
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=40',
    '-c', 'logging_collector=off', '-c', `log_min_messages=warning`,
  ]);
  let proc: ServerProcess;
  try {
    proc = await spawnServer(cmd, args, { cwd: dir, outPath: logPath, ports: [port], dir, timeoutMs: 30_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  // the port accepts before the server takes queries: wait until it does
  const deadline = Date.now() + 20_000;
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      break;
    } catch (e) {
      await c.end().catch(() => {});
      if (Date.now() > deadline) { await proc.stop(); rmSync(dir, { recursive: true, force: true }); throw new Error(`postgres did not answer: ${(e as Error).message}\n${logTail([logPath])}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    port, url, dir,
    get pid() { return proc.pid; },
    async createDatabase(name: string) {
      if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) throw new Error(`database name '${name}'`);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    stop() {
      stopped ??= (async () => {
        await proc.stop(5000);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
    logTail: (lines?: number) => logTail([logPath], lines),
  };
}
