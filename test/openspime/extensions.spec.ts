// Data entries, SpimeSeek requests and their replay guard, claim payloads, XEP-0082 dates,
// stanza errors (docs/PROTOCOL.md §6, §7, §8, §9). Portable.
import { parseClaim, buildClaimRequest, buildClaimResponse } from '../../src/openspime/claim.js';
import { buildData, parseData, type DataEntry } from '../../src/openspime/data.js';
import { formatDateTime, parseDateTime } from '../../src/openspime/datetime.js';
import { conditionOfStanzaError, OpenSpimeError, stanzaErrorFor } from '../../src/openspime/errors.js';
import { NS_CORE, NS_DATA, NS_STANZAS } from '../../src/openspime/namespaces.js';
import { buildSeekRequest, buildSeekResponse, parseSeekRequest, parseSeekResponse, SeekGuard } from '../../src/openspime/spimeseek.js';
import { xml } from '../../src/xml/element.js';

function conditionOf(f: () => unknown): string {
  try { f(); } catch (e) { return e instanceof OpenSpimeError ? e.condition : `raw ${(e as Error)?.message}`; }
  return 'accepted';
}

describe('XEP-0082 dates', () => {
  test('the v0.9 example date with an offset, fractions, Z', () => {
    expect(parseDateTime('2008-04-02T17:54:22+01:00')).toBe(Date.UTC(2008, 3, 2, 16, 54, 22));
    expect(parseDateTime('2008-04-02T17:54:22.25Z')).toBe(Date.UTC(2008, 3, 2, 17, 54, 22, 250));
    expect(formatDateTime(Date.UTC(2026, 10, 22, 6, 0, 0, 999))).toBe('2026-11-22T06:00:00Z');
  });
  test.each(['2008-04-02', '2008-04-02T17:54:22', '2008-02-30T00:00:00Z', '2008-13-01T00:00:00Z', '2008-04-02 17:54:22Z', '2008-04-02T24:00:00Z', 'x'])('rejects %s', (s) => {
    expect(parseDateTime(s)).toBeUndefined();
  });
});

describe('data extension entries', () => {
  const entry: DataEntry = { date: '2008-04-02T17:54:22+01:00', exposure: 'outdoor', lat: 45.475841199050905, lon: 9.172725677490234, ele: 120, ppm: 176.4, temperature: 21.5, humidity: 45, pressure: 101325 };
  test('round trip with every field, in the documented order and units', () => {
    const el = buildData([entry]);
    expect(el.ns).toBe(NS_DATA);
    const e = el.getChild('entry')!;
    expect(e.getChildren().map((c) => c.name + (c.attr('unit') ? `/${c.attr('unit')}` : ''))).toEqual(['date', 'exposure', 'lat', 'lon', 'ele/m', 'ppm', 'temperature/Cel', 'humidity/%RH', 'pressure/Pa']);
    expect(parseData(el)).toEqual([entry]);
  });
  test('the corrected v0.9 §1.0.0 entry parses (ele 120.0, ppm 176.4)', () => {
    const el = xml('data', { xmlns: NS_DATA, version: '0.9' }, xml('entry', null,
      xml('date', null, ' 2008-04-02T17:54:22+01:00 '), xml('exposure', null, 'outdoor'), xml('lat', null, '45.475841199050905'),
      xml('lon', null, '9.172725677490234'), xml('ele', { unit: 'm' }, '120.0'), xml('ppm', null, '176.4')));
    expect(parseData(el)).toEqual([{ date: '2008-04-02T17:54:22+01:00', exposure: 'outdoor', lat: 45.475841199050905, lon: 9.172725677490234, ele: 120, ppm: 176.4 }]);
  });
  test.each([
    ['no date', xml('entry', null, xml('ppm', null, '1'))],
    ['bad exposure', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('exposure', null, 'space'))],
    ['ele in feet', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('ele', { unit: 'ft' }, '1'))],
    ['lat 91', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('lat', null, '91'))],
    ['ppm NaN', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('ppm', null, 'NaN'))],
    ['ppm hex', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('ppm', null, '0x10'))],
    ['two ppm', xml('entry', null, xml('date', null, '2008-04-02T17:54:22Z'), xml('ppm', null, '1'), xml('ppm', null, '2'))],
  ])('%s → inconsistent-data-with-scope', (_n, entryEl) => {
    expect(conditionOf(() => parseData(xml('data', { xmlns: NS_DATA, version: '0.9' }, entryEl)))).toBe('inconsistent-data-with-scope');
  });
  test('building refuses non-finite or out-of-range values and bad dates', () => {
    expect(conditionOf(() => buildData([{ date: '2008-04-02T17:54:22Z', ppm: Infinity }]))).toBe('bad-format');
    expect(conditionOf(() => buildData([{ date: 'yesterday' }]))).toBe('bad-format');
  });
});

