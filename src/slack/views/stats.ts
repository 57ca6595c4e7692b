import type { ContextBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import type { WorkflowConfig } from '../../config/workflow-schema.js';
import { parseDuration } from '../../domain/business-clock.js';
import type { FlowMetrics, PeriodPair, Share, Stage, TeamFlowReport } from '../../domain/flow-metrics.js';
import { calendarOf } from '../../domain/sla.js';
import { COMMAND } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate } from '../mrkdwn.js';
import type { SlackMessage } from './messages.js';
import { ownEntry } from '../../domain/own-entry.js';

export interface StatsViewOptions {
  readonly teamName: (teamKey: string) => string;
  readonly typeName: (typeKey: string) => string;
  /** A working day of the team in minutes: business durations show `d` as the config counts it. */
  readonly dayMinutes: (teamKey: string) => number;
}

/** Names and day lengths from the config, for the stats views. */
export function statsViewOptions(config: WorkflowConfig): StatsViewOptions {
  return {
    teamName: (k) => ownEntry(config.teams, k)?.name ?? k,
    typeName: (k) => ownEntry(config.handoffTypes, k)?.name ?? k,
    dayMinutes: (k) => {
      const team = ownEntry(config.teams, k);
      return team ? parseDuration('1d', calendarOf(team)) : 24 * 60;
    },
  };
}

const STAGE_LABEL: Record<Stage, string> = { open: 'waiting to be accepted', accepted: 'in progress', returned: 'back with the requester' };
/** Messages hold 50 blocks; the head of the report takes a few. */
const MAX_TYPES = 40;

/** Business minutes as `45m`, `3h 20m`, `2d 4h` (d = one working day of the team). */
export function formatBusinessMinutes(minutes: number, dayMinutes: number): string {
  const total = Math.round(minutes);
  if (total < 60) return `${total}m`;
  if (total < dayMinutes || dayMinutes < 60) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    return m ? `${h}h ${m}m` : `${h}h`;
  }
  const d = Math.floor(total / dayMinutes);
  const h = Math.round((total % dayMinutes) / 60);
  return h ? `${d}d ${h}h` : `${d}d`;
}

const sign = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');

function countWithChange(now: number, before: number): string {
  return `${now} (${sign(now - before)})`;
}

function percent(s: Share): number | null {
  return s.whole === 0 ? null : Math.round((100 * s.part) / s.whole);
}

function shareText(s: Share, before: Share): string {
  const p = percent(s);
  if (p === null) return '–';
  const b = percent(before);
  const change = b === null ? '' : ` (${sign(p - b)} pts)`;
  return `${p}% (${s.part} of ${s.whole})${change}`;
}

function durationText(now: number | null, before: number | null, day: number): string {
  if (now === null) return '–';
  if (before === null) return formatBusinessMinutes(now, day);
  const diff = Math.round(now - before);
  const change = diff === 0 ? '±0' : `${diff > 0 ? '+' : '−'}${formatBusinessMinutes(Math.abs(diff), day)}`;
  return `${formatBusinessMinutes(now, day)} (${change})`;
}

function timeField(label: string, now: FlowMetrics['timeToAccept'], before: FlowMetrics['timeToAccept'], day: number): string {
  const p90 = now.p90 === null ? '' : ` · p90 ${formatBusinessMinutes(now.p90, day)}`;
  return `*${label}*\nmedian ${durationText(now.median, before.median, day)}${p90}`;
}

function longestStageText(m: FlowMetrics, day: number): string {
  if (!m.longestStage) return '–';
  const median = m.stages[m.longestStage].median;
  return `${STAGE_LABEL[m.longestStage]}${median === null ? '' : ` (median ${formatBusinessMinutes(median, day)})`}`;
}

function breachText(pair: PeriodPair): string {
  const { current: c, previous: p } = pair;
  return `accept ${shareText(c.acceptBreaches, p.acceptBreaches)}\ncomplete ${shareText(c.completeBreaches, p.completeBreaches)}`;
}

