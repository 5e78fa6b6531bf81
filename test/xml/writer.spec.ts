// The writer's exact output: escaping (XML 1.0 §2.4, §3.3.3), namespace declarations only where
// the namespace changes, the RFC 6120 §4.7 stream tags, and refusal of what XML cannot represent.
import { parseDocument, XmlElement, XmlError, XmlWriter, writeElement, writeStreamClose, writeStreamOpen, xml } from '../../src/xml/index.js';
import { utf8 } from './helpers.js';

const str = (b: Uint8Array): string => {
  // Decode UTF-8 independently of src/ (test helper), via percent-encoding.
  let s = '';
  for (const x of b) s += `%${x.toString(16).padStart(2, '0')}`;
  return decodeURIComponent(s);
};

describe('XmlWriter', () => {
  test('escapes text: & < > and CR; tab and LF stay', () => {
    expect(str(writeElement(xml('a', null, 'x & y < z > ]]> \r\n\t')))).toBe('<a>x &amp; y &lt; z &gt; ]]&gt; &#13;\n\t</a>');
  });

  test('escapes attribute values: quotes, & < >, tab LF CR as references', () => {
    expect(str(writeElement(xml('a', { v: `'"&<>\t\n\r` })))).toBe("<a v='&apos;&quot;&amp;&lt;&gt;&#9;&#10;&#13;'/>");
  });

  test('UTF-8 for every plane', () => {
    expect(writeElement(xml('a', { 'é': 'ü' }, '東😀'))).toEqual(utf8('<a é=\'ü\'>東😀</a>'));
  });

  test('declares a namespace only where it differs from the context', () => {
    const iq = xml('iq', { type: 'get', id: '1' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'a@b' })));
    expect(str(writeElement(iq, 'jabber:client'))).toBe("<iq type='get' id='1'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>");
    const m = new XmlElement('message', 'jabber:client', {}, [new XmlElement('body', 'jabber:client', {}, ['hi']), new XmlElement('x', 'urn:x', {}, [new XmlElement('y', '', {}, [])])]);
    expect(str(writeElement(m, 'jabber:client'))).toBe("<message><body>hi</body><x xmlns='urn:x'><y/></x></message>");
    expect(str(writeElement(m))).toBe("<message xmlns='jabber:client'><body>hi</body><x xmlns='urn:x'><y/></x></message>");
    // Leaving a namespace for "none" needs xmlns=''.
    expect(str(writeElement(new XmlElement('a', 'urn:a', {}, [new XmlElement('b', 'urn:b', {}, [])]), 'urn:a'))).toBe("<a><b xmlns='urn:b'/></a>");
  });

  test('no namespace (ns null, xml() with xmlns: \'\') is written xmlns=\'\' under a default namespace; ns \'\' takes the parent\'s', () => {
    const el = xml('x', { xmlns: 'urn:x' }, xml('y', { xmlns: '' }, xml('z')), xml('w'));
    expect([el.getChild('y')!.ns, el.getChild('y')!.getChild('z')!.ns, el.getChild('w')!.ns]).toEqual([null, null, 'urn:x']);
    expect(str(writeElement(el))).toBe("<x xmlns='urn:x'><y xmlns=''><z/></y><w/></x>");
    // under a context without a default namespace nothing needs undeclaring
    expect(str(writeElement(xml('y', { xmlns: '' })))).toBe('<y/>');
    expect(str(writeElement(xml('y', { xmlns: '' }), 'jabber:client'))).toBe("<y xmlns=''/>");
    // a parsed no-namespace element keeps its meaning when re-serialized into a namespaced parent
    const parsed = parseDocument(utf8("<a xmlns='u'><b xmlns=''><c/></b></a>"));
    expect(str(writeElement(parsed))).toBe("<a xmlns='u'><b xmlns=''><c/></b></a>");
    expect(parseDocument(writeElement(parsed))).toEqual(parsed);
    // appended after building, an element without xmlns still takes its parent's namespace on the wire
    const late = xml('x', { xmlns: 'urn:x' });
    late.children.push(new XmlElement('v', '', {}, []), new XmlElement('n', null, {}, []));
    expect(str(writeElement(late))).toBe("<x xmlns='urn:x'><v/><n xmlns=''/></x>");
  });

  test('an xmlns attribute never overrides ns', () => {
    expect(str(writeElement(new XmlElement('a', 'urn:a', { xmlns: 'urn:b' }, [])))).toBe("<a xmlns='urn:a'/>");
  });

  test('stream open and close tags (RFC 6120 §4.7)', () => {
    expect(str(writeStreamOpen({ to: 'spime.openspime.com' }))).toBe(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='spime.openspime.com' version='1.0'>");
    expect(str(writeStreamOpen({ to: 'a', from: 'b@a', lang: 'en', ns: 'jabber:server', declaration: false }))).toBe(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='a' from='b@a' xml:lang='en' version='1.0'>");
    expect(str(writeStreamClose())).toBe('</stream:stream>');
  });

  test.each([
    ['a control character in text', xml('a', null, 'x\u0001')],
    ['NUL in an attribute', xml('a', { v: '\u0000' })],
    ['a lone high surrogate', xml('a', null, 'x\ud800y')],
    ['a lone low surrogate', xml('a', null, '\udc00')],
    ['U+FFFE', xml('a', null, '\ufffe')],
    ['an element name with a colon', xml('p:a')],
    ['an element name starting with a digit', xml('1a')],
    ['an empty element name', xml('')],
    ['an attribute name with two colons', xml('a', { 'p:q:r': '1' })],
    ['an attribute name with a space', xml('a', { 'a b': '1' })],
  ])('refuses %s with an XmlError', (_name, el) => {
    const w = new XmlWriter();
    w.element(xml('ok'));
    expect(() => w.element(xml('wrapper', null, el))).toThrow(XmlError);
    // Nothing of the refused element stays in the buffer.
    expect(str(w.take())).toBe('<ok/>');
  });

  test('grows its buffer for long content and reuses it after take()', () => {
    const long = 'QUJD'.repeat(20000);
    const w = new XmlWriter(16);
    const out = w.element(xml('transport', null, long)).take();
    expect(out.length).toBe(long.length + '<transport></transport>'.length);
    expect(w.length).toBe(0);
    expect(str(w.element(xml('b')).take())).toBe('<b/>');
  });
});
