import type { PersonDigest } from './digest.js';
import type { WeeklyReport } from './weekly-report.js';

/**
 * What must reach Slack after a state change. Stored in the outbox with the change itself and
 * rendered only when sent, so a post always shows the handoff as it is at that moment.
 */
export type Notification =
  /** Create the handoff's channel post, or update it to the current state. */
  | { type: 'post'; handoffId: number }
  /** Reply in the post's thread about one event. */
  | { type: 'thread'; handoffId: number; eventId: number }
  /** Tell one person about one event by DM. */
  | { type: 'dm'; handoffId: number; eventId: number; userId: string; awayOf?: { userId: string; until: string | null } }
  /** Ask one approver, by DM with Approve and Decline, about the request or reminder `eventId`; the DM is remembered for `approval_settled`. */
  | { type: 'approval_request'; handoffId: number; eventId: number; userId: string }
  /** The approval was decided by `eventId` (approved, declined, cancelled): every approval DM shows how, without buttons. */
  | { type: 'approval_settled'; handoffId: number; eventId: number }
  /** The next handoff of a chain needs more information: ask the person who completed this one. */
  | { type: 'next_needed'; handoffId: number; userId: string; typeKey: string }
  /** Tell the thread of the message it was handed off from where the work went. */
  | { type: 'source_reply'; handoffId: number }
  /** A person's daily stall digest, built when it was due. */
  | { type: 'digest'; handoffId?: undefined; userId: string; localDate: string; digest: PersonDigest }
  /** A lead's weekly report (figures and chart), built when it was due. */
  | { type: 'weekly_report'; handoffId?: undefined; userId: string; report: WeeklyReport }
  /** Republish a person's App Home, rendered when sent; repeats waiting together collapse into one. */
  | { type: 'home'; handoffId?: undefined; userId: string };

/** One event of a handoff's history, for one subscribed webhook (named by its URL). Not Slack: see WebhookSender. */
export interface WebhookNotification {
  readonly type: 'webhook';
  readonly handoffId: number;
  readonly eventId: number;
  readonly url: string;
}

export type OutboxMessage = Notification | WebhookNotification;
export type NotificationType = Notification['type'];

/** The lane of a person's Home refreshes: HomeRepo finds a waiting one by it. */
export function homeLane(userId: string): string {
  return `home:${userId}`;
}

/**
 * Entries of one lane are sent in order; different lanes never wait for each other. A person's Home
 * refreshes share a lane, so two publishes of one Home never race (the older landing last).
 */
export function laneOf(m: OutboxMessage): string | null {
  if (m.type === 'webhook') return `webhook:${m.url}:${m.handoffId}`;
  if (m.type === 'home') return homeLane(m.userId);
  return m.handoffId === undefined ? null : `slack:${m.handoffId}`;
}
