// PostgreSQL under the ScopeNode's store (node-postgres pool): several ScopeNodes may share one
// database (entries are keyed by (osid, date), so two storing the same report store it once), and
// migrations take a transaction-scoped advisory lock so two starting at once do not both migrate.
import pg from 'pg';
import type { SqlDriver, SqlTx } from './store.js';

/** Any constant: the advisory lock the store's migrations hold. */
const MIGRATION_LOCK = 0x5350494d; // 'SPIM'

// `?` → `$n` (our SQL has no `?` inside literals)
const numbered = (sql: string) => { let n = 0; return sql.replace(/\?/g, () => `$${++n}`); };
// BIGINT (oid 20) as a number: ours are ms timestamps and counts, far below 2^53
const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format)) };

export async function postgresDriver(url: string, max = 4): Promise<SqlDriver> {
  const pool = new pg.Pool({ connectionString: url, max, types: types as unknown as pg.CustomTypesConfig, connectionTimeoutMillis: 10_000 });
  // a dead server is an error of the pool, not an unhandled crash
  pool.on('error', () => {});
  const client = await pool.connect(); // fail now, not at the first report, if it cannot be reached
  client.release();
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return {
    kind: 'postgres',
    location: shown.toString(),
    async transaction<T>(fn: (t: SqlTx) => Promise<T>, o: { lock?: boolean } = {}): Promise<T> {
      const c = await pool.connect();
      const tx: SqlTx = {
        run: async (sql, params = []) => (await c.query(numbered(sql), params as unknown[])).rowCount ?? 0,
        all: async <R>(sql: string, params: readonly unknown[] = []) => (await c.query(numbered(sql), params as unknown[])).rows as R[],
      };
      try {
        await c.query('BEGIN');
        if (o.lock) await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const out = await fn(tx);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    all: async <R>(sql: string, params: readonly unknown[] = []) => (await pool.query(numbered(sql), params as unknown[])).rows as R[],
    close: () => pool.end(),
  };
}
