// The owner's side of the claim extension (docs/PROTOCOL.md §6.4–6.6): claim a spime with the
// secret on its label, release it, hand it to another JID. Requests are signed OpenSpime
// containers (the owner's key, published by its certification service); the spime's answers
// are opened and their signatures verified with the spime's key before anything is believed.
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { base64Encode } from '../bytes/base64.js';
import { buildClaimRequest, buildHandover, buildRelease, parseClaim } from '../openspime/claim.js';
import { makeClaimProof } from '../openspime/claim-proof.js';
import { formatPreciseDateTime } from '../openspime/datetime.js';
import { OpenSpimeError } from '../openspime/errors.js';
import { bareJid, sameJid } from '../openspime/jid.js';
import { NS_CORE } from '../openspime/namespaces.js';
import { openContainer } from '../openspime/open.js';
import { KeyDirectory, type IqSender } from '../openspime/pubkeys.js';
import { seal, type SealOptions } from '../openspime/seal.js';
import { xml, type XmlElement } from '../xml/element.js';
import { remoteCondition } from './scopenode.js';

export interface OwnerOptions {
  client: IqSender & { readonly jid: string };
  crypto: Crypto;
  /** The owner's signing key; `cert` publishes its public half. */
  key: RsaPrivateKey;
  cert: string;
  /** Certification services trusted to publish spimes' keys (to verify their answers). */
  certServices: string[];
  now: () => number;
  /** Last chance to change a request before it is sent (tests replay and tamper here). */
  beforeSend?: (iq: XmlElement) => void;
}

export interface ClaimResult {
  /** The claim key (bytes) the spime issued, authorizing `authorizes`. */
  claimkey: Uint8Array;
  authorizes: string;
}

export class Owner {
  readonly keys: KeyDirectory;
  readonly #o: OwnerOptions;

  constructor(o: OwnerOptions) {
    this.#o = o;
    this.keys = new KeyDirectory({ iq: o.client, certServices: o.certServices, now: o.now });
  }

  /** The signed claim iq (exposed for tests that replay or alter it). */
  claimIq(spime: string, secret?: string): XmlElement {
    const o = this.#o;
    const proof = secret === undefined ? undefined : makeClaimProof(o.crypto, secret, spime, bareJid(o.client.jid), formatPreciseDateTime(o.now()));
    return this.#iq(spime, buildClaimRequest(bareJid(spime), proof));
  }

  releaseIq(spime: string): XmlElement {
    return this.#iq(spime, buildRelease(formatPreciseDateTime(this.#o.now()), this.#nonce()));
  }

  handoverIq(spime: string, to: string): XmlElement {
    return this.#iq(spime, buildHandover(bareJid(to), formatPreciseDateTime(this.#o.now()), this.#nonce()));
  }

  /** Claims `spime` (its label's `secret`; the owner claiming again needs none): the claim key. */
  async claim(spime: string, secret?: string): Promise<ClaimResult> {
    const msg = await this.send(spime, this.claimIq(spime, secret));
    if (msg.kind !== 'response') throw new OpenSpimeError('bad-format', 'the spime did not answer with a claim response');
    if (!sameJid(msg.authorizes, bareJid(this.#o.client.jid))) throw new OpenSpimeError('claimkey-not-authorized', `the claim key authorizes ${msg.authorizes}`);
    return { claimkey: msg.claimkey, authorizes: msg.authorizes };
  }

  /** Releases `spime`: resolves with its owner afterwards (undefined). */
  async release(spime: string): Promise<string | undefined> {
    const msg = await this.send(spime, this.releaseIq(spime));
    if (msg.kind !== 'owner') throw new OpenSpimeError('bad-format', 'the spime did not answer with its owner');
    return msg.jid;
  }

  /** Hands `spime` to `to`: resolves with its owner afterwards (`to`). */
  async handover(spime: string, to: string): Promise<string | undefined> {
    const msg = await this.send(spime, this.handoverIq(spime, to));
    if (msg.kind !== 'owner') throw new OpenSpimeError('bad-format', 'the spime did not answer with its owner');
    return msg.jid;
  }

  /** Sends a prepared request iq; the spime's signed answer, parsed, or its condition thrown. */
  async send(spime: string, iq: XmlElement): Promise<ReturnType<typeof parseClaim>> {
    const o = this.#o;
    o.beforeSend?.(iq);
    let result: XmlElement;
    try {
      result = await o.client.request(iq);
    } catch (e) {
      throw remoteCondition(e) ?? e;
    }
    const container = result.getChild('openspime', NS_CORE);
    if (!container) throw new OpenSpimeError('not-signed', 'the spime answered without a signed container');
    const opened = await openContainer(container, result.attr('from') ?? spime, { crypto: o.crypto, keys: this.keys, now: o.now }, { direct: true });
    if (!sameJid(bareJid(opened.osid), bareJid(spime))) throw new OpenSpimeError('osid-mismatch', `answer signed by ${opened.osid}, not ${spime}`);
    return parseClaim(opened.payload);
  }

  #iq(to: string, payload: XmlElement): XmlElement {
    const o = this.#o;
    const so: SealOptions = { crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key };
    return xml('iq', { type: 'set', to }, seal(payload, so));
  }

  #nonce(): string { return base64Encode(this.#o.crypto.randomBytes(16)); }
}
