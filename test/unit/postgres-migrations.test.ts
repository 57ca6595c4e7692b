import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eq, is, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as schema from '../../src/db/schema-pg';
import type { FieldValues } from '../../src/domain/fields';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/postgres';

const MIGRATIONS = resolve(__dirname, '../../migrations/pg');
const JOURNAL = JSON.parse(readFileSync(resolve(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
const TABLES: PgTable[] = Object.values(schema).filter((v) => is(v, PgTable));

describeWithPostgres('Postgres migrations (migrations/pg)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let db: NodePgDatabase<typeof schema>;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    db = drizzle(pool, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS });
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('applies every migration once, and again changes nothing', async () => {
    const applied = async () => (await pool.query('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')).rows;
    const before = await applied();
    expect(before).toHaveLength(JOURNAL.entries.length);
    await migrate(db, { migrationsFolder: MIGRATIONS });
    expect(await applied()).toEqual(before);
  });

  it('creates every table of schema-pg.ts with its columns, indexes and keys', async () => {
    expect(TABLES.length).toBeGreaterThan(10);
    for (const table of TABLES) {
      const config = getTableConfig(table);
      const columns = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        [config.name],
      );
      expect(columns.rows.map((c) => c.column_name).sort(), config.name).toEqual(config.columns.map((c) => c.name).sort());
      for (const column of config.columns) {
        const row = columns.rows.find((c) => c.column_name === column.name);
        expect(row?.is_nullable, `${config.name}.${column.name}`).toBe(column.notNull ? 'NO' : 'YES');
        // information_schema spells every type the schema uses as drizzle does (integer, bigint, text, jsonb, boolean).
        expect(row?.data_type, `${config.name}.${column.name}`).toBe(column.getSQLType());
      }
      const indexes = await pool.query<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", [config.name]);
      const names = indexes.rows.map((i) => i.indexname);
      for (const index of config.indexes) {
        const def = indexes.rows.find((i) => i.indexname === index.config.name)?.indexdef;
        expect(def, `${config.name}: index ${index.config.name}`).toBeDefined();
        expect(def?.startsWith('CREATE UNIQUE INDEX'), `${index.config.name} unique`).toBe(Boolean(index.config.unique));
      }
      // Every table has a primary key: a copy and the repositories rely on it.
      expect(names.some((n) => n.endsWith('_pkey') || n.endsWith('_pk')), `${config.name} primary key`).toBe(true);
    }
    const partial = await pool.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'outbox_lane_idx'");
    expect(partial.rows[0].indexdef).toMatch(/WHERE \(sent_at IS NULL\)/);
  });

  it('round-trips a Date through the epoch-milliseconds column and JSON through jsonb', async () => {
    const at = new Date('2026-11-23T15:04:05.678Z');
    const fields: FieldValues = { order_id: 'SO-1234', notes: 'déjà "quoted" <b> & 🚚\nline 2', count: 3.5, tags: ['a', 'b'], po: [{ id: 'F1', name: 'po.pdf', permalink: 'https://x.slack.com/files/F1' }] };
    const [row] = await db
      .insert(schema.handoffs)
      .values({ typeKey: 'order-to-ops', toTeam: 'ops', state: 'open', requesterId: 'U1', ownerId: 'U1', title: 'T', fields, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C1' })
      .returning();
    expect(row.createdAt).toEqual(at);
    expect(row.acceptedAt).toBeNull();
    expect(row.completion).toBeNull();
    const [read] = await db.select().from(schema.handoffs).where(eq(schema.handoffs.id, row.id));
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(read.createdAt).toEqual(at);
    expect(read.fields).toEqual(fields);
    expect(read.version).toBe(1);

    // Stored as plain milliseconds and real jsonb, so SQL written once reads the same on SQLite.
    const raw = await pool.query("SELECT created_at, jsonb_typeof(fields) AS kind, fields->>'order_id' AS order_id FROM handoffs WHERE id = $1", [row.id]);
    expect(Number(raw.rows[0].created_at)).toBe(at.getTime());
    expect(raw.rows[0]).toMatchObject({ kind: 'object', order_id: 'SO-1234' });

    const [event] = await db.insert(schema.events).values({ handoffId: row.id, type: 'created', actorId: 'U1', at, toState: 'open' }).returning();
    expect(event.data).toEqual({});
    const [withData] = await db.insert(schema.events).values({ handoffId: row.id, type: 'accepted', actorId: 'U2', at, fromState: 'open', toState: 'accepted', data: { note: null, list: [1, 'two'], deep: { ok: true } } }).returning();
    expect((await db.select().from(schema.events).where(eq(schema.events.id, withData.id)))[0].data).toEqual({ note: null, list: [1, 'two'], deep: { ok: true } });
    await db.insert(schema.slackStatuses).values({ userId: 'U1', away: true, until: null, fetchedAt: at });
    const [status] = await db.select().from(schema.slackStatuses);
    expect(status).toEqual({ userId: 'U1', away: true, until: null, fetchedAt: at });
  });

  it('takes explicit ids (a copy) and then numbers on from wherever the sequence is moved', async () => {
    const at = new Date();
    await db.insert(schema.outbox).values({ id: 500, kind: 'post', payload: {}, createdAt: at, nextAttemptAt: at });
    await db.execute(sql`SELECT setval(pg_get_serial_sequence('outbox', 'id'), (SELECT max(id) FROM outbox))`);
    const [next] = await db.insert(schema.outbox).values({ kind: 'post', payload: { n: 1 }, createdAt: at, nextAttemptAt: at }).returning();
    expect(next.id).toBe(501);
  });
});
