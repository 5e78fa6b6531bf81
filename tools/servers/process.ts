// Server processes the tests start: each runs in its own process group, and a tiny `sh` watchdog
// kills that group and removes the server's dir if this Node process dies without cleaning up (a
// crashed jest worker, kill -9, a hang ended from outside), so no run leaves a server or its dir
// behind. Readiness is "every port accepts a TCP connection".
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  outPath: string;
  /** Loopback ports that must accept connections before the server counts as started. */
  ports: number[];
  /** Log files whose tails go into error messages. */
  logPaths?: string[];
  timeoutMs?: number;
  /** Removed by the watchdog once the server is gone, if this process dies first. */
  dir?: string;
}

export interface ServerProcess {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

export function logTail(paths: string[], lines = 40): string {
  return paths.filter((p) => existsSync(p)).map((p) => {
    const text = readFileSync(p, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `--- ${p} (last ${lines} lines)\n${text}`;
  }).join('\n');
}

// The watchdog's stdin is a pipe from us: EOF means we died. It runs in a session of its own and
// ignores the job-control signals, because whatever signals us — a terminal's ^C, `timeout`, a
// test killing our process group — reaches the whole group, and a watchdog dying with us is no
// watchdog. It waits (bounded) until the server's group is gone before removing the dir, so the
// server is not writing into it meanwhile. $0 = server pid (= its group), $1 = dir or ''. (dash's
// kill takes no `--`: `-PID` names the group.)
const WATCHDOG = `trap '' INT TERM HUP QUIT PIPE
read _
kill -KILL -"$0" 2>/dev/null
i=0
while kill -0 -"$0" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i+1)); done
[ -n "$1" ] && rm -rf -- "$1"
exit 0`;

export async function spawnServer(cmd: string, args: string[], o: SpawnOptions): Promise<ServerProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort for a test that forgot stop(): 'exit' handlers must be synchronous.
    process.on('exit', () => { for (const pid of live) killGroup(pid, 'SIGKILL'); });
  }
  const out = openSync(o.outPath, 'a');
  const child: ChildProcess = spawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot spawn ${cmd}: ${await new Promise((r) => child.once('error', r))}`);
  live.add(pid);
  const watchdog = spawn('sh', ['-c', WATCHDOG, String(pid), o.dir ?? ''], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.unref();
  (watchdog.stdin as NodeJS.WritableStream & { unref?: () => void }).on('error', () => {});
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => {
    live.delete(pid);
    // Children of the server (Erlang's helpers) die with the group.
    killGroup(pid, 'SIGKILL');
    resolve(code ?? sig ?? 'unknown');
  }));
  let stopped: Promise<void> | undefined;
  const proc: ServerProcess = {
    pid,
    exited,
    stop(graceMs = 3000) {
      stopped ??= (async () => {
        if (live.has(pid)) {
          killGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        watchdog.kill('SIGKILL');
      })();
      return stopped;
    },
  };
  const logs = [o.outPath, ...(o.logPaths ?? [])];
  const deadline = Date.now() + (o.timeoutMs ?? 20000);
  let exitedEarly: number | string | undefined;
  void exited.then((c) => { exitedEarly = c; });
  for (const port of o.ports) {
    for (;;) {
      if (exitedEarly !== undefined) {
        await proc.stop();
        throw new Error(`${cmd} exited (${exitedEarly}) before listening on ${port}\n${logTail(logs)}`);
      }
      if (await accepts(port)) break;
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`${cmd} did not listen on 127.0.0.1:${port} within ${o.timeoutMs ?? 20000} ms\n${logTail(logs)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return proc;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * TCP sockets a process listens on, as `address:port` (from /proc, so no iproute2 needed): lets
 * tests prove a server opened nothing but its loopback ports (no epmd, no distribution port).
 */
export function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch { /* fd closed meanwhile */ }
  }
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const local = f[1], state = f[3], inode = f[9];
      if (state !== '0A' || !inode || !inodes.has(inode) || !local) continue;
      const [hex, port] = local.split(':') as [string, string];
      const addr = hex.length === 8
        ? [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.')
        : hex === '00000000000000000000000000000000' ? '::' : `ipv6:${hex}`;
      found.push(`${addr}:${parseInt(port, 16)}`);
    }
  }
  return found.sort();
}
