import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors';
import { type Actor, type Command, decide, HANDOFF_STATES, type HandoffSnapshot, type HandoffState } from '../../src/domain/lifecycle';

const REQUESTER = 'UREQ';
const OWNER = 'UOWN'; // a receiving-team member who accepted it
const MEMBER = 'UMEM'; // another receiving-team member
const LEAD = 'ULEAD'; // lead of the receiving team, not in its member list
const OUTSIDER = 'UOUT';
const ASSIGNEE = 'UMEM2'; // reassign target: a member who owns nothing yet
const APPROVER = 'UAPP'; // named by the type's approval; counts as one only while it waits for approval (as the service decides)

/**
 * One realistic handoff per state. Until someone accepts, the requester is the owner, so in
 * `open` and `returned` the "owner" role is the requester. `done` and `cancelled` were accepted
 * first (cancel keeps the owner), so their owner is UOWN.
 */
const SNAPSHOT: Record<HandoffState, HandoffSnapshot> = {
  awaiting_approval: { id: 1, state: 'awaiting_approval', requesterId: REQUESTER, ownerId: REQUESTER, version: 1 },
  open: { id: 1, state: 'open', requesterId: REQUESTER, ownerId: REQUESTER, version: 1 },
  accepted: { id: 1, state: 'accepted', requesterId: REQUESTER, ownerId: OWNER, version: 2 },
  returned: { id: 1, state: 'returned', requesterId: REQUESTER, ownerId: REQUESTER, version: 2 },
  done: { id: 1, state: 'done', requesterId: REQUESTER, ownerId: OWNER, version: 3 },
  cancelled: { id: 1, state: 'cancelled', requesterId: REQUESTER, ownerId: OWNER, version: 3 },
};

const ROLES = ['requester', 'member', 'owner', 'lead', 'outsider', 'approver'] as const;
type Role = (typeof ROLES)[number];

function actorFor(role: Role, h: HandoffSnapshot): Actor {
  switch (role) {
    case 'requester':
      return { userId: REQUESTER, isMember: false, isLead: false };
    case 'member':
      return { userId: MEMBER, isMember: true, isLead: false };
    case 'owner':
      // Whoever holds it now: the requester (not on the receiving team) before acceptance, else UOWN.
      return { userId: h.ownerId, isMember: h.ownerId === OWNER, isLead: false };
    case 'lead':
      return { userId: LEAD, isMember: false, isLead: true };
    case 'outsider':
      return { userId: OUTSIDER, isMember: false, isLead: false };
    case 'approver':
      return { userId: APPROVER, isMember: false, isLead: false, isApprover: h.state === 'awaiting_approval' };
  }
}

/** The nine commands of the core lifecycle (snooze and nudge, which leave the state as it is, are not in this table). */
const COMMAND_KINDS = ['accept', 'reject', 'resubmit', 'complete', 'reassign', 'release', 'cancel', 'approve', 'decline'] as const;
type CommandKind = (typeof COMMAND_KINDS)[number];

const COMMAND: Record<CommandKind, Command> = {
  accept: { kind: 'accept' },
  reject: { kind: 'reject', reason: 'Missing the shipping address' },
  resubmit: { kind: 'resubmit', fields: { customer: 'ACME' } },
  complete: { kind: 'complete', completion: { tracking: '1Z999' } },
  reassign: { kind: 'reassign', to: ASSIGNEE, toIsMember: true },
  release: { kind: 'release' },
  cancel: { kind: 'cancel', reason: 'No longer needed' },
  approve: { kind: 'approve' },
  decline: { kind: 'decline', reason: 'No budget this quarter' },
};

type Ok = { type: string; to: HandoffState; ownerId: string };
type Outcome = Ok | DomainErrorCode;

const F = 'forbidden' as const;
const S = 'invalid_state' as const;
const ok = (type: string, to: HandoffState, ownerId: string): Ok => ({ type, to, ownerId });
/** Every role gets the same outcome. */
const all = (o: Outcome): Record<Role, Outcome> => ({ requester: o, member: o, owner: o, lead: o, outsider: o, approver: o });
/** Outside AWAITING_APPROVAL an approver is nobody special: the outsider's outcome, unless given. */
type Row = Record<Exclude<Role, 'approver'>, Outcome> & { approver?: Outcome };
const approverAsOutsider = (table: Record<HandoffState, Record<CommandKind, Row>>): Record<HandoffState, Record<CommandKind, Record<Role, Outcome>>> =>
  Object.fromEntries(
    Object.entries(table).map(([state, row]) => [state, Object.fromEntries(Object.entries(row).map(([kind, r]) => [kind, { ...r, approver: r.approver ?? r.outsider }]))]),
  ) as Record<HandoffState, Record<CommandKind, Record<Role, Outcome>>>;

