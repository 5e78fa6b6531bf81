// seal → open with real crypto (Node): the §1.0.1 and §1.2.1 flows and their failure modes.
import { base64Encode } from '../../src/bytes/base64.js';
import { issueClaimKey } from '../../src/openspime/claimkey.js';
import { parseContainer } from '../../src/openspime/container.js';
import { signedInfo } from '../../src/openspime/signing.js';
import { buildData, parseData } from '../../src/openspime/data.js';
import { CONTENT_TYPE_V09_AES, NS_CORE } from '../../src/openspime/namespaces.js';
import { checkSender, type OpenOptions } from '../../src/openspime/open.js';
import { buildClaimRequest, handleClaim, parseClaim } from '../../src/openspime/claim.js';
import { xml } from '../../src/xml/element.js';
import { seal } from '../../src/openspime/seal.js';
import { authorizeSeek, buildSeekRequest } from '../../src/openspime/spimeseek.js';
import { handleReport, queuedCount, reportData, reportIq } from '../../src/openspime/report.js';
import { generateNodeRsaKey } from '../../hosts/node/crypto.js';
import { writeElement } from '../../src/xml/writer.js';
import { parseDocument } from '../../src/xml/document.js';
import { conditionOf, crypto, E, keys, world } from '../helpers/world.js';

const report = () => buildData([{ date: '2026-11-22T05:59:00Z', ppm: 415, temperature: 20.5 }]);
const seek = () => buildSeekRequest({ id: 'abcdef0123456789', spimeid: E.spime.jid, expdate: '2026-11-22T07:00:00Z', encrequired: true });
const claimKey = (expdate = '2027-11-22T00:00:00Z', osid = 'spimeowner@mydomain.com', signer = keys.spime) =>
  issueClaimKey(crypto, signer, { claims: E.spime.jid, osid, expdate });
const ownerSeek = (key = claimKey(), cert: string = E.spime.cert) =>
  seal(seek(), { crypto, osid: E.owner.jid, cert: E.owner.cert, signingKey: keys.owner, claimkey: { cert, claims: E.spime.jid, key } });

describe('data reporting (v0.9 §1.0.1)', () => {
  test('the spime fetches the ScopeNode key through the same directory, encrypts, signs; the ScopeNode opens it', async () => {
    const { directory, open } = world();
    const [scopeKey] = await directory.lookup(E.scopenode.cert, E.scopenode.jid);
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: scopeKey });
    const r = await open(el, E.spime.jid);
    expect(parseData(r.payload)).toEqual([{ date: '2026-11-22T05:59:00Z', ppm: 415, temperature: 20.5 }]);
    expect([r.signed, r.encrypted]).toEqual([true, true]);
    checkSender(r, E.spime.jid);
    expect(() => checkSender(r, 'other@spime.openspime.com/spime')).toThrow('osid-mismatch');
  });
  test('the default payload parser is the project\'s own (src/xml parseDocument)', async () => {
    const { open } = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey });
    const r = await open(el, E.spime.jid, { parsePayload: undefined });
    expect(parseData(r.payload)[0].ppm).toBe(415);
  });
  test('two seals of the same report differ (fresh content key and IV)', () => {
    const a = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey });
    const b = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey });
    expect(a.getChild('transport', NS_CORE)!.text()).not.toBe(b.getChild('transport', NS_CORE)!.text());
  });
  test('encrypted to someone else → decryption-failed', async () => {
    const { open } = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.owner.publicKey });
    expect(await conditionOf(open(el, E.spime.jid))).toBe('decryption-failed');
  });
  test('signature stripping: another entity re-signs a captured ciphertext as its own → decryption-failed (AAD binds osid)', async () => {
    const { open } = world();
    const captured = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey });
    const t = captured.getChild('transport', NS_CORE)!;
    // The owner (a valid, allow-listed identity) builds its own container around the same transport.
    const forged = seal(report(), { crypto, osid: E.owner.jid, cert: E.owner.cert, signingKey: keys.owner, encryptTo: keys.scopenode.publicKey });
    const ft = forged.getChild('transport', NS_CORE)!;
    ft.attrs = { ...t.attrs };
    ft.children = [...t.children];
    // ...and signs it properly with its own key: the signature verifies, the AAD does not.
    const sig = crypto.rsaSign(keys.owner, 'sha256', signedInfo(forged, parseContainer(forged), E.owner.jid));
    forged.getChild('originator', NS_CORE)!.getChild('sign', NS_CORE)!.children = [base64Encode(sig)];
    expect(await conditionOf(open(forged, E.owner.jid))).toBe('decryption-failed');
  });
  test('the v0.9 content type is refused: unsupported-content-type', async () => {
    const { open } = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey });
    el.getChild('transport', NS_CORE)!.attrs['content-type'] = CONTENT_TYPE_V09_AES;
    expect(await conditionOf(open(el, E.spime.jid))).toBe('unsupported-content-type');
  });
  test('unsigned (v0.9 §1.0.0) is refused by default and accepted only when configured', async () => {
    const { open } = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert });
    expect(await conditionOf(open(el, E.spime.jid))).toBe('not-signed');
    const r = await open(el, E.spime.jid, { requireSignature: false });
    expect([r.signed, r.osid]).toEqual([false, E.spime.jid]);
  });
  test('without osid (as in v0.9 §1.0.1) the stanza sender is the signer; another sender fails', async () => {
    const { open } = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime });
    delete el.getChild('originator', NS_CORE)!.attrs.osid;
    expect((await open(el, E.spime.jid)).signed).toBe(true);
    expect(await conditionOf(open(el, E.owner.jid))).toBe('key-unavailable'); // the spime's cert has no key for the owner
  });
  test('key rotation: a cached old key is re-fetched once the cache entry is older than minRefreshMs', async () => {
    const w = world();
    const el = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime });
    await w.open(el, E.spime.jid);
    const rotated = generateNodeRsaKey(2048);
    w.net.publish(E.spime.cert, E.spime.jid, rotated.publicKey);
    const el2 = seal(report(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: rotated });
    expect(await conditionOf(w.open(el2, E.spime.jid))).toBe('bad-signature'); // within 60 s: no second lookup
    expect(w.net.requests.length).toBe(1);
    w.clock.advance(61_000);
    expect((await w.open(el2, E.spime.jid)).signed).toBe(true);
    expect(w.net.requests.length).toBe(2);
  });
});

