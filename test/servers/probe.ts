// Reads a server's stream features without a full client: the plaintext features on the c2s port,
// the features after STARTTLS, or those after direct TLS. Lets tests pin what a server offers
// (STARTTLS required, which SASL mechanisms, XEP-0198) independently of any client library.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { El, StreamReader } from './xml-stream.js';
import type { TestServer } from '../../tools/servers/server.js';

const header = (to: string) =>
  `<?xml version='1.0'?><stream:stream to='${to}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;

function readFeatures(sock: Socket | TLSSocket, to: string): Promise<El> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => done(new Error('no <stream:features> within 5 s')), 5000);
    const onData = (d: Buffer) => reader.write(d);
    const done = (err: Error | null, el?: El) => {
      clearTimeout(t);
      sock.off('data', onData);
      if (err) reject(err); else resolve(el as El);
    };
    const reader = new StreamReader({
      element: (el) => { if (el.name === 'features') done(null, el); else done(new Error(`expected features, got ${el}`)); },
      error: (e) => done(e),
    });
    sock.on('data', onData);
    sock.once('error', (e) => done(e));
    sock.write(header(to));
  });
}

export interface Features {
  features: El;
  /** SASL mechanism names offered. */
  mechanisms: string[];
  /** The TLS version negotiated, if any. */
  tlsVersion?: string;
}

const mechanismsOf = (f: El) =>
  f.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')?.getChildren('mechanism').map((m) => m.text()) ?? [];

export async function probeFeatures(server: Pick<TestServer, 'host' | 'c2sPort' | 'directTlsPort' | 'caPem'>, mode: 'plain' | 'starttls' | 'directtls', port?: number): Promise<Features> {
  const to = server.host;
  let sock: Socket | TLSSocket;
  if (mode === 'directtls') {
    sock = tlsConnect({ host: '127.0.0.1', port: port ?? server.directTlsPort, servername: to, ca: [server.caPem] });
    await new Promise<void>((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); });
  } else {
    sock = netConnect(port ?? server.c2sPort, '127.0.0.1');
    await new Promise<void>((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  }
  try {
    let features = await readFeatures(sock, to);
    if (mode === 'starttls') {
      sock.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
      await new Promise<void>((res, rej) => {
        const onData = (d: Buffer) => { if (d.toString().includes('<proceed')) { sock.off('data', onData); res(); } };
        sock.on('data', onData);
        sock.once('error', rej);
      });
      const plain = sock;
      sock = tlsConnect({ socket: plain as Socket, servername: to, ca: [server.caPem] });
      await new Promise<void>((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); });
      features = await readFeatures(sock, to);
    }
    const tlsVersion = 'getProtocol' in sock ? (sock as TLSSocket).getProtocol() ?? undefined : undefined;
    return { features, mechanisms: mechanismsOf(features), tlsVersion };
  } finally {
    sock.destroy();
  }
}
