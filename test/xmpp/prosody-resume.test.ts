// Issue 9, item 1, against a real Prosody 0.12: stanzas queued for a client while its link is down
// (the session hibernating, XEP-0198 §5) are resent by the server right behind <resumed/>, in
// one burst. Every one must reach the application exactly once, and the client's 'h' must count
// exactly what the application was handed — checked by a second resume, in which the server
// resends nothing old (h too low) and drops nothing new (h too high).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createClient } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { xml } from '../../src/xml/element.js';
import { startProsody } from '../../tools/servers/prosody.js';
import type { TestServer } from '../../tools/servers/server.js';
import { startDelayProxy, type DelayProxy } from '../servers/net-tools.js';

let server: TestServer;
let proxy: DelayProxy;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startProsody();
  await server.register('alice', 'alice-pw');
  await server.register('bob', 'bob-pw');
  proxy = await startDelayProxy({ targetPort: server.c2sPort });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await proxy?.close();
  await server?.stop();
});

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('30 stanzas queued while the link is down: all delivered once after the resume, and h counts exactly them', async () => {
  const alice = createClient({
    jid: `alice@${server.host}`, password: 'alice-pw', resource: 'sm', host: '127.0.0.1', port: proxy.port, ca: server.caPem,
    keepaliveMs: 0, reconnect: { initialMs: 50, maxMs: 200 },
  });
  const bob = createClient({ jid: `bob@${server.host}`, password: 'bob-pw', resource: 'b', host: '127.0.0.1', port: server.c2sPort, ca: server.caPem, keepaliveMs: 0, reconnect: false });
  for (const c of [alice, bob]) { c.on('error', () => {}); clients.push(c); }
  const online: boolean[] = [];
  alice.on('online', (_j, resumed) => online.push(resumed));
  const bodies: string[] = [];
  alice.on('stanza', (el) => { if (el.name === 'message') bodies.push(el.getChildText('body') ?? ''); });

  await Promise.all([alice.start(), bob.start()]);
  await until(() => alice.smEnabled, '<enabled/>');
  await alice.ping(); // her own presence and anything else the login brings are in
  const aliceJid = alice.jid;

  /** The link breaks (RST both ways: the server hibernates the session) and stays down while
   *  bob sends `n` messages; then it comes back and alice resumes. */
  async function outage(first: number, n: number): Promise<void> {
    const resumedBefore = online.filter(Boolean).length;
    proxy.refuse(true);
    proxy.last()!.cut(true);
    await until(() => alice.status !== 'online', 'alice sees the cut');
    for (let i = first; i < first + n; i++) bob.send(xml('message', { to: aliceJid, type: 'chat' }, xml('body', null, `m${i}`)));
    await bob.ping(); // Prosody handles a stream in order: bob's messages are queued for alice now
    proxy.refuse(false);
    await until(() => online.filter(Boolean).length > resumedBefore, 'alice resumes');
  }

  await outage(0, 30);
  await until(() => bodies.length >= 30, '30 messages after the resume');
  await alice.ping(); // any duplicate would have arrived before this answer
  expect(bodies).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));

  // h is what the application got: on the next resume the server resends none of the 30, and the
  // one message queued this time arrives
  await outage(30, 1);
  await until(() => bodies.length >= 31, 'the message of the second outage');
  await alice.ping();
  expect(bodies).toEqual(Array.from({ length: 31 }, (_, i) => `m${i}`));
  expect(online[0]).toBe(false);
  expect(online.filter((r) => !r)).toHaveLength(1); // never a fresh session: nothing was lost
}, 60_000);
