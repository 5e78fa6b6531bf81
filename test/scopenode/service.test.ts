// The ScopeNode service through a real Prosody: reports from a spime (real RSA/AES, keys from the
// key service component) verified, checked against the scope, stored in SQLite; the data and the
// key service's keys survive a restart; SpimeSeek requests published to a real PubSub node are
// answered from the store — the spime's own, and its owner's with a claim key, encrypted. Once
// with the store in SQLite, once in PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCrypto, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { scopeByName } from '../../hosts/node/scopenode/scope.js';
import { startScopeNodeService, type ScopeNodeEvent, type ScopeNodeService } from '../../hosts/node/scopenode/service.js';
import { openScopeStore, type ScopeStore } from '../../hosts/node/scopenode/store.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { issueClaimKey } from '../../src/openspime/claimkey.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { formatDateTime } from '../../src/openspime/datetime.js';
import { NS_CORE, NS_PUBKEY, NS_PUBSUB } from '../../src/openspime/namespaces.js';
import { openContainer } from '../../src/openspime/open.js';
import { KeyDirectory, pubkeysRequest } from '../../src/openspime/pubkeys.js';
import { seal } from '../../src/openspime/seal.js';
import { buildSeekRequest, parseSeekResponse } from '../../src/openspime/spimeseek.js';
import { SpimeReporter } from '../../src/roles/spime.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { startPostgres, type PostgresServer } from '../../tools/servers/postgres.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const crypto = createNodeCrypto();
const keysOf = { scopenode: generateNodeRsaKey(), spime: generateNodeRsaKey(), owner: generateNodeRsaKey(), mallory: generateNodeRsaKey() };
type User = keyof typeof keysOf;

