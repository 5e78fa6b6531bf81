// Serializes element trees to UTF-8 (RFC 6120 §11.6) into one growing byte buffer.
// Escaping follows XML 1.0 §2.4 and §3.3.3: in text `&` `<` `>` (so "]]>" cannot appear) and CR
// (which §2.11 would turn into LF); in attribute values also both quotes and tab/LF/CR, as
// character references, so that attribute-value normalization gives them back.
// Strings are walked with for…of (on XS, charCodeAt(i) scans from the string's start), unless a
// search shows they are plain printable ASCII: then they are copied in slices.
import { copyUnits } from '../bytes/utf8.js';
import { XmlElement } from './element.js';
import { isXmlName } from './chars.js';
import { XmlError } from './errors.js';

export interface StreamOpenOptions {
  /** RFC 6120 §4.7.2 'to': the server's domain. */
  to?: string;
  from?: string;
  id?: string;
  /** xml:lang (RFC 6120 §4.7.4). */
  lang?: string;
  /** The content namespace, RFC 6120 §4.8.2: 'jabber:client' (default) or 'jabber:server'. */
  ns?: string;
  /** Whether to start with the XML declaration (default true). */
  declaration?: boolean;
}

export const STREAM_NS = 'http://etherx.jabber.org/streams';

const TEXT = 0, ATTR = 1;
// What the character loop of #string must see: anything but printable ASCII that is written as is.
const TEXT_SPECIAL = /[^\t\n\x20-\x25\x27-\x3b\x3d\x3f-\x7f]/;
const ATTR_SPECIAL = /[^\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7f]/;
const ESCAPES: Record<number, number[]> = {};
for (const [c, s] of [[0x26, '&amp;'], [0x3c, '&lt;'], [0x3e, '&gt;'], [0x27, '&apos;'], [0x22, '&quot;'], [0x09, '&#9;'], [0x0a, '&#10;'], [0x0d, '&#13;']] as const) {
  ESCAPES[c] = Array.from(s, (ch) => ch.charCodeAt(0));
}

