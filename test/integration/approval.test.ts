/**
 * Issue 16, approval before handing off: a type with `approval` waits in AWAITING_APPROVAL, its
 * approvers decide from a DM (Approve / Decline with a reason), and only then does the receiving
 * team see it. Driven over HTTP against the fake Slack, like people would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { runDigest, runNudges } from '../../src/jobs/index';
import { HOME_REFRESH_DELAY_MS } from '../../src/domain/home';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { textValue } from '../helpers/slack-requests';
import { splitPersonalItems } from '../../src/domain/home';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const REQUESTER = 'U0SALES1';
const APPROVER = 'U0SALESLEAD'; // `by: leads`: the sending team's (sales) leads
const HEAD = 'U0HEAD';
const START = '2026-11-23T10:00:00Z';

/** order-to-ops needs its sales lead's approval within 2 hours (round the clock: sales has no hours), escalating to U0HEAD at 150%. */
async function start(more: (w: WorkflowConfig) => void = () => undefined) {
  h = await startHarness({
    now: START,
    workflow: (w) => {
      const type = w.handoffTypes['order-to-ops'];
      type.approval = { by: 'leads', escalate: [{ after: '150%', to: [HEAD] }] };
      type.sla = { ...type.sla, approve: '2h' };
      more(w);
      return w;
    },
  });
}

// Slack messages are open-ended JSON
const actionIds = (m: { blocks: any[] } | undefined) => (m?.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));
const approvalDms = (userId: string, id: number) => h.fake.dms(userId).filter((m) => JSON.stringify(m.blocks).includes(`"value":"${id}"`) && /approval/.test(m.text));
const posts = () => h.fake.messages('C0OPS').filter((m) => !m.thread_ts);
const row = async (id: number) => {
  const found = await h.app.repo.findById(id);
  if (!found) throw new Error(`#${id} missing`);
  return found;
};
const press = async (userId: string, actionId: string, id: number, where: { channel: string; ts: string }) => {
  const res = await h.sim.blockAction({ userId, actionId, value: String(id), channelId: where.channel, messageTs: where.ts });
  expect(res.status).toBe(200);
  await h.settle();
};
const nudgesAt = async (at: string) => {
  h.clock.set(at);
  const result = await runNudges(h.app.jobDeps, h.clock.now());
  await h.settle();
  return result.sent;
};
async function submit(orderId = 'SO-1001'): Promise<number> {
  const res = await submitOrder(h, { order_id: orderId }, REQUESTER);
  expect(res.body).toBe('');
  return Math.max(...(await h.app.repo.listByState(['awaiting_approval'])).map((x) => x.id));
}
const openHome = async (user: string) => {
  await h.sim.event({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: '1700000040.000500' });
  await h.settle();
};
const homeText = (user: string) => JSON.stringify(h.fake.homeOf(user)?.blocks ?? []);
/** The actions block that follows the Home item of handoff `id`; empty when the Home does not list it. */
const homeButtons = (user: string, id: number): string[] => {
  const blocks: any[] = h.fake.homeOf(user)?.blocks ?? [];
  const i = blocks.findIndex((b) => b.type === 'section' && String(b.text?.text).includes(`#${id} `));
  return i < 0 ? [] : blocks[i + 1].elements.map((e: any) => e.action_id);
};
/** A button pressed on the Home tab: the payload has container.type 'view' and no channel. */
const pressOnHome = async (userId: string, actionId: string, id: number) => {
  const res = await h.sim.blockAction({ userId, actionId, value: String(id), view: { type: 'home' } });
  expect(res.status).toBe(200);
  await h.settle();
};
/** Lets the Home refresh delay pass and sends the refreshes that became due. */
const afterRefreshDelay = async () => {
  h.clock.advance(HOME_REFRESH_DELAY_MS);
  h.app.dispatcher.kick();
  await h.settle();
};
async function decline(userId: string, id: number, reason: string) {
  const dm = approvalDms(userId, id).at(-1);
  if (!dm) throw new Error(`${userId} has no approval DM of #${id}`);
  await press(userId, ActionId.decline, id, dm);
  const modal = h.fake.lastOpenedView(CallbackId.decline);
  const res = await h.sim.viewSubmission({ userId, callbackId: CallbackId.decline, privateMetadata: modal.private_metadata, values: { [BlockId.reason]: { value: textValue(reason) } } });
  await h.settle();
  return res;
}

