import type { TeamConfig } from '../config/workflow-schema.js';
import { addBusinessMinutes, type BusinessCalendar, parseDuration } from './business-clock.js';

/** A reminder goes out when this share of an SLA has passed. */
export const WARN_FRACTION = 0.75;

export function calendarOf(team: TeamConfig): BusinessCalendar {
  return { timezone: team.timezone, hours: team.hours, holidays: team.holidays };
}

export interface SlaTimes {
  /** When WARN_FRACTION of the SLA has passed (business time). */
  readonly warnAt: Date;
  readonly dueAt: Date;
}

/** When an SLA of `duration` (the team's business time) started at `from` needs a reminder and falls due; null without an SLA. */
export function slaTimes(team: TeamConfig, duration: string | undefined, from: Date): SlaTimes | null {
  if (duration === undefined) return null;
  const calendar = calendarOf(team);
  const minutes = parseDuration(duration, calendar);
  return { warnAt: addBusinessMinutes(from, minutes * WARN_FRACTION, calendar), dueAt: addBusinessMinutes(from, minutes, calendar) };
}

/** Where a handoff stands against its current SLA. */
export type SlaState = 'none' | 'on_track' | 'due_soon' | 'overdue';

export function slaStateOf(times: { warnAt: Date | null; dueAt: Date | null }, now: Date): SlaState {
  if (!times.dueAt) return 'none';
  if (now.getTime() >= times.dueAt.getTime()) return 'overdue';
  if (times.warnAt && now.getTime() >= times.warnAt.getTime()) return 'due_soon';
  return 'on_track';
}
