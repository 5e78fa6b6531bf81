// Data reporting end to end as stanzas (v0.9 §1.0.0/§1.0.1; docs/PROTOCOL.md §4.4, §7.4, §8):
// the spime's iq builder and the ScopeNode's stanza-in/stanza-out handler. The XMPP client wires
// them (send the iq / register the handler for `openspime` in iq set); nothing here does I/O
// except through the injected KeyDirectory.
import { xml, type XmlElement } from '../xml/element.js';
import { buildData, parseData, type DataEntry } from './data.js';
import { parseDateTime } from './datetime.js';
import { OpenSpimeError } from './errors.js';
import { canonicalJid } from './jid.js';
import { NS_DATA } from './namespaces.js';
import { DEFAULT_SKEW_MS, openIqContainer, type OpenOptions } from './open.js';
import { seal, type SealOptions } from './seal.js';

/** The spime's report iq (type set) to a ScopeNode; the XMPP layer stamps the id. */
export function reportIq(to: string, entries: readonly DataEntry[], o: SealOptions, dropped = 0, queued?: number): XmlElement {
  return xml('iq', { type: 'set', to }, seal(reportData(entries, dropped, queued), o));
}

/** The report's <data/>: the entries, the spime's drop count as @dropped (§9.1) when nonzero, and
 *  the entries still waiting in its store after these as @queued (§9.2) when given. */
export function reportData(entries: readonly DataEntry[], dropped: number, queued?: number): XmlElement {
  const data = buildData(entries);
  if (dropped > 0) data.attrs.dropped = String(dropped);
  if (queued !== undefined && queued >= 0) data.attrs.queued = String(queued);
  return data;
}

export interface ReportInfo {
  signed: boolean;
  encrypted: boolean;
  /** The spime's running total of readings it dropped unsent (data/@dropped, §9.1); 0 if absent. */
  dropped: number;
  /** Entries still in the spime's store after this report (data/@queued, §9.2), if it said. */
  queued?: number;
}

/** data/@dropped (§9.1): a non-negative decimal integer; anything else reads as absent. */
export function droppedCount(data: XmlElement): number {
  return countAttr(data, 'dropped') ?? 0;
}

/** data/@queued (§9.2), the same syntax; undefined when absent or malformed. */
export function queuedCount(data: XmlElement): number | undefined {
  return countAttr(data, 'queued');
}

function countAttr(data: XmlElement, name: string): number | undefined {
  const text = data.attr(name);
  return text !== undefined && /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
}

export interface ReportHandlerOptions extends OpenOptions {
  /**
   * Stores the verified entries; throw OpenSpimeError('inconsistent-data-with-scope') to refuse.
   * With `seen`, only entries not accepted before (by osid and date) are passed.
   */
  accept: (osid: string, entries: DataEntry[], info: ReportInfo) => void | Promise<void>;
  /** Memory of accepted (osid, date) pairs: makes the handler idempotent (§7.4). */
  seen?: ReportMemory;
}

/**
 * Which (osid, date) entries were accepted (PROTOCOL.md §7.4: a report is idempotent), bounded:
 * beyond `maxEntries` the oldest are forgotten, so a replay of a report that old reaches `accept`
 * again, which is why the store itself is still keyed by (osid, date).
 */
export class ReportMemory {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(maxEntries = 4096) {
    this.#max = maxEntries;
  }

  get size(): number { return this.#seen.size; }

  /** Marks the entries not seen before as seen, and returns them (the rest are duplicates). */
  take(osid: string, entries: readonly DataEntry[]): DataEntry[] {
    const fresh: DataEntry[] = [];
    for (const e of entries) {
      const id = `${canonicalJid(osid)}\u0000${parseDateTime(e.date)}`;
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      fresh.push(e);
    }
    while (this.#seen.size > this.#max) this.#seen.delete(this.#seen.values().next().value!);
    return fresh;
  }

  /** Forgets entries taken but not stored (accept refused them). */
  release(osid: string, entries: readonly DataEntry[]): void {
    for (const e of entries) this.#seen.delete(`${canonicalJid(osid)}\u0000${parseDateTime(e.date)}`);
  }
}

/** Entries dated beyond now + skew are refused (§7.4). */
export function checkEntryDates(entries: readonly DataEntry[], now: number, skewMs = DEFAULT_SKEW_MS): void {
  for (const e of entries) {
    if (parseDateTime(e.date)! > now + skewMs) throw new OpenSpimeError('inconsistent-data-with-scope', `entry dated ${e.date} is in the future`);
  }
}

/**
 * The ScopeNode's answer to a report iq: an empty result, or an error carrying the profile's
 * condition (v0.9 §1.0.0 shape). Undefined if the iq is not an OpenSpime data report. A plain
 * report's entries are parsed and their dates checked before any key lookup.
 */
export function handleReport(iq: XmlElement, o: ReportHandlerOptions): Promise<XmlElement | undefined> {
  return openIqContainer(iq, o, {
    matches: (p) => p.name === 'data' && p.ns === NS_DATA,
    precheck: (p) => checkEntryDates(parseData(p), o.now(), o.skewMs),
    handle: async (opened) => {
      const all = parseData(opened.payload);
      // Taken before accept() resolves, so that a duplicate arriving meanwhile is not passed on too.
      const entries = o.seen ? o.seen.take(opened.osid, all) : all;
      if (!entries.length) return null; // all known: acknowledged, stored once
      try {
        const info: ReportInfo = { signed: opened.signed, encrypted: opened.encrypted, dropped: droppedCount(opened.payload) };
        const queued = queuedCount(opened.payload);
        if (queued !== undefined) info.queued = queued;
        await o.accept(opened.osid, entries, info);
      } catch (e) {
        o.seen?.release(opened.osid, entries);
        throw e;
      }
      return null;
    },
  });
}
