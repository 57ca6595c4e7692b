/**
 * Postgres query plans of the outbox claim path and the nudge scan over 100,000 handoffs (issue 15),
 * `npm run bench -- pgplans`.
 *
 * The data is the stall bench's (test/bench/seed.ts: 100,000 handoffs over 90 days, their events,
 * 5,000 due for a nudge) plus an outbox as a running bot leaves it: every handoff's channel post and
 * thread reply sent, digests sent, and a few hundred entries pending (due, queued behind their lane's
 * head, failing with a later retry, leased by another instance), and 2,000 people who opened the App
 * Home with a refresh waiting for 200 of them. It is seeded into a SQLite file and
 * moved to a fresh Postgres database with `handoff db copy`'s copyDatabase, then ANALYZEd.
 *
 * The SQL is what the real repositories send (OutboxRepo.listDue and claim as the dispatcher calls
 * them, StallRepo.dueForNudge as runNudges pages through it, HomeRepo.queueRefresh as every change of
 * a handoff calls it), recorded at node-postgres' Client.query,
 * so the plans cannot drift from the code. Each EXPLAIN (ANALYZE, BUFFERS) runs inside a transaction
 * that is rolled back: the claim UPDATE is executed by ANALYZE and must leave no trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { copyDatabase } from '../../src/db-copy-command';
import { openDatabase, openDb } from '../../src/db/open-db';
import { HomeRepo } from '../../src/db/home-repo';
import { OutboxRepo } from '../../src/db/outbox-repo';
import { homeLane } from '../../src/domain/notifications';
import { StallRepo } from '../../src/db/stall-repo';
import { startPostgres } from '../helpers/postgres';
import { fmtInt, fmtMs } from './report';
import { DEFAULT_PLAN, MINUTE, seed } from './seed';

export interface CapturedPgQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface PgPlan {
  readonly name: string;
  readonly query: CapturedPgQuery;
  readonly lines: readonly string[];
  /** Plan nodes that read a whole big table (problemsOf). */
  readonly problems: readonly string[];
  readonly executionMs: number;
}

export interface PgPlansResult {
  readonly version: string;
  readonly counts: Record<string, number>;
  readonly seedMs: number;
  readonly copyMs: number;
  readonly plans: readonly PgPlan[];
}

