// Resource limits (RFC 6120 §13.12) → policy-violation, and the tokenizer's life cycle: refusal
// after an error, reset() for the stream restarts of RFC 6120 §4.3.3.
import { DEFAULT_XML_LIMITS, XmlError, XmlTokenizer } from '../../src/xml/index.js';
import type { XmlElement } from '../../src/xml/index.js';
import { tokenize, utf8 } from './helpers.js';

const HEAD = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const PV = 'policy-violation';

/** A stream holding `stanza`, and the error (if any) at a few split points, which must agree. */
function limited(stanza: string, limits: object, tail = ''): { condition: string; offset: number } | undefined {
  const input = utf8(HEAD + stanza + tail);
  const whole = tokenize(input, [], limits, false).error;
  for (const k of [1, HEAD.length + 3, input.length - 2]) expect(tokenize(input, [k], limits, false).error).toEqual(whole);
  return whole;
}

describe('limits', () => {
  test('the defaults fit a small device', () => {
    expect(DEFAULT_XML_LIMITS).toEqual({ stanzaBytes: 65536, depth: 32, attributes: 64, nameBytes: 256, elements: 1024 });
  });

  test('stanza bytes: exactly the limit passes, one more is a policy violation at the first byte over', () => {
    const stanza = `<message><body>${'x'.repeat(100 - '<message><body></body></message>'.length)}</body></message>`;
    expect(utf8(stanza).length).toBe(100);
    expect(limited(stanza, { stanzaBytes: 100 })).toBeUndefined();
    expect(limited(stanza.replace('x', 'xy'), { stanzaBytes: 100 })).toEqual({ condition: PV, offset: HEAD.length + 100 });
  });

  test('the limit is per stanza, not per stream', () => {
    const stanza = `<presence>${'x'.repeat(60)}</presence>`;
    expect(limited(stanza.repeat(50), { stanzaBytes: 100 })).toBeUndefined();
  });

  test('the stream header tag is bounded too', () => {
    const { error } = tokenize(utf8(`<stream:stream xmlns:stream='http://etherx.jabber.org/streams' junk='${'j'.repeat(200)}'>`), [], { stanzaBytes: 100 }, false);
    expect(error).toEqual({ condition: PV, offset: 100 });
  });

  test('a large text is stopped at the limit, not after buffering all of it', () => {
    const t = new XmlTokenizer({ streamStart() {}, stanza() {}, streamEnd() {} });
    t.feed(utf8(`${HEAD}<message><body>`));
    const chunk = utf8('A'.repeat(4096));
    let fed = 0;
    let error: unknown;
    try { for (; fed < 1000; fed++) t.feed(chunk); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(XmlError);
    expect((error as XmlError).condition).toBe(PV);
    expect((error as XmlError).offset).toBe(HEAD.length + 65536);
    // HEAD and '<message><body>' came first, so the 16th 4 KB chunk crosses 64 KB.
    expect(fed).toBe(15);
  });

  test('depth', () => {
    expect(limited('<a><b><c/></b></a>', { depth: 4 })).toBeUndefined();
    const deep = '<a><b><c><d/></c></b></a>';
    expect(limited(deep, { depth: 4 })).toEqual({ condition: PV, offset: HEAD.length + deep.indexOf('<d') });
  });

  test('attributes, namespace declarations included', () => {
    expect(limited("<a xmlns='u' b='1' c='2'/>", { attributes: 3 })).toBeUndefined();
    expect(limited("<a xmlns='u' b='1' c='2' d='3'/>", { attributes: 3 })).toEqual({ condition: PV, offset: HEAD.length });
  });

  test('name bytes: element, attribute and entity names', () => {
    // 'stream:stream' is 13 bytes.
    expect(limited("<abcdefghijklm abcdefghijklm='1'/>", { nameBytes: 13 })).toBeUndefined();
    expect(limited('<abcdefghijklmn/>', { nameBytes: 13 })).toEqual({ condition: PV, offset: HEAD.length + 14 });
    expect(limited("<a abcdefghijklmn='1'/>", { nameBytes: 13 })?.condition).toBe(PV);
    expect(limited('<a>&abcdefghijklmn;</a>', { nameBytes: 13 })?.condition).toBe(PV);
    // Two-byte characters count as two.
    expect(limited('<ééééééé/>', { nameBytes: 13 })?.condition).toBe(PV);
  });

  test('elements per stanza', () => {
    expect(limited('<a><b/><b/><b/><b/></a>', { elements: 5 })).toBeUndefined();
    const many = '<a><b/><b/><b/><b/><b/></a>';
    expect(limited(many, { elements: 5 })).toEqual({ condition: PV, offset: HEAD.length + many.lastIndexOf('<b/>') });
  });

  test('white space keepalives are accepted forever (RFC 6120 §4.6.1)', () => {
    const got: XmlElement[] = [];
    const t = new XmlTokenizer({ streamStart() {}, stanza: (s) => got.push(s), streamEnd() {} }, { stanzaBytes: 100 });
    t.feed(utf8(HEAD));
    const space = utf8(' \n'.repeat(512));
    for (let k = 0; k < 2000; k++) t.feed(space); // 2 MB, far over every limit
    t.feed(utf8('<presence/>'));
    t.end();
    expect(got.map((s) => s.name)).toEqual(['presence']);
  });
});

describe('life cycle', () => {
  const sink = { streamStart() {}, stanza() {}, streamEnd() {} };

  test('after an error every call throws the same error until reset()', () => {
    const t = new XmlTokenizer(sink);
    let first: unknown;
    try { t.feed(utf8(`${HEAD}<a></b>`)); } catch (e) { first = e; }
    expect(first).toBeInstanceOf(XmlError);
    let again: unknown;
    try { t.feed(utf8('<a/>')); } catch (e) { again = e; }
    expect(again).toBe(first);
    expect(() => t.end()).toThrow(XmlError);
  });

  test('reset() starts a new stream, offsets from 0, partial tokens forgotten', () => {
    const events: string[] = [];
    const t = new XmlTokenizer({
      streamStart: (h) => events.push(`start ${h.attr('id')}`),
      stanza: (s) => events.push(`${s.name} ${s.attr('type') ?? ''}`),
      streamEnd: () => events.push('end'),
    });
    t.feed(utf8(`<?xml version='1.0'?>${HEAD.replace('>', " id='1'>")}<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type="ge`));
    t.reset();
    t.feed(utf8(`<?xml version='1.0'?>${HEAD.replace('>', " id='2'>")}<iq type='result'/>`));
    expect(events).toEqual(['start 1', 'proceed ', 'start 2', 'iq result']);
    t.reset();
    let error: XmlError | undefined;
    try { t.feed(utf8('<a>\u0001')); } catch (e) { error = e as XmlError; }
    expect(error?.offset).toBe(3);
  });

  test('reset() inside a UTF-8 sequence forgets it', () => {
    const got: string[] = [];
    const t = new XmlTokenizer({ streamStart() {}, stanza: (s) => got.push(s.text()), streamEnd() {} });
    t.feed(utf8(`${HEAD}<a>`));
    t.feed(new Uint8Array([0xe0])); // a lead byte that would forbid 0x80 next
    t.reset();
    t.feed(utf8(`${HEAD}<b>\u00c0</b>`)); // C3 80
    expect(got).toEqual(['\u00c0']);
  });

  test('an exception from the handler stops the tokenizer too', () => {
    const t = new XmlTokenizer({ streamStart() {}, stanza() { throw new Error('handler'); }, streamEnd() {} });
    expect(() => t.feed(utf8(`${HEAD}<a/>`))).toThrow('handler');
    expect(() => t.feed(utf8('<b/>'))).toThrow('handler');
    t.reset();
    expect(() => t.feed(utf8(HEAD))).not.toThrow();
  });
});
