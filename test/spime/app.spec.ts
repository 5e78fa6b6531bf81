// The spime application on fakes: a manual clock, a fault-injecting flash, a scripted report
// sender standing in for the ScopeNode (storing by (osid, date) like PROTOCOL.md §7.4 says).
import { PowerCut, SimFlash } from '../../hosts/sim/flash.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import type { DataEntry } from '../../src/openspime/data.js';
import { parseDateTime } from '../../src/openspime/datetime.js';
import { decodeAppState, SpimeApp, type SpimeAppOptions, type SpimeEvent } from '../../src/spime/app.js';
import { predictedReportBytes, entryBytes, type ReportSender } from '../../src/spime/report-sender.js';
import { FlashLog } from '../../src/storage/log.js';
import { flush, ManualClock } from '../xmpp/fakes.js';

const UTC0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** A ScopeNode that stores by date, counts duplicates, and can be told to fail. */
class FakeScope implements ReportSender {
  stored = new Map<string, DataEntry>();
  duplicates = 0;
  reports: DataEntry[][] = [];
  droppedSeen: number[] = [];
  queuedSeen: Array<number | undefined> = [];
  failWith: ((entries: readonly DataEntry[]) => string | undefined) | undefined;
  /** Store the report, then lose its result (the spime sees `session-lost`): resent later. */
  resultsLost = false;
  async send(entries: readonly DataEntry[], dropped: number, queued?: number): Promise<void> {
    this.queuedSeen.push(queued);
    await flush(2);
    this.reports.push([...entries]);
    this.droppedSeen.push(dropped);
    const condition = this.failWith?.(entries);
    if (condition) throw Object.assign(new Error(condition), { condition });
    for (const e of entries) {
      if (this.stored.has(e.date)) this.duplicates++;
      else this.stored.set(e.date, e);
    }
    if (this.resultsLost) throw Object.assign(new Error('lost'), { condition: 'session-lost' });
  }
  ppms(): number[] { return [...this.stored.values()].sort((a, b) => parseDateTime(a.date)! - parseDateTime(b.date)!).map((e) => e.ppm!); }
}

function setup(o: Partial<SpimeAppOptions> & { flash?: SimFlash; clock?: ManualClock; counter?: { n: number } } = {}) {
  const flash = o.flash ?? new SimFlash({ blocks: 8, blockLength: 4096 });
  const clock = o.clock ?? new ManualClock();
  const counter = o.counter ?? { n: 0 };
  const scope = (o.sender as FakeScope) ?? new FakeScope();
  const events: SpimeEvent[] = [];
  const log = new FlashLog(flash);
  const app = new SpimeApp({
    log, timers: clock, sender: scope, samplePeriodMs: 1000, maxEntries: 5, maxWaitMs: 60_000,
    read: () => ({ ppm: 400 + counter.n++, temperature: 21.5 }),
    serverTime: async () => UTC0 + clock.now(),
    onEvent: (e) => events.push(e),
    ...o,
  });
  return { flash, clock, counter, scope, events, log, app };
}

describe('SpimeApp: batching', () => {
  test('N readings make one report; its result advances the tail; status tells it', async () => {
    const { app, clock, scope } = setup();
    app.setOnline(true);
    app.start();
    await clock.advance(4500); // readings at 0, 1, 2, 3, 4 s
    expect(scope.reports.map((r) => r.length)).toEqual([5]);
    expect(scope.ppms()).toEqual([400, 401, 402, 403, 404]);
    expect(app.status()).toMatchObject({ pending: 0, reportsAcked: 1, entriesAcked: 5, lastAck: { entries: 5, seq: 4 }, clock: 'server', online: true });
    await app.stop();
  });

  test('fewer than N are sent once the oldest has waited T', async () => {
    const { app, clock, scope } = setup({ samplePeriodMs: 20_000, maxEntries: 20, maxWaitMs: 60_000 });
    app.setOnline(true);
    app.start();
    await clock.advance(59_000);
    expect(scope.reports).toEqual([]);
    expect(app.status().oldestUnsentMs).toBe(59_000);
    await clock.advance(1_500);
    expect(scope.reports.map((r) => r.length)).toEqual([4]); // 0, 20, 40, 60 s
    await app.stop();
  });

  test('a report stays under the stanza budget: the batch is cut by size', async () => {
    const budget = predictedReportBytes(3 * entryBytes({ date: '2026-12-01T12:00:00.123Z', ppm: 400.5, temperature: 21.5 }));
    const { app, clock, scope } = setup({ maxEntries: 20, maxStanzaBytes: budget });
    app.setOnline(false);
    app.start();
    await clock.advance(19_500);
    app.setOnline(true);
    await clock.advance(100);
    expect(scope.reports.length).toBeGreaterThan(5);
    for (const r of scope.reports) expect(predictedReportBytes(r.reduce((n, e) => n + entryBytes(e), 0))).toBeLessThanOrEqual(budget);
    expect(scope.ppms()).toEqual(Array.from({ length: 20 }, (_, i) => 400 + i));
    await app.stop();
  });
});

