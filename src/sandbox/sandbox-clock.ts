import { localParts, zonedTime } from '../domain/business-clock.js';
import type { Clock } from '../domain/ports.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The sandbox's time: it runs like a real clock from where it was set, and jumps forward on request,
 * so SLAs, nudges and digests can be seen without waiting. It never goes back, as the bot's records
 * of what it sent assume.
 */
export class SandboxClock implements Clock {
  private offsetMs: number;

  constructor(
    start: Date,
    private readonly realNow: () => number = Date.now,
  ) {
    this.offsetMs = start.getTime() - realNow();
  }

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  advance(ms: number): Date {
    if (!(ms >= 0)) throw new RangeError('the sandbox clock only moves forward');
    this.offsetMs += ms;
    return this.now();
  }

  /** Moves to `instant`, or stays where it is when that has passed. */
  advanceTo(instant: Date): Date {
    return this.advance(Math.max(0, instant.getTime() - this.now().getTime()));
  }
}

/** The next moment after `now` at which it is `time` ('HH:MM') in `timezone`. */
export function nextLocalTime(now: Date, timezone: string, time: string): Date {
  let date = localParts(now, timezone).date;
  for (let i = 0; i < 3; i++) {
    const at = zonedTime(date, time, timezone);
    if (at.getTime() > now.getTime()) return at;
    // Noon avoids the DST edges when stepping a day.
    date = localParts(new Date(zonedTime(date, '12:00', timezone).getTime() + DAY_MS), timezone).date;
  }
  throw new Error(`no ${time} in ${timezone} after ${now.toISOString()}`);
}

/**
 * Where the sandbox clock starts: 10:00 on Monday of the current week in `timezone`. A fixed place in
 * the working week means the guided tour's SLAs and digests behave the same on any day it is tried.
 */
export function sandboxStart(realNow: Date, timezone: string): Date {
  const today = localParts(realNow, timezone);
  const back = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(today.weekday);
  const noon = zonedTime(today.date, '12:00', timezone).getTime();
  const monday = localParts(new Date(noon - back * DAY_MS), timezone).date;
  return zonedTime(monday, '10:00', timezone);
}
