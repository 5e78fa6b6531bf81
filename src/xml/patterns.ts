// Regular expressions for the tokenizer's native paths (XML 1.0 productions over Latin-1 strings
// whose code units are the input bytes). On XS the regular-expression engine is native and metered
// at a step per character searched (three per character a greedy quantifier eats), where a
// JavaScript loop costs about ten per byte; hence searches for the first special character.
// The sticky and global ones keep lastIndex state: this module must not be preloaded (frozen).
import { isXmlChar } from './chars.js';

// Characters a native run stops at (the delimiter, '<' or the quote, is found by indexOf first).
export const ATTR_SPECIAL = /[\x00-\x1f<&'"\x80-\xff]/g;
// Well-formed UTF-8 (RFC 3629 §4) of [2] Char, as Latin-1 code units: no overlongs, surrogates,
// values above U+10FFFF, nor U+FFFE/U+FFFF.
export const UTF8_SEQ = '[\\xc2-\\xdf][\\x80-\\xbf]|\\xe0[\\xa0-\\xbf][\\x80-\\xbf]|[\\xe1-\\xec\\xee][\\x80-\\xbf]{2}'
  + '|\\xed[\\x80-\\x9f][\\x80-\\xbf]|\\xef[\\x80-\\xbe][\\x80-\\xbf]|\\xef\\xbf[\\x80-\\xbd]'
  + '|\\xf0[\\x90-\\xbf][\\x80-\\xbf]{2}|[\\xf1-\\xf3][\\x80-\\xbf]{3}|\\xf4[\\x80-\\x8f][\\x80-\\xbf]{2}';
/** The longest prefix of character data the state machine would pass through unchanged. */
export const TEXT_RUN = new RegExp(`(?:[\\t\\n\\x20-\\x25\\x27-\\x3b\\x3d\\x3f-\\x5c\\x5e-\\x7f]+|${UTF8_SEQ})*`, 'y');
export const NON_ASCII = /[\x80-\xff]/;
/** The first character that ends plain ASCII character data (the common case), searched for. */
export const TEXT_STOP = /[^\t\n\x20-\x25\x27-\x3b\x3d\x3f-\x5c\x5e-\x7f]/g;
// [67] Reference: the predefined entities and character references, by the native paths.
export const REF = '&(?:(lt|gt|amp|apos|quot)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));';
export const REFERENCE = new RegExp(REF, 'y');
export const REFERENCES = new RegExp(REF, 'g');

/** A reference's replacement text, or undefined if it is not a legal character (WFC: Legal Character). */
export function referenceValue(name: string | undefined, dec: string | undefined, hex: string | undefined): string | undefined {
  if (name !== undefined) return PREDEFINED[name];
  const c = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
  return isXmlChar(c) ? String.fromCodePoint(c) : undefined;
}

/** Latin-1 code units holding validated UTF-8 → the text. escape() turns each unit >= 0x80 into
 *  %XX, which decodeURIComponent reads as UTF-8: both native, also on XS. */
export function utf8Text(units: string): string {
  return NON_ASCII.test(units) ? decodeURIComponent(escape(units)) : units;
}
// Plain tags for the native tag path. Names are checked by the tree builder as QNames afterwards;
// values exclude what needs the state machine: '<', '>', white space (normalized), other entities.
// Each alternative starts with a different character, so failing matches backtrack linearly.
export const N = '[A-Za-z_:][-.0-9A-Za-z_:]*';
export const S = '[ \\t\\r\\n]';
export const VALUE_PART = `${UTF8_SEQ}|&(?:lt|gt|amp|apos|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`;
export const V = `'(?:[^'<&>\\x00-\\x1f\\x80-\\xff]|${VALUE_PART})*'|"(?:[^"<&>\\x00-\\x1f\\x80-\\xff]|${VALUE_PART})*"`;
/** A name, for the plain-tag path (sticky). */
export const NAME = new RegExp(N, 'y');
export const START_TAG = new RegExp(`<(${N})((?:${S}+${N}${S}*=${S}*(?:${V}))*)${S}*(/?)>`, 'y');
export const ATTRIBUTE = new RegExp(`(${N})${S}*=${S}*(?:'([^']*)'|"([^"]*)")`, 'g');
export const NATIVE_AFTER = 1; // plain bytes of an attribute value seen one by one before its native run
export const NATIVE_WINDOW = 1024;
export const MAX_NATIVE_TAG = 2048;

// XML 1.0 §4.6 Predefined Entities.
export const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
