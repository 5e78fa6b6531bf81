// The fleet's kept identities (tools/fleet/identities.ts) against a real Prosody: an account
// written from its kept SCRAM record accepts the kept password, and a client that starts from the
// kept SCRAM keys logs in without running PBKDF2 — while keys that are not the account's are
// refused by the server (so the cache really is what authenticates). The file survives a reload
// and a torn last line.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto } from '../../hosts/node/crypto.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { rsaPublicKeyToBase64 } from '../../src/crypto/rsa-key.js';
import type { ScramCache } from '../../src/xmpp/sasl-scram.js';
import { IdentityCache } from '../../tools/fleet/identities.js';
import { startProsody, type ProsodyServer } from '../../tools/servers/prosody.js';

let server: ProsodyServer;
let dir: string;
beforeAll(async () => {
  server = await startProsody();
  dir = mkdtempSync(join(tmpdir(), 'spimekit-identities-'));
}, 60_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Logs in as `user` with a crypto that counts PBKDF2 runs; resolves with the count. */
async function login(user: string, password: string, scramCache?: ScramCache): Promise<number> {
  const base = createNodeCrypto();
  let pbkdf2 = 0;
  const crypto = { ...base, pbkdf2: (...a: Parameters<typeof base.pbkdf2>) => { pbkdf2++; return base.pbkdf2(...a); } };
  const c = createClient({ jid: `${user}@${server.host}`, password, scramCache, crypto, ca: server.caPem, host: '127.0.0.1', port: server.c2sPort, reconnect: false });
  c.on('error', () => {});
  try {
    await c.start();
    return pbkdf2;
  } finally { await c.stop(); }
}

describe('kept fleet identities', () => {
  test('account from the kept record; login from the kept SCRAM keys runs no PBKDF2; foreign keys are refused', async () => {
    const ids = new IdentityCache(dir);
    const a = await ids.get('spime-a');
    const b = await ids.get('spime-b');
    expect(ids.made).toBe(2);
    server.registerScram('spime-a', a.account);
    expect(await login('spime-a', a.password)).toBe(1); // no cache: one PBKDF2, as any client
    expect(await login('spime-a', a.password, a.scramCache())).toBe(0); // the kept keys: none
    // b's keys for a's account: the proof does not verify, the server refuses (no PBKDF2 either)
    const foreign = { ...a.scramCache(), clientKey: b.scramCache().clientKey, serverKey: b.scramCache().serverKey };
    await expect(login('spime-a', a.password, foreign)).rejects.toMatchObject({ condition: 'not-authorized' });
  }, 60_000);

  test('a second process finds them all (same password, key, record); a torn line is ignored', async () => {
    appendFileSync(join(dir, 'identities-SHA-1-10000.jsonl'), '{"user":"spime-c","pass');
    const first = new IdentityCache(dir);
    const again = new IdentityCache(dir);
    expect(again.size).toBe(2);
    for (const user of ['spime-a', 'spime-b']) {
      const [x, y] = [await first.get(user), await again.get(user)];
      expect(y.password).toBe(x.password);
      expect(rsaPublicKeyToBase64(y.key.publicKey)).toEqual(rsaPublicKeyToBase64(x.key.publicKey));
      expect(y.account).toEqual(x.account);
    }
    expect(again.made).toBe(0);
    // made after the torn line: on a line of its own, found by the next reader
    const c = await again.get('spime-c');
    expect(again.made).toBe(1);
    expect((await new IdentityCache(dir).get('spime-c')).password).toBe(c.password);
  }, 60_000);
});
