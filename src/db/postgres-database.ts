import { AsyncLocalStorage } from 'node:async_hooks';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { type Database, type Db, jsonKey, type RawStatement, type Statement, type Tx } from './database.js';
import type * as sqliteSchema from './schema.js';
import * as pgSchema from './schema-pg.js';
import { inPackage } from '../paths.js';

const MIGRATIONS = inPackage('migrations/pg');
/** Any fixed number: the advisory lock two instances starting at once take around their migrations. */
const MIGRATION_LOCK = 0x48616e64; // "Hand"
/** SQLSTATEs after which a transaction is run again: serialization failure, deadlock. */
const RETRY_CODES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

/**
 * int8 (counts, epoch milliseconds) and numeric as JavaScript numbers: every value we store fits in
 * 2^53. Set on the pg module itself because drizzle's node-postgres session passes each query its
 * own type parsers, which fall back to the module's, never to a pool's `types`.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

type PgDb = NodePgDatabase<typeof pgSchema>;

/**
 * Postgres through node-postgres: a pool, and drizzle's transactions at SERIALIZABLE isolation, so
 * a transaction sees what SQLite's one writer would have seen (a read-check-then-write cannot
 * interleave with another instance's); Postgres aborts the loser with 40001 and it runs again.
 * The transaction of the current async context is found through AsyncLocalStorage, so `db` is
 * that transaction inside one and the pool outside.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly schema = pgSchema as unknown as typeof sqliteSchema;
  private readonly context = new AsyncLocalStorage<{ tx: Db }>();
  private closing: Promise<void> | null = null;
  /** The server-side name of each `prepareRaw` text. */
  private readonly rawNames = new Map<string, string>();

  private constructor(
    private readonly root: PgDb,
    readonly pool: pg.Pool,
  ) {}

  static async open(url: string, options: { migrate?: boolean; max?: number } = {}): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
    // An idle connection the server closed (a restart, a managed failover) is reported here and
    // dropped from the pool; without a listener node-postgres' 'error' event would end the process.
    pool.on('error', (error) => console.error(`handoff: a Postgres connection was closed while idle (${error.message}); the pool opens a new one when needed`));
    const database = new PostgresDatabase(drizzle(pool, { schema: pgSchema }), pool);
    try {
      if (options.migrate !== false) await database.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return database;
  }

  get db(): Db {
    return this.context.getStore()?.tx ?? (this.root as unknown as Db);
  }

  inTransaction(): boolean {
    return this.context.getStore() !== undefined;
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const current = this.context.getStore();
    if (current) return fn(current.tx);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.root.transaction((tx) => this.context.run({ tx: tx as unknown as Db }, () => fn(tx as unknown as Db)), { isolationLevel: 'serializable' });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRY_CODES.has(sqlState(error) ?? '')) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  async atomic<T>(fn: (db: Db) => PromiseLike<T>): Promise<T> {
    const current = this.context.getStore();
    if (current) return fn(current.tx);
    for (let attempt = 1; ; attempt++) {
      try {
        // Autocommit on a pooled connection: the server's default isolation (READ COMMITTED), under
        // which an UPDATE or upsert re-checks its WHERE on the row's newest version once its lock is
        // had, so a compare-and-set stays one. A server whose default is SERIALIZABLE may answer 40001.
        return await fn(this.root as unknown as Db);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRY_CODES.has(sqlState(error) ?? '')) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  prepare<R>(build: (db: Db) => Statement<R>): Statement<R> {
    // Built on the executor of the moment: a statement prepared on the pool would run outside the caller's transaction.
    return { execute: (values) => build(this.db).execute(values) };
  }

  prepareRaw(text: string): RawStatement {
    // Named, so each connection parses and plans the text once rather than at every execution.
    let name = this.rawNames.get(text);
    if (!name) {
      name = `handoff_raw_${this.rawNames.size + 1}`;
      this.rawNames.set(text, name);
    }
    const config = { name, text, rowMode: 'array' as const };
    return {
      execute: async (params) => (await this.connection().query({ ...config, values: params as unknown[] })).rows as unknown[][],
    };
  }

  param(i: number): string {
    return `$${i + 1}`;
  }

  async all<T>(query: SQL): Promise<T[]> {
    const result = await (this.db as unknown as PgDb).execute(query);
    return result.rows as T[];
  }

  jsonText(column: SQLiteColumn | SQL, key: string): SQL {
    return sql`(${column} ->> ${sql.raw(`'${jsonKey(key)}'`)})`;
  }

  /**
   * The connection of the current transaction (drizzle's node-postgres transaction holds its pool
   * client as `session.client`), or the pool outside one. Throws rather than fall back to the pool
   * inside a transaction, where that would write outside it.
   */
  private connection(): pg.Pool | pg.ClientBase {
    const tx = this.context.getStore()?.tx as { session?: { client?: unknown } } | undefined;
    if (!tx) return this.pool;
    const client = tx.session?.client;
    if (client instanceof pg.Client) return client;
    throw new Error('cannot find the connection of the current Postgres transaction (drizzle-orm internals changed?)');
  }

  async checkWritable(): Promise<void> {
    const { rows } = await this.pool.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
    if (rows[0]?.recovery) throw new Error('the Postgres server is a read-only replica (in recovery)');
  }

  async close(): Promise<void> {
    // Idempotent, as SQLite's: pg's Pool rejects a second end() ("Called end on pool more than once").
    this.closing ??= this.pool.end();
    await this.closing;
  }

  /** True when migrations/pg holds a migration this database has not applied (drizzle records them in drizzle.__drizzle_migrations). */
  async migrationsBehind(): Promise<boolean> {
    const latest = Math.max(...readMigrationFiles({ migrationsFolder: MIGRATIONS }).map((m) => m.folderMillis));
    const { rows } = await this.pool.query<{ at: number | null }>('SELECT max(created_at) AS at FROM drizzle.__drizzle_migrations');
    return rows[0]?.at === null || rows[0]?.at === undefined || Number(rows[0].at) < latest;
  }

  /** Applies migrations/pg under an advisory lock: two instances starting together migrate once. */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle(client, { schema: pgSchema }), { migrationsFolder: MIGRATIONS });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }
}

function sqlState(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++, e = e.cause as typeof e) if (typeof e.code === 'string') return e.code;
  return undefined;
}