describe('SpimeApp: store and forward', () => {
  test('offline: readings wait in flash, in order; online: they drain', async () => {
    const { app, clock, scope } = setup();
    app.start();
    await clock.advance(11_500);
    expect(app.status()).toMatchObject({ pending: 12, online: false });
    app.setOnline(true);
    await clock.advance(100);
    expect(scope.ppms()).toEqual(Array.from({ length: 12 }, (_, i) => 400 + i));
    expect(app.status().pending).toBe(0);
    // each report tells the backlog left behind it (data/@queued, PROTOCOL.md §9.2)
    expect(scope.queuedSeen).toEqual([7, 2, 0]);
    await app.stop();
  });

  test('transient failures keep the entries and back off 2 s, 4 s, …; a new session retries at once', async () => {
    const { app, clock, scope, events } = setup();
    let failures = 2;
    scope.failWith = () => (failures-- > 0 ? 'service-unavailable' : undefined);
    app.setOnline(true);
    app.start();
    await clock.advance(4500);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { inMs: number }).inMs)).toEqual([2000]);
    await clock.advance(2000);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { inMs: number }).inMs)).toEqual([2000, 4000]);
    app.setOnline(false);
    app.setOnline(true); // reconnect: no waiting for the 4 s
    await clock.advance(10);
    expect(scope.reports.map((r) => r.length)).toEqual([5, 5, 5, 2]); // the full one, then the rest of the backlog
    expect(scope.ppms()).toEqual(Array.from({ length: 7 }, (_, i) => 400 + i));
    await app.stop();
  });

  test('a refused entry is found by splitting the batch; only it is dropped, counted and reported', async () => {
    const { app, clock, scope, events } = setup({ maxEntries: 8 });
    scope.failWith = (entries) => (entries.some((e) => e.ppm === 405) ? 'inconsistent-data-with-scope' : undefined);
    app.start();
    await clock.advance(7500);
    app.setOnline(true);
    await clock.advance(100);
    expect(scope.ppms()).toEqual([400, 401, 402, 403, 404, 406, 407]);
    expect(app.status()).toMatchObject({ refused: 1, pending: 0 });
    expect(events.find((e) => e.type === 'refused')).toMatchObject({ condition: 'inconsistent-data-with-scope', entry: { ppm: 405 } });
    expect(scope.reports.length).toBeLessThanOrEqual(7); // 8 ✕, 4 ✓, 4 ✕, 2 ✕, 1 ✓, 1 ✕ (dropped), 2 ✓: a binary search
    expect(scope.duplicates).toBe(0);
    await app.stop();
  });

  test("a refusal that is the spime's own fault waits the long backoff, also across reconnects, and shows in status", async () => {
    const { app, clock, scope } = setup({ faultBackoffMs: 900_000 });
    scope.failWith = () => 'bad-signature';
    app.setOnline(true);
    app.start();
    await clock.advance(4500);
    expect(app.status().fault).toMatchObject({ condition: 'bad-signature' });
    app.setOnline(false);
    app.setOnline(true);
    await clock.advance(600_000);
    expect(scope.reports.length).toBe(1); // no tight loop
    scope.failWith = undefined;
    await clock.advance(301_000);
    expect(scope.reports.length).toBeGreaterThan(1);
    expect(app.status().fault).toBeUndefined();
    expect(scope.stored.size).toBe(app.status().entriesAcked);
    await app.stop();
  });

  test('after a reboot the entries not acknowledged are sent again, with the same dates', async () => {
    const flash = new SimFlash({ blocks: 8, blockLength: 4096 });
    const clock = new ManualClock();
    const counter = { n: 0 };
    const scope = new FakeScope();
    const a = setup({ flash, clock, counter, sender: scope });
    a.app.setOnline(true);
    a.app.start();
    scope.resultsLost = true; // the ScopeNode stores them, the result never reaches the spime
    await clock.advance(4500);
    await a.app.stop();
    scope.resultsLost = false;
    const b = setup({ flash, clock, counter, sender: scope });
    expect(b.app.status().pending).toBe(5);
    b.app.setOnline(true);
    b.app.start();
    await clock.advance(100);
    expect(scope.duplicates).toBe(5); // same (osid, date): ignored by the ScopeNode
    expect(scope.stored.size).toBe(6); // and the reading boot 2 took at start
    expect(b.app.boot).toBe(a.app.boot + 1);
    await b.app.stop();
  });
});

