import type { Button, KnownBlock } from '@slack/types';
import type { HomeData, HomeItem } from '../../domain/home.js';
import { ActionId } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate } from '../mrkdwn.js';
import type { HomeTab } from './block.js';
import { formatAwayUntil } from './away.js';
import { formatAge, slaText } from './digest.js';
import { button, historyButton, link } from './messages.js';
import { buildTeamHealthBlocks, type StatsViewOptions } from './stats.js';
import { buildQualityHeadlineBlocks } from './insights.js';

/** Slack refuses a Home view of more than 100 blocks. */
export const HOME_BLOCK_LIMIT = 100;
/** Even with room to spare, a section lists at most this many items. */
export const HOME_SECTION_CAP = 15;
/** Team health of at most this many teams; leads of more get a pointer to `/handoff stats`. */
const HEALTH_TEAMS_CAP = 3;

export interface HomeViewOptions extends StatsViewOptions {
  readonly sectionCap?: number;
  /** Field labels for the quality headline; without it, field keys are shown. */
  readonly fieldLabel?: (typeKey: string, fieldKey: string) => string;
}

type Role = 'mine' | 'approval' | 'waiting' | 'queue' | 'ownerAway';

function openButton(item: HomeItem): Button[] {
  return item.permalink ? [{ type: 'button', text: plain('Open', 75), action_id: ActionId.open, url: item.permalink }] : [];
}

function itemActions(item: HomeItem, role: Role): Button[] {
  const history = historyButton(item.id);
  switch (role) {
    case 'mine':
      return item.state === 'returned'
        ? [button('Edit and resubmit', ActionId.resubmit, item.id, 'primary'), history, ...openButton(item)]
        : [button('Mark done', ActionId.complete, item.id, 'primary'), button('Snooze', ActionId.snooze, item.id), button('Reassign', ActionId.reassign, item.id), history, ...openButton(item)];
    case 'approval':
      // The same buttons as the approval DM, so deciding from Home is deciding from the DM.
      return [button('Approve', ActionId.approve, item.id, 'primary'), button('Decline', ActionId.decline, item.id), history, ...openButton(item)];
    case 'waiting':
      // The approvers were asked by DM and are reminded on the approval's SLA; there is no owner to nudge yet.
      return item.state === 'awaiting_approval' ? [history, ...openButton(item)] : [button('Nudge owner', ActionId.nudgeOwner, item.id), history, ...openButton(item)];
    case 'queue':
      return [button('Accept', ActionId.accept, item.id, 'primary'), history, ...openButton(item)];
    case 'ownerAway':
      return [button('Reassign', ActionId.reassign, item.id, 'primary'), history, ...openButton(item)];
  }
}

function itemBlocks(item: HomeItem, role: Role, now: Date, teamName: (k: string) => string): KnownBlock[] {
  const age = `${formatAge(now.getTime() - new Date(item.createdAt).getTime())} old`;
  const who =
    role === 'mine'
      ? item.state === 'returned'
        ? 'returned to you to fix'
        : `from <@${item.requesterId}>`
      : role === 'waiting'
        ? item.state === 'open'
          ? `waiting for ${escapeMrkdwn(teamName(item.toTeam))} to accept`
          : item.state === 'awaiting_approval'
            ? `:lock: waiting for approval before it goes to ${escapeMrkdwn(teamName(item.toTeam))}`
            : `owned by <@${item.ownerId}>`
        : role === 'ownerAway'
          ? `${escapeMrkdwn(teamName(item.toTeam))} · owned by <@${item.ownerId}>`
          : role === 'approval'
            ? `from <@${item.requesterId}> · goes to ${escapeMrkdwn(teamName(item.toTeam))} once approved`
          : `${escapeMrkdwn(teamName(item.toTeam))} · from <@${item.requesterId}>`;
  const away = item.ownerAway && role !== 'mine' ? ` · :palm_tree: owner away ${formatAwayUntil(item.ownerAway.until)}` : '';
  return [
    { type: 'section', text: mrkdwn(`${link(item)}\n${slaText(item)} · ${age} · ${who}${away}`) },
    { type: 'actions', elements: itemActions(item, role) },
  ];
}

interface ListSection {
  readonly heading: string;
  readonly items: readonly HomeItem[];
  /** All items, including those not fetched. */
  readonly total: number;
  readonly role: Role;
  readonly empty: string;
  readonly more: string;
}

/**
 * How many items of each section fit: every section keeps its heading, its empty state or its
 * "and N more" line; the remaining blocks go to items one at a time across sections, so a long
 * section never crowds out the others.
 */
function allocate(sections: readonly ListSection[], budget: number, cap: number): number[] {
  const shown = sections.map(() => 0);
  let left = budget;
  for (let progress = true; progress; ) {
    progress = false;
    for (let i = 0; i < sections.length; i++) {
      if (shown[i] >= Math.min(cap, sections[i].items.length) || left < 2) continue;
      shown[i]++;
      left -= 2;
      progress = true;
    }
  }
  return shown;
}

