import { localParts } from '../domain/business-clock.js';
import { buildDigests, hasStalledWork } from '../domain/digest.js';
import { type JobDeps } from './deps.js';
import { ownEntry } from '../domain/own-entry.js';
import { approversOfHandoff } from '../domain/approval.js';

export interface DigestRunResult {
  /** People with something in their digest. */
  readonly candidates: number;
  /** Digests queued by this run. */
  readonly queued: number;
}

/**
 * One pass of the digest job as of `now`. Everyone with stalled work whose local time has reached
 * `digest.time` on a digest day, and who has had no digest this local day, gets one. Running it at
 * start catches up digests missed while the bot was down; running it twice sends nothing twice.
 */
export async function runDigest(deps: JobDeps, now: Date): Promise<DigestRunResult> {
  const { config } = deps;
  const stalled = await deps.stalls.listStalled(now);
  const owners = [...new Set(stalled.filter((h) => h.state === 'accepted').map((h) => h.ownerId))];
  const leadsOf = (team: string) => ownEntry(config.teams, team)?.leads ?? [];
  // Approvers as the config stands now, the same people the Approve button accepts.
  const digests = buildDigests(stalled, leadsOf, now, await deps.away?.awayAmong(owners, now), (h) => approversOfHandoff(config, h));
  const recipients = [...digests.values()].filter(hasStalledWork);
  if (recipients.length === 0) return { candidates: 0, queued: 0 };
  const timezones = await deps.people.timezones(recipients.map((d) => d.userId));
  let queued = 0;
  await deps.handoffs.transaction(async (tx) => {
    for (const digest of recipients) {
      const local = localParts(now, timezones.get(digest.userId) ?? 'UTC');
      if (!config.digest.days.includes(local.weekday) || local.time < config.digest.time) continue;
      if (!(await deps.stalls.claimDigest(tx, digest.userId, local.date, now))) continue;
      await deps.handoffs.enqueue(tx, [{ type: 'digest', userId: digest.userId, localDate: local.date, digest }], now);
      queued++;
    }
  });
  if (queued > 0) deps.outbox.kick();
  return { candidates: recipients.length, queued };
}
