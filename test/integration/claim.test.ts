// Claiming through a real Prosody: a spime running the Node host (hosts/node/spime-app.ts, its
// record store on a file), owners using the owner command line's code (tools/owner/commands.ts),
// the key service as the XEP-0114 component. The label secret claims, wrong ones lock the spime
// out, the owner sees the spime's presence, others' subscriptions are refused, release removes
// the subscription and leaves old claim keys worthless, JID case variants get the right answers,
// and refused requests leave the record store's bytes as they were.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, exportPrivateKeyPem, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { startNodeSpime, type NodeSpime } from '../../hosts/node/spime-app.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { buildRelease } from '../../src/openspime/claim.js';
import { seal } from '../../src/openspime/seal.js';
import type { RsaPrivateKey } from '../../src/crypto/crypto.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { connectOwner, runOwnerCommand, type OwnerConfig } from '../../tools/owner/commands.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const crypto = createNodeCrypto();
const SECRET = 'K7QF-3MZT-ABCD-EFGH-2345-67XY';
const LOCK_MS = 4000;
const ownerKeys: Record<string, RsaPrivateKey> = {};

let server: TestServer;
let keyService: KeyService;
let spimeClient: Client;
let spime: NodeSpime;
let dir: string;
let spimeJid: string;

const recordsPath = () => join(dir, 'spime.flash.records');
const recordBytes = () => readFileSync(recordsPath()).toString('base64');

function configFor(user: string): OwnerConfig {
  return { jid: `${user}@${server.host}`, password: `${user}-pw`, ca: join(dir, 'ca.pem'), host: '127.0.0.1', port: server.c2sPort, key: join(dir, `${user}.pem`), cert: server.componentDomain };
}

async function cli(user: string, ...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runOwnerCommand(argv, { config: configFor(user), log: (l) => lines.push(l), error: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

async function conditionOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as { condition?: string }).condition ?? `raw ${(e as Error)?.message}`; }
  return 'accepted';
}

/** Polls `f` until it holds, or fails after `ms` (the machine is loaded: generous). */
async function eventually(what: string, f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spimekit-claim-'));
  server = await startProsody();
  writeFileSync(join(dir, 'ca.pem'), server.caPem);
  const users = ['spime', 'alice', 'mallory', 'bob'];
  await Promise.all(users.map((u) => server.register(u, `${u}-pw`)));
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  for (const u of users) {
    ownerKeys[u] = generateNodeRsaKey();
    keyService.publish(`${u}@${server.host}`, [ownerKeys[u].publicKey]);
    writeFileSync(join(dir, `${u}.pem`), exportPrivateKeyPem(ownerKeys[u]));
  }
  spimeClient = createClient({ jid: `spime@${server.host}`, password: 'spime-pw', resource: 'device', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort });
  spimeJid = await spimeClient.start();
  spime = startNodeSpime({
    client: spimeClient, crypto, key: ownerKeys.spime, cert: server.componentDomain, scopeNode: `nobody@${server.host}/x`, scopeNodeCert: server.componentDomain,
    flashPath: join(dir, 'spime.flash'), entry: () => undefined, claimSecret: SECRET, ownerCertServices: [server.componentDomain],
    claimPolicy: { lockBaseMs: LOCK_MS }, presenceRefreshMs: 500,
  });
  // claims need the spime's clock (XEP-0202 from the server)
  await eventually('the spime knows the time', () => spime.app.clock.source !== 'none');
}, 60_000);

