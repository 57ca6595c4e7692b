import { parseDuration } from '../domain/business-clock';
import type { Notification } from '../domain/notifications';
import { calendarOf } from '../domain/sla';
import { type NudgeKind, planNudges } from '../domain/stall';
import type { HandoffRow } from '../db/schema';
import { type JobDeps, SYSTEM_ACTOR } from './deps';

export interface NudgeRunResult {
  readonly looked: number;
  readonly sent: Record<string, number>;
}

const BATCH = 1000;

/** Who hears about a nudge, beyond the event itself. */
function notificationsFor(h: HandoffRow, kind: NudgeKind, eventId: number, leads: readonly string[]): Notification[] {
  const handoffId = h.id;
  const dm = (userId: string): Notification => ({ type: 'dm', handoffId, eventId, userId });
  switch (kind) {
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
  const seen = new Set<number>();
  let looked = 0;
  for (;;) {
    const due = deps.stalls.dueForNudge(now, BATCH).filter((h) => !seen.has(h.id));
    if (due.length === 0) break;
    for (const h of due) {
      seen.add(h.id);
      looked++;
      const type = deps.config.handoffTypes[h.typeKey];
      const team = deps.config.teams[h.toTeam];
      if (!type || !team) continue;
      const calendar = calendarOf(team);
      const plan = planNudges(h, now, calendar, parseDuration(type.nudge.every, calendar));
      const kinds = deps.handoffs.transaction((tx) => {
        if (!deps.stalls.updateNudgeState(tx, h.id, h.version, { nudgeAt: plan.next, ...(plan.wake ? { snoozedUntil: null } : {}) })) return [];
        const fired: Array<{ kind: NudgeKind; key: string }> = [];
        if (plan.wake && deps.stalls.claimNudge(tx, h.id, plan.wake.key, now)) fired.push({ kind: 'woke', key: plan.wake.key });
        if (plan.fire && deps.stalls.claimNudge(tx, h.id, plan.fire.key, now)) {
          const { breachKey } = plan.fire;
          const escalate = breachKey !== undefined && deps.stalls.claimNudge(tx, h.id, breachKey, now);
          fired.push(escalate ? { kind: 'complete_breach', key: breachKey } : plan.fire);
        }
        for (const { kind, key } of fired) {
          const eventId = deps.handoffs.insertEvent(tx, h.id, { type: 'nudged', actorId: SYSTEM_ACTOR, at: now, fromState: h.state, toState: h.state, data: { kind, key } });
          deps.handoffs.enqueue(tx, notificationsFor(h, kind, eventId, team.leads), now);
        }
        return fired.map((f) => f.kind);
      });
      for (const k of kinds) sent[k] = (sent[k] ?? 0) + 1;
    }
    if (due.length < BATCH) break;
  }
  if (Object.keys(sent).length > 0) deps.outbox.kick();
  return { looked, sent };
}
