// OpenSpime end to end through a real Prosody: two spimekit clients (a spime, a ScopeNode), the
// key service as the XEP-0114 component keys.<host>, real RSA/AES, entries from the simulated
// sensors. What the unit suites cannot show: the stanzas survive a real server's routing and
// re-serialization, and XEP-0189 lookups really go client → server → component → back.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateNodeRsaKey, createNodeCrypto } from '../../hosts/node/crypto.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { simulatedSpime } from '../../hosts/sim/sensors/spime.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { buildData, parseData } from '../../src/openspime/data.js';
import { NS_CORE, NS_PUBKEY, NS_PUBSUB, NS_PUBSUB_EVENT } from '../../src/openspime/namespaces.js';
import { openContainer } from '../../src/openspime/open.js';
import { pubkeysRequest } from '../../src/openspime/pubkeys.js';
import { seal } from '../../src/openspime/seal.js';
import { issueClaimKey } from '../../src/openspime/claimkey.js';
import { reportIq } from '../../src/openspime/report.js';
import { formatDateTime } from '../../src/openspime/datetime.js';
import { conditionOfStanzaError } from '../../src/openspime/errors.js';
import { attachScopeNode } from '../../src/roles/scopenode.js';
import { SpimeReporter } from '../../src/roles/spime.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const crypto = createNodeCrypto();
const spimeKey = generateNodeRsaKey();
const scopeKey = generateNodeRsaKey();
const now = () => Date.now();

let server: TestServer;
let keyService: KeyService;
let spime: Client;
let scope: Client;
const accepted: Array<{ osid: string; entries: DataEntry[]; signed: boolean; encrypted: boolean }> = [];
const rejected: Array<{ from: string; condition: string }> = [];
let scopeKeys: ReturnType<typeof attachScopeNode>;

const client = (user: string, resource: string) => createClient({
  jid: `${user}@${server.host}`, password: `${user}-pw`, resource, ca: server.caPem,
  host: '127.0.0.1', port: server.c2sPort, reconnect: false,
});

/** A few entries as the device makes them: simulated sensors on a virtual clock (seeded). */
async function sensorEntries(n: number): Promise<DataEntry[]> {
  const clock = new VirtualClock();
  const sim = simulatedSpime({ clock, seed: 7, epoch: Date.now() - 60_000 });
  await clock.run(sim.start());
  const out: DataEntry[] = [];
  for (let i = 0; i < n; i++) {
    await clock.advance(6_000);
    out.push(sim.manager.entry(sim.time()));
  }
  await clock.run(sim.stop());
  return out;
}

