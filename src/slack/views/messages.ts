import type { Button, ConfirmationDialog, KnownBlock, SectionBlock } from '@slack/types';
import type { FieldConfig, HandoffTypeConfig, TeamConfig } from '../../config/workflow-schema.js';
import type { EventRow, HandoffRow } from '../../db/schema.js';
import { type FieldValues, formatFieldValue, isFileList } from '../../domain/fields.js';
import { type HandoffState, returnFlagsOf } from '../../domain/lifecycle.js';
import { currentSla } from '../../domain/stall.js';
import { ActionId, BlockId } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate, truncate } from '../mrkdwn.js';
import { buildOfferDm, offerLine } from './offers.js';
import { formatAwayUntil } from './away.js';

export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** The handoff with the configuration needed to describe it. */
export interface HandoffContext {
  readonly handoff: HandoffRow;
  readonly type: HandoffTypeConfig;
  readonly toTeam: TeamConfig;
  /** Set when the owner of an accepted handoff is away; `until` null: until their Slack status changes. */
  readonly ownerAway?: { readonly until: Date | null } | null;
}

const STATE_LABEL: Record<HandoffState, string> = {
  awaiting_approval: ':lock: Waiting for approval',
  open: ':hourglass_flowing_sand: Waiting to be accepted',
  accepted: ':large_blue_circle: In progress',
  returned: ':leftwards_arrow_with_hook: Returned to requester',
  done: ':white_check_mark: Done',
  cancelled: ':no_entry_sign: Cancelled',
};

const FIELD_TEXT_LIMIT = 2000;
const SECTION_FIELDS = 10;

/** `*Label*\nvalue` for each filled field; user and channel values render as mentions, everything typed is escaped. */
export function renderFieldValue(field: FieldConfig | undefined, value: FieldValues[string]): string {
  // Only a well-formed ID becomes a mention; anything else is shown as text.
  if (field?.type === 'user' && /^[UW][A-Z0-9]+$/.test(String(value))) return `<@${value}>`;
  if (field?.type === 'channel' && /^[CGD][A-Z0-9]+$/.test(String(value))) return `<#${value}>`;
  if (field?.type === 'date') return escapeMrkdwn(String(value));
  // Links to the files in Slack; isFileList only passes links without spaces, < > or |, so none can break out of its <…>.
  if (isFileList(value)) return value.map((f) => `<${f.permalink}|${escapeMrkdwn(f.name)}>`).join(', ');
  return escapeMrkdwn(formatFieldValue(field, value));
}

export function fieldSections(fields: readonly FieldConfig[], values: FieldValues): SectionBlock[] {
  const texts = fields
    .filter((f) => values[f.key] !== undefined)
    .map((f) => mrkdwn(`*${escapeMrkdwn(f.label)}*\n${renderFieldValue(f, values[f.key])}`))
    .map((t) => ({ ...t, text: truncate(t.text, FIELD_TEXT_LIMIT) }));
  const sections: SectionBlock[] = [];
  for (let i = 0; i < texts.length; i += SECTION_FIELDS) sections.push({ type: 'section', fields: texts.slice(i, i + SECTION_FIELDS) });
  return sections;
}

export function button(text: string, actionId: string, handoffId: number, style?: 'primary' | 'danger', confirm?: ConfirmationDialog): Button {
  return { type: 'button', text: plain(text, 75), action_id: actionId, value: String(handoffId), ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) };
}

/** Opens the handoff's full timeline in a modal; on every post, event DM and Home item. */
export function historyButton(handoffId: number): Button {
  return button('History', ActionId.history, handoffId);
}

function confirm(title: string, text: string, yes: string): ConfirmationDialog {
  return { title: plain(title, 100), text: plain(text, 300), confirm: plain(yes, 30), deny: plain('Keep it', 30) };
}

