// Whole-document convenience over the tokenizer's document mode: one root element, checked fully.
import type { XmlElement } from './element.js';
import type { XmlLimits } from './limits.js';
import { XmlTokenizer } from './tokenizer.js';

/** Parses one complete XML document (UTF-8 bytes) into its root element; throws XmlError. */
export function parseDocument(bytes: Uint8Array, limits: Partial<XmlLimits> = {}): XmlElement {
  let root: XmlElement | undefined;
  const tokenizer = new XmlTokenizer({
    streamStart() {},
    stanza(el) { root = el; },
    streamEnd() {},
  }, { ...limits, mode: 'document' });
  tokenizer.feed(bytes);
  tokenizer.end();
  return root!;
}
