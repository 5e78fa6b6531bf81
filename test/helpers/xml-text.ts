// Test-only XML serializer with selectable style, to show that signatures survive what an
// intermediary may do (quote style, prefixes, extra namespace declarations, indentation,
// self-closing tags, character references). Portable (no Node imports).
import type { XmlElement } from '../../src/xml/element.js';

export interface Style {
  quote?: '"' | "'";
  /** Put every namespace on a prefix (p0, p1, …) instead of a default declaration. */
  prefixes?: boolean;
  /** Declare these extra, unused namespaces on the root. */
  extraNs?: Record<string, string>;
  /** Indent element-only content with this string (newline + depth × indent). */
  indent?: string;
  /** Also surround text content with newlines and indentation (as the v0.9 examples do). */
  indentText?: boolean;
  /** Write '>' in text as &gt; and letters as character references where harmless. */
  charRefs?: boolean;
  /** Reverse attribute order. */
  reverseAttrs?: boolean;
}

function esc(s: string, q: string, charRefs: boolean): string {
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(q === '"' ? /"/g : /'/g, q === '"' ? '&quot;' : '&apos;');
  if (charRefs) out = out.replace(/>/g, '&gt;').replace(/a/g, '&#97;');
  return out;
}

export function serialize(root: XmlElement, style: Style = {}): string {
  const q = style.quote ?? "'";
  const prefixOf = new Map<string, string>();
  const write = (el: XmlElement, parentNs: string | undefined, depth: number, isRoot: boolean): string => {
    let decl = '';
    let name = el.name;
    // '' (built, not chosen): the parent's; null: none
    const ns = el.ns === '' ? parentNs ?? '' : el.ns ?? '';
    if (style.prefixes && ns) {
      let p = prefixOf.get(ns);
      if (!p) {
        p = `p${prefixOf.size}`;
        prefixOf.set(ns, p);
        decl += ` xmlns:${p}=${q}${esc(ns, q, false)}${q}`;
      }
      name = `${p}:${el.name}`;
    } else if (!style.prefixes && ns !== (parentNs ?? '')) decl += ` xmlns=${q}${esc(ns, q, false)}${q}`;
    if (isRoot && style.extraNs) for (const [p, u] of Object.entries(style.extraNs)) decl += ` xmlns:${p}=${q}${u}${q}`;
    let keys = Object.keys(el.attrs);
    if (style.reverseAttrs) keys = keys.reverse();
    const attrs = keys.map((k) => ` ${k}=${q}${esc(el.attrs[k], q, !!style.charRefs)}${q}`).join('');
    if (!el.children.length) return `<${name}${decl}${attrs}/>`;
    const nl = style.indent !== undefined ? '\n' + style.indent.repeat(depth + 1) : '';
    const nlEnd = style.indent !== undefined ? '\n' + style.indent.repeat(depth) : '';
    const hasElements = el.children.some((c) => typeof c !== 'string');
    // Prefixed children stay in their namespace whatever the default is; keep ns tracking simple.
    const childParent = style.prefixes ? undefined : ns;
    let body = '';
    for (const c of el.children) {
      if (typeof c === 'string') body += (hasElements || style.indentText ? nl : '') + esc(c, q, !!style.charRefs);
      else body += nl + write(c, childParent, depth + 1, false);
    }
    const close = hasElements || style.indentText ? nlEnd : '';
    return `<${name}${decl}${attrs}>${body}${close}</${name}>`;
  };
  return write(root, undefined, 0, true);
}
