import { AsyncLocalStorage } from 'node:async_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/** The drizzle database the repositories query (on Postgres, the node-postgres drizzle behind the same type). */
export type Db = BetterSQLite3Database<typeof schema>;
/** What a transaction's function receives: the same query surface as the database. */
export type Tx = Db;
export type DbOrTx = Db;

/** A statement prepared once with placeholders; `execute` resolves to the rows (selects, `returning`) or the driver's result. */
export interface Statement<R> {
  execute(values?: Record<string, unknown>): PromiseLike<R>;
}

/**
 * A statement of fixed SQL text: its parameters are given in order and its rows come back as arrays
 * of column values, in the order the text names them (none for a statement without RETURNING).
 */
export interface RawStatement {
  execute(params: readonly unknown[]): Promise<unknown[][]>;
}

/**
 * What every repository receives instead of a raw drizzle database, so one set of repositories
 * serves SQLite and Postgres: the dialect's tables, transactions, and the few raw SQL pieces that
 * differ between the two. Rules for repositories (checked by test/unit/db-portability.test.ts):
 * every query is awaited (no `.get()/.all()/.run()/.values()`, which Postgres lacks), tables come
 * from `schema`, and every write runs inside `transaction` or `atomic`.
 */
export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The executor of the current context: inside `transaction`, that transaction; outside, the
   * database. On SQLite both are the one connection, so it is always the same object.
   */
  readonly db: Db;
  /** The tables of this dialect, under the names of schema.ts. */
  readonly schema: typeof schema;
  /**
   * Runs `fn` in one transaction, committed when its promise resolves and rolled back when it
   * rejects. A call made inside a transaction of the same async context joins it (no savepoint).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn`, ONE statement that is atomic on its own and reads only the rows it writes (a
   * compare-and-set UPDATE by key, an upsert, an INSERT … ON CONFLICT DO NOTHING), without a
   * transaction of its own: on Postgres on the pool, autocommit (no BEGIN … COMMIT round trips and
   * no SERIALIZABLE read set to conflict with), run again on a serialization failure or deadlock; on
   * SQLite behind the same mutex as `transaction` (on the shared connection a statement run while
   * another context's transaction is open would join it) but without BEGIN/COMMIT: SQLite runs a
   * single statement as its own transaction, and a write statement takes the write lock as it
   * starts, as BEGIN IMMEDIATE would. Called inside a transaction, it joins it.
   *
   * Not for a statement that decides on rows it does not write (a NOT EXISTS over other rows, a
   * read then a write): outside SERIALIZABLE, Postgres would not see another transaction's
   * write between them; those go in `transaction`.
   */
  atomic<T>(fn: (db: Db) => PromiseLike<T>): Promise<T>;
  /** Whether the calling async context is inside a transaction. */
  inTransaction(): boolean;
  /**
   * A prepared statement for a hot path, made by `build` from an executor. It runs in the caller's
   * transaction, if any (on SQLite it is prepared once on the one connection; on Postgres it is
   * bound to the current transaction's client).
   */
  prepare<R>(build: (db: Db) => Statement<R>): Statement<R>;
  /**
   * A statement of SQL text written for this dialect (parameters marked with `param`, values already
   * encoded for the driver), run in the caller's transaction, if any. For the multi-row writes of a
   * batch, hundreds of values each: drizzle's placeholders cost more per value there than SQLite's
   * own work, and building such a statement through drizzle took milliseconds (bench: routing).
   */
  prepareRaw(text: string): RawStatement;
  /** How the SQL text of `prepareRaw` marks parameter `i` (from 0): `?` on SQLite, `$1`, `$2` … on Postgres. */
  param(i: number): string;
  /** Rows of a raw query. */
  all<T>(query: SQL): Promise<T[]>;
  /** The text at `key` of a JSON column (or expression); NULL when absent. */
  jsonText(column: SQLiteColumn | SQL, key: string): SQL;
  /** Takes the write lock and gives it back; throws when the database cannot take a write. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

interface TxContext {
  open: boolean;
}

/**
 * SQLite through better-sqlite3: one connection, so transactions are serialised by a promise chain
 * (an async mutex) and opened with BEGIN IMMEDIATE, which takes the write lock at once (a second
 * process, the CLI, waits on busy_timeout rather than failing mid-transaction). A transaction's
 * function may await between its statements; other contexts' transactions wait their turn.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly context = new AsyncLocalStorage<TxContext>();
  /** Settles when the last transaction queued so far has finished. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly db: Db,
    /** The raw connection, for SQLite-only commands (backup, read-only checks) and transaction control. */
    readonly sqlite: BetterSqlite3.Database,
    readonly schema: typeof import('./schema.js'),
  ) {}

  inTransaction(): boolean {
    return this.context.getStore()?.open === true;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    // Nested: the outer transaction holds the mutex, so waiting for it would never end.
    if (this.inTransaction()) return fn(this.db);
    return this.exclusive(() => {
      const ctx: TxContext = { open: true };
      return this.context.run(ctx, async () => {
        this.sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(this.db);
          this.sqlite.exec('COMMIT');
          return result;
        } catch (error) {
          if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
          throw error;
        } finally {
          // Work the transaction started and left running (a timer, a floating promise) must not join a later one.
          ctx.open = false;
        }
      });
    });
  }

  async atomic<T>(fn: (db: Db) => PromiseLike<T>): Promise<T> {
    if (this.inTransaction()) return fn(this.db);
    return this.exclusive(async () => fn(this.db));
  }

  prepare<R>(build: (db: Db) => Statement<R>): Statement<R> {
    return build(this.db);
  }

  prepareRaw(text: string): RawStatement {
    const statement = this.sqlite.prepare(text);
    const returns = statement.reader;
    if (returns) statement.raw(true);
    return {
      // An array binds its items as the anonymous parameters, in order.
      execute: async (params) => (returns ? (statement.all(params) as unknown[][]) : (statement.run(params), [])),
    };
  }

  param(): string {
    return '?';
  }

  async all<T>(query: SQL): Promise<T[]> {
    return this.db.all<T>(query);
  }

  jsonText(column: SQLiteColumn | SQL, key: string): SQL {
    // A literal path, not a parameter: the same expression in SELECT and GROUP BY must read as one, and an expression index can match it.
    return sql`json_extract(${column}, ${sql.raw(`'$.${jsonKey(key)}'`)})`;
  }

  checkWritable(): Promise<void> {
    return this.exclusive(async () => {
      this.sqlite.exec('BEGIN IMMEDIATE');
      this.sqlite.exec('ROLLBACK');
    });
  }

  async close(): Promise<void> {
    // Let the transaction in progress finish rather than cut it off.
    await this.tail.catch(() => undefined);
    if (this.sqlite.open) this.sqlite.close();
  }

  /** Runs `fn` after every earlier transaction on this connection has finished, and before any later one starts. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A JSON key safe to write into SQL as a literal; keys come from code, never from input. */
export function jsonKey(key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not a plain JSON key: ${key}`);
  return key;
}
