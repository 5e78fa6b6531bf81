// The XML layer's public API (RFC 6120 §4, §11): element trees, the streaming tokenizer, the writer.
export { XmlElement, xml } from './element.js';
export type { XmlNode } from './element.js';
export { XmlError } from './errors.js';
export type { XmlCondition } from './errors.js';
export { DEFAULT_XML_LIMITS } from './limits.js';
export type { XmlLimits } from './limits.js';
export { XmlTokenizer } from './tokenizer.js';
export type { XmlStreamHandler, XmlTokenizerOptions } from './tokenizer.js';
export { XML_NS } from './tree.js';
export { XmlWriter, writeElement, writeStreamOpen, writeStreamClose, STREAM_NS } from './writer.js';
export type { StreamOpenOptions } from './writer.js';
export { parseDocument } from './document.js';