describe('SpimeApp: dates', () => {
  test('readings before any clock are kept undated and dated when the clock is known: never 1970, never dropped', async () => {
    let serverUp = false;
    const { app, clock, scope, log } = setup({ serverTime: async () => { if (!serverUp) throw Object.assign(new Error('x'), { condition: 'remote-server-timeout' }); return UTC0 + clock.now(); } });
    app.setOnline(true);
    app.start();
    await clock.advance(9500);
    expect(scope.reports).toEqual([]);
    expect(log.pending).toBe(10);
    expect(app.status().clock).toBe('none');
    serverUp = true;
    app.setOnline(false);
    app.setOnline(true);
    await flush();
    await clock.advance(100);
    const dates = [...scope.stored.keys()].map((d) => parseDateTime(d)!);
    expect(dates.length).toBe(10);
    const t0 = UTC0 + clock.now() - 9600;
    dates.forEach((d, i) => expect(d - t0).toBe(i * 1000));
    await app.stop();
  });

  test('a boot that never learnt the time: its readings are dated after the previous boot’s, in order, before the next one’s', async () => {
    const flash = new SimFlash({ blocks: 8, blockLength: 4096 });
    const clock = new ManualClock();
    const counter = { n: 0 };
    const scope = new FakeScope();
    const a = setup({ flash, clock, counter, sender: scope });
    a.app.setOnline(true);
    a.app.start();
    await clock.advance(4500); // boot 0: clock from the server, 5 readings sent
    await a.app.stop();
    const b = setup({ flash, clock, counter, sender: scope, serverTime: () => new Promise<number>(() => {}) });
    b.app.start(); // boot 1: offline, no clock, 3 readings
    await clock.advance(2500);
    await b.app.stop();
    const c = setup({ flash, clock, counter, sender: scope });
    c.app.setOnline(true);
    c.app.start(); // boot 2: the clock again
    await clock.advance(4500);
    await c.app.stop();
    const byDate = [...scope.stored.values()].sort((x, y) => parseDateTime(x.date)! - parseDateTime(y.date)!);
    expect(byDate.map((e) => e.ppm)).toEqual(Array.from({ length: counter.n }, (_, i) => 400 + i)); // order kept
    expect(scope.stored.size).toBe(counter.n);
    expect(byDate.every((e) => parseDateTime(e.date)! > UTC0)).toBe(true);
  });

  test('fresh flash after a reset, first boots never learn the time: their readings wait, then are dated past everything the identity sent before, in order; none lost or deduped', async () => {
    const clock = new ManualClock();
    const counter = { n: 0 };
    const scope = new FakeScope();
    const utcNow = () => UTC0 + clock.now();
    let early = 0; // dates sent before the clock had reached them
    const sender: ReportSender = { send: async (e, d) => { early += e.filter((x) => parseDateTime(x.date)! > utcNow()).length; await scope.send(e, d); } };
    // the identity's old flash: dense readings, all acknowledged, up to the moment of the reset
    const old = setup({ clock, counter, sender, samplePeriodMs: 100, maxEntries: 4 });
    old.app.setOnline(true);
    old.app.start();
    await clock.advance(2000);
    await old.app.stop();
    const sentBefore = Math.max(...[...scope.stored.keys()].map((d) => parseDateTime(d)!));
    const before = scope.stored.size;
    const reset = counter.n; // readings the old flash took (one may have gone with it, unsent)
    // the new, erased flash: two boots that never learn the time (online: the server does not answer)
    const flash = new SimFlash({ blocks: 8, blockLength: 4096 });
    const silent = () => new Promise<number>(() => {});
    for (let i = 0; i < 2; i++) {
      const b = setup({ flash, clock, counter, sender, samplePeriodMs: 100, maxEntries: 4, serverTime: silent });
      b.app.setOnline(true);
      b.app.start();
      await clock.advance(350);
      expect(scope.stored.size).toBe(before); // nothing sent without a date
      await b.app.stop();
    }
    // then a boot whose clock is the server's whole seconds (up to 1 s behind): it learns the time
    // after 250 ms, by which time it took undated readings of its own too
    let answer: (() => void) | undefined;
    const last = counter.n + 15;
    const c = setup({ flash, clock, counter, sender, samplePeriodMs: 100, maxEntries: 4, maxWaitMs: 500,
      read: () => (counter.n < last ? { ppm: 400 + counter.n++, temperature: 21.5 } : undefined),
      serverTime: () => new Promise<number>((r) => { answer = () => r(Math.floor(utcNow() / 1000) * 1000); }) });
    c.app.setOnline(true);
    c.app.start();
    await clock.advance(250);
    answer!();
    await clock.advance(3000);
    expect(c.app.status()).toMatchObject({ pending: 0, dropped: 0 });
    await c.app.stop();
    const after = [...scope.stored.values()].filter((e) => parseDateTime(e.date)! > sentBefore);
    expect(scope.duplicates).toBe(0);
    expect(scope.stored.size).toBe(before + counter.n - reset); // every new reading: none lost, none deduped away
    expect(after.map((e) => e.ppm)).toEqual(Array.from({ length: counter.n - reset }, (_, i) => 400 + reset + i)); // all after, in order
    expect(after.every((e) => parseDateTime(e.date)! < utcNow())).toBe(true);
    expect(early).toBe(0); // every date was already past when it was sent
    expect(decodeAppState(new FlashLog(flash).state)?.rule).toBeDefined(); // the seq rule dated them
  });

  test('the dates given to readings of a boot without a lower bound are in flash: resent after a reboot with the same dates', async () => {
    const flash = new SimFlash({ blocks: 8, blockLength: 4096 });
    const clock = new ManualClock();
    const counter = { n: 0 };
    const scope = new FakeScope();
    const a = setup({ flash, clock, counter, sender: scope, serverTime: () => new Promise<number>(() => {}) });
    a.app.setOnline(true);
    a.app.start(); // boot 0 on fresh flash, no clock: 3 readings
    await clock.advance(2500);
    await a.app.stop();
    scope.resultsLost = true; // boot 1 dates and sends them; the ScopeNode stores them; the results are lost
    const b = setup({ flash, clock, counter, sender: scope, maxEntries: 3 });
    b.app.setOnline(true);
    b.app.start();
    await clock.advance(4000); // their dates are past the clock's (1 s margin): sent once it gets there, retried after 2 s
    await b.app.stop();
    const first = [...scope.stored.values()].filter((e) => e.ppm! < 403).map((e) => e.date);
    expect(first.length).toBe(3);
    scope.resultsLost = false;
    const taken = counter.n;
    const c = setup({ flash, clock, counter, sender: scope, serverTime: () => new Promise<number>(() => {}) });
    c.app.setOnline(true);
    c.app.start(); // boot 2: no clock, resends what boot 1 dated
    await clock.advance(5000);
    await c.app.stop();
    expect(scope.duplicates).toBeGreaterThanOrEqual(3); // same dates: ignored by the ScopeNode
    expect(scope.ppms()).toEqual(Array.from({ length: taken }, (_, i) => 400 + i)); // boot 2's own wait for a clock
    expect([...scope.stored.values()].filter((e) => e.ppm! < 403).map((e) => e.date)).toEqual(first);
  });

  test('more boots with undated readings in flash than the STATE holds: their records go to markers in the log, and every resend carries the same dates', async () => {
    const flash = new SimFlash({ blocks: 16, blockLength: 4096 });
    const clock = new ManualClock();
    const counter = { n: 0 };
    const scope = new FakeScope();
    const datesOf = new Map<number, Set<string>>(); // per reading, every date it was sent with
    // the ScopeNode stores every report; its results are lost until the end
    scope.resultsLost = true;
    const recording: ReportSender = { send: async (e, d) => {
      for (const x of e) datesOf.set(x.ppm!, (datesOf.get(x.ppm!) ?? new Set()).add(x.date));
      await scope.send(e, d);
    } };
    for (let i = 0; i < 30; i++) {
      // each boot: two readings before its clock (undated, with its boot number), then one after
      let tell: (() => void) | undefined;
      const b = setup({ flash, clock, counter, sender: recording, retryInitialMs: 100, maxEntries: 50,
        serverTime: () => new Promise<number>((r) => { tell = () => r(UTC0 + clock.now()); }) });
      b.app.setOnline(true);
      b.app.start();
      await clock.advance(1500);
      tell!();
      await clock.advance(1000);
      await b.app.stop();
    }
    scope.resultsLost = false;
    const last = setup({ flash, clock, counter, sender: recording, samplePeriodMs: 3_600_000, maxEntries: 50, maxWaitMs: 10 });
    last.app.setOnline(true);
    last.app.start();
    await clock.advance(10_000);
    expect(last.app.status().pending).toBe(0);
    expect(scope.duplicates).toBeGreaterThan(0); // resent many times…
    expect([...datesOf.values()].filter((d) => d.size > 1)).toEqual([]); // …always with the same date
    expect(scope.stored.size).toBe(counter.n); // each reading stored once, none swallowed by another's date
    expect(scope.ppms()).toEqual(Array.from({ length: counter.n }, (_, i) => 400 + i));
    await last.app.stop();
  });

  test('online before start (startNodeSpime tells the session state first): the server time is asked at start', async () => {
    let asked = 0;
    const { app, clock, scope } = setup({ serverTime: async () => { asked++; return UTC0 + clock.now(); } });
    app.setOnline(true); // not running yet: nothing happens here
    app.start();
    await clock.advance(1500); // before any report: a boot that ended now would have its readings dated
    expect(asked).toBe(1);
    expect(app.status().clock).toBe('server');
    expect(app.status().pending).toBe(2);
    await clock.advance(3000);
    expect(parseDateTime(scope.reports[0]![0]!.date)).toBeGreaterThanOrEqual(UTC0); // dated now, not 1970
    await app.stop();
  });

  test('two readings in the same millisecond get distinct dates (the ScopeNode keys by date)', async () => {
    const { app, clock, scope } = setup({ samplePeriodMs: 3_600_000 });
    app.setOnline(true);
    app.start();
    await clock.advance(10);
    for (let i = 0; i < 4; i++) app.takeReading();
    await clock.advance(10);
    expect(scope.stored.size).toBe(5);
    expect(new Set([...scope.stored.keys()]).size).toBe(5);
    await app.stop();
  });
});

