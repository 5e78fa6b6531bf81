// The client against one real Prosody through what happens to a deployed spime's server: an
// external component (XEP-0114, hosts/node/component.ts) answering iqs, and a server restart
// (process killed and started again on the same ports, all session state gone).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExternalComponent } from '../../hosts/node/component.js';
import { createClient, type NodeClientOptions } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { ConnectionError, SaslError, StanzaError } from '../../src/xmpp/errors.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

let server: TestServer;
const clients: Client[] = [];
function client(user: string, extra: Partial<NodeClientOptions> = {}): Client {
  const c = createClient({
    jid: `${user}@${server.host}`, password: `${user}-pw`, host: '127.0.0.1', port: server.c2sPort, ca: server.caPem,
    keepaliveMs: 0, ...extra,
  });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  server = await startProsody();
  for (const u of ['alice', 'bob']) await server.register(u, `${u}-pw`);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await server?.stop();
});

describe('iq to an external component (XEP-0114)', () => {
  test('not connected: typed StanzaError from the server; connected: the answer', async () => {
    const a = client('alice', { resource: 'comp', reconnect: false });
    await a.start();
    const domain = server.componentDomain!;
    const query = () => xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: 'urn:example:keys' }, 'k1'));

    // Prosody knows the domain but nothing is attached: it bounces the iq at once (never silence;
    // 0.12's mod_component says wait/remote-server-timeout, "Component unavailable")
    const t0 = Date.now();
    const e = await a.request(query(), 5000).catch((x) => x);
    expect(e).toBeInstanceOf(StanzaError);
    expect(e.condition).toBe('remote-server-timeout');
    expect(e.type).toBe('wait');
    expect(Date.now() - t0).toBeLessThan(2000); // the server's answer, not our iq timeout

    const comp = await ExternalComponent.connect({ domain, secret: server.componentSecret!, port: server.componentPort! });
    try {
      const seenFrom: string[] = [];
      comp.onIq((iq) => {
        seenFrom.push(iq.attr('from') ?? '');
        const q = iq.getChild('query', 'urn:example:keys');
        if (!q) return undefined;
        return xml('iq', { type: 'result', id: iq.attr('id'), to: iq.attr('from'), from: domain },
          xml('query', { xmlns: 'urn:example:keys' }, `answer to ${q.text()}`));
      });
      const res = await a.request(query(), 5000);
      expect(res.attr('from')).toBe(domain);
      expect(res.getChildText('query', 'urn:example:keys')).toBe('answer to k1');
      expect(seenFrom).toEqual([a.jid]); // the server stamped the client's full JID

      // a query the component does not handle: its service-unavailable reaches the client typed
      const e2 = await a.request(xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: 'urn:example:nobody' })), 5000).catch((x) => x);
      expect(e2).toBeInstanceOf(StanzaError);
      expect(e2.condition).toBe('service-unavailable');
      expect(e2.stanza?.attr('from')).toBe(domain);
    } finally { await comp.close(); }
    await a.stop();
  });
});

describe('a refused login after TLS', () => {
  test('not-authorized: start() rejects, no fast retries; the next slow attempt picks up the operator\'s fix', async () => {
    const c = client('erin', { resource: 'fix', reconnect: { initialMs: 20, maxMs: 40, permanentRetryMs: 1500 } });
    const retries: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const online: string[] = [];
    c.on('online', (jid) => online.push(jid));
    const e = await c.start().catch((x) => x);
    expect(e).toBeInstanceOf(SaslError);
    expect(e.condition).toBe('not-authorized');
    expect(c.status).toBe('offline');
    expect(retries.map(([, k]) => k)).toEqual(['permanent']);
    expect(retries[0][0]).toBeGreaterThanOrEqual(750);
    await server.register('erin', 'erin-pw'); // the operator creates the account
    await until(() => online.length === 1, 10_000, 'online at the next slow attempt');
    expect(online).toEqual([`erin@${server.host}/fix`]);
    expect(retries).toHaveLength(1);
    await c.stop();
  });
});

describe('server restart', () => {
  test('the client reconnects by itself to a new session; no sent stanza is silently lost', async () => {
    const backoff = { initialMs: 100, maxMs: 400 };
    const a = client('alice', { resource: 'ra', reconnect: backoff });
    const b = client('bob', { resource: 'rb', reconnect: backoff });
    const onlineA: boolean[] = [], onlineB: boolean[] = [];
    a.on('online', (_j, resumed) => onlineA.push(resumed));
    b.on('online', (_j, resumed) => onlineB.push(resumed));
    await Promise.all([a.start(), b.start()]);
    await until(() => a.smEnabled && b.smEnabled, 5000, '<enabled/>');

    const atB = new Set<string>();
    b.on('stanza', (el) => { if (el.name === 'message' && el.attr('type') === 'chat') atB.add(el.getChildText('body') ?? ''); });
    const unconfirmed = new Set<string>();
    const unconfirmedEls: XmlElement[] = [];
    a.on('unconfirmed', (els) => { for (const el of els) if (el.name === 'message') { unconfirmed.add(el.getChildText('body') ?? ''); unconfirmedEls.push(el); } });
    const bounced = new Set<string>(); // error bounces (e.g. Prosody's smacks returning bob's unacked queue)
    a.on('stanza', (el) => { if (el.name === 'message' && el.attr('type') === 'error') bounced.add(el.getChildText('body') ?? ''); });

    const accepted: string[] = []; // send() returned: the client took responsibility for these
    const refused: string[] = []; // send() threw not-connected: the caller knows at once
    const send = (body: string) => {
      try {
        a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, body)));
        accepted.push(body);
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectionError);
        expect((e as ConnectionError).condition).toBe('not-connected');
        refused.push(body);
      }
    };

    // acknowledged and delivered before the restart
    for (let i = 1; i <= 5; i++) send(`m${i}`);
    await until(() => atB.size === 5 && a.unacked.length === 0, 5000, 'acks');
    // in flight when the server goes down: some may be delivered, some only queued in the client
    for (let i = 6; i <= 10; i++) send(`m${i}`);
    const restarted = server.restart();
    // while it is down (the SIGTERM takes effect first): the client refuses, it does not swallow
    await until(() => a.status !== 'online', 10_000, 'alice offline');
    send('m11');
    await restarted;

    await until(() => onlineA.length >= 2 && onlineB.length >= 2, 20_000, 'both back online');
    expect(onlineA[1]).toBe(false); // Prosody lost its state: a new session, not a resumption
    expect(onlineB[1]).toBe(false);
    expect(accepted.slice(0, 10)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);
    expect(refused).toEqual(['m11']);

    if (process.env.SPIMEKIT_DEBUG) console.log({ atB: [...atB], unconfirmed: [...unconfirmed], bounced: [...bounced] });
    // every accepted stanza was delivered, or the application was told (unconfirmed / bounce)
    for (const body of accepted) expect(atB.has(body) || unconfirmed.has(body) || bounced.has(body)).toBe(true);
    // and what was reported can be sent again on the new session and arrives
    for (const el of unconfirmedEls) a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, el.getChildText('body') ?? '')));
    for (const body of bounced) a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, body)));
    await until(() => accepted.every((m) => atB.has(m)), 5000, 'resent stanzas at bob');
    await until(() => a.unacked.length === 0, 5000, 'acks on the new session');
  }, 40_000);
});
