// The tokenizer on real XMPP traffic (test/xml/corpus.ts): events, trees, resolved namespaces.
import { XML_NS } from '../../src/xml/index.js';
import type { XmlElement } from '../../src/xml/index.js';
import { CLIENT_STREAM, OPENSPIME_STREAM, SERVER_STREAM } from './corpus.js';
import { tokenize, utf8 } from './helpers.js';

const STREAMS = 'http://etherx.jabber.org/streams';

function stanzas(source: string): XmlElement[] {
  const { events, error } = tokenize(utf8(source));
  expect(error).toBeUndefined();
  return events.flatMap((e) => (e.type === 'stanza' ? [e.element] : []));
}

describe('XmlTokenizer on a server stream', () => {
  const { events, error } = tokenize(utf8(SERVER_STREAM));
  const list = events.flatMap((e) => (e.type === 'stanza' ? [e.element] : []));

  test('delivers the header, then each stanza, then the end', () => {
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', ...list.map(() => 'stanza'), 'end']);
    expect(list.map((s) => s.name)).toEqual(['features', 'challenge', 'success', 'iq', 'iq', 'presence', 'message', 'iq', 'message', 'message', 'error']);
  });

  test('the header carries its attributes and namespace declarations, and no children', () => {
    const start = events[0];
    if (start.type !== 'start') throw new Error('no header');
    expect(start.header.name).toBe('stream');
    expect(start.header.ns).toBe(STREAMS);
    expect(start.header.attrs).toEqual({ id: '5c8e1f3a-7b2d-4e8a', from: 'spime.openspime.com', version: '1.0', 'xml:lang': 'en' });
    expect(start.namespaces).toEqual({ '': 'jabber:client', stream: STREAMS });
    expect(start.header.children).toEqual([]);
  });

  test('namespaces: prefixed, default inherited from the stream, and redeclared', () => {
    expect(list[0].ns).toBe(STREAMS);
    expect(list[0].getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls')?.getChild('required')?.ns).toBe('urn:ietf:params:xml:ns:xmpp-tls');
    expect(list[0].getChild('mechanisms')?.getChildren('mechanism').map((m) => m.text())).toEqual(['SCRAM-SHA-1', 'PLAIN']);
    expect(list[3].ns).toBe('jabber:client');
    expect(list[3].getChild('bind', 'urn:ietf:params:xml:ns:xmpp-bind')?.getChildText('jid')).toBe('4A6B-5638-0312111D@spime.openspime.com/spime');
    expect(list[10].ns).toBe(STREAMS);
    expect(list[10].getChild('text')?.ns).toBe('urn:ietf:params:xml:ns:xmpp-streams');
  });

  test('entities, character references and non-ASCII text are decoded', () => {
    expect(list[4].getChild('query')?.getChild('item')?.attr('name')).toBe('Ostinelli & Co.');
    expect(list[5].getChildText('status')).toBe('In ufficio — però 3 < 4 && 5 > 2');
    expect(list[5].attr('xml:lang')).toBe('it');
    expect(list[6].attr('id')).toBe('msg1');
    expect(list[6].getChildText('body')).toBe('Ciao! Città: Milano, température 21 °C, 東京 and 😀 (U+1F600); "quoted" \'apos\' © 🚀\nsecond line\twith a tab');
  });

  test('a CDATA section joins the surrounding text as one text node', () => {
    const text = list[9].getChild('error')?.getChild('text');
    expect(text?.children).toEqual(['Service <unavailable> & "down" for now']);
    expect(text?.attr('xml:lang')).toBe('en');
  });

  test('white space between stanzas is not delivered; inside stanzas it is kept', () => {
    const summary = list[8].getChild('event')?.getChild('items')?.getChild('item')?.getChild('entry')?.getChildText('summary');
    expect(summary).toBe("To be, or not to be: that is the question:\nWhether 'tis nobler in the mind to suffer\nThe slings & arrows of outrageous fortune");
  });
});

describe('XmlTokenizer on the OpenSpime examples', () => {
  const list = stanzas(OPENSPIME_STREAM);

  test('all eight stanzas', () => {
    expect(list.map((s) => `${s.name} ${s.attr('type') ?? ''}`)).toEqual(['iq set', 'iq error', 'iq set', 'iq get', 'iq result', 'iq set', 'iq set', 'message ']);
  });

  test('a data report, with the layout white space kept as text', () => {
    const data = list[0].getChild('openspime', 'openspime:protocol:core')?.getChild('transport')?.getChild('data', 'openspime:protocol:extension:data');
    const entry = data?.getChild('entry');
    expect(entry?.ns).toBe('openspime:protocol:extension:data');
    expect(entry?.getChildText('exposure')).toBe('outdoor');
    expect(entry?.getChild('ele')?.attr('unit')).toBe('m');
    expect(entry?.getChildText('ppm')).toBe('176.4');
    expect(entry?.children[0]).toBe('\n               ');
    expect(list[0].attr('xml:lang')).toBe('en');
  });

  test('an encrypted transport: attributes across lines, base64 text', () => {
    const transport = list[2].getChild('openspime')?.getChild('transport');
    expect(transport?.attr('content-type')).toBe('x-openspime/aes-base64');
    expect(transport?.attr('transport-key')).toBe('q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=');
    expect(transport?.text().trim()).toMatch(/^U2FsdGVkX1\+vupppZks[A-Za-z0-9+/=]+$/);
  });

  test('the pubsub SpimeSeek request keeps every namespace straight', () => {
    const item = list[6].getChild('pubsub', 'http://jabber.org/protocol/pubsub')?.getChild('publish')?.getChild('item');
    const originator = item?.getChild('openspime', 'openspime:protocol:core')?.getChild('originator');
    expect(originator?.getChild('claimkey')?.text().trim()).toBe('c2VjcmV0IGNsYWltIGtleQ==');
    const request = item?.getChild('openspime')?.getChild('transport')?.getChild('spimeseek', 'http://openspime.org/protocol/spimeseek')?.getChild('request');
    expect(request?.getChildText('encrequired')).toBe('true');
    expect(request?.ns).toBe('http://openspime.org/protocol/spimeseek');
  });

  test('an unclosed stream ends without a stream end event', () => {
    const { events, error } = tokenize(utf8(OPENSPIME_STREAM));
    expect(error).toBeUndefined();
    expect(events[events.length - 1].type).toBe('stanza');
  });
});

describe('XmlTokenizer on a client stream', () => {
  test('keepalive white space and tabs between stanzas', () => {
    expect(stanzas(CLIENT_STREAM).map((s) => s.name)).toEqual(['auth', 'iq', 'presence', 'iq']);
  });

  test('xml:lang is in the XML namespace, which is bound without a declaration', () => {
    // Binding another prefix to the XML namespace is an error (Namespaces in XML §3), reported at the tag.
    const bad = `<stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS}'><m xml:lang='en' xmlns:x='${XML_NS}'/>`;
    const { error } = tokenize(utf8(bad), [], {}, false);
    expect(error).toEqual({ condition: 'not-well-formed', offset: bad.indexOf('<m') });
    const ok = tokenize(utf8(`<stream:stream xmlns='jabber:client' xmlns:stream='${STREAMS}'><m xmlns:xml='${XML_NS}' xml:lang='en'/>`));
    expect(ok.error).toBeUndefined();
  });
});
