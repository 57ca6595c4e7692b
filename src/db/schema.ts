import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { FieldValues } from '../domain/fields.js';
import type { EventType, HandoffState } from '../domain/lifecycle.js';
import type { DayReasonEntry } from '../domain/quality-metrics.js';

const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const handoffs = sqliteTable(
  'handoffs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    typeKey: text('type_key').notNull(),
    fromTeam: text('from_team'),
    toTeam: text('to_team').notNull(),
    state: text('state').$type<HandoffState>().notNull(),
    requesterId: text('requester_id').notNull(),
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
    fields: text('fields', { mode: 'json' }).$type<FieldValues>().notNull(),
    completion: text('completion', { mode: 'json' }).$type<FieldValues>(),
    version: integer('version').notNull().default(1),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    /** When it last entered the team queue (created, resubmitted, released, approved): the accept SLA counts from here. In AWAITING_APPROVAL, when approval was asked. */
    queuedAt: ms('queued_at').notNull(),
    acceptedAt: ms('accepted_at'),
    closedAt: ms('closed_at'),
    /** 75% of the accept SLA; in RETURNED, unused; in AWAITING_APPROVAL, 75% of the approve SLA. */
    acceptWarnAt: ms('accept_warn_at'),
    /** The accept SLA; in RETURNED, when the requester is reminded to resubmit; in AWAITING_APPROVAL, the approve SLA. */
    acceptDueAt: ms('accept_due_at'),
    completeWarnAt: ms('complete_warn_at'),
    completeDueAt: ms('complete_due_at'),
    /** Nudges pause until then; the SLA clock does not. */
    snoozedUntil: ms('snoozed_until'),
    /** When the nudge job must look at this handoff next; null when nothing is pending. */
    nudgeAt: ms('nudge_at'),
    channelId: text('channel_id').notNull(),
    messageTs: text('message_ts'),
    permalink: text('permalink'),
    parentId: integer('parent_id'),
    /** The Slack message it was handed off from (message shortcut), and its permalink once known. */
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    sourcePermalink: text('source_permalink'),
    /** Slack view id of the submission that created it: a repeated submission finds this row instead of creating another. */
    submissionKey: text('submission_key'),
    /** sha256 of the canonical API request body sent with an Idempotency-Key: a reuse of the key with another body is refused. */
    submissionHash: text('submission_hash'),
    /** A hash of its type's definition as loaded when it was created: insights compare quality before and after a change. */
    typeVersion: text('type_version'),
    /** The one member an open handoff is offered to (round-robin, least-loaded); an offer is not ownership. */
    offeredTo: text('offered_to'),
    /** When the offer moves on to the next member if its person has neither accepted nor passed. */
    offerExpiresAt: ms('offer_expires_at'),
    /** Every member passed or let the offer run out in this queue cycle: it waits in the team queue. */
    offersExhaustedAt: ms('offers_exhausted_at'),
  },
  (t) => [
    index('handoffs_state_team_idx').on(t.state, t.toTeam),
    index('handoffs_owner_state_idx').on(t.ownerId, t.state),
    index('handoffs_requester_state_idx').on(t.requesterId, t.state),
    index('handoffs_nudge_at_idx').on(t.nudgeAt),
    index('handoffs_state_accept_warn_idx').on(t.state, t.acceptWarnAt),
    index('handoffs_state_complete_warn_idx').on(t.state, t.completeWarnAt),
    index('handoffs_state_accept_due_idx').on(t.state, t.acceptDueAt),
    /** Flow metrics: a team's handoffs still open at, or closed after, the start of a period (covering). */
    index('handoffs_team_closed_idx').on(t.toTeam, t.closedAt, t.createdAt, t.typeKey),
    uniqueIndex('handoffs_submission_key_idx').on(t.submissionKey),
    /** A chain's next step: a completed handoff has at most one, looked up before another is started. */
    index('handoffs_parent_idx').on(t.parentId),
    /**
     * Offers whose time ran out, found by the nudge job oldest first (routing-repo listDueOffers):
     * only rows with a running offer, so other handoffs' writes skip it; state first, since without it
     * SQLite preferred the state indexes and sorted every open handoff (bench: routing).
     */
    index('handoffs_open_offers_idx').on(t.state, t.offerExpiresAt, t.id).where(sql`${t.offerExpiresAt} IS NOT NULL`),
  ],
);

