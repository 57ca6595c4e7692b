import type { SlackStatus } from './away-status.js';
import type { FileRef } from './fields.js';

/** Time, as the domain sees it: a real clock in production, a settable one in tests and jobs. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Who belongs to which team. Members may come from a Slack user group, hence async. */
export interface TeamDirectory {
  isMember(teamKey: string, userId: string): Promise<boolean>;
  isLead(teamKey: string, userId: string): boolean;
  members(teamKey: string): Promise<readonly string[]>;
  /** Keys of the teams the person is a member or lead of, in config order. */
  teamsOf(userId: string): Promise<string[]>;
  /** Members known without asking anyone (the config, or a user group fetched lately); null when not known. */
  knownMembers?(teamKey: string): readonly string[] | null;
}

/** Something that sends what the outbox holds; it is told to look when new work was committed. */
export interface OutboxSignal {
  kick(): void;
}

/** People's own timezones (from Slack's users.info), for things sent at a local time. */
export interface PeopleDirectory {
  timezones(userIds: readonly string[]): Promise<Map<string, string>>;
}

/** People's Slack statuses (`users.profile.get`), for `away.fromSlackStatus`. */
export interface StatusSource {
  status(userId: string): Promise<SlackStatus>;
}

/** Files already in Slack, by id (files.info): what the API needs to attach one to a handoff. */
export interface FileDirectory {
  /** The file's id, name and link; null when Slack knows no such file (or the bot may not see it). */
  find(fileId: string): Promise<FileRef | null>;
}
