import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { HandoffRepo } from '../../src/db/handoff-repo';
import { MetricsRepo } from '../../src/db/metrics-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';
import { handoffs } from '../../src/db/schema';
import { type BusinessCalendar, businessMinutesBetween, businessTimeline } from '../../src/domain/business-clock';
import { DomainError } from '../../src/domain/errors';
import { percentile, summarize } from '../../src/domain/flow-metrics';
import type { EventType, HandoffState } from '../../src/domain/lifecycle';
import { StatsService } from '../../src/services/stats-service';
import { configDirectory } from '../helpers/config-directory';

describe('percentile (linear between closest ranks)', () => {
  it('matches hand-computed values', async () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    // n = 4: median at rank 1.5 → (2 + 3) / 2; p90 at rank 2.7 → 3 + 0.7 · (4 − 3).
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 10);
    expect(summarize([540, 30, 300, 60, 120])).toEqual({ count: 5, median: 120, p90: 444 });
  });

  it('lies between the smallest and largest value and grows with p', async () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const v = percentile(sorted, p) as number;
        expect(v).toBeGreaterThanOrEqual(sorted[0]);
        expect(v).toBeLessThanOrEqual(sorted[sorted.length - 1]);
        expect(percentile(sorted, Math.min(1, p + 0.1)) as number).toBeGreaterThanOrEqual(v - 1e-9);
      }),
    );
  });
});

describe('businessTimeline', () => {
  const calendars: BusinessCalendar[] = [
    { timezone: 'America/New_York', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }, holidays: ['2026-03-10'] },
    { timezone: 'Europe/Berlin', hours: { days: ['mon', 'tue', 'wed', 'thu', 'sat'], start: '08:30', end: '24:00' } },
    { timezone: 'UTC' },
  ];
  const from = new Date('2026-02-20T00:00:00Z');
  const to = new Date('2026-04-10T00:00:00Z');

  it('gives exactly what businessMinutesBetween gives, across DST changes, holidays and the range edges', async () => {
    const instant = fc.integer({ min: from.getTime() - 5 * 86_400_000, max: to.getTime() + 5 * 86_400_000 });
    for (const calendar of calendars) {
      const timeline = businessTimeline(calendar, from, to);
      fc.assert(
        fc.property(instant, instant, (a, b) => {
          expect(timeline.minutesBetween(a, b)).toBeCloseTo(businessMinutesBetween(new Date(a), new Date(b), calendar), 6);
        }),
        { numRuns: 300 },
      );
    }
  });
});

// ---- a seeded history, every expected figure worked out by hand ------------------------------

const T = (iso: string) => new Date(iso);
// Friday 2026-03-27 17:00 UTC. 7 days: [Fri 20th 17:00, Fri 27th 17:00); the previous 7 days before that.
const NOW = T('2026-03-27T17:00:00Z');
const BASE = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));

function workflow(): WorkflowConfig {
  const w = structuredClone(BASE) as WorkflowConfig & { teams: Record<string, { hours?: unknown }> };
  // ops works Mon–Fri 09:00–17:00 UTC: order-to-ops accept 4h = 240 business minutes, complete 2d = 960.
  (w.teams.ops as { hours?: unknown }).hours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
  return w;
}

type Step = [EventType, string, HandoffState, (Record<string, unknown> | undefined)?];

let dir: string;
let handle: OpenDb;
let repo: HandoffRepo;
let stats: StatsService;

