// Outside the root element, and markup after `<!`, for the tokenizer (tokenizer.ts): what RFC 6120
// §11.1 leaves of XML there (a BOM, the XML declaration, white space; no comments, processing
// instructions or DTD) and the keywords matched byte by byte, so that they may be split.
import { XmlError } from './errors.js';

export const KW_COMMENT = [0x2d]; // "<!-" "-"
export const KW_CDATA = [0x43, 0x44, 0x41, 0x54, 0x41, 0x5b]; // "<![" "CDATA["
export const KW_DOCTYPE = [0x4f, 0x43, 0x54, 0x59, 0x50, 0x45]; // "<!D" "OCTYPE"

/** Bytes of an XML declaration we read at most. */
export const MAX_DECL = 256;

/** The keyword that the byte after `<!` starts. `offset`: that byte. */
export function bangKeyword(b: number, offset: number): number[] {
  if (b === 0x2d) return KW_COMMENT;
  if (b === 0x5b) return KW_CDATA;
  if (b === 0x44) return KW_DOCTYPE;
  throw new XmlError('not-well-formed', 'unexpected character after <!', offset);
}

/** A keyword is complete: only a CDATA section inside the root may follow. `tagStart`: its '<'. */
export function checkKeyword(kw: number[], depth: number, tagStart: number): void {
  // RFC 6120 §11.1: no comments, no DTD. CDATA sections are allowed (XML 1.0 §2.7).
  if (kw === KW_COMMENT) throw new XmlError('restricted-xml', 'comment (RFC 6120 §11.1)', tagStart);
  if (kw === KW_DOCTYPE) throw new XmlError('restricted-xml', 'document type declaration (RFC 6120 §11.1)', tagStart);
  if (depth === 0) throw new XmlError('not-well-formed', 'CDATA section outside the root element', tagStart);
}
