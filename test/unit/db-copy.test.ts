import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { asc, eq, getTableColumns, is } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PgTable } from 'drizzle-orm/pg-core';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';
import { listCopyTables } from '../../src/db-copy-command';
import * as pgSchema from '../../src/db/schema-pg';
import * as schema from '../../src/db/schema';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/postgres';

type Row = Record<string, unknown>;
const MIGRATIONS = resolve(__dirname, '../../migrations');

async function runQuiet(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await runCli(argv, {});
    const text = (spy: typeof log) => spy.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    return { code, stdout: text(log), stderr: text(err) };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

function openSqlite(path: string): { db: BetterSQLite3Database<typeof schema>; sqlite: Database.Database } {
  const sqlite = new Database(path);
  sqlite.pragma('foreign_keys = ON');
  const db = drizzleSqlite(sqlite, { schema });
  migrateSqlite(db, { migrationsFolder: MIGRATIONS });
  return { db, sqlite };
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute, 7, minute * 3));

/** Rows in every table, with JSON (nested, unicode, empty), nulls, dates, booleans and gaps in the ids. */
function seed(db: BetterSQLite3Database<typeof schema>): void {
  for (let i = 1; i <= 23; i++) {
    db.insert(schema.handoffs)
      .values({
        id: i * 2 + (i > 20 ? 100 : 0),
        typeKey: i % 2 ? 'order-to-ops' : 'bug-to-eng',
        fromTeam: i % 3 ? 'sales' : null,
        toTeam: 'ops',
        state: i % 4 === 0 ? 'done' : 'open',
        requesterId: `U${i}`,
        ownerId: `U${i + 1}`,
        title: `Order ${i} — “quoted” <b>&amp;</b> 🚚`,
        fields: { order_id: `SO-${1000 + i}`, notes: 'line 1\nline 2', qty: i * 1.5, tags: ['a', 'ü'], po: [{ id: `F${i}`, name: 'po.pdf', permalink: 'https://x.slack.com/f' }] },
        completion: i % 4 === 0 ? { tracking: `T${i}` } : null,
        version: i,
        createdAt: at(i),
        updatedAt: at(i + 1),
        queuedAt: at(i),
        acceptedAt: i % 4 === 0 ? at(i + 2) : null,
        closedAt: i % 4 === 0 ? at(i + 3) : null,
        acceptWarnAt: at(i + 4),
        acceptDueAt: at(i + 5),
        nudgeAt: i % 2 ? at(i + 6) : null,
        channelId: 'C0OPS',
        messageTs: i % 5 ? `1700000000.00${i}` : null,
        parentId: i > 1 ? (i - 1) * 2 : null,
        submissionKey: i % 3 ? `V${i}` : null,
        offeredTo: i === 3 ? 'U9' : null,
        offerExpiresAt: i === 3 ? at(40) : null,
      })
      .run();
  }
  db.insert(schema.uniqueValues).values([
    { typeKey: 'order-to-ops', fieldKey: 'order_id', value: 'SO-1001', handoffId: 2 },
    { typeKey: 'order-to-ops', fieldKey: 'order_id', value: 'SO-1003', handoffId: 6 },
  ]).run();
  for (let i = 1; i <= 30; i++)
    db.insert(schema.events)
      .values({ handoffId: ((i % 20) + 1) * 2, type: i % 2 ? 'created' : 'accepted', actorId: `U${i}`, at: at(i), fromState: i % 2 ? null : 'open', toState: i % 2 ? 'open' : 'accepted', data: i % 3 ? { reason: 'ok', list: [1, null, 'x'], deep: { b: 2, a: 1 } } : {} })
      .run();
  for (let i = 1; i <= 12; i++)
    db.insert(schema.outbox)
      .values({ handoffId: i % 4 ? 2 : null, kind: 'post', payload: { text: `message ${i}`, blocks: [] }, createdAt: at(i), attempts: i % 3, nextAttemptAt: at(i + 1), lastError: i % 5 ? null : 'ratelimited', sentAt: i % 2 ? at(i + 2) : null, leaseUntil: i === 4 ? at(50) : null, leaseOwner: i === 4 ? 'host:123' : null, claims: i % 2, lane: i % 3 ? `handoff:${i % 2}` : null })
      .run();
  db.insert(schema.nudges).values([{ handoffId: 2, key: 'accept-warn', at: at(5) }, { handoffId: 4, key: 'accept-due', at: at(6) }]).run();
  db.insert(schema.digests).values([{ userId: 'U1', localDate: '2026-11-23', at: at(1) }, { userId: 'U2', localDate: '2026-11-23', at: at(2) }]).run();
  db.insert(schema.weeklyReports).values({ userId: 'U0LEAD', weekOf: '2026-11-23', at: at(3) }).run();
  db.insert(schema.userProfiles).values([{ userId: 'U1', timezone: 'Europe/Berlin', fetchedAt: at(1) }, { userId: 'U2', timezone: 'America/New_York', fetchedAt: at(2) }]).run();
  db.insert(schema.seenEvents).values([{ eventId: 'Ev001', at: at(1) }, { eventId: 'Ev002', at: at(2) }]).run();
  db.insert(schema.messageSources).values({ viewId: 'V123', userId: 'U1', channel: 'C1', ts: '1700000000.000100', createdAt: at(4) }).run();
  db.insert(schema.homeViewers).values({ userId: 'U1', openedAt: at(5) }).run();
  db.insert(schema.awayPeople).values([{ userId: 'U3', until: at(59), backupId: 'U4', setAt: at(1) }, { userId: 'U5', until: at(58), backupId: null, setAt: at(2) }]).run();
  db.insert(schema.slackStatuses).values([{ userId: 'U6', away: true, until: null, fetchedAt: at(1) }, { userId: 'U7', away: false, until: at(9), fetchedAt: at(2) }]).run();
  db.insert(schema.routingTurns).values({ teamKey: 'ops', userId: 'U2', at: at(7) }).run();
  db.insert(schema.dmChannels).values({ userId: 'U1', channelId: 'D1', at: at(8) }).run();
  db.insert(schema.approvalMessages).values({ handoffId: 2, userId: 'U0LEAD', eventId: 1, channel: 'D9', ts: '1700000000.000200' }).run();
  db.insert(schema.instances).values({ owner: 'host:1:ab12cd34:0', heartbeatAt: at(9), startedAt: at(1) }).run();
  db.insert(schema.jobLeases).values({ name: 'nudges', owner: 'host:1:ab12cd34:0', until: at(10) }).run();
  const ms = (i: number) => at(i).getTime();
  db.insert(schema.qualityFacts)
    .values([
      { eventId: 2, handoffId: 4, typeKey: 'order-to-ops', fromTeam: 'sales', toTeam: 'ops', typeVersion: 'abc123', createdAt: ms(1), at: ms(2), firstDecision: true, returnNumber: 1, decidedAt: ms(2), returnedAt: null, flaggedFields: ['customer'], somethingElse: true, reason: 'déjà "vu" <b>' },
      { eventId: 4, handoffId: 6, typeKey: 'anything-to-ops', fromTeam: null, toTeam: 'ops', typeVersion: null, createdAt: ms(3), at: ms(4), firstDecision: false, returnNumber: 0, decidedAt: null, returnedAt: ms(3), flaggedFields: [], somethingElse: false, reason: null },
    ])
    .run();
  db.insert(schema.qualityDays).values({ toTeam: 'ops', day: 20598, decidedDay: 20597, typeKey: 'order-to-ops', fromTeam: '', typeVersion: '', decided: 3, returns: 2, firstReturns: 1, secondReturns: 1, firstCreatedAt: ms(1), firstHandoffId: 4 }).run();
  db.insert(schema.qualityReasons).values({ toTeam: 'ops', day: 20598, typeKey: 'order-to-ops', fromTeam: 'sales', entries: [['customer', 'k1', 2, 'Wrong customer', 4, 2], [null, '', 1, null, 6, 4]] }).run();
  db.insert(schema.qualityResubmissions).values({ toTeam: 'ops', day: 20598, typeKey: 'order-to-ops', fromTeam: 'sales', spans: [[ms(4), ms(3)]] }).run();
  db.insert(schema.qualityBackfill).values({ id: 1, throughEventId: 40, at: at(11) }).run();
  // A gap at the end: AUTOINCREMENT remembers 12, max(id) is 11.
  db.delete(schema.outbox).where(eq(schema.outbox.id, 12)).run();
}

