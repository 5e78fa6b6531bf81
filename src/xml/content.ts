// Content and references for the tokenizer (tokenizer.ts): which bytes character data, attribute
// values and CDATA sections take as they are, and what a reference stands for.
import { isXmlChar } from './chars.js';
import { XmlError } from './errors.js';
import { PREDEFINED } from './patterns.js';

/** Bytes that need no action inside character data ([14] CharData): Char, minus < & > ] CR. */
export const TEXT_PLAIN = new Uint8Array(256);
/** The same inside attribute values ([10] AttValue), minus both quotes, tab and LF (normalized). */
export const ATTR_PLAIN = new Uint8Array(256);
/** The same inside CDATA sections ([20] CData): Char, minus ] and CR. */
export const CDATA_PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) TEXT_PLAIN[b] = ATTR_PLAIN[b] = CDATA_PLAIN[b] = 1;
TEXT_PLAIN[0x09] = TEXT_PLAIN[0x0a] = CDATA_PLAIN[0x09] = CDATA_PLAIN[0x0a] = 1;
for (const b of [0x3c, 0x26, 0x3e, 0x5d]) TEXT_PLAIN[b] = 0;
for (const b of [0x3c, 0x26, 0x22, 0x27]) ATTR_PLAIN[b] = 0;
CDATA_PLAIN[0x5d] = 0;

/**
 * [68] EntityRef: the replacement text of `&name;`. RFC 6120 §11.1 allows no entity references
 * but the predefined ones; and with no DTD an undeclared entity is also a well-formedness error
 * (XML 1.0 §4.1 WFC: Entity Declared). `offset`: the '&'.
 */
export function entityValue(name: string, offset: number): string {
  const value = PREDEFINED[name];
  if (value === undefined || !Object.prototype.hasOwnProperty.call(PREDEFINED, name)) {
    throw new XmlError('restricted-xml', `entity reference &${name}; (RFC 6120 §11.1)`, offset);
  }
  return value;
}

/** The value of a character reference's digit `b` (hexadecimal or decimal), or -1. */
export function referenceDigit(b: number, hex: boolean): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (hex && b >= 0x61 && b <= 0x66) return b - 0x57;
  if (hex && b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** [66] CharRef, WFC: Legal Character. `offset`: its ';'. */
export function characterValue(c: number, offset: number): string {
  if (!isXmlChar(c)) throw new XmlError('not-well-formed', 'reference to a character not allowed in XML (Char)', offset);
  return String.fromCodePoint(c);
}