/** The outbox a running bot leaves behind, added to the seeded SQLite file. Returns what it wrote. */
function seedOutbox(sqlite: import('better-sqlite3').Database, now: number): Record<string, number> {
  const handoffs = sqlite.prepare('SELECT id, created_at AS createdAt FROM handoffs ORDER BY id').all() as Array<{ id: number; createdAt: number }>;
  const insert = sqlite.prepare(
    'INSERT INTO outbox (handoff_id, kind, payload, created_at, attempts, next_attempt_at, last_error, sent_at, lease_until, lease_owner, claims, lane) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const out = { sent: 0, due: 0, queuedBehind: 0, failing: 0, leased: 0, homeWaiting: 0 };
  const add = (handoffId: number | null, payload: Record<string, unknown>, at: number, state: { sentAt?: number; nextAttemptAt?: number; attempts?: number; error?: string; lease?: { until: number; owner: string } }) => {
    insert.run(
      handoffId,
      String(payload.type),
      JSON.stringify(payload),
      at,
      state.attempts ?? (state.sentAt ? 1 : 0),
      state.nextAttemptAt ?? at,
      state.error ?? null,
      state.sentAt ?? null,
      state.lease?.until ?? null,
      state.lease?.owner ?? null,
      state.lease || state.sentAt ? 1 : 0,
      handoffId === null ? (payload.type === 'home' ? homeLane(String(payload.userId)) : null) : `slack:${handoffId}`,
    );
  };
  sqlite.transaction(() => {
    // History: each handoff's post and first thread reply went out within a second.
    for (const h of handoffs) {
      add(h.id, { type: 'post', handoffId: h.id }, h.createdAt, { sentAt: h.createdAt + 400 });
      add(h.id, { type: 'thread', handoffId: h.id, eventId: 1 }, h.createdAt + 1000, { sentAt: h.createdAt + 1400 });
      out.sent += 2;
    }
    for (let i = 0; i < 5000; i++) {
      add(null, { type: 'digest', userId: `U${String(i + 1).padStart(8, '0')}`, localDate: '2026-05-12' }, now - 86_400_000 + i, { sentAt: now - 86_400_000 + i + 300 });
      out.sent += 1;
    }
    // Pending, on the newest handoffs: 300 lanes with a due head and one entry queued behind it,
    // 50 failing (retry in 10 minutes), 20 held by another instance's lease.
    const recent = handoffs.slice(-400);
    recent.slice(0, 300).forEach((h, i) => {
      add(h.id, { type: 'post', handoffId: h.id }, now - i * 100, {});
      add(h.id, { type: 'thread', handoffId: h.id, eventId: 2 }, now - i * 100 + 1, {});
      out.due += 1;
      out.queuedBehind += 1;
    });
    recent.slice(300, 350).forEach((h) => {
      add(h.id, { type: 'post', handoffId: h.id }, now - 30 * MINUTE, { attempts: 3, nextAttemptAt: now + 10 * MINUTE, error: 'slack_webapi_platform_error: ratelimited' });
      out.failing += 1;
    });
    recent.slice(350, 370).forEach((h) => {
      add(h.id, { type: 'post', handoffId: h.id }, now - 1000, { lease: { until: now + 20_000, owner: 'other-host:4242:1:1' } });
      out.leased += 1;
    });
    // App Home: 2,000 people opened it; the changes of the last two seconds left a refresh waiting for 200.
    const viewer = sqlite.prepare('INSERT INTO home_viewers (user_id, opened_at) VALUES (?, ?)');
    for (let i = 0; i < HOME_VIEWERS; i++) viewer.run(homeViewer(i), now - 86_400_000);
    for (let i = 0; i < HOME_VIEWERS; i += 10) {
      add(null, { type: 'home', userId: homeViewer(i) }, now - 1000, { nextAttemptAt: now + 1000 });
      out.homeWaiting += 1;
    }
  })();
  return out;
}

const HOME_VIEWERS = 2000;
const homeViewer = (i: number) => `UHOME${String(i).padStart(5, '0')}`;

/** Records every statement node-postgres sends while `fn` runs (Pool.query goes through Client.query too). */
async function recording<T>(fn: () => Promise<T>): Promise<{ value: T; seen: CapturedPgQuery[] }> {
  const seen: CapturedPgQuery[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args as [string | { text?: string; values?: unknown[] }, unknown];
    const text = typeof config === 'string' ? config : config?.text;
    if (text) seen.push({ sql: text, params: Array.isArray(values) ? values : typeof config === 'object' ? (config.values ?? []) : [] });
    return original.apply(this, args);
  };
  try {
    return { value: await fn(), seen };
  } finally {
    proto.query = original;
  }
}

const isStatement = (pattern: RegExp) => (q: CapturedPgQuery) => pattern.test(q.sql) && !/^(begin|commit|rollback|set transaction)/i.test(q.sql.trim());

/** Rows a node may read and throw away before it counts as walking the table (the seeded tables hold 100,000+). */
const FILTERED_LIMIT = 10_000;

/**
 * A Seq Scan of handoffs or outbox, or an index walked past more than FILTERED_LIMIT rows it then
 * filters out (an Index Scan of the primary key in id order reads the whole table as surely as a Seq Scan).
 */
export function problemsOf(lines: readonly string[]): string[] {
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (/Seq Scan on (handoffs|outbox)\b/.test(line)) out.push(`full table scan: ${line.trim()}`);
    const removed = Number(line.match(/Rows Removed by Filter: (\d+)/)?.[1] ?? 0);
    if (removed > FILTERED_LIMIT) {
      const node = lines.slice(0, i).reverse().find((l) => l.includes('->') || /^\s*\S.*\(cost=/.test(l));
      out.push(`reads ${fmtInt(removed)} rows it filters out: ${node?.trim() ?? line.trim()}`);
    }
  });
  return out;
}

class RolledBack extends Error {}

/** EXPLAIN (ANALYZE, BUFFERS) of `query` in a transaction rolled back afterwards. */
async function explain(url: string, name: string, query: CapturedPgQuery): Promise<PgPlan> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, [...query.params]);
    await client.query('ROLLBACK');
    const lines = rows.map((r) => r['QUERY PLAN']);
    const problems = problemsOf(lines);
    const executionMs = Number(lines.find((l) => l.startsWith('Execution Time'))?.match(/([\d.]+) ms/)?.[1] ?? Number.NaN);
    return { name, query, lines, problems, executionMs };
  } finally {
    await client.end();
  }
}

/** SQL with $n parameters inlined, for reading. */
export function inlinePgParams(q: CapturedPgQuery): string {
  return q.sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const p = q.params[Number(n) - 1];
    return typeof p === 'string' ? `'${p.replace(/'/g, "''")}'` : String(p);
  });
}

