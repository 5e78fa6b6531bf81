// SpimeSeek on the spime's side (v0.9 §1.2.0; docs/PROTOCOL.md §7.2, §7.3): the spime publishes
// a signed request about itself to the PubSub node and takes the ScopeNode's answer, a
// `<message/>` carrying a signed (and, when asked, encrypted) `<spimeseek><response/>`. The answer
// is believed only after its container opens: an allow-listed certification service vouches for
// its signer, and it answers this request's id. Answering is the ScopeNode's (not here).
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { toHex } from '../bytes/bytes.js';
import { formatDateTime } from '../openspime/datetime.js';
import { OpenSpimeError } from '../openspime/errors.js';
import { NS_CORE, NS_PUBSUB } from '../openspime/namespaces.js';
import { openContainer } from '../openspime/open.js';
import { KeyDirectory } from '../openspime/pubkeys.js';
import { seal } from '../openspime/seal.js';
import { buildSeekRequest, MAX_SEEK_LIFETIME_MS, parseSeekResponse, type SeekResponse } from '../openspime/spimeseek.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { Client } from '../xmpp/client.js';
import type { Clock } from '../xmpp/clock.js';

export interface SpimeSeekerOptions {
  client: Client;
  crypto: Crypto;
  /** Our key: signs requests, decrypts encrypted answers. `cert` publishes its public half. */
  key: RsaPrivateKey;
  cert: string;
  /** Certification services trusted for the answering ScopeNodes' keys. */
  certServices: readonly string[];
  /** The PubSub service and node (default `spimeseek`) the requests go to. */
  pubsub: string;
  node?: string;
  now: () => number;
  /** Timers (the host's): the wait for an answer. */
  timers: Clock;
}

export interface SeekOptions {
  /** Ask for the answer encrypted to our key (encrequired). Default true. */
  encrypted?: boolean;
  /** The request's lifetime (≤ 24 h, §7.2); also how long an answer is waited for. Default 60 s. */
  lifetimeMs?: number;
}

export interface SeekAnswer extends SeekResponse {
  /** Who answered (the verified osid) and whether it came encrypted. */
  from: string;
  encrypted: boolean;
}

export class SpimeSeeker {
  readonly keys: KeyDirectory;
  readonly #o: SpimeSeekerOptions;

  constructor(o: SpimeSeekerOptions) {
    this.#o = o;
    this.keys = new KeyDirectory({ iq: o.client, certServices: o.certServices, now: o.now });
  }

  /**
   * Publishes a request about ourselves and resolves with the first verified answer to it; rejects
   * with `request-expired` when none came within the lifetime, or with the publish's error.
   */
  async seek(s: SeekOptions = {}): Promise<SeekAnswer> {
    const o = this.#o;
    const lifetime = Math.min(s.lifetimeMs ?? 60_000, MAX_SEEK_LIFETIME_MS);
    const id = toHex(o.crypto.randomBytes(8));
    const request = buildSeekRequest({ id, spimeid: o.client.jid, expdate: formatDateTime(o.now() + lifetime + 999), encrequired: s.encrypted ?? true });
    const sealed = seal(request, { crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key });
    let off: () => void = () => {};
    let timer: unknown;
    const answer = new Promise<SeekAnswer>((resolve, reject) => {
      timer = o.timers.setTimeout(() => reject(new OpenSpimeError('request-expired', `no answer to ${id} within ${lifetime} ms`)), lifetime);
      off = o.client.on('stanza', (el) => {
        const container = el.name === 'message' ? el.getChild('openspime', NS_CORE) : undefined;
        if (!container) return;
        // Forged or foreign answers are dropped, not fatal: the right one may still come.
        void this.#open(container, el.attr('from') ?? '', id).then((a) => { if (a) resolve(a); }, () => undefined);
      });
    });
    try {
      await o.client.request(xml('iq', { type: 'set', to: o.pubsub }, xml('pubsub', { xmlns: NS_PUBSUB },
        xml('publish', { node: o.node ?? 'spimeseek' }, xml('item', { id }, sealed)))));
      return await answer;
    } finally {
      off();
      if (timer !== undefined) o.timers.clearTimeout(timer);
      answer.catch(() => undefined);
    }
  }

  async #open(container: XmlElement, from: string, id: string): Promise<SeekAnswer | undefined> {
    const o = this.#o;
    const opened = await openContainer(container, from, { crypto: o.crypto, keys: this.keys, now: o.now, decryptionKey: o.key }, { direct: true });
    if (!opened.signed) return undefined;
    const r = parseSeekResponse(opened.payload);
    return r.id === id ? { ...r, from: opened.osid, encrypted: opened.encrypted } : undefined;
  }
}
