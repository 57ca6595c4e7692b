import { slackDate } from '../mrkdwn.js';

/**
 * "until <date>" for an absence with an end, or "until <whose> Slack status changes" for one that
 * lasts as long as a status without an expiry.
 */
export function formatAwayUntil(until: Date | string | null, whose: 'their' | 'your' = 'their'): string {
  return until ? `until ${slackDate(new Date(until), '{date_short_pretty}')}` : `until ${whose} Slack status changes`;
}
