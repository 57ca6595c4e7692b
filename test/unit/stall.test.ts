import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TeamConfig } from '../../src/config/workflow-schema';
import { addBusinessMinutes, type BusinessCalendar } from '../../src/domain/business-clock';
import { HANDOFF_STATES, type HandoffState } from '../../src/domain/lifecycle';
import { slaTimes } from '../../src/domain/sla';
import { currentSla, isStalled, type NudgePlan, type NudgeSubject, planNudges } from '../../src/domain/stall';

// Every instant below was worked out by hand. New York is on EDT (UTC-04:00) in June 2024, so a
// 09:00–17:00 day there is 13:00Z–21:00Z. 2024-06-07 is a Friday, 2024-06-10 the Monday after.

const utc: BusinessCalendar = { timezone: 'UTC' };
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const ny: BusinessCalendar = { timezone: 'America/New_York', hours: { days: [...WEEKDAYS], start: '09:00', end: '17:00' } };

const d = (iso: string): Date => new Date(iso);
const ms = (iso: string): number => d(iso).getTime();

/** A repeat also names its cycle's breach, so a breach that never went out is sent instead. */
const repeat = (cycle: number, k: number) => ({ kind: 'complete_repeat' as const, key: `complete_repeat:${cycle}:${k}`, breachKey: `complete_breach:${cycle}` });

function subject(state: HandoffState, over: Partial<NudgeSubject> = {}): NudgeSubject {
  return {
    state,
    queuedAt: d('2024-06-03T10:00:00Z'),
    acceptedAt: null,
    updatedAt: d('2024-06-03T10:00:00Z'),
    acceptWarnAt: null,
    acceptDueAt: null,
    completeWarnAt: null,
    completeDueAt: null,
    snoozedUntil: null,
    ...over,
  };
}

// ---- Round-the-clock UTC fixtures (Monday 2024-06-03) ----------------------------------------
// Accept SLA 4h from 10:00Z: warn at 75% = 13:00Z, due 14:00Z.
const U_QUEUED = '2024-06-03T10:00:00Z';
const utcOpen = subject('open', { queuedAt: d(U_QUEUED), updatedAt: d(U_QUEUED), acceptWarnAt: d('2024-06-03T13:00:00Z'), acceptDueAt: d('2024-06-03T14:00:00Z') });
// Complete SLA 8h from 11:00Z: warn = 11:00 + 6h = 17:00Z, due 19:00Z. nudge.every = 60 min.
const U_ACCEPTED = '2024-06-03T11:00:00Z';
const utcAccepted = subject('accepted', {
  queuedAt: d(U_QUEUED),
  acceptedAt: d(U_ACCEPTED),
  updatedAt: d(U_ACCEPTED),
  acceptWarnAt: d('2024-06-03T13:00:00Z'),
  acceptDueAt: d('2024-06-03T14:00:00Z'),
  completeWarnAt: d('2024-06-03T17:00:00Z'),
  completeDueAt: d('2024-06-03T19:00:00Z'),
});
// Returned at 10:00Z; the requester has until 14:00Z (acceptDueAt) to resubmit.
const U_RETURNED = '2024-06-03T10:00:00Z';
const utcReturned = subject('returned', { updatedAt: d(U_RETURNED), acceptWarnAt: null, acceptDueAt: d('2024-06-03T14:00:00Z') });

// ---- 09:00–17:00 Mon–Fri New York fixtures ----------------------------------------------------
// Queued Fri 15:00 EDT (19:00Z), accept SLA 4h = 240 business min: 120 min left on Friday, so
// warn (180) = Mon 10:00 EDT = 14:00Z and due (240) = Mon 11:00 EDT = 15:00Z.
const N_QUEUED = '2024-06-07T19:00:00Z';
const nyOpen = subject('open', { queuedAt: d(N_QUEUED), updatedAt: d(N_QUEUED), acceptWarnAt: d('2024-06-10T14:00:00Z'), acceptDueAt: d('2024-06-10T15:00:00Z') });
// Accepted Thu 2024-06-06 14:00 EDT (18:00Z), complete SLA 1d = 480 min: Thu gives 180, so
// warn (360) = Fri 12:00 EDT = 16:00Z and due (480) = Fri 14:00 EDT = 18:00Z. nudge.every = 4h.
const N_ACCEPTED = '2024-06-06T18:00:00Z';
const nyAccepted = subject('accepted', {
  queuedAt: d('2024-06-06T13:00:00Z'),
  acceptedAt: d(N_ACCEPTED),
  updatedAt: d(N_ACCEPTED),
  completeWarnAt: d('2024-06-07T16:00:00Z'),
  completeDueAt: d('2024-06-07T18:00:00Z'),
});