/** The headline numbers of a period against the one before, as section fields (at most 10). */
function metricFields(pair: PeriodPair, day: number): MrkdwnElement[] {
  const { current: c, previous: p } = pair;
  return [
    mrkdwn(`*Started* ${countWithChange(c.started, p.started)}\n*Accepted* ${countWithChange(c.accepted, p.accepted)}`),
    mrkdwn(`*Returned* ${countWithChange(c.returned, p.returned)}\n*Done* ${countWithChange(c.done, p.done)}`),
    mrkdwn(timeField('Time to accept', c.timeToAccept, p.timeToAccept, day)),
    mrkdwn(timeField('Time to complete', c.timeToComplete, p.timeToComplete, day)),
    mrkdwn(`*SLA breaches*\n${breachText(pair)}`),
    mrkdwn(`*Rejection rate*\n${shareText(c.rejections, p.rejections)}`),
    mrkdwn(`*Waits longest*\n${longestStageText(c, day)}`),
  ];
}

function periodText(r: TeamFlowReport): string {
  return `${slackDate(r.period.from, '{date_short}')} – ${slackDate(r.period.to, '{date_short}')}`;
}

function reasonsText(m: FlowMetrics): string | null {
  if (m.topReasons.length === 0) return null;
  return `*Top rejection reasons*\n${m.topReasons.map((r) => `• “${escapeMrkdwn(r.reason.length > 120 ? `${r.reason.slice(0, 119)}…` : r.reason).replace(/\n/g, ' ')}” (${r.count})`).join('\n')}`;
}

/** `/handoff stats`: a team's flow over a period, in total and per handoff type, against the period before. */
export function buildStatsMessage(r: TeamFlowReport, opts: StatsViewOptions & { otherTeams?: readonly string[] }): SlackMessage {
  const team = opts.teamName(r.teamKey);
  const day = opts.dayMinutes(r.teamKey);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${team}: last ${r.days} days`, 150) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          `${periodText(r)} · times are business time of ${escapeMrkdwn(team)} (a day, d, is ${formatBusinessMinutes(day, Number.POSITIVE_INFINITY)} of its hours) · medians and 90th percentiles · in brackets: change against the ${r.days} days before`,
        ),
      ],
    },
    { type: 'section', fields: metricFields(r.total, day) },
  ];
  const reasons = reasonsText(r.total.current);
  if (reasons) blocks.push({ type: 'section', text: mrkdwn(reasons) });
  if (r.byType.length > 0) blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn('*By handoff type*') });
  for (const t of r.byType.slice(0, MAX_TYPES)) blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(opts.typeName(t.typeKey))}*`), fields: metricFields(t, day) });
  if (r.byType.length > MAX_TYPES) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${r.byType.length - MAX_TYPES} more types.`)] });
  if (opts.otherTeams?.length) blocks.push({ type: 'context', elements: [mrkdwn(`Other teams you can see: ${opts.otherTeams.map((k) => `\`${COMMAND} stats ${k}\``).join(', ')}`)] });
  const c = r.total.current;
  return { text: `${team}, last ${r.days} days: ${c.started} started, ${c.accepted} accepted, ${c.returned} returned, ${c.done} done`, blocks };
}

/** The Home tab's compact Team health of one team: two blocks. */
export function buildTeamHealthBlocks(r: TeamFlowReport, opts: StatsViewOptions): [SectionBlock, ContextBlock] {
  const team = opts.teamName(r.teamKey);
  const day = opts.dayMinutes(r.teamKey);
  return [
    { type: 'section', text: mrkdwn(`*${escapeMrkdwn(team)}*`), fields: metricFields(r.total, day) },
    { type: 'context', elements: [mrkdwn(`Last ${r.days} days, business time; in brackets the change against the ${r.days} days before. Per type and more: \`${COMMAND} stats ${r.teamKey} 90d\``)] },
  ];
}
