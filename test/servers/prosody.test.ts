// Proves the Prosody harness (shared proof in harness-suite.ts) and its Prosody-specific options.
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { describeServerHarness } from './harness-suite.js';
import { probeFeatures } from './probe.js';
import { startProsody } from './prosody.js';

describeServerHarness('prosody', () => startProsody(), { mechanisms: ['SCRAM-SHA-1'] });

describe('prosody options', () => {
  test('scramHash SHA-256 offers SCRAM-SHA-256 alone', async () => {
    const s = await startProsody({ scramHash: 'SHA-256' });
    try {
      expect((await probeFeatures(s, 'starttls')).mechanisms).toEqual(['SCRAM-SHA-256']);
    } finally { await s.stop(); }
  });

  test('stop() ends the process and removes its dir', async () => {
    const s = await startProsody();
    const { pid, configDir } = s;
    await s.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(configDir)).toBe(false);
  });
});
