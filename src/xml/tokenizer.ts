// A streaming XML tokenizer for XMPP (RFC 6120 §4.2, §11): a byte-level state machine over UTF-8
// input fed in chunks split anywhere. It checks XML 1.0 (Fifth Edition) well-formedness and
// Namespaces in XML 1.0, applies the RFC 6120 §11.1 restrictions, and delivers the stream header,
// each top-level stanza as one element tree, and the stream end.
//
// Only the current token is carried across chunks (as bytes, so a split UTF-8 sequence is never
// decoded early); strings are decoded once per name, attribute value or text run (token.ts).
// Parts: outside the root and `<!` (prolog.ts, xmldecl.ts), content and references (content.ts),
// attribute checks (tags.ts), the current token (token.ts), stanza bookkeeping: the tag being
// read, trees, per-stanza limits and the handler's events (stanza.ts), the native fast paths
// (native.ts). This module is the state switch itself, one loop over the bytes: on XS a call per
// byte or token costs more than the work, so the states are cases here, not functions.
// How it scans depends on the engine (engine.ts). On XS (the device) plain tags and text runs that
// lie inside one chunk are checked and decoded by regular expressions over a Latin-1 view
// (native.ts), native there; on a JIT (Node) the byte loops below are faster, names are interned
// (names.ts) and strings come from the host's decoder. Anything else, and any error, goes byte by
// byte through the state machine, so results never depend on the path.
import { ASCII, C_CHAR, C_NAME, C_NAME_START, C_SPACE, isNameCode, isNameStartCode } from './chars.js';
import { ATTR_PLAIN, CDATA_PLAIN, TEXT_PLAIN, characterValue, entityValue, referenceDigit } from './content.js';
import { XmlError } from './errors.js';
import type { XmlCondition } from './errors.js';
import { DEFAULT_XML_LIMITS } from './limits.js';
import type { XmlLimits } from './limits.js';
import { xmlEngine } from './engine.js';
import { NativePaths } from './native.js';
import { ATTR_SPECIAL, NATIVE_AFTER } from './patterns.js';
import { KW_COMMENT, MAX_DECL, bangKeyword, checkKeyword } from './prolog.js';
import { StanzaAssembler } from './stanza.js';
import { TokenBytes } from './token.js';
import type { XmlStreamHandler } from './stanza.js';
import { checkXmlDecl } from './xmldecl.js';

export type { XmlStreamHandler } from './stanza.js';

export interface XmlTokenizerOptions extends Partial<XmlLimits> {
  /** 'stream' (default): the root is an XMPP stream. 'document': the root itself is delivered to `stanza`. */
  mode?: 'stream' | 'document';
}

// States. Outside the root:
const MISC = 0, BOM = 1, LT = 2, DECL = 3;
// Tags:
const START_NAME = 4, TAG = 5, ATTR_NAME = 6, ATTR_EQ = 7, ATTR_QUOTE = 8, ATTR_VALUE = 9, EMPTY = 10;
const END_START = 11, END_NAME = 12, END_TAIL = 13;
// Content:
const TEXT = 14, ENTITY = 15, ENT_NAME = 16, CHARREF = 17, DEC = 18, HEX = 19;
const BANG = 20, KEYWORD = 21, CDATA = 22;

export class XmlTokenizer {
  readonly #limits: XmlLimits;
  readonly #stanzas: StanzaAssembler; // stanza.ts
  readonly #parts: string[]; // the assembler's: decoded pieces of the current text node or attribute value
  readonly #native: NativePaths | null = xmlEngine.cheapLoops ? null : new NativePaths(); // engine.ts
  readonly #token = new TokenBytes(); // token.ts

