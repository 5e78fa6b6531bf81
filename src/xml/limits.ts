// Bounds on what one peer can make the tokenizer hold (RFC 6120 §13.12: resource exhaustion).
// Exceeding any of them is a `policy-violation` (RFC 6120 §4.9.3.14). Defaults fit an ESP32.

export interface XmlLimits {
  /** Bytes of one top-level stanza, from its `<` to its final `>`; also bounds the stream header tag. */
  stanzaBytes: number;
  /** Open elements at once, the stream element included. */
  depth: number;
  /** Attributes of one element, namespace declarations included. */
  attributes: number;
  /** Bytes of one element, attribute or entity name (prefix included). */
  nameBytes: number;
  /** Elements in one stanza (each costs a tree node, far more than its bytes). */
  elements: number;
}

export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  stanzaBytes: 65536,
  depth: 32,
  attributes: 64,
  nameBytes: 256,
  elements: 1024,
});
