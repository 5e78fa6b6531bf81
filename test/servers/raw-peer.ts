// A scripted, possibly hostile, XMPP "server" on loopback: each accepted connection runs a script
// that sends exactly the bytes a test wants (a stream without STARTTLS, malformed XML, a DTD, deep
// nesting, a huge stanza…) and checks what the client sends back. TLS (direct, or STARTTLS via
// `session.startTls()`) uses a per-run certificate whose CA the client must trust (`peer.caPem`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { makeTestPki, type TestPki } from '../../tools/servers/certs.js';

export interface RawPeerSession {
  /** Index of this connection (0 for the first). */
  readonly index: number;
  send(data: string | Uint8Array): Promise<void>;
  /**
   * Waits until the text received since the last successful expect() contains `what` (or matches
   * it), and returns the text up to the end of the match. Rejects on timeout or close.
   */
  expect(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Upgrades this connection to TLS as the server (after sending <proceed/>). */
  startTls(): Promise<void>;
  /** Everything received so far (decrypted after TLS). */
  received(): string;
  /** Resolves when the client has closed or the connection broke. */
  readonly closed: Promise<void>;
  end(data?: string): void;
  destroy(): void;
  readonly secure: boolean;
}

export type RawPeerScript = (session: RawPeerSession) => Promise<void>;

export interface RawPeerOptions {
  /** 'direct': TLS from the first byte (XEP-0368 style). Default: plain TCP. */
  tls?: 'none' | 'direct';
  /** Domain the certificate names. Default spimekit.test. */
  domain?: string;
  /** Reuse an existing PKI; otherwise one is made in a temp dir. */
  pki?: TestPki;
}

export interface RawPeer {
  readonly port: number;
  readonly domain: string;
  readonly caPem: string;
  readonly caPath: string;
  /** The script's outcome for connection `index` (waits for that connection to arrive). */
  result(index?: number): Promise<void>;
  /** How many connections were accepted. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

export async function startRawPeer(script: RawPeerScript, o: RawPeerOptions = {}): Promise<RawPeer> {
  const domain = o.domain ?? 'spimekit.test';
  let tmp: string | undefined;
  let pki = o.pki;
  if (!pki) {
    tmp = mkdtempSync(join(tmpdir(), 'spimekit-rawpeer-'));
    pki = makeTestPki(tmp, domain);
  }
  const context: SecureContext = createSecureContext({ cert: readFileSync(pki.certPath), key: readFileSync(pki.keyPath) });
  const results: Array<Promise<void>> = [];
  const resultWaiters: Array<() => void> = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    const session = makeSession(raw, results.length, context);
    const outcome = (async () => {
      if (o.tls === 'direct') await session.startTls();
      await script(session);
    })();
    outcome.catch(() => {}); // reported through result()
    results.push(outcome);
    resultWaiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });

  return {
    port: (server.address() as import('node:net').AddressInfo).port,
    domain,
    caPem: pki.caPem,
    caPath: pki.caPath,
    get connectionCount() { return results.length; },
    async result(index = 0) {
      while (results.length <= index) await new Promise<void>((r) => resultWaiters.push(r));
      return results[index];
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
        resolve();
      }));
    },
  };
}

function makeSession(raw: Socket, index: number, context: SecureContext): RawPeerSession {
  let sock: Socket = raw;
  let text = '';
  let cursor = 0;
  let isClosed = false;
  let secure = false;
  const wake: Array<() => void> = [];
  const notify = () => wake.splice(0).forEach((w) => w());
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const onData = (d: Buffer) => { text += decoder.decode(d, { stream: true }); notify(); };
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  const attach = (s: Socket) => {
    s.on('data', onData);
    s.on('error', () => {});
    s.on('close', () => { isClosed = true; resolveClosed(); notify(); });
  };
  attach(raw);

  return {
    index,
    get secure() { return secure; },
    closed,
    send(data) {
      return new Promise((resolve, reject) => {
        if (isClosed) { reject(new Error('raw peer: connection closed')); return; }
        sock.write(data, (err) => (err ? reject(err) : resolve()));
      });
    },
    async expect(what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rest = text.slice(cursor);
        if (typeof what === 'string') {
          const i = rest.indexOf(what);
          if (i >= 0) { cursor += i + what.length; return rest.slice(0, i + what.length); }
        } else {
          const m = what.exec(rest);
          if (m) { cursor += m.index + m[0].length; return rest.slice(0, m.index + m[0].length); }
        }
        if (isClosed) throw new Error(`raw peer: closed while expecting ${what}; got ${JSON.stringify(rest)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`raw peer: timeout expecting ${what}; got ${JSON.stringify(rest)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          wake.push(() => { clearTimeout(t); r(); });
        });
      }
    },
    startTls() {
      raw.removeListener('data', onData);
      const tlsSock = new TLSSocket(raw, { isServer: true, secureContext: context });
      sock = tlsSock;
      attach(tlsSock);
      return new Promise((resolve, reject) => {
        tlsSock.once('secure', () => { secure = true; resolve(); });
        tlsSock.once('error', reject);
        tlsSock.once('close', () => reject(new Error('raw peer: closed during TLS handshake')));
      });
    },
    received: () => text,
    end(data) { if (data !== undefined) sock.end(data); else sock.end(); },
    destroy() { sock.destroy(); },
  };
}

/** Building blocks for scripts: well-formed pieces and hostile payloads. */
export const xmpp = {
  streamHeader: (from = 'spimekit.test', id = 'raw-peer-stream') =>
    `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='${from}' id='${id}' version='1.0' xml:lang='en'>`,
  features: (inner: string) => `<stream:features>${inner}</stream:features>`,
  starttlsRequired: `<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>`,
  proceed: `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`,
  mechanisms: (...names: string[]) => `<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`,
  streamError: (condition: string) => `<stream:error><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
  close: '</stream:stream>',
};

export const hostile = {
  /** A stream that offers SASL PLAIN in the clear and no STARTTLS: a downgrade (RFC 6120 §5.3.1). */
  noStarttls: () => xmpp.streamHeader() + xmpp.features(xmpp.mechanisms('PLAIN', 'SCRAM-SHA-1')),
  /** Not well-formed: mismatched end tag. */
  malformed: `<message><body>unclosed</message>`,
  /** Elements nested `depth` deep inside one stanza. */
  deepNesting: (depth: number) => `<message>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</message>`,
  /** One stanza of about `bytes` bytes (a body of 'x'). */
  hugeStanza: (bytes: number) => `<message><body>${'x'.repeat(Math.max(0, bytes - 32))}</body></message>`,
  /** A DTD: forbidden in XMPP (RFC 6120 §11.1). */
  dtd: `<!DOCTYPE message [<!ENTITY x "y">]>`,
  /** Entity expansion ("billion laughs"): a parser that expands it explodes. */
  billionLaughs: `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><message><body>&lol9;</body></message>`,
  /** Comments and processing instructions: forbidden after the header (RFC 6120 §11.1). */
  comment: `<!-- hi -->`,
  processingInstruction: `<?evil data?>`,
  /** An element with `n` attributes. */
  manyAttributes: (n: number) => `<message ${Array.from({ length: n }, (_, i) => `a${i}='v'`).join(' ')}/>`,
  /** Bytes that are not UTF-8 inside a body. */
  invalidUtf8: () => Buffer.concat([Buffer.from('<message><body>'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('</body></message>')]),
  /** An undeclared namespace prefix. */
  undeclaredPrefix: `<foo:message/>`,
};
