/**
 * Business-time SLA clock.
 *
 * Pure functions over instants (`Date`) and a {@link BusinessCalendar}. Timezone math uses only
 * `Intl.DateTimeFormat` (full ICU in Node 20), so this module has no dependencies and no I/O.
 *
 * Model: every local calendar day of the team's timezone contributes at most one business window
 * `[open, close)`. Windows are defined in wall-clock time and converted to real instants, so a
 * 09:00–17:00 day is 8 h even on DST-change days, while a round-the-clock day is 23 h or 25 h there.
 * All arithmetic walks day by day (never minute by minute), so long horizons stay cheap.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** When a team is "on the clock". */
export interface BusinessCalendar {
  /** IANA timezone, e.g. 'America/New_York'. */
  timezone: string;
  /**
   * Working days and local wall-clock hours ('HH:MM', 24 h; `end` may be '24:00').
   * Omitted = round the clock, every day. Overnight shifts (end <= start) are rejected.
   */
  hours?: { days: Weekday[]; start: string; end: string };
  /** Local dates 'YYYY-MM-DD' that contain no business time at all. */
  holidays?: string[];
}

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
/**
 * Number, optional whitespace, one unit. Leading/trailing whitespace and unit case are ignored.
 * Deliberately no compound forms ('1h30m'), no signs and no bare numbers: an SLA typo should fail
 * loudly at config time rather than silently mean minutes.
 */
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/i;
/**
 * A calendar can legally have long gaps (e.g. a holiday list covering a shutdown), but not
 * unbounded ones; past this many consecutive closed days we assume a misconfiguration instead of
 * looping forever.
 */
const MAX_CLOSED_DAYS = 3_660;

// ---------------------------------------------------------------------------------------------
// Timezone primitives
// ---------------------------------------------------------------------------------------------

// Constructing a DateTimeFormat is far more expensive than using one, and the day-by-day walk
// calls it thousands of times for long horizons.
const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let fmt = formatterCache.get(timezone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        // h23 rather than hour12:false: the latter renders midnight as '24' on some ICU versions.
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        weekday: 'short',
      });
    } catch {
      throw new Error(`Unknown timezone "${timezone}" (expected an IANA name such as "Europe/Berlin")`);
    }
    formatterCache.set(timezone, fmt);
  }
  return fmt;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
}

function wallClock(ms: number, timezone: string): WallClock {
  const out: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 'sun' };
  for (const part of formatterFor(timezone).formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        out.year = Number(part.value);
        break;
      case 'month':
        out.month = Number(part.value);
        break;
      case 'day':
        out.day = Number(part.value);
        break;
      case 'hour':
        out.hour = Number(part.value) % 24;
        break;
      case 'minute':
        out.minute = Number(part.value);
        break;
      case 'second':
        out.second = Number(part.value);
        break;
      case 'weekday':
        out.weekday = part.value.slice(0, 3).toLowerCase() as Weekday;
        break;
    }
  }
  return out;
}

/** Date.UTC that does not remap years 0–99 to 1900–1999. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Offset of local wall time from UTC at an instant, in ms (local = utc + offset). */
function offsetMs(ms: number, timezone: string): number {
  // formatToParts has second precision, so compare against the instant truncated to the second.
  const truncated = Math.floor(ms / 1000) * 1000;
  const w = wallClock(truncated, timezone);
  return utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - truncated;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const probe = new Date(utcMs(year, month, day));
    // Rejects '2024-02-30' & co, which Date.UTC would silently roll over.
    if (probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day) return { year, month, day };
  }
  throw new Error(`Invalid date "${date}" (expected a real calendar date 'YYYY-MM-DD')`);
}