/** Per team, the member the last round-robin offer went to: the next offer goes to whoever follows. */
export const routingTurns = sqliteTable('routing_turns', {
  teamKey: text('team_key').primaryKey(),
  userId: text('user_id').notNull(),
  at: ms('at').notNull(),
});

/**
 * A person's DM channel with the bot, learnt from the first chat.postMessage to their user id, so a
 * restart needs no conversations.open (Tier 3) to find it again.
 */
export const dmChannels = sqliteTable('dm_channels', {
  userId: text('user_id').primaryKey(),
  channelId: text('channel_id').notNull(),
  at: ms('at').notNull(),
});

/** One row per unique field value of a handoff that is not closed: the primary key makes duplicates impossible, even under races. */
export const uniqueValues = sqliteTable(
  'unique_values',
  {
    typeKey: text('type_key').notNull(),
    fieldKey: text('field_key').notNull(),
    value: text('value').notNull(),
    handoffId: integer('handoff_id')
      .notNull()
      .references(() => handoffs.id),
  },
  (t) => [primaryKey({ columns: [t.typeKey, t.fieldKey, t.value] }), index('unique_values_handoff_idx').on(t.handoffId)],
);

export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    handoffId: integer('handoff_id')
      .notNull()
      .references(() => handoffs.id),
    type: text('type').$type<EventType>().notNull(),
    actorId: text('actor_id').notNull(),
    at: ms('at').notNull(),
    fromState: text('from_state').$type<HandoffState>(),
    toState: text('to_state').$type<HandoffState>().notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  },
  (t) => [
    // A handoff's history in order; type, at and from_state ride along so the insights query picks a
    // handoff's decisions out of its events without reading the rows of the others (reminders, completions).
    index('events_handoff_idx').on(t.handoffId, t.id, t.type, t.at, t.fromState),
    index('events_type_at_idx').on(t.type, t.at),
  ],
);

/**
 * Insights: what each decision and resubmission adds to the quality figures (domain/quality-metrics.ts,
 * QualityFact), one row per quality event (accept, return, resubmission, a lead's assignment from the
 * queue), written in the transaction that writes the event. Times are epoch ms as plain numbers.
 * Read one by one only for the days a period boundary cuts; everything else is read from the day
 * sums below.
 */
export const qualityFacts = sqliteTable(
  'quality_facts',
  {
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id),
    handoffId: integer('handoff_id').notNull(),
    typeKey: text('type_key').notNull(),
    fromTeam: text('from_team'),
    toTeam: text('to_team').notNull(),
    typeVersion: text('type_version'),
    createdAt: integer('created_at').notNull(),
    at: integer('at').notNull(),
    /** The handoff's first decision (accept or return). */
    firstDecision: integer('first_decision', { mode: 'boolean' }).notNull(),
    /** 1 for the handoff's first return, 2 for its second …; 0 when not a return. */
    returnNumber: integer('return_number').notNull(),
    /** When the handoff was first decided, as of this event. */
    decidedAt: integer('decided_at'),
    /** A resubmission: when the return it answers was made. */
    returnedAt: integer('returned_at'),
    flaggedFields: text('flagged_fields', { mode: 'json' }).$type<string[]>().notNull(),
    somethingElse: integer('something_else', { mode: 'boolean' }).notNull(),
    reason: text('reason'),
  },
  (t) => [
    primaryKey({ columns: [t.eventId] }),
    index('quality_facts_at_idx').on(t.at),
    index('quality_facts_decided_at_idx').on(t.decidedAt),
  ],
);


/**
 * Insights: quality_facts' decisions and returns summed per UTC day (days since the epoch) of the fact
 * and day its handoff was first decided, type, team pair and type version ('' for no sending team or
 * no version, so they can be part of the key). Added to in the same transaction as the fact.
 */
