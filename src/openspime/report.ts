// Data reporting end to end as stanzas (v0.9 §1.0.0/§1.0.1; docs/PROTOCOL.md §4.4, §7.4, §8):
// the spime's iq builder and the ScopeNode's stanza-in/stanza-out handler. The XMPP client wires
// them (send the iq / register the handler for `openspime` in iq set); nothing here does I/O
// except through the injected KeyDirectory.
import { xml, type XmlElement } from '../xml/element.js';
import { parseData, type DataEntry } from './data.js';
import { parseDateTime } from './datetime.js';
import { OpenSpimeError, stanzaErrorFor } from './errors.js';
import { NS_CORE, NS_DATA } from './namespaces.js';
import { checkSender, DEFAULT_SKEW_MS, openContainer, type OpenOptions } from './open.js';
import { seal, type SealOptions } from './seal.js';
import { buildData } from './data.js';

/** The spime's report iq (type set) to a ScopeNode; the XMPP layer stamps the id. */
export function reportIq(to: string, entries: readonly DataEntry[], o: SealOptions): XmlElement {
  return xml('iq', { type: 'set', to }, seal(buildData(entries), o));
}

export interface ReportHandlerOptions extends OpenOptions {
  /** Stores the verified entries; throw OpenSpimeError('inconsistent-data-with-scope') to refuse. */
  accept: (osid: string, entries: DataEntry[], info: { signed: boolean; encrypted: boolean }) => void | Promise<void>;
}

/** Entries dated beyond now + skew are refused (§7.4). */
export function checkEntryDates(entries: readonly DataEntry[], now: number, skewMs = DEFAULT_SKEW_MS): void {
  for (const e of entries) {
    if (parseDateTime(e.date)! > now + skewMs) throw new OpenSpimeError('inconsistent-data-with-scope', `entry dated ${e.date} is in the future`);
  }
}

/**
 * The ScopeNode's answer to a report iq: an empty result, or an error carrying the profile's
 * condition (v0.9 §1.0.0 shape). Undefined if the iq is not an OpenSpime data report.
 */
export async function handleReport(iq: XmlElement, o: ReportHandlerOptions): Promise<XmlElement | undefined> {
  const container = iq.getChild('openspime', NS_CORE);
  if (iq.name !== 'iq' || iq.attr('type') !== 'set' || !container) return undefined;
  const from = iq.attr('from') ?? '';
  const reply = { id: iq.attr('id'), to: from, from: iq.attr('to') };
  try {
    const opened = await openContainer(container, from, o);
    checkSender(opened, from);
    if (opened.payload.name !== 'data' || opened.payload.ns !== NS_DATA) return undefined;
    const entries = parseData(opened.payload);
    checkEntryDates(entries, o.now(), o.skewMs);
    await o.accept(opened.osid, entries, { signed: opened.signed, encrypted: opened.encrypted });
    return xml('iq', { type: 'result', ...reply });
  } catch (e) {
    const err = e instanceof OpenSpimeError ? e : new OpenSpimeError('bad-format', String((e as Error)?.message ?? e));
    return xml('iq', { type: 'error', ...reply }, stanzaErrorFor(err));
  }
}
