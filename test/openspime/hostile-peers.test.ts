// What a hostile peer can make a receiver do (docs/PROTOCOL.md §4.4, §5, §7.4; README "OpenSpime
// guarantees"): local checks before any key lookup or RSA, per-peer lookup quotas, negative
// caching of failed lookups, and idempotent reports. Real RSA/AES (Node), certification services
// on the fake network (each lookup is counted there).
import { generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { issueClaimKey } from '../../src/openspime/claimkey.js';
import { buildClaimRequest, handleClaim } from '../../src/openspime/claim.js';
import { buildData } from '../../src/openspime/data.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { handleReport, ReportMemory, reportIq } from '../../src/openspime/report.js';
import { CONTENT_KEY_BYTES, IV_BYTES, seal, transportAad } from '../../src/openspime/seal.js';
import { buildContainer, type Container } from '../../src/openspime/container.js';
import { CONTENT_TYPE_ENCRYPTED, SIGN_ALG, VERSION } from '../../src/openspime/namespaces.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { base64Encode } from '../../src/bytes/base64.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import { utf8Encode } from '../../src/bytes/utf8.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { buildSeekRequest, openSeekRequest, SeekGuard } from '../../src/openspime/spimeseek.js';
import { conditionOf, crypto, E, keys, world } from '../helpers/world.js';

const mallory = 'mallory@spime.openspime.com/x';
const malloryKey = generateNodeRsaKey();
const entries = [{ date: '2026-11-22T05:59:00Z', ppm: 415 }];
const conditionOfReply = (r: XmlElement | undefined) => r?.getChild('error')?.getChildren()[1]?.name ?? r?.attr('type');
const stamp = (iq: XmlElement, from: string, id = 'r1') => { iq.attrs.from = from; iq.attrs.id = id; return iq; };

describe('cheap checks before key lookups and RSA', () => {
  test('a report whose osid does not cover the sender is refused without a lookup (osid-mismatch)', async () => {
    const w = world();
    const iq = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: malloryKey }), mallory);
    const r = await handleReport(iq, { ...w.options, accept: () => {} });
    expect(conditionOfReply(r)).toBe('osid-mismatch');
    expect(w.net.requests.length).toBe(0);
  });
  test('a claim request whose osid does not cover the sender is refused without a lookup', async () => {
    const w = world();
    const iq = stamp(xml('iq', { type: 'set', to: E.spime.jid }, seal(buildClaimRequest(E.spime.jid), { crypto, osid: E.owner.jid, cert: E.owner.cert, signingKey: malloryKey })), mallory);
    const r = await handleClaim(iq, { ...w.options, self: { jid: E.spime.jid, cert: E.spime.cert, key: keys.spime }, policy: () => true });
    expect(conditionOfReply(r)).toBe('osid-mismatch');
    expect(w.net.requests.length).toBe(0);
  });
  test('a plain report dated in the future is refused before its sender\'s key is looked up', async () => {
    const w = world();
    const iq = stamp(reportIq(E.scopenode.jid, [{ date: '2026-11-22T07:00:00Z', ppm: 1 }], { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }), E.spime.jid);
    expect(conditionOfReply(await handleReport(iq, { ...w.options, accept: () => {} }))).toBe('inconsistent-data-with-scope');
    expect(w.net.requests.length).toBe(0);
  });
  test('a plain container whose payload is another extension\'s is left alone, without a lookup', async () => {
    const w = world();
    const iq = stamp(xml('iq', { type: 'set', to: E.scopenode.jid }, seal(buildClaimRequest(E.spime.jid), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime })), E.spime.jid);
    expect(await handleReport(iq, { ...w.options, accept: () => {} })).toBeUndefined();
    expect(w.net.requests.length).toBe(0);
  });
  test('a signature of a length no allowed key makes is bad-signature without a lookup', async () => {
    const w = world();
    const el = seal(buildData(entries), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime });
    el.getChild('originator', NS_CORE)!.getChild('sign', NS_CORE)!.children = ['AAAA'];
    expect(await conditionOf(w.open(el, E.spime.jid))).toBe('bad-signature');
    expect(w.net.requests.length).toBe(0);
  });
  test.each([
    ['expired', { expdate: '2026-11-22T05:00:00Z' }, 'claimkey-expired'],
    ['for another holder', { osid: 'someoneelse@mydomain.com' }, 'claimkey-not-authorized'],
  ])('a claim key %s is refused before the claimed spime\'s key is looked up', async (_n, body, condition) => {
    const w = world();
    const key = issueClaimKey(crypto, malloryKey, { claims: E.spime.jid, osid: 'spimeowner@mydomain.com', expdate: '2027-11-22T00:00:00Z', ...body });
    const el = seal(buildData(entries), { crypto, osid: E.owner.jid, cert: E.owner.cert, signingKey: keys.owner, claimkey: { cert: E.spime.cert, claims: E.spime.jid, key } });
    expect(await conditionOf(w.open(el, 'pubsub.openspime.com'))).toBe(condition);
    expect(w.net.requests.length).toBe(0);
  });
});

