// `npm start` end to end: the real script, its private Prosody, key service, ScopeNode and three
// simulated spimes for 8 seconds. Every spime's reports must come out verified and decrypted, the
// script must exit 0, and the server it started must be gone.
import { describe, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('npm start (the host simulation)', () => {
  test('three spimes report for 8 s; the ScopeNode prints verified, decrypted entries of each; everything is cleaned up', async () => {
    const { stdout } = await run(process.execPath, ['tools/start.js', '--seconds', '8'], { timeout: 60_000 });
    for (const n of [1, 2, 3]) {
      const lines = stdout.split('\n').filter((l) => l.includes(`verified spime-${n}@spimekit.test/sim (signed, encrypted)`));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0]).toMatch(/date=\d{4}-\d\d-\d\dT[\d:]+Z .*pressure=\d+ Pa/);
    }
    expect(stdout).not.toContain('REJECTED');
    const pid = Number(/\(pid (\d+)\)/.exec(stdout)![1]);
    expect(() => process.kill(pid, 0)).toThrow(); // the Prosody it started is gone
    const dir = /log (\S+)\/prosody\.log/.exec(stdout)![1];
    expect(existsSync(dir)).toBe(false);
  }, 70_000);
});

// Stopping and killing `npm start` in each phase. Waits carry deadlines (a hang fails the test
// instead of wedging the run); none asserts a speed.
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `node tools/start.js args`, resolves once `ready` matches its output. */
function startSimulation(args: string[], ready: RegExp) {
  const child = spawn(process.execPath, ['tools/start.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const server = () => {
    const pid = /\(pid (\d+)\)/.exec(out);
    const dir = /log (\S+)\/prosody\.log/.exec(out);
    return pid && dir ? { pid: Number(pid[1]), dir: dir[1] as string } : undefined;
  };
  return { child, exited, output: () => out, server, ready: until(`output matching ${ready}`, () => ready.test(out), 60_000) };
}

describe('npm start stops promptly and leaves nothing behind', () => {
  test('SIGINT during the set-up of 50 spimes: it exits, its Prosody is gone and the dir removed', async () => {
    const sim = startSimulation(['--spimes', '50', '--seconds', '600'], /\(pid \d+\)/);
    try {
      await sim.ready;
      const { pid, dir } = sim.server()!;
      expect(sim.output()).not.toContain('50 spimes online');
      sim.child.kill('SIGINT');
      await until('the simulation exits after SIGINT', () => sim.child.exitCode !== null, 5000);
      expect(sim.output()).not.toContain('50 spimes online'); // it was stopped in set-up
      expect(alive(pid)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    } finally { sim.child.kill('SIGKILL'); }
  }, 90_000);

  test('a second SIGINT ends it at once; the watchdog still removes the server', async () => {
    const sim = startSimulation(['--spimes', '50', '--seconds', '600'], /\(pid \d+\)/);
    try {
      await sim.ready;
      const { pid, dir } = sim.server()!;
      sim.child.kill('SIGINT');
      sim.child.kill('SIGINT');
      await until('the simulation exits after two SIGINTs', () => sim.child.exitCode !== null || sim.child.signalCode !== null, 5000);
      await until('its Prosody is gone and the dir removed', () => !alive(pid) && !existsSync(dir), 10_000);
    } finally { sim.child.kill('SIGKILL'); }
  }, 90_000);

  for (const [phase, args, ready] of [
    ['during set-up', ['--spimes', '50', '--seconds', '600'], /\(pid \d+\)/],
    ['while reporting', ['--seconds', '600'], /verified spime-1@/],
  ] as const) {
    test(`kill -9 ${phase}: the watchdog kills its Prosody and removes the dir`, async () => {
      const sim = startSimulation([...args], ready);
      try {
        await sim.ready;
        const { pid, dir } = sim.server()!;
        expect(alive(pid)).toBe(true);
        sim.child.kill('SIGKILL');
        await sim.exited;
        await until(`Prosody ${pid} gone and ${dir} removed`, () => !alive(pid) && !existsSync(dir), 10_000);
      } finally { sim.child.kill('SIGKILL'); }
    }, 90_000);
  }
});
