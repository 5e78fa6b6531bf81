// Base64 against Node's Buffer as an oracle, with fast-check (Node-only).
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../../src/bytes/base64.js';

describe('base64 vs Buffer', () => {
  test('encode equals Buffer\'s and decode inverts it', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const e = base64Encode(b);
      expect(e).toBe(Buffer.from(b).toString('base64'));
      expect(base64Decode(e)).toEqual(b);
    }), { numRuns: 500 });
  });
  test('on arbitrary alphabet/whitespace/padding strings: undefined, or exactly what Buffer decodes and re-encodes canonically', () => {
    const ch = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n\t-_'.split(''));
    fc.assert(fc.property(fc.array(ch, { maxLength: 40 }).map((a) => a.join('')), (s) => {
      const d = base64Decode(s);
      if (d === undefined) return;
      const stripped = s.replace(/[ \n\t]/g, '');
      // accepted ⇒ canonical: re-encoding gives the input without whitespace
      expect(base64Encode(d)).toBe(stripped);
      expect(new Uint8Array(Buffer.from(stripped, 'base64'))).toEqual(d);
    }), { numRuns: 3000 });
  });
});
