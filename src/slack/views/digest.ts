import type { Button, KnownBlock } from '@slack/types';
import { type DigestItem, digestItemCount, type PersonDigest } from '../../domain/digest.js';
import { ActionId, COMMAND } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate } from '../mrkdwn.js';
import { formatAwayUntil } from './away.js';
import { button, type SlackMessage } from './messages.js';

export const DIGEST_CAP = 10;

/** `3d`, `5h`, `40m`: how long something has existed, at a glance. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

/** Where an item stands against its SLA, in a few words with a date token. */
export function slaText(item: DigestItem): string {
  const due = item.dueAt ? slackDate(new Date(item.dueAt)) : null;
  if (item.snoozedUntil) return `:zzz: snoozed until ${slackDate(new Date(item.snoozedUntil), '{date_short_pretty}')}${due ? `, due ${due}` : ''}`;
  if (item.state === 'returned') return ':leftwards_arrow_with_hook: returned, waiting for changes';
  if (item.sla === 'overdue') return `:rotating_light: overdue since ${due}`;
  if (item.sla === 'due_soon') return `:alarm_clock: due ${due}`;
  return due ? `due ${due}` : 'no SLA';
}

type Role = 'owned' | 'waiting' | 'approval' | 'unaccepted' | 'overdue' | 'snoozed';

function itemActions(item: DigestItem, role: Role): Button[] {
  switch (role) {
    case 'owned':
      return item.state === 'returned'
        ? [button('Edit and resubmit', ActionId.resubmit, item.id, 'primary')]
        : [button('Mark done', ActionId.complete, item.id, 'primary'), button('Snooze', ActionId.snooze, item.id), button('Reassign', ActionId.reassign, item.id)];
    case 'waiting':
      return [button('Nudge owner', ActionId.nudgeOwner, item.id)];
    case 'approval':
      return [button('Approve', ActionId.approve, item.id, 'primary'), button('Decline', ActionId.decline, item.id)];
    case 'unaccepted':
      return [button('Accept', ActionId.accept, item.id, 'primary'), button('Assign to…', ActionId.reassign, item.id)];
    case 'overdue':
      return [button('Reassign', ActionId.reassign, item.id)];
    case 'snoozed':
      return [];
  }
}

function itemBlocks(item: DigestItem, role: Role, now: Date): KnownBlock[] {
  const label = `#${item.id} ${escapeMrkdwn(item.title)}`.replace(/\|/g, '¦');
  const title = item.permalink ? `<${item.permalink}|${label}>` : `*${label}*`;
  const who = role === 'waiting' || role === 'overdue' || role === 'snoozed' ? ` · <@${item.ownerId}>` : role === 'unaccepted' || role === 'approval' ? ` · from <@${item.requesterId}>` : '';
  const age = formatAge(now.getTime() - new Date(item.createdAt).getTime());
  // Someone else's work waiting on an absent owner: say so, since nudging them will not move it.
  const away = item.ownerAway && role !== 'owned' ? ` · :palm_tree: owner away ${formatAwayUntil(item.ownerAway.until)}` : '';
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`${title}\n${slaText(item)} · ${age} old${who}${away}`) }];
  const actions = itemActions(item, role);
  if (actions.length) blocks.push({ type: 'actions', elements: actions });
  return blocks;
}

export interface DigestViewOptions {
  readonly now: Date;
  readonly teamName: (teamKey: string) => string;
  readonly heading: string;
  readonly cap?: number;
}

/**
 * A digest as one message: sections for what you own, what waits for your approval, what you wait on and your teams, oldest first,
 * at most `cap` items in all, then "and N more" with where to see them all.
 */
export function buildDigestMessage(d: PersonDigest, opts: DigestViewOptions): SlackMessage {
  const cap = opts.cap ?? DIGEST_CAP;
  const blocks: KnownBlock[] = [{ type: 'header', text: plain(opts.heading, 150) }];
  let shown = 0;
  const section = (heading: string, items: readonly DigestItem[], role: Role) => {
    if (items.length === 0 || shown >= cap) return;
    blocks.push({ type: 'section', text: mrkdwn(`*${heading}* (${items.length})`) });
    for (const item of items.slice(0, cap - shown)) {
      blocks.push(...itemBlocks(item, role, opts.now));
      shown++;
    }
  };
  section('You own', d.owned, 'owned');
  section('Waiting for your approval', d.approvals ?? [], 'approval');
  section('You are waiting on', d.waiting, 'waiting');
  for (const t of d.teams) {
    const name = escapeMrkdwn(opts.teamName(t.teamKey));
    section(`${name}: waiting to be accepted`, t.unaccepted, 'unaccepted');
    section(`${name}: overdue`, t.overdue, 'overdue');
    section(`${name}: snoozed`, t.snoozed, 'snoozed');
  }
  const total = digestItemCount(d);
  if (total > shown)
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${total - shown} more. \`${COMMAND} mine\` and \`${COMMAND} stalled\` list them all.`)] });
  const text = `${opts.heading}: ${total} handoff${total === 1 ? '' : 's'}`;
  return { text, blocks };
}
