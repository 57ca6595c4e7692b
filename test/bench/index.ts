/**
 * The benchmark (`npm run bench`), in nine sections; `npm run bench -- routing insights` runs only those
 * named (stall, home, load, routing, insights, report, pgload, pgplans, pgrouting).
 *
 * Stall jobs: seeds 100,000 handoffs (5,000 of them stalled and due for a nudge) into a temporary
 * SQLite file, then times the nudge job, the digest job and the `/handoff mine` / team queries against
 * it, and prints SQLite's query plans for the stall queries.
 * App Home and flow metrics: test/bench/home.ts.
 * Load: the compiled bot (dist/, built by the bench) and a bare Bolt app, each in a process of its own,
 * under signed requests from this process: CPU per request, an open loop at 20 requests/s, a closed loop
 * of 50 in flight, throughput, peak RSS and start to listening: test/bench/load.ts.
 * Routing: 2,000 timed-out offers moved on among 100,000 handoffs, Slack calls counted: test/bench/routing.ts;
 * pgrouting: the same pass on Postgres.
 * Insights: `/handoff insights <team> 90d` on 1,000,000 events: test/bench/insights.ts.
 * Report: one weekly chart warm, the weekly report job for 200 leads and its delivery through the outbox
 * (files upload v2) against the fake Slack with Slack's pacing: test/bench/weekly-report.ts.
 * Postgres (pgload, pgplans): submit → stored → posted with one and two instances on one database, and
 * the plans of the outbox claim path and the nudge scan over 100,000 handoffs: test/bench/pg-load.ts, pg-plans.ts.
 * It informs; it does not gate: the exit code is 0 even when a target is missed (look for FAIL).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { arch, cpus, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorkflow } from '../../src/config/load-config';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { HandoffRepo } from '../../src/db/handoff-repo';
import type { Database } from '../../src/db/database';
import { openDb, type OpenDb } from '../../src/db/open-db';
import { MetricsRepo } from '../../src/db/metrics-repo';
import { QualityRepo } from '../../src/db/quality-repo';
import { StallRepo } from '../../src/db/stall-repo';
import { WeeklyReportRepo } from '../../src/db/weekly-report-repo';
import { InsightsService } from '../../src/services/insights-service';
import { WeeklyReportService } from '../../src/services/weekly-report-service';
import { configDirectory } from '../helpers/config-directory';
import { parseDuration } from '../../src/domain/business-clock';
import { buildDigests } from '../../src/domain/digest';
import type { PeopleDirectory } from '../../src/domain/ports';
import { calendarOf } from '../../src/domain/sla';
import { type NudgeKind, planNudges } from '../../src/domain/stall';
import type { JobDeps } from '../../src/jobs/deps';
import { runDigest } from '../../src/jobs/run-digest';
import { runNudges } from '../../src/jobs/run-nudges';
import { runHomeBench } from './home';
import { printInsightsResult, runInsightsBench } from './insights';
import { printWeeklyReportResult, runWeeklyReportBench } from './weekly-report';
import { runRoutingBench, runRoutingPgBench } from './routing';
import { printPgPlans, runPgPlansBench } from './pg-plans';
import { runPgLoadBench } from './pg-load';
import { loadResultsTable, runLoadBench } from './load';
import { formatPlan, inlineParams, stallQueryPlans } from './plans';
import { fmtInt, fmtMs, heading, type Measurement, median, repeat, resultsTable, timedAsync, verdictOf } from './report';
import { DAY, DEFAULT_PLAN, seed } from './seed';

const RUNS = 5;
/** A Wednesday, 09:30 UTC: 09:30 in UTC, 11:30 in Berlin, 18:30 in Tokyo (digest due), 05:30 in New York (not yet). */
const NOW = new Date('2026-05-13T09:30:00.000Z');
const FRESH_MS = 7 * DAY;
const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/handoff.config.yaml');

