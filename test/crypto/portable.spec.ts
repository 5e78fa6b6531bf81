// The portable SHA/HMAC/PBKDF2 reference against Wycheproof (HMAC-SHA1/SHA256, PBKDF2-HMAC-SHA1
// incl. RFC 6070, PBKDF2-HMAC-SHA256 incl. RFC 7914) and FIPS 180 / RFC 4231 known answers.
import hmacVectors from '../vectors/wycheproof/hmac_sha1_test.json' with { type: 'json' };
import pbkdf2Vectors from '../vectors/wycheproof/pbkdf2_hmacsha1_test.json' with { type: 'json' };
import hmac256Vectors from '../vectors/wycheproof/hmac_sha256_test.json' with { type: 'json' };
import pbkdf2Sha256Vectors from '../vectors/wycheproof/pbkdf2_hmacsha256_test.json' with { type: 'json' };
import { digest, hmac, pbkdf2 } from '../../src/crypto/portable.js';
import { hexDecode, hexEncode, utf8Encode } from '../../src/xmpp/bytes.js';

describe('portable SHA-1/SHA-256', () => {
  test('FIPS 180 "abc" and the two-block message', () => {
    expect(hexEncode(digest('sha1', utf8Encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hexEncode(digest('sha256', utf8Encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const two = utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
    expect(hexEncode(digest('sha1', two))).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
    expect(hexEncode(digest('sha256', two))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(hexEncode(digest('sha256', new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('RFC 4231 case 2 (HMAC-SHA-256) and case 6 (key longer than a block)', () => {
    expect(hexEncode(hmac('sha256', utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?'))))
      .toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const key = new Uint8Array(131).fill(0xaa);
    expect(hexEncode(hmac('sha256', key, utf8Encode('Test Using Larger Than Block-Size Key - Hash Key First'))))
      .toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });
});

describe('Wycheproof HMAC-SHA1', () => {
  const tests = hmacVectors.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, tagSize: g.tagSize })));
  test(`${tests.length} vectors: valid ones match, invalid ones do not`, () => {
    let checked = 0;
    for (const t of tests) {
      const tag = hexEncode(hmac('sha1', hexDecode(t.key), hexDecode(t.msg))).slice(0, t.tagSize / 4);
      if ((tag === t.tag) !== (t.result === 'valid')) throw new Error(`tcId ${t.tcId}: got ${tag}`);
      checked++;
    }
    expect(checked).toBe(170);
  });
});

describe('Wycheproof PBKDF2-HMAC-SHA1', () => {
  // The 16777216-iteration vectors take minutes in plain JS; node:crypto covers those in hosts.
  const tests = pbkdf2Vectors.testGroups.flatMap((g) => g.tests).filter((t) => t.iterationCount <= 4096);
  test(`${tests.length} vectors up to 4096 iterations`, () => {
    for (const t of tests) {
      const dk = hexEncode(pbkdf2('sha1', hexDecode(t.password), hexDecode(t.salt), t.iterationCount, t.dkLen));
      if ((dk === t.dk) !== (t.result === 'valid')) throw new Error(`tcId ${t.tcId}: got ${dk}`);
    }
    expect(tests.length).toBeGreaterThan(50);
  });
});

describe('Wycheproof HMAC-SHA256', () => {
  const tests = hmac256Vectors.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, tagSize: g.tagSize })));
  test(`${tests.length} vectors: valid ones match, invalid ones do not`, () => {
    let checked = 0;
    for (const t of tests) {
      const tag = hexEncode(hmac('sha256', hexDecode(t.key), hexDecode(t.msg))).slice(0, t.tagSize / 4);
      if ((tag === t.tag) !== (t.result === 'valid')) throw new Error(`tcId ${t.tcId}: got ${tag}`);
      checked++;
    }
    expect(checked).toBe(hmac256Vectors.numberOfTests);
  });
});

describe('Wycheproof PBKDF2-HMAC-SHA256', () => {
  // Nearly every vector has 4096 iterations: all of them would take minutes on XS, and they differ
  // only in password/salt bytes. Run the 1-iteration one and the first of each output length
  // (one, partial and several blocks); node:crypto runs the whole file in the host tests.
  const all = pbkdf2Sha256Vectors.testGroups.flatMap((g) => g.tests).filter((t) => t.iterationCount <= 4096);
  const tests = all.filter((t, i) => t.iterationCount === 1 || all.findIndex((u) => u.dkLen === t.dkLen && u.iterationCount > 1) === i);
  test(`${tests.length} vectors: 1 iteration, and 4096 iterations with dkLen ${tests.filter((t) => t.iterationCount > 1).map((t) => t.dkLen).join('/')}`, () => {
    for (const t of tests) {
      const dk = hexEncode(pbkdf2('sha256', hexDecode(t.password), hexDecode(t.salt), t.iterationCount, t.dkLen));
      if ((dk === t.dk) !== (t.result === 'valid')) throw new Error(`tcId ${t.tcId}: got ${dk}`);
    }
    expect(new Set(tests.map((t) => t.dkLen)).size).toBeGreaterThanOrEqual(4);
  });
});
