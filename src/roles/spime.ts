// The spime role on the XMPP client (OpenSpime v0.9 §1.0.1; docs/PROTOCOL.md §4.3): fetch the
// ScopeNode's key from its certification service over XEP-0189, seal each report (encrypted to
// it, signed with our key) and send it as an iq; the ScopeNode's error comes back as an
// OpenSpimeError with the profile's condition.
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import type { DataEntry } from '../openspime/data.js';
import { KeyDirectory, type IqSender } from '../openspime/pubkeys.js';
import { reportIq } from '../openspime/report.js';
import type { XmlElement } from '../xml/element.js';
import { remoteCondition } from './scopenode.js';

export interface SpimeOptions {
  client: IqSender & { readonly jid: string };
  crypto: Crypto;
  /** Our signing key; `cert` publishes its public half. */
  key: RsaPrivateKey;
  cert: string;
  /** Where reports go, and the certification service that publishes its key. */
  scopeNode: string;
  scopeNodeCert: string;
  now: () => number;
  /** Last chance to change the sealed stanza before it is sent (tests tamper with it here). */
  beforeSend?: (iq: XmlElement) => void;
}

export class SpimeReporter {
  #keys: KeyDirectory;
  readonly #o: SpimeOptions;

  constructor(o: SpimeOptions) {
    this.#o = { ...o };
    this.#keys = new KeyDirectory({ iq: o.client, certServices: [o.scopeNodeCert], now: o.now });
  }

  get keys(): KeyDirectory { return this.#keys; }
  get scopeNode(): string { return this.#o.scopeNode; }

  /** Reports go to another ScopeNode from the next one on (configuration, PROTOCOL.md §13.2). */
  retarget(scopeNode: string, scopeNodeCert: string): void {
    if (scopeNode === this.#o.scopeNode && scopeNodeCert === this.#o.scopeNodeCert) return;
    this.#o.scopeNode = scopeNode;
    this.#o.scopeNodeCert = scopeNodeCert;
    this.#keys = new KeyDirectory({ iq: this.#o.client, certServices: [scopeNodeCert], now: this.#o.now });
  }

  /** Resolves when the ScopeNode accepted the report; rejects with its condition otherwise.
   *  `dropped`: entries the spime had to drop so far (travels as data/@dropped, §9.1); `queued`:
   *  entries still waiting in its store after these (data/@queued, §9.2). */
  async report(entries: readonly DataEntry[], dropped = 0, queued?: number): Promise<void> {
    const o = this.#o;
    const [recipient] = await this.#keys.lookup(o.scopeNodeCert, o.scopeNode);
    const iq = reportIq(o.scopeNode, entries, { crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key, encryptTo: recipient }, dropped, queued);
    o.beforeSend?.(iq);
    try {
      await o.client.request(iq);
    } catch (e) {
      throw remoteCondition(e) ?? e;
    }
  }
}
