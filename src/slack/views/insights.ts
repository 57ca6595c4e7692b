import type { ContextBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import { firstTimeRightShare, type QualityFigures, type QualityGroup, type QualityReport, returnsPerHandoff, type VersionChange } from '../../domain/quality-metrics.js';
import type { Suggestion } from '../../domain/quality-suggestions.js';
import { COMMAND } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, slackDate, truncate } from '../mrkdwn.js';
import type { SlackMessage } from './messages.js';
import { formatBusinessMinutes, type StatsViewOptions, statsViewOptions } from './stats.js';
import type { WorkflowConfig } from '../../config/workflow-schema.js';
import { ownEntry } from '../../domain/own-entry.js';

export interface InsightsViewInput {
  readonly scope: { readonly kind: 'team' | 'type'; readonly key: string; readonly name: string };
  readonly report: QualityReport;
  readonly suggestions: readonly Suggestion[];
  readonly versions: ReadonlyArray<{ readonly typeKey: string; readonly changes: readonly VersionChange[] }>;
  readonly otherTeams?: readonly string[];
}

/** Messages hold 50 blocks: a few groups per breakdown, the rest are counted. */
const MAX_GROUPS = 6;
const MAX_SUGGESTIONS = 6;
const MAX_FLAGGED = 8;

const pct = (share: number | null) => (share === null ? null : Math.round(100 * share));
const signed = (n: number, unit = '') => (n > 0 ? `+${n}${unit}` : n < 0 ? `−${-n}${unit}` : `±0${unit}`);

/** First-time right as "75% (6 of 8) (+10 pts)". */
export function firstTimeRightText(c: QualityFigures, p: QualityFigures): string {
  const now = pct(firstTimeRightShare(c));
  if (now === null) return '–';
  const before = pct(firstTimeRightShare(p));
  return `${now}% (${c.firstTimeRight} of ${c.decided})${before === null ? '' : ` (${signed(now - before, ' pts')})`}`;
}

function ratioText(c: QualityFigures, p: QualityFigures): string {
  const now = returnsPerHandoff(c);
  if (now === null) return '–';
  const before = returnsPerHandoff(p);
  const change = before === null ? '' : ` (${signed(Math.round((now - before) * 100) / 100)})`;
  return `${now.toFixed(2)}${change}`;
}

function lostText(c: QualityFigures, day: number): string {
  if (c.timeLost.count === 0) return '–';
  const median = c.timeLost.median === null ? '' : `, median ${formatBusinessMinutes(c.timeLost.median, day)}`;
  return `${formatBusinessMinutes(c.timeLost.totalMinutes, day)} over ${c.timeLost.count} resubmission${c.timeLost.count === 1 ? '' : 's'}${median}`;
}

function figureFields(c: QualityFigures, p: QualityFigures, day: number): MrkdwnElement[] {
  return [
    mrkdwn(`*First-time right*\n${firstTimeRightText(c, p)}`),
    mrkdwn(`*Returns per handoff*\n${ratioText(c, p)}`),
    mrkdwn(`*Returned more than once*\n${c.bouncedMoreThanOnce} (${signed(c.bouncedMoreThanOnce - p.bouncedMoreThanOnce)})`),
    mrkdwn(`*Returns*\n${c.returns} (${signed(c.returns - p.returns)})`),
    mrkdwn(`*Time lost to returns*\n${lostText(c, day)}`),
  ];
}

function fieldLabel(opts: InsightsViewOptions, typeKey: string | null, key: string): string {
  return typeKey ? opts.fieldLabel(typeKey, key) : key;
}

function flaggedText(c: QualityFigures, opts: InsightsViewOptions, typeKey: string | null): string | null {
  if (c.returns === 0) return null;
  const lines = c.flaggedFields.slice(0, MAX_FLAGGED).map((f, i) => `${i + 1}. *${escapeMrkdwn(fieldLabel(opts, typeKey, f.key))}* (\`${f.key}\`): in ${f.count} of ${c.returns} returns`);
  if (c.somethingElse > 0) lines.push(`• _Something else_: in ${c.somethingElse} of ${c.returns} returns`);
  if (lines.length === 0) return null;
  return truncate(`*Fields flagged, most often first*\n${lines.join('\n')}`, 3000);
}

