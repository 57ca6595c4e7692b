/**
 * App Home and flow-metrics benchmark.
 *
 * `runHomeBench()` seeds a temporary SQLite file with 100,000 handoffs and 1,000,000 events (two
 * years of history for ten receiving teams, half of them on business hours in different
 * timezones), then times what a person waits for: building and rendering one person's Home (a
 * member; a lead, with and without cached Team health) and the 90-day `/handoff stats` of a team.
 * It returns measurements in the shape of test/bench/report.ts (`name`, `samples`, `rows`,
 * `targetMs`), and prints them when run directly: `npx tsx test/bench/home.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { workflowSchema } from '../../src/config/workflow-schema';
import { HomeRepo } from '../../src/db/home-repo';
import { MetricsRepo } from '../../src/db/metrics-repo';
import { openDb } from '../../src/db/open-db';
import { StallRepo } from '../../src/db/stall-repo';
import { exportHandoffs } from '../../src/services/export-service';
import { HomeService } from '../../src/services/home-service';
import { StatsService } from '../../src/services/stats-service';
import { buildHomeView } from '../../src/slack/views/home';
import { buildStatsMessage, statsViewOptions } from '../../src/slack/views/stats';
import { configDirectory } from '../helpers/config-directory';

export interface HomeBenchMeasurement {
  readonly name: string;
  /** Wall-clock ms of each run. */
  readonly samples: readonly number[];
  /** CPU ms this process spent in each run: on a busy machine, closer to what the work costs than wall time. */
  readonly cpuSamples: readonly number[];
  readonly rows: string;
  readonly targetMs?: number;
}

export interface HomeBenchOptions {
  readonly handoffs?: number;
  /** Total events; every handoff gets its lifecycle events, reminders fill up to this number. */
  readonly events?: number;
  readonly runs?: number;
  readonly log?: (line: string) => void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-05-13T14:30:00.000Z');
const HISTORY_DAYS = 730;
const TEAMS = 10;
const MEMBERS_PER_TEAM = 30;
const REQUESTERS = 2000;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'America/Los_Angeles'];

/** Ten receiving teams (even ones on 09:00–17:00 business hours), two handoff types each, with SLAs. */
export function benchWorkflow(): WorkflowConfig {
  const teams: Record<string, unknown> = {};
  const handoffTypes: Record<string, unknown> = {};
  for (let t = 0; t < TEAMS; t++) {
    teams[`team${t}`] = {
      name: `Team ${t}`,
      channel: `C0TEAM${t}`,
      members: Array.from({ length: MEMBERS_PER_TEAM }, (_, m) => memberId(t, m)),
      leads: [leadId(t)],
      timezone: ZONES[t % ZONES.length],
      ...(t % 2 === 0 ? { hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } } : {}),
    };
    for (const kind of ['request', 'order'])
      handoffTypes[`${kind}-to-team${t}`] = {
        name: `${kind} for team ${t}`,
        to: `team${t}`,
        fields: [
          { key: 'order_id', label: 'Order', type: 'text', required: true },
          { key: 'quantity', label: 'Quantity', type: 'number' },
          { key: 'priority', label: 'Priority', type: 'select', options: ['Low', 'Normal', 'Urgent'] },
        ],
        sla: { accept: '4h', complete: '2d' },
      };
  }
  return workflowSchema.parse({ teams, handoffTypes });
}

const memberId = (t: number, m: number) => `U0T${t}M${String(m).padStart(3, '0')}`;
const leadId = (t: number) => `U0T${t}LEAD`;
const requesterId = (r: number) => `U0REQ${String(r).padStart(5, '0')}`;

/** A deterministic generator, so every run seeds the same history. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SeedCounts {
  readonly handoffs: number;
  readonly events: number;
  readonly active: number;
}

/**
 * Raw prepared INSERTs in one transaction. Handoffs are spread evenly over two years; those of the
 * last ten days are still active (open, accepted or returned), older ones are done (some cancelled).
 * Lifecycle events follow each handoff's state; reminders (`nudged`) fill up to `events`.
 */
