/**
 * Offer routing benchmark.
 *
 * `runRoutingBench()` seeds a temporary SQLite file with 100,000 handoffs, 2,000 of them open on
 * round-robin teams with an offer that ran out before `now`, then times what the nudge job does first
 * (`HandoffService.moveTimedOutOffers`, wired as in src/handoff-app.ts): take each offer back, choose
 * the next member (history, away check, round-robin turn) and store the new offer with its DM in the
 * outbox. The outbox is not sent: the figure is deciding and storing, not Slack. Team membership
 * comes from the real SlackTeamDirectory over a local fake Slack (one team is a user group), which
 * counts every Web API call, so the run shows that the away check asks Slack nothing per handoff.
 * Run alone: `npx tsx test/bench/routing.ts`, or `npm run bench -- routing`; the same pass on
 * Postgres (runRoutingPgBench): `npx tsx test/bench/routing.ts --postgres`, or `npm run bench -- pgrouting`.
 */
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { workflowSchema } from '../../src/config/workflow-schema';
import { AwayRepo } from '../../src/db/away-repo';
import type { Database } from '../../src/db/database';
import { copyDatabase } from '../../src/db-copy-command';
import { HandoffRepo } from '../../src/db/handoff-repo';
import { openDatabase, openDb, type OpenDb } from '../../src/db/open-db';
import { RoutingRepo } from '../../src/db/routing-repo';
import { AwayService } from '../../src/services/away-service';
import { HandoffService } from '../../src/services/handoff-service';
import { OfferRouter } from '../../src/services/offer-router';
import { SlackTeamDirectory } from '../../src/slack/team-directory';
import { FakeSlack } from '../helpers/fake-slack';
import { startPostgres } from '../helpers/postgres';
import { fmtInt, fmtMs, type Measurement, repeat, resultsTable, timed, timedAsync } from './report';
import { rng } from './seed';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-05-13T10:30:00.000Z');
const TEAMS = 10;
const MEMBERS = 20;
/** Members of each team who are away at `now` (they must get no offer). */
const AWAY_PER_TEAM = 3;
/** Team 9 takes its members from a Slack user group; team 8 works as a plain queue. */
const USERGROUP_TEAM = 9;
const QUEUE_TEAM = 8;

export interface RoutingBenchOptions {
  readonly handoffs?: number;
  readonly expired?: number;
  readonly runs?: number;
  readonly log?: (line: string) => void;
}

export interface RoutingBenchResult {
  readonly measurements: Measurement[];
  /** Lines for the report: Slack calls, what was written. */
  readonly notes: string[];
  /** Problems the run found (a users.* call, offers not moved); empty when all is well. */
  readonly problems: string[];
}

const memberId = (t: number, m: number) => `U0R${t}M${String(m).padStart(2, '0')}`;
const leadId = (t: number) => `U0R${t}LEAD`;
const usergroupId = (t: number) => `S0R${t}`;

/** Ten teams, half on business hours; eight offer round-robin (one from a user group), one is a queue. */
export function routingWorkflow(): WorkflowConfig {
  const teams: Record<string, unknown> = {};
  const handoffTypes: Record<string, unknown> = {};
  for (let t = 0; t < TEAMS; t++) {
    const members = Array.from({ length: MEMBERS }, (_, m) => memberId(t, m));
    teams[`team${t}`] = {
      name: `Team ${t}`,
      channel: `C0R${t}`,
      ...(t === USERGROUP_TEAM ? { usergroup: usergroupId(t) } : { members }),
      leads: [leadId(t)],
      timezone: ['UTC', 'Europe/Berlin', 'America/New_York'][t % 3],
      ...(t % 2 === 0 ? { hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } } : {}),
      ...(t === QUEUE_TEAM ? {} : { assign: 'round-robin', offer: '30m' }),
    };
    handoffTypes[`request-to-team${t}`] = {
      name: `Request for team ${t}`,
      to: `team${t}`,
      fields: [{ key: 'order_id', label: 'Order', type: 'text', required: true }],
      sla: { accept: '4h', complete: '2d' },
    };
  }
  return workflowSchema.parse({ teams, handoffTypes });
}

