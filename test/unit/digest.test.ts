import { describe, expect, it } from 'vitest';
import { buildDigests, type DigestSource, digestItemCount, hasStalledWork, type PersonDigest } from '../../src/domain/digest';

const NOW = new Date('2024-06-10T12:00:00.000Z');
const HOUR = 3_600_000;
/** `n` hours from NOW (negative = before). */
const h = (n: number): Date => new Date(NOW.getTime() + n * HOUR);

const REQ = 'UREQ';
const OWNER = 'UOWN';
const LEAD1 = 'ULEAD1';
const LEAD2 = 'ULEAD2';
const BILLING_LEAD = 'UBILL';

const LEADS: Record<string, readonly string[]> = { ops: [LEAD1, LEAD2], billing: [BILLING_LEAD, LEAD1], nobody: [] };
const leadsOf = (team: string): readonly string[] => LEADS[team] ?? [];

/** A handoff created two days before NOW, with no SLA unless given. */
function handoff(id: number, over: Partial<DigestSource> & Pick<DigestSource, 'state'>): DigestSource {
  const createdAt = over.createdAt ?? h(-48);
  return {
    id,
    title: `Handoff ${id}`,
    requesterId: REQ,
    ownerId: over.state === 'accepted' || over.state === 'done' ? OWNER : REQ,
    toTeam: 'ops',
    createdAt,
    permalink: null,
    queuedAt: createdAt,
    acceptedAt: over.state === 'accepted' ? h(-24) : null,
    updatedAt: createdAt,
    acceptWarnAt: null,
    acceptDueAt: null,
    completeWarnAt: null,
    completeDueAt: null,
    snoozedUntil: null,
    ...over,
  };
}

// SLA positions relative to NOW.
const openOnTrack = { state: 'open', acceptWarnAt: h(1), acceptDueAt: h(2) } as const;
const openDueSoon = { state: 'open', acceptWarnAt: h(-1), acceptDueAt: h(1) } as const;
const openOverdue = { state: 'open', acceptWarnAt: h(-2), acceptDueAt: h(-1) } as const;
const acceptedOnTrack = { state: 'accepted', completeWarnAt: h(1), completeDueAt: h(2) } as const;
const acceptedDueSoon = { state: 'accepted', completeWarnAt: h(-1), completeDueAt: h(1) } as const;
const acceptedOverdue = { state: 'accepted', completeWarnAt: h(-2), completeDueAt: h(-1) } as const;

const ids = (items: ReadonlyArray<{ id: number }>) => items.map((i) => i.id);

/** Who got a digest, and the ids in each of their sections. */
function shape(map: Map<string, PersonDigest>) {
  const out: Record<string, { owned: number[]; waiting: number[]; teams: Record<string, { unaccepted: number[]; overdue: number[]; snoozed: number[] }> }> = {};
  for (const [user, digest] of map) {
    expect(digest.userId).toBe(user);
    const teams: (typeof out)[string]['teams'] = {};
    for (const t of digest.teams) teams[t.teamKey] = { unaccepted: ids(t.unaccepted), overdue: ids(t.overdue), snoozed: ids(t.snoozed) };
    out[user] = { owned: ids(digest.owned), waiting: ids(digest.waiting), teams };
  }
  return out;
}

const none = { owned: [], waiting: [], teams: {} };

