/**
 * Insights benchmark.
 *
 * `runInsightsBench()` seeds a temporary SQLite file with 1,000,000 events over 180 days (handoffs
 * created, accepted, returned with flagged fields, resubmitted, completed, with reminders between),
 * below the bot (raw INSERTs, as a database from before the insights facts), runs the catch-up a
 * start runs (the one-time backfill of the facts and day sums), then times `/handoff insights <team>
 * 90d` as a lead asks it: InsightsService.answer (the day sums and the facts of the days the period
 * boundaries cut, the figures, suggestions and version changes) and the message built from it. It
 * also prints SQLite's plan of each query QualityRepo.cells sends, with the rows it returns. Run
 * alone: `npx tsx test/bench/insights.ts`, or `npm run bench -- insights`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { workflowSchema } from '../../src/config/workflow-schema';
import { openDb, type OpenDb } from '../../src/db/open-db';
import { QualityRepo } from '../../src/db/quality-repo';
import { SqliteDatabase } from '../../src/db/database';
import * as schema from '../../src/db/schema';
import { comparedPeriods } from '../../src/domain/quality-metrics';
import { InsightsService } from '../../src/services/insights-service';
import { buildInsightsMessage, insightsViewOptions } from '../../src/slack/views/insights';
import { configDirectory } from '../helpers/config-directory';
import { type CapturedQuery, formatPlan, inlineParams, type PlanRow } from './plans';
import { fmtInt, type Measurement, repeat, resultsTable, timedAsync } from './report';
import { rng } from './seed';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-05-13T14:30:00.000Z');
const HISTORY_DAYS = 180;
const TEAMS = 10;
const MEMBERS = 20;
const FIELDS = ['order_id', 'customer', 'quantity', 'ship_by'];

export interface InsightsBenchOptions {
  readonly events?: number;
  readonly runs?: number;
  readonly log?: (line: string) => void;
}

export interface InsightsBenchResult {
  readonly measurements: Measurement[];
  readonly notes: string[];
  /** The queries QualityRepo.cells sends, with SQLite's plans. */
  readonly plans: ReadonlyArray<{ readonly sql: string; readonly lines: string[] }>;
}

const memberId = (t: number, m: number) => `U0Q${t}M${String(m).padStart(2, '0')}`;
const leadId = (t: number) => `U0Q${t}LEAD`;

/** Ten teams (half on business hours); each sends one type to the next team and receives one from the previous. */
export function insightsWorkflow(): WorkflowConfig {
  const teams: Record<string, unknown> = {};
  const handoffTypes: Record<string, unknown> = {};
  for (let t = 0; t < TEAMS; t++) {
    teams[`team${t}`] = {
      name: `Team ${t}`,
      channel: `C0Q${t}`,
      members: Array.from({ length: MEMBERS }, (_, m) => memberId(t, m)),
      leads: [leadId(t)],
      timezone: ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][t % 4],
      ...(t % 2 === 0 ? { hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } } : {}),
    };
    handoffTypes[`team${(t + 1) % TEAMS}-to-team${t}`] = {
      name: `Team ${(t + 1) % TEAMS} to team ${t}`,
      from: `team${(t + 1) % TEAMS}`,
      to: `team${t}`,
      fields: [
        { key: 'order_id', label: 'Order', type: 'text', required: true },
        { key: 'customer', label: 'Customer', type: 'text', required: true },
        { key: 'quantity', label: 'Quantity', type: 'number' },
        { key: 'ship_by', label: 'Ship by', type: 'date' },
      ],
      sla: { accept: '4h', complete: '2d' },
    };
  }
  return workflowSchema.parse({ teams, handoffTypes });
}

interface Seeded {
  readonly handoffs: number;
  readonly events: number;
  readonly byType: Record<string, number>;
}

/**
 * Raw prepared INSERTs in one transaction, until `eventTotal` events. A quarter of the handoffs are
 * returned once (flagging fields), some twice; most returns are resubmitted. The type definition
 * changed 60 days ago (type_version v1 → v2), so version comparisons have something to compare.
 */
