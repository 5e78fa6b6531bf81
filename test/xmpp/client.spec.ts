// The client against a scripted Prosody-like peer (test/xmpp/fakes.ts), no socket: negotiation
// order and pipelining, refusals (no TLS, wrong password, impostor server, PLAIN policy), routing,
// iq tracking, XEP-0198 resume and its fallback, reconnect and see-other-host.
import type { ClientOptions } from '../../src/xmpp/client.js';
import { base64Decode, utf8Decode } from '../../src/xmpp/bytes.js';
import { ConnectionError, SaslError, StanzaError, StreamError } from '../../src/xmpp/errors.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { fakeClient, seededCrypto, FakeServer, NS, flush, type FakeStream, type Written } from './fakes.js';

const crypto = seededCrypto(1);
const setup = (server = new FakeServer(), extra: Partial<ClientOptions> = {}) => fakeClient(crypto, server, extra);

const describeTurn = (t: Written[]) => t.map((w) => (w.kind === 'el' ? w.el.name : w.kind));

describe('negotiation', () => {
  test('STARTTLS, SCRAM-SHA-256, bind: online, with header+<starttls/> and header+<bind/> pipelined', async () => {
    const { server, client } = setup();
    await expect(client.start()).resolves.toBe('spime@example.net/sk1');
    expect(client.status).toBe('online');
    const turns = server.last.turns.map(describeTurn).filter((t) => t.length);
    expect(turns).toEqual([
      ['open', 'starttls'], // RFC 6120 §5: one write, no wait for the first features
      ['starttls', 'open'], // TLS, then the new header at once
      ['auth'],
      ['response'],
      ['open', 'iq'], // restart + bind in one write (RFC 6120 §7)
      ['enable', 'presence', 'r'], // on the post-auth features
    ]);
    const auth = server.last.sentElements.find((e) => e.name === 'auth')!;
    expect(auth.attr('mechanism')).toBe('SCRAM-SHA-256');
    expect(client.roundTrips).toBe(7);
  });

  test('the second login pipelines <auth/> with the header and skips PBKDF2 (cached keys)', async () => {
    let pbkdf2 = 0;
    const counting = { ...crypto, pbkdf2: (...a: Parameters<typeof crypto.pbkdf2>) => { pbkdf2++; return crypto.pbkdf2(...a); } };
    const { server, client } = setup(new FakeServer(), { crypto: counting, streamManagement: false });
    await client.start();
    await client.stop();
    expect(client.status).toBe('stopped');
    await client.start();
    expect(server.connections).toHaveLength(2);
    expect(server.last.turns.map(describeTurn).filter((t) => t.length)[1]).toEqual(['starttls', 'open', 'auth']);
    expect(client.roundTrips).toBe(6);
    expect(pbkdf2).toBe(1);
  });

  test('channel binding: SCRAM-SHA-256-PLUS with tls-exporter when the server lists it (XEP-0440)', async () => {
    const { server, client } = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'], cbTypes: ['tls-unique', 'tls-exporter'] }));
    await client.start();
    expect(client.lastMechanism).toBe('SCRAM-SHA-256-PLUS');
    const els = server.last.sentElements;
    expect(utf8Decode(base64Decode(els.find((e) => e.name === 'auth')!.text()))).toMatch(/^p=tls-exporter,,n=spime,r=/);
    const final = utf8Decode(base64Decode(els.find((e) => e.name === 'response')!.text()));
    const c = utf8Decode(base64Decode(/^c=([^,]+)/.exec(final)![1]));
    expect(c).toBe('p=tls-exporter,,EXPORTED-KEYING-MATERIAL-32BYTES');
  });

  test('gs2 flag: "y" when the host can bind but the server offers no -PLUS; "n" when it offers -PLUS with no common type', async () => {
    const a = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-256'] }));
    await a.client.start();
    expect(utf8Decode(base64Decode(a.server.last.sentElements.find((e) => e.name === 'auth')!.text()))).toMatch(/^y,,/);
    // ejabberd 23.01: -PLUS offered, no XEP-0440 list (it means tls-unique): no guess, and not "y"
    const b = setup(new FakeServer({ mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] }));
    await b.client.start();
    expect(b.client.lastMechanism).toBe('SCRAM-SHA-256');
    expect(utf8Decode(base64Decode(b.server.last.sentElements.find((e) => e.name === 'auth')!.text()))).toMatch(/^n,,/);
  });

  test('direct TLS (XEP-0368): no STARTTLS, port 5223', async () => {
    const { server, client } = setup(new FakeServer(), { directTls: true });
    await client.start();
    expect(server.last.connectedTo).toMatchObject({ host: 'example.net', port: 5223, directTls: true, servername: 'example.net' });
    expect(server.last.sentElements.some((e) => e.name === 'starttls')).toBe(false);
    expect(client.roundTrips).toBe(6);
  });

  test('a server without STARTTLS gets no credentials: tls-required each time, retried at backoff pace (plaintext is unauthenticated)', async () => {
    const { server, client, clock, errors } = setup(new FakeServer({ offerStarttls: false }));
    const retries: Array<[number, string]> = [];
    client.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    let settled = false;
    client.start().then(() => {}, () => {}).finally(() => { settled = true; });
    await flush();
    for (const step of [750, 1500, 3000]) await clock.advance(step);
    expect(server.connections).toHaveLength(4);
    expect(server.connections.some((c) => c.sentElements.some((e) => e.name === 'auth'))).toBe(false);
    expect(errors.map((e) => [e instanceof ConnectionError, (e as ConnectionError).condition])).toEqual(Array(4).fill([true, 'tls-required']));
    expect(retries).toEqual([[750, 'backoff'], [1500, 'backoff'], [3000, 'backoff'], [6000, 'backoff']]);
    expect([client.status, settled]).toEqual(['offline', false]); // start() waits on: never given up
    server.cfg.offerStarttls = true; // the path is clean again
    await clock.advance(6000);
    expect(client.status).toBe('online');
  });

  test('wrong password (after TLS): start() rejects, then retries only at the slow cadence; an operator fix is picked up', async () => {
    const { server, client, clock } = setup(new FakeServer({ password: 'other' }));
    const retries: Array<[number, string]> = [];
    client.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const err = await client.start().catch((e) => e);
    expect(err).toBeInstanceOf(SaslError);
    expect(err.condition).toBe('not-authorized');
    expect(client.status).toBe('offline');
    expect(retries).toEqual([[3 * 3600_000, 'permanent']]); // 4 h default, equal jitter at random() = 0.5
    await clock.advance(3 * 3600_000 - 1);
    expect(server.connections).toHaveLength(1);
    server.cfg.password = 'pencil'; // the operator fixes the account
    const online = client.start(); // waits for the scheduled attempt, does not bypass it
    await flush();
    expect(server.connections).toHaveLength(1);
    await clock.advance(1);
    await expect(online).resolves.toBe('spime@example.net/sk1');
    expect(server.connections).toHaveLength(2);
  });

  test('reconnect.permanentRetryMs: false keeps a permanent failure final (stopped, no timer)', async () => {
    const { server, client, clock } = setup(new FakeServer({ password: 'other' }), { reconnect: { initialMs: 1000, permanentRetryMs: false } });
    await expect(client.start()).rejects.toMatchObject({ condition: 'not-authorized' });
    expect(client.status).toBe('stopped');
    expect(clock.pending).toBe(0);
    await clock.advance(24 * 3600_000);
    expect(server.connections).toHaveLength(1);
  });

  test('an impostor server (bad SCRAM server signature) is refused before binding', async () => {
    const { server, client } = setup(new FakeServer({ lie: true }));
    await expect(client.start()).rejects.toMatchObject({ condition: 'server-signature-mismatch' });
    expect(server.last.sentElements.some((e) => e.name === 'iq')).toBe(false);
  });

  test('PLAIN-only server: refused unless allowed, then used over TLS', async () => {
    const a = setup(new FakeServer({ mechanisms: ['PLAIN'] }));
    await expect(a.client.start()).rejects.toMatchObject({ condition: 'invalid-mechanism' });
    const b = setup(new FakeServer({ mechanisms: ['PLAIN'] }), { allowPlain: true });
    await expect(b.client.start()).resolves.toBe('spime@example.net/sk1');
  });

  test('no answer within the negotiation deadline: connection-timeout, then a retry after backoff', async () => {
    const server = new FakeServer();
    const { client, clock } = setup(server, { negotiationTimeoutMs: 5000 });
    const silent = server.createStream;
    let first = true;
    server.createStream = () => { const s = silent(); if (first) { (s as unknown as { deliver: () => void }).deliver = () => {}; first = false; } return s; };
    const online = client.start();
    await flush();
    await clock.advance(5000);
    expect(client.status).toBe('offline');
    await clock.advance(1000); // backoff 1000 * (0.5 + 0.5 * 0.5) = 750 ms
    await expect(online).resolves.toBe('spime@example.net/sk1');
    expect(server.connections).toHaveLength(2);
  });

  test('see-other-host: the next connection goes to the named host, without backoff', async () => {
    const { server, client, clock } = setup();
    await client.start();
    server.last.deliver(xml('error', { xmlns: NS.stream }, xml('see-other-host', { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' }, 'other.example.net:5333')));
    await flush();
    await clock.advance(0);
    expect(server.connections).toHaveLength(2);
    expect(server.last.connectedTo).toMatchObject({ host: 'other.example.net', port: 5333, servername: 'example.net' });
  });
});

describe('stanzas', () => {
  async function online(extra: Partial<ClientOptions> = {}) {
    const s = setup(new FakeServer(), extra);
    await s.client.start();
    await flush();
    return s;
  }

  test('unknown iq get is answered with service-unavailable; ping with a result', async () => {
    const { server, client } = await online();
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'get', id: 'u1', from: 'x@example.net/a' }, xml('unknown', { xmlns: 'urn:example' })),
      xml('iq', { xmlns: NS.client, type: 'get', id: 'p1', from: 'example.net' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await flush();
    const err = server.received.find((e) => e.attr('id') === 'u1')!;
    expect(err.attr('type')).toBe('error');
    expect(err.attr('to')).toBe('x@example.net/a');
    expect(err.getChild('error')!.getChild('service-unavailable', NS.stanzas)).toBeDefined();
    expect(server.received.find((e) => e.attr('id') === 'p1')!.attr('type')).toBe('result');
    void client;
  });

  test('a handler may answer with a whole error iq (application condition kept, id and to from the request)', async () => {
    const { server, client } = await online();
    client.registerIq('set', 'query', 'urn:example', () => xml('iq', { type: 'error', id: 'ignored', to: 'ignored' },
      xml('error', { type: 'auth' }, xml('not-authorized', { xmlns: NS.stanzas }), xml('bad-signature', { xmlns: 'urn:example:error' }))));
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'set', id: 'a1', from: 'x@example.net/a' }, xml('query', { xmlns: 'urn:example' })));
    await flush();
    const res = server.received.find((e) => e.attr('id') === 'a1')!;
    expect([res.attr('type'), res.attr('to')]).toEqual(['error', 'x@example.net/a']);
    expect(res.getChild('error')!.getChild('bad-signature', 'urn:example:error')).toBeDefined();
  });

  test('disco#info lists the core features and those extensions register', async () => {
    const { server, client } = await online();
    client.registerIq('get', 'query', 'urn:openspime:test', () => undefined, 'urn:openspime:test');
    server.last.deliver(xml('iq', { xmlns: NS.client, type: 'get', id: 'd1', from: 'x@example.net/a' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    await flush();
    const res = server.received.find((e) => e.attr('id') === 'd1')!;
    const vars = res.getChild('query')!.getChildren('feature').map((f) => f.attr('var'));
    expect(vars).toEqual(['http://jabber.org/protocol/disco#info', 'urn:openspime:test', 'urn:xmpp:ping', 'urn:xmpp:time']);
    expect(res.getChild('query')!.getChild('identity')!.attr('category')).toBe('client');
  });

  test('iq request: result, typed error from the wire, spoofed answer ignored, timeout', async () => {
    const { server, client, clock } = await online();
    server.onStanza = (el, conn) => {
      if (el.name !== 'iq' || el.attr('type') !== 'get') return;
      const to = el.attr('to');
      if (to === 'ok@example.net/r') conn.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: el.attr('id'), from: to }));
      if (to === 'err@example.net/r') conn.deliver(xml('iq', { xmlns: NS.client, type: 'error', id: el.attr('id'), from: to },
        xml('error', { type: 'auth' }, xml('forbidden', { xmlns: NS.stanzas }), xml('text', { xmlns: NS.stanzas }, 'no'))));
      // answer from the wrong entity: must not resolve the request
      if (to === 'slow@example.net/r') conn.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: el.attr('id'), from: 'mallory@example.net/x' }));
    };
    const q = (to: string) => xml('iq', { type: 'get', to }, xml('query', { xmlns: 'urn:example' }));
    await expect(client.request(q('ok@example.net/r'))).resolves.toBeInstanceOf(Object);
    const err = await client.request(q('err@example.net/r')).catch((e) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err).toMatchObject({ condition: 'forbidden', type: 'auth', text: 'no' });
    const slow = client.request(q('slow@example.net/r'), 10_000);
    let settled = false;
    slow.catch(() => {}).finally(() => { settled = true; });
    await flush();
    expect(settled).toBe(false);
    await clock.advance(10_000);
    await expect(slow).rejects.toMatchObject({ condition: 'timeout' });
    expect(client.iq.size).toBe(0);
  });

  test('the pending-iq table is bounded: the request past the limit is refused and not sent', async () => {
    const { server, client } = await online({ maxPendingIq: 2 });
    const before = server.received.length;
    const q = () => xml('iq', { type: 'get', to: 'nobody@example.net/r' }, xml('query', { xmlns: 'urn:example' }));
    void client.request(q()).catch(() => {});
    void client.request(q()).catch(() => {});
    await expect(client.request(q())).rejects.toMatchObject({ condition: 'resource-constraint' });
    expect(server.received.length - before).toBe(2);
  });

  test('a registered stream feature runs once the new session is online, with the feature element', async () => {
    const s = setup();
    const seen: string[] = [];
    s.client.registerFeature('sm', NS.sm, (f) => seen.push(`${f.name} ${s.client.status}`));
    s.client.registerFeature('csi', 'urn:xmpp:csi:0', () => seen.push('csi'));
    await s.client.start();
    expect(seen).toEqual(['sm online']);
  });

  test('messages reach stanza listeners; entity time comes from the server', async () => {
    const { server, client, clock } = await online();
    const got: XmlElement[] = [];
    client.on('stanza', (el) => got.push(el));
    server.last.deliver(xml('message', { xmlns: NS.client, from: 'a@example.net/b', type: 'chat' }, xml('body', null, 'hi')));
    server.onStanza = (el, conn) => {
      if (el.getChild('time', 'urn:xmpp:time')) conn.deliver(xml('iq', { xmlns: NS.client, type: 'result', id: el.attr('id'), from: 'example.net' },
        xml('time', { xmlns: 'urn:xmpp:time' }, xml('tzo', null, '+00:00'), xml('utc', null, '2026-11-22T06:30:00Z'))));
    };
    const t = await client.syncTime();
    expect(t).toBe(Date.UTC(2026, 10, 22, 6, 30, 0));
    expect(got.map((e) => e.getChildText('body'))).toEqual(['hi']);
    void clock;
  });

  test('send() while offline throws not-connected and writes nothing', async () => {
    const { client } = setup();
    expect(() => client.send(xml('message', { to: 'a@example.net' }))).toThrow(ConnectionError);
  });
});

