// The spime's own work for `npm run bench:xs` (bench/xs-cost.js), portable: the same code runs on
// XS (xsnap) and on Node. Crypto is stubbed by fixed-cost natives (typed-array allocation and
// copies, no JavaScript loops), so that what is measured is the spime's JavaScript around it.
import type { Crypto, HashAlgorithm, RsaPrivateKey, RsaPublicKey } from '../src/crypto/crypto.js';
import type { DataEntry } from '../src/openspime/data.js';
import { reportIq } from '../src/openspime/report.js';
import { XmlTokenizer } from '../src/xml/tokenizer.js';
import { writeElement } from '../src/xml/writer.js';
import { xml } from '../src/xml/element.js';
import { base64Decode, base64Encode } from '../src/bytes/base64.js';
import { scramMechanism } from '../src/xmpp/sasl-scram.js';

const hashLength = (h: HashAlgorithm): number => (h === 'sha1' ? 20 : 32);
const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

export const stubCrypto: Crypto = {
  randomBytes: (n) => filled(n, 0x5a),
  digest: (h) => filled(hashLength(h), 1),
  hmac: (h) => filled(hashLength(h), 2),
  pbkdf2: (_h, _p, _s, _i, length) => filled(length, 3),
  aesGcmEncrypt: (_k, _iv, plaintext) => { const out = new Uint8Array(plaintext.length + 16); out.set(plaintext); return out; },
  aesGcmDecrypt: (_k, _iv, c) => c.slice(0, c.length - 16),
  rsaSign: () => filled(256, 4),
  rsaVerify: () => true,
  rsaOaepEncrypt: () => filled(256, 5),
  rsaOaepDecrypt: () => filled(16, 6),
};

const publicKey: RsaPublicKey = { modulus: filled(256, 0xc1), exponent: new Uint8Array([1, 0, 1]) };
const signingKey: RsaPrivateKey = { publicKey, opaque: null };

/** 20 entries as the spime reports them (the values a CO2 spime samples). */
export function entries(n = 20): DataEntry[] {
  const out: DataEntry[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      date: `2026-12-01T12:${String(i).padStart(2, '0')}:00Z`, exposure: 'outdoor',
      lat: 45.4642 + i / 1e4, lon: 9.19 + i / 1e4, ele: 122.5, ppm: 420 + i * 7.5, temperature: 21.25, humidity: 45.5, pressure: 100800 + i,
    });
  }
  return out;
}

/** (a) Build, canonicalize, seal (sign + encrypt) and serialize one report iq: its wire bytes. */
export function buildReport(batch: DataEntry[]): Uint8Array {
  const iq = reportIq('scopenode@spimekit.test/scope', batch, {
    crypto: stubCrypto, osid: 'spime-1@spimekit.test/sim', cert: 'keys.spimekit.test', signingKey, encryptTo: publicKey,
  });
  iq.attrs.id = 'r1';
  return writeElement(iq, 'jabber:client');
}

/** A stanza of nearly `bytes` bytes (the tokenizer's stanza limit): an encrypted report as a
 *  ScopeNode would send one, its transport text carrying most of it. */
export function maxStanza(bytes = 65536): Uint8Array {
  const head = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  const open = "<iq type='set' id='r1' from='scopenode@spimekit.test/scope' to='spime-1@spimekit.test/sim'><openspime xmlns='openspime:protocol:core' version='0.9'><originator cert='keys.spimekit.test' osid='scopenode@spimekit.test/scope'><sign alg='rsa-sha256'>"
    + base64Encode(filled(256, 4)) + "</sign></originator><transport content-type='x-openspime/aes-base64' transport-key='" + base64Encode(filled(256, 5)) + "'>";
  const close = '</transport></openspime></iq>';
  const body = Math.floor((bytes - open.length - close.length - 8) / 4) * 3;
  const text = head + open + base64Encode(filled(body, 0x3c)) + close;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1024) { // ASCII; in pieces (XS indexes long strings slowly)
    const piece = text.slice(i, i + 1024);
    for (let k = 0; k < piece.length; k++) out[i + k] = piece.charCodeAt(k);
  }
  return out;
}

/** (b) Parse one maximum-size stanza (after its stream header, fed in 4 KB chunks as from TLS). */
export function parseStanza(input: Uint8Array): number {
  let stanzas = 0;
  const t = new XmlTokenizer({ streamStart() {}, stanza() { stanzas++; }, streamEnd() {} });
  for (let i = 0; i < input.length; i += 4096) t.feed(input.subarray(i, Math.min(input.length, i + 4096)));
  return stanzas;
}

const ascii = (s: string): Uint8Array => { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };

/** (c) One SCRAM-SHA-1 login's JavaScript side (RFC 5802): the three messages, as stanzas. */
export function scramLogin(): number {
  const m = scramMechanism('SCRAM-SHA-1', { crypto: stubCrypto, hash: 'sha1', username: 'spime-1', password: 'secret', gs2Header: 'n,,', nonce: 'fyko+d2lbbFgONRv9qkxdawL' });
  let wire = writeElement(xml('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: m.name }, base64Encode(m.initial()))).length;
  const serverFirst = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';
  // The server's messages arrive base64 in <challenge/> and <success/>.
  const challenge = base64Decode(base64Encode(ascii(serverFirst)))!;
  wire += writeElement(xml('response', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl' }, base64Encode(m.challenge(challenge)))).length;
  m.success(base64Decode(base64Encode(ascii(`v=${base64Encode(filled(20, 2))}`)))); // the stub's HMAC: it verifies
  return wire;
}
