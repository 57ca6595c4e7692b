import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { asc, type Column, count, getTableColumns, gt, is, max } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig as getPgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { parse as parsePgUrl } from 'pg-connection-string';
import { CliError, UsageError } from './cli-error.js';
import { USAGE } from './cli-usage.js';
import { type DatabaseTarget, DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from './config/database-url.js';
import * as sqliteSchema from './db/schema.js';
import * as pgSchema from './db/schema-pg.js';
import { parseCommandArgs } from './parse-command-args.js';
import { inPackage } from './paths.js';

type Row = Record<string, unknown>;

/** One table as the copy sees it: its export name (the same in both schemas), SQL name and keys. */
interface CopyTable {
  readonly key: string;
  readonly name: string;
  /** Property names of its primary key, in order: the copy reads and compares in this order. */
  readonly primaryKey: readonly string[];
  /** The integer id numbered by the database (AUTOINCREMENT / identity), if any. */
  readonly id: string | null;
}

/**
 * Every table of the schema, parents before children (by foreign key), so inserting in this order
 * never points at a row not yet copied. Derived from schema.ts, so a new table is copied without
 * anyone remembering to list it; schema-pg.ts mirrors it (test/unit/schema-pg.test.ts).
 */
export function listCopyTables(): CopyTable[] {
  const entries = Object.entries(sqliteSchema as Record<string, unknown>).filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable));
  const keyOf = new Map<unknown, string>(entries.map(([key, table]) => [table, key]));
  const parents = new Map(entries.map(([key, table]) => [key, getSqliteTableConfig(table).foreignKeys.map((fk) => keyOf.get(fk.reference().foreignTable)).filter((p): p is string => p !== undefined && p !== key)]));
  const ordered: string[] = [];
  const visit = (key: string, path: string[]) => {
    if (ordered.includes(key)) return;
    if (path.includes(key)) throw new Error(`foreign keys form a cycle: ${[...path, key].join(' → ')}`);
    for (const parent of parents.get(key) ?? []) visit(parent, [...path, key]);
    ordered.push(key);
  };
  for (const [key] of entries) visit(key, []);
  return ordered.map((key) => {
    const table = sqliteSchema[key as keyof typeof sqliteSchema] as SQLiteTable;
    const config = getSqliteTableConfig(table);
    const columns = Object.entries(getTableColumns(table));
    const propertyOf = (column: Column) => columns.find(([, c]) => c === column)?.[0] ?? column.name;
    const primaryKey = config.primaryKeys[0]?.columns.map(propertyOf) ?? columns.filter(([, c]) => c.primary).map(([p]) => p);
    const pgColumns = getTableColumns(pgSchema[key as keyof typeof pgSchema] as PgTable);
    const id = Object.entries(pgColumns).find(([, c]) => c.generatedIdentity)?.[0] ?? null;
    return { key, name: config.name, primaryKey, id };
  });
}

/** The row in a form that compares equal across dialects: keys sorted (jsonb reorders them), Dates as milliseconds. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return { $ms: value.getTime() };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Row)[k])]),
    );
  return value;
}

/** A page of rows after `cursor`: by id when the table has one (keyset, fast on big tables), else by offset in primary-key order. */
interface Cursor {
  afterId: number;
  offset: number;
}

/** One side of the copy, in its own dialect and schema. */
interface Store {
  readonly label: string;
  readonly shown: string;
  assertMigrated(): Promise<void>;
  migrate(): Promise<void>;
  /** Starts a read snapshot (source) or the one write transaction (target). */
  begin(mode: 'read' | 'write'): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  count(table: CopyTable): Promise<number>;
  maxId(table: CopyTable): Promise<number | null>;
  page(table: CopyTable, cursor: Cursor, limit: number): Promise<Row[]>;
  insert(table: CopyTable, rows: Row[]): Promise<void>;
  /** Moves each identity past the largest id, so the next row the bot inserts gets a fresh one. */
  moveSequences(tables: readonly CopyTable[]): Promise<void>;
  close(): Promise<void>;
}

const latestMigration = (folder: string) => Math.max(...readMigrationFiles({ migrationsFolder: folder }).map((m) => m.folderMillis));

function notMigrated(store: { label: string; shown: string }): CliError {
  return new CliError(`${store.label} ${store.shown} needs migrations this version brings: run "handoff migrate" with DATABASE_URL=${store.shown} (or start this version of the bot on it once), then copy again`);
}

const SQLITE_MIGRATIONS = inPackage('migrations');
const PG_MIGRATIONS = inPackage('migrations/pg');

