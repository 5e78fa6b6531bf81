// `npm start` end to end: the real script, its private Prosody, key service, ScopeNode and three
// simulated spimes for 8 seconds. Every spime's reports must come out verified and decrypted, the
// script must exit 0, and the server it started must be gone.
import { describe, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';

const run = promisify(execFile);

describe('npm start (the host simulation)', () => {
  test('three spimes report for 8 s; the ScopeNode prints verified, decrypted entries of each; everything is cleaned up', async () => {
    const { stdout } = await run(process.execPath, ['tools/start.js', '--seconds', '8'], { timeout: 60_000 });
    for (const n of [1, 2, 3]) {
      const lines = stdout.split('\n').filter((l) => l.includes(`verified spime-${n}@spimekit.test/sim (signed, encrypted)`));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0]).toMatch(/date=\d{4}-\d\d-\d\dT[\d:]+(\.\d+)?Z .*pressure=\d+ Pa/);
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

// The spime application in `npm start`: flash, batches, the scripted outage, the ScopeNode's store.
const finalCounts = (out: string) => {
  const m = /stored (\d+) of (\d+) entries produced \((\d+) read this run, (\d+) found in flash/.exec(out);
  return m ? { stored: Number(m[1]), produced: Number(m[2]), read: Number(m[3]), fromFlash: Number(m[4]) } : undefined;
};

describe('npm start runs the spime application on flash', () => {
  test('a timed run with an outage: spime-2 fills its flash while cut and drains it; reports carry batches; stored == produced', async () => {
    const { stdout } = await run(process.execPath, ['tools/start.js', '--seconds', '25', '--outage-at', '4', '--outage-for', '8'], { timeout: 90_000 });
    expect(stdout).toMatch(/OUTAGE: spime-2's link cut for 8 s/);
    expect(stdout).toMatch(/OUTAGE over: spime-2's link back/);
    const whileCut = [...stdout.matchAll(/spime-2 \(offline\): (\d+) in flash/g)].map((m) => Number(m[1]));
    expect(Math.max(...whileCut)).toBeGreaterThanOrEqual(3); // the queue filled while cut
    const afterOutage = stdout.slice(stdout.indexOf('OUTAGE over'));
    expect(afterOutage).toMatch(/spime-2: report of \d+ entries acknowledged; 0 in flash/); // and drained
    // the spimes not cut send batches: 5 entries, or what 15 s gathered (the cut one's backlog may end in a short one)
    const beforeDrain = stdout.slice(0, stdout.indexOf('draining:'));
    const batches = [...beforeDrain.matchAll(/spime-[13]: report of (\d+) entries acknowledged/g)].map((m) => Number(m[1]));
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches.every((n) => n > 1)).toBe(true);
    expect(/\((\d+\.\d) each on average/.exec(stdout)![1]).not.toBe('1.0');
    expect(stdout).toContain('drained: no entries in flash');
    const counts = finalCounts(stdout)!;
    expect(counts.produced).toBeGreaterThan(15);
    expect(counts.stored).toBe(counts.produced);
    for (const m of stdout.matchAll(/verified \S+ \(signed, encrypted\)\s+date=(\S+)/g)) expect(m[1]).toMatch(/^20\d\d-/); // dated now, not 1970
    expect(stdout).not.toMatch(/REJECTED|DROPPED|HALTED/);
  }, 100_000);

  test('kill -9 while spime-2 is cut, start again with the same --data-dir: the entries in its flash arrive', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spimekit-start-data-'));
    try {
      const first = startSimulation(['--data-dir', dataDir, '--seconds', '600', '--outage-at', '1', '--outage-for', '600'], /spime-2 \(offline\): ([3-9]|\d\d+) in flash/);
      try {
        await first.ready;
        const { pid } = first.server()!;
        first.child.kill('SIGKILL');
        await first.exited;
        await until(`Prosody ${pid} gone`, () => !alive(pid), 10_000);
      } finally { first.child.kill('SIGKILL'); }
      const inFlash = Math.max(...[...first.output().matchAll(/spime-2 \(offline\): (\d+) in flash/g)].map((m) => Number(m[1])));
      expect(existsSync(join(dataDir, 'spime-2.flash'))).toBe(true); // kept

      const { stdout } = await run(process.execPath, ['tools/start.js', '--data-dir', dataDir, '--seconds', '6', '--outage-for', '0'], { timeout: 60_000 });
      const found = Number(/spime-2: (\d+) entries in flash from an earlier run/.exec(stdout)![1]);
      expect(found).toBeGreaterThanOrEqual(inFlash); // at least what it had when killed (one more may have been read)
      const counts = finalCounts(stdout)!;
      expect(counts.fromFlash).toBeGreaterThanOrEqual(found);
      expect(counts.stored).toBe(counts.produced);
      expect(stdout).toContain('drained: no entries in flash');
      // the ScopeNode's store in the data dir holds spime-2's entries from before the kill
      const db = new Database(join(dataDir, 'scopenode.sqlite'), { readonly: true });
      const stored = (db.prepare('SELECT COUNT(*) AS n FROM entries WHERE spime = ?').get('spime-2@spimekit.test') as { n: number }).n;
      db.close();
      expect(stored).toBeGreaterThanOrEqual(found);
    } finally { rmSync(dataDir, { recursive: true, force: true }); }
  }, 120_000);
});
