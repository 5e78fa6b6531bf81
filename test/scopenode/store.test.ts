// The ScopeNode store on both backends, for real: SQLite in a temp file, and PostgreSQL from
// Debian's package started privately on loopback (tools/servers/postgres.ts; installed first when
// missing and allowed, else the test fails saying how to install it).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, openScopeStore, ScopeStoreError, type ScopeStore } from '../../hosts/node/scopenode/store.js';
import { startPostgres, type PostgresServer } from '../../tools/servers/postgres.js';

let dir: string;
let postgres: PostgresServer;
let databases = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spimekit-store-'));
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const backends: Array<[string, () => Promise<string>]> = [
  ['sqlite', async () => join(dir, `store-${++databases}.sqlite`)],
  ['postgres', async () => postgres.createDatabase(`store_${++databases}`)],
];

const S = 'spime-1@spimekit.test';
const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString().replace('.000Z', 'Z');

describe.each(backends)('ScopeNode store on %s', (kind, target) => {
  test('migrates to the newest schema once; a second open finds it there', async () => {
    const where = await target();
    const a = await openScopeStore(where);
    expect(a.kind).toBe(kind);
    expect(await a.schemaVersion()).toBe(MIGRATIONS.length);
    await a.close();
    const b = await openScopeStore(where);
    expect(await b.schemaVersion()).toBe(MIGRATIONS.length);
    await b.close();
  });

  test('stores entries by (osid, date): a re-sent report adds nothing; dates compare as instants', async () => {
    const store = await openScopeStore(await target());
    try {
      const first = await store.addReport({ osid: `${S}/sim`, entries: [{ date: at(0), ppm: 420, temperature: 21.5, lat: 45.1, lon: 9.2, ele: 120, humidity: 40, pressure: 101300, exposure: 'indoor' }, { date: at(6), ppm: 421 }], dropped: 0, queued: 3, receivedAt: 1000 });
      expect(first.map((e) => e.ppm)).toEqual([420, 421]);
      // the same instant written differently, and a new one
      const again = await store.addReport({ osid: `${S}/sim`, entries: [{ date: at(6).replace('Z', '+00:00'), ppm: 421 }, { date: at(12), ppm: 422 }], dropped: 2, queued: 0, receivedAt: 2000 });
      expect(again.map((e) => e.ppm)).toEqual([422]);
      expect(await store.entryCount()).toBe(3);
      const entries = await store.entries(S);
      expect(entries.map((e) => e.ppm)).toEqual([420, 421, 422]);
      expect(entries[0]).toMatchObject({ osid: `${S}/sim`, spime: S, date: at(0), temperature: 21.5, lat: 45.1, lon: 9.2, ele: 120, humidity: 40, pressure: 101300, exposure: 'indoor', receivedAt: 1000 });
      expect(entries[1]!.temperature).toBeUndefined();
      expect((await store.entries(S, { limit: 2 })).map((e) => e.ppm)).toEqual([421, 422]);
      expect((await store.entries(`${S}/other`)).length).toBe(0);
      expect(await store.entryReceivedAt(`${S}/sim`, at(6).replace('Z', '+00:00'))).toBe(1000);
      expect(await store.entryReceivedAt(`${S}/sim`, at(12))).toBe(2000);
      expect(await store.entryReceivedAt(`${S}/sim`, at(13))).toBeUndefined();
      const [row] = await store.spimes();
      expect(row).toEqual({ spime: S, osid: `${S}/sim`, firstSeen: 1000, lastReportAt: 2000, lastEntryAt: Date.parse(at(12)), reports: 2, entries: 3, dropped: 2, queued: 0, owner: null });
      await store.setOwner(S, 'owner@spimekit.test', 3000);
      expect((await store.spime(`${S}/sim`))!.owner).toBe('owner@spimekit.test');
    } finally {
      await store.close();
    }
  });

  test('300 reports at once (batches of at most 100): each promise resolves with its own new entries', async () => {
    const store = await openScopeStore(await target(), { maxReports: 100 });
    try {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
        store.addReport({ osid: `spime-${i % 30}@spimekit.test/sim`, entries: [{ date: at(i), ppm: 400 + i }], dropped: 0, receivedAt: 5000 + i })));
      expect(results.every((r, i) => r.length === 1 && r[0]!.ppm === 400 + i)).toBe(true);
      expect(await store.entryCount()).toBe(300);
      const rows = await store.spimes();
      expect(rows.length).toBe(30);
      expect(rows.every((r) => r.reports === 10 && r.entries === 10)).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('the data survives closing and opening again; close commits what was queued', async () => {
    const where = await target();
    const a = await openScopeStore(where, { flushMs: 10_000 });
    const pending = a.addReport({ osid: `${S}/sim`, entries: [{ date: at(30), ppm: 500 }], dropped: 1, receivedAt: 1 });
    await a.close();
    expect(await pending).toHaveLength(1);
    await expect(a.addReport({ osid: `${S}/sim`, entries: [{ date: at(31), ppm: 501 }], dropped: 1, receivedAt: 2 })).rejects.toThrow(ScopeStoreError);
    const b = await openScopeStore(where);
    try {
      expect((await b.entries(S)).map((e) => e.ppm)).toEqual([500]);
      expect((await b.spime(S))!.dropped).toBe(1);
    } finally {
      await b.close();
    }
  });

  test('a failed batch rejects its reports and stores none of them', async () => {
    // one batch of exactly these two: written when the second arrives, whatever the timing
    const store: ScopeStore = await openScopeStore(await target(), { flushMs: 60_000, maxReports: 2 });
    try {
      const good = store.addReport({ osid: `${S}/sim`, entries: [{ date: at(40), ppm: 600 }], dropped: 0, receivedAt: 1 });
      // a date no parser accepts reaches the store only through a bug: the whole batch is refused
      const bad = store.addReport({ osid: `${S}/sim`, entries: [{ date: 'not a date', ppm: 601 }], dropped: 0, receivedAt: 1 });
      // both handled at once: neither rejection is left unhandled while the other is awaited
      await Promise.all([expect(bad).rejects.toThrow(ScopeStoreError), expect(good).rejects.toThrow(/batch of 2 reports not stored: NOT NULL constraint failed: entries\.t|null value in column "t"/)]);
      expect(await store.entryCount()).toBe(0);
      // and the store goes on
      const next = [41, 42].map((s) => store.addReport({ osid: `${S}/sim`, entries: [{ date: at(s), ppm: 600 + s }], dropped: 0, receivedAt: 2 }));
      expect((await Promise.all(next)).map((fresh) => fresh.map((e) => e.ppm))).toEqual([[641], [642]]);
    } finally {
      await store.close();
    }
  });
});