  #error: Error | null = null;
  #base = 0; // absolute offset of the current chunk's first byte
  #state = MISC;
  #skipLF = false; // §2.11: a CR ended the previous chunk; a following LF is part of it
  // UTF-8 sequence in progress (RFC 3629 §4 table).
  #need = 0;
  #lo = 0x80;
  #hi = 0xbf;
  #cp = 0;
  #seqStart = 0;
  #nameFirst = false; // the name's first character is the pending non-ASCII one
  #brackets = 0; // consecutive ']' just seen (for "]]>")
  #keyword: number[] = KW_COMMENT;
  #kwIndex = 0;
  #entReturn = TEXT;
  #entStart = 0;
  #charRef = 0;
  #digits = 0;
  // Current tag (the rest is the assembler's).
  #quote = 0;
  #needSpace = false;
  #bomLen = 0;

  constructor(handler: XmlStreamHandler, options: XmlTokenizerOptions = {}) {
    const limits = { ...DEFAULT_XML_LIMITS };
    for (const k of Object.keys(limits) as (keyof XmlLimits)[]) if (options[k] !== undefined) limits[k] = options[k]!;
    this.#limits = limits;
    this.#stanzas = new StanzaAssembler(handler, limits, options.mode === 'document', xmlEngine.cheapLoops);
    this.#parts = this.#stanzas.parts;
  }

  /** Forgets everything for a new stream (RFC 6120 §4.3.3: after STARTTLS and SASL success). Offsets restart at 0. */
  reset(): void {
    this.#error = null;
    this.#base = 0;
    this.#state = MISC;
    this.#token.reset();
    this.#skipLF = false;
    this.#need = 0;
    this.#lo = 0x80;
    this.#hi = 0xbf;
    this.#brackets = 0;
    this.#bomLen = 0;
    this.#stanzas.reset();
  }

  /** Tokenizes the next bytes. Throws XmlError; after an error every call throws it again until reset(). */
  feed(chunk: Uint8Array): void {
    if (this.#error) throw this.#error;
    try {
      this.#run(chunk);
      this.#base += chunk.length;
    } catch (e) {
      this.#error = e as Error;
      throw e;
    }
  }

  /** Declares the input complete. A stream may stay open between stanzas; a document must be whole. */
  end(): void {
    if (this.#error) throw this.#error;
    const at = this.#base;
    const state = this.#state;
    const between = this.#need === 0 && !this.#token.open && (state === MISC || state === TEXT) && this.#stanzas.between(state === TEXT);
    if (!between) {
      this.#error = new XmlError('not-well-formed', this.#stanzas.tree.depth || state !== MISC ? 'input ends inside an element' : 'no root element', at);
      throw this.#error;
    }
  }

  #fail(condition: XmlCondition, message: string, offset: number): never {
    throw new XmlError(condition, message, offset);
  }

  /** Fails at the first byte past the name limit, if the name so far (from `mark` to `i`) passes it. */
  #checkName(mark: number, i: number): void {
    const over = this.#token.carryLen + i - mark - this.#limits.nameBytes;
    if (over > 0) this.#fail('policy-violation', `name longer than ${this.#limits.nameBytes} bytes`, this.#base + i - over);
  }

  #run(buf: Uint8Array): void {
    const n = buf.length;
    const base = this.#base;
    let i = 0;
    let state = this.#state;
    const tok = this.#token;
    let mark = tok.open ? 0 : -1; // start of the current token's bytes in this chunk
    if (this.#skipLF && n > 0) {
      this.#skipLF = false;
      if (buf[0] === 0x0a) { i = 1; if (mark === 0) mark = 1; }
    }
    const st = this.#stanzas;
    let end = st.endFor(n, base);
    let b = 0;
    const native = this.#native;
    native?.forget();
    tok.chunk(base);
    // Hot state in locals, stored back at the end.
    let need = this.#need, lo = this.#lo, hi = this.#hi, cp = this.#cp, seqStart = this.#seqStart, brackets = this.#brackets;

