/**
 * Weekly report benchmark.
 *
 * `runWeeklyReportBench()` builds the real app (createHandoffApp: SQLite with the real migrations, the
 * outbox, the notifier with Slack's pacing, SLACK_RATE_LIMITS) against a local fake Slack, with 200
 * teams of one lead each and twelve weeks of handoffs (accepted, returned and resubmitted, completed).
 * It times, on the Monday the reports are due:
 * - one chart drawn warm (vega-lite → vega → SVG → resvg → PNG), the median of several draws;
 * - the report job (runReport: each lead's figures built and queued in the outbox), once;
 * - the delivery: the outbox sending every report (chart drawn, then files upload v2: getUploadURLExternal,
 *   the POST of the bytes, completeUploadExternal into the lead's DM), until it is drained.
 * Slack calls are counted by method from the fake. Run alone: `npx tsx test/bench/weekly-report.ts`,
 * or `npm run bench -- report`.
 */
import type { SqliteDatabase } from '../../src/db/database';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from '../../src/config/load-config';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { workflowSchema } from '../../src/config/workflow-schema';
import type { OpenDb } from '../../src/db/open-db';
import { createHandoffApp } from '../../src/handoff-app';
import { QualityRepo } from '../../src/db/quality-repo';
import { runReport } from '../../src/jobs/run-report';
import { renderChartPng } from '../../src/slack/chart-renderer';
import { SLACK_RATE_LIMITS } from '../../src/slack/rate-limiter';
import { buildWeeklyChartSpec } from '../../src/slack/views/weekly-report';
import { capturingLogger, FakeClock } from '../helpers/harness';
import { FakeSlack } from '../helpers/fake-slack';
import { fmtInt, type Measurement, median, repeat, resultsTable, timedAsync } from './report';
import { rng } from './seed';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A Monday, 10:00 UTC: every lead (on UTC) is past the 09:00 report time. */
const NOW = new Date('2026-11-23T10:00:00.000Z');
const HISTORY_DAYS = 12 * 7 + 14;

export interface WeeklyReportBenchOptions {
  readonly leads?: number;
  /** Handoffs each team receives over the history. */
  readonly handoffsPerTeam?: number;
  /** Warm chart draws for the chart's median. */
  readonly chartRuns?: number;
  readonly log?: (line: string) => void;
}

export interface WeeklyReportBenchResult {
  readonly measurements: Measurement[];
  readonly notes: string[];
}

const leadId = (t: number) => `U0W${t}LEAD`;
const memberId = (t: number, m: number) => `U0W${t}M${m}`;

/** One team per lead, each sending one type to the next team, on business hours every other team. */
function reportWorkflow(teams: number): WorkflowConfig {
  const teamsConfig: Record<string, unknown> = {};
  const handoffTypes: Record<string, unknown> = {};
  for (let t = 0; t < teams; t++) {
    teamsConfig[`team${t}`] = {
      name: `Team ${t}`,
      channel: `C0W${t}`,
      members: [memberId(t, 0), memberId(t, 1), memberId(t, 2)],
      leads: [leadId(t)],
      ...(t % 2 === 0 ? { hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } } : {}),
    };
    const from = (t + 1) % teams;
    handoffTypes[`team${from}-to-team${t}`] = {
      name: `Team ${from} to team ${t}`,
      from: `team${from}`,
      to: `team${t}`,
      fields: [
        { key: 'order_id', label: 'Order', type: 'text', required: true },
        { key: 'customer', label: 'Customer', type: 'text', required: true },
      ],
      sla: { accept: '4h', complete: '2d' },
    };
  }
  return workflowSchema.parse({ teams: teamsConfig, handoffTypes });
}