/** The buttons that fit a state; who may press them is checked when they are pressed. */
export function buildActions(h: HandoffRow): Button[] {
  const id = h.id;
  switch (h.state) {
    case 'awaiting_approval':
      // On a post only when it was approved before and came back: the approvers decide from their DMs.
      return [button('Cancel', ActionId.cancel, id, 'danger', confirm('Cancel handoff?', 'Only the requester can cancel. The approvers will see it was cancelled.', 'Cancel it'))];
    case 'open':
      return [
        button('Accept', ActionId.accept, id, 'primary'),
        button('Reject', ActionId.reject, id),
        button('Assign to…', ActionId.reassign, id),
        button('Cancel', ActionId.cancel, id, 'danger', confirm('Cancel handoff?', 'Only the requester can cancel. The team will see it was cancelled.', 'Cancel it')),
      ];
    case 'accepted':
      return [
        button('Mark done', ActionId.complete, id, 'primary'),
        button('Reassign', ActionId.reassign, id),
        button('Release', ActionId.release, id, undefined, confirm('Release handoff?', 'It goes back to the team queue for someone else to accept.', 'Release')),
        button('Cancel', ActionId.cancel, id, 'danger', confirm('Cancel handoff?', 'Only the requester can cancel. The owner will be told.', 'Cancel it')),
      ];
    case 'returned':
      return [button('Edit and resubmit', ActionId.resubmit, id, 'primary')];
    default:
      return [];
  }
}

function slaLine(h: HandoffRow, now: Date): string | null {
  if (h.state !== 'open' && h.state !== 'accepted' && h.state !== 'awaiting_approval') return null;
  const { state, dueAt } = currentSla(h, now);
  if (!dueAt) return null;
  const verb = h.state === 'open' ? 'Accept' : h.state === 'accepted' ? 'Complete' : 'Approve';
  return state === 'overdue' ? `:rotating_light: *Overdue*: ${verb.toLowerCase()} was due ${slackDate(dueAt)}` : `:stopwatch: ${verb} by ${slackDate(dueAt)}`;
}

/** The channel post: what the handoff is, where it stands, who owns it, and what can be done next. */
export function buildHandoffPost(ctx: HandoffContext, now: Date): SlackMessage {
  const { handoff: h, type, toTeam } = ctx;
  const people = [`*Requested by* <@${h.requesterId}>`, h.state === 'accepted' || h.state === 'done' ? `*Owner* <@${h.ownerId}>` : `*Team* ${escapeMrkdwn(toTeam.name)}`];
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`#${h.id} ${h.title}`, 150) },
    { type: 'section', text: mrkdwn(`${STATE_LABEL[h.state]}\n${people.join('   ')}`) },
    ...fieldSections(type.fields, h.fields),
  ];
  if (h.completion && Object.keys(h.completion).length > 0) blocks.push({ type: 'divider' }, ...fieldSections(type.completion.fields, h.completion));
  const context = [`${escapeMrkdwn(type.name)} · created ${slackDate(h.createdAt)}`];
  if (h.sourcePermalink) context.push(`:speech_balloon: <${h.sourcePermalink}|From a message in <#${h.sourceChannel}>>`);
  const sla = slaLine(h, now);
  if (sla) context.push(sla);
  const offer = offerLine(h);
  if (offer) context.push(offer);
  if (h.state === 'accepted' && ctx.ownerAway) context.push(`:palm_tree: Owner away ${formatAwayUntil(ctx.ownerAway.until)}`);
  blocks.push({ type: 'context', elements: context.map((c) => mrkdwn(c)) });
  blocks.push({ type: 'actions', block_id: `${BlockId.actions}:${h.id}`, elements: [...buildActions(h), historyButton(h.id)] });
  return { text: `Handoff #${h.id}: ${escapeMrkdwn(h.title)} (${STATE_LABEL[h.state].replace(/^:[a-z_]+: /, '')})`, blocks };
}

export function link(h: Pick<HandoffRow, 'id' | 'title' | 'permalink'>): string {
  const label = `#${h.id} ${escapeMrkdwn(h.title)}`.replace(/\|/g, '¦');
  return h.permalink ? `<${h.permalink}|${label}>` : `*${label}*`;
}

/** "Ship by, Priority, something else": what a return flagged, by label; empty when it flagged nothing. */
export function describeReturnFlags(data: Record<string, unknown>, fields: readonly FieldConfig[]): string {
  const { flaggedFields, somethingElse } = returnFlagsOf(data);
  const labels = flaggedFields.map((k) => escapeMrkdwn(fields.find((f) => f.key === k)?.label ?? k));
  return [...labels, ...(somethingElse ? ['something else'] : [])].join(', ');
}

