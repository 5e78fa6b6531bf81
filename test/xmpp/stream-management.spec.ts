// XEP-0198 counters and queue on their own: ack arithmetic, a server acknowledging
// more than was sent, and what a failed resumption reports.
import { StreamManagement } from '../../src/xmpp/stream-management.js';
import { StreamError } from '../../src/xmpp/errors.js';
import { xml } from '../../src/xml/element.js';

const NS = 'urn:xmpp:sm:3';
const msg = (n: number) => xml('message', { to: 'a@example.net', id: `m${n}` });

function enabled(max = 64) {
  const sm = new StreamManagement({ maxUnacked: max });
  sm.beginStream();
  sm.enableElement();
  sm.onEnabled(xml('enabled', { xmlns: NS, id: 'abc', resume: 'true' }));
  return sm;
}

test('acks drop exactly the acknowledged prefix; one <r/> outstanding at a time', () => {
  const sm = enabled();
  for (let i = 0; i < 3; i++) sm.track(msg(i));
  expect(sm.wantsRequest()).toBe(true);
  expect(sm.wantsRequest()).toBe(false);
  const again = sm.handle(xml('a', { xmlns: NS, h: '2' }));
  expect(sm.unacked.map((e) => e.attr('id'))).toEqual(['m2']);
  expect(again?.name).toBe('r'); // still one unacked: ask again
  expect(sm.handle(xml('a', { xmlns: NS, h: '3' }))).toBeUndefined();
  expect(sm.unacked).toHaveLength(0);
});

test('inbound count answers <r/>, and is what <resume/> carries', () => {
  const sm = enabled();
  sm.countInbound(); sm.countInbound();
  expect(sm.handle(xml('r', { xmlns: NS }))!.attr('h')).toBe('2');
  expect(sm.resumeElement().attrs).toEqual({ previd: 'abc', h: '2' });
});

test('a server acknowledging more than we sent is a stream error (handled-count-too-high)', () => {
  const sm = enabled();
  sm.track(msg(1));
  expect(() => sm.handle(xml('a', { xmlns: NS, h: '5' }))).toThrow(StreamError);
  expect(() => sm.handle(xml('a', { xmlns: NS, h: 'x' }))).toThrow('bad SM h');
});

test('full queue: track() throws resource-constraint and keeps the queue as it was', () => {
  const sm = enabled(2);
  sm.track(msg(1)); sm.track(msg(2));
  expect(() => sm.track(msg(3))).toThrow('resource-constraint');
  expect(sm.unacked).toHaveLength(2);
});

test('failed resumption with h: the acknowledged part is not reported, the rest is', () => {
  const sm = enabled();
  for (let i = 0; i < 3; i++) sm.track(msg(i));
  const lost = sm.onResumeFailed(xml('failed', { xmlns: NS, h: '1' }));
  expect(lost.map((e) => e.attr('id'))).toEqual(['m1', 'm2']);
  expect(sm.canResume).toBe(false);
});

test('failed resumption with an h too high or malformed: the session is forgotten, everything reported, nothing thrown', () => {
  for (const h of ['99', 'x', '-1']) {
    const sm = enabled();
    for (let i = 0; i < 2; i++) sm.track(msg(i));
    const lost = sm.onResumeFailed(xml('failed', { xmlns: NS, h }));
    expect(lost.map((e) => e.attr('id'))).toEqual(['m0', 'm1']);
    expect(sm.canResume).toBe(false);
    expect(sm.unacked).toHaveLength(0);
  }
});