beforeAll(async () => {
  server = await startProsody({ admins: ['spime'] });
  await Promise.all(['spime', 'scopenode', 'mallory'].map((u) => server.register(u, `${u}-pw`)));
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${server.host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${server.host}`, [scopeKey.publicKey]);
  spime = client('spime', 'device');
  scope = client('scopenode', 'scope');
  scopeKeys = attachScopeNode({
    client: scope, crypto, key: scopeKey, certServices: [server.componentDomain], now,
    accept: (osid, entries, info) => { accepted.push({ osid, entries, ...info }); },
    rejected: (from, condition) => { rejected.push({ from, condition }); },
  });
  await Promise.all([spime.start(), scope.start()]);
}, 30_000);

afterAll(async () => {
  await Promise.allSettled([spime?.stop(), scope?.stop(), keyService?.close()]);
  await server?.stop();
});

const reporter = (o: Partial<ConstructorParameters<typeof SpimeReporter>[0]> = {}) => new SpimeReporter({
  client: spime, crypto, key: spimeKey, cert: server.componentDomain,
  scopeNode: scope.jid, scopeNodeCert: server.componentDomain, now, ...o,
});

describe('OpenSpime through Prosody', () => {
  test('XEP-0189 through the server: the key service answers with the published key, unknown JIDs get item-not-found', async () => {
    const res = await spime.request(pubkeysRequest(server.componentDomain, `scopenode@${server.host}`));
    expect(res.attr('from')).toBe(server.componentDomain);
    expect(res.getChild('pubkeys', NS_PUBKEY)!.getChildren('KeyInfo').length).toBe(1);
    await expect(spime.request(pubkeysRequest(server.componentDomain, `nobody@${server.host}`))).rejects.toMatchObject({ condition: 'item-not-found' });
    // a query it does not serve is answered, not left to time out (RFC 6120 §8.4)
    await expect(spime.request(xml('iq', { type: 'get', to: server.componentDomain }, xml('query', { xmlns: 'urn:example:other' }))))
      .rejects.toMatchObject({ condition: 'service-unavailable' });
  });

  test('(a) a signed, encrypted report of simulated sensor entries is verified, decrypted and accepted; the spime sees the result', async () => {
    const entries = await sensorEntries(2);
    expect(entries[1].ppm).toBeGreaterThan(300); // the sensors really produced CO2 readings
    expect(entries[1].lat).toBeDefined();
    const before = keyService.answered;
    accepted.length = 0;
    await reporter().report(entries);
    expect(accepted).toEqual([{ osid: spime.jid, entries, signed: true, encrypted: true, dropped: 0 }]);
    // both lookups went through the component: the spime's for the ScopeNode's key, the ScopeNode's for the spime's
    expect(keyService.answered - before).toBe(2);
  });

  test('(c) a cert service outside the allow-list is refused with untrusted-cert-service, before any key lookup', async () => {
    const before = keyService.answered;
    await expect(reporter({ cert: `rogue-certs.${server.host}` }).report([{ date: new Date().toISOString(), ppm: 420 }]))
      .rejects.toMatchObject({ condition: 'untrusted-cert-service' });
    expect(rejected.at(-1)).toEqual({ from: spime.jid, condition: 'untrusted-cert-service' });
    expect(keyService.answered - before).toBe(1); // only the spime's own lookup of the ScopeNode key
  });

  test('(c) a transport tampered with in flight is refused with bad-signature', async () => {
    const tamper = (iq: XmlElement) => {
      const t = iq.getChild('openspime', NS_CORE)!.getChild('transport', NS_CORE)!;
      const text = t.text();
      const i = text.length >> 1;
      t.children = [text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)];
    };
    accepted.length = 0;
    await expect(reporter({ beforeSend: tamper }).report([{ date: new Date().toISOString(), ppm: 420 }]))
      .rejects.toMatchObject({ condition: 'bad-signature' });
    expect(rejected.at(-1)).toEqual({ from: spime.jid, condition: 'bad-signature' });
    expect(accepted).toEqual([]);
  });

  test('(b) a signed, encrypted item published to a PubSub node reaches a subscriber re-serialized by Prosody, and opens there', async () => {
    const node = 'spime-data';
    const pubsub = (child: XmlElement) => xml('iq', { type: 'set', to: server.pubsubDomain }, xml('pubsub', { xmlns: NS_PUBSUB }, child));
    await spime.request(pubsub(xml('create', { node })));
    await scope.request(pubsub(xml('subscribe', { node, jid: scope.jid })));
    const event = new Promise<XmlElement>((resolve) => scope.on('stanza', (el) => {
      const item = el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items')?.getChild('item');
      if (el.name === 'message' && item) resolve(item);
    }));
    const entries: DataEntry[] = [{ date: '2026-11-22T07:30:00Z', lat: 45.4642, lon: 9.19, ele: 122, ppm: 612, temperature: 21.4 }];
    const sealed = seal(buildData(entries), { crypto, osid: spime.jid, cert: server.componentDomain, signingKey: spimeKey, encryptTo: scopeKey.publicKey });
    await spime.request(pubsub(xml('publish', { node }, xml('item', { id: 'r1' }, sealed))));
    const item = await event;
    const received = item.getChild('openspime', NS_CORE)!;
    expect(received).not.toBe(sealed); // parsed from Prosody's bytes, not our object
    // the publisher is not the stanza's sender here: the service is, and originator/@osid names the spime
    const opened = await openContainer(received, server.pubsubDomain, { crypto, keys: scopeKeys, now, decryptionKey: scopeKey });
    expect([opened.osid, opened.signed, opened.encrypted]).toEqual([spime.jid, true, true]);
    expect(parseData(opened.payload)).toEqual(entries);
    // and a bit flipped in the stored item would not have verified
    const forged = seal(buildData(entries), { crypto, osid: spime.jid, cert: server.componentDomain, signingKey: generateNodeRsaKey(), encryptTo: scopeKey.publicKey });
    await expect(openContainer(forged, server.pubsubDomain, { crypto, keys: scopeKeys, now, decryptionKey: scopeKey })).rejects.toMatchObject({ condition: 'bad-signature' });
  });

  test('40 forged reports from an ordinary account cost a bounded number of key lookups; the real spime\'s report still verifies, the ScopeNode stays online', async () => {
    const mallory = client('mallory', 'm');
    await mallory.start();
    try {
      const malloryKey = generateNodeRsaKey(); // published nowhere: its signatures are garbage to the ScopeNode
      const date = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const forged: XmlElement[] = [];
      for (let i = 0; i < 40; i++) {
        const kind = i % 3;
        // 0: someone else's osid; 1: its own osid, which no service vouches for; 2: its own osid with a
        // well-formed claim key for a spime of its choosing (a lookup of that spime's key per report)
        const osid = kind === 0 ? `victim-${i}@${server.host}/device` : mallory.jid;
        const claimkey = kind === 2
          ? { cert: server.componentDomain, claims: `ghost-${i}@${server.host}`, key: issueClaimKey(crypto, malloryKey, { claims: `ghost-${i}@${server.host}`, osid: `mallory@${server.host}`, expdate: formatDateTime(Date.now() + 3600_000) }) }
          : undefined;
        forged.push(reportIq(scope.jid, [{ date: date(), ppm: 9999 }], { crypto, osid, cert: server.componentDomain, signingKey: malloryKey, encryptTo: scopeKey.publicKey, claimkey }));
      }
      scopeKeys.forget(server.componentDomain, spime.jid); // the real report needs a lookup amid the flood
      const before = keyService.answered;
      accepted.length = 0;
      const send = (batch: XmlElement[]) => Promise.all(batch.map((iq) => mallory.request(iq).then(() => 'accepted', (e) => {
        const error = (e as { stanza?: XmlElement }).stanza?.getChild('error');
        return (error && conditionOfStanzaError(error)) ?? `raw ${(e as Error).message}`;
      })));
      // two waves of 20 (mallory's own client allows 32 pending iqs); the real report rides in the first
      const first = send(forged.slice(0, 20));
      const entries: DataEntry[] = [{ date: date(), ppm: 421 }];
      const real = reporter().report(entries);
      const got = [...await first, ...await send(forged.slice(20))];
      await real;
      // mallory's quota (8 lookups per window) + the two lookups of the real report (each side's)
      expect(keyService.answered - before).toBeLessThanOrEqual(8 + 2);
      expect(accepted).toEqual([{ osid: spime.jid, entries, signed: true, encrypted: true, dropped: 0 }]);
      expect(got.filter((c) => c === 'accepted')).toEqual([]);
      expect(got.filter((_, i) => i % 3 === 0).every((c) => c === 'osid-mismatch')).toBe(true);
      expect(new Set(got)).toEqual(new Set(['osid-mismatch', 'key-unavailable', 'rate-limited']));
      expect(scope.status).toBe('online');
      await expect(scope.ping()).resolves.toEqual(expect.any(Number));
    } finally {
      await mallory.stop();
    }
  }, 30_000);

  test('§7.4: a report re-sent (same entries, fresh seal) is acknowledged but reaches accept once', async () => {
    // dates no other test here uses (they report "now" and the last minute's sensor samples)
    const at = (ago: number) => new Date(Date.now() - ago).toISOString().replace(/\.\d+Z$/, 'Z');
    const entries: DataEntry[] = [{ date: at(100_000), ppm: 433 }];
    accepted.length = 0;
    await reporter().report(entries);
    await reporter().report(entries); // e.g. after the first answer was lost: the spime sends again
    await reporter().report([...entries, { date: at(90_000), ppm: 434 }]);
    expect(accepted.map((a) => a.entries.map((e) => e.ppm))).toEqual([[433], [434]]);
  });
});