export async function runPgPlansBench(opts: { config: WorkflowConfig; now: Date; log?: (line: string) => void }): Promise<PgPlansResult> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'handoff-pgplans-'));
  const server = await startPostgres();
  try {
    const target = await server.createDatabase();
    const now = opts.now.getTime();

    const t0 = performance.now();
    const sqlitePath = join(dir, 'seed.db');
    const seeding = openDb(`file:${sqlitePath}`);
    const seeded = seed(seeding.sqlite, opts.config, opts.now, DEFAULT_PLAN);
    const outbox = seedOutbox(seeding.sqlite, now);
    await seeding.close();
    const seedMs = performance.now() - t0;
    log(`seeded SQLite in ${fmtMs(seedMs)} ms: ${fmtInt(seeded.handoffs)} handoffs, ${fmtInt(seeded.events)} events, outbox ${Object.entries(outbox).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')}`);

    const t1 = performance.now();
    await copyDatabase(`file:${sqlitePath}`, target.url);
    const copyMs = performance.now() - t1;
    log(`copied into Postgres (copyDatabase, as handoff db copy) in ${fmtMs(copyMs)} ms`);

    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    await admin.query('ANALYZE');
    const counts: Record<string, number> = {};
    for (const table of ['handoffs', 'events', 'outbox', 'home_viewers']) counts[table] = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    counts['outbox pending'] = Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')).rows[0].n);
    await admin.end();

    const database = await openDatabase(target.url);
    try {
      const repo = new OutboxRepo(database);
      const stalls = new StallRepo(database);
      const plans: PgPlan[] = [];
      // The dispatcher's batch (BATCH = 50 in outbox-dispatcher.ts), with the wall clock it passes.
      const listed = await recording(() => repo.listDue(opts.now, 50, now));
      const listDue = listed.seen.filter(isStatement(/^select/i)).at(-1);
      if (!listDue) throw new Error('OutboxRepo.listDue sent no SELECT');
      plans.push(await explain(target.url, `OutboxRepo.listDue(now, 50, wallNow): ${listed.value.length} heads`, listDue));
      const head = listed.value[0];
      if (!head) throw new Error('listDue found nothing due: the seeded outbox has no pending head');
      const claimed = await recording(() => repo.claim(head.id, now, 30_000, 'bench:1:1:1'));
      const claim = claimed.seen.filter(isStatement(/^update/i)).at(-1);
      if (!claim) throw new Error('OutboxRepo.claim sent no UPDATE');
      plans.push(await explain(target.url, `OutboxRepo.claim(id ${head.id}) UPDATE … RETURNING`, claim));
      // runNudges pages through dueForNudge 1,000 at a time: the first page and the next.
      const first = await recording(() => stalls.dueForNudge(opts.now, 1000));
      const firstSql = first.seen.filter(isStatement(/^select/i)).at(-1);
      const last = first.value.at(-1);
      if (!firstSql || !last?.nudgeAt) throw new Error('StallRepo.dueForNudge found nothing: the seed has no handoff due for a nudge');
      plans.push(await explain(target.url, `StallRepo.dueForNudge(now, 1000): ${first.value.length} rows`, firstSql));
      const next = await recording(() => stalls.dueForNudge(opts.now, 1000, { nudgeAt: last.nudgeAt as Date, id: last.id }));
      const nextSql = next.seen.filter(isStatement(/^select/i)).at(-1);
      if (!nextSql) throw new Error('StallRepo.dueForNudge (next page) sent no SELECT');
      plans.push(await explain(target.url, `StallRepo.dueForNudge(now, 1000, after): ${next.value.length} rows`, nextSql));
      // A change's audience: a team of 12 and a requester, half of them Home viewers, some with a refresh waiting; rolled back.
      const homes = new HomeRepo(database);
      const audience = [...Array.from({ length: 12 }, (_, i) => homeViewer(i * 5)), 'UNOHOME1'];
      const refreshed = await recording(() =>
        database
          .transaction(async (tx) => {
            await homes.queueRefresh(tx, audience, opts.now, new Date(now + 2000));
            throw new RolledBack();
          })
          .catch((error: unknown) => {
            if (!(error instanceof RolledBack)) throw error;
          }),
      );
      const reads = refreshed.seen.filter(isStatement(/^select/i));
      const viewers = reads.find((q) => /from "home_viewers"/.test(q.sql));
      const waiting = reads.find((q) => /from "outbox"/.test(q.sql));
      if (!viewers || !waiting) throw new Error('HomeRepo.queueRefresh did not read home_viewers and then the outbox');
      plans.push(await explain(target.url, `HomeRepo.queueRefresh: viewers among ${audience.length} people`, viewers));
      plans.push(await explain(target.url, `HomeRepo.queueRefresh: their waiting refreshes`, waiting));
      return { version, counts, seedMs, copyMs, plans };
    } finally {
      await database.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printPgPlans(result: PgPlansResult, log: (line: string) => void): number {
  log(`Postgres ${result.version}; ${Object.entries(result.counts).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')}; ANALYZEd`);
  let problems = 0;
  for (const p of result.plans) {
    log(`\n${p.name}`);
    log(`  SQL: ${inlinePgParams(p.query)}`);
    for (const line of p.lines) log(`  ${line}`);
    for (const problem of p.problems) log(`  !! PROBLEM: ${problem}`);
    if (p.problems.length === 0) log('  ok: no Seq Scan of handoffs or outbox, no index walked past the rows it wants');
    problems += p.problems.length;
  }
  log('\nsummary:');
  for (const p of result.plans) log(`  ${p.name.padEnd(60)} ${fmtMs(p.executionMs).padStart(8)} ms  ${p.problems.length === 0 ? 'indexes only' : `${p.problems.length} full scan(s)`}`);
  return problems;
}
