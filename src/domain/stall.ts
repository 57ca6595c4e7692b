import { addBusinessMinutes, type BusinessCalendar, businessMinutesBetween } from './business-clock.js';
import type { HandoffState } from './lifecycle.js';
import { type SlaState, slaStateOf } from './sla.js';

/** Why the nudge job speaks up. */
export type NudgeKind =
  | 'accept_warn' // 75% of the accept SLA: reminder in the post's thread
  | 'accept_breach' // accept SLA passed: leads get a DM, the post shows overdue
  | 'complete_warn' // 75% of the complete SLA: DM to the owner
  | 'complete_breach' // complete SLA passed: DM to the owner, leads told
  | 'complete_repeat' // still overdue, one more `nudge.every` later: DM to the owner
  | 'returned_remind' // returned and not resubmitted within the accept SLA: DM to the requester
  | 'woke' // a snooze ended: DM to the owner
  | 'approve_warn' // 75% of the approve SLA: the approvers are reminded by DM
  | 'approve_breach'; // approve SLA passed: the approvers are reminded again, the requester told

/** The fields of a handoff that the nudge rules read. */
export interface NudgeSubject {
  readonly state: HandoffState;
  readonly queuedAt: Date;
  readonly acceptedAt: Date | null;
  readonly updatedAt: Date;
  readonly acceptWarnAt: Date | null;
  readonly acceptDueAt: Date | null;
  readonly completeWarnAt: Date | null;
  readonly completeDueAt: Date | null;
  readonly snoozedUntil: Date | null;
}

export interface NudgeFire {
  readonly kind: NudgeKind;
  readonly key: string;
  /** On a repeat: the breach's key, so a breach that never went out (snoozed, or down) is sent instead. */
  readonly breachKey?: string;
}

export interface NudgePlan {
  /** At most one threshold fires per look; its key makes it fire once, ever. */
  readonly fire: NudgeFire | null;
  /** The snooze ended: clear it. */
  readonly wake: { readonly key: string } | null;
  /** When to look again; null when nothing more can fire in this state. */
  readonly next: Date | null;
}

const at = (d: Date | null) => (d ? d.getTime() : Number.POSITIVE_INFINITY);
const earliest = (...dates: Array<Date | null>) => {
  const t = Math.min(...dates.map(at));
  return Number.isFinite(t) ? new Date(t) : null;
};

/**
 * What the nudge job should do about one handoff now. Pure: the keys name the threshold and the SLA
 * cycle (when it was queued or accepted), so a restart, a second run or a catch-up after downtime
 * can compute the same plan again and the store refuses the repeat. After downtime only the most
 * advanced threshold fires; the reminders it overtook would only be noise.
 */
export function planNudges(h: NudgeSubject, now: Date, calendar: BusinessCalendar, everyMinutes: number): NudgePlan {
  const t = now.getTime();
  let wake: NudgePlan['wake'] = null;
  if (h.snoozedUntil) {
    if (t < h.snoozedUntil.getTime()) return { fire: null, wake: null, next: h.snoozedUntil };
    wake = { key: `woke:${h.snoozedUntil.getTime()}` };
  }
  switch (h.state) {
    case 'awaiting_approval': {
      // The approval's times live in the accept columns until it is approved (see HandoffService.slaPatch).
      const cycle = h.queuedAt.getTime();
      if (h.acceptDueAt && t >= h.acceptDueAt.getTime()) return { fire: { kind: 'approve_breach', key: `approve_breach:${cycle}` }, wake, next: null };
      if (h.acceptWarnAt && t >= h.acceptWarnAt.getTime()) return { fire: { kind: 'approve_warn', key: `approve_warn:${cycle}` }, wake, next: h.acceptDueAt };
      return { fire: null, wake, next: earliest(h.acceptWarnAt, h.acceptDueAt) };
    }
    case 'open': {
      const cycle = h.queuedAt.getTime();
      if (h.acceptDueAt && t >= h.acceptDueAt.getTime()) return { fire: { kind: 'accept_breach', key: `accept_breach:${cycle}` }, wake, next: null };
      if (h.acceptWarnAt && t >= h.acceptWarnAt.getTime()) return { fire: { kind: 'accept_warn', key: `accept_warn:${cycle}` }, wake, next: h.acceptDueAt };
      return { fire: null, wake, next: earliest(h.acceptWarnAt, h.acceptDueAt) };
    }
    case 'accepted': {
      const cycle = (h.acceptedAt ?? h.queuedAt).getTime();
      const due = h.completeDueAt;
      if (due && t >= due.getTime()) {
        const every = Math.max(1, everyMinutes);
        const k = Math.floor(businessMinutesBetween(due, now, calendar) / every);
        const breachKey = `complete_breach:${cycle}`;
        const fire: NudgeFire = k === 0 ? { kind: 'complete_breach', key: breachKey } : { kind: 'complete_repeat', key: `complete_repeat:${cycle}:${k}`, breachKey };
        return { fire, wake, next: addBusinessMinutes(due, (k + 1) * every, calendar) };
      }
      if (h.completeWarnAt && t >= h.completeWarnAt.getTime()) return { fire: { kind: 'complete_warn', key: `complete_warn:${cycle}` }, wake, next: due };
      return { fire: null, wake, next: earliest(h.completeWarnAt, due) };
    }
    case 'returned': {
      if (h.acceptDueAt && t >= h.acceptDueAt.getTime()) return { fire: { kind: 'returned_remind', key: `returned_remind:${h.acceptDueAt.getTime()}` }, wake, next: null };
      return { fire: null, wake, next: h.acceptDueAt };
    }
    default:
      return { fire: null, wake: null, next: null };
  }
}

/** The SLA a handoff is measured against in its state: approving it, accepting it, completing it, or (returned) resubmitting it. */
export function currentSla(h: NudgeSubject, now: Date): { state: SlaState; dueAt: Date | null } {
  const times =
    h.state === 'open' || h.state === 'awaiting_approval'
      ? { warnAt: h.acceptWarnAt, dueAt: h.acceptDueAt }
      : h.state === 'accepted'
        ? { warnAt: h.completeWarnAt, dueAt: h.completeDueAt }
        : h.state === 'returned'
          ? { warnAt: null, dueAt: h.acceptDueAt }
          : { warnAt: null, dueAt: null };
  return { state: slaStateOf(times, now), dueAt: times.dueAt };
}

/** Stalled: at or past the reminder point of its current SLA. */
export function isStalled(h: NudgeSubject, now: Date): boolean {
  const s = currentSla(h, now).state;
  return s === 'due_soon' || s === 'overdue';
}
