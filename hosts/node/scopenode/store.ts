// The ScopeNode's store (PROTOCOL.md §7.4): entries keyed by (osid, date as an instant), and per
// spime what its reports said about it (last report, entries queued and dropped on the spime) and
// its claim owner when one was seen. SQLite (a file in the data dir, better-sqlite3) by default,
// PostgreSQL when given a connection URL (several ScopeNodes can share one). One SQL text for both
// (`?` placeholders, ON CONFLICT, `excluded`); versioned migrations; writes batched, one transaction
// per batch, and a report's promise resolves only once its batch is committed, so a spime's report
// is acknowledged only when its entries are on disk.
import type { DataEntry } from '../../../src/openspime/data.js';
import { bareJid, canonicalJid } from '../../../src/openspime/jid.js';

// Rows are keyed by canonical JIDs (RFC 7622 case folding; PROTOCOL.md §4.1): `4A6B-…` and `4a6b-…` are one spime.
const spimeKey = (jid: string) => canonicalJid(bareJid(jid));
import { parseDateTime } from '../../../src/openspime/datetime.js';

export interface StoredEntry extends DataEntry {
  osid: string;
  /** The spime's bare JID. */
  spime: string;
  /** `date` as ms since the epoch. */
  t: number;
  receivedAt: number;
}

export interface SpimeRecord {
  spime: string;
  /** The full JID of its last report. */
  osid: string;
  firstSeen: number;
  /** When its last report arrived (ms). */
  lastReportAt: number;
  /** The newest entry's date (ms). */
  lastEntryAt: number | null;
  reports: number;
  entries: number;
  /** data/@dropped of its last report: readings it dropped unsent over its life (§9.1). */
  dropped: number;
  /** data/@queued of its last report: entries still in its store after that report, if it said. */
  queued: number | null;
  /** The bare JID a verified claim key for it authorized, when the ScopeNode saw one. */
  owner: string | null;
}

export interface ReportRecord {
  osid: string;
  entries: readonly DataEntry[];
  dropped: number;
  queued?: number;
  receivedAt: number;
}

export interface ScopeStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is: the file, or the URL without its password. */
  readonly location: string;
  schemaVersion(): Promise<number>;
  /** Stores the entries not stored before (by osid and date) and updates the spime's record;
   *  resolves with the new entries once committed. Batched with other reports. */
  addReport(r: ReportRecord): Promise<DataEntry[]>;
  /** The spime's (bare JID) or one resource's (full JID) latest `limit` entries, oldest first. */
  entries(jid: string, o?: { limit?: number; sinceMs?: number }): Promise<StoredEntry[]>;
  spimes(): Promise<SpimeRecord[]>;
  spime(jid: string): Promise<SpimeRecord | undefined>;
  /** When the entry (osid, date as an instant) was stored, if it is. */
  entryReceivedAt(osid: string, date: string): Promise<number | undefined>;
  setOwner(spime: string, owner: string, at: number): Promise<void>;
  entryCount(): Promise<number>;
  /** Commits what is queued, then closes. */
  close(): Promise<void>;
}

/** The statements a driver runs; `?` placeholders (the PostgreSQL driver numbers them). */
export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw); `lock` serializes
   *  migrations across processes sharing the database. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, o?: { lock?: boolean }): Promise<T>;
  all<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export interface SqlTx {
  /** Resolves with the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  all<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * A batch the database refused (constraint, connection lost, disk full): every report in it is
 * refused with this, so the role answers internal-server-error and the spimes keep their entries.
 * The driver's own error is the cause (a native module's errors may come from another realm).
 */
export class ScopeStoreError extends Error {
  override readonly name = 'ScopeStoreError';
}

/** Schema versions, in order; each runs once, in a transaction with the version bump. */
export const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  // 1: entries and spimes
  [
    `CREATE TABLE spimes (
      spime TEXT PRIMARY KEY, osid TEXT NOT NULL, first_seen BIGINT NOT NULL, last_report_at BIGINT NOT NULL,
      last_entry_at BIGINT, reports BIGINT NOT NULL DEFAULT 0, entries BIGINT NOT NULL DEFAULT 0,
      dropped BIGINT NOT NULL DEFAULT 0, queued BIGINT)`,
    `CREATE TABLE entries (
      osid TEXT NOT NULL, spime TEXT NOT NULL, t BIGINT NOT NULL, date TEXT NOT NULL, received_at BIGINT NOT NULL,
      exposure TEXT, lat DOUBLE PRECISION, lon DOUBLE PRECISION, ele DOUBLE PRECISION, ppm DOUBLE PRECISION,
      temperature DOUBLE PRECISION, humidity DOUBLE PRECISION, pressure DOUBLE PRECISION,
      PRIMARY KEY (osid, t))`,
    'CREATE INDEX entries_by_spime ON entries (spime, t)',
  ],
  // 2: claim owners, learnt from verified claim keys
  [
    'ALTER TABLE spimes ADD COLUMN owner TEXT',
    'ALTER TABLE spimes ADD COLUMN owner_seen_at BIGINT',
  ],
];