/** One line describing an event, for the thread and for DMs; `fields` (the type's) name the fields a return flagged. */
export function describeEvent(e: EventRow, h: HandoffRow, fields: readonly FieldConfig[] = []): string {
  const who = `<@${e.actorId}>`;
  const data = e.data as Record<string, unknown>;
  const reason = typeof data.reason === 'string' ? `\n>${escapeMrkdwn(data.reason).replace(/\n/g, '\n>')}` : '';
  switch (e.type) {
    case 'created':
      return `${who} handed off ${link(h)}.${Array.isArray(data.approvers) ? ` It waits for approval by ${mentionList(data.approvers)}.` : ''}`;
    case 'approved':
      return `:white_check_mark: ${who} approved ${link(h)}.`;
    case 'declined':
      return `:leftwards_arrow_with_hook: ${who} declined ${link(h)} and sent it back to <@${h.requesterId}>:${reason}`;
    case 'accepted':
      return `:raised_hands: ${who} accepted ${link(h)} and owns it now.`;
    case 'rejected': {
      const flagged = describeReturnFlags(data, fields);
      return `:leftwards_arrow_with_hook: ${who} returned ${link(h)} to <@${h.requesterId}>:${reason}${flagged ? `\n*Missing or wrong:* ${flagged}` : ''}`;
    }
    case 'resubmitted': {
      const changed = Array.isArray(data.changed) && data.changed.length ? ` (changed: ${escapeMrkdwn(data.changed.join(', '))})` : '';
      return Array.isArray(data.approvers)
        ? `:repeat: ${who} resubmitted ${link(h)}${changed}. It waits for approval by ${mentionList(data.approvers)} again.`
        : `:repeat: ${who} resubmitted ${link(h)}${changed}. It is waiting to be accepted again.`;
    }
    case 'completed':
      return `:white_check_mark: ${who} marked ${link(h)} done.`;
    case 'reassigned':
      return `:busts_in_silhouette: ${who} assigned ${link(h)} to <@${String(data.newOwner)}>.`;
    case 'released':
      return `:arrow_backward: ${who} released ${link(h)} back to the team queue.`;
    case 'cancelled':
      return `:no_entry_sign: ${who} cancelled ${link(h)}.${reason}`;
    case 'snoozed':
      return `:zzz: ${who} snoozed ${link(h)} until ${slackDate(new Date(String(data.until)), '{date_short_pretty}')}:${reason}`;
    case 'nudged':
      return data.kind === 'escalated' ? describeEscalation(data, h) : describeNudge(String(data.kind), h);
    case 'offered':
      return `:point_right: ${link(h)} is offered to <@${String(data.to)}> until ${slackDate(new Date(String(data.until)), '{time}')}.`;
    case 'passed':
      return `:fast_forward: ${who} passed on ${link(h)}.${reason}`;
    case 'offer_expired':
      return `:hourglass: The offer of ${link(h)} to <@${String(data.offeredTo)}> ran out.`;
    case 'offers_exhausted':
      return `:inbox_tray: Everyone on the team passed on ${link(h)} or did not answer; it waits in the team queue for anyone to accept.`;
  }
}

/** An escalation step's DM: what is late, by how much, and who owns it. */
function describeEscalation(data: Record<string, unknown>, h: HandoffRow): string {
  const stage = data.stage === 'accept' || data.stage === 'approve' ? data.stage : 'complete';
  const what =
    stage === 'approve'
      ? `${link(h)}, requested by <@${h.requesterId}>, is still waiting for approval`
      : stage === 'accept'
        ? `${link(h)} is still not accepted`
        : `${link(h)}, owned by <@${h.ownerId}>, is still not done`;
  return `:rotating_light: Escalation (step ${String(data.step)}, ${escapeMrkdwn(String(data.after))} of the time to ${stage}): ${what}; it was due ${dueText(h)}.`;
}

/** `<@U1>, <@U2>` from a stored list of user ids; anything not an id is left out. */
function mentionList(ids: unknown[]): string {
  return ids.filter((u): u is string => typeof u === 'string' && /^[UW][A-Z0-9]+$/.test(u)).map((u) => `<@${u}>`).join(', ') || 'nobody';
}

function dueText(h: HandoffRow): string {
  const due = h.state === 'accepted' ? h.completeDueAt : h.acceptDueAt;
  return due ? slackDate(due) : 'soon';
}

