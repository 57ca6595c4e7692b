/** A person's Slack status as `users.profile.get` reports it. */
export interface SlackStatus {
  readonly emoji: string;
  readonly text: string;
  /** Unix seconds when Slack clears the status; 0 when it never does. */
  readonly expiration: number;
}

/** The statuses that count as away when `away.statusWords` is not set. */
export const DEFAULT_STATUS_WORDS: readonly string[] = [':palm_tree:', ':face_with_thermometer:', ':airplane:', 'OOO', 'vacation', 'out of office', 'sick'];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether a status says its person is away: a word equals the status emoji, or stands as a whole
 * word (or phrase) in the status text, ignoring case. "Sickle cell research" is not "sick".
 */
export function isAwayStatus(status: Pick<SlackStatus, 'emoji' | 'text'>, words: readonly string[]): boolean {
  const emoji = status.emoji.trim().toLowerCase();
  const text = status.text;
  return words.some((raw) => {
    const word = raw.trim();
    if (word === '') return false;
    if (emoji !== '' && emoji === word.toLowerCase()) return true;
    // Letters and digits around the word would make it part of another word.
    return new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(word)}($|[^\\p{L}\\p{N}])`, 'iu').test(text);
  });
}

/**
 * What a status means as of `now`: null when it does not say away (or has expired); otherwise when
 * the absence ends, null `until` meaning "when the status changes".
 */
export function awayFromStatus(status: SlackStatus, words: readonly string[], now: Date): { until: Date | null } | null {
  if (!isAwayStatus(status, words)) return null;
  if (status.expiration > 0) {
    const until = new Date(status.expiration * 1000);
    return until.getTime() > now.getTime() ? { until } : null;
  }
  return { until: null };
}
