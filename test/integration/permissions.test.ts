/**
 * Issue 5, "Permissions hold": every button, pressed by every role, in every state, through the real
 * HTTP path (signed block_actions and view_submissions against the Bolt receiver, SQLite, outbox and
 * the fake Slack).
 *
 * One harness per state. Each row gets its own fresh handoff (a distinct order_id), brought into that
 * state the way people would (submit as the requester, accept as U0OPS1, reject with a reason,
 * complete through the completion modal, cancel by the requester), so no row can leak into another.
 * Buttons are pressed on the handoff's channel post; permissions do not depend on where a button is.
 * AWAITING_APPROVAL has no post yet (its harness gives the type an approval by the sales lead), so
 * there they are pressed on the approver's DM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffRow } from '../../src/db/schema';
import { HANDOFF_STATES, type HandoffState } from '../../src/domain/lifecycle';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import type { SimResponse } from '../helpers/slack-requests';
import { dateValue, textValue, userValue } from '../helpers/slack-requests';

const REQUESTER = 'U0SALES1'; // a sales member who starts every handoff here
const MEMBER = 'U0OPS2'; // on the receiving team, never the owner in this file
const ACCEPTOR = 'U0OPS1'; // accepts, so owns every handoff that has been accepted
const LEAD = 'U0OPSLEAD'; // lead of ops, not in its member list
const OUTSIDER = 'U0SALES2'; // a sales member unrelated to these handoffs
const ASSIGNEE = 'U0OPS3'; // who reassign / assign picks
const APPROVER = 'U0SALESLEAD'; // approves where the type asks for it (`by: leads`: the sending team's)
const CHANNEL = 'C0OPS';

const ROLES = ['requester', 'member', 'owner', 'lead', 'outsider', 'approver'] as const;
type Role = (typeof ROLES)[number];
const ACTIONS = ['accept', 'reject', 'complete', 'reassign', 'release', 'cancel', 'resubmit', 'snooze', 'nudge', 'approve', 'decline'] as const;
type Action = (typeof ACTIONS)[number];
type Verdict = 'allowed' | 'denied';

/** The owner is the requester until someone accepts; done and cancelled handoffs here were accepted by U0OPS1 first. */
function userOf(role: Role, state: HandoffState): string {
  switch (role) {
    case 'requester':
      return REQUESTER;
    case 'member':
      return MEMBER;
    case 'owner':
      return state === 'open' || state === 'returned' || state === 'awaiting_approval' ? REQUESTER : ACCEPTOR;
    case 'lead':
      return LEAD;
    case 'outsider':
      return OUTSIDER;
    case 'approver':
      return APPROVER;
  }
}

/**
 * state × action × role, written out from the rules (docs/user-guide.md, src/domain/lifecycle.ts and
 * the pure table in test/unit/lifecycle.test.ts). In open and returned the owner *is* the requester,
 * so those two columns agree there.
 */
type Row = Record<Exclude<Role, 'approver'>, Verdict> & { approver?: Verdict };
/** Apart from approving, the approver (a sales lead) is an outsider to these handoffs. */
const approverAsOutsider = (table: Record<HandoffState, Record<Action, Row>>): Record<HandoffState, Record<Action, Record<Role, Verdict>>> =>
  Object.fromEntries(
    Object.entries(table).map(([state, row]) => [state, Object.fromEntries(Object.entries(row).map(([action, r]) => [action, { ...r, approver: r.approver ?? r.outsider }]))]),
  ) as Record<HandoffState, Record<Action, Record<Role, Verdict>>>;