afterAll(async () => {
  await spime?.stop();
  await Promise.allSettled([spimeClient?.stop(), keyService?.close()]);
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('claiming through Prosody', () => {
  test('wrong secrets are refused, then the spime locks out (even the right secret); the refusal writes nothing', async () => {
    const s = await connectOwner(configFor('mallory'), { privateKey: ownerKeys.mallory });
    try {
      for (let i = 0; i < 3; i++) expect(await conditionOf(s.owner.claim(spimeJid, `WRONG-GUESS-${i}`))).toBe('not-authorized-for-spime');
      const before = recordBytes();
      expect(await conditionOf(s.owner.claim(spimeJid, SECRET))).toBe('rate-limited');
      expect(recordBytes()).toBe(before); // the refusal wrote nothing
      expect(spime.ownership.lockout().failures).toBe(3);
      expect(spime.ownership.ownerOf()).toBeUndefined();
    } finally { await s.client.stop(); }
    await new Promise((r) => setTimeout(r, LOCK_MS + 500));
  }, 60_000);

  test('the right secret, through the command line, claims; both become subscribed; the owner sees the presence line', async () => {
    const r = await cli('alice', 'claim', spimeJid, '--secret', SECRET.toLowerCase());
    expect(r.out).toContain(`claimed spime@${server.host}`);
    expect(r.code).toBe(0);
    expect(spime.ownership.ownerOf()).toBe(`alice@${server.host}`);
    let out = '';
    await eventually('alice sees the spime online with its state', async () => {
      out = (await cli('alice', 'status', '--wait', '2')).out;
      return out.includes(`${spimeJid}: online — ok · 0 queued`) && out.includes('subscription both');
    }, 45_000);
    expect(out).toMatch(/online — ok · 0 queued/);
  }, 90_000);

  test('a subscription request from anyone else is refused', async () => {
    const c = createClient({ jid: `mallory@${server.host}`, password: 'mallory-pw', resource: 'm', ca: server.caPem, host: '127.0.0.1', port: server.c2sPort, reconnect: false });
    const got: XmlElement[] = [];
    c.on('stanza', (el) => { if (el.name === 'presence') got.push(el); });
    await c.start();
    try {
      // an "interested resource" (RFC 6121 §1.3, it fetched the roster) is told of the refusal
      await c.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      c.send(xml('presence', { to: `spime@${server.host}`, type: 'subscribe' }));
      await eventually('mallory gets unsubscribed', () => got.some((p) => p.attr('type') === 'unsubscribed'), 20_000);
      expect(got.some((p) => p.attr('type') === 'subscribed')).toBe(false);
      const roster = await c.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      const item = roster.getChild('query', 'jabber:iq:roster')?.getChild('item');
      expect([item?.attr('subscription'), item?.attr('ask')]).toEqual(['none', undefined]);
    } finally { await c.stop(); }
  }, 40_000);

  test('others are refused while owned (their claims, releases, hand-overs), the record store unchanged; JID case variants', async () => {
    const before = recordBytes();
    const s = await connectOwner(configFor('bob'), { privateKey: ownerKeys.bob });
    try {
      expect(await conditionOf(s.owner.claim(spimeJid, SECRET))).toBe('not-authorized-for-spime');
      expect(await conditionOf(s.owner.claim(spimeJid.toUpperCase().replace('/DEVICE', '/device'), SECRET))).toBe('not-authorized-for-spime');
      expect(await conditionOf(s.owner.release(spimeJid))).toBe('not-authorized-for-spime');
      expect(await conditionOf(s.owner.handover(spimeJid, `bob@${server.host}`))).toBe('not-authorized-for-spime');
    } finally { await s.client.stop(); }
    expect(recordBytes()).toBe(before);
    // the owner asks again, naming the spime in upper case: a fresh key (no secret needed)
    const a = await connectOwner(configFor('alice'), { privateKey: ownerKeys.alice });
    try {
      const r = await a.owner.claim(`SPIME@${server.host.toUpperCase()}/device`);
      expect(r.authorizes).toBe(`alice@${server.host}`);
    } finally { await a.client.stop(); }
    expect(spime.ownership.isOwner(`ALICE@${server.host.toUpperCase()}/phone`)).toBe(true);
  }, 60_000);

  test('release through the command line: unowned, the subscription gone; the old claim key refused', async () => {
    const a = await connectOwner(configFor('alice'), { privateKey: ownerKeys.alice });
    let claimkey: Uint8Array;
    try { ({ claimkey } = await a.owner.claim(spimeJid)); } finally { await a.client.stop(); }
    await new Promise((r) => setTimeout(r, 5));
    const r = await cli('alice', 'release', spimeJid);
    expect(r.out).toContain('unowned');
    expect(r.code).toBe(0);
    expect(spime.ownership.ownerOf()).toBeUndefined();
    await eventually('the spime\'s roster is empty', async () => {
      const roster = await spimeClient.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      return (roster.getChild('query', 'jabber:iq:roster')?.getChildren('item').length ?? -1) === 0;
    }, 20_000);
    expect((await cli('alice', 'status', '--wait', '1')).out).toContain('no spimes on your roster');
    // alice's old claim key, presented with her signed request: worthless now, nothing written
    const before = recordBytes();
    const s = await connectOwner(configFor('alice'), { privateKey: ownerKeys.alice });
    try {
      const iq = xml('iq', { type: 'set', to: spimeJid }, seal(buildRelease(new Date().toISOString(), 'AAAAAAAAAAAAAAAAAAAAAA=='), {
        crypto, osid: s.client.jid, cert: server.componentDomain, signingKey: ownerKeys.alice, claimkey: { cert: server.componentDomain, claims: `spime@${server.host}`, key: claimkey! },
      }));
      expect(await conditionOf(s.owner.send(spimeJid, iq))).toBe('not-authorized-for-spime');
      expect(await conditionOf(s.owner.claim(spimeJid))).toBe('not-authorized-for-spime');
    } finally { await s.client.stop(); }
    expect(recordBytes()).toBe(before);
  }, 90_000);

  test('the owner record and the label secret survive a restart of the spime application', async () => {
    expect((await cli('bob', 'claim', spimeJid, '--secret', SECRET)).code).toBe(0);
    await spime.stop();
    spime = startNodeSpime({
      client: spimeClient, crypto, key: ownerKeys.spime, cert: server.componentDomain, scopeNode: `nobody@${server.host}/x`, scopeNodeCert: server.componentDomain,
      flashPath: join(dir, 'spime.flash'), entry: () => undefined, ownerCertServices: [server.componentDomain], presenceRefreshMs: 500,
    });
    expect(spime.ownership.ownerOf()).toBe(`bob@${server.host}`);
    expect(spime.ownership.hasSecret()).toBe(true);
  }, 60_000);

  test('`npx spimekit owner status --config owner.json` (a process of its own, TLS verified with the file\'s CA) shows the owner its spime', async () => {
    const c = configFor('bob');
    writeFileSync(join(dir, 'bob.json'), JSON.stringify({ ...c, ca: 'ca.pem', key: 'bob.pem' }));
    let out = '';
    await eventually('bob sees the spime online', async () => {
      const r = await promisify(execFile)(process.execPath, ['bin/spimekit.js', 'owner', 'status', '--config', join(dir, 'bob.json'), '--wait', '2'], { timeout: 60_000 });
      out = r.stdout;
      return out.includes(`${spimeJid}: online — ok · 0 queued (subscription both)`);
    }, 90_000);
    // and without the server's CA the certificate does not verify: refused, exit code 1
    writeFileSync(join(dir, 'noca.json'), JSON.stringify({ ...c, ca: undefined, key: 'bob.pem' }));
    const bad = await promisify(execFile)(process.execPath, ['bin/spimekit.js', 'owner', 'status', '--config', join(dir, 'noca.json')], { timeout: 60_000 }).then(() => 0, (e: { code?: number }) => e.code);
    expect(bad).toBe(1);
  }, 150_000);

  test('hand-over through the command line: the new owner claims without the secret and sees the spime; the old one is off its roster', async () => {
    const r = await cli('bob', 'handover', spimeJid, '--to', `alice@${server.host}`);
    expect(r.out).toContain(`owner now alice@${server.host}`);
    expect(r.code).toBe(0);
    expect(spime.ownership.ownerOf()).toBe(`alice@${server.host}`);
    await eventually('the spime\'s roster holds alice only', async () => {
      const roster = await spimeClient.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      const jids = (roster.getChild('query', 'jabber:iq:roster')?.getChildren('item') ?? []).map((i) => i.attr('jid'));
      return jids.length === 1 && jids[0] === `alice@${server.host}`;
    }, 20_000);
    expect((await cli('alice', 'claim', spimeJid)).code).toBe(0);
    await eventually('alice sees the spime', async () => (await cli('alice', 'status', '--wait', '2')).out.includes(`${spimeJid}: online — ok · 0 queued (subscription both)`), 45_000);
    expect(await conditionOf((async () => {
      const s = await connectOwner(configFor('bob'), { privateKey: ownerKeys.bob });
      try { await s.owner.release(spimeJid); } finally { await s.client.stop(); }
    })())).toBe('not-authorized-for-spime');
  }, 120_000);
});
