// Split invariance: the events (and errors, with their offsets) must not depend on where the
// input is cut into chunks — inside a UTF-8 sequence, a tag, an attribute, a reference or "]]>".
import fc from 'fast-check';
import { CLIENT_STREAM, OPENSPIME_STREAM, SERVER_STREAM } from './corpus.js';
import { bytes, onXs, splitPoints, tokenize, utf8 } from './helpers.js';

const CORPORA: Array<[string, Uint8Array]> = [
  ['server stream', utf8(SERVER_STREAM)],
  ['OpenSpime examples', utf8(OPENSPIME_STREAM)],
  ['client stream', utf8(CLIENT_STREAM)],
  // Every construct the tokenizer carries state for, packed together.
  ['dense edge cases', utf8(`\u{FEFF}<?xml version="1.0" encoding='utf-8' standalone='yes'?>\r\n<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client' a="x&#9;y\r\nz">\r\n<m é='&#x10FFFF;&lt;' b = "'" c='"&amp;'><x:b xmlns:x='urn:x'>a]b]]c]&gt;\r\r\n<![CDATA[ ]] ]]]>&#65;&#x42;東😀</x:b><e\n/></m><東京 xmlns='urn:名前'>名前</東京 ></s:stream>`)],
  // Long runs, so that the native paths (regular expressions over windows of 32 to 2048 bytes)
  // meet entities, references, non-ASCII text, CR and ']' at every offset, and their fallbacks.
  ['long runs', utf8(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
    + `<m a='${'v'.repeat(40)}&amp;${'w'.repeat(70)}&#233;é東😀' b="${'x'.repeat(3000)}" c='>' d='a&#9;b'>`
    + Array.from({ length: 60 }, (_, k) => `${'t'.repeat(k)}&amp;${'é'.repeat(k % 7)}&#x${(0x41 + k).toString(16)};]${'ü'.repeat(k % 3)}\r\n<b>${'q'.repeat(k * 3)}</b>`).join('')
    + `${'B'.repeat(5000)}<${'n'.repeat(40)} ${'k'.repeat(30)}='${'z'.repeat(30)}'/></m>\n</stream:stream>`)],
];

const MALFORMED = [
  `<a>${'x'.repeat(100)}]]>y</a>`, `<a>${'\xc3\xa9'.repeat(50)}\x01</a>`, `<a b='${'x'.repeat(50)}&#0;'/>`, `<a>${'x'.repeat(50)}&#xFFFE;</a>`,
  `<a>${'x'.repeat(50)}\xc0\x80</a>`, `<a>${'x'.repeat(50)}&bogus;</a>`,
  '<a>x]]>y</a>', '<a b="<"/>', '<a>&unknown;</a>', '<a>&#xD800;</a>', "<a>\u00e9\u00a9</a>",
  '<a><!-- c --></a>', '<a x="1" x="2"/>', '<a></a >x', '<a>\xed\xa0\x80</a>', '<a>\xf4\x90\x80\x80</a>', '<a>\xc3</a>',
];

// Compared as JSON: the trees are plain data, and string equality is far cheaper than deep equality
// over thousands of split points.
const outcome = (input: Uint8Array, cuts: number[]): string => JSON.stringify(tokenize(input, cuts));

describe.each(CORPORA)('split invariance: %s', (_name, input) => {
  const whole = outcome(input, []);

  test('parses whole without error', () => {
    const result = tokenize(input);
    expect(result.error).toBeUndefined();
    expect(result.events.length).toBeGreaterThan(2);
  });

  test('every single split point gives the same events', () => {
    for (const k of splitPoints(input.length, onXs ? 400 : 100000)) expect(outcome(input, [k])).toBe(whole);
  });

  test('one byte at a time gives the same events', () => {
    const cuts: number[] = [];
    for (let k = 1; k < input.length; k++) cuts.push(k);
    expect(outcome(input, cuts)).toBe(whole);
  });

  test('random multi-splits give the same events (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: input.length }), { maxLength: 40 }), (cuts) => {
      cuts.sort((a, b) => a - b);
      expect(outcome(input, cuts)).toBe(whole);
    }), { numRuns: onXs ? 50 : 200 });
  });
});

describe('split invariance of errors', () => {
  test.each(MALFORMED)('%s fails the same way at every split point', (text) => {
    const input = bytes(text);
    expect(tokenize(input).error).toBeDefined();
    const whole = outcome(input, []);
    for (let k = 0; k <= input.length; k++) expect(outcome(input, [k])).toBe(whole);
  });
});
