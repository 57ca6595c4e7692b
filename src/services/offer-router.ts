import type { TeamConfig, WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo, HandoffPatch, NewEvent, TransitionBatchItem } from '../db/handoff-repo.js';
import type { Tx } from '../db/database.js';
import type { DueOffer, DueOfferCursor, OfferHistoryEntry, RoutingRepo } from '../db/routing-repo.js';
import type { HandoffRow } from '../db/schema.js';
import { addBusinessMinutes, parseDuration } from '../domain/business-clock.js';
import { DomainError } from '../domain/errors.js';
import { type Command, decide } from '../domain/lifecycle.js';
import type { Notification } from '../domain/notifications.js';
import { ownEntry } from '../domain/own-entry.js';
import type { TeamDirectory } from '../domain/ports.js';
import { pickNextOffer, type Routing, routingOf, triedInCycle } from '../domain/routing.js';
import { calendarOf } from '../domain/sla.js';
import type { AwayService } from './away-service.js';

/** The actor recorded on offers, timeouts and the like: the bot itself. */
export const ROUTING_ACTOR = 'handoff';

/** What a routing decision needs from outside the transaction (a user group's members come from Slack). */
export interface RouteInput {
  readonly teamKey: string;
  readonly routing: Routing;
  readonly members: readonly string[];
}

/** What choosing among a team's members reads from storage besides the handoff's own history. */
interface Lookups {
  readonly away: ReadonlySet<string>;
  readonly lastTurn: string | null;
  readonly loads?: ReadonlyMap<string, number>;
  readonly lastAccepted?: ReadonlyMap<string, Date>;
  /** When an offer made now runs out, per team and offer duration: the same for every offer of a batch, so worked out once. */
  readonly untils?: Map<string, Date>;
}

/** What the decisions of one `expireDue` chunk share: read once, and the turns they move on. */
interface BatchLookups {
  readonly away: ReadonlySet<string>;
  /** Per round-robin team, who had the last turn, as the batch moves it on. */
  readonly turns: Map<string, string>;
  /** The turns the batch gave, written once at its end. */
  readonly taken: Map<string, string>;
  readonly leastLoaded: ReadonlyMap<string, { loads: ReadonlyMap<string, number>; lastAccepted: ReadonlyMap<string, Date> }>;
  readonly histories: ReadonlyMap<number, readonly OfferHistoryEntry[]>;
  readonly untils: Map<string, Date>;
}

const notifyNobody = (): Notification[] => [];

/** The next step for an open, unoffered handoff: an offer to `to`, or (`to` null) the team queue. */
interface NextStep {
  readonly to: string | null;
  readonly command: Command;
  readonly patch: HandoffPatch;
  readonly notify: (eventId: number) => Notification[];
}

/** What a batch of run-out offers came to. */
export interface ExpiredPage {
  /** Due offers read (moved or left for a later pass). */
  readonly looked: number;
  readonly moved: number;
  /** Where the next page starts; null when this one was empty. */
  readonly last: DueOfferCursor | null;
}

/** The system actor: routing commands are the bot's, so the lifecycle checks only the state. */
const SYSTEM = { userId: ROUTING_ACTOR, isMember: false, isLead: false } as const;

/**
 * Offers open handoffs to one member at a time (round-robin or least-loaded), moves an offer on
 * after a pass or a timeout, and leaves the handoff in the team queue once everyone had their turn.
 * Every step is an event written in the caller's transaction, decided by the lifecycle.
 */
export class OfferRouter {
  constructor(private readonly deps: { config: WorkflowConfig; repo: HandoffRepo; routing: RoutingRepo; directory: TeamDirectory; away?: Pick<AwayService, 'awayAmong'> }) {}

  /** The routing of a type, with the team's members when it offers; null for a queue team (nothing to fetch). */
  async prepare(typeKey: string): Promise<RouteInput | null> {
    const type = ownEntry(this.deps.config.handoffTypes, typeKey);
    const team = type ? ownEntry(this.deps.config.teams, type.to) : undefined;
    if (!type || !team) return null;
    const routing = routingOf(team, type);
    if (routing.mode === 'queue') return null;
    return { teamKey: type.to, routing, members: await this.deps.directory.members(type.to) };
  }