// The same suite with the store in SQLite (a file) and in a private PostgreSQL.
describe.each(['sqlite', 'postgres'] as const)('ScopeNode service, store on %s', (kind) => {
  let server: TestServer;
  let postgres: PostgresServer | undefined;
  let dir: string;
  let keyService: KeyService;
  let store: ScopeStore;
  let service: ScopeNodeService;
  const clients = new Map<User, Client>();
  const events: ScopeNodeEvent[] = [];

  const client = (user: User) => createClient({
    jid: `${user}@${server.host}`, password: `${user}-pw`, resource: user === 'spime' ? 'sim' : 'r', ca: server.caPem,
    host: '127.0.0.1', port: server.c2sPort, reconnect: false,
  });
  const c = (u: User) => clients.get(u)!;
  let storeTarget: string;
  const keyStorePath = () => join(dir, 'keys.jsonl');

  async function startService(): Promise<void> {
    store = await openScopeStore(storeTarget);
    const scope = client('scopenode');
    clients.set('scopenode', scope);
    service = startScopeNodeService({
      client: scope, crypto, key: keysOf.scopenode, cert: server.componentDomain, certServices: [server.componentDomain],
      store, scope: scopeByName('co2'), seek: { service: server.pubsubDomain },
    });
    service.on((e) => events.push(e));
    await scope.start();
    await service.subscribeSeek();
  }

  async function stopService(): Promise<void> {
    await service.stop();
    await c('scopenode').stop();
    await store.close();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spimekit-scopenode-'));
    if (kind === 'postgres') {
      postgres = await startPostgres();
      storeTarget = await postgres.createDatabase('scopenode');
    } else storeTarget = join(dir, 'scopenode.sqlite');
    // Prosody's pubsub component lets only admins create nodes: the ScopeNode creates `spimeseek`
    server = await startProsody({ admins: ['scopenode'] });
    await Promise.all(Object.keys(keysOf).map((u) => server.register(u, `${u}-pw`)));
    keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret, storePath: keyStorePath() });
    for (const [u, k] of Object.entries(keysOf)) keyService.publish(`${u}@${server.host}`, [k.publicKey]);
    for (const u of ['spime', 'owner', 'mallory'] as const) clients.set(u, client(u));
    await Promise.all(['spime', 'owner', 'mallory'].map((u) => c(u as User).start()));
    await startService();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([service?.stop(), ...[...clients.values()].map((x) => x.stop()), keyService?.close()]);
    await store?.close().catch(() => {});
    await server?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const reporter = () => new SpimeReporter({
    client: c('spime'), crypto, key: keysOf.spime, cert: server.componentDomain,
    scopeNode: c('scopenode').jid, scopeNodeCert: server.componentDomain, now: Date.now,
  });
  const at = (agoMs: number) => formatDateTime(Date.now() - agoMs);
  const SPIME = () => `spime@${server.host}`;

  describe('the service', () => {
    const first: DataEntry[] = [];

    test('a report is verified, decrypted and stored with what it says of the spime (dropped, queued)', async () => {
      first.push({ date: at(60_000), ppm: 415, temperature: 21.5, humidity: 41, pressure: 100900, lat: 45.46, lon: 9.19, ele: 122 },
        { date: at(30_000), ppm: 431, temperature: 21.7, humidity: 42, pressure: 100905, lat: 45.4601, lon: 9.1902, ele: 123 });
      await reporter().report(first, 3, 7);
      const stored = await store.entries(SPIME());
      expect(stored.map((e) => e.ppm)).toEqual([415, 431]);
      expect(stored[0]).toMatchObject({ ...first[0], osid: c('spime').jid });
      const [row] = await service.fleet();
      expect(row).toMatchObject({ spime: SPIME(), osid: c('spime').jid, entries: 2, reports: 1, dropped: 3, queued: 7, online: true, owner: null });
      expect(events.find((e) => e.type === 'report')).toMatchObject({ type: 'report', osid: c('spime').jid, spime: { entries: 2 } });
    });

    test('the CO2 scope refuses a report with an entry without ppm, as inconsistent-data-with-scope; nothing of it is stored', async () => {
      await expect(reporter().report([{ date: at(20_000), ppm: 440 }, { date: at(10_000), temperature: 22 }]))
        .rejects.toMatchObject({ condition: 'inconsistent-data-with-scope' });
      expect((await store.entries(SPIME())).length).toBe(2);
      expect(events.some((e) => e.type === 'rejected' && e.condition === 'inconsistent-data-with-scope')).toBe(true);
    });

    test('the store and the key service survive a restart: entries are still there, a re-sent report adds nothing, keys are still served', async () => {
      await stopService();
      await keyService.close();
      keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret, storePath: keyStorePath() });
      expect(keyService.published).toBe(4); // nothing published since the restart
      await startService();
      expect((await store.entries(SPIME())).map((e) => e.ppm)).toEqual([415, 431]);
      // a fresh process: its in-memory dedupe is empty, the store's key is what keeps it at once
      await reporter().report([...first, { date: at(5_000), ppm: 450, lat: 45.4603, lon: 9.1905 }], 3, 0);
      expect((await store.entries(SPIME())).map((e) => e.ppm)).toEqual([415, 431, 450]);
      expect(service.counts.duplicates).toBe(2);
      const res = await c('owner').request(pubkeysRequest(server.componentDomain, SPIME()));
      expect(res.getChild('pubkeys', NS_PUBKEY)!.getChildren('KeyInfo').length).toBe(1);
    }, 60_000);

    // SpimeSeek through the PubSub node the ScopeNode configured (open to all publishers)
    const publish = (who: User, container: XmlElement) => c(who).request(xml('iq', { type: 'set', to: server.pubsubDomain },
      xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'spimeseek' }, xml('item', null, container)))));
    const seekId = () => crypto.randomBytes(8).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');
    const answers = (who: User) => {
      const got: XmlElement[] = [];
      c(who).on('stanza', (el) => {
        const container = el.name === 'message' ? el.getChild('openspime', NS_CORE) : undefined;
        if (container && el.attr('from') === c('scopenode').jid) got.push(container);
      });
      return got;
    };
    const answersTo = { spime: [] as XmlElement[], owner: [] as XmlElement[], mallory: [] as XmlElement[] };
    const until = async (what: string, ok: () => boolean, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}; events: ${JSON.stringify(events.filter((e) => e.type.startsWith('seek')))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const opener = (who: User) => {
      const keys = new KeyDirectory({ iq: c(who), certServices: [server.componentDomain], now: Date.now });
      return (container: XmlElement) => openContainer(container, c('scopenode').jid, { crypto, keys, now: Date.now, decryptionKey: keysOf[who] }, { direct: true });
    };

    test('SpimeSeek: the spime\'s request about itself is answered from the store, signed, in plain as asked', async () => {
      answersTo.spime = answers('spime');
      const id = seekId();
      await publish('spime', seal(buildSeekRequest({ id, spimeid: c('spime').jid, expdate: formatDateTime(Date.now() + 600_000), encrequired: false }),
        { crypto, osid: c('spime').jid, cert: server.componentDomain, signingKey: keysOf.spime }));
      await until('an answer to the spime', () => answersTo.spime.length > 0);
      const opened = await opener('spime')(answersTo.spime[0]!);
      expect([opened.osid, opened.signed, opened.encrypted]).toEqual([c('scopenode').jid, true, false]);
      const res = parseSeekResponse(opened.payload);
      expect(res.id).toBe(id);
      expect(res.entries.map((e) => e.ppm)).toEqual([415, 431, 450]);
      expect(res.entries[0]).toEqual(first[0]);
    }, 30_000);

    test('SpimeSeek: the owner\'s request with a claim key and encrequired is answered encrypted to it; the owner shows in the fleet', async () => {
      answersTo.owner = answers('owner');
      const claimkey = { cert: server.componentDomain, claims: SPIME(), key: issueClaimKey(crypto, keysOf.spime, { claims: SPIME(), osid: `owner@${server.host}`, expdate: formatDateTime(Date.now() + 86_400_000) }) };
      const id = seekId();
      const request = () => seal(buildSeekRequest({ id, spimeid: SPIME(), expdate: formatDateTime(Date.now() + 600_000), encrequired: true }),
        { crypto, osid: c('owner').jid, cert: server.componentDomain, signingKey: keysOf.owner, claimkey });
      await publish('owner', request());
      await until('an answer to the owner', () => answersTo.owner.length > 0);
      const opened = await opener('owner')(answersTo.owner[0]!);
      expect([opened.signed, opened.encrypted]).toEqual([true, true]);
      expect(parseSeekResponse(opened.payload).entries.map((e) => e.ppm)).toEqual([415, 431, 450]);
      // nobody else can read it: the transport does not open with another key
      await expect(openContainer(answersTo.owner[0]!, c('scopenode').jid, { crypto, keys: new KeyDirectory({ iq: c('mallory'), certServices: [server.componentDomain], now: Date.now }), now: Date.now, decryptionKey: keysOf.mallory }, { direct: true }))
        .rejects.toMatchObject({ condition: 'decryption-failed' });
      expect((await service.fleet())[0]!.owner).toBe(`owner@${server.host}`);

      // the same request again (a replay, freshly sealed) is ignored
      const before = service.counts.seeksIgnored;
      await publish('owner', request());
      await until('the replay ignored', () => service.counts.seeksIgnored > before);
      expect(events.filter((e) => e.type === 'seek-ignored').at(-1)).toMatchObject({ condition: 'request-replayed' });
    }, 30_000);

    test('SpimeSeek: a request for someone else\'s spime without a claim key, and an expired one, are ignored (no answer)', async () => {
      answersTo.mallory = answers('mallory');
      const before = service.counts.seeksIgnored;
      await publish('mallory', seal(buildSeekRequest({ id: seekId(), spimeid: SPIME(), expdate: formatDateTime(Date.now() + 600_000), encrequired: false }),
        { crypto, osid: c('mallory').jid, cert: server.componentDomain, signingKey: keysOf.mallory }));
      await publish('spime', seal(buildSeekRequest({ id: seekId(), spimeid: c('spime').jid, expdate: formatDateTime(Date.now() - 3600_000), encrequired: false }),
        { crypto, osid: c('spime').jid, cert: server.componentDomain, signingKey: keysOf.spime }));
      await until('both ignored', () => service.counts.seeksIgnored >= before + 2);
      const conditions = events.filter((e) => e.type === 'seek-ignored').slice(-2).map((e) => (e as { condition: string }).condition).sort();
      expect(conditions).toEqual(['not-authorized-for-spime', 'request-expired']);
      // a ping's round trip later nothing came: the ScopeNode answered neither
      await c('mallory').ping();
      expect(answersTo.mallory).toEqual([]);
    }, 30_000);
  });
});
