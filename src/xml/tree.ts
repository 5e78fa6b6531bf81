// Builds element trees from start/end tags, resolving namespaces per Namespaces in XML 1.0
// (Third Edition): §3 declarations, §5 QName constraints, §6.1 scoping, §6.3 attribute uniqueness.
// Errors are reported at the byte offset of the tag's `<`.
import { NO_NAMESPACE, XmlElement } from './element.js';
import { XmlError } from './errors.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const NO_ELEMENT = new XmlElement('', '', {}, []);
const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

export class TreeBuilder {
  // Elements opened at this depth are not added to their parent: stanzas are delivered, not kept
  // under the stream element (-1: keep everything).
  readonly #detachDepth: number;
  // In-scope bindings as a stack: the innermost binding of a prefix is the last one found.
  #prefixes: string[] = [];
  #uris: string[] = [];
  #marks: number[] = [];
  #open: XmlElement[] = [];
  #qnames: string[] = [];
  // The default namespace in scope at each open element, so unprefixed names resolve in O(1).
  #defaults: string[] = [];
  /** Declarations made on the most recently opened element, by prefix ('' for the default). */
  declared: Record<string, string> = NONE;
  /** Open elements (a field, not a getter: read for every tag). */
  depth = 0;

  // A first child replaces the empty array with a one-element one: V8 gives an empty array room
  // for 17 on its first push, and most elements have one child (on XS a push is cheaper). Nobody
  // holds the array before its element is complete (the stream header has no children).
  readonly #compactChildren: boolean;

  constructor(detachDepth = -1, compactChildren = false) {
    this.#detachDepth = detachDepth;
    this.#compactChildren = compactChildren;
  }


  reset(): void {
    this.#prefixes.length = 0;
    this.#uris.length = 0;
    this.#marks.length = 0;
    this.#open.length = 0;
    this.#qnames.length = 0;
    this.#defaults.length = 0;
    this.depth = 0;
  }