describe('SpimeSeek', () => {
  const req = { id: '7abc78af21', spimeid: '4A6B@spime.openspime.com/spime', expdate: '2026-11-22T07:00:00Z', encrequired: true };
  test('round trip', () => {
    expect(parseSeekRequest(buildSeekRequest(req))).toEqual(req);
  });
  test('v0.9 whitespace around spimeid is trimmed', () => {
    const el = buildSeekRequest(req);
    el.getChild('request')!.getChild('spimeid')!.children = ['\n   4A6B@spime.openspime.com/spime \n'];
    expect(parseSeekRequest(el).spimeid).toBe(req.spimeid);
  });
  /** A requester holding a verified claim key for the sought spime. */
  const owner = (osid: string) => ({ osid, claim: { claims: req.spimeid, osid, expdate: '2027-01-01T00:00:00Z' } });
  test('guard: admits once, then request-replayed; same id from another osid is another request', () => {
    let now = Date.parse('2026-11-22T06:00:00Z');
    const g = new SeekGuard(() => now);
    g.admit(owner('a@x/r'), req);
    expect(conditionOf(() => g.admit(owner('a@x/r'), req))).toBe('request-replayed');
    g.admit(owner('b@x/r'), req);
    g.admit({ osid: req.spimeid }, req); // the spime itself
    now = Date.parse('2026-11-22T07:04:59Z'); // within the 5 min skew after expdate
    expect(conditionOf(() => g.admit(owner('a@x/r'), req))).toBe('request-replayed');
    now = Date.parse('2026-11-22T07:05:01Z');
    expect(conditionOf(() => g.admit(owner('c@x/r'), req))).toBe('request-expired');
  });
  test('guard: the v0.9 example (expdate before the request was sent) is expired; a 2-day expdate is refused', () => {
    const g = new SeekGuard(() => Date.parse('2008-04-02T16:58:23Z'));
    expect(conditionOf(() => g.admit(owner('a@x/r'), { ...req, expdate: '2008-04-01T12:23:54+01:00' }))).toBe('request-expired');
    expect(conditionOf(() => g.admit(owner('a@x/r'), { ...req, expdate: '2008-04-04T16:58:23Z' }))).toBe('request-expired');
  });
  test('guard: memory is bounded and refuses (never forgets) when full', () => {
    const g = new SeekGuard(() => Date.parse('2026-11-22T06:00:00Z'), 300_000, 2);
    g.admit(owner('a'), { ...req, id: 'aaaaaaaa1' });
    g.admit(owner('b'), { ...req, id: 'aaaaaaaa2' });
    expect(conditionOf(() => g.admit(owner('c'), { ...req, id: 'aaaaaaaa3' }))).toBe('rate-limited');
    expect(conditionOf(() => g.admit(owner('a'), { ...req, id: 'aaaaaaaa1' }))).toBe('request-replayed');
  });
  test('guard: 4,096 requests from a signer not authorized for the spime take no memory; an authorized one is still admitted', () => {
    const g = new SeekGuard(() => Date.parse('2026-11-22T06:00:00Z'));
    for (let i = 0; i < 4096; i++) {
      expect(conditionOf(() => g.admit({ osid: 'mallory@x/r' }, { ...req, id: `mallory-${i}` }))).toBe('not-authorized-for-spime');
    }
    // a claim key for another spime authorizes nothing here
    expect(conditionOf(() => g.admit({ osid: 'mallory@x/r', claim: { claims: 'other@x/y', osid: 'mallory@x', expdate: '2027-01-01T00:00:00Z' } }, req))).toBe('not-authorized-for-spime');
    expect(g.size).toBe(0);
    g.admit(owner('owner@x/web'), req);
    expect(g.size).toBe(1);
  });
  test('guard: one authorized osid gets at most maxPerOsid of the memory; others are still admitted; expiry frees its share', () => {
    let now = Date.parse('2026-11-22T06:00:00Z');
    const g = new SeekGuard(() => now, 300_000, 4096, 3);
    for (let i = 0; i < 3; i++) g.admit(owner('greedy@x/r'), { ...req, id: `greedy-${i}` });
    expect(conditionOf(() => g.admit(owner('greedy@x/r'), { ...req, id: 'greedy-3' }))).toBe('rate-limited');
    // other resources of the same account share its quota (one claim key covers them all)
    expect(conditionOf(() => g.admit(owner('greedy@x/r2'), { ...req, id: 'greedy-3' }))).toBe('rate-limited');
    g.admit(owner('other@x/r'), { ...req, id: 'other-000' });
    now = Date.parse('2026-11-22T07:05:01Z');
    g.admit(owner('greedy@x/r'), { ...req, id: 'greedy-4', expdate: '2026-11-22T08:00:00Z' });
    expect(g.size).toBe(1);
  });
  test.each([['short id', { id: 'x' }], ['bad expdate', { expdate: 'soon' }]])('%s → bad-format', (_n, patch) => {
    expect(conditionOf(() => parseSeekRequest(buildSeekRequest({ ...req, ...patch })))).toBe('bad-format');
  });
  test('response round trip (§7.3): the entries as in §9, under the request id', () => {
    const entries: DataEntry[] = [{ date: '2026-11-22T06:00:00Z', ppm: 415, lat: 45.46, lon: 9.19 }, { date: '2026-11-22T06:00:06.5Z', temperature: 21.5, pressure: 100900 }];
    expect(parseSeekResponse(buildSeekResponse({ id: req.id, entries }))).toEqual({ id: req.id, entries });
    expect(parseSeekResponse(buildSeekResponse({ id: req.id, entries: [] }))).toEqual({ id: req.id, entries: [] });
    expect(conditionOf(() => parseSeekResponse(buildSeekRequest(req)))).toBe('bad-format'); // a request is not a response
    expect(conditionOf(() => parseSeekResponse(buildSeekResponse({ id: 'x', entries })))).toBe('bad-format');
  });
});