describe('SpimeApp: per-quantity periods', () => {
  test('each quantity on its own period: a reading carries the ones that are due', async () => {
    const { app, clock, scope } = setup({ samplePeriodMs: 1000, periodsMs: { pressure: 5000 }, maxEntries: 1,
      read: () => ({ ppm: 400, pressure: 100_000 }) });
    app.setOnline(true);
    app.start();
    await clock.advance(10_500);
    const sent = scope.reports.flat();
    expect(sent.filter((e) => e.ppm !== undefined)).toHaveLength(11); // 0, 1, … 10 s
    expect(sent.filter((e) => e.pressure !== undefined)).toHaveLength(3); // 0, 5, 10 s
    await app.stop();
  });

  test('position more often while moving: at most every movingPeriodMs once it moved movingMeters from the last one taken', async () => {
    let lat = 45.0;
    const { app, clock, scope } = setup({ samplePeriodMs: 10_000, movingPeriodMs: 1000, movingMeters: 25, maxEntries: 1,
      read: () => ({ lat, lon: 9.0, ppm: 400 }) });
    app.setOnline(true);
    app.start();
    await clock.advance(20_500); // standing
    const standing = scope.reports.flat().filter((e) => e.lat !== undefined).length;
    for (let t = 0; t < 20; t++) { lat += 0.0001; await clock.advance(1000); } // ~11 m/s
    const all = scope.reports.flat();
    const positions = all.filter((e) => e.lat !== undefined).length;
    expect(standing).toBe(3); // 0, 10, 20 s
    expect(positions - standing).toBeGreaterThanOrEqual(6); // every 3 s while moving (33 m ≥ 25 m), not every 10 s
    expect(all.filter((e) => e.ppm !== undefined)).toHaveLength(5); // ppm stays on 10 s: 0, 10, 20, 30, 40 s
    await app.stop();
  });
});