function openSqliteStore(label: string, shown: string, path: string, role: 'source' | 'target'): Store {
  if (path === ':memory:') throw new CliError(`${label} ${shown} is an in-memory database: name a file`);
  const absolute = resolve(path);
  if (role === 'source') {
    const stat = statSync(absolute, { throwIfNoEntry: false });
    if (!stat) throw new CliError(`${label}: no database at ${absolute}; name the bot's database file (e.g. file:./data/handoff.db)`);
    if (!stat.isFile()) throw new CliError(`${label}: ${absolute} is not a file`);
  } else mkdirSync(dirname(absolute), { recursive: true });
  const sqlite = new Database(absolute, role === 'source' ? { readonly: true, fileMustExist: true } : {});
  sqlite.pragma('busy_timeout = 5000');
  if (role === 'target') {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
  }
  const db: BetterSQLite3Database<typeof sqliteSchema> = drizzleSqlite(sqlite, { schema: sqliteSchema });
  const tableOf = (t: CopyTable) => sqliteSchema[t.key as keyof typeof sqliteSchema] as SQLiteTable;
  const column = (t: CopyTable, property: string) => getTableColumns(tableOf(t))[property];
  return {
    label,
    shown,
    async assertMigrated() {
      let applied: number | null = null;
      try {
        applied = (sqlite.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as { at: number | null }).at;
      } catch (error) {
        if (/no such table/.test((error as Error).message)) throw new CliError(`${label} ${absolute} is not a Handoff database`);
        throw new CliError(`${label} ${absolute} cannot be read as a SQLite database (${(error as Error).message})`);
      }
      if (applied === null || Number(applied) < latestMigration(SQLITE_MIGRATIONS)) throw notMigrated({ label, shown });
    },
    async migrate() {
      migrateSqlite(db, { migrationsFolder: SQLITE_MIGRATIONS });
    },
    async begin(mode) {
      // A read transaction is one snapshot of the file, even if something writes meanwhile.
      sqlite.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    },
    async commit() {
      sqlite.exec('COMMIT');
    },
    async rollback() {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    },
    async count(t) {
      return db.select({ n: count() }).from(tableOf(t)).get()?.n ?? 0;
    },
    async maxId(t) {
      if (!t.id) return null;
      return (db.select({ m: max(column(t, t.id)) }).from(tableOf(t)).get()?.m as number | null) ?? null;
    },
    async page(t, cursor, limit) {
      const order = t.primaryKey.map((p) => asc(column(t, p)));
      const query = db.select().from(tableOf(t));
      if (t.id) return query.where(gt(column(t, t.id), cursor.afterId)).orderBy(...order).limit(limit).all();
      return query.orderBy(...order).limit(limit).offset(cursor.offset).all();
    },
    async insert(t, rows) {
      db.insert(tableOf(t)).values(rows as never).run();
    },
    async moveSequences() {
      // AUTOINCREMENT's counter (sqlite_sequence) follows the largest id inserted, explicit or not.
    },
    async close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

async function openPgStore(label: string, shown: string, url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // An idle client's error (the server restarting) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw new CliError(`cannot connect to ${label} ${shown}: ${(error as Error).message}`);
  }
  const db: NodePgDatabase<typeof pgSchema> = drizzlePg(client, { schema: pgSchema });
  const tableOf = (t: CopyTable) => pgSchema[t.key as keyof typeof pgSchema] as PgTable;
  const column = (t: CopyTable, property: string) => getTableColumns(tableOf(t))[property];
  let open = false;
  return {
    label,
    shown,
    async assertMigrated() {
      const found = await client.query<{ present: boolean }>("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present");
      if (!found.rows[0]?.present) throw new CliError(`${label} ${shown} is not a Handoff database (no migrations were ever applied to it)`);
      const applied = (await client.query<{ at: string | null }>('SELECT max(created_at) AS at FROM drizzle.__drizzle_migrations')).rows[0]?.at ?? null;
      if (applied === null || Number(applied) < latestMigration(PG_MIGRATIONS)) throw notMigrated({ label, shown });
    },
    async migrate() {
      await migratePg(db, { migrationsFolder: PG_MIGRATIONS });
    },
    async begin(mode) {
      await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
    },
    async commit() {
      await client.query('COMMIT');
      open = false;
    },
    async rollback() {
      if (open) await client.query('ROLLBACK');
      open = false;
    },
    async count(t) {
      return (await db.select({ n: count() }).from(tableOf(t)))[0]?.n ?? 0;
    },
    async maxId(t) {
      if (!t.id) return null;
      return ((await db.select({ m: max(column(t, t.id)) }).from(tableOf(t)))[0]?.m as number | null) ?? null;
    },
    async page(t, cursor, limit) {
      const order = t.primaryKey.map((p) => asc(column(t, p)));
      const query = db.select().from(tableOf(t));
      if (t.id) return query.where(gt(column(t, t.id), cursor.afterId)).orderBy(...order).limit(limit);
      return query.orderBy(...order).limit(limit).offset(cursor.offset);
    },
    async insert(t, rows) {
      await db.insert(tableOf(t)).values(rows as never);
    },
    async moveSequences(tables) {
      for (const t of tables) {
        if (!t.id) continue;
        const idColumn = getTableColumns(tableOf(t))[t.id].name;
        const name = getPgTableConfig(tableOf(t)).name;
        // The next id is one past the largest copied (1 for an empty table).
        await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${idColumn}") FROM "${name}"), 0) + 1, false)`, [`"${name}"`, idColumn]);
      }
    },
    async close() {
      try {
        if (open) await client.query('ROLLBACK');
      } finally {
        client.release();
        await pool.end();
      }
    },
  };
}

async function openStore(label: '--from' | '--to', target: DatabaseTarget, shown: string): Promise<Store> {
  return target.dialect === 'sqlite' ? openSqliteStore(label, shown, target.path, label === '--from' ? 'source' : 'target') : openPgStore(label, shown, target.url);
}

/** True when both name the same database: copying a database onto itself would find it full and refuse anyway, but say so plainly. */
function isSameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  if (a.dialect === 'sqlite' && b.dialect === 'sqlite') {
    const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
    return real(a.path) === real(b.path);
  }
  if (a.dialect === 'postgres' && b.dialect === 'postgres') {
    const [x, y] = [parsePgUrl(a.url), parsePgUrl(b.url)];
    return x.host === y.host && (x.port || '5432') === (y.port || '5432') && x.database === y.database;
  }
  return false;
}