describe('approval', () => {
  it('waits for approval unseen by the team; Approve posts it to the team, starts the time to accept and updates the approval DM', async () => {
    await start();
    const id = await submit();
    expect((await row(id)).state).toBe('awaiting_approval');
    expect(posts()).toHaveLength(0);
    const created = (await h.app.repo.listEvents(id))[0];
    expect(created).toMatchObject({ type: 'created', toState: 'awaiting_approval', data: { approvers: [APPROVER] } });
    // The approver's DM: who asks, the fields, Approve / Decline.
    const [ask] = approvalDms(APPROVER, id);
    expect(actionIds(ask)).toEqual([ActionId.approve, ActionId.decline, ActionId.history]);
    expect(JSON.stringify(ask.blocks)).toContain('ACME GmbH');
    expect(h.fake.dms(REQUESTER).at(-1)?.text).toContain(`waits for approval by <@${APPROVER}>`);
    // The requester's Home lists it as waiting for approval.
    const home = splitPersonalItems((await h.app.stalls.listActiveFor(REQUESTER)), REQUESTER, h.clock.now());
    expect(home.waiting.map((i) => [i.id, i.state])).toEqual([[id, 'awaiting_approval']]);
    expect(home.mine).toEqual([]);

    h.clock.set('2026-11-23T11:00:00Z');
    await press(APPROVER, ActionId.approve, id, ask);
    const approved = (await row(id));
    expect(approved.state).toBe('open');
    // The accept SLA (4h, round the clock) counts from the approval, not from the submission.
    expect(approved.queuedAt.toISOString()).toBe('2026-11-23T11:00:00.000Z');
    expect(approved.acceptDueAt?.toISOString()).toBe('2026-11-23T15:00:00.000Z');
    expect(posts()).toHaveLength(1);
    expect(actionIds(posts()[0])).toContain(ActionId.accept);
    expect((await h.app.repo.listEvents(id)).map((e) => e.type)).toEqual(['created', 'approved']);
    // The DM now says who approved it, without buttons.
    const settled = approvalDms(APPROVER, id)[0];
    expect(actionIds(settled)).toEqual([ActionId.history]);
    expect(JSON.stringify(settled.blocks)).toContain(`Approved by <@${APPROVER}>`);
    expect(h.fake.dms(REQUESTER).at(-1)?.text).toContain(`<@${APPROVER}> approved your handoff`);
    // The team can now accept it as usual.
    await press('U0OPS1', ActionId.accept, id, { channel: 'C0OPS', ts: posts()[0].ts });
    expect((await row(id)).state).toBe('accepted');
  });

  it('Decline needs a reason, returns it to the requester like a return, and a resubmission asks for approval again', async () => {
    await start();
    const id = await submit();
    const empty = await decline(APPROVER, id, '  ');
    expect(empty.json?.response_action).toBe('errors');
    expect((await row(id)).state).toBe('awaiting_approval');

    expect((await decline(APPROVER, id, 'Budget code missing')).body).toBe('');
    const returned = (await row(id));
    expect(returned.state).toBe('returned');
    expect(returned.ownerId).toBe(REQUESTER);
    const dm = h.fake.dms(REQUESTER).at(-1);
    expect(dm?.text).toContain(`<@${APPROVER}> declined`);
    expect(JSON.stringify(dm?.blocks)).toContain('Budget code missing');
    expect(actionIds(dm)).toContain(ActionId.resubmit);
    expect(JSON.stringify(approvalDms(APPROVER, id)[0].blocks)).toContain('Declined by');
    // The team never saw it.
    expect(posts()).toHaveLength(0);
    expect((await h.app.service.lastReturnReason(id))).toBe('Budget code missing');

    // Resubmitted, it waits for approval again: a fresh DM with buttons.
    const res = await h.sim.viewSubmission({ userId: REQUESTER, callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops', handoffId: id }), values: orderValues({ order_id: 'SO-1001', notes: 'Budget 4711' }) });
    await h.settle();
    expect(res.body).toBe('');
    expect((await row(id)).state).toBe('awaiting_approval');
    const asks = approvalDms(APPROVER, id);
    expect(asks).toHaveLength(2);
    expect(actionIds(asks[1])).toEqual([ActionId.approve, ActionId.decline, ActionId.history]);
    expect(posts()).toHaveLength(0);
    await press(APPROVER, ActionId.approve, id, asks[1]);
    expect((await row(id)).state).toBe('open');
    expect(posts()).toHaveLength(1);
  });

  it('only an approver may press: others are told privately and nothing changes', async () => {
    await start();
    const id = await submit();
    const [ask] = approvalDms(APPROVER, id);
    for (const [userId, actionId] of [
      [REQUESTER, ActionId.approve],
      ['U0OPSLEAD', ActionId.approve],
      ['U0OPS1', ActionId.decline],
      ['U0SALES2', ActionId.approve],
    ] as const) {
      const eph = h.fake.ephemerals.length;
      const opened = h.fake.callsTo('views.open').length;
      await press(userId, actionId, id, ask);
      const told = h.fake.ephemerals.slice(eph);
      expect(told.map((e) => e.user)).toEqual([userId]);
      expect(told[0].text).toContain(`Only <@${APPROVER}> can approve or decline this handoff.`);
      if (userId === REQUESTER) expect(told[0].text).toContain('You cannot approve your own request.');
      expect(h.fake.callsTo('views.open')).toHaveLength(opened);
    }
    expect((await row(id)).state).toBe('awaiting_approval');
    expect((await row(id)).version).toBe(1);
    // The team cannot accept what is not approved.
    await expect(h.app.service.accept(id, 'U0OPS1')).rejects.toThrow(/waiting for approval/);
  });

  it('reminds the approver at 75% and at the deadline, escalates at 150%, each once; approving settles every DM that asked', async () => {
    await start();
    const id = await submit();
    expect(await nudgesAt('2026-11-23T11:29:00Z')).toEqual({});
    expect(await nudgesAt('2026-11-23T11:30:00Z')).toEqual({ approve_warn: 1 });
    expect(approvalDms(APPROVER, id)).toHaveLength(2);
    expect(approvalDms(APPROVER, id)[1].text).toMatch(/^:alarm_clock: Reminder: /);
    expect(await nudgesAt('2026-11-23T11:45:00Z')).toEqual({});
    expect(await nudgesAt('2026-11-23T12:00:00Z')).toEqual({ approve_breach: 1 });
    expect(approvalDms(APPROVER, id)).toHaveLength(3);
    expect(h.fake.dms(REQUESTER).at(-1)?.text).toContain('was not approved in time');
    expect(await nudgesAt('2026-11-23T13:00:00Z')).toEqual({ escalated: 1 });
    const escalation = h.fake.dms(HEAD).at(-1);
    expect(escalation?.text).toContain('Escalation (step 1, 150% of the time to approve)');
    expect(escalation?.text).toContain('still waiting for approval');
    expect(await nudgesAt('2026-11-23T18:00:00Z')).toEqual({});
    // The receiving team heard nothing of it, and its leads got no escalation.
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(0);
    expect(posts()).toHaveLength(0);
    // The escalated person may read the history (the DM's History button).
    const eph = h.fake.ephemerals.length;
    await press(HEAD, ActionId.history, id, { channel: escalation?.channel ?? '', ts: escalation?.ts ?? '' });
    expect(h.fake.ephemerals.slice(eph)).toEqual([]);
    expect(JSON.stringify(h.fake.lastOpenedView(CallbackId.history).blocks)).toContain('escalated it to');

    await press(APPROVER, ActionId.approve, id, approvalDms(APPROVER, id)[2]);
    expect(approvalDms(APPROVER, id).map(actionIds)).toEqual([[ActionId.history], [ActionId.history], [ActionId.history]]);
    // Open now, on the accept SLA's clock from 18:00: no approval reminder is left to fire.
    expect((await row(id)).acceptWarnAt?.toISOString()).toBe('2026-11-23T21:00:00.000Z');
    expect(await nudgesAt('2026-11-23T20:00:00Z')).toEqual({});
  });

  it('the requester may cancel while it waits; the approval DM says so', async () => {
    await start();
    const id = await submit();
    const mine = h.fake.dms(REQUESTER).at(-1);
    if (!mine) throw new Error('no DM');
    expect(actionIds(mine)).toEqual([ActionId.cancel, ActionId.history]);
    await press(REQUESTER, ActionId.cancel, id, mine);
    expect((await row(id)).state).toBe('cancelled');
    expect(JSON.stringify(approvalDms(APPROVER, id)[0].blocks)).toContain(`Cancelled by <@${REQUESTER}>`);
    expect(posts()).toHaveLength(0);
  });

  it('{ team } approval: that team’s leads approve; a submitter who is the only approver is refused with the form kept', async () => {
    await start((w) => {
      w.handoffTypes['order-to-ops'].approval = { by: { team: 'ops' } };
      w.handoffTypes['anything-to-ops'].approval = { by: ['U0SALES1'] };
    });
    const id = await submit();
    expect((await h.app.repo.listEvents(id))[0].data.approvers).toEqual(['U0OPSLEAD']);
    expect(approvalDms('U0OPSLEAD', id)).toHaveLength(1);
    const res = await h.sim.viewSubmission({
      userId: 'U0SALES1',
      callbackId: CallbackId.form,
      privateMetadata: JSON.stringify({ typeKey: 'anything-to-ops' }),
      values: { [BlockId.field('request')]: { value: textValue('Please call') } },
    });
    await h.settle();
    expect(res.json?.response_action).toBe('errors');
    expect(JSON.stringify(res.json)).toContain('nobody but you could give it');
    expect((await h.app.repo.listByState(['awaiting_approval', 'open'])).filter((x) => x.typeKey === 'anything-to-ops')).toHaveLength(0);
  });

  it('the approver’s Home lists what waits for their approval with Approve / Decline that work; nobody else’s Home shows it', async () => {
    await start();
    for (const user of [APPROVER, REQUESTER, 'U0SALES2', 'U0OPSLEAD', 'U0OPS1']) await openHome(user);
    expect(homeText(APPROVER)).not.toContain('Waiting for your approval');
    const first = await submit('SO-1001');
    const second = await submit('SO-1002');
    await afterRefreshDelay();
    // Submitting refreshed the approver's Home, which lists both with the DM's buttons.
    expect(homeText(APPROVER)).toContain('Waiting for your approval (2)');
    expect(homeText(APPROVER)).toContain(`from <@${REQUESTER}>`);
    for (const id of [first, second]) expect(homeButtons(APPROVER, id)).toEqual([ActionId.approve, ActionId.decline, ActionId.history]);
    // The requester sees them as waiting, without buttons to decide; a colleague and the receiving team not at all.
    expect(homeButtons(REQUESTER, first)).toEqual([ActionId.history]);
    expect(homeText(REQUESTER)).not.toContain('Waiting for your approval');
    for (const other of ['U0SALES2', 'U0OPSLEAD', 'U0OPS1']) {
      expect(homeText(other)).not.toContain('Waiting for your approval');
      expect(homeButtons(other, first)).toEqual([]);
    }

    // A forged press from someone else's Home is refused by the same check as the DM's, answered by DM.
    await pressOnHome('U0SALES2', ActionId.approve, first);
    expect(h.fake.dms('U0SALES2').at(-1)?.text).toContain(`Only <@${APPROVER}> can approve or decline this handoff.`);
    expect((await row(first)).state).toBe('awaiting_approval');

    // Approve from Home: posted to the team, the DM settles, and the approver's Home drops it.
    h.fake.clearCalls();
    await pressOnHome(APPROVER, ActionId.approve, first);
    expect((await row(first)).state).toBe('open');
    expect(posts()).toHaveLength(1);
    expect(actionIds(approvalDms(APPROVER, first)[0])).toEqual([ActionId.history]);
    await afterRefreshDelay();
    expect(homeText(APPROVER)).toContain('Waiting for your approval (1)');
    expect(homeButtons(APPROVER, first)).toEqual([]);
    // The team's Home now has it in its queue.
    expect(homeButtons('U0OPS1', first)).toEqual([ActionId.accept, ActionId.history, ActionId.open]);

    // Decline from Home opens the reason modal; its submission returns it to the requester.
    await pressOnHome(APPROVER, ActionId.decline, second);
    const modal = h.fake.lastOpenedView(CallbackId.decline);
    const res = await h.sim.viewSubmission({ userId: APPROVER, callbackId: CallbackId.decline, privateMetadata: modal.private_metadata, values: { [BlockId.reason]: { value: textValue('No budget') } } });
    await h.settle();
    expect(res.body).toBe('');
    expect((await row(second)).state).toBe('returned');
    await afterRefreshDelay();
    expect(homeText(APPROVER)).not.toContain('Waiting for your approval');
    expect(homeButtons(REQUESTER, second)).toContain(ActionId.resubmit);
  });

  it('the daily digest lists an approval past its reminder point once, to its approver only, with buttons that work', async () => {
    await start();
    const id = await submit();
    const digest = async (at: string) => {
      h.clock.set(at);
      const result = await runDigest(h.app.jobDeps, h.clock.now());
      await h.settle();
      return result;
    };
    const digests = (userId: string) => h.fake.dms(userId).filter((m) => m.text.startsWith('Your stalled handoffs'));
    // Before 75% of the 2h to approve it is not stalled; from 11:30 it is.
    expect(await digest('2026-11-23T11:29:00Z')).toMatchObject({ queued: 0 });
    expect(await digest('2026-11-23T11:30:00Z')).toMatchObject({ candidates: 1, queued: 1 });
    const [dm] = digests(APPROVER);
    const items = dm.blocks.filter((b: any) => b.type === 'section' && b.text.text.includes(`#${id} `));
    expect(items).toHaveLength(1);
    expect(JSON.stringify(dm.blocks)).toContain('Waiting for your approval');
    expect(actionIds(dm)).toEqual([ActionId.approve, ActionId.decline]);
    // Once a day, even though it is overdue later.
    expect(await digest('2026-11-23T12:30:00Z')).toMatchObject({ queued: 0 });
    expect(digests(APPROVER)).toHaveLength(1);
    for (const other of [REQUESTER, 'U0SALES2', 'U0OPSLEAD']) expect(digests(other)).toEqual([]);
    // `/handoff mine` shows the same as the digest.
    const mine = await h.sim.slashCommand({ userId: APPROVER, text: 'mine' });
    expect(JSON.stringify(mine.json.blocks)).toContain('Waiting for your approval');
    expect(JSON.stringify(mine.json.blocks)).toContain(ActionId.approve);

    await press(APPROVER, ActionId.approve, id, dm);
    expect((await row(id)).state).toBe('open');
    expect(posts()).toHaveLength(1);
  });
});
