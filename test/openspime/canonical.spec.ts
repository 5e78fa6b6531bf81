// The canonical form (docs/PROTOCOL.md §4.2), portable: trees that differ only in what an
// intermediary may change canonicalize to the same bytes; trees that differ in information do not.
import { utf8Decode } from '../../src/bytes/utf8.js';
import { canonicalize } from '../../src/openspime/canonical.js';
import { OpenSpimeError } from '../../src/openspime/errors.js';
import { xml, XmlElement } from '../../src/xml/element.js';

const c = (el: XmlElement): string => utf8Decode(canonicalize(el))!;

describe('canonical form', () => {
  const base = xml('data', { xmlns: 'urn:x', version: '0.9', b: '2', a: '1' }, xml('entry', null, xml('ppm', null, '176.4'), xml('ele', { unit: 'm' }, '120.0')));
  test('writes the documented form', () => {
    expect(c(base)).toBe('<data xmlns="urn:x" a="1" b="2" version="0.9"><entry><ppm>176.4</ppm><ele unit="m">120.0</ele></entry></data>');
  });
  test('indentation and whitespace around text do not count', () => {
    const pretty = new XmlElement('data', 'urn:x', { a: '1', version: '0.9', b: '2' }, ['\n  ',
      new XmlElement('entry', 'urn:x', {}, ['\n    ', new XmlElement('ppm', 'urn:x', {}, ['\n 176.4 \t']), '\n    ', new XmlElement('ele', 'urn:x', { unit: 'm' }, ['120.0']), '\n  ']), '\n']);
    expect(c(pretty)).toBe(c(base));
  });
  test('split text nodes merge', () => {
    expect(c(xml('a', { xmlns: 'u' }, '1', '7', '6'))).toBe(c(xml('a', { xmlns: 'u' }, '176')));
  });
  test('information changes the bytes: text, attribute, namespace, order of elements', () => {
    const variants = [
      xml('data', { xmlns: 'urn:x', version: '0.9', b: '2', a: '1' }, xml('entry', null, xml('ppm', null, '176.5'), xml('ele', { unit: 'm' }, '120.0'))),
      xml('data', { xmlns: 'urn:x', version: '0.9', b: '2', a: '1' }, xml('entry', null, xml('ppm', null, '176.4'), xml('ele', { unit: 'km' }, '120.0'))),
      xml('data', { xmlns: 'urn:y', version: '0.9', b: '2', a: '1' }, xml('entry', null, xml('ppm', null, '176.4'), xml('ele', { unit: 'm' }, '120.0'))),
      xml('data', { xmlns: 'urn:x', version: '0.9', b: '2', a: '1' }, xml('entry', null, xml('ele', { unit: 'm' }, '120.0'), xml('ppm', null, '176.4'))),
      xml('data', { xmlns: 'urn:x', version: '0.9', b: '2' }, xml('entry', null, xml('ppm', null, '176.4'), xml('ele', { unit: 'm' }, '120.0'))),
    ];
    const seen = new Set([c(base)]);
    for (const v of variants) seen.add(c(v));
    expect(seen.size).toBe(variants.length + 1);
  });
  test('a child in another namespace declares it; a child back in the parent\'s does not', () => {
    expect(c(xml('a', { xmlns: 'u' }, xml('b', { xmlns: 'v' }, xml('c', { xmlns: 'u' }))))).toBe('<a xmlns="u"><b xmlns="v"><c xmlns="u"></c></b></a>');
  });
  test('escapes text and attribute values (C14N rules)', () => {
    expect(c(xml('a', { xmlns: 'u', q: 'x"<&>\t\n\r' }, 'a<b>&c\r'))).toBe('<a xmlns="u" q="x&quot;&lt;&amp;>&#x9;&#xA;&#xD;">a&lt;b&gt;&amp;c</a>');
  });
  test('encodes non-ASCII as UTF-8', () => {
    expect(Array.from(canonicalize(xml('a', { xmlns: '' }, '\u00e9')))).toEqual(Array.from(new Uint8Array([60, 97, 32, 120, 109, 108, 110, 115, 61, 34, 34, 62, 0xc3, 0xa9, 60, 47, 97, 62])));
  });
  test('prefixed attributes other than xml: are refused with bad-format; xml:lang is kept', () => {
    expect(() => canonicalize(new XmlElement('a', 'u', { 'foo:bar': '1' }))).toThrow(OpenSpimeError);
    expect(c(new XmlElement('a', 'u', { 'xml:lang': 'en' }))).toBe('<a xmlns="u" xml:lang="en"></a>');
  });
});