interface Seeded {
  readonly handoffs: number;
  readonly expired: number;
  readonly pendingOffers: number;
  readonly events: number;
  readonly away: number;
}

/**
 * Raw prepared INSERTs in one transaction. The expired offers each went to one or two members
 * before (so the history decides who was tried); the rest is closed history and some live offers.
 */
function seedRouting(sqlite: OpenDb['sqlite'], total: number, expired: number): Seeded {
  const rnd = rng(7);
  const T = NOW.getTime();
  const insertHandoff = sqlite.prepare(
    `INSERT INTO handoffs (type_key, to_team, state, requester_id, owner_id, title, fields, version, created_at, updated_at, queued_at, accepted_at, closed_at,
       accept_warn_at, accept_due_at, channel_id, offered_to, offer_expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (handoff_id, type, actor_id, at, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const routingTeams = Array.from({ length: TEAMS }, (_, t) => t).filter((t) => t !== QUEUE_TEAM);
  const pendingOffers = 500;
  let events = 0;
  let away = 0;
  sqlite.transaction(() => {
    for (let i = 0; i < total; i++) {
      const offerRow = i >= total - expired - pendingOffers;
      const t = offerRow ? routingTeams[i % routingTeams.length] : Math.floor(rnd() * TEAMS);
      const team = `team${t}`;
      const typeKey = `request-to-${team}`;
      const requester = `U0REQ${String(Math.floor(rnd() * 2000)).padStart(4, '0')}`;
      const member = memberId(t, Math.floor(rnd() * MEMBERS));
      const fields = JSON.stringify({ order_id: `SO-${i}` });
      if (!offerRow) {
        // Closed history over a year: created, accepted, completed.
        const created = T - Math.floor((1 - i / total) * 365 * DAY) - HOUR;
        const accepted = created + Math.floor(rnd() * 4 * HOUR);
        const closed = accepted + Math.floor(rnd() * 2 * DAY);
        const id = Number(
          insertHandoff.run(typeKey, team, 'done', requester, member, `SO-${i}`, fields, 3, created, closed, created, accepted, Math.min(closed, T - MINUTE), null, null, `C0R${t}`, null, null)
            .lastInsertRowid,
        );
        insertEvent.run(id, 'created', requester, created, null, 'open', '{}');
        insertEvent.run(id, 'accepted', member, accepted, 'open', 'accepted', '{}');
        insertEvent.run(id, 'completed', member, closed, 'accepted', 'done', '{}');
        events += 3;
        continue;
      }
      // Open, offered: one or two earlier offers in this cycle, the last one ran out (or runs out later).
      const isExpired = i >= total - expired;
      const created = T - Math.floor(HOUR + rnd() * 4 * HOUR);
      const tries = 1 + Math.floor(rnd() * 2);
      const offered = Array.from({ length: tries }, (_, k) => memberId(t, (Math.floor(rnd() * MEMBERS) + k) % MEMBERS));
      const until = isExpired ? T - Math.floor(MINUTE + rnd() * 60 * MINUTE) : T + Math.floor(MINUTE + rnd() * 30 * MINUTE);
      const lastTo = offered[offered.length - 1];
      const id = Number(
        insertHandoff.run(typeKey, team, 'open', requester, requester, `SO-${i}`, fields, 1 + 2 * tries, created, created, created, null, null, created + 3 * HOUR, created + 4 * HOUR, `C0R${t}`, lastTo, until)
          .lastInsertRowid,
      );
      insertEvent.run(id, 'created', requester, created, null, 'open', '{}');
      events++;
      offered.forEach((to, k) => {
        const at = created + (k + 1) * MINUTE;
        if (k > 0) {
          insertEvent.run(id, 'offer_expired', 'handoff', at - 1, 'open', 'open', JSON.stringify({ offeredTo: offered[k - 1] }));
          events++;
        }
        insertEvent.run(id, 'offered', 'handoff', at, 'open', 'open', JSON.stringify({ to, until: new Date(k === tries - 1 ? until : at + 30 * MINUTE).toISOString() }));
        events++;
      });
    }
    const insertAway = sqlite.prepare('INSERT INTO away_people (user_id, until, backup_id, set_at) VALUES (?, ?, ?, ?)');
    const insertTurn = sqlite.prepare('INSERT INTO routing_turns (team_key, user_id, at) VALUES (?, ?, ?)');
    for (let t = 0; t < TEAMS; t++) {
      for (let a = 0; a < AWAY_PER_TEAM; a++) {
        insertAway.run(memberId(t, a * 5), T + (a + 1) * DAY, a === 0 ? memberId(t, 1) : null, T - DAY);
        away++;
      }
      // An absence that already ended: it must not count.
      insertAway.run(memberId(t, 19), T - DAY, null, T - 10 * DAY);
      if (t !== QUEUE_TEAM) insertTurn.run(`team${t}`, memberId(t, 7), T - HOUR);
    }
  })();
  return { handoffs: total, expired, pendingOffers, events, away };
}

/** A Web API client that goes to the fake Slack and never retries (a failure shows at once). */
function fakeSlackClient(fake: FakeSlack): WebClient {
  return new WebClient('xoxb-bench', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
}

const count = (o: OpenDb, sql: string): number => (o.sqlite.prepare(sql).get() as { n: number }).n;

/** The nudge job's service as src/handoff-app.ts wires it, without a dispatcher: the DMs stay in the outbox, so the time is deciding and storing. */
function routingService(database: Database, config: WorkflowConfig, directory: SlackTeamDirectory, clock: { now: () => Date }): HandoffService {
  const repo = new HandoffRepo(database);
  const routing = new RoutingRepo(database);
  const away = new AwayService({ config, away: new AwayRepo(database), clock });
  const offers = new OfferRouter({ config, repo, routing, directory, away });
  return new HandoffService({ config, repo, directory, clock, outbox: { kick: () => undefined }, offers, routing });
}

/** Seeds, measures, cleans up. `log` gets progress lines. */
export async function runRoutingBench(opts: RoutingBenchOptions = {}): Promise<RoutingBenchResult> {
  const log = opts.log ?? (() => undefined);
  const runs = opts.runs ?? 5;
  const expired = opts.expired ?? 2_000;
  const config = routingWorkflow();
  const dir = mkdtempSync(join(tmpdir(), 'handoff-routing-bench-'));
  const seedPath = join(dir, 'seed.db');
  const fake = await FakeSlack.start({ usergroups: { [usergroupId(USERGROUP_TEAM)]: Array.from({ length: MEMBERS }, (_, m) => memberId(USERGROUP_TEAM, m)) } });
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  try {
    const seeding = openDb(`file:${seedPath}`);
    const t0 = performance.now();
    const seeded = seedRouting(seeding.sqlite, opts.handoffs ?? 100_000, expired);
    seeding.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await seeding.close();
    log(
      `seeded ${fmtInt(seeded.handoffs)} handoffs (${fmtInt(seeded.expired)} offers run out, ${fmtInt(seeded.pendingOffers)} still running, on ${TEAMS - 1} round-robin teams), ` +
        `${fmtInt(seeded.events)} events, ${seeded.away} people away, in ${Math.round(performance.now() - t0)} ms`,
    );

    // One directory for every run, as in the bot: a user group is fetched once and cached.
    const client = fakeSlackClient(fake);
    const directory = new SlackTeamDirectory(config, client);
    const clock = { now: () => NOW };

    /** A fresh copy of the seeded file per run (the run writes); copying and opening are not timed. */
    const onCopy = async (run: number, chunk?: number) => {
      const path = join(dir, `run-${run}.db`);
      copyFileSync(seedPath, path);
      // The copy leaves about 65 MB of dirty pages, and the run's first commit would wait for the
      // kernel to write them back (30–40 ms on a shared VM): flushed first, untimed.
      const fd = openSync(path, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      const o = openDb(`file:${path}`);
      try {
        const service = routingService(o, config, directory, clock);
        const outboxBefore = count(o, 'SELECT count(*) AS n FROM outbox');
        const callsBefore = fake.calls.length;
        const r = await timedAsync(() => service.moveTimedOutOffers(NOW, chunk === undefined ? {} : { chunk }));
        // SQLite copies the WAL into the database in whichever commit takes it past 1,000 pages: a
        // pass that wrote fewer left that work to a later commit. Timed apart, so each pass's total shows.
        const checkpoint = timed(() => o.sqlite.pragma('wal_checkpoint(PASSIVE)')).ms;
        const calls = fake.calls.slice(callsBefore).map((c) => c.method);
        const offeredToAway = count(
          o,
          // The offers this run made (moving an offer on leaves updated_at as it was, so the events say which).
          `SELECT count(*) AS n FROM events e JOIN away_people a ON a.user_id = json_extract(e.data, '$.to') AND a.until > ${NOW.getTime()} WHERE e.type = 'offered' AND e.at = ${NOW.getTime()}`,
        );
        return {
          ms: r.ms,
          checkpoint,
          moved: r.value,
          calls,
          outbox: count(o, 'SELECT count(*) AS n FROM outbox') - outboxBefore,
          offers: count(o, `SELECT count(*) AS n FROM events WHERE type = 'offered' AND at = ${NOW.getTime()}`),
          exhausted: count(o, `SELECT count(*) AS n FROM events WHERE type = 'offers_exhausted' AND at = ${NOW.getTime()}`),
          offeredToAway,
          leftExpired: count(o, `SELECT count(*) AS n FROM handoffs WHERE state = 'open' AND offer_expires_at <= ${NOW.getTime()}`),
        };
      } finally {
        await o.close();
        for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      }
    };

    type Run = Awaited<ReturnType<typeof onCopy>>;
    const slackCalls: string[] = [];
    let all: Run | undefined;
    const withCheckpoint: number[] = [];
    measurements.push({
      name: `move ${fmtInt(expired)} timed-out offers: one nudge-job pass (decide + store)`,
      samples: await repeat(runs, async (i) => {
        const r = await onCopy(i);
        slackCalls.push(...r.calls);
        all = r;
        withCheckpoint.push(r.ms + r.checkpoint);
        return r.ms;
      }),
      rows: '',
      targetMs: 100,
    });
    if (!all) throw new Error('no run');
    const moved = all;
    measurements[measurements.length - 1] = {
      ...measurements[measurements.length - 1],
      rows: `${fmtInt(moved.moved)} moved, ${fmtInt(moved.outbox)} outbox rows, ${fmtInt(moved.leftExpired)} left`,
    };
    measurements.push({ name: 'the same pass, then checkpointing what it left in the WAL', samples: withCheckpoint, rows: '' });

    // Not the default: the whole pass in one transaction writes fewer WAL pages (each chunk rewrites
    // the same handoff and index pages) but holds the write lock throughout; its checkpoint shows apart.
    let whole: Run | undefined;
    const wholeWithCheckpoint: number[] = [];
    measurements.push({
      name: `the same pass in one transaction (${fmtInt(expired)} instead of 500)`,
      samples: await repeat(runs, async (i) => {
        const r = await onCopy(i, expired);
        slackCalls.push(...r.calls);
        whole = r;
        wholeWithCheckpoint.push(r.ms + r.checkpoint);
        return r.ms;
      }),
      rows: '',
    });
    measurements.push({ name: 'the same in one transaction, then checkpointing what it left in the WAL', samples: wholeWithCheckpoint, rows: '' });
    if (!whole) throw new Error('no run');
    const wholePass = whole;
    measurements[measurements.length - 2] = { ...measurements[measurements.length - 2], rows: `${fmtInt(wholePass.moved)} moved, ${fmtInt(wholePass.outbox)} outbox rows` };

    // Not the default: smaller transactions hold the write lock for less time, at some cost per pass.
    let small: Run | undefined;
    measurements.push({
      name: `the same pass, 100 per transaction instead of 500`,
      samples: await repeat(runs, async (i) => {
        const r = await onCopy(i, 100);
        slackCalls.push(...r.calls);
        small = r;
        return r.ms;
      }),
      rows: '',
    });
    if (!small) throw new Error('no run');
    const smallPass = small;
    measurements[measurements.length - 1] = { ...measurements[measurements.length - 1], rows: `${fmtInt(smallPass.moved)} moved, ${fmtInt(smallPass.outbox)} outbox rows` };

    const byMethod = new Map<string, number>();
    for (const m of slackCalls) byMethod.set(m, (byMethod.get(m) ?? 0) + 1);
    const usersCalls = slackCalls.filter((m) => m.startsWith('users.')).length;
    const callText = byMethod.size ? [...byMethod].map(([m, n]) => `${m} ${n}`).join(', ') : 'none';
    notes.push(`Slack Web API calls during all ${3 * runs} runs (${fmtInt((moved.moved + wholePass.moved + smallPass.moved) * runs)} offers moved): ${callText}; users.* calls: ${usersCalls}`);
    notes.push(
      `last full run: ${fmtInt(moved.offers)} new offers, ${fmtInt(moved.exhausted)} left in the team queue (everyone tried or away), ${fmtInt(moved.outbox)} outbox rows (DMs and post updates, not sent); offers to someone away: ${moved.offeredToAway}`,
    );
    if (usersCalls > 0) problems.push(`the run made ${usersCalls} users.* call(s) to Slack; the away check should read the database only`);
    const groupCalls = byMethod.get('usergroups.users.list') ?? 0;
    if (groupCalls > 1) problems.push(`usergroups.users.list was called ${groupCalls} times; the directory should fetch a user group once and cache it`);
    if (slackCalls.length - groupCalls > 0) problems.push(`unexpected Slack calls while moving offers: ${callText}`);
    if (moved.moved !== expired || moved.leftExpired > 0) problems.push(`moved ${moved.moved} offers in one pass (${moved.leftExpired} left), expected all ${expired}`);
    if (smallPass.moved !== moved.moved || smallPass.outbox !== moved.outbox || smallPass.offers !== moved.offers)
      problems.push('100 per transaction wrote something else than 500 per transaction');
    if (wholePass.moved !== moved.moved || wholePass.outbox !== moved.outbox || wholePass.offers !== moved.offers)
      problems.push('one transaction wrote something else than 500 per transaction');
    if (moved.offeredToAway > 0) problems.push(`${moved.offeredToAway} new offers went to someone away`);
    return { measurements, notes, problems };
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a Postgres statement of the pass is, from its text. */
function statementKind(text: string): string {
  const t = text.trim().toLowerCase();
  if (/^(begin|commit|rollback|start transaction|set transaction)/.test(t)) return 'begin/commit';
  if (t.startsWith('select') && t.includes('from "events"')) return 'offer history read';
  if (t.startsWith('select') && t.includes('"offer_expires_at" <=')) return 'due offers read';
  if (t.startsWith('update "handoffs"')) return 'handoffs update';
  if (t.startsWith('insert into "events"')) return 'events insert';
  if (t.startsWith('insert into "outbox"')) return 'outbox insert';
  return 'other (types, away, turns)';
}

/** Times every statement node-postgres sends while `fn` runs, by kind (round trip as the client waits for it). */
async function timingStatements<T>(fn: () => Promise<T>): Promise<{ value: T; byKind: Map<string, { n: number; ms: number }> }> {
  const byKind = new Map<string, { n: number; ms: number }>();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    const kind = statementKind(typeof config === 'string' ? config : (config?.text ?? ''));
    const t0 = performance.now();
    const result = original.apply(this, args);
    const done = () => {
      const k = byKind.get(kind) ?? { n: 0, ms: 0 };
      k.n++;
      k.ms += performance.now() - t0;
      byKind.set(kind, k);
    };
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
  try {
    return { value: await fn(), byKind };
  } finally {
    proto.query = original;
  }
}

/**
 * The same pass on Postgres (`npm run bench -- pgrouting`, a few minutes; not part of `routing`):
 * the seeded SQLite file is copied into a temporary Postgres cluster (fsync on) with `handoff db
 * copy`'s copyDatabase and VACUUM ANALYZEd, as autovacuum leaves a running database; each run
 * times the pass on a fresh clone of it (CREATE DATABASE … TEMPLATE, untimed) through a new
 * PostgresDatabase (a restarted bot), and every statement is timed by kind for the notes.
 */
export async function runRoutingPgBench(opts: RoutingBenchOptions = {}): Promise<RoutingBenchResult> {
  const log = opts.log ?? (() => undefined);
  const runs = opts.runs ?? 3;
  const expired = opts.expired ?? 2_000;
  const config = routingWorkflow();
  const dir = mkdtempSync(join(tmpdir(), 'handoff-routing-pg-'));
  const seedPath = join(dir, 'seed.db');
  const fake = await FakeSlack.start({ usergroups: { [usergroupId(USERGROUP_TEAM)]: Array.from({ length: MEMBERS }, (_, m) => memberId(USERGROUP_TEAM, m)) } });
  const server = await startPostgres(process.env, { durable: true });
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  try {
    const seeding = openDb(`file:${seedPath}`);
    const seeded = seedRouting(seeding.sqlite, opts.handoffs ?? 100_000, expired);
    await seeding.close();
    const template = await server.createDatabase();
    const t0 = performance.now();
    await copyDatabase(`file:${seedPath}`, template.url);
    const admin = new pg.Client({ connectionString: template.url });
    await admin.connect();
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    await admin.query('VACUUM ANALYZE');
    await admin.end();
    log(`Postgres ${version}: ${fmtInt(seeded.handoffs)} handoffs and ${fmtInt(seeded.events)} events copied in and VACUUM ANALYZEd in ${(performance.now() - t0) / 1000 < 1 ? fmtMs(performance.now() - t0) + ' ms' : ((performance.now() - t0) / 1000).toFixed(1) + ' s'}`);

    const directory = new SlackTeamDirectory(config, fakeSlackClient(fake));
    const clock = { now: () => NOW };
    const byKind = new Map<string, { n: number; ms: number }>();
    let last: { moved: number; outbox: number; left: number } | undefined;
    const samples = await repeat(runs, async (i) => {
      const name = `${template.name}_run${i}`;
      const url = new URL(template.url);
      url.pathname = `/${name}`;
      await withPg(server.url, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template.name}"`));
      try {
        const database = await openDatabase(url.toString());
        try {
          const service = routingService(database, config, directory, clock);
          const r = await timingStatements(() => timedAsync(() => service.moveTimedOutOffers(NOW)));
          for (const [kind, k] of r.byKind) {
            const sum = byKind.get(kind) ?? { n: 0, ms: 0 };
            byKind.set(kind, { n: sum.n + k.n, ms: sum.ms + k.ms });
          }
          const n = async (q: string) => Number((await database.all<{ n: number }>(sql.raw(q)))[0].n);
          last = {
            moved: r.value.value,
            outbox: await n('SELECT count(*) AS n FROM outbox'),
            left: await n(`SELECT count(*) AS n FROM handoffs WHERE state = 'open' AND offer_expires_at <= ${NOW.getTime()}`),
          };
          return r.value.ms;
        } finally {
          await database.close();
        }
      } finally {
        await withPg(server.url, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      }
    });
    if (!last) throw new Error('no run');
    measurements.push({
      name: `Postgres: move ${fmtInt(expired)} timed-out offers, one nudge-job pass (decide + store)`,
      samples,
      rows: `${fmtInt(last.moved)} moved, ${fmtInt(last.outbox)} outbox rows, ${fmtInt(last.left)} left`,
      targetMs: 100,
    });
    const kinds = [...byKind].sort((a, b) => b[1].ms - a[1].ms);
    notes.push(
      `Postgres ${version}, a temporary cluster with fsync on; per pass (mean of ${runs}), round trips by kind: ` +
        kinds.map(([kind, k]) => `${kind} ${fmtMs(k.ms / runs)} ms (${Math.round(k.n / runs)})`).join(', '),
    );
    if (last.moved !== expired || last.left > 0) problems.push(`Postgres: moved ${last.moved} offers in one pass (${last.left} left), expected all ${expired}`);
    return { measurements, notes, problems };
  } finally {
    await server.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const run = process.argv.includes('--postgres') ? runRoutingPgBench : runRoutingBench;
  const r = await run({ log: (line) => console.log(line) });
  console.log(`\n${resultsTable(r.measurements)}\n`);
  for (const n of r.notes) console.log(`note: ${n}`);
  for (const p of r.problems) console.log(`FAIL: ${p}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
