// Stanza bookkeeping for the tokenizer (tokenizer.ts): the tag being read, the element trees its
// tags open and close (tree.ts), whether character data belongs to a stanza, the per-stanza limits
// (RFC 6120 §13.12), and the handler's events. The state machine finds where tags and text are;
// this decides what they make. Fields are public and flat: the state machine reads them for every
// tag, and on XS each extra hop is a step.
import type { XmlElement } from './element.js';
import { XmlError } from './errors.js';
import type { XmlLimits } from './limits.js';
import type { NativePaths } from './native.js';
import { checkAttribute, checkAttributes } from './tags.js';
import { TreeBuilder } from './tree.js';

export interface XmlStreamHandler {
  /** The stream's root start tag (RFC 6120 §4.7); `namespaces` are the declarations it makes, '' for the default. */
  streamStart(header: XmlElement, namespaces: Record<string, string>): void;
  /** One complete child of the root (RFC 6120 §4.1 "first-level element"), or the whole root in document mode. */
  stanza(element: XmlElement): void;
  /** The root's end tag (RFC 6120 §4.4). */
  streamEnd(): void;
}

export class StanzaAssembler {
  readonly tree: TreeBuilder;
  readonly limits: XmlLimits;
  readonly #handler: XmlStreamHandler;
  readonly #document: boolean;
  readonly #stanzaDepth: number; // depth (open elements) at which a stanza is a child
  // The current tag: its '<' (absolute offset), name and attributes (the arrays are reused: at
  // most `attributes` stale strings).
  tagStart = 0;
  name = '';
  readonly attrNames: string[] = [];
  readonly attrValues: string[] = [];
  attrCount = 0;
  /** Decoded pieces of the current text node (the state machine also builds attribute values here). */
  readonly parts: string[] = [];
  /** Character data here belongs to a stanza (below a first-level element, or in document mode). */
  collecting = false;
  /** The root element has ended: only white space may follow. */
  rootDone = false;
  #inStanza = false; // bounded by stanzaBytes from #stanzaStart
  #stanzaStart = 0;
  #elements = 0;

  constructor(handler: XmlStreamHandler, limits: XmlLimits, document: boolean, compactChildren: boolean) {
    this.#handler = handler;
    this.limits = limits;
    this.#document = document;
    this.#stanzaDepth = document ? 0 : 1;
    this.tree = new TreeBuilder(document ? -1 : 1, compactChildren);
  }

  reset(): void {
    this.parts.length = 0;
    this.attrCount = 0;
    this.rootDone = false;
    this.collecting = false;
    this.#inStanza = false;
    this.tree.reset();
  }

  /** The input may end here: between stanzas of a stream (state machine in text), or after the root. */
  between(inText: boolean): boolean {
    return inText ? !this.#document && this.tree.depth === 1 : this.rootDone;
  }

  /** Where a chunk of `n` bytes at absolute offset `base` must stop: its end, or the byte limit of the stanza in progress. */
  endFor(n: number, base: number): number {
    return this.#inStanza ? Math.min(n, this.#stanzaStart + this.limits.stanzaBytes - base) : n;
  }

  /** Ends the current text node (at a tag). */
  commitText(): void {
    const parts = this.parts;
    if (parts.length === 0) return;
    if (parts.length === 1) {
      const s = parts.pop()!;
      if (this.collecting) this.tree.text(s);
    } else {
      if (this.collecting) this.tree.text(parts.join(''));
      parts.length = 0;
    }
  }

  /** A start tag's name begins (its '<' at `tagStart`): stanza bounds and limits. */
  startTag(): void {
    if (this.parts.length !== 0) this.commitText();
    const depth = this.tree.depth;
    const limits = this.limits;
    if (depth === this.#stanzaDepth || depth === 0) {
      // The stanza (or the stream header tag) is bounded from its '<'.
      this.#inStanza = true;
      this.#stanzaStart = this.tagStart;
      this.#elements = 0;
    }
    if (this.#inStanza && ++this.#elements > limits.elements) {
      throw new XmlError('policy-violation', `more than ${limits.elements} elements in a stanza`, this.tagStart);
    }
    if (depth >= limits.depth) throw new XmlError('policy-violation', `elements nested deeper than ${limits.depth}`, this.tagStart);
  }

  addAttribute(name: string): void {
    checkAttribute(this.attrNames, this.attrCount, name, this.limits.attributes, this.tagStart);
    this.attrNames[this.attrCount] = name;
  }

  /** The start tag is complete: builds the element. Returns whether the root ended (`empty` only). */
  closeStart(empty: boolean): boolean {
    const tree = this.tree;
    const element = tree.open(this.name, this.attrNames, this.attrValues, this.attrCount, this.tagStart);
    this.attrCount = 0;
    if (!this.#document && tree.depth === 1) {
      this.#inStanza = false;
      this.#handler.streamStart(element, tree.declared);
    }
    if (empty) return this.closeEnd();
    this.collecting = tree.depth > this.#stanzaDepth;
    return false;
  }

  /** An end tag (or the end of an empty-element tag) is complete. Returns whether the root ended. */
  closeEnd(): boolean {
    const tree = this.tree;
    const element = tree.close(this.name, this.tagStart);
    const depth = tree.depth;
    this.collecting = depth > this.#stanzaDepth;
    if (depth === this.#stanzaDepth) {
      this.#inStanza = false;
      this.#handler.stanza(element);
    }
    if (depth === 0) {
      this.rootDone = true;
      if (!this.#document) this.#handler.streamEnd();
      return true;
    }
    return false;
  }

  /**
   * A start or end tag at `at` (`tagStart` set) through the native path (native.ts). Returns the
   * position after its '>', or -1 to let the state machine take the tag byte by byte; both check
   * the same things in the same order, so results and error offsets do not depend on which ran.
   * The root's own tags take the slow path, so after a native tag the state machine is in text.
   */
  nativeTag(native: NativePaths, buf: Uint8Array, at: number, end: number, n: number): number {
    const depth = this.tree.depth;
    if (depth === 0) return -1;
    if (at + 1 < end && buf[at + 1] === 0x2f) {
      // `</name>` of the open element only; any other end tag takes the slow path.
      if (depth === 1) return -1;
      const name = this.tree.openName();
      const next = native.endTag(buf, at, end, name);
      if (next < 0) return -1;
      if (this.parts.length !== 0) this.commitText();
      this.name = name;
      this.closeEnd();
      return next;
    }
    // A new stanza is bounded from this '<' on.
    const limits = this.limits;
    let cap = end;
    if (depth === this.#stanzaDepth) cap = Math.min(n, at + limits.stanzaBytes);
    const next = native.tag(buf, at, cap, limits.nameBytes, this.attrNames, this.attrValues);
    if (next < 0) return -1;
    const count = native.count;
    this.startTag();
    this.name = native.name;
    // The checks of addAttribute, in the same order.
    if (count !== 0) checkAttributes(this.attrNames, count, limits.attributes, this.tagStart);
    this.attrCount = count;
    this.closeStart(native.empty);
    return next;
  }
}