const FIELDS = ['lat', 'lon', 'ele', 'ppm', 'temperature', 'humidity', 'pressure'] as const;
const INSERT_ENTRY = `INSERT INTO entries (osid, spime, t, date, received_at, exposure, ${FIELDS.join(', ')})
  VALUES (?, ?, ?, ?, ?, ?, ${FIELDS.map(() => '?').join(', ')}) ON CONFLICT (osid, t) DO NOTHING`;
const UPSERT_SPIME = `INSERT INTO spimes (spime, osid, first_seen, last_report_at, last_entry_at, reports, entries, dropped, queued)
  VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
  ON CONFLICT (spime) DO UPDATE SET osid = excluded.osid,
    last_report_at = CASE WHEN excluded.last_report_at > spimes.last_report_at THEN excluded.last_report_at ELSE spimes.last_report_at END,
    last_entry_at = CASE WHEN spimes.last_entry_at IS NULL OR excluded.last_entry_at > spimes.last_entry_at THEN excluded.last_entry_at ELSE spimes.last_entry_at END,
    reports = spimes.reports + 1, entries = spimes.entries + excluded.entries,
    dropped = excluded.dropped, queued = excluded.queued`;
const SPIME_COLUMNS = 'spime, osid, first_seen, last_report_at, last_entry_at, reports, entries, dropped, queued, owner';

export interface BatchOptions {
  /** A batch is written this long after its first report at the latest (ms). Default 20. */
  flushMs?: number;
  /** …or as soon as it holds this many reports. Default 200. */
  maxReports?: number;
}

interface Pending { r: ReportRecord; resolve: (fresh: DataEntry[]) => void; reject: (e: Error) => void }

/** The store over a driver: migrations at open, the write batcher, the queries. */
export class SqlScopeStore implements ScopeStore {
  readonly #db: SqlDriver;
  readonly #flushMs: number;
  readonly #maxReports: number;
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(db: SqlDriver, o: BatchOptions) {
    this.#db = db;
    this.#flushMs = o.flushMs ?? 20;
    this.#maxReports = o.maxReports ?? 200;
  }

  static async open(db: SqlDriver, o: BatchOptions = {}): Promise<SqlScopeStore> {
    try {
      await migrate(db);
    } catch (e) {
      await db.close();
      throw e;
    }
    return new SqlScopeStore(db, o);
  }