const team = (calendar: BusinessCalendar): TeamConfig => ({
  name: 'Ops',
  channel: 'C0OPS',
  leads: [],
  timezone: calendar.timezone,
  hours: calendar.hours,
  holidays: [],
  assign: 'queue',
  offer: '30m',
});

describe('fixtures agree with slaTimes', () => {
  // Guards the hand-computed fixtures: if these drift, every table below is testing fiction.
  it.each([
    ['utc accept 4h', utc, '4h', U_QUEUED, '2024-06-03T13:00:00.000Z', '2024-06-03T14:00:00.000Z'],
    ['utc complete 8h', utc, '8h', U_ACCEPTED, '2024-06-03T17:00:00.000Z', '2024-06-03T19:00:00.000Z'],
    ['ny accept 4h over a weekend', ny, '4h', N_QUEUED, '2024-06-10T14:00:00.000Z', '2024-06-10T15:00:00.000Z'],
    ['ny complete 1d', ny, '1d', N_ACCEPTED, '2024-06-07T16:00:00.000Z', '2024-06-07T18:00:00.000Z'],
  ])('%s', (_name, calendar, duration, from, warnAt, dueAt) => {
    const t = slaTimes(team(calendar), duration, d(from));
    expect(t?.warnAt.toISOString()).toBe(warnAt);
    expect(t?.dueAt.toISOString()).toBe(dueAt);
  });
});

interface Row {
  name: string;
  h: NudgeSubject;
  now: string;
  every?: number;
  fire: NudgePlan['fire'];
  wake?: NudgePlan['wake'];
  next: string | null;
}

function check(rows: Row[], calendar: BusinessCalendar, defaultEvery: number) {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const plan = planNudges(r.h, d(r.now), calendar, r.every ?? defaultEvery);
    expect(plan.fire).toEqual(r.fire);
    expect(plan.wake).toEqual(r.wake ?? null);
    expect(plan.next?.toISOString() ?? null).toBe(r.next);
  });
}

