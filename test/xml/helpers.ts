// Shared by the XML suites: a UTF-8 encoder independent of src/ (and of TextEncoder, absent on
// XS), and a handler that records the tokenizer's events as plain data for comparison.
import { XmlTokenizer, XmlError } from '../../src/xml/index.js';
import type { XmlElement, XmlTokenizerOptions } from '../../src/xml/index.js';

export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** Bytes from a string whose code units are bytes (for deliberately invalid UTF-8). */
export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

export type XmlEvent =
  | { type: 'start'; header: XmlElement; namespaces: Record<string, string> }
  | { type: 'stanza'; element: XmlElement }
  | { type: 'end' }
  | { type: 'error'; condition: string; offset: number };

export interface Outcome { events: XmlEvent[]; error?: { condition: string; offset: number } }

/** Feeds `input` cut at `cuts` (sorted offsets), then ends it; records everything. */
export function tokenize(input: Uint8Array, cuts: number[] = [], options: XmlTokenizerOptions = {}, end = true): Outcome {
  const events: XmlEvent[] = [];
  const t = new XmlTokenizer({
    streamStart: (header, namespaces) => events.push({ type: 'start', header, namespaces }),
    stanza: (element) => events.push({ type: 'stanza', element }),
    streamEnd: () => events.push({ type: 'end' }),
  }, options);
  let from = 0;
  try {
    for (const cut of [...cuts, input.length]) {
      t.feed(input.subarray(from, cut));
      from = cut;
    }
    if (end) t.end();
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    return { events, error: { condition: e.condition, offset: e.offset } };
  }
  return { events };
}

/** The outcome of parsing `input` as one document. */
export function checkDocument(input: Uint8Array, cuts: number[] = [], options: XmlTokenizerOptions = {}): Outcome {
  return tokenize(input, cuts, { ...options, mode: 'document' });
}

/** Every split position from 0 to length, or evenly spaced ones when there are more than `max`. */
export function splitPoints(length: number, max: number): number[] {
  const step = Math.max(1, Math.ceil((length + 1) / max));
  const out: number[] = [];
  for (let k = 0; k <= length; k += step) out.push(k);
  return out;
}

/** Fewer property runs on XS, whose interpreter is much slower than V8 (sizing only). */
export const onXs = typeof (globalThis as { process?: unknown }).process === 'undefined';
