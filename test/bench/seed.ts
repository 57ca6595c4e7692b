/**
 * Seeds a realistic Handoff database for the benchmark with raw prepared INSERTs in one transaction.
 *
 * Active rows get their SLA columns from the real `slaTimes` (so business-hours calendars are
 * honoured) and `nudge_at` as the service would have left it; closed rows are cheap arithmetic.
 */
import type Database from 'better-sqlite3';
import type { HandoffTypeConfig, TeamConfig, WorkflowConfig } from '../../src/config/workflow-schema';
import { addBusinessMinutes, businessMinutesBetween, parseDuration } from '../../src/domain/business-clock';
import { calendarOf, slaTimes, type SlaTimes, WARN_FRACTION } from '../../src/domain/sla';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const TIMEZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'] as const;

/** How many rows of each kind; the defaults are the scenario. */
export interface SeedPlan {
  /** All handoffs, closed ones included. */
  readonly total: number;
  /** Active and stalled at `now`, with nudge_at <= now (the nudge job must look at each). */
  readonly openStalled: number;
  readonly acceptedStalled: number;
  /** Of acceptedStalled: snoozed, the snooze has ended (nudge_at = snoozed_until <= now). */
  readonly acceptedSnoozeEnded: number;
  readonly returnedStalled: number;
  /** Active, nothing due yet: nudge_at in the future. */
  readonly openOnTrack: number;
  readonly acceptedOnTrack: number;
  /** Accepted, past the reminder point but snoozed until later (leads see them in `listStalled`). */
  readonly acceptedSnoozed: number;
  readonly users: number;
  readonly eventsPerActive: number;
  /** Closed history goes back this far. */
  readonly historyDays: number;
}

export const DEFAULT_PLAN: SeedPlan = {
  total: 100_000,
  openStalled: 1_500,
  acceptedStalled: 3_000,
  acceptedSnoozeEnded: 300,
  returnedStalled: 500,
  openOnTrack: 850,
  acceptedOnTrack: 850,
  acceptedSnoozed: 300,
  users: 3_000,
  eventsPerActive: 5,
  historyDays: 90,
};

export interface SeedResult {
  readonly handoffs: number;
  readonly closed: number;
  readonly dueForNudge: number;
  readonly activeNotDue: number;
  readonly events: number;
  readonly profiles: number;
  readonly users: readonly string[];
  /** The person with most active handoffs (owned or requested): the `/handoff mine` case. */
  readonly busiest: { readonly userId: string; readonly active: number };
  readonly byKind: Record<string, number>;
  readonly ms: number;
  /** Of `ms`, building the rows (the rest is inserting them). */
  readonly generatedMs: number;
}

/** Small deterministic PRNG (mulberry32), so every run seeds the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type State = 'open' | 'accepted' | 'returned' | 'done' | 'cancelled';

interface Row {
  type_key: string;
  from_team: string | null;
  to_team: string;
  state: State;
  requester_id: string;
  owner_id: string;
  title: string;
  fields: string;
  completion: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  queued_at: number;
  accepted_at: number | null;
  closed_at: number | null;
  accept_warn_at: number | null;
  accept_due_at: number | null;
  complete_warn_at: number | null;
  complete_due_at: number | null;
  snoozed_until: number | null;
  nudge_at: number | null;
  channel_id: string;
  message_ts: string | null;
  permalink: string | null;
  parent_id: number | null;
  submission_key: string | null;
  /** Not a column: nudge keys already claimed by earlier runs. */
  claims: string[];
  /** Not a column: what kind of row this is (for the summary). */
  kind: string;
}

const COLUMNS = [
  'type_key',
  'from_team',
  'to_team',
  'state',
  'requester_id',
  'owner_id',
  'title',
  'fields',
  'completion',
  'version',
  'created_at',
  'updated_at',
  'queued_at',
  'accepted_at',
  'closed_at',
  'accept_warn_at',
  'accept_due_at',
  'complete_warn_at',
  'complete_due_at',
  'snoozed_until',
  'nudge_at',
  'channel_id',
  'message_ts',
  'permalink',
  'parent_id',
  'submission_key',
] as const;