/**
 * The test fixture, plus an SLA on ops-to-fulfilment and business hours for fulfilment: in the
 * fixture only order-to-ops has an SLA and every team runs round the clock in UTC, which would
 * leave the business-hours arithmetic (the expensive part of planning a nudge) out of the bench.
 */
function benchConfig(): WorkflowConfig {
  const base = loadWorkflow(FIXTURE);
  const fulfilment = base.teams.fulfilment;
  const shipping = base.handoffTypes['ops-to-fulfilment'];
  if (!fulfilment || !shipping) throw new Error('the fixture changed: expected team "fulfilment" and type "ops-to-fulfilment"');
  return {
    ...base,
    teams: { ...base.teams, fulfilment: { ...fulfilment, timezone: 'Europe/Berlin', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } } },
    handoffTypes: { ...base.handoffTypes, 'ops-to-fulfilment': { ...shipping, sla: { accept: '8h', complete: '3d' } } },
  };
}

/** Timezones from the user_profiles cache only, as SlackPeopleDirectory does when every entry is fresh. */
class CachedPeopleDirectory implements PeopleDirectory {
  constructor(
    private readonly stalls: StallRepo,
    private readonly now: Date,
  ) {}

  async timezones(userIds: readonly string[]): Promise<Map<string, string>> {
    return this.stalls.cachedTimezones(userIds, new Date(this.now.getTime() - FRESH_MS));
  }
}

function jobDeps(db: Database, config: WorkflowConfig): JobDeps {
  const stalls = new StallRepo(db);
  return {
    config,
    handoffs: new HandoffRepo(db),
    stalls,
    people: new CachedPeopleDirectory(stalls, NOW),
    outbox: { kick: () => undefined },
    logger: { info: () => undefined, warn: () => undefined },
    weekly: new WeeklyReportService({ config, metrics: new MetricsRepo(db), insights: new InsightsService({ config, quality: new QualityRepo(db), directory: configDirectory(config), clock: { now: () => NOW } }) }),
    reports: new WeeklyReportRepo(db),
  };
}

/** The deciding half of runNudges: read what is due and plan each, without writing. */
async function decideNudges(stalls: StallRepo, config: WorkflowConfig): Promise<{ looked: number; fire: Record<string, number> }> {
  const fire: Record<string, number> = {};
  const due = await stalls.dueForNudge(NOW, 100_000);
  for (const h of due) {
    const type = config.handoffTypes[h.typeKey];
    const team = config.teams[h.toTeam];
    if (!type || !team) continue;
    const calendar = calendarOf(team);
    const plan = planNudges(h, NOW, calendar, parseDuration(type.nudge.every, calendar));
    const kinds: NudgeKind[] = [...(plan.wake ? (['woke'] as const) : []), ...(plan.fire ? [plan.fire.kind] : [])];
    for (const k of kinds) fire[k] = (fire[k] ?? 0) + 1;
  }
  return { looked: due.length, fire };
}

const kindsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${fmtInt(n)}`)
    .join(', ');

const count = (o: OpenDb, table: string): number => (o.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Sections to run: `npm run bench -- routing insights` runs those two; no argument runs them all. */
const SECTIONS = ['stall', 'home', 'load', 'routing', 'insights', 'report', 'pgload', 'pgplans', 'pgrouting'] as const;

function selectedSections(args: readonly string[]): (section: (typeof SECTIONS)[number]) => boolean {
  const unknown = args.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
  return (section) => args.length === 0 || args.includes(section);
}

async function main(): Promise<void> {
  const want = selectedSections(process.argv.slice(2));
  const started = performance.now();
  const config = benchConfig();
  const dir = mkdtempSync(join(tmpdir(), 'handoff-bench-'));
  const seedPath = join(dir, 'seed.db');
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  let sqliteVersion = 'not opened';

  try {
    heading('Handoff stall-job benchmark');
    const cpu = cpus();
    console.log(`node ${process.version} on ${platform()}/${arch()}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
    console.log(`now = ${NOW.toISOString()} (${NOW.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })}); runs per measurement: ${RUNS}`);
    console.log('config = test/fixtures/handoff.config.yaml + ops-to-fulfilment sla {accept 8h, complete 3d}, fulfilment Europe/Berlin Mon-Fri 09:00-17:00');

    if (want('stall')) {
      // --- Seed ---------------------------------------------------------------------------------
      const seeding = openDb(`file:${seedPath}`);
      sqliteVersion = (seeding.sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const seeded = seed(seeding.sqlite, config, NOW, DEFAULT_PLAN);
      seeding.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      await seeding.close();
      heading('Seeded database');
      console.log(`SQLite ${sqliteVersion}; file ${(statSync(seedPath).size / 2 ** 20).toFixed(1)} MiB; seeded in ${fmtMs(seeded.ms)} ms`);
      console.log(
        `${fmtInt(seeded.handoffs)} handoffs: ${fmtInt(seeded.closed)} closed over ${DEFAULT_PLAN.historyDays} days, ${fmtInt(seeded.dueForNudge)} active with nudge_at <= now, ${fmtInt(seeded.activeNotDue)} active with nudge_at later`,
      );
      console.log(`by kind: ${kindsText(seeded.byKind)}`);
      console.log(`${fmtInt(seeded.events)} events, ${fmtInt(seeded.profiles)} cached user profiles, ${fmtInt(seeded.users.length)} users; busiest person ${seeded.busiest.userId} (${seeded.busiest.active} active)`);
      console.log('no ANALYZE has been run (as in production: the migrations do not run it), so the planner has no statistics.');

      // --- Reads: deciding, building, listing (repeatable on one connection) ----------------------
      const read = openDb(`file:${seedPath}`);
      const stalls = new StallRepo(read);

      let due = 0;
      measurements.push({
        name: 'dueForNudge query alone',
        samples: await repeat(RUNS, async () => {
          const r = await timedAsync(() => stalls.dueForNudge(NOW, 100_000));
          due = r.value.length;
          return r.ms;
        }),
        rows: `${fmtInt(due)} rows`,
      });

      let decided = { looked: 0, fire: {} as Record<string, number> };
      measurements.push({
        name: 'nudge decide (dueForNudge + planNudges)',
        samples: await repeat(RUNS, async () => {
          const r = await timedAsync(() => decideNudges(stalls, config));
          decided = r.value;
          return r.ms;
        }),
        rows: `${fmtInt(decided.looked)} planned`,
        targetMs: 200,
      });

      // Where the deciding time goes: planning alone, on rows already read, and by what it plans.
      const dueRows = await stalls.dueForNudge(NOW, 100_000);
      const planMsByKind: Record<string, number> = {};
      measurements.push({
        name: 'planNudges alone (rows already read)',
        samples: await repeat(RUNS, () => {
          const t0 = performance.now();
          for (const h of dueRows) {
            const type = config.handoffTypes[h.typeKey];
            const team = config.teams[h.toTeam];
            if (!type || !team) continue;
            const t1 = performance.now();
            const calendar = calendarOf(team);
            const plan = planNudges(h, NOW, calendar, parseDuration(type.nudge.every, calendar));
            const key = `${plan.fire?.kind ?? 'nothing'} (${h.toTeam})`;
            planMsByKind[key] = (planMsByKind[key] ?? 0) + (performance.now() - t1) / RUNS;
          }
          return performance.now() - t0;
        }),
        rows: `${fmtInt(dueRows.length)} planned`,
      });

      let stalledRows = 0;
      measurements.push({
        name: 'listStalled query alone',
        samples: await repeat(RUNS, async () => {
          const r = await timedAsync(() => stalls.listStalled(NOW));
          stalledRows = r.value.length;
          return r.ms;
        }),
        rows: `${fmtInt(stalledRows)} rows`,
      });

      let built = 0;
      const leadsOf = (team: string) => config.teams[team]?.leads ?? [];
      measurements.push({
        name: 'buildDigests(listStalled(now))',
        samples: await repeat(RUNS, async () => {
          const r = await timedAsync(async () => buildDigests(await stalls.listStalled(NOW), leadsOf, NOW));
          built = r.value.size;
          return r.ms;
        }),
        rows: `${fmtInt(built)} digests`,
      });

      let mine = 0;
      measurements.push({
        name: `listActiveFor (busiest person)`,
        samples: await repeat(RUNS, async () => {
          const r = await timedAsync(() => stalls.listActiveFor(seeded.busiest.userId));
          mine = r.value.length;
          return r.ms;
        }),
        rows: `${fmtInt(mine)} rows`,
      });

      for (const teams of [['ops'], ['ops', 'fulfilment']]) {
        let n = 0;
        measurements.push({
          name: `listActiveForTeams(${JSON.stringify(teams)})`,
          samples: await repeat(RUNS, async () => {
            const r = await timedAsync(() => stalls.listActiveForTeams(teams));
            n = r.value.length;
            return r.ms;
          }),
          rows: `${fmtInt(n)} rows`,
        });
      }

      const plans = await stallQueryPlans(read.sqlite, NOW, seeded.busiest.userId);
      await read.close();

      // --- Jobs that write: a fresh copy of the seeded file for every run --------------------------
      const fresh = (run: number, fn: (o: OpenDb) => Promise<number>) => async () => {
        const path = join(dir, `run-${run}.db`);
        copyFileSync(seedPath, path);
        const opened = openDb(`file:${path}`);
        try {
          return await fn(opened);
        } finally {
          await opened.close();
          for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
        }
      };

      let nudgeRun = { looked: 0, sent: {} as Record<string, number>, events: 0, outbox: 0 };
      measurements.push({
        name: `nudge run (decide + record ${fmtInt(seeded.dueForNudge)})`,
        samples: await repeat(RUNS, (i) =>
          fresh(i, async (o) => {
            const eventsBefore = count(o, 'events');
            const r = await timedAsync(() => runNudges(jobDeps(o, config), NOW));
            nudgeRun = { ...r.value, events: count(o, 'events') - eventsBefore, outbox: count(o, 'outbox') };
            return r.ms;
          })(),
        ),
        rows: `${fmtInt(nudgeRun.looked)} looked at`,
      });

      let digestRun = { candidates: 0, queued: 0 };
      measurements.push({
        name: 'digest run (runDigest, builds + queues)',
        samples: await repeat(RUNS, (i) =>
          fresh(i, async (o) => {
            const r = await timedAsync(() => runDigest(jobDeps(o, config), NOW));
            digestRun = r.value;
            return r.ms;
          })(),
        ),
        rows: `${fmtInt(digestRun.queued)} queued`,
        targetMs: 1000,
      });

      // --- Report --------------------------------------------------------------------------------
      heading('What the jobs did');
      console.log(`nudge decide: looked at ${fmtInt(decided.looked)}; would fire ${kindsText(decided.fire)}`);
      const planCost = Object.entries(planMsByKind).sort(([, a], [, b]) => b - a);
      const dueByKey = new Map<string, number>();
      for (const h of dueRows) {
        const type = config.handoffTypes[h.typeKey];
        const team = config.teams[h.toTeam];
        if (!type || !team) continue;
        const calendar = calendarOf(team);
        const key = `${planNudges(h, NOW, calendar, parseDuration(type.nudge.every, calendar)).fire?.kind ?? 'nothing'} (${h.toTeam})`;
        dueByKey.set(key, (dueByKey.get(key) ?? 0) + 1);
      }
      console.log('planNudges time by what it plans (team), mean of the runs:');
      for (const [key, ms] of planCost) {
        const n = dueByKey.get(key) ?? 0;
        console.log(`  ${key.padEnd(34)} ${String(n).padStart(5)} handoffs ${fmtMs(ms).padStart(7)} ms  (${(n ? (ms * 1000) / n : 0).toFixed(0)} µs each)`);
      }
      console.log(
        `nudge run:    looked at ${fmtInt(nudgeRun.looked)}; sent ${kindsText(nudgeRun.sent)}; wrote ${fmtInt(nudgeRun.events)} events and ${fmtInt(nudgeRun.outbox)} outbox rows`,
      );
      console.log(`digest run:   ${fmtInt(digestRun.candidates)} people with stalled work, ${fmtInt(digestRun.queued)} digests queued (the rest are before 09:00 local or already had one)`);
      console.log(`listStalled:  ${fmtInt(stalledRows)} rows (the ${fmtInt(seeded.dueForNudge)} due plus ${fmtInt(stalledRows - seeded.dueForNudge)} snoozed/other stalled)`);
      if (nudgeRun.looked !== seeded.dueForNudge) notes.push(`runNudges looked at ${nudgeRun.looked} handoffs, expected all ${seeded.dueForNudge} due ones`);
      if (decided.looked !== seeded.dueForNudge) notes.push(`dueForNudge returned ${decided.looked} rows, expected ${seeded.dueForNudge}`);

      heading('Query plans (EXPLAIN QUERY PLAN of the SQL StallRepo sends)');
      let scans = 0;
      for (const p of plans) {
        console.log(`\n${p.name}`);
        console.log(`  SQL: ${inlineParams(p.query)}`);
        for (const line of formatPlan(p.rows)) console.log(`  ${line}`);
        for (const problem of p.problems) console.log(`  !! PROBLEM: ${problem}`);
        for (const note of p.notes) console.log(`  note: ${note}`);
        if (p.problems.length === 0) console.log('  ok: no full scan of handoffs');
        scans += p.problems.length;
      }

      heading('Results');
      console.log(resultsTable(measurements));
      console.log(
        '\nPASS* = median within target, slowest run not. Writes (runNudges, runDigest) run on a fresh copy of the seeded file each time; copying and opening are not timed.',
      );
      const failed = measurements.filter((m) => verdictOf(m) === 'FAIL');
      for (const m of failed) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);
      if (scans > 0) console.log(`FAIL: ${scans} full scan(s) of handoffs in the stall query plans (see above)`);
      for (const n of notes) console.log(`WARNING: ${n}`);
      if (failed.length === 0 && scans === 0 && notes.length === 0) console.log('All targets met; every stall query uses an index.');

    }
    if (want('home')) {
      // --- App Home and flow metrics (test/bench/home.ts) ---------------------------------------------
      heading('App Home and flow metrics (test/bench/home.ts)');
      const home = await runHomeBench({ log: (line) => console.log(line) });
      console.log(`\n${resultsTable(home)}`);
      for (const m of home.filter((x) => verdictOf(x) === 'FAIL')) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);

    }
    if (want('load')) {
      // --- Load (test/bench/load.ts): child processes; a crash there is reported, not fatal ------------
      heading('Load: the bot against a bare Bolt app (test/bench/load.ts)');
      try {
        const load = await runLoadBench({ log: (line) => console.log(line) });
        console.log(`\n${loadResultsTable(load.rows)}\n`);
        for (const n of load.notes) console.log(`note: ${n}`);
        for (const r of load.rows.filter((x) => x.verdict === 'FAIL')) console.log(`FAIL: ${r.name.trim()}: ${r.value}, target ${r.target}`);
      } catch (error) {
        console.error('ERROR: the load benchmark did not complete:', error);
        process.exitCode = 1;
      }
    }
    // --- Offer routing (test/bench/routing.ts) --------------------------------------------------------
    if (want('routing')) {
      heading('Offer routing: timed-out offers moved on (test/bench/routing.ts)');
      const routing = await runRoutingBench({ log: (line) => console.log(line) });
      console.log(`\n${resultsTable(routing.measurements)}\n`);
      for (const n of routing.notes) console.log(`note: ${n}`);
      for (const m of routing.measurements.filter((x) => verdictOf(x) === 'FAIL')) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);
      for (const p of routing.problems) console.log(`FAIL: ${p}`);
    }

    // --- Insights (test/bench/insights.ts) -------------------------------------------------------------
    if (want('insights')) {
      heading('Insights on 1,000,000 events (test/bench/insights.ts)');
      const insights = await runInsightsBench({ log: (line) => console.log(line) });
      printInsightsResult(insights, (line) => console.log(line));
      for (const m of insights.measurements.filter((x) => verdictOf(x) === 'FAIL')) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);
    }

    // --- Weekly report (test/bench/weekly-report.ts) ---------------------------------------------------
    if (want('report')) {
      heading('Weekly report for 200 leads (test/bench/weekly-report.ts)');
      const report = await runWeeklyReportBench({ log: (line) => console.log(line) });
      printWeeklyReportResult(report, (line) => console.log(line));
      for (const m of report.measurements.filter((x) => verdictOf(x) === 'FAIL')) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);
    }
    // --- Postgres load (test/bench/pg-load.ts) -----------------------------------------------------------
    if (want('pgload')) {
      heading('Postgres: submit → stored → posted with one and two instances, SQLite beside (test/bench/pg-load.ts)');
      try {
        const n = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
        const pgload = await runPgLoadBench({ submissions: n('PGLOAD_SUBMISSIONS'), runs: n('PGLOAD_RUNS'), log: (line) => console.log(line) });
        console.log(`\n${loadResultsTable(pgload.rows)}\n`);
        for (const note of pgload.notes) console.log(`note: ${note}`);
        for (const r of pgload.rows.filter((x) => x.verdict === 'FAIL')) console.log(`FAIL: ${r.name.trim()}: ${r.value}, target ${r.target}`);
      } catch (error) {
        console.error('ERROR: the Postgres load benchmark did not complete:', error);
        process.exitCode = 1;
      }
    }
    // --- Postgres plans (test/bench/pg-plans.ts) ---------------------------------------------------------
    if (want('pgplans')) {
      heading('Postgres: outbox claim path and nudge scan over 100,000 handoffs (test/bench/pg-plans.ts)');
      try {
        const result = await runPgPlansBench({ config, now: NOW, log: (line) => console.log(line) });
        const scans = printPgPlans(result, (line) => console.log(line));
        if (scans > 0) console.log(`FAIL: ${scans} full scan(s) of handoffs or outbox in the plans above`);
        else console.log('Every plan above reads handoffs and outbox through indexes.');
      } catch (error) {
        console.error('ERROR: the Postgres plans benchmark did not complete:', error);
        process.exitCode = 1;
      }
    }
    // --- Offer routing on Postgres (test/bench/routing.ts) -----------------------------------------------
    if (want('pgrouting')) {
      heading('Postgres: timed-out offers moved on (test/bench/routing.ts)');
      try {
        const routing = await runRoutingPgBench({ log: (line) => console.log(line) });
        console.log(`\n${resultsTable(routing.measurements)}\n`);
        for (const n of routing.notes) console.log(`note: ${n}`);
        for (const m of routing.measurements.filter((x) => verdictOf(x) === 'FAIL')) console.log(`FAIL: ${m.name}: median ${fmtMs(median(m.samples))} ms, target < ${m.targetMs} ms`);
        for (const p of routing.problems) console.log(`FAIL: ${p}`);
      } catch (error) {
        console.error('ERROR: the Postgres routing benchmark did not complete:', error);
        process.exitCode = 1;
      }
    }
    console.log(`\nnode ${process.version}, ${cpu.length} CPUs, SQLite ${sqliteVersion}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
