// Proves the Prosody harness (shared proof in harness-suite.ts) and its Prosody-specific options.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeServerHarness } from './harness-suite.js';
import { probeFeatures } from './probe.js';
import { scramLogin } from './scram-probe.js';
import { startProsody } from '../../tools/servers/prosody.js';
import { makeXmppjsClient, xml } from './xmppjs.js';

// alice (the suite's user) is an admin so that she may create pubsub nodes.
describeServerHarness('prosody', () => startProsody({ admins: ['alice'] }), { mechanisms: ['SCRAM-SHA-1'] });

describe('prosody options', () => {
  test('scramHash SHA-256 offers SCRAM-SHA-256 alone; scramIterations sets the PBKDF2 count', async () => {
    const s = await startProsody({ scramHash: 'SHA-256', scramIterations: 4096 });
    try {
      expect((await probeFeatures(s, 'starttls')).mechanisms).toEqual(['SCRAM-SHA-256']);
      await s.register('carol', 'carol-pw');
      let serverFirst = '';
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-256', user: 'carol', password: 'carol-pw', onServerFirst: (m) => { serverFirst = m; } })).toBe('success');
      expect(serverFirst).toMatch(/,i=4096$/);
    } finally { await s.stop(); }
  });

  test('register(): written account files and prosodyctl-made ones both log in; a re-register changes the password', async () => {
    const s = await startProsody();
    try {
      // plain names are written by the harness itself; `Erin` (nodeprep lowercases it) and a
      // non-ASCII password go through prosodyctl
      await Promise.all([s.register('dave', 'dave-pw'), s.register('Erin', 'pässwörd')]);
      expect(readFileSync(join(s.configDir, 'data', 'spimekit%2etest', 'accounts', 'dave.dat'), 'utf8'))
        .toMatch(/^return \{\n\t\["iteration_count"\] = 10000;\n\t\["server_key"\] = "[0-9a-f]{40}";\n\t\["stored_key"\] = "[0-9a-f]{40}";\n\t\["salt"\] = "[0-9a-f-]{36}";\n\};\n$/);
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-1', user: 'dave', password: 'dave-pw' })).toBe('success');
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-1', user: 'dave', password: 'wrong' })).not.toBe('success');
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-1', user: 'erin', password: 'pässwörd' })).toBe('success');
      await s.register('dave', 'new-pw');
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-1', user: 'dave', password: 'dave-pw' })).not.toBe('success');
      expect(await scramLogin(s, { mechanism: 'SCRAM-SHA-1', user: 'dave', password: 'new-pw' })).toBe('success');
    } finally { await s.stop(); }
  });

  test('without admins, a user may not create a pubsub node (Prosody 0.12 default)', async () => {
    const s = await startProsody();
    const c = makeXmppjsClient({ server: s, username: 'bob', password: 'bob-pw' });
    try {
      await s.register('bob', 'bob-pw');
      await c.start();
      const create = xml('iq', { type: 'set', to: s.pubsubDomain }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('create', { node: 'n' })));
      await expect(c.iqCaller.request(create)).rejects.toMatchObject({ condition: 'forbidden' });
    } finally { await c.stop().catch(() => {}); await s.stop(); }
  });

  test('stop() ends the process and removes its dir', async () => {
    const s = await startProsody();
    const { pid, configDir } = s;
    await s.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(configDir)).toBe(false);
  });
});
