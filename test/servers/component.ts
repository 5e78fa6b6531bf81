// XEP-0114 (Jabber Component Protocol) client for tests and the key service: connects to a server's
// component port, authenticates with <handshake>hex(SHA-1(stream id + secret))</handshake> (§3),
// then exchanges stanzas in the jabber:component:accept namespace.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { El, StreamReader, escapeXml } from './xml-stream.js';

export interface ComponentOptions {
  port: number;
  /** The component's domain, e.g. keys.spimekit.test. */
  domain: string;
  secret: string;
  host?: string;
  timeoutMs?: number;
}

export interface Component {
  readonly domain: string;
  /** Send raw XML (one or more stanzas). */
  send(xml: string): void;
  /** Called for every stanza received after the handshake. */
  onStanza(handler: (stanza: El) => void): void;
  /** Answer every iq get/set for which `handler` returns a payload string (or '' for an empty result). */
  onIq(handler: (iq: El) => string | undefined): void;
  /** Resolves with the next stanza matching `pred`. */
  next(pred?: (stanza: El) => boolean, timeoutMs?: number): Promise<El>;
  close(): Promise<void>;
}

export function connectComponent(o: ComponentOptions): Promise<Component> {
  const socket: Socket = connect(o.port, o.host ?? '127.0.0.1');
  const handlers: Array<(s: El) => void> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`component ${o.domain}: no handshake within ${o.timeoutMs ?? 5000} ms`)), o.timeoutMs ?? 5000);
    let ready = false;
    const fail = (err: Error) => { clearTimeout(timer); socket.destroy(); if (!ready) reject(err); };
    const reader = new StreamReader({
      open(attrs) {
        const id = attrs.id ?? '';
        const digest = createHash('sha1').update(id + o.secret).digest('hex');
        socket.write(`<handshake>${digest}</handshake>`);
      },
      element(el) {
        if (!ready) {
          if (el.name === 'handshake') { ready = true; clearTimeout(timer); resolve(component); return; }
          fail(new Error(`component ${o.domain}: handshake refused: ${el.toString()}`));
          return;
        }
        for (const h of handlers) h(el);
      },
      close() { socket.end(); },
      error(err) { fail(err); },
    });
    socket.on('data', (d) => reader.write(d));
    socket.on('error', (e) => fail(e));
    socket.on('connect', () => socket.write(
      `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${escapeXml(o.domain)}'>`));

    const component: Component = {
      domain: o.domain,
      send: (xml) => { socket.write(xml); },
      onStanza: (h) => { handlers.push(h); },
      onIq(handler) {
        handlers.push((s) => {
          const type = s.attrs.type;
          if (s.name !== 'iq' || (type !== 'get' && type !== 'set')) return;
          const payload = handler(s);
          const head = `<iq type='result' id='${escapeXml(s.attrs.id ?? '')}' from='${escapeXml(s.attrs.to ?? o.domain)}' to='${escapeXml(s.attrs.from ?? '')}'`;
          socket.write(payload === undefined
            ? `${head.replace("type='result'", "type='error'")}><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`
            : payload === '' ? `${head}/>` : `${head}>${payload}</iq>`);
        });
      },
      next(pred = () => true, timeoutMs = 5000) {
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error(`component ${o.domain}: no matching stanza within ${timeoutMs} ms`)), timeoutMs);
          const h = (s: El) => {
            if (!pred(s)) return;
            clearTimeout(t);
            handlers.splice(handlers.indexOf(h), 1);
            res(s);
          };
          handlers.push(h);
        });
      },
      close() {
        return new Promise((res) => {
          if (socket.destroyed) { res(); return; }
          socket.once('close', () => res());
          socket.end('</stream:stream>');
          setTimeout(() => socket.destroy(), 1000).unref();
        });
      },
    };
  });
}