describe('XEP-0198 stream management', () => {
  test('<r/> is answered with the count of handled stanzas; acks empty the queue', async () => {
    const { server, client } = setup();
    await client.start();
    await flush();
    expect(client.smEnabled).toBe(true);
    server.last.deliver(xml('message', { xmlns: NS.client, from: 'a@example.net/b' }), xml('message', { xmlns: NS.client, from: 'a@example.net/b' }),
      xml('r', { xmlns: NS.sm }));
    await flush();
    const a = server.last.sentElements.filter((e) => e.name === 'a').pop()!;
    expect(a.attr('h')).toBe('2');
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, '1')));
    expect(client.unacked).toHaveLength(1);
    await flush();
    expect(client.unacked).toHaveLength(0);
  });

  test('the unacked queue is bounded: send() past the limit throws resource-constraint', async () => {
    const { server, client } = setup(new FakeServer(), { maxUnacked: 3 });
    await client.start();
    await flush();
    server.last.holdAcks = true;
    await flush();
    for (let i = 0; i < 3; i++) client.send(xml('message', { to: 'a@example.net/b' }));
    expect(() => client.send(xml('message', { to: 'a@example.net/b' }))).toThrow('resource-constraint');
  });

  test('after a cut the session is resumed and what the server did not get is resent', async () => {
    const { server, client, clock } = setup();
    const events: Array<[string, boolean]> = [];
    client.on('online', (jid, resumed) => events.push([jid, resumed]));
    await client.start();
    await flush();
    server.last.dropIncoming = true;
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, 'lost?')));
    server.last.cut();
    await flush();
    expect(client.status).toBe('offline');
    await clock.advance(1000);
    expect(events).toEqual([['spime@example.net/sk1', false], ['spime@example.net/sk1', true]]);
    // header + <resume/> in one write, right after SASL (which itself was pipelined this time)
    const turns = server.last.turns.map(describeTurn).filter((t) => t.length);
    expect(turns.slice(1, 4)).toEqual([['starttls', 'open', 'auth'], ['response'], ['open', 'resume']]);
    // the server never got the message (h on <resumed/> says so): it is sent again, once
    const bodies = server.received.filter((e) => e.name === 'message').map((e) => e.getChildText('body'));
    expect(bodies).toEqual(['lost?']);
    expect(client.unacked).toHaveLength(0);
    expect(server.last.sentElements.some((e) => e.name === 'iq' && e.getChild('bind', NS.bind))).toBe(false);
  });

  test('resumption refused: a new session is bound and the unconfirmed stanzas are reported', async () => {
    const { server, client, clock } = setup();
    const unconfirmed: XmlElement[][] = [];
    client.on('unconfirmed', (s) => unconfirmed.push(s));
    await client.start();
    await flush();
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, 'm0')));
    await flush(); // m0 is acknowledged
    server.last.dropIncoming = true;
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, 'm1')));
    server.cfg.resumeFails = true;
    server.last.cut();
    await flush();
    await clock.advance(1000);
    expect(client.status).toBe('online');
    expect(unconfirmed.map((b) => b.map((e) => e.getChildText('body') ?? e.name))).toEqual([['m1']]);
    expect(server.last.sentElements.some((e) => e.name === 'iq' && e.getChild('bind', NS.bind))).toBe(true);
  });
});