/** The sentence of a suggestion, e.g. "`ship_by` was missing in 6 of 9 returns: make it required". */
export function suggestionText(s: Suggestion, typeName: string): string {
  const where = `_${escapeMrkdwn(typeName)}_: `;
  switch (s.kind) {
    case 'require':
      return `${where}\`${s.fieldKey}\` was missing in ${s.count} of ${s.returns} returns: make it required.`;
    case 'pattern_or_hint':
      return `${where}\`${s.fieldKey}\` was flagged as wrong in ${s.count} of ${s.returns} returns although it is required: add a \`pattern\` or a \`hint\` that says what a good value looks like.`;
    case 'new_field':
      return `${where}“${escapeMrkdwn(s.reason ?? '')}” came up as _something else_ in ${s.count} of ${s.returns} returns: consider a new field.`;
  }
}

function suggestionBlock(s: Suggestion, opts: InsightsViewOptions): SectionBlock {
  const how = s.kind === 'new_field' ? `Add to \`handoffTypes.${s.typeKey}.fields\`:` : `In \`handoffTypes.${s.typeKey}.fields\`, change its line to:`;
  return { type: 'section', text: mrkdwn(truncate(`:bulb: ${suggestionText(s, opts.typeName(s.typeKey))}\n${how}\n\`\`\`${escapeMrkdwn(s.yaml)}\`\`\``, 3000)) };
}

function versionLines(typeKey: string, changes: readonly VersionChange[], opts: InsightsViewOptions): string {
  const share = (v: VersionChange['before']) => (v.decided === 0 ? '–' : `${Math.round((100 * v.firstTimeRight) / v.decided)}% (${v.firstTimeRight} of ${v.decided})`);
  const lines = changes.map((c) => `• changed ${slackDate(new Date(c.after.since), '{date_short}')} (\`${c.before.version}\` → \`${c.after.version}\`): first-time right ${share(c.before)} before, ${share(c.after)} after`);
  return `*${escapeMrkdwn(opts.typeName(typeKey))}*\n${lines.join('\n')}`;
}

export interface InsightsViewOptions extends StatsViewOptions {
  readonly fieldLabel: (typeKey: string, fieldKey: string) => string;
}

function groupTitle(g: QualityGroup, kind: 'type' | 'pair', opts: InsightsViewOptions): string {
  if (kind === 'type') return `*${escapeMrkdwn(opts.typeName(g.key))}*`;
  return `*${g.fromTeam ? escapeMrkdwn(opts.teamName(g.fromTeam)) : 'Anyone'} → ${escapeMrkdwn(opts.teamName(g.toTeam))}*`;
}

