import { parseDuration } from '../domain/business-clock.js';
import type { Notification } from '../domain/notifications.js';
import { calendarOf } from '../domain/sla.js';
import { type NudgeKind, planNudges } from '../domain/stall.js';
import type { Tx } from '../db/database.js';
import type { NudgeRow } from '../db/stall-repo.js';
import { type JobDeps, SYSTEM_ACTOR } from './deps.js';
import { ownEntry } from '../domain/own-entry.js';
import { earlierOf, escalationRecipients, peopleOf, planEscalations } from '../domain/escalation.js';
import { approvalTeamOf, approversOf } from '../domain/approval.js';

export interface NudgeRunResult {
  readonly looked: number;
  readonly sent: Record<string, number>;
}

const BATCH = 1000;
const CHUNK = 100;

/** Who hears about a nudge, beyond the event itself. */
function notificationsFor(h: NudgeRow, kind: NudgeKind, eventId: number, leads: readonly string[], approvers: readonly string[]): Notification[] {
  const handoffId = h.id;
  const dm = (userId: string): Notification => ({ type: 'dm', handoffId, eventId, userId });
  // Reminders to approvers carry Approve and Decline again, and are updated with the decision like the request.
  const ask = (userId: string): Notification => ({ type: 'approval_request', handoffId, eventId, userId });
  switch (kind) {
    case 'approve_warn':
      return approvers.map(ask);
    case 'approve_breach':
      return [...approvers.map(ask), dm(h.requesterId)];
    case 'accept_warn':
      return [{ type: 'thread', handoffId, eventId }];
    case 'accept_breach':
      return [{ type: 'post', handoffId }, { type: 'thread', handoffId, eventId }, ...leads.map(dm)];
    case 'complete_warn':
    case 'complete_repeat':
    case 'woke':
      return [dm(h.ownerId)];
    case 'complete_breach':
      return [{ type: 'post', handoffId }, dm(h.ownerId), ...leads.filter((l) => l !== h.ownerId).map(dm)];
    case 'returned_remind':
      return [dm(h.requesterId)];
  }
}

/**
 * One pass of the nudge job as of `now`: looks at the handoffs whose next check is due and sends
 * each threshold's reminder once. Safe to run concurrently with itself and after downtime: a
 * threshold is claimed in the same transaction as its event and messages.
 */
export async function runNudges(deps: JobDeps, now: Date): Promise<NudgeRunResult> {
  const sent: Record<string, number> = {};
  // Statuses before anything else, so offers and reminders of this run already skip who went on vacation.
  await refreshStatuses(deps, now);
  // Offers first: a handoff whose offer ran out goes to the next person before anyone is reminded of it.
  const moved = (await deps.offers?.moveTimedOutOffers(now)) ?? 0;
  if (moved > 0) sent.offer_expired = moved;
  let looked = 0;
  let after: { nudgeAt: Date; id: number } | undefined;
  for (;;) {
    const batch = await deps.stalls.dueForNudge(now, BATCH, after);
    if (batch.length === 0) break;
    const last = batch[batch.length - 1];
    after = { nudgeAt: last.nudgeAt as Date, id: last.id };
    // One transaction per chunk keeps the write lock short for the requests being served meanwhile.
    for (let i = 0; i < batch.length; i += CHUNK) {
      const kinds = await deps.handoffs.transaction(async (tx) => {
        const fired: string[] = [];
        for (const h of batch.slice(i, i + CHUNK)) fired.push(...(await nudgeOne(deps, tx, h, now)));
        return fired;
      });
      looked += Math.min(CHUNK, batch.length - i);
      for (const k of kinds) sent[k] = (sent[k] ?? 0) + 1;
    }
    if (batch.length < BATCH) break;
  }
  if (Object.keys(sent).length > 0) deps.outbox.kick();
  return { looked, sent };
}

/** Reads the Slack statuses due for a look; a failure leaves the last known ones and never stops the run. */
async function refreshStatuses(deps: JobDeps, now: Date): Promise<void> {
  try {
    await deps.away?.refreshSlackStatuses?.(now);
  } catch (error) {
    deps.logger.warn(`reading Slack statuses failed; the last known ones stand: ${(error as Error).message}`);
  }
}

