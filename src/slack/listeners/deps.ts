import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { HandoffService } from '../../services/handoff-service.js';
import type { HistoryService } from '../../services/history-service.js';
import type { InsightsService } from '../../services/insights-service.js';
import type { HomeService } from '../../services/home-service.js';
import type { QueueService } from '../../services/queue-service.js';
import type { StatsService } from '../../services/stats-service.js';
import type { AwayService } from '../../services/away-service.js';
import type { SlackTeamDirectory } from '../team-directory.js';

export interface ListenerDeps {
  /** The bot's own client: under `npm start` its calls run in the Slack API thread (Bolt's per-request client would run them here). */
  readonly client: WebClient;
  readonly service: HandoffService;
  readonly directory: SlackTeamDirectory;
  readonly queues: QueueService;
  readonly homes: HomeService;
  readonly history: HistoryService;
  readonly stats: StatsService;
  readonly insights: InsightsService;
  /** `/handoff away` and `/handoff back`; absent, those words are not commands. */
  readonly away?: AwayService;
}

export type Register = (app: App, deps: ListenerDeps) => void;

const handoffId = z.coerce.number().int().positive();

/** The handoff id a button carries in its value (`42`, or `42:next-type`). */
export function handoffIdOf(value: unknown): number {
  const parsed = handoffId.safeParse(String(value ?? '').split(':')[0]);
  if (!parsed.success) throw new DomainError('not_found', 'That button does not point at a handoff.');
  return parsed.data;
}

/** Reads a modal's private_metadata with a schema; a tampered or stale one is a clear error, not a crash. */
export function readMeta<T>(schema: z.ZodType<T>, raw: string | undefined): T {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new DomainError('not_found', 'This form is out of date. Close it and start again.');
  return parsed.data;
}

export const handoffMeta = z.object({ handoffId: z.number().int().positive() });
const source = z.object({ channel: z.string().min(1), ts: z.string().min(1), text: z.string().optional() });
export const formMeta = z.object({
  typeKey: z.string().min(1),
  handoffId: z.number().int().positive().optional(),
  parentId: z.number().int().positive().optional(),
  source: source.optional(),
});
export const pickerMeta = z.object({ source: source.optional() });
