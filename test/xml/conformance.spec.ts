// Conformance table: XML 1.0 (Fifth Edition) productions and constraints, Namespaces in XML 1.0,
// and the RFC 6120 §11.1 restrictions. Inputs are byte strings (one char per byte); U() spells
// Unicode text as its UTF-8 bytes. Offsets are where the fault is (a tag's `<` for tag-level faults,
// the input's length for premature ends).
import { checkDocument, bytes, tokenize, utf8 } from './helpers.js';

const U = (s: string): string => String.fromCharCode(...utf8(s));
const NWF = 'not-well-formed', RX = 'restricted-xml';

const REJECTED: Array<[string, string, string, number]> = [
  // [1] document, [39] element: one root, nothing but Misc around it
  ['no root', '', NWF, 0],
  ['text before the root', 'text<a/>', NWF, 0],
  ['text after the root', '<a/>x', NWF, 4],
  ['a second root', '<a/><b/>', NWF, 4],
  ['unclosed root', '<a>', NWF, 3],
  ['unclosed start tag', '<a', NWF, 2],
  ['unclosed end tag', '<a></a', NWF, 6],
  ['end tag first', '</a>', NWF, 0],
  // [40] STag, [42] ETag, [44] EmptyElemTag, WFC: Element Type Match
  ['mismatched end tag', '<a></b>', NWF, 3],
  ['mismatched nesting', '<a><b></a></b>', NWF, 6],
  // U+00C3 U+00B7 (a valid name) are two code units equal to the UTF-8 bytes of U+00F7, which
  // cannot start a name: the end tag must be compared as characters, not units against bytes.
  ['end tag whose bytes equal the start name\'s code units', U('<a><\u00c3\u00b7></\u00f7></a>'), NWF, 11],
  ['space after <', '< a/>', NWF, 1],
  ['space after </', '<a></ a>', NWF, 5],
  ['garbage after /', '<a/ >', NWF, 3],
  // [4] NameStartChar, [4a] NameChar
  ['digit starts a name', '<1a/>', NWF, 1],
  ['hyphen starts a name', '<-a/>', NWF, 1],
  ['NUL in a name', '<a\x00/>', NWF, 2],
  ['U+00D7 in a name', U('<a\u00d7/>'), NWF, 2],
  ['U+037E in a name', U('<a\u037e/>'), NWF, 2],
  ['combining mark starts a name', U('<\u0300a/>'), NWF, 1],
  ['bad character in an attribute name', '<a b$="1"/>', NWF, 4],
  // [41] Attribute, [10] AttValue, WFC: Unique Att Spec, WFC: No < in Attribute Values
  ['attribute without value', '<a b/>', NWF, 4],
  ['unquoted value', '<a b=1/>', NWF, 5],
  ['no space between attributes', '<a b="1"c="2"/>', NWF, 8],
  ['duplicate attribute', '<a b="1" b="2"/>', NWF, 0],
  ['< in an attribute value', '<a b="<"/>', NWF, 6],
  ['< ends an unterminated attribute value', '<a b="1></a>', NWF, 8],
  ['unterminated attribute value', '<a b="1', NWF, 7],
  ['control character in an attribute', '<a b="\x01"/>', NWF, 6],
  // [67] Reference, [68] EntityRef, [66] CharRef, WFC: Legal Character
  ['bare &', '<a>&</a>', NWF, 4],
  ['& and space', '<a>& amp;</a>', NWF, 4],
  ['reference without ;', '<a>&amp</a>', NWF, 7],
  ['empty decimal reference', '<a>&#;</a>', NWF, 5],
  ['empty hex reference', '<a>&#x;</a>', NWF, 6],
  ['letter in a decimal reference', '<a>&#12a;</a>', NWF, 7],
  ['uppercase X in a hex reference', '<a>&#X41;</a>', NWF, 5],
  ['reference to NUL', '<a>&#0;</a>', NWF, 6],
  ['reference to U+001F', '<a>&#x1F;</a>', NWF, 8],
  ['reference to a surrogate', '<a>&#xD800;</a>', NWF, 10],
  ['reference to U+FFFE', '<a>&#xFFFE;</a>', NWF, 10],
  ['reference above U+10FFFF', '<a>&#x110000;</a>', NWF, 12],
  ['huge decimal reference', '<a>&#99999999999999999999;</a>', NWF, 25],
  // [14] CharData must not contain "]]>"; [2] Char
  [']]> in text', '<a>x]]>y</a>', NWF, 4],
  ['NUL in text', '<a>\x00</a>', NWF, 3],
  ['U+000B in text', '<a>\x0b</a>', NWF, 3],
  ['U+001F in text', '<a>\x1f</a>', NWF, 3],
  ['U+FFFE in text', '<a>\xef\xbf\xbe</a>', NWF, 3],
  ['U+FFFF in text', '<a>\xef\xbf\xbf</a>', NWF, 3],
  // RFC 3629 §4 UTF-8 (XML 1.0 §4.3.3)
  ['lone continuation byte', '<a>\x80</a>', NWF, 3],
  ['overlong 2-byte', '<a>\xc0\x80</a>', NWF, 3],
  ['overlong 2-byte (C1)', '<a>\xc1\xbf</a>', NWF, 3],
  ['overlong 3-byte', '<a>\xe0\x80\x80</a>', NWF, 4],
  ['overlong 4-byte', '<a>\xf0\x80\x80\x80</a>', NWF, 4],
  ['UTF-8 surrogate', '<a>\xed\xa0\x80</a>', NWF, 4],
  ['above U+10FFFF', '<a>\xf4\x90\x80\x80</a>', NWF, 4],
  ['F5 lead byte', '<a>\xf5\x80\x80\x80</a>', NWF, 3],
  ['FF byte', '<a>\xff</a>', NWF, 3],
  ['truncated sequence', '<a>\xe2\x82</a>', NWF, 5],
  ['truncated at the end', '<a>\xe2\x82', NWF, 5],
  ['invalid UTF-8 in a name', '<a\xc3/>', NWF, 3],
  // Namespaces in XML 1.0
  ['unbound element prefix', '<p:a/>', NWF, 0],
  ['unbound attribute prefix', '<a p:b="1"/>', NWF, 0],
  ['two colons', '<a:b:c xmlns:a="u"/>', NWF, 0],
  ['leading colon', '<:a/>', NWF, 0],
  ['trailing colon', '<a: xmlns:a="u"/>', NWF, 0],
  ['duplicate after expansion', '<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>', NWF, 0],
  ['prefix undeclared', '<a xmlns:p=""/>', NWF, 0],
  ['xml bound elsewhere', '<a xmlns:xml="urn:other"/>', NWF, 0],
  ['the XML namespace under another prefix', '<a xmlns:x="http://www.w3.org/XML/1998/namespace"/>', NWF, 0],
  ['xmlns declared', '<a xmlns:xmlns="urn:x"/>', NWF, 0],
  ['element with the xmlns prefix', '<xmlns:a/>', NWF, 0],
  ['prefix out of scope', '<a><b xmlns:p="u"/><p:c/></a>', NWF, 19],
  // [23] XMLDecl
  ['version 2.0', '<?xml version="2.0"?><a/>', NWF, 0],
  ['no version', '<?xml encoding="UTF-8"?><a/>', NWF, 0],
  ['bad standalone', "<?xml version='1.0' standalone='maybe'?><a/>", NWF, 0],
  ['attributes out of order', "<?xml encoding='UTF-8' version='1.0'?><a/>", NWF, 0],
  ['reserved target in capitals', '<?XML version="1.0"?><a/>', NWF, 0],
  ['invalid encoding name', "<?xml version='1.0' encoding='-x'?><a/>", NWF, 0],
  // <! constructs other than CDATA sections, comments and the DTD
  ['unknown <!', '<a><!x></a>', NWF, 5],
  ['misspelt CDATA', '<a><![CDATX[x]]></a>', NWF, 10],
  ['CDATA outside the root', '<![CDATA[x]]><a/>', NWF, 0],
  ['single dash', '<a><!-x--></a>', NWF, 6],
  // RFC 6120 §11.1: restricted XML
  ['comment', '<a><!-- c --></a>', RX, 3],
  ['comment before the root', '<!-- c --><a/>', RX, 0],
  ['document type declaration', '<!DOCTYPE a><a/>', RX, 0],
  ['internal subset with an entity', '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', RX, 0],
  ['processing instruction first', '<?pi x?><a/>', RX, 0],
  ['processing instruction inside', '<a><?pi x?></a>', RX, 3],
  ['declaration not at the start', ' <?xml version="1.0"?><a/>', RX, 1],
  ['undeclared entity in text', '<a>&nbsp;</a>', RX, 3],
  ['undeclared entity in an attribute', '<a b="&e;"/>', RX, 6],
  // Also guards the native tag path against regular-expression backtracking on long values.
  ['undeclared entity after a long value', `<a b="${'x'.repeat(3000)}&e;" c='${'y'.repeat(3000)}'/>`, RX, 3006],
  // RFC 6120 §11.6: UTF-8 only
  ['ISO-8859-1', "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 'unsupported-encoding', 0],
  ['UTF-16', '<?xml version="1.0" encoding="UTF-16"?><a/>', 'unsupported-encoding', 0],
];

const ACCEPTED: Array<[string, string]> = [
  ['empty element', '<a/>'],
  ['start and end tag', '<a></a>'],
  ['white space in tags', '<a  b = "1"\n\tc=\'2\'  ></a \n>'],
  ['white space around the root', '\r\n <a/> \n'],
  ['declaration', '<?xml version="1.0"?><a/>'],
  ['declaration with encoding and standalone', "<?xml version='1.0' encoding='utf-8' standalone='no' ?>\n<a/>"],
  ['version 1.1 read as 1.0 (§2.8)', "<?xml version='1.1'?><a/>"],
  ['byte order mark', '\xef\xbb\xbf<?xml version="1.0"?><a/>'],
  ['name characters', U('<_a-b.c1\u00b7\u0300/>')],
  ['non-ASCII names', U('<\u6771\u4eac \u00e9t\u00e9="1"/>')],
  ['supplementary-plane name', U('<\u{10000}/>')],
  ['> and ]] in text', '<a>a>b ]] ]> ]</a>'],
  ['DEL and C1 controls are Char in XML 1.0', U('<a>\u007f\u0080\u009f</a>')],
  ['empty CDATA section', '<a><![CDATA[]]></a>'],
  ['prefixed element', '<p:a xmlns:p="u"/>'],
  ['same local name in two namespaces', '<a xmlns:p="u" p:b="1" b="2"/>'],
  ['default namespace undeclared', '<a xmlns="u"><b xmlns=""/></a>'],
  ['the xml prefix declared correctly', '<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>'],
  ['both quotes in values', `<a b="'" c='"'/>`],
];

// Replacement text and normalization (§2.11 end-of-line handling, §3.3.3 attribute normalization, §4.6).
const VALUES: Array<[string, string, string]> = [
  ['predefined entities', '<a>&lt;&gt;&amp;&apos;&quot;</a>', `<>&'"`],
  ['character references', '<a>&#65;&#x41;&#x10FFFF;&#9;&#xa;&#13;</a>', 'AA\u{10FFFF}\t\n\r'],
  ['CRLF and CR become LF in text', '<a>x\r\ny\rz\r\r\n</a>', 'x\ny\nz\n\n'],
  ['CDATA is literal', '<a>x<![CDATA[<&amp;]]]]>y</a>', 'x<&amp;]]y'],
  ['CR in CDATA is normalized too', '<a><![CDATA[a\r\nb]]></a>', 'a\nb'],
  // Long enough for the native paths of the tokenizer.
  ['long text with references and non-ASCII', U(`<a>${'x'.repeat(40)}&amp;&#233;é東😀&#x1F600;]${'y'.repeat(40)}\r\n</a>`), `${'x'.repeat(40)}&éé東😀😀]${'y'.repeat(40)}\n`],
];
const ATTRIBUTES: Array<[string, string, string]> = [
  ['white space becomes spaces', '<a v="a\r\nb\tc\nd\re"/>', 'a b c d e'],
  ['references are not normalized', '<a v="&#9;&#10;&#13;&#x20;"/>', '\t\n\r '],
  ['entities and > in values', `<a v='&lt;&amp;&quot;&apos;>"'/>`, `<&"'>"`],
  ['long value with references and non-ASCII', U(`<a v='${'x'.repeat(40)}&amp;&#233;é東😀&#x1F600;&quot;${'y'.repeat(40)}'/>`), `${'x'.repeat(40)}&éé東😀😀"${'y'.repeat(40)}`],
];

describe('XML conformance: rejected input', () => {
  test.each(REJECTED)('%s', (_name, input, condition, offset) => {
    expect(checkDocument(bytes(input)).error).toEqual({ condition, offset });
  });
});

describe('XML conformance: accepted input', () => {
  test.each(ACCEPTED)('%s', (_name, input) => {
    const { events, error } = checkDocument(bytes(input));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['stanza']);
  });

  test.each(VALUES)('text: %s', (_name, input, text) => {
    const { events } = checkDocument(bytes(input));
    expect(events[0].type === 'stanza' && events[0].element.text()).toBe(text);
  });

  test.each(ATTRIBUTES)('attribute: %s', (_name, input, value) => {
    const { events } = checkDocument(bytes(input));
    expect(events[0].type === 'stanza' && events[0].element.attr('v')).toBe(value);
  });

  test('namespaces resolve per element and attributes keep their written names', () => {
    const { events } = checkDocument(utf8('<a xmlns="u"><b xmlns=""/><p:c xmlns:p="v" p:x="1"><d/></p:c></a>'));
    const root = events[0].type === 'stanza' ? events[0].element : undefined;
    expect(root?.ns).toBe('u');
    expect(root?.getChild('b')?.ns).toBe(null); // xmlns='' undeclares: no namespace, not "inherit"
    expect(root?.getChild('c')?.ns).toBe('v');
    expect(root?.getChild('c')?.attrs).toEqual({ 'p:x': '1' });
    expect(root?.getChild('c')?.getChild('d')?.ns).toBe('u');
  });

  test('no namespace is null: without any default declaration, and below xmlns=\'\' until one is declared again', () => {
    const { events } = checkDocument(utf8('<a><b xmlns="u"><c xmlns=""><d/><e xmlns="w"/></c></b></a>'));
    const a = events[0].type === 'stanza' ? events[0].element : undefined;
    const c = a?.getChild('b')?.getChild('c');
    expect([a?.ns, a?.getChild('b')?.ns, c?.ns, c?.getChild('d')?.ns, c?.getChild('e')?.ns]).toEqual([null, 'u', null, null, 'w']);
    expect(c?.getChild('d', null)).toBeDefined();
    expect(c?.getChild('d', 'u')).toBeUndefined();
  });

  test('an attribute named __proto__ is an ordinary attribute', () => {
    const { events } = checkDocument(utf8('<a __proto__="x"/>'));
    const root = events[0].type === 'stanza' ? events[0].element : undefined;
    expect(root?.attr('__proto__')).toBe('x');
    expect(Object.getPrototypeOf(root?.attrs)).toBe(Object.prototype);
  });
});

describe('XMPP stream specifics', () => {
  const HEAD = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

  test('content after the closed stream is rejected', () => {
    const input = `${HEAD}</stream:stream><a/>`;
    expect(tokenize(utf8(input)).error).toEqual({ condition: NWF, offset: input.indexOf('<a/>') });
  });

  test('an empty stream element starts and ends the stream', () => {
    expect(tokenize(utf8("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>")).events.map((e) => e.type)).toEqual(['start', 'end']);
  });

  test('character data between stanzas is checked but not delivered', () => {
    const ok = tokenize(utf8(`${HEAD} x &amp; y <a/>`));
    expect(ok.error).toBeUndefined();
    expect(ok.events.map((e) => e.type)).toEqual(['start', 'stanza']);
    expect(tokenize(utf8(`${HEAD} &bogus; <a/>`)).error?.condition).toBe(RX);
  });

  test('input that ends inside a stanza is incomplete', () => {
    const input = `${HEAD}<message><body>hi`;
    expect(tokenize(utf8(input)).error).toEqual({ condition: NWF, offset: input.length });
    expect(tokenize(utf8(input), [], {}, false).error).toBeUndefined();
  });
});
