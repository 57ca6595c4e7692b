import type { MrkdwnElement, PlainTextElement } from '@slack/types';
import { localParts } from '../domain/business-clock.js';

/** Slack's limit for one section's text. */
export const SECTION_TEXT_LIMIT = 3000;
export const TRUNCATION_MARKER = '… (cut)';

// At a word start only, so an address like team@here.com stays intact.
const BROADCAST = /(^|[^\w.+-])@(channel|here|everyone)\b/gi;

/**
 * Makes text a person typed inert in mrkdwn: `&`, `<`, `>` are escaped so nothing becomes a link or
 * a `<!channel>` mention, and a zero-width space after `@` keeps plain `@channel` from pinging even
 * where Slack would link names.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(BROADCAST, '$1@\u200B$2');
}

/** Cuts text to `max` characters with a visible marker instead of letting Slack refuse the message. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < TRUNCATION_MARKER.length) return text.slice(0, max);
  // Never cut through an escape sequence such as &amp; — back up to before it.
  let cut = max - TRUNCATION_MARKER.length;
  const amp = text.lastIndexOf('&', cut);
  if (amp >= 0 && amp > cut - 5 && text.indexOf(';', amp) >= cut) cut = amp;
  // Nor through an emoji: a lone high surrogate is not text Slack accepts.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return text.slice(0, cut) + TRUNCATION_MARKER;
}

/** Plain-text objects (titles, labels, button text) are not parsed as mrkdwn but have their own limits. */
export function plain(text: string, max = 3000): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** A short label (a modal title, 24 characters): a plain ellipsis, as "(cut)" would eat most of it. */
export function shortLabel(text: string, max: number): PlainTextElement {
  const chars = [...text];
  return { type: 'plain_text', text: chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`, emoji: true };
}

/** Slack escapes `&`, `<` and `>` in message text it sends us; a form prefilled from a message shows them as typed. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) };
}

/**
 * A Slack date token: rendered in each reader's own timezone. The fallback text, for clients that
 * cannot render tokens, is in `fallbackTimezone` when given (e.g. the reader's), else in UTC.
 */
export function slackDate(at: Date, format = '{date_short_pretty} {time}', fallbackTimezone?: string): string {
  const fallback = fallbackTimezone && fallbackTimezone !== 'UTC' ? localFallback(at, fallbackTimezone) : null;
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback ?? `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`}>`;
}

function localFallback(at: Date, timezone: string): string | null {
  try {
    const local = localParts(at, timezone);
    return `${local.date} ${local.time} ${timezone}`;
  } catch {
    return null; // a timezone this Node does not know: UTC it is
  }
}