describe('per-peer lookup quotas and negative caching', () => {
  const claimReport = (i: number) => {
    const claims = `ghost-${i}@spime.openspime.com/spime`;
    const key = issueClaimKey(crypto, malloryKey, { claims, osid: 'mallory@spime.openspime.com', expdate: '2027-11-22T00:00:00Z' });
    return stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: mallory, cert: E.spime.cert, signingKey: malloryKey, claimkey: { cert: E.spime.cert, claims, key } }), mallory, `r${i}`);
  };
  test('a failed lookup is answered from memory for negativeTtlMs, then asked again', async () => {
    const w = world();
    const iq = () => stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: mallory, cert: E.spime.cert, signingKey: malloryKey }), mallory);
    for (let i = 0; i < 5; i++) expect(conditionOfReply(await handleReport(iq(), { ...w.options, accept: () => {} }))).toBe('key-unavailable');
    expect(w.net.requests.length).toBe(1);
    w.clock.advance(60_000);
    expect(conditionOfReply(await handleReport(iq(), { ...w.options, accept: () => {} }))).toBe('key-unavailable');
    expect(w.net.requests.length).toBe(2);
  });
  test('one peer causes at most peerQuota lookups per window, at most 2 at once; then rate-limited (wait, resource-constraint)', async () => {
    const w = world();
    const one = (i: number) => handleReport(claimReport(i), { ...w.options, accept: () => {} });
    // sequentially: the window's quota
    const got: string[] = [];
    for (let i = 0; i < 12; i++) got.push(conditionOfReply(await one(i))!);
    expect(got).toEqual([...Array(8).fill('key-unavailable'), ...Array(4).fill('rate-limited')]);
    expect(w.net.requests.length).toBe(8);
    const r = (await one(99))!;
    expect(r.getChild('error')!.attr('type')).toBe('wait');
    expect(r.getChild('error')!.getChildren().map((c) => c.name)).toEqual(['resource-constraint', 'rate-limited']);
    // a new window, concurrently: two in flight, the rest refused at once
    w.clock.advance(60_000);
    const burst = await Promise.all([20, 21, 22, 23, 24].map(one));
    expect(burst.map(conditionOfReply)).toEqual(['key-unavailable', 'key-unavailable', 'rate-limited', 'rate-limited', 'rate-limited']);
    expect(w.net.requests.length).toBe(10);
    // other peers are not held back by mallory's quota
    const real = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }), E.spime.jid);
    expect(conditionOfReply(await handleReport(real, { ...w.options, accept: () => {} }))).toBe('result');
  });
  test('lookups over all peers are bounded per window (globalQuota): relayed containers can name any osid', async () => {
    const w = world();
    const { KeyDirectory } = await import('../../src/openspime/pubkeys.js');
    const dir = new KeyDirectory({ iq: w.net, certServices: [E.spime.cert], now: w.clock.now, globalQuota: 5 });
    const got: string[] = [];
    for (let i = 0; i < 8; i++) got.push(await conditionOf(dir.lookup(E.spime.cert, `random-${i}@x`, false, `random-${i}@x`)));
    expect(got).toEqual([...Array(5).fill('key-unavailable'), ...Array(3).fill('rate-limited')]);
    expect(w.net.requests.length).toBe(5);
    w.clock.advance(60_000);
    expect(await conditionOf(dir.lookup(E.spime.cert, E.spime.jid))).toBe('accepted');
  });
  test('lookups in flight over all peers are bounded (maxConcurrent)', async () => {
    const w = world();
    const pending: Array<() => void> = [];
    const slow = { request: (iq: XmlElement) => new Promise<XmlElement>((resolve) => pending.push(() => resolve(w.net.request(iq) as unknown as XmlElement))) };
    const { KeyDirectory } = await import('../../src/openspime/pubkeys.js');
    const dir = new KeyDirectory({ iq: slow, certServices: [E.spime.cert], now: w.clock.now, maxConcurrent: 3 });
    const results = [0, 1, 2, 3, 4].map((i) => conditionOf(dir.lookup(E.spime.cert, `j${i}@x`, false, `peer${i}@x`)));
    expect(dir.inflight).toBe(3);
    for (const p of pending) p();
    expect(await Promise.all(results)).toEqual(['key-unavailable', 'key-unavailable', 'key-unavailable', 'rate-limited', 'rate-limited']);
  });
});

