import { isDomainError } from '../../../domain/errors.js';
import type { AwayService } from '../../../services/away-service.js';
import { formatAwayUntil } from '../../views/away.js';

/**
 * `/handoff away until <date> [backup @person]` and `/handoff back`: the ephemeral answer, or null
 * for any other subcommand.
 */
export async function answerAwayCommand(away: AwayService, userId: string, key: string, rest: readonly string[]): Promise<string | null> {
  if (key === 'back' && rest.length === 0) {
    const was = await away.back(userId);
    // `/handoff back` ends only what `/handoff away` started; a vacation status keeps counting until it changes.
    if ((await away.status(userId))?.source === 'slack-status')
      return `${was ? 'Your `/handoff away` is over, but your' : 'Your'} Slack status still says you are away, so you get no offers. Change your status to get them again.`;
    return was ? ':wave: Welcome back. You get offers and reminders again.' : 'You were not away.';
  }
  if (key !== 'away') return null;
  try {
    const status = await away.setAway(userId, rest);
    const backup = status.backupId ? `<@${status.backupId}> gets your reminders and escalations` : 'your team leads get your reminders and escalations';
    return `:palm_tree: You are away ${formatAwayUntil(status.until, 'your')}: you get no offers, and ${backup}. \`/handoff back\` ends it early.`;
  } catch (error) {
    if (isDomainError(error)) return `:warning: ${error.message}`;
    throw error;
  }
}
