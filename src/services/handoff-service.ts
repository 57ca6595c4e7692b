import type { FieldConfig, HandoffTypeConfig, TeamConfig, WorkflowConfig } from '../config/workflow-schema.js';
import { type HandoffRepo, type NewEvent, UniqueConflict, type UniqueValue, VersionConflict } from '../db/handoff-repo.js';
import type { Tx } from '../db/database.js';
import type { HandoffRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { buildTitle, type FieldValues, isFileList, keepStoredFiles, normalizeUniqueValue, type RawFieldInput, validateFields } from '../domain/fields.js';
import { type Actor, CLOSED_STATES, type Command, decide, type ReturnFlags, returnFlagsOf, type Transition } from '../domain/lifecycle.js';
import type { Notification } from '../domain/notifications.js';
import type { Clock, OutboxSignal, TeamDirectory } from '../domain/ports.js';
import { addBusinessMinutes, zonedTime } from '../domain/business-clock.js';
import { HOME_REFRESH_DELAY_MS } from '../domain/home.js';
import { calendarOf, slaTimes } from '../domain/sla.js';
import { ownEntry } from '../domain/own-entry.js';
import { typeVersionOf } from '../domain/type-version.js';
import type { ExpiredPage, OfferRouter, RouteInput } from './offer-router.js';
import type { DueOfferCursor, RoutingRepo } from '../db/routing-repo.js';
import { earlierOf, firstStepAt } from '../domain/escalation.js';
import { approvalTeamOf, approversOf } from '../domain/approval.js';
import type { EventRow } from '../db/schema.js';

export interface HandoffServiceDeps {
  readonly config: WorkflowConfig;
  readonly repo: HandoffRepo;
  readonly directory: TeamDirectory;
  readonly clock: Clock;
  readonly outbox: OutboxSignal;
  /** Queues App Home refreshes in the transaction of the change; without it no Home is refreshed. */
  readonly homes?: HomeRefreshQueue;
  /** Offers open handoffs to one member at a time where a team or type asks for it; without it every team works as a queue. */
  readonly offers?: OfferRouter;
  readonly routing?: Pick<RoutingRepo, 'listDueOfferTypes'>;
}

/**
 * Run-out offers moved per transaction: 40–50 ms of write lock each on a shared VM (test/bench/routing.ts), so
 * requests waiting to write are served between chunks even when a pass has thousands to move.
 */
const OFFER_CHUNK = 500;

export interface HomeRefreshQueue {
  queueRefresh(tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): Promise<void>;
}

export interface StartInput {
  readonly typeKey: string;
  readonly requesterId: string;
  readonly raw: Record<string, RawFieldInput>;
  /** Identifies the submission (the modal's view id) so a repeated delivery creates nothing new. */
  readonly submissionKey?: string;
  /** A digest of the request that carried `submissionKey`, stored with it (API Idempotency-Key). */
  readonly submissionHash?: string;
  /** The completed handoff whose `next` step this is. */
  readonly parentId?: number;
  /** Where it came from when not the modal, e.g. `api:shop`; kept on the first event. */
  readonly via?: string;
  /** The Slack message it was handed off from, as the server recorded it (see messageSourceOf); its thread is told where the work went. */
  readonly source?: { readonly channel: string; readonly ts: string };
}

/** Everything a person can do to a handoff, applied with the lifecycle rules and stored as events. */
export class HandoffService {
  private readonly typeVersions = new Map<string, string>();

  constructor(private readonly deps: HandoffServiceDeps) {}

  /** The version of a type's definition as loaded, computed once: the config does not change while the bot runs. */
  private typeVersion(typeKey: string, type: HandoffTypeConfig): string {
    let version = this.typeVersions.get(typeKey);
    if (!version) {
      version = typeVersionOf(type);
      this.typeVersions.set(typeKey, version);
    }
    return version;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  get config(): WorkflowConfig {
    return this.deps.config;
  }

  /** The configured type of that key, or undefined; a key a person typed is never looked up on the prototype. */
  findType(typeKey: string): HandoffTypeConfig | undefined {
    return ownEntry(this.deps.config.handoffTypes, typeKey);
  }

  handoffType(typeKey: string): HandoffTypeConfig {
    const type = this.findType(typeKey);
    if (!type) {
      const keys = Object.keys(this.deps.config.handoffTypes).join(', ');
      throw new DomainError('unknown_type', `There is no handoff type "${typeKey}". Types: ${keys}.`);
    }
    return type;
  }

  team(teamKey: string): TeamConfig {
    const team = ownEntry(this.deps.config.teams, teamKey);
    if (!team) throw new Error(`team ${teamKey} missing from config`);
    return team;
  }

  async get(id: number): Promise<HandoffRow> {
    const h = await this.deps.repo.findById(id);
    if (!h) throw new DomainError('not_found', `Handoff #${id} does not exist.`);
    return h;
  }

  /** Whether a person may start handoffs of this type (a type without `from` is open to anyone). */
  async canStart(typeKey: string, userId: string): Promise<boolean> {
    const from = this.handoffType(typeKey).from;
    return from === undefined || this.deps.directory.isLead(from, userId) || (await this.deps.directory.isMember(from, userId));
  }

  async startableTypes(userId: string): Promise<Array<[string, HandoffTypeConfig]>> {
    const result: Array<[string, HandoffTypeConfig]> = [];
    for (const entry of Object.entries(this.deps.config.handoffTypes)) if (await this.canStart(entry[0], userId)) result.push(entry);
    return result;
  }

  async actorFor(h: HandoffRow, userId: string): Promise<Actor> {
    const { directory } = this.deps;
    const isApprover = h.state === 'awaiting_approval' && this.approversOf(h).includes(userId);
    return { userId, isLead: directory.isLead(h.toTeam, userId), isMember: await directory.isMember(h.toTeam, userId), isApprover };
  }

  /** Who may approve this handoff now (the config as it stands; never its requester); empty when its type asks for no approval. */
  approversOf(h: Pick<HandoffRow, 'typeKey' | 'requesterId'>): string[] {
    const type = this.findType(h.typeKey);
    return type ? approversOf(type, this.deps.config.teams, h.requesterId) : [];
  }

  /** The approvers of a new or resubmitted handoff of a type with approval; refused when nobody but the requester could approve. */
  private requireApprovers(type: HandoffTypeConfig, requesterId: string): string[] {
    const approvers = approversOf(type, this.deps.config.teams, requesterId);
    if (approvers.length === 0)
      throw new DomainError('forbidden', `"${type.name}" needs an approval, and nobody but you could give it. Ask whoever maintains the workflow file to add approvers.`);
    return approvers;
  }

  /** Validates and stores a new handoff, then queues its channel post and the requester's confirmation. */
  async start(input: StartInput): Promise<HandoffRow> {
    const type = this.handoffType(input.typeKey);
    if (input.submissionKey) {
      const existing = await this.deps.repo.findBySubmissionKey(input.submissionKey);
      if (existing) return existing;
    }
    if (!(await this.canStart(input.typeKey, input.requesterId)))
      throw new DomainError('forbidden', `Only members of ${this.team(type.from as string).name} can start "${type.name}".`);
    // A next step names its parent in the form's metadata, which the client sends back: the same rules as its Start button.
    if (input.parentId !== undefined) await this.nextStep(input.parentId, input.typeKey, input.requesterId);
    const values = this.validate(type.fields, input.raw);
    if (type.approval) this.requireApprovers(type, input.requesterId);
    const now = this.deps.clock.now();
    // Its approvers list it on their Home until they decide.
    const audience = this.deps.homes ? [input.requesterId, ...this.teamPeople(type.to), ...approversOf(type, this.deps.config.teams, input.requesterId)] : [];
    const route = await this.prepareRoute(input.typeKey);
    try {
      return await this.commit(async (tx) => {
        // Checked again in the transaction, so two forms for one parent cannot both start its next step.
        if (input.parentId !== undefined) {
          await this.deps.repo.holdRow(tx, input.parentId);
          await this.requireNoNextStep(input.parentId);
        }
        const handoff = await this.insert(tx, input.typeKey, input.requesterId, values, now, input.parentId ?? null, input.submissionKey ?? null, input.via, input.source, input.submissionHash);
        await this.refreshHomes(tx, audience, now);
        return this.offerNext(tx, handoff, route, now);
      });
    } catch (error) {
      // Two deliveries of one submission raced past the check above: the unique key kept one; return it.
      const existing = input.submissionKey ? await this.deps.repo.findBySubmissionKey(input.submissionKey) : null;
      if (existing) return existing;
      throw error;
    }
  }

  accept(id: number, userId: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'accept' });
  }

  /** An approver lets it through: it is posted to the receiving team and its time to accept starts now. */
  approve(id: number, userId: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'approve' });
  }

  /** An approver sends it back to the requester with a reason, like a return; a resubmission asks for approval again. */
  decline(id: number, userId: string, reason: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'decline', reason });
  }

  /** Returns it to the requester; `flagged` names the fields that were missing or wrong, which must be fields of its type. */
  async reject(id: number, userId: string, reason: string, flagged?: ReturnFlags): Promise<HandoffRow> {
    if (flagged) {
      const known = new Set(this.handoffType((await this.get(id)).typeKey).fields.map((f) => f.key));
      const unknown = flagged.fields.filter((k) => !known.has(k));
      if (unknown.length) throw new DomainError('validation', `This form is out of date: ${unknown.join(', ')} is not a field of this handoff. Close it and start again.`);
    }
    return this.act(id, userId, { kind: 'reject', reason, ...(flagged ? { flagged } : {}) });
  }

  async resubmit(id: number, userId: string, raw: Record<string, RawFieldInput>): Promise<HandoffRow> {
    const h = await this.get(id);
    // Permission and state first, so the wrong person learns that rather than about field errors.
    const type = this.handoffType(h.typeKey);
    const fields = type.fields;
    return this.check(id, userId, { kind: 'resubmit', fields: h.fields }).then(() => {
      const values = this.validate(fields, keepStoredFiles(fields, raw, h.fields));
      const approvers = type.approval ? this.requireApprovers(type, h.requesterId) : undefined;
      return this.act(id, userId, { kind: 'resubmit', fields: values, ...(approvers ? { approvers } : {}) });
    });
  }

  async complete(id: number, userId: string, raw: Record<string, RawFieldInput> = {}): Promise<HandoffRow> {
    const h = await this.get(id);
    await this.check(id, userId, { kind: 'complete', completion: {} });
    return this.act(id, userId, { kind: 'complete', completion: this.validate(this.handoffType(h.typeKey).completion.fields, raw) });
  }

  async reassign(id: number, userId: string, to: string): Promise<HandoffRow> {
    const h = await this.get(id);
    const toIsMember = this.deps.directory.isLead(h.toTeam, to) || (await this.deps.directory.isMember(h.toTeam, to));
    return this.act(id, userId, { kind: 'reassign', to, toIsMember });
  }

  release(id: number, userId: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'release' });
  }

  cancel(id: number, userId: string, reason?: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'cancel', reason });
  }

  /** The offered person declines; the offer moves on to the next member. */
  pass(id: number, userId: string, reason?: string): Promise<HandoffRow> {
    return this.act(id, userId, { kind: 'pass', reason });
  }

  /**
   * Moves every offer whose time ran out by `now` on to the next member (the nudge job's first
   * step), OFFER_CHUNK handoffs per transaction (`chunk`), at most `limit` in all. Every due offer
   * is moved in one pass: at tens of microseconds each there is no reason to leave some for the
   * next run. Returns how many offers moved.
   */
  async moveTimedOutOffers(now: Date, opts: { limit?: number; chunk?: number } = {}): Promise<number> {
    const { offers, routing } = this.deps;
    if (!offers || !routing) return 0;
    const types = await routing.listDueOfferTypes(now);
    if (types.length === 0) return 0;
    // Members of a user group come from Slack (cached): fetched here, as a transaction cannot wait for them.
    const routes = new Map<string, RouteInput | null>();
    for (const typeKey of types) routes.set(typeKey, await offers.prepare(typeKey));
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const chunk = Math.max(1, opts.chunk ?? OFFER_CHUNK);
    let moved = 0;
    let looked = 0;
    let after: DueOfferCursor | undefined;
    while (looked < limit) {
      const size = Math.min(chunk, limit - looked);
      let page: ExpiredPage;
      try {
        page = await this.deps.repo.transaction((tx) => offers.expireDue(tx, now, routes, size, after));
      } catch (error) {
        // The rows are read in the transaction that writes them (SQLite's write lock, Postgres'
        // serializable retries), so this is a safety net: the next run picks up what is left.
        if (error instanceof VersionConflict) break;
        throw error;
      }
      moved += page.moved;
      looked += page.looked;
      if (!page.last || page.looked < size) break;
      after = page.last;
      // Let waiting requests in between two chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (moved > 0) this.deps.outbox.kick();
    return moved;
  }

  /** Updates the posts of the handoffs a person owns (they went away or came back). */
  async refreshOwnedPosts(userId: string): Promise<void> {
    const owned = await this.deps.repo.listOwnedAccepted(userId);
    if (owned.length === 0) return;
    const now = this.deps.clock.now();
    await this.deps.repo.transaction((tx) => this.deps.repo.enqueue(tx, owned.map((id): Notification => ({ type: 'post', handoffId: id })), now));
    this.deps.outbox.kick();
  }

  /** The channel post's link once the outbox has posted it, or null after `timeoutMs`. */
  async waitForPermalink(id: number, timeoutMs: number): Promise<string | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const link = (await this.deps.repo.findById(id))?.permalink ?? null;
      if (link || Date.now() >= until) return link;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Why the handoff was last returned, to show the requester in the edit form. */
  async lastReturnReason(id: number): Promise<string | null> {
    return (await this.lastReturn(id))?.reason ?? null;
  }

  /** The last return's reason and the fields it flagged (none for returns made before fields could be flagged). */
  async lastReturn(id: number): Promise<{ reason: string; flaggedFields: string[]; somethingElse: boolean } | null> {
    // A declined approval is a return too.
    const rejected = (await this.deps.repo.listEvents(id)).filter((e) => e.type === 'rejected' || e.type === 'declined').at(-1);
    if (!rejected || typeof rejected.data.reason !== 'string') return null;
    return { reason: rejected.data.reason, ...returnFlagsOf(rejected.data) };
  }

  /** Pauses nudges until the start of business on `untilDate` (the team's local date). */
  async snooze(id: number, userId: string, untilDate: string, reason: string): Promise<HandoffRow> {
    const h = await this.get(id);
    const team = this.team(h.toTeam);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(untilDate)) throw new DomainError('validation', 'Pick a date.', { until: 'Pick a date.' });
    const until = zonedTime(untilDate, team.hours?.start ?? '00:00', team.timezone);
    return this.act(id, userId, { kind: 'snooze', until, reason, now: this.deps.clock.now() });
  }

  /** The requester's "Nudge owner": at most once per REQUESTER_NUDGE_MINUTES of the team's business time. */
  async nudgeOwner(id: number, userId: string): Promise<HandoffRow> {
    const h = await this.get(id);
    const last = (await this.deps.repo.listEvents(id))
      .filter((e) => e.type === 'nudged' && e.data.kind === 'requester')
      .at(-1);
    const calendar = calendarOf(this.team(h.toTeam));
    const allowedFrom = last ? addBusinessMinutes(last.at, REQUESTER_NUDGE_MINUTES, calendar) : null;
    try {
      return await this.act(id, userId, { kind: 'nudge', allowedFrom, now: this.deps.clock.now() });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'rate_limited' && allowedFrom)
        throw new DomainError('rate_limited', `You nudged this handoff recently. You can nudge again from <!date^${Math.floor(allowedFrom.getTime() / 1000)}^{date_short_pretty} {time}|${allowedFrom.toISOString()}>.`);
      throw error;
    }
  }

  /** Whether a person could do this now; throws the DomainError they would get. Used before opening a modal for it. */
  async check(id: number, userId: string, command: Command): Promise<HandoffRow> {
    const h = await this.get(id);
    this.decideFor(h, command, await this.actorFor(h, userId));
    return h;
  }

  /** The lifecycle's decision; a refused approval names who may give it, which the pure rules do not know. */
  private decideFor(h: HandoffRow, command: Command, actor: Actor): Transition {
    try {
      return decide(h, command, actor);
    } catch (error) {
      if ((command.kind === 'approve' || command.kind === 'decline') && error instanceof DomainError && error.code === 'forbidden') {
        const names = this.approversOf(h).map((u) => `<@${u}>`);
        const who = h.requesterId === actor.userId ? ' You cannot approve your own request.' : '';
        throw new DomainError('forbidden', `Only ${names.length ? names.join(', ') : 'its approvers'} can approve or decline this handoff.${who}`);
      }
      throw error;
    }
  }

  /**
   * The form a person opens from a completed handoff's "next step" DM: only for whoever was asked
   * (who completed it), only for the type its config names as `next`, and only once.
   */
  async nextStep(parentId: number, typeKey: string, userId: string): Promise<{ typeKey: string; prefill: FieldValues }> {
    const parent = await this.get(parentId);
    const type = this.findType(parent.typeKey);
    if (!type || parent.state !== 'done' || type.next !== typeKey) throw new DomainError('invalid_state', `Handoff #${parentId} has no pending next step.`);
    if (parent.ownerId !== userId) throw new DomainError('forbidden', `Only <@${parent.ownerId}>, who completed #${parentId}, can start its next step.`);
    await this.requireNoNextStep(parentId);
    return { typeKey, prefill: this.carryOver(parent, typeKey) };
  }

  private async requireNoNextStep(parentId: number): Promise<void> {
    const child = await this.deps.repo.findChild(parentId);
    if (child) throw new DomainError('invalid_state', `The next step of #${parentId} has already been started as #${child.id}.`);
  }

  /** Remembers which message a modal opened by "Hand off this message" came from, for its submission. */
  async rememberMessageSource(viewId: string, userId: string, source: { channel: string; ts: string }): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repo.rememberMessageSource(viewId, userId, source, now, new Date(now.getTime() - MESSAGE_SOURCE_KEEP_MS));
  }

  /** The message the modal `viewId` was opened from by this person, as recorded when it opened; undefined for any other modal. */
  async messageSourceOf(viewId: string, userId: string): Promise<{ channel: string; ts: string } | undefined> {
    return (await this.deps.repo.findMessageSource(viewId, userId)) ?? undefined;
  }

  /**
   * Applies a command from a person. Concurrent commands on the same handoff are settled by its
   * version: the first commit wins and the others are refused with the state they lost to.
   */
  private async act(id: number, userId: string, command: Command, opts: { expectedVersion?: number } = {}): Promise<HandoffRow> {
    const h = await this.get(id);
    const actor = await this.actorFor(h, userId);
    const transition = this.decideFor(h, command, actor);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== h.version) throw await this.lostRace(id);
    const type = this.handoffType(h.typeKey);
    const now = this.deps.clock.now();
    const patch: Record<string, unknown> = { state: transition.to, ownerId: transition.ownerId, updatedAt: now };
    let unique: UniqueValue[] | undefined;
    const data = { ...transition.data };

    if (command.kind === 'resubmit') {
      patch.fields = command.fields;
      patch.title = buildTitle(type.name, type.fields, command.fields);
      unique = this.uniqueValuesOf(type.fields, command.fields);
      data.changed = changedKeys(h.fields, command.fields);
    }
    if (command.kind === 'complete') {
      patch.completion = command.completion;
      data.completion = command.completion;
    }
    Object.assign(patch, this.slaPatch(h, transition, type, now));
    // Whatever a person does ends the current offer; a handoff back in the queue gets a new round of offers.
    if (transition.type !== 'nudged') Object.assign(patch, { offeredTo: null, offerExpiresAt: null, offersExhaustedAt: transition.type === 'passed' ? h.offersExhaustedAt : null });
    const route = transition.to === 'open' ? await this.prepareRoute(h.typeKey) : null;
    const nextRoute = transition.type === 'completed' && type.next ? await this.prepareRoute(type.next) : null;

    const event: NewEvent = { type: transition.type, actorId: userId, at: now, fromState: h.state, toState: transition.to, data };
    const audience = this.homeAudience(h, transition, type);
    const seen = await this.postHistory(h, transition);
    return this.commit(async (tx) => {
      const { handoff } = await this.deps.repo.applyTransition(tx, id, h.version, patch, event, {
        unique,
        release: CLOSED_STATES.includes(transition.to),
        notify: (eventId) => this.notificationsFor(h, transition, eventId, userId, seen),
      });
      if (transition.type === 'completed' && type.next) await this.startNext(tx, handoff, type.next, userId, now, nextRoute);
      await this.refreshHomes(tx, audience, now);
      return this.offerNext(tx, handoff, route, now);
    }, id);
  }

  /**
   * Whose App Home shows this change: the requester, the owners before and after, and the members
   * and leads of a team whose queue gains or loses it (also the next step's team on completion), and
   * the approvers of one that starts or stops waiting for approval.
   */
  private homeAudience(h: HandoffRow, t: Transition, type: HandoffTypeConfig): string[] {
    if (!this.deps.homes || t.type === 'nudged') return [];
    const people = [h.requesterId, h.ownerId, t.ownerId];
    if (h.state === 'open' || t.to === 'open') people.push(...this.teamPeople(h.toTeam));
    if (h.state === 'awaiting_approval' || t.to === 'awaiting_approval') people.push(...this.approversOf(h));
    const next = t.type === 'completed' && type.next ? this.findType(type.next) : undefined;
    if (next) people.push(...this.teamPeople(next.to));
    return people;
  }

  /**
   * A team's leads and the members known without asking Slack: a Home refresh is a courtesy and
   * must not put a user-group lookup on the path of a form submission. A user group nobody looked
   * up lately (3 minutes) goes without; its members see the change when they next open Home.
   */
  private teamPeople(teamKey: string): string[] {
    return [...(this.deps.directory.knownMembers?.(teamKey) ?? []), ...this.team(teamKey).leads];
  }

  private async refreshHomes(tx: Tx, audience: readonly string[], now: Date): Promise<void> {
    if (audience.length > 0) await this.deps.homes?.queueRefresh(tx, audience, now, new Date(now.getTime() + HOME_REFRESH_DELAY_MS));
  }

  /** The SLA clocks a transition starts or stops, and when the nudge job should look next. */
  private slaPatch(h: HandoffRow, t: Transition, type: HandoffTypeConfig, now: Date): Partial<HandoffRow> {
    const team = this.team(h.toTeam);
    if (t.type === 'snoozed') {
      const until = new Date(String(t.data.until));
      return { snoozedUntil: until, nudgeAt: until };
    }
    if (t.type === 'nudged') return {};
    if (CLOSED_STATES.includes(t.to)) return { closedAt: now, nudgeAt: null, snoozedUntil: null };
    if (t.to === 'awaiting_approval') {
      const approval = this.approvalClock(type, now);
      return { queuedAt: now, ...approval, acceptedAt: null, completeWarnAt: null, completeDueAt: null, snoozedUntil: null };
    }
    // A pass stays in the same queue cycle: the time to accept keeps counting.
    if (t.to === 'open' && h.state !== 'open') {
      const accept = slaTimes(team, type.sla.accept, now);
      return {
        queuedAt: now,
        acceptWarnAt: accept?.warnAt ?? null,
        acceptDueAt: accept?.dueAt ?? null,
        acceptedAt: null,
        completeWarnAt: null,
        completeDueAt: null,
        snoozedUntil: null,
        nudgeAt: this.firstCheck(team, type, 'accept', now, accept?.warnAt ?? null),
      };
    }
    if (t.to === 'returned') {
      // The requester gets as long to fix it as the team had to accept it, on the requester's team's clock.
      const remindAt = slaTimes(h.fromTeam ? this.team(h.fromTeam) : team, type.sla.accept, now)?.dueAt ?? null;
      return { acceptWarnAt: null, acceptDueAt: remindAt, nudgeAt: remindAt };
    }
    if (t.to === 'accepted' && h.state === 'open') {
      const complete = slaTimes(team, type.sla.complete, now);
      return { acceptedAt: now, completeWarnAt: complete?.warnAt ?? null, completeDueAt: complete?.dueAt ?? null, snoozedUntil: null, nudgeAt: this.firstCheck(team, type, 'complete', now, complete?.warnAt ?? null) };
    }
    return {};
  }

  /**
   * The approval's SLA (`sla.approve`, on the approving team's clock), kept in the accept columns
   * while it waits for approval; approving starts the real time to accept from that moment.
   */
  private approvalClock(type: HandoffTypeConfig, now: Date): Pick<HandoffRow, 'acceptWarnAt' | 'acceptDueAt' | 'nudgeAt'> {
    const team = this.team(approvalTeamOf(type));
    const times = slaTimes(team, type.sla.approve, now);
    const warnAt = times?.warnAt ?? null;
    return { acceptWarnAt: warnAt, acceptDueAt: times?.dueAt ?? null, nudgeAt: earlierOf(warnAt, firstStepAt(now, type.sla.approve, type.approval?.escalate, calendarOf(team))) };
  }

  /**
   * Whether the receiving team has seen this handoff (its channel post exists or is on its way),
   * and whether it has been approved before. A handoff declined before its first approval has no
   * post, so its later changes must not create one.
   */
  private async postHistory(h: HandoffRow, t: Transition): Promise<{ posted: boolean; approvedBefore: boolean }> {
    if (h.messageTs && t.type !== 'approved') return { posted: true, approvedBefore: true };
    const events = await this.deps.repo.listEvents(h.id);
    const approvedBefore = events.some((e) => e.type === 'approved');
    return { posted: h.messageTs !== null || approvedBefore || events.some((e: EventRow) => e.type === 'created' && e.toState === 'open'), approvedBefore };
  }

  /** When the nudge job first looks at an SLA: its 75% reminder, or an escalation step set earlier. */
  private firstCheck(team: TeamConfig, type: HandoffTypeConfig, stage: 'accept' | 'complete', start: Date, warnAt: Date | null): Date | null {
    return earlierOf(warnAt, firstStepAt(start, type.sla[stage], type.sla.escalate, calendarOf(team)));
  }

  /** Validates form input for a type's fields, throwing field errors when anything is wrong. */
  validate(fields: readonly FieldConfig[], raw: Record<string, RawFieldInput>): FieldValues {
    const { values, errors } = validateFields(fields, raw, this.deps.clock.now());
    if (Object.keys(errors).length > 0) throw new DomainError('validation', 'Some fields need attention.', errors);
    return values;
  }

  /** Values to prefill a form of `typeKey` from a handoff: its fields and completion fields, by matching key. */
  carryOver(from: HandoffRow, typeKey: string): FieldValues {
    const type = this.handoffType(typeKey);
    const source: FieldValues = { ...from.fields, ...(from.completion ?? {}) };
    const values: FieldValues = {};
    for (const f of type.fields) {
      const value = ownEntry(source, f.key);
      if (value !== undefined) values[f.key] = value;
    }
    return values;
  }

  private async prepareRoute(typeKey: string): Promise<RouteInput | null> {
    return this.deps.offers ? this.deps.offers.prepare(typeKey) : null;
  }

  /** Offers a handoff just put in its team queue; the change that put it there already updates its post. */
  private async offerNext(tx: Tx, h: HandoffRow, route: RouteInput | null, now: Date): Promise<HandoffRow> {
    return this.deps.offers && route ? this.deps.offers.offerNext(tx, h, route, now, { postQueued: true }) : h;
  }

  private async startNext(tx: Tx, parent: HandoffRow, nextKey: string, requesterId: string, now: Date, route: RouteInput | null): Promise<void> {
    const type = this.handoffType(nextKey);
    const carried = this.carryOver(parent, nextKey);
    const { values, errors } = validateFields(type.fields, toRaw(carried), now);
    const unique = this.uniqueValuesOf(type.fields, values);
    let taken = false;
    for (const u of unique) if (await this.deps.repo.findUniqueHolder(nextKey, u.fieldKey, u.value)) taken = true;
    // Nobody but this person could approve it: asked to start it by hand, they hear why.
    const unapprovable = type.approval !== undefined && approversOf(type, this.deps.config.teams, requesterId).length === 0;
    if (Object.keys(errors).length === 0 && !taken && !unapprovable) {
      await this.offerNext(tx, await this.insert(tx, nextKey, requesterId, values, now, parent.id, null), route, now);
      return;
    }
    // Not enough to go on: the person who finished this step is asked to fill in the rest.
    await this.deps.repo.enqueue(tx, [{ type: 'next_needed', handoffId: parent.id, userId: requesterId, typeKey: nextKey }], now);
  }

  private async insert(
    tx: Tx,
    typeKey: string,
    requesterId: string,
    values: FieldValues,
    now: Date,
    parentId: number | null,
    submissionKey: string | null,
    via?: string,
    source?: StartInput['source'],
    submissionHash?: string,
  ): Promise<HandoffRow> {
    const type = this.handoffType(typeKey);
    const team = this.team(type.to);
    // A type with approval waits for it before the receiving team sees anything.
    const approvers = type.approval ? this.requireApprovers(type, requesterId) : null;
    const accept = slaTimes(team, type.sla.accept, now);
    const clock = approvers
      ? this.approvalClock(type, now)
      : { acceptWarnAt: accept?.warnAt ?? null, acceptDueAt: accept?.dueAt ?? null, nudgeAt: this.firstCheck(team, type, 'accept', now, accept?.warnAt ?? null) };
    const state = approvers ? 'awaiting_approval' : 'open';
    const { handoff } = await this.deps.repo.create(
      tx,
      {
        typeKey,
        fromTeam: type.from ?? null,
        toTeam: type.to,
        state,
        requesterId,
        ownerId: requesterId,
        title: buildTitle(type.name, type.fields, values),
        fields: values,
        createdAt: now,
        updatedAt: now,
        queuedAt: now,
        ...clock,
        channelId: team.channel,
        parentId,
        submissionKey,
        submissionHash: submissionHash ?? null,
        typeVersion: this.typeVersion(typeKey, type),
        sourceChannel: source?.channel ?? null,
        sourceTs: source?.ts ?? null,
      },
      { type: 'created', actorId: requesterId, at: now, fromState: null, toState: state, data: { ...(parentId ? { parentId } : {}), ...(via ? { via } : {}), ...(approvers ? { approvers } : {}) } },
      this.uniqueValuesOf(type.fields, values),
      (handoffId, eventId): Notification[] =>
        approvers
          ? // The post and the source thread's reply wait for the approval.
            [{ type: 'dm', handoffId, eventId, userId: requesterId }, ...approvers.map((userId): Notification => ({ type: 'approval_request', handoffId, eventId, userId }))]
          : [
              { type: 'post', handoffId },
              { type: 'dm', handoffId, eventId, userId: requesterId },
              ...(source ? [{ type: 'source_reply' as const, handoffId }] : []),
            ],
    );
    return handoff;
  }

  private notificationsFor(before: HandoffRow, t: Transition, eventId: number, actorId: string, seen: { posted: boolean; approvedBefore: boolean }): Notification[] {
    const handoffId = before.id;
    if (t.type === 'nudged')
      return before.state === 'accepted' ? [{ type: 'dm', handoffId, eventId, userId: before.ownerId }] : [{ type: 'thread', handoffId, eventId }];
    const list: Notification[] = [];
    // Decided: the approvers' DMs lose their buttons and say how.
    if (before.state === 'awaiting_approval') list.push({ type: 'approval_settled', handoffId, eventId });
    // Approved, the channel post is created (or, approved again after a return, updated).
    if (seen.posted || t.type === 'approved') list.push({ type: 'post', handoffId }, { type: 'thread', handoffId, eventId });
    if (t.to === 'awaiting_approval') for (const userId of (t.data.approvers as string[] | undefined) ?? []) list.push({ type: 'approval_request', handoffId, eventId, userId });
    const dm = (userId: string) => {
      if (userId !== actorId) list.push({ type: 'dm', handoffId, eventId, userId });
    };
    switch (t.type) {
      case 'accepted':
      case 'completed':
      case 'rejected':
      case 'declined':
        // A return always reaches the requester, even one who rejected their own request: the DM carries the resubmit button.
        if (t.type === 'rejected' || t.type === 'declined') list.push({ type: 'dm', handoffId, eventId, userId: before.requesterId });
        else dm(before.requesterId);
        break;
      case 'approved':
        dm(before.requesterId);
        // The message it came from hears where the work went once, when the team first sees it.
        if (!seen.approvedBefore && before.sourceChannel && before.sourceTs) list.push({ type: 'source_reply', handoffId });
        break;
      case 'reassigned':
        dm(t.ownerId);
        if (before.state === 'accepted') dm(before.ownerId);
        break;
      case 'cancelled':
        if (before.state === 'accepted') dm(before.ownerId);
        break;
      default:
        break;
    }
    return list;
  }

  uniqueValuesOf(fields: readonly FieldConfig[], values: FieldValues): UniqueValue[] {
    return fields.filter((f) => f.unique && values[f.key] !== undefined).map((f) => ({ fieldKey: f.key, value: normalizeUniqueValue(values[f.key]) }));
  }

  /** Runs a write, turning storage conflicts into the errors a person can act on. */
  private async commit<T>(fn: (tx: Tx) => Promise<T>, id?: number): Promise<T> {
    try {
      const result = await this.deps.repo.transaction(fn);
      this.deps.outbox.kick();
      return result;
    } catch (error) {
      if (error instanceof VersionConflict) throw await this.lostRace(error.handoffId ?? id);
      if (error instanceof UniqueConflict) throw await this.duplicate(error.fieldKey, error.handoffId);
      throw error;
    }
  }

  private async lostRace(id: number): Promise<DomainError> {
    const now = await this.get(id);
    const who = now.state === 'accepted' ? ` <@${now.ownerId}> owns it now.` : '';
    return new DomainError('conflict', `Someone else changed handoff #${id} a moment ago.${who}`);
  }

  private async duplicate(fieldKey: string, holderId: number): Promise<DomainError> {
    const holder = await this.get(holderId);
    const where = holder.permalink ? `: ${holder.permalink}` : '';
    return new DomainError('duplicate', `This is already handed off as #${holder.id}.`, {
      [fieldKey]: `Already handed off as #${holder.id} (${holder.state})${where}`,
    });
  }
}

/** How long the message behind an open "Hand off this message" modal is remembered: longer than anyone keeps a modal open. */
const MESSAGE_SOURCE_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/** How often a requester may nudge one handoff: four business hours of the receiving team. */
export const REQUESTER_NUDGE_MINUTES = 4 * 60;

function changedKeys(before: FieldValues, after: FieldValues): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** Stored values back into form input, so carried-over values pass the same validation as typed ones. */
export function toRaw(values: FieldValues): Record<string, RawFieldInput> {
  const raw: Record<string, RawFieldInput> = {};
  for (const [k, v] of Object.entries(values)) raw[k] = isFileList(v) ? v : Array.isArray(v) ? v : String(v);
  return raw;
}