describe('report dedupe (§7.4): idempotent on (osid, date)', () => {
  test('a replayed report is acknowledged with a result but passed to accept once; new entries of a later report are passed alone', async () => {
    const w = world();
    const stored: unknown[][] = [];
    const o = { ...w.options, seen: new ReportMemory(), accept: (_osid: string, e: unknown[]) => { stored.push(e); } };
    const report = (es: typeof entries) => stamp(reportIq(E.scopenode.jid, es, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey }), E.spime.jid);
    const iq = report(entries);
    expect(conditionOfReply(await handleReport(iq, o))).toBe('result');
    expect(conditionOfReply(await handleReport(iq, o))).toBe('result'); // the same stanza again
    // the same instant written differently is the same entry
    expect(conditionOfReply(await handleReport(report([{ date: '2026-11-22T06:59:00+01:00', ppm: 415 }]), o))).toBe('result');
    const later = { date: '2026-11-22T06:00:00Z', ppm: 416 };
    expect(conditionOfReply(await handleReport(report([...entries, later]), o))).toBe('result');
    expect(stored).toEqual([entries, [later]]);
  });
  test('concurrent duplicates reach accept once; an entry accept refused may come again', async () => {
    const w = world();
    const stored: unknown[][] = [];
    let refuse = true;
    const o = { ...w.options, seen: new ReportMemory(), accept: async (_osid: string, e: unknown[]) => { if (refuse) { refuse = false; throw new Error('store down'); } stored.push(e); } };
    const iq = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }), E.spime.jid);
    const failed = (await handleReport(iq, o))!; // the store's failure is ours: no profile condition blames the sender
    expect(failed.getChild('error')!.getChildren().map((c) => c.name)).toEqual(['internal-server-error']);
    expect(failed.getChild('error')!.attr('type')).toBe('wait');
    const both = await Promise.all([handleReport(iq, o), handleReport(iq, o)]);
    expect(both.map(conditionOfReply)).toEqual(['result', 'result']);
    expect(stored).toEqual([entries]);
  });
  test('the memory is bounded, oldest out', () => {
    const m = new ReportMemory(2);
    for (const d of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z']) m.take('a@b', [{ date: d }]);
    expect(m.size).toBe(2);
    expect(m.take('a@b', [{ date: '2026-01-01T00:00:00Z' }]).length).toBe(1);
    expect(m.take('a@b', [{ date: '2026-01-01T00:00:02Z' }]).length).toBe(0);
  });
  test('a forged report does not poison the memory: it is recorded only after verification', async () => {
    const w = world();
    const stored: unknown[][] = [];
    const o = { ...w.options, seen: new ReportMemory(), accept: (_osid: string, e: unknown[]) => { stored.push(e); } };
    const forged = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: malloryKey }), E.spime.jid);
    expect(conditionOfReply(await handleReport(forged, o))).toBe('bad-signature');
    const real = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }), E.spime.jid);
    expect(conditionOfReply(await handleReport(real, o))).toBe('result');
    expect(stored).toEqual([entries]);
  });
});

describe('odd-size keys (§3.1 allows 2048–4096 bits, not only multiples of 8)', () => {
  test('a report encrypted to and signed with 2052-bit keys opens', async () => {
    const w = world();
    const scope = generateNodeRsaKey(2052);
    const signer = generateNodeRsaKey(2052);
    w.net.publish(E.spime.cert, E.spime.jid, signer.publicKey);
    const el = seal(buildData(entries), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: signer, encryptTo: scope.publicKey });
    const r = await w.open(el, E.spime.jid, { decryptionKey: scope });
    expect([r.signed, r.encrypted, r.payload.name]).toEqual([true, true, 'data']);
  });
  test('a recipient key the crypto cannot use fails seal with bad-key, a typed error', () => {
    const zero = { modulus: new Uint8Array(256), exponent: new Uint8Array([1, 0, 1]) };
    expect(() => seal(buildData(entries), { crypto, osid: E.spime.jid, cert: E.spime.cert, encryptTo: zero })).toThrow(expect.objectContaining({ condition: 'bad-key' }));
  });
});

