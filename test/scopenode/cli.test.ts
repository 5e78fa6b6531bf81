// `npx spimekit scopenode` refuses what it cannot run with, before connecting anywhere: exit 2 and
// the reason (the full runs are in dashboard.test.ts).
import { expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/spimekit.js', 'scopenode', ...args], { encoding: 'utf8', timeout: 60_000 });

test('--help prints the options; missing or bad ones exit 2 with the reason', () => {
  const help = cli('--help');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/--store TARGET .* postgres:\/\//);
  const cases: Array<[string[], RegExp]> = [
    [['--password', 'x', '--key', 'k.pem'], /--jid is required/],
    [['--jid', 'scope@example.org/res', '--password', 'x', '--key', 'k.pem'], /not a bare JID/],
    [['--jid', 'scope@example.org', '--key', 'k.pem'], /--password or --password-file is required/],
    [['--jid', 'scope@example.org', '--password', 'x', '--key', join(tmpdir(), 'spimekit-no-such-key.pem')], /no key at .* \(--new-key creates one\)/],
    [['--jid', 'scope@example.org', '--password', 'x', '--key', 'k.pem', '--scope', 'wine'], /unknown scope 'wine'/],
    [['--jid', 'scope@example.org', '--password', 'x', '--key', 'k.pem', '--dashboard-port', 'eighty'], /--dashboard-port needs a non-negative integer/],
  ];
  for (const [args, reason] of cases) {
    const r = cli(...args);
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(reason)]);
  }
}, 120_000);

test('--new-key creates the key file, readable by its owner only, and the store; with no server it keeps trying until stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spimekit-cli-'));
  try {
    const key = join(dir, 'keys', 'scope.pem');
    const proc = spawn(process.execPath, ['bin/spimekit.js', 'scopenode', '--jid', 'scope@example.invalid', '--password', 'x', '--key', key, '--new-key',
      '--server', '127.0.0.1', '--port', '1', '--data-dir', join(dir, 'data'), '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    proc.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (!/xmpp: /.test(out)) {
      if (Date.now() > deadline || proc.exitCode !== null) { proc.kill('SIGKILL'); throw new Error(`no connection error logged:\n${out}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(key)).toBe(true);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(out).toMatch(/store: sqlite \S+scopenode\.sqlite \(schema \d+, 0 entries\)/);
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    expect(await exited).toBe(0);
    clearTimeout(timer);
    expect(out).toMatch(/SIGTERM: stopping[\s\S]*stopped; 0 reports/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
}, 120_000);
