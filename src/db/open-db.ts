import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import * as schema from './schema.js';
import { type Database as HandoffDatabase, SqliteDatabase } from './database.js';
import { databaseUrlProblem, DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from '../config/database-url.js';
import { PostgresDatabase } from './postgres-database.js';
import { inPackage } from '../paths.js';

export type { Db, DbOrTx, Tx } from './database.js';

/** An open SQLite database: the Database the repositories use, with the raw connection for SQLite-only commands. */
export type OpenDb = SqliteDatabase;

const MIGRATIONS = inPackage('migrations');

/** `file:./data/handoff.db`, a plain path, or `:memory:` → a SQLite file path; any other scheme throws (databaseUrlProblem). */
export function databasePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  const problem = databaseUrlProblem(url, { sqliteOnly: 'this works on a SQLite file only; for Postgres, open it with openDatabase' });
  if (problem) throw new DatabaseOpenError(`DATABASE_URL is ${problem}`);
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** A database a read-only command cannot use: missing, not SQLite, or behind the code's migrations. The message names the path and the fix. */
export class DatabaseOpenError extends Error {}

export interface OpenDbOptions {
  /**
   * For commands that only read (export, webhooks status, backup): refuse a file that does not
   * exist instead of creating an empty database (and its folders) from a mistyped DATABASE_URL,
   * open it read-only, and apply no migrations.
   */
  readonly mustExist?: boolean;
}

const FIX = "point DATABASE_URL at the bot's database file (e.g. DATABASE_URL=file:/srv/handoff/data/handoff.db) or run the command from the bot's folder";

/**
 * Opens an existing SQLite file read-only, never creating it: a connection that cannot disturb
 * the running bot. Throws a DatabaseOpenError when the file is missing or is not a SQLite database.
 */
export function openExistingSqlite(url: string): Database.Database {
  const path = databasePath(url);
  if (path === ':memory:') throw new DatabaseOpenError(`DATABASE_URL "${url}" is an empty in-memory database, there is nothing to read: ${FIX}`);
  const absolute = resolve(path);
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!stat) throw new DatabaseOpenError(`no database at ${absolute} (DATABASE_URL "${url}"): ${FIX}; the bot creates it at its first start`);
  if (!stat.isFile()) throw new DatabaseOpenError(`${absolute} (DATABASE_URL "${url}") is not a file: ${FIX}`);
  const sqlite = new Database(absolute, { readonly: true, fileMustExist: true });
  // The bot may be writing: wait for its lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  try {
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    sqlite.close();
    throw new DatabaseOpenError(`${absolute} (DATABASE_URL "${url}") is not a SQLite database (${(error as Error).message}): ${FIX}`);
  }
  return sqlite;
}

/** Throws unless every migration of this version has been applied: a read-only reader cannot apply them, and old tables would give wrong answers. */
function assertMigrated(sqlite: Database.Database, url: string): void {
  const latest = Math.max(...readMigrationFiles({ migrationsFolder: MIGRATIONS }).map((m) => m.folderMillis));
  let applied: number | null;
  try {
    applied = (sqlite.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as { at: number | null }).at;
  } catch {
    throw new DatabaseOpenError(`${resolve(databasePath(url))} (DATABASE_URL "${url}") is not a Handoff database: ${FIX}`);
  }
  if (applied === null || Number(applied) < latest) {
    throw new DatabaseOpenError(`${resolve(databasePath(url))} needs migrations this version brings: run "handoff migrate" (or start the bot) first`);
  }
}

/**
 * Opens the database of DATABASE_URL for the repositories: SQLite for `file:` URLs, paths and the
 * default, Postgres for `postgres://` (migrations/pg applied under an advisory lock). With
 * `mustExist`, a read-only command's view: nothing is created or migrated, and a database behind
 * this version's migrations is refused.
 */
export async function openDatabase(url: string, options: OpenDbOptions = {}): Promise<HandoffDatabase> {
  let target;
  try {
    target = parseDatabaseUrl(url);
  } catch (error) {
    throw new DatabaseOpenError(error instanceof DatabaseUrlError ? error.message : String(error));
  }
  if (target.dialect === 'sqlite') return openDb(url, options);
  const shown = redactDatabaseUrl(url);
  let database: PostgresDatabase;
  try {
    database = await PostgresDatabase.open(target.url, { migrate: !options.mustExist });
  } catch (error) {
    // node-postgres' messages name the host and the reason (ECONNREFUSED, password authentication failed), never the password.
    throw new DatabaseOpenError(`cannot open the Postgres database ${shown} (DATABASE_URL): ${(error as Error).message}; check that the server runs and the URL's user, password and database are right`);
  }
  if (options.mustExist) {
    const behind = await database.migrationsBehind().catch(() => true);
    if (behind) {
      await database.close();
      throw new DatabaseOpenError(`${shown} is not a Handoff database of this version: run "handoff migrate" (or start the bot) with DATABASE_URL pointing at it first`);
    }
  }
  return database;
}

/**
 * Opens the SQLite database (creating its folder), sets it up for concurrent safe writes, and applies pending migrations.
 * With `mustExist`, opens an existing, migrated database read-only instead (see OpenDbOptions).
 */
export function openDb(url: string, options: OpenDbOptions = {}): OpenDb {
  if (options.mustExist) {
    const sqlite = openExistingSqlite(url);
    try {
      assertMigrated(sqlite, url);
    } catch (error) {
      sqlite.close();
      throw error;
    }
    return new SqliteDatabase(drizzle(sqlite, { schema }), sqlite, schema);
  }
  const path = databasePath(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  // WAL keeps readers off the writer's back; the busy timeout lets a second process (the CLI) wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Statement journals and sorts in memory, not in temporary files: each multi-row write inside a
  // transaction keeps a statement journal, which spilled to a file past 64 KiB (bench: routing).
  sqlite.pragma('temp_store = MEMORY');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return new SqliteDatabase(db, sqlite, schema);
}
