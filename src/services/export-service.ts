import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { MetricsRepo } from '../db/metrics-repo.js';
import { businessMinutesBetween, businessTimeline, type BusinessTimeline } from '../domain/business-clock.js';
import { csvLine, exportColumnNames, type ExportColumns, jsonLine, toExportRecord } from '../domain/export.js';
import { calendarOf } from '../domain/sla.js';
import { ownEntry } from '../domain/own-entry.js';

export type ExportFormat = 'csv' | 'jsonl';

const PAGE = 1000;

/**
 * Writes every handoff created since `since`, in id order, as CSV (with a header row) or JSONL,
 * a page at a time so a large export never sits in memory. Returns how many it wrote.
 */
export async function exportHandoffs(
  deps: { config: WorkflowConfig; metrics: MetricsRepo; now: Date },
  opts: { since: Date; format: ExportFormat },
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  // One column per field key across all types, config order first, then keys only old data has.
  const used = await deps.metrics.fieldKeysSince(opts.since);
  const configured = (pick: 'fields' | 'completion') => Object.values(deps.config.handoffTypes).flatMap((t) => (pick === 'fields' ? t.fields : t.completion.fields).map((f) => f.key));
  const ordered = (configuredKeys: string[], usedKeys: string[]) => [...new Set([...configuredKeys.filter((k) => usedKeys.includes(k)), ...usedKeys])];
  const columns: ExportColumns = { fields: ordered(configured('fields'), used.fields), completion: ordered(configured('completion'), used.completion) };
  const names = exportColumnNames(columns);
  if (opts.format === 'csv') await write(csvLine(names));

  const timelines = new Map<string, BusinessTimeline | null>();
  const minutesFor = (teamKey: string) => {
    if (!timelines.has(teamKey)) {
      const team = ownEntry(deps.config.teams, teamKey);
      timelines.set(teamKey, team ? businessTimeline(calendarOf(team), opts.since, deps.now) : null);
    }
    const timeline = timelines.get(teamKey);
    // A team gone from the config has no calendar left: count its durations round the clock in UTC.
    return (a: Date, b: Date) => (timeline ? timeline.minutesBetween(a, b) : businessMinutesBetween(a, b, { timezone: 'UTC' }));
  };

  let written = 0;
  for (let afterId = 0; ; ) {
    const page = await deps.metrics.handoffsSince(opts.since, afterId, PAGE);
    if (page.length === 0) break;
    let chunk = '';
    const returns = await deps.metrics.returnsOf(page.map((h) => h.id));
    for (const h of page) {
      const record = toExportRecord({ ...h, returns: returns.get(h.id) ?? [] }, columns, ownEntry(deps.config.handoffTypes, h.typeKey)?.name ?? h.typeKey, minutesFor(h.toTeam));
      chunk += opts.format === 'csv' ? csvLine(names.map((n) => record[n])) : jsonLine(record);
    }
    await write(chunk);
    written += page.length;
    afterId = page[page.length - 1].id;
  }
  return written;
}
