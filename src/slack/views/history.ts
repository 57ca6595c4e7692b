import type { KnownBlock } from '@slack/types';
import type { FieldConfig } from '../../config/workflow-schema.js';
import type { EventRow } from '../../db/schema.js';
import type { FieldValues } from '../../domain/fields.js';
import type { HandoffState } from '../../domain/lifecycle.js';
import { CallbackId } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate } from '../mrkdwn.js';
import type { Modal } from './block.js';
import { formatAge } from './digest.js';
import { describeReturnFlags, type HandoffContext, renderFieldValue } from './messages.js';

/** Slack refuses a modal of more than 100 blocks. */
export const MODAL_BLOCK_LIMIT = 100;

const STATE_NAME: Record<HandoffState, string> = {
  awaiting_approval: 'Waiting for approval',
  open: 'Waiting to be accepted',
  accepted: 'In progress',
  returned: 'Returned to requester',
  done: 'Done',
  cancelled: 'Cancelled',
};

/** A person, or the bot itself for reminders it sent on its own. */
function actor(id: string): string {
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : 'Handoff';
}

function quote(text: string): string {
  return `>${escapeMrkdwn(text).replace(/\n/g, '\n>')}`;
}

const NUDGE_TEXT: Record<string, string> = {
  accept_warn: 'reminded the team in the thread: 75% of the time to accept had passed',
  accept_breach: 'told the leads: it was not accepted in time',
  complete_warn: 'reminded the owner: 75% of the time to complete had passed',
  complete_breach: 'told the owner and the leads: it was overdue',
  complete_repeat: 'reminded the owner again: still overdue',
  returned_remind: 'reminded the requester to resubmit or cancel it',
  woke: 'ended the snooze and told the owner',
  approve_warn: 'reminded the approvers: 75% of the time to approve had passed',
  approve_breach: 'reminded the approvers and told the requester: it was not approved in time',
};

/** `[U1, U2]` as mentions; "nobody" for an empty or malformed list. */
function mentions(ids: unknown): string {
  const list = Array.isArray(ids) ? ids.map((u) => `<@${String(u)}>`) : [];
  return list.length ? list.join(', ') : 'nobody';
}

function fieldLabels(fields: readonly FieldConfig[], keys: unknown): string {
  if (!Array.isArray(keys)) return '';
  return keys.map((k) => escapeMrkdwn(fields.find((f) => f.key === k)?.label ?? String(k))).join(', ');
}

