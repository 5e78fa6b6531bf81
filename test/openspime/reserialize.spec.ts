// Re-serialization robustness with the project's own XML layer (src/xml tokenizer and writer),
// portable, so it also runs on XS: each vector's stanza text is tokenized, re-written by the
// writer and in other styles (quotes, prefixes, extra declarations, indentation, character
// references), tokenized again, and its SignedInfo must still equal the vector's — the bytes the
// committed signature was made over (verified with RSA in vectors.test.ts on Node).
import { base64Encode } from '../../src/bytes/base64.js';
import { utf8Encode } from '../../src/bytes/utf8.js';
import { parseContainer } from '../../src/openspime/container.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { parseDocument, writeElement, type XmlElement } from '../../src/xml/index.js';
import vectors from '../vectors/openspime-vectors.js';
import { serialize, type Style } from '../helpers/xml-text.js';

function findOpenspime(el: XmlElement): XmlElement | undefined {
  if (el.name === 'openspime' && el.ns === NS_CORE) return el;
  for (const c of el.children) if (typeof c !== 'string') { const f = findOpenspime(c); if (f) return f; }
  return undefined;
}

const signedInfoOf = (stanza: XmlElement, osid: string): string => {
  const el = findOpenspime(stanza)!;
  return base64Encode(signedInfo(el, parseContainer(el), osid));
};

const styles: Array<[string, Style]> = [
  ['double quotes', { quote: '"' }],
  ['prefixed namespaces', { prefixes: true }],
  ['extra namespace declarations', { extraNs: { a: 'urn:a', pubsub: 'http://jabber.org/protocol/pubsub' } }],
  ['indentation around elements, text and base64', { indent: '   ', indentText: true }],
  ['character references, reversed attributes', { charRefs: true, reverseAttrs: true }],
];

describe.each(vectors.vectors.map((v) => [v.name, v]))('vector %s through src/xml', (_n, v) => {
  test('tokenizing the stanza text gives the stated SignedInfo', () => {
    expect(signedInfoOf(parseDocument(utf8Encode(v.stanza)), v.osid)).toBe(v.signedInfo);
  });
  test('writer → tokenizer round trip keeps SignedInfo', () => {
    const once = parseDocument(utf8Encode(v.stanza));
    expect(signedInfoOf(parseDocument(writeElement(once)), v.osid)).toBe(v.signedInfo);
  });
  test.each(styles)('re-serialized with %s: same SignedInfo', (_s, style) => {
    const text = serialize(parseDocument(utf8Encode(v.stanza)), style);
    expect(text).not.toBe(v.stanza);
    expect(signedInfoOf(parseDocument(utf8Encode(text)), v.osid)).toBe(v.signedInfo);
  });
  test('a changed value changes SignedInfo', () => {
    const edits: Array<[string, string]> = [['>412.5<', '>512.5<'], ["<request id='", "<request id='0"], ["authorizes='spimeowner", "authorizes='xpimeowner"], ["content-type='x-openspime/", "content-type=' x-openspime/"]];
    const applicable = edits.filter(([from]) => v.stanza.includes(from));
    expect(applicable.length).toBeGreaterThan(0);
    for (const [from, to] of applicable) {
      expect(signedInfoOf(parseDocument(utf8Encode(v.stanza.replace(from, to))), v.osid)).not.toBe(v.signedInfo);
    }
  });
  test('a prefixed (non-xml:) attribute in signed content is refused: prefixes are not information', () => {
    const text = v.stanza.replace('<transport', '<transport xmlns:z="urn:z" z:q="1"');
    expect(() => signedInfoOf(parseDocument(utf8Encode(text)), v.osid)).toThrow('bad-format');
  });
});