/** Decides and records the nudges of one handoff; returns what fired. A handoff changed meanwhile is left for its new state. */
async function nudgeOne(deps: JobDeps, tx: Tx, h: NudgeRow, now: Date): Promise<string[]> {
  const type = ownEntry(deps.config.handoffTypes, h.typeKey);
  const team = ownEntry(deps.config.teams, h.toTeam);
  if (!type || !team) {
    // Its type or team left the config: nothing can be computed, so stop looking at it.
    await deps.stalls.updateNudgeState(tx, h.id, h.version, { nudgeAt: null });
    deps.logger.warn(`handoff ${h.id}: type "${h.typeKey}" or team "${h.toTeam}" is no longer configured; no more reminders`);
    return [];
  }
  const approving = h.state === 'awaiting_approval';
  // Waiting for approval, the approving team's clock and the approval's own steps apply.
  const calendar = calendarOf((approving && ownEntry(deps.config.teams, approvalTeamOf(type))) || team);
  const plan = planNudges(h, now, calendar, parseDuration(type.nudge.every, calendar));
  const steps = planEscalations(h, now, calendar, approving ? { approve: type.sla.approve, escalate: type.approval?.escalate } : type.sla);
  const nudgeAt = earlierOf(plan.next, steps.next);
  if (!(await deps.stalls.updateNudgeState(tx, h.id, h.version, { nudgeAt, ...(plan.wake ? { snoozedUntil: null } : {}) }))) return [];
  const fired: Array<{ kind: NudgeKind; key: string }> = [];
  if (plan.wake && (await deps.stalls.claimNudge(tx, h.id, plan.wake.key, now))) fired.push({ kind: 'woke', key: plan.wake.key });
  if (plan.fire && (await deps.stalls.claimNudge(tx, h.id, plan.fire.key, now))) {
    // A repeat whose breach never went out (snoozed, or down at the time) escalates to the leads first.
    const { breachKey } = plan.fire;
    const escalate = breachKey !== undefined && (await deps.stalls.claimNudge(tx, h.id, breachKey, now));
    fired.push(escalate ? { kind: 'complete_breach', key: breachKey } : plan.fire);
  }
  // With escalation steps, the steps decide who beyond the owner hears of a breach.
  const breachLeads = type.sla.escalate?.length ? [] : team.leads;
  // What an away owner or lead would get goes to their backup or leads; a requester's own reminder stays theirs.
  const away = deps.away;
  const covered = async (list: Notification[]): Promise<Notification[]> => {
    if (!away) return list;
    const out: Notification[] = [];
    for (const n of list) out.push(...(n.type === 'dm' ? (await away.cover([n.userId], h.toTeam, now)).map((c) => ({ ...n, ...c })) : [n]));
    // A lead covering for an away owner hears once, not also as a lead.
    return out.filter((n, i, all) => n.type !== 'dm' || all.findIndex((m) => m.type === 'dm' && m.userId === n.userId) === i);
  };
  for (const { kind, key } of fired) {
    const eventId = await deps.handoffs.insertEvent(tx, h.id, { type: 'nudged', actorId: SYSTEM_ACTOR, at: now, fromState: h.state, toState: h.state, data: { kind, key } });
    const list = notificationsFor(h, kind, eventId, breachLeads, approving ? approversOf(type, deps.config.teams, h.requesterId) : []);
    // Only the people of the receiving team are covered for: an approval is not theirs to give.
    await deps.handoffs.enqueue(tx, kind === 'returned_remind' || approving ? list : await covered(list), now);
  }
  const leadsOf = (teamKey: string) => ownEntry(deps.config.teams, teamKey)?.leads ?? [];
  const escalated: Array<(typeof steps.due)[number]> = [];
  for (const d of steps.due) if (await deps.stalls.claimNudge(tx, h.id, d.key, now)) escalated.push(d);
  for (const d of escalated) {
    // In an approval's steps, "leads" are the sending team's (the receiving team has not seen it yet).
    const to = approving ? peopleOf(d.step.to, leadsOf, type.from) : escalationRecipients(d.step, leadsOf, h.toTeam);
    const data = { kind: 'escalated', key: d.key, step: d.index + 1, after: d.step.after, stage: d.stage, to };
    const eventId = await deps.handoffs.insertEvent(tx, h.id, { type: 'nudged', actorId: SYSTEM_ACTOR, at: now, fromState: h.state, toState: h.state, data });
    const dms = to.map((userId): Notification => ({ type: 'dm', handoffId: h.id, eventId, userId }));
    await deps.handoffs.enqueue(tx, approving ? dms : await covered(dms), now);
  }
  return [...fired.map((f) => f.kind), ...escalated.map(() => 'escalated')];
}
