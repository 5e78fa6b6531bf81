// SpimeSeek on the spime's side through a real Prosody (PROTOCOL.md §7.2, §7.3): the spime
// publishes a signed request about itself to the PubSub node `spimeseek`; a ScopeNode subscribed
// to it opens the relayed item (openSeekRequest: cheap checks, claim key, signature, replay
// memory) and answers with a signed, encrypted <message/>; the spime verifies and decrypts the
// answer. Also: under Prosody's default publish model the spime's publish is refused (forbidden),
// which is why §7.2 requires an open (or subscribers) node.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createNodeCrypto, generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { nodeClock } from '../../hosts/node/clock.js';
import { startKeyService, type KeyService } from '../../hosts/node/key-service.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { NS_CORE, NS_PUBSUB, NS_PUBSUB_EVENT } from '../../src/openspime/namespaces.js';
import { KeyDirectory } from '../../src/openspime/pubkeys.js';
import { seal } from '../../src/openspime/seal.js';
import { buildSeekResponse, openSeekRequest, SeekGuard } from '../../src/openspime/spimeseek.js';
import { SpimeSeeker } from '../../src/roles/spime-seek.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const crypto = createNodeCrypto();
const spimeKey = generateNodeRsaKey();
const scopeKey = generateNodeRsaKey();
const now = () => Date.now();
const entries = [{ date: '2026-11-22T05:59:00Z', ppm: 412.5, exposure: 'outdoor' as const }];

let server: TestServer;
let keyService: KeyService;
let spime: Client, scope: Client;
const answered: string[] = [];
let answering = true;

const client = (user: string, resource: string) => createClient({
  jid: `${user}@${server.host}`, password: `${user}-pw`, resource, ca: server.caPem, host: '127.0.0.1', port: server.c2sPort, reconnect: false,
});
const pubsub = (child: XmlElement) => xml('iq', { type: 'set', to: server.pubsubDomain }, xml('pubsub', { xmlns: NS_PUBSUB }, child));
const nodeConfig = (model: string) => xml('configure', null, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
  xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', null, 'http://jabber.org/protocol/pubsub#node_config')),
  xml('field', { var: 'pubsub#publish_model' }, xml('value', null, model)),
  xml('field', { var: 'pubsub#deliver_payloads' }, xml('value', null, '1'))));

const seeker = (o: { certServices?: string[] } = {}) => new SpimeSeeker({
  client: spime, crypto, key: spimeKey, cert: server.componentDomain, certServices: o.certServices ?? [server.componentDomain],
  pubsub: server.pubsubDomain, now, timers: nodeClock,
});

beforeAll(async () => {
  server = await startProsody({ admins: ['scopenode'] });
  await Promise.all(['spime', 'scopenode'].map((u) => server.register(u, `${u}-pw`)));
  keyService = await startKeyService({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  keyService.publish(`spime@${server.host}`, [spimeKey.publicKey]);
  keyService.publish(`scopenode@${server.host}`, [scopeKey.publicKey]);
  spime = client('spime', 'device');
  scope = client('scopenode', 'scope');
  await Promise.all([spime.start(), scope.start()]);
  // The ScopeNode's side, as a later issue will build it: open each relayed request, answer it.
  const keys = new KeyDirectory({ iq: scope, certServices: [server.componentDomain], now });
  const guard = new SeekGuard(now);
  scope.on('stanza', (el) => {
    const item = el.name === 'message' ? el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items')?.getChild('item') : undefined;
    const container = item?.getChild('openspime', NS_CORE);
    if (!container || !answering) return;
    void openSeekRequest(container, server.pubsubDomain, { crypto, keys, now }, guard).then(async ({ opened, request }) => {
      const [to] = request.encrequired ? await keys.lookup(opened.container.originator!.cert, opened.osid) : [undefined];
      const payload = buildSeekResponse({ id: request.id, entries });
      scope.send(xml('message', { to: opened.osid }, seal(payload, { crypto, osid: scope.jid, cert: server.componentDomain, signingKey: scopeKey, encryptTo: to })));
      answered.push(request.id);
    }, (e) => answered.push(`refused ${(e as { condition?: string }).condition}`));
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([spime?.stop(), scope?.stop(), keyService?.close()]);
  await server?.stop();
});

describe('SpimeSeek from the spime through Prosody', () => {
  test('under the default publish model the spime may not publish (forbidden): the node must be open (§7.2)', async () => {
    await scope.request(pubsub(xml('create', { node: 'closed-seek' })));
    await expect(spime.request(pubsub(xml('publish', { node: 'closed-seek' }, xml('item', { id: 'x' }, xml('x', { xmlns: 'urn:x' }))))))
      .rejects.toMatchObject({ condition: 'forbidden' });
  });

  test('the spime seeks itself; the ScopeNode\'s signed, encrypted answer is verified, decrypted and taken', async () => {
    await scope.request(xml('iq', { type: 'set', to: server.pubsubDomain }, xml('pubsub', { xmlns: NS_PUBSUB }, xml('create', { node: 'spimeseek' }), nodeConfig('open'))));
    await scope.request(pubsub(xml('subscribe', { node: 'spimeseek', jid: scope.jid })));
    const a = await seeker().seek({ lifetimeMs: 30_000 });
    expect([a.from, a.encrypted, a.entries]).toEqual([scope.jid, true, entries]);
    expect(answered.at(-1)).toBe(a.id);
  }, 60_000);

  test('plain answers when encryption is not required', async () => {
    const a = await seeker().seek({ encrypted: false, lifetimeMs: 30_000 });
    expect([a.encrypted, a.entries]).toEqual([false, entries]);
  }, 60_000);

  test('an answer from a ScopeNode whose certification service we do not trust is not taken: the seek expires', async () => {
    await expect(seeker({ certServices: ['someone-else.example'] }).seek({ lifetimeMs: 4000 })).rejects.toMatchObject({ condition: 'request-expired' });
  }, 60_000);

  test('nobody answers: request-expired at the end of the lifetime', async () => {
    answering = false;
    try {
      await expect(seeker().seek({ lifetimeMs: 3000 })).rejects.toMatchObject({ condition: 'request-expired' });
    } finally { answering = true; }
  }, 60_000);
});
