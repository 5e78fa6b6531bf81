// The XEP-0114 component's iq requests through a real Prosody (hosts/node/component.ts): an answer
// counts only if it comes from the entity asked (RFC 6120 §8.2.3), and ids cannot be guessed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExternalComponent } from '../../hosts/node/component.js';
import { createClient } from '../../hosts/node/xmpp.js';
import { xml, type XmlElement } from '../../src/xml/index.js';
import type { Client } from '../../src/xmpp/client.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';

const NS = 'urn:spimekit:test:slow';
let server: TestServer;
let component: ExternalComponent;
let alice: Client;
let mallory: Client;

const client = (user: string) => createClient({
  jid: `${user}@${server.host}`, password: `${user}-pw`, resource: 'r', ca: server.caPem,
  host: '127.0.0.1', port: server.c2sPort, reconnect: false,
});

beforeAll(async () => {
  server = await startProsody();
  await Promise.all(['alice', 'mallory'].map((u) => server.register(u, `${u}-pw`)));
  component = await ExternalComponent.connect({ port: server.componentPort, domain: server.componentDomain, secret: server.componentSecret });
  alice = client('alice');
  mallory = client('mallory');
  await Promise.all([alice.start(), mallory.start()]);
}, 30_000);

afterAll(async () => {
  await Promise.allSettled([alice?.stop(), mallory?.stop(), component?.close()]);
  await server?.stop();
});

describe('ExternalComponent requests through Prosody', () => {
  test('a result forged by another entity with the pending id is ignored; the addressee\'s answer resolves the request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    alice.registerIq('get', 'query', NS, async () => { await gate; return xml('query', { xmlns: NS }, 'from alice'); });
    const unmatched: XmlElement[] = [];
    const forgedArrived = new Promise<void>((resolve) => component.onStanza((el) => { unmatched.push(el); if (el.name === 'iq') resolve(); }));

    const iq = xml('iq', { type: 'get', to: alice.jid }, xml('query', { xmlns: NS }));
    const answer = component.request(iq, 10_000);
    const id = iq.attr('id')!;
    // mallory even knows the id (as it did when ids were c1, c2…): the result comes from the wrong entity
    mallory.send(xml('iq', { type: 'result', id, to: component.domain }, xml('query', { xmlns: NS }, 'forged')));
    // the component saw it, and did not take it for the answer
    await Promise.race([forgedArrived, answer.then((r) => { throw new Error(`taken as the answer: ${r.getChildText('query', NS)} from ${r.attr('from')}`); })]);
    expect(unmatched.map((el) => [el.attr('type'), el.attr('id'), el.attr('from')])).toEqual([['result', id, mallory.jid]]);
    release();
    const res = await answer;
    expect([res.attr('from'), res.getChildText('query', NS)]).toEqual([alice.jid, 'from alice']);
  });

  test('ids are unpredictable: random, not a counter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const iq = xml('iq', { type: 'get', to: server.host }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
      const r = component.request(iq);
      ids.push(iq.attr('id')!);
      await r;
    }
    for (const id of ids) expect(id).toMatch(/^c[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(3);
  });

  test('a request without to is refused at once (nothing could answer it)', async () => {
    await expect(component.request(xml('iq', { type: 'get' }, xml('ping', { xmlns: 'urn:xmpp:ping' })))).rejects.toThrow("without 'to'");
  });
});
