/**
 * The insights figures from the day sums (QualityRepo.cells) equal the figures computed from the
 * event history as they were before the sums (test/helpers/quality-reference.ts), on a random
 * history written through HandoffRepo (so the facts and sums are written as the bot writes them):
 * accepts, returns with flagged fields and reasons, resubmissions, a lead's assignments, releases,
 * completions and cancellations, over periods whose boundaries cut days, and over UTC midnights.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { workflowSchema } from '../../src/config/workflow-schema';
import type { Database } from '../../src/db/database';
import { HandoffRepo, type NewEvent } from '../../src/db/handoff-repo';
import { openDatabase } from '../../src/db/open-db';
import { QualityRepo, type QualityScope } from '../../src/db/quality-repo';
import type { EventType, HandoffState } from '../../src/domain/lifecycle';
import { comparedPeriods, computeQualityFigures, countDecisions, type Period, pairKey, type VersionChange } from '../../src/domain/quality-metrics';
import { reportWeeks } from '../../src/domain/weekly-report';
import { InsightsService } from '../../src/services/insights-service';
import { rng } from '../bench/seed';
import { configDirectory } from '../helpers/config-directory';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/postgres';
import { type QualityEvent, referenceEvents, referenceFigures, referenceReport } from '../helpers/quality-reference';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The history spans these days before END; periods end at END and a few days before it. */
const SPAN_DAYS = 70;
const END = Date.UTC(2026, 4, 20, 13, 37, 11, 123);
const HANDOFFS = 160;
const FIELDS = ['order_id', 'customer', 'quantity'];
const REASONS = ['Missing PO', 'missing po!', '  Missing   PO ', 'Wrong customer', 'wrong customer.', 'No quantity', '', '!!!', 'Needs a customs form', 'needs a CUSTOMS form'];

const config = workflowSchema.parse({
  teams: {
    sales: { name: 'Sales', channel: 'C0SALES', members: ['U0S1'], leads: ['U0SL'], timezone: 'America/New_York', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' } },
    ops: { name: 'Ops', channel: 'C0OPS', members: ['U0O1'], leads: ['U0OL'], timezone: 'Europe/Berlin' },
    fulfilment: { name: 'Fulfilment', channel: 'C0FUL', members: ['U0F1'], leads: ['U0FL'], timezone: 'Asia/Kolkata', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '10:00', end: '18:30' } },
  },
  handoffTypes: {
    'order-to-ops': { name: 'Order', from: 'sales', to: 'ops', fields: FIELDS.map((key) => ({ key, label: key, type: 'text' })) },
    'ops-to-fulfilment': { name: 'Ship', from: 'ops', to: 'fulfilment', fields: FIELDS.map((key) => ({ key, label: key, type: 'text' })) },
    'anything-to-ops': { name: 'Anything', to: 'ops', fields: FIELDS.map((key) => ({ key, label: key, type: 'text' })) },
  },
});
const TYPES = Object.entries(config.handoffTypes).map(([key, t]) => ({ key, from: t.from ?? null, to: t.to }));

interface Step {
  readonly at: number;
  readonly handoff: number;
  readonly type: EventType;
  readonly from: HandoffState | null;
  readonly to: HandoffState;
  readonly data: Record<string, unknown>;
}

/**
 * Each handoff's life as a random walk through the lifecycle, its steps minutes to days apart; all
 * handoffs' steps are then written in time order, so event ids rise with time as they do live.
 */
