// The client against a real ejabberd 23.01 (test/servers/ejabberd.ts): it offers SCRAM-SHA-1/-256/
// -512 and their -PLUS forms, so this is where channel binding and mechanism choice meet a server
// that has them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createClient, type NodeClientOptions } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { SaslError } from '../../src/xmpp/errors.js';
import { xml } from '../../src/xml/element.js';
import { startEjabberd } from '../servers/ejabberd.js';
import type { TestServer } from '../../tools/servers/server.js';
import { CutProxy } from './cut-proxy.js';

describe('ejabberd', () => {
  let server: TestServer;
  const clients: Client[] = [];
  const client = (user: string, extra: Partial<NodeClientOptions> = {}) => {
    const c = createClient({ jid: `${user}@${server.host}`, password: `${user}-pw`, host: '127.0.0.1', port: server.c2sPort, ca: server.caPem, reconnect: false, keepaliveMs: 0, ...extra });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    server = await startEjabberd();
    for (const u of ['alice', 'bob']) await server.register(u, `${u}-pw`);
  }, 120_000);
  afterAll(async () => { await Promise.all(clients.map((c) => c.stop().catch(() => {}))); await server?.stop(); });

  test('login over STARTTLS with the strongest mechanism offered, and again over direct TLS', async () => {
    const a = client('alice', { resource: 'x' });
    await expect(a.start()).resolves.toBe(`alice@${server.host}/x`);
    // -PLUS is offered but only with tls-unique (no XEP-0440 list), undefined on TLS 1.3
    expect(a.lastMechanism).toBe('SCRAM-SHA-256');
    await a.stop();
    const d = client('alice', { port: server.directTlsPort, directTls: true });
    await expect(d.start()).resolves.toMatch(/^alice@/);
    await d.stop();
  });

  test('wrong password: not-authorized, next attempt only at the slow cadence', async () => {
    // reconnect on: a wrong password does not heal by fast retrying (and that could lock the
    // account); only after hours (reconnect.permanentRetryMs), in case the operator fixes it
    const c = client('alice', { password: 'nope', reconnect: { initialMs: 20, maxMs: 40 } });
    const reconnecting: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => reconnecting.push([d, kind]));
    const e = await c.start().catch((x) => x);
    expect(e).toBeInstanceOf(SaslError);
    expect(e.condition).toBe('not-authorized');
    expect(c.status).toBe('offline');
    await new Promise((r) => setTimeout(r, 150));
    expect(reconnecting.map(([, k]) => k)).toEqual(['permanent']);
    expect(reconnecting[0][0]).toBeGreaterThanOrEqual(2 * 3600_000);
    await c.stop();
  });

  // Verification is always on: with only Node's CA bundle the per-run CA is unknown, and a name
  // other than the certificate's fails the host check. Both are permanent (start() rejects, no
  // fast reconnect loop; the next attempt after hours) even with reconnect on, over STARTTLS and
  // over direct TLS.
  test.each([
    ['STARTTLS, untrusted CA', { ca: undefined }, /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/],
    ['direct TLS, untrusted CA', { ca: undefined, directTls: true }, /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/],
    ['STARTTLS, name mismatch', { servername: 'not-' + 'the-host.test' }, /ALTNAME/],
  ] as Array<[string, Partial<NodeClientOptions>, RegExp]>)('certificate refused: %s', async (_n, extra, code) => {
    const o = { ...extra, reconnect: { initialMs: 20, maxMs: 40 } };
    if (o.directTls) o.port = server.directTlsPort;
    const c = client('alice', o);
    const reconnecting: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => reconnecting.push([d, kind]));
    const e = await c.start().catch((x) => x);
    expect(String(e.code)).toMatch(code);
    expect(c.status).toBe('offline');
    await new Promise((r) => setTimeout(r, 150));
    expect(reconnecting.map(([, k]) => k)).toEqual(['permanent']);
    expect(reconnecting[0][0]).toBeGreaterThanOrEqual(2 * 3600_000);
    await c.stop();
  });

  test('iq round trip between two project clients and ping', async () => {
    const a = client('alice', { resource: 'iq' });
    const b = client('bob', { resource: 'iq' });
    await Promise.all([a.start(), b.start()]);
    b.registerIq('get', 'query', 'urn:example:echo', (_iq, q) => xml('query', { xmlns: 'urn:example:echo' }, q.text().toUpperCase()));
    const res = await a.request(xml('iq', { type: 'get', to: b.jid }, xml('query', { xmlns: 'urn:example:echo' }, 'abc')));
    expect(res.getChildText('query', 'urn:example:echo')).toBe('ABC');
    expect(await a.ping()).toBeGreaterThanOrEqual(0);
  });

  test('XEP-0198 resume after a cut', async () => {
    const proxy = new CutProxy(server.c2sPort);
    await proxy.listen();
    try {
      const a = client('alice', { resource: 'sm', port: proxy.port, reconnect: { initialMs: 50, maxMs: 200 } });
      const b = client('bob', { resource: 'sm2' });
      const online: boolean[] = [];
      a.on('online', (_j, resumed) => online.push(resumed));
      await Promise.all([a.start(), b.start()]);
      await new Promise((r) => setTimeout(r, 200));
      const bodies: string[] = [];
      b.on('stanza', (el) => { if (el.name === 'message') bodies.push(el.getChildText('body') ?? ''); });
      proxy.blackhole = true;
      a.send(xml('message', { to: b.jid, type: 'chat' }, xml('body', null, 'resent')));
      await new Promise((r) => setTimeout(r, 100));
      proxy.cut();
      const deadline = Date.now() + 10_000;
      while ((online.length < 2 || bodies.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(online).toEqual([false, true]);
      expect(bodies).toEqual(['resent']);
    } finally { await proxy.close(); }
  });
});