describe('a signed request carrying a claim key (v0.9 §1.2.1)', () => {
  test('verifies: claim key first (spime key), then the request (owner key)', async () => {
    const { open, net } = world();
    const r = await open(ownerSeek(), 'pubsub.openspime.com');
    expect(r.claim?.osid).toBe('spimeowner@mydomain.com');
    expect(net.requests.map((q) => q.attr('to'))).toEqual([E.spime.cert, E.owner.cert]);
  });
  test('expired claim key → claimkey-expired (5 min skew tolerated)', async () => {
    const w = world();
    const el = ownerSeek(claimKey('2026-11-22T05:56:00Z'));
    expect((await w.open(el, 'pubsub.openspime.com')).claim).toBeDefined(); // 4 min past: within skew
    w.clock.set('2026-11-22T06:01:01Z');
    expect(await conditionOf(w.open(el, 'pubsub.openspime.com'))).toBe('claimkey-expired');
  });
  test('a claim key for another holder → claimkey-not-authorized', async () => {
    const { open } = world();
    expect(await conditionOf(open(ownerSeek(claimKey(undefined, 'someoneelse@mydomain.com')), 'pubsub.openspime.com'))).toBe('claimkey-not-authorized');
    expect(await conditionOf(open(ownerSeek(claimKey(undefined, 'spimeowner@mydomain.com/phone')), 'pubsub.openspime.com'))).toBe('claimkey-not-authorized');
  });
  test('a claim key the owner made itself (wrong key) → claimkey-invalid', async () => {
    const { open } = world();
    expect(await conditionOf(open(ownerSeek(claimKey(undefined, undefined, keys.owner)), 'pubsub.openspime.com'))).toBe('claimkey-invalid');
  });
  test('claim key vouched by a service outside the allow-list → untrusted-cert-service', async () => {
    const { open, net } = world({ certServices: [E.owner.cert] });
    expect(await conditionOf(open(ownerSeek(), 'pubsub.openspime.com'))).toBe('untrusted-cert-service');
    expect(net.requests.length).toBe(0);
  });
  test('claimkey/@claims naming another spime than the key → claimkey-invalid', async () => {
    const { open, net } = world();
    net.publish(E.spime.cert, 'other@spime.openspime.com/spime', keys.spime.publicKey);
    const el = ownerSeek();
    el.getChild('originator', NS_CORE)!.getChild('claimkey', NS_CORE)!.attrs.claims = 'other@spime.openspime.com/spime';
    expect(await conditionOf(open(el, 'pubsub.openspime.com'))).toBe('claimkey-invalid');
  });
});