describe('planNudges, round-the-clock UTC calendar', () => {
  const q = ms(U_QUEUED);
  const a = ms(U_ACCEPTED);
  check(
    [
      // open
      { name: 'open before warn: nothing, look again at warnAt', h: utcOpen, now: '2024-06-03T12:59:59Z', fire: null, next: '2024-06-03T13:00:00.000Z' },
      { name: 'open exactly at warn: accept_warn, next = dueAt', h: utcOpen, now: '2024-06-03T13:00:00Z', fire: { kind: 'accept_warn', key: `accept_warn:${q}` }, next: '2024-06-03T14:00:00.000Z' },
      { name: 'open between warn and due: accept_warn', h: utcOpen, now: '2024-06-03T13:45:00Z', fire: { kind: 'accept_warn', key: `accept_warn:${q}` }, next: '2024-06-03T14:00:00.000Z' },
      { name: 'open exactly at due: accept_breach, nothing more', h: utcOpen, now: '2024-06-03T14:00:00Z', fire: { kind: 'accept_breach', key: `accept_breach:${q}` }, next: null },
      {
        name: 'open after downtime long past due: only the breach fires',
        h: utcOpen,
        now: '2024-06-05T09:00:00Z',
        fire: { kind: 'accept_breach', key: `accept_breach:${q}` },
        next: null,
      },
      // accepted
      { name: 'accepted before warn: nothing, next = completeWarnAt', h: utcAccepted, now: '2024-06-03T16:00:00Z', fire: null, next: '2024-06-03T17:00:00.000Z' },
      { name: 'accepted at warn: complete_warn, next = completeDueAt', h: utcAccepted, now: '2024-06-03T17:00:00Z', fire: { kind: 'complete_warn', key: `complete_warn:${a}` }, next: '2024-06-03T19:00:00.000Z' },
      { name: 'accepted at due: complete_breach, next = due + every', h: utcAccepted, now: '2024-06-03T19:00:00Z', fire: { kind: 'complete_breach', key: `complete_breach:${a}` }, next: '2024-06-03T20:00:00.000Z' },
      { name: 'accepted 0.5 every past due: still the breach (k=0)', h: utcAccepted, now: '2024-06-03T19:30:00Z', fire: { kind: 'complete_breach', key: `complete_breach:${a}` }, next: '2024-06-03T20:00:00.000Z' },
      { name: 'accepted exactly 1 every past due: repeat 1', h: utcAccepted, now: '2024-06-03T20:00:00Z', fire: repeat(a, 1), next: '2024-06-03T21:00:00.000Z' },
      { name: 'accepted 2.5 every past due: repeat 2', h: utcAccepted, now: '2024-06-03T21:30:00Z', fire: repeat(a, 2), next: '2024-06-03T22:00:00.000Z' },
      {
        name: 'accepted 2.5 every past due with every = 90 (225 min): repeat 2, next due + 270',
        h: utcAccepted,
        now: '2024-06-03T22:45:00Z',
        every: 90,
        fire: repeat(a, 2),
        next: '2024-06-03T23:30:00.000Z',
      },
      {
        name: 'accepted after downtime past warn and due: the breach, not the warn',
        h: utcAccepted,
        now: '2024-06-03T19:10:00Z',
        fire: { kind: 'complete_breach', key: `complete_breach:${a}` },
        next: '2024-06-03T20:00:00.000Z',
      },
      {
        name: 'accepted without acceptedAt: the cycle falls back to queuedAt',
        h: { ...utcAccepted, acceptedAt: null },
        now: '2024-06-03T17:00:00Z',
        fire: { kind: 'complete_warn', key: `complete_warn:${q}` },
        next: '2024-06-03T19:00:00.000Z',
      },
      { name: 'accepted without a complete SLA: nothing, ever', h: { ...utcAccepted, completeWarnAt: null, completeDueAt: null }, now: '2024-06-09T00:00:00Z', fire: null, next: null },
      // returned
      { name: 'returned before acceptDueAt: nothing, next = acceptDueAt', h: utcReturned, now: '2024-06-03T13:59:59Z', fire: null, next: '2024-06-03T14:00:00.000Z' },
      { name: 'returned at acceptDueAt: returned_remind', h: utcReturned, now: '2024-06-03T14:00:00Z', fire: { kind: 'returned_remind', key: `returned_remind:${ms('2024-06-03T14:00:00Z')}` }, next: null },
      { name: 'returned after acceptDueAt: returned_remind', h: utcReturned, now: '2024-06-04T08:00:00Z', fire: { kind: 'returned_remind', key: `returned_remind:${ms('2024-06-03T14:00:00Z')}` }, next: null },
      // snoozed
      {
        name: 'snoozed and overdue: nothing until the snooze ends',
        h: { ...utcAccepted, snoozedUntil: d('2024-06-03T22:00:00Z') },
        now: '2024-06-03T21:59:59Z',
        fire: null,
        next: '2024-06-03T22:00:00.000Z',
      },
      {
        name: 'snooze ended before warn: wake only, next = warnAt',
        h: { ...utcAccepted, snoozedUntil: d('2024-06-03T14:00:00Z') },
        now: '2024-06-03T15:00:00Z',
        fire: null,
        wake: { key: `woke:${ms('2024-06-03T14:00:00Z')}` },
        next: '2024-06-03T17:00:00.000Z',
      },
      {
        name: 'snooze ends exactly now, past due: wake plus the breach',
        h: { ...utcAccepted, snoozedUntil: d('2024-06-03T19:30:00Z') },
        now: '2024-06-03T19:30:00Z',
        fire: { kind: 'complete_breach', key: `complete_breach:${a}` },
        wake: { key: `woke:${ms('2024-06-03T19:30:00Z')}` },
        next: '2024-06-03T20:00:00.000Z',
      },
      {
        name: 'snooze ended between warn and due: wake plus complete_warn',
        h: { ...utcAccepted, snoozedUntil: d('2024-06-03T18:00:00Z') },
        now: '2024-06-03T18:15:00Z',
        fire: { kind: 'complete_warn', key: `complete_warn:${a}` },
        wake: { key: `woke:${ms('2024-06-03T18:00:00Z')}` },
        next: '2024-06-03T19:00:00.000Z',
      },
      // closed
      { name: 'done past every SLA: nothing', h: { ...utcAccepted, state: 'done' }, now: '2024-06-04T12:00:00Z', fire: null, next: null },
      { name: 'cancelled past every SLA: nothing', h: { ...utcOpen, state: 'cancelled' }, now: '2024-06-04T12:00:00Z', fire: null, next: null },
      { name: 'done with a stale snooze: no wake', h: { ...utcAccepted, state: 'done', snoozedUntil: d('2024-06-03T12:00:00Z') }, now: '2024-06-04T12:00:00Z', fire: null, next: null },
    ],
    utc,
    60,
  );
});