describe('link supervision and shutdown', () => {
  test('keepalive: a ping without answer marks the link dead and the client reconnects and resumes', async () => {
    const { server, client, clock } = setup(new FakeServer(), { keepaliveMs: 30_000 });
    const online: boolean[] = [];
    client.on('online', (_j, resumed) => online.push(resumed));
    await client.start();
    await flush();
    server.last.dropIncoming = true; // the server hears nothing more: a silent dead link
    await clock.advance(30_000); // idle: ping sent
    expect(server.last.sentElements.filter((e) => e.getChild('ping', 'urn:xmpp:ping'))).toHaveLength(1);
    expect(client.status).toBe('online');
    await clock.advance(30_000); // no answer within the ping timeout
    expect(client.status).toBe('offline');
    await clock.advance(1000);
    expect(online).toEqual([false, true]);
    expect(server.connections).toHaveLength(2);
  });

  test('stream error conflict after TLS (another session took the resource) is retried only at the slow cadence', async () => {
    const { server, client, clock } = setup();
    const errors: Error[] = [];
    const unconfirmed: XmlElement[][] = [];
    client.on('error', (e) => errors.push(e));
    client.on('unconfirmed', (u) => unconfirmed.push(u));
    await client.start();
    await flush();
    server.last.holdAcks = true;
    client.send(xml('message', { to: 'a@example.net/b' }, xml('body', null, 'not acked')));
    server.last.deliver(xml('error', { xmlns: NS.stream }, xml('conflict', { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' })));
    await flush();
    await clock.advance(120_000);
    expect(errors.map((e) => (e as { condition?: string }).condition)).toEqual(['conflict']);
    expect(client.status).toBe('offline');
    expect(server.connections).toHaveLength(1);
    // hours before the next try: what the server had not confirmed is reported now
    expect(unconfirmed.map((u) => u.map((e) => e.getChildText('body')))).toEqual([['not acked']]);
    await clock.advance(3 * 3600_000);
    expect(server.connections).toHaveLength(2);
    expect(client.status).toBe('online');
  });

  test('stop() while connecting rejects start(), writes </stream:stream> when online, leaves no timer', async () => {
    const a = setup();
    const p = a.client.start();
    const stopped = a.client.stop();
    await expect(p).rejects.toMatchObject({ condition: 'stopped' });
    await stopped;
    const b = setup(new FakeServer(), { keepaliveMs: 10_000 });
    await b.client.start();
    await flush();
    await b.client.stop();
    expect(b.server.last.all.some((w) => w.kind === 'end')).toBe(true);
    expect(b.client.status).toBe('stopped');
    expect(b.clock.pending).toBe(0);
  });
  test('stop() while the link is still coming up: the session negotiated after it never goes online, stop() resolves', async () => {
    // The soak's hang: stop() during a server restart; its </stream:stream> was lost (no link yet),
    // the server came back and negotiation ran to the end. That session must be closed, not used.
    const server = new FakeServer();
    let linkUp!: () => void;
    const up = new Promise<void>((r) => { linkUp = r; });
    const { client, clock } = setup(server, {
      createStream: () => {
        const s = server.createStream();
        const connect = s.connect.bind(s);
        s.connect = async (o, h) => { await up; return connect(o, h); };
        s.end = () => { /* written before the link was up: lost */ };
        return s;
      },
    });
    const onlines: unknown[] = [];
    client.on('online', (j) => onlines.push(j));
    const started = client.start();
    started.catch(() => {});
    await flush();
    let stopped = false;
    const stopping = client.stop().then(() => { stopped = true; });
    linkUp();
    await flush(200);
    await clock.advance(3000);
    await stopping;
    expect(stopped).toBe(true);
    await expect(started).rejects.toMatchObject({ condition: 'stopped' });
    expect(client.status).toBe('stopped');
    expect(onlines).toEqual([]);
    await clock.advance(60_000);
    expect(server.connections).toHaveLength(1); // no reconnect after stop()
  });
});

describe('reconnect', () => {
  test('a link lost between the last negotiation read and online: offline and a retry, never "online" without a stream', async () => {
    const server = new FakeServer({ sm: false });
    let cut = true;
    server.onStanza = (el, conn) => { if (el.name === 'presence' && cut) { cut = false; conn.cut(); } };
    const { client, clock } = setup(server);
    const online = client.start();
    await flush();
    expect(client.status).toBe('offline');
    await clock.advance(750);
    await expect(online).resolves.toBe('spime@example.net/sk1');
    expect(server.connections).toHaveLength(2);
  });

  test('reconnect: false and the server drops the link after online: error connection-lost, then stopped', async () => {
    const server = new FakeServer({ sm: false });
    const { client, errors } = setup(server, { reconnect: false });
    const offline: Array<Error | undefined> = [];
    client.on('offline', (e) => offline.push(e));
    await client.start();
    server.last.close(); // a clean close from the far side, no error from the transport
    await flush();
    expect(client.status).toBe('stopped');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect((errors[0] as ConnectionError).condition).toBe('connection-lost');
    expect(offline).toEqual([errors[0]]);
  });

  test('a bind result with an unparseable JID ("@"): StreamError bad-format named to the server, retried at backoff pace', async () => {
    const server = new FakeServer({ boundJid: '@' });
    const { client, errors, clock } = setup(server);
    const kinds: string[] = [];
    client.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
    void client.start().catch(() => {});
    await flush();
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect(errors[0]).toMatchObject({ condition: 'bad-format', local: true });
    expect(server.connections[0].sentElements.some((e) => e.name === 'error' && !!e.getChild('bad-format'))).toBe(true);
    expect(kinds).toEqual(['backoff']);
    expect(client.status).toBe('offline');
    server.cfg.boundJid = 'spime@example.net/sk1';
    await clock.advance(1000);
    expect(client.status).toBe('online');
    await client.stop();
  });

  test('backoff doubles up to the cap and no connection is attempted before the delay', async () => {
    const server = new FakeServer();
    const { client, clock } = setup(server, { reconnect: { initialMs: 1000, maxMs: 4000, random: () => 1 } });
    const delays: number[] = [];
    client.on('reconnecting', (d) => delays.push(d));
    server.createStream = () => { const s = new FakeServerDeadStream(); server.connections.push(s as never); return s as never; };
    client.start().catch(() => {}); // rejected by stop() below
    await flush();
    for (let i = 0; i < 4; i++) await clock.advance(4000);
    expect(delays.slice(0, 4)).toEqual([1000, 2000, 4000, 4000]);
    expect(server.connections.length).toBeLessThanOrEqual(delays.length + 1);
    await client.stop();
    const n = server.connections.length;
    await clock.advance(60_000);
    expect(server.connections.length).toBe(n);
    expect(clock.pending).toBe(0);
  });
});

const streamError = (condition: string, text?: string) =>
  xml('error', { xmlns: NS.stream }, xml(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' }, text));

/** The first `times` connections get `el` right after the first (plaintext) stream header, in
 *  place of the features: what anyone on the network path can inject before TLS. */
function injectBeforeTls(server: FakeServer, el: XmlElement, times = 1): void {
  const make = server.createStream;
  let n = 0;
  server.createStream = () => {
    const s = make() as FakeStream;
    if (n++ < times) {
      const deliver = s.deliver.bind(s);
      let first = true;
      s.deliver = (...items) => { if (!first) return deliver(...items); first = false; deliver(items[0], el, 'end'); };
    }
    return s;
  };
}

describe('guarantee: nothing received before TLS stops the client', () => {
  test.each(['host-unknown', 'policy-violation', 'conflict', 'not-authorized'])('a plaintext <stream:error><%s/> fails that attempt only: typed error, backoff, then online', async (condition) => {
    const server = new FakeServer();
    injectBeforeTls(server, streamError(condition), 2);
    const { client, clock, errors } = setup(server);
    const retries: Array<[number, string]> = [];
    client.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const online = client.start();
    await flush();
    await clock.advance(750);
    await clock.advance(1500);
    await expect(online).resolves.toBe('spime@example.net/sk1');
    expect(errors.map((e) => [e instanceof StreamError, (e as StreamError).condition])).toEqual([[true, condition], [true, condition]]);
    expect(retries).toEqual([[750, 'backoff'], [1500, 'backoff']]);
    expect(server.connections).toHaveLength(3);
  });

  test('a plaintext see-other-host is not followed: the same host again, at backoff pace', async () => {
    const server = new FakeServer();
    injectBeforeTls(server, streamError('see-other-host', 'evil.example.org:5222'));
    const { client, clock } = setup(server);
    const retries: Array<[number, string]> = [];
    client.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const online = client.start();
    await flush();
    await clock.advance(750);
    await expect(online).resolves.toBe('spime@example.net/sk1');
    expect(retries).toEqual([[750, 'backoff']]);
    expect(server.connections.map((c) => c.connectedTo!.host)).toEqual(['example.net', 'example.net']);
  });
});

describe('guarantee: redirects and flapping sessions are paced', () => {
  test('a server redirecting to itself after TLS: 3 redirects at once, then backoff (connections counted over 30 s)', async () => {
    const server = new FakeServer({ sm: false }); // each session new (a resumed one sends no presence)
    const { client, clock } = setup(server);
    // 10 ms into each session it says see-other-host, naming itself; bounded so that a client
    // without the limit ends the test instead of spinning forever on delay 0
    server.onStanza = (el, conn) => {
      if (el.name === 'presence' && server.connections.length < 200) clock.setTimeout(() => conn.deliver(streamError('see-other-host', 'example.net:5222'), 'end'), 10);
    };
    const retries: Array<[number, string]> = [];
    client.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    client.start().catch(() => {});
    await flush();
    await clock.advance(30_000);
    // 0, 0, 0, then 750, 1500, 3000, 6000, 6000, 6000 (cap 8000 × 0.75): 10 in 30 s, not 200
    expect(server.connections.length).toBeLessThanOrEqual(12);
    expect(server.connections.length).toBeGreaterThanOrEqual(8);
    expect(retries.slice(0, 6)).toEqual([[0, 'redirect'], [0, 'redirect'], [0, 'redirect'], [750, 'redirect'], [1500, 'redirect'], [3000, 'redirect']]);
    await client.stop();
  });

  test('a redirect chain is counted afresh after a healthy session', async () => {
    const server = new FakeServer({ sm: false });
    let redirect = true;
    const { client, clock } = setup(server);
    server.onStanza = (el, conn) => { if (el.name === 'presence' && redirect) clock.setTimeout(() => conn.deliver(streamError('see-other-host', 'b.example.net'), 'end'), 10); };
    const retries: number[] = [];
    client.on('reconnecting', (d) => retries.push(d));
    client.start().catch(() => {});
    await flush();
    await clock.advance(10_000);
    redirect = false;
    await clock.advance(12_000); // the next attempt lands and stays up
    expect(client.status).toBe('online');
    expect(server.last.connectedTo!.host).toBe('b.example.net');
    await clock.advance(60_000);
    redirect = true;
    server.last.deliver(streamError('see-other-host', 'c.example.net'), 'end');
    await flush();
    expect(retries.slice(-1)).toEqual([0]); // followed at once again, not at the grown backoff
  });

  test('a server that accepts sessions and drops them at once: the backoff keeps growing; it resets after 60 s online', async () => {
    const server = new FakeServer({ sm: false });
    let drop = true;
    const { client, clock } = setup(server);
    const online: number[] = [];
    client.on('online', () => online.push(clock.now()));
    // each session is up for 100 ms, then the link drops
    server.onStanza = (el, conn) => { if (el.name === 'presence' && drop) clock.setTimeout(() => conn.cut(), 100); };
    const retries: number[] = [];
    client.on('reconnecting', (d) => retries.push(d));
    void client.start();
    await flush();
    await clock.advance(20_000);
    expect(online).toHaveLength(6);
    expect(retries).toEqual([750, 1500, 3000, 6000, 6000, 6000]);
    drop = false;
    await clock.advance(6000);
    expect(client.status).toBe('online');
    await clock.advance(60_000); // stable
    server.last.cut();
    await flush();
    expect(retries.slice(-1)).toEqual([750]);
  });

  test('reconnect.stableMs sets how long a session must last to reset the backoff', async () => {
    const server = new FakeServer({ sm: false });
    const { client, clock } = setup(server, { reconnect: { initialMs: 1000, maxMs: 8000, random: () => 0.5, stableMs: 5000 } });
    const retries: number[] = [];
    client.on('reconnecting', (d) => retries.push(d));
    await client.start();
    await clock.advance(4999); // not yet stable
    server.last.cut();
    await flush();
    await clock.advance(750);
    expect(client.status).toBe('online');
    await clock.advance(4999);
    server.last.cut();
    await flush();
    await clock.advance(1500);
    expect(client.status).toBe('online');
    await clock.advance(5000); // stable
    server.last.cut();
    await flush();
    expect(retries).toEqual([750, 1500, 750]);
  });
});

describe('guarantee: a full request table or queue is back-pressure, never link death', () => {
  /** A server that answers pings (the fake answers nothing by itself). */
  function answeringPings(server: FakeServer, answer: 'result' | 'error' = 'result'): void {
    server.onStanza = (el, conn) => {
      if (el.name !== 'iq' || !el.getChild('ping', 'urn:xmpp:ping')) return;
      conn.deliver(xml('iq', { xmlns: NS.client, type: answer, id: el.attr('id'), from: 'example.net' },
        answer === 'error' ? xml('error', { type: 'cancel' }, xml('forbidden', { xmlns: NS.stanzas })) : null));
    };
  }

  test('applications filling the iq table: their next request is refused, the keepalive ping still goes out and the session stays', async () => {
    const server = new FakeServer();
    answeringPings(server);
    const { client, clock } = setup(server, { keepaliveMs: 30_000, maxPendingIq: 2, iqTimeoutMs: 600_000 });
    const offline: Array<Error | undefined> = [];
    client.on('offline', (e) => offline.push(e));
    await client.start();
    await flush();
    const q = () => xml('iq', { type: 'get', to: 'silent@example.net/r' }, xml('query', { xmlns: 'urn:example' }));
    for (let i = 0; i < 2; i++) client.request(q()).catch(() => {});
    await expect(client.request(q())).rejects.toMatchObject({ condition: 'resource-constraint' });
    for (let i = 0; i < 4; i++) await clock.advance(30_000);
    expect(server.received.filter((e) => e.getChild('ping', 'urn:xmpp:ping')).length).toBeGreaterThanOrEqual(2);
    expect(client.iq.size).toBe(2);
    expect([client.status, offline.length, server.connections.length]).toEqual(['online', 0, 1]);
  });

  test('a keepalive ping answered with an error iq proves the link alive', async () => {
    const server = new FakeServer();
    answeringPings(server, 'error');
    const { client, clock } = setup(server, { keepaliveMs: 30_000 });
    await client.start();
    await flush();
    for (let i = 0; i < 4; i++) await clock.advance(30_000);
    expect(server.received.filter((e) => e.getChild('ping', 'urn:xmpp:ping')).length).toBeGreaterThanOrEqual(2);
    expect([client.status, server.connections.length]).toEqual(['online', 1]);
  });

  test('XEP-0198 queue full when the keepalive is due: an <r/> probes instead, and its <a/> keeps the session', async () => {
    const server = new FakeServer();
    const { client, clock } = setup(server, { keepaliveMs: 30_000, maxUnacked: 3 });
    await client.start();
    await flush();
    server.last.holdAcks = true;
    for (let i = 0; i < 3; i++) client.send(xml('message', { to: 'a@example.net/b' }));
    expect(() => client.send(xml('message', { to: 'a@example.net/b' }))).toThrow('resource-constraint');
    server.last.holdAcks = false; // the server answers the next <r/>
    const before = server.last.sentElements.filter((e) => e.name === 'r').length;
    await clock.advance(30_000);
    expect(server.last.sentElements.filter((e) => e.name === 'r').length).toBe(before + 1);
    await clock.advance(30_000);
    expect([client.status, server.connections.length, client.unacked.length]).toEqual(['online', 1, 0]);
  });
});

describe('guarantee: SCRAM iteration counts are bounded', () => {
  function countingCrypto() {
    const calls = { pbkdf2: 0 };
    return { calls, crypto: { ...crypto, pbkdf2: (...a: Parameters<typeof crypto.pbkdf2>) => { calls.pbkdf2++; return crypto.pbkdf2(...a); } } };
  }
  test.each([
    ['i = 1,000,000 (default cap 100,000)', { iterations: 1_000_000 }, {}, 'iteration-count-too-high'],
    ['i = 8192 over maxScramIterations 4096', { iterations: 8192 }, { maxScramIterations: 4096 }, 'iteration-count-too-high'],
    ['i = 1024 (under RFC 7677\'s 4096)', { iterations: 1024 }, {}, 'iteration-count-too-low'],
  ] as Array<[string, { iterations: number }, Partial<ClientOptions>, string]>)('%s: refused before PBKDF2, <abort/> sent, typed SaslError, a permanent failure', async (_n, cfg, extra, condition) => {
    const { calls, crypto: counting } = countingCrypto();
    const server = new FakeServer(cfg);
    const { client } = setup(server, { crypto: counting, ...extra });
    const retries: string[] = [];
    client.on('reconnecting', (_d, _a, kind) => retries.push(kind));
    const e = await client.start().catch((x) => x);
    expect(e).toBeInstanceOf(SaslError);
    expect(e.condition).toBe(condition);
    expect(calls.pbkdf2).toBe(0);
    const names = server.last.sentElements.filter((el) => el.ns === NS.sasl).map((el) => el.name);
    expect(names).toEqual(['auth', 'abort']);
    expect(retries).toEqual(['permanent']);
    await client.stop();
  });

  test('a count inside the bounds, including a raised cap, logs in', async () => {
    const server = new FakeServer({ iterations: 8192 });
    const { client } = setup(server, { minScramIterations: 8192, maxScramIterations: 8192 });
    await expect(client.start()).resolves.toBe('spime@example.net/sk1');
  });
});

/** A stream whose connect fails at once (ECONNREFUSED). */
class FakeServerDeadStream {
  secure = false;
  connect(): Promise<void> { return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); }
  open(): void {}
  send(): void {}
  end(): void {}
  async startTls(): Promise<void> {}
  close(): void {}
}
