// `npm start` end to end: the real script, its private Prosody, key service, ScopeNode and three
// simulated spimes for 8 seconds. Every spime's reports must come out verified and decrypted, the
// script must exit 0, and the server it started must be gone.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
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
