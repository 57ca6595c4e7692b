import type { TeamConfig } from '../config/workflow-schema';
import { addBusinessMinutes, type BusinessCalendar, parseDuration } from './business-clock';

export function calendarOf(team: TeamConfig): BusinessCalendar {
  return { timezone: team.timezone, hours: team.hours, holidays: team.holidays };
}

/** When an SLA of `duration` (business time of the team) started at `from` falls due; null without an SLA. */
export function slaDueAt(team: TeamConfig, duration: string | undefined, from: Date): Date | null {
  if (duration === undefined) return null;
  const calendar = calendarOf(team);
  return addBusinessMinutes(from, parseDuration(duration, calendar), calendar);
}
