// The ScopeNode role on the XMPP client (OpenSpime v0.9 §1.0.1; docs/PROTOCOL.md §4.4, §8): take
// report iqs, fetch each sender's key from an allow-listed certification service over XEP-0189
// (through the same client), verify, decrypt, hand the entries on, answer result or the profile's
// error stanza. Wiring only: the protocol lives in src/openspime, the session in src/xmpp.
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import type { DataEntry } from '../openspime/data.js';
import { conditionOfStanzaError, OpenSpimeError } from '../openspime/errors.js';
import { NS_CORE } from '../openspime/namespaces.js';
import { KeyDirectory, type KeyDirectoryOptions } from '../openspime/pubkeys.js';
import { handleReport, ReportMemory, type ReportInfo } from '../openspime/report.js';
import type { XmlElement } from '../xml/element.js';
import type { Client } from '../xmpp/client.js';
import { StanzaError } from '../xmpp/errors.js';

export interface ScopeNodeOptions {
  client: Client;
  crypto: Crypto;
  /** Our private key: reports are encrypted to its public half. */
  key: RsaPrivateKey;
  /** Certification services whose keys we believe (the allow-list). */
  certServices: readonly string[];
  now: () => number;
  /**
   * A verified, decrypted report's entries not accepted before (a replayed or re-sent report is
   * acknowledged but not passed twice, PROTOCOL.md §7.4). Throw
   * OpenSpimeError('inconsistent-data-with-scope') to refuse it.
   */
  accept: (osid: string, entries: DataEntry[], info: ReportInfo) => void | Promise<void>;
  /** A refused report and the condition sent back (for logs). */
  rejected?: (from: string, condition: string) => void;
  /** Entries of a report that were ignored as already accepted (osid, how many), for counts. */
  duplicates?: (osid: string, count: number) => void;
  /** (osid, date) pairs remembered for dedupe. Default 4096. */
  dedupeEntries?: number;
  /** Key lookups' bounds and caches (KeyDirectory options): per-peer quota, in-flight limits. */
  keyDirectory?: Partial<Omit<KeyDirectoryOptions, 'iq' | 'certServices' | 'now'>>;
}

export function attachScopeNode(o: ScopeNodeOptions): KeyDirectory {
  const keys = new KeyDirectory({ ...o.keyDirectory, iq: o.client, certServices: o.certServices, now: o.now });
  const seen = new ReportMemory(o.dedupeEntries);
  if (o.duplicates) {
    const take = seen.take.bind(seen), tell = o.duplicates;
    seen.take = (osid, entries) => {
      const fresh = take(osid, entries);
      if (fresh.length < entries.length) tell(osid, entries.length - fresh.length);
      return fresh;
    };
  }
  o.client.registerIq('set', 'openspime', NS_CORE, async (iq) => {
    const reply = await handleReport(iq, { crypto: o.crypto, keys, now: o.now, decryptionKey: o.key, accept: o.accept, seen });
    // an OpenSpime container with some other payload (claim, seek): not this role's business
    if (!reply) throw new StanzaError('feature-not-implemented', 'cancel');
    if (reply.attr('type') === 'error') o.rejected?.(iq.attr('from') ?? '', errorCondition(reply) ?? 'unknown');
    return reply;
  });
  return keys;
}

function errorCondition(iq: XmlElement): string | undefined {
  const error = iq.getChild('error');
  return error && conditionOfStanzaError(error);
}

/** The profile condition a peer answered with, from a rejected client.request(). */
export function remoteCondition(e: unknown): OpenSpimeError | undefined {
  const stanza = (e as { stanza?: XmlElement })?.stanza;
  const error = stanza?.getChild('error');
  const condition = error && conditionOfStanzaError(error);
  return condition ? new OpenSpimeError(condition, `answered by ${stanza!.attr('from') ?? 'the peer'}`) : undefined;
}
