/**
 * Several instances on one database (issue 15): heartbeats, the takeover of a dead instance's
 * outbox leases, and job leases. The "instances" here share one Database: on SQLite, two
 * connections in one thread would block each other (better-sqlite3 waits for a lock synchronously,
 * so the holder never gets to commit); separate processes each have their own connection. On
 * Postgres, the same tests give each instance its own pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceRepo } from '../../src/db/instance-repo';
import { JobLeaseRepo } from '../../src/db/job-lease-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';
import { OutboxRepo } from '../../src/db/outbox-repo';
import type { OutboxMessage } from '../../src/domain/notifications';
import { DEFAULT_INSTANCE_TIMINGS, type InstanceTimings, OutboxDispatcher, takeoverBoundMs } from '../../src/services/outbox-dispatcher';
import { waitUntil } from '../helpers/child-bot';

let dir: string;
const open: OpenDb[] = [];
/** The database an instance uses (see above: one per process). */
const connect = () => {
  if (open.length === 0) open.push(openDb(`file:${join(dir, 'handoff.db')}`));
  return open[0];
};

/**
 * What a killed instance looks like from the database: from `die()` on, every call it makes fails
 * (its connection is gone), so it neither beats nor records anything, and it releases nothing.
 */
function mortal<T extends object>(target: T): { it: T; die(): void } {
  let dead = false;
  const it = new Proxy(target, {
    get(t, p) {
      const v = Reflect.get(t, p) as unknown;
      return typeof v === 'function' ? (...args: unknown[]) => (dead ? Promise.reject(new Error('the instance is dead')) : (v as (...a: unknown[]) => unknown).apply(t, args)) : v;
    },
  });
  return { it, die: () => (dead = true) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-instances-'));
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const clock = { now: () => new Date() };
/** Outbox rows as the repositories would queue them: `lane` null means no order to keep. */
async function queue(database: OpenDb, lanes: Array<string | null>): Promise<number[]> {
  const { outbox } = database.schema;
  return database.transaction(async (tx) => {
    const ids: number[] = [];
    for (const lane of lanes) {
      const payload = { type: 'home', userId: `U${ids.length}` };
      const [row] = await tx.insert(outbox).values({ kind: 'home', payload, lane, createdAt: new Date(), nextAttemptAt: new Date(0) }).returning({ id: outbox.id });
      ids.push(row.id);
    }
    return ids;
  });
}

const FAST: InstanceTimings = { heartbeatMs: 100, staleMs: 600, sweepMs: 100, settleMs: 300, leaseMs: 60_000 };

describe('outbox takeover between instances', () => {
  it('promises a dead instance’s entries go out within 15 s with the production timings', () => {
    expect(takeoverBoundMs(DEFAULT_INSTANCE_TIMINGS)).toBeLessThanOrEqual(15_000);
    // A lease still covers a slow Slack call with its retries; staleness leaves room for missed beats.
    expect(DEFAULT_INSTANCE_TIMINGS.staleMs).toBeGreaterThanOrEqual(3 * DEFAULT_INSTANCE_TIMINGS.heartbeatMs);
    expect(DEFAULT_INSTANCE_TIMINGS.leaseMs).toBeGreaterThan(takeoverBoundMs(DEFAULT_INSTANCE_TIMINGS));
  });

  it('sends what a dead instance held, long before its lease ends, in lane order, as a retry', async () => {
    const [dbA, dbB] = [connect(), connect()];
    const ids = await queue(dbA, ['slack:1', 'slack:1', null]);
    // A takes the heads (ids[0], ids[2]) and its Slack calls never answer: it dies mid-send.
    const held: Array<() => void> = [];
    const repoA = mortal(new OutboxRepo(dbA));
    const instancesA = mortal(new InstanceRepo(dbA));
    const a = new OutboxDispatcher({ repo: repoA.it, instances: instancesA.it, clock, logger: quiet, timings: FAST, deliver: () => new Promise<void>((resolve) => held.push(resolve)) });
    const sentByB: Array<{ id: number; retried: boolean; at: number }> = [];
    const b = new OutboxDispatcher({
      repo: new OutboxRepo(dbB),
      instances: new InstanceRepo(dbB),
      clock,
      logger: quiet,
      timings: FAST,
      deliver: async (_n: OutboxMessage, d) => {
        sentByB.push({ id: d.outboxId, retried: d.retried, at: Date.now() });
      },
    });
    await a.start();
    await waitUntil(() => held.length === 2, { what: 'A to take both lane heads', timeoutMs: 5000, intervalMs: 10 });
    await b.start();
    // While A beats, B leaves A's entries alone, and does not poll for them.
    await new Promise((r) => setTimeout(r, 3 * FAST.staleMs));
    expect(sentByB).toEqual([]);
    expect((await new OutboxRepo(dbB).nextDueAt())!.getTime()).toBeGreaterThan(Date.now() + 50_000);

    // A dies mid-send: it beats no more and records nothing, its leases stay as they were.
    const diedAt = Date.now();
    repoA.die();
    instancesA.die();
    await waitUntil(() => sentByB.length === 3, { what: 'B to send all three', timeoutMs: 15_000, intervalMs: 20 });
    expect(Math.max(...sentByB.map((s) => s.at)) - diedAt).toBeLessThan(15_000);
    // The heads A had taken are retries (looked up by outbox id before posting again); the lane kept its order.
    expect(sentByB.find((s) => s.id === ids[0])?.retried).toBe(true);
    expect(sentByB.find((s) => s.id === ids[2])?.retried).toBe(true);
    expect(sentByB.find((s) => s.id === ids[1])?.retried).toBe(false);
    expect(sentByB.findIndex((s) => s.id === ids[0])).toBeLessThan(sentByB.findIndex((s) => s.id === ids[1]));
    const pending = await dbB.all<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL`);
    expect(Number(pending[0].n)).toBe(0);

    for (const release of held) release();
    await a.stop();
    await b.stop();
  });

  it('a clean stop removes the instance’s heartbeat; a running one keeps it fresh', async () => {
    const database = connect();
    const instances = new InstanceRepo(database);
    const d = new OutboxDispatcher({ repo: new OutboxRepo(database), instances, clock, logger: quiet, timings: FAST, deliver: async () => undefined });
    await d.start();
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    expect(await instances.aliveSince(Date.now() - FAST.staleMs)).toEqual(new Set([d.owner]));
    await d.stop();
    expect(await instances.aliveSince(0)).toEqual(new Set());
  });

  it('two instances never both claim one entry', async () => {
    const [dbA, dbB] = [connect(), connect()];
    const ids = await queue(dbA, Array.from({ length: 40 }, () => null));
    const [ra, rb] = [new OutboxRepo(dbA), new OutboxRepo(dbB)];
    const now = Date.now();
    const wins = await Promise.all(ids.flatMap((id) => [ra.claim(id, now, 60_000, 'a'), rb.claim(id, now, 60_000, 'b')]));
    for (let i = 0; i < ids.length; i++) expect([wins[2 * i], wins[2 * i + 1]].filter(Boolean)).toHaveLength(1);
  });
});

describe('outbox timing across instances', () => {
  it('nextDueAt: an entry leased by another instance is due when its lease ends; listDue leaves it out', async () => {
    const database = connect();
    const repo = new OutboxRepo(database);
    const [id] = await queue(database, [null]);
    const now = Date.now();
    expect((await repo.nextDueAt())?.getTime()).toBe(0);
    expect(await repo.claim(id, now, 30_000, 'other')).toBe(true);
    expect((await repo.nextDueAt())?.getTime()).toBe(now + 30_000);
    expect(await repo.listDue(new Date(now), 10, now)).toEqual([]);
    expect((await repo.listDue(new Date(now), 10, now + 30_000)).map((e) => e.id)).toEqual([id]);
  });
});

describe('job leases', () => {
  it('one owner at a time; renewed by its owner; free once released or run out', async () => {
    const repo = new JobLeaseRepo(connect());
    const t = 1_000_000;
    expect(await repo.take('nudges', 'a', t, 1000)).toBe(true);
    expect(await repo.take('nudges', 'b', t + 10, 1000)).toBe(false);
    expect(await repo.take('digest', 'b', t + 10, 1000)).toBe(true); // another job: its own row
    expect(await repo.take('nudges', 'a', t + 500, 1000)).toBe(true); // renewal
    expect(await repo.take('nudges', 'b', t + 1200, 1000)).toBe(false); // renewed until t + 1500
    expect(await repo.holder('nudges')).toEqual({ owner: 'a', until: new Date(t + 1500) });
    expect(await repo.take('nudges', 'b', t + 1501, 1000)).toBe(true); // ran out: a died
    await repo.release('nudges', 'a'); // no longer a's: nothing happens
    expect((await repo.holder('nudges'))?.owner).toBe('b');
    await repo.release('nudges', 'b');
    expect(await repo.holder('nudges')).toBeNull();
    expect(await repo.take('nudges', 'a', t + 1600, 1000)).toBe(true);
  });

  it('instances asking at once: exactly one gets it', async () => {
    const repos = [connect(), connect(), connect()].map((d) => new JobLeaseRepo(d));
    const now = Date.now();
    const got = await Promise.all(repos.flatMap((r, i) => [r.take('digest', `i${i}`, now, 60_000), r.take('report', `i${i}`, now, 60_000)]));
    expect(got.filter((_, k) => k % 2 === 0).filter(Boolean)).toHaveLength(1);
    expect(got.filter((_, k) => k % 2 === 1).filter(Boolean)).toHaveLength(1);
  });
});
