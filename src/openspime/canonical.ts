// The profile's canonical XML form (docs/PROTOCOL.md §4.2): the bytes a signature covers, made
// from the namespace-resolved element tree, so that what an intermediary may change without
// changing the XML information — quote style, prefixes and namespace declarations, attribute
// order, empty-element tags, character references, indentation — does not change them.
// A restricted Exclusive C14N (W3C xml-exc-c14n) for a prefix-free tree:
//   element := '<' name [' xmlns="' ns '"' if ns differs from the parent's] attrs '>' content '</' name '>'
//   (no namespace, ns null, is xmlns="" under a parent in one; ns '' — built, not chosen — is the
//   parent's, exactly as the writer puts it on the wire)
//   attrs sorted by name (code-unit order); values escaped & < " TAB LF CR;
//   text trimmed of XML whitespace at both ends, whitespace-only text dropped; escaped & < > CR.
import { ByteBuilder } from '../bytes/utf8.js';
import type { XmlElement, XmlNode } from '../xml/element.js';
import { OpenSpimeError } from './errors.js';

const XML_WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** Text content as the canonical form sees it: concatenated, trimmed. */
export function normalizedText(children: XmlNode[]): string {
  let s = '';
  for (const c of children) if (typeof c === 'string') s += c;
  return s.replace(XML_WS, '');
}

function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

function escapeAttr(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : c === '\t' ? '&#x9;' : c === '\n' ? '&#xA;' : '&#xD;'));
}

/** The namespace `el` is in, as a string ('' = none): ns '' (built, not chosen) is the parent's. */
function effectiveNs(el: XmlElement, parentNs: string): string {
  return el.ns === '' ? parentNs : el.ns ?? '';
}

function writeElement(out: ByteBuilder, el: XmlElement, parentNs: string, root = false): void {
  out.utf8('<' + el.name);
  const ns = effectiveNs(el, root ? '' : parentNs);
  if (root || ns !== parentNs) out.utf8(' xmlns="' + escapeAttr(ns) + '"');
  const names = Object.keys(el.attrs).sort();
  for (const name of names) {
    // A prefixed attribute's prefix is not information (it can be redeclared); only xml: is fixed.
    if (name.indexOf(':') >= 0 && !name.startsWith('xml:')) throw new OpenSpimeError('bad-format', `prefixed attribute ${name} in signed content`);
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    out.utf8(' ' + name + '="' + escapeAttr(el.attrs[name]) + '"');
  }
  out.utf8('>');
  // Adjacent text nodes merge and each run is trimmed, so a run between two child elements that
  // is only indentation disappears.
  let text: XmlNode[] = [];
  const flushText = (): void => {
    const t = normalizedText(text);
    if (t) out.utf8(escapeText(t));
    text = [];
  };
  for (const c of el.children) {
    if (typeof c === 'string') text.push(c);
    else {
      flushText();
      writeElement(out, c, ns);
    }
  }
  flushText();
  out.utf8('</' + el.name + '>');
}

/** UTF-8 bytes of the canonical form of `el`, whose namespace is always declared. */
export function canonicalize(el: XmlElement): Uint8Array {
  const out = new ByteBuilder(1024);
  writeElement(out, el, '', true); // the root declares its own namespace (even none: xmlns="")
  return out.finish();
}