function parseTime(time: string, allowEndOfDay = false): number {
  if (allowEndOfDay && time === '24:00') return 24 * 60;
  const m = TIME_RE.exec(time);
  if (!m) throw new Error(`Invalid time "${time}" (expected 24h 'HH:MM')`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function formatDate(year: number, month: number, day: number): string {
  return `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(month)}-${pad(day)}`;
}

function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const d = new Date(utcMs(year, month, day) + days * DAY_MS);
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function weekdayOf(date: string): Weekday {
  const { year, month, day } = parseDate(date);
  return WEEKDAYS[new Date(utcMs(year, month, day)).getUTCDay()];
}

/** zonedTime on numbers; `minuteOfDay` may be 0..1439. */
function zonedMs(date: string, minuteOfDay: number, timezone: string): number {
  const { year, month, day } = parseDate(date);
  const naive = utcMs(year, month, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // One transition at most within a day of any wall time (true for every real tz rule), so the
  // offsets a day either side are the only two candidates.
  const before = offsetMs(naive - DAY_MS, timezone);
  const after = offsetMs(naive + DAY_MS, timezone);
  const candidates = [naive - before, naive - after].sort((x, y) => x - y);
  for (const c of candidates) {
    // Earliest valid candidate first, which resolves an overlap to its first occurrence.
    if (offsetMs(c, timezone) === naive - c) return c;
  }
  if (before === after) return candidates[0];
  // The wall time lies in a gap: return the transition instant, i.e. the first valid instant
  // after it. Binary search on whole seconds between the two candidates (the gap's width).
  let lo = Math.floor(candidates[0] / 1000);
  let hi = Math.ceil(candidates[1] / 1000);
  const newOffset = offsetMs(hi * 1000, timezone);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid * 1000, timezone) === newOffset) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

interface CompiledCalendar {
  timezone: string;
  days: ReadonlySet<Weekday> | null;
  openMinute: number;
  closeMinute: number;
  holidays: ReadonlySet<string>;
  /** Wall-clock length of one working day, used for 'd' durations. */
  dayMinutes: number;
}

function compile(calendar: BusinessCalendar): CompiledCalendar {
  formatterFor(calendar.timezone);
  const holidays = new Set<string>();
  for (const h of calendar.holidays ?? []) {
    parseDate(h);
    holidays.add(h);
  }
  const hours = calendar.hours;
  if (!hours) {
    return { timezone: calendar.timezone, days: null, openMinute: 0, closeMinute: 1440, holidays, dayMinutes: 1440 };
  }
  for (const d of hours.days) {
    if (!WEEKDAYS.includes(d)) throw new Error(`Invalid weekday "${d}" (expected one of ${WEEKDAYS.join(', ')})`);
  }
  if (hours.days.length === 0) {
    throw new Error('Business calendar has no business days: hours.days is empty');
  }
  const openMinute = parseTime(hours.start);
  const closeMinute = parseTime(hours.end, true);
  if (closeMinute === openMinute) {
    throw new Error(`Business calendar has no business time: hours.start equals hours.end (${hours.start})`);
  }
  if (closeMinute < openMinute) {
    throw new Error(
      `Overnight shifts are not supported: hours.end (${hours.end}) must be after hours.start (${hours.start})`,
    );
  }
  return {
    timezone: calendar.timezone,
    days: new Set(hours.days),
    openMinute,
    closeMinute,
    holidays,
    dayMinutes: closeMinute - openMinute,
  };
}

/** Business window of one local date as [open, close) in epoch ms, or null when closed. */
/** Opening and closing instants by timezone, hours and local date: every SLA of a team walks the same days. */
const windowCache = new Map<string, [number, number] | null>();
const WINDOW_CACHE_LIMIT = 100_000;

function windowOf(date: string, cal: CompiledCalendar): [number, number] | null {
  if (cal.holidays.has(date)) return null;
  if (cal.days && !cal.days.has(weekdayOf(date))) return null;
  const key = `${cal.timezone}|${cal.openMinute}|${cal.closeMinute}|${date}`;
  const cached = windowCache.get(key);
  if (cached !== undefined) return cached;
  if (windowCache.size >= WINDOW_CACHE_LIMIT) windowCache.clear();
  const win = computeWindow(date, cal);
  windowCache.set(key, win);
  return win;
}

function computeWindow(date: string, cal: CompiledCalendar): [number, number] | null {
  const open = zonedMs(date, cal.openMinute, cal.timezone);
  const close =
    cal.closeMinute === 1440 ? zonedMs(addDays(date, 1), 0, cal.timezone) : zonedMs(date, cal.closeMinute, cal.timezone);
  // Both ends can land on the same transition instant if the hours sit entirely inside a DST gap.
  return close > open ? [open, close] : null;
}

function isContinuous(cal: CompiledCalendar): boolean {
  return cal.days === null && cal.holidays.size === 0;
}

function localDateOf(ms: number, timezone: string): string {
  const w = wallClock(ms, timezone);
  return formatDate(w.year, w.month, w.day);
}

function instantMs(d: Date, name: string): number {
  const ms = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid Date`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Whether `text` is a syntactically valid duration: a non-negative decimal number followed by one
 * unit `m`, `h` or `d` (e.g. '30m', '4h', '1.5d', '2 d'). Surrounding whitespace and unit case are
 * ignored. Compound ('1h30m'), signed, unit-less and '.5h'-style values are rejected.
 */
export function isValidDuration(text: string): boolean {
  return typeof text === 'string' && DURATION_RE.test(text);
}

/**
 * Converts '30m' | '4h' | '2d' to business minutes, rounded to the nearest whole minute.
 * 'd' is one working day of `calendar`: (end - start) of its hours, or 24 h when it has none.
 * @throws Error on invalid syntax (see {@link isValidDuration}) or an invalid calendar.
 */
export function parseDuration(text: string, calendar: BusinessCalendar): number {
  const m = typeof text === 'string' ? DURATION_RE.exec(text) : null;
  if (!m) {
    throw new Error(`Invalid duration "${String(text)}" (expected a number and a unit m, h or d, e.g. "30m", "4h", "2d")`);
  }
  const value = Number(m[1]);
  const unit = m[2].toLowerCase();
  const perUnit = unit === 'm' ? 1 : unit === 'h' ? 60 : compile(calendar).dayMinutes;
  return Math.round(value * perUnit);
}

/**
 * The instant at which `minutes` of business time have elapsed after `start`.
 *
 * Inside business hours the clock runs from `start`; outside, from the next opening. Adding 0
 * returns a copy of `start` (same instant) even outside business hours, so "no SLA time" never
 * moves a timestamp. A deadline that consumes a window exactly lands on its close (e.g. Friday
 * 17:00), not on the next opening. Fractional minutes are honoured to the millisecond.
 * @throws RangeError for an invalid date or a negative/non-finite amount; Error for a calendar
 * without business time.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar): Date {
  const startMs = instantMs(start, 'start');
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`minutes must be a finite number >= 0, got ${minutes}`);
  }
  const cal = compile(calendar);
  if (minutes === 0) return new Date(startMs);
  // Round the clock with no holidays, business time is plain elapsed time (the daily windows tile it exactly).
  if (isContinuous(cal)) return new Date(startMs + Math.round(minutes * MINUTE_MS));

  let remaining = Math.round(minutes * MINUTE_MS);
  let date = localDateOf(startMs, cal.timezone);
  let closedStreak = 0;
  for (;;) {
    const win = windowOf(date, cal);
    if (win && win[1] > startMs) {
      closedStreak = 0;
      const from = Math.max(win[0], startMs);
      const available = win[1] - from;
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
    } else if (++closedStreak > MAX_CLOSED_DAYS) {
      throw new Error(`Business calendar has no business time in ${MAX_CLOSED_DAYS} consecutive days after ${date}`);
    }
    date = addDays(date, 1);
  }
}

/**
 * Business minutes elapsed between `a` and `b`; 0 when `b <= a`. Exact (may be fractional when the
 * instants are not on whole minutes). Inverse of {@link addBusinessMinutes}:
 * `businessMinutesBetween(s, addBusinessMinutes(s, m, c), c) === m`.
 * @throws RangeError for invalid dates; Error for a calendar without business time.
 */
export function businessMinutesBetween(a: Date, b: Date, calendar: BusinessCalendar): number {
  const aMs = instantMs(a, 'a');
  const bMs = instantMs(b, 'b');
  const cal = compile(calendar);
  if (bMs <= aMs) return 0;
  if (isContinuous(cal)) return (bMs - aMs) / MINUTE_MS;
  const last = localDateOf(bMs, cal.timezone);
  let total = 0;
  // Local dates in 'YYYY-MM-DD' compare correctly as strings for four-digit years.
  for (let date = localDateOf(aMs, cal.timezone); date <= last; date = addDays(date, 1)) {
    const win = windowOf(date, cal);
    if (!win) continue;
    const from = Math.max(win[0], aMs);
    const to = Math.min(win[1], bMs);
    if (to > from) total += to - from;
  }
  return total / MINUTE_MS;
}

/** Local date 'YYYY-MM-DD', time 'HH:MM', weekday, hour and minute of `instant` in `timezone`. */
export function localParts(
  instant: Date,
  timezone: string,
): { date: string; time: string; weekday: Weekday; hour: number; minute: number } {
  const w = wallClock(instantMs(instant, 'instant'), timezone);
  return {
    date: formatDate(w.year, w.month, w.day),
    time: `${pad(w.hour)}:${pad(w.minute)}`,
    weekday: w.weekday,
    hour: w.hour,
    minute: w.minute,
  };
}

/**
 * The instant of local wall-clock `date` ('YYYY-MM-DD') and `time` ('HH:MM') in `timezone`.
 * In a DST gap (the wall time never happens) returns the first valid instant after it, i.e. the
 * transition itself (02:30 on a US spring-forward day → 03:00 daylight time). In an overlap (the
 * wall time happens twice) returns the earlier occurrence.
 * @throws Error on a malformed date/time or unknown timezone.
 */
export function zonedTime(date: string, time: string, timezone: string): Date {
  formatterFor(timezone);
  return new Date(zonedMs(date, parseTime(time), timezone));
}

/** Whether `instant` falls in business time. Windows are half-open: the opening minute counts, the closing one does not. */
export function isBusinessTime(instant: Date, calendar: BusinessCalendar): boolean {
  const ms = instantMs(instant, 'instant');
  const cal = compile(calendar);
  const win = windowOf(localDateOf(ms, cal.timezone), cal);
  return win !== null && ms >= win[0] && ms < win[1];
}

/** {@link businessMinutesBetween} for many intervals in one range; see {@link businessTimeline}. */
export interface BusinessTimeline {
  minutesBetween(a: Date | number, b: Date | number): number;
}

/**
 * Precomputes the business windows of `calendar` between `from` and `to`, so that business minutes
 * between two instants inside that range cost a binary search instead of a day-by-day walk (reports
 * measure thousands of intervals). Instants outside the range fall back to
 * {@link businessMinutesBetween}; both give the same result.
 */
export function businessTimeline(calendar: BusinessCalendar, from: Date, to: Date): BusinessTimeline {
  const cal = compile(calendar);
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  const opens: number[] = [];
  const closes: number[] = [];
  // prefix[i]: business ms in the windows before window i.
  const prefix: number[] = [0];
  const last = localDateOf(toMs, cal.timezone);
  for (let date = localDateOf(fromMs, cal.timezone); date <= last; date = addDays(date, 1)) {
    const win = windowOf(date, cal);
    if (!win) continue;
    opens.push(win[0]);
    closes.push(win[1]);
    prefix.push(prefix[prefix.length - 1] + (win[1] - win[0]));
  }
  // Business ms from the start of the covered days up to t (t within [fromMs, toMs]).
  const elapsed = (t: number): number => {
    let lo = 0;
    let hi = opens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (opens[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1; // last window opening at or before t
    if (i < 0) return 0;
    return prefix[i] + Math.min(t, closes[i]) - opens[i];
  };
  return {
    minutesBetween(a, b) {
      const aMs = typeof a === 'number' ? a : instantMs(a, 'a');
      const bMs = typeof b === 'number' ? b : instantMs(b, 'b');
      if (bMs <= aMs) return 0;
      if (aMs < fromMs || bMs > toMs) return businessMinutesBetween(new Date(aMs), new Date(bMs), calendar);
      return (elapsed(bMs) - elapsed(aMs)) / MINUTE_MS;
    },
  };
}