  /** Opens an element; `names`/`values` hold its `count` attributes as written. */
  open(qname: string, names: string[], values: string[], count: number, offset: number): XmlElement {
    const depth = this.depth;
    // Per-depth frames are assigned by index, not pushed: cheaper on XS.
    this.#marks[depth] = this.#prefixes.length;
    let defaultNs = depth === 0 ? '' : this.#defaults[depth - 1];
    let declared = NONE;
    for (let k = 0; k < count; k++) {
      const name = names[k];
      if (name.charCodeAt(0) !== 0x78 || !name.startsWith('xmlns')) continue; // 'x'
      if (declared === NONE) declared = {};
      if (name === 'xmlns') {
        bindCheck('', values[k], offset);
        this.#bind('', values[k]);
        declared[''] = defaultNs = values[k];
      } else if (name.charCodeAt(5) === 0x3a) { // 'xmlns:'
        const prefix = name.slice(6);
        checkNcName(prefix, name, offset);
        bindCheck(prefix, values[k], offset);
        this.#bind(prefix, values[k]);
        declared[prefix] = values[k];
      }
    }
    this.declared = declared;
    const colon = qname.indexOf(':');
    let local = qname;
    let ns: string | null;
    // No default namespace in scope (none declared, or undeclared by xmlns=''): no namespace.
    if (colon < 0) ns = defaultNs === '' ? NO_NAMESPACE : defaultNs;
    else {
      checkQName(qname, colon, offset);
      const prefix = qname.slice(0, colon);
      if (prefix === 'xmlns') throw new XmlError('not-well-formed', `element <${qname}> uses the reserved prefix xmlns`, offset);
      local = qname.slice(colon + 1);
      ns = this.#resolve(prefix, offset);
    }
    const attrs: Record<string, string> = {};
    for (let k = 0; k < count; k++) {
      const name = names[k];
      if (declared !== NONE && (name === 'xmlns' || name.startsWith('xmlns:'))) continue;
      const c = name.indexOf(':');
      if (c >= 0) {
        checkQName(name, c, offset);
        const uri = this.#resolve(name.slice(0, c), offset);
        // §6.3: no two attributes with the same local name and namespace (only prefixed ones have one).
        for (let j = 0; j < k; j++) {
          const other = names[j];
          const oc = other.indexOf(':');
          if (oc < 0 || other === name || other.startsWith('xmlns:')) continue;
          if (other.slice(oc + 1) === name.slice(c + 1) && this.#resolve(other.slice(0, oc), offset) === uri) {
            throw new XmlError('not-well-formed', `attributes ${other} and ${name} are the same after namespace expansion`, offset);
          }
        }
      }
      if (name === '__proto__') Object.defineProperty(attrs, name, { value: values[k], enumerable: true, writable: true, configurable: true });
      else attrs[name] = values[k];
    }
    const element = new XmlElement(local, ns, attrs, []);
    if (depth > 0 && depth !== this.#detachDepth) {
      const parent = this.#open[depth - 1];
      if (this.#compactChildren && parent.children.length === 0) parent.children = [element];
      else parent.children.push(element);
    }
    this.#open[depth] = element;
    this.#qnames[depth] = qname;
    this.#defaults[depth] = defaultNs;
    this.depth = depth + 1;
    return element;
  }

  /** Closes the innermost element; [42] ETag must repeat its name (WFC: Element Type Match). */
  close(qname: string, offset: number): XmlElement {
    const depth = this.depth - 1;
    const expected = this.#qnames[depth];
    if (expected !== qname) throw new XmlError('not-well-formed', `</${qname}> does not close <${expected}>`, offset);
    const mark = this.#marks[depth];
    if (this.#prefixes.length !== mark) this.#prefixes.length = this.#uris.length = mark;
    const element = this.#open[depth];
    this.#open[depth] = NO_ELEMENT; // keep no finished stanza alive
    this.depth = depth;
    return element;
  }

  /** The innermost open element's name as written (its end tag must repeat it). */
  openName(): string {
    return this.#qnames[this.depth - 1];
  }

  /** Appends character data to the innermost element. */
  text(s: string): void {
    const parent = this.#open[this.depth - 1];
    if (this.#compactChildren && parent.children.length === 0) parent.children = [s];
    else parent.children.push(s);
  }

  #bind(prefix: string, uri: string): void {
    this.#prefixes.push(prefix);
    this.#uris.push(uri);
  }

  #lookup(prefix: string): string | undefined {
    for (let k = this.#prefixes.length - 1; k >= 0; k--) if (this.#prefixes[k] === prefix) return this.#uris[k];
    return prefix === 'xml' ? XML_NS : undefined;
  }

  /** Namespace constraint: Prefix Declared. */
  #resolve(prefix: string, offset: number): string {
    const uri = this.#lookup(prefix);
    if (uri === undefined || (uri === '' && prefix !== '')) throw new XmlError('not-well-formed', `unbound namespace prefix ${prefix}`, offset);
    return uri;
  }
}

/** §3 Namespace constraints: Reserved Prefixes and Namespace Names; No Prefix Undeclaring. */
function bindCheck(prefix: string, uri: string, offset: number): void {
  if (prefix === 'xmlns') throw new XmlError('not-well-formed', 'the prefix xmlns must not be declared', offset);
  if ((prefix === 'xml') !== (uri === XML_NS)) throw new XmlError('not-well-formed', `the prefix xml and ${XML_NS} belong only to each other`, offset);
  if (uri === XMLNS_NS) throw new XmlError('not-well-formed', `${XMLNS_NS} must not be declared`, offset);
  if (prefix !== '' && uri === '') throw new XmlError('not-well-formed', `xmlns:${prefix}="" undeclares a prefix (not allowed in Namespaces 1.0)`, offset);
}

/** §4 [7] QName: one colon, with a non-empty NCName on each side. */
function checkQName(name: string, colon: number, offset: number): void {
  if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) >= 0) {
    throw new XmlError('not-well-formed', `${name} is not a QName`, offset);
  }
}

function checkNcName(prefix: string, name: string, offset: number): void {
  if (prefix === '' || prefix.indexOf(':') >= 0) throw new XmlError('not-well-formed', `${name} is not a QName`, offset);
}
