import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { AwayRepo, AwayStatus } from '../db/away-repo.js';
import { DomainError } from '../domain/errors.js';
import { ownEntry } from '../domain/own-entry.js';
import type { Clock } from '../domain/ports.js';

/** An absence lasts at most this long; longer is a mistake in the date more often than a sabbatical. */
const MAX_AWAY_MS = 365 * 24 * 60 * 60 * 1000;

/** A message meant for one person, sent instead to whoever covers for them, and why. */
export interface CoveredRecipient {
  readonly userId: string;
  /** Set when the message goes to someone else because this person is away. */
  readonly awayOf?: { readonly userId: string; readonly until: string };
}

/** Reads `until <YYYY-MM-DD> [backup <@U…>]` as typed after `/handoff away`. */
export function parseAwayArgs(args: readonly string[]): { date: string; backupId: string | null } {
  const usage = 'Say when you are back: `/handoff away until 2026-12-01`, optionally with `backup @person`.';
  const [word, date, backupWord, mention, ...extra] = args;
  if (word?.toLowerCase() !== 'until' || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || extra.length > 0) throw new DomainError('validation', usage);
  if (backupWord === undefined) return { date, backupId: null };
  if (backupWord.toLowerCase() !== 'backup' || !mention) throw new DomainError('validation', usage);
  // Slack sends a mention as <@U123|name> (the command escapes mentions); a typed ID (U123 or @U123) is taken as well.
  const id = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(mention)?.[1] ?? /^@?([UW][A-Z0-9]{2,})$/.exec(mention)?.[1] ?? null;
  if (!id) throw new DomainError('validation', 'Pick the backup with an @mention, so Slack sends who it is.');
  return { date, backupId: id };
}

/** Who is away, and where what they would have been sent goes meanwhile. */
export class AwayService {
  constructor(
    private readonly deps: {
      config: WorkflowConfig;
      away: AwayRepo;
      clock: Clock;
      /** Called when someone goes away or comes back, so what shows their absence is updated. */
      onChange?: (userId: string) => void;
    },
  ) {}

  /** Marks the person away until the start of `date` (UTC), with an optional backup. */
  setAway(userId: string, args: readonly string[]): AwayStatus {
    const { date, backupId } = parseAwayArgs(args);
    const now = this.deps.clock.now();
    const until = new Date(`${date}T00:00:00Z`);
    if (Number.isNaN(until.getTime()) || until.toISOString().slice(0, 10) !== date) throw new DomainError('validation', `${date} is not a calendar date.`);
    if (until.getTime() <= now.getTime()) throw new DomainError('validation', 'Pick a date in the future: the day you are back.');
    if (until.getTime() - now.getTime() > MAX_AWAY_MS) throw new DomainError('validation', 'Set an absence of at most a year.');
    if (backupId === userId) throw new DomainError('validation', 'Your backup has to be someone else.');
    this.deps.away.set(userId, until, backupId, now);
    this.deps.onChange?.(userId);
    return { userId, until, backupId };
  }

  /** Ends the person's absence; false when they were not away. */
  back(userId: string): boolean {
    const was = this.deps.away.clear(userId);
    if (was) this.deps.onChange?.(userId);
    return was;
  }

  status(userId: string): AwayStatus | null {
    return this.deps.away.find(userId, this.deps.clock.now());
  }

  /** The absences among these people, as of `now`. */
  awayAmong(userIds: readonly string[], now: Date): Map<string, AwayStatus> {
    return this.deps.away.findMany(userIds, now);
  }

  /**
   * Where messages meant for these people go as of `now`: to themselves, or for someone away to
   * their backup, else the leads of `teamKey` (those not away themselves). Someone with nobody to
   * cover for them still gets their own message.
   */
  cover(userIds: readonly string[], teamKey: string, now: Date): CoveredRecipient[] {
    const leads = ownEntry(this.deps.config.teams, teamKey)?.leads ?? [];
    const away = this.awayAmong([...new Set([...userIds, ...leads])], now);
    const out = new Map<string, CoveredRecipient>();
    for (const userId of userIds) {
      const absence = away.get(userId);
      if (!absence) {
        out.set(userId, { userId });
        continue;
      }
      const awayOf = { userId, until: absence.until.toISOString() };
      const backup = absence.backupId && !away.has(absence.backupId) ? [absence.backupId] : [];
      const cover = backup.length ? backup : leads.filter((l) => l !== userId && !away.has(l));
      if (cover.length === 0) out.set(userId, { userId });
      for (const c of cover) if (!out.has(c)) out.set(c, { userId: c, awayOf });
    }
    return [...out.values()];
  }
}