  get kind() { return this.#db.kind; }
  get location() { return this.#db.location; }

  async schemaVersion(): Promise<number> {
    return readVersion(this.#db);
  }

  addReport(r: ReportRecord): Promise<DataEntry[]> {
    if (this.#closed) return Promise.reject(new ScopeStoreError('scope store closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ r, resolve, reject });
      if (this.#queue.length >= this.#maxReports) this.#flushSoon(0);
      else this.#flushSoon(this.#flushMs);
    });
  }

  #flushSoon(ms: number): void {
    if (this.#timer !== undefined && ms > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { this.#timer = undefined; void this.#flush(); }, ms);
  }

  /** One transaction for every queued report; batches are written one after the other. */
  #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (!batch.length) return this.#writing;
    this.#writing = this.#writing.then(async () => {
      try {
        const fresh = await this.#db.transaction(async (tx) => {
          const out: DataEntry[][] = [];
          for (const { r } of batch) out.push(await writeReport(tx, r));
          return out;
        });
        batch.forEach((p, i) => p.resolve(fresh[i]!));
      } catch (e) {
        const error = new ScopeStoreError(`batch of ${batch.length} reports not stored: ${(e as Error)?.message ?? e}`, { cause: e });
        for (const p of batch) p.reject(error);
      }
    });
    return this.#writing;
  }

  async entries(jid: string, o: { limit?: number; sinceMs?: number } = {}): Promise<StoredEntry[]> {
    const column = jid.includes('/') ? 'osid' : 'spime';
    jid = column === 'osid' ? canonicalJid(jid) : spimeKey(jid);
    const limit = Math.max(1, Math.min(o.limit ?? 1000, 100_000));
    const rows = await this.#db.all<Record<string, unknown>>(
      `SELECT * FROM entries WHERE ${column} = ? AND t >= ? ORDER BY t DESC LIMIT ${limit}`, [jid, o.sinceMs ?? 0]);
    return rows.reverse().map(rowToEntry);
  }

  async spimes(): Promise<SpimeRecord[]> {
    return (await this.#db.all(`SELECT ${SPIME_COLUMNS} FROM spimes ORDER BY spime`)).map(rowToSpime);
  }

  async spime(jid: string): Promise<SpimeRecord | undefined> {
    const [row] = await this.#db.all(`SELECT ${SPIME_COLUMNS} FROM spimes WHERE spime = ?`, [spimeKey(jid)]);
    return row && rowToSpime(row);
  }

  async entryReceivedAt(osid: string, date: string): Promise<number | undefined> {
    const t = parseDateTime(date);
    if (t === undefined) return undefined;
    const [row] = await this.#db.all<{ received_at: number }>('SELECT received_at FROM entries WHERE osid = ? AND t = ?', [osid, t]);
    return row ? Number(row.received_at) : undefined;
  }

  async setOwner(spime: string, owner: string, at: number): Promise<void> {
    await this.#db.transaction((tx) => tx.run('UPDATE spimes SET owner = ?, owner_seen_at = ? WHERE spime = ?', [owner, at, spimeKey(spime)]));
  }

  async entryCount(): Promise<number> {
    const [row] = await this.#db.all<{ n: number }>('SELECT COUNT(*) AS n FROM entries');
    return Number(row?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
    await this.#db.close();
  }
}

async function writeReport(tx: SqlTx, r: ReportRecord): Promise<DataEntry[]> {
  const spime = spimeKey(r.osid);
  const osid = canonicalJid(r.osid);
  const fresh: DataEntry[] = [];
  let newest: number | null = null;
  for (const e of r.entries) {
    const t = parseDateTime(e.date)!;
    const changed = await tx.run(INSERT_ENTRY, [osid, spime, t, e.date, r.receivedAt, e.exposure ?? null, ...FIELDS.map((f) => e[f] ?? null)]);
    if (changed) fresh.push(e);
    if (newest === null || t > newest) newest = t;
  }
  await tx.run(UPSERT_SPIME, [spime, osid, r.receivedAt, r.receivedAt, newest, fresh.length, r.dropped, r.queued ?? null]);
  return fresh;
}

async function readVersion(db: SqlDriver | SqlTx): Promise<number> {
  const [row] = await db.all<{ version: number }>('SELECT MAX(version) AS version FROM schema_version');
  return Number(row?.version ?? 0);
}

/** Brings the schema to the newest version; each step in its own transaction. */
async function migrate(db: SqlDriver): Promise<void> {
  await db.transaction((tx) => tx.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)'), { lock: true });
  for (;;) {
    const done = await db.transaction(async (tx) => {
      // read inside the locked transaction: another ScopeNode may have migrated meanwhile
      const version = await readVersion(tx);
      if (version > MIGRATIONS.length) throw new Error(`the store's schema is version ${version}, newer than this ScopeNode (${MIGRATIONS.length})`);
      if (version === MIGRATIONS.length) return true;
      for (const sql of MIGRATIONS[version]!) await tx.run(sql);
      await tx.run('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [version + 1, Date.now()]);
      return false;
    }, { lock: true });
    if (done) return;
  }
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function rowToEntry(row: Record<string, unknown>): StoredEntry {
  const e: StoredEntry = { date: String(row.date), osid: String(row.osid), spime: String(row.spime), t: Number(row.t), receivedAt: Number(row.received_at) };
  if (row.exposure === 'indoor' || row.exposure === 'outdoor') e.exposure = row.exposure;
  for (const f of FIELDS) {
    const v = num(row[f]);
    if (v !== null) e[f] = v;
  }
  return e;
}

function rowToSpime(row: Record<string, unknown>): SpimeRecord {
  return {
    spime: String(row.spime), osid: String(row.osid), firstSeen: Number(row.first_seen), lastReportAt: Number(row.last_report_at),
    lastEntryAt: num(row.last_entry_at), reports: Number(row.reports), entries: Number(row.entries), dropped: Number(row.dropped),
    queued: num(row.queued), owner: row.owner === null || row.owner === undefined ? null : String(row.owner),
  };
}

/** A PostgreSQL connection URL (postgres:// or postgresql://), or else a SQLite file path. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Opens the store at `target`: a PostgreSQL URL, or the path of a SQLite file (created if new). */
export async function openScopeStore(target: string, o: BatchOptions = {}): Promise<ScopeStore> {
  if (isPostgresUrl(target)) {
    const { postgresDriver } = await import('./store-postgres.js');
    return SqlScopeStore.open(await postgresDriver(target), o);
  }
  const { sqliteDriver } = await import('./store-sqlite.js');
  return SqlScopeStore.open(sqliteDriver(target), o);
}
