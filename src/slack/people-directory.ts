import type { WebClient } from '@slack/web-api';
import type { StallRepo } from '../db/stall-repo.js';
import type { Clock, PeopleDirectory } from '../domain/ports.js';

const FRESH_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Timezones from users.info, kept in the database for a week: a digest run over thousands of people
 * asks Slack only about those it has not seen lately. Someone Slack cannot tell us about is in UTC.
 */
export class SlackPeopleDirectory implements PeopleDirectory {
  constructor(private readonly deps: { client: WebClient; stalls: StallRepo; clock: Clock; logger: { warn(...m: unknown[]): void } }) {}

  async timezones(userIds: readonly string[]): Promise<Map<string, string>> {
    const now = this.deps.clock.now();
    const known = await this.deps.stalls.cachedTimezones(userIds, new Date(now.getTime() - FRESH_MS));
    for (const userId of userIds) {
      if (known.has(userId)) continue;
      try {
        const res = await this.deps.client.users.info({ user: userId });
        const tz = res.user?.tz ?? 'UTC';
        await this.deps.stalls.saveTimezone(userId, tz, now);
        known.set(userId, tz);
      } catch (error) {
        this.deps.logger.warn(`users.info for ${userId} failed; using UTC this time: ${(error as Error).message}`);
        known.set(userId, 'UTC');
      }
    }
    return known;
  }
}
