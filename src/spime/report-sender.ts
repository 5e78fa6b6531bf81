// One report = one OpenSpime container: the entries of a batch in one <data/>, encrypted to the
// ScopeNode and signed (PROTOCOL.md §4.3): one RSA signature and one key wrap per report. The
// spime's drop count rides along as data/@dropped (PROTOCOL.md §9.1).
import { canonicalize } from '../openspime/canonical.js';
import { buildEntry, type DataEntry } from '../openspime/data.js';
import { SpimeReporter, type SpimeOptions } from '../roles/spime.js';

export interface ReportSender {
  /** Resolves when the ScopeNode answered result; rejects with an error carrying `condition`. */
  send(entries: readonly DataEntry[], dropped: number, queued?: number): Promise<void>;
}

export type SealedReportSenderOptions = SpimeOptions;

/** The spime role's reporter, seen through the application's ReportSender interface. */
export class SealedReportSender extends SpimeReporter implements ReportSender {
  send(entries: readonly DataEntry[], dropped: number, queued?: number): Promise<void> {
    return this.report(entries, dropped, queued);
  }
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
