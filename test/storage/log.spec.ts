// The flash log: append, read, acknowledge, overflow and recovery, on the fault-injecting
// SimFlash. The power-cut suites cut at every tick (every written byte, every erase) of a
// scenario that turns the ring more than once, reopen, and check what must hold after any cut:
// acknowledged state never goes back, every entry whose append returned is there (or counted as
// dropped), nothing corrupt is returned, opening erases at most one block, and the log goes on.
import { PowerCut, SimFlash } from '../../hosts/sim/flash.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { FlashLog, recordBytes } from '../../src/storage/log.js';

const payload = (seq: number, length = 20) => {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (seq * 31 + i * 7) & 0xff;
  return p;
};

describe('FlashLog', () => {
  test('entries come back in order after a reopen; acknowledged ones do not', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 1024 });
    let log = new FlashLog(flash);
    for (let i = 0; i < 30; i++) expect(log.append(payload(i))).toBe(i);
    log.acknowledge(9);
    log = new FlashLog(flash);
    expect(log.status()).toMatchObject({ pending: 20, tail: 10, nextSeq: 30, dropped: 0 });
    const got = log.read(100);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(got.every((e) => e.payload.join() === payload(e.seq).join())).toBe(true);
    expect(log.read(5, 25).map((e) => e.seq)).toEqual([25, 26, 27, 28, 29]);
    expect(log.append(payload(30))).toBe(30);
  });

  test('acknowledging is idempotent and refuses seqs never appended', () => {
    const log = new FlashLog(new SimFlash({ blocks: 2, blockLength: 1024 }));
    log.append(payload(0));
    log.acknowledge(0);
    log.acknowledge(0);
    expect(log.pending).toBe(0);
    expect(() => log.acknowledge(1)).toThrow(RangeError);
    expect(() => log.append(new Uint8Array(256))).toThrow(RangeError);
  });

  test('the STATE blob survives reopens and the ring turning many times', () => {
    const flash = new SimFlash({ blocks: 3, blockLength: 512 });
    let log = new FlashLog(flash, { maxPayload: 40 });
    log.setState(new Uint8Array([1, 2, 3]));
    for (let i = 0; i < 200; i++) { log.append(payload(i)); log.acknowledge(i); }
    log = new FlashLog(flash, { maxPayload: 40 });
    expect(Array.from(log.state!)).toEqual([1, 2, 3]);
    expect(log.status()).toMatchObject({ pending: 0, tail: 200, nextSeq: 200 });
  });

  test('full: the oldest un-sent entries are dropped a block at a time, counted, the count persisted; the newest always fits', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 512 });
    const drops: Array<[number, number, number]> = [];
    let log = new FlashLog(flash, { maxPayload: 40, onDrop: (n, a, b) => drops.push([n, a, b]) });
    for (let i = 0; i < 100; i++) {
      log.append(payload(i));
      const all = log.read(1000);
      expect(all.at(-1)!.seq).toBe(i);
      expect(all.length + log.dropped).toBe(i + 1); // never silently: held + dropped = appended
    }
    expect(log.dropped).toBeGreaterThan(0);
    expect(drops.reduce((n, d) => n + d[0], 0)).toBe(log.dropped);
    expect(drops[0][1]).toBe(0); // the oldest went first
    const dropped = log.dropped;
    log = new FlashLog(flash, { maxPayload: 40 });
    expect(log.dropped).toBe(dropped);
    expect(log.tail).toBe(dropped);
  });

  test('the acknowledged state outlives the block it was written in: each new block starts with it', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 512 });
    let log = new FlashLog(flash, { maxPayload: 40 });
    for (let i = 0; i < 20; i++) { log.append(payload(i)); log.acknowledge(i); }
    // no entries, no acks while the ring turns past every block (only STATE writes)
    for (let i = 0; i < 100; i++) log.setState(payload(i, 30));
    expect(Math.min(...flash.eraseCounts)).toBeGreaterThan(0);
    log = new FlashLog(flash, { maxPayload: 40 });
    expect(log.status()).toMatchObject({ tail: 20, nextSeq: 20, dropped: 0, pending: 0 });
    expect(log.state!.join()).toBe(payload(99, 30).join());
  });

  test('wear: the ring erases every block equally (±1)', () => {
    const flash = new SimFlash({ blocks: 8, blockLength: 512 });
    const log = new FlashLog(flash, { maxPayload: 40 });
    for (let i = 0; i < 2000; i++) { log.append(payload(i, 1 + (i % 40))); if (i % 7 === 6) log.acknowledge(i); }
    const counts = flash.eraseCounts;
    expect(Math.min(...counts)).toBeGreaterThan(5);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  test('opening a partition of garbage formats it; records that fail their CRC are never returned', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 512, strict: false });
    const prng = new Prng(4);
    for (let i = 0; i < flash.bytes.length; i++) flash.bytes[i] = prng.int(256);
    let log = new FlashLog(flash, { maxPayload: 40 });
    expect(log.status()).toMatchObject({ pending: 0, nextSeq: 0, dropped: 0 });
    for (let i = 0; i < 5; i++) log.append(payload(i));
    // flip one bit in the third entry's payload: it must vanish, not come back altered
    const third = 16 + recordBytes(8) + 2 * recordBytes(20) + 12 + 3;
    flash.bytes[third] ^= 0x10;
    log = new FlashLog(flash, { maxPayload: 40 });
    expect(log.read(10).map((e) => e.seq)).toEqual([0, 1, 3, 4]);
    expect(log.status().recovered.skippedRecords).toBe(1);
  });

  test('with 16-byte write units (flash encryption) every write is whole aligned units', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 1024, writeUnit: 16 });
    let log = new FlashLog(flash, { writeUnit: 16 });
    for (let i = 0; i < 100; i++) { log.append(payload(i, 1 + (i % 30))); if (i % 10 === 9) log.acknowledge(i - 5); }
    log = new FlashLog(flash, { writeUnit: 16 });
    expect(log.read(1000).map((e) => e.seq)).toEqual(Array.from({ length: log.pending }, (_, i) => log.tail + i));
  });
});

