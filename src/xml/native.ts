// The tokenizer's native fast paths, for engines without a JIT (engine.ts; the device): plain tags
// and runs of text or attribute value that lie inside one chunk are checked and decoded by regular
// expressions over a Latin-1 view of the chunk (code units = bytes), native on XS. Each answers
// "handled up to here" or "not mine" (-1 / the first byte that needs attention); the state machine
// in tokenizer.ts takes everything else, and every error, so results never depend on the path.
//
// What things cost on XS (xsnap's meter, in steps): a JavaScript loop some 10 per byte, a typed
// array's indexOf 8 per element, String.fromCharCode.apply 6 per byte, a regular expression 1
// per character searched (3 per character a greedy quantifier eats), a string's indexOf, slice or
// decodeURIComponent a fixed few. Hence: every byte is converted once, into one view reused by
// all the paths of a chunk; runs are searched for their first special character; and
// delimiters are found in the view, not in the bytes.
import {
  ATTR_SPECIAL, ATTRIBUTE, MAX_NATIVE_TAG, NAME, NATIVE_WINDOW, NON_ASCII, REFERENCE, REFERENCES, START_TAG, TEXT_RUN, TEXT_STOP,
  referenceValue, utf8Text,
} from './patterns.js';
import { latin1 } from './utf8.js';

export class NativePaths {
  // The Latin-1 view: bytes [viewAt, viewAt + view.length) of viewBuf.
  #view = '';
  #viewAt = 0;
  #viewBuf: Uint8Array | null = null;
  /** The last tag's results (`tag`): its name, attribute count, and whether it ended with "/>". */
  name = '';
  count = 0;
  empty = false;

  /** Forgets the view: a new chunk (even in the same array) has new bytes. */
  forget(): void {
    this.#viewBuf = null;
    this.#view = '';
  }

  /** Makes the view cover at least `want` bytes from `from` (fewer at the chunk's end); returns
   *  the offset of byte `from` in it. */
  #see(buf: Uint8Array, from: number, want: number): number {
    if (buf === this.#viewBuf && from >= this.#viewAt && this.#viewAt + this.#view.length - from >= want) return from - this.#viewAt;
    let to = from + (want > NATIVE_WINDOW ? want : NATIVE_WINDOW);
    if (to > buf.length) to = buf.length;
    this.#view = latin1(buf, from, to);
    this.#viewAt = from;
    this.#viewBuf = buf;
    return 0;
  }

  /**
   * Character data from `from` (before `end`) into `parts`: plain ASCII, well-formed non-ASCII
   * text, predefined entities and legal character references. Returns the position of the first
   * byte it leaves to the state machine ('<', ']', '>', CR, a control, anything doubtful), or `end`.
   */
  text(buf: Uint8Array, from: number, end: number, parts: string[]): number {
    let i = from;
    while (i < end) {
      let p = this.#see(buf, i, 1);
      const view = this.#view;
      const base = this.#viewAt;
      const stopAt = end - base < view.length ? end - base : view.length;
      for (;;) {
        // The first character that is not plain ASCII text: a search, one step per character.
        // test() leaves it in lastIndex, allocating nothing.
        TEXT_STOP.lastIndex = p;
        let q = TEXT_STOP.test(view) ? TEXT_STOP.lastIndex - 1 : stopAt;
        if (q > stopAt) q = stopAt;
        let ascii = true;
        if (q < stopAt && view.charCodeAt(q) >= 0x80) {
          TEXT_RUN.lastIndex = q;
          TEXT_RUN.test(view);
          if (TEXT_RUN.lastIndex > stopAt) { // text past the stanza's limit is the state machine's
            if (q > p) parts.push(view.slice(p, q));
            return base + q;
          }
          q = TEXT_RUN.lastIndex;
          ascii = false;
        }
        if (q > p) {
          const piece = p === 0 && q === view.length ? view : view.slice(p, q);
          parts.push(ascii ? piece : decodeURIComponent(escape(piece)));
        }
        if (q === stopAt) { i = base + q; break; }
        // A reference is taken here too, unless cut by the end or not legal.
        if (view.charCodeAt(q) !== 0x26) return base + q;
        REFERENCE.lastIndex = q;
        const m = REFERENCE.exec(view);
        if (m === null || q + m[0].length > stopAt) return base + q;
        const value = referenceValue(m[1], m[2], m[3]);
        if (value === undefined) return base + q;
        parts.push(value);
        p = q + m[0].length;
        if (p === stopAt) { i = base + p; break; }
      }
      if (base + view.length >= buf.length) break; // the view reached the chunk's end
    }
    return i;
  }

  /**
   * `</name>` at `at` closing the open element `name`, with nothing else in it (ASCII names only:
   * the view's units are bytes). Returns the position after '>', or -1.
   */
  endTag(buf: Uint8Array, at: number, end: number, name: string): number {
    const len = name.length;
    const close = at + 2 + len;
    if (close >= end || NON_ASCII.test(name)) return -1;
    const o = this.#see(buf, at, len + 3);
    const view = this.#view;
    if (view.charCodeAt(o + 2 + len) !== 0x3e || !view.startsWith(name, o + 2)) return -1;
    return close + 1;
  }

