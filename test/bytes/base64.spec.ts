// Base64 (RFC 4648 §4, §10 test vectors) and UTF-8 (RFC 3629) on bytes, portable.
import { base64Decode, base64Encode } from '../../src/bytes/base64.js';
import { utf8Decode, utf8Encode } from '../../src/bytes/utf8.js';
import { fromHex, toHex } from '../../src/bytes/bytes.js';

const ascii = (s: string): Uint8Array => utf8Encode(s);

describe('base64', () => {
  const rfc4648 = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
  test.each(rfc4648)('RFC 4648 §10: "%s" <-> "%s"', (plain, enc) => {
    expect(base64Encode(ascii(plain))).toBe(enc);
    expect(base64Decode(enc)).toEqual(ascii(plain));
    expect(base64Decode(ascii(enc))).toEqual(ascii(plain));
  });
  test('round-trips every byte value and every length up to 300', () => {
    for (let len = 0; len <= 300; len++) {
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (i * 151 + len * 7) & 255;
      const e = base64Encode(b);
      expect(e.length).toBe(Math.ceil(len / 3) * 4);
      expect(base64Decode(e)).toEqual(b);
    }
  });
  test('input whitespace (SP, TAB, CR, LF) is ignored anywhere, as in the v0.9 examples', () => {
    expect(base64Decode('  Zm9v\n  YmFy \r\n')).toEqual(ascii('foobar'));
    expect(base64Decode('Z m 9 v\tY g = =')).toEqual(ascii('foob'));
  });
  test.each([
    ['Zm9', 'missing padding'], ['Zm9vY', 'truncated group'], ['Zg=', 'short padding'], ['Zg==Zg==', 'data after padding'],
    ['Zh==', 'non-zero unused bits'], ['Zm9=', 'non-zero unused bits (1 pad)'], ['Zm9v_-==', 'URL-safe alphabet'], ['Zm9v\u00e9', 'non-ASCII'],
    ['=Zm9', 'leading padding'], ['Z===', 'three pads'], ['Zm\u00009v', 'NUL'],
  ])('rejects %j (%s) with undefined', (input) => {
    expect(base64Decode(input)).toBeUndefined();
  });
});

describe('UTF-8 and hex', () => {
  test('encodes 1-4 byte sequences (RFC 3629 §7 examples)', () => {
    expect(toHex(utf8Encode('A\u2262\u0391.'))).toBe('41e289a2ce912e');
    expect(toHex(utf8Encode('\u65e5\u672c\u8a9e'))).toBe('e697a5e69cace8aa9e');
    expect(toHex(utf8Encode('\u{233B4}'))).toBe('f0a38eb4');
    expect(utf8Decode(fromHex('f0a38eb4')!)).toBe('\u{233B4}');
  });
  test.each(['c0af', 'e080af', 'eda080', 'f4908080', '80', 'e282', 'ff'])('rejects ill-formed %s', (h) => {
    expect(utf8Decode(fromHex(h)!)).toBeUndefined();
  });
  test('round-trips a long mixed string', () => {
    let s = '';
    for (let i = 0; i < 2000; i++) s += String.fromCodePoint([0x41, 0xe9, 0x20ac, 0x1f600][i % 4]);
    expect(utf8Decode(utf8Encode(s))).toBe(s);
  });
  test('hex rejects odd length and non-hex', () => {
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
  });
});