describe('report iq handler (ScopeNode, stanza in → stanza out)', () => {
  const handler = (stored: Array<[string, unknown]>, w = world()) => (iq: ReturnType<typeof reportIq>) =>
    handleReport(iq, { ...w.options, accept: (osid, entries) => { stored.push([osid, entries]); } });
  const stamp = (iq: ReturnType<typeof reportIq>, from = E.spime.jid) => { iq.attrs.from = from; iq.attrs.id = 'r1'; return iq; };
  test('a signed, encrypted report is stored and answered with an empty result', async () => {
    const stored: Array<[string, unknown]> = [];
    const iq = stamp(reportIq(E.scopenode.jid, [{ date: '2026-11-22T05:59:00Z', ppm: 415 }], { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey }));
    const r = (await handler(stored)(iq))!;
    expect([r.attr('type'), r.attr('id'), r.attr('to'), r.children.length]).toEqual(['result', 'r1', E.spime.jid, 0]);
    expect(stored).toEqual([[E.spime.jid, [{ date: '2026-11-22T05:59:00Z', ppm: 415 }]]]);
  });
  test("the spime's drop count (data/@dropped, §9.1) reaches accept, signed and encrypted with the entries", async () => {
    const seen: number[] = [];
    const w = world();
    const iq = stamp(reportIq(E.scopenode.jid, [{ date: '2026-11-22T05:59:00Z', ppm: 415 }], { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey }, 17));
    const r = (await handleReport(iq, { ...w.options, accept: (_osid, _entries, info) => { seen.push(info.dropped); } }))!;
    expect(r.attr('type')).toBe('result');
    expect(seen).toEqual([17]);
  });
  test('the spime\'s backlog (data/@queued, §9.2) reaches accept; absent or malformed reads as unknown', async () => {
    const seen: Array<number | undefined> = [];
    const w = world();
    const accept = (_osid: string, _entries: unknown, info: { queued?: number }) => { seen.push(info.queued); };
    const sealed = (queued: number | undefined, date: string) => stamp(reportIq(E.scopenode.jid, [{ date, ppm: 415 }], { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo: keys.scopenode.publicKey }, 0, queued));
    await handleReport(sealed(240, '2026-11-22T05:58:00Z'), { ...w.options, accept });
    await handleReport(sealed(0, '2026-11-22T05:58:10Z'), { ...w.options, accept });
    await handleReport(sealed(undefined, '2026-11-22T05:58:20Z'), { ...w.options, accept });
    const data = reportData([{ date: '2026-11-22T05:58:30Z', ppm: 1 }], 0, 5);
    data.attrs.queued = '-3';
    expect(queuedCount(data)).toBeUndefined();
    expect(seen).toEqual([240, 0, undefined]);
  });
  test.each([
    ['an entry dated in the future', [{ date: '2026-11-22T06:10:00Z', ppm: 1 }], E.spime.jid, 'inconsistent-data-with-scope', 'bad-request'],
    ['another sender relaying the spime\'s report', [{ date: '2026-11-22T05:59:00Z', ppm: 1 }], E.owner.jid, 'osid-mismatch', 'not-authorized'],
  ])('%s → iq error with the profile condition', async (_n, entries, from, condition, defined) => {
    const stored: Array<[string, unknown]> = [];
    const iq = stamp(reportIq(E.scopenode.jid, entries, { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }), from);
    const r = (await handler(stored)(iq))!;
    expect(r.attr('type')).toBe('error');
    const err = r.getChild('error')!;
    expect(err.getChildren().map((c) => c.name)).toEqual([defined, condition]);
    expect(stored).toEqual([]);
  });
  test('a tampered report → not-authorized + bad-signature', async () => {
    const iq = stamp(reportIq(E.scopenode.jid, [{ date: '2026-11-22T05:59:00Z', ppm: 415 }], { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime }));
    const ppm = iq.getChild('openspime')!.getChild('transport')!.getChild('data')!.getChild('entry')!.getChild('ppm')!;
    ppm.children = ['416'];
    const r = (await handler([])(iq))!;
    expect(r.getChild('error')!.getChildren().map((c) => c.name)).toEqual(['not-authorized', 'bad-signature']);
  });
});

