import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { openDatabase, openDb } from '../../src/db/open-db';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/postgres';

// Database.prepareRaw: the positional statements behind the offer batches' multi-row writes.
describeOnEachDatabase('Database.prepareRaw', (dialect) => {
  let dir = '';
  let target: TestDatabase | undefined;
  let database: Database;

  beforeAll(async () => {
    if (dialect === 'postgres') target = await createTestDatabase();
  });
  afterAll(async () => {
    await target?.drop();
  });
  beforeEach(async () => {
    if (target) {
      database = await openDatabase(target.url);
      await database.transaction(async () => void (await database.all(sql`DELETE FROM seen_events`)));
    } else {
      dir = mkdtempSync(join(tmpdir(), 'handoff-raw-'));
      database = openDb(`file:${join(dir, 'h.db')}`);
    }
  });
  afterEach(async () => {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const p = (i: number) => database.param(i);
  const insertText = () => `insert into "seen_events" ("event_id", "at") values (${p(0)}, ${p(1)}), (${p(2)}, ${p(3)}) returning "at", "event_id"`;
  const stored = async () =>
    (await database.all<{ event_id: string; at: number | string }>(sql`SELECT event_id, at FROM seen_events ORDER BY event_id`)).map((r) => [r.event_id, Number(r.at)]);

  it('binds the parameters in order and returns the RETURNING columns as arrays, in the order the text names them', async () => {
    const insert = database.prepareRaw(insertText());
    const rows = await database.transaction(() => insert.execute(['Ev1', 1000, 'Ev2', 2000]));
    expect(rows.map(([at, id]) => [Number(at), id]).sort()).toEqual([
      [1000, 'Ev1'],
      [2000, 'Ev2'],
    ]);
    expect(await stored()).toEqual([
      ['Ev1', 1000],
      ['Ev2', 2000],
    ]);
  });

  it('returns no rows for a statement without RETURNING, and runs again with other values', async () => {
    const insert = database.prepareRaw(`insert into "seen_events" ("event_id", "at") values (${p(0)}, ${p(1)})`);
    await database.transaction(async () => {
      expect(await insert.execute(['Ev1', 1])).toEqual([]);
    });
    // Another transaction (on Postgres, maybe another pooled connection, where the named statement is new).
    await database.transaction(async () => {
      expect(await insert.execute(['Ev2', 2])).toEqual([]);
    });
    expect(await stored()).toEqual([
      ['Ev1', 1],
      ['Ev2', 2],
    ]);
  });

  it("writes inside the caller's transaction: rolled back with it, and unseen by other connections before the commit", async () => {
    const insert = database.prepareRaw(insertText());
    await expect(
      database.transaction(async () => {
        await insert.execute(['Ev1', 1, 'Ev2', 2]);
        throw new Error('refused after the write');
      }),
    ).rejects.toThrow('refused after the write');
    expect(await stored()).toEqual([]);

    if (dialect !== 'postgres' || !target) return;
    // On Postgres the write must use the transaction's own connection, not another one of the pool.
    const other = await openDatabase(target.url);
    try {
      await database.transaction(async () => {
        await insert.execute(['Ev3', 3, 'Ev4', 4]);
        expect(await other.all(sql`SELECT event_id FROM seen_events`)).toEqual([]);
      });
      expect((await other.all<{ event_id: string }>(sql`SELECT event_id FROM seen_events ORDER BY event_id`)).map((r) => r.event_id)).toEqual(['Ev3', 'Ev4']);
    } finally {
      await other.close();
    }
  });
});
