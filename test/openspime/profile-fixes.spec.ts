// The profile fixes of issue 11, portable: canonical JID comparison in every identity check
// (§4.1), several keys in one XEP-0189 answer (§3.5, §5), spimeid equals osid (§7.3), the
// SpimeSeek response's <entry/> namespace (§7.3), the replay memory's full condition (§7.2),
// and the missing-version condition (§2).
import { rsaPublicKeyFromBase64, rsaPublicKeysEqual } from '../../src/crypto/rsa-key.js';
import type { RsaPublicKey } from '../../src/crypto/crypto.js';
import { precheckClaimKey } from '../../src/openspime/claimkey.js';
import { parseData } from '../../src/openspime/data.js';
import { OpenSpimeError } from '../../src/openspime/errors.js';
import { canonicalJid, jidCovers, sameJid } from '../../src/openspime/jid.js';
import { NS_DATA, NS_SPIMESEEK, NS_XMLDSIG } from '../../src/openspime/namespaces.js';
import { KeyDirectory, MAX_KEYS_PER_JID, parsePubkeys, pubkeysElement } from '../../src/openspime/pubkeys.js';
import { authorizeSeek, buildSeekResponse, parseSeekRequest, parseSeekResponse, SeekGuard } from '../../src/openspime/spimeseek.js';
import { base64Decode } from '../../src/bytes/base64.js';
import { xml } from '../../src/xml/element.js';
import { parseDocument } from '../../src/xml/document.js';
import { writeElement } from '../../src/xml/writer.js';
import vectors from '../vectors/openspime-vectors.js';
import { CertNetwork, manualClock } from '../helpers/fake-network.js';

const UPPER = '4A6B-5638-0312111D@spime.openspime.com/spime';
const LOWER = '4a6b-5638-0312111d@spime.openspime.com/spime';
const condition = (f: () => unknown): string => {
  try { f(); } catch (e) { return e instanceof OpenSpimeError ? e.condition : `raw ${(e as Error)?.message}`; }
  return 'accepted';
};

describe('canonical JIDs (RFC 7622 §3)', () => {
  test('local and domain parts fold, the resource does not', () => {
    expect(canonicalJid(UPPER)).toBe(LOWER);
    expect(canonicalJid('Owner@MyDomain.COM.')).toBe('owner@mydomain.com');
    expect(sameJid(UPPER, LOWER)).toBe(true);
    expect(sameJid(UPPER, UPPER.replace('/spime', '/Spime'))).toBe(false);
    expect(jidCovers('SpimeOwner@MyDomain.com', 'spimeowner@mydomain.com/Web')).toBe(true);
    expect(jidCovers('spimeowner@mydomain.com/web', 'SPIMEOWNER@mydomain.com/Web')).toBe(false);
  });
  test('the allow-list and the key cache compare canonically; the answer may echo another case', async () => {
    const e = vectors.entities.spime;
    const key = rsaPublicKeyFromBase64(e.modulus, e.exponent) as RsaPublicKey;
    const net = new CertNetwork().publish(e.cert, e.jid, key);
    const dir = new KeyDirectory({ iq: net, certServices: [e.cert.toUpperCase().replace('/CERT', '/cert')], now: manualClock(vectors.now).now });
    expect(dir.isTrusted(e.cert)).toBe(true);
    expect(dir.isTrusted(e.cert.replace('/cert', '/Cert'))).toBe(false);
    expect((await dir.lookup(e.cert, e.jid)).length).toBe(1);
    await dir.lookup(e.cert, e.jid.replace(/^[^/]+/, (b) => b.toLowerCase())); // the same entry
    expect(net.requests.length).toBe(1);
    expect(parsePubkeys(pubkeysElement(LOWER, [key]), UPPER).keys.length).toBe(1);
  });
  test('a claim key for 4A6B-… is checked against 4a6b-…', () => {
    const d = base64Decode(vectors.vectors.find((v) => v.claimKey)!.claimKey!)!;
    const now = Date.parse(vectors.now);
    expect(precheckClaimKey(d, { claims: LOWER, osid: 'SPIMEOWNER@mydomain.com/web', now, skewMs: 0 }).body.claims).toBe(UPPER);
    expect(condition(() => precheckClaimKey(d, { claims: LOWER, osid: 'other@mydomain.com/web', now, skewMs: 0 }))).toBe('claimkey-not-authorized');
  });
});

