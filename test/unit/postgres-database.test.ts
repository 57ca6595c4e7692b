import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-db';
import type { PostgresDatabase } from '../../src/db/postgres-database';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/postgres';
import { waitUntil } from '../helpers/child-bot';

describeWithPostgres('PostgresDatabase', () => {
  let target: TestDatabase;
  beforeAll(async () => {
    target = await createTestDatabase();
  });
  afterAll(async () => {
    await target.drop();
  });

  it('survives the server closing its idle connections (a restart, a failover) and opens new ones', async () => {
    const database = (await openDatabase(target.url)) as PostgresDatabase;
    try {
      expect(await database.all<{ one: number }>(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      expect(database.pool.idleCount).toBeGreaterThan(0);
      // Another session ends every connection of the pool, as a server restart would.
      const admin = new pg.Client({ connectionString: target.url });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      } finally {
        await admin.end();
      }
      // Without an 'error' listener on the pool, node-postgres would throw this out of the process.
      await waitUntil(() => database.pool.idleCount === 0, { what: 'the pool to drop its closed connections', timeoutMs: 10_000 });
      expect(await database.all<{ one: number }>(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });

  it('runs an atomic statement on the pool at the server default isolation, outside any transaction, and joins one it is called in', async () => {
    const database = (await openDatabase(target.url)) as PostgresDatabase;
    try {
      const level = () => database.all<{ level: string }>(sql`SELECT current_setting('transaction_isolation') AS level`);
      // Autocommit: no SERIALIZABLE transaction, so no BEGIN … COMMIT round trips and no read set to conflict with.
      expect(await database.atomic(level)).toEqual([{ level: 'read committed' }]);
      expect(await database.transaction(() => database.atomic(level))).toEqual([{ level: 'serializable' }]);
      const { seenEvents } = database.schema;
      await expect(
        database.transaction(async () => {
          await database.atomic((db) => db.insert(seenEvents).values({ eventId: 'inner', at: new Date(0) }));
          throw new Error('outer fails');
        }),
      ).rejects.toThrow('outer fails');
      await database.atomic((db) => db.insert(seenEvents).values({ eventId: 'alone', at: new Date(0) }));
      expect(await database.all<{ event_id: string }>(sql`SELECT event_id FROM seen_events`)).toEqual([{ event_id: 'alone' }]);
    } finally {
      await database.close();
    }
  });
});