/** The expected outcome of every (state, command, role), written out from the rules in DESIGN.md and lifecycle.ts. */
const EXPECTED = approverAsOutsider({
  // Only its approvers may decide it; the requester may still cancel it; the team cannot touch it yet.
  awaiting_approval: {
    accept: all(S),
    reject: all(S),
    resubmit: all(S),
    complete: all(S),
    reassign: all(S),
    release: all(S),
    cancel: { requester: ok('cancelled', 'cancelled', REQUESTER), member: F, owner: ok('cancelled', 'cancelled', REQUESTER), lead: F, outsider: F },
    approve: { requester: F, member: F, owner: F, lead: F, outsider: F, approver: ok('approved', 'open', REQUESTER) },
    decline: { requester: F, member: F, owner: F, lead: F, outsider: F, approver: ok('declined', 'returned', REQUESTER) },
  },
  open: {
    accept: { requester: F, member: ok('accepted', 'accepted', MEMBER), owner: F, lead: ok('accepted', 'accepted', LEAD), outsider: F },
    reject: { requester: F, member: ok('rejected', 'returned', REQUESTER), owner: F, lead: ok('rejected', 'returned', REQUESTER), outsider: F },
    resubmit: all(S),
    complete: all(S),
    // Assigning from the queue is a lead's call only.
    reassign: { requester: F, member: F, owner: F, lead: ok('reassigned', 'accepted', ASSIGNEE), outsider: F },
    release: all(S),
    cancel: {
      requester: ok('cancelled', 'cancelled', REQUESTER),
      member: F,
      owner: ok('cancelled', 'cancelled', REQUESTER), // the owner is the requester here
      lead: F,
      outsider: F,
    },
    approve: all(S),
    decline: all(S),
  },
  accepted: {
    accept: all(S),
    reject: all(S),
    resubmit: all(S),
    complete: { requester: F, member: F, owner: ok('completed', 'done', OWNER), lead: F, outsider: F },
    reassign: { requester: F, member: F, owner: ok('reassigned', 'accepted', ASSIGNEE), lead: ok('reassigned', 'accepted', ASSIGNEE), outsider: F },
    release: { requester: F, member: F, owner: ok('released', 'open', REQUESTER), lead: F, outsider: F },
    cancel: { requester: ok('cancelled', 'cancelled', OWNER), member: F, owner: F, lead: F, outsider: F },
    approve: all(S),
    decline: all(S),
  },
  returned: {
    accept: all(S),
    reject: all(S),
    resubmit: {
      requester: ok('resubmitted', 'open', REQUESTER),
      member: F,
      owner: ok('resubmitted', 'open', REQUESTER),
      lead: F,
      outsider: F,
    },
    complete: all(S),
    reassign: all(S),
    release: all(S),
    cancel: {
      requester: ok('cancelled', 'cancelled', REQUESTER),
      member: F,
      owner: ok('cancelled', 'cancelled', REQUESTER),
      lead: F,
      outsider: F,
    },
    approve: all(S),
    decline: all(S),
  },
  done: {
    accept: all(S),
    reject: all(S),
    resubmit: all(S),
    complete: all(S),
    reassign: all(S),
    release: all(S),
    cancel: all(S),
    approve: all(S),
    decline: all(S),
  },
  cancelled: {
    accept: all(S),
    reject: all(S),
    resubmit: all(S),
    complete: all(S),
    reassign: all(S),
    release: all(S),
    cancel: all(S),
    approve: all(S),
    decline: all(S),
  },
});

function outcome(h: HandoffSnapshot, command: Command, actor: Actor): Outcome {
  try {
    const t = decide(h, command, actor);
    expect(t.from).toBe(h.state);
    return { type: t.type, to: t.to, ownerId: t.ownerId };
  } catch (error) {
    if (error instanceof DomainError) {
      expect(error.message.length).toBeGreaterThan(0);
      return error.code;
    }
    throw error;
  }
}