/** Every table's rows in primary-key order (drizzle row objects: Dates, parsed JSON, booleans). */
async function dump(read: (key: string, table: SQLiteTable | PgTable, order: ReturnType<typeof asc>[]) => Promise<Row[]>, tables: Record<string, SQLiteTable | PgTable>): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of listCopyTables()) {
    const table = tables[t.key];
    const columns = getTableColumns(table);
    out[t.key] = await read(t.key, table, t.primaryKey.map((p) => asc(columns[p])));
  }
  return out;
}

const sqliteTables = Object.fromEntries(Object.entries(schema).filter(([, v]) => is(v, SQLiteTable))) as Record<string, SQLiteTable>;
const pgTables = Object.fromEntries(Object.entries(pgSchema).filter(([, v]) => is(v, PgTable))) as Record<string, PgTable>;

describe('db copy tables', () => {
  it('lists every table of the schema, each after the tables its foreign keys point at', () => {
    const tables = listCopyTables();
    expect(tables.map((t) => t.key).sort()).toEqual(Object.keys(sqliteTables).sort());
    const position = (name: string) => tables.findIndex((t) => t.name === name);
    for (const child of ['events', 'unique_values', 'nudges']) expect(position('handoffs')).toBeLessThan(position(child));
    expect(tables.find((t) => t.key === 'handoffs')).toMatchObject({ primaryKey: ['id'], id: 'id' });
    expect(tables.find((t) => t.key === 'uniqueValues')).toMatchObject({ primaryKey: ['typeKey', 'fieldKey', 'value'], id: null });
  });
});

