// Fuzzing the client's inbound path: a real spimekit client (the parts hosts/node/xmpp.ts wires)
// against test/servers/raw-peer.ts playing a server that follows a grammar of plausible server
// streams — header, features (STARTTLS, mechanisms, XEP-0440, bind, SM, session), <proceed/> and a
// real TLS upgrade, a real SCRAM exchange (the peer knows the password, so <success/> carries a
// server signature that verifies) or PLAIN, bind, <enabled/>/<resumed/>, then random stanzas — and
// mutates it as it goes: byte flips, truncation, deletion, insertion of random and hostile XML
// (`hostile.*`), duplication, reordering, random split points and delays, abrupt closes, silence.
// The first 1–3 connections of a case are fuzzed; later ones get a well-behaved server, so a
// client that recovers reaches `online` again.
//
// What must hold for every case (the "verdict"):
//   - nothing escapes: no uncaught exception, no unhandled rejection (process-level handlers);
//   - no hang: while the peer is silent, the client acts (closes, retries) within
//     SILENT_PEER_MS (several times its own per-step deadline), and stop() resolves;
//   - it settles: `online` on a connection whose server has nothing more to say, or `stopped`
//     with a typed error (a SpimeError with a condition); in between it may back off and retry;
//   - memory stays bounded across many cases (heap after GC, checked by the campaign).
// Deterministic per seed: the case seed decides every choice of the server; only timing and the
// client's random nonces vary. Run by tools/fuzz.js (`npm run fuzz`) and test/xmpp/fuzz.test.ts.
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Client, type ClientStatus } from '../../src/xmpp/client.js';
import { TransportXmlStream } from '../../src/xmpp/xml-stream.js';
import type { ConnectOptions, Transport, TransportHandler, ChannelBindingType } from '../../src/xmpp/transport.js';
import { SpimeError } from '../../src/errors.js';
import { NodeTransport } from '../../hosts/node/transport.js';
import { nodeClock } from '../../hosts/node/clock.js';
import { createNodeCrypto } from '../../hosts/node/crypto.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { makeTestPki, type TestPki } from '../../tools/servers/certs.js';
import { hostile, startRawPeer, xmpp, type RawPeer, type RawPeerSession } from '../servers/raw-peer.js';

const DOMAIN = 'spimekit.test';
const PASSWORD = 'fuzz-pw';
const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SM = 'urn:xmpp:sm:3';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';

/** The client's own deadline for each negotiation step and for TCP/TLS connect in these runs. */
export const STEP_MS = 1000;
/** A client that has had nothing from a silent peer for this long should have acted: a hang. */
export const SILENT_PEER_MS = 4 * STEP_MS;
/** A case that has not settled by then (the peer busy or not) is a hang too. */
export const CASE_MS = 30_000;
/** How long stop() may take (the client's own close grace is 2 s + the transport's 1 s). */
const STOP_MS = 6000;
/** How long the peer waits for an expected client element before carrying on regardless. */
const EXPECT_MS = 1500;

// ---------------------------------------------------------------------------------------------
// seeded choices

class Dice {
  readonly prng: Prng;
  constructor(seed: number) { this.prng = new Prng(seed); }
  next(): number { return this.prng.next(); }
  int(below: number): number { return this.prng.int(below); }
  range(lo: number, hi: number): number { return lo + this.prng.int(hi - lo + 1); }
  chance(p: number): boolean { return this.prng.next() < p; }
  pick<T>(items: readonly T[]): T { return items[this.prng.int(items.length)]; }
  weighted<T extends string>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.prng.next() * total;
    for (const [v, w] of items) { x -= w; if (x < 0) return v; }
    return items[items.length - 1][0];
  }
  u32(): number { return Math.floor(this.prng.next() * 2 ** 32) >>> 0; }
}

/** Per-case seeds from a run seed (so `--replay <case seed>` re-runs one case alone). */
export function caseSeeds(runSeed: number): () => number {
  const d = new Dice(runSeed ^ 0x5bd1e995);
  return () => d.u32();
}

// ---------------------------------------------------------------------------------------------
// what a hostile peer may insert anywhere

function hostilePieces(port: number): Array<string | Uint8Array> {
  const sasl = (name: string, inner = '') => `<${name} xmlns='${NS_SASL}'>${inner}</${name}>`;
  return [
    hostile.malformed, hostile.deepNesting(40), hostile.dtd, hostile.billionLaughs, hostile.comment,
    hostile.processingInstruction, hostile.manyAttributes(80), hostile.invalidUtf8(), hostile.undeclaredPrefix,
    hostile.hugeStanza(70_000),
    xmpp.streamHeader(), xmpp.close, `<stream:features/>`, `<stream:features>${xmpp.starttlsRequired}</stream:features>`,
    `<proceed xmlns='${NS_TLS}'/>`, `<failure xmlns='${NS_TLS}'/>`,
    sasl('success'), sasl('success', '='), sasl('failure', '<not-authorized/>'), sasl('failure', '<temporary-auth-failure/>'),
    sasl('challenge', '='), sasl('challenge', '!!not base64!!'), sasl('challenge', Buffer.from('r=x,s=QUJD,i=4096').toString('base64')),
    `<enabled xmlns='${NS_SM}' id='sm-x' resume='true'/>`, `<resumed xmlns='${NS_SM}' h='0' previd='sm-x'/>`, `<failed xmlns='${NS_SM}'/>`,
    `<r xmlns='${NS_SM}'/>`, `<a xmlns='${NS_SM}' h='4294967295'/>`, `<a xmlns='${NS_SM}' h='-1'/>`, `<a xmlns='${NS_SM}' h='1'/>`,
    `<iq type='result' id='bind1'/>`, `<iq type='result' id='bind1'><bind xmlns='${NS_BIND}'><jid>@@/</jid></bind></iq>`,
    `<iq type='error' id='bind1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
    xmpp.streamError('conflict'), xmpp.streamError('system-shutdown'), xmpp.streamError('host-unknown'), xmpp.streamError('reset'),
    `<stream:error><see-other-host xmlns='${NS_STREAMS}'>127.0.0.1:${port}</see-other-host></stream:error>`,
    `<stream:error><see-other-host xmlns='${NS_STREAMS}'>[::1]:1</see-other-host></stream:error>`,
    `<stream:error><see-other-host xmlns='${NS_STREAMS}'>elsewhere.example</see-other-host></stream:error>`,
    `<message><body>&amp;&lt;&#x1F600;&#0;</body></message>`, '&#0;', ']]>', '<![CDATA[x]]>', `<a:b xmlns:a=''/>`,
    '<', '>', '\u0000', '\uFEFF', `<?xml version='1.0'?>`, ' '.repeat(20_000), '\r\n',
    `<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>`, `<message xmlns='jabber:server'/>`,
    `<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`,
  ];
}

