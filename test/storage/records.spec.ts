// The record store: NVS limits, persistence, atomic multi-record updates, a full store refused
// with nothing changed, and power cuts at every tick (every written byte and every erase) of a
// scenario that switches banks several times — after any cut the store is the old state or the
// new one, whole.
import { PowerCut, SimFlash } from '../../hosts/sim/flash.js';
import { Prng } from '../../hosts/sim/sensors/prng.js';
import { FlashRecords, MAX_RECORD_VALUE_BYTES, MemoryRecords, RecordStoreError, type RecordStore } from '../../src/storage/records.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const dump = (s: RecordStore) => s.names().map((n) => `${n}=${Array.from(s.get(n)!).join('.')}`).join(' ');

function condition(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof RecordStoreError) return e.condition; throw e; }
  return 'none';
}

describe.each([
  ['FlashRecords', () => new FlashRecords(new SimFlash({ blocks: 2, blockLength: 4096 }))],
  ['MemoryRecords', () => new MemoryRecords()],
])('%s: the NVS limits', (_, make) => {
  test('names of 1..15 bytes (UTF-8 bytes, not characters); values up to 4,000 bytes', () => {
    const s = make();
    s.set('fifteen-bytes-x', bytes(MAX_RECORD_VALUE_BYTES, 7));
    expect(s.get('fifteen-bytes-x')!.length).toBe(4000);
    expect(condition(() => s.set('sixteen-bytes-xx', bytes(1, 1)))).toBe('bad-name');
    expect(condition(() => s.set('ééééééé€', bytes(1, 1)))).toBe('bad-name'); // 8 characters, 17 bytes
    expect(condition(() => s.set('', bytes(1, 1)))).toBe('bad-name');
    expect(condition(() => s.set('big', bytes(4001, 1)))).toBe('value-too-long');
    expect(condition(() => s.get('sixteen-bytes-xx'))).toBe('bad-name');
    expect(s.names()).toEqual(['fifteen-bytes-x']);
  });

  test('get returns a copy; delete says whether there was a record', () => {
    const s = make();
    s.set('a', bytes(3, 1));
    s.get('a')![0] = 9;
    expect(Array.from(s.get('a')!)).toEqual([1, 1, 1]);
    expect(s.delete('a')).toBe(true);
    expect(s.delete('a')).toBe(false);
    expect(s.get('a')).toBeUndefined();
  });

  test('a refused update changes nothing, even the valid part of it', () => {
    const s = make();
    s.set('a', bytes(1, 1));
    expect(condition(() => s.update([['a', bytes(1, 2)], ['b', bytes(5000, 1)]]))).toBe('value-too-long');
    expect(dump(s)).toBe('a=1');
  });
});

describe('FlashRecords', () => {
  test('records survive reopening; the newest value wins; deletes stay deleted', () => {
    const flash = new SimFlash({ blocks: 2, blockLength: 4096 });
    let s = new FlashRecords(flash);
    s.set('owner', bytes(5, 1));
    s.set('cfg', bytes(9, 2));
    s.set('owner', bytes(4, 3));
    s.update([['cfg', undefined], ['lock', bytes(8, 4)]]);
    s = new FlashRecords(flash);
    expect(dump(s)).toBe('lock=4.4.4.4.4.4.4.4 owner=3.3.3.3');
  });

  test('the banks switch when full, many times; the live set is carried over', () => {
    const flash = new SimFlash({ blocks: 4, blockLength: 4096 });
    let s = new FlashRecords(flash);
    s.set('keep', bytes(100, 5));
    for (let i = 0; i < 300; i++) s.set(`n${i % 4}`, bytes(200, i & 0xff));
    expect(s.status().generation).toBeGreaterThan(5);
    s = new FlashRecords(flash);
    expect(s.get('keep')!.join()).toBe(bytes(100, 5).join());
    expect(s.get('n3')![0]).toBe(299 & 0xff);
    expect(s.names()).toEqual(['keep', 'n0', 'n1', 'n2', 'n3']);
  });

  test('a full store refuses the update with store-full and nothing changed, on flash too', () => {
    const flash = new SimFlash({ blocks: 2, blockLength: 4096 });
    const s = new FlashRecords(flash);
    s.set('a', bytes(3000, 1));
    const before = flash.bytes.slice();
    expect(condition(() => s.set('b', bytes(2000, 2)))).toBe('store-full');
    expect(flash.bytes.join()).toBe(before.join());
    expect(new FlashRecords(flash).names()).toEqual(['a']);
  });

  test('a partition of garbage is formatted; the geometry must hold the largest record', () => {
    const flash = new SimFlash({ blocks: 2, blockLength: 4096, strict: false });
    const prng = new Prng(3);
    for (let i = 0; i < flash.bytes.length; i++) flash.bytes[i] = prng.int(256);
    const s = new FlashRecords(flash);
    expect(s.names()).toEqual([]);
    s.set('x', bytes(2, 1));
    expect(new FlashRecords(flash).get('x')!.join()).toBe('1,1');
    expect(() => new FlashRecords(new SimFlash({ blocks: 2, blockLength: 2048 }))).toThrow(RangeError);
  });

  test('16-byte write units (flash encryption): every write whole aligned units', () => {
    const flash = new SimFlash({ blocks: 2, blockLength: 4096, writeUnit: 16 });
    let s = new FlashRecords(flash, { writeUnit: 16 });
    for (let i = 0; i < 80; i++) s.set(`k${i % 3}`, bytes(1 + (i % 70), i));
    s = new FlashRecords(flash, { writeUnit: 16 });
    expect(s.get('k1')!.join()).toBe(bytes(1 + (79 % 70), 79).join());
  });
});

