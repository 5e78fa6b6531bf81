// xmpp.js (@xmpp/client 0.14) as the reference client the harness is proven with, trusting the
// per-run test CA. xmpp.js takes no TLS options (STARTTLS upgrades with `{host: domain}` only), so
// we wrap the one class both of its TLS paths construct (@xmpp/tls/lib/Socket.js) to add `ca`:
// verification stays on, the trust is limited to xmpp.js sockets in this process, and only CAs
// whose keys live in a test's temp dir are added.
// @ts-expect-error xmpp.js 0.14 ships no type declarations
import { client as xmppClient, xml as xmppXml } from '@xmpp/client';
// @ts-expect-error no type declarations
import XmppTlsSocket from '@xmpp/tls/lib/Socket.js';
import type { TestServer } from '../../tools/servers/server.js';

/** The subset of an xmpp.js element the tests use. */
export interface XjsElement {
  name: string;
  attrs: Record<string, string>;
  children: Array<XjsElement | string>;
  getChild(name: string, ns?: string): XjsElement | undefined;
  getChildren(name: string, ns?: string): XjsElement[];
  getChildText(name: string, ns?: string): string | null;
  is(name: string, ns?: string): boolean;
  text(): string;
  toString(): string;
}

/** The subset of an xmpp.js client the tests use. */
export interface XjsClient {
  start(): Promise<{ toString(): string }>;
  stop(): Promise<void>;
  send(el: XjsElement): Promise<void>;
  on(event: string, handler: (...args: any[]) => void): void;
  jid: { toString(): string } | null;
  status: string;
  iqCaller: { request(el: XjsElement, timeout?: number): Promise<XjsElement> };
  reconnect: { stop(): void; delay: number };
  streamManagement: { id: string | null; enabled: boolean; outbound: number; inbound: number };
  socket: unknown;
}

export const xml: (name: string, attrs?: Record<string, string | undefined> | null, ...children: Array<XjsElement | string>) => XjsElement = xmppXml;

const trusted = new Set<string>();

export function trustCaForXmppjs(caPem: string): void {
  if (trusted.size === 0) {
    const proto = XmppTlsSocket.prototype as { connect(...args: unknown[]): void };
    const connect = proto.connect;
    proto.connect = function (this: unknown, options: object, ...rest: unknown[]) {
      return connect.call(this, { ...options, ca: [...trusted] }, ...rest);
    };
  }
  trusted.add(caPem);
}

export interface XmppjsOptions {
  server: Pick<TestServer, 'host' | 'c2sPort' | 'directTlsPort' | 'caPem'>;
  username: string;
  password: string;
  resource?: string;
  /** STARTTLS on the c2s port (default) or XEP-0368 direct TLS. */
  transport?: 'starttls' | 'directtls';
  /** Connect here instead of the server's port (e.g. a delay proxy in front of it). */
  port?: number;
  /** Keep xmpp.js's automatic reconnect (off by default: a failed test should fail, not retry). */
  reconnect?: boolean;
}

const NS_STREAMS = 'http://etherx.jabber.org/streams';
const NS_SM = 'urn:xmpp:sm:3';

/**
 * xmpp.js 0.14 resolves start() at resource binding and only then sends XEP-0198 <enable/>.
 * It zeroes its inbound counter when it has processed <enabled/>, which is a few microtasks after
 * the read that carried it; and it never counts iq results. So if the server writes <enabled/>,
 * a stanza and <r/> in one batch (another client sent to this one the moment start() resolved),
 * xmpp.js acks h=1, resets, later acks h=0, and Prosody ends the stream ("Client acknowledged
 * less stanzas than already acknowledged"). Resolving start() once <enabled/> (or <failed/>) has
 * been processed puts every test's first stanza to this client after the reset.
 */
function resolveStartWhenSmSettled(c: any, deadlineMs = 10_000): void {
  let offered = false;
  let refused = false;
  c.on('nonza', (el: XjsElement) => {
    if (el.is('features', NS_STREAMS)) { offered = el.getChild('sm', NS_SM) !== undefined; refused = false; }
    else if (el.is('failed', NS_SM)) refused = true;
  });
  const start = c.start.bind(c);
  c.start = async () => {
    const jid = await start();
    const deadline = Date.now() + deadlineMs;
    while (offered && !c.streamManagement.enabled && !refused) {
      if (c.status !== 'online') throw new Error(`xmpp.js went ${c.status} before stream management was enabled`);
      if (Date.now() > deadline) throw new Error(`xmpp.js: no answer to <enable/> within ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return jid;
  };
}

/**
 * xmpp.js 0.14's iqCaller.request() attaches its handler to the reply's promise only after
 * send() resolves, i.e. after the socket's write callback. A reply read before that callback (an
 * error reply from an in-process component, on loopback) rejects a promise nobody handles yet:
 * Node reports an unhandled rejection, which fails the test although request() then rejects as
 * it should. Mark each pending reply handled as it is registered; callers still get the rejection.
 */
function handleEarlyIqReplies(c: any): void {
  const handlers: Map<string, { promise: Promise<unknown> }> = c.iqCaller.handlers;
  const set = handlers.set.bind(handlers);
  handlers.set = (id, deferred) => { deferred.promise.catch(() => {}); return set(id, deferred); };
}

export function makeXmppjsClient(o: XmppjsOptions): XjsClient {
  trustCaForXmppjs(o.server.caPem);
  const direct = o.transport === 'directtls';
  const port = o.port ?? (direct ? o.server.directTlsPort : o.server.c2sPort);
  const c = xmppClient({
    service: `${direct ? 'xmpps' : 'xmpp'}://127.0.0.1:${port}`,
    domain: o.server.host,
    username: o.username,
    password: o.password,
    resource: o.resource,
    // xmpp.js waits 2 s by default for each stream open/close; a loaded shared test machine took
    // longer to answer the post-STARTTLS stream header (TimeoutError in Client.open).
    timeout: 10_000,
  });
  // Direct TLS: xmpp.js connects to the service host (an IP here) and so sends no SNI and checks
  // the certificate against 127.0.0.1. XEP-0368 §3 wants SNI and the check on the XMPP domain.
  const domain = o.server.host;
  c.transports = c.transports.map((T: any) => T.prototype.Socket !== XmppTlsSocket ? T : class extends T {
    socketParameters(service: string) {
      const p = super.socketParameters(service);
      return p && { ...p, servername: domain };
    }
  });
  resolveStartWhenSmSettled(c);
  handleEarlyIqReplies(c);
  if (!o.reconnect) c.reconnect.stop();
  // An unhandled 'error' event would crash the jest worker; failures surface through start().
  c.on('error', () => {});
  return c as XjsClient;
}