// ---------------------------------------------------------------------------------------------
// one connection of the server

interface ConnPlan {
  dice: Dice;
  /** No mutation, no cut, only valid choices: the well-behaved server a recovered client meets. */
  clean: boolean;
  /** Chance per write to mutate it, to cut the connection after it. */
  mutationRate: number;
  cutRate: number;
}

class Closed extends Error {}

/** One connection's side of the peer: the grammar walk, mutations, transcript. */
class Conn {
  readonly notes: string[] = [];
  readonly transcript: string[] = [];
  lastActivity = Date.now();
  /** The script has nothing more to send (idle tail, or ended). */
  idle = false;
  /** Ids of stanzas sent intact on this connection that the application must be handed. */
  readonly mustDeliver: string[] = [];
  #deferred: Uint8Array | undefined;
  #closed = false;

  constructor(readonly s: RawPeerSession, readonly p: ConnPlan, readonly port: number, readonly directTls: boolean) {
    void s.closed.then(() => { this.#closed = true; });
  }

  get d(): Dice { return this.p.dice; }
  note(what: string): void { this.notes.push(what); }

  /** Waits for what the client should send; a hostile peer carries on if it does not come. */
  async expect(what: RegExp): Promise<string | undefined> {
    if (this.#closed) throw new Closed();
    try {
      return await this.s.expect(what, EXPECT_MS);
    } catch {
      if (this.#closed) throw new Closed();
      this.note(`no ${what.source.slice(0, 24)}`);
      return undefined;
    }
  }

  /** One server write ("slot"): maybe mutated, split at random points with small delays, maybe
   *  duplicated or held back until after the next write, maybe followed by a cut. */
  async send(label: string, data: string | Uint8Array): Promise<boolean> {
    let bytes: Uint8Array = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const d = this.d;
    let tag = label;
    if (!this.p.clean && d.chance(this.p.mutationRate)) {
      const n = 1 + (d.chance(0.3) ? d.int(3) : 0);
      for (let i = 0; i < n; i++) { const r = mutate(bytes, d, this.port); bytes = r.bytes; tag += ` ${r.note}`; }
    }
    if (!this.p.clean && d.chance(0.04)) {
      // reorder: hold this write back and send it after the next one
      if (!this.#deferred) { this.#deferred = bytes; this.transcript.push(`(held back: ${tag})`); return false; }
    }
    await this.#write(tag, bytes);
    const held = this.#deferred;
    if (held) { this.#deferred = undefined; await this.#write('(held)', held); }
    const again = !this.p.clean && d.chance(0.03);
    if (again) await this.#write(`${tag} (again)`, bytes);
    if (!this.p.clean && d.chance(this.p.cutRate)) await this.cut();
    return tag === label && !held && !again;
  }

  async #write(tag: string, bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Closed();
    const d = this.d;
    const points = new Set<number>();
    if (!this.p.clean || d.chance(0.5)) {
      if (bytes.length < 300 && d.chance(0.08)) for (let i = 1; i < bytes.length; i++) points.add(i); // byte at a time
      else for (let i = d.int(4); i > 0; i--) points.add(1 + d.int(Math.max(1, bytes.length - 1)));
    }
    const cuts = [...points].filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b);
    this.transcript.push(`S: ${tag}${cuts.length ? ` [split at ${cuts.length > 12 ? 'every byte' : cuts.join(',')}]` : ''}\n   ${show(bytes)}`);
    let last = 0;
    for (const at of [...cuts, bytes.length]) {
      try { await this.s.send(bytes.subarray(last, at)); } catch { throw new Closed(); }
      this.lastActivity = Date.now();
      last = at;
      if (at < bytes.length) await sleep(d.chance(0.05) ? d.range(20, 250) : d.range(0, 3));
    }
  }

  /** Abrupt endings: FIN, RST, or silence with the connection held open. */
  async cut(): Promise<never> {
    const how = this.d.weighted([['end', 3], ['destroy', 3], ['silence', 2]] as const);
    this.transcript.push(`S: (cut: ${how})`);
    this.note(`cut:${how}`);
    if (how === 'end') this.s.end();
    else if (how === 'destroy') this.s.destroy();
    else { this.idle = true; await this.s.closed; }
    throw new Closed();
  }

  /** Nothing more to say: answer pings and the client's close, until it goes. */
  async idleTail(): Promise<void> {
    this.idle = true;
    for (;;) {
      let got: string;
      try { got = await this.s.expect(/<iq[^>]*>[\s\S]*?<\/iq>|<\/stream:stream>/, 3_600_000); } catch { return; }
      if (got.endsWith('</stream:stream>')) { try { this.s.end(xmpp.close); } catch { /* gone */ } return; }
      const m = /<iq[^>]*>[\s\S]*?<\/iq>$/.exec(got)?.[0] ?? '';
      const id = attr(m, 'id');
      if (/type=['"]get['"]/.test(m) && m.includes('urn:xmpp:ping') && id) {
        try { await this.s.send(`<iq type='result' id='${id}' from='${DOMAIN}'/>`); } catch { return; }
      }
    }
  }
}

function attr(text: string, name: string): string | undefined {
  return new RegExp(`${name}=(?:'([^']*)'|"([^"]*)")`).exec(text)?.slice(1).find((x) => x !== undefined);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function show(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  const printable = JSON.stringify(text.length > 600 ? `${text.slice(0, 300)}…(${bytes.length} bytes)…${text.slice(-200)}` : text);
  return printable;
}

function mutate(bytes: Uint8Array, d: Dice, port: number): { bytes: Uint8Array; note: string } {
  const b = Buffer.from(bytes);
  const at = d.int(b.length + 1);
  switch (d.weighted([['flip', 4], ['truncate', 2], ['insert', 5], ['delete', 2], ['repeat', 1], ['random', 1]] as const)) {
    case 'flip': {
      if (!b.length) return { bytes: b, note: '{flip: empty}' };
      const i = Math.min(at, b.length - 1), x = 1 + d.int(255);
      b[i] ^= x;
      return { bytes: b, note: `{flip ${i}^${x}}` };
    }
    case 'truncate': return { bytes: b.subarray(0, at), note: `{truncate ${at}}` };
    case 'delete': {
      const n = 1 + d.int(16);
      return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), note: `{delete ${at}+${n}}` };
    }
    case 'repeat': {
      const n = 1 + d.int(32);
      return { bytes: Buffer.concat([b.subarray(0, at + n), b.subarray(at)]), note: `{repeat ${at}+${n}}` };
    }
    case 'random': {
      const r = Buffer.alloc(1 + d.int(32));
      for (let i = 0; i < r.length; i++) r[i] = d.int(256);
      return { bytes: Buffer.concat([b.subarray(0, at), r, b.subarray(at)]), note: `{random ${r.length} at ${at}}` };
    }
    case 'insert': {
      const pieces = hostilePieces(port);
      const k = d.int(pieces.length);
      const piece = pieces[k];
      // whole-element insertion (at an element boundary) is likelier to get past the tokenizer
      const boundary = d.chance(0.6) ? nearestBoundary(b, at) : at;
      return { bytes: Buffer.concat([b.subarray(0, boundary), Buffer.from(piece), b.subarray(boundary)]), note: `{insert #${k} at ${boundary}}` };
    }
  }
}

function nearestBoundary(b: Buffer, at: number): number {
  for (let i = at; i < b.length; i++) if (b[i] === 0x3c /* < */) return i;
  return b.length;
}

// SCRAM server side (RFC 5802 §3): enough to produce a server-final the client verifies.
function scramKeys(hash: 'sha1' | 'sha256', salt: Buffer, iterations: number): { serverKey: Buffer } {
  const salted = pbkdf2Sync(PASSWORD, salt, iterations, hash === 'sha1' ? 20 : 32, hash);
  return { serverKey: createHmac(hash, salted).update('Server Key').digest() };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The grammar: one connection of a plausible server, with mutations on every write. */
async function serveConnection(c: Conn): Promise<void> {
  const d = c.d;
  const clean = c.p.clean;
  const header = (id: string) => {
    if (clean || d.chance(0.9)) return xmpp.streamHeader(DOMAIN, id);
    return d.pick([
      `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='${DOMAIN}' id='${id}'>`, // no version
      `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='2.0'>`,
      `<?xml version='1.0' encoding='UTF-16'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
      `<stream xmlns='http://etherx.jabber.org/streams' version='1.0'>`,
    ]);
  };

  if (!c.directTls) {
    // --- pre-TLS (RFC 6120 §5)
    await c.expect(/<stream:stream[^>]*>/);
    const starttls = clean ? 'required' : d.weighted([['required', 8], ['optional', 2], ['absent', 1]] as const);
    c.note(`starttls:${starttls}`);
    const tlsFeature = starttls === 'absent' ? '' : starttls === 'required' ? xmpp.starttlsRequired : `<starttls xmlns='${NS_TLS}'/>`;
    const extra = !clean && d.chance(0.2) ? xmpp.mechanisms('PLAIN', 'SCRAM-SHA-1') : '';
    await c.send('header+features', header('s0') + xmpp.features(tlsFeature + extra));
    await c.expect(/<starttls[^>]*\/>/);
    const answer = clean ? 'proceed' : d.weighted([['proceed', 14], ['failure', 1], ['silence', 1], ['garbage', 1], ['stream-error', 1], ['no-handshake', 1]] as const);
    c.note(`starttls-answer:${answer}`);
    switch (answer) {
      case 'failure': await c.send('tls failure', `<failure xmlns='${NS_TLS}'/>` + xmpp.close); return c.idleTail();
      case 'silence': c.transcript.push('S: (silence after <starttls/>)'); return c.idleTail();
      case 'stream-error': await c.send('stream error', xmpp.streamError(d.pick(['host-unknown', 'policy-violation', 'conflict', 'see-other-host']))); return c.idleTail();
      case 'garbage': {
        await c.send('proceed', xmpp.proceed);
        const g = Buffer.alloc(16 + d.int(200));
        for (let i = 0; i < g.length; i++) g[i] = d.int(256);
        await c.send('garbage instead of a TLS handshake', g);
        return c.idleTail();
      }
      case 'no-handshake':
        await c.send('proceed', xmpp.proceed);
        c.transcript.push('S: (never answers the TLS ClientHello)');
        return c.idleTail();
      case 'proceed':
        await c.send('proceed', xmpp.proceed);
        c.transcript.push('S: (TLS handshake)');
        try { await c.s.startTls(); } catch { throw new Closed(); }
    }
  }

  // --- SASL (RFC 6120 §6)
  await c.expect(/<stream:stream[^>]*>/);
  const mechs = clean ? ['SCRAM-SHA-256', 'SCRAM-SHA-1'] : pickSome(d, ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'PLAIN', 'X-OTHER']);
  const cb = !clean && d.chance(0.25) ? `<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/><channel-binding type='tls-unique'/></sasl-channel-binding>` : '';
  c.note(`mechanisms:${mechs.join(',') || 'none'}${cb ? '+cb' : ''}`);
  await c.send('header+features (sasl)', header('s1') + xmpp.features(xmpp.mechanisms(...mechs) + cb));
  let auth: string | undefined;
  for (let tries = 0; tries < 3; tries++) {
    auth = await c.expect(/<auth[^>]*>[^<]*<\/auth>/);
    const mech = auth && attr(auth.slice(auth.lastIndexOf('<auth')), 'mechanism');
    if (!auth || !mech || mechs.includes(mech)) break;
    // the client pipelined <auth/> for a mechanism it remembered: refuse it, it picks again
    await c.send('failure to a pipelined <auth/>', `<failure xmlns='${NS_SASL}'><invalid-mechanism/></failure>`);
  }
  const authTag = auth ? auth.slice(auth.lastIndexOf('<auth')) : '';
  const mechanism = attr(authTag, 'mechanism') ?? 'SCRAM-SHA-1';
  const outcome = clean ? 'success' : d.weighted([['success', 14], ['failure', 1], ['temporary', 1], ['bad-signature', 1], ['extra-challenge', 1], ['low-iterations', 1], ['silence', 1]] as const);
  c.note(`sasl:${mechanism}:${outcome}`);
  if (outcome === 'silence') { c.transcript.push('S: (silence after <auth/>)'); return c.idleTail(); }
  if (outcome === 'failure' || outcome === 'temporary') {
    await c.send('sasl failure', `<failure xmlns='${NS_SASL}'><${outcome === 'failure' ? 'not-authorized' : 'temporary-auth-failure'}/></failure>`);
    return c.idleTail();
  }
  if (mechanism.startsWith('SCRAM-')) {
    const hash = mechanism.startsWith('SCRAM-SHA-256') ? 'sha256' : 'sha1';
    const clientFirst = unb64(/>([^<]*)</.exec(authTag)?.[1] ?? '');
    const gs2 = clientFirst.split(',', 2).join(',').length + 1;
    const clientFirstBare = clientFirst.slice(gs2);
    const cnonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)?.[1] ?? 'x';
    const salt = Buffer.from('spimekit-fuzz-salt');
    const iterations = outcome === 'low-iterations' ? d.pick([1, 4095, 0]) : 4096;
    const serverFirst = `r=${cnonce}${d.u32().toString(36)},s=${b64(salt)},i=${iterations}`;
    await c.send('scram server-first', `<challenge xmlns='${NS_SASL}'>${b64(serverFirst)}</challenge>`);
    const response = await c.expect(/<response[^>]*>[^<]*<\/response>/);
    const clientFinal = unb64(/>([^<]*)<\/response>$/.exec(response ?? '')?.[1] ?? '');
    const withoutProof = clientFinal.slice(0, Math.max(0, clientFinal.lastIndexOf(',p=')));
    if (outcome === 'extra-challenge') await c.send('second challenge', `<challenge xmlns='${NS_SASL}'>${b64('v=AAAA')}</challenge>`);
    const { serverKey } = scramKeys(hash, salt, Math.max(1, iterations));
    let v = createHmac(hash, serverKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest();
    if (outcome === 'bad-signature') { v = Buffer.from(v); v[0] ^= 1; }
    await c.send('success (server-final)', `<success xmlns='${NS_SASL}'>${b64(`v=${v.toString('base64')}`)}</success>`);
  } else {
    await c.send('success', `<success xmlns='${NS_SASL}'/>`);
  }

  // --- restart, resume (XEP-0198 §5) or bind (RFC 6120 §7)
  await c.expect(/<stream:stream[^>]*>/);
  const sm = clean ? d.chance(0.5) : d.chance(0.6);
  const session = clean ? 'none' : d.weighted([['none', 6], ['optional', 1], ['required', 1]] as const);
  const bindFeature = clean || d.chance(0.95) ? `<bind xmlns='${NS_BIND}'/>` : '';
  const smFeature = sm ? `<sm xmlns='${NS_SM}'/>` : '';
  const sessionFeature = session === 'none' ? '' : `<session xmlns='${NS_SESSION}'>${session === 'optional' ? '<optional/>' : ''}</session>`;
  c.note(`session-features:${sm ? 'sm' : 'no-sm'},session=${session}${bindFeature ? '' : ',no-bind'}`);
  await c.send('header+features (bind)', header('s2') + xmpp.features(bindFeature + smFeature + sessionFeature));
  let req = await c.expect(/<resume[^>]*\/>|<iq[^>]*>[\s\S]*?<\/iq>/);
  if (req && /<resume[^>]*\/>$/.test(req)) {
    const answer = clean ? 'failed' : d.weighted([['resumed', 3], ['failed', 3], ['failed-h', 1], ['other', 1]] as const);
    c.note(`resume:${answer}`);
    const previd = attr(req.slice(req.lastIndexOf('<resume')), 'previd') ?? '';
    if (answer === 'resumed') {
      await c.send('resumed', `<resumed xmlns='${NS_SM}' previd='${previd}' h='${d.pick([0, 0, 1, 2])}'/>`);
      return onlinePhase(c, sm);
    }
    if (answer === 'other') await c.send('not an answer to <resume/>', `<message><body>hi</body></message>`);
    else await c.send('failed', answer === 'failed-h' ? `<failed xmlns='${NS_SM}' h='${d.pick([0, 1, 7])}'/>` : `<failed xmlns='${NS_SM}'/>`);
    req = await c.expect(/<iq[^>]*>[\s\S]*?<\/iq>/);
  }
  const iq = req ? /<iq[^>]*>[\s\S]*?<\/iq>$/.exec(req)?.[0] ?? '' : '';
  const id = attr(iq, 'id') ?? 'bind1';
  const bind = clean ? 'result' : d.weighted([['result', 14], ['error', 1], ['wrong-id', 1], ['no-jid', 1], ['bad-jid', 1], ['silence', 1]] as const);
  c.note(`bind:${bind}`);
  const jid = `alice@${DOMAIN}/${d.pick(['r', 'fuzz', 'Ресурс', 'a b'])}`;
  switch (bind) {
    case 'silence': c.transcript.push('S: (silence after <bind/>)'); return c.idleTail();
    case 'error': await c.send('bind error', `<iq type='error' id='${id}'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`); break;
    case 'wrong-id': await c.send('bind result, wrong id', `<iq type='result' id='${id}x'><bind xmlns='${NS_BIND}'><jid>${jid}</jid></bind></iq>`); break;
    case 'no-jid': await c.send('bind result without jid', `<iq type='result' id='${id}'/>`); break;
    case 'bad-jid': await c.send('bind result, bad jid', `<iq type='result' id='${id}'><bind xmlns='${NS_BIND}'><jid>${d.pick(['@', `alice@${DOMAIN}/`, '', 'a'.repeat(3000)])}</jid></bind></iq>`); break;
    case 'result': {
      // a server may flush what it queued for us right behind the bind result (issue 9 item 1:
      // the negotiation reader kept 16 elements and silently dropped the rest)
      const burst = d.chance(c.p.clean ? 0.1 : 0.15) ? Array.from({ length: d.range(17, 40) }, (_, j) => `m${d.u32().toString(36)}-${j}`) : [];
      if (burst.length) c.note(`bind+burst:${burst.length}`);
      const intact = await c.send(burst.length ? `bind result + ${burst.length} messages in one write` : 'bind result',
        `<iq type='result' id='${id}'><bind xmlns='${NS_BIND}'><jid>${jid}</jid></bind></iq>` + burst.map((m) => `<message from='bob@${DOMAIN}/x' id='${m}'><body>${m}</body></message>`).join(''));
      if (intact) c.mustDeliver.push(...burst);
    }
  }
  if (session === 'required') {
    const s = await c.expect(/<iq[^>]*>[\s\S]*?<\/iq>/);
    await c.send('session result', `<iq type='result' id='${attr(s ?? '', 'id') ?? 'sess1'}'/>`);
  }
  if (sm) {
    await c.expect(/<enable[^>]*\/>/);
    const enabled = clean ? 'enabled' : d.weighted([['enabled', 6], ['failed', 1], ['none', 1]] as const);
    c.note(`enable:${enabled}`);
    if (enabled === 'enabled') await c.send('enabled', `<enabled xmlns='${NS_SM}' id='sm-${d.u32().toString(36)}' resume='true'/>`);
    else if (enabled === 'failed') await c.send('enable failed', `<failed xmlns='${NS_SM}'/>`);
  }
  return onlinePhase(c, sm);
}

function pickSome(d: Dice, all: string[]): string[] {
  const out = all.filter(() => d.chance(0.45));
  return out.length || d.chance(0.05) ? out : [d.pick(all.slice(0, 2))];
}

/** After bind: random stanzas and nonzas, then an ending. */
async function onlinePhase(c: Conn, sm: boolean): Promise<void> {
  const d = c.d;
  if (c.p.clean) return c.idleTail();
  const n = d.int(10);
  for (let i = 0; i < n; i++) {
    const id = `s${d.u32().toString(36)}`;
    const from = d.pick([`bob@${DOMAIN}/x`, DOMAIN, `alice@${DOMAIN}`, 'evil.example', '']);
    const fromAttr = from ? ` from='${from}'` : '';
    const kind = d.weighted([['message', 4], ['presence', 2], ['iq-get', 3], ['iq-result', 2], ['sm-r', sm ? 2 : 0.3], ['sm-a', sm ? 2 : 0.3],
      ['burst', 1], ['whitespace', 1], ['nonza', 1], ['hostile', 2], ['restart', 0.3]] as const);
    switch (kind) {
      case 'message': await c.send('message', `<message type='chat' id='${id}'${fromAttr} to='alice@${DOMAIN}/r'><body>${d.pick(['412 ppm', '&amp;&lt;&gt;&apos;&quot;', 'ünïcødé 😀', ''])}</body></message>`); break;
      case 'presence': await c.send('presence', `<presence${fromAttr}${d.chance(0.3) ? " type='unavailable'" : ''}/>`); break;
      case 'iq-get': await c.send('iq get', `<iq type='${d.pick(['get', 'set'])}' id='${id}'${fromAttr}>${d.pick([
        `<ping xmlns='urn:xmpp:ping'/>`, `<query xmlns='http://jabber.org/protocol/disco#info'/>`, `<time xmlns='urn:xmpp:time'/>`,
        `<unknown xmlns='urn:x-fuzz'/>`, '', `<a xmlns='urn:x'/><b xmlns='urn:x'/>`])}</iq>`); break;
      case 'iq-result': await c.send('unsolicited iq answer', `<iq type='${d.pick(['result', 'error'])}' id='${d.pick(['q1', 'bind1', id])}'${fromAttr}/>`); break;
      case 'sm-r': await c.send('sm <r/>', `<r xmlns='${NS_SM}'/>`); break;
      case 'sm-a': await c.send('sm <a/>', `<a xmlns='${NS_SM}' h='${d.pick(['0', '1', '2', '4294967295', 'x', '-1'])}'/>`); break;
      case 'burst': {
        const k = d.range(17, 60);
        c.note(`burst:${k}`);
        await c.send(`burst of ${k} messages`, Array.from({ length: k }, (_, j) => `<message${fromAttr} id='b${j}'><body>${j}</body></message>`).join(''));
        break;
      }
      case 'whitespace': await c.send('whitespace keepalive', ' \n'.repeat(1 + d.int(4))); break;
      case 'nonza': await c.send('unknown nonza', `<fuzz xmlns='urn:x-fuzz:${d.int(9)}'/>`); break;
      case 'hostile': { const pieces = hostilePieces(c.port); const k = d.int(pieces.length); await c.send(`hostile #${k}`, pieces[k]); break; }
      case 'restart': await c.send('a second stream header', xmpp.streamHeader(DOMAIN, 'again')); break;
    }
  }
  const ending = d.weighted([['idle', 6], ['close', 1], ['end', 1], ['destroy', 1], ['stream-error', 2]] as const);
  c.note(`ending:${ending}`);
  switch (ending) {
    case 'close': await c.send('</stream:stream>', xmpp.close); break;
    case 'end': c.transcript.push('S: (FIN)'); c.s.end(); break;
    case 'destroy': c.transcript.push('S: (RST)'); c.s.destroy(); break;
    case 'stream-error': await c.send('stream error', xmpp.streamError(d.pick(['conflict', 'system-shutdown', 'reset', 'connection-timeout', 'policy-violation', 'undefined-condition', 'not-authorized']))); break;
    case 'idle': break;
  }
  return c.idleTail();
}

// ---------------------------------------------------------------------------------------------
// the client under test

/** The NodeTransport, refusing anything but loopback IP literals: a mutated see-other-host must
 *  never make a test resolve or reach a real host. Mimics the host's DNS failure otherwise. */
class LoopbackOnly implements Transport {
  constructor(readonly inner: NodeTransport, readonly refused: (host: string) => void) {}
  get secure(): boolean { return this.inner.secure; }
  connect(o: ConnectOptions, h: TransportHandler): Promise<void> {
    if (!(isIP(o.host) && (o.host.startsWith('127.') || o.host === '::1'))) {
      this.refused(o.host);
      return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${o.host} (fuzz: loopback only)`), { code: 'ENOTFOUND' }));
    }
    return this.inner.connect(o, h);
  }
  write(b: Uint8Array): void { this.inner.write(b); }
  startTls(): Promise<void> { return this.inner.startTls(); }
  channelBinding(t: ChannelBindingType): Uint8Array | undefined { return this.inner.channelBinding(t); }
  close(): void { this.inner.close(); }
}

export interface Finding {
  caseSeed: number;
  /** hang | no-settle | untyped-stop | escape | stop-hang | listener */
  kind: string;
  detail: string;
  /** Kind + where the server's grammar walk was: groups repeats of one bug. */
  signature: string;
  notes: string[];
  transcript: string;
}

export interface CaseResult {
  caseSeed: number;
  outcome: string;
  findings: Finding[];
  ms: number;
  connections: number;
  /** Errors the client emitted that are not SpimeErrors (host errors passed through). */
  untyped: string[];
  refusedHosts: string[];
}

export interface CaseEnv {
  pki: TestPki;
  /** Errors that escaped to the process while this case ran. */
  escapes: Error[];
  verbose?: boolean;
}

export async function runCase(caseSeed: number, env: CaseEnv): Promise<CaseResult> {
  const t0 = Date.now();
  const d = new Dice(caseSeed);
  const directTls = d.chance(0.3);
  const fuzzed = d.weighted([['1', 6], ['2', 3], ['3', 1]] as const) === '1' ? 1 : d.chance(0.7) ? 2 : 3;
  const mutationRate = d.weighted([['0', 2], ['low', 4], ['high', 3]] as const);
  const rate = mutationRate === '0' ? 0 : mutationRate === 'low' ? 0.08 : 0.3;
  const cutRate = d.chance(0.5) ? 0 : 0.05;
  const allowPlain = d.chance(0.5);
  const streamManagement = d.chance(0.85);
  const reconnect = d.chance(0.9) ? { initialMs: 20, maxMs: 200, random: () => d.next() } : false as const;
  const keepaliveMs = d.chance(0.2) ? 400 : 0;
  const xmlLimits = d.chance(0.3) ? { stanzaBytes: 4096, depth: 16 } : undefined;
  const resource = d.chance(0.5) ? 'r' : undefined;
  const connSeeds = Array.from({ length: 8 }, () => d.u32());

  const conns: Conn[] = [];
  const refusedHosts: string[] = [];
  let peer: RawPeer | undefined;
  peer = await startRawPeer(async (s) => {
    const clean = s.index >= fuzzed;
    const c = new Conn(s, { dice: new Dice(connSeeds[s.index % connSeeds.length] + s.index), clean, mutationRate: rate, cutRate }, peer!.port, directTls);
    conns[s.index] = c;
    try { await serveConnection(c); } catch (e) { if (!(e instanceof Closed)) c.note(`peer script error: ${(e as Error).message}`); }
    c.idle = true;
  }, { tls: directTls ? 'direct' : 'none', pki: env.pki });

  const client = new Client({
    jid: `alice@${DOMAIN}`, password: PASSWORD, host: '127.0.0.1', port: peer.port, directTls, resource,
    clock: nodeClock, crypto: createNodeCrypto(), allowPlain, streamManagement, keepaliveMs,
    // the client's ConnectOptions win over the transport's own defaults: every deadline is STEP_MS
    negotiationTimeoutMs: STEP_MS, iqTimeoutMs: STEP_MS, connectTimeoutMs: STEP_MS, tlsTimeoutMs: STEP_MS, reconnect,
    createStream: () => new TransportXmlStream(new LoopbackOnly(new NodeTransport({ ca: env.pki.caPem, connectTimeoutMs: STEP_MS }), (h) => refusedHosts.push(h)), xmlLimits),
  });
  const errors: unknown[] = [];
  const timeline: string[] = [];
  const delivered = new Set<string>();
  client.on('stanza', (el) => { const id = el.attr('id'); if (id) delivered.add(id); });
  const stamp = () => `${Date.now() - t0}ms`;
  client.on('error', (e) => { errors.push(e); timeline.push(`${stamp()} error ${describeError(e)}`); });
  client.on('online', (jid, resumed) => timeline.push(`${stamp()} online ${jid}${resumed ? ' (resumed)' : ''}`));
  let lastRetryKind = '';
  client.on('reconnecting', (ms, n, kind) => { lastRetryKind = kind; timeline.push(`${stamp()} reconnecting in ${ms} ms (#${n}, ${kind})`); });
  let startError: unknown;
  client.start().catch((e) => { startError = e; });

  const findings: Finding[] = [];
  const untyped = new Set<string>();
  const escapesBefore = env.escapes.length;
  const find = (kind: string, detail: string) => {
    const cur = conns[conns.length - 1];
    const where = cur ? cur.notes.filter((n) => !n.startsWith('no ')).slice(-2).join(' ') : 'no connection';
    findings.push({
      // where the grammar walk was matters for a hang; for the others the symptom names the class
      caseSeed, kind, detail, signature: `${kind}: ${(kind === 'untyped-error' ? detail.replace(/^(bad input surfaced as [^:]+: [^:]+).*$/s, '$1') : detail).replace(/\d+/g, 'N')}${['hang', 'no-settle', 'stop-hang'].includes(kind) ? ` @ ${where.replace(/\d+/g, 'N')}` : ''}`,
      notes: [`case: directTls=${directTls} fuzzed=${fuzzed} mutation=${mutationRate} cut=${cutRate} allowPlain=${allowPlain} sm=${streamManagement} reconnect=${!!reconnect} keepalive=${keepaliveMs} limits=${!!xmlLimits}`,
        ...conns.map((c, i) => `conn ${i}${c?.p.clean ? ' (clean)' : ''}: ${c?.notes.join(' ')}`), ...timeline.slice(-12)],
      transcript: conns.map((c, i) => `--- connection ${i}${c?.p.clean ? ' (clean)' : ''}\n${c?.transcript.join('\n')}\nC: ${JSON.stringify(clip(c?.s.received() ?? ''))}`).join('\n'),
    });
  };

  // poll the client's observable state until it settles, hangs, or the case deadline passes
  let outcome = 'no-settle';
  let lastStatus: ClientStatus = client.status;
  let statusSince = Date.now();
  for (;;) {
    await sleep(10);
    const now = Date.now();
    if (client.status !== lastStatus) { lastStatus = client.status; statusSince = now; timeline.push(`${stamp()} status ${lastStatus}`); }
    if (env.escapes.length > escapesBefore) { outcome = 'escape'; find('escape', env.escapes.slice(escapesBefore).map(describeError).join('; ')); break; }
    const cur = conns[peer.connectionCount - 1];
    if (client.status === 'stopped') {
      const why = startError ?? errors[errors.length - 1];
      outcome = `stopped${reconnect ? '' : '(no reconnect)'}:${why instanceof SpimeError ? why.condition : describeError(why)}`;
      if (!(why instanceof SpimeError) || !why.condition) find('untyped-stop', `stopped with ${describeError(why)}`);
      // issue 9 item 4: input before TLS is unauthenticated; it may fail an attempt, never the device
      else if (reconnect && cur && !cur.s.secure) find('stop-before-tls', `stopped for good by unauthenticated input: ${describeError(why)}`);
      break;
    }
    // a permanent failure waits reconnect.permanentRetryMs (hours by default): settled, like a stop
    if (client.status === 'offline' && lastRetryKind === 'permanent') {
      const why = startError ?? errors[errors.length - 1];
      outcome = `offline(slow retry):${why instanceof SpimeError ? why.condition : describeError(why)}`;
      if (!(why instanceof SpimeError) || !why.condition) find('untyped-stop', `slow retry after ${describeError(why)}`);
      else if (cur && !cur.s.secure) find('stop-before-tls', `slow retry forced by unauthenticated input: ${describeError(why)}`);
      break;
    }
    if (client.status === 'online' && cur?.idle && now - statusSince > 50) {
      outcome = cur.p.clean ? 'online:after-recovery' : 'online';
      // the session is up and the server done: every stanza it sent intact was handed over
      const missing = cur.mustDeliver.filter((id) => !delivered.has(id));
      if (missing.length) find('lost-stanzas', `${missing.length} of ${cur.mustDeliver.length} messages sent with the bind result never reached 'stanza' listeners, session still up`);
      break;
    }
    // the peer is silent (idle or paused) and the client has not moved for far longer than its own deadlines
    if (client.status === 'connecting' && cur && now - cur.lastActivity > SILENT_PEER_MS && now - statusSince > SILENT_PEER_MS) {
      outcome = 'hang'; find('hang', `client 'connecting' for ${now - statusSince} ms; the peer silent for ${now - cur.lastActivity} ms`); break;
    }
    if (now - t0 > CASE_MS) { find('no-settle', `still '${client.status}' after ${CASE_MS} ms`); break; }
  }
  for (const e of errors) {
    if (e instanceof SpimeError) continue;
    // a host's socket/TLS error (it has a `code`) passes through as is, noted; anything else is
    // src/ letting a parser's RangeError out on bad server input, where a typed error belongs
    if ((e as { code?: string })?.code) untyped.add(describeError(e).replace(/\d+/g, 'N'));
    else if (!findings.some((f) => f.kind === 'untyped-error')) find('untyped-error', `bad input surfaced as ${describeError(e)}, not a SpimeError`);
  }

  // stop() must resolve (a hang in close is a hang too)
  const stopped = await Promise.race([client.stop().then(() => true, () => true), sleep(STOP_MS).then(() => false)]);
  if (!stopped) find('stop-hang', `stop() did not resolve within ${STOP_MS} ms (status '${client.status}')`);
  await peer.close();
  if (env.verbose) {
    console.log(`case ${caseSeed}: ${outcome} in ${Date.now() - t0} ms, ${peer.connectionCount} connection(s)`);
    for (const c of conns) if (c) console.log(`  ${c.p.clean ? 'clean' : 'fuzzed'}: ${c.notes.join(' ')}`);
    for (const t of timeline) console.log(`  ${t}`);
  }
  return { caseSeed, outcome, findings, ms: Date.now() - t0, connections: peer.connectionCount, untyped: [...untyped], refusedHosts };
}

function clip(s: string): string { return s.length > 1500 ? `${s.slice(0, 1000)}…${s.slice(-400)}` : s; }

function describeError(e: unknown): string {
  if (e instanceof SpimeError) return `${e.name}(${e.condition}): ${e.message}`;
  if (e instanceof Error) return `${e.name}${(e as { code?: string }).code ? `[${(e as { code?: string }).code}]` : ''}: ${e.message.trim().replace(/\s*\n\s*/g, ' ')}`;
  return String(e);
}

// ---------------------------------------------------------------------------------------------
// a campaign: many cases, findings grouped by signature, heap after GC

export interface CampaignOptions {
  seed: number;
  /** Stop after this many cases, or after this many seconds, whichever first. */
  cases?: number;
  seconds?: number;
  /** Stop early after this many distinct findings (CI). */
  maxFindings?: number;
  /** Heap growth allowed from the baseline (after warm-up) to the end, bytes. */
  heapSlackBytes?: number;
  log?: (line: string) => void;
  verbose?: boolean;
}

export interface CampaignResult {
  seed: number;
  cases: number;
  seconds: number;
  outcomes: Record<string, number>;
  findings: Array<Finding & { count: number; seeds: number[] }>;
  untyped: Record<string, number>;
  /** A case seed that showed each untyped error. */
  untypedSeeds: Record<string, number>;
  refusedHosts: number;
  heap: { baseline: number; final: number; max: number; samples: number[]; ok: boolean; gc: boolean };
}

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try { setFlagsFromString('--expose-gc'); return runInNewContext('gc') as () => void; } catch { return undefined; }
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'spimekit-fuzz-'));
  const escapes: Error[] = [];
  const onEscape = (e: unknown) => { escapes.push(e instanceof Error ? e : new Error(String(e))); };
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const gc = getGc();
  const heapNow = () => { gc?.(); gc?.(); return process.memoryUsage().heapUsed; };
  const t0 = Date.now();
  const result: CampaignResult = {
    seed: o.seed, cases: 0, seconds: 0, outcomes: {}, findings: [], untyped: {}, untypedSeeds: {}, refusedHosts: 0,
    heap: { baseline: 0, final: 0, max: 0, samples: [], ok: true, gc: !!gc },
  };
  try {
    const pki = makeTestPki(dir, DOMAIN);
    const nextSeed = caseSeeds(o.seed);
    const bySignature = new Map<string, Finding & { count: number; seeds: number[] }>();
    const warmup = 5;
    for (let i = 0; ; i++) {
      if (o.cases !== undefined && i >= o.cases) break;
      if (o.seconds !== undefined && Date.now() - t0 > o.seconds * 1000) break;
      if (o.maxFindings !== undefined && bySignature.size >= o.maxFindings) break;
      const caseSeed = nextSeed();
      const r = await runCase(caseSeed, { pki, escapes, verbose: o.verbose });
      result.cases++;
      const key = r.outcome.slice(0, 80);
      result.outcomes[key] = (result.outcomes[key] ?? 0) + 1;
      for (const u of r.untyped) { result.untyped[u] = (result.untyped[u] ?? 0) + 1; result.untypedSeeds[u] ??= caseSeed; }
      result.refusedHosts += r.refusedHosts.length;
      for (const f of r.findings) {
        const known = bySignature.get(f.signature);
        if (known) { known.count++; if (known.seeds.length < 10) known.seeds.push(f.caseSeed); continue; }
        const entry = { ...f, count: 1, seeds: [f.caseSeed] };
        bySignature.set(f.signature, entry);
        result.findings.push(entry);
        log(`\n✕ finding ${result.findings.length} (case seed ${f.caseSeed}, replay: npm run fuzz -- --replay ${f.caseSeed})\n  ${f.kind}: ${f.detail}\n  ${f.notes.join('\n  ')}\n${indent(f.transcript)}`);
      }
      if (i + 1 === warmup || (i + 1) % 10 === 0) {
        const h = heapNow();
        if (i + 1 === warmup) result.heap.baseline = h;
        result.heap.samples.push(h);
        result.heap.max = Math.max(result.heap.max, h);
      }
      if ((i + 1) % 25 === 0) log(`${i + 1} cases, ${Math.round((Date.now() - t0) / 1000)} s, ${result.findings.length} distinct finding(s), heap ${(heapNow() / 1e6).toFixed(1)} MB, outcomes ${JSON.stringify(result.outcomes)}`);
    }
    result.heap.final = heapNow();
    if (!result.heap.baseline) result.heap.baseline = result.heap.samples[0] ?? result.heap.final;
    result.heap.ok = result.heap.final - result.heap.baseline <= (o.heapSlackBytes ?? 24 * 1024 * 1024);
  } finally {
    // late events of the last case still count as escapes
    await sleep(200);
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    rmSync(dir, { recursive: true, force: true });
  }
  if (escapes.length && !result.findings.some((f) => f.kind === 'escape')) {
    result.findings.push({ caseSeed: 0, kind: 'escape', detail: escapes.map(describeError).join('; '), signature: 'escape (after the last case)', notes: [], transcript: '', count: escapes.length, seeds: [] });
  }
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return result;
}

function indent(s: string): string { return s.split('\n').map((l) => `    ${l}`).join('\n'); }

/** `npm run fuzz [-- --seconds N] [--cases N] [--seed S] [--replay CASE_SEED] [--json] [--max-findings N]` */
export async function main(argv: string[]): Promise<number> {
  const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const num = (name: string): number | undefined => {
    const v = opt(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number, got ${v}`);
    return n;
  };
  const json = argv.includes('--json');
  const log = (l: string) => (json ? process.stderr : process.stdout).write(l + '\n');
  const replay = num('replay');
  if (replay !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'spimekit-fuzz-'));
    const escapes: Error[] = [];
    const onEscape = (e: unknown) => { escapes.push(e instanceof Error ? e : new Error(String(e))); };
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    try {
      const r = await runCase(replay >>> 0, { pki: makeTestPki(dir, DOMAIN), escapes, verbose: true });
      for (const f of r.findings) log(`✕ ${f.kind}: ${f.detail}\n  ${f.notes.join('\n  ')}\n${indent(f.transcript)}`);
      if (!r.findings.length) log('✓ no finding');
      return r.findings.length ? 1 : 0;
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }
  const seed = (num('seed') ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const cases = num('cases');
  const seconds = num('seconds') ?? (cases === undefined ? 60 : undefined);
  log(`fuzz: seed ${seed}${cases !== undefined ? `, ${cases} cases` : ''}${seconds !== undefined ? `, ${seconds} s` : ''} (npm run fuzz -- --seed ${seed} repeats the run)`);
  const r = await runCampaign({ seed, cases, seconds, maxFindings: num('max-findings'), log, verbose: argv.includes('--verbose') });
  log(`\nfuzz: seed ${seed}: ${r.cases} cases in ${r.seconds} s; outcomes ${JSON.stringify(r.outcomes)}`);
  log(`heap after GC${r.heap.gc ? '' : ' (no gc available)'}: ${(r.heap.baseline / 1e6).toFixed(1)} MB after warm-up → ${(r.heap.final / 1e6).toFixed(1)} MB at the end (max ${(r.heap.max / 1e6).toFixed(1)} MB)${r.heap.ok ? '' : ' ✕ grew too much'}`);
  for (const [u, n] of Object.entries(r.untyped)) log(`untyped error emitted (retried, not a failure) ×${n}, e.g. --replay ${r.untypedSeeds[u]}: ${u.trim()}`);
  if (r.refusedHosts) log(`non-loopback redirects refused by the harness: ${r.refusedHosts}`);
  log(r.findings.length ? `${r.findings.length} distinct finding(s):\n${r.findings.map((f) => `  ${f.signature}  ×${f.count}  seeds ${f.seeds.join(' ')}`).join('\n')}` : 'no finding');
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  return r.findings.length || !r.heap.ok ? 1 : 0;
}
