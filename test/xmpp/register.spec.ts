// XEP-0077 in-band registration (src/xmpp/register.ts), portable, against a scripted server: what
// is written in which order, and that the password is never written before TLS, to a server
// without registration, or when the form asks for more than a username and password. The real
// server path is test/integration/provision.test.ts.
import { registerInBand } from '../../src/xmpp/register.js';
import type { StreamHandler, XmlStream } from '../../src/xmpp/stream.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { flush, ManualClock, NS } from './fakes.js';

const NS_REG = 'jabber:iq:register';

interface Script {
  starttls?: boolean;
  register?: boolean;
  /** Extra required fields in the form. */
  fields?: string[];
  /** The answer to the set: result, or an error condition. */
  setAnswer?: 'result' | string;
  silentAt?: 'form' | 'set';
}

class ScriptedServer implements XmlStream {
  secure = false;
  written: string[] = [];
  passwordWrittenInsecure = false;
  closed = false;
  #h!: StreamHandler;
  constructor(readonly s: Script) {}
  async connect(_o: unknown, h: StreamHandler): Promise<void> { this.#h = h; }
  #deliver(...els: Array<XmlElement | 'start'>) {
    void Promise.resolve().then(() => { for (const e of els) { if (e === 'start') this.#h.streamStart({ version: '1.0', id: 'x' }); else this.#h.element(e); } });
  }
  open(): void {
    this.written.push('open');
    const f = this.secure
      ? xml('features', { xmlns: NS.stream }, xml('mechanisms', { xmlns: NS.sasl }, xml('mechanism', null, 'SCRAM-SHA-1')), this.s.register !== false ? xml('register', { xmlns: 'http://jabber.org/features/iq-register' }) : null)
      : xml('features', { xmlns: NS.stream }, this.s.starttls !== false ? xml('starttls', { xmlns: NS.tls }) : null);
    this.#deliver('start', f);
  }
  send(el: XmlElement): void {
    this.written.push(el.name === 'iq' ? `iq ${el.attr('type')}` : el.name);
    const q = el.getChild('query', NS_REG);
    if (q?.getChild('password') && !this.secure) this.passwordWrittenInsecure = true;
    if (el.name === 'starttls') return this.#deliver(xml('proceed', { xmlns: NS.tls }));
    if (el.name !== 'iq' || !q) return;
    const id = el.attr('id')!;
    if (el.attr('type') === 'get') {
      if (this.s.silentAt === 'form') return;
      this.#deliver(xml('iq', { type: 'result', id }, xml('query', { xmlns: NS_REG }, xml('instructions', null, 'choose'), xml('username'), xml('password'), (this.s.fields ?? []).map((f) => xml(f)))));
    } else {
      if (this.s.silentAt === 'set') return;
      const a = this.s.setAnswer ?? 'result';
      this.#deliver(a === 'result' ? xml('iq', { type: 'result', id })
        : xml('iq', { type: 'error', id }, xml('error', { type: 'cancel' }, xml(a, { xmlns: NS.stanzas }))));
    }
  }
  end(): void { this.written.push('end'); }
  async startTls(): Promise<void> { this.written.push('tls'); this.secure = true; }
  close(): void { this.closed = true; }
}

async function register(s: Script, clock = new ManualClock()) {
  const server = new ScriptedServer(s);
  const done = registerInBand({ createStream: () => server, clock, domain: 'example.org', host: '127.0.0.1', port: 5222, username: 'spime-7', password: 'secret', timeoutMs: 5000 });
  const outcome = done.then(() => 'registered', (e: { condition?: string }) => e.condition ?? String(e));
  return { server, outcome, clock };
}

describe('registerInBand (XEP-0077)', () => {
  test('STARTTLS, then the form, then username and password; the stream is ended and closed', async () => {
    const { server, outcome } = await register({});
    expect(await outcome).toBe('registered');
    expect(server.written).toEqual(['open', 'starttls', 'tls', 'open', 'iq get', 'iq set', 'end']);
    expect(server.passwordWrittenInsecure).toBe(false);
    expect(server.closed).toBe(true);
  });
  test('no STARTTLS offered: tls-required, nothing but the header and <starttls/> written', async () => {
    const { server, outcome } = await register({ starttls: false });
    expect(await outcome).toBe('tls-required');
    expect(server.written.filter((w) => w.startsWith('iq'))).toEqual([]);
    expect(server.closed).toBe(true);
  });
  test('no registration feature: registration-unavailable, no iq written', async () => {
    const { server, outcome } = await register({ register: false });
    expect(await outcome).toBe('registration-unavailable');
    expect(server.written.filter((w) => w.startsWith('iq'))).toEqual([]);
  });
  test('a form asking for more (email): not-acceptable, the password never sent', async () => {
    const { server, outcome } = await register({ fields: ['email'] });
    expect(await outcome).toBe('not-acceptable');
    expect(server.written).not.toContain('iq set');
  });
  test('the name taken: conflict', async () => {
    const { outcome } = await register({ setAnswer: 'conflict' });
    expect(await outcome).toBe('conflict');
  });
  test('a server silent after the set: a timeout at the deadline, the stream closed', async () => {
    const { server, outcome, clock } = await register({ silentAt: 'set' });
    await flush();
    let settled = false;
    void outcome.then(() => { settled = true; });
    await clock.advance(4999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await outcome).toBe('connection-timeout');
    expect(server.closed).toBe(true);
  });
});
