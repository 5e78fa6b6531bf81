// XEP-0077 in-band registration of a new account, before any login: connect, STARTTLS (required,
// as for a login: the password must never cross in clear), ask for the registration form, and
// set username and password. What `spimekit provision --register inband` does on a server that
// allows it (Prosody `allow_registration`, ejabberd mod_register with an access rule).
// Every wait has a deadline (the reader's per step, withDeadline for connect and TLS).
import { xml, type XmlElement } from '../xml/element.js';
import type { Clock } from './clock.js';
import { withDeadline } from './deadline.js';
import { ConnectionError, StanzaError } from './errors.js';
import { StreamReader } from './reader.js';
import { awaitProceed, starttlsElement } from './starttls.js';
import type { XmlStream } from './stream.js';

export const NS_REGISTER = 'jabber:iq:register';
const NS_REGISTER_FEATURE = 'http://jabber.org/features/iq-register';

export interface InBandRegistration {
  createStream: () => XmlStream;
  clock: Clock;
  /** The XMPP domain the account is created on (stream `to`, and the certificate's name). */
  domain: string;
  host: string;
  port: number;
  username: string;
  password: string;
  /** Per step, ms; default 15000. */
  timeoutMs?: number;
}

/** Resolves once the server created the account; a refusal is a StanzaError (`conflict`: the
 *  name is taken, `not-allowed`: registration closed), a server without registration a
 *  ConnectionError `registration-unavailable`. */
export async function registerInBand(o: InBandRegistration): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 15000;
  const stream = o.createStream();
  const reader = new StreamReader(o.clock, timeoutMs);
  const open = () => stream.open({ to: o.domain, 'xml:lang': 'en' });
  const features = async () => { await reader.header(); return reader.features(); };
  const iq = async (id: string, type: 'get' | 'set', children: XmlElement[]): Promise<XmlElement> => {
    stream.send(xml('iq', { type, id }, xml('query', { xmlns: NS_REGISTER }, children)));
    const answer = await reader.find('register', (el) => el.name === 'iq' && el.attr('id') === id);
    if (answer.attr('type') !== 'result') throw StanzaError.fromElement(answer);
    return answer;
  };
  try {
    await withDeadline(o.clock, timeoutMs, 'connect', stream.connect({
      host: o.host, port: o.port, directTls: false, servername: o.domain, connectTimeoutMs: timeoutMs, tlsTimeoutMs: timeoutMs,
    }, {
      streamStart: (attrs) => reader.push({ kind: 'start', attrs }),
      element: (el) => reader.push({ kind: 'element', el }),
      streamEnd: () => reader.fail(new ConnectionError('socket-closed', 'server closed the stream')),
      close: (error) => reader.fail(error ?? new ConnectionError('socket-closed', 'connection closed')),
    }));
    open();
    stream.send(starttlsElement());
    await awaitProceed(reader, await features());
    await withDeadline(o.clock, timeoutMs, 'tls', stream.startTls());
    if (!stream.secure) throw new ConnectionError('tls-required', 'transport is not encrypted');
    open();
    if (!(await features()).getChild('register', NS_REGISTER_FEATURE)) {
      throw new ConnectionError('registration-unavailable', `${o.domain} does not offer in-band registration (XEP-0077)`);
    }
    // §3.1: the form says which fields are required; only username and password are ours to give
    const form = (await iq('reg-form', 'get', [])).getChild('query', NS_REGISTER);
    if (form?.getChild('registered', NS_REGISTER)) throw new StanzaError('conflict', 'cancel', 'already registered');
    const extra = (form?.children ?? []).filter((c): c is XmlElement => typeof c !== 'string'
      && c.ns === NS_REGISTER && !['username', 'password', 'instructions', 'x'].includes(c.name));
    if (extra.length) throw new StanzaError('not-acceptable', 'modify', `the server also asks for ${extra.map((c) => c.name).join(', ')}`);
    await iq('reg-set', 'set', [xml('username', null, o.username), xml('password', null, o.password)]);
    stream.end();
  } finally {
    stream.close();
  }
}
