import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffRepo, type WrittenEvent } from '../../src/db/handoff-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';

const DB_DIR = resolve(__dirname, '../../src/db');
/** Files that may use the SQLite driver directly: opening, the Database itself, the table definitions. */
const NOT_REPOSITORIES = /^(open-db|database|postgres-database|schema.*)\.ts$/;

describe('portability of the repositories (one set serves SQLite and Postgres)', () => {
  const files = readdirSync(DB_DIR).filter((f) => f.endsWith('.ts') && !NOT_REPOSITORIES.test(f));

  it('scans every repository', () => {
    // Guards against a rule that passes because it looked at nothing.
    expect(files).toEqual(expect.arrayContaining(['handoff-repo.ts', 'outbox-repo.ts', 'stall-repo.ts', 'away-repo.ts', 'home-repo.ts', 'metrics-repo.ts', 'quality-repo.ts', 'routing-repo.ts', 'seen-event-repo.ts', 'weekly-report-repo.ts']));
  });

  it.each(files)('%s awaits its queries: no .get(), .all(), .run() or .values() of the SQLite driver', (file) => {
    expect(driverCalls(readFileSync(join(DB_DIR, file), 'utf8'))).toEqual([]);
  });

  it.each(files)('%s takes its tables from database.schema, not from schema.ts', (file) => {
    const code = readFileSync(join(DB_DIR, file), 'utf8');
    // Types (HandoffRow …) may come from schema.ts; values (the table objects) may not.
    const valueImports = [...code.matchAll(/^import\s+(?!type\b)\{([^}]*)\}\s+from\s+'\.\/schema(?:\.js)?'/gm)].flatMap((m) =>
      m[1]
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && !s.startsWith('type ')),
    );
    expect(valueImports).toEqual([]);
    expect(code).not.toMatch(/^import\s+\*\s+as\s+\w+\s+from\s+'\.\/schema/m);
  });

  it('catches what it is meant to catch', () => {
    const code = ['const row = this.db', '  .select()', '  .from(t)', '  .get();', 'const rows = db.select().from(t).all();', 'stmt.run({ id });', 'db.update(t).set(v).run();', 'db.select().from(t).values();', "await tx.insert(t).values({ id: 1 });", 'map.get(key);'].join('\n');
    expect(driverCalls(code)).toEqual(['4: .get();', '5: const rows = db.select().from(t).all();', '7: db.update(t).set(v).run();', '8: db.select().from(t).values();']);
    expect(/^import\s+(?!type\b)\{([^}]*)\}\s+from\s+'\.\/schema(?:\.js)?'/m.test("import { handoffs } from './schema.js';")).toBe(true);
  });
});

/**
 * Calls of better-sqlite3 drizzle's synchronous runners on a query builder: `.get(`, `.all(`, `.run(`
 * after a `)` or at the start of a line (a chain), and `.values(` except an insert's `.values({...})`.
 * Map lookups (`map.get(key)`) are not chains. Prepared statements run with `execute`, which both dialects have.
 */
function driverCalls(code: string): string[] {
  return code.split('\n').flatMap((line, i) => {
    const runner = /(\)|^\s*)\.(get|all|run)\(/.test(line);
    const values = /\.values\(\s*\)/.test(line) || (/\)\.values\(/.test(line) && !/\.insert\(/.test(line));
    return runner || values ? [`${i + 1}: ${line.trim()}`] : [];
  });
}

describe('SqliteDatabase.transaction', () => {
  let dir: string;
  let database: OpenDb;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'handoff-database-'));
    database = openDb(`file:${join(dir, 'h.db')}`);
  });

  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async () => Number((await database.all<{ n: number }>(sql`SELECT count(*) AS n FROM seen_events`))[0].n);
  const insert = (id: string) => database.db.insert(database.schema.seenEvents).values({ eventId: id, at: new Date(0) });

  it('runs transactions one after another, each seeing only committed work of the others', async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = database.transaction(async () => {
      order.push('first begins');
      await insert('a');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('first commits');
    });
    const second = database.transaction(async () => {
      order.push('second begins');
      await insert('b');
    });
    // The second waits for the first, however long the first awaits.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['first begins']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first begins', 'first commits', 'second begins']);
    expect(await count()).toBe(2);
  });

  it('rolls back a transaction whose function throws, and the next one runs', async () => {
    await expect(
      database.transaction(async () => {
        await insert('a');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await count()).toBe(0);
    await database.transaction(async () => {
      await insert('b');
    });
    expect(await count()).toBe(1);
  });

  it('joins a transaction called from inside one (no deadlock), and the whole rolls back together', async () => {
    await expect(
      database.transaction(async () => {
        await insert('outer');
        await database.transaction(async () => {
          expect(database.inTransaction()).toBe(true);
          await insert('inner');
        });
        throw new Error('outer fails after the inner one');
      }),
    ).rejects.toThrow('outer fails');
    expect(await count()).toBe(0);
    expect(database.inTransaction()).toBe(false);
  });

  it('does not let work left running by a finished transaction join a later one', async () => {
    let late: Promise<void> | null = null;
    await database.transaction(async () => {
      late = new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() => expect(database.inTransaction()).toBe(false));
    });
    await late;
  });

  it('runs an atomic statement after the transaction in progress, never inside it, and without a BEGIN of its own', async () => {
    let releaseFirst!: () => void;
    const first = database.transaction(async () => {
      await insert('a');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      throw new Error('rolled back');
    });
    const atomic = database.atomic(() => insert('b'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // It waits for the open transaction: run now, it would have joined it and gone with its rollback.
    expect(await count()).toBe(1);
    releaseFirst();
    await expect(first).rejects.toThrow('rolled back');
    await atomic;
    expect((await database.all<{ event_id: string }>(sql`SELECT event_id FROM seen_events`)).map((r) => r.event_id)).toEqual(['b']);
    // SQLite ran it as a transaction of its own (autocommit): none is left open.
    expect(database.sqlite.inTransaction).toBe(false);
  });

  it('joins the transaction an atomic statement is called in, and goes with its rollback', async () => {
    await expect(
      database.transaction(async () => {
        await database.atomic(() => insert('inner'));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await count()).toBe(0);
  });

  it('takes and gives back the write lock for a health check, in turn with the transactions', async () => {
    const writes = database.transaction(async () => {
      await insert('a');
    });
    await expect(database.checkWritable()).resolves.toBeUndefined();
    await writes;
    expect(database.sqlite.inTransaction).toBe(false);
  });

  it('tells each concurrent HandoffRepo transaction its own events', async () => {
    const told: WrittenEvent[][] = [];
    const repo = new HandoffRepo(database, () => [], (events) => told.push([...events]));
    const at = new Date('2026-03-02T09:00:00Z');
    const createOne = (title: string) =>
      repo.transaction(async (tx) => {
        const { handoff } = await repo.create(
          tx,
          { typeKey: 'order-to-ops', fromTeam: null, toTeam: 'ops', state: 'open', requesterId: 'U1', ownerId: 'U1', title, fields: {}, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C1' },
          { type: 'created', actorId: 'U1', at, fromState: null, toState: 'open', data: {} },
          [],
          () => [],
        );
        return handoff.id;
      });
    const ids = await Promise.all([createOne('a'), createOne('b'), createOne('c')]);
    expect(told.map((events) => events.map((e) => e.handoffId))).toEqual(ids.map((id) => [id]));
  });
});
