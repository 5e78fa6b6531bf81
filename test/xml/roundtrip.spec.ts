// Round trip, as a property: any element tree the writer accepts comes back from the tokenizer
// unchanged (up to what XML cannot tell apart: adjacent text merges, empty text vanishes, and a
// namespace of '' means the context's).
import fc from 'fast-check';
import { XmlElement, XmlWriter, parseDocument, writeElement } from '../../src/xml/index.js';
import { onXs, tokenize } from './helpers.js';

const NAME_START = ['a', 'b', 'Z', '_', 'é', 'Ω', '東', '\u{10000}'];
const NAME_MORE = [...NAME_START, '-', '.', '7', '·', '\u0300', '\u203f'];
const name = fc.tuple(fc.constantFrom(...NAME_START), fc.array(fc.constantFrom(...NAME_MORE), { maxLength: 5 })).map(([a, b]) => a + b.join(''));

// Characters XML can carry, weighted towards the ones that need escaping or normalization.
const unit = fc.oneof(
  fc.constantFrom('<', '>', '&', ']', ']]>', '"', "'", '\t', '\n', '\r', '\r\n', ' ', '&amp;', '\u0085', '\u2028'),
  fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const text = fc.string({ unit, maxLength: 12 });
const ns = fc.constantFrom<string | null>('', '', null, 'jabber:client', 'urn:x', 'urn:ü', "urn:'q'&<>", 'http://jabber.org/protocol/pubsub#event');
const attrs = fc.tuple(
  fc.dictionary(name, text, { maxKeys: 4, noNullPrototype: true }),
  fc.option(text, { nil: undefined }),
).map(([a, lang]) => (lang === undefined ? a : { ...a, 'xml:lang': lang }));

const { tree } = fc.letrec<{ tree: XmlElement; node: XmlElement | string }>((tie) => ({
  tree: fc.record({ name, ns, attrs, children: fc.array(tie('node'), { maxLength: 4 }) })
    .map((r) => new XmlElement(r.name, r.ns, r.attrs, r.children)),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, tie('tree')),
}));

/** What the tokenizer must give back for `el` written where `context` is the default namespace. */
function expected(el: XmlElement, context: string): XmlElement {
  // '' (built, not chosen) is the context's; null (no namespace) stays none, even under a default
  const ns = el.ns === '' ? context : el.ns ?? '';
  const children: Array<XmlElement | string> = [];
  for (const c of el.children) {
    if (typeof c !== 'string') children.push(expected(c, ns));
    else if (c !== '') {
      // §2.11: the writer escapes CR, so text comes back exactly; adjacent strings merge.
      const last = children[children.length - 1];
      if (typeof last === 'string') children[children.length - 1] = last + c;
      else children.push(c);
    }
  }
  return new XmlElement(el.name, ns === '' ? null : ns, { ...el.attrs }, children);
}

const runs = onXs ? 100 : 400;

describe('writer → tokenizer round trip', () => {
  test('stanzas inside a stream (property)', () => {
    fc.assert(fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), (stanzas) => {
      const w = new XmlWriter().streamOpen({ to: 'example.com' });
      for (const s of stanzas) w.element(s, 'jabber:client');
      const { events, error } = tokenize(w.streamClose().take());
      expect(error).toBeUndefined();
      expect(events.slice(1, -1).map((e) => (e.type === 'stanza' ? e.element : e))).toEqual(stanzas.map((s) => expected(s, 'jabber:client')));
    }), { numRuns: runs });
  });

  test('a whole document (property)', () => {
    fc.assert(fc.property(tree, (root) => {
      expect(parseDocument(writeElement(root))).toEqual(expected(root, ''));
    }), { numRuns: runs });
  });

  test('written text never contains "]]>" nor a raw CR', () => {
    fc.assert(fc.property(text, (t) => {
      const out = String.fromCharCode(...writeElement(new XmlElement('a', '', { t }, [t])));
      expect(out.includes(']]>')).toBe(false);
      expect(out.includes('\r')).toBe(false);
    }), { numRuns: runs });
  });
});
