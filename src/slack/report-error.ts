import { randomBytes } from 'node:crypto';
import type { Logger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isDomainError } from '../domain/errors.js';

/** Bolt wraps listener errors (UnknownError.original, MultipleListenerError.originals); find ours. */
export function unwrapError(error: unknown): unknown {
  const e = error as { original?: unknown; originals?: unknown[] };
  if (e?.originals?.length) return unwrapError(e.originals[0]);
  if (e?.original) return unwrapError(e.original);
  return error;
}

// Bolt hands the error handler the raw request body of any surface
type AnyBody = Record<string, any> | undefined;

/** Where the person who caused a request can be answered privately: the channel or DM they pressed in, else a DM. */
function whereToAnswer(body: AnyBody): { user?: string; channel?: string } {
  const user = body?.user?.id ?? body?.user_id;
  const channel = body?.channel?.id ?? body?.container?.channel_id ?? body?.channel_id;
  return { user, channel };
}

/**
 * The one place errors become answers: a DomainError is told to the person who caused it, ephemerally;
 * anything else is logged with an id that the person also sees, so a report can be matched to the log.
 */
export async function reportError(error: unknown, body: AnyBody, client: WebClient, logger: Logger): Promise<void> {
  const original = unwrapError(error);
  let text: string;
  if (isDomainError(original)) text = `:warning: ${original.message}`;
  else {
    const id = randomBytes(4).toString('hex');
    logger.error(`[error ${id}]`, original instanceof Error ? (original.stack ?? original.message) : original);
    text = `:warning: Something went wrong on our side (error ${id}). Nothing was changed; try again in a moment.`;
  }
  await answerPrivately(client, body, text, logger);
}

/** An ephemeral answer where the person acted, or a DM when there is no channel (App Home, modals). */
export async function answerPrivately(client: WebClient, body: AnyBody, text: string, logger: Logger): Promise<void> {
  const { user, channel } = whereToAnswer(body);
  if (!user) return;
  try {
    if (channel) await client.chat.postEphemeral({ channel, user, text });
    else await client.chat.postMessage({ channel: user, text });
  } catch (sendError) {
    // The bot may not be in that channel; a DM always reaches the person.
    try {
      await client.chat.postMessage({ channel: user, text });
    } catch {
      logger.warn('could not tell the user about an error', (sendError as Error).message);
    }
  }
}