describe('planNudges, 09:00–17:00 Mon–Fri America/New_York', () => {
  const q = ms(N_QUEUED);
  const a = ms(N_ACCEPTED);
  check(
    [
      { name: 'open, Friday after queueing: next = Monday warn', h: nyOpen, now: '2024-06-07T20:00:00Z', fire: null, next: '2024-06-10T14:00:00.000Z' },
      { name: 'open, Saturday (closed): still nothing', h: nyOpen, now: '2024-06-08T16:00:00Z', fire: null, next: '2024-06-10T14:00:00.000Z' },
      { name: 'open, Monday 10:00 EDT = warn', h: nyOpen, now: '2024-06-10T14:00:00Z', fire: { kind: 'accept_warn', key: `accept_warn:${q}` }, next: '2024-06-10T15:00:00.000Z' },
      { name: 'open, Monday 11:00 EDT = due', h: nyOpen, now: '2024-06-10T15:00:00Z', fire: { kind: 'accept_breach', key: `accept_breach:${q}` }, next: null },
      { name: 'open, downtime until Wednesday: only the breach', h: nyOpen, now: '2024-06-12T18:00:00Z', fire: { kind: 'accept_breach', key: `accept_breach:${q}` }, next: null },
      { name: 'accepted, Fri 11:59 EDT: before warn', h: nyAccepted, now: '2024-06-07T15:59:00Z', fire: null, next: '2024-06-07T16:00:00.000Z' },
      { name: 'accepted, Fri 13:00 EDT: complete_warn', h: nyAccepted, now: '2024-06-07T17:00:00Z', fire: { kind: 'complete_warn', key: `complete_warn:${a}` }, next: '2024-06-07T18:00:00.000Z' },
      // 120 business min past due; due + 240 = Fri 14:00 + 180 (to close) + Mon 60 = Mon 10:00 EDT.
      { name: 'accepted, Fri 16:00 EDT: breach, next Mon 10:00 EDT', h: nyAccepted, now: '2024-06-07T20:00:00Z', fire: { kind: 'complete_breach', key: `complete_breach:${a}` }, next: '2024-06-10T14:00:00.000Z' },
      // The weekend adds no business time: only 180 min past due, still k = 0.
      { name: 'accepted, Sunday: still the breach, next Mon 10:00 EDT', h: nyAccepted, now: '2024-06-09T15:00:00Z', fire: { kind: 'complete_breach', key: `complete_breach:${a}` }, next: '2024-06-10T14:00:00.000Z' },
      { name: 'accepted, Mon 09:00 EDT (180 past due): breach', h: nyAccepted, now: '2024-06-10T13:00:00Z', fire: { kind: 'complete_breach', key: `complete_breach:${a}` }, next: '2024-06-10T14:00:00.000Z' },
      // 240 past due → k=1; next = due + 480 = Fri 180 + Mon 300 = Mon 14:00 EDT.
      { name: 'accepted, Mon 10:00 EDT: repeat 1', h: nyAccepted, now: '2024-06-10T14:00:00Z', fire: repeat(a, 1), next: '2024-06-10T18:00:00.000Z' },
      // 600 past due (Fri 180 + Mon 420) = 2.5 every → k=2; next = due + 720 = Fri 180 + Mon 480 + Tue 60 = Tue 10:00 EDT.
      { name: 'accepted, Mon 16:00 EDT (2.5 every): repeat 2, next Tue 10:00 EDT', h: nyAccepted, now: '2024-06-10T20:00:00Z', fire: repeat(a, 2), next: '2024-06-11T14:00:00.000Z' },
      // Mon 17:00 EDT → Tue 09:00 EDT adds no business time: 660 past due, still k=2.
      { name: 'accepted, Mon night: still repeat 2', h: nyAccepted, now: '2024-06-11T03:00:00Z', fire: repeat(a, 2), next: '2024-06-11T14:00:00.000Z' },
      {
        name: 'snoozed over the weekend: nothing until Monday',
        h: { ...nyAccepted, snoozedUntil: d('2024-06-10T13:00:00Z') },
        now: '2024-06-08T12:00:00Z',
        fire: null,
        next: '2024-06-10T13:00:00.000Z',
      },
      {
        name: 'snooze ended Monday 09:00 EDT: wake plus the breach',
        h: { ...nyAccepted, snoozedUntil: d('2024-06-10T13:00:00Z') },
        now: '2024-06-10T13:00:00Z',
        fire: { kind: 'complete_breach', key: `complete_breach:${a}` },
        wake: { key: `woke:${ms('2024-06-10T13:00:00Z')}` },
        next: '2024-06-10T14:00:00.000Z',
      },
    ],
    ny,
    240,
  );
});