describe('a transport that decrypts to something that is not XML (§3.3)', () => {
  /** A correctly encrypted and signed container whose plaintext is `plain`, not a canonical element. */
  const sealBytes = (plain: Uint8Array) => {
    const k = crypto.randomBytes(CONTENT_KEY_BYTES);
    const iv = crypto.randomBytes(IV_BYTES);
    const body = concatBytes(iv, crypto.aesGcmEncrypt(k, iv, plain, transportAad(E.spime.jid, CONTENT_TYPE_ENCRYPTED)));
    const c: Container = {
      version: VERSION,
      originator: { cert: E.spime.cert, osid: E.spime.jid, sign: { alg: SIGN_ALG, value: new Uint8Array(0) } },
      transport: { kind: 'encrypted', contentType: CONTENT_TYPE_ENCRYPTED, transportKey: crypto.rsaOaepEncrypt(keys.scopenode.publicKey, k), body },
    };
    const el = buildContainer(c);
    el.getChild('originator', NS_CORE)!.getChild('sign', NS_CORE)!.children = [base64Encode(crypto.rsaSign(keys.spime, 'sha256', signedInfo(el, c, E.spime.jid)))];
    return el;
  };
  test.each([
    ['text', utf8Encode('412 ppm')],
    ['an unclosed element', utf8Encode('<data xmlns="openspime:protocol:extension:data" version="0.9"><entry>')],
    ['invalid UTF-8', new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])],
    ['nothing', new Uint8Array(0)],
  ])('%s → decryption-failed, like every other decryption failure, with both payload parsers', async (_n, plain) => {
    const w = world();
    const el = sealBytes(plain);
    expect(await conditionOf(w.open(el, E.spime.jid))).toBe('decryption-failed');
    expect(await conditionOf(w.open(el, E.spime.jid, { parsePayload: undefined }))).toBe('decryption-failed');
  });
  test('the same construction with an XML plaintext opens (the test builds real containers)', async () => {
    const w = world();
    const r = await w.open(sealBytes(utf8Encode('<data xmlns="openspime:protocol:extension:data" version="0.9"><entry><date>2026-11-22T05:59:00Z</date></entry></data>')), E.spime.jid);
    expect([r.signed, r.encrypted, r.payload.name]).toEqual([true, true, 'data']);
  });
});

describe('SpimeSeek through openSeekRequest (§7.2, §7.3)', () => {
  const seek = (id: string, o: { osid?: string; key?: typeof keys.owner; claims?: string } = {}) => {
    const claimkey = { cert: E.spime.cert, claims: E.spime.jid, key: issueClaimKey(crypto, keys.spime, { claims: o.claims ?? E.spime.jid, osid: 'spimeowner@mydomain.com', expdate: '2027-11-22T00:00:00Z' }) };
    return seal(buildSeekRequest({ id, spimeid: E.spime.jid, expdate: '2026-11-22T07:00:00Z', encrequired: false }),
      { crypto, osid: o.osid ?? E.owner.jid, cert: E.owner.cert, signingKey: o.key ?? keys.owner, claimkey: o.osid ? undefined : claimkey });
  };
  test('admitted once; the replay is refused before any lookup', async () => {
    const w = world();
    const guard = new SeekGuard(w.clock.now);
    const { request, opened } = await openSeekRequest(seek('abcdef0123456789'), 'pubsub.openspime.com', w.options, guard);
    expect([request.id, opened.claim?.claims]).toEqual(['abcdef0123456789', E.spime.jid]);
    const asked = w.net.requests.length;
    expect(await conditionOf(openSeekRequest(seek('abcdef0123456789'), 'pubsub.openspime.com', w.options, guard))).toBe('request-replayed');
    expect(w.net.requests.length).toBe(asked);
  });
  test('validly signed requests from a signer without a claim key for the spime take no replay memory', async () => {
    const w = world();
    w.net.publish(E.owner.cert, mallory, malloryKey.publicKey);
    const guard = new SeekGuard(w.clock.now, 300_000, 8);
    for (let i = 0; i < 16; i++) {
      expect(await conditionOf(openSeekRequest(seek(`mallory-${i}-00`, { osid: mallory, key: malloryKey }), 'pubsub.openspime.com', w.options, guard))).toBe('not-authorized-for-spime');
    }
    expect(guard.size).toBe(0);
    expect(w.net.requests.length).toBe(0); // refused before its key was even looked up
    await openSeekRequest(seek('owner-request-1'), 'pubsub.openspime.com', w.options, guard);
    expect(guard.size).toBe(1);
  });
});
