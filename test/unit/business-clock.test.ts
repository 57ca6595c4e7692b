import { describe, expect, it } from 'vitest';
import {
  type BusinessCalendar,
  addBusinessMinutes,
  businessMinutesBetween,
  isBusinessTime,
  isValidDuration,
  localParts,
  parseDuration,
  zonedTime,
} from '../../src/domain/business-clock';

// Every expected value below was worked out by hand (offsets: New York EST -05:00 / EDT -04:00,
// Berlin CET +01:00 / CEST +02:00, Tokyo +09:00, Los Angeles PDT -07:00). 2024 DST changes:
// US 10 Mar (02:00 → 03:00) and 3 Nov (02:00 → 01:00); EU 31 Mar (02:00 → 03:00) and 27 Oct (03:00 → 02:00).

const WEEK: BusinessCalendar['hours'] = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const ny: BusinessCalendar = { timezone: 'America/New_York', hours: WEEK };
const nyHolidays: BusinessCalendar = { ...ny, holidays: ['2024-07-04', '2024-09-02'] };
const nyEveryDay: BusinessCalendar = { timezone: 'America/New_York', hours: { days: [...ALL_DAYS], start: '09:00', end: '17:00' } };
// Hours that straddle the 02:00 transitions, so the wall-clock window is 3 h / 5 h of real time.
const nyNight: BusinessCalendar = { timezone: 'America/New_York', hours: { days: [...ALL_DAYS], start: '01:00', end: '05:00' } };
// Opening time that does not exist on spring-forward day.
const nyGapOpen: BusinessCalendar = { timezone: 'America/New_York', hours: { days: [...ALL_DAYS], start: '02:30', end: '06:00' } };
const nyAround: BusinessCalendar = { timezone: 'America/New_York' };
const nyAroundXmas: BusinessCalendar = { timezone: 'America/New_York', holidays: ['2024-12-25'] };

const berlin: BusinessCalendar = { timezone: 'Europe/Berlin', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '16:00' } };
const berlinEveryDay: BusinessCalendar = { timezone: 'Europe/Berlin', hours: { days: [...ALL_DAYS], start: '08:00', end: '16:00' } };
const berlinNight: BusinessCalendar = { timezone: 'Europe/Berlin', hours: { days: [...ALL_DAYS], start: '01:00', end: '05:00' } };
const berlinAround: BusinessCalendar = { timezone: 'Europe/Berlin' };