/** The reminder an automatic or requested nudge sends. */
function describeNudge(kind: string, h: HandoffRow): string {
  switch (kind) {
    case 'requester':
      return h.state === 'accepted'
        ? `:wave: <@${h.requesterId}> is asking about ${link(h)}. Where does it stand?`
        : `:wave: <@${h.requesterId}> is waiting for someone to accept ${link(h)}.`;
    case 'accept_warn':
      return `:alarm_clock: ${link(h)} is still waiting to be accepted; it is due ${dueText(h)}.`;
    case 'accept_breach':
      return `:rotating_light: ${link(h)} was not accepted in time (due ${dueText(h)}).`;
    case 'complete_warn':
      return `:alarm_clock: ${link(h)}, which you own, is due ${dueText(h)}.`;
    case 'complete_breach':
    case 'complete_repeat':
      return `:rotating_light: ${link(h)}, owned by <@${h.ownerId}>, is overdue: it was due ${dueText(h)}.`;
    case 'returned_remind':
      return `:leftwards_arrow_with_hook: ${link(h)} is still waiting for your changes since it was returned. Resubmit it or cancel it.`;
    case 'woke':
      return `:alarm_clock: Your snooze of ${link(h)} has ended. It is due ${dueText(h)}.`;
    case 'approve_warn':
      return `:alarm_clock: ${link(h)} is still waiting for approval; it is due ${dueText(h)}.`;
    case 'approve_breach':
      return `:rotating_light: ${link(h)} was not approved in time (due ${dueText(h)}).`;
    default:
      return `:alarm_clock: A reminder about ${link(h)}.`;
  }
}

/** The buttons a person needs on a DM about a handoff, by what they are to it now. */
export function buildDmActions(h: HandoffRow, recipient: string, isLead: boolean): Button[] {
  const open: Button[] = h.permalink ? [{ type: 'button', text: plain('Open', 75), action_id: ActionId.open, url: h.permalink }] : [];
  if (h.state === 'accepted' && recipient === h.ownerId)
    return [button('Mark done', ActionId.complete, h.id, 'primary'), button('Snooze', ActionId.snooze, h.id), button('Reassign', ActionId.reassign, h.id), ...open];
  if (h.state === 'accepted' && isLead) return [button('Reassign', ActionId.reassign, h.id), ...open];
  if (h.state === 'open' && isLead) return [button('Accept', ActionId.accept, h.id, 'primary'), button('Assign to…', ActionId.reassign, h.id), ...open];
  if (h.state === 'returned' && recipient === h.requesterId) return [button('Edit and resubmit', ActionId.resubmit, h.id, 'primary'), button('Cancel it', ActionId.cancel, h.id, 'danger')];
  if (h.state === 'awaiting_approval' && recipient === h.requesterId) return [button('Cancel it', ActionId.cancel, h.id, 'danger')];
  if ((h.state === 'open' || h.state === 'accepted') && recipient === h.requesterId) return [button('Nudge owner', ActionId.nudgeOwner, h.id), ...open];
  return open;
}

/** A DM about an event, with the buttons that person needs next. */
export function buildEventDm(ctx: HandoffContext, e: EventRow, recipient: string, awayOf?: { userId: string; until: string | null }): SlackMessage {
  const isLead = ctx.toTeam.leads.includes(recipient);
  const h = ctx.handoff;
  let text = describeEvent(e, h, ctx.type.fields);
  const blocks: KnownBlock[] = [];
  if (e.type === 'offered' && recipient === e.data.to) return buildOfferDm(ctx, e);
  if (e.type === 'created')
    text =
      e.toState === 'awaiting_approval'
        ? `:lock: Your handoff ${link(h)} waits for approval by ${mentionList(Array.isArray(e.data.approvers) ? e.data.approvers : [])}. Once approved it goes to ${escapeMrkdwn(ctx.toTeam.name)} in <#${h.channelId}>; you'll hear here.`
        : `:outbox_tray: Your handoff ${link(h)} was posted in <#${h.channelId}> for ${escapeMrkdwn(ctx.toTeam.name)}. You'll hear here when it is accepted.`;
  if (e.type === 'approved' && recipient === h.requesterId)
    text = `:white_check_mark: <@${e.actorId}> approved your handoff ${link(h)}. It was posted in <#${h.channelId}> for ${escapeMrkdwn(ctx.toTeam.name)}; you'll hear here when it is accepted.`;
  if (e.type === 'reassigned' && recipient === h.ownerId) text = `:inbox_tray: <@${e.actorId}> assigned ${link(h)} to you.`;
  blocks.push({ type: 'section', text: mrkdwn(text) });
  // Sent in someone's place: say whose, and why.
  if (awayOf) blocks.push({ type: 'context', elements: [mrkdwn(`:palm_tree: You get this because <@${awayOf.userId}> is away ${formatAwayUntil(awayOf.until)}.`)] });
  if (e.type === 'completed' && h.completion) blocks.push(...fieldSections(ctx.type.completion.fields, h.completion));
  if (e.type === 'rejected' && h.state === 'returned' && recipient === h.requesterId)
    blocks.push({ type: 'context', elements: [mrkdwn('Fix what is missing and resubmit; it goes back to the same channel post.')] });
  if (e.type === 'declined' && h.state === 'returned' && recipient === h.requesterId)
    blocks.push({ type: 'context', elements: [mrkdwn('Fix what is needed and resubmit; it asks for approval again.')] });
  const withActions: EventRow['type'][] = ['nudged', 'rejected', 'declined', 'reassigned', 'offers_exhausted', 'created'];
  const actions = withActions.includes(e.type) && (e.type !== 'created' || h.state === 'awaiting_approval') ? buildDmActions(h, recipient, isLead) : [];
  blocks.push({ type: 'actions', elements: [...actions, historyButton(h.id)] });
  return { text: `${text.split('\n')[0]}${awayOf ? ` (for <@${awayOf.userId}>, who is away)` : ''}`, blocks };
}