describe('buildDigests: who sees what', () => {
  it('accepted and past the reminder point: only its owner, under owned', () => {
    expect(shape(buildDigests([handoff(1, acceptedDueSoon)], leadsOf, NOW))).toEqual({ [OWNER]: { ...none, owned: [1] } });
  });

  it('accepted and overdue: owner owned, requester waiting, each lead overdue', () => {
    const map = buildDigests([handoff(1, acceptedOverdue)], leadsOf, NOW);
    expect(shape(map)).toEqual({
      [OWNER]: { ...none, owned: [1] },
      [REQ]: { ...none, waiting: [1] },
      [LEAD1]: { ...none, teams: { ops: { unaccepted: [], overdue: [1], snoozed: [] } } },
      [LEAD2]: { ...none, teams: { ops: { unaccepted: [], overdue: [1], snoozed: [] } } },
    });
    expect(map.get(REQ)?.waiting[0]).toEqual({
      id: 1,
      title: 'Handoff 1',
      state: 'accepted',
      sla: 'overdue',
      dueAt: '2024-06-10T11:00:00.000Z',
      createdAt: '2024-06-08T12:00:00.000Z',
      ownerId: OWNER,
      requesterId: REQ,
      permalink: null,
      snoozedUntil: null,
    });
  });

  it('accepted and overdue when the requester owns it: no waiting entry for themselves', () => {
    expect(shape(buildDigests([handoff(1, { ...acceptedOverdue, toTeam: 'nobody', ownerId: REQ })], leadsOf, NOW))).toEqual({ [REQ]: { ...none, owned: [1] } });
  });

  it('accepted and on track: nobody', () => {
    expect(buildDigests([handoff(1, acceptedOnTrack)], leadsOf, NOW).size).toBe(0);
  });

  it('open and overdue: requester waiting, team leads unaccepted', () => {
    expect(shape(buildDigests([handoff(1, openOverdue)], leadsOf, NOW))).toEqual({
      [REQ]: { ...none, waiting: [1] },
      [LEAD1]: { ...none, teams: { ops: { unaccepted: [1], overdue: [], snoozed: [] } } },
      [LEAD2]: { ...none, teams: { ops: { unaccepted: [1], overdue: [], snoozed: [] } } },
    });
  });

  it('open past the reminder point but not due: only the leads', () => {
    const map = buildDigests([handoff(1, openDueSoon)], leadsOf, NOW);
    expect([...map.keys()].sort()).toEqual([LEAD1, LEAD2]);
    expect(map.get(LEAD1)?.teams[0].unaccepted.map((i) => i.sla)).toEqual(['due_soon']);
  });

  it('open and on track: nobody', () => {
    expect(buildDigests([handoff(1, openOnTrack)], leadsOf, NOW).size).toBe(0);
  });

  it('snoozed and overdue: leads see it under snoozed, not overdue, and the owner is left alone', () => {
    const map = buildDigests([handoff(1, { ...acceptedOverdue, snoozedUntil: h(5) })], leadsOf, NOW);
    expect(shape(map)).toEqual({
      // the requester still waits on an overdue item, snoozed or not
      [REQ]: { ...none, waiting: [1] },
      [LEAD1]: { ...none, teams: { ops: { unaccepted: [], overdue: [], snoozed: [1] } } },
      [LEAD2]: { ...none, teams: { ops: { unaccepted: [], overdue: [], snoozed: [1] } } },
    });
    expect(map.has(OWNER)).toBe(false);
    expect(map.get(LEAD1)?.teams[0].snoozed[0].snoozedUntil).toBe('2024-06-10T17:00:00.000Z');
  });

  it('snoozed and on track: leads still see it under snoozed', () => {
    expect(shape(buildDigests([handoff(1, { ...acceptedOnTrack, snoozedUntil: h(5) })], leadsOf, NOW))).toEqual({
      [LEAD1]: { ...none, teams: { ops: { unaccepted: [], overdue: [], snoozed: [1] } } },
      [LEAD2]: { ...none, teams: { ops: { unaccepted: [], overdue: [], snoozed: [1] } } },
    });
  });

  it('a snooze that ended (snoozedUntil <= now) counts as not snoozed', () => {
    const map = buildDigests([handoff(1, { ...acceptedOverdue, snoozedUntil: NOW })], leadsOf, NOW);
    expect(shape(map)[OWNER]).toEqual({ ...none, owned: [1] });
    expect(shape(map)[LEAD1]).toEqual({ ...none, teams: { ops: { unaccepted: [], overdue: [1], snoozed: [] } } });
    expect(map.get(OWNER)?.owned[0].snoozedUntil).toBeNull();
  });

  it('returned and past its resubmit deadline: the requester owns it', () => {
    const map = buildDigests([handoff(1, { state: 'returned', acceptDueAt: h(-1) })], leadsOf, NOW);
    expect(shape(map)).toEqual({ [REQ]: { ...none, owned: [1] } });
    expect(map.get(REQ)?.owned[0]).toMatchObject({ state: 'returned', sla: 'overdue', dueAt: '2024-06-10T11:00:00.000Z' });
  });

  it('returned and not yet due: nobody, even past a stale acceptWarnAt', () => {
    expect(buildDigests([handoff(1, { state: 'returned', acceptWarnAt: h(-3), acceptDueAt: h(1) })], leadsOf, NOW).size).toBe(0);
  });

  it('done and cancelled: nobody, however late they were', () => {
    const items = [handoff(1, { ...acceptedOverdue, state: 'done' }), handoff(2, { ...openOverdue, state: 'cancelled' })];
    expect(buildDigests(items, leadsOf, NOW).size).toBe(0);
  });

  it('a person with nothing gets no entry; a team without leads reaches no lead', () => {
    const map = buildDigests([handoff(1, { ...openOverdue, toTeam: 'nobody' }), handoff(2, openOnTrack)], leadsOf, NOW);
    expect([...map.keys()]).toEqual([REQ]);
    expect(map.has(OWNER)).toBe(false);
    expect(map.has(LEAD1)).toBe(false);
  });
});

