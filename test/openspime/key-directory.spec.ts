// XEP-0189 lookups (docs/PROTOCOL.md §5), portable: allow-list, cache bound and expiry, in-flight
// sharing, rate-limited refresh, answers that must be refused, and the answering side.
import { rsaPublicKeyFromBase64, rsaPublicKeysEqual } from '../../src/crypto/rsa-key.js';
import type { RsaPublicKey } from '../../src/crypto/crypto.js';
import { OpenSpimeError } from '../../src/openspime/errors.js';
import { NS_PUBKEY, NS_XMLDSIG } from '../../src/openspime/namespaces.js';
import { answerPubkeys, answerPubkeysPublish, KeyDirectory, parsePubkeys, pubkeysPublishRequest } from '../../src/openspime/pubkeys.js';
import { xml } from '../../src/xml/element.js';
import vectors from '../vectors/openspime-vectors.js';
import { CertNetwork, manualClock } from '../helpers/fake-network.js';

const key = (e: { modulus: string; exponent: string }): RsaPublicKey => rsaPublicKeyFromBase64(e.modulus, e.exponent) as RsaPublicKey;
const spime = vectors.entities.spime;
const owner = vectors.entities.owner;

async function conditionOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return e instanceof OpenSpimeError ? e.condition : `raw ${(e as Error)?.message}`; }
  return 'accepted';
}

function setup(options: Partial<ConstructorParameters<typeof KeyDirectory>[0]> = {}) {
  const net = new CertNetwork().publish(spime.cert, spime.jid, key(spime)).publish(owner.cert, owner.jid, key(owner));
  const clock = manualClock('2026-11-22T06:00:00Z');
  const dir = new KeyDirectory({ iq: net, certServices: [spime.cert, owner.cert], now: clock.now, ...options });
  return { net, clock, dir };
}

describe('KeyDirectory', () => {
  test('asks the certification service with the v0.9 query and returns the published key', async () => {
    const { net, dir } = setup();
    const ks = await dir.lookup(spime.cert, spime.jid);
    expect(ks.length).toBe(1);
    expect(rsaPublicKeysEqual(ks[0], key(spime))).toBe(true);
    const q = net.requests[0];
    expect([q.attr('type'), q.attr('to'), q.getChild('pubkeys', NS_PUBKEY)?.attr('jid')]).toEqual(['get', spime.cert, spime.jid]);
  });
  test('a service outside the allow-list is never asked: untrusted-cert-service', async () => {
    const { net, dir } = setup();
    expect(await conditionOf(dir.lookup('evil@cert/x', spime.jid))).toBe('untrusted-cert-service');
    expect(net.requests.length).toBe(0);
  });
  test('cached for the TTL, then asked again', async () => {
    const { net, clock, dir } = setup({ ttlMs: 1000 });
    await dir.lookup(spime.cert, spime.jid);
    await dir.lookup(spime.cert, spime.jid);
    expect(net.requests.length).toBe(1);
    clock.advance(1000);
    await dir.lookup(spime.cert, spime.jid);
    expect(net.requests.length).toBe(2);
  });
  test('concurrent lookups share one request', async () => {
    const { net, dir } = setup();
    await Promise.all([dir.lookup(spime.cert, spime.jid), dir.lookup(spime.cert, spime.jid)]);
    expect(net.requests.length).toBe(1);
  });
  test('the cache is bounded, oldest out first', async () => {
    const { net, dir } = setup({ maxEntries: 1 });
    await dir.lookup(spime.cert, spime.jid);
    await dir.lookup(owner.cert, owner.jid);
    expect(dir.size).toBe(1);
    await dir.lookup(spime.cert, spime.jid);
    expect(net.requests.length).toBe(3);
  });
  test('refresh is rate-limited by minRefreshMs', async () => {
    const { net, clock, dir } = setup({ minRefreshMs: 60_000 });
    await dir.lookup(spime.cert, spime.jid);
    expect(dir.canRefresh(spime.cert, spime.jid)).toBe(false);
    await dir.lookup(spime.cert, spime.jid, true);
    expect(net.requests.length).toBe(1);
    clock.advance(60_000);
    await dir.lookup(spime.cert, spime.jid, true);
    expect(net.requests.length).toBe(2);
  });
  test('unknown JID, error answer, timeout → key-unavailable; nothing cached', async () => {
    const { net, dir } = setup();
    expect(await conditionOf(dir.lookup(spime.cert, 'nobody@spime.openspime.com/x'))).toBe('key-unavailable');
    net.down = true;
    expect(await conditionOf(dir.lookup(spime.cert, spime.jid))).toBe('key-unavailable');
    expect(dir.size).toBe(0);
  });
  test('a 1024-bit key is refused: bad-key', async () => {
    const small = { modulus: new Uint8Array(128).fill(0xff), exponent: new Uint8Array([1, 0, 1]) };
    const { net, dir } = setup();
    net.publish(spime.cert, 'small@x/y', small);
    expect(await conditionOf(dir.lookup(spime.cert, 'small@x/y'))).toBe('bad-key');
  });
  test('an answer about another JID is refused', () => {
    const el = xml('pubkeys', { xmlns: NS_PUBKEY, jid: 'other@x' });
    expect(() => parsePubkeys(el, spime.jid)).toThrow(OpenSpimeError);
  });
  test('RSAKeyValue with placeholder text, even modulus, even exponent are skipped', () => {
    const kv = (m: string, e: string) => xml('KeyInfo', { xmlns: NS_XMLDSIG }, xml('KeyValue', null, xml('RSAKeyValue', null, xml('Modulus', null, m), xml('Exponent', null, e))));
    const even = spime.modulus.slice(0, -4) + 'AAAA'; // ends in zero bits
    const el = xml('pubkeys', { xmlns: NS_PUBKEY, jid: spime.jid }, kv('** Base64 encoded data **', 'AQAB'), kv(even, 'AQAB'), kv(spime.modulus, 'AQAA'), kv(spime.modulus, spime.exponent));
    const r = parsePubkeys(el, spime.jid);
    expect(r.keys.length).toBe(1);
    expect(r.rejected.length).toBe(3);
  });
});

