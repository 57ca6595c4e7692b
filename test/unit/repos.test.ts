import { asc } from 'drizzle-orm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { type WrittenEvent, HandoffRepo, type HandoffPatch, type NewEvent, type NewHandoff, type TransitionBatchItem, UniqueConflict, type UniqueValue, VersionConflict } from '../../src/db/handoff-repo';
import { PostgresDatabase } from '../../src/db/postgres-database';
import type { EventType } from '../../src/domain/lifecycle';
import { openDatabase, openDb } from '../../src/db/open-db';
import { HomeRepo } from '../../src/db/home-repo';
import { OutboxRepo } from '../../src/db/outbox-repo';
import type { Notification, OutboxMessage } from '../../src/domain/notifications';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/postgres';
import { queryRaw, queryRawRow } from '../helpers/raw-sql';

/** How many migrations drizzle-kit generated for a dialect; opening must apply each exactly once. */
const journalLength = (folder: string) => (JSON.parse(readFileSync(resolve(__dirname, '../../migrations', folder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** Where a test's data lives: the same repository tests run on each. */
interface Backend {
  readonly dialect: 'sqlite' | 'postgres';
  /** Empty storage for the next test. */
  prepare(): Promise<void>;
  /** A Database on this test's storage; every call is another connection (on Postgres, another pool: a second instance). */
  connect(): Promise<Database>;
  /** Empties the storage after the first connect of a test, when prepare could not. */
  empty(database: Database): Promise<void>;
  cleanUp(): Promise<void>;
  finish(): Promise<void>;
  /** Where drizzle records the migrations it applied, and how many there are. */
  readonly migrations: { readonly table: string; readonly count: number };
  /** Lists the tables of the application's schema, in name order. */
  readonly tablesQuery: string;
}

function sqliteBackend(): Backend {
  let dir = '';
  let path = '';
  return {
    dialect: 'sqlite',
    async prepare() {
      dir = mkdtempSync(join(tmpdir(), 'handoff-repos-'));
      // A folder that does not exist yet: openDb creates it.
      path = join(dir, 'nested', 'handoff.db');
    },
    async connect() {
      return openDb(`file:${path}`);
    },
    async empty() {},
    async cleanUp() {
      rmSync(dir, { recursive: true, force: true });
    },
    async finish() {},
    migrations: { table: '__drizzle_migrations', count: journalLength('.') },
    tablesQuery: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  };
}

/**
 * One throwaway database for the file, emptied before each test: TRUNCATE … RESTART IDENTITY
 * gives every test ids from 1, as a new SQLite file does, for a fraction of a CREATE DATABASE.
 */
function postgresBackend(): Backend {
  let database: TestDatabase | null = null;
  return {
    dialect: 'postgres',
    async prepare() {
      database ??= await createTestDatabase();
    },
    async connect() {
      if (!database) throw new Error('prepare() first');
      return openDatabase(database.url);
    },
    async empty(db) {
      const tables = (await queryRaw(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((r) => `"${String(r.tablename)}"`);
      await queryRaw(db, `TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
    },
    async cleanUp() {},
    async finish() {
      await database?.drop();
      database = null;
    },
    migrations: { table: 'drizzle.__drizzle_migrations', count: journalLength('pg') },
    tablesQuery: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle') ORDER BY name",
  };
}

let backend: Backend;
let handle: Database;
let repo: HandoffRepo;
let outbox: OutboxRepo;
/** Every Database a test opened, closed after it. */
let opened: Database[] = [];

async function connect(): Promise<Database> {
  const database = await backend.connect();
  opened.push(database);
  return database;
}

async function open(): Promise<void> {
  handle = await connect();
  repo = new HandoffRepo(handle);
  outbox = new OutboxRepo(handle);
}

/** Row counts straight from the database, so the assertions don't trust the repos they test. */
async function counts(): Promise<{ handoffs: number; events: number; unique: number; outbox: number }> {
  const n = async (table: string) => (await queryRawRow(handle, `SELECT count(*) AS n FROM ${table}`))?.n as number;
  return { handoffs: await n('handoffs'), events: await n('events'), unique: await n('unique_values'), outbox: await n('outbox') };
}

async function uniqueRows(): Promise<Array<{ type_key: string; field_key: string; value: string; handoff_id: number }>> {
  return (await queryRaw(handle, 'SELECT type_key, field_key, value, handoff_id FROM unique_values ORDER BY handoff_id, field_key')) as never;
}

function newHandoff(overrides: Partial<NewHandoff> = {}): NewHandoff {
  return {
    typeKey: 'order-to-ops',
    fromTeam: 'sales',
    toTeam: 'ops',
    state: 'open',
    requesterId: 'U0REQ',
    ownerId: 'U0REQ',
    title: 'New order to Operations: SO-1',
    fields: { order_id: 'SO-1', customer: 'ACME' },
    createdAt: T0,
    updatedAt: T0,
    queuedAt: T0,
    acceptDueAt: at(240),
    channelId: 'C0OPS',
    ...overrides,
  };
}

const created = (when = T0): NewEvent => ({ type: 'created', actorId: 'U0REQ', at: when, fromState: null, toState: 'open', data: {} });
const standardNotify = (handoffId: number, eventId: number): Notification[] => [
  { type: 'post', handoffId },
  { type: 'dm', handoffId, eventId, userId: 'U0REQ' },
];

/** `via`: the repository of another Database object (another instance) instead of the test's. */
async function create(opts: { unique?: UniqueValue[]; row?: Partial<NewHandoff>; when?: Date; via?: HandoffRepo } = {}) {
  const on = opts.via ?? repo;
  return await on.transaction(async (tx) => await on.create(tx, newHandoff(opts.row), created(opts.when), opts.unique ?? [], standardNotify));
}

const accept = (id: number, version: number, opts: { release?: boolean; unique?: UniqueValue[]; via?: HandoffRepo; ownerId?: string } = {}) => {
  const on = opts.via ?? repo;
  const ownerId = opts.ownerId ?? 'U0OPS1';
  return on.transaction(async (tx) =>
    await on.applyTransition(
      tx,
      id,
      version,
      { state: 'accepted', ownerId, acceptedAt: at(5), updatedAt: at(5) },
      { type: 'accepted', actorId: ownerId, at: at(5), fromState: 'open', toState: 'accepted', data: {} },
      { release: opts.release, unique: opts.unique, notify: (eventId) => [{ type: 'thread', handoffId: id, eventId }] },
    ),
  );
};

const ORDER_1: UniqueValue[] = [{ fieldKey: 'order_id', value: 'so-1' }];

// The repositories run on both databases: the same tests, the same assertions.
describe('on SQLite', () => describeRepositories(sqliteBackend()));
describeWithPostgres('on Postgres', () => describeRepositories(postgresBackend()));

function describeRepositories(target: Backend): void {
  beforeEach(async () => {
    backend = target;
    opened = [];
    await backend.prepare();
    await open();
    await backend.empty(handle);
  });

  afterEach(async () => {
    for (const database of opened) await database.close();
    await backend.cleanUp();
  });

  afterAll(async () => {
    await target.finish();
  });

  describe('HandoffRepo.create', () => {
    it('writes the handoff, its first event, unique values and outbox rows in one transaction', async () => {
      const { handoff, eventId } = await create({ unique: ORDER_1 });
      expect(handoff).toMatchObject({ id: 1, version: 1, state: 'open', ownerId: 'U0REQ', fields: { order_id: 'SO-1', customer: 'ACME' }, completion: null, createdAt: T0 });
      expect(await counts()).toEqual({ handoffs: 1, events: 1, unique: 1, outbox: 2 });
      expect(await repo.findById(handoff.id)).toEqual(handoff);
      expect(await repo.findById(999)).toBeNull();
      expect(await repo.listEvents(handoff.id)).toEqual([{ id: eventId, handoffId: 1, type: 'created', actorId: 'U0REQ', at: T0, fromState: null, toState: 'open', data: {} }]);
      expect(await uniqueRows()).toEqual([{ type_key: 'order-to-ops', field_key: 'order_id', value: 'so-1', handoff_id: 1 }]);
      expect((await repo.findUniqueHolder('order-to-ops', 'order_id', 'so-1'))?.id).toBe(1);
      expect(await repo.findUniqueHolder('other-type', 'order_id', 'so-1')).toBeNull();
      // The DM waits behind the post of the same handoff.
      expect(await outbox.listDue(T0, 10)).toEqual([{ id: 1, handoffId: 1, notification: { type: 'post', handoffId: 1 }, lane: 'slack:1', attempts: 0, claims: 0 }]);
      await outbox.markSent(1, T0);
      expect(await outbox.listDue(T0, 10)).toEqual([{ id: 2, handoffId: 1, notification: { type: 'dm', handoffId: 1, eventId, userId: 'U0REQ' }, lane: 'slack:1', attempts: 0, claims: 0 }]);
    });

    it('rolls everything back when the surrounding transaction fails after create', async () => {
      await expect(
        repo.transaction(async (tx) => {
          await repo.create(tx, newHandoff(), created(), ORDER_1, standardNotify);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await counts()).toEqual({ handoffs: 0, events: 0, unique: 0, outbox: 0 });
    });

    it('finds a handoff by its submission key', async () => {
      const { handoff } = await create({ row: { submissionKey: 'V123' } });
      expect((await repo.findBySubmissionKey('V123'))?.id).toBe(handoff.id);
      expect(await repo.findBySubmissionKey('V999')).toBeNull();
    });
  });

  describe('HandoffRepo.applyTransition', () => {
    it('applies the patch, bumps the version and writes the event and notifications', async () => {
      const { handoff } = await create();
      const { handoff: after, eventId } = await accept(handoff.id, 1);
      expect(after).toMatchObject({ id: handoff.id, state: 'accepted', ownerId: 'U0OPS1', version: 2, acceptedAt: at(5), updatedAt: at(5), createdAt: T0 });
      expect(await repo.findById(handoff.id)).toEqual(after);
      expect((await repo.listEvents(handoff.id)).map((e) => [e.type, e.fromState, e.toState])).toEqual([
        ['created', null, 'open'],
        ['accepted', 'open', 'accepted'],
      ]);
      expect((await repo.findEvent(eventId))?.type).toBe('accepted');
      expect(await repo.findEvent(9999)).toBeNull();
      expect(await counts()).toEqual({ handoffs: 1, events: 2, unique: 0, outbox: 3 });
    });

    it('writes null as SQL NULL, JSON and timestamp columns alike, and keeps writes of different columns apart (prepared per shape)', async () => {
      const { handoff } = await create({ row: { completion: { note: 'x' } } });
      // completion_is_null tells SQL NULL from a JSON null, which reads back as null too.
      const raw = async () =>
        await queryRawRow(handle, 'SELECT owner_id, accepted_at, completion, completion IS NULL AS completion_is_null, snoozed_until, state FROM handoffs WHERE id = $1', [handoff.id], {
          json: ['completion'],
          bool: ['completion_is_null'],
        });
      expect(await raw()).toMatchObject({ completion: { note: 'x' }, completion_is_null: false, accepted_at: null });
      await accept(handoff.id, 1);
      // Same columns as the accept, other values: the statement is reused with these.
      const cleared = await repo.transaction(async (tx) =>
        await repo.applyTransition(
          tx,
          handoff.id,
          2,
          { state: 'open', ownerId: 'U0REQ', acceptedAt: null, completion: null, snoozedUntil: null, updatedAt: at(7) },
          { type: 'released', actorId: 'U0OPS1', at: at(7), fromState: 'accepted', toState: 'open', data: {} },
          { notify: () => [] },
        ),
      );
      expect(cleared.handoff).toMatchObject({ version: 3, state: 'open', ownerId: 'U0REQ', acceptedAt: null, completion: null, snoozedUntil: null, updatedAt: at(7) });
      expect(await raw()).toEqual({ owner_id: 'U0REQ', accepted_at: null, completion: null, completion_is_null: true, snoozed_until: null, state: 'open' });
      const again = await accept(handoff.id, 3);
      expect(again.handoff).toMatchObject({ version: 4, state: 'accepted', ownerId: 'U0OPS1', acceptedAt: at(5) });
      // A second handoff written with fewer columns gets its defaults, not the first one's values.
      const { handoff: plain } = await create({ row: { completion: undefined } });
      expect(plain).toMatchObject({ completion: null, version: 1 });
    });

    it('throws VersionConflict on a stale version and changes nothing', async () => {
      const { handoff } = await create({ unique: ORDER_1 });
      await accept(handoff.id, 1);
      const before = { row: await repo.findById(handoff.id), counts: await counts(), unique: await uniqueRows(), events: await repo.listEvents(handoff.id) };

      let thrown: unknown;
      try {
        await repo.transaction(async (tx) =>
          await repo.applyTransition(
            tx,
            handoff.id,
            1, // stale: the accept made it 2
            { state: 'returned', ownerId: 'U0REQ', updatedAt: at(9) },
            { type: 'rejected', actorId: 'U0OPS2', at: at(9), fromState: 'open', toState: 'returned', data: { reason: 'x' } },
            { release: true, notify: (eventId) => [{ type: 'thread', handoffId: handoff.id, eventId }] },
          ),
        );
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(VersionConflict);
      expect((thrown as VersionConflict).handoffId).toBe(handoff.id);
      expect(await repo.findById(handoff.id)).toEqual(before.row);
      expect((await repo.findById(handoff.id))?.state).toBe('accepted');
      expect((await repo.findById(handoff.id))?.version).toBe(2);
      expect(await counts()).toEqual(before.counts);
      expect(await uniqueRows()).toEqual(before.unique);
      expect(await repo.listEvents(handoff.id)).toEqual(before.events);
    });

    it('throws VersionConflict for a handoff that does not exist', async () => {
      await expect(accept(42, 1)).rejects.toThrow(VersionConflict);
      expect(await counts()).toEqual({ handoffs: 0, events: 0, unique: 0, outbox: 0 });
    });

    it('lets exactly one of two transitions from the same version win', async () => {
      const { handoff } = await create();
      await accept(handoff.id, 1);
      await expect(accept(handoff.id, 1)).rejects.toThrow(VersionConflict);
      expect((await repo.listEvents(handoff.id)).filter((e) => e.type === 'accepted')).toHaveLength(1);
    });

    it('replaces unique values when given new ones', async () => {
      const { handoff } = await create({ unique: ORDER_1 });
      await accept(handoff.id, 1, { unique: [{ fieldKey: 'order_id', value: 'so-2' }] });
      expect(await uniqueRows()).toEqual([{ type_key: 'order-to-ops', field_key: 'order_id', value: 'so-2', handoff_id: 1 }]);
      // The old value is free again.
      await create({ unique: ORDER_1, row: { title: 'second' } });
      expect((await uniqueRows()).map((r) => [r.value, r.handoff_id])).toEqual([
        ['so-2', 1],
        ['so-1', 2],
      ]);
    });
  });

  describe('unique values', () => {
    it('a value held by an open handoff makes a second create throw UniqueConflict and roll back completely', async () => {
      const first = await create({ unique: ORDER_1 });
      const before = await counts();
      let thrown: unknown;
      try {
        await create({ unique: ORDER_1, row: { title: 'duplicate', submissionKey: 'V2' } });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UniqueConflict);
      expect((thrown as UniqueConflict).fieldKey).toBe('order_id');
      expect((thrown as UniqueConflict).handoffId).toBe(first.handoff.id);
      expect(await counts()).toEqual(before);
      expect(await counts()).toEqual({ handoffs: 1, events: 1, unique: 1, outbox: 2 });
      expect(await repo.findBySubmissionKey('V2')).toBeNull();
      expect(await repo.findById(2)).toBeNull();
      // Only handoff 1 has events and outbox rows: nothing of the refused create was left behind.
      expect(await queryRaw(handle, 'SELECT count(*) AS n FROM events WHERE handoff_id <> $1', [first.handoff.id])).toEqual([{ n: 0 }]);
      expect(await queryRaw(handle, 'SELECT count(*) AS n FROM outbox WHERE handoff_id <> $1', [first.handoff.id])).toEqual([{ n: 0 }]);
      expect(await uniqueRows()).toEqual([{ type_key: 'order-to-ops', field_key: 'order_id', value: 'so-1', handoff_id: 1 }]);
    });

    it('is scoped per type and per field', async () => {
      await create({ unique: ORDER_1 });
      await create({ unique: ORDER_1, row: { typeKey: 'ops-to-fulfilment' } });
      await create({ unique: [{ fieldKey: 'other', value: 'so-1' }] });
      expect((await counts()).handoffs).toBe(3);
      expect((await counts()).unique).toBe(3);
    });

    it('releasing unique values on close lets a new handoff reuse the value', async () => {
      const { handoff } = await create({ unique: ORDER_1 });
      await expect(create({ unique: ORDER_1 })).rejects.toThrow(UniqueConflict);
      await repo.transaction(async (tx) =>
        await repo.applyTransition(
          tx,
          handoff.id,
          1,
          { state: 'cancelled', closedAt: at(10), updatedAt: at(10) },
          { type: 'cancelled', actorId: 'U0REQ', at: at(10), fromState: 'open', toState: 'cancelled', data: {} },
          { release: true, notify: () => [] },
        ),
      );
      expect(await uniqueRows()).toEqual([]);
      expect(await repo.findUniqueHolder('order-to-ops', 'order_id', 'so-1')).toBeNull();
      const second = await create({ unique: ORDER_1, when: at(11) });
      // On Postgres the refused create above used up id 2: a sequence does not roll back (SQLite reuses the id).
      expect(second.handoff.id).toBe(target.dialect === 'sqlite' ? 2 : 3);
      expect((await repo.findUniqueHolder('order-to-ops', 'order_id', 'so-1'))?.id).toBe(second.handoff.id);
      // The cancelled one's history is intact.
      expect((await repo.listEvents(handoff.id)).map((e) => e.type)).toEqual(['created', 'cancelled']);
      expect((await repo.findById(handoff.id))?.state).toBe('cancelled');
    });

    it('lists handoffs by state in id order', async () => {
      await create();
      const b = (await create()).handoff;
      await create();
      await accept(b.id, 1);
      expect((await repo.listByState(['open'])).map((h) => h.id)).toEqual([1, 3]);
      expect((await repo.listByState(['accepted', 'open'])).map((h) => h.id)).toEqual([1, 2, 3]);
      expect(await repo.listByState(['done'])).toEqual([]);
    });
  });

  describe('OutboxRepo', () => {
    /** Two handoffs, interleaved: ids 1,2 belong to handoff 1; 3,4 to handoff 2; then 5 to handoff 1. */
    async function seed() {
      const a = (await create()).handoff;
      const b = (await create()).handoff;
      await accept(a.id, 1);
      return { a, b };
    }

    it('lists due entries in id order, up to the limit', async () => {
      await seed();
      // Only the first entry of each handoff is due: later ones wait for the earlier unsent ones.
      expect((await outbox.listDue(at(10), 10)).map((e) => [e.id, e.handoffId, e.notification.type])).toEqual([
        [1, 1, 'post'],
        [3, 2, 'post'],
      ]);
      expect((await outbox.listDue(at(10), 1)).map((e) => e.id)).toEqual([1]);
      // Nothing is due before it was enqueued.
      expect(await outbox.listDue(new Date(T0.getTime() - 1), 10)).toEqual([]);
    });

    it('releases the next entry of a handoff once the earlier one is sent', async () => {
      await seed();
      await outbox.markSent(1, at(10));
      expect((await outbox.listDue(at(10), 10)).map((e) => e.id)).toEqual([2, 3]);
      await outbox.markSent(2, at(10));
      await outbox.markSent(3, at(10));
      expect((await outbox.listDue(at(10), 10)).map((e) => e.id)).toEqual([4, 5]);
    });

    it('skips later entries of a handoff whose earlier entry failed and is not yet due', async () => {
      await seed();
      await outbox.markFailed(1, 'slack_down', at(60));
      // Handoff 1 is blocked entirely (1 is not due, 2 and 5 wait behind it); handoff 2 goes on.
      expect((await outbox.listDue(at(10), 10)).map((e) => e.id)).toEqual([3]);
      await outbox.markSent(3, at(11));
      expect((await outbox.listDue(at(11), 10)).map((e) => e.id)).toEqual([4]);
      // Once the retry time comes, handoff 1 resumes in order.
      expect((await outbox.listDue(at(60), 10)).map((e) => e.id)).toEqual([1, 4]);
      expect((await outbox.listDue(at(60), 10))[0].attempts).toBe(1);
    });

    it('markFailed counts attempts, keeps a bounded error and reschedules', async () => {
      await seed();
      await outbox.markFailed(3, 'ratelimited', at(5));
      await outbox.markFailed(3, 'x'.repeat(2000), at(30));
      const row = await queryRawRow(handle, 'SELECT attempts, last_error, next_attempt_at, sent_at FROM outbox WHERE id = $1', [3]);
      expect(row).toEqual({ attempts: 2, last_error: 'x'.repeat(500), next_attempt_at: at(30).getTime(), sent_at: null });
      expect(await outbox.nextDueAt()).toEqual(T0);
    });

    it('markSent records the time, clears the error and takes the entry out of the backlog', async () => {
      await seed();
      expect(await outbox.backlog()).toEqual({ pending: 5, oldest: T0 });
      await outbox.markFailed(1, 'oops', at(1));
      await outbox.markSent(1, at(2));
      const row = await queryRawRow(handle, 'SELECT sent_at, last_error, attempts FROM outbox WHERE id = $1', [1]);
      expect(row).toEqual({ sent_at: at(2).getTime(), last_error: null, attempts: 1 });
      expect(await outbox.backlog()).toEqual({ pending: 4, oldest: T0 });
      for (const id of [2, 3, 4]) await outbox.markSent(id, at(3));
      expect(await outbox.backlog()).toEqual({ pending: 1, oldest: at(5) });
      expect(await outbox.nextDueAt()).toEqual(at(5));
      await outbox.markSent(5, at(6));
      expect(await outbox.backlog()).toEqual({ pending: 0, oldest: null });
      expect(await outbox.nextDueAt()).toBeNull();
      expect(await outbox.listDue(at(100), 10)).toEqual([]);
      // Sent rows stay as a record.
      expect((await counts()).outbox).toBe(5);
    });

    it('does not hold back entries without a lane', async () => {
      const { a } = await seed();
      await repo.transaction(async (tx) =>
        await repo.enqueue(
          tx,
          [
            { type: 'next_needed', handoffId: a.id, userId: 'U0OPS1', typeKey: 'ops-to-fulfilment' },
            { type: 'post', handoffId: a.id },
          ],
          at(20),
        ),
      );
      await queryRaw(handle, 'UPDATE outbox SET handoff_id = NULL, lane = NULL WHERE id = $1', [6]);
      expect((await outbox.listDue(at(20), 10)).map((e) => e.id)).toEqual([1, 3, 6]);
    });
  });

  describe('HomeRepo.queueRefresh', () => {
    const waitingRefreshes = async () => (await queryRaw(handle, "SELECT id, lane, payload, next_attempt_at FROM outbox WHERE kind = 'home' ORDER BY id")) as Array<Record<string, unknown>>;
    const payloadOf = (row: Record<string, unknown>) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as unknown;

    it('queues one refresh per person who opened Home, in their own lane, and none while one waits; a taken one does not count', async () => {
      const homes = new HomeRepo(handle);
      await homes.recordOpened('U0OPS1', T0);
      await homes.recordOpened('U0OPS2', T0);
      const queue = (people: string[], when: number) => repo.transaction(async (tx) => await homes.queueRefresh(tx, people, at(when), at(when + 1)));

      // U0NOBODY never opened Home; U0OPS1 is named twice.
      await queue(['U0OPS2', 'U0NOBODY', 'U0OPS1', 'U0OPS1'], 0);
      const first = await waitingRefreshes();
      expect(first.map((r) => [r.lane, payloadOf(r), Number(r.next_attempt_at)])).toEqual([
        ['home:U0OPS1', { type: 'home', userId: 'U0OPS1' }, at(1).getTime()],
        ['home:U0OPS2', { type: 'home', userId: 'U0OPS2' }, at(1).getTime()],
      ]);
      // A burst of changes within the delay: still one refresh each.
      await queue(['U0OPS1', 'U0OPS2'], 0.5);
      expect(await waitingRefreshes()).toHaveLength(2);
      // A dispatcher took U0OPS1's and may have rendered before the next change: that change queues another.
      expect(await outbox.claim(Number(first[0].id), at(2).getTime(), 60_000, 'host:1:a:1')).toBe(true);
      await queue(['U0OPS1', 'U0OPS2'], 2);
      expect((await waitingRefreshes()).map((r) => r.lane)).toEqual(['home:U0OPS1', 'home:U0OPS2', 'home:U0OPS1']);
      // Nobody, or nobody who uses Home: nothing.
      await queue([], 3);
      await queue(['U0NOBODY'], 3);
      expect(await waitingRefreshes()).toHaveLength(3);
    });

    it('reads the viewers of a large audience in chunks and misses none', async () => {
      const homes = new HomeRepo(handle);
      const people = Array.from({ length: 120 }, (_, i) => `U${String(i).padStart(4, '0')}`);
      for (const userId of people.filter((_, i) => i % 3 === 0)) await homes.recordOpened(userId, T0);
      await repo.transaction(async (tx) => await homes.queueRefresh(tx, people, T0, at(1)));
      expect((await waitingRefreshes()).map((r) => r.lane)).toEqual(people.filter((_, i) => i % 3 === 0).map((u) => `home:${u}`));
    });
  });

  describe('opening the database', () => {
    it('applies the real migrations', async () => {
      const tables = (await queryRaw(handle, backend.tablesQuery)).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['__drizzle_migrations', 'events', 'handoffs', 'outbox', 'unique_values']));
      expect(await queryRaw(handle, `SELECT count(*) AS n FROM ${backend.migrations.table}`)).toEqual([{ n: backend.migrations.count }]);
    });

    if (target.dialect === 'sqlite') {
      it('creates the folder and runs in WAL mode with foreign keys on', async () => {
        const sqlite = (handle as ReturnType<typeof openDb>).sqlite;
        expect(sqlite.name).toMatch(/[/\\]nested[/\\]handoff\.db$/);
        expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      });
    }

    it('reopening the same database keeps all data and applies migrations only once', async () => {
      const migrations = async () => await queryRaw(handle, `SELECT hash, created_at FROM ${backend.migrations.table} ORDER BY id`);
      const { handoff } = await create({ unique: ORDER_1 });
      await accept(handoff.id, 1);
      await outbox.markSent(1, at(6));
      const before = { row: await repo.findById(handoff.id), events: await repo.listEvents(handoff.id), counts: await counts(), unique: await uniqueRows(), backlog: await outbox.backlog() };
      const migrationsBefore = await migrations();
      expect(migrationsBefore).toHaveLength(backend.migrations.count);

      await handle.close();
      await handle.close(); // closing twice is harmless
      await open();
      expect(await repo.findById(handoff.id)).toEqual(before.row);
      expect(await repo.listEvents(handoff.id)).toEqual(before.events);
      expect(await counts()).toEqual(before.counts);
      expect(await uniqueRows()).toEqual(before.unique);
      expect(await outbox.backlog()).toEqual(before.backlog);
      expect(await migrations()).toEqual(migrationsBefore);
      // The unique claim survived too.
      await expect(create({ unique: ORDER_1 })).rejects.toThrow(UniqueConflict);

      // A third open is just as idempotent.
      await handle.close();
      await open();
      expect(await migrations()).toEqual(migrationsBefore);
      expect(await counts()).toEqual(before.counts);
    });

    it('enforces foreign keys from events to handoffs', async () => {
      await expect(queryRaw(handle, "INSERT INTO events (handoff_id, type, actor_id, at, to_state) VALUES ($1, 'created', 'U1', 0, 'open')", [999])).rejects.toThrow(/foreign key constraint/i);
      expect((await counts()).events).toBe(0);
    });
  });

  describe('one transaction per change', () => {
    it('tells onCommitted the events of a change once it has committed, and nothing of one rolled back', async () => {
      const told: Array<readonly WrittenEvent[]> = [];
      const watched = new HandoffRepo(handle, () => [], (events) => told.push(events));
      const id = await watched.transaction(async (tx) => (await watched.create(tx, newHandoff({ title: 'kept' }), created(), [], standardNotify)).handoff.id);
      expect(told).toEqual([[expect.objectContaining({ handoffId: id, type: 'created', fromState: null, toState: 'open' })]]);
      // Committed before the call returned: another connection sees it.
      const reader = await connect();
      expect(await queryRaw(reader, 'SELECT count(*) AS n FROM handoffs')).toEqual([{ n: 1 }]);
      await expect(
        watched.transaction(async (tx) => {
          await watched.create(tx, newHandoff({ title: 'rolled back' }), created(), [], standardNotify);
          throw new Error('refused after the write');
        }),
      ).rejects.toThrow('refused after the write');
      expect(told).toHaveLength(1);
      expect(await counts()).toMatchObject({ handoffs: 1, events: 1 });
      expect(await queryRaw(reader, 'SELECT count(*) AS n FROM handoffs')).toEqual([{ n: 1 }]);
    });
  });

  // Two bot instances share one Postgres database; SQLite has one writer process, and two
  // connections of one process would block each other's event loop on the file lock.
  if (target.dialect === 'postgres') {
    describe('two instances on one database', () => {
      it('lets exactly one of ten concurrent transitions from the same version win', async () => {
        const other = new HandoffRepo(await connect());
        const { handoff } = await create({ unique: ORDER_1 });
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => accept(handoff.id, 1, { via: i % 2 === 0 ? repo : other, ownerId: `U0OPS${i}` })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const r of lost) expect(r.reason).toBeInstanceOf(VersionConflict);
        const winner = won[0].value.handoff;
        expect(winner).toMatchObject({ version: 2, state: 'accepted' });
        expect(await queryRaw(handle, 'SELECT owner_id, version, state FROM handoffs')).toEqual([{ owner_id: winner.ownerId, version: 2, state: 'accepted' }]);
        expect((await repo.listEvents(handoff.id)).map((e) => [e.type, e.actorId])).toEqual([
          ['created', 'U0REQ'],
          ['accepted', winner.ownerId],
        ]);
        // The create's post and DM, and one thread reply: nothing of the losers.
        expect(await counts()).toEqual({ handoffs: 1, events: 2, unique: 1, outbox: 3 });
      });

      it('serialises a read-check-then-write: the losers run again, see the winner and refuse', async () => {
        const other = new HandoffRepo(await connect());
        const { handoff } = await create();
        // As a service does: read the handoff, check its state, write from the version it read.
        const acceptIfOpen = (on: HandoffRepo, ownerId: string) =>
          on.transaction(async (tx) => {
            const current = await on.findById(handoff.id);
            if (current?.state !== 'open') throw new Error(`already ${current?.state}`);
            return await on.applyTransition(
              tx,
              handoff.id,
              current.version,
              { state: 'accepted', ownerId, acceptedAt: at(5), updatedAt: at(5) },
              { type: 'accepted', actorId: ownerId, at: at(5), fromState: 'open', toState: 'accepted', data: {} },
              { notify: () => [] },
            );
          });
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => acceptIfOpen(i % 2 === 0 ? repo : other, `U0OPS${i}`)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        // SERIALIZABLE: a loser that read before the winner committed is aborted (40001) and run again, so it reads the accepted state.
        expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual(Array(9).fill('Error: already accepted'));
        expect((await repo.listEvents(handoff.id)).map((e) => e.type)).toEqual(['created', 'accepted']);
      });

      it('lets exactly one of many concurrent claims of an entry win, with no transaction around the compare-and-set', async () => {
        const other = new OutboxRepo(await connect());
        await create();
        for (let round = 1; round <= 5; round++) {
          // The lease of the round before has run out: the entry is free again.
          const wall = at(round * 10).getTime();
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? outbox : other).claim(1, wall, 60_000, `host:${i}:b:1`)));
          expect(results.filter(Boolean), `round ${round}`).toHaveLength(1);
        }
        expect(await queryRawRow(handle, 'SELECT claims FROM outbox WHERE id = 1')).toEqual({ claims: 5 });
      });

      it('queues one Home refresh when two instances change handoffs of one viewer at once', async () => {
        const homes = [new HomeRepo(handle), new HomeRepo(await connect())];
        const repos = [repo, new HandoffRepo(opened.at(-1) as Database)];
        await homes[0].recordOpened('U0OPS1', T0);
        for (let round = 1; round <= 5; round++) {
          // Each change writes outbox rows of its own too, as a real one does: the read of the Home lane must still see the other's refresh.
          await Promise.all(
            [0, 1].map((i) =>
              repos[i].transaction(async (tx) => {
                await repos[i].create(tx, newHandoff({ title: `${round}-${i}` }), created(), [], standardNotify);
                await homes[i].queueRefresh(tx, ['U0OPS1'], at(round), at(round + 1));
              }),
            ),
          );
          const waiting = await queryRaw(handle, "SELECT id FROM outbox WHERE kind = 'home' AND sent_at IS NULL AND lease_until IS NULL");
          expect(waiting, `round ${round}`).toHaveLength(1);
          await outbox.markSent(Number(waiting[0].id), at(round));
        }
      });

      it('lets exactly one of two concurrent creates claim a unique value', async () => {
        const other = new HandoffRepo(await connect());
        const winners: number[] = [];
        // Several rounds: which side wins, and where they interleave, varies.
        for (let round = 1; round <= 5; round++) {
          const unique = [{ fieldKey: 'order_id', value: `so-${round}` }];
          const results = await Promise.allSettled([create({ unique, row: { title: `A${round}` } }), create({ unique, row: { title: `B${round}` }, via: other })]);
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected');
          expect(won, `round ${round}`).toHaveLength(1);
          expect(lost[0]?.reason, `round ${round}`).toBeInstanceOf(UniqueConflict);
          expect((lost[0].reason as UniqueConflict).handoffId).toBe(won[0].value.handoff.id);
          winners.push(won[0].value.handoff.id);
        }
        expect(await counts()).toEqual({ handoffs: 5, events: 5, unique: 5, outbox: 10 });
        expect((await uniqueRows()).map((r) => [r.value, r.handoff_id])).toEqual(winners.map((id, i) => [`so-${i + 1}`, id]));
      });
    });
  }
}

describe('HandoffRepo.applyTransitions', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'handoff-batch-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // 256 + 64 + 16 + 4 + 4 + 1 + 1: every block size of its multi-row statements, and a first row with nulls.
  const N = 346;
  const webhooks = (handoffId: number, eventId: number, type: EventType): OutboxMessage[] =>
    type === 'offered' ? [{ type: 'webhook', handoffId, eventId, url: 'https://hooks.example/h' }] : [];
  const batch = (ids: readonly number[]): TransitionBatchItem[] =>
    ids.map((id, k) => {
      const queued = k % 3 === 0;
      const patch: HandoffPatch = queued
        ? { offeredTo: null, offerExpiresAt: null, offersExhaustedAt: at(30) }
        : { offeredTo: `U0OPS${k}`, offerExpiresAt: at(60 + k), offersExhaustedAt: null };
      const events: NewEvent[] = [
        { type: 'offer_expired', actorId: 'handoff', at: at(30), fromState: 'open', toState: 'open', data: { offeredTo: 'U0OPS0' } },
        queued
          ? { type: 'offers_exhausted', actorId: 'handoff', at: at(30), fromState: 'open', toState: 'open', data: {} }
          : { type: 'offered', actorId: 'handoff', at: at(30), fromState: 'open', toState: 'open', data: { to: `U0OPS${k}`, until: at(60 + k).toISOString() } },
      ];
      return { id, expectedVersion: 1, patch, events, notify: (eventIds) => [{ type: 'post', handoffId: id }, { type: 'dm', handoffId: id, eventId: eventIds[1], userId: 'U0LEAD' }] };
    });
  /** A database of its own with N open handoffs; its repo adds a webhook delivery per offer and records what it logs. */
  async function seeded(db: Database, close: () => Promise<void>) {
    const logged: WrittenEvent[] = [];
    const r = new HandoffRepo(db, webhooks, (written) => logged.push(...written));
    const ids: number[] = [];
    await r.transaction(async (tx) => {
      for (let i = 0; i < N; i++) ids.push((await r.create(tx, newHandoff({ title: `#${i}` }), created(), [], () => [])).handoff.id);
    });
    logged.length = 0;
    // Through the Database itself, so the same dump reads either dialect.
    const dump = async () => {
      const { handoffs, events, outbox } = db.schema;
      return [await db.db.select().from(handoffs).orderBy(asc(handoffs.id)), await db.db.select().from(events).orderBy(asc(events.id)), await db.db.select().from(outbox).orderBy(asc(outbox.id))];
    };
    return { r, ids, logged, dump, close };
  }

  /** The same change one applyTransition after another in `one`, and in one applyTransitions in `all`. */
  async function expectSameAsOneByOne(one: Awaited<ReturnType<typeof seeded>>, all: Awaited<ReturnType<typeof seeded>>): Promise<void> {
    await one.r.transaction(async (tx) => {
      for (const c of batch(one.ids)) {
        const first = await one.r.applyTransition(tx, c.id, c.expectedVersion, c.patch, c.events[0], { notify: () => [] });
        await one.r.applyTransition(tx, c.id, c.expectedVersion + 1, c.patch, c.events[1], { notify: (eventId) => c.notify([first.eventId, eventId]) });
      }
    });
    await all.r.transaction((tx) => all.r.applyTransitions(tx, batch(all.ids)));
    expect(await all.dump()).toEqual(await one.dump());
    expect(all.logged).toEqual(one.logged);
    expect(all.logged).toHaveLength(2 * N);
    expect(await all.r.findById(all.ids[1])).toMatchObject({ version: 3, offeredTo: 'U0OPS1', offerExpiresAt: at(61), offersExhaustedAt: null });
    expect(await all.r.findById(all.ids[0])).toMatchObject({ version: 3, offeredTo: null, offerExpiresAt: null, offersExhaustedAt: at(30) });
  }

  const sqlite = async (name: string) => {
    const db = openDb(`file:${join(dir, `${name}.db`)}`);
    return seeded(db, () => db.close());
  };

  it('writes what one applyTransition after another writes: rows, versions, event ids, outbox order, webhooks and logged events', async () => {
    const one = await sqlite('one-by-one');
    const all = await sqlite('batched');
    try {
      await expectSameAsOneByOne(one, all);
    } finally {
      await one.close();
      await all.close();
    }
  });

  it('throws VersionConflict naming the handoff that changed, and the transaction writes nothing', async () => {
    const s = await sqlite('stale');
    try {
      const before = await s.dump();
      const items = batch(s.ids).map((c, k) => (k === 330 ? { ...c, expectedVersion: 2 } : c));
      const failed = s.r.transaction((tx) => s.r.applyTransitions(tx, items));
      await expect(failed).rejects.toThrow(VersionConflict);
      await expect(failed).rejects.toMatchObject({ handoffId: s.ids[330] });
      expect(await s.dump()).toEqual(before);
      expect(s.logged).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('refuses a batch whose items set different columns, or name a handoff twice, and writes nothing', async () => {
    const s = await sqlite('shapes');
    try {
      const before = await s.dump();
      const items = batch(s.ids);
      // An item that leaves offersExhaustedAt out, and one that sets another column on top.
      const fewer = items.map((c, k) => (k === 40 ? { ...c, patch: { offeredTo: 'U0OPS9', offerExpiresAt: at(99) } } : c));
      await expect(s.r.transaction((tx) => s.r.applyTransitions(tx, fewer))).rejects.toThrow(
        'every item must set the same columns (offerExpiresAt,offeredTo,offersExhaustedAt), not offerExpiresAt,offeredTo',
      );
      const more = items.map((c, k) => (k === 41 ? { ...c, patch: { ...c.patch, updatedAt: at(30) } } : c));
      await expect(s.r.transaction((tx) => s.r.applyTransitions(tx, more))).rejects.toThrow('not offerExpiresAt,offeredTo,offersExhaustedAt,updatedAt');
      await expect(s.r.transaction((tx) => s.r.applyTransitions(tx, [...items, items[3]]))).rejects.toThrow('a handoff appears twice in one batch');
      expect(await s.dump()).toEqual(before);
      expect(s.logged).toEqual([]);
    } finally {
      await s.close();
    }
  });

  describeWithPostgres('on Postgres', () => {
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const d of databases) await d.drop();
    });
    const postgres = async () => {
      const test = await createTestDatabase();
      databases.push(test);
      const db = await PostgresDatabase.open(test.url, { max: 2 });
      return seeded(db, () => db.close());
    };

    it('writes the same as one applyTransition after another there too (UPDATE … FROM VALUES typed by its first row)', async () => {
      const one = await postgres();
      const all = await postgres();
      try {
        await expectSameAsOneByOne(one, all);
      } finally {
        await one.close();
        await all.close();
      }
    });
  });
});