// --- power cuts

type Op = readonly [string, Uint8Array | undefined][];

function scenario(seed: number, n: number): Op[] {
  const prng = new Prng(seed);
  const names = ['owner', 'lockout', 'config', 'c2', 'nonce'];
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const count = prng.next() < 0.2 ? 2 : 1;
    const op: [string, Uint8Array | undefined][] = [];
    for (let j = 0; j < count; j++) {
      const name = names[(prng.int(names.length) + j) % names.length];
      if (prng.next() < 0.12) { op.push([name, undefined]); continue; }
      const value = bytes(1 + prng.int(120), i & 0xff);
      // values ending in 0xFF look like erased flash: appends must not go over them
      if (i % 3 === 0) value[value.length - 1] = 0xff;
      op.push([name, value]);
    }
    ops.push(op);
  }
  return ops;
}

function applyModel(model: Map<string, string>, op: Op): Map<string, string> {
  const next = new Map(model);
  for (const [name, value] of op) value ? next.set(name, Array.from(value).join('.')) : next.delete(name);
  return next;
}

const modelDump = (m: Map<string, string>) => [...m.keys()].sort().map((n) => `${n}=${m.get(n)}`).join(' ');

describe.each([1, 16])('power cut at every tick (write unit %d)', (writeUnit) => {
  test('after a cut anywhere in an update the store is the state before it or after it, whole, and goes on', () => {
    const geometry = { blocks: 2, blockLength: 4096, writeUnit };
    const ops = scenario(5 + writeUnit, 120);
    const flash = new SimFlash(geometry);
    let store = new FlashRecords(flash, { writeUnit });
    let model = new Map<string, string>();
    let cuts = 0, switches = 0, sawOld = 0, sawNew = 0;
    for (const op of ops) {
      const snapshot = flash.bytes.slice();
      const generation = store.status().generation;
      const ticksBefore = flash.ticks;
      store.update(op);
      const ticks = flash.ticks - ticksBefore;
      if (store.status().generation !== generation) switches++;
      const after = applyModel(model, op);
      const oldDump = modelDump(model), newDump = modelDump(after);
      for (let k = 0; k < ticks; k++) {
        const cut = new SimFlash({ ...geometry, seed: k });
        cut.bytes.set(snapshot);
        const s = new FlashRecords(cut, { writeUnit });
        cut.cutAt(k);
        let threw = false;
        try { s.update(op); } catch (e) { if (!(e instanceof PowerCut)) throw e; threw = true; }
        expect(threw).toBe(true);
        cut.revive();
        const reopened = new FlashRecords(cut, { writeUnit });
        const got = dump(reopened);
        if (got !== oldDump && got !== newDump) expect(`${got} after a cut at tick ${k}`).toBe(`${oldDump} or ${newDump}`);
        got === oldDump ? sawOld++ : sawNew++;
        // it goes on working: the update again, and a reopen sees it
        reopened.update(op);
        if (dump(new FlashRecords(cut, { writeUnit })) !== newDump) expect(dump(new FlashRecords(cut, { writeUnit }))).toBe(newDump);
        cuts++;
      }
      model = after;
      expect(dump(store)).toBe(modelDump(model));
    }
    store = new FlashRecords(flash, { writeUnit });
    expect(dump(store)).toBe(modelDump(model));
    expect(switches).toBeGreaterThanOrEqual(2); // the scenario switches banks: erases and copies are cut too
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
    expect(cuts).toBeGreaterThan(8000);
  });
});
