// Proves the Prosody harness: a real Prosody on loopback, driven by xmpp.js and raw probes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectComponent } from './component.js';
import { probeFeatures } from './probe.js';
import { startProsody } from './prosody.js';
import type { TestServer } from './server.js';
import { makeXmppjsClient, xml, type XjsElement } from './xmppjs.js';

let server: TestServer;
beforeAll(async () => {
  server = await startProsody();
  await server.register('alice', 'alice-pw');
});
afterAll(async () => { await server?.stop(); });

describe('prosody harness', () => {
  test('plaintext c2s offers only STARTTLS, marked required', async () => {
    const { features, mechanisms } = await probeFeatures(server, 'plain');
    expect(features.getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls')?.getChild('required')).toBeDefined();
    expect(mechanisms).toEqual([]);
  });

  test('after STARTTLS: TLS 1.3, SCRAM-SHA-1 only (no PLAIN)', async () => {
    const f = await probeFeatures(server, 'starttls');
    expect(f.tlsVersion).toBe('TLSv1.3');
    expect(f.mechanisms).toEqual(['SCRAM-SHA-1']);
  });

  test('direct TLS (XEP-0368) port presents the same SASL features', async () => {
    const f = await probeFeatures(server, 'directtls');
    expect(f.mechanisms).toEqual(['SCRAM-SHA-1']);
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

describe('prosody options', () => {
  test('scramHash SHA-256 offers SCRAM-SHA-256 alone', async () => {
    const s = await startProsody({ scramHash: 'SHA-256' });
    try {
      expect((await probeFeatures(s, 'starttls')).mechanisms).toEqual(['SCRAM-SHA-256']);
    } finally { await s.stop(); }
  });

  test('stop() ends the process and removes its dir', async () => {
    const s = await startProsody();
    const { pid, configDir } = s;
    await s.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    const { existsSync } = await import('node:fs');
    expect(existsSync(configDir)).toBe(false);
  });
});