/**
 * The App Home tab: what waits for my approval, what I own (stalled first), what I wait on, my teams' queue (oldest first),
 * and, for leads, their teams' health. Never more than Slack's 100 blocks: sections that do not
 * fit show their first items and "…and N more".
 */
export function buildHomeView(d: HomeData, opts: HomeViewOptions): HomeTab {
  const cap = opts.sectionCap ?? HOME_SECTION_CAP;
  const head: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn('*Your handoffs*\nStalled first. Times show in your timezone.'),
      accessory: { type: 'button', text: plain('Start a handoff', 75), action_id: ActionId.homeStart, style: 'primary' },
    },
    { type: 'context', elements: [mrkdwn(`Updated ${slackDate(d.now, '{date_short_pretty} {time}')}`)] },
  ];
  if (d.away?.source === 'slack-status')
    // `/handoff back` cannot end this one: the status is what counts, so the way out is to change it.
    head.push({
      type: 'section',
      text: mrkdwn(`:palm_tree: *Your Slack status says you are away ${formatAwayUntil(d.away.until, 'your')}.* You get no offers; your team leads get your reminders. Change your status to end it.`),
    });
  else if (d.away)
    head.push({
      type: 'section',
      text: mrkdwn(
        `:palm_tree: *You are away ${formatAwayUntil(d.away.until, 'your')}.* You get no offers; ${d.away.backupId ? `<@${d.away.backupId}>` : 'your team leads'} get${d.away.backupId ? 's' : ''} your reminders.`,
      ),
      accessory: { type: 'button', text: plain("I'm back", 75), action_id: ActionId.awayEnd },
    });

  const teams = d.queue.teamKeys.map((k) => escapeMrkdwn(opts.teamName(k))).join(', ');
  const sections: ListSection[] = [];
  // Approvers only, and only while something waits: nobody else needs an empty section about it.
  if (d.approvals?.length)
    sections.push({ heading: 'Waiting for your approval', items: d.approvals, total: d.approvals.length, role: 'approval', empty: '', more: 'Your approval DMs list them too.' });
  sections.push(
    { heading: 'My queue', items: d.mine, total: d.mine.length, role: 'mine', empty: 'Nothing is waiting on you.', more: '' },
    { heading: 'Waiting on others', items: d.waiting, total: d.waiting.length, role: 'waiting', empty: 'Nothing you started is waiting on someone else.', more: '' },
  );
  // Leads see what waits on someone away, so they can hand it to someone present; shown only when there is some.
  if (d.ownersAway?.length)
    sections.push({ heading: 'Owner away', items: d.ownersAway, total: d.ownersAway.length, role: 'ownerAway', empty: '', more: 'Reassign these first; `/handoff stalled` lists them all.' });
  if (d.queue.teamKeys.length > 0)
    sections.push({ heading: `My teams' queue (${teams})`, items: d.queue.items, total: d.queue.total, role: 'queue', empty: 'No handoff is waiting to be accepted.', more: "The rest wait in the teams' channels." });

  const health: KnownBlock[] = [];
  if (d.health.length > 0) {
    health.push({ type: 'divider' }, { type: 'header', text: plain('Team health', 150) });
    for (const r of d.health.slice(0, HEALTH_TEAMS_CAP)) health.push(...buildTeamHealthBlocks(r, opts));
    if (d.health.length > HEALTH_TEAMS_CAP)
      health.push({ type: 'context', elements: [mrkdwn(`…and ${d.health.length - HEALTH_TEAMS_CAP} more teams: \`/handoff stats <team>\``)] });
    if (d.quality) health.push(...buildQualityHeadlineBlocks(d.quality, { ...opts, fieldLabel: opts.fieldLabel ?? ((_, key) => key) }));
  }

  // Per section: divider, header, and one line for the empty state or "and N more".
  const fixed = head.length + health.length + sections.length * 3;
  const shown = allocate(sections, HOME_BLOCK_LIMIT - fixed, cap);
  const blocks: KnownBlock[] = [...head];
  sections.forEach((s, i) => {
    blocks.push({ type: 'divider' }, { type: 'header', text: plain(`${s.heading} (${s.total})`, 150) });
    if (s.total === 0) blocks.push({ type: 'context', elements: [mrkdwn(s.empty)] });
    for (const item of s.items.slice(0, shown[i])) blocks.push(...itemBlocks(item, s.role, d.now, opts.teamName));
    if (s.total > shown[i]) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${s.total - shown[i]} more.${s.more ? ` ${s.more}` : ''}`)] });
  });
  blocks.push(...health);
  return { type: 'home', blocks };
}