export const qualityDays = sqliteTable(
  'quality_days',
  {
    toTeam: text('to_team').notNull(),
    day: integer('day').notNull(),
    decidedDay: integer('decided_day').notNull(),
    typeKey: text('type_key').notNull(),
    fromTeam: text('from_team').notNull(),
    typeVersion: text('type_version').notNull(),
    decided: integer('decided').notNull(),
    returns: integer('returns').notNull(),
    firstReturns: integer('first_returns').notNull(),
    secondReturns: integer('second_returns').notNull(),
    /** The earliest creation (epoch ms) of the handoffs first decided here. */
    firstCreatedAt: integer('first_created_at'),
    firstHandoffId: integer('first_handoff_id').notNull(),
  },
  (t) => [
    // Named: the generated name would pass Postgres' 63-character limit.
    primaryKey({ name: 'quality_days_pk', columns: [t.toTeam, t.day, t.decidedDay, t.typeKey, t.fromTeam, t.typeVersion] }),
    index('quality_days_from_idx').on(t.fromTeam, t.day),
    index('quality_days_type_idx').on(t.typeKey, t.day),
  ],
);

/**
 * Insights: per UTC day, type and team pair ('' for no sending team), the returns by what they
 * flagged (a field, or "something else" as a null field) and the reason given (by a digest of its
 * words, '' without one), each with the wording of its earliest return (DayReasonEntry). One row per
 * day and pair rather than per entry: a 90-day answer reads a few hundred rows, not thousands.
 */
export const qualityReasons = sqliteTable(
  'quality_reasons',
  {
    toTeam: text('to_team').notNull(),
    day: integer('day').notNull(),
    typeKey: text('type_key').notNull(),
    fromTeam: text('from_team').notNull(),
    entries: text('entries', { mode: 'json' }).$type<DayReasonEntry[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.toTeam, t.day, t.typeKey, t.fromTeam] }), index('quality_reasons_from_idx').on(t.fromTeam, t.day), index('quality_reasons_type_idx').on(t.typeKey, t.day)],
);

/**
 * Insights: per UTC day, type and team pair, the resubmissions that answer a return, each as
 * [resubmitted at, returned at] (epoch ms): time lost needs every value (for its median), and they
 * are exact, so no day needs the facts.
 */
export const qualityResubmissions = sqliteTable(
  'quality_resubmissions',
  {
    toTeam: text('to_team').notNull(),
    day: integer('day').notNull(),
    typeKey: text('type_key').notNull(),
    fromTeam: text('from_team').notNull(),
    spans: text('spans', { mode: 'json' }).$type<Array<[number, number]>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.toTeam, t.day, t.typeKey, t.fromTeam] }), index('quality_resubmissions_from_idx').on(t.fromTeam, t.day), index('quality_resubmissions_type_idx').on(t.typeKey, t.day)],
);

/**
 * How far the event history has been checked for quality events without a fact (one row, id 1):
 * at start the events after it are, so a database from before quality_facts, or events written by
 * an older version of the bot, get theirs.
 */
export const qualityBackfill = sqliteTable(
  'quality_backfill',
  {
    id: integer('id').notNull(),
    throughEventId: integer('through_event_id').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.id] })],
);

/** Slack side effects waiting to be sent. Written in the same transaction as the state change they follow. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    handoffId: integer('handoff_id'),
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: ms('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    lastError: text('last_error'),
    sentAt: ms('sent_at'),
    /** A dispatcher that took the entry holds it until then, so two processes never send it twice. */
    leaseUntil: ms('lease_until'),
    /** `host:pid` of the process holding the lease, so a restart can take back what a killed process held. */
    leaseOwner: text('lease_owner'),
    /** How often the entry was taken. More than once means an earlier try may have reached Slack unrecorded. */
    claims: integer('claims').notNull().default(0),
    /** Entries of one lane go out in id order (a handoff's Slack messages; one webhook's events of a handoff). */
    lane: text('lane'),
  },
  (t) => [
    index('outbox_pending_idx').on(t.sentAt, t.nextAttemptAt),
    index('outbox_lane_idx').on(t.lane, t.id).where(sql`${t.sentAt} IS NULL`),
    // listDue walks the unsent entries in id order: without it Postgres walks the primary key past every sent row (bench: pgplans).
    index('outbox_unsent_idx').on(t.id).where(sql`${t.sentAt} IS NULL`),
  ],
);

/**
 * The DMs that asked someone to approve a handoff (and the reminders, which carry the buttons too),
 * so that once it is decided each one is updated to say how, without its buttons.
 */