/** Runs `fn` and returns the DomainError it throws. */
function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but the command was accepted');
}

describe('decide: the full state × command × role table', () => {
  it('covers every state, command and role', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...HANDOFF_STATES].sort());
    for (const state of HANDOFF_STATES) {
      expect(Object.keys(EXPECTED[state]).sort()).toEqual([...COMMAND_KINDS].sort());
      for (const kind of COMMAND_KINDS) expect(Object.keys(EXPECTED[state][kind]).sort()).toEqual([...ROLES].sort());
    }
    expect(COMMAND_KINDS).toHaveLength(9);
  });

  const cases = HANDOFF_STATES.flatMap((state) => COMMAND_KINDS.flatMap((kind) => ROLES.map((role) => ({ state, kind, role, expected: EXPECTED[state][kind][role] }))));
  it.each(cases)('$state × $kind × $role', ({ state, kind, role, expected }) => {
    const h = SNAPSHOT[state];
    expect(outcome(h, COMMAND[kind], actorFor(role, h))).toEqual(expected);
  });

  it('allows exactly 20 of the 324 combinations', () => {
    expect(cases).toHaveLength(324);
    expect(cases.filter((c) => typeof c.expected === 'object')).toHaveLength(20);
  });
});

describe('decide: specific rules', () => {
  const open = SNAPSHOT.open;
  const accepted = SNAPSHOT.accepted;
  const member: Actor = { userId: MEMBER, isMember: true, isLead: false };
  const lead: Actor = { userId: LEAD, isMember: false, isLead: true };
  const owner: Actor = { userId: OWNER, isMember: true, isLead: false };

  it('approval: a decline needs a reason, kept trimmed; a resubmission with approvers waits for approval again', () => {
    const waiting = SNAPSHOT.awaiting_approval;
    const approver: Actor = { userId: APPROVER, isMember: false, isLead: false, isApprover: true };
    expect(domainError(() => decide(waiting, { kind: 'decline', reason: '  ' }, approver)).code).toBe('validation');
    expect(decide(waiting, { kind: 'decline', reason: ' No budget \n' }, approver).data).toEqual({ reason: 'No budget' });
    // Permission before the reason, like a reject.
    expect(domainError(() => decide(waiting, { kind: 'decline', reason: '' }, member)).code).toBe('forbidden');
    expect(domainError(() => decide(waiting, { kind: 'accept' }, member)).message).toBe("This handoff is waiting for approval, so it can't be accepted.");
    const returned = SNAPSHOT.returned;
    const requester: Actor = { userId: REQUESTER, isMember: false, isLead: false };
    expect(decide(returned, { kind: 'resubmit', fields: {}, approvers: [APPROVER] }, requester)).toEqual({
      type: 'resubmitted',
      from: 'returned',
      to: 'awaiting_approval',
      ownerId: REQUESTER,
      data: { approvers: [APPROVER] },
    });
    expect(decide(returned, { kind: 'resubmit', fields: {}, approvers: [] }, requester).to).toBe('open');
  });

  it('carries the trimmed reject reason in the event data', () => {
    const t = decide(open, { kind: 'reject', reason: '  Missing address \n' }, member);
    expect(t).toEqual({ type: 'rejected', from: 'open', to: 'returned', ownerId: REQUESTER, data: { reason: 'Missing address' } });
  });

  it('removes what Slack may refuse from a reason (control characters, half an emoji)', () => {
    expect(decide(open, { kind: 'reject', reason: 'No\u0000 address\r\nat all \uD83D' }, member).data).toEqual({ reason: 'No address\nat all \uFFFD' });
    expect(domainError(() => decide(open, { kind: 'reject', reason: '\u0000\u0007 ' }, member)).code).toBe('validation');
  });

  it.each(['', '   ', '\n\t  \n'])('refuses a reject with a blank reason %j as validation, on the reason field', (reason) => {
    const error = domainError(() => decide(open, { kind: 'reject', reason }, member));
    expect(error.code).toBe('validation');
    expect(error.message).toBe('A reason is required.');
    expect(Object.keys(error.fieldErrors)).toEqual(['reason']);
  });

  it('checks permission before the reason: an outsider with a blank reason is forbidden', () => {
    expect(domainError(() => decide(open, { kind: 'reject', reason: ' ' }, { userId: OUTSIDER, isMember: false, isLead: false })).code).toBe('forbidden');
  });

  it('refuses reassigning to a non-member as validation naming the person', () => {
    const error = domainError(() => decide(accepted, { kind: 'reassign', to: OUTSIDER, toIsMember: false }, owner));
    expect(error.code).toBe('validation');
    expect(error.message).toBe(`<@${OUTSIDER}> is not a member of the receiving team.`);
    expect(error.fieldErrors).toEqual({ assignee: 'Pick a member of the receiving team.' });
    // The same from the queue by a lead.
    expect(domainError(() => decide(open, { kind: 'reassign', to: OUTSIDER, toIsMember: false }, lead)).code).toBe('validation');
  });

  it('refuses reassigning to the current owner as validation', () => {
    for (const actor of [owner, lead]) {
      const error = domainError(() => decide(accepted, { kind: 'reassign', to: OWNER, toIsMember: true }, actor));
      expect(error.code).toBe('validation');
      expect(error.message).toBe(`<@${OWNER}> already owns it.`);
      expect(error.fieldErrors).toEqual({ assignee: 'Pick someone else.' });
    }
  });

  it('records the previous and new owner of a reassignment', () => {
    expect(decide(accepted, { kind: 'reassign', to: ASSIGNEE, toIsMember: true }, lead)).toEqual({
      type: 'reassigned',
      from: 'accepted',
      to: 'accepted',
      ownerId: ASSIGNEE,
      data: { previousOwner: OWNER, newOwner: ASSIGNEE },
    });
  });

  it('a lead may assign an open handoff to themselves when they count as a member', () => {
    expect(decide(open, { kind: 'reassign', to: LEAD, toIsMember: true }, lead).ownerId).toBe(LEAD);
  });

  it('refuses accepting something you already own as invalid_state saying so', () => {
    const error = domainError(() => decide(accepted, { kind: 'accept' }, owner));
    expect(error.code).toBe('invalid_state');
    expect(error.message).toBe('You already own this handoff.');
    expect(error.message).toContain('already own');
  });

  it('names the owner when someone else already accepted it', () => {
    for (const actor of [member, lead, { userId: OUTSIDER, isMember: false, isLead: false }]) {
      const error = domainError(() => decide(accepted, { kind: 'accept' }, actor));
      expect(error.code).toBe('invalid_state');
      expect(error.message).toBe(`<@${OWNER}> already accepted this handoff and owns it.`);
    }
  });

  it('explains the state in invalid_state messages', () => {
    expect(domainError(() => decide(SNAPSHOT.done, { kind: 'accept' }, member)).message).toBe("This handoff is already done, so it can't be accepted.");
    expect(domainError(() => decide(SNAPSHOT.cancelled, { kind: 'complete', completion: {} }, owner)).message).toBe("This handoff was cancelled, so it can't be completed.");
    expect(domainError(() => decide(open, { kind: 'release' }, member)).message).toBe("This handoff is waiting to be accepted, so it can't be released.");
  });

  it('names the owner when someone else tries to complete', () => {
    expect(domainError(() => decide(accepted, { kind: 'complete', completion: {} }, lead)).message).toBe(`Only the owner, <@${OWNER}>, can mark this handoff done.`);
  });

  it('releases back to the queue with the requester as owner and remembers who had it', () => {
    expect(decide(accepted, { kind: 'release' }, owner)).toEqual({ type: 'released', from: 'accepted', to: 'open', ownerId: REQUESTER, data: { previousOwner: OWNER } });
  });

  it('keeps a cancel reason only when it is not blank', () => {
    const requester: Actor = { userId: REQUESTER, isMember: false, isLead: false };
    expect(decide(open, { kind: 'cancel', reason: ' dup ' }, requester).data).toEqual({ reason: 'dup' });
    expect(decide(open, { kind: 'cancel', reason: '   ' }, requester).data).toEqual({});
    expect(decide(open, { kind: 'cancel' }, requester).data).toEqual({});
  });

  it('lets a requester who is on the receiving team accept their own open handoff', () => {
    const requesterMember: Actor = { userId: REQUESTER, isMember: true, isLead: false };
    expect(decide(open, { kind: 'accept' }, requesterMember)).toMatchObject({ type: 'accepted', to: 'accepted', ownerId: REQUESTER });
  });

  it('is pure: the snapshot is not modified', () => {
    const h = { ...accepted };
    decide(h, { kind: 'release' }, owner);
    expect(h).toEqual(accepted);
  });
});
