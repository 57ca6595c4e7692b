import type { KnownBlock } from '@slack/types';
import type { TopLevelSpec } from 'vega-lite';
import { type ReceivedWeek, type SentWeek, type TeamWeeks, weekFirstTimeRight, type WeeklyReport } from '../../domain/weekly-report.js';
import { CHART_FONT_FAMILY } from '../chart-renderer.js';
import { escapeMrkdwn, mrkdwn, truncate } from '../mrkdwn.js';
import { formatBusinessMinutes } from './stats.js';
import type { SlackMessage } from './messages.js';

/** A working day in minutes per team, so business durations read as the config counts them. */
export interface WeeklyReportViewOptions {
  readonly dayMinutes: (teamKey: string) => number;
}

const signed = (n: number, unit = '') => (n > 0 ? `+${n}${unit}` : n < 0 ? `−${-n}${unit}` : `±0${unit}`);
const pct = (share: number | null) => (share === null ? null : Math.round(100 * share));

// Made once: toLocaleDateString builds a new formatter on every call, and a chart labels dozens of weeks.
const WEEK_LABEL = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', day: 'numeric', month: 'short' });
const WEEK_LABEL_WITH_YEAR = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

/** "Nov 16" ("Nov 16, 2026") for a week's Monday ('YYYY-MM-DD'). */
export function weekLabel(weekOf: string, withYear = false): string {
  return (withYear ? WEEK_LABEL_WITH_YEAR : WEEK_LABEL).format(new Date(`${weekOf}T12:00:00Z`));
}

function ftrText(now: { decided: number; firstTimeRight: number }, before: { decided: number; firstTimeRight: number } | undefined): string {
  const p = pct(weekFirstTimeRight(now));
  if (p === null) return 'nothing decided';
  const b = before ? pct(weekFirstTimeRight(before)) : null;
  return `${p}% (${now.firstTimeRight} of ${now.decided})${b === null ? '' : ` (${signed(p - b, ' pts')})`}`;
}

function acceptText(w: ReceivedWeek, day: number): string {
  if (w.accepted === 0 || w.acceptP50 === null || w.acceptP90 === null) return 'none accepted';
  return `median ${formatBusinessMinutes(w.acceptP50, day)}, p90 ${formatBusinessMinutes(w.acceptP90, day)} (${w.accepted} accepted)`;
}

function teamLines(t: TeamWeeks, opts: WeeklyReportViewOptions): string {
  const day = opts.dayMinutes(t.teamKey);
  const w = t.received.at(-1);
  const before = t.received.at(-2);
  const name = escapeMrkdwn(t.teamName);
  if (!w) return `*${name}*`;
  const lines = [
    `*${name}*, work received`,
    `• First-time right: ${ftrText(w, before)}`,
    `• Returns: ${w.returns}${before ? ` (${signed(w.returns - before.returns)})` : ''}`,
    `• SLA breaches: ${w.slaBreaches} of ${w.slaMeasured}${before ? ` (${signed(w.slaBreaches - before.slaBreaches)})` : ''}`,
    `• Time to accept: ${acceptText(w, day)}`,
  ];
  const sent: SentWeek | undefined = t.sent.at(-1);
  if (sent) lines.push(`• Work ${name} sent: first-time right ${ftrText(sent, t.sent.at(-2))}, ${sent.returns} returned`);
  return lines.join('\n');
}

/** The report's figures as mrkdwn: the comment over the chart, and the whole message when there is no chart. */
export function buildWeeklyReportText(report: WeeklyReport, opts: WeeklyReportViewOptions): string {
  const last = report.teams[0]?.received.at(-1)?.weekOf;
  const heading = `*Your weekly handoff report${last ? `: week of ${weekLabel(last, true)}` : ''}*`;
  const body = report.teams.length ? report.teams.map((t) => teamLines(t, opts)).join('\n\n') : 'You lead no team in the workflow file any more.';
  const weeks = report.teams[0]?.received.length ?? 0;
  return truncate(`${heading}\n\n${body}\n\n_Changes are against the week before. The chart shows the last ${weeks} weeks; \`/handoff insights\` and \`/handoff stats\` go deeper._`, 3900);
}

/** The report without a chart (rendering failed): the same figures as a DM. */
export function buildWeeklyReportMessage(report: WeeklyReport, opts: WeeklyReportViewOptions): SlackMessage {
  const text = buildWeeklyReportText(report, opts);
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(truncate(text, 3000)) }];
  return { text: truncate(text.replace(/\*/g, ''), 3000), blocks };
}

const hours = (minutes: number | null) => (minutes === null ? null : Math.round(minutes / 6) / 10);

/**
 * The chart, as Vega-Lite: per week over the report's weeks, first-time right (per team, and for work
 * each team sent), SLA breaches per team, and time to accept per team (median solid, p90 dashed).
 * Weeks without a figure (nothing decided, nothing accepted) leave a gap in the line, never a zero.
 *
 * What changes from one report to the next is in `datasets` and in the `params` (the headings), and
 * the rest is the same for every report, so the renderer compiles it once (renderChartPng). The weeks
 * are their Mondays ('YYYY-MM-DD', in order as text) on one x scale shared by the three panels (the
 * breaches have a row for every week), labelled under the last panel only.
 */
