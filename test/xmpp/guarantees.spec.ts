// The client's guarantees (README "Connecting to a server" → Guarantees; issue 9) against the
// scripted Prosody-like peer (test/xmpp/fakes.ts): nothing received is dropped without an error
// nor acknowledged before the application has it; every wait on the peer has a deadline; ids and
// JIDs cannot be confused; SM and legacy-session edge cases; the channel-binding downgrade policy.
import type { ClientOptions } from '../../src/xmpp/client.js';
import { base64Decode, utf8Decode } from '../../src/xmpp/bytes.js';
import { ConnectionError, StreamError, TimeoutError } from '../../src/xmpp/errors.js';
import { canonicalJid, sameJid } from '../../src/xmpp/jid.js';
import type { XmlStream } from '../../src/xmpp/stream.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { fakeClient, seededCrypto, FakeServer, FakeStream, NS, flush } from './fakes.js';

const crypto = seededCrypto(7);
const setup = (server = new FakeServer(), extra: Partial<ClientOptions> = {}) => fakeClient(crypto, server, extra);

const msg = (i: number) => xml('message', { xmlns: NS.client, from: 'peer@example.net/p', type: 'chat' }, xml('body', null, `m${i}`));
const bodies = (els: XmlElement[]) => els.filter((e) => e.name === 'message').map((e) => e.getChildText('body'));
const lastAck = (s: FakeStream) => s.sentElements.filter((e) => e.name === 'a' && e.ns === NS.sm).pop()?.attr('h');