/** The reply in the thread of the message a handoff came from: where the work went. */
export function buildSourceReply(ctx: HandoffContext): SlackMessage {
  const text = `:arrow_right: <@${ctx.handoff.requesterId}> handed this off to ${escapeMrkdwn(ctx.toTeam.name)} as ${link(ctx.handoff)}.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function buildNextNeededDm(parent: HandoffRow, nextTypeKey: string, nextType: HandoffTypeConfig): SlackMessage {
  const text = `:arrow_forward: ${link(parent)} is done. The next step, *${escapeMrkdwn(nextType.name)}*, needs a few more details before it can go out.`;
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      { type: 'actions', elements: [{ ...button(`Start ${nextType.name}`, ActionId.startNext, parent.id, 'primary'), value: `${parent.id}:${nextTypeKey}` }] },
    ],
  };
}

/**
 * The DM asking an approver to let a handoff through (also its reminders): who asks, for which team,
 * every field, and Approve / Decline while this request still stands. Once decided (`decision`, or
 * a later state) it says how instead of offering buttons.
 */
export function buildApprovalDm(ctx: HandoffContext, e: EventRow, decision?: EventRow | null): SlackMessage {
  const h = ctx.handoff;
  const reminder = e.type === 'nudged';
  const due = h.state === 'awaiting_approval' && h.acceptDueAt ? ` It is due ${slackDate(h.acceptDueAt)}.` : '';
  const intro = reminder
    ? `:alarm_clock: Reminder: <@${h.requesterId}> is still waiting for your approval of ${link(h)} for ${escapeMrkdwn(ctx.toTeam.name)}.${due}`
    : `:lock: <@${h.requesterId}> asks for your approval before ${link(h)} goes to ${escapeMrkdwn(ctx.toTeam.name)}.${due}`;
  // The request stands while it waits for approval in the same round (resubmitting starts a new one).
  const current = !decision && h.state === 'awaiting_approval' && e.at.getTime() >= h.queuedAt.getTime();
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(intro) }, ...fieldSections(ctx.type.fields, h.fields)];
  if (current)
    blocks.push({ type: 'actions', block_id: `${BlockId.actions}:${h.id}`, elements: [button('Approve', ActionId.approve, h.id, 'primary'), button('Decline', ActionId.decline, h.id, 'danger'), historyButton(h.id)] });
  else {
    blocks.push({ type: 'context', elements: [mrkdwn(approvalOutcome(decision ?? null))] });
    blocks.push({ type: 'actions', elements: [historyButton(h.id)] });
  }
  return { text: intro, blocks };
}

/** How a request for approval ended, for the DMs that asked. */
function approvalOutcome(decision: EventRow | null): string {
  const reason = typeof decision?.data.reason === 'string' ? `: ${escapeMrkdwn(decision.data.reason)}` : '';
  switch (decision?.type) {
    case 'approved':
      return `:white_check_mark: Approved by <@${decision.actorId}> ${slackDate(decision.at)}`;
    case 'declined':
      return `:leftwards_arrow_with_hook: Declined by <@${decision.actorId}> ${slackDate(decision.at)}${reason}`;
    case 'cancelled':
      return `:no_entry_sign: Cancelled by <@${decision.actorId}> ${slackDate(decision.at)}`;
    default:
      return 'This request for approval no longer stands.';
  }
}
