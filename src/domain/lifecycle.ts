import { DomainError } from './errors.js';
import { cleanText, type FieldValues } from './fields.js';

/** `awaiting_approval` comes before `open` for types with an `approval`: the receiving team does not see it yet. */
export const HANDOFF_STATES = ['awaiting_approval', 'open', 'accepted', 'returned', 'done', 'cancelled'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];

export const CLOSED_STATES: readonly HandoffState[] = ['done', 'cancelled'];

/** The part of a handoff the lifecycle rules look at. */
export interface HandoffSnapshot {
  readonly id: number;
  readonly state: HandoffState;
  readonly requesterId: string;
  /** The requester until someone accepts; then the accepting member. */
  readonly ownerId: string;
  readonly version: number;
  /** The member an open handoff is offered to, if any (round-robin, least-loaded). */
  readonly offeredTo?: string | null;
  readonly offerExpiresAt?: Date | null;
}

/** Who is acting, and what they are to the handoff's receiving team. */
export interface Actor {
  readonly userId: string;
  readonly isMember: boolean;
  readonly isLead: boolean;
  /** One of the people who may approve it (awaiting_approval only; never its requester). */
  readonly isApprover?: boolean;
}

export type Command =
  | { kind: 'accept' }
  /** `flagged`: what the receiving team marked as missing or wrong (field keys of the type, and "something else"). */
  | { kind: 'reject'; reason: string; flagged?: ReturnFlags }
  /** `approvers`: set when its type asks for approval, so the resubmission waits for one again (never empty). */
  | { kind: 'resubmit'; fields: FieldValues; approvers?: readonly string[] }
  /** An approver lets it through to the receiving team. */
  | { kind: 'approve' }
  /** An approver sends it back to the requester, like a return. */
  | { kind: 'decline'; reason: string }
  | { kind: 'complete'; completion: FieldValues }
  | { kind: 'reassign'; to: string; toIsMember: boolean }
  | { kind: 'release' }
  | { kind: 'cancel'; reason?: string }
  /** Pause nudges until `until` (the SLA clock keeps running). */
  | { kind: 'snooze'; until: Date; reason: string; now: Date }
  /** The requester asks the owner (or the team) to move; `allowedFrom` is when the last nudge stops blocking a new one. */
  | { kind: 'nudge'; allowedFrom: Date | null; now: Date }
  /** The offered person declines the offer; it moves to the next member. */
  | { kind: 'pass'; reason?: string }
  /** The bot offers an open handoff to one member until `until` (routing, not a person's command). */
  | { kind: 'offer'; to: string; until: Date }
  /** The bot takes back an offer whose time ran out. */
  | { kind: 'expire_offer'; now: Date }
  /** The bot stops offering: every member passed or let the offer run out; it waits in the team queue. */
  | { kind: 'exhaust_offers' };

/** What a return marks as missing or wrong; stored with the `rejected` event for the requester and for insights. */
export interface ReturnFlags {
  readonly fields: readonly string[];
  readonly somethingElse: boolean;
}

/** The flags stored with a `rejected` event's data, read defensively (older events have none). */
export function returnFlagsOf(data: Record<string, unknown>): { flaggedFields: string[]; somethingElse: boolean } {
  const fields = Array.isArray(data.flaggedFields) ? data.flaggedFields.filter((k): k is string => typeof k === 'string') : [];
  return { flaggedFields: fields, somethingElse: data.somethingElse === true };
}

export type CommandKind = Command['kind'];

export type EventType =
  | 'created'
  | 'accepted'
  | 'rejected'
  | 'resubmitted'
  | 'completed'
  | 'reassigned'
  | 'released'
  | 'cancelled'
  | 'snoozed'
  | 'nudged'
  | 'offered'
  | 'passed'
  | 'offer_expired'
  | 'offers_exhausted'
  | 'approved'
  | 'declined';

/** What a transition decided; storage writes it as one event row and applies it to the handoff. */
export interface Transition {
  readonly type: EventType;
  readonly from: HandoffState;
  readonly to: HandoffState;
  readonly ownerId: string;
  readonly data: Record<string, unknown>;
}

const MAX_SNOOZE_MS = 90 * 24 * 60 * 60 * 1000;

