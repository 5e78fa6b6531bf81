// One report = one OpenSpime container: the entries of a batch in one <data/>, encrypted to the
// ScopeNode and signed (PROTOCOL.md §4.3): one RSA signature and one key wrap per report. The
// spime's drop count rides along as data/@dropped (PROTOCOL.md §9.1).
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { canonicalize } from '../openspime/canonical.js';
import { buildData, buildEntry, type DataEntry } from '../openspime/data.js';
import { KeyDirectory, type IqSender } from '../openspime/pubkeys.js';
import { seal } from '../openspime/seal.js';
import { remoteCondition } from '../roles/scopenode.js';
import { xml, type XmlElement } from '../xml/element.js';

export interface ReportSender {
  /** Resolves when the ScopeNode answered result; rejects with an error carrying `condition`. */
  send(entries: readonly DataEntry[], dropped: number): Promise<void>;
}

export interface SealedReportSenderOptions {
  client: IqSender & { readonly jid: string };
  crypto: Crypto;
  key: RsaPrivateKey;
  cert: string;
  scopeNode: string;
  scopeNodeCert: string;
  now: () => number;
  /** Last chance to change the sealed stanza before it is sent (tests). */
  beforeSend?: (iq: XmlElement) => void;
}

export class SealedReportSender implements ReportSender {
  readonly keys: KeyDirectory;
  readonly #o: SealedReportSenderOptions;

  constructor(o: SealedReportSenderOptions) {
    this.#o = o;
    this.keys = new KeyDirectory({ iq: o.client, certServices: [o.scopeNodeCert], now: o.now });
  }

  async send(entries: readonly DataEntry[], dropped: number): Promise<void> {
    const o = this.#o;
    const [recipient] = await this.keys.lookup(o.scopeNodeCert, o.scopeNode);
    const iq = xml('iq', { type: 'set', to: o.scopeNode }, seal(reportData(entries, dropped), { crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key, encryptTo: recipient }));
    o.beforeSend?.(iq);
    try {
      await o.client.request(iq);
    } catch (e) {
      throw remoteCondition(e) ?? e;
    }
  }
}

export function reportData(entries: readonly DataEntry[], dropped: number): XmlElement {
  const data = buildData(entries);
  if (dropped > 0) data.attrs.dropped = String(dropped);
  return data;
}

/** Bytes of the sealed report stanza around the entries: iq, container, RSA-2048 signature and
 *  wrapped key in base64, IV and tag, JIDs (measured: ~1.3 KB; rounded up). */
export const REPORT_OVERHEAD_BYTES = 1600;

/** Canonical bytes one entry adds to the <data/> plaintext. */
export function entryBytes(e: DataEntry): number {
  return canonicalize(buildEntry(e)).length;
}

/** The sealed stanza's size for plaintext entries of `plainBytes` in total (base64 of the ciphertext). */
export function predictedReportBytes(plainBytes: number): number {
  return REPORT_OVERHEAD_BYTES + Math.ceil((plainBytes + 100 + 28) / 3) * 4;
}