describe('planNudges keys name the SLA cycle', () => {
  it('a handoff queued again gets new accept keys', () => {
    const first = planNudges(utcOpen, d('2024-06-03T13:30:00Z'), utc, 60);
    // Released back to the queue at 15:00Z: new cycle, warn 18:00Z, due 19:00Z.
    const again = { ...utcOpen, queuedAt: d('2024-06-03T15:00:00Z'), acceptWarnAt: d('2024-06-03T18:00:00Z'), acceptDueAt: d('2024-06-03T19:00:00Z') };
    const second = planNudges(again, d('2024-06-03T18:30:00Z'), utc, 60);
    expect(first.fire).toEqual({ kind: 'accept_warn', key: `accept_warn:${ms('2024-06-03T10:00:00Z')}` });
    expect(second.fire).toEqual({ kind: 'accept_warn', key: `accept_warn:${ms('2024-06-03T15:00:00Z')}` });
    expect(second.fire?.key).not.toBe(first.fire?.key);
  });

  it('a handoff accepted again gets new complete keys', () => {
    const first = planNudges(utcAccepted, d('2024-06-03T21:30:00Z'), utc, 60);
    const again = { ...utcAccepted, acceptedAt: d('2024-06-03T12:00:00Z'), completeWarnAt: d('2024-06-03T18:00:00Z'), completeDueAt: d('2024-06-03T20:00:00Z') };
    const second = planNudges(again, d('2024-06-03T22:30:00Z'), utc, 60);
    expect(first.fire?.key).toBe(`complete_repeat:${ms('2024-06-03T11:00:00Z')}:2`);
    expect(second.fire?.key).toBe(`complete_repeat:${ms('2024-06-03T12:00:00Z')}:2`);
  });

  it('the same threshold gives the same key on every look', () => {
    const keys = ['2024-06-03T13:00:00Z', '2024-06-03T13:20:00Z', '2024-06-03T13:59:59Z'].map((now) => planNudges(utcOpen, d(now), utc, 60).fire?.key);
    expect(keys).toEqual([`accept_warn:${ms(U_QUEUED)}`, `accept_warn:${ms(U_QUEUED)}`, `accept_warn:${ms(U_QUEUED)}`]);
  });

  it('everyMinutes below 1 is treated as 1', () => {
    const plan = planNudges(utcAccepted, d('2024-06-03T19:02:30Z'), utc, 0);
    expect(plan.fire).toEqual(repeat(ms(U_ACCEPTED), 2));
    expect(plan.next?.toISOString()).toBe('2024-06-03T19:03:00.000Z');
  });
});

