// The owner's presence (src/spime/owner-presence.ts) against a fake client: subscription requests
// from the owner approved, from anyone else refused; an owner change removes the old roster item
// and subscribes the new owner both ways; the one-line state is sent when it changes, with
// <show>away</show> when degraded; roster pushes only from our own account. Portable.
import { OwnerPresence, presenceLine, type PresenceClient } from '../../src/spime/owner-presence.js';
import type { SpimeStatus } from '../../src/spime/app.js';
import { MemoryRecords } from '../../src/storage/records.js';
import { Ownership, RECORD_OWNER, encodeOwnerRecord } from '../../src/spime/ownership.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import type { Clock } from '../../src/xmpp/clock.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

function fakeClient(roster: string[] = []) {
  const sent: XmlElement[] = [];
  const requests: XmlElement[] = [];
  const listeners: Record<string, Array<(el: XmlElement) => void>> = {};
  const iqHandlers: Array<(iq: XmlElement, p: XmlElement) => XmlElement | undefined> = [];
  const c: PresenceClient & { emit: (ev: string, el: XmlElement) => void } = {
    jid: 'spime@d/dev',
    status: 'online',
    send: (el) => { sent.push(el); },
    request: async (iq) => {
      requests.push(iq);
      const item = iq.getChild('query', 'jabber:iq:roster')?.getChild('item');
      if (iq.attr('type') === 'get') return xml('iq', { type: 'result' }, xml('query', { xmlns: 'jabber:iq:roster' }, ...roster.map((jid) => xml('item', { jid, subscription: 'both' }))));
      if (item?.attr('subscription') === 'remove') roster = roster.filter((j) => j !== item.attr('jid'));
      return xml('iq', { type: 'result' });
    },
    on: (ev, fn) => { (listeners[ev] ??= []).push(fn); return () => { listeners[ev] = listeners[ev].filter((f) => f !== fn); }; },
    registerIq: (_t, _n, _x, h) => { iqHandlers.push(h); },
    emit: (ev, el) => { for (const f of listeners[ev] ?? []) f(el); },
  };
  return { c, sent, requests, iqHandlers };
}

const noTimers: Clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

function ownership(owner?: string): { o: Ownership; records: MemoryRecords } {
  const records = new MemoryRecords();
  if (owner) records.set(RECORD_OWNER, encodeOwnerRecord({ jid: owner, since: 0 }));
  // the presence side uses only the owner record and its changes
  const o = new Ownership({ records, crypto: undefined as never, keys: undefined as never, self: { jid: 'spime@d', cert: 'c', key: undefined as never }, utc: () => 0, mono: () => 0 });
  return { o, records };
}

const status = (s: Partial<SpimeStatus> = {}): SpimeStatus => ({
  online: true, boot: 0, pending: 3, oldestUnsentMs: undefined, lastAck: undefined, reportsAcked: 0, entriesAcked: 0, dropped: 0, refused: 0,
  sensorFaults: [], clock: 'server', fault: undefined, halted: false, ...s,
} as SpimeStatus);

const brief = (el: XmlElement) => `${el.attr('type') ?? 'available'}→${el.attr('to') ?? '*'}`;

test('the one-line state: ok and the queue; degraded is away', () => {
  expect(presenceLine(status())).toEqual({ status: 'ok · 3 queued' });
  expect(presenceLine(status({ sensorFaults: ['co2'] }))).toEqual({ status: 'sensor fault: co2 · 3 queued', show: 'away' });
  expect(presenceLine(status({ fault: { condition: 'bad-signature', retryAt: 0 }, dropped: 2 }))).toEqual({ status: 'refused: bad-signature · 3 queued · 2 dropped', show: 'away' });
  expect(presenceLine(status({ halted: true, clock: 'none', pending: 0 })).status).toBe('halted (flash) · 0 queued · no clock');
});

test('subscription requests: the owner approved, anyone else refused', () => {
  const { c, sent } = fakeClient();
  const { o } = ownership('alice@d');
  const p = new OwnerPresence({ client: c, ownership: o, timers: noTimers });
  c.emit('stanza', xml('presence', { from: 'ALICE@d/phone', type: 'subscribe' }));
  c.emit('stanza', xml('presence', { from: 'mallory@d/x', type: 'subscribe' }));
  expect(sent.filter((el) => el.attr('type')).map(brief)).toEqual(['subscribed→ALICE@d', 'unsubscribed→mallory@d']);
  p.stop();
});

test('the owner going (factory reset): its roster item removed, the state still sent', async () => {
  const { c, sent, requests } = fakeClient(['alice@d']);
  const { o } = ownership('alice@d');
  const p = new OwnerPresence({ client: c, ownership: o, timers: noTimers, line: () => ({ status: 'ok · 0 queued' }) });
  o.factoryReset();
  await flush();
  expect(requests.map((r) => r.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attr('subscription'))).toEqual(['remove']);
  sent.length = 0;
  await p.reconcile();
  expect(sent.map(brief)).toEqual(['available→*']);
  expect(sent[0].getChildText('status')).toBe('ok · 0 queued');
  p.stop();
});

test('reconcile: strangers leave the roster, the owner is (re)subscribed; the line only when it changed', async () => {
  const { c, sent, requests } = fakeClient(['stranger@d']);
  const { o } = ownership('alice@d');
  let line = 'ok · 1 queued';
  const p = new OwnerPresence({ client: c, ownership: o, timers: noTimers, line: () => ({ status: line }) });
  sent.length = 0;
  await p.reconcile();
  expect(requests.filter((r) => r.attr('type') === 'set').map((r) => r.getChild('query', 'jabber:iq:roster')!.getChild('item')!.attr('jid'))).toEqual(['stranger@d']);
  expect(sent.map(brief)).toEqual(['subscribed→alice@d', 'subscribe→alice@d', 'available→*']);
  sent.length = 0;
  p.update();
  expect(sent).toEqual([]);
  line = 'ok · 2 queued';
  p.update();
  expect(sent.map((s) => s.getChildText('status'))).toEqual(['ok · 2 queued']);
  p.stop();
});

test('roster pushes: acknowledged from our own account, refused from anyone else', () => {
  const { c, iqHandlers } = fakeClient();
  const { o } = ownership();
  new OwnerPresence({ client: c, ownership: o, timers: noTimers }).stop();
  const push = (from?: string) => xml('iq', { type: 'set', ...(from ? { from } : {}) }, xml('query', { xmlns: 'jabber:iq:roster' }));
  expect(iqHandlers[0](push(), push().getChildren()[0])).toBeUndefined();
  expect(iqHandlers[0](push('spime@d'), push().getChildren()[0])).toBeUndefined();
  expect(() => iqHandlers[0](push('mallory@d/x'), push().getChildren()[0])).toThrow();
});