/** `/handoff insights`: why handoffs come back, for a team or a type, in total, per type and per team pair. */
export function buildInsightsMessage(a: InsightsViewInput, opts: InsightsViewOptions): SlackMessage {
  const r = a.report;
  const dayTeam = a.scope.kind === 'team' ? a.scope.key : (r.byType[0]?.fromTeam ?? r.byType[0]?.toTeam ?? '');
  const day = opts.dayMinutes(dayTeam);
  const { current: c, previous: p } = r.totals;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${a.scope.name}: why handoffs come back, last ${r.days} days`, 150) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          `${slackDate(r.current.from, '{date_short}')} – ${slackDate(r.current.to, '{date_short}')} · ${a.scope.kind === 'team' ? 'work this team sends and receives' : 'this handoff type'} · in brackets: change against the ${r.days} days before · time lost is business time of the requesting team`,
        ),
      ],
    },
    { type: 'section', fields: figureFields(c, p, day) },
  ];
  const typeKey = a.scope.kind === 'type' ? a.scope.key : r.byType.length === 1 ? r.byType[0].key : null;
  const flagged = flaggedText(c, opts, typeKey);
  if (flagged) blocks.push({ type: 'section', text: mrkdwn(flagged) });
  if (c.decided === 0 && c.returns === 0) blocks.push({ type: 'section', text: mrkdwn(`Nothing was accepted or returned in the last ${r.days} days.`) });

  if (a.suggestions.length > 0) {
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn('*What to change*') });
    for (const s of a.suggestions.slice(0, MAX_SUGGESTIONS)) blocks.push(suggestionBlock(s, opts));
    if (a.suggestions.length > MAX_SUGGESTIONS) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${a.suggestions.length - MAX_SUGGESTIONS} more: ask per type.`)] });
  }
  if (a.versions.length > 0) {
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn(truncate(`*Before and after a change of the type*\n${a.versions.map((v) => versionLines(v.typeKey, v.changes, opts)).join('\n')}`, 3000)) });
  }
  const breakdowns: Array<['type' | 'pair', readonly QualityGroup[], string]> = [
    ['type', a.scope.kind === 'team' ? r.byType : [], '*By handoff type*'],
    ['pair', r.byPair, '*By team pair (sending → receiving)*'],
  ];
  for (const [kind, list, title] of breakdowns) {
    if (list.length === 0 || (kind === 'pair' && list.length === 1 && a.scope.kind === 'type')) continue;
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn(title) });
    for (const g of list.slice(0, MAX_GROUPS)) {
      const text = `${groupTitle(g, kind, opts)}\nFirst-time right ${firstTimeRightText(g.current, g.previous)} · ${g.current.returns} returns · ${g.current.bouncedMoreThanOnce} returned more than once`;
      const top = g.current.flaggedFields.slice(0, 3).map((f) => `${kind === 'type' ? escapeMrkdwn(opts.fieldLabel(g.key, f.key)) : `\`${f.key}\``} (${f.count})`);
      blocks.push({ type: 'section', text: mrkdwn(truncate(`${text}${top.length ? `\nMost flagged: ${top.join(', ')}` : ''}`, 3000)) });
    }
    if (list.length > MAX_GROUPS) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${list.length - MAX_GROUPS} more.`)] });
  }
  if (a.otherTeams?.length) blocks.push({ type: 'context', elements: [mrkdwn(`Also: ${a.otherTeams.map((k) => `\`${COMMAND} insights ${k}\``).join(', ')}, or a type key`)] });
  const share = pct(firstTimeRightShare(c));
  return {
    text: `${a.scope.name}, last ${r.days} days: ${share === null ? 'nothing decided' : `${share}% first-time right`}, ${c.returns} returns`,
    blocks: blocks.slice(0, 50),
  };
}

/** The Home tab's headline for a lead's teams: first-time right, returns and the most flagged field. */
export function buildQualityHeadlineBlocks(report: QualityReport, opts: InsightsViewOptions): [SectionBlock, ContextBlock] {
  const { current: c, previous: p } = report.totals;
  const top = c.flaggedFields[0];
  const topType = top ? report.byType.find((g) => g.current.flaggedFields.some((f) => f.key === top.key))?.key : undefined;
  const fields = [
    mrkdwn(`*First-time right*\n${firstTimeRightText(c, p)}`),
    mrkdwn(`*Returns*\n${c.returns} (${signed(c.returns - p.returns)})`),
    mrkdwn(`*Most flagged*\n${top ? `${escapeMrkdwn(topType ? opts.fieldLabel(topType, top.key) : top.key)} (${top.count} of ${c.returns})` : '–'}`),
  ];
  return [
    { type: 'section', text: mrkdwn('*Why handoffs come back*'), fields },
    { type: 'context', elements: [mrkdwn(`Your teams, last ${report.days} days against the ${report.days} before. Fields flagged and what to change: \`${COMMAND} insights\``)] },
  ];
}

/** Names, day lengths and field labels from the config, for the insights views. */
export function insightsViewOptions(config: WorkflowConfig): InsightsViewOptions {
  return {
    ...statsViewOptions(config),
    fieldLabel: (typeKey, fieldKey) => ownEntry(config.handoffTypes, typeKey)?.fields.find((f) => f.key === fieldKey)?.label ?? fieldKey,
  };
}