describe('SpimeSeek authorization (§7.3)', () => {
  const req = { id: 'abcdef0123456789', spimeid: E.spime.jid, expdate: '2026-11-22T07:00:00Z', encrequired: true };
  test('the spime itself, or a verified claim key for it; nobody else', async () => {
    const { open } = world();
    const r = await open(ownerSeek(), 'pubsub.openspime.com');
    expect(() => authorizeSeek(r, req)).not.toThrow();
    expect(() => authorizeSeek({ osid: E.spime.jid }, req)).not.toThrow();
    expect(() => authorizeSeek({ osid: E.owner.jid }, req)).toThrow('not-authorized-for-spime');
    expect(() => authorizeSeek(r, { ...req, spimeid: 'other@spime.openspime.com/spime' })).toThrow('not-authorized-for-spime');
  });
});

describe('claim handler (spime, stanza in → stanza out)', () => {
  const claimIq = (signed = true) => {
    const iq = xml('iq', { type: 'set', id: 'c1', from: E.owner.jid, to: E.spime.jid },
      seal(buildClaimRequest(E.spime.jid), { crypto, osid: E.owner.jid, cert: E.owner.cert, signingKey: signed ? keys.owner : undefined }));
    return iq;
  };
  const spimeSide = (policy: (r: string, s: boolean) => boolean, more: Partial<OpenOptions> = {}) => {
    const w = world();
    return (iq: ReturnType<typeof claimIq>) => handleClaim(iq, { ...w.options, decryptionKey: keys.spime, self: { jid: E.spime.jid, cert: E.spime.cert, key: keys.spime }, policy, ...more });
  };
  test('granted: a signed result to the full JID whose claim key then opens a §1.2.1 request', async () => {
    const r = (await spimeSide(() => true)(claimIq()))!;
    expect([r.attr('type'), r.attr('to')]).toEqual(['result', E.owner.jid]);
    const w = world();
    const opened = await w.open(r.getChild('openspime')!, E.spime.jid);
    const c = parseClaim(opened.payload);
    expect(c.kind === 'response' && c.authorizes).toBe('spimeowner@mydomain.com');
    const key = (c as { claimkey: Uint8Array }).claimkey;
    const request = await w.open(ownerSeek(key), 'pubsub.openspime.com');
    expect(request.claim?.expdate).toBe('2027-11-22T06:00:00Z');
  });
  test('refused by policy → forbidden + not-authorized-for-spime', async () => {
    const r = (await spimeSide(() => false)(claimIq()))!;
    expect(r.getChild('error')!.getChildren().map((c) => c.name)).toEqual(['forbidden', 'not-authorized-for-spime']);
  });
  test('the unsigned v0.9 claim is refused unless the spime accepts unsigned requests', async () => {
    const r = (await spimeSide(() => true)(claimIq(false)))!;
    expect(r.getChild('error')!.getChildren().map((c) => c.name)).toEqual(['not-authorized', 'not-signed']);
    const ok = (await spimeSide((_r, signed) => !signed, { requireSignature: false })(claimIq(false)))!;
    expect(ok.attr('type')).toBe('result');
  });
});

describe('a payload with a no-namespace child (xmlns=\'\') survives transit', () => {
  // An extension element whose child is deliberately in no namespace, built and parsed.
  const built = () => xml('data', { xmlns: 'urn:example:ext', version: '0.9' }, xml('raw', { xmlns: '' }, 'x'), xml('entry', null, '1'));
  const parsed = () => parseDocument(new TextEncoder().encode('<data xmlns="urn:example:ext" version="0.9"><raw xmlns="">x</raw><entry>1</entry></data>'));
  test.each([['built with xmlns: \'\'', built], ['parsed from bytes', parsed]])('%s: signed (plain and encrypted), written, re-read: verifies, and the child is still in no namespace', async (_n, payload) => {
    for (const encryptTo of [undefined, keys.scopenode.publicKey]) {
      const { open } = world();
      const el = seal(payload(), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime, encryptTo });
      const wire = parseDocument(writeElement(xml('iq', { type: 'set' }, el), 'jabber:client'), ) as ReturnType<typeof xml>;
      const r = await open(wire.getChild('openspime', NS_CORE)!, E.spime.jid, { parsePayload: undefined });
      expect(r.signed).toBe(true);
      expect([r.payload.getChild('raw')?.ns, r.payload.getChild('entry')?.ns]).toEqual([null, 'urn:example:ext']);
    }
  });
});