describe('nothing received is dropped, nothing acknowledged before it is handed over', () => {
  test('30 stanzas resent right behind <resumed/> (one chunk): all 30 delivered once, in order, and h counts them', async () => {
    const { server, client, clock } = setup();
    const got: XmlElement[] = [];
    client.on('stanza', (el) => got.push(el));
    await client.start();
    await flush();
    server.last.deliver(msg(0));
    await flush();
    server.last.cut();
    await flush();
    server.afterResumed = [...Array.from({ length: 30 }, (_, i) => msg(i + 1)), xml('r', { xmlns: NS.sm })];
    await clock.advance(1000);
    expect(client.status).toBe('online');
    expect(server.last.sentElements.some((e) => e.name === 'resume')).toBe(true);
    expect(bodies(got)).toEqual(Array.from({ length: 31 }, (_, i) => `m${i}`));
    // the <r/> behind them is answered with all 31 handled
    expect(lastAck(server.last)).toBe('31');
  });

  test('after a fresh bind, a burst right behind the bind result reaches the application too', async () => {
    const server = new FakeServer({ sm: false });
    const { client } = setup(server);
    const got: XmlElement[] = [];
    client.on('stanza', (el) => got.push(el));
    const real = server.createStream;
    server.createStream = (): XmlStream => {
      const s = real() as FakeStream;
      const send = s.send.bind(s);
      s.send = (el) => { send(el); if (el.getChild('bind', NS.bind)) s.deliver(...Array.from({ length: 40 }, (_, i) => msg(i))); };
      return s;
    };
    await client.start();
    await flush();
    expect(bodies(got)).toHaveLength(40);
  });

  test('a <stream:error/> right behind the last negotiation element is not lost: the stanzas before it are delivered, then the error', async () => {
    const { server, client, clock, errors } = setup();
    const got: XmlElement[] = [];
    client.on('stanza', (el) => got.push(el));
    await client.start();
    await flush();
    server.last.cut();
    await flush();
    server.afterResumed = [msg(1), msg(2), xml('error', { xmlns: NS.stream }, xml('system-shutdown', { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' }))];
    await clock.advance(1000);
    await flush();
    expect(bodies(got)).toEqual(['m1', 'm2']);
    expect(errors.map((e) => (e as StreamError).condition)).toContain('system-shutdown');
  });

  test('a flood before negotiation ends is a stream error (policy-violation), never a silent drop', async () => {
    // legacy <session/>: stanzas to the new full JID before the session result are kept for the
    // router, in order, up to a bound; past it the stream ends with a named error
    const server = new FakeServer({ sessionRequired: true });
    const { client, errors } = setup(server, { reconnect: false });
    const real = server.createStream;
    server.createStream = (): XmlStream => {
      const s = real() as FakeStream;
      const send = s.send.bind(s);
      s.send = (el) => { if (el.getChild('session', NS.session)) s.deliver(...Array.from({ length: 20 }, (_, i) => msg(i))); send(el); };
      return s;
    };
    const e = await client.start().catch((x) => x);
    expect(e).toBeInstanceOf(StreamError);
    expect(e.condition).toBe('policy-violation');
    expect(errors[0]).toBe(e);
    // and named to the server (RFC 6120 §4.9.1.1)
    const sent = server.last.sentElements.filter((el) => el.name === 'error' && el.ns === NS.stream);
    expect(sent.map((el) => el.getChildren()[0]?.name)).toEqual(['policy-violation']);
  });

  test('legacy <session/>: a few stanzas before the session result are delivered after it, in order', async () => {
    const server = new FakeServer({ sessionRequired: true });
    const { client } = setup(server);
    const got: XmlElement[] = [];
    client.on('stanza', (el) => got.push(el));
    const real = server.createStream;
    server.createStream = (): XmlStream => {
      const s = real() as FakeStream;
      const send = s.send.bind(s);
      s.send = (el) => { if (el.getChild('session', NS.session)) s.deliver(msg(1), msg(2), msg(3)); send(el); };
      return s;
    };
    await client.start();
    await flush();
    expect(bodies(got)).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('every wait on the peer has a deadline: a typed TimeoutError, then a retry', () => {
  // each deadline differs, so the step that fired is the one configured for it
  const deadlines = { connect: 4000, tls: 3000, enable: 5000 } as Record<string, number>;
  async function timesOut(server: FakeServer, step: string, extra: Partial<ClientOptions> = {}) {
    const s = setup(server, { negotiationTimeoutMs: 5000, connectTimeoutMs: 4000, tlsTimeoutMs: 3000, ...extra });
    void s.client.start().catch(() => {});
    await flush();
    await s.clock.advance(deadlines[step] - 1);
    expect(s.errors).toEqual([]);
    expect(s.client.status).not.toBe('offline');
    await s.clock.advance(1);
    const e = s.errors[0];
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as TimeoutError).step).toBe(step);
    expect((e as TimeoutError).condition).toBe('connection-timeout');
    expect(s.client.status).toBe('offline');
    await s.clock.advance(1000);
    expect(server.connections.length).toBeGreaterThanOrEqual(2);
    await s.client.stop();
    return s;
  }

  test('TCP connect that never completes → step connect', async () => {
    const server = new FakeServer();
    const real = server.createStream;
    server.createStream = () => { const s = real() as FakeStream; s.connect = (_o, h) => { s.handler = h; return new Promise(() => {}); }; return s; };
    await timesOut(server, 'connect');
  });

  test('TLS handshake that never completes (after <proceed/>) → step tls', async () => {
    const server = new FakeServer();
    const real = server.createStream;
    server.createStream = () => { const s = real() as FakeStream; s.startTls = () => new Promise(() => {}); return s; };
    await timesOut(server, 'tls');
  });

  test('server silent after <enable/> → step enable (not online forever with an unanswered SM queue)', async () => {
    const server = new FakeServer();
    const real = server.createStream;
    server.createStream = () => {
      const s = real() as FakeStream;
      const send = s.send.bind(s);
      s.send = (el) => { if (el.name === 'enable' && server.connections.length === 1) return; send(el); };
      return s;
    };
    const { client } = await timesOut(server, 'enable');
    void client;
  });

  test('stop() with a server that never closes its stream resolves after closeTimeoutMs', async () => {
    const { server, client, clock } = setup(new FakeServer(), { closeTimeoutMs: 700 });
    await client.start();
    await flush();
    server.last.end = () => { /* the peer swallows our </stream:stream> */ };
    let done = false;
    const stopped = client.stop().then(() => { done = true; });
    await clock.advance(699);
    expect(done).toBe(false);
    await clock.advance(1);
    await stopped;
    expect(client.status).toBe('stopped');
  });
});

describe('XEP-0198 and legacy session edge cases', () => {
  test('<failed h/> with h higher than we ever sent: the old session is forgotten and a new one bound on the same connection', async () => {
    const { server, client, clock } = setup();
    const unconfirmed: XmlElement[][] = [];
    client.on('unconfirmed', (s) => unconfirmed.push(s));
    await client.start();
    await flush();
    server.last.dropIncoming = true;
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, 'm1')));
    server.cfg.resumeFails = true;
    server.failedH = '99';
    server.last.cut();
    await flush();
    await clock.advance(1000);
    expect(client.status).toBe('online');
    expect(server.connections).toHaveLength(2);
    expect(server.last.sentElements.some((e) => e.name === 'iq' && e.getChild('bind', NS.bind))).toBe(true);
    // an h that counts nothing we sent confirms nothing
    expect(unconfirmed.map((b) => bodies(b))).toEqual([['m1']]);
  });

  test('a server requiring <session/>: <enable/> and presence follow the session result, which is read as such', async () => {
    const { server, client, errors } = setup(new FakeServer({ sessionRequired: true }), { reconnect: false });
    await expect(client.start()).resolves.toBe('spime@example.net/sk1');
    await flush();
    expect(errors).toEqual([]);
    const names = server.last.sentElements.map((e) => e.getChild('session', NS.session) ? 'session' : e.getChild('bind', NS.bind) ? 'bind' : e.name);
    expect(names.slice(names.indexOf('bind'))).toEqual(['bind', 'session', 'enable', 'presence', 'r']);
    expect(client.smEnabled).toBe(true);
  });
});

describe('iq ids and JIDs', () => {
  async function online() {
    const s = setup();
    await s.client.start();
    await flush();
    return s;
  }
  const q = (to: string, id?: string) => xml('iq', { type: 'get', to, ...(id ? { id } : {}) }, xml('query', { xmlns: 'urn:example' }));

  test('a caller id that a generated id could take (q5) keeps its own pending entry; generated ids are random', async () => {
    const { server, client } = await online();
    const answers: string[] = [];
    server.onStanza = (el, conn) => { if (el.name === 'iq' && el.attr('type') === 'get') answers.push(el.attr('id')!); void conn; };
    const mine = client.request(q('svc@example.net/r', 'q5'));
    const others = Array.from({ length: 8 }, () => client.request(q('other@example.net/r')).catch(() => {}));
    await flush();
    const generated = answers.filter((id) => id !== 'q5');
    expect(generated).toHaveLength(8);
    expect(new Set(generated).size).toBe(8);
    for (const id of generated) expect(id).toMatch(/^[0-9a-f]{16}$/);
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: 'q5', from: 'svc@example.net/r' }, xml('mine')));
    await expect(mine).resolves.toMatchObject({ attrs: { id: 'q5' } });
    void others;
  });

  test('a caller id already pending is refused with duplicate-id, and the pending request still gets its answer', async () => {
    const { server, client } = await online();
    const first = client.request(q('svc@example.net/r', 'x1'));
    await expect(client.request(q('svc@example.net/r', 'x1'))).rejects.toMatchObject({ condition: 'duplicate-id' });
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: 'x1', from: 'svc@example.net/r' }));
    await expect(first).resolves.toBeDefined();
  });

  test('RFC 7622: an answer from svc@d/keys is not one to a request to svc@d/Keys; SVC@D/Keys is', async () => {
    const { server, client, clock } = await online();
    const req = client.request(q('svc@example.net/Keys', 'k1'), 5000);
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: 'k1', from: 'svc@example.net/keys' }));
    await flush();
    let settled = false;
    req.then(() => { settled = true; }, () => { settled = true; });
    await flush();
    expect(settled).toBe(false);
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: 'k1', from: 'SVC@Example.NET/Keys' }));
    await expect(req).resolves.toBeDefined();
    void clock;
  });

  test('sameJid: local and domain case-insensitive, resource exact, garbage equals nothing', () => {
    expect(sameJid('Svc@Example.Net/Keys', 'svc@example.net/Keys')).toBe(true);
    expect(sameJid('svc@example.net/keys', 'svc@example.net/Keys')).toBe(false);
    expect(sameJid('example.net', 'EXAMPLE.net')).toBe(true);
    expect(sameJid('svc@example.net', 'svc@example.net/r')).toBe(false);
    expect(sameJid('@', '@')).toBe(false);
    expect(canonicalJid('A@B/C')).toBe('a@b/C');
  });
});