export function buildWeeklyChartSpec(report: WeeklyReport): TopLevelSpec {
  const ftr: Array<{ week: string; series: string; percent: number }> = [];
  const breaches: Array<{ week: string; team: string; breaches: number }> = [];
  const accept: Array<{ week: string; team: string; stat: string; hours: number }> = [];
  const weeks = report.teams[0]?.received.map((w) => w.weekOf) ?? [];
  for (const t of report.teams) {
    for (const w of t.received) {
      const p = pct(weekFirstTimeRight(w));
      if (p !== null) ftr.push({ week: w.weekOf, series: `${t.teamName} received`, percent: p });
      breaches.push({ week: w.weekOf, team: t.teamName, breaches: w.slaBreaches });
      const p50 = hours(w.acceptP50);
      const p90 = hours(w.acceptP90);
      if (p50 !== null) accept.push({ week: w.weekOf, team: t.teamName, stat: 'median', hours: p50 });
      if (p90 !== null) accept.push({ week: w.weekOf, team: t.teamName, stat: 'p90', hours: p90 });
    }
    for (const w of t.sent) {
      const p = pct(weekFirstTimeRight(w));
      if (p !== null) ftr.push({ week: w.weekOf, series: `${t.teamName} sent`, percent: p });
    }
  }
  const heading = `Handoffs, ${weeks.length} weeks to ${weeks.length ? weekLabel(weeks[weeks.length - 1]) : ''}`;
  return weeklyChart(heading, report.teams.map((t) => t.teamName).join(', '), { ftr, breaches, accept });
}

/** "Nov 16" for a week's Monday, as weekLabel writes it. */
const WEEK_AXIS_LABEL = "utcFormat(toDate(datum.value), '%b %-d')";
const panel = { width: 640, height: 150 } as const;
const weekAxis = (labelled: boolean) =>
  ({
    field: 'week',
    type: 'ordinal',
    sort: 'ascending',
    scale: { type: 'band', paddingInner: 0.2, paddingOuter: 0.1 },
    title: null,
    axis: labelled ? { labelAngle: 0, labelExpr: WEEK_AXIS_LABEL } : { labels: false, ticks: false },
  }) as const;

/** The weekly chart: everything but the headings and `datasets` is the same for every report (see buildWeeklyChartSpec). */
function weeklyChart(heading: string, subheading: string, datasets: Record<string, object[]>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    params: [
      { name: 'heading', value: heading },
      { name: 'subheading', value: subheading },
    ],
    datasets,
    // Vega-Lite passes a subtitle expression on to Vega (whose titles take one), though its types say text only.
    title: { text: { expr: 'heading' }, subtitle: { expr: 'subheading' } as unknown as string },
    background: 'white',
    padding: 16,
    // Drawn at one pixel per unit (chart-renderer's ZOOM), so the type is a size larger than Vega's
    // defaults. The y axes have no titles: each panel's title names its unit, and every glyph costs
    // resvg about 60 µs to lay out and draw.
    config: {
      font: CHART_FONT_FAMILY,
      view: { stroke: null },
      title: { fontSize: 15, subtitleFontSize: 12 },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      legend: { orient: 'right', labelFontSize: 11, labelLimit: 220 },
    },
    vconcat: [
      {
        ...panel,
        title: 'First-time right (%)',
        data: { name: 'ftr' },
        mark: { type: 'line', point: true },
        encoding: { x: weekAxis(false), y: { field: 'percent', type: 'quantitative', scale: { domain: [0, 100] }, title: null }, color: { field: 'series', type: 'nominal', title: null } },
      },
      {
        ...panel,
        title: 'SLA breaches',
        data: { name: 'breaches' },
        mark: 'bar',
        encoding: { x: weekAxis(false), xOffset: { field: 'team', type: 'nominal' }, y: { field: 'breaches', type: 'quantitative', title: null, axis: { tickMinStep: 1 } }, color: { field: 'team', type: 'nominal', title: null } },
      },
      {
        ...panel,
        title: 'Time to accept (business hours): median solid, p90 dashed',
        data: { name: 'accept' },
        mark: { type: 'line', point: true },
        encoding: {
          x: weekAxis(true),
          y: { field: 'hours', type: 'quantitative', title: null },
          color: { field: 'team', type: 'nominal', title: null },
          strokeDash: { field: 'stat', type: 'nominal', legend: null, scale: { domain: ['median', 'p90'], range: [[1, 0], [5, 4]] } },
          detail: { field: 'stat', type: 'nominal' },
        },
      },
    ],
    resolve: { scale: { x: 'shared', color: 'independent' } },
  };
}

/** The chart's file name and title in Slack; the title names the week, which also finds an upload a retry might repeat. */
export function weeklyReportFile(report: WeeklyReport): { filename: string; title: string } {
  return { filename: `handoff-weekly-${report.weekOf}.png`, title: `Handoff weekly report, ${weekLabel(report.weekOf, true)}` };
}