    while (i < end) {
      b = buf[i];
      // --- UTF-8 (RFC 3629 §4), validated for every byte whatever the state ---
      if (need !== 0) {
        if (b < lo || b > hi) this.#fail('not-well-formed', 'invalid UTF-8', base + i);
        lo = 0x80; hi = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
        i++;
        if (--need !== 0) continue;
        const c = cp;
        if (c === 0xfffe || c === 0xffff) this.#fail('not-well-formed', 'character not allowed in XML (Char)', seqStart);
        switch (state) {
          case START_NAME: case ATTR_NAME: case END_NAME: case ENT_NAME:
            if (!(this.#nameFirst ? isNameStartCode(c) : isNameCode(c))) this.#fail('not-well-formed', 'character not allowed in a name', seqStart);
            this.#nameFirst = false;
            this.#checkName(mark, i);
            break;
          case BOM:
            if (c !== 0xfeff) this.#fail('not-well-formed', 'text outside the root element', seqStart);
            this.#bomLen = 3;
            state = MISC;
            break;
        }
        continue;
      }
      if (b >= 0x80) {
        seqStart = base + i;
        tok.lastNonAscii = seqStart;
        if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2; cp = b & 0x0f;
          if (b === 0xe0) lo = 0xa0; // overlong
          else if (b === 0xed) hi = 0x9f; // surrogates
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3; cp = b & 0x07;
          if (b === 0xf0) lo = 0x90; // overlong
          else if (b === 0xf4) hi = 0x8f; // above U+10FFFF
        } else this.#fail('not-well-formed', 'invalid UTF-8', base + i);
        brackets = 0;
        switch (state) {
          case TEXT: case ATTR_VALUE: case CDATA: case DECL:
          case START_NAME: case ATTR_NAME: case END_NAME: case ENT_NAME:
            break;
          case MISC:
            if (base + i !== 0 || b !== 0xef) this.#fail('not-well-formed', 'text outside the root element', base + i);
            state = BOM;
            break;
          case LT:
            st.startTag();
            end = st.endFor(n, base);
            mark = i; this.#nameFirst = true; state = START_NAME;
            break;
          case TAG:
            if (this.#needSpace) this.#fail('not-well-formed', 'attributes must be separated by white space', base + i);
            mark = i; this.#nameFirst = true; state = ATTR_NAME;
            break;
          case END_START:
            mark = i; this.#nameFirst = true; state = END_NAME;
            break;
          case ENTITY:
            mark = i; this.#nameFirst = true; state = ENT_NAME;
            break;
          default:
            this.#fail('not-well-formed', 'unexpected character', base + i);
        }
        i++;
        continue;
      }

      // --- ASCII, by state ---
      switch (state) {
        // Character data ([14] CharData) and CDATA sections ([20] CData): one loop, plain bytes in
        // bulk; in text, '<' '&' '>' act, in a section only "]]>" ends it.
        case TEXT: case CDATA: {
          let plain = TEXT_PLAIN;
          if (state === CDATA) {
            // [21] CDEnd: the two ']' before '>' are not content.
            if (b === 0x3e && brackets >= 2) {
              if (mark >= 0) { const s2 = tok.take(buf, mark, i, 2); if (s2) this.#parts.push(s2); }
              i++;
              mark = st.collecting ? i : -1;
              state = TEXT;
              break;
            }
            plain = CDATA_PLAIN;
          } else if (native !== null && mark >= 0 && (TEXT_PLAIN[b] === 1 || b >= 0x80 || b === 0x26)) {
            // Text to keep: the native path, from its first byte (the view is usually there).
            const s = i;
            if (mark < i || tok.carryLen !== 0) this.#pushRaw(buf, mark, i);
            i = native.text(buf, i, end, this.#parts);
            mark = i;
            if (i > s) brackets = 0;
          }
          const s = i;
          while (i < end && plain[buf[i]] === 1) i++;
          if (i > s) brackets = 0;
          if (i >= end) break;
          b = buf[i];
          if (b >= 0x80) break;
          // '<' '&' '>' are plain in a CDATA section: only text gets here with them.
          if (b === 0x3c) { // '<'
            if (mark >= 0) {
              if (mark < i || tok.carryLen !== 0) this.#pushRaw(buf, mark, i);
              else tok.open = false;
              mark = -1;
            }
            st.tagStart = base + i;
            const next = native === null ? -1 : st.nativeTag(native, buf, i, end, n);
            if (next > 0) {
              i = next;
              state = TEXT; // stanza.ts: the root's tags take the slow path
              end = st.endFor(n, base);
              mark = st.collecting ? i : -1;
              brackets = 0;
              break;
            }
            state = LT;
          } else if (b === 0x26) { // '&'
            if (mark >= 0) { this.#pushRaw(buf, mark, i); mark = -1; }
            this.#entStart = base + i;
            this.#entReturn = TEXT;
            state = ENTITY;
          } else if (b === 0x3e) { // '>'
            // [14] CharData must not contain "]]>".
            if (brackets >= 2) this.#fail('not-well-formed', ']]> in character data', base + i - 2);
            brackets = 0;
          } else if (b === 0x5d) { // ']'
            brackets++;
          } else if (b === 0x0d) { // §2.11: CR and CRLF become LF
            brackets = 0;
            if (mark >= 0) { this.#pushRaw(buf, mark, i); this.#parts.push('\n'); }
            if (i + 1 < n && buf[i + 1] === 0x0a) i++;
            else if (i + 1 === n) this.#skipLF = true;
            if (mark >= 0) mark = i + 1;
          } else this.#fail('not-well-formed', 'control character not allowed in XML (Char)', base + i);
          i++;
          break;
        }

        case ATTR_VALUE: {
          let lim = i + NATIVE_AFTER;
          if (lim > end) lim = end;
          while (i < lim && ATTR_PLAIN[buf[i]] === 1) i++;
          if (native !== null && i === lim && i < end) {
            // The run stops at either quote (searched for in the view, not by indexOf).
            this.#pushRaw(buf, mark, i);
            i = native.run(buf, i, end, ATTR_SPECIAL, this.#parts);
            mark = i;
          }
          while (i < end && ATTR_PLAIN[buf[i]] === 1) i++;
          if (i >= end) break;
          b = buf[i];
          if (b >= 0x80) break;
          if (b === this.#quote) {
            const parts = this.#parts;
            let value: string;
            if (parts.length === 0) value = tok.take(buf, mark, i);
            else {
              parts.push(tok.take(buf, mark, i));
              value = parts.join('');
              parts.length = 0;
            }
            st.attrValues[st.attrCount++] = value;
            mark = -1;
            this.#needSpace = true;
            state = TAG;
          } else if (b === 0x22 || b === 0x27) { // the other quote
          } else if (b === 0x26) {
            this.#pushRaw(buf, mark, i); mark = -1;
            this.#entStart = base + i;
            this.#entReturn = ATTR_VALUE;
            state = ENTITY;
          } else if (b === 0x3c) {
            this.#fail('not-well-formed', '< in an attribute value', base + i);
          } else if (b === 0x09 || b === 0x0a || b === 0x0d) {
            // §3.3.3 attribute-value normalization: each white space character becomes a space,
            // after §2.11 made CRLF one LF.
            this.#pushRaw(buf, mark, i);
            this.#parts.push(' ');
            if (b === 0x0d) {
              if (i + 1 < n && buf[i + 1] === 0x0a) i++;
              else if (i + 1 === n) this.#skipLF = true;
            }
            mark = i + 1;
          } else this.#fail('not-well-formed', 'control character not allowed in XML (Char)', base + i);
          i++;
          break;
        }

        case MISC:
          if (b === 0x3c) {
            if (st.rootDone) this.#fail('not-well-formed', 'content after the root element', base + i);
            st.tagStart = base + i;
            state = LT;
          } else if ((ASCII[b] & C_SPACE) === 0) {
            this.#fail('not-well-formed', 'text outside the root element', base + i);
          }
          i++;
          break;

        case LT:
          if ((ASCII[b] & C_NAME_START) !== 0) {
            st.startTag();
            end = st.endFor(n, base);
            mark = i; this.#nameFirst = false; state = START_NAME;
          } else if (b === 0x2f) { // '/'
            if (st.tree.depth === 0) this.#fail('not-well-formed', 'end tag outside the root element', st.tagStart);
            st.commitText();
            state = END_START;
          } else if (b === 0x21) { // '!'
            state = BANG;
          } else if (b === 0x3f) { // '?'
            if (st.tagStart !== this.#bomLen) this.#fail('restricted-xml', 'processing instruction (RFC 6120 §11.1)', st.tagStart);
            state = DECL;
            brackets = 0;
            mark = i - 1;
            if (mark < 0) { tok.append(new Uint8Array([0x3c]), 0, 1); mark = 0; tok.open = true; }
          } else this.#fail('not-well-formed', 'unexpected character after <', base + i);
          i++;
          break;

        case START_NAME: case ATTR_NAME: case END_NAME: case ENT_NAME: {
          while (i < end && (ASCII[buf[i]] & C_NAME) !== 0) i++;
          this.#checkName(mark, i);
          if (i >= end) break;
          b = buf[i];
          if (b >= 0x80) break;
          const space = (ASCII[b] & C_SPACE) !== 0;
          if (state === START_NAME) {
            if (space || b === 0x3e || b === 0x2f) {
              st.name = tok.takeName(buf, mark, i); mark = -1;
              st.attrCount = 0;
              this.#needSpace = false;
              if (space) state = TAG;
              else if (b === 0x2f) state = EMPTY;
              else { state = (st.closeStart(false) ? MISC : TEXT); end = st.endFor(n, base); mark = st.collecting ? i + 1 : -1; }
            } else this.#fail('not-well-formed', 'character not allowed in a name', base + i);
          } else if (state === ATTR_NAME) {
            if (space || b === 0x3d) {
              const name = tok.takeName(buf, mark, i); mark = -1;
              st.addAttribute(name);
              state = space ? ATTR_EQ : ATTR_QUOTE;
            } else this.#fail('not-well-formed', 'character not allowed in a name', base + i);
          } else if (state === END_NAME) {
            if (space || b === 0x3e) {
              st.name = tok.takeName(buf, mark, i); mark = -1;
              if (space) state = END_TAIL;
              else { state = (st.closeEnd() ? MISC : TEXT); end = st.endFor(n, base); mark = st.collecting ? i + 1 : -1; }
            } else this.#fail('not-well-formed', 'character not allowed in a name', base + i);
          } else { // ENT_NAME
            if (b !== 0x3b) this.#fail('not-well-formed', 'entity reference must end with ;', base + i);
            const name = tok.take(buf, mark, i);
            const value = entityValue(name, this.#entStart);
            state = this.#entityEnd(value);
            mark = this.#entReturn === ATTR_VALUE || st.collecting ? i + 1 : -1;
          }
          i++;
          break;
        }

        case TAG:
          if ((ASCII[b] & C_SPACE) !== 0) this.#needSpace = false;
          else if (b === 0x3e) { state = (st.closeStart(false) ? MISC : TEXT); end = st.endFor(n, base); mark = st.collecting ? i + 1 : -1; }
          else if (b === 0x2f) state = EMPTY;
          else if ((ASCII[b] & C_NAME_START) !== 0) {
            if (this.#needSpace) this.#fail('not-well-formed', 'attributes must be separated by white space', base + i);
            mark = i; this.#nameFirst = false; state = ATTR_NAME;
          } else this.#fail('not-well-formed', 'unexpected character in a tag', base + i);
          i++;
          break;

        case ATTR_EQ:
          if (b === 0x3d) state = ATTR_QUOTE;
          else if ((ASCII[b] & C_SPACE) === 0) this.#fail('not-well-formed', 'expected = after an attribute name', base + i);
          i++;
          break;

        case ATTR_QUOTE:
          if (b === 0x22 || b === 0x27) { this.#quote = b; mark = i + 1; state = ATTR_VALUE; }
          else if ((ASCII[b] & C_SPACE) === 0) this.#fail('not-well-formed', 'attribute value must be quoted', base + i);
          i++;
          break;

        case EMPTY:
          if (b !== 0x3e) this.#fail('not-well-formed', 'expected > after /', base + i);
          state = (st.closeStart(true) ? MISC : TEXT); end = st.endFor(n, base);
          i++;
          mark = st.collecting ? i : -1;
          break;

        case END_START:
          if ((ASCII[b] & C_NAME_START) === 0) this.#fail('not-well-formed', 'expected a name after </', base + i);
          mark = i; this.#nameFirst = false; state = END_NAME;
          i++;
          break;

        case END_TAIL:
          if (b === 0x3e) { state = (st.closeEnd() ? MISC : TEXT); end = st.endFor(n, base); mark = st.collecting ? i + 1 : -1; }
          else if ((ASCII[b] & C_SPACE) === 0) this.#fail('not-well-formed', 'expected > in an end tag', base + i);
          i++;
          break;

        case ENTITY:
          if (b === 0x23) { state = CHARREF; } // '#'
          else if ((ASCII[b] & C_NAME_START) !== 0) { mark = i; this.#nameFirst = false; state = ENT_NAME; }
          else this.#fail('not-well-formed', '& must start a reference (escape it as &amp;)', base + i);
          i++;
          break;

        case CHARREF:
          this.#charRef = 0; this.#digits = 0;
          if (b === 0x78) state = HEX; // 'x'
          else if (b >= 0x30 && b <= 0x39) { this.#charRef = b - 0x30; this.#digits = 1; state = DEC; }
          else this.#fail('not-well-formed', 'malformed character reference', base + i);
          i++;
          break;

        case DEC: case HEX: {
          const d = referenceDigit(b, state === HEX);
          if (d >= 0) {
            // Saturate above the Unicode range; [2] Char rejects it below.
            this.#charRef = Math.min(this.#charRef * (state === HEX ? 16 : 10) + d, 0x110000);
            this.#digits++;
          } else if (b === 0x3b && this.#digits > 0) {
            state = this.#entityEnd(characterValue(this.#charRef, base + i));
            mark = this.#entReturn === ATTR_VALUE || st.collecting ? i + 1 : -1;
          } else this.#fail('not-well-formed', 'malformed character reference', base + i);
          i++;
          break;
        }

        case BANG:
          this.#keyword = bangKeyword(b, base + i);
          this.#kwIndex = 0;
          state = KEYWORD;
          i++;
          break;

        case KEYWORD: {
          const kw = this.#keyword;
          if (b !== kw[this.#kwIndex]) this.#fail('not-well-formed', 'unexpected character after <!', base + i);
          i++;
          if (++this.#kwIndex < kw.length) break;
          checkKeyword(kw, st.tree.depth, st.tagStart);
          brackets = 0;
          mark = st.collecting ? i : -1;
          state = CDATA;
          break;
        }

        case DECL:
          if (b === 0x3e && brackets === 1) {
            i++;
            const text = tok.take(buf, mark, i);
            mark = -1;
            checkXmlDecl(text, st.tagStart);
            state = MISC;
            break;
          }
          brackets = b === 0x3f ? 1 : 0;
          if ((ASCII[b] & C_CHAR) === 0) this.#fail('not-well-formed', 'control character not allowed in XML (Char)', base + i);
          i++;
          if (tok.carryLen + i - mark > MAX_DECL) this.#fail('not-well-formed', 'XML declaration too long', st.tagStart);
          break;
      }
    }
    if (i < n) this.#fail('policy-violation', `stanza larger than ${this.#limits.stanzaBytes} bytes`, base + i);
    this.#state = state;
    this.#need = need; this.#lo = lo; this.#hi = hi; this.#cp = cp; this.#seqStart = seqStart; this.#brackets = brackets;
    if (mark >= 0 && mark < n) { tok.append(buf, mark, n); tok.open = true; }
    else tok.open = mark >= 0;
  }

  /** The text run so far, decoded, into the current text node's parts. */
  #pushRaw(buf: Uint8Array, mark: number, i: number): void {
    const s = this.#token.take(buf, mark, i);
    if (s !== '') this.#parts.push(s);
  }

  /** A reference is complete: its replacement text joins the text or attribute value. */
  #entityEnd(value: string): number {
    if (this.#entReturn === ATTR_VALUE || this.#stanzas.collecting) this.#parts.push(value);
    return this.#entReturn;
  }
}
