// The profile's negative vectors (PROTOCOL.md §10, test/vectors/openspime.json `negative`): every
// refusal stanza, given to the receiver it names with the file's keys, allow-list and `now`, gets
// exactly its stated answer — the ScopeNode's report handler an iq error with the stated type,
// RFC 6120 condition and profile condition; the SpimeSeek path its condition (and no answer).
// Also: the case-variant positive vector, and the claim extension's <claimkey> signed as text.
import { conditionOfStanzaError } from '../../src/openspime/errors.js';
import { NS_CORE, NS_STANZAS } from '../../src/openspime/namespaces.js';
import { handleReport } from '../../src/openspime/report.js';
import { openSeekRequest, SeekGuard } from '../../src/openspime/spimeseek.js';
import { buildClaimResponse } from '../../src/openspime/claim.js';
import { seal } from '../../src/openspime/seal.js';
import { base64Encode } from '../../src/bytes/base64.js';
import type { XmlElement } from '../../src/xml/element.js';
import vectors from '../vectors/openspime-vectors.js';
import { parseXml } from '../helpers/parse-xml.js';
import { conditionOf, crypto, E, keys, world } from '../helpers/world.js';

function findOpenspime(el: XmlElement): XmlElement | undefined {
  if (el.name === 'openspime' && el.ns === NS_CORE) return el;
  for (const c of el.children) if (typeof c !== 'string') { const f = findOpenspime(c); if (f) return f; }
  return undefined;
}

describe('negative vectors', () => {
  test('each refusal condition of §8 that a stanza alone decides has a vector', () => {
    const covered = new Set(vectors.negative.map((v) => v.expect.condition));
    for (const c of ['bad-format', 'unsupported-version', 'unsupported-content-type', 'unsupported-algorithm', 'not-signed', 'untrusted-cert-service',
      'key-unavailable', 'bad-signature', 'osid-mismatch', 'decryption-failed', 'claimkey-invalid', 'claimkey-expired', 'claimkey-not-authorized',
      'request-expired', 'request-replayed', 'not-authorized-for-spime', 'inconsistent-data-with-scope']) expect([c, covered.has(c)]).toEqual([c, true]);
  });

  test.each(vectors.negative.filter((v) => v.receiver === 'scopenode-report').map((v) => [v.name, v]))('%s: the ScopeNode answers the stated error', async (_n, v) => {
    const { options } = world();
    const accepted: unknown[] = [];
    const iq = parseXml(v.stanza);
    iq.attrs.from = v.from; // as the server stamps it
    const reply = await handleReport(iq, { ...options, accept: (...a) => { accepted.push(a); } });
    expect(reply?.attr('type')).toBe('error');
    const error = reply!.getChild('error')!;
    expect([error.attr('type'), error.getChildren().find((c) => c.ns === NS_STANZAS)?.name, conditionOfStanzaError(error)])
      .toEqual([v.expect.error!.type, v.expect.error!.defined, v.expect.condition]);
    expect(accepted).toEqual([]);
  });

  test.each(vectors.negative.filter((v) => v.receiver === 'scopenode-seek').map((v) => [v.name, v]))('%s: the SpimeSeek path refuses with the stated condition', async (_n, v) => {
    const { options, clock } = world();
    const guard = new SeekGuard(clock.now);
    const deliveries = v.deliveries ?? 1;
    for (let i = 1; i < deliveries; i++) await openSeekRequest(findOpenspime(parseXml(v.stanza))!, v.from, options, guard);
    expect(await conditionOf(openSeekRequest(findOpenspime(parseXml(v.stanza))!, v.from, options, guard))).toBe(v.expect.condition);
  });

  test('report-signed-jid-case: osid 4A6B-… from the server-stamped 4a6b-… is accepted by the report handler', async () => {
    const v = vectors.vectors.find((x) => x.name === 'report-signed-jid-case')!;
    expect(v.from).not.toBe(v.osid);
    expect(v.from.toLowerCase()).toBe(v.osid.toLowerCase());
    const { options } = world();
    const accepted: string[] = [];
    const reply = await handleReport(parseXml(v.stanza), { ...options, accept: (osid) => { accepted.push(osid); } });
    expect(reply?.attr('type')).toBe('result');
    expect(accepted).toEqual([v.osid]);
  });
});

describe('§4.2 rule 3 and the claim extension\'s <claimkey> (§6.1)', () => {
  // The core re-encodes only its own base64 values; an extension's text is signed as written
  // (trimmed), so a <claimkey> re-wrapped after signing breaks the signature.
  const ck = new Uint8Array(300).map((_, i) => i & 255);
  const signed = () => seal(buildClaimResponse('spimeowner@mydomain.com', ck), { crypto, osid: E.spime.jid, cert: E.spime.cert, signingKey: keys.spime });
  const claimkeyText = (el: XmlElement) => el.getChild('transport')!.getChildren()[0].getChild('response')!.getChild('claimkey')!;
  test('as sent (no whitespace) it verifies; indentation around it is not information', async () => {
    const { open } = world();
    const el = signed();
    expect((await open(el, E.spime.jid)).signed).toBe(true);
    claimkeyText(el).children = ['\n   ' + base64Encode(ck) + '\n  '];
    expect((await open(el, E.spime.jid)).signed).toBe(true);
  });
  test('line breaks inside it are signed: re-wrapped → bad-signature', async () => {
    const { open } = world();
    const el = signed();
    const t = base64Encode(ck);
    claimkeyText(el).children = [t.slice(0, 76) + '\n' + t.slice(76)];
    expect(await conditionOf(open(el, E.spime.jid))).toBe('bad-signature');
  });
});
