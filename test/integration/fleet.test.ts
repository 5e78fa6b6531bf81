// The fleet at a modest size: `npm start -- --spimes 30` shows the compact status (not a line per
// event), every entry read is stored (0 lost, 0 dropped), and a second run with the same data dir
// makes no identity again (keys, passwords and SCRAM records kept). And `npm run bench:fleet`
// prints its table with 0 lost. Deadlines are generous (the machine may be loaded); nothing here
// asserts a speed (bench/ does).
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STATUS = /^\[\s*[\d.]+ s\] online (\d+)\/30 \| [\d.]+ reports\/s \| (\d+) entries queued \| (\d+) dropped \| (\d+) errors/;

describe('a fleet of 30 simulated spimes', () => {
  test('npm start -- --spimes 30: compact status, all online, 0 lost; identities kept for the next run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spimekit-fleet-'));
    try {
      const args = ['tools/start.js', '--spimes', '30', '--seconds', '24', '--interval', '2000', '--batch', '2', '--outage-for', '0', '--data-dir', dataDir];
      const first = (await run(process.execPath, args, { timeout: 150_000 })).stdout;
      expect(first).toMatch(/making the other 32 \(RSA keys: once\)/);
      const status = first.split('\n').filter((l) => STATUS.test(l));
      expect(status.length).toBeGreaterThanOrEqual(3);
      expect(status.some((l) => STATUS.exec(l)![1] === '30')).toBe(true);
      expect(first).toMatch(/30 spimes online, [\d.]+ s after the first login began/);
      expect(first).not.toMatch(/verified spime-\d+@/); // no line per report with this many
      expect(first).not.toMatch(/REJECTED|DROPPED|HALTED/);
      const m = /stored (\d+) of (\d+) entries produced .* (\d+) dropped;/.exec(first)!;
      expect(Number(m[2])).toBeGreaterThanOrEqual(30);
      expect(Number(m[1])).toBe(Number(m[2])); // 0 lost
      expect(Number(m[3])).toBe(0);
      expect(first).toContain('drained: no entries in flash');
      const kept = readFileSync(join(dataDir, 'identities', 'identities-SHA-1-10000.jsonl'), 'utf8').trim().split('\n');
      expect(kept.length).toBe(32); // 30 spimes, the ScopeNode, the owner who claims spime-1

      // again: every identity from the data dir, none made; the logins use the cached SCRAM keys
      const second = (await run(process.execPath, args, { timeout: 150_000 })).stdout;
      expect(second).not.toMatch(/making the other/);
      expect(second).toMatch(/30 spimes online/);
      const m2 = /stored (\d+) of (\d+) entries produced/.exec(second)!;
      expect(Number(m2[1])).toBe(Number(m2[2]));
      expect(readFileSync(join(dataDir, 'identities', 'identities-SHA-1-10000.jsonl'), 'utf8').trim().split('\n').length).toBe(32);
    } finally { rmSync(dataDir, { recursive: true, force: true }); }
  }, 320_000);

  test('npm run bench:fleet -- --spimes 12: the table, 0 lost', async () => {
    const identities = mkdtempSync(join(tmpdir(), 'spimekit-fleet-ids-'));
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, ['tools/run-ts.js', 'bench/fleet.ts', '--spimes', '12', '--minutes', '0.25', '--interval', '3', '--identities', identities], { timeout: 200_000 }));
    } finally { rmSync(identities, { recursive: true, force: true }); }
    expect(stdout).toMatch(/making 12 identities/);
    for (const row of ['time until all online', 'reports/s sustained', 'CPU per report, spime side', 'CPU per report, ScopeNode side', 'CPU per report, Prosody', 'memory per simulated spime', 'Prosody memory']) {
      expect(stdout).toMatch(new RegExp(`^${row.replace(/[,/]/g, '.')} +\\S`, 'm'));
    }
    expect(/^entries lost +(\d+)$/m.exec(stdout)![1]).toBe('0');
    const [, read, stored] = /^entries +(\d+) read, (\d+) stored, 0 dropped/m.exec(stdout)!;
    expect(Number(read)).toBeGreaterThan(12);
    expect(stored).toBe(read);
    expect(stdout).not.toContain('FAIL');
  }, 220_000);
});
