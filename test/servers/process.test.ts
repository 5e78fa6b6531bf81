// Proves the no-orphans guarantee of process.ts: when the Node process that started a server dies
// without cleaning up (SIGKILL, so no 'exit' handler runs), the watchdog kills the server.
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('server process watchdog', () => {
  test('a server does not outlive the Node process that started it, even on SIGKILL', async () => {
    // cli.ts starts a Prosody and prints its pid; its parent is the Node process we then kill.
    const runner = spawn(process.execPath, ['tools/run-ts.js', 'test/servers/cli.ts', 'prosody'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const dirOf = () => /\n  dir +(\S+)/.exec(out)?.[1];
    const pid = await new Promise<number>((resolve, reject) => {
      runner.stdout!.on('data', (d) => {
        out += d.toString();
        const m = /\(pid (\d+)\)/.exec(out);
        if (m && dirOf()) resolve(Number(m[1]));
      });
      runner.once('exit', () => reject(new Error(`cli exited early: ${out}`)));
    });
    const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    expect(alive(pid)).toBe(true);
    process.kill(parent, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    await new Promise((r) => (runner.exitCode !== null ? r(null) : runner.once('exit', r)));
    // Nobody was left to delete the server's dir.
    rmSync(dirOf()!, { recursive: true, force: true });
  });
});