describe('buildDigests: order', () => {
  it('sorts every section oldest first, ties by id', () => {
    const items = [
      handoff(5, { ...acceptedDueSoon, createdAt: h(-10) }),
      handoff(4, { ...acceptedDueSoon, createdAt: h(-20) }),
      handoff(1, { ...acceptedDueSoon, createdAt: h(-5) }),
      handoff(3, { ...acceptedDueSoon, createdAt: h(-20) }),
      handoff(9, { ...openDueSoon, createdAt: h(-1) }),
      handoff(7, { ...openDueSoon, createdAt: h(-30) }),
      handoff(8, { ...openDueSoon, createdAt: h(-30) }),
    ];
    const map = buildDigests(items, leadsOf, NOW);
    expect(ids(map.get(OWNER)?.owned ?? [])).toEqual([3, 4, 5, 1]);
    expect(ids(map.get(LEAD1)?.teams[0].unaccepted ?? [])).toEqual([7, 8, 9]);
  });

  it('sorts a lead’s teams by key', () => {
    const map = buildDigests([handoff(1, openOverdue), handoff(2, { ...openOverdue, toTeam: 'billing' })], leadsOf, NOW);
    expect(map.get(LEAD1)?.teams.map((t) => t.teamKey)).toEqual(['billing', 'ops']);
    expect(map.get(BILLING_LEAD)?.teams.map((t) => t.teamKey)).toEqual(['billing']);
  });

  it('is the same whatever order the handoffs come in', () => {
    const items = [handoff(2, acceptedOverdue), handoff(1, { ...openOverdue, createdAt: h(-100) }), handoff(3, { ...acceptedOverdue, snoozedUntil: h(1) })];
    expect(shape(buildDigests([...items].reverse(), leadsOf, NOW))).toEqual(shape(buildDigests(items, leadsOf, NOW)));
  });
});

describe('hasStalledWork and digestItemCount', () => {
  it('a lead with only snoozed items has no stalled work, but the items count', () => {
    const map = buildDigests([handoff(1, { ...acceptedOnTrack, snoozedUntil: h(5) }), handoff(2, { ...acceptedOverdue, snoozedUntil: h(5) })], leadsOf, NOW);
    const lead = map.get(LEAD1);
    expect(lead).toBeDefined();
    if (!lead) return;
    expect(hasStalledWork(lead)).toBe(false);
    expect(digestItemCount(lead)).toBe(2);
  });

  it('each kind of work counts as stalled', () => {
    const map = buildDigests(
      [handoff(1, acceptedOverdue), handoff(2, { ...openDueSoon, toTeam: 'billing' }), handoff(3, { ...acceptedOverdue, snoozedUntil: h(5) })],
      leadsOf,
      NOW,
    );
    const owner = map.get(OWNER);
    const req = map.get(REQ);
    const lead1 = map.get(LEAD1);
    const billingLead = map.get(BILLING_LEAD);
    // owner: owned 1 (3 is snoozed); requester: waiting 1 and 3;
    // LEAD1: billing unaccepted 2, ops overdue 1, ops snoozed 3; UBILL: billing unaccepted 2.
    expect([owner, req, lead1, billingLead].map((x) => (x ? hasStalledWork(x) : 'missing'))).toEqual([true, true, true, true]);
    expect([owner, req, lead1, billingLead].map((x) => (x ? digestItemCount(x) : -1))).toEqual([1, 2, 3, 1]);
  });
});

describe('buildDigests: approvals', () => {
  const APPROVER = 'UAPP';
  const approversOf = (x: DigestSource) => (x.id === 9 ? [] : [APPROVER, APPROVER, LEAD1]);
  const waitsDueSoon = { state: 'awaiting_approval', acceptWarnAt: h(-1), acceptDueAt: h(1) } as const;

  it('lists an approval past its reminder point to each of its approvers once, and to nobody else', () => {
    const map = buildDigests([handoff(1, waitsDueSoon), handoff(2, { ...waitsDueSoon, acceptWarnAt: h(-3), acceptDueAt: h(-2) })], leadsOf, NOW, undefined, approversOf);
    expect(ids(map.get(APPROVER)?.approvals ?? [])).toEqual([1, 2]);
    expect(ids(map.get(LEAD1)?.approvals ?? [])).toEqual([1, 2]);
    // Not the requester's to move, and not in the receiving team's queue yet.
    expect(map.has(REQ)).toBe(false);
    expect(map.get(LEAD1)?.teams).toEqual([]);
    const digest = map.get(APPROVER);
    expect(digest && [hasStalledWork(digest), digestItemCount(digest)]).toEqual([true, 2]);
  });

  it('leaves out approvals before their reminder point, without an approve SLA, without approvers, or when not asked to list them', () => {
    const items = [handoff(1, { ...waitsDueSoon, acceptWarnAt: h(1), acceptDueAt: h(2) }), handoff(2, { state: 'awaiting_approval' }), handoff(9, waitsDueSoon)];
    expect(buildDigests(items, leadsOf, NOW, undefined, approversOf).size).toBe(0);
    expect(buildDigests([handoff(1, waitsDueSoon)], leadsOf, NOW).size).toBe(0);
  });
});