export function seedEvents(sqlite: OpenDb['sqlite'], eventTotal: number): Seeded {
  const rnd = rng(90);
  const T = NOW.getTime();
  const pick = <X>(xs: readonly X[]) => xs[Math.floor(rnd() * xs.length)];
  const insertHandoff = sqlite.prepare(
    `INSERT INTO handoffs (type_key, from_team, to_team, state, requester_id, owner_id, title, fields, version, created_at, updated_at, queued_at, accepted_at, closed_at, channel_id, type_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (handoff_id, type, actor_id, at, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  // About five events a handoff, so the handoff count follows from the event total.
  const handoffTotal = Math.round(eventTotal / 5);
  const byType: Record<string, number> = {};
  let events = 0;
  let handoffs = 0;
  sqlite.transaction(() => {
    for (let i = 0; i < handoffTotal && events < eventTotal; i++) {
      const t = Math.floor(rnd() * TEAMS);
      const from = (t + 1) % TEAMS;
      const typeKey = `team${from}-to-team${t}`;
      const requester = memberId(from, Math.floor(rnd() * MEMBERS));
      const member = memberId(t, Math.floor(rnd() * MEMBERS));
      const created = T - Math.floor(((handoffTotal - i - rnd()) / handoffTotal) * HISTORY_DAYS * DAY);
      const rows: Array<[string, string, number, string | null, string, string]> = [['created', requester, created, null, 'open', '{}']];
      let at = created;
      let state = 'open';
      const step = (type: string, actor: string, to: string, minutes: number, data = '{}') => {
        at = Math.min(T - 1, at + Math.floor(minutes * MINUTE));
        rows.push([type, actor, at, state, to, data]);
        state = to;
        byType[type] = (byType[type] ?? 0) + 1;
      };
      const nudge = () => rows.push(['nudged', 'handoff', at + 1, state, state, JSON.stringify({ kind: 'accept_warn', key: `w${rows.length}` })]);
      const returns = rnd() < 0.25 ? (rnd() < 0.2 ? 2 : 1) : 0;
      for (let r = 0; r < returns && state === 'open'; r++) {
        const flagged = FIELDS.filter(() => rnd() < 0.35);
        const somethingElse = flagged.length === 0 || rnd() < 0.1;
        step('rejected', member, 'returned', 20 + rnd() * 600, JSON.stringify({ reason: pick(['Missing PO', 'Wrong customer', 'No quantity', 'customer missing']), flaggedFields: flagged, somethingElse }));
        nudge();
        if (rnd() < 0.85) step('resubmitted', requester, 'open', 30 + rnd() * 900, JSON.stringify({ changed: flagged }));
      }
      if (state === 'open' && rnd() < 0.95) {
        if (rnd() < 0.05) step('reassigned', leadId(t), 'accepted', 5 + rnd() * 600, JSON.stringify({ previousOwner: requester, newOwner: member }));
        else step('accepted', member, 'accepted', 5 + rnd() * 600);
        nudge();
        if (T - at > 2 * DAY) step(rnd() < 0.04 ? 'cancelled' : 'completed', member, rnd() < 0.04 ? 'cancelled' : 'done', 60 + rnd() * 3000);
      }
      // Reminders fill up to the total, about five events a handoff.
      while (rows.length < 5 && rnd() < 0.8) nudge();
      const closed = state === 'done' || state === 'cancelled';
      const owner = state === 'accepted' || state === 'done' ? member : requester;
      const version = created < T - 60 * DAY ? 'v1' : 'v2';
      const id = Number(
        insertHandoff.run(typeKey, `team${from}`, `team${t}`, state, requester, owner, `SO-${i}`, JSON.stringify({ order_id: `SO-${i}` }), rows.length, created, at, created, null, closed ? at : null, `C0Q${t}`, version)
          .lastInsertRowid,
      );
      rows.sort((a, b) => a[2] - b[2]);
      for (const [type, actor, when, f, to, data] of rows) insertEvent.run(id, type, actor, when, f, to, data);
      events += rows.length;
      handoffs++;
    }
    // Top up to exactly the total with reminders on recent handoffs.
    for (let id = handoffs; events < eventTotal; id = id > 1 ? id - 1 : handoffs) {
      insertEvent.run(id, 'nudged', 'handoff', T - Math.floor(rnd() * DAY), 'accepted', 'accepted', '{"kind":"complete_repeat"}');
      events++;
    }
  })();
  return { handoffs, events, byType };
}

/** The statements QualityRepo.cells sends for a scope, captured from a second drizzle instance that logs them. */
async function captureQualityQueries(sqlite: OpenDb['sqlite'], team: string, boundaries: readonly Date[]): Promise<CapturedQuery[]> {
  const seen: CapturedQuery[] = [];
  const db = drizzle(sqlite, { schema, logger: { logQuery: (sql, params) => seen.push({ sql, params: [...params] }) } });
  await new QualityRepo(new SqliteDatabase(db, sqlite, schema)).cells({ team }, boundaries, { detail: true });
  if (seen.length === 0) throw new Error('QualityRepo sent no query');
  return seen;
}

/** How many rows the statements return. */
function rowsRead(sqlite: OpenDb['sqlite'], queries: readonly CapturedQuery[]): number {
  return queries.reduce((n, q) => n + sqlite.prepare(q.sql).raw().all(...(q.params as unknown[])).length, 0);
}

/** Seeds, measures, cleans up. `log` gets progress lines. */
export async function runInsightsBench(opts: InsightsBenchOptions = {}): Promise<InsightsBenchResult> {
  const log = opts.log ?? (() => undefined);
  const runs = opts.runs ?? 5;
  const config = insightsWorkflow();
  const dir = mkdtempSync(join(tmpdir(), 'handoff-insights-bench-'));
  const handle = openDb(`file:${join(dir, 'bench.db')}`);
  try {
    const t0 = performance.now();
    const seeded = seedEvents(handle.sqlite, opts.events ?? 1_000_000);
    log(
      `seeded ${fmtInt(seeded.handoffs)} handoffs and ${fmtInt(seeded.events)} events over ${HISTORY_DAYS} days in ${Math.round(performance.now() - t0)} ms ` +
        `(${Object.entries(seeded.byType)
          .map(([k, n]) => `${k} ${fmtInt(n)}`)
          .join(', ')}); no ANALYZE, as in production`,
    );
    // Seeded below the bot, as an upgraded database would be: the facts and day sums come from the
    // catch-up every start runs (here the one-time backfill of the whole history).
    const t1 = performance.now();
    const facts = await new QualityRepo(handle).catchUp(NOW);
    const backfillMs = performance.now() - t1;
    log(`insights backfill (the first start after the upgrade): ${fmtInt(facts)} facts in ${Math.round(backfillMs)} ms`);
    const clock = { now: () => NOW };
    const insights = new InsightsService({ config, quality: new QualityRepo(handle), directory: configDirectory(config), clock });
    const viewOptions = insightsViewOptions(config);
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    const { current, previous } = comparedPeriods(NOW, 90);
    const boundaries = [previous.from, current.from, NOW];
    const cellsOf = (team: string) => new QualityRepo(handle).cells({ team }, boundaries, { detail: true });
    const size = (c: Awaited<ReturnType<typeof cellsOf>>) => c.decisions.length + c.reasons.length + c.resubmissions.length;

    for (const team of ['team0', 'team1']) {
      const cellCount = size(await cellsOf(team));
      let blocks = 0;
      let decided = 0;
      measurements.push({
        name: `/handoff insights ${team} 90d (answer + message)`,
        samples: await repeat(runs, async () => {
          const r = await timedAsync(async () => {
            const answer = await insights.answer(leadId(Number(team.slice(4))), [team, '90d']);
            return { answer, message: buildInsightsMessage(answer, viewOptions) };
          });
          blocks = r.value.message.blocks?.length ?? 0;
          decided = r.value.answer.report.totals.current.decided;
          return r.ms;
        }),
        rows: `${fmtInt(rowsRead(handle.sqlite, await captureQualityQueries(handle.sqlite, team, boundaries)))} rows read, ${fmtInt(cellCount)} cells (180 d); ${fmtInt(decided)} decided in 90 d; ${blocks} blocks; ${config.teams[team].hours ? 'business hours' : 'round the clock'}`,
        targetMs: 200,
      });
    }
    // Where the time goes: the query alone.
    let sizes = '';
    measurements.push({
      name: 'QualityRepo.cells(team0, 180 d) alone',
      samples: await repeat(runs, async () => {
        const r = await timedAsync(async () => cellsOf('team0'));
        sizes = `${fmtInt(r.value.decisions.length)} decision, ${fmtInt(r.value.reasons.length)} reason, ${fmtInt(r.value.resubmissions.length)} resubmission rows`;
        return r.ms;
      }),
      rows: sizes,
    });

    const queries = await captureQualityQueries(handle.sqlite, 'team0', boundaries);
    const plans = queries.map((query) => ({ sql: `${inlineParams(query)} (${fmtInt(rowsRead(handle.sqlite, [query]))} rows)`, lines: formatPlan(handle.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.params as unknown[])) as PlanRow[]) }));
    const total = (handle.sqlite.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const count = (table: string) => (handle.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    notes.push(
      `${fmtInt(total)} events; ${fmtInt(count('quality_facts'))} quality facts, ${fmtInt(count('quality_days'))} day sums of decisions, ${fmtInt(count('quality_reasons'))} of reasons; backfilled in ${fmtInt(Math.round(backfillMs))} ms`,
    );
    return { measurements, notes, plans };
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints a result as index.ts does. */
export function printInsightsResult(r: InsightsBenchResult, print: (line: string) => void): void {
  for (const plan of r.plans) {
    print(`\nQuality query (EXPLAIN QUERY PLAN of the SQL QualityRepo.cells sends)\n  SQL: ${plan.sql.replace(/\s+/g, ' ').trim()}`);
    for (const line of plan.lines) print(`  ${line}`);
  }
  print(`\n${resultsTable(r.measurements)}\n`);
  for (const n of r.notes) print(`note: ${n}`);
}

async function main(): Promise<void> {
  const r = await runInsightsBench({ log: (line) => console.log(line) });
  printInsightsResult(r, (line) => console.log(line));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