function seedHistory(sqlite: ReturnType<typeof openDb>['sqlite'], total: number, eventTotal: number): SeedCounts {
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const insertHandoff = sqlite.prepare(
    `INSERT INTO handoffs (id, type_key, from_team, to_team, state, requester_id, owner_id, title, fields, version, created_at, updated_at, queued_at, accepted_at, closed_at, accept_warn_at, accept_due_at, complete_warn_at, complete_due_at, channel_id, permalink)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = sqlite.prepare(`INSERT INTO events (handoff_id, type, actor_id, at, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  let events = 0;
  let active = 0;
  sqlite.transaction(() => {
    for (let id = 1; id <= total; id++) {
      const t = Math.floor(rnd() * TEAMS);
      const team = `team${t}`;
      const typeKey = `${rnd() < 0.5 ? 'request' : 'order'}-to-${team}`;
      const created = NOW.getTime() - Math.floor(((total - id + rnd()) / total) * HISTORY_DAYS * DAY);
      const requester = rnd() < 0.1 ? memberId((t + 1) % TEAMS, Math.floor(rnd() * MEMBERS_PER_TEAM)) : requesterId(Math.floor(rnd() * REQUESTERS));
      const member = memberId(t, Math.floor(rnd() * MEMBERS_PER_TEAM));
      const lifecycle: Array<[string, string, number, string | null, string, string]> = [['created', requester, created, null, 'open', '{}']];
      let at = created;
      let state = 'open';
      const step = (type: string, actor: string, to: string, minutes: number, data = '{}') => {
        at += Math.floor(minutes * MINUTE);
        lifecycle.push([type, actor, at, state, to, data]);
        state = to;
      };
      const recent = NOW.getTime() - created < 10 * DAY;
      let acceptedAt: number | null = null;
      if (rnd() < 0.15) {
        step('rejected', member, 'returned', 20 + rnd() * 600, JSON.stringify({ reason: pick(['Missing PO', 'Wrong customer', 'No quantity', 'Duplicate']) }));
        if (!(recent && rnd() < 0.3)) step('resubmitted', requester, 'open', 30 + rnd() * 900, JSON.stringify({ changed: ['order_id'] }));
      }
      if (state === 'open' && !(recent && rnd() < 0.35)) {
        step(rnd() < 0.1 ? 'reassigned' : 'accepted', member, 'accepted', 5 + rnd() * 600, rnd() < 0.1 ? JSON.stringify({ previousOwner: requester, newOwner: member }) : '{}');
        acceptedAt = at;
        if (rnd() < 0.1) step('snoozed', member, 'accepted', 60 + rnd() * 600, JSON.stringify({ until: new Date(at + 2 * DAY).toISOString(), reason: 'waiting' }));
        if (!recent || rnd() < 0.3) {
          if (rnd() < 0.04) step('cancelled', requester, 'cancelled', 60 + rnd() * 3000);
          else step('completed', member, 'done', 60 + rnd() * 3000);
        }
      }
      const closed = state === 'done' || state === 'cancelled';
      if (!closed) active++;
      const owner = state === 'accepted' || state === 'done' ? member : requester;
      const fields = JSON.stringify({ order_id: `SO-${id}`, quantity: 1 + Math.floor(rnd() * 100), priority: pick(['Low', 'Normal', 'Urgent']) });
      const acceptDue = state === 'open' ? created + 4 * HOUR : null;
      const completeDue = state === 'accepted' && acceptedAt ? acceptedAt + 2 * DAY : null;
      insertHandoff.run(
        id,
        typeKey,
        team,
        state,
        requester,
        owner,
        `${typeKey}: SO-${id}`,
        fields,
        created,
        at,
        created,
        acceptedAt,
        closed ? at : null,
        acceptDue ? created + 3 * HOUR : null,
        acceptDue,
        completeDue ? completeDue - 12 * HOUR : null,
        completeDue,
        `C0TEAM${t}`,
        `https://acme.slack.com/archives/C0TEAM${t}/p${id}`,
      );
      // Reminders: as many as it takes to reach the total, spread over the handoff's life.
      const share = Math.round((eventTotal - events) / (total - id + 1));
      const nudges = Math.max(0, Math.min(share - lifecycle.length, 40));
      const rows: Array<[string, string, number, string | null, string, string]> = [...lifecycle];
      for (let n = 0; n < nudges; n++) {
        const [, , when, , to] = lifecycle[Math.floor(rnd() * lifecycle.length)];
        rows.push(['nudged', 'handoff', when + 1 + n, to, to, JSON.stringify({ kind: 'accept_warn', key: `k${n}` })]);
      }
      rows.sort((a, b) => a[2] - b[2]);
      for (const [type, actor, when, from, to, data] of rows) insertEvent.run(id, type, actor, when, from, to, data);
      events += rows.length;
    }
  })();
  return { handoffs: total, events, active };
}

async function time(runs: number, fn: () => unknown): Promise<{ samples: number[]; cpuSamples: number[] }> {
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
    const used = process.cpuUsage(cpu);
    cpuSamples.push((used.user + used.system) / 1000);
  }
  return { samples, cpuSamples };
}

/** Seeds, measures, cleans up. The caller decides how to print; `log` gets progress lines. */
export async function runHomeBench(opts: HomeBenchOptions = {}): Promise<HomeBenchMeasurement[]> {
  const log = opts.log ?? (() => undefined);
  const runs = opts.runs ?? 7;
  const dir = mkdtempSync(join(tmpdir(), 'handoff-home-bench-'));
  const handle = openDb(`file:${join(dir, 'bench.db')}`);
  try {
    const config = benchWorkflow();
    const t0 = performance.now();
    const seeded = seedHistory(handle.sqlite, opts.handoffs ?? 100_000, opts.events ?? 1_000_000);
    handle.sqlite.exec('ANALYZE');
    log(`seeded ${seeded.handoffs.toLocaleString('en-US')} handoffs (${seeded.active.toLocaleString('en-US')} active) and ${seeded.events.toLocaleString('en-US')} events in ${Math.round(performance.now() - t0)} ms`);

    const clock = { now: () => NOW };
    const directory = configDirectory(config);
    const stats = new StatsService({ config, metrics: new MetricsRepo(handle), directory, clock });
    const newHome = () => new HomeService({ config, stalls: new StallRepo(handle), homes: new HomeRepo(handle), directory, clock, stats });
    const viewOptions = statsViewOptions(config);

    // The busiest member of team0: the most owned and started handoffs among its members.
    const busiest = handle.sqlite
      .prepare(`SELECT owner_id AS user, count(*) AS n FROM handoffs WHERE state IN ('open','accepted','returned') AND to_team = 'team0' AND owner_id LIKE 'U0T0M%' GROUP BY owner_id ORDER BY n DESC LIMIT 1`)
      .get() as { user: string; n: number };
    const measurements: HomeBenchMeasurement[] = [];
    const render = async (home: HomeService, user: string) => buildHomeView(await home.build(user), viewOptions);

    const memberHome = newHome();
    const memberView = await render(memberHome, busiest.user);
    const data = await memberHome.build(busiest.user);
    measurements.push({
      name: 'Home of a member (build + render)',
      ...(await time(runs, () => render(memberHome, busiest.user))),
      rows: `${data.mine.length} owned, ${data.waiting.length} started, queue ${data.queue.total}; ${memberView.blocks.length} blocks`,
      targetMs: 50,
    });

    const requester = (
      handle.sqlite.prepare(`SELECT requester_id AS user FROM handoffs WHERE state IN ('open','accepted','returned') AND requester_id LIKE 'U0REQ%' GROUP BY requester_id ORDER BY count(*) DESC LIMIT 1`).get() as { user: string }
    ).user;
    const requesterData = await memberHome.build(requester);
    measurements.push({
      name: 'Home of a requester (build + render)',
      ...(await time(runs, () => render(memberHome, requester))),
      rows: `${requesterData.waiting.length} waiting, ${requesterData.mine.length} owned`,
      targetMs: 50,
    });

    // A lead's first Home in five minutes computes Team health (30 days against the 30 before).
    measurements.push({
      name: 'Home of a lead, Team health computed',
      ...(await time(runs, () => render(newHome(), leadId(0)))),
      rows: 'team0 (business hours), 30 d + 30 d',
      targetMs: 50,
    });
    const leadHome = newHome();
    await render(leadHome, leadId(0));
    measurements.push({ name: 'Home of a lead, Team health cached', ...(await time(runs, () => render(leadHome, leadId(0)))), rows: 'team0', targetMs: 50 });

    for (const team of ['team0', 'team1']) {
      const report = await stats.teamReport(team, 90);
      const changes = handle.sqlite.prepare('SELECT count(*) AS n FROM handoffs WHERE to_team = ? AND created_at >= ?').get(team, NOW.getTime() - 180 * DAY) as { n: number };
      measurements.push({
        name: `/handoff stats ${team} 90d (query + math + message)`,
        ...(await time(runs, async () => buildStatsMessage(await stats.teamReport(team, 90), viewOptions))),
        rows: `${changes.n.toLocaleString('en-US')} handoffs in 180 d; ${report.total.current.started} started in 90 d; ${config.teams[team].hours ? 'business hours' : 'round the clock'}`,
        targetMs: 200,
      });
    }

    let bytes = 0;
    const exported = await time(1, () =>
      exportHandoffs({ config, metrics: new MetricsRepo(handle), now: NOW }, { since: new Date(NOW.getTime() - 365 * DAY), format: 'csv' }, async (chunk) => {
        bytes += chunk.length;
      }),
    );
    measurements.push({ name: 'export --since 1 year --format csv', ...exported, rows: `${(bytes / 1e6).toFixed(1)} MB` });
    return measurements;
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const measurements = await runHomeBench({ log: (line) => console.log(line) });
  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const m of measurements) {
    const wall = median(m.samples);
    const verdict = m.targetMs === undefined ? '' : wall < m.targetMs ? `PASS (< ${m.targetMs} ms)` : `FAIL (target ${m.targetMs} ms)`;
    console.log(`${m.name.padEnd(48)} median ${wall.toFixed(1).padStart(7)} ms (cpu ${median(m.cpuSamples).toFixed(1).padStart(6)} ms)  max ${Math.max(...m.samples).toFixed(1).padStart(7)} ms  ${verdict}  [${m.rows}]`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
