// The proof every server harness must pass (prosody.test.ts, ejabberd.test.ts call this): a real
// server on loopback, driven by xmpp.js and by raw feature probes (and, where xmpp.js 0.14's own
// reconnect is unreliable, by the project's client: see the restart test).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExternalComponent } from '../../hosts/node/component.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { xml as spimeXml } from '../../src/xml/index.js';
import { startDelayProxy } from './delay-proxy.js';
import { probeFeatures } from './probe.js';
import { listeningSockets } from '../../tools/servers/process.js';
import { scramLogin, type ChannelBinding } from './scram-probe.js';
import type { TestServer } from '../../tools/servers/server.js';
import { makeXmppjsClient, xml, type XjsElement } from './xmppjs.js';

export interface HarnessExpectations {
  /** SASL mechanisms offered after TLS, in the server's order. */
  mechanisms: string[];
  /** The one channel binding the server checks for -PLUS mechanisms (if it offers any). */
  plusBinding?: ChannelBinding;
  /** Ports beyond c2s, direct TLS and component the server is expected to listen on. */
  extraPorts?: (server: TestServer) => number[];
}

/** `p`, or a clear failure once `ms` has passed. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what} (${ms} ms)`)), ms); });
  try { return await Promise.race([p, late]); } finally { clearTimeout(timer); }
}

export function describeServerHarness(name: string, start: () => Promise<TestServer>, expected: HarnessExpectations): void {
  describe(`${name} harness`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await start();
      await server.register('alice', 'alice-pw');
    });
    afterAll(async () => { await server?.stop(); });

    test('the server listens on its loopback ports and nothing else', () => {
      const ports = [server.c2sPort, server.directTlsPort, server.componentPort, ...(expected.extraPorts?.(server) ?? [])];
      expect(listeningSockets(server.pid)).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort());
    });

    test('plaintext c2s offers only STARTTLS, marked required', async () => {
      const { features, mechanisms } = await probeFeatures(server, 'plain');
      expect(features.getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls')?.getChild('required')).toBeDefined();
      expect(mechanisms).toEqual([]);
    });

    test('after STARTTLS: TLS 1.3, SCRAM only (no PLAIN)', async () => {
      const f = await probeFeatures(server, 'starttls');
      expect(f.tlsVersion).toBe('TLSv1.3');
      expect(f.mechanisms).toEqual(expected.mechanisms);
    });

    test('direct TLS (XEP-0368) port presents the same SASL features', async () => {
      const f = await probeFeatures(server, 'directtls');
      expect(f.tlsVersion).toBe('TLSv1.3');
      expect(f.mechanisms).toEqual(expected.mechanisms);
    });

    test('an independent SCRAM client: each offered mechanism accepts the password and refuses a wrong one', async () => {
      for (const mechanism of expected.mechanisms.filter((m) => !m.endsWith('-PLUS'))) {
        expect([mechanism, await scramLogin(server, { mechanism, user: 'alice', password: 'alice-pw' })]).toEqual([mechanism, 'success']);
        expect([mechanism, await scramLogin(server, { mechanism, user: 'alice', password: 'wrong' })]).toEqual([mechanism, 'not-authorized']);
      }
    });

    test('-PLUS mechanisms check exactly the expected channel binding', async () => {
      const plus = expected.mechanisms.filter((m) => m.endsWith('-PLUS'));
      expect(plus.length > 0).toBe(expected.plusBinding !== undefined);
      for (const mechanism of plus) {
        for (const binding of ['tls-exporter', 'tls-server-end-point', 'tls-unique'] as const) {
          const outcome = await scramLogin(server, { mechanism, binding, user: 'alice', password: 'alice-pw' });
          expect([mechanism, binding, outcome]).toEqual([mechanism, binding, binding === expected.plusBinding ? 'success' : 'not-authorized']);
        }
      }
    });

    test('xmpp.js logs in over STARTTLS with SCRAM and pings the server', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw', resource: 'starttls' });
      const mechanisms: string[] = [];
      c.on('send', (el) => { if (el.name === 'auth') mechanisms.push(el.attrs.mechanism); });
      const jid = await c.start();
      try {
        expect(jid.toString()).toBe(`alice@${server.host}/starttls`);
        expect(mechanisms).toEqual(['SCRAM-SHA-1']);
        const pong = await c.iqCaller.request(xml('iq', { type: 'get', to: server.host }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
        expect(pong.attrs.type).toBe('result');
      } finally { await c.stop(); }
    });

    test('xmpp.js logs in over direct TLS and enables stream management before start() resolves', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw', transport: 'directtls' });
      let enabled: XjsElement | undefined;
      c.on('nonza', (el: XjsElement) => { if (el.is('enabled', 'urn:xmpp:sm:3')) enabled = el; });
      await c.start();
      try {
        // xmpp.js itself resolves at binding, before <enabled/>; the helper waits (see xmppjs.ts)
        expect(c.streamManagement.enabled).toBe(true);
        expect(enabled?.attrs.resume).toBe('true');
        expect(c.streamManagement.id).toBe(enabled?.attrs.id);
        expect(c.streamManagement.id).toBeTruthy();
      } finally { await c.stop(); }
    });

    test('a wrong password is refused with not-authorized', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'wrong' });
      await expect(c.start()).rejects.toMatchObject({ condition: 'not-authorized' });
      await c.stop().catch(() => {});
    });

    test('an iq from a client reaches the XEP-0114 component and its answer comes back', async () => {
      const component = await ExternalComponent.connect({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
      component.onIq((iq) => iq.getChild('query', 'urn:spimekit:test')
        ? spimeXml('iq', { type: 'result', id: iq.attr('id'), to: iq.attr('from') }, spimeXml('query', { xmlns: 'urn:spimekit:test' }, `pong from ${component.domain}`))
        : undefined);
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
      await c.start();
      try {
        const res = await c.iqCaller.request(xml('iq', { type: 'get', to: server.componentDomain }, xml('query', { xmlns: 'urn:spimekit:test' })));
        expect(res.getChildText('query', 'urn:spimekit:test')).toBe(`pong from ${server.componentDomain}`);
      } finally { await c.stop(); await component.close(); }
    });

    test('a wrong component secret is refused', async () => {
      await expect(ExternalComponent.connect({ port: server.componentPort, domain: server.componentDomain, secret: 'nope' })).rejects.toThrow();
    });

    test('pubsub component and the host answer disco#info (pubsub, ping, time)', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
      await c.start();
      try {
        const info = async (to: string) => (await c.iqCaller.request(xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))))
          .getChild('query')!;
        const ps = await info(server.pubsubDomain);
        expect(ps.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`)).toContain('pubsub/service');
        const vars = (await info(server.host)).getChildren('feature').map((f) => f.attrs.var);
        expect(vars).toEqual(expect.arrayContaining(['urn:xmpp:ping', 'urn:xmpp:time']));
      } finally { await c.stop(); }
    });

    test('pubsub: a user creates a node, publishes an item and reads it back', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
      await c.start();
      const NS = 'http://jabber.org/protocol/pubsub';
      const node = `n-${Date.now()}`;
      const set = (child: XjsElement) => c.iqCaller.request(xml('iq', { type: 'set', to: server.pubsubDomain }, xml('pubsub', { xmlns: NS }, child)));
      try {
        await set(xml('create', { node }));
        await set(xml('publish', { node }, xml('item', { id: 'i1' }, xml('reading', { xmlns: 'urn:spimekit:test' }, '415 ppm'))));
        const res = await c.iqCaller.request(xml('iq', { type: 'get', to: server.pubsubDomain }, xml('pubsub', { xmlns: NS }, xml('items', { node }))));
        const item = res.getChild('pubsub', NS)?.getChild('items')?.getChild('item');
        expect(item?.attrs.id).toBe('i1');
        expect(item?.getChildText('reading', 'urn:spimekit:test')).toBe('415 ppm');
      } finally { await c.stop(); }
    });

    test('XEP-0198: after the proxy cuts the connection, xmpp.js resumes the same session', async () => {
      const proxy = await startDelayProxy({ targetPort: server.c2sPort });
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw', port: proxy.port, reconnect: true });
      c.reconnect.delay = 50;
      const enabled = new Promise<XjsElement>((resolve) => c.on('nonza', (el: XjsElement) => { if (el.is('enabled', 'urn:xmpp:sm:3')) resolve(el); }));
      const resumedEl = new Promise<XjsElement>((resolve) => c.on('nonza', (el: XjsElement) => { if (el.is('resumed', 'urn:xmpp:sm:3')) resolve(el); }));
      try {
        await c.start();
        const id = (await enabled).attrs.id;
        expect(id).toBeTruthy();
        proxy.cutAll(true);
        const resumed = await resumedEl;
        expect(resumed.attrs.previd).toBe(id);
        expect(proxy.connections.length).toBe(2);
      } finally {
        c.reconnect.stop();
        await c.stop().catch(() => {});
        await proxy.close();
      }
    });

    test('restart(): same ports, accounts kept, and a connected client gets back online', async () => {
      const port = server.c2sPort;
      const pid = server.pid;
      // The reconnecting client is the project's own: xmpp.js 0.14's reconnect races its own
      // stream-error handling (ejabberd ends streams with <system-shutdown/>; the disconnect()
      // that starts times out 2 s later and detaches the parser of whatever connection is then
      // current, so a reconnect made within those 2 s dies with a TypeError in its data handler).
      const c = createClient({
        jid: `alice@${server.host}`, password: 'alice-pw', resource: 'restart', host: '127.0.0.1', port, ca: server.caPem,
        keepaliveMs: 0, reconnect: { initialMs: 100, maxMs: 400 },
      });
      c.on('error', () => {}); // connection errors while the server is down are expected
      const sessions: boolean[] = []; // 'resumed' per online
      c.on('online', (_jid, resumed) => sessions.push(resumed));
      const offline = new Promise((r) => c.on('offline', r));
      await c.start();
      try {
        const backOnline = new Promise((r) => c.on('online', r));
        await server.restart();
        await within(offline, 10_000, 'the client seeing the server go');
        await within(backOnline, 20_000, 'the client back online');
        expect(server.pid).not.toBe(pid);
        expect(server.c2sPort).toBe(port);
        expect(sessions).toEqual([false, false]); // the old session died with the process
        expect(c.status).toBe('online');
        // and an independent client logs in to the same account on the same port
        const x = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
        expect((await x.start()).toString()).toMatch(new RegExp(`^alice@${server.host}/`));
        await x.stop();
      } finally {
        await c.stop().catch(() => {});
      }
    }, 40_000);
  });
}