export class XmlWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initialSize = 256) {
    this.#buf = new Uint8Array(initialSize);
  }

  get length(): number { return this.#len; }

  /** The bytes written so far (a copy); the writer is then empty and reuses its buffer. */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    return out;
  }

  /**
   * Writes `el` and its subtree. `contextNs` is the default namespace in effect where it goes
   * (for a stanza, the stream's 'jabber:client'; '' for none); an element whose namespace differs
   * gets an xmlns declaration. `ns` '' means "the context's" (the parent's), `ns` null no
   * namespace: written xmlns='' wherever a default namespace is in effect.
   */
  element(el: XmlElement, contextNs = ''): this {
    const start = this.#len;
    try {
      this.#element(el, contextNs);
    } catch (e) {
      this.#len = start; // nothing half-written stays
      throw e;
    }
    return this;
  }

  /** `<?xml version='1.0'?><stream:stream …>` (RFC 6120 §4.7, §4.8). */
  streamOpen(options: StreamOpenOptions = {}): this {
    if (options.declaration !== false) this.#ascii("<?xml version='1.0'?>");
    this.#ascii('<stream:stream');
    this.#attr('xmlns', options.ns ?? 'jabber:client');
    this.#attr('xmlns:stream', STREAM_NS);
    if (options.to !== undefined) this.#attr('to', options.to);
    if (options.from !== undefined) this.#attr('from', options.from);
    if (options.id !== undefined) this.#attr('id', options.id);
    if (options.lang !== undefined) this.#attr('xml:lang', options.lang);
    this.#attr('version', '1.0');
    this.#byte(0x3e);
    return this;
  }

  /** `</stream:stream>` (RFC 6120 §4.4). */
  streamClose(): this {
    this.#ascii('</stream:stream>');
    return this;
  }

  #element(el: XmlElement, contextNs: string): void {
    checkName(el.name, false, this.#len);
    this.#byte(0x3c);
    this.#string(el.name, TEXT);
    const ns = el.ns === '' ? contextNs : el.ns ?? '';
    if (ns !== contextNs) this.#attr('xmlns', ns);
    for (const name of Object.keys(el.attrs)) {
      if (name === 'xmlns') continue; // the namespace is `ns`, never an attribute
      checkName(name, true, this.#len);
      this.#attr(name, el.attrs[name]);
    }
    if (el.children.length === 0) {
      this.#byte(0x2f); this.#byte(0x3e);
      return;
    }
    this.#byte(0x3e);
    for (const child of el.children) {
      if (typeof child === 'string') this.#string(child, TEXT);
      else this.#element(child, ns);
    }
    this.#byte(0x3c); this.#byte(0x2f);
    this.#string(el.name, TEXT);
    this.#byte(0x3e);
  }

  #attr(name: string, value: string): void {
    this.#byte(0x20);
    this.#string(name, TEXT);
    this.#byte(0x3d); this.#byte(0x27);
    this.#string(value, ATTR);
    this.#byte(0x27);
  }

  #ascii(s: string): void {
    for (const ch of s) this.#byte(ch.charCodeAt(0));
  }

  #byte(b: number): void {
    if (this.#len === this.#buf.length) this.#grow(1);
    this.#buf[this.#len++] = b;
  }

  #grow(extra: number): void {
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + extra));
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
  }

  /** UTF-8 of `s`, escaped for text or attribute values. */
  #string(s: string, where: number): void {
    // Most strings (names, base64, numbers, JIDs) are printable ASCII with nothing to escape:
    // found by one search (native, a step per character on XS), copied without the checks below.
    const special = where === TEXT ? TEXT_SPECIAL : ATTR_SPECIAL;
    if (!special.test(s)) {
      if (this.#len + s.length > this.#buf.length) this.#grow(s.length);
      this.#len = copyUnits(this.#buf, this.#len, s);
      return;
    }
    // Worst case per UTF-16 unit: 6 bytes ("&quot;"); reserve once per string, not per character.
    if (this.#len + s.length * 6 > this.#buf.length) this.#grow(s.length * 6);
    const buf = this.#buf;
    let n = this.#len;
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x26 && c !== 0x3c && c !== 0x3e && (where === TEXT || (c !== 0x27 && c !== 0x22))) {
          buf[n++] = c;
          continue;
        }
        // XML 1.0 [2] Char: below 0x20 only tab, LF and CR exist, and only text keeps tab and LF raw.
        if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) throw new XmlError('not-well-formed', `U+${hex(c)} cannot be written in XML`, n);
        if (where === TEXT && (c === 0x09 || c === 0x0a)) { buf[n++] = c; continue; }
        for (const e of ESCAPES[c]) buf[n++] = e;
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6); buf[n++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        // Lone surrogates (for…of yields them alone) and U+FFFE/U+FFFF are not [2] Char.
        if ((c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) throw new XmlError('not-well-formed', `U+${hex(c)} cannot be written in XML`, n);
        buf[n++] = 0xe0 | (c >> 12); buf[n++] = 0x80 | ((c >> 6) & 0x3f); buf[n++] = 0x80 | (c & 0x3f);
      } else {
        buf[n++] = 0xf0 | (c >> 18); buf[n++] = 0x80 | ((c >> 12) & 0x3f); buf[n++] = 0x80 | ((c >> 6) & 0x3f); buf[n++] = 0x80 | (c & 0x3f);
      }
    }
    this.#len = n;
  }
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/** Element names are NCNames (the namespace is in `ns`); attribute names may be prefixed QNames. */
function checkName(name: string, qualified: boolean, offset: number): void {
  const colon = name.indexOf(':');
  const ok = isXmlName(name) && (colon < 0 || (qualified && colon > 0 && colon < name.length - 1 && name.indexOf(':', colon + 1) < 0));
  if (!ok) throw new XmlError('not-well-formed', `${JSON.stringify(name)} is not a valid ${qualified ? 'attribute' : 'element'} name`, offset);
}

/** One element as UTF-8 bytes; see XmlWriter.element for `contextNs`. */
export function writeElement(el: XmlElement, contextNs = ''): Uint8Array {
  return new XmlWriter().element(el, contextNs).take();
}

/** The stream open tag as bytes (RFC 6120 §4.7). */
export function writeStreamOpen(options: StreamOpenOptions = {}): Uint8Array {
  return new XmlWriter().streamOpen(options).take();
}

/** The stream close tag as bytes (RFC 6120 §4.4). */
export function writeStreamClose(): Uint8Array {
  return new XmlWriter().streamClose().take();
}
