// Every wait on the peer has a deadline (README "Connecting to a server" → Guarantees; issue 9,
// item 3), over real sockets: the raw hostile peer (test/servers/raw-peer.ts) plays a server up to
// one step and then falls silent, keeping the connection open. Each case must end in a typed
// TimeoutError naming that step and a new connection at backoff pace — never a hang.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createClient, type NodeClientOptions } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { TimeoutError, type TimeoutStep } from '../../src/xmpp/errors.js';
import { startBlackhole, startRawPeer, xmpp, type Blackhole, type RawPeer, type RawPeerScript } from '../servers/net-tools.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
const NS_SM = 'urn:xmpp:sm:3';
const DEADLINE = 400;

let peer: RawPeer | undefined;
let hole: Blackhole | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await peer?.close();
  await hole?.close();
  peer = hole = undefined;
});

function client(port: number, caPem: string | undefined, extra: Partial<NodeClientOptions> = {}): { c: Client; errors: Error[] } {
  const c = createClient({
    jid: 'alice@spimekit.test', password: 'alice-pw', host: '127.0.0.1', port, ca: caPem, resource: 'r', allowPlain: true,
    keepaliveMs: 0, connectTimeoutMs: DEADLINE, tlsTimeoutMs: DEADLINE, negotiationTimeoutMs: DEADLINE, closeTimeoutMs: DEADLINE,
    reconnect: { initialMs: 50, maxMs: 100 }, ...extra,
  });
  const errors: Error[] = [];
  c.on('error', (e) => errors.push(e));
  clients.push(c);
  return { c, errors };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

type SilentAt = 'connect' | 'header' | 'starttls' | 'proceed' | 'auth' | 'restart' | 'bind-features' | 'session' | 'enable' | 'resume';

/** A server that is fine up to `at`, then says nothing more. Connections after the first only
 *  stay silent (they prove the retry), except for 'resume', where the second one is the test. */
function silentAfter(at: SilentAt, o: { session?: boolean; sm?: boolean } = {}): RawPeerScript {
  return async (s) => {
    const silent = () => s.closed;
    if (s.index > 0 && at !== 'resume') return silent();
    if (at === 'connect') return silent();
    await s.expect('<stream:stream');
    if (at === 'header') { await s.send(xmpp.streamHeader()); return silent(); }
    if (at === 'starttls' || at === 'proceed') {
      await s.send(xmpp.streamHeader() + xmpp.features(xmpp.starttlsRequired));
      await s.expect('<starttls');
      if (at === 'proceed') await s.send(xmpp.proceed); // ... and never starts TLS
      return silent();
    }
    // direct TLS from here
    await s.send(xmpp.streamHeader() + xmpp.features(xmpp.mechanisms('PLAIN')));
    await s.expect('</auth>');
    if (at === 'auth') return silent();
    await s.send(`<success xmlns='${NS_SASL}'/>`);
    await s.expect('<stream:stream');
    if (at === 'restart') return silent();
    if (at === 'resume' && s.index > 0) {
      await s.expect('<resume');
      await s.send(xmpp.streamHeader('spimekit.test', 's3') + xmpp.features(`<bind xmlns='${NS_BIND}'/><sm xmlns='${NS_SM}'/>`));
      return silent();
    }
    const bind = await s.expect('</iq>');
    const id = /<iq[^>]* id=['"]([^'"]+)['"]/.exec(bind)?.[1];
    const features = `<bind xmlns='${NS_BIND}'/>` + (o.session ? `<session xmlns='${NS_SESSION}'/>` : '') + (o.sm ? `<sm xmlns='${NS_SM}'/>` : '');
    await s.send(xmpp.streamHeader('spimekit.test', 's2') + xmpp.features(features));
    if (at === 'bind-features') return silent();
    await s.send(`<iq type='result' id='${id}'><bind xmlns='${NS_BIND}'><jid>alice@spimekit.test/r</jid></bind></iq>`);
    if (o.session) {
      await s.expect(NS_SESSION);
      if (at === 'session') return silent();
    }
    await s.expect('<enable');
    if (at === 'enable') return silent();
    // 'resume', first connection: a resumable session, then the link breaks
    await s.send(`<enabled xmlns='${NS_SM}' id='sm-1' resume='true'/>`);
    await s.expect('<presence');
    s.destroy();
  };
}

async function expectTimeout(errors: Error[], p: RawPeer | undefined, step: TimeoutStep, connections = 2): Promise<void> {
  await until(() => errors.length > 0);
  expect(errors[0]).toBeInstanceOf(TimeoutError);
  expect((errors[0] as TimeoutError).step).toBe(step);
  expect((errors[0] as TimeoutError).condition).toBe('connection-timeout');
  if (p) await until(() => p.connectionCount >= connections); // and a retry
}

describe('STARTTLS phase (plain TCP)', () => {
  test.each([
    ['silent after the TCP connect', 'connect', 'features'],
    ['silent after its stream header', 'header', 'features'],
    ['silent after its features (no <proceed/>)', 'starttls', 'starttls'],
    ['<proceed/>, then never starts TLS (the issue-9 hang)', 'proceed', 'tls'],
  ] as Array<[string, SilentAt, TimeoutStep]>)('%s [%s] → TimeoutError, step %s, then a retry', async (_n, at, step) => {
    const p = peer = await startRawPeer(silentAfter(at));
    const { c, errors } = client(p.port, p.caPem);
    void c.start().catch(() => {});
    await expectTimeout(errors, p, step);
    expect(c.status).not.toBe('online');
  });
});

describe('after TLS (direct TLS)', () => {
  test.each([
    ['silent after <auth/>', 'auth', 'sasl', {}],
    ['silent after <success/> and our restart', 'restart', 'features', {}],
    ['silent after the post-auth features (no bind result)', 'bind-features', 'bind', {}],
    ['silent after <session/> (legacy server requiring it)', 'session', 'session', { session: true, sm: true }],
    ['silent after <enable/>', 'enable', 'enable', { sm: true }],
  ] as Array<[string, SilentAt, TimeoutStep, { session?: boolean; sm?: boolean }]>)('%s [%s] → step %s, then a retry', async (_n, at, step, o) => {
    const p = peer = await startRawPeer(silentAfter(at, o), { tls: 'direct' });
    const { c, errors } = client(p.port, p.caPem, { directTls: true });
    void c.start().catch(() => {});
    await expectTimeout(errors, p, step);
  });

  test('silent after <resume/> → step resume, then a retry', async () => {
    const p = peer = await startRawPeer(silentAfter('resume', { sm: true }), { tls: 'direct' });
    const { c, errors } = client(p.port, p.caPem, { directTls: true });
    const online: boolean[] = [];
    c.on('online', (_j, resumed) => online.push(resumed));
    await c.start();
    await until(() => errors.length > 0); // the first link breaks (socket closed)
    errors.length = 0;
    await expectTimeout(errors, p, 'resume', 3);
    expect(online).toEqual([false]);
  });

  test('direct TLS to a peer that never answers the ClientHello → step connect (TCP + handshake), then a retry', async () => {
    const p = peer = await startRawPeer(silentAfter('connect')); // plain TCP peer: TLS never starts
    const { c, errors } = client(p.port, p.caPem, { directTls: true });
    void c.start().catch(() => {});
    await expectTimeout(errors, p, 'connect');
  });
});

describe('transport', () => {
  test('TCP connect to a blackhole (SYNs dropped) → step connect, then another attempt', async () => {
    hole = await startBlackhole();
    const { c, errors } = client(hole.port, undefined);
    const attempts: number[] = [];
    c.on('reconnecting', (_d, n) => attempts.push(n));
    void c.start().catch(() => {});
    await expectTimeout(errors, undefined, 'connect');
    await until(() => errors.length >= 2); // the retry timed out the same way
    expect((errors[1] as TimeoutError).step).toBe('connect');
    expect(attempts.length).toBeGreaterThanOrEqual(1);
  });

  test('stop() when the peer never closes its stream: resolves after closeTimeoutMs and the socket is closed', async () => {
    let sawClose = false;
    const p = peer = await startRawPeer(async (s) => {
      await s.expect('<stream:stream');
      await s.send(xmpp.streamHeader() + xmpp.features(xmpp.mechanisms('PLAIN')));
      await s.expect('</auth>');
      await s.send(`<success xmlns='${NS_SASL}'/>`);
      const bind = await s.expect('</iq>');
      const id = /<iq[^>]* id=['"]([^'"]+)['"]/.exec(bind)?.[1];
      await s.send(xmpp.streamHeader('spimekit.test', 's2') + xmpp.features(`<bind xmlns='${NS_BIND}'/>`) +
        `<iq type='result' id='${id}'><bind xmlns='${NS_BIND}'><jid>alice@spimekit.test/r</jid></bind></iq>`);
      await s.expect('</stream:stream>'); // ... and never answers it
      await s.closed;
      sawClose = true;
    }, { tls: 'direct' });
    const { c } = client(p.port, p.caPem, { directTls: true });
    await c.start();
    await c.stop();
    expect(c.status).toBe('stopped');
    await until(() => sawClose);
  });
});