test('power cuts at seeded random points: the ScopeNode ends with exactly the readings taken, in order', async () => {
  const prng = new Prng(31337);
  const flash = new SimFlash({ blocks: 4, blockLength: 4096, seed: 5 });
  const clock = new ManualClock();
  const counter = { n: 0 };
  const scope = new FakeScope();
  const taken = new Set<number>();
  let maybe: number | undefined;
  let halts = 0;
  for (let cut = 0; cut < 60; cut++) {
    flash.cutAt(200 + prng.int(6000));
    const s = setup({ flash, clock, counter, sender: scope, maxEntries: 1 + prng.int(8), read: () => {
      const ppm = 400 + counter.n++;
      maybe = ppm;
      return { ppm, temperature: 20 };
    } });
    s.app.setOnline(prng.next() < 0.8);
    const origTake = s.app.takeReading.bind(s.app);
    s.app.takeReading = () => { const seq = origTake(); if (seq !== undefined) { taken.add(maybe!); maybe = undefined; } return seq; };
    s.app.start();
    for (let t = 0; t < 200 && !s.app.status().halted; t++) {
      await clock.advance(250 + prng.int(1000));
      if (prng.next() < 0.05) s.app.setOnline(!s.app.status().online);
    }
    await s.app.stop();
    if (s.app.status().halted) halts++; // the reading whose append was cut may be in flash or not
    flash.revive();
  }
  // drain: no more cuts
  const final = setup({ flash, clock, counter, sender: scope, samplePeriodMs: 3_600_000, maxEntries: 20 });
  final.app.setOnline(true);
  final.app.start();
  await clock.advance(60_000);
  expect(final.app.status().pending).toBe(0);
  expect(final.log.dropped).toBe(0);
  const stored = scope.ppms();
  // every reading whose append returned is there; at most the cut ones besides; no duplicates kept
  for (const p of taken) expect(stored).toContain(p);
  expect(stored.length - taken.size).toBeLessThanOrEqual(60);
  expect([...stored].sort((a, b) => a - b)).toEqual(stored); // order kept
  expect(new Set(stored).size).toBe(stored.length);
  expect(halts).toBeGreaterThanOrEqual(50); // the cuts really happened, mid-run
  expect(scope.duplicates).toBeGreaterThan(0); // and some reports were resent after them
  await final.app.stop();
});

test('flash errors halt the application (a power cut): nothing acts on a half-done write', async () => {
  const flash = new SimFlash({ blocks: 4, blockLength: 4096 });
  const { app, clock, events } = setup({ flash });
  app.start();
  flash.cutAt(0);
  await clock.advance(1500);
  expect(app.status().halted).toBe(true);
  const halted = events.find((e) => e.type === 'halted') as { error: unknown } | undefined;
  expect(halted?.error).toBeInstanceOf(PowerCut);
  const sampled = events.filter((e) => e.type === 'sampled').length;
  await clock.advance(10_000);
  expect(events.filter((e) => e.type === 'sampled').length).toBe(sampled); // nothing after the cut
  expect(app.status()).toMatchObject({ halted: true, oldestUnsentMs: undefined });
});