export interface CopiedTable {
  readonly table: string;
  readonly rows: number;
  readonly maxId: number | null;
  /** sha256 over every row in primary-key order, the same on both sides. */
  readonly checksum: string;
}

export interface CopyOptions {
  /** Rows per read and per INSERT (default: as many as keep one INSERT under both databases' parameter limits, at most 500). */
  readonly batchSize?: number;
  /** Progress lines (a table done); default none. */
  readonly progress?: (line: string) => void;
}

/** Reads every row of a table in primary-key order, in pages, handing each page to `each`. */
async function eachPage(store: Store, table: CopyTable, limit: number, each: (rows: Row[]) => Promise<void>): Promise<void> {
  const cursor: Cursor = { afterId: 0, offset: 0 };
  for (;;) {
    const rows = await store.page(table, cursor, limit);
    if (rows.length === 0) return;
    await each(rows);
    if (table.id) cursor.afterId = rows[rows.length - 1][table.id] as number;
    cursor.offset += rows.length;
    if (rows.length < limit) return;
  }
}

/** Rows, largest id and a checksum of every row of `table` in `store`. */
async function summarize(store: Store, table: CopyTable, limit: number): Promise<CopiedTable> {
  const hash = createHash('sha256');
  let rows = 0;
  await eachPage(store, table, limit, async (page) => {
    for (const row of page) hash.update(JSON.stringify(canonical(row))).update('\n');
    rows += page.length;
  });
  return { table: table.name, rows, maxId: await store.maxId(table), checksum: hash.digest('hex') };
}

function batchFor(table: CopyTable, requested: number | undefined): number {
  const columns = Object.keys(getTableColumns(sqliteSchema[table.key as keyof typeof sqliteSchema] as SQLiteTable)).length;
  // SQLite allows 32766 bound parameters per statement, Postgres 65535.
  return Math.max(1, Math.min(requested ?? 500, Math.floor(30_000 / columns)));
}

/**
 * Copies every table from one database to another (SQLite or Postgres, either way), each side
 * through its own schema: migrates the target, refuses one that holds any row, copies in batches
 * inside one transaction on the target, moves the identity sequences past the largest ids, and
 * checks rows, largest id and a checksum of every row per table before committing; any mismatch
 * rolls the whole copy back. The source is read in one snapshot and never written.
 */