function randomHistory(seed: number): { steps: Step[]; handoffs: Array<{ type: (typeof TYPES)[number]; version: string | null; createdAt: number }> } {
  const rnd = rng(seed);
  const pick = <X>(xs: readonly X[]) => xs[Math.floor(rnd() * xs.length)];
  const gap = () => (rnd() < 0.3 ? Math.floor(rnd() * 90) * MINUTE : rnd() < 0.7 ? Math.floor(rnd() * 20 * HOUR) : Math.floor(rnd() * 4 * DAY));
  const steps: Step[] = [];
  const handoffs: Array<{ type: (typeof TYPES)[number]; version: string | null; createdAt: number }> = [];
  for (let i = 0; i < HANDOFFS; i++) {
    const createdAt = END - SPAN_DAYS * DAY + Math.floor(rnd() * (SPAN_DAYS - 2) * DAY);
    const version = rnd() < 0.1 ? null : createdAt < END - 20 * DAY ? 'v1' : 'v2';
    handoffs.push({ type: pick(TYPES), version, createdAt });
    let at = createdAt;
    let state = 'open' as HandoffState;
    const step = (type: EventType, to: HandoffState, data: Record<string, unknown> = {}) => {
      at += 1 + gap();
      steps.push({ at, handoff: i, type, from: state, to, data });
      state = to;
    };
    steps.push({ at, handoff: i, type: 'created', from: null, to: 'open', data: {} });
    for (let n = 0; n < 12 && state !== 'done' && state !== 'cancelled'; n++) {
      const r = rnd();
      if (state === 'open') {
        if (r < 0.5) step('accepted', 'accepted');
        else if (r < 0.8) {
          const flagged = FIELDS.filter(() => rnd() < 0.4);
          // Older returns have no flags at all; some flag a field twice.
          const flags = rnd() < 0.1 ? {} : { flaggedFields: rnd() < 0.1 ? [...flagged, ...flagged] : flagged, somethingElse: rnd() < 0.3 };
          step('rejected', 'returned', { reason: pick(REASONS), ...flags });
        } else if (r < 0.87) step('reassigned', 'accepted', { previousOwner: 'U0S1', newOwner: 'U0O1' });
        else if (r < 0.9) step('cancelled', 'cancelled');
        else step('nudged', 'open', { kind: 'accept_warn' });
      } else if (state === 'accepted') {
        if (r < 0.55) step('completed', 'done');
        else if (r < 0.75) step('released', 'open', { previousOwner: 'U0O1' });
        else if (r < 0.85) step('reassigned', 'accepted', { previousOwner: 'U0O1', newOwner: 'U0O2' });
        else if (r < 0.9) step('cancelled', 'cancelled');
        else step('nudged', 'accepted', { kind: 'complete_warn' });
      } else if (state === 'returned') {
        if (r < 0.85) step('resubmitted', 'open', { changed: [] });
        else step('cancelled', 'cancelled');
      }
    }
  }
  // Steps past END do not happen yet; ties keep each handoff's own order (a stable sort).
  return { steps: steps.filter((s) => s.at < END).sort((a, b) => a.at - b.at), handoffs };
}