describe('claim payloads', () => {
  test('request and response round trip', () => {
    expect(parseClaim(buildClaimRequest('4A6B@spime/spime'))).toEqual({ kind: 'request', claims: '4A6B@spime/spime' });
    expect(parseClaim(buildClaimResponse('owner@mydomain.com', new Uint8Array([1, 2, 3])))).toEqual({ kind: 'response', authorizes: 'owner@mydomain.com', claimkey: new Uint8Array([1, 2, 3]) });
  });
  test('the v0.9 namespace-less response (claim in the core namespace) is accepted', () => {
    const el = xml('openspime', { xmlns: NS_CORE, version: '0.9' }, xml('transport', null, xml('claim', null, xml('response', { authorizes: 'owner@mydomain.com' }, xml('claimkey', null, ' AQID ')))));
    expect(parseClaim(el.getChild('transport')!.getChild('claim')!)).toEqual({ kind: 'response', authorizes: 'owner@mydomain.com', claimkey: new Uint8Array([1, 2, 3]) });
  });
  test('a response with the placeholder text is bad-format', () => {
    const el = xml('claim', { xmlns: 'openspime:protocol:extension:claim' }, xml('response', { authorizes: 'o' }, xml('claimkey', null, '** Base64 encoded data **')));
    expect(conditionOf(() => parseClaim(el))).toBe('bad-format');
  });
});

describe('stanza errors', () => {
  test('inconsistent-data-with-scope is written as in v0.9 §1.0.0', () => {
    const e = stanzaErrorFor(new OpenSpimeError('inconsistent-data-with-scope'));
    expect(e.attr('type')).toBe('modify');
    expect(e.getChild('bad-request', NS_STANZAS)).toBeDefined();
    expect(e.getChild('inconsistent-data-with-scope', 'openspime:protocol:extension:data:error')).toBeDefined();
    expect(conditionOfStanzaError(e)).toBe('inconsistent-data-with-scope');
  });
  test('core conditions use openspime:protocol:core:error', () => {
    const e = stanzaErrorFor(new OpenSpimeError('bad-signature', 'x'));
    expect(e.getChild('not-authorized', NS_STANZAS)).toBeDefined();
    expect(conditionOfStanzaError(e)).toBe('bad-signature');
  });
});
