// Exactly which bytes are signed (docs/PROTOCOL.md §4.2):
//   SignedInfo = "openspime-sign-1" 0x00 ‖ C(view)
// where C is ./canonical and `view` is the received <openspime/> element with
//   - originator/@osid set to the effective osid (the attribute, or the stanza's sender),
//   - the text of <sign/> removed (its attributes, e.g. alg, stay signed),
//   - every base64 value (claimkey text, transport/@transport-key, encrypted transport text)
//     decoded and re-encoded without whitespace, i.e. the decoded bytes are what is signed.
// Everything else in the container, including elements of other namespaces, is covered.
import { base64Encode } from '../bytes/base64.js';
import { concatBytes } from '../bytes/bytes.js';
import { utf8Encode } from '../bytes/utf8.js';
import { XmlElement } from '../xml/element.js';
import { canonicalize } from './canonical.js';
import type { Container } from './container.js';
import { NS_CORE } from './namespaces.js';

export const SIGN_LABEL = utf8Encode('openspime-sign-1\u0000');

function copy(el: XmlElement): XmlElement {
  return new XmlElement(el.name, el.ns, { ...el.attrs }, el.children.map((c) => (typeof c === 'string' ? c : copy(c))));
}

/** The element whose canonical form is signed; `parsed` is parseContainer(container). */
export function signedView(container: XmlElement, parsed: Container, osid: string): XmlElement {
  const children = container.children.map((c) => {
    if (typeof c === 'string') return c;
    if (c.ns === NS_CORE && c.name === 'originator') {
      const o = new XmlElement(c.name, c.ns, { ...c.attrs, osid }, []);
      for (const k of c.children) {
        if (typeof k === 'string') { o.children.push(k); continue; } // whitespace only (parseContainer)
        if (k.ns === NS_CORE && k.name === 'sign') o.children.push(new XmlElement('sign', k.ns, { ...k.attrs }, []));
        else if (k.ns === NS_CORE && k.name === 'claimkey') o.children.push(new XmlElement('claimkey', k.ns, { ...k.attrs }, [base64Encode(parsed.originator!.claimkey!.key)]));
        else o.children.push(copy(k));
      }
      return o;
    }
    if (c.ns === NS_CORE && c.name === 'transport' && parsed.transport.kind === 'encrypted') {
      const t = parsed.transport;
      return new XmlElement(c.name, c.ns, { ...c.attrs, 'transport-key': base64Encode(t.transportKey) }, [base64Encode(t.body)]);
    }
    return copy(c);
  });
  return new XmlElement(container.name, container.ns, { ...container.attrs }, children);
}

export function signedInfo(container: XmlElement, parsed: Container, osid: string): Uint8Array {
  return concatBytes(SIGN_LABEL, canonicalize(signedView(container, parsed, osid)));
}