  /**
   * Offers an open, unoffered handoff to the next member, or records that nobody is left. Runs in
   * the transaction of the change that put it there; `postQueued` says that change already updates the post.
   */
  async offerNext(tx: Tx, h: HandoffRow, input: RouteInput | null, now: Date, opts: { postQueued: boolean }): Promise<HandoffRow> {
    if (!input || h.state !== 'open' || h.offeredTo || h.offersExhaustedAt) return h;
    const team = ownEntry(this.deps.config.teams, input.teamKey);
    if (!team) return h;
    const { mode } = input.routing;
    const members = input.members;
    const step = this.nextStep(h.id, input, team, triedInCycle(await this.deps.repo.listEvents(h.id)), now, opts.postQueued, {
      away: new Set((await this.deps.away?.awayAmong(members, now))?.keys() ?? []),
      lastTurn: mode === 'round-robin' ? await this.deps.routing.lastTurn(input.teamKey) : null,
      loads: mode === 'least-loaded' ? await this.deps.routing.ownedActiveCounts(members) : undefined,
      lastAccepted: mode === 'least-loaded' ? await this.deps.routing.lastAcceptedAt(members) : undefined,
    });
    if (step.to) await this.deps.routing.setTurn(tx, input.teamKey, step.to, now);
    return this.apply(tx, h, step.command, step.patch, now, step.notify);
  }

  /** Takes back a run-out offer and offers the handoff to the next member. */
  async expire(tx: Tx, h: HandoffRow, input: RouteInput | null, now: Date): Promise<HandoffRow> {
    const after = await this.apply(tx, h, { kind: 'expire_offer', now }, { offeredTo: null, offerExpiresAt: null }, now, () => []);
    return this.offerNext(tx, after, input, now, { postQueued: false });
  }

  /**
   * `expire` for up to `limit` run-out offers at once (oldest first, after `after`), in the caller's
   * transaction, with the same lifecycle decisions and the same results as one `expire` after
   * another. The cost is a handful of queries however many handoffs: the due rows, their offer
   * history, away people, turns (and for least-loaded teams loads) are each read once, the
   * decisions are made in memory, and the events, rows, outbox messages and turns are written
   * together. A handoff whose type is missing from `routes`, or that the lifecycle refuses to move,
   * is left as it is.
   */
  async expireDue(tx: Tx, now: Date, routes: ReadonlyMap<string, RouteInput | null>, limit: number, after?: DueOfferCursor): Promise<ExpiredPage> {
    const due = await this.deps.routing.listDueOffers(now, limit, after);
    const tail = due.at(-1);
    const last = tail?.offerExpiresAt ? { expiresAt: tail.offerExpiresAt, id: tail.id } : null;
    const rows = due.filter((h) => routes.has(h.typeKey));
    if (rows.length === 0) return { looked: due.length, moved: 0, last };
    const inputs = [...new Map(rows.flatMap((h) => routes.get(h.typeKey) ?? []).map((r) => [r.teamKey, r])).values()];
    const everyone = [...new Set(inputs.flatMap((r) => r.members))];
    const away = new Set((await this.deps.away?.awayAmong(everyone, now))?.keys() ?? []);
    // Each offer moves the team's turn on: kept here through the batch, written once at the end.
    const turns = await this.deps.routing.lastTurns(inputs.filter((r) => r.routing.mode === 'round-robin').map((r) => r.teamKey));
    const taken = new Map<string, string>();
    const leastLoaded = new Map<string, { loads: ReadonlyMap<string, number>; lastAccepted: ReadonlyMap<string, Date> }>();
    for (const r of inputs) {
      if (r.routing.mode !== 'least-loaded') continue;
      leastLoaded.set(r.teamKey, { loads: await this.deps.routing.ownedActiveCounts(r.members), lastAccepted: await this.deps.routing.lastAcceptedAt(r.members) });
    }
    const batch: BatchLookups = { away, turns, taken, leastLoaded, histories: await this.deps.routing.listOfferHistory(rows.map((h) => h.id)), untils: new Map() };
    const items: TransitionBatchItem[] = [];
    for (const h of rows) {
      let item: TransitionBatchItem;
      try {
        item = this.expireOne(h, routes.get(h.typeKey) ?? null, now, batch);
      } catch (error) {
        // Not movable (say, an offer row without its person): left as it is, as `expire` would leave it.
        if (error instanceof DomainError) continue;
        throw error;
      }
      items.push(item);
    }
    await this.deps.repo.applyTransitions(tx, items);
    await this.deps.routing.setTurns(tx, taken, now);
    return { looked: due.length, moved: items.length, last };
  }

