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
});
