import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { AwayRepo, ManualAway } from '../db/away-repo.js';
import { awayFromStatus } from '../domain/away-status.js';
import { DomainError } from '../domain/errors.js';
import { ownEntry } from '../domain/own-entry.js';
import type { Clock, StatusSource, TeamDirectory } from '../domain/ports.js';

/** An absence lasts at most this long; longer is a mistake in the date more often than a sabbatical. */
const MAX_AWAY_MS = 365 * 24 * 60 * 60 * 1000;

/** A status is read again once it is this old, and never sooner. */
export const STATUS_FRESH_MS = 15 * 60 * 1000;
/** Statuses read per nudge run at most; the oldest first, so a large workspace is covered over a few runs. */
const STATUS_READS_PER_RUN = 200;

/** Someone away: said so (`manual`, with its date and backup), or their Slack status says so (`until` null: until it changes). */
export interface AwayStatus {
  readonly userId: string;
  readonly until: Date | null;
  readonly backupId: string | null;
  readonly source: 'manual' | 'slack-status';
}

function manual(a: ManualAway): AwayStatus {
  return { ...a, source: 'manual' };
}

/** A message meant for one person, sent instead to whoever covers for them, and why. */
export interface CoveredRecipient {
  readonly userId: string;
  /** Set when the message goes to someone else because this person is away. */
  readonly awayOf?: { readonly userId: string; readonly until: string | null };
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
      onChange?: (userId: string) => Promise<void> | void;
      /** Where Slack statuses are read (`away.fromSlackStatus`), and whose: the teams' members and leads. */
      statuses?: StatusSource;
      directory?: Pick<TeamDirectory, 'members'>;
      logger?: { warn(...m: unknown[]): void };
    },
  ) {}

  private get fromSlackStatus(): boolean {
    return this.deps.config.away.fromSlackStatus;
  }

  /** Marks the person away until the start of `date` (UTC), with an optional backup. */
  async setAway(userId: string, args: readonly string[]): Promise<AwayStatus> {
    const { date, backupId } = parseAwayArgs(args);
    const now = this.deps.clock.now();
    const until = new Date(`${date}T00:00:00Z`);
    if (Number.isNaN(until.getTime()) || until.toISOString().slice(0, 10) !== date) throw new DomainError('validation', `${date} is not a calendar date.`);
    if (until.getTime() <= now.getTime()) throw new DomainError('validation', 'Pick a date in the future: the day you are back.');
    if (until.getTime() - now.getTime() > MAX_AWAY_MS) throw new DomainError('validation', 'Set an absence of at most a year.');
    if (backupId === userId) throw new DomainError('validation', 'Your backup has to be someone else.');
    await this.deps.away.set(userId, until, backupId, now);
    await this.deps.onChange?.(userId);
    return { userId, until, backupId, source: 'manual' };
  }

  /** Ends the person's `/handoff away`; false when they had none. A Slack status that says away still counts. */
  async back(userId: string): Promise<boolean> {
    const was = await this.deps.away.clear(userId);
    if (was) await this.deps.onChange?.(userId);
    return was;
  }

  /** Whether the person is away as of now: `/handoff away` first, then their Slack status as last read. */
  async status(userId: string): Promise<AwayStatus | null> {
    return (await this.awayAmong([userId], this.deps.clock.now())).get(userId) ?? null;
  }

  /** The absences among these people, as of `now`; a `/handoff away` wins over a status. Reads only the database. */
  async awayAmong(userIds: readonly string[], now: Date): Promise<Map<string, AwayStatus>> {
    const found = new Map<string, AwayStatus>();
    if (this.fromSlackStatus)
      for (const [userId, s] of await this.deps.away.findStatusAway(userIds, now)) found.set(userId, { userId, until: s.until, backupId: null, source: 'slack-status' });
    for (const [userId, a] of await this.deps.away.findMany(userIds, now)) found.set(userId, manual(a));
    return found;
  }

  /**
   * Reads the Slack statuses of the teams' members and leads that were not read in the last 15
   * minutes, and stores whether each says away. The nudge job calls it before it moves offers and
   * sends reminders; no request waits on it. Returns how many statuses were read.
   */
  async refreshSlackStatuses(now: Date): Promise<number> {
    const { statuses, directory } = this.deps;
    if (!this.fromSlackStatus || !statuses || !directory) return 0;
    const people = new Set<string>();
    for (const [teamKey, team] of Object.entries(this.deps.config.teams)) {
      for (const lead of team.leads) people.add(lead);
      for (const member of await directory.members(teamKey)) people.add(member);
    }
    const ids = [...people];
    const fetched = await this.deps.away.statusFetchedAt(ids);
    const stale = ids
      .filter((id) => {
        const at = fetched.get(id);
        return !at || now.getTime() - at.getTime() >= STATUS_FRESH_MS || at.getTime() > now.getTime();
      })
      .sort((a, b) => (fetched.get(a)?.getTime() ?? 0) - (fetched.get(b)?.getTime() ?? 0))
      .slice(0, STATUS_READS_PER_RUN);
    const words = this.deps.config.away.statusWords;
    let failed = 0;
    for (const userId of stale) {
      const before = (await this.awayAmong([userId], now)).get(userId);
      try {
        await this.deps.away.saveStatus(userId, awayFromStatus(await statuses.status(userId), words, now), now);
      } catch (error) {
        // Keep what was known, and wait the usual 15 minutes before asking again (a missing scope would fail every time).
        failed++;
        if (failed === 1) this.deps.logger?.warn(`users.profile.get for ${userId} failed; keeping the last known status: ${(error as Error).message}`);
        await this.deps.away.touchStatus(userId, now);
        continue;
      }
      const after = (await this.awayAmong([userId], now)).get(userId);
      if (before?.source !== after?.source || before?.until?.getTime() !== after?.until?.getTime()) await this.deps.onChange?.(userId);
    }
    if (failed > 1) this.deps.logger?.warn(`users.profile.get failed for ${failed} people this run; their last known status stands`);
    return stale.length;
  }

  /**
   * Where messages meant for these people go as of `now`: to themselves, or for someone away to
   * their backup, else the leads of `teamKey` (those not away themselves). Someone with nobody to
   * cover for them still gets their own message.
   */
  async cover(userIds: readonly string[], teamKey: string, now: Date): Promise<CoveredRecipient[]> {
    const leads = ownEntry(this.deps.config.teams, teamKey)?.leads ?? [];
    const away = await this.awayAmong([...new Set([...userIds, ...leads])], now);
    const out = new Map<string, CoveredRecipient>();
    for (const userId of userIds) {
      const absence = away.get(userId);
      if (!absence) {
        out.set(userId, { userId });
        continue;
      }
      const awayOf = { userId, until: absence.until?.toISOString() ?? null };
      const backup = absence.backupId && !away.has(absence.backupId) ? [absence.backupId] : [];
      const cover = backup.length ? backup : leads.filter((l) => l !== userId && !away.has(l));
      if (cover.length === 0) out.set(userId, { userId });
      for (const c of cover) if (!out.has(c)) out.set(c, { userId: c, awayOf });
    }
    return [...out.values()];
  }
}