export async function copyDatabase(fromUrl: string, toUrl: string, options: CopyOptions = {}): Promise<CopiedTable[]> {
  const [from, to] = [parse(fromUrl, '--from'), parse(toUrl, '--to')];
  const [fromShown, toShown] = [redactDatabaseUrl(fromUrl.trim()), redactDatabaseUrl(toUrl.trim())];
  if (isSameDatabase(from, to)) throw new CliError(`--from and --to name the same database (${toShown}); copy into a new, empty one`);
  const tables = listCopyTables();
  const source = await openStore('--from', from, fromShown);
  try {
    await source.assertMigrated();
    const target = await openStore('--to', to, toShown);
    try {
      try {
        await target.migrate();
      } catch (error) {
        throw new CliError(`cannot apply migrations to --to ${toShown}: ${(error as Error).message}`);
      }
      await source.begin('read');
      await target.begin('write');
      const held: string[] = [];
      for (const t of tables) {
        const n = await target.count(t);
        if (n > 0) held.push(`${t.name}: ${n}`);
      }
      if (held.length > 0) {
        const startOver =
          to.dialect === 'sqlite'
            ? `delete ${resolve(to.path)} (with its -wal and -shm files) or name a new file`
            : `drop and recreate that database (DROP DATABASE …; CREATE DATABASE …) or name a new one`;
        const what = held[0].startsWith('handoffs:') ? `already holds ${held[0].slice('handoffs: '.length)} handoffs (${held.join(', ')})` : `already holds data (${held.join(', ')})`;
        throw new CliError(`--to ${toShown} ${what}: db copy only fills an empty database, it never merges. To start over, ${startOver}, then run the copy again`);
      }
      const report: CopiedTable[] = [];
      for (const t of tables) {
        const limit = batchFor(t, options.batchSize);
        const hash = createHash('sha256');
        let rows = 0;
        await eachPage(source, t, limit, async (page) => {
          await target.insert(t, page);
          for (const row of page) hash.update(JSON.stringify(canonical(row))).update('\n');
          rows += page.length;
        });
        const copied: CopiedTable = { table: t.name, rows, maxId: await source.maxId(t), checksum: hash.digest('hex') };
        const arrived = await summarize(target, t, limit);
        const sourceCount = await source.count(t);
        if (sourceCount !== rows || arrived.rows !== rows || arrived.maxId !== copied.maxId || arrived.checksum !== copied.checksum)
          throw new CliError(
            `${t.name} did not arrive intact (source ${sourceCount} rows, read ${rows}, target ${arrived.rows}; largest id ${copied.maxId} → ${arrived.maxId}; checksum ${arrived.checksum === copied.checksum ? 'equal' : 'different'}); nothing was written to --to`,
          );
        report.push(copied);
        options.progress?.(`${t.name}: ${rows} rows`);
      }
      await target.moveSequences(tables);
      await target.commit();
      await source.commit();
      return report;
    } catch (error) {
      await target.rollback();
      throw error;
    } finally {
      await target.close();
    }
  } finally {
    await source.rollback();
    await source.close();
  }
}

function parse(url: string, flag: '--from' | '--to'): DatabaseTarget {
  try {
    return parseDatabaseUrl(url, flag);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new UsageError(error.message);
    throw error;
  }
}

/** The per-table report as aligned text. */
export function formatCopyReport(report: readonly CopiedTable[]): string {
  const width = Math.max(5, ...report.map((r) => r.table.length));
  const lines = [`${'table'.padEnd(width)}  ${'rows'.padStart(9)}  ${'max id'.padStart(9)}  checksum`];
  for (const r of report) lines.push(`${r.table.padEnd(width)}  ${String(r.rows).padStart(9)}  ${(r.maxId === null ? '-' : String(r.maxId)).padStart(9)}  ${r.checksum.slice(0, 12)} equal`);
  return lines.join('\n');
}

/** `handoff db copy --from <url> --to <url>`: see copyDatabase. */
export async function runDbCopyCommand(args: readonly string[], _env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseCommandArgs(args, { from: { type: 'string' }, to: { type: 'string' }, 'batch-size': { type: 'string' } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.from || !values.to) throw new UsageError('db copy needs --from <url> and --to <url>, e.g. --from file:./data/handoff.db --to postgres://handoff:…@db:5432/handoff');
  let batchSize: number | undefined;
  if (values['batch-size'] !== undefined) {
    batchSize = Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size "${values['batch-size']}" is not a whole number of rows above 0`);
  }
  const started = Date.now();
  const [fromShown, toShown] = [redactDatabaseUrl(values.from), redactDatabaseUrl(values.to)];
  console.log(`Copying ${fromShown} → ${toShown}`);
  const report = await copyDatabase(values.from, values.to, { batchSize });
  const rows = report.reduce((n, r) => n + r.rows, 0);
  console.log(formatCopyReport(report));
  console.log(`Copied ${rows} rows in ${report.length} tables in ${((Date.now() - started) / 1000).toFixed(1)} s; rows, largest ids and checksums match. Point DATABASE_URL at ${toShown} and start the bot.`);
  return 0;
}

