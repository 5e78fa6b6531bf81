// A minimal SCRAM login (RFC 5802, RFC 7677) over direct TLS, independent of any client under
// test: tells which mechanisms and channel-binding types a server really accepts (e.g. which
// -PLUS binding ejabberd checks on TLS 1.3). Not a client: no bind, no error recovery.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { El, StreamReader } from './xml-stream.js';
import type { TestServer } from '../../tools/servers/server.js';

export type ChannelBinding = 'tls-exporter' | 'tls-server-end-point' | 'tls-unique';

export interface ScramProbe {
  mechanism: string;
  /** Required for -PLUS mechanisms. */
  binding?: ChannelBinding;
  user: string;
  password: string;
  /** Sees the server-first-message (salt, iteration count). */
  onServerFirst?: (message: string) => void;
}

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** 'success', or the SASL failure condition (e.g. 'not-authorized'). */
export async function scramLogin(server: Pick<TestServer, 'host' | 'directTlsPort' | 'caPem'>, p: ScramProbe): Promise<string> {
  const hash = /SHA-512/.test(p.mechanism) ? 'sha512' : /SHA-256/.test(p.mechanism) ? 'sha256' : 'sha1';
  const plus = p.mechanism.endsWith('-PLUS');
  const sock: TLSSocket = tlsConnect({ host: '127.0.0.1', port: server.directTlsPort, servername: server.host, ca: [server.caPem] });
  const queue: El[] = [];
  const waiters: Array<() => void> = [];
  let failure: Error | undefined;
  const reader = new StreamReader({
    element: (el) => { queue.push(el); waiters.splice(0).forEach((w) => w()); },
    error: (e) => { failure = e; waiters.splice(0).forEach((w) => w()); },
  });
  sock.on('data', (d) => reader.write(d));
  sock.on('error', (e) => { failure = e; waiters.splice(0).forEach((w) => w()); });
  const next = async (): Promise<El> => {
    const deadline = Date.now() + 5000;
    while (!queue.length) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error('scram probe: timeout');
      await new Promise<void>((r) => { const t = setTimeout(r, 100); waiters.push(() => { clearTimeout(t); r(); }); });
    }
    return queue.shift() as El;
  };
  try {
    await new Promise<void>((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); });
    sock.write(`<?xml version='1.0'?><stream:stream to='${server.host}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`);
    await next(); // features
    let cbData = Buffer.alloc(0);
    if (plus) {
      if (p.binding === 'tls-exporter') cbData = sock.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)); // RFC 9266
      else if (p.binding === 'tls-unique') cbData = sock.getFinished() ?? Buffer.alloc(0);
      else {
        // RFC 5929 §4.1: hash of the server certificate; SHA-256 for SHA-1/MD5-signed certificates.
        const cert = sock.getPeerCertificate().raw;
        cbData = createHash('sha256').update(cert).digest();
      }
    }
    const gs2 = plus ? `p=${p.binding},,` : 'n,,';
    const nonce = randomBytes(18).toString('base64');
    const clientFirstBare = `n=${p.user},r=${nonce}`;
    sock.write(`<auth xmlns='${NS_SASL}' mechanism='${p.mechanism}'>${Buffer.from(gs2 + clientFirstBare).toString('base64')}</auth>`);
    const challenge = await next();
    if (challenge.name !== 'challenge') return challenge.getChildren()[0]?.name ?? challenge.name;
    const serverFirst = Buffer.from(challenge.text(), 'base64').toString();
    p.onServerFirst?.(serverFirst);
    const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const salted = pbkdf2Sync(p.password, Buffer.from(attrs.s ?? '', 'base64'), Number(attrs.i), { sha1: 20, sha256: 32, sha512: 64 }[hash], hash);
    const clientKey = createHmac(hash, salted).update('Client Key').digest();
    const storedKey = createHash(hash).update(clientKey).digest();
    const finalNoProof = `c=${Buffer.concat([Buffer.from(gs2), cbData]).toString('base64')},r=${attrs.r}`;
    const authMessage = `${clientFirstBare},${serverFirst},${finalNoProof}`;
    const signature = createHmac(hash, storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
    sock.write(`<response xmlns='${NS_SASL}'>${Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`).toString('base64')}</response>`);
    const outcome = await next();
    return outcome.name === 'success' ? 'success' : outcome.getChildren()[0]?.name ?? outcome.name;
  } finally {
    sock.destroy();
  }
}
