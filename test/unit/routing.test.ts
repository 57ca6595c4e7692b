import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors';
import { type Actor, decide, type HandoffSnapshot, type HandoffState } from '../../src/domain/lifecycle';
import { escalationRecipients, firstStepAt, planEscalations, stepOffsetMinutes } from '../../src/domain/escalation';
import { pickNextOffer, routingOf, triedInCycle } from '../../src/domain/routing';
import { parseAwayArgs } from '../../src/services/away-service';

const TEAM = ['UA', 'UB', 'UC', 'UD'];
const none = new Set<string>();

describe('pickNextOffer', () => {
  it('queue never offers', () => {
    expect(pickNextOffer('queue', { members: TEAM, tried: none, away: none })).toBeNull();
  });

  it('round-robin takes the member after the last turn, wrapping round, skipping who was tried or is away', () => {
    expect(pickNextOffer('round-robin', { members: TEAM, tried: none, away: none })).toBe('UA');
    expect(pickNextOffer('round-robin', { members: TEAM, tried: none, away: none, lastTurn: 'UB' })).toBe('UC');
    expect(pickNextOffer('round-robin', { members: TEAM, tried: none, away: none, lastTurn: 'UD' })).toBe('UA');
    expect(pickNextOffer('round-robin', { members: TEAM, tried: new Set(['UC']), away: new Set(['UD']), lastTurn: 'UB' })).toBe('UA');
    // A last turn that left the team starts from the top.
    expect(pickNextOffer('round-robin', { members: TEAM, tried: none, away: none, lastTurn: 'UGONE' })).toBe('UA');
    expect(pickNextOffer('round-robin', { members: TEAM, tried: new Set(['UA', 'UB']), away: new Set(['UC', 'UD']) })).toBeNull();
  });

  it('least-loaded takes the fewest owned, then whoever accepted least recently (never first), then team order', () => {
    const loads = new Map([
      ['UA', 2],
      ['UB', 1],
      ['UC', 1],
    ]);
    expect(pickNextOffer('least-loaded', { members: TEAM, tried: none, away: none, loads })).toBe('UD');
    const lastAccepted = new Map([
      ['UB', new Date('2026-01-02')],
      ['UC', new Date('2026-01-01')],
    ]);
    expect(pickNextOffer('least-loaded', { members: TEAM, tried: new Set(['UD']), away: none, loads, lastAccepted })).toBe('UC');
    expect(pickNextOffer('least-loaded', { members: TEAM, tried: none, away: new Set(['UD', 'UC']), loads, lastAccepted })).toBe('UB');
    expect(pickNextOffer('least-loaded', { members: ['UA', 'UB'], tried: none, away: none })).toBe('UA');
  });
});

describe('triedInCycle', () => {
  const e = (type: string, fromState: HandoffState | null, toState: HandoffState, data: Record<string, unknown> = {}) => ({ type, fromState, toState, data }) as never;
  it('counts the offers since the handoff last entered the queue', () => {
    const history = [
      e('created', null, 'open'),
      e('offered', 'open', 'open', { to: 'UA' }),
      e('accepted', 'open', 'accepted'),
      e('released', 'accepted', 'open'),
      e('offered', 'open', 'open', { to: 'UB' }),
      e('passed', 'open', 'open'),
      e('offered', 'open', 'open', { to: 'UC' }),
    ];
    expect([...triedInCycle(history)].sort()).toEqual(['UB', 'UC']);
  });
});

describe('routingOf', () => {
  const team = { assign: 'round-robin', offer: '1h' } as never;
  it('takes the type over the team', () => {
    expect(routingOf(team, {})).toEqual({ mode: 'round-robin', offer: '1h' });
    expect(routingOf(team, { assign: 'least-loaded', offer: '10m' })).toEqual({ mode: 'least-loaded', offer: '10m' });
  });
});

describe('offers in the lifecycle', () => {
  const open: HandoffSnapshot = { id: 1, state: 'open', requesterId: 'UREQ', ownerId: 'UREQ', version: 3, offeredTo: 'UA', offerExpiresAt: new Date('2026-01-01T10:30:00Z') };
  const member = (userId: string): Actor => ({ userId, isMember: true, isLead: false });
  const code = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as DomainError).code;
    }
    return 'ok';
  };

  it('only the offered person may pass, only while open; the owner stays the requester', () => {
    expect(decide(open, { kind: 'pass', reason: ' busy ' }, member('UA'))).toMatchObject({ type: 'passed', to: 'open', ownerId: 'UREQ', data: { offeredTo: 'UA', reason: 'busy' } });
    expect(code(() => decide(open, { kind: 'pass' }, member('UB')))).toBe('forbidden');
    expect(code(() => decide({ ...open, offeredTo: null }, { kind: 'pass' }, member('UA')))).toBe('forbidden');
    expect(code(() => decide({ ...open, state: 'accepted', ownerId: 'UA' }, { kind: 'pass' }, member('UA')))).toBe('invalid_state');
  });

  it('an offer expires only once its time has come', () => {
    const system: Actor = { userId: 'handoff', isMember: false, isLead: false };
    expect(code(() => decide(open, { kind: 'expire_offer', now: new Date('2026-01-01T10:29:59Z') }, system))).toBe('invalid_state');
    expect(decide(open, { kind: 'expire_offer', now: new Date('2026-01-01T10:30:00Z') }, system)).toMatchObject({ type: 'offer_expired', to: 'open', data: { offeredTo: 'UA' } });
    expect(decide(open, { kind: 'offer', to: 'UB', until: new Date('2026-01-01T11:00:00Z') }, system)).toMatchObject({ type: 'offered', data: { to: 'UB' } });
    expect(code(() => decide({ ...open, state: 'done' }, { kind: 'offer', to: 'UB', until: new Date() }, system))).toBe('invalid_state');
  });
});