/** What one event did, with its reason and details, in a line or a few. */
export function describeHistoryEvent(e: EventRow, ctx: HandoffContext, timezone?: string): string {
  const who = actor(e.actorId);
  const data = e.data as Record<string, unknown>;
  const lines: string[] = [];
  switch (e.type) {
    case 'created':
      lines.push(`${who} handed it off to ${escapeMrkdwn(ctx.toTeam.name)}${typeof data.parentId === 'number' ? `, as the next step of #${data.parentId}` : ''}`);
      if (Array.isArray(data.approvers)) lines.push(`Approval asked of ${mentions(data.approvers)}`);
      break;
    case 'approved':
      lines.push(`${who} approved it; it was posted to ${escapeMrkdwn(ctx.toTeam.name)}`);
      break;
    case 'declined':
      lines.push(`${who} declined it and sent it back to the requester`);
      break;
    case 'accepted':
      lines.push(`${who} accepted it`);
      break;
    case 'rejected': {
      const flagged = describeReturnFlags(data, ctx.type.fields);
      lines.push(`${who} returned it to the requester${flagged ? ` (missing or wrong: ${flagged})` : ''}`);
      break;
    }
    case 'resubmitted': {
      const changed = fieldLabels(ctx.type.fields, data.changed);
      lines.push(`${who} resubmitted it${changed ? ` (changed: ${changed})` : ' (no field changed)'}`);
      if (Array.isArray(data.approvers)) lines.push(`Approval asked again of ${mentions(data.approvers)}`);
      break;
    }
    case 'completed':
      lines.push(`${who} marked it done`);
      if (data.completion && typeof data.completion === 'object')
        for (const [key, value] of Object.entries(data.completion as FieldValues)) {
          const field = ctx.type.completion.fields.find((f) => f.key === key);
          lines.push(`*${escapeMrkdwn(field?.label ?? key)}:* ${renderFieldValue(field, value)}`);
        }
      break;
    case 'reassigned':
      lines.push(`${who} assigned it to <@${String(data.newOwner)}>${e.fromState === 'accepted' && data.previousOwner ? ` (was <@${String(data.previousOwner)}>)` : ''}`);
      break;
    case 'released':
      lines.push(`${who} released it back to the team queue`);
      break;
    case 'cancelled':
      lines.push(`${who} cancelled it`);
      break;
    case 'snoozed':
      lines.push(`${who} snoozed reminders until ${slackDate(new Date(String(data.until)), '{date_short_pretty} {time}', timezone)}`);
      break;
    case 'nudged':
      if (data.kind === 'escalated') {
        const stage = data.stage === 'accept' || data.stage === 'approve' ? data.stage : 'complete';
        lines.push(`${who} escalated it to ${mentions(data.to)}: step ${String(data.step)}, ${escapeMrkdwn(String(data.after))} of the time to ${stage}`);
        break;
      }
      lines.push(data.kind === 'requester' ? `${who} nudged ${e.toState === 'accepted' ? 'the owner' : 'the team'}` : `${who} ${NUDGE_TEXT[String(data.kind)] ?? 'sent a reminder'}`);
      break;
    case 'offered':
      lines.push(`${who} offered it to <@${String(data.to)}> until ${slackDate(new Date(String(data.until)), '{date_short_pretty} {time}', timezone)}`);
      break;
    case 'passed':
      lines.push(`${who} passed; the offer moves on`);
      break;
    case 'offer_expired':
      lines.push(`${who} moved the offer on: <@${String(data.offeredTo)}> did not answer in time`);
      break;
    case 'offers_exhausted':
      lines.push(`${who} left it in the team queue and told the leads: everyone passed or did not answer`);
      break;
  }
  if (e.fromState && e.fromState !== e.toState) lines.push(`_${STATE_NAME[e.fromState]} → ${STATE_NAME[e.toState]}_`);
  if (typeof data.reason === 'string' && data.reason.trim()) lines.push(quote(data.reason));
  return lines.join('\n');
}

export interface HistoryViewOptions {
  /** The viewer's timezone for the fallback text of date tokens (Slack renders the tokens in it anyway). */
  readonly timezone?: string | null;
}

/**
 * A handoff's full timeline: every event with who, when (a Slack date token, which each viewer's
 * Slack shows in their own timezone), what changed and why. Within the 100-block limit the latest
 * events are shown, after "…and N earlier events".
 */
export function buildHistoryModal(ctx: HandoffContext, events: readonly EventRow[], opts: HistoryViewOptions = {}): Modal {
  const h = ctx.handoff;
  const tz = opts.timezone ?? undefined;
  const people = [`requested by <@${h.requesterId}>`, h.state === 'accepted' || h.state === 'done' ? `owner <@${h.ownerId}>` : `team ${escapeMrkdwn(ctx.toTeam.name)}`];
  const head: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*#${h.id} ${escapeMrkdwn(h.title)}*\n${STATE_NAME[h.state]} · ${people.join(' · ')}`) },
    { type: 'context', elements: [mrkdwn(`${events.length} event${events.length === 1 ? '' : 's'}, oldest first. Times are in your timezone.`)] },
  ];
  const room = MODAL_BLOCK_LIMIT - head.length;
  const hidden = events.length > room ? events.length - (room - 1) : 0;
  const blocks = [...head];
  if (hidden > 0) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${hidden} earlier event${hidden === 1 ? '' : 's'}.`)] });
  events.forEach((e, i) => {
    if (i < hidden) return;
    const previous = events[i - 1];
    const after = previous ? ` · ${formatAge(e.at.getTime() - previous.at.getTime())} later` : '';
    blocks.push({ type: 'section', text: mrkdwn(`*${slackDate(e.at, '{date_short_pretty} {time}', tz)}*${after}\n${describeHistoryEvent(e, ctx, tz)}`) });
  });
  return {
    type: 'modal',
    callback_id: CallbackId.history,
    title: plain(`History of #${h.id}`, 24),
    close: plain('Close', 24),
    blocks,
  };
}