/** Handoffs with their events, as the lifecycle writes them: created, maybe returned and resubmitted, accepted, completed. */
function seedHistory(sqlite: OpenDb['sqlite'], teams: number, perTeam: number): number {
  const rnd = rng(7);
  const T = NOW.getTime();
  const insertHandoff = sqlite.prepare(
    `INSERT INTO handoffs (type_key, from_team, to_team, state, requester_id, owner_id, title, fields, version, created_at, updated_at, queued_at, accepted_at, closed_at, channel_id, type_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (handoff_id, type, actor_id, at, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let handoffs = 0;
  sqlite.transaction(() => {
    for (let t = 0; t < teams; t++) {
      const from = (t + 1) % teams;
      for (let i = 0; i < perTeam; i++) {
        const requester = memberId(from, i % 3);
        const member = memberId(t, i % 3);
        const created = T - Math.floor(rnd() * HISTORY_DAYS * DAY);
        const rows: Array<[string, string, number, string | null, string, string]> = [['created', requester, created, null, 'open', '{}']];
        let at = created;
        let state = 'open';
        const step = (type: string, actor: string, to: string, minutes: number, data = '{}') => {
          at = Math.min(T - 1, at + Math.floor(minutes * MINUTE));
          rows.push([type, actor, at, state, to, data]);
          state = to;
        };
        if (rnd() < 0.25) {
          step('rejected', member, 'returned', 20 + rnd() * 600, JSON.stringify({ reason: 'Missing PO', flaggedFields: ['customer'], somethingElse: false }));
          step('resubmitted', requester, 'open', 30 + rnd() * 900, JSON.stringify({ changed: ['customer'] }));
        }
        step('accepted', member, 'accepted', 5 + rnd() * 600);
        if (T - at > 2 * DAY) step('completed', member, 'done', 60 + rnd() * 3000);
        const id = Number(
          insertHandoff.run(`team${from}-to-team${t}`, `team${from}`, `team${t}`, state, requester, state === 'open' ? requester : member, `SO-${t}-${i}`, '{}', rows.length, created, at, created, state === 'open' ? null : at, state === 'done' ? at : null, `C0W${t}`, 'v1')
            .lastInsertRowid,
        );
        for (const [type, actor, when, f, to, data] of rows) insertEvent.run(id, type, actor, when, f, to, data);
        handoffs++;
      }
    }
  })();
  return handoffs;
}

export async function runWeeklyReportBench(opts: WeeklyReportBenchOptions = {}): Promise<WeeklyReportBenchResult> {
  const log = opts.log ?? (() => undefined);
  const leads = opts.leads ?? 200;
  const workflow = reportWorkflow(leads);
  const users = Object.fromEntries(Array.from({ length: leads }, (_, t) => [leadId(t), { tz: 'UTC' }]));
  const fake = await FakeSlack.start({ users });
  const dir = mkdtempSync(join(tmpdir(), 'handoff-report-bench-'));
  const renders: number[] = [];
  // Warnings and errors (a failed upload, a chart that fell back to text) are kept and printed as notes.
  const logged: string[] = [];
  const logger = capturingLogger(logged);
  const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench-secret', SLACK_API_URL: fake.apiUrl, DATABASE_URL: `file:${join(dir, 'bench.db')}`, LOG_LEVEL: 'error' });
  const app = await createHandoffApp({
    env,
    workflow,
    clock: new FakeClock(NOW),
    rateLimits: SLACK_RATE_LIMITS,
    schedule: false,
    logger,
    // The real renderer, timed: each draw during delivery is one sample.
    renderChart: async (spec) => {
      const t = performance.now();
      const png = await renderChartPng(spec);
      renders.push(performance.now() - t);
      return png;
    },
  });
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  try {
    const t0 = performance.now();
    const handoffs = seedHistory((app.database as SqliteDatabase).sqlite, leads, opts.handoffsPerTeam ?? 150);
    log(`seeded ${fmtInt(handoffs)} handoffs for ${fmtInt(leads)} teams (one lead each) over ${HISTORY_DAYS} days in ${Math.round(performance.now() - t0)} ms`);
    // Seeded below the bot, as an upgraded database would be: the insights facts come from the catch-up a start runs.
    const t1 = performance.now();
    const facts = await new QualityRepo(app.database).catchUp(NOW);
    log(`insights catch-up (as at the first start after the upgrade): ${fmtInt(facts)} facts in ${Math.round(performance.now() - t1)} ms`);
    await app.start(0);
    await fake.waitFor('auth.test', 2000).catch(() => undefined);

    // One chart, warm: the libraries loaded, a real report's spec drawn again and again.
    const [lead, teamKeys] = [...app.jobDeps.weekly.leads()][0];
    const sample = await app.jobDeps.weekly.build(teamKeys, '2026-11-23', 'UTC');
    const spec = buildWeeklyChartSpec(sample);
    let bytes = 0;
    await renderChartPng(spec); // loads vega, vega-lite and resvg (about a second, once per process)
    measurements.push({
      name: 'one weekly chart (warm: spec → SVG → PNG)',
      samples: await repeat(opts.chartRuns ?? 10, async () => {
        const r = await timedAsync(() => renderChartPng(spec));
        bytes = r.value.length;
        return r.ms;
      }),
      rows: `${fmtInt(bytes)} bytes PNG, ${sample.teams.length} team, ${sample.teams[0]?.received.length ?? 0} weeks (lead ${lead})`,
      targetMs: 150,
    });

    fake.calls.length = 0;
    const job = await timedAsync(() => runReport(app.jobDeps, NOW));
    measurements.push({ name: `report job, ${fmtInt(leads)} leads (build + queue)`, samples: [job.ms], rows: `${fmtInt(job.value.queued)} reports queued`, targetMs: 10_000 });

    const delivery = await timedAsync(() => app.settle());
    const uploads = fake.callsTo('files.completeUploadExternal').length;
    measurements.push({
      name: `delivery of ${fmtInt(job.value.queued)} reports (outbox: chart + upload v2)`,
      samples: [delivery.ms],
      rows: `${fmtInt(renders.length)} charts drawn (median ${Math.round(median(renders))} ms each), ${fmtInt(uploads)} uploads completed`,
    });
    const total = job.ms + delivery.ms;
    measurements.push({ name: 'report job + delivery, end to end', samples: [total], rows: `${fmtInt(uploads)} of ${fmtInt(leads)} leads have their chart` });

    const byMethod = new Map<string, number>();
    for (const c of fake.calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    notes.push(
      `Slack calls: ${[...byMethod.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([m, n]) => `${m} ${fmtInt(n)}`)
        .join(', ')} (${fmtInt(fake.calls.length)} in all)`,
    );
    const floor = Math.max(0, Math.ceil(((job.value.queued - SLACK_RATE_LIMITS.perSecond) / SLACK_RATE_LIMITS.perSecond) * 1000));
    notes.push(
      `pacing: each upload takes one token of the workspace bucket (${SLACK_RATE_LIMITS.perSecond}/s, burst ${SLACK_RATE_LIMITS.perSecond}) and its DM's 1/s slot, ` +
        `so ${fmtInt(job.value.queued)} uploads cannot finish in under ${fmtInt(floor)} ms; files.getUploadURLExternal and files.completeUploadExternal are Tier 4 (100+ per minute), ` +
        'so a real workspace may answer 429 past that, which pauses the outbox for Retry-After',
    );
    for (const line of logged.filter((l) => /warn|error|fail/i.test(l)).slice(0, 5)) notes.push(`logged: ${line.slice(0, 300)}`);
    if (uploads !== leads) notes.push(`PROBLEM: ${fmtInt(uploads)} uploads for ${fmtInt(leads)} leads`);
    return { measurements, notes };
  } finally {
    await app.stop(200);
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints a result as index.ts does. */
export function printWeeklyReportResult(r: WeeklyReportBenchResult, print: (line: string) => void): void {
  print(`\n${resultsTable(r.measurements)}\n`);
  for (const n of r.notes) print(`note: ${n}`);
}

async function main(): Promise<void> {
  const r = await runWeeklyReportBench({ log: (line) => console.log(line) });
  printWeeklyReportResult(r, (line) => console.log(line));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