describe('planEscalations', () => {
  const calendar = { timezone: 'UTC', holidays: [] };
  const sla = {
    accept: '4h',
    escalate: [
      { after: '100%', to: 'leads' as const },
      { after: '90m', to: ['U0HEAD'] },
    ],
  };
  const open = { state: 'open' as const, queuedAt: new Date('2026-01-05T10:00:00Z'), acceptedAt: null, snoozedUntil: null };

  it('gives the steps due and when the next one is, keyed by stage, SLA start and step', () => {
    expect(planEscalations(open, new Date('2026-01-05T11:00:00Z'), calendar, sla)).toEqual({ due: [], next: new Date('2026-01-05T11:30:00Z') });
    const plan = planEscalations(open, new Date('2026-01-05T14:00:00Z'), calendar, sla);
    expect(plan.due.map((d) => d.key)).toEqual([`escalate:accept:${open.queuedAt.getTime()}:0`, `escalate:accept:${open.queuedAt.getTime()}:1`]);
    expect(plan.next).toBeNull();
  });

  it('does nothing without the stage\'s SLA, for closed handoffs, or while snoozed', () => {
    const accepted = { ...open, state: 'accepted' as const, acceptedAt: new Date('2026-01-05T10:00:00Z') };
    expect(planEscalations(accepted, new Date('2026-01-09T00:00:00Z'), calendar, sla).due).toEqual([]);
    expect(planEscalations({ ...open, state: 'done' }, new Date('2026-01-09T00:00:00Z'), calendar, sla).due).toEqual([]);
    const snoozed = { ...accepted, snoozedUntil: new Date('2026-01-08T00:00:00Z') };
    expect(planEscalations(snoozed, new Date('2026-01-07T00:00:00Z'), calendar, { ...sla, complete: '1h' })).toEqual({ due: [], next: snoozed.snoozedUntil });
  });

  it('counts shares and durations in business time', () => {
    const hours = { timezone: 'UTC', holidays: [], hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as never, start: '09:00', end: '17:00' } };
    expect(stepOffsetMinutes('150%', 240, hours)).toBe(360);
    expect(stepOffsetMinutes('1d', 240, hours)).toBe(480);
    expect(firstStepAt(new Date('2026-01-05T16:00:00Z'), '4h', sla.escalate, hours)).toEqual(new Date('2026-01-06T09:30:00Z'));
  });

  it('sends a step to the team\'s leads, named people or another team\'s leads, once each', () => {
    const leadsOf = (k: string) => (k === 'ops' ? ['UL1', 'UL2'] : ['UX']);
    expect(escalationRecipients({ after: '1h', to: 'leads' }, leadsOf, 'ops')).toEqual(['UL1', 'UL2']);
    expect(escalationRecipients({ after: '1h', to: ['UA', 'UA'] }, leadsOf, 'ops')).toEqual(['UA']);
    expect(escalationRecipients({ after: '1h', to: { team: 'exec' } }, leadsOf, 'ops')).toEqual(['UX']);
  });
});

describe('parseAwayArgs', () => {
  it('reads the date and an optional backup mention', () => {
    expect(parseAwayArgs(['until', '2026-12-01'])).toEqual({ date: '2026-12-01', backupId: null });
    expect(parseAwayArgs(['UNTIL', '2026-12-01', 'backup', '<@U0B2|emma>'])).toEqual({ date: '2026-12-01', backupId: 'U0B2' });
    expect(parseAwayArgs(['until', '2026-12-01', 'backup', 'U0B2'])).toEqual({ date: '2026-12-01', backupId: 'U0B2' });
    expect(parseAwayArgs(['until', '2026-12-01', 'backup', '@U0B2'])).toEqual({ date: '2026-12-01', backupId: 'U0B2' });
    for (const bad of [[], ['until'], ['until', 'tomorrow'], ['until', '2026-12-01', 'backup'], ['until', '2026-12-01', 'backup', '@emma'], ['until', '2026-12-01', 'x', 'y', 'z']])
      expect(() => parseAwayArgs(bad)).toThrow();
  });
});