const CUSTOMERS = ['ACME', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Soylent', 'Tyrell', 'Cyberdyne'];
const PRIORITIES = ['Low', 'Normal', 'Urgent'];
const WAREHOUSES = ['Berlin', 'Newark'];

/**
 * Fills an empty, migrated database. `now` is the benchmark's clock: stalled rows are stalled then.
 * Active handoffs use the types that have an SLA (a handoff without one never stalls).
 */
export function seed(sqlite: Database.Database, config: WorkflowConfig, now: Date, plan: SeedPlan = DEFAULT_PLAN): SeedResult {
  const started = performance.now();
  const random = rng(20_240_610);
  const T = now.getTime();
  const uniform = (lo: number, hi: number) => lo + random() * (hi - lo);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)];

  const users = Array.from({ length: plan.users }, (_, i) => `U${String(i + 1).padStart(8, '0')}`);
  // Skewed: a few people are involved in much more than most, as in real teams.
  const person = () => users[Math.floor(plan.users * random() ** 1.5)];
  const other = (not: string) => {
    for (;;) {
      const u = person();
      if (u !== not) return u;
    }
  };

  const typeKeys = Object.keys(config.handoffTypes);
  const slaTypes = typeKeys.filter((k) => config.handoffTypes[k].sla.accept !== undefined && config.handoffTypes[k].sla.complete !== undefined);
  if (slaTypes.length === 0) throw new Error('the benchmark config needs at least one handoff type with accept and complete SLAs');
  const teamOf = (key: string): TeamConfig => {
    const t = config.teams[key];
    if (!t) throw new Error(`unknown team ${key}`);
    return t;
  };

  let orderNo = 10_000;
  const fieldsFor = (typeKey: string): { title: string; fields: string; orderId: string | null } => {
    const customer = pick(CUSTOMERS);
    const orderId = `SO-${orderNo++}`;
    switch (typeKey) {
      case 'order-to-ops':
        return {
          title: `Order ${orderId} for ${customer}`,
          fields: JSON.stringify({ order_id: orderId, customer, ship_by: '2026-06-01', priority: pick(PRIORITIES), quantity: 1 + Math.floor(random() * 500) }),
          orderId,
        };
      case 'ops-to-fulfilment':
        return {
          title: `Ship ${orderId} to ${customer}`,
          fields: JSON.stringify({ order_id: orderId, customer, tracking: `1Z${orderNo}${Math.floor(random() * 1e6)}`, warehouse: pick(WAREHOUSES) }),
          orderId,
        };
      default:
        return { title: `Question from ${customer}`, fields: JSON.stringify({ request: `Please check the account of ${customer} (ref ${orderId}).` }), orderId: null };
    }
  };

  const base = (typeKey: string, state: State, createdAt: number): Row => {
    const type: HandoffTypeConfig = config.handoffTypes[typeKey];
    const team = teamOf(type.to);
    const f = fieldsFor(typeKey);
    const requester = person();
    return {
      type_key: typeKey,
      from_team: type.from ?? null,
      to_team: type.to,
      state,
      requester_id: requester,
      owner_id: requester,
      title: f.title,
      fields: f.fields,
      completion: null,
      version: 1,
      created_at: createdAt,
      updated_at: createdAt,
      queued_at: createdAt,
      accepted_at: null,
      closed_at: null,
      accept_warn_at: null,
      accept_due_at: null,
      complete_warn_at: null,
      complete_due_at: null,
      snoozed_until: null,
      nudge_at: null,
      channel_id: team.channel,
      message_ts: `${Math.floor(createdAt / 1000)}.${String(Math.floor(random() * 1e6)).padStart(6, '0')}`,
      permalink: `https://example.slack.com/archives/${team.channel}/p${Math.floor(createdAt / 1000)}000100`,
      parent_id: null,
      submission_key: null,
      claims: [],
      kind: state,
    };
  };

  /** Tries `make` until `ok` holds (the start windows below make the first try succeed almost always). */
  const sample = <X>(make: () => X, ok: (x: X) => boolean): X => {
    for (let i = 0; i < 1000; i++) {
      const x = make();
      if (ok(x)) return x;
    }
    throw new Error('could not sample a row that satisfies the scenario; widen the ranges');
  };

  const times = (typeKey: string, which: 'accept' | 'complete', from: number, teamKey?: string): SlaTimes => {
    const type = config.handoffTypes[typeKey];
    const t = slaTimes(teamOf(teamKey ?? type.to), type.sla[which], new Date(from));
    if (!t) throw new Error(`${typeKey} has no ${which} SLA`);
    return t;
  };

  /** The latest start (to the second) from which `minutes` of the team's business time have passed by now. */
  const latestStarts = new Map<string, number>();
  const latestStartWith = (teamKey: string, minutes: number): number => {
    const key = `${teamKey}|${minutes}`;
    const known = latestStarts.get(key);
    if (known !== undefined) return known;
    const calendar = calendarOf(teamOf(teamKey));
    const enough = (from: number) => businessMinutesBetween(new Date(from), now, calendar) >= minutes;
    let hi = T; // not enough (no time has passed)
    let step = HOUR;
    while (!enough(T - step)) {
      hi = T - step;
      step *= 2;
      if (step > 400 * DAY) throw new Error(`team ${teamKey} has no business time in the last 400 days`);
    }
    let lo = T - step; // enough
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2);
      if (enough(mid)) lo = mid;
      else hi = mid;
    }
    latestStarts.set(key, lo);
    return lo;
  };

  /**
   * Where an SLA of `duration` on `teamKey`'s clock must have started to be in `phase` now, as an
   * interval of start instants: sampling from it (instead of from any age and rejecting) keeps the
   * seeding fast, since every SLA computation walks the business calendar.
   */
  type Phase = 'on track' | 'warned' | 'breached' | 'stalled';
  const startWindow = (teamKey: string, duration: string | undefined, phase: Phase, maxAgeMs: number): readonly [number, number] => {
    if (duration === undefined) throw new Error('no SLA');
    const minutes = parseDuration(duration, calendarOf(teamOf(teamKey)));
    const warnBy = latestStartWith(teamKey, minutes * WARN_FRACTION);
    const dueBy = latestStartWith(teamKey, minutes);
    switch (phase) {
      case 'on track':
        return [warnBy + 1000, T];
      case 'warned':
        return [dueBy + 1000, warnBy];
      case 'breached':
        return [Math.min(T - maxAgeMs, dueBy - HOUR), dueBy];
      case 'stalled':
        return [Math.min(T - maxAgeMs, warnBy - HOUR), warnBy];
    }
  };
  const inPhase = (s: SlaTimes, phase: Phase): boolean => {
    const warned = s.warnAt.getTime() <= T;
    const due = s.dueAt.getTime() <= T;
    return phase === 'on track' ? !warned : phase === 'warned' ? warned && !due : phase === 'breached' ? due : warned;
  };
  /** A start instant of an SLA in `phase` now, and the SLA's times. */
  const startIn = (typeKey: string, which: 'accept' | 'complete', phase: Phase, maxAgeMs: number, teamKey?: string): { from: number; sla: SlaTimes } => {
    const type = config.handoffTypes[typeKey];
    const team = teamKey ?? type.to;
    const [lo, hi] = startWindow(team, type.sla[which], phase, maxAgeMs);
    return sample(
      () => {
        const from = Math.floor(uniform(lo, hi));
        return { from, sla: times(typeKey, which, from, team) };
      },
      (x) => inPhase(x.sla, phase),
    );
  };

  const rows: Row[] = [];

  // --- Open, waiting to be accepted ------------------------------------------------------------
  const open = (kind: string, phase: Phase) => {
    const typeKey = pick(slaTypes);
    const { from: queuedAt, sla } = startIn(typeKey, 'accept', phase, 10 * DAY);
    const resubmitted = random() < 0.15;
    const r = base(typeKey, 'open', resubmitted ? queuedAt - Math.floor(uniform(HOUR, 3 * DAY)) : queuedAt);
    r.queued_at = queuedAt;
    r.updated_at = queuedAt;
    r.version = resubmitted ? 3 : 1;
    r.accept_warn_at = sla.warnAt.getTime();
    r.accept_due_at = sla.dueAt.getTime();
    const breached = r.accept_due_at <= T;
    // As the job leaves it: waiting for the warning, or (warned) for the breach.
    r.nudge_at = breached ? r.accept_due_at : r.accept_warn_at;
    if (breached) r.claims.push(`accept_warn:${queuedAt}`);
    r.kind = kind;
    return r;
  };
  // Half only past the reminder point (warning next), half past the SLA (breach next).
  for (let i = 0; i < plan.openStalled; i++) rows.push(open('open stalled', i % 2 === 0 ? 'warned' : 'breached'));
  for (let i = 0; i < plan.openOnTrack; i++) rows.push(open('open on track', 'on track'));

  // --- Accepted, being worked on ---------------------------------------------------------------
  const accepted = (kind: string, phase: Phase) => {
    const typeKey = pick(slaTypes);
    const type = config.handoffTypes[typeKey];
    const calendar = calendarOf(teamOf(type.to));
    const { from: acceptedAt, sla } = startIn(typeKey, 'complete', phase, 20 * DAY);
    const queuedAt = acceptedAt - Math.floor(uniform(10 * MINUTE, 6 * HOUR));
    const r = base(typeKey, 'accepted', queuedAt);
    const accept = times(typeKey, 'accept', queuedAt);
    r.owner_id = other(r.requester_id);
    r.queued_at = queuedAt;
    r.accepted_at = acceptedAt;
    r.updated_at = acceptedAt;
    r.version = 2;
    r.accept_warn_at = accept.warnAt.getTime();
    r.accept_due_at = accept.dueAt.getTime();
    r.complete_warn_at = sla.warnAt.getTime();
    r.complete_due_at = sla.dueAt.getTime();
    r.nudge_at = r.complete_warn_at;
    if (r.complete_due_at <= T) {
      // Warned and breached; past the first repeat, the job last looked then (it has been down since).
      const firstRepeat = addBusinessMinutes(sla.dueAt, Math.max(1, parseDuration(type.nudge.every, calendar)), calendar).getTime();
      r.claims.push(`complete_warn:${acceptedAt}`);
      if (firstRepeat <= T) r.claims.push(`complete_breach:${acceptedAt}`);
      r.nudge_at = firstRepeat <= T ? firstRepeat : r.complete_due_at;
    }
    r.kind = kind;
    return r;
  };
  for (let i = 0; i < plan.acceptedStalled; i++) {
    const r = accepted('accepted stalled', i % 5 < 2 ? 'warned' : 'breached');
    if (i < plan.acceptedSnoozeEnded) {
      r.snoozed_until = T - Math.floor(uniform(MINUTE, 12 * HOUR));
      r.nudge_at = r.snoozed_until;
      r.updated_at = Math.max(r.accepted_at ?? 0, r.snoozed_until - DAY);
      r.version += 1;
      r.kind = 'accepted stalled, snooze ended';
    }
    rows.push(r);
  }
  for (let i = 0; i < plan.acceptedOnTrack; i++) rows.push(accepted('accepted on track', 'on track'));
  for (let i = 0; i < plan.acceptedSnoozed; i++) {
    const r = accepted('accepted, snoozed until later', 'stalled');
    r.snoozed_until = T + Math.floor(uniform(HOUR, 3 * DAY));
    r.nudge_at = r.snoozed_until;
    r.updated_at = Math.max(r.accepted_at ?? 0, T - Math.floor(uniform(MINUTE, 12 * HOUR)));
    r.version += 1;
    rows.push(r);
  }

  // --- Returned to the requester, not resubmitted -----------------------------------------------
  for (let i = 0; i < plan.returnedStalled; i++) {
    const typeKey = pick(slaTypes);
    const type = config.handoffTypes[typeKey];
    // The reminder to resubmit runs on the requester's team's clock.
    const { from: returnedAt, sla } = startIn(typeKey, 'accept', 'breached', 10 * DAY, type.from ?? type.to);
    const queuedAt = returnedAt - Math.floor(uniform(30 * MINUTE, 2 * DAY));
    const r = base(typeKey, 'returned', queuedAt);
    r.queued_at = queuedAt;
    r.updated_at = returnedAt;
    r.version = 2;
    r.accept_warn_at = null;
    r.accept_due_at = sla.dueAt.getTime();
    r.nudge_at = r.accept_due_at;
    r.kind = 'returned stalled';
    rows.push(r);
  }

  // --- Closed history: done or cancelled, spread over historyDays ------------------------------
  const active = rows.length;
  const closed = plan.total - active;
  if (closed < 0) throw new Error('more active handoffs than the total');
  for (let i = 0; i < closed; i++) {
    const typeKey = pick(typeKeys);
    const type = config.handoffTypes[typeKey];
    const createdAt = Math.floor(T - uniform(HOUR, plan.historyDays * DAY));
    const state: State = random() < 0.9 ? 'done' : 'cancelled';
    const r = base(typeKey, state, createdAt);
    const acceptMs = type.sla.accept ? 4 * HOUR : null;
    const completeMs = type.sla.complete ? 2 * DAY : null;
    if (acceptMs) {
      r.accept_warn_at = createdAt + acceptMs * 0.75;
      r.accept_due_at = createdAt + acceptMs;
    }
    const wasAccepted = state === 'done' || random() < 0.5;
    if (wasAccepted) {
      r.accepted_at = createdAt + Math.floor(uniform(10 * MINUTE, 8 * HOUR));
      r.owner_id = other(r.requester_id);
      if (completeMs) {
        r.complete_warn_at = r.accepted_at + completeMs * 0.75;
        r.complete_due_at = r.accepted_at + completeMs;
      }
    }
    r.closed_at = Math.min(T - MINUTE, (r.accepted_at ?? createdAt) + Math.floor(uniform(HOUR, 5 * DAY)));
    r.updated_at = r.closed_at;
    r.version = wasAccepted ? 3 : 2;
    if (state === 'done' && typeKey === 'order-to-ops') r.completion = JSON.stringify({ tracking: `1Z${Math.floor(random() * 1e9)}` });
    r.kind = 'closed';
    rows.push(r);
  }

  // Ids follow creation order, as in a real database.
  rows.sort((a, b) => a.created_at - b.created_at);
  const generatedMs = performance.now() - started;

  const insertHandoff = sqlite.prepare(`INSERT INTO handoffs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const insertUnique = sqlite.prepare('INSERT INTO unique_values (type_key, field_key, value, handoff_id) VALUES (?, ?, ?, ?)');
  const insertNudge = sqlite.prepare('INSERT INTO nudges (handoff_id, key, at) VALUES (?, ?, ?)');
  const insertEvent = sqlite.prepare('INSERT INTO events (handoff_id, type, actor_id, at, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertProfile = sqlite.prepare('INSERT INTO user_profiles (user_id, timezone, fetched_at) VALUES (?, ?, ?)');

  const byKind: Record<string, number> = {};
  const activeCount = new Map<string, number>();
  let events = 0;
  let due = 0;
  let profiles = 0;
  const activeStates = new Set<State>(['open', 'accepted', 'returned']);

  // A big page cache for the bulk insert only: nine indexes on handoffs take keys in random order.
  const cacheSize = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -262144');
  sqlite.transaction(() => {
    for (const r of rows) {
      const id = Number(insertHandoff.run(COLUMNS.map((c) => r[c])).lastInsertRowid);
      byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
      if (!activeStates.has(r.state)) continue;
      if (r.nudge_at !== null && r.nudge_at <= T) due++;
      activeCount.set(r.owner_id, (activeCount.get(r.owner_id) ?? 0) + 1);
      if (r.requester_id !== r.owner_id) activeCount.set(r.requester_id, (activeCount.get(r.requester_id) ?? 0) + 1);
      const orderId = (JSON.parse(r.fields) as { order_id?: string }).order_id;
      if (orderId) insertUnique.run(r.type_key, 'order_id', orderId, id);
      for (const key of r.claims) insertNudge.run(id, key, Math.min(T, r.nudge_at ?? T));
      // A plausible history: created, then what happened since, ending in the current state.
      const span = Math.max(MINUTE, r.updated_at - r.created_at);
      for (let e = 0; e < plan.eventsPerActive; e++) {
        const at = r.created_at + Math.floor((span * e) / Math.max(1, plan.eventsPerActive - 1));
        const type = e === 0 ? 'created' : r.state === 'accepted' && e === 1 ? 'accepted' : r.state === 'returned' && e === plan.eventsPerActive - 1 ? 'rejected' : 'nudged';
        const fromState = e === 0 ? null : r.state === 'accepted' && e === 1 ? 'open' : r.state === 'returned' && e === plan.eventsPerActive - 1 ? 'open' : r.state;
        const toState = e === 0 ? 'open' : r.state;
        const data = type === 'nudged' ? JSON.stringify({ kind: 'requester' }) : type === 'rejected' ? JSON.stringify({ reason: 'Customer missing' }) : '{}';
        insertEvent.run(id, type, e === 0 ? r.requester_id : r.owner_id, at, fromState, toState, data);
        events++;
      }
    }
    // Every person's timezone is cached and fresh, so the digest run never asks Slack.
    const everyone = new Set<string>(users);
    for (const t of Object.values(config.teams)) for (const u of [...(t.members ?? []), ...t.leads]) everyone.add(u);
    let i = 0;
    for (const u of everyone) {
      insertProfile.run(u, TIMEZONES[i++ % TIMEZONES.length], T - DAY);
      profiles++;
    }
  })();
  sqlite.pragma(`cache_size = ${cacheSize}`);

  let busiest = { userId: users[0], active: 0 };
  for (const [userId, active] of activeCount) if (active > busiest.active) busiest = { userId, active };

  return {
    handoffs: rows.length,
    closed,
    dueForNudge: due,
    activeNotDue: active - due,
    events,
    profiles,
    users,
    busiest,
    byKind,
    ms: performance.now() - started,
    generatedMs,
  };
}
