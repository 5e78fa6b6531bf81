// The client against a real Prosody 0.12 (test/servers/prosody.ts: loopback, per-run CA, STARTTLS
// required, SCRAM only, XEP-0198 and XEP-0368 on).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createClient, type NodeClientOptions } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { SaslError, StanzaError, StreamError } from '../../src/xmpp/errors.js';
import { CutProxy } from './cut-proxy.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const clients: Client[] = [];
function client(server: TestServer, user: string, extra: Partial<NodeClientOptions> = {}): Client {
  const c = createClient({
    jid: `${user}@${server.host}`, password: `${user}-pw`, host: '127.0.0.1', port: server.c2sPort, ca: server.caPem,
    reconnect: false, keepaliveMs: 0, ...extra,
  });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function stopAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
}

describe.each([['SHA-1' as const], ['SHA-256' as const]])('Prosody, SCRAM-%s', (hash) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startProsody({ scramHash: hash });
    await server.register('alice', 'alice-pw');
    await server.register('bob', 'bob-pw');
  }, 60_000);
  afterAll(async () => { await stopAll(); await server?.stop(); });

  test('login over STARTTLS + SCRAM, bound JID, SM enabled', async () => {
    const c = client(server, 'alice', { resource: 'r1' });
    await expect(c.start()).resolves.toBe(`alice@${server.host}/r1`);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.smEnabled).toBe(true);
    await c.stop();
    expect(c.status).toBe('stopped');
  });

  test('direct TLS (XEP-0368)', async () => {
    const c = client(server, 'alice', { port: server.directTlsPort, directTls: true });
    await expect(c.start()).resolves.toMatch(new RegExp(`^alice@${server.host}/`));
    await c.stop();
  });

  test('wrong password: SaslError not-authorized', async () => {
    const c = client(server, 'alice', { password: 'wrong' });
    const e = await c.start().catch((x) => x);
    expect(e).toBeInstanceOf(SaslError);
    expect(e.condition).toBe('not-authorized');
  });
});

describe('Prosody, one server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startProsody();
    for (const u of ['alice', 'bob', 'carol']) await server.register(u, `${u}-pw`);
  }, 60_000);
  afterAll(async () => { await stopAll(); await server?.stop(); });

  test('a certificate from an untrusted CA is refused (verification is always on)', async () => {
    const c = client(server, 'alice', { ca: undefined });
    const e = await c.start().catch((x) => x);
    expect(String(e.code ?? e.message)).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|self.signed/i);
  });

  test('a domain the server does not host: StreamError host-unknown from the wire on each attempt, retried at backoff pace', async () => {
    // Prosody says it in the first stream, before TLS: unauthenticated, so it fails the attempt
    // but never the device (anyone on the path could have written it)
    const c = createClient({ jid: 'alice@other.test', password: 'alice-pw', host: '127.0.0.1', port: server.c2sPort, ca: server.caPem, keepaliveMs: 0, reconnect: { initialMs: 50, maxMs: 100 } });
    const errors: Error[] = [];
    const kinds: string[] = [];
    c.on('error', (e) => errors.push(e));
    c.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
    clients.push(c);
    void c.start().catch(() => {});
    const deadline = Date.now() + 10_000;
    while (errors.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors.slice(0, 2).map((e) => [e instanceof StreamError, (e as StreamError).condition])).toEqual([[true, 'host-unknown'], [true, 'host-unknown']]);
    expect(kinds.slice(0, 2)).toEqual(['backoff', 'backoff']);
    expect(c.status).not.toBe('stopped');
    await c.stop();
  });

  test('XEP-0198: after a cut the client resumes; a stanza lost on the way is resent, once', async () => {
    const proxy = new CutProxy(server.c2sPort);
    await proxy.listen();
    try {
      const a = client(server, 'alice', { resource: 'sm', port: proxy.port, reconnect: { initialMs: 50, maxMs: 200 } });
      const b = client(server, 'bob', { resource: 'sm' });
      const online: boolean[] = [];
      a.on('online', (_j, resumed) => online.push(resumed));
      await Promise.all([a.start(), b.start()]);
      await new Promise((r) => setTimeout(r, 200)); // <enabled/> in
      const bodies: string[] = [];
      b.on('stanza', (el) => { if (el.name === 'message') bodies.push(el.getChildText('body') ?? ''); });
      const toA: string[] = [];
      a.on('stanza', (el) => { if (el.name === 'message') toA.push(el.getChildText('body') ?? ''); });

      proxy.blackhole = true;
      a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, 'lost in transit')));
      await new Promise((r) => setTimeout(r, 100));
      expect(a.unacked).toHaveLength(1);
      proxy.cut();
      b.send(xml('message', { to: a.jid, type: 'chat' }, xml('body', null, 'while you were away')));
      const deadline = Date.now() + 10_000;
      while ((online.length < 2 || bodies.length < 1 || toA.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(online).toEqual([false, true]);
      expect(bodies).toEqual(['lost in transit']);
      expect(toA).toEqual(['while you were away']);
      expect(proxy.connections).toBe(2);
    } finally { await proxy.close(); }
  });

  test('iq round trip between two project clients; ping; disco#info; unknown iq → service-unavailable', async () => {
    const a = client(server, 'alice', { resource: 'a' });
    const b = client(server, 'bob', { resource: 'b' });
    await Promise.all([a.start(), b.start()]);
    b.registerIq('get', 'query', 'urn:example:echo', (_iq, q) => xml('query', { xmlns: 'urn:example:echo' }, q.text() + '!'), 'urn:example:echo');
    const res = await a.request(xml('iq', { type: 'get', to: b.jid }, xml('query', { xmlns: 'urn:example:echo' }, 'hi')));
    expect(res.getChildText('query', 'urn:example:echo')).toBe('hi!');
    expect(res.attr('from')).toBe(b.jid);

    const disco = await a.request(xml('iq', { type: 'get', to: b.jid }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = disco.getChild('query')!.getChildren('feature').map((f) => f.attr('var'));
    expect(features).toEqual(expect.arrayContaining(['urn:example:echo', 'urn:xmpp:ping', 'urn:xmpp:time']));

    const err = await a.request(xml('iq', { type: 'get', to: b.jid }, xml('query', { xmlns: 'urn:example:nobody' }))).catch((x) => x);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err.condition).toBe('service-unavailable');

    expect(await a.ping()).toBeGreaterThanOrEqual(0);
    expect(await a.ping(b.jid)).toBeGreaterThanOrEqual(0);
    const t = await a.syncTime();
    expect(Math.abs(t - Date.now())).toBeLessThan(5000);
  });

  test('messages between the clients; SM acks empty the queue', async () => {
    const a = client(server, 'alice', { resource: 'm1' });
    const b = client(server, 'bob', { resource: 'm2' });
    await Promise.all([a.start(), b.start()]);
    const got = new Promise<XmlElement>((resolve) => b.on('stanza', (el) => { if (el.name === 'message') resolve(el); }));
    a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, 'ünïcødé <&>')));
    expect((await got).getChildText('body')).toBe('ünïcødé <&>');
    await new Promise((r) => setTimeout(r, 200));
    expect(a.unacked).toHaveLength(0);
  });
});
