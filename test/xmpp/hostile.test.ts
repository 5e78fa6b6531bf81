// The client against hostile servers: test/servers/raw-peer.ts speaks exactly the bytes each case
// needs, over real TCP, with real TLS (per-run CA, verification on) where the case is post-TLS.
// What must hold (RFC 6120 §4.9, §5.3.1, §11.1, §13.12): no credentials without TLS; bad input
// gets our <stream:error/> with the right condition on the wire, a typed error locally, a close,
// and a reconnect at backoff pace; and a server cannot make the client buffer without bound.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createClient, type NodeClientOptions } from '../../hosts/node/xmpp.js';
import type { Client } from '../../src/xmpp/client.js';
import { ConnectionError, SaslError, StreamError } from '../../src/xmpp/errors.js';
import { hostile, startRawPeer, xmpp, type RawPeer, type RawPeerScript, type RawPeerSession } from '../servers/raw-peer.js';

let peer: RawPeer | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await peer?.close();
  peer = undefined;
});

function client(p: RawPeer, extra: Partial<NodeClientOptions> = {}): { c: Client; errors: Error[] } {
  const c = createClient({
    jid: `alice@${p.domain}`, password: 'alice-pw', host: '127.0.0.1', port: p.port, ca: p.caPem,
    keepaliveMs: 0, negotiationTimeoutMs: 3000, ...extra,
  });
  const errors: Error[] = [];
  c.on('error', (e) => errors.push(e));
  clients.push(c);
  return { c, errors };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('no STARTTLS offered (downgrade)', () => {
  // The client pipelines <starttls/> with its header, then sees features without STARTTLS: it must
  // stop there, never sending <auth/> (which would carry the password, or a SCRAM exchange, in
  // clear). The features came in the clear, so anyone on the path may have stripped STARTTLS:
  // that attempt fails, the device does not (retry at backoff pace, typed error each time).
  for (const allowPlain of [false, true]) {
    test(`allowPlain: ${allowPlain} → tls-required on every attempt, retried at backoff pace, the peer never sees <auth`, async () => {
      texts.length = 0;
      const p = peer = await startRawPeer(async (s) => {
        try {
          await s.expect('<stream:stream');
          await s.send(hostile.noStarttls());
          await s.closed;
        } finally { texts[s.index] = s.received(); }
      });
      const { c, errors } = client(p, { allowPlain, reconnect: { initialMs: 50, maxMs: 100 } });
      const kinds: string[] = [];
      c.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
      let settled = false;
      c.start().then(() => {}, () => {}).finally(() => { settled = true; });
      await until(() => p.connectionCount >= 3);
      await Promise.all([p.result(0), p.result(1)]);
      expect(errors.slice(0, 2).map((e) => [e instanceof ConnectionError, (e as ConnectionError).condition])).toEqual([[true, 'tls-required'], [true, 'tls-required']]);
      expect(kinds.slice(0, 2)).toEqual(['backoff', 'backoff']);
      expect([c.status === 'stopped', settled]).toEqual([false, false]);
      for (const seen of texts.slice(0, 2)) {
        expect(seen).toContain('<starttls');
        expect(seen).not.toMatch(/<auth|<response|alice-pw/);
      }
    });
  }
});

describe('before TLS (plain TCP), nothing the peer says stops the client', () => {
  const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';
  /** Every connection: the peer's stream header, then `payload` in the clear. */
  function plaintextScript(payload: () => string): RawPeerScript {
    texts.length = 0;
    return async (s) => {
      try {
        await s.expect('<stream:stream');
        await s.send(xmpp.streamHeader() + payload());
        await s.closed;
      } finally { texts[s.index] = s.received(); }
    };
  }

  test.each(['host-unknown', 'policy-violation', 'conflict'])('<stream:error><%s/> in the clear: typed StreamError, retried at backoff pace', async (condition) => {
    const p = peer = await startRawPeer(plaintextScript(() => xmpp.streamError(condition)));
    const { c, errors } = client(p, { reconnect: { initialMs: 50, maxMs: 100 } });
    const kinds: string[] = [];
    c.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
    void c.start().catch(() => {});
    await until(() => p.connectionCount >= 3);
    await Promise.all([p.result(0), p.result(1)]);
    expect(errors.slice(0, 2).map((e) => [e instanceof StreamError, (e as StreamError).condition, (e as StreamError).local])).toEqual([[true, condition, false], [true, condition, false]]);
    expect(kinds.slice(0, 2)).toEqual(['backoff', 'backoff']);
    expect(c.status).not.toBe('stopped');
    expect(texts.slice(0, 2).join('')).not.toMatch(/<auth/);
  });

  test('see-other-host in the clear is not followed: the decoy never sees a connection', async () => {
    const decoy = await startRawPeer(async (s) => { await s.closed; });
    try {
      const p = peer = await startRawPeer(plaintextScript(() => `<stream:error><see-other-host xmlns='${NS_STREAMS}'>127.0.0.1:${decoy.port}</see-other-host></stream:error></stream:stream>`));
      const { c, errors } = client(p, { reconnect: { initialMs: 50, maxMs: 100 } });
      const kinds: string[] = [];
      c.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
      void c.start().catch(() => {});
      await until(() => p.connectionCount >= 3);
      expect(decoy.connectionCount).toBe(0);
      expect(kinds.slice(0, 2)).toEqual(['backoff', 'backoff']);
      expect((errors[0] as StreamError).condition).toBe('see-other-host');
    } finally { await decoy.close(); }
  });
});

describe('after TLS: redirects are bounded, permanent failures retried slowly', () => {
  const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';
  const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

  test('a server redirecting to itself: 3 redirects at once, then backoff (connections counted over a 1.5 s window)', async () => {
    let selfPort = 0;
    const p = peer = await startRawPeer(async (s) => {
      await s.expect('<stream:stream');
      await s.send(xmpp.streamHeader() + `<stream:error><see-other-host xmlns='${NS_STREAMS}'>127.0.0.1:${selfPort}</see-other-host></stream:error></stream:stream>`);
      await s.closed;
    }, { tls: 'direct' });
    selfPort = p.port;
    const { c } = client(p, { directTls: true, reconnect: { initialMs: 200, maxMs: 400, random: () => 1 } });
    const retries: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    void c.start().catch(() => {});
    await until(() => p.connectionCount >= 4);
    await new Promise((r) => setTimeout(r, 1500));
    // 4 connections at once, then one after 200 ms, then one per 400 ms: at most 9 by now
    // (unbounded, this was hundreds per second, each delay 0)
    expect(p.connectionCount).toBeLessThanOrEqual(9);
    expect(retries.slice(0, 5)).toEqual([[0, 'redirect'], [0, 'redirect'], [0, 'redirect'], [200, 'redirect'], [400, 'redirect']]);
  });

  test('a certificate that does not verify: start() rejects, the next attempt waits reconnect.permanentRetryMs', async () => {
    const p = peer = await startRawPeer(async (s) => { await s.closed; }, { tls: 'direct' });
    const { c, errors } = client(p, { directTls: true, ca: undefined, reconnect: { initialMs: 50, maxMs: 100, permanentRetryMs: 600 } });
    const retries: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const e = await c.start().catch((x) => x);
    // typed as the client's certificate failure, Node's error kept as the cause
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.condition).toBe('certificate');
    expect(String(e.cause?.code)).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(String(e.code ?? e.message)).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(retries).toHaveLength(1);
    expect(retries[0][1]).toBe('permanent');
    expect(retries[0][0]).toBeGreaterThanOrEqual(300);
    expect(retries[0][0]).toBeLessThanOrEqual(600);
    await until(() => p.connectionCount >= 2); // retried, slowly, since an operator may fix it
    await until(() => errors.length >= 2);
    expect(String((errors[1] as { code?: string }).code)).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  test('SCRAM with i = 1,000,000: <abort/> before any PBKDF2, SaslError iteration-count-too-high, slow retry', async () => {
    texts.length = 0;
    const p = peer = await startRawPeer(async (s) => {
      try {
        await s.expect('<stream:stream');
        await s.send(xmpp.streamHeader() + xmpp.features(xmpp.mechanisms('SCRAM-SHA-1')));
        const auth = await s.expect('</auth>');
        const clientFirst = Buffer.from(/>([^<]+)<\/auth>/.exec(auth)![1], 'base64').toString();
        const nonce = /r=([^,]+)/.exec(clientFirst)![1];
        const serverFirst = `r=${nonce}hostile,s=${Buffer.from('salt of a hostile server').toString('base64')},i=1000000`;
        await s.send(`<challenge xmlns='${NS_SASL}'>${Buffer.from(serverFirst).toString('base64')}</challenge>`);
        await s.expect(/<abort xmlns=['"]urn:ietf:params:xml:ns:xmpp-sasl['"]\/>/);
        await s.send(`<failure xmlns='${NS_SASL}'><aborted/></failure>`);
        await s.closed;
      } finally { texts[s.index] = s.received(); }
    }, { tls: 'direct' });
    const { c } = client(p, { directTls: true });
    const retries: Array<[number, string]> = [];
    c.on('reconnecting', (d, _a, kind) => retries.push([d, kind]));
    const e = await c.start().catch((x) => x);
    expect(e).toBeInstanceOf(SaslError);
    expect(e.condition).toBe('iteration-count-too-high');
    await p.result(0); // the peer saw <abort/>
    expect(texts[0]).not.toMatch(/<response/);
    expect(retries.map(([, k]) => k)).toEqual(['permanent']);
    expect(retries[0][0]).toBeGreaterThanOrEqual(2 * 3600_000);
  });
});

// The text the peer received on each connection (kept by the scripts in `texts`).
const texts: string[] = [];

/** A polite server: answers the client's </stream:stream> (from stop()) by closing. */
async function closeOnClose(s: RawPeerSession): Promise<void> {
  await s.expect('</stream:stream>', 20_000).then(() => s.end(xmpp.close), () => {});
}

/** Direct TLS; connection 0 gets `payload` after the stream header, later ones get a plain stream
 *  header and are kept open (they only prove the reconnect). Records what the client sent. */
function hostileScript(payload: string | (() => string)): RawPeerScript {
  texts.length = 0;
  return async (s) => {
    try {
      await s.expect('<stream:stream');
      await s.send(xmpp.streamHeader());
      if (s.index === 0) await s.send(typeof payload === 'string' ? payload : payload());
      else await closeOnClose(s);
      await s.closed;
    } finally { texts[s.index] = s.received(); }
  };
}

describe('after TLS: bad input → our <stream:error/>, typed error, close, reconnect', () => {
  const cases: Array<[string, string, string | (() => string)]> = [
    ['not well-formed', 'not-well-formed', hostile.malformed],
    ['stanza over stanzaBytes', 'policy-violation', () => hostile.hugeStanza(8192)],
    ['nesting deeper than the depth limit', 'policy-violation', () => hostile.deepNesting(40)],
    ['a DTD', 'restricted-xml', hostile.dtd],
    ['a comment', 'restricted-xml', hostile.comment],
    ['a processing instruction', 'restricted-xml', hostile.processingInstruction],
  ];
  test.each(cases)('%s → %s', async (_name, condition, payload) => {
    const p = peer = await startRawPeer(hostileScript(payload), { tls: 'direct' });
    const { c, errors } = client(p, { directTls: true, xmlLimits: { stanzaBytes: 4096, depth: 16 }, reconnect: { initialMs: 50, maxMs: 100 } });
    const reconnecting: number[] = [];
    c.on('reconnecting', (d) => reconnecting.push(d));
    void c.start().catch(() => {});
    await p.result(0); // the client closed connection 0
    expect(texts[0]).toContain(`<stream:error><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`);
    expect(texts[0]).not.toMatch(/<auth/); // nothing more was sent after the error
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect((errors[0] as StreamError).condition).toBe(condition);
    expect((errors[0] as StreamError).local).toBe(true);
    // backoff, then a second connection
    await until(() => p.connectionCount >= 2);
    expect(reconnecting[0]).toBeGreaterThanOrEqual(25);
    expect(reconnecting[0]).toBeLessThanOrEqual(50);
  });

  test('a never-ending 10 MB stanza: the client gives up after about stanzaBytes, memory stays bounded', async () => {
    const stanzaBytes = 16384;
    const total = 10 * 1024 * 1024;
    let sentWhenErrorSeen = -1;
    texts.length = 0;
    const p = peer = await startRawPeer(async (s) => {
      await s.expect('<stream:stream');
      await s.send(xmpp.streamHeader());
      if (s.index > 0) { await closeOnClose(s); return; }
      await s.send('<message><body>');
      const chunk = 'x'.repeat(4096);
      let sent = 0;
      // write chunk by chunk, each awaited (flow control): stop as soon as the client has spoken
      while (sent < total) {
        if (s.received().includes('<stream:error>')) { sentWhenErrorSeen = sent; break; }
        try { await s.send(chunk); } catch { break; }
        sent += chunk.length;
        if (sent % (256 * 1024) === 0) await new Promise((r) => setImmediate(r));
      }
      await s.closed;
      if (sentWhenErrorSeen < 0 && s.received().includes('<stream:error>')) sentWhenErrorSeen = sent;
      texts[0] = s.received();
    }, { tls: 'direct' });
    const before = process.memoryUsage().heapUsed;
    const { c, errors } = client(p, { directTls: true, xmlLimits: { stanzaBytes }, reconnect: { initialMs: 50, maxMs: 100 } });
    void c.start().catch(() => {});
    await p.result(0);
    expect(texts[0]).toContain("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>");
    expect((errors[0] as StreamError).condition).toBe('policy-violation');
    // the error came after ~stanzaBytes (plus what was in flight in socket and TLS buffers), not 10 MB
    expect(sentWhenErrorSeen).toBeGreaterThanOrEqual(stanzaBytes - 4096);
    expect(sentWhenErrorSeen).toBeLessThan(1024 * 1024);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
    await until(() => p.connectionCount >= 2);
  });
});

describe('online (after SASL and bind), bad input still ends the stream the same way', () => {
  const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
  const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
  /** Plays a minimal server up to a bound session (PLAIN over TLS: the only mechanism a scripted
   *  peer can accept without the password's SCRAM keys), then sends `payload`. */
  function onlineScript(payload: string | Uint8Array): RawPeerScript {
    texts.length = 0;
    return async (s) => {
      try {
        await s.expect('<stream:stream');
        await s.send(xmpp.streamHeader() + xmpp.features(xmpp.mechanisms('PLAIN')));
        if (s.index > 0) { await closeOnClose(s); return; }
        await s.expect('</auth>');
        await s.send(`<success xmlns='${NS_SASL}'/>`);
        await s.expect('<stream:stream');
        const bind = await s.expect('</iq>');
        const id = /<iq[^>]* id='([^']+)'/.exec(bind)?.[1] ?? /<iq[^>]* id="([^"]+)"/.exec(bind)?.[1];
        await s.send(xmpp.streamHeader('spimekit.test', 's2') + xmpp.features(`<bind xmlns='${NS_BIND}'/>`) +
          `<iq type='result' id='${id}'><bind xmlns='${NS_BIND}'><jid>alice@spimekit.test/r</jid></bind></iq>`);
        await s.expect('<presence');
        await s.send(payload);
        await s.closed;
      } finally { texts[s.index] = s.received(); }
    };
  }
  test.each([
    ['not well-formed', 'not-well-formed', hostile.malformed],
    ['billion laughs (DTD + entities)', 'restricted-xml', hostile.billionLaughs],
    ['stanza over stanzaBytes', 'policy-violation', hostile.hugeStanza(8192)],
    ['invalid UTF-8', 'not-well-formed', hostile.invalidUtf8()],
  ] as Array<[string, string, string | Uint8Array]>)('%s → %s', async (_n, condition, payload) => {
    const p = peer = await startRawPeer(onlineScript(payload), { tls: 'direct' });
    const { c, errors } = client(p, { directTls: true, allowPlain: true, resource: 'r', xmlLimits: { stanzaBytes: 4096 }, reconnect: { initialMs: 50, maxMs: 100 } });
    const online: string[] = [];
    c.on('online', (jid) => online.push(jid));
    await expect(c.start()).resolves.toBe('alice@spimekit.test/r');
    await p.result(0);
    expect(online).toEqual(['alice@spimekit.test/r']);
    expect(texts[0]).toContain(`<stream:error><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`);
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect((errors[0] as StreamError).condition).toBe(condition);
    await until(() => p.connectionCount >= 2);
  });
});

describe('negotiation faults found above the XML layer are named to the server too', () => {
  // Well-formed XML that breaks the protocol: the client's reader, not the tokenizer, finds these;
  // RFC 6120 §4.9.1.1 still wants the <stream:error/> before the close, and the device retries.
  test.each([
    ['a stanza instead of <stream:features/>', 'invalid-xml', `<message><body>hi</body></message>`],
  ])('%s → %s', async (_n, condition, payload) => {
    const p = peer = await startRawPeer(hostileScript(payload), { tls: 'direct' });
    const { c, errors } = client(p, { directTls: true, reconnect: { initialMs: 50, maxMs: 100 } });
    void c.start().catch(() => {});
    await p.result(0);
    expect(texts[0]).toMatch(new RegExp(`<(stream:)?error( xmlns=['"]http://etherx.jabber.org/streams['"])?><${condition} xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]/></(stream:)?error></stream:stream>`));
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect((errors[0] as StreamError).condition).toBe(condition);
    expect((errors[0] as StreamError).local).toBe(true);
    await until(() => p.connectionCount >= 2);
  });
});

describe('TLS failures are typed (fuzz finding: raw Node errors escaped)', () => {
  test('garbage after <proceed/>: ConnectionError tls-failed with the TLS error as cause, retried at backoff pace', async () => {
    const p = peer = await startRawPeer(async (s) => {
      await s.expect('<starttls');
      await s.send(xmpp.streamHeader() + xmpp.features(xmpp.starttlsRequired) + xmpp.proceed);
      // the ClientHello (a TLS handshake record) arrived: a second <proceed/> where the ServerHello belongs
      await s.expect(/\x16\x03[\x01-\x04]/);
      await s.send(xmpp.proceed);
      await s.closed;
    });
    const { c, errors } = client(p, { reconnect: { initialMs: 50, maxMs: 100 } });
    const kinds: string[] = [];
    c.on('reconnecting', (_d, _a, kind) => kinds.push(kind));
    void c.start().catch(() => {});
    await until(() => kinds.length >= 1);
    const e = errors[0] as ConnectionError & { cause?: { code?: string } };
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.condition).toBe('tls-failed');
    expect(String(e.cause?.code)).toMatch(/^ERR_SSL_/);
    expect(kinds[0]).toBe('backoff');
  });
});
