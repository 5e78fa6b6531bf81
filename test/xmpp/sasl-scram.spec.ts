// SCRAM against the RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256) example exchanges, byte for byte,
// plus the checks that make it mutual authentication.
import { portableCrypto } from '../../src/crypto/portable.js';
import { base64Encode, utf8Decode, utf8Encode } from '../../src/xmpp/bytes.js';
import { SaslError } from '../../src/xmpp/errors.js';
import { scramMechanism, type ScramCache } from '../../src/xmpp/sasl-scram.js';
import { saslExchange } from '../../src/xmpp/sasl.js';
import { StreamReader } from '../../src/xmpp/reader.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { ManualClock } from './fakes.js';

const crypto = portableCrypto(() => { throw new Error('fixed nonce: no randomness needed'); });

interface Vector { hash: 'sha1' | 'sha256'; nonce: string; first: string; serverFirst: string; final: string; serverFinal: string }
const RFC5802: Vector = {
  hash: 'sha1', nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  first: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  final: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};
const RFC7677: Vector = {
  hash: 'sha256', nonce: 'rOprNGfwEbeRWgbNEkqO',
  first: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  final: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function mech(v: Vector, extra: { cache?: ScramCache; password?: string; crypto?: typeof crypto } = {}) {
  return scramMechanism('SCRAM', { crypto: extra.crypto ?? crypto, hash: v.hash, username: 'user', password: extra.password ?? 'pencil', gs2Header: 'n,,', nonce: v.nonce, cache: extra.cache });
}

describe.each([['RFC 5802 SCRAM-SHA-1', RFC5802], ['RFC 7677 SCRAM-SHA-256', RFC7677]] as Array<[string, Vector]>)('%s', (_name: string, v: Vector) => {
  test('client-first, client-final and the server signature match the RFC', () => {
    const m = mech(v);
    expect(utf8Decode(m.initial())).toBe(v.first);
    expect(utf8Decode(m.challenge(utf8Encode(v.serverFirst)))).toBe(v.final);
    expect(() => m.success(utf8Encode(v.serverFinal))).not.toThrow();
  });

  test('a server that does not know the password fails verification (mutual auth)', () => {
    const m = mech(v, { password: 'not-pencil' });
    m.initial();
    m.challenge(utf8Encode(v.serverFirst));
    expect(() => m.success(utf8Encode(v.serverFinal))).toThrow(SaslError);
  });

  test('success without server-final, or with e=, is refused', () => {
    const m = mech(v);
    m.challenge(utf8Encode(v.serverFirst));
    expect(() => m.success(undefined)).toThrow('server-signature-mismatch');
    expect(() => m.success(utf8Encode('e=other-error'))).toThrow('server-signature-mismatch');
  });

  test('a server nonce that does not extend ours is refused', () => {
    const m = mech(v);
    expect(() => m.challenge(utf8Encode(v.serverFirst.replace(v.nonce, 'AAAA')))).toThrow('nonce');
  });

  test('iteration counts below 4096 are refused', () => {
    const m = mech(v);
    expect(() => m.challenge(utf8Encode(v.serverFirst.replace('i=4096', 'i=1')))).toThrow('iteration');
  });

  test('RFC 5802 §5.1 cache: the second login with the same salt and count runs no PBKDF2', () => {
    let pbkdf2Calls = 0;
    const counting = { ...crypto, pbkdf2: (...a: Parameters<typeof crypto.pbkdf2>) => { pbkdf2Calls++; return crypto.pbkdf2(...a); } };
    const cache: ScramCache = {};
    for (let i = 0; i < 2; i++) {
      const m = mech(v, { cache, crypto: counting });
      expect(utf8Decode(m.challenge(utf8Encode(v.serverFirst)))).toBe(v.final);
      m.success(utf8Encode(v.serverFinal));
    }
    expect(pbkdf2Calls).toBe(1);
    // a new salt invalidates the entry
    const m = mech(v, { cache, crypto: counting });
    m.challenge(utf8Encode(v.serverFirst.replace(/s=[^,]+/, `s=${base64Encode(utf8Encode('other salt'))}`)));
    expect(pbkdf2Calls).toBe(2);
  });
});

test('usernames are escaped as saslname (RFC 5802 §5.1)', () => {
  const m = scramMechanism('SCRAM-SHA-1', { crypto, hash: 'sha1', username: 'a=b,c', password: 'x', gs2Header: 'y,,', nonce: 'N' });
  expect(utf8Decode(m.initial())).toBe('y,,n=a=3Db=2Cc,r=N');
});

describe('bad SASL payloads from the server are SaslErrors (fuzz finding: RangeErrors escaped)', () => {
  const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
  async function exchange(name: 'challenge' | 'success', payload: string): Promise<{ error: unknown; sent: XmlElement[] }> {
    const reader = new StreamReader(new ManualClock(), 1000);
    const sent: XmlElement[] = [];
    const mech = scramMechanism('SCRAM-SHA-1', { crypto, hash: 'sha1', username: 'user', password: 'pencil', nonce: RFC5802.nonce, gs2Header: 'n,,' });
    mech.initial();
    reader.push({ kind: 'element', el: xml(name, { xmlns: NS_SASL }, payload) });
    const error = await saslExchange(reader, (el) => sent.push(el), mech).then(() => undefined, (e) => e);
    return { error, sent };
  }

  test.each([
    ['challenge', 'cj1hYmM', 'incorrect-encoding'], // not a multiple of 4
    ['challenge', 'cj1h*GJj', 'incorrect-encoding'], // outside the alphabet
    ['challenge', base64Encode(Uint8Array.of(0x72, 0x3d, 0xff, 0xfe)), 'malformed-request'], // "r=" then bad UTF-8
    ['success', 'dj1', 'incorrect-encoding'],
  ] as const)('%s "%s" → SaslError %s', async (name, payload, condition) => {
    const { error, sent } = await exchange(name, payload);
    expect(error).toBeInstanceOf(SaslError);
    expect((error as SaslError).condition).toBe(condition);
    if (name === 'challenge') expect(sent.map((e) => e.name)).toEqual(['abort']);
  });
});
