// SQLite under the ScopeNode's store (better-sqlite3: synchronous, one connection, in-process).
// WAL journal: readers (the dashboard) do not wait for the writer; synchronous=NORMAL in WAL mode
// still never corrupts the file, and a committed batch survives the process being killed.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SqlDriver, SqlTx } from './store.js';

export function sqliteDriver(path: string): SqlDriver {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) { s = db.prepare(sql); statements.set(sql, s); }
    return s;
  };
  const tx: SqlTx = {
    run: async (sql, params = []) => prepare(sql).run(...params).changes,
    all: async <R>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...params) as R[],
  };
  let busy: Promise<unknown> = Promise.resolve();
  return {
    kind: 'sqlite',
    location: file,
    // One connection: transactions one after the other (statements between BEGIN and COMMIT await).
    transaction<T>(fn: (t: SqlTx) => Promise<T>): Promise<T> {
      const run = busy.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(tx);
          db.exec('COMMIT');
          return out;
        } catch (e) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw e;
        }
      });
      busy = run.catch(() => {});
      return run;
    },
    all: async <R>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...params) as R[],
    close: async () => { await busy; db.close(); },
  };
}