export const approvalMessages = sqliteTable(
  'approval_messages',
  {
    handoffId: integer('handoff_id')
      .notNull()
      .references(() => handoffs.id),
    userId: text('user_id').notNull(),
    /** The event the DM was about (the request or a reminder): it is rendered again from it. */
    eventId: integer('event_id').notNull(),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.ts] }), index('approval_messages_handoff_idx').on(t.handoffId)],
);

/** One row per nudge threshold reached: the primary key makes each one fire once, whatever runs overlap. */
export const nudges = sqliteTable(
  'nudges',
  {
    handoffId: integer('handoff_id')
      .notNull()
      .references(() => handoffs.id),
    key: text('key').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.handoffId, t.key] })],
);

/** One row per person and local day a digest went out. */
export const digests = sqliteTable(
  'digests',
  {
    userId: text('user_id').notNull(),
    localDate: text('local_date').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.localDate] })],
);

/** One row per lead and week a weekly report went out (the week's Monday, on the lead's clock). */
export const weeklyReports = sqliteTable(
  'weekly_reports',
  {
    userId: text('user_id').notNull(),
    weekOf: text('week_of').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.weekOf] })],
);

/** People's timezones from users.info, cached so a digest run does not ask Slack about everyone. */
export const userProfiles = sqliteTable('user_profiles', {
  userId: text('user_id').primaryKey(),
  timezone: text('timezone').notNull(),
  fetchedAt: ms('fetched_at').notNull(),
});

/** Events API deliveries already handled: Slack retries with the same event_id. */
export const seenEvents = sqliteTable('seen_events', {
  eventId: text('event_id').primaryKey(),
  at: ms('at').notNull(),
});

/**
 * The message a "Hand off this message" modal was opened from, keyed by the modal's view id (which
 * stays the same when the picker turns into the form). The thread the bot replies in comes from
 * here, never from the modal's private_metadata, which the submitting client could have changed.
 */
export const messageSources = sqliteTable('message_sources', {
  viewId: text('view_id').primaryKey(),
  userId: text('user_id').notNull(),
  channel: text('channel').notNull(),
  ts: text('ts').notNull(),
  createdAt: ms('created_at').notNull(),
});

/** People who have opened the bot's Home tab: only their Home is republished when their handoffs change. */
export const homeViewers = sqliteTable('home_viewers', {
  userId: text('user_id').primaryKey(),
  openedAt: ms('opened_at').notNull(),
});

/** People who said they are away (`/handoff away`): no offers, and their reminders go to the backup or their leads. */
export const awayPeople = sqliteTable('away_people', {
  userId: text('user_id').primaryKey(),
  until: ms('until').notNull(),
  backupId: text('backup_id'),
  setAt: ms('set_at').notNull(),
});

/**
 * What people's Slack statuses said when last read (`away.fromSlackStatus`): whether the status
 * counts as away and until when (null: until it changes). Read by the nudge job at most every
 * 15 minutes per person, so deciding who is away never waits on Slack.
 */
export const slackStatuses = sqliteTable('slack_statuses', {
  userId: text('user_id').primaryKey(),
  away: integer('away', { mode: 'boolean' }).notNull(),
  until: ms('until'),
  fetchedAt: ms('fetched_at').notNull(),
});

/**
 * One row per running instance of the bot (its outbox dispatcher), beaten every few seconds and
 * deleted on a clean stop. An outbox lease whose owner has no row here, or a heartbeat older than
 * the staleness limit, was left by an instance that died: another instance takes it back.
 */
export const instances = sqliteTable('instances', {
  /** The lease owner id (`host:pid:boot:n`), as written into outbox.lease_owner. */
  owner: text('owner').primaryKey(),
  heartbeatAt: ms('heartbeat_at').notNull(),
  startedAt: ms('started_at').notNull(),
});

/**
 * One row per scheduled job (nudges, digest, report): the instance running it holds it until
 * `until`, renewing while it runs, so the jobs run on one instance at a time.
 */
export const jobLeases = sqliteTable('job_leases', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  until: ms('until').notNull(),
});

export type HandoffRow = typeof handoffs.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type QualityFactRow = typeof qualityFacts.$inferSelect;
export type ApprovalMessageRow = typeof approvalMessages.$inferSelect;
