// The element tree the tokenizer produces for each stanza and the writer serializes.
// Namespaces are resolved: `name` is the local name, `ns` the namespace URI (RFC 6120 §4.8).
// `attrs` holds attributes by their name as written (e.g. `xml:lang`), without xmlns declarations.
// "No namespace" and "not chosen yet" are different things and stay apart: `ns` null is an
// element in no namespace (what xmlns='' declares; the tokenizer gives every such element null),
// `ns` '' one built without a namespace, which takes the namespace of the parent it is written
// under (a root: the writer's context, e.g. a stanza's jabber:client).

export type XmlNode = XmlElement | string;

/** `ns` of an element in no namespace (DOM's convention). */
export const NO_NAMESPACE = null;

export class XmlElement {
  name: string;
  /** Namespace URI; null: no namespace; '': the parent's (see above). */
  ns: string | null;
  attrs: Record<string, string>;
  children: XmlNode[];

  constructor(name: string, ns: string | null = '', attrs: Record<string, string> = {}, children: XmlNode[] = []) {
    this.name = name;
    this.ns = ns;
    this.attrs = attrs;
    this.children = children;
  }

  attr(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.attrs, name) ? this.attrs[name] : undefined;
  }

  /** First child element with this local name, in `ns` (default: any namespace; null: none). */
  getChild(name: string, ns?: string | null): XmlElement | undefined {
    for (const c of this.children) {
      if (typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns)) return c;
    }
    return undefined;
  }

  getChildren(name?: string, ns?: string | null): XmlElement[] {
    const found: XmlElement[] = [];
    for (const c of this.children) {
      if (typeof c !== 'string' && (name === undefined || c.name === name) && (ns === undefined || c.ns === ns)) found.push(c);
    }
    return found;
  }

  /** Concatenated character data of the direct text children. */
  text(): string {
    let s = '';
    for (const c of this.children) if (typeof c === 'string') s += c;
    return s;
  }

  /** Text of the first child with this name, or undefined. */
  getChildText(name: string, ns?: string | null): string | undefined {
    return this.getChild(name, ns)?.text();
  }
}

/**
 * Builder, ltx-style: `xml('iq', {type: 'get', id}, xml('ping', {xmlns: 'urn:xmpp:ping'}))`.
 * An `xmlns` attribute sets the element's namespace, `xmlns: ''` puts it in no namespace (ns null,
 * written xmlns=''); without one, the element takes the namespace of the parent it is built into
 * (children are re-homed here), so payloads need only declare theirs.
 * Null/undefined attributes and children are skipped, numbers become strings.
 */
export function xml(
  name: string,
  attrs: Record<string, string | number | undefined | null> | null = null,
  ...children: Array<XmlNode | number | null | undefined | false | Array<XmlNode | null | undefined | false>>
): XmlElement {
  const ns = attrs?.xmlns == null ? '' : String(attrs.xmlns) === '' ? NO_NAMESPACE : String(attrs.xmlns);
  const a: Record<string, string> = {};
  if (attrs) for (const k in attrs) {
    const v = attrs[k];
    if (k !== 'xmlns' && v != null) a[k] = String(v);
  }
  const kids: XmlNode[] = [];
  const add = (c: XmlNode | number | null | undefined | false): void => {
    if (c == null || c === false) return;
    if (typeof c === 'number') kids.push(String(c));
    else if (typeof c === 'string') { if (c !== '') kids.push(c); }
    else kids.push(c);
  };
  for (const c of children) {
    if (Array.isArray(c)) for (const d of c) add(d);
    else add(c);
  }
  const element = new XmlElement(name, ns, a, kids);
  if (ns !== '') inheritNamespace(element);
  return element;
}

/** Gives children built without an xmlns (ns '') their parent's namespace (or none), recursively. */
function inheritNamespace(parent: XmlElement): void {
  for (const c of parent.children) {
    if (typeof c !== 'string' && c.ns === '') {
      c.ns = parent.ns;
      inheritNamespace(c);
    }
  }
}