describe('answerPubkeys (certification service side)', () => {
  const keys = (jid: string) => (jid === spime.jid ? [key(spime)] : undefined);
  const get = (jid?: string, type = 'get') => xml('iq', { type, id: 'q1', from: 'sn@x/co2', to: spime.cert }, xml('pubkeys', { xmlns: NS_PUBKEY, jid }));
  test('answers with the v0.9 KeyInfo/KeyValue/RSAKeyValue form, addressed back', () => {
    const r = answerPubkeys(get(spime.jid), keys)!;
    expect([r.attr('type'), r.attr('id'), r.attr('to'), r.attr('from')]).toEqual(['result', 'q1', 'sn@x/co2', spime.cert]);
    const rsa = r.getChild('pubkeys', NS_PUBKEY)!.getChild('KeyInfo', NS_XMLDSIG)!.getChild('KeyValue', NS_XMLDSIG)!.getChild('RSAKeyValue', NS_XMLDSIG)!;
    expect([rsa.getChildText('Modulus'), rsa.getChildText('Exponent')]).toEqual([spime.modulus, spime.exponent]);
  });
  test('unknown JID → item-not-found; no jid → bad-request; set → not-allowed; other stanzas → undefined', () => {
    const cond = (iq: ReturnType<typeof get>) => answerPubkeys(iq, keys)!.getChild('error')!.getChildren()[0].name;
    expect(cond(get('x@y'))).toBe('item-not-found');
    expect(cond(get(undefined))).toBe('bad-request');
    expect(cond(get(spime.jid, 'set'))).toBe('not-allowed');
    expect(answerPubkeys(xml('iq', { type: 'get' }, xml('ping', { xmlns: 'urn:xmpp:ping' })), keys)).toBeUndefined();
  });
});

describe('answerPubkeysPublish (an account publishing its own key, PROTOCOL.md §5)', () => {
  const held = new Map<string, RsaPublicKey[]>();
  const ours = (jid: string) => jid.endsWith('@example.org');
  const publish = (from: string | undefined, jid: string, keys = [key(spime)]) => {
    const iq = pubkeysPublishRequest('keys.example.org', jid, keys);
    iq.attrs.id = 'p1';
    if (from !== undefined) iq.attrs.from = from;
    return answerPubkeysPublish(iq, ours, (j, k) => { held.set(j, k); });
  };
  const cond = (r: ReturnType<typeof publish>) => r!.getChild('error')!.getChildren()[0].name;
  test('its own bare JID, from its session: stored, empty result addressed back', () => {
    const r = publish('spime-7@example.org/provision', 'spime-7@example.org')!;
    expect([r.attr('type'), r.attr('id'), r.attr('to')]).toEqual(['result', 'p1', 'spime-7@example.org/provision']);
    expect(rsaPublicKeysEqual(held.get('spime-7@example.org')![0]!, key(spime))).toBe(true);
  });
  test('another JID → forbidden; a foreign domain or no from → not-allowed; no usable key → bad-request; nothing stored', () => {
    held.clear();
    expect(cond(publish('mallory@example.org/x', 'spime-7@example.org'))).toBe('forbidden');
    expect(cond(publish('spime-7@elsewhere.net/x', 'spime-7@elsewhere.net'))).toBe('not-allowed');
    expect(cond(publish(undefined, 'spime-7@example.org'))).toBe('not-allowed');
    expect(cond(publish('spime-7@example.org/x', 'spime-7@example.org', []))).toBe('bad-request');
    expect(held.size).toBe(0);
  });
  test('a get, or another payload, is not its business', () => {
    expect(answerPubkeysPublish(xml('iq', { type: 'get', from: 'a@example.org' }, xml('pubkeys', { xmlns: NS_PUBKEY, jid: 'a@example.org' })), ours, () => {})).toBeUndefined();
    expect(answerPubkeysPublish(xml('iq', { type: 'set', from: 'a@example.org' }, xml('ping', { xmlns: 'urn:xmpp:ping' })), ours, () => {})).toBeUndefined();
  });
});
