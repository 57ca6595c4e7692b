import { is, SQL } from 'drizzle-orm';
import { getTableConfig as getPgConfig, PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteConfig, SQLiteSyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from '../../src/db/schema-pg';
import * as sqlite from '../../src/db/schema';

// Type level: every table of schema.ts has a twin in schema-pg.ts whose rows (read and written)
// have exactly the same type, so a repository compiles against either. A table added to one
// schema only, or a column whose type differs, fails `tsc` here.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type TablesOf<S, Base> = { [K in keyof S as S[K] extends Base ? K : never]: S[K] };
type SqliteTables = TablesOf<typeof sqlite, SQLiteTable>;
type PgTables = TablesOf<typeof pg, PgTable>;
type Mirror = {
  [K in keyof SqliteTables | keyof PgTables]: K extends keyof SqliteTables
    ? K extends keyof PgTables
      ? [Equal<SqliteTables[K]['$inferSelect'], PgTables[K]['$inferSelect']>, Equal<SqliteTables[K]['$inferInsert'], PgTables[K]['$inferInsert']>]
      : 'missing in schema-pg.ts'
    : 'missing in schema.ts';
};
type Mirrored = { [K in keyof Mirror]: [true, true] };
export const schemasMirror: Equal<Mirror, Mirrored> = true;

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();

const tablesOf = <T>(module: Record<string, unknown>, isTable: (value: unknown) => value is T): Record<string, T> =>
  Object.fromEntries(Object.entries(module).filter((entry): entry is [string, T] => isTable(entry[1])));

/** What both dialects must agree on, in plain data: a difference shows up as a readable diff. */
function describeTable(config: ReturnType<typeof getSqliteConfig> | ReturnType<typeof getPgConfig>, table: Record<string, unknown>, render: (where: SQL) => string) {
  const properties = Object.fromEntries(Object.entries(table).filter(([, v]) => config.columns.includes(v as never)).map(([key, column]) => [key, (column as { name: string }).name]));
  return {
    name: config.name,
    properties,
    columns: config.columns.map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault })),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
    foreignKeys: config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      return { columns: ref.columns.map((c) => c.name), foreignColumns: ref.foreignColumns.map((c) => c.name) };
    }),
    indexes: config.indexes
      .map((i) => ({
        name: i.config.name,
        unique: i.config.unique,
        columns: i.config.columns.map((c) => (is(c, SQL) ? render(c) : (c as { name: string }).name)),
        where: i.config.where ? render(i.config.where) : null,
      }))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
    unique: config.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
  };
}

describe('schema-pg.ts mirrors schema.ts', () => {
  const sqliteTables = tablesOf(sqlite, (v): v is SQLiteTable => is(v, SQLiteTable));
  const pgTables = tablesOf(pg, (v): v is PgTable => is(v, PgTable));

  it('exports the same tables', () => {
    expect(Object.keys(pgTables).sort()).toEqual(Object.keys(sqliteTables).sort());
    expect(Object.keys(sqliteTables).length).toBeGreaterThan(10);
  });

  it.each(Object.keys(sqliteTables))('%s: same column names, nullability, defaults, keys and indexes', (key) => {
    const left = describeTable(getSqliteConfig(sqliteTables[key]), sqliteTables[key] as never, (s) => sqliteDialect.sqlToQuery(s).sql);
    const right = describeTable(getPgConfig(pgTables[key]), pgTables[key] as never, (s) => pgDialect.sqlToQuery(s).sql);
    expect(right).toEqual(left);
  });

  it('reads a timestamp back as the Date it wrote, from the number or the string node-postgres returns', () => {
    const column = pg.handoffs.createdAt;
    const at = new Date('2026-11-23T15:04:05.678Z');
    const stored = column.mapToDriverValue(at);
    expect(stored).toBe(at.getTime());
    expect(column.mapFromDriverValue(String(stored))).toEqual(at);
    expect(column.mapFromDriverValue(stored)).toEqual(at);
  });
});