  /**
   * One handoff of `expireDue`: its offer taken back, then the next step, both decided by the
   * lifecycle. Written without callbacks or spreads: it runs per handoff of the batch, where each
   * closure or object spread made cost about a microsecond (bench: routing).
   */
  private expireOne(h: DueOffer, input: RouteInput | null, now: Date, batch: BatchLookups): TransitionBatchItem {
    const expired = decide(h, { kind: 'expire_offer', now }, SYSTEM);
    const expiredEvent: NewEvent = { type: expired.type, actorId: ROUTING_ACTOR, at: now, fromState: h.state, toState: expired.to, data: expired.data };
    const after: DueOffer = {
      id: h.id,
      typeKey: h.typeKey,
      state: expired.to,
      requesterId: h.requesterId,
      ownerId: h.ownerId,
      version: h.version + 1,
      offeredTo: null,
      offerExpiresAt: null,
      offersExhaustedAt: h.offersExhaustedAt,
    };
    const patch: HandoffPatch = { offeredTo: null, offerExpiresAt: null, offersExhaustedAt: h.offersExhaustedAt };
    const team = input ? ownEntry(this.deps.config.teams, input.teamKey) : undefined;
    // As offerNext: only an open handoff not yet left in the queue this cycle gets a next offer.
    if (!input || !team || after.state !== 'open' || after.offersExhaustedAt) {
      return { id: h.id, expectedVersion: h.version, patch, events: [expiredEvent], notify: notifyNobody };
    }
    const ll = batch.leastLoaded.get(input.teamKey);
    const step = this.nextStep(h.id, input, team, triedInCycle(batch.histories.get(h.id) ?? []), now, false, {
      away: batch.away,
      lastTurn: input.routing.mode === 'round-robin' ? (batch.turns.get(input.teamKey) ?? null) : null,
      loads: ll?.loads,
      lastAccepted: ll?.lastAccepted,
      untils: batch.untils,
    });
    if (step.to) {
      batch.turns.set(input.teamKey, step.to);
      batch.taken.set(input.teamKey, step.to);
    }
    const next = decide(after, step.command, SYSTEM);
    const { notify } = step;
    return {
      id: h.id,
      expectedVersion: h.version,
      patch: Object.assign(patch, step.patch),
      events: [expiredEvent, { type: next.type, actorId: ROUTING_ACTOR, at: now, fromState: after.state, toState: next.to, data: next.data }],
      // The taken-back offer tells nobody; the next step's messages follow its own event.
      notify: (eventIds) => notify(eventIds[1]),
    };
  }

  /** The member to offer to next (or the team queue), with the change and messages that go with it. */
  private nextStep(handoffId: number, input: RouteInput, team: TeamConfig, tried: ReadonlySet<string>, now: Date, postQueued: boolean, lookups: Lookups): NextStep {
    const { mode } = input.routing;
    const next = pickNextOffer(mode, { members: input.members, tried, away: lookups.away, lastTurn: lookups.lastTurn, loads: lookups.loads, lastAccepted: lookups.lastAccepted });
    const post: Notification[] = postQueued ? [] : [{ type: 'post', handoffId }];
    if (next) {
      let until = lookups.untils?.get(`${input.teamKey} ${input.routing.offer}`);
      if (!until) {
        const calendar = calendarOf(team);
        until = addBusinessMinutes(now, parseDuration(input.routing.offer, calendar), calendar);
        lookups.untils?.set(`${input.teamKey} ${input.routing.offer}`, until);
      }
      return {
        to: next,
        command: { kind: 'offer', to: next, until },
        patch: { offeredTo: next, offerExpiresAt: until, offersExhaustedAt: null },
        notify: (eventId) => [...post, { type: 'dm', handoffId, eventId, userId: next }],
      };
    }
    // Everyone had their turn (or nobody could have one): the team queue it is, and the leads hear it once.
    return {
      to: null,
      command: { kind: 'exhaust_offers' },
      patch: { offeredTo: null, offerExpiresAt: null, offersExhaustedAt: now },
      notify: (eventId) => [...post, { type: 'thread', handoffId, eventId }, ...team.leads.map((userId): Notification => ({ type: 'dm', handoffId, eventId, userId }))],
    };
  }

  private async apply(tx: Tx, h: HandoffRow, command: Command, patch: HandoffPatch, now: Date, notify: (eventId: number) => Notification[]): Promise<HandoffRow> {
    const t = decide(h, command, SYSTEM);
    const event = { type: t.type, actorId: ROUTING_ACTOR, at: now, fromState: h.state, toState: t.to, data: t.data };
    return (await this.deps.repo.applyTransition(tx, h.id, h.version, patch, event, { notify })).handoff;
  }
}