describe('currentSla and isStalled', () => {
  const rows: Array<[string, NudgeSubject, string, string, string | null, boolean]> = [
    ['open on track', utcOpen, '2024-06-03T12:59:59Z', 'on_track', '2024-06-03T14:00:00.000Z', false],
    ['open at warn', utcOpen, '2024-06-03T13:00:00Z', 'due_soon', '2024-06-03T14:00:00.000Z', true],
    ['open at due', utcOpen, '2024-06-03T14:00:00Z', 'overdue', '2024-06-03T14:00:00.000Z', true],
    ['open without SLA', subject('open'), '2024-06-09T00:00:00Z', 'none', null, false],
    // accepted measures the complete SLA, not the (passed) accept one
    ['accepted on track', utcAccepted, '2024-06-03T16:00:00Z', 'on_track', '2024-06-03T19:00:00.000Z', false],
    ['accepted at warn', utcAccepted, '2024-06-03T17:00:00Z', 'due_soon', '2024-06-03T19:00:00.000Z', true],
    ['accepted overdue', utcAccepted, '2024-06-03T19:00:00Z', 'overdue', '2024-06-03T19:00:00.000Z', true],
    ['accepted overdue and snoozed (isStalled ignores the snooze)', { ...utcAccepted, snoozedUntil: d('2024-06-04T00:00:00Z') }, '2024-06-03T20:00:00Z', 'overdue', '2024-06-03T19:00:00.000Z', true],
    // returned has no warn point: on track until acceptDueAt, even past a stale acceptWarnAt
    ['returned before due', { ...utcReturned, acceptWarnAt: d('2024-06-03T13:00:00Z') }, '2024-06-03T13:30:00Z', 'on_track', '2024-06-03T14:00:00.000Z', false],
    ['returned at due', utcReturned, '2024-06-03T14:00:00Z', 'overdue', '2024-06-03T14:00:00.000Z', true],
    ['done', { ...utcAccepted, state: 'done' }, '2024-06-05T00:00:00Z', 'none', null, false],
    ['cancelled', { ...utcOpen, state: 'cancelled' }, '2024-06-05T00:00:00Z', 'none', null, false],
  ];
  it.each(rows)('%s', (_name, h, now, state, dueAt, stalled) => {
    const sla = currentSla(h, d(now));
    expect(sla.state).toBe(state);
    expect(sla.dueAt?.toISOString() ?? null).toBe(dueAt);
    expect(isStalled(h, d(now))).toBe(stalled);
  });
});

describe('planNudges properties', () => {
  const START = ms('2024-01-01T00:00:00Z');
  const SPAN = ms('2025-12-31T00:00:00Z') - START;
  const MIN = 60_000;

  // Realistic subjects: SLA times derived from a start instant the way the service does.
  const arbSubject = fc
    .record({
      calendar: fc.constantFrom(utc, ny),
      state: fc.constantFrom(...HANDOFF_STATES),
      start: fc.integer({ min: 0, max: SPAN }),
      acceptMinutes: fc.option(fc.integer({ min: 0, max: 3 * 480 }), { nil: undefined }),
      completeMinutes: fc.option(fc.integer({ min: 0, max: 5 * 480 }), { nil: undefined }),
      snoozeOffsetMin: fc.option(fc.integer({ min: -3000, max: 6000 }), { nil: undefined }),
      every: fc.integer({ min: 1, max: 960 }),
      nowOffsetMin: fc.integer({ min: -600, max: 20_000 }),
      laterFraction: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    })
    .map((r) => {
      const start = new Date(START + r.start);
      const sla = (minutes: number | undefined) =>
        minutes === undefined ? { warn: null, due: null } : { warn: addBusinessMinutes(start, minutes * 0.75, r.calendar), due: addBusinessMinutes(start, minutes, r.calendar) };
      const accept = sla(r.acceptMinutes);
      const complete = sla(r.completeMinutes);
      const h: NudgeSubject = {
        state: r.state,
        queuedAt: start,
        acceptedAt: r.state === 'open' ? null : start,
        updatedAt: start,
        acceptWarnAt: r.state === 'returned' ? null : accept.warn,
        acceptDueAt: accept.due,
        completeWarnAt: r.state === 'accepted' ? complete.warn : null,
        completeDueAt: r.state === 'accepted' ? complete.due : null,
        snoozedUntil: r.state === 'accepted' && r.snoozeOffsetMin !== undefined ? new Date(start.getTime() + r.snoozeOffsetMin * MIN) : null,
      };
      return { ...r, h, now: new Date(start.getTime() + r.nowOffsetMin * MIN) };
    });

  it('is deterministic and `next` is strictly after `now`', () => {
    fc.assert(
      fc.property(arbSubject, ({ h, now, calendar, every }) => {
        const a = planNudges(h, now, calendar, every);
        const b = planNudges(h, new Date(now.getTime()), calendar, every);
        expect(b).toEqual(a);
        if (a.next) expect(a.next.getTime()).toBeGreaterThan(now.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('nothing changes before `next`, and something does at `next`', () => {
    fc.assert(
      fc.property(arbSubject, ({ h, now, calendar, every, laterFraction }) => {
        const plan = planNudges(h, now, calendar, every);
        if (!plan.next) return;
        const span = plan.next.getTime() - now.getTime();
        const between = new Date(now.getTime() + Math.floor(span * laterFraction));
        expect(planNudges(h, between, calendar, every)).toEqual(plan);
        const atNext = planNudges(h, plan.next, calendar, every);
        const changed = atNext.fire?.key !== plan.fire?.key || atNext.wake?.key !== plan.wake?.key;
        expect(changed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
