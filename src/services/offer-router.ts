import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo, HandoffPatch } from '../db/handoff-repo.js';
import type { Tx } from '../db/database.js';
import type { RoutingRepo } from '../db/routing-repo.js';
import type { HandoffRow } from '../db/schema.js';
import { addBusinessMinutes, parseDuration } from '../domain/business-clock.js';
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
    const history = await this.deps.repo.listEvents(h.id);
    const members = input.members;
    const next = pickNextOffer(mode, {
      members,
      tried: triedInCycle(history),
      away: new Set((await this.deps.away?.awayAmong(members, now))?.keys() ?? []),
      lastTurn: mode === 'round-robin' ? await this.deps.routing.lastTurn(input.teamKey) : null,
      loads: mode === 'least-loaded' ? await this.deps.routing.ownedActiveCounts(members) : undefined,
      lastAccepted: mode === 'least-loaded' ? await this.deps.routing.lastAcceptedAt(members) : undefined,
    });
    const post: Notification[] = opts.postQueued ? [] : [{ type: 'post', handoffId: h.id }];
    if (next) {
      const calendar = calendarOf(team);
      const until = addBusinessMinutes(now, parseDuration(input.routing.offer, calendar), calendar);
      await this.deps.routing.setTurn(tx, input.teamKey, next, now);
      return this.apply(tx, h, { kind: 'offer', to: next, until }, { offeredTo: next, offerExpiresAt: until, offersExhaustedAt: null }, now, (eventId) => [
        ...post,
        { type: 'dm', handoffId: h.id, eventId, userId: next },
      ]);
    }
    // Everyone had their turn (or nobody could have one): the team queue it is, and the leads hear it once.
    return this.apply(tx, h, { kind: 'exhaust_offers' }, { offeredTo: null, offerExpiresAt: null, offersExhaustedAt: now }, now, (eventId) => [
      ...post,
      { type: 'thread', handoffId: h.id, eventId },
      ...team.leads.map((userId): Notification => ({ type: 'dm', handoffId: h.id, eventId, userId })),
    ]);
  }

  /** Takes back a run-out offer and offers the handoff to the next member. */
  async expire(tx: Tx, h: HandoffRow, input: RouteInput | null, now: Date): Promise<HandoffRow> {
    const after = await this.apply(tx, h, { kind: 'expire_offer', now }, { offeredTo: null, offerExpiresAt: null }, now, () => []);
    return this.offerNext(tx, after, input, now, { postQueued: false });
  }

  private async apply(tx: Tx, h: HandoffRow, command: Command, patch: HandoffPatch, now: Date, notify: (eventId: number) => Notification[]): Promise<HandoffRow> {
    const t = decide(h, command, SYSTEM);
    const event = { type: t.type, actorId: ROUTING_ACTOR, at: now, fromState: h.state, toState: t.to, data: t.data };
    return (await this.deps.repo.applyTransition(tx, h.id, h.version, patch, event, { notify })).handoff;
  }
}