/** Writes the history as the bot does: HandoffRepo.create and applyTransition, a few changes per transaction. */
async function writeHistory(database: Database, seed: number): Promise<void> {
  const repo = new HandoffRepo(database);
  const { steps, handoffs } = randomHistory(seed);
  const ids = new Map<number, { id: number; version: number }>();
  for (let i = 0; i < steps.length; i += 25) {
    await repo.transaction(async (tx) => {
      for (const s of steps.slice(i, i + 25)) {
        const at = new Date(s.at);
        const event: NewEvent = { type: s.type, actorId: 'U0X', at, fromState: s.from, toState: s.to, data: s.data };
        if (s.type === 'created') {
          const h = handoffs[s.handoff];
          const { handoff } = await repo.create(
            tx,
            { typeKey: h.type.key, fromTeam: h.type.from, toTeam: h.type.to, state: 'open', requesterId: 'U0S1', ownerId: 'U0S1', title: `H${s.handoff}`, fields: {}, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C0OPS', typeVersion: h.version },
            event,
            [],
            () => [],
          );
          ids.set(s.handoff, { id: handoff.id, version: handoff.version });
          continue;
        }
        const h = ids.get(s.handoff);
        if (!h) throw new Error('a step before its handoff');
        const closed = s.to === 'done' || s.to === 'cancelled';
        await repo.applyTransition(tx, h.id, h.version, { state: s.to, updatedAt: at, ...(closed ? { closedAt: at } : {}) }, event, { notify: () => [] });
        h.version++;
      }
    });
  }
}

/** The version comparison as now defined, from the events: handoffs first decided in the window, per version. */
function versionsFromEvents(events: readonly QualityEvent[], window: Period): VersionChange[] {
  const [from, to] = [window.from.getTime(), window.to.getTime()];
  const versions = new Map<string, { version: string; since: number; decided: number; firstTimeRight: number }>();
  const byHandoff = new Map<number, QualityEvent[]>();
  for (const e of events) byHandoff.set(e.handoffId, [...(byHandoff.get(e.handoffId) ?? []), e]);
  for (const list of byHandoff.values()) {
    const first = list.find((e) => e.kind !== 'resubmitted');
    if (!first || !first.typeVersion || first.at < from || first.at >= to) continue;
    const v = versions.get(first.typeVersion) ?? { version: first.typeVersion, since: Infinity, decided: 0, firstTimeRight: 0 };
    v.since = Math.min(v.since, first.createdAt);
    v.decided++;
    if (!list.some((e) => e.kind === 'returned' && e.at < to)) v.firstTimeRight++;
    versions.set(first.typeVersion, v);
  }
  const ordered = [...versions.values()].sort((a, b) => a.since - b.since || a.version.localeCompare(b.version));
  return ordered.slice(1).map((after, i) => ({ before: ordered[i], after }));
}

const SCOPES: Array<{ scope: QualityScope; kind: 'team' | 'type'; key: string }> = [
  { scope: { team: 'ops' }, kind: 'team', key: 'ops' },
  { scope: { team: 'sales' }, kind: 'team', key: 'sales' },
  { scope: { type: 'anything-to-ops' }, kind: 'type', key: 'anything-to-ops' },
];
/** Ends of the compared periods: mid-day (every boundary cuts a day), and a UTC midnight (none does). */
const NOWS = [new Date(END), new Date(END - 3 * DAY - 5 * HOUR - 17 * MINUTE), new Date(Date.UTC(2026, 4, 12))];

describeOnEachDatabase('insights from the day sums', (dialect) => {
  let database: Database;
  let dir: string | null = null;
  let pg: TestDatabase | null = null;
  let insights: InsightsService;

  beforeAll(async () => {
    if (dialect === 'postgres') {
      pg = await createTestDatabase();
      database = await openDatabase(pg.url);
    } else {
      dir = mkdtempSync(join(tmpdir(), 'handoff-quality-'));
      database = await openDatabase(`file:${join(dir, 'q.db')}`);
    }
    await writeHistory(database, 14);
    insights = new InsightsService({ config, quality: new QualityRepo(database), directory: configDirectory(config), clock: { now: () => new Date(END) } });
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await pg?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the answer was before the day sums, and the version changes as now defined. */
  async function reference(scope: QualityScope, now: Date, days: number) {
    const { previous } = comparedPeriods(now, days);
    const events = await referenceEvents(database, scope, previous.from, now);
    const minutesLost = insights.minutesLost(previous.from, now);
    const report = referenceReport(events, now, days, { minutesLost: (e, returnedAt) => minutesLost({ ...e, returnedAt }) });
    const versions = report.byType
      .map((g) => ({ typeKey: g.key, changes: versionsFromEvents(events.filter((e) => e.typeKey === g.key), { from: previous.from, to: now }) }))
      .filter((v) => v.changes.length > 0);
    return { report, versions };
  }

  it('gives the same figures as the event history, in total, per type and per team pair', async () => {
    let compared = 0;
    for (const { scope, kind, key } of SCOPES)
      for (const now of NOWS)
        for (const days of [7, 30]) {
          const answer = await insights.report({ kind, key, name: key }, days, now);
          const expected = await reference(scope, now, days);
          expect(answer.report, `${key} ${days}d to ${now.toISOString()}`).toEqual(expected.report);
          expect(answer.versions, `versions of ${key} ${days}d to ${now.toISOString()}`).toEqual(expected.versions);
          compared += answer.report.totals.current.decided + answer.report.totals.previous.decided;
        }
    // The history is not empty: the comparisons compared something, returns and time lost included.
    expect(compared).toBeGreaterThan(300);
    const ops = await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, new Date(END));
    expect(ops.report.totals.current.returns).toBeGreaterThan(10);
    expect(ops.report.totals.current.timeLost.count).toBeGreaterThan(5);
    expect(ops.report.totals.current.flaggedFields.some((f) => f.topReason !== null)).toBe(true);
    expect(ops.report.totals.current.somethingElseReasons.length).toBeGreaterThan(1);
    expect(ops.versions.length).toBeGreaterThan(0);
  });

  it('gives the same figures for several teams (Home) and for weeks on the leads’ clocks (weekly report)', async () => {
    const now = new Date(END);
    const home = await insights.teamsReport(['ops', 'fulfilment'], 30, now);
    const { previous } = comparedPeriods(now, 30);
    const minutesLost = insights.minutesLost(previous.from, now);
    expect(home).toEqual(referenceReport(await referenceEvents(database, { teams: ['ops', 'fulfilment'] }, previous.from, now), now, 30, { minutesLost: (e, r) => minutesLost({ ...e, returnedAt: r }) }));

    const quality = new QualityRepo(database);
    for (const timezone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      const weeks = reportWeeks('2026-05-18', timezone, 9);
      const boundaries = [...weeks.map((w) => w.period.from), weeks[weeks.length - 1].period.to];
      const cells = await quality.cells({ teams: ['ops'] }, boundaries, { detail: true });
      const events = await referenceEvents(database, { teams: ['ops'] }, boundaries[0], boundaries[boundaries.length - 1]);
      const lost = insights.minutesLost(boundaries[0], boundaries[boundaries.length - 1]);
      const decisions = await insights.teamDecisions(['ops'], boundaries);
      for (const { weekOf, period } of weeks) {
        const expected = referenceFigures(events, period, { minutesLost: (e, r) => lost({ ...e, returnedAt: r }) });
        expect(computeQualityFigures(cells, period, { minutesLost: lost }), `${timezone} week of ${weekOf}`).toEqual(expected);
        const received = decisions.filter((c) => c.toTeam === 'ops');
        const { decided, firstTimeRight, returns, returnsOfDecided, bouncedMoreThanOnce } = referenceFigures(
          events.filter((e) => e.toTeam === 'ops'),
          period,
          { minutesLost: () => 0 },
        );
        expect(countDecisions(received, period)).toEqual({ decided, firstTimeRight, returns, returnsOfDecided, bouncedMoreThanOnce });
      }
    }
  });

  it('backfills the same sums from the event history, once', async () => {
    const now = new Date(END);
    const before = await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, now);
    const { qualityFacts, qualityDays, qualityReasons, qualityResubmissions, qualityBackfill } = database.schema;
    const counted = async () => (await database.db.select({ n: qualityFacts.eventId }).from(qualityFacts)).length;
    const facts = await counted();
    // As a database from before the sums: the events only.
    await database.transaction(async (tx) => {
      await tx.delete(qualityReasons);
      await tx.delete(qualityDays);
      await tx.delete(qualityResubmissions);
      await tx.delete(qualityFacts);
      await tx.delete(qualityBackfill);
    });
    expect((await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, now)).report.totals.current.decided).toBe(0);
    const quality = new QualityRepo(database);
    expect(await quality.catchUp(now)).toBe(facts);
    expect(await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, now)).toEqual(before);
    // A second start finds nothing to do, and a fact recorded twice is not summed twice.
    expect(await quality.catchUp(now)).toBe(0);
    await database.transaction(async (tx) => {
      await tx.delete(qualityBackfill);
    });
    expect(await quality.catchUp(now)).toBe(0);
    expect(await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, now)).toEqual(before);

    // An older version of the bot (a rolling deploy) writes an accept without its fact: the next
    // catch-up (at start, or before a report run) records it, and the figures match the history again.
    const repo = new HandoffRepo(database);
    const created = new Date(END - 2 * HOUR);
    const { handoff } = await repo.transaction((tx) =>
      repo.create(tx, { typeKey: 'order-to-ops', fromTeam: 'sales', toTeam: 'ops', state: 'open', requesterId: 'U0S1', ownerId: 'U0S1', title: 'late', fields: {}, createdAt: created, updatedAt: created, queuedAt: created, channelId: 'C0OPS', typeVersion: 'v2' }, { type: 'created', actorId: 'U0S1', at: created, fromState: null, toState: 'open', data: {} }, [], () => []),
    );
    await database.transaction(async (tx) => {
      await tx.insert(database.schema.events).values({ handoffId: handoff.id, type: 'accepted', actorId: 'U0O1', at: new Date(END - HOUR), fromState: 'open', toState: 'accepted', data: {} });
    });
    expect(await quality.catchUp(now)).toBe(1);
    const after = await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, now);
    expect(after.report.totals.current.decided).toBe(before.report.totals.current.decided + 1);
    expect(after.report).toEqual((await reference({ team: 'ops' }, now, 30)).report);
  });

  it('labels each team pair by its teams', async () => {
    const answer = await insights.report({ kind: 'team', key: 'ops', name: 'Ops' }, 30, new Date(END));
    expect(answer.report.byPair.map((g) => g.key).sort()).toEqual([pairKey(null, 'ops'), pairKey('ops', 'fulfilment'), pairKey('sales', 'ops')].sort());
  });
});