function describe(state: HandoffState): string {
  switch (state) {
    case 'awaiting_approval':
      return 'is waiting for approval';
    case 'open':
      return 'is waiting to be accepted';
    case 'accepted':
      return 'has already been accepted';
    case 'returned':
      return 'was returned to the requester';
    case 'done':
      return 'is already done';
    case 'cancelled':
      return 'was cancelled';
  }
}

function requireState(h: HandoffSnapshot, allowed: readonly HandoffState[], verb: string): void {
  if (!allowed.includes(h.state))
    throw new DomainError('invalid_state', `This handoff ${describe(h.state)}, so it can't be ${verb}.`);
}

/** The last time `isoTime` wrote: the offers of a batch run out at one time per team, and toISOString cost one or two microseconds each. */
let lastIso = { ms: Number.NaN, text: '' };

/** `date.toISOString()`, remembered for the last time given. */
function isoTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastIso.ms) lastIso = { ms, text: date.toISOString() };
  return lastIso.text;
}

function deny(message: string): never {
  throw new DomainError('forbidden', message);
}

/**
 * The lifecycle as one pure function: who may do what in which state, and what it changes.
 * Throws a DomainError (`forbidden`, `invalid_state`, `validation`) when the command is refused.
 */
export function decide(h: HandoffSnapshot, command: Command, actor: Actor): Transition {
  // Results are plain literals, not spreads of a shared base: the offer batches call this twice per
  // handoff, and an object spread cost about a microsecond each (bench: routing).
  switch (command.kind) {
    case 'approve':
    case 'decline': {
      requireState(h, ['awaiting_approval'], command.kind === 'approve' ? 'approved' : 'declined');
      if (!actor.isApprover) deny(`Only the approvers of this handoff can ${command.kind} it.`);
      if (command.kind === 'approve') return { from: h.state, type: 'approved', to: 'open', ownerId: h.requesterId, data: {} };
      const reason = cleanText(command.reason).trim();
      if (!reason) throw new DomainError('validation', 'A reason is required.', { reason: 'Say why, so the requester can fix it.' });
      return { from: h.state, type: 'declined', to: 'returned', ownerId: h.requesterId, data: { reason } };
    }
    case 'accept': {
      if (h.state === 'accepted')
        throw new DomainError('invalid_state', h.ownerId === actor.userId ? 'You already own this handoff.' : `<@${h.ownerId}> already accepted this handoff and owns it.`);
      requireState(h, ['open'], 'accepted');
      if (!actor.isMember && !actor.isLead) deny('Only members of the receiving team can accept this handoff.');
      return { from: h.state, type: 'accepted', to: 'accepted', ownerId: actor.userId, data: {} };
    }
    case 'reject': {
      requireState(h, ['open'], 'returned');
      if (!actor.isMember && !actor.isLead) deny('Only members of the receiving team can return this handoff.');
      const reason = cleanText(command.reason).trim();
      if (!reason) throw new DomainError('validation', 'A reason is required.', { reason: 'Say what is missing or wrong.' });
      const flags = command.flagged ? { flaggedFields: [...new Set(command.flagged.fields)], somethingElse: command.flagged.somethingElse } : {};
      return { from: h.state, type: 'rejected', to: 'returned', ownerId: h.requesterId, data: { reason, ...flags } };
    }
    case 'resubmit': {
      requireState(h, ['returned'], 'resubmitted');
      if (actor.userId !== h.requesterId) deny('Only the requester can resubmit this handoff.');
      // Changed fields need a fresh approval, whoever returned it.
      if (command.approvers?.length)
        return { from: h.state, type: 'resubmitted', to: 'awaiting_approval', ownerId: h.requesterId, data: { approvers: [...command.approvers] } };
      return { from: h.state, type: 'resubmitted', to: 'open', ownerId: h.requesterId, data: {} };
    }
    case 'complete': {
      requireState(h, ['accepted'], 'completed');
      if (actor.userId !== h.ownerId) deny(`Only the owner, <@${h.ownerId}>, can mark this handoff done.`);
      return { from: h.state, type: 'completed', to: 'done', ownerId: h.ownerId, data: {} };
    }
    case 'reassign': {
      requireState(h, ['open', 'accepted'], 'reassigned');
      // Assigning from the queue is a lead's call; handing on owned work is the owner's or a lead's.
      const allowed = h.state === 'open' ? actor.isLead : actor.isLead || actor.userId === h.ownerId;
      if (!allowed)
        deny(
          h.state === 'open'
            ? 'Only a lead of the receiving team can assign an unaccepted handoff.'
            : 'Only the owner or a lead of the receiving team can reassign this handoff.',
        );
      if (!command.toIsMember)
        throw new DomainError('validation', `<@${command.to}> is not a member of the receiving team.`, {
          assignee: 'Pick a member of the receiving team.',
        });
      if (h.state === 'accepted' && command.to === h.ownerId)
        throw new DomainError('validation', `<@${command.to}> already owns it.`, { assignee: 'Pick someone else.' });
      return { from: h.state, type: 'reassigned', to: 'accepted', ownerId: command.to, data: { previousOwner: h.ownerId, newOwner: command.to } };
    }
    case 'release': {
      requireState(h, ['accepted'], 'released');
      if (actor.userId !== h.ownerId) deny('Only the owner can release this handoff back to the team queue.');
      return { from: h.state, type: 'released', to: 'open', ownerId: h.requesterId, data: { previousOwner: h.ownerId } };
    }
    case 'snooze': {
      requireState(h, ['accepted'], 'snoozed');
      if (actor.userId !== h.ownerId) deny('Only the owner can snooze this handoff.');
      const reason = cleanText(command.reason).trim();
      if (!reason) throw new DomainError('validation', 'A reason is required.', { reason: 'Say why it waits, for the thread.' });
      if (command.until.getTime() <= command.now.getTime())
        throw new DomainError('validation', 'Pick a date in the future.', { until: 'Pick a date in the future.' });
      if (command.until.getTime() - command.now.getTime() > MAX_SNOOZE_MS)
        throw new DomainError('validation', 'Snooze for at most 90 days.', { until: 'Pick a date within 90 days.' });
      return { from: h.state, type: 'snoozed', to: 'accepted', ownerId: h.ownerId, data: { until: command.until.toISOString(), reason } };
    }
    case 'nudge': {
      requireState(h, ['open', 'accepted'], 'nudged');
      if (actor.userId !== h.requesterId) deny('Only the requester can nudge the owner.');
      if (command.allowedFrom && command.now.getTime() < command.allowedFrom.getTime())
        throw new DomainError('rate_limited', 'This handoff was nudged recently; give it a few business hours.');
      return { from: h.state, type: 'nudged', to: h.state, ownerId: h.ownerId, data: { kind: 'requester' } };
    }
    case 'pass': {
      requireState(h, ['open'], 'passed');
      if (!h.offeredTo || h.offeredTo !== actor.userId) deny('This handoff is not offered to you (any more).');
      const reason = command.reason?.trim();
      return { from: h.state, type: 'passed', to: 'open', ownerId: h.ownerId, data: { offeredTo: actor.userId, ...(reason ? { reason } : {}) } };
    }
    case 'offer': {
      requireState(h, ['open'], 'offered');
      return { from: h.state, type: 'offered', to: 'open', ownerId: h.ownerId, data: { to: command.to, until: isoTime(command.until) } };
    }
    case 'expire_offer': {
      requireState(h, ['open'], 'moved on');
      if (!h.offeredTo || !h.offerExpiresAt || command.now.getTime() < h.offerExpiresAt.getTime())
        throw new DomainError('invalid_state', 'This offer has not run out.');
      return { from: h.state, type: 'offer_expired', to: 'open', ownerId: h.ownerId, data: { offeredTo: h.offeredTo } };
    }
    case 'exhaust_offers': {
      requireState(h, ['open'], 'left in the queue');
      return { from: h.state, type: 'offers_exhausted', to: 'open', ownerId: h.ownerId, data: {} };
    }
    case 'cancel': {
      requireState(h, ['awaiting_approval', 'open', 'accepted', 'returned'], 'cancelled');
      if (actor.userId !== h.requesterId) deny('Only the requester can cancel this handoff.');
      const reason = command.reason === undefined ? undefined : cleanText(command.reason).trim();
      return { from: h.state, type: 'cancelled', to: 'cancelled', ownerId: h.ownerId, data: reason ? { reason } : {} };
    }
  }
}