describe('channel-binding downgrade policy (RFC 5802 §6, XEP-0440)', () => {
  const gs2 = (s: FakeStream) => utf8Decode(base64Decode(s.sentElements.find((e) => e.name === 'auth')!.text())).slice(0, 16);

  test('-PLUS stripped (no -PLUS seen, the connection can bind): "y", so a binding-capable server detects it', async () => {
    const { server, client } = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-256'] }));
    await client.start();
    expect(gs2(server.last)).toMatch(/^y,,/);
  });

  test('XEP-0440 list stripped but -PLUS offered: "n" (no guessed type; "y" would fail every such login) and the login works', async () => {
    const { server, client } = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] }));
    await expect(client.start()).resolves.toBe('spime@example.net/sk1');
    expect(client.lastMechanism).toBe('SCRAM-SHA-256');
    expect(gs2(server.last)).toMatch(/^n,,/);
  });

  test('a list naming only types this connection cannot produce (tls-unique): "n"', async () => {
    const { server, client } = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'], cbTypes: ['tls-unique'] }));
    await client.start();
    expect(gs2(server.last)).toMatch(/^n,,/);
  });

  test('a connection that can produce no binding data does not claim support: "n" even without -PLUS', async () => {
    const server = new FakeServer({ mechanisms: ['SCRAM-SHA-256'] });
    const real = server.createStream;
    server.createStream = () => { const s = real() as FakeStream; s.channelBinding = () => undefined; return s; };
    const { client } = setup(server);
    await client.start();
    expect(gs2(server.last)).toMatch(/^n,,/);
  });
});