const tokyo: BusinessCalendar = { timezone: 'Asia/Tokyo', hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' } };
const la: BusinessCalendar = { timezone: 'America/Los_Angeles', hours: WEEK };

const d = (iso: string): Date => new Date(iso);

describe('addBusinessMinutes', () => {
  it.each<[string, BusinessCalendar, string, number, string]>([
    // Weekdays / weekends
    ['Friday 16:30 + 4h rolls to Monday 12:30', ny, '2024-03-01T16:30:00-05:00', 240, '2024-03-04T12:30:00-05:00'],
    ['Friday 16:30 + 2d (960m) lands Tuesday 16:30', ny, '2024-03-01T16:30:00-05:00', 960, '2024-03-05T16:30:00-05:00'],
    ['Saturday start counts from Monday opening', ny, '2024-03-02T10:00:00-05:00', 60, '2024-03-04T10:00:00-05:00'],
    ['Sunday late start counts from Monday opening', ny, '2024-03-03T23:00:00-05:00', 30, '2024-03-04T09:30:00-05:00'],
    ['within one day', ny, '2024-03-05T10:15:00-05:00', 90, '2024-03-05T11:45:00-05:00'],
    ['start before opening', ny, '2024-03-05T07:15:00-05:00', 30, '2024-03-05T09:30:00-05:00'],
    ['start after closing', ny, '2024-03-05T18:00:00-05:00', 30, '2024-03-06T09:30:00-05:00'],
    ['start exactly at closing', ny, '2024-03-05T17:00:00-05:00', 60, '2024-03-06T10:00:00-05:00'],
    ['start exactly at opening', ny, '2024-03-05T09:00:00-05:00', 480, '2024-03-05T17:00:00-05:00'],
    ['deadline that uses up the day lands on the close, not next opening', ny, '2024-03-05T16:00:00-05:00', 60, '2024-03-05T17:00:00-05:00'],
    ['multi-day midweek', ny, '2024-03-06T13:00:00-05:00', 960, '2024-03-08T13:00:00-05:00'],
    ['fractional minutes keep sub-minute precision', ny, '2024-03-05T10:00:00-05:00', 1.5, '2024-03-05T10:01:30-05:00'],
    // Holidays
    ['holiday mid-week is skipped', nyHolidays, '2024-07-03T16:00:00-04:00', 120, '2024-07-05T10:00:00-04:00'],
    ['start on a holiday counts from next working day', nyHolidays, '2024-07-04T10:00:00-04:00', 30, '2024-07-05T09:30:00-04:00'],
    ['holiday Monday after a weekend', nyHolidays, '2024-08-30T16:00:00-04:00', 120, '2024-09-03T10:00:00-04:00'],
    ['round-the-clock skips a holiday as a whole local day', nyAroundXmas, '2024-12-24T23:00:00-05:00', 120, '2024-12-26T01:00:00-05:00'],
    // Round the clock
    ['round-the-clock over a weekend', nyAround, '2024-03-02T10:00:00-05:00', 60, '2024-03-02T11:00:00-05:00'],
    ['round-the-clock 1d = 1440 real minutes', nyAround, '2024-01-05T12:00:00-05:00', 1440, '2024-01-06T12:00:00-05:00'],
    // DST, business hours (wall clock): the change happens at night, days stay 8 h
    ['NY spring-forward weekend, hours', ny, '2024-03-08T16:00:00-05:00', 120, '2024-03-11T10:00:00-04:00'],
    ['NY fall-back weekend, hours', ny, '2024-11-01T16:00:00-04:00', 120, '2024-11-04T10:00:00-05:00'],
    ['NY spring-forward Sunday itself, 7-day hours', nyEveryDay, '2024-03-09T16:00:00-05:00', 120, '2024-03-10T10:00:00-04:00'],
    ['NY fall-back Sunday itself, 7-day hours', nyEveryDay, '2024-11-02T16:00:00-04:00', 120, '2024-11-03T10:00:00-05:00'],
    ['NY night window across the gap is 3 real hours', nyNight, '2024-03-10T01:00:00-05:00', 180, '2024-03-10T05:00:00-04:00'],
    ['NY night window across the overlap is 5 real hours', nyNight, '2024-11-03T01:00:00-04:00', 300, '2024-11-03T05:00:00-05:00'],
    ['NY opening inside the gap opens at the transition', nyGapOpen, '2024-03-10T00:00:00-05:00', 30, '2024-03-10T03:30:00-04:00'],
    ['Berlin spring-forward weekend, hours', berlin, '2024-03-29T15:00:00+01:00', 120, '2024-04-01T09:00:00+02:00'],
    ['Berlin fall-back weekend, hours', berlin, '2024-10-25T15:00:00+02:00', 120, '2024-10-28T09:00:00+01:00'],
    ['Berlin spring-forward Sunday itself, 7-day hours', berlinEveryDay, '2024-03-30T15:00:00+01:00', 120, '2024-03-31T09:00:00+02:00'],
    ['Berlin fall-back Sunday itself, 7-day hours', berlinEveryDay, '2024-10-26T15:00:00+02:00', 120, '2024-10-27T09:00:00+01:00'],
    // DST, round the clock: real elapsed time, so wall-clock results shift by an hour
    ['NY round-the-clock across spring-forward', nyAround, '2024-03-09T12:00:00-05:00', 1440, '2024-03-10T13:00:00-04:00'],
    ['NY round-the-clock across fall-back', nyAround, '2024-11-02T12:00:00-04:00', 1440, '2024-11-03T11:00:00-05:00'],
    ['NY round-the-clock 1h through the gap', nyAround, '2024-03-10T01:30:00-05:00', 60, '2024-03-10T03:30:00-04:00'],
    ['NY round-the-clock 1h into the repeated hour', nyAround, '2024-11-03T01:30:00-04:00', 60, '2024-11-03T01:30:00-05:00'],
    ['Berlin round-the-clock across spring-forward', berlinAround, '2024-03-30T12:00:00+01:00', 1440, '2024-03-31T13:00:00+02:00'],
    ['Berlin round-the-clock across fall-back', berlinAround, '2024-10-26T12:00:00+02:00', 1440, '2024-10-27T11:00:00+01:00'],
    // Same instant, two teams
    ['Tokyo: 2024-03-15T00:00Z is Fri 09:00 JST', tokyo, '2024-03-15T00:00:00Z', 240, '2024-03-15T13:00:00+09:00'],
    ['LA: 2024-03-15T00:00Z is Thu 17:00 PDT (closed)', la, '2024-03-15T00:00:00Z', 240, '2024-03-15T13:00:00-07:00'],
    ['Tokyo: 2024-03-15T08:30Z is Fri 17:30 JST', tokyo, '2024-03-15T08:30:00Z', 240, '2024-03-18T12:30:00+09:00'],
    ['LA: 2024-03-15T08:30Z is Fri 01:30 PDT', la, '2024-03-15T08:30:00Z', 240, '2024-03-15T13:00:00-07:00'],
    // Long horizon: 90 business days = 18 whole weeks from Mon 1 Jan → Fri 3 May 17:00 (EDT by then)
    ['90 business days', ny, '2024-01-01T09:00:00-05:00', 90 * 480, '2024-05-03T17:00:00-04:00'],
  ])('%s', (_name, calendar, start, minutes, expected) => {
    expect(addBusinessMinutes(d(start), minutes, calendar).toISOString()).toBe(d(expected).toISOString());
  });

  it.each<[string, BusinessCalendar, string]>([
    ['in business time', ny, '2024-03-05T10:00:00-05:00'],
    ['outside business time (weekend)', ny, '2024-03-02T10:00:00-05:00'],
    ['on a holiday', nyHolidays, '2024-07-04T10:00:00-04:00'],
  ])('adding 0 minutes returns the start instant unchanged (%s)', (_name, calendar, start) => {
    const s = d(start);
    const result = addBusinessMinutes(s, 0, calendar);
    expect(result.getTime()).toBe(s.getTime());
    expect(result).not.toBe(s);
  });

  it('adds 90 business days by walking days, landing on the right local day', () => {
    // 90 working days from Mon 2024-01-01 09:00 NY (Jan 1 is not a holiday in this calendar unless listed).
    const due = addBusinessMinutes(d('2024-01-01T09:00:00-05:00'), 90 * 480, ny);
    expect(due.getTime()).toBe(d('2024-05-03T17:00:00-04:00').getTime());
  });

  it.each<[string, number]>([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('rejects %s minutes', (_name, minutes) => {
    expect(() => addBusinessMinutes(d('2024-03-05T10:00:00-05:00'), minutes, ny)).toThrow(RangeError);
  });

  it('rejects an invalid start date', () => {
    expect(() => addBusinessMinutes(new Date('nope'), 10, ny)).toThrow(RangeError);
  });
});

describe('calendar validation', () => {
  it.each<[string, BusinessCalendar, RegExp]>([
    ['no business days', { timezone: 'America/New_York', hours: { days: [], start: '09:00', end: '17:00' } }, /no business days/],
    ['start equals end', { timezone: 'America/New_York', hours: { days: ['mon'], start: '09:00', end: '09:00' } }, /no business time/],
    ['overnight shift', { timezone: 'America/New_York', hours: { days: ['mon'], start: '22:00', end: '06:00' } }, /Overnight shifts/],
    ['bad time syntax', { timezone: 'America/New_York', hours: { days: ['mon'], start: '9:00', end: '17:00' } }, /Invalid time/],
    ['bad weekday', { timezone: 'America/New_York', hours: { days: ['funday' as never], start: '09:00', end: '17:00' } }, /Invalid weekday/],
    ['unknown timezone', { timezone: 'Mars/Olympus_Mons' }, /Unknown timezone/],
    ['bad holiday', { timezone: 'America/New_York', holidays: ['2024-02-30'] }, /Invalid date/],
  ])('throws a clear error for %s', (_name, calendar, message) => {
    expect(() => addBusinessMinutes(d('2024-03-05T10:00:00-05:00'), 60, calendar)).toThrow(message);
    expect(() => businessMinutesBetween(d('2024-03-05T10:00:00-05:00'), d('2024-03-06T10:00:00-05:00'), calendar)).toThrow(
      message,
    );
    expect(() => isBusinessTime(d('2024-03-05T10:00:00-05:00'), calendar)).toThrow(message);
  });

  it('accepts 24:00 as end of day', () => {
    const cal: BusinessCalendar = { timezone: 'America/New_York', hours: { days: ['tue'], start: '20:00', end: '24:00' } };
    expect(addBusinessMinutes(d('2024-03-05T23:00:00-05:00'), 90, cal).toISOString()).toBe(
      d('2024-03-12T20:30:00-04:00').toISOString(),
    );
    expect(parseDuration('1d', cal)).toBe(240);
  });
});

describe('businessMinutesBetween', () => {
  it.each<[string, BusinessCalendar, string, string, number]>([
    ['Friday 16:30 → Monday 12:30', ny, '2024-03-01T16:30:00-05:00', '2024-03-04T12:30:00-05:00', 240],
    ['b before a', ny, '2024-03-04T12:30:00-05:00', '2024-03-01T16:30:00-05:00', 0],
    ['a equals b', ny, '2024-03-04T12:30:00-05:00', '2024-03-04T12:30:00-05:00', 0],
    ['entirely outside business time', ny, '2024-03-01T17:30:00-05:00', '2024-03-04T08:59:00-05:00', 0],
    ['outside to outside over a full week', ny, '2024-03-02T00:00:00-05:00', '2024-03-09T00:00:00-05:00', 5 * 480],
    ['holiday Monday contributes nothing', nyHolidays, '2024-08-30T16:00:00-04:00', '2024-09-03T10:00:00-04:00', 120],
    ['NY round-the-clock spring-forward day is 23 h', nyAround, '2024-03-10T00:00:00-05:00', '2024-03-11T00:00:00-04:00', 23 * 60],
    ['NY round-the-clock fall-back day is 25 h', nyAround, '2024-11-03T00:00:00-04:00', '2024-11-04T00:00:00-05:00', 25 * 60],
    ['Berlin round-the-clock spring-forward day is 23 h', berlinAround, '2024-03-31T00:00:00+01:00', '2024-04-01T00:00:00+02:00', 23 * 60],
    ['Berlin round-the-clock fall-back day is 25 h', berlinAround, '2024-10-27T00:00:00+02:00', '2024-10-28T00:00:00+01:00', 25 * 60],
    ['NY 09–17 on spring-forward Sunday is still 8 h', nyEveryDay, '2024-03-10T00:00:00-05:00', '2024-03-11T00:00:00-04:00', 480],
    ['NY 09–17 on fall-back Sunday is still 8 h', nyEveryDay, '2024-11-03T00:00:00-04:00', '2024-11-04T00:00:00-05:00', 480],
    ['Berlin 08–16 on spring-forward Sunday is still 8 h', berlinEveryDay, '2024-03-31T00:00:00+01:00', '2024-04-01T00:00:00+02:00', 480],
    ['Berlin 08–16 on fall-back Sunday is still 8 h', berlinEveryDay, '2024-10-27T00:00:00+02:00', '2024-10-28T00:00:00+01:00', 480],
    ['NY 01–05 across the gap is 3 h', nyNight, '2024-03-10T00:00:00-05:00', '2024-03-11T00:00:00-04:00', 180],
    ['NY 01–05 across the overlap is 5 h', nyNight, '2024-11-03T00:00:00-04:00', '2024-11-04T00:00:00-05:00', 300],
    ['Berlin 01–05 across the gap is 3 h', berlinNight, '2024-03-31T00:00:00+01:00', '2024-04-01T00:00:00+02:00', 180],
    ['Berlin 01–05 across the overlap is 5 h', berlinNight, '2024-10-27T00:00:00+02:00', '2024-10-28T00:00:00+01:00', 300],
    ['NY 02:30–06:00 on spring-forward day opens at 03:00 EDT', nyGapOpen, '2024-03-10T00:00:00-05:00', '2024-03-11T00:00:00-04:00', 180],
    ['sub-minute precision', ny, '2024-03-05T10:00:00-05:00', '2024-03-05T10:00:30-05:00', 0.5],
  ])('%s', (_name, calendar, a, b, expected) => {
    expect(businessMinutesBetween(d(a), d(b), calendar)).toBe(expected);
  });

  // Property: businessMinutesBetween is the inverse of addBusinessMinutes.
  it.each<[BusinessCalendar, string, number]>([
    [ny, '2024-03-01T16:30:00-05:00', 240],
    [ny, '2024-03-05T09:00:00-05:00', 480],
    [ny, '2024-03-05T09:00:00-05:00', 481],
    [ny, '2024-03-05T12:34:00-05:00', 90 * 480 + 17],
    [ny, '2024-03-08T16:59:00-05:00', 1],
    [ny, '2024-03-02T03:00:00-05:00', 500], // starts outside business time: still holds
    [nyHolidays, '2024-08-30T16:00:00-04:00', 120],
    [nyHolidays, '2024-07-03T09:00:00-04:00', 5 * 480],
    [nyEveryDay, '2024-03-09T16:00:00-05:00', 600],
    [nyNight, '2024-11-03T01:30:00-04:00', 400],
    [nyAround, '2024-03-09T12:00:00-05:00', 1440],
    [nyAround, '2024-11-03T01:15:00-04:00', 77],
    [nyAroundXmas, '2024-12-24T20:00:00-05:00', 3000],
    [berlin, '2024-03-29T15:00:00+01:00', 1234],
    [berlinAround, '2024-10-26T12:00:00+02:00', 2 * 1440],
    [tokyo, '2024-03-15T08:30:00Z', 240],
    [la, '2024-03-15T08:30:00Z', 9999],
  ])('between(s, add(s, m)) === m for %#', (calendar, start, minutes) => {
    const s = d(start);
    expect(businessMinutesBetween(s, addBusinessMinutes(s, minutes, calendar), calendar)).toBe(minutes);
  });
});

describe('isBusinessTime', () => {
  it.each<[string, BusinessCalendar, string, boolean]>([
    ['opening minute counts', ny, '2024-03-05T09:00:00-05:00', true],
    ['closing minute does not', ny, '2024-03-05T17:00:00-05:00', false],
    ['last minute before close', ny, '2024-03-05T16:59:00-05:00', true],
    ['Saturday', ny, '2024-03-02T12:00:00-05:00', false],
    ['holiday', nyHolidays, '2024-07-04T12:00:00-04:00', false],
    ['round the clock, Sunday 03:00', nyAround, '2024-03-03T03:00:00-05:00', true],
    ['round the clock, holiday', nyAroundXmas, '2024-12-25T12:00:00-05:00', false],
    ['Tokyo at 2024-03-15T00:00Z (Fri 09:00 JST)', tokyo, '2024-03-15T00:00:00Z', true],
    ['LA at 2024-03-15T00:00Z (Thu 17:00 PDT)', la, '2024-03-15T00:00:00Z', false],
    ['NY repeated 01:30 (second pass) in 01–05 window', nyNight, '2024-11-03T01:30:00-05:00', true],
  ])('%s → %s', (_name, calendar, instant, expected) => {
    expect(isBusinessTime(d(instant), calendar)).toBe(expected);
  });
});

describe('parseDuration / isValidDuration', () => {
  it.each<[string, BusinessCalendar, number]>([
    ['30m', ny, 30],
    ['4h', ny, 240],
    ['0.5h', ny, 30],
    ['2d', ny, 960],
    ['1.5d', ny, 720],
    ['1d', berlin, 480],
    ['1d', tokyo, 540],
    ['1d', nyAround, 1440],
    ['2d', nyAround, 2880],
    [' 2 d ', ny, 960],
    ['4H', ny, 240],
    ['0m', ny, 0],
    ['1.25m', ny, 1],
    ['1d', { timezone: 'UTC', hours: { days: ['mon'], start: '08:30', end: '12:00' } }, 210],
  ])('%j → %d minutes', (text, calendar, expected) => {
    expect(isValidDuration(text)).toBe(true);
    expect(parseDuration(text, calendar)).toBe(expected);
  });

  it.each(['', ' ', 'abc', '4', 'h', '-1h', '+1h', '1w', '1h30m', '1.h', '.5h', '1,5h', '4 hours', 'd2'])(
    'rejects %j',
    (text) => {
      expect(isValidDuration(text)).toBe(false);
      expect(() => parseDuration(text, ny)).toThrow(/Invalid duration/);
    },
  );

  it('throws for a day-based duration on a calendar without business time', () => {
    expect(() => parseDuration('1d', { timezone: 'UTC', hours: { days: ['mon'], start: '17:00', end: '09:00' } })).toThrow(
      /Overnight/,
    );
  });
});

describe('zonedTime', () => {
  it.each<[string, string, string, string, string]>([
    ['plain winter time', '2024-01-15', '09:00', 'America/New_York', '2024-01-15T09:00:00-05:00'],
    ['plain summer time', '2024-07-15', '09:00', 'America/New_York', '2024-07-15T09:00:00-04:00'],
    ['no-DST zone', '2024-07-01', '12:00', 'Asia/Tokyo', '2024-07-01T12:00:00+09:00'],
    ['NY gap 02:30 → first valid instant 03:00 EDT', '2024-03-10', '02:30', 'America/New_York', '2024-03-10T03:00:00-04:00'],
    ['NY gap 02:00 → 03:00 EDT', '2024-03-10', '02:00', 'America/New_York', '2024-03-10T03:00:00-04:00'],
    ['NY just before the gap', '2024-03-10', '01:59', 'America/New_York', '2024-03-10T01:59:00-05:00'],
    ['NY just after the gap', '2024-03-10', '03:00', 'America/New_York', '2024-03-10T03:00:00-04:00'],
    ['NY overlap 01:30 → earlier (EDT)', '2024-11-03', '01:30', 'America/New_York', '2024-11-03T01:30:00-04:00'],
    ['Berlin gap 02:30 → 03:00 CEST', '2024-03-31', '02:30', 'Europe/Berlin', '2024-03-31T03:00:00+02:00'],
    ['Berlin overlap 02:30 → earlier (CEST)', '2024-10-27', '02:30', 'Europe/Berlin', '2024-10-27T02:30:00+02:00'],
    ['midnight', '2024-03-04', '00:00', 'America/Los_Angeles', '2024-03-04T00:00:00-08:00'],
  ])('%s', (_name, date, time, timezone, expected) => {
    expect(zonedTime(date, time, timezone).toISOString()).toBe(d(expected).toISOString());
  });

  it.each<[string, string, string]>([
    ['2024-13-01', '09:00', 'UTC'],
    ['2024-02-30', '09:00', 'UTC'],
    ['2024-03-01', '24:00', 'UTC'],
    ['2024-03-01', '9:00', 'UTC'],
    ['2024-03-01', '09:00', 'Not/AZone'],
  ])('rejects %s %s %s', (date, time, timezone) => {
    expect(() => zonedTime(date, time, timezone)).toThrow();
  });
});

describe('localParts', () => {
  it.each<[string, string, { date: string; time: string; weekday: string; hour: number; minute: number }]>([
    ['2024-03-10T07:00:00Z', 'America/New_York', { date: '2024-03-10', time: '03:00', weekday: 'sun', hour: 3, minute: 0 }],
    ['2024-03-10T06:59:00Z', 'America/New_York', { date: '2024-03-10', time: '01:59', weekday: 'sun', hour: 1, minute: 59 }],
    ['2024-11-03T06:30:00Z', 'America/New_York', { date: '2024-11-03', time: '01:30', weekday: 'sun', hour: 1, minute: 30 }],
    ['2024-03-04T05:00:00Z', 'America/New_York', { date: '2024-03-04', time: '00:00', weekday: 'mon', hour: 0, minute: 0 }],
    ['2024-12-31T23:30:00Z', 'Asia/Tokyo', { date: '2025-01-01', time: '08:30', weekday: 'wed', hour: 8, minute: 30 }],
    ['2024-12-31T23:30:00Z', 'America/Los_Angeles', { date: '2024-12-31', time: '15:30', weekday: 'tue', hour: 15, minute: 30 }],
    ['2024-10-27T00:30:00Z', 'Europe/Berlin', { date: '2024-10-27', time: '02:30', weekday: 'sun', hour: 2, minute: 30 }],
    ['2024-10-27T01:30:00Z', 'Europe/Berlin', { date: '2024-10-27', time: '02:30', weekday: 'sun', hour: 2, minute: 30 }],
  ])('%s in %s', (instant, timezone, expected) => {
    expect(localParts(d(instant), timezone)).toEqual(expected);
  });
});