const NOBODY: Row = { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' };

const EXPECTED = approverAsOutsider({
  // Not yet the receiving team's: only the approver decides it, and the requester may withdraw it.
  awaiting_approval: {
    accept: NOBODY,
    reject: NOBODY,
    complete: NOBODY,
    reassign: NOBODY,
    release: NOBODY,
    cancel: { requester: 'allowed', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    resubmit: NOBODY,
    snooze: NOBODY,
    // Nobody owns it yet; the approval has its own reminders.
    nudge: NOBODY,
    approve: { ...NOBODY, approver: 'allowed' },
    decline: { ...NOBODY, approver: 'allowed' },
  },
  open: {
    // Leads may accept: they act like members although they are not in the member list.
    accept: { requester: 'denied', member: 'allowed', owner: 'denied', lead: 'allowed', outsider: 'denied' },
    reject: { requester: 'denied', member: 'allowed', owner: 'denied', lead: 'allowed', outsider: 'denied' },
    complete: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    // "Assign to…" from the queue is a lead's call only; a member accepts instead.
    reassign: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'allowed', outsider: 'denied' },
    release: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    cancel: { requester: 'allowed', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    resubmit: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    snooze: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    // Nudge owner: the requester only, while open or accepted (here it reminds the team in the thread).
    nudge: { requester: 'allowed', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    approve: NOBODY,
    decline: NOBODY,
  },
  accepted: {
    // Already owned: nobody can accept again, not even the owner ("You already own this handoff").
    accept: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reject: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    // Only the owner marks it done; a lead cannot.
    complete: { requester: 'denied', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    // Handing on owned work: the owner or a lead.
    reassign: { requester: 'denied', member: 'denied', owner: 'allowed', lead: 'allowed', outsider: 'denied' },
    release: { requester: 'denied', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    // The requester may cancel an accepted handoff; its owner may not.
    cancel: { requester: 'allowed', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    resubmit: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    snooze: { requester: 'denied', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    // DMs the owner; the owner cannot nudge themselves.
    nudge: { requester: 'allowed', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    approve: NOBODY,
    decline: NOBODY,
  },
  returned: {
    accept: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reject: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    complete: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reassign: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    release: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    cancel: { requester: 'allowed', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    resubmit: { requester: 'allowed', member: 'denied', owner: 'allowed', lead: 'denied', outsider: 'denied' },
    snooze: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    // Nothing to nudge: the ball is with the requester.
    nudge: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    approve: NOBODY,
    decline: NOBODY,
  },
  // Closed: nothing more happens, for anyone.
  done: {
    accept: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reject: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    complete: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reassign: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    release: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    cancel: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    resubmit: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    snooze: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    nudge: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    approve: NOBODY,
    decline: NOBODY,
  },
  cancelled: {
    accept: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reject: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    complete: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    reassign: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    release: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    cancel: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    resubmit: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    snooze: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    nudge: { requester: 'denied', member: 'denied', owner: 'denied', lead: 'denied', outsider: 'denied' },
    approve: NOBODY,
    decline: NOBODY,
  },
});

/** The states in which an action exists at all: a refusal there is about who you are ("Only …"), elsewhere about the state. */
const APPLIES_IN: Record<Action, readonly HandoffState[]> = {
  accept: ['open'],
  reject: ['open'],
  complete: ['accepted'],
  reassign: ['open', 'accepted'],
  release: ['accepted'],
  cancel: ['awaiting_approval', 'open', 'accepted', 'returned'],
  resubmit: ['returned'],
  snooze: ['accepted'],
  nudge: ['open', 'accepted'],
  approve: ['awaiting_approval'],
  decline: ['awaiting_approval'],
};
const FORBIDDEN_TEXT = /^:warning: Only /;
const WRONG_STATE_TEXT = /^:warning: (This handoff (is|was|has) .+, so it can't be \w+\.|You already own this handoff\.|<@U0OPS1> already accepted this handoff and owns it\.)$/;

const BUTTON: Record<Action, string> = {
  accept: ActionId.accept,
  reject: ActionId.reject,
  complete: ActionId.complete,
  reassign: ActionId.reassign,
  release: ActionId.release,
  cancel: ActionId.cancel, // Slack's own confirm dialog comes first; the click arrives after it
  resubmit: ActionId.resubmit,
  snooze: ActionId.snooze,
  nudge: ActionId.nudgeOwner,
  approve: ActionId.approve,
  decline: ActionId.decline,
};

/** Buttons that open a modal, with the valid input the modal is then submitted with. */
const MODAL: Partial<Record<Action, { callbackId: string; values: () => Record<string, Record<string, unknown>> }>> = {
  reject: { callbackId: CallbackId.reject, values: () => ({ [BlockId.reason]: { value: textValue('Missing the PO number') } }) },
  complete: { callbackId: CallbackId.complete, values: () => ({ [BlockId.field('tracking')]: { value: textValue('1Z999') } }) },
  reassign: { callbackId: CallbackId.reassign, values: () => ({ [BlockId.assignee]: { value: userValue(ASSIGNEE) } }) },
  resubmit: { callbackId: CallbackId.form, values: () => ({}) }, // the order form, filled in per handoff below
  decline: { callbackId: CallbackId.decline, values: () => ({ [BlockId.reason]: { value: textValue('No budget for this') } }) },
  snooze: {
    callbackId: CallbackId.snooze,
    values: () => ({ [BlockId.until]: { value: dateValue('2026-11-27') }, [BlockId.reason]: { value: textValue('Waiting for the customer') } }),
  },
};

const FOUR_BUSINESS_HOURS = 4 * 3600_000; // ops has no `hours`: business time runs round the clock

describe('the table', () => {
  it('covers every state × action × role and allows exactly 24 of the 396', async () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...HANDOFF_STATES].sort());
    const verdicts = HANDOFF_STATES.flatMap((s) => {
      expect(Object.keys(EXPECTED[s]).sort()).toEqual([...ACTIONS].sort());
      return ACTIONS.flatMap((a) => {
        expect(Object.keys(EXPECTED[s][a]).sort()).toEqual([...ROLES].sort());
        return ROLES.map((r) => EXPECTED[s][a][r]);
      });
    });
    expect(verdicts).toHaveLength(396);
    expect(verdicts.filter((v) => v === 'allowed')).toHaveLength(24);
    // Where the owner is the requester, they are the same person and must get the same answer.
    for (const s of ['awaiting_approval', 'open', 'returned'] as const) for (const a of ACTIONS) expect(EXPECTED[s][a].owner).toBe(EXPECTED[s][a].requester);
  });
});

for (const state of HANDOFF_STATES) {
  describe(`${state}: every action by every role through HTTP`, () => {
    let h: Harness;
    let seq = 0;
    beforeAll(async () => {
      // Monday 2026-11-23 10:00 UTC.
      h = await startHarness({
        now: '2026-11-23T10:00:00Z',
        workflow: (w) => {
          if (state === 'awaiting_approval') w.handoffTypes['order-to-ops'].approval = { by: 'leads' };
          return w;
        },
      });
    });
    afterAll(async () => {
      await h.close();
    });

    const row = async (id: number): Promise<HandoffRow> => {
      const found = await h.app.repo.findById(id);
      if (!found) throw new Error(`handoff #${id} is missing`);
      return found;
    };

    /** The channel post, or while it waits for approval (no post yet) the approver's DM. */
    const where = async (id: number): Promise<{ channel: string; ts: string }> => {
      const ts = (await row(id)).messageTs;
      if (ts) return { channel: CHANNEL, ts };
      const dm = h.fake.dms(APPROVER).find((m) => m.text.includes(`#${id} `) && m.text.includes('asks for your approval'));
      if (!dm) throw new Error(`handoff #${id} has no channel post and no approval DM`);
      return { channel: dm.channel, ts: dm.ts };
    };

    const press = async (userId: string, actionId: string, id: number) => {
      const at = await where(id);
      const res = await h.sim.blockAction({ userId, actionId, value: String(id), channelId: at.channel, messageTs: at.ts });
      expect(res.status).toBe(200);
      await h.settle();
    };

    const lastModal = () => h.fake.lastOpenedView();

    const submitModal = async (userId: string, callbackId: string, privateMetadata: string, values: Record<string, Record<string, unknown>>): Promise<SimResponse> => {
      const res = await h.sim.viewSubmission({ userId, callbackId, privateMetadata, values });
      await h.settle();
      return res;
    };

    /** A new handoff, brought into `target` through the same buttons and modals people use. */
    const handoffIn = async (target: HandoffState): Promise<number> => {
      seq += 1;
      const orderId = `SO-${state.length}${String(seq).padStart(4, '0')}`;
      const viewId = `VPERM-${state}-${seq}`;
      const submitted = await submitOrder(h, { order_id: orderId }, REQUESTER, viewId);
      expect(submitted.body).toBe('');
      const id = (await h.app.repo.findBySubmissionKey(viewId))?.id;
      if (!id) throw new Error('the order was not stored');
      if (target === 'returned') {
        await press(ACCEPTOR, ActionId.reject, id);
        const res = await submitModal(ACCEPTOR, CallbackId.reject, lastModal().private_metadata, { [BlockId.reason]: { value: textValue('Missing the PO number') } });
        expect(res.body).toBe('');
      } else if (target !== 'open') {
        await press(ACCEPTOR, ActionId.accept, id);
        if (target === 'done') {
          await press(ACCEPTOR, ActionId.complete, id);
          const res = await submitModal(ACCEPTOR, CallbackId.complete, lastModal().private_metadata, { [BlockId.field('tracking')]: { value: textValue('1Z999') } });
          expect(res.body).toBe('');
        }
        if (target === 'cancelled') await press(REQUESTER, ActionId.cancel, id);
      }
      const h0 = await row(id);
      expect(h0.state).toBe(target);
      expect(h0.ownerId).toBe(userOf('owner', target));
      return id;
    };

    /** Everything a refused press must leave as it was. */
    const snapshot = async (id: number) => {
      const r = await row(id);
      return {
        handoff: { state: r.state, version: r.version, ownerId: r.ownerId, updatedAt: r.updatedAt, snoozedUntil: r.snoozedUntil, fields: r.fields },
        events: (await h.app.repo.listEvents(id)).length,
        viewsOpened: h.fake.callsTo('views.open').length,
        posted: h.fake.callsTo('chat.postMessage').length,
        updated: h.fake.callsTo('chat.update').length,
      };
    };

    const ephemeralsSince = (n: number) => h.fake.ephemerals.slice(n);

    const expectUnchanged = async (id: number, before: Awaited<ReturnType<typeof snapshot>>) => {
      expect(await snapshot(id)).toEqual(before);
    };

    /** The modal input for an action on this handoff, and the private_metadata its modal carries. */
    const modalInput = async (action: Action, id: number) => {
      const modal = MODAL[action];
      if (!modal) throw new Error(`${action} opens no modal`);
      if (action === 'resubmit')
        return { callbackId: modal.callbackId, meta: JSON.stringify({ typeKey: 'order-to-ops', handoffId: id }), values: orderValues({ order_id: (await row(id)).fields.order_id as string, notes: 'PO 77' }) };
      return { callbackId: modal.callbackId, meta: JSON.stringify({ handoffId: id }), values: modal.values() };
    };

    const expectDenied = async (action: Action, userId: string, id: number) => {
      const before = await snapshot(id);
      const eph = h.fake.ephemerals.length;
      await press(userId, BUTTON[action], id);
      // Told privately, once, why; nothing else happened.
      const told = ephemeralsSince(eph);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ user: userId, channel: (await where(id)).channel });
      expect(told[0]?.text).toMatch(APPLIES_IN[action].includes(state) ? FORBIDDEN_TEXT : WRONG_STATE_TEXT);
      await expectUnchanged(id, before);

      // A modal that should never have opened (stale, or forged) is refused on submission as well.
      if (MODAL[action]) {
        const input = await modalInput(action, id);
        const res = await submitModal(userId, input.callbackId, input.meta, input.values);
        expect(res.json?.response_action).toBe('errors');
        await expectUnchanged(id, before);
        expect(ephemeralsSince(eph)).toHaveLength(1);
      }
    };

    const expectAllowed = async (action: Action, userId: string, id: number) => {
      const before = await row(id);
      const eventsBefore = (await h.app.repo.listEvents(id)).length;
      const opened = h.fake.callsTo('views.open').length;
      const eph = h.fake.ephemerals.length;
      await press(userId, BUTTON[action], id);
      expect(ephemeralsSince(eph).filter((e) => e.text.startsWith(':warning:'))).toEqual([]);

      const modal = MODAL[action];
      if (modal) {
        // The button only opens the modal: the right one, and nothing is stored yet.
        expect(h.fake.callsTo('views.open')).toHaveLength(opened + 1);
        const view = lastModal();
        expect(view.callback_id).toBe(modal.callbackId);
        expect((await row(id)).version).toBe(before.version);
        const input = await modalInput(action, id);
        expect(JSON.parse(view.private_metadata)).toEqual(JSON.parse(input.meta));
        const res = await submitModal(userId, modal.callbackId, view.private_metadata, input.values);
        expect(res.body).toBe('');
      } else {
        expect(h.fake.callsTo('views.open')).toHaveLength(opened);
      }

      const after = await row(id);
      const events = await h.app.repo.listEvents(id);
      expect(after.version).toBe(before.version + 1);
      expect(events).toHaveLength(eventsBefore + 1);
      const event = events.at(-1);
      expect(event?.actorId).toBe(userId);
      expect(event?.fromState).toBe(state);
      const expectState = (type: string, to: HandoffState, ownerId: string) => {
        expect(event?.type).toBe(type);
        expect(event?.toState).toBe(to);
        expect(after.state).toBe(to);
        expect(after.ownerId).toBe(ownerId);
      };
      switch (action) {
        case 'accept':
          expectState('accepted', 'accepted', userId);
          break;
        case 'approve':
          expectState('approved', 'open', REQUESTER);
          break;
        case 'decline':
          expectState('declined', 'returned', REQUESTER);
          expect(event?.data.reason).toBe('No budget for this');
          break;
        case 'reject':
          expectState('rejected', 'returned', REQUESTER);
          expect(event?.data.reason).toBe('Missing the PO number');
          break;
        case 'complete':
          expectState('completed', 'done', before.ownerId);
          expect(after.completion).toEqual({ tracking: '1Z999' });
          break;
        case 'reassign':
          expectState('reassigned', 'accepted', ASSIGNEE);
          break;
        case 'release':
          expectState('released', 'open', REQUESTER);
          break;
        case 'cancel':
          expectState('cancelled', 'cancelled', before.ownerId);
          break;
        case 'resubmit':
          expectState('resubmitted', 'open', REQUESTER);
          expect(after.fields.notes).toBe('PO 77');
          break;
        case 'snooze':
          expectState('snoozed', 'accepted', before.ownerId);
          expect(after.snoozedUntil?.toISOString()).toBe('2026-11-27T00:00:00.000Z');
          break;
        case 'nudge': {
          expectState('nudged', state, before.ownerId);
          expect(event?.data.kind).toBe('requester');
          expect(ephemeralsSince(eph).map((e) => [e.user, e.text])).toEqual([[userId, expect.stringMatching(/^:wave: Nudged /)]]);
          // Accepted: a DM to the owner; still open: a reminder to the team in the post's thread.
          const nudges = () =>
            (state === 'accepted' ? h.fake.dms(ACCEPTOR) : h.fake.threadReplies(CHANNEL, after.messageTs ?? '')).filter((m) => m.text.includes(`<@${REQUESTER}> is `) && m.text.includes(`#${id}`));
          expect(nudges()).toHaveLength(1);
          // At most once per 4 business hours per handoff: refused just before, allowed again at 4 hours.
          h.clock.advance(FOUR_BUSINESS_HOURS - 60_000);
          const limited = await snapshot(id);
          const eph2 = h.fake.ephemerals.length;
          await press(userId, BUTTON.nudge, id);
          expect(ephemeralsSince(eph2).map((e) => [e.user, e.text])).toEqual([[userId, expect.stringContaining('You nudged this handoff recently')]]);
          await expectUnchanged(id, limited);
          h.clock.advance(60_000);
          await press(userId, BUTTON.nudge, id);
          expect((await h.app.repo.listEvents(id)).filter((e) => e.type === 'nudged')).toHaveLength(2);
          expect(nudges()).toHaveLength(2);
          break;
        }
      }
    };

    const cases = ACTIONS.flatMap((action) => ROLES.map((role) => ({ action, role, verdict: EXPECTED[state][action][role] })));
    it.each(cases)('$action by $role → $verdict', async ({ action, role, verdict }) => {
      const id = await handoffIn(state);
      const userId = userOf(role, state);
      if (verdict === 'allowed') await expectAllowed(action, userId, id);
      else await expectDenied(action, userId, id);
    });
  });
}