describe('several keys in one answer (§3.5, §5)', () => {
  const keys = Object.values(vectors.entities).map((e) => rsaPublicKeyFromBase64(e.modulus, e.exponent) as RsaPublicKey);
  test('one <KeyInfo/> each; the first 4 acceptable ones are taken, a bad one is skipped and not counted', () => {
    const five = [...keys, keys[0], keys[1]];
    const el = pubkeysElement(UPPER, five);
    expect(el.getChildren('KeyInfo', NS_XMLDSIG).length).toBe(5);
    const bad = xml('KeyInfo', { xmlns: NS_XMLDSIG }, xml('KeyValue', null, xml('RSAKeyValue', null, xml('Modulus', null, 'AQAB'), xml('Exponent', null, 'AQAB'))));
    el.children.unshift(bad);
    const r = parsePubkeys(el, UPPER);
    expect(r.keys.length).toBe(MAX_KEYS_PER_JID);
    expect(r.rejected.length).toBe(1);
    expect(r.keys.map((k, i) => rsaPublicKeysEqual(k, five[i]))).toEqual([true, true, true, true]);
  });
});

describe('SpimeSeek (§7.2, §7.3)', () => {
  const req = { id: '0123456789abcdef', spimeid: UPPER, expdate: '2026-11-22T07:00:00Z', encrequired: false };
  test('the spime itself: spimeid and osid the same JID (case-folded), not covered by a bare spimeid', () => {
    expect(condition(() => authorizeSeek({ osid: LOWER }, req))).toBe('accepted');
    expect(condition(() => authorizeSeek({ osid: UPPER }, { ...req, spimeid: UPPER.replace(/\/.*/, '') }))).toBe('not-authorized-for-spime');
    expect(condition(() => authorizeSeek({ osid: 'o@x/y', claim: { claims: LOWER, osid: 'o@x', expdate: req.expdate } }, req))).toBe('accepted');
  });
  test('replay identity is canonical: the same request under another case is a replay', () => {
    const g = new SeekGuard(manualClock(vectors.now).now);
    g.admit({ osid: UPPER }, req);
    expect(condition(() => g.check(LOWER, req))).toBe('request-replayed');
  });
  test('full: after expired identities are dropped, at the maximum → rate-limited; a replay is still request-replayed', () => {
    const clock = manualClock(vectors.now);
    const g = new SeekGuard(clock.now, 300_000, 3, 64);
    g.admit({ osid: UPPER }, { ...req, id: 'aaaaaaaa', expdate: '2026-11-22T06:10:00Z' });
    g.admit({ osid: UPPER }, { ...req, id: 'bbbbbbbb' });
    g.admit({ osid: UPPER }, { ...req, id: 'cccccccc' });
    expect(condition(() => g.check(UPPER, { ...req, id: 'dddddddd' }))).toBe('rate-limited');
    expect(condition(() => g.check(UPPER, { ...req, id: 'bbbbbbbb' }))).toBe('request-replayed');
    clock.set('2026-11-22T06:16:00Z'); // aaaaaaaa expired (06:10 + 5 min skew)
    expect(condition(() => g.check(UPPER, { ...req, id: 'dddddddd' }))).toBe('accepted');
  });
  test('response: <entry/> in the SpimeSeek namespace, round trip through the wire form', () => {
    const el = buildSeekResponse({ id: req.id, entries: [{ date: '2026-11-22T05:59:00Z', ppm: 412.5, exposure: 'outdoor' }] });
    const wire = parseDocument(writeElement(el));
    expect(wire.getChild('response')!.getChildren()[0].ns).toBe(NS_SPIMESEEK);
    expect(parseSeekResponse(wire)).toEqual({ id: req.id, entries: [{ date: '2026-11-22T05:59:00Z', ppm: 412.5, exposure: 'outdoor' }] });
    const foreign = xml('spimeseek', { xmlns: NS_SPIMESEEK, version: '0.9' }, xml('response', { id: req.id }, xml('entry', { xmlns: NS_DATA }, xml('date', null, '2026-11-22T05:59:00Z'))));
    expect(condition(() => parseSeekResponse(parseDocument(writeElement(foreign))))).toBe('bad-format');
  });
});

describe('missing version (§2)', () => {
  test('bad-format on data and spimeseek; another value unsupported-version', () => {
    expect(condition(() => parseData(xml('data', { xmlns: NS_DATA }, xml('entry', null, xml('date', null, '2026-11-22T05:59:00Z')))))).toBe('bad-format');
    expect(condition(() => parseData(xml('data', { xmlns: NS_DATA, version: '1.0' }, xml('entry', null, xml('date', null, '2026-11-22T05:59:00Z')))))).toBe('unsupported-version');
    expect(condition(() => parseSeekRequest(xml('spimeseek', { xmlns: NS_SPIMESEEK }, xml('request', { id: '0123456789' }))))).toBe('bad-format');
  });
});