describeWithPostgres('handoff db copy (SQLite → Postgres → SQLite)', () => {
  let dir: string;
  let database: TestDatabase;
  let pool: pg.Pool;
  let source: ReturnType<typeof openSqlite>;
  const sqliteDump = (db: BetterSQLite3Database<typeof schema>) => dump(async (_k, table, order) => db.select().from(table as SQLiteTable).orderBy(...order).all() as Row[], sqliteTables);
  const pgDump = () => dump(async (_k, table, order) => (await drizzlePg(pool).select().from(table as PgTable).orderBy(...order)) as Row[], pgTables);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'handoff-copy-'));
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    source = openSqlite(join(dir, 'source.db'));
    seed(source.db);
  });

  afterAll(async () => {
    source?.sqlite.close();
    await pool?.end();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every row of every table there and back, equal in each, and prints the counts', async () => {
    const original = await sqliteDump(source.db);
    for (const [key, rows] of Object.entries(original)) expect(rows.length, `seed rows in ${key}`).toBeGreaterThan(0);

    const there = await runQuiet(['db', 'copy', '--from', `file:${join(dir, 'source.db')}`, '--to', database.url, '--batch-size', '7']);
    expect(there.stderr).toBe('');
    expect(there.code).toBe(0);
    expect(there.stdout).toMatch(/^handoffs\s+23\s+146\s+[0-9a-f]{12} equal$/m);
    expect(there.stdout).toMatch(/^events\s+30\s+30\s+/m);
    expect(there.stdout).toMatch(/^slack_statuses\s+2\s+-\s+/m);
    expect(there.stdout).toMatch(/Copied \d+ rows in 23 tables/);
    expect(await pgDump()).toEqual(original);

    const back = join(dir, 'nested', 'back.db');
    const returned = await runQuiet(['db', 'copy', '--from', database.url, '--to', `file:${back}`]);
    expect(returned.stderr).toBe('');
    expect(returned.code).toBe(0);
    const copy = openSqlite(back);
    try {
      expect(await sqliteDump(copy.db)).toEqual(original);
      // Both targets number new rows after the largest id copied.
      const [next] = copy.db.insert(schema.events).values({ handoffId: 2, type: 'created', actorId: 'U1', at: at(1), toState: 'open' }).returning().all();
      expect(next.id).toBe(31);
    } finally {
      copy.sqlite.close();
    }
    const [pgNext] = await drizzlePg(pool).insert(pgSchema.handoffs).values({ typeKey: 't', toTeam: 'ops', state: 'open', requesterId: 'U1', ownerId: 'U1', title: 'new', fields: {}, createdAt: at(1), updatedAt: at(1), queuedAt: at(1), channelId: 'C1' }).returning();
    expect(pgNext.id).toBe(147);
    await pool.query('DELETE FROM handoffs WHERE id = 147');
  });

  it('refuses a target that already holds handoffs, naming it and how to start over, and changes nothing', async () => {
    const before = await pgDump();
    const again = await runQuiet(['db', 'copy', '--from', `file:${join(dir, 'source.db')}`, '--to', database.url]);
    expect(again.code).toBe(1);
    const shown = database.url.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@');
    expect(again.stderr).toContain(`handoff db copy: --to ${shown} already holds 23 handoffs (handoffs: 23, `);
    expect(again.stderr).toContain('db copy only fills an empty database, it never merges. To start over, drop and recreate that database');
    expect(await pgDump()).toEqual(before);
  });

  it('refuses a source behind this version’s migrations, and the same database on both sides', async () => {
    const old = new Database(join(dir, 'old.db'));
    old.exec('CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric); INSERT INTO __drizzle_migrations (hash, created_at) VALUES (\'x\', 1)');
    old.close();
    const behind = await runQuiet(['db', 'copy', '--from', `file:${join(dir, 'old.db')}`, '--to', `file:${join(dir, 'never.db')}`]);
    expect(behind.code).toBe(1);
    expect(behind.stderr).toContain(`needs migrations this version brings: run "handoff migrate"`);
    const same = await runQuiet(['db', 'copy', '--from', `file:${join(dir, 'source.db')}`, '--to', `${join(dir, '.', 'source.db')}`]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('--from and --to name the same database');
  });
});

describe('db copy command line', () => {
  it.each([
    [['db', 'copy', '--to', 'file:x.db'], 'db copy needs --from <url> and --to <url>'],
    [['db', 'copy', '--from', 'file:x.db', '--to', 'mysql://u:hunter2@h/db'], '--to "mysql://u:***@h/db": the scheme "mysql:" is not supported'],
    [['db', 'copy', '--from', 'postgres:u:hunter2@h/db', '--to', 'file:x.db'], '--from "postgres:u:***@h/db": the // after "postgres:" is missing'],
    [['db', 'copy', '--from', 'file:x.db', '--to', 'file:y.db', '--batch-size', '0'], '--batch-size "0" is not a whole number'],
  ])('refuses %j with a usage error', async (argv, message) => {
    const result = await runQuiet(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`handoff db copy: ${message}`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('refuses a source file that does not exist, creating nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-copy-'));
    try {
      const result = await runQuiet(['db', 'copy', '--from', `file:${join(dir, 'missing.db')}`, '--to', `file:${join(dir, 'out.db')}`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`--from: no database at ${join(dir, 'missing.db')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
