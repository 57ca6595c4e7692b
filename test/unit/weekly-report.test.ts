import { describe, expect, it } from 'vitest';
import { dueReportWeek, mondayOf, reportWeeks } from '../../src/domain/weekly-report';

describe('weekly report weeks', () => {
  it('finds the Monday of the week on the person’s clock', () => {
    // Sunday 23:30 in New York is already Monday in UTC.
    expect(mondayOf(new Date('2026-11-30T04:30:00Z'), 'America/New_York')).toBe('2026-11-23');
    expect(mondayOf(new Date('2026-11-30T04:30:00Z'), 'UTC')).toBe('2026-11-30');
  });

  it('is due from Monday 09:00 local to the end of the week, so a later run catches up', () => {
    expect(dueReportWeek(new Date('2026-11-23T08:59:00Z'), 'UTC')).toBeNull();
    expect(dueReportWeek(new Date('2026-11-23T09:00:00Z'), 'UTC')).toBe('2026-11-23');
    expect(dueReportWeek(new Date('2026-11-29T23:59:00Z'), 'UTC')).toBe('2026-11-23');
    expect(dueReportWeek(new Date('2026-11-23T13:59:00Z'), 'America/New_York')).toBeNull();
    expect(dueReportWeek(new Date('2026-11-23T14:00:00Z'), 'America/New_York')).toBe('2026-11-23');
  });

  it('covers the 12 full weeks before the report, oldest first, across a DST change', () => {
    const weeks = reportWeeks('2026-11-23', 'Europe/Berlin');
    expect(weeks).toHaveLength(12);
    expect(weeks[0].weekOf).toBe('2026-08-31');
    expect(weeks[11].weekOf).toBe('2026-11-16');
    expect(weeks[11].period.to.toISOString()).toBe('2026-11-22T23:00:00.000Z');
    // The week of the October clock change is an hour longer; weeks still meet end to end.
    for (let i = 1; i < weeks.length; i++) expect(weeks[i].period.from).toEqual(weeks[i - 1].period.to);
    expect(weeks[7].period.to.getTime() - weeks[7].period.from.getTime()).toBe((7 * 24 + 1) * 3600_000);
  });
});