/** One handoff to `team` created at `created`, then its events `[type, at, state after]` in order. */
async function seed(created: string, steps: Step[], typeKey = 'order-to-ops', team = 'ops'): Promise<void> {
  const at = T(created);
  const { handoff } = await repo.transaction(async (tx) =>
    await repo.create(
      tx,
      { typeKey, fromTeam: null, toTeam: team, state: 'open', requesterId: 'U0SALES1', ownerId: 'U0SALES1', title: 't', fields: {}, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C0OPS' },
      { type: 'created', actorId: 'U0SALES1', at, fromState: null, toState: 'open', data: {} },
      [],
      () => [],
    ),
  );
  let state: HandoffState = 'open';
  for (const [type, when, to, data] of steps) {
    await repo.transaction(async (tx) => await repo.insertEvent(tx, handoff.id, { type, actorId: 'U0OPS1', at: T(when), fromState: state, toState: to, data: data ?? {} }));
    state = to;
  }
  const last = steps.at(-1);
  const closedAt = state === 'done' || state === 'cancelled' ? T(last?.[1] as string) : null;
  await handle.db.update(handoffs).set({ state, closedAt }).where(eq(handoffs.id, handoff.id));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-metrics-'));
  handle = openDb(`file:${join(dir, 'h.db')}`);
  repo = new HandoffRepo(handle);
  const config = workflow();
  stats = new StatsService({ config, metrics: new MetricsRepo(handle), directory: configDirectory(config), clock: { now: () => NOW } });

  // Previous week: accepted after 10 business minutes, done 60 later.
  await seed('2026-03-17T09:00:00Z', [
    ['accepted', '2026-03-17T09:10:00Z', 'accepted'],
    ['completed', '2026-03-17T10:10:00Z', 'done'],
  ]);
  // This week (Mon 23rd … Fri 27th).
  // H1: accept 30, complete 60.
  await seed('2026-03-23T09:00:00Z', [
    ['accepted', '2026-03-23T09:30:00Z', 'accepted'],
    ['completed', '2026-03-23T10:30:00Z', 'done'],
  ]);
  // H2: accept 60; a reassign (accepted → accepted) does not restart the clock; complete Mon 11:00 → Wed 11:00
  //     = 360 + 480 + 120 = 960, exactly the SLA: no breach.
  await seed('2026-03-23T10:00:00Z', [
    ['accepted', '2026-03-23T11:00:00Z', 'accepted'],
    ['reassigned', '2026-03-24T12:00:00Z', 'accepted', { previousOwner: 'U0OPS1', newOwner: 'U0OPS2' }],
    ['completed', '2026-03-25T11:00:00Z', 'done'],
  ]);
  // H3: a lead assigns it from the queue after 120 (counts as accepted); complete Mon 15:00 → Thu 17:00 = 120 + 3·480 = 1560: breach.
  await seed('2026-03-23T13:00:00Z', [
    ['reassigned', '2026-03-23T15:00:00Z', 'accepted', { previousOwner: 'U0SALES1', newOwner: 'U0OPS2' }],
    ['completed', '2026-03-26T17:00:00Z', 'done'],
  ]);
  // H4: accept Mon 14:00 → Tue 11:00 = 180 + 120 = 300 (21 h on the wall): breach. Snoozed (not a state change),
  //     still in progress at the end: Tue 11:00 → Fri 17:00 = 360 + 3·480 = 1800 > 960: a running breach.
  await seed('2026-03-23T14:00:00Z', [
    ['accepted', '2026-03-24T11:00:00Z', 'accepted'],
    ['snoozed', '2026-03-25T10:00:00Z', 'accepted', { until: '2026-03-30T09:00:00Z', reason: 'customer' }],
  ]);
  // H5: accept Tue 09:00 → Wed 10:00 = 480 + 60 = 540: breach. Still in progress: Wed 10:00 → Fri 17:00 = 420 + 960 = 1380: running breach.
  await seed('2026-03-24T09:00:00Z', [['accepted', '2026-03-25T10:00:00Z', 'accepted']]);
  // H6: still waiting since Thu 09:00: 960 > 240 at the end: a running accept breach.
  await seed('2026-03-26T09:00:00Z', []);
  // H7: waiting since Fri 16:00: 60 < 240, not counted either way.
  await seed('2026-03-27T16:00:00Z', []);
  // H8, H9: returned after 60 each, the same reason in other words.
  await seed('2026-03-25T09:00:00Z', [['rejected', '2026-03-25T10:00:00Z', 'returned', { reason: 'Missing PO' }]]);
  await seed('2026-03-25T11:00:00Z', [['rejected', '2026-03-25T12:00:00Z', 'returned', { reason: '  missing   po ' }]]);
  await seed('2026-03-26T11:00:00Z', [['rejected', '2026-03-26T11:30:00Z', 'returned', { reason: 'Wrong customer' }]], 'anything-to-ops');
  // Another team's handoff never counts for ops.
  await seed('2026-03-24T09:00:00Z', [['accepted', '2026-03-26T09:00:00Z', 'accepted']], 'ops-to-fulfilment', 'fulfilment');
});

afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('team flow report from the event history', () => {
  it('counts, medians, 90th percentiles and SLA breach shares in business time', async () => {
    const r = await stats.teamReport('ops', 7);
    expect(r.period).toEqual({ from: T('2026-03-20T17:00:00Z'), to: NOW });
    const order = r.byType.find((t) => t.typeKey === 'order-to-ops')?.current;
    if (!order) throw new Error('no order-to-ops row');
    expect({ started: order.started, accepted: order.accepted, returned: order.returned, done: order.done }).toEqual({ started: 9, accepted: 5, returned: 2, done: 3 });
    // Time to accept: 30, 60, 120, 300, 540 → median 120; p90 at rank 3.6: 300 + 0.6 · 240 = 444.
    expect(order.timeToAccept).toEqual({ count: 5, median: 120, p90: 444 });
    // Time to complete: 60, 960, 1560 → median 960; p90 at rank 1.8: 960 + 0.8 · 600 = 1440.
    expect(order.timeToComplete).toEqual({ count: 3, median: 960, p90: 1440 });
    // Accept: 300 and 540 of 5 measured, plus H6 still waiting past it → 3 of 6.
    expect(order.acceptBreaches).toEqual({ part: 3, whole: 6 });
    // Complete: 1560 of 3 measured (960 is on time), plus H4 and H5 in progress past it → 3 of 5.
    expect(order.completeBreaches).toEqual({ part: 3, whole: 5 });
    // 2 returned of 7 decided.
    expect(order.rejections).toEqual({ part: 2, whole: 7 });
    expect(order.topReasons).toEqual([{ reason: 'Missing PO', count: 2 }]);
    // Visits that ended this week: open 30, 60, 120, 300, 540, 60, 60 (median 60); accepted 60, 960, 1560 (median 960).
    expect(order.stages.open.median).toBe(60);
    expect(order.stages.accepted).toEqual({ count: 3, median: 960, p90: 1440 });
    expect(order.longestStage).toBe('accepted');
  });

  it('totals the types of the team and compares with the previous period', async () => {
    const r = await stats.teamReport('ops', 7);
    const { current, previous } = r.total;
    expect(current.started).toBe(10);
    expect(current.returned).toBe(3);
    expect(current.rejections).toEqual({ part: 3, whole: 8 });
    expect(current.topReasons).toEqual([
      { reason: 'Missing PO', count: 2 },
      { reason: 'Wrong customer', count: 1 },
    ]);
    // anything-to-ops has no SLA: its measurements add nothing to the breach shares.
    expect(current.acceptBreaches).toEqual({ part: 3, whole: 6 });
    expect({ started: previous.started, accepted: previous.accepted, done: previous.done }).toEqual({ started: 1, accepted: 1, done: 1 });
    expect(previous.timeToAccept).toEqual({ count: 1, median: 10, p90: 10 });
    expect(previous.timeToComplete).toEqual({ count: 1, median: 60, p90: 60 });
    expect(r.byType.map((t) => t.typeKey)).toEqual(['order-to-ops', 'anything-to-ops']);
    // The Home's Team health asks for the totals alone: the same totals.
    const totalsOnly = await stats.teamReport('ops', 7, { perType: false });
    expect(totalsOnly.byType).toEqual([]);
    expect(totalsOnly.total).toEqual(r.total);
  });

  it('lets members and leads of a team see its stats, and nobody else', async () => {
    expect((await stats.answer('U0OPSLEAD', ['ops', '90d'])).report.days).toBe(90);
    expect((await stats.answer('U0OPS1', ['7D'])).report).toMatchObject({ teamKey: 'ops', days: 7 });
    await expect(stats.answer('U0SALES1', ['ops'])).rejects.toThrow('Stats of Operations are for its members and leads. You can see: `sales`.');
    await expect(stats.answer('U0NOBODY', [])).rejects.toBeInstanceOf(DomainError);
    await expect(stats.answer('U0OPS1', ['ops', '14d'])).rejects.toThrow('Pick a period of 7d, 30d, 90d.');
    await expect(stats.answer('U0OPS1', ['nope'])).rejects.toThrow('There is no team `nope`.');
  });
});