// --- power cuts

type Op = { kind: 'append'; length: number } | { kind: 'ack'; back: number } | { kind: 'state'; value: number };

/** Appends, acks (a share of `ackRate`: low rates overflow the ring) and STATE changes. */
function scenario(seed: number, n: number, ackRate = 0.23): Op[] {
  const prng = new Prng(seed);
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const r = prng.next();
    if (r < 0.93 - ackRate) ops.push({ kind: 'append', length: 1 + prng.int(40) });
    else if (r < 0.93) ops.push({ kind: 'ack', back: prng.int(4) });
    else ops.push({ kind: 'state', value: prng.int(250) });
  }
  return ops;
}

/** What the application knows for sure: returned appends, returned acks, the last STATE set. */
interface Model {
  payloads: Map<number, Uint8Array>;
  acked: number; // every seq below this was acknowledged (returned)
  dropped: number; // the log's count when last seen
  tail: number; // the log's tail when last seen
  state: number | undefined;
  /** The operation the cut interrupted (its effect may or may not be there). */
  inflight?: { kind: 'append'; seq: number; payload: Uint8Array } | { kind: 'ack'; through: number } | { kind: 'state'; value: number };
}

function entryPayload(seq: number, length: number): Uint8Array {
  const p = payload(seq, length);
  p[0] = seq & 0xff;
  // a payload ending in 0xFF looks like erased flash at its end: appends must not go over it
  if (seq % 3 === 0) p[length - 1] = 0xff;
  return p;
}

/** Runs ops on `log`, updating the model as each returns; a PowerCut propagates. */
function run(log: FlashLog, ops: Op[], m: Model): void {
  for (const op of ops) {
    if (op.kind === 'append') {
      const seq = log.nextSeq;
      const p = entryPayload(seq, op.length);
      m.inflight = { kind: 'append', seq, payload: p };
      if (log.append(p) !== seq) throw new Error(`append returned a seq other than ${seq}`);
      m.payloads.set(seq, p);
    } else if (op.kind === 'ack') {
      const through = log.nextSeq - 1 - op.back;
      if (through < log.tail) continue;
      m.inflight = { kind: 'ack', through };
      log.acknowledge(through);
      m.acked = Math.max(m.acked, through + 1);
    } else {
      m.inflight = { kind: 'state', value: op.value };
      log.setState(new Uint8Array([op.value, 7]));
      m.state = op.value;
    }
    m.inflight = undefined;
    m.dropped = log.dropped;
    m.tail = log.tail;
  }
}

