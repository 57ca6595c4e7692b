import type { Database } from '../../src/db/database';
import { SqliteDatabase } from '../../src/db/database';
import { PostgresDatabase } from '../../src/db/postgres-database';

/** Columns whose raw values differ between the two databases, turned into one JavaScript value. */
export interface RawColumns {
  /** JSON columns: SQLite returns the stored text, Postgres (jsonb) the parsed value; both give the parsed value. */
  readonly json?: readonly string[];
  /** Boolean columns and expressions: SQLite returns 0/1, Postgres true/false; both give true/false. */
  readonly bool?: readonly string[];
}

export type RawRow = Record<string, unknown>;

/**
 * Runs one SQL statement straight on the database's connection, past the repositories (so tests
 * do not trust the code they test), and returns its rows. Write it once in Postgres style, `$1`
 * parameters: SQLite gets them as positional `?`. int8 (counts, epoch milliseconds) is already a
 * number on both (PostgresDatabase's type parser); `columns` names the JSON and boolean ones.
 */
export async function queryRaw(database: Database, text: string, params: readonly unknown[] = [], columns: RawColumns = {}): Promise<RawRow[]> {
  let rows: RawRow[];
  if (database instanceof SqliteDatabase) {
    // $n may repeat or come out of order; `?` is positional, so the values follow the text.
    const values: unknown[] = [];
    const statement = database.sqlite.prepare(
      text.replace(/\$(\d+)/g, (_, n: string) => {
        values.push(params[Number(n) - 1]);
        return '?';
      }),
    );
    rows = statement.reader ? (statement.all(...values) as RawRow[]) : (statement.run(...values), []);
    rows = rows.map((row) => normaliseSqliteRow(row, columns));
  } else if (database instanceof PostgresDatabase) {
    rows = (await database.pool.query(text, [...params])).rows as RawRow[];
  } else {
    throw new Error(`queryRaw: no raw connection for a ${database.dialect} database of another kind`);
  }
  // A misspelt hint would leave a value unnormalised on one side only.
  for (const name of [...(columns.json ?? []), ...(columns.bool ?? [])]) {
    if (rows.length > 0 && !(name in rows[0])) throw new Error(`queryRaw: no column ${name} in the result of ${text}`);
  }
  return rows;
}

/** The first row of queryRaw, or undefined. */
export async function queryRawRow(database: Database, text: string, params: readonly unknown[] = [], columns: RawColumns = {}): Promise<RawRow | undefined> {
  return (await queryRaw(database, text, params, columns))[0];
}

function normaliseSqliteRow(row: RawRow, columns: RawColumns): RawRow {
  const out = { ...row };
  for (const name of columns.json ?? []) if (typeof out[name] === 'string') out[name] = JSON.parse(out[name]);
  for (const name of columns.bool ?? []) if (out[name] === 0 || out[name] === 1) out[name] = out[name] === 1;
  return out;
}
