import type { EscalationStep, PeopleConfig } from '../config/workflow-schema.js';
import { addBusinessMinutes, type BusinessCalendar, parseDuration } from './business-clock.js';
import type { HandoffState } from './lifecycle.js';

/** The SLA an escalation belongs to: approving the handoff (`approval.escalate`), accepting it, or completing it. */
export type EscalationStage = 'approve' | 'accept' | 'complete';

/** The fields of a handoff escalation reads. */
export interface EscalationSubject {
  readonly state: HandoffState;
  readonly queuedAt: Date;
  readonly acceptedAt: Date | null;
  readonly snoozedUntil: Date | null;
}

export interface DueEscalation {
  /** 0-based position in `sla.escalate`. */
  readonly index: number;
  readonly step: EscalationStep;
  readonly stage: EscalationStage;
  /** Names the step and the SLA cycle, so it fires once per SLA, whatever runs overlap. */
  readonly key: string;
}

export interface EscalationPlan {
  readonly due: readonly DueEscalation[];
  /** When the next step falls due; null when none is left in this stage. */
  readonly next: Date | null;
}

/** Business minutes after the SLA started at which a step fires: a share of the SLA or a duration. */
export function stepOffsetMinutes(after: string, slaMinutes: number, calendar: BusinessCalendar): number {
  const share = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(after);
  return share ? (slaMinutes * Number(share[1])) / 100 : parseDuration(after, calendar);
}

/**
 * Which escalation steps of the current SLA are due at `now`, and when the next one is. Pure: the
 * keys let storage refuse a step that already fired. Nothing while snoozed (the snooze pauses every
 * reminder), and nothing for a stage without an SLA.
 */
export function planEscalations(
  h: EscalationSubject,
  now: Date,
  calendar: BusinessCalendar,
  sla: { approve?: string; accept?: string; complete?: string; escalate?: readonly EscalationStep[] },
): EscalationPlan {
  const steps = sla.escalate ?? [];
  const stage: EscalationStage | null = h.state === 'awaiting_approval' ? 'approve' : h.state === 'open' ? 'accept' : h.state === 'accepted' ? 'complete' : null;
  const duration = stage ? sla[stage] : undefined;
  if (!stage || !duration || steps.length === 0) return { due: [], next: null };
  if (h.snoozedUntil && now.getTime() < h.snoozedUntil.getTime()) return { due: [], next: h.snoozedUntil };
  const start = stage !== 'complete' ? h.queuedAt : (h.acceptedAt ?? h.queuedAt);
  const slaMinutes = parseDuration(duration, calendar);
  const due: DueEscalation[] = [];
  let next: Date | null = null;
  steps.forEach((step, index) => {
    const at = addBusinessMinutes(start, stepOffsetMinutes(step.after, slaMinutes, calendar), calendar);
    if (at.getTime() <= now.getTime()) due.push({ index, step, stage, key: `escalate:${stage}:${start.getTime()}:${index}` });
    else if (!next || at.getTime() < next.getTime()) next = at;
  });
  return { due, next };
}

/** Who a step goes to, as user ids: the receiving team's leads, listed people, or another team's leads. */
export function escalationRecipients(step: EscalationStep, leadsOf: (teamKey: string) => readonly string[], receivingTeam: string): string[] {
  return peopleOf(step.to, leadsOf, receivingTeam);
}

/** The user ids `leads`, a list, or `{ team }` name; `leads` are those of `leadsTeam`. */
export function peopleOf(to: PeopleConfig, leadsOf: (teamKey: string) => readonly string[], leadsTeam: string | undefined): string[] {
  const ids = to === 'leads' ? (leadsTeam === undefined ? [] : leadsOf(leadsTeam)) : Array.isArray(to) ? to : leadsOf(to.team);
  return [...new Set(ids)];
}

/** When the first step of an SLA that started at `start` falls due; null without steps or SLA. */
export function firstStepAt(start: Date, duration: string | undefined, steps: readonly EscalationStep[] | undefined, calendar: BusinessCalendar): Date | null {
  if (!duration || !steps?.length) return null;
  const slaMinutes = parseDuration(duration, calendar);
  const first = Math.min(...steps.map((s) => stepOffsetMinutes(s.after, slaMinutes, calendar)));
  return addBusinessMinutes(start, first, calendar);
}

/** The earlier of two check times, either of which may be missing. */
export function earlierOf(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