/** The invariants after a cut and a reopen (one expect per property: this runs thousands of times). */
function check(log: FlashLog, m: Model): void {
  const s = log.status();
  const problems: string[] = [];
  const must = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
  must(s.recovered.repairErases <= 1, `opening erased ${s.recovered.repairErases} blocks`);
  // acknowledged state never goes back
  must(log.tail >= m.acked && log.tail >= m.tail, `tail ${log.tail} went back (acked ${m.acked}, seen ${m.tail})`);
  must(log.dropped >= m.dropped, `dropped ${log.dropped} went back from ${m.dropped}`);
  // every entry below the new tail that nobody acknowledged is counted as dropped
  const ackedInflight = m.inflight?.kind === 'ack' ? Math.max(m.acked, m.inflight.through + 1) : m.acked;
  const newlyGone = Math.max(0, log.tail - Math.max(m.tail, ackedInflight));
  must(log.dropped - m.dropped >= newlyGone, `${newlyGone} entries gone, ${log.dropped - m.dropped} counted as dropped`);
  // …and nothing acknowledged is counted as dropped
  must(log.dropped - m.dropped <= Math.max(0, log.tail - Math.max(m.tail, m.acked)), `${log.dropped - m.dropped} counted as dropped, of ${log.tail - Math.max(m.tail, m.acked)} un-acknowledged gone`);
  // every returned append at or above the tail is there, unaltered; the interrupted one may be
  const got = log.read(100000);
  const cut = m.inflight?.kind === 'append' ? m.inflight : undefined;
  const cutThere = !!cut && got.some((e) => e.seq === cut.seq);
  const expected: number[] = [];
  for (const seq of m.payloads.keys()) if (seq >= log.tail) expected.push(seq);
  if (cutThere) expected.push(cut!.seq);
  must(got.map((e) => e.seq).join() === expected.join(), `entries ${got.map((e) => e.seq).join()} ≠ expected ${expected.join()}`);
  for (const e of got) must(e.payload.join() === (m.payloads.get(e.seq) ?? cut!.payload).join(), `entry ${e.seq} altered`);
  if (cutThere) m.payloads.set(cut!.seq, cut!.payload);
  must(log.pending === got.length, `pending ${log.pending} ≠ ${got.length} held`);
  // the STATE is the last one set, or the interrupted one
  const state = log.state?.[0];
  if (m.inflight?.kind === 'state' && state === m.inflight.value) m.state = state;
  must(state === m.state, `state ${state} ≠ ${m.state}`);
  expect(problems).toEqual([]);
  m.inflight = undefined;
  m.acked = Math.max(m.acked, log.tail);
  m.tail = log.tail;
  m.dropped = log.dropped;
}

function freshModel(): Model { return { payloads: new Map(), acked: 0, dropped: 0, tail: 0, state: undefined }; }

function ticksOf(ops: Op[], flashOptions: ConstructorParameters<typeof SimFlash>[0], writeUnit: number): number {
  const flash = new SimFlash(flashOptions);
  const log = new FlashLog(flash, { writeUnit, maxPayload: 40 });
  const opened = flash.ticks;
  run(log, ops, freshModel());
  return flash.ticks - opened;
}

describe.each([[1, 0.23], [16, 0.23], [1, 0.03]])('power cut at every tick (write unit %d, share of acks %d)', (writeUnit, ackRate) => {
  const geometry = { blocks: 4, blockLength: 512, writeUnit };
  const ops = scenario(11 + writeUnit, 90, ackRate);
  const total = ticksOf(ops, geometry, writeUnit);

  test(`a scenario of ${ops.length} operations turning a 4 × 512 B ring cut at each of its ticks, reopened and continued`, () => {
    expect(total).toBeGreaterThan(3 * 512); // the ring turns: erases and drops are inside the scenario
    let cutsChecked = 0;
    for (let k = 0; k < total; k++) {
      const flash = new SimFlash({ ...geometry, seed: k });
      const m = freshModel();
      let log = new FlashLog(flash, { writeUnit, maxPayload: 40 });
      flash.cutAt(k);
      try {
        run(log, ops, m);
        throw new Error(`no cut at tick ${k} of ${total}`);
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
      }
      flash.revive();
      log = new FlashLog(flash, { writeUnit, maxPayload: 40 });
      check(log, m);
      // and it goes on working: more appends and acks, another reopen
      run(log, scenario(k, 12), m);
      log = new FlashLog(flash, { writeUnit, maxPayload: 40 });
      check(log, m);
      cutsChecked++;
    }
    expect(cutsChecked).toBe(total);
  });
});

test('seeded repeated cuts on one partition: 300 cuts at random ticks, each followed by recovery and more work', () => {
  const flash = new SimFlash({ blocks: 4, blockLength: 512, seed: 77 });
  const prng = new Prng(2024);
  const m = freshModel();
  let log = new FlashLog(flash, { maxPayload: 40 });
  for (let cut = 0; cut < 300; cut++) {
    flash.cutAt(prng.int(400));
    try {
      for (;;) run(log, scenario(prng.int(1e9), 10, cut % 2 ? 0.23 : 0.03), m);
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
    }
    flash.revive();
    log = new FlashLog(flash, { maxPayload: 40 });
    check(log, m);
  }
  expect(Math.min(...flash.eraseCounts)).toBeGreaterThan(3);
});