  /**
   * A complete, plain start tag at `at`, ending before `cap`: ASCII names, values with no white
   * space characters other than spaces, '<', '>' or controls, well-formed UTF-8 and legal references.
   * Leaves its name, attribute count and "/>" in `name`, `count`, `empty`, its attributes in
   * `names`/`values`; returns the position after its '>', or -1.
   */
  tag(buf: Uint8Array, at: number, cap: number, nameBytes: number, names: string[], values: string[]): number {
    let o = this.#see(buf, at, 2);
    let close = this.#view.indexOf('>', o);
    const limit = cap - at < MAX_NATIVE_TAG ? cap - at : MAX_NATIVE_TAG; // bytes the tag may span
    if (close < 0 || close - o >= limit) {
      // Not in the view: look once more, over all the bytes the tag may span.
      if (this.#viewAt + this.#view.length >= buf.length || this.#viewAt + this.#view.length - at >= limit) return -1;
      o = this.#see(buf, at, limit);
      close = this.#view.indexOf('>', o);
      if (close < 0 || close - o >= limit) return -1;
    }
    const view = this.#view;
    // Most tags are plain: ASCII, values with no references, white space or controls, spaces
    // between attributes. Such a tag is taken apart with a few searches and a string's indexOf,
    // not one regular expression that costs several steps per character.
    const next = this.#plainTag(view, o, close, nameBytes, names, values);
    if (next >= 0) return at + next - o;
    START_TAG.lastIndex = o;
    const m = START_TAG.exec(view);
    if (m === null || m[0].length !== close + 1 - o || m[1].length > nameBytes) return -1;
    const attrs = m[2];
    let count = 0;
    if (attrs !== '') {
      // Values need decoding only if the tag has a non-ASCII byte or a reference at all.
      const plain = attrs.indexOf('&') < 0 && !NON_ASCII.test(attrs);
      ATTRIBUTE.lastIndex = 0;
      for (let a = ATTRIBUTE.exec(attrs); a !== null; a = ATTRIBUTE.exec(attrs)) {
        if (a[1].length > nameBytes) return -1;
        let value = a[2] ?? a[3];
        if (!plain && value !== '') {
          value = utf8Text(value);
          if (value.indexOf('&') >= 0) {
            let legal = true;
            value = value.replace(REFERENCES, (_r, ref?: string, dec?: string, hex?: string) => {
              const v = referenceValue(ref, dec, hex);
              if (v === undefined) { legal = false; return ''; }
              return v;
            });
            if (!legal) return -1;
          }
        }
        names[count] = a[1];
        values[count++] = value;
      }
    }
    this.name = m[1];
    this.empty = m[3] === '/';
    this.count = count;
    return at + close + 1 - o;
  }

  /** A plain tag (see `tag`) at offset `o` of `view`, its first '>' at `close`; returns the view
   *  offset after it, or -1 for the general path. */
  #plainTag(view: string, o: number, close: number, nameBytes: number, names: string[], values: string[]): number {
    NAME.lastIndex = o + 1;
    if (!NAME.test(view)) return -1;
    const nameEnd = NAME.lastIndex;
    if (nameEnd - o - 1 > nameBytes) return -1;
    let p = nameEnd;
    let count = 0;
    let c = view.charCodeAt(p);
    while (c === 0x20) {
      do c = view.charCodeAt(++p); while (c === 0x20);
      if (c === 0x3e || c === 0x2f) break;
      NAME.lastIndex = p;
      if (!NAME.test(view)) return -1;
      const eq = NAME.lastIndex;
      if (eq - p > nameBytes || view.charCodeAt(eq) !== 0x3d) return -1; // `name=` (else the general path)
      const quote = view.charCodeAt(eq + 1);
      if (quote !== 0x27 && quote !== 0x22) return -1;
      // The value ends at the first special character: plain if that is its own quote.
      ATTR_SPECIAL.lastIndex = eq + 2;
      if (!ATTR_SPECIAL.test(view)) return -1;
      const end = ATTR_SPECIAL.lastIndex - 1;
      if (end > close || view.charCodeAt(end) !== quote) return -1;
      names[count] = view.slice(p, eq);
      values[count++] = view.slice(eq + 2, end);
      p = end + 1;
      c = view.charCodeAt(p);
    }
    if (c === 0x2f) p++;
    if (p !== close) return -1;
    this.name = view.slice(o + 1, nameEnd);
    this.empty = c === 0x2f;
    this.count = count;
    return close + 1;
  }

  /**
   * A run of attribute value from `from` up to `stop`: returns the position of the first byte
   * that needs the state machine (a reference, white space, a quote, '<', a control, non-ASCII),
   * with the plain part before it in `parts`.
   */
  run(buf: Uint8Array, from: number, stop: number, special: RegExp, parts: string[]): number {
    let i = from;
    while (i < stop) {
      const o = this.#see(buf, i, 1);
      const view = this.#view;
      const base = this.#viewAt;
      const stopAt = stop - base < view.length ? stop - base : view.length;
      special.lastIndex = o;
      const k = special.test(view) ? special.lastIndex - 1 : stopAt;
      if (k >= stopAt) {
        parts.push(o === 0 && stopAt === view.length ? view : view.slice(o, stopAt));
        i = base + stopAt;
        if (base + view.length >= buf.length) break;
        continue;
      }
      if (k > o) parts.push(view.slice(o, k));
      return base + k;
    }
    return i;
  }
}
