// The proof every server harness must pass (prosody.test.ts, ejabberd.test.ts call this): a real
// server on loopback, driven by xmpp.js and by raw feature probes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectComponent } from './component.js';
import { probeFeatures } from './probe.js';
import { listeningSockets } from './process.js';
import type { TestServer } from './server.js';
import { makeXmppjsClient, xml, type XjsElement } from './xmppjs.js';

export interface HarnessExpectations {
  /** SASL mechanisms offered after TLS, in the server's order. */
  mechanisms: string[];
  /** Ports beyond c2s, direct TLS and component the server is expected to listen on. */
  extraPorts?: (server: TestServer) => number[];
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

    test('xmpp.js logs in over direct TLS and enables stream management', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw', transport: 'directtls' });
      // xmpp.js sends <enable/> after binding, so <enabled/> may arrive after 'online'.
      const enabled = new Promise<XjsElement>((resolve) => c.on('nonza', (el: XjsElement) => { if (el.is('enabled', 'urn:xmpp:sm:3')) resolve(el); }));
      await c.start();
      try {
        const el = await enabled;
        expect(el.attrs.resume).toBe('true');
        expect(el.attrs.id).toBeTruthy();
      } finally { await c.stop(); }
    });

    test('a wrong password is refused with not-authorized', async () => {
      const c = makeXmppjsClient({ server, username: 'alice', password: 'wrong' });
      await expect(c.start()).rejects.toMatchObject({ condition: 'not-authorized' });
      await c.stop().catch(() => {});
    });

    test('an iq from a client reaches the XEP-0114 component and its answer comes back', async () => {
      const component = await connectComponent({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
      component.onIq((iq) => iq.getChild('query', 'urn:spimekit:test') ? `<query xmlns='urn:spimekit:test'>pong from ${component.domain}</query>` : undefined);
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
      await c.start();
      try {
        const res = await c.iqCaller.request(xml('iq', { type: 'get', to: server.componentDomain }, xml('query', { xmlns: 'urn:spimekit:test' })));
        expect(res.getChildText('query', 'urn:spimekit:test')).toBe(`pong from ${server.componentDomain}`);
      } finally { await c.stop(); await component.close(); }
    });

    test('a wrong component secret is refused', async () => {
      await expect(connectComponent({ port: server.componentPort, domain: server.componentDomain, secret: 'nope' })).rejects.toThrow();
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

    test('restart() comes back on the same port, with accounts kept', async () => {
      const port = server.c2sPort;
      const pid = server.pid;
      await server.restart();
      expect(server.pid).not.toBe(pid);
      expect(server.c2sPort).toBe(port);
      const c = makeXmppjsClient({ server, username: 'alice', password: 'alice-pw' });
      await c.start();
      await c.stop();
    });
  });
}
