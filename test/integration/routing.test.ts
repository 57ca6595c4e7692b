import { afterEach, describe, expect, it } from 'vitest';
import type { AssignMode, WorkflowConfig } from '../../src/config/workflow-schema';
import { runDigest, runNudges } from '../../src/jobs/index';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';
import { textValue } from '../helpers/slack-requests';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const MEMBERS = ['U0OPS1', 'U0OPS2', 'U0OPS3'];

/** ops (members U0OPS1–3, lead U0OPSLEAD, round the clock in UTC) offers its work; 30 minutes per offer. */
async function start(mode: AssignMode, more: (w: WorkflowConfig) => void = () => undefined) {
  h = await startHarness({
    now: '2026-11-23T10:00:00Z',
    workflow: (w) => {
      w.teams.ops.assign = mode;
      w.teams.ops.offer = '30m';
      more(w);
      return w;
    },
  });
}

const posts = () => h.fake.messages('C0OPS').filter((m) => !m.thread_ts);
const postOf = (id: number) => posts()[id - 1];
const postText = (id: number) => JSON.stringify(postOf(id).blocks);
const thread = (id: number) => h.fake.threadReplies('C0OPS', postOf(id).ts).map((m) => m.text);
const actionIds = (m: { blocks: any[] } | undefined) => (m?.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));
const offerDms = (userId: string, id: number) => h.fake.dms(userId).filter((m) => m.text.includes(`#${id} `) && m.text.includes('offered to you'));
const offeredTo = async (id: number) => (await h.app.repo.findById(id))?.offeredTo ?? null;
const routingEvents = async (id: number) =>
  (await h.app.repo.listEvents(id))
    .filter((e) => ['offered', 'passed', 'offer_expired', 'offers_exhausted', 'accepted'].includes(e.type))
    .map((e) => (e.type === 'offered' ? `offered:${String(e.data.to)}` : e.type === 'passed' ? `passed:${e.actorId}` : e.type));
const order = (n: number) => submitOrder(h, { order_id: `SO-${1000 + n}` });
const nudges = async (at: string) => {
  h.clock.set(at);
  const result = await runNudges(h.app.jobDeps, h.clock.now());
  await h.settle();
  return result;
};

/** Presses Pass on the person's offer DM and submits the modal with `reason`. */
async function pass(userId: string, id: number, reason = '') {
  const dm = offerDms(userId, id).at(-1);
  if (!dm) throw new Error(`${userId} has no offer of #${id}`);
  await h.sim.blockAction({ userId, actionId: ActionId.pass, value: String(id), channelId: dm.channel, messageTs: dm.ts });
  await h.settle();
  const modal = h.fake.lastOpenedView(CallbackId.pass);
  const res = await h.sim.viewSubmission({ userId, callbackId: CallbackId.pass, privateMetadata: modal.private_metadata, values: { [BlockId.reason]: { value: textValue(reason) } } });
  await h.settle();
  return res;
}

describe('round-robin', () => {
  it('offers three handoffs to three different members, each by DM with Accept and Pass, and says so on the post', async () => {
    await start('round-robin');
    for (const n of [1, 2, 3]) await order(n);
    expect(await Promise.all([1, 2, 3].map(offeredTo))).toEqual(MEMBERS);
    for (const [i, member] of MEMBERS.entries()) {
      const [dm] = offerDms(member, i + 1);
      expect(actionIds(dm)).toEqual([ActionId.accept, ActionId.pass, ActionId.history]);
      expect(postText(i + 1)).toContain(`Offered to <@${member}> until <!date^`);
    }
    // The fourth goes round to the first member again.
    await order(4);
    expect(await offeredTo(4)).toBe('U0OPS1');
    // An offer is not ownership: the requester still owns it until someone accepts.
    expect((await h.app.repo.findById(1))?.ownerId).toBe('U0SALES1');
    expect((await h.app.repo.findById(1))?.state).toBe('open');
  });

  it('the offered person accepts from the DM; anyone else on the team can still accept from the post', async () => {
    await start('round-robin');
    await order(1);
    await order(2);
    const [dm] = offerDms('U0OPS1', 1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: dm.channel, messageTs: dm.ts });
    await h.settle();
    expect(await h.app.repo.findById(1)).toMatchObject({ state: 'accepted', ownerId: 'U0OPS1', offeredTo: null, offerExpiresAt: null });
    expect(postText(1)).not.toContain('Offered to');

    await h.sim.blockAction({ userId: 'U0OPS3', actionId: ActionId.accept, value: '2', channelId: 'C0OPS', messageTs: postOf(2).ts });
    await h.settle();
    expect(await h.app.repo.findById(2)).toMatchObject({ state: 'accepted', ownerId: 'U0OPS3', offeredTo: null });
    // The offer is over: a nudge run later moves nothing.
    expect((await nudges('2026-11-23T11:00:00Z')).sent.offer_expired).toBeUndefined();
  });

  it('Pass (with a reason) and a timeout move the offer on; each is in the history', async () => {
    await start('round-robin');
    await order(1);
    expect(await offeredTo(1)).toBe('U0OPS1');

    expect((await pass('U0OPS1', 1, 'On leave <!here>')).body).toBe('');
    expect(await offeredTo(1)).toBe('U0OPS2');
    expect(thread(1).some((t) => t.includes('passed') && t.includes('On leave &lt;!here&gt;'))).toBe(true);
    // The accept SLA keeps counting through a pass.
    expect((await h.app.repo.findById(1))?.queuedAt.toISOString()).toBe('2026-11-23T10:00:00.000Z');

    // Someone the handoff is not offered to cannot pass it.
    await h.sim.blockAction({ userId: 'U0OPS3', actionId: ActionId.pass, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    expect(h.fake.ephemerals.at(-1)?.text).toContain('not offered to you');

    // U0OPS2 got it at 10:00 and does not answer: 30 minutes later it moves to U0OPS3.
    expect((await nudges('2026-11-23T10:29:00Z')).sent.offer_expired).toBeUndefined();
    expect((await nudges('2026-11-23T10:30:00Z')).sent.offer_expired).toBe(1);
    expect(await offeredTo(1)).toBe('U0OPS3');
    expect(offerDms('U0OPS3', 1)).toHaveLength(1);
    expect(postText(1)).toContain('Offered to <@U0OPS3>');
    // The stale offer DM of U0OPS2 no longer passes.
    const stale = offerDms('U0OPS2', 1)[0];
    await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.pass, value: '1', channelId: stale.channel, messageTs: stale.ts });
    await h.settle();
    expect(await offeredTo(1)).toBe('U0OPS3');

    expect(await routingEvents(1)).toEqual(['offered:U0OPS1', 'passed:U0OPS1', 'offered:U0OPS2', 'offer_expired', 'offered:U0OPS3']);
    const history = (await h.app.repo.listEvents(1)).find((e) => e.type === 'passed');
    expect(history?.data).toMatchObject({ reason: 'On leave <!here>' });
  });

  it('after everyone passed or timed out it waits in the team queue, the post says so, and the leads hear once', async () => {
    await start('round-robin');
    await order(1);
    await pass('U0OPS1', 1);
    await pass('U0OPS2', 1, 'Not my area');
    await nudges('2026-11-23T10:30:00Z');
    expect(await routingEvents(1)).toEqual(['offered:U0OPS1', 'passed:U0OPS1', 'offered:U0OPS2', 'passed:U0OPS2', 'offered:U0OPS3', 'offer_expired', 'offers_exhausted']);
    expect(await h.app.repo.findById(1)).toMatchObject({ state: 'open', offeredTo: null, offerExpiresAt: null });
    expect(postText(1)).toContain('waits in the team queue');
    const leadDms = h.fake.dms('U0OPSLEAD');
    expect(leadDms).toHaveLength(1);
    expect(leadDms[0].text).toContain('Everyone on the team passed');
    expect(actionIds(leadDms[0])).toContain(ActionId.accept);

    // Nothing more happens on later runs; the accept SLA reminders still do their usual work.
    await nudges('2026-11-23T12:00:00Z');
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
    expect((await routingEvents(1)).filter((e) => e === 'offers_exhausted')).toHaveLength(1);

    // Anyone can still accept it from the post.
    await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    expect(await h.app.repo.findById(1)).toMatchObject({ state: 'accepted', ownerId: 'U0OPS2', offersExhaustedAt: null });
  });

  it('a released handoff is offered again, from the member after the last turn', async () => {
    await start('round-robin');
    await order(1);
    const [dm] = offerDms('U0OPS1', 1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: dm.channel, messageTs: dm.ts });
    await h.settle();
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.release, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    expect((await h.app.repo.findById(1))?.state).toBe('open');
    expect(await offeredTo(1)).toBe('U0OPS2');
  });

  it('a type can override its team: queue for one type, offers for the rest', async () => {
    await start('round-robin', (w) => {
      w.handoffTypes['anything-to-ops'].assign = 'queue';
    });
    const res = await h.sim.viewSubmission({
      userId: 'U0SALES1',
      callbackId: CallbackId.form,
      privateMetadata: JSON.stringify({ typeKey: 'anything-to-ops' }),
      values: { [BlockId.field('request')]: { value: textValue('Please call back') } },
    });
    expect(res.body).toBe('');
    await h.settle();
    expect(await offeredTo(1)).toBeNull();
    expect((await h.app.repo.listEvents(1)).map((e) => e.type)).toEqual(['created']);
  });
});

describe('least-loaded', () => {
  it('offers to the member who owns the fewest open and accepted handoffs; ties go to whoever accepted least recently', async () => {
    await start('least-loaded');
    const acceptOffer = async (id: number) => {
      const to = await offeredTo(id) as string;
      await h.sim.blockAction({ userId: to, actionId: ActionId.accept, value: String(id), channelId: 'C0OPS', messageTs: postOf(id).ts });
      await h.settle();
      return to;
    };
    // Nobody owns anything and nobody ever accepted: team order.
    await order(1);
    h.clock.advance(60_000);
    expect(await acceptOffer(1)).toBe('U0OPS1');
    await order(2);
    h.clock.advance(60_000);
    expect(await acceptOffer(2)).toBe('U0OPS2');
    await order(3);
    h.clock.advance(60_000);
    expect(await acceptOffer(3)).toBe('U0OPS3');
    // One each: U0OPS1 accepted longest ago.
    await order(4);
    expect(await offeredTo(4)).toBe('U0OPS1');
    h.clock.advance(60_000);
    await acceptOffer(4);
    // U0OPS1 owns two, the others one each; of those, U0OPS2 accepted longer ago.
    await order(5);
    expect(await offeredTo(5)).toBe('U0OPS2');
  });
});

describe('escalation in steps', () => {
  it('fires each step once per SLA, to the leads, listed people or another team\'s leads, in the history; the breach itself no longer DMs the leads', async () => {
    h = await startHarness({
      now: '2026-11-23T10:00:00Z',
      workflow: (w) => {
        // accept: 4h round the clock, from 10:00: 100% at 14:00, 2h at 12:00, 200% at 18:00.
        w.handoffTypes['order-to-ops'].sla.escalate = [
          { after: '100%', to: 'leads' },
          { after: '2h', to: ['U0HEADOPS'] },
          { after: '200%', to: { team: 'sales' } },
        ];
        return w;
      },
    });
    await order(1);
    const escalations = async () => (await h.app.repo.listEvents(1)).filter((e) => e.type === 'nudged' && e.data.kind === 'escalated').map((e) => e.data);

    expect((await nudges('2026-11-23T11:59:00Z')).sent).toEqual({});
    // The step set before the 75% reminder is looked at on time.
    expect((await nudges('2026-11-23T12:00:00Z')).sent).toEqual({ escalated: 1 });
    expect(h.fake.dms('U0HEADOPS').at(-1)?.text).toContain('Escalation (step 2, 2h of the time to accept)');
    expect((await nudges('2026-11-23T13:00:00Z')).sent).toEqual({ accept_warn: 1 });
    expect((await nudges('2026-11-23T14:00:00Z')).sent).toEqual({ accept_breach: 1, escalated: 1 });
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
    expect(h.fake.dms('U0OPSLEAD')[0].text).toContain('Escalation (step 1, 100% of the time to accept)');
    expect((await nudges('2026-11-23T17:59:00Z')).sent).toEqual({});
    expect((await nudges('2026-11-23T18:00:00Z')).sent).toEqual({ escalated: 1 });
    expect(h.fake.dms('U0SALESLEAD')).toHaveLength(1);
    // Once each, however often the job runs.
    expect((await nudges('2026-11-24T10:00:00Z')).sent).toEqual({});
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
    expect(h.fake.dms('U0HEADOPS')).toHaveLength(1);
    expect(await escalations()).toEqual([
      expect.objectContaining({ step: 2, after: '2h', stage: 'accept', to: ['U0HEADOPS'] }),
      expect.objectContaining({ step: 1, after: '100%', stage: 'accept', to: ['U0OPSLEAD'] }),
      expect.objectContaining({ step: 3, after: '200%', stage: 'accept', to: ['U0SALESLEAD'] }),
    ]);

    // A new SLA (accepted: complete 2d = 48 h) runs the steps again; 2h after acceptance is step 2.
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    expect((await nudges('2026-11-24T12:00:00Z')).sent).toEqual({ escalated: 1 });
    expect(h.fake.dms('U0HEADOPS').at(-1)?.text).toContain('owned by <@U0OPS1>, is still not done');
    expect(await escalations()).toHaveLength(4);
  });

  it('without escalate, a breach tells the leads as before', async () => {
    await start('queue');
    await order(1);
    expect((await nudges('2026-11-23T14:00:00Z')).sent).toEqual({ accept_breach: 1 });
    expect(h.fake.dms('U0OPSLEAD').at(-1)?.text).toContain('not accepted in time');
  });
});

describe('away', () => {
  const say = async (userId: string, text: string) => {
    const res = await h.sim.slashCommand({ userId, text });
    await h.settle();
    return String(res.json?.text ?? '');
  };

  it('/handoff away and back: clear answers, bad input refused and nothing stored', async () => {
    await start('round-robin');
    expect(await say('U0OPS1', 'away')).toContain('/handoff away until 2026-12-01');
    expect(await say('U0OPS1', 'away until 2026-11-20')).toContain('in the future');
    expect(await say('U0OPS1', 'away until 2026-02-30')).toContain('not a calendar date');
    expect(await say('U0OPS1', 'away until 2026-12-01 backup emma')).toContain('@mention');
    expect(await say('U0OPS1', 'away until 2026-12-01 backup <@U0OPS1|me>')).toContain('someone else');
    expect(await say('U0OPS1', 'back')).toBe('You were not away.');
    const set = await say('U0OPS1', 'away until 2026-12-01 backup <@U0OPS2|emma>');
    expect(set).toContain('You are away until <!date^');
    expect(set).toContain('<@U0OPS2> gets your reminders');
    expect(await say('U0OPS1', 'back')).toContain('Welcome back');
  });

  it('an away member gets no offers', async () => {
    await start('round-robin');
    await say('U0OPS2', 'away until 2026-12-01');
    await order(1);
    await order(2);
    expect([await offeredTo(1), await offeredTo(2)]).toEqual(['U0OPS1', 'U0OPS3']);
    await say('U0OPS2', 'back');
    await order(3);
    expect(await offeredTo(3)).toBe('U0OPS1');
  });

  it('an away owner\'s reminders go to the backup (else the leads), saying why; the post, Home and /handoff stalled show it', async () => {
    await start('queue');
    await order(1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    await say('U0OPS1', 'away until 2026-12-01 backup <@U0OPS2|emma>');
    // Accepted Mon 10:00; complete 2d round the clock: the 75% reminder is due Tue 22:00.
    expect((await nudges('2026-11-24T22:00:00Z')).sent).toEqual({ complete_warn: 1 });
    expect(h.fake.dms('U0OPS1').filter((m) => m.text.includes('is due'))).toHaveLength(0);
    const covered = h.fake.dms('U0OPS2').at(-1);
    expect(covered?.text).toContain('(for <@U0OPS1>, who is away)');
    expect(JSON.stringify(covered?.blocks)).toContain('You get this because <@U0OPS1> is away until');
    expect(postText(1)).toContain('Owner away until');

    const stalled = await h.sim.slashCommand({ userId: 'U0OPSLEAD', text: 'stalled' });
    expect(JSON.stringify(stalled.json)).toContain('is away until');

    // Without a backup, the leads hear it: the breach goes to the lead once, not also as a lead.
    await say('U0OPS1', 'away until 2026-12-01');
    expect((await nudges('2026-11-25T10:00:00Z')).sent).toEqual({ complete_breach: 1 });
    const leadDms = h.fake.dms('U0OPSLEAD');
    expect(leadDms).toHaveLength(1);
    expect(leadDms[0].text).toContain('who is away');

    // The Home tab shows it, with a button that ends it.
    await h.sim.event({ type: 'app_home_opened', user: 'U0OPS1', tab: 'home' });
    await h.settle();
    const home = JSON.stringify(h.fake.homeOf('U0OPS1'));
    expect(home).toContain('You are away until');
    expect(home).toContain(ActionId.awayEnd);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.awayEnd, value: '' });
    await h.settle();
    expect(JSON.stringify(h.fake.homeOf('U0OPS1'))).not.toContain('You are away until');
    expect((await nudges('2026-11-26T10:00:00Z')).sent).toEqual({ complete_repeat: 1 });
    expect(h.fake.dms('U0OPS1').at(-1)?.text).toContain('overdue');
  });
});

describe('away from a Slack status', () => {
  const say = async (userId: string, text: string) => {
    const res = await h.sim.slashCommand({ userId, text });
    await h.settle();
    return String(res.json?.text ?? '');
  };
  const profileReads = (userId?: string) => h.fake.callsTo('users.profile.get').filter((c) => userId === undefined || c.args.user === userId).length;
  const unix = (iso: string) => Date.parse(iso) / 1000;
  const withStatuses = (w: WorkflowConfig) => {
    w.away = { fromSlackStatus: true, statusWords: [':palm_tree:', ':face_with_thermometer:', 'OOO', 'vacation', 'out of office', 'sick'] };
  };
  const homeOf = async (userId: string) => {
    await h.sim.event({ type: 'app_home_opened', user: userId, tab: 'home' });
    await h.settle();
    return JSON.stringify(h.fake.homeOf(userId));
  };

  it('a member with a :palm_tree: status gets no offers once the nudge job read it, and offers again when it expired; statuses are read at most every 15 minutes', async () => {
    await start('round-robin', withStatuses);
    h.fake.setStatus('U0OPS2', { emoji: ':palm_tree:', text: 'Back Tuesday', expiration: unix('2026-11-23T12:00:00Z') });
    // Nobody read the status yet, and a request never does: U0OPS1 gets the first one as usual.
    await order(1);
    expect(await offeredTo(1)).toBe('U0OPS1');
    expect(profileReads()).toBe(0);

    await nudges('2026-11-23T10:01:00Z');
    // Every member and lead of every team, once each.
    expect(profileReads('U0OPS2')).toBe(1);
    expect(profileReads('U0OPSLEAD')).toBe(1);
    expect(profileReads('U0SALES1')).toBe(1);
    const everyone = profileReads();
    await order(2);
    expect(await offeredTo(2)).toBe('U0OPS3');
    expect(await routingEvents(2)).toEqual(['offered:U0OPS3']);
    await h.sim.event({ type: 'app_home_opened', user: 'U0OPS2', tab: 'home' });
    await h.settle();
    expect(profileReads('U0OPS2')).toBe(1);

    // Within 15 minutes nothing is read again; after, everything is.
    await nudges('2026-11-23T10:15:59Z');
    expect(profileReads('U0OPS2')).toBe(1);
    await nudges('2026-11-23T10:16:00Z');
    expect(profileReads('U0OPS2')).toBe(2);
    expect(profileReads()).toBe(2 * everyone);

    // The status expired at 12:00: without another read, U0OPS2 is offered work again.
    h.clock.set('2026-11-23T12:00:30Z');
    await order(3);
    await order(4);
    expect([await offeredTo(3), await offeredTo(4)]).toEqual(['U0OPS1', 'U0OPS2']);
    expect(profileReads('U0OPS2')).toBe(2);
  });

  it('without away.fromSlackStatus no status is read and a vacation status counts for nothing', async () => {
    await start('round-robin');
    h.fake.setStatus('U0OPS1', { emoji: ':palm_tree:', text: '' });
    await nudges('2026-11-23T10:01:00Z');
    expect(profileReads()).toBe(0);
    await order(1);
    expect(await offeredTo(1)).toBe('U0OPS1');
  });

  it('a status text counts by its words, and a status that stops saying away ends the absence at the next read', async () => {
    await start('round-robin', withStatuses);
    h.fake.setStatus('U0OPS1', { emoji: ':house:', text: 'Out of office, back Monday' });
    h.fake.setStatus('U0OPS2', { emoji: ':house:', text: 'Sickle cell research' });
    await nudges('2026-11-23T10:01:00Z');
    await order(1);
    expect(await offeredTo(1)).toBe('U0OPS2');
    h.fake.setStatus('U0OPS1', null);
    await nudges('2026-11-23T10:20:00Z');
    await order(2);
    expect(await offeredTo(2)).toBe('U0OPS3');
    await order(3);
    expect(await offeredTo(3)).toBe('U0OPS1');
  });

  it('a manual /handoff away wins over a status: its backup gets the reminders; /handoff back leaves the status standing', async () => {
    await start('queue', withStatuses);
    await order(1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    h.fake.setStatus('U0OPS1', { emoji: ':face_with_thermometer:', text: 'Flu' });
    await nudges('2026-11-23T10:01:00Z');
    // The post of what they own says so, and for how long.
    expect(postText(1)).toContain('Owner away until their Slack status changes');
    expect(await homeOf('U0OPS1')).toContain('Your Slack status says you are away until your Slack status changes');

    // The status has no backup: the 75% reminder (Tue 22:00) goes to the lead.
    expect((await nudges('2026-11-24T22:00:00Z')).sent).toEqual({ complete_warn: 1 });
    expect(h.fake.dms('U0OPSLEAD').at(-1)?.text).toContain('(for <@U0OPS1>, who is away)');
    expect(JSON.stringify(h.fake.dms('U0OPSLEAD').at(-1)?.blocks)).toContain('is away until their Slack status changes');

    // Their own /handoff away, with a backup, is what counts now.
    expect(await say('U0OPS1', 'away until 2026-12-01 backup <@U0OPS2|emma>')).toContain('You are away until <!date^');
    const home = await homeOf('U0OPS1');
    expect(home).toContain('You are away until <!date^');
    expect(home).toContain(ActionId.awayEnd);
    expect((await nudges('2026-11-25T10:00:00Z')).sent).toEqual({ complete_breach: 1 });
    expect(h.fake.dms('U0OPS2').at(-1)?.text).toContain('(for <@U0OPS1>, who is away)');
    expect(h.fake.dms('U0OPS1').filter((m) => m.text.includes('overdue'))).toHaveLength(0);

    // Ending it leaves the status, which still says away.
    expect(await say('U0OPS1', 'back')).toContain('Slack status still says you are away');
    expect(await homeOf('U0OPS1')).toContain('Your Slack status says you are away');
  });

  it('the digest and the requester\'s Home show that the owner is away; the lead\'s Home lists it with Reassign', async () => {
    await start('queue', withStatuses);
    await order(1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: postOf(1).ts });
    await h.settle();
    h.fake.setStatus('U0OPS1', { emoji: ':palm_tree:', text: '', expiration: unix('2026-11-30T00:00:00Z') });
    await nudges('2026-11-23T10:01:00Z');

    const requesterHome = await homeOf('U0SALES1');
    expect(requesterHome).toContain(`owned by <@U0OPS1> · :palm_tree: owner away until <!date^${unix('2026-11-30T00:00:00Z')}^`);

    const leadHome = JSON.parse(await homeOf('U0OPSLEAD'));
    const headers = leadHome.blocks.filter((b: any) => b.type === 'header').map((b: any) => b.text.text);
    expect(headers).toContain('Owner away (1)');
    const i = leadHome.blocks.findIndex((b: any) => b.type === 'header' && b.text.text === 'Owner away (1)');
    expect(leadHome.blocks[i + 1].text.text).toContain('owner away until');
    expect(actionIds(leadHome.blocks[i + 2] && { blocks: [leadHome.blocks[i + 2]] })).toContain(ActionId.reassign);
    // Someone who is neither lead nor requester sees no such section.
    expect(await homeOf('U0OPS3')).not.toContain('Owner away (');

    // Complete 2d from Mon 10:00: overdue Wed 10:00; the digest goes out after 09:00 local.
    await nudges('2026-11-25T10:00:00Z');
    await runDigest(h.app.jobDeps, h.clock.now());
    await h.settle();
    const digestOf = (userId: string) => h.fake.dms(userId).find((m) => m.text.startsWith('Your stalled handoffs today'));
    const requesterDigest = digestOf('U0SALES1');
    expect(JSON.stringify(requesterDigest?.blocks)).toContain(`:palm_tree: owner away until <!date^${unix('2026-11-30T00:00:00Z')}^`);
    expect(actionIds(requesterDigest)).toContain(ActionId.nudgeOwner);
    const leadDigest = digestOf('U0OPSLEAD');
    expect(JSON.stringify(leadDigest?.blocks)).toContain('owner away until');
    expect(actionIds(leadDigest)).toContain(ActionId.reassign);
  });
});

describe('many offers running out at once', () => {
  const CARE = ['U0CARE1', 'U0CARE2', 'U0CARE3', 'U0CARE4'];
  const DESK = ['U0DESK1', 'U0DESK2'];
  const ask = async (typeKey: string, text: string) => {
    const res = await h.sim.viewSubmission({
      userId: 'U0SALES1',
      callbackId: CallbackId.form,
      privateMetadata: JSON.stringify({ typeKey }),
      values: { [BlockId.field('request')]: { value: textValue(text) } },
    });
    expect(res.body).toBe('');
    await h.settle();
  };

  it.each([
    ['all in one transaction (the nudge job)', undefined],
    ['two per transaction', 2],
  ])('one pass moves each on to the right next person across teams, %s', async (_, chunk) => {
    await start('round-robin', (w) => {
      const ops = w.teams.ops;
      w.teams.care = { ...ops, name: 'Care', channel: 'C0CARE', members: CARE, leads: ['U0CARELEAD'] };
      w.teams.desk = { ...ops, name: 'Desk', channel: 'C0DESK', members: DESK, leads: ['U0DESKLEAD'] };
      w.handoffTypes['anything-to-care'] = { ...w.handoffTypes['anything-to-ops'], name: 'Ask Care', to: 'care' };
      w.handoffTypes['anything-to-desk'] = { ...w.handoffTypes['anything-to-ops'], name: 'Ask Desk', to: 'desk' };
    });
    for (const n of [1, 2, 3, 4]) await order(n);
    await ask('anything-to-care', 'Call back');
    await ask('anything-to-care', 'Refund');
    await ask('anything-to-desk', 'New badge');
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(offeredTo))).toEqual(['U0OPS1', 'U0OPS2', 'U0OPS3', 'U0OPS1', 'U0CARE1', 'U0CARE2', 'U0DESK1']);
    // Desk's first member passes: its second has the last turn there.
    const dm = h.fake.dms('U0DESK1').find((m) => m.text.includes('#7 ') && m.text.includes('offered to you'));
    if (!dm) throw new Error('no offer DM for U0DESK1');
    await h.sim.blockAction({ userId: 'U0DESK1', actionId: ActionId.pass, value: '7', channelId: dm.channel, messageTs: dm.ts });
    await h.settle();
    const modal = h.fake.lastOpenedView(CallbackId.pass);
    await h.sim.viewSubmission({ userId: 'U0DESK1', callbackId: CallbackId.pass, privateMetadata: modal.private_metadata, values: { [BlockId.reason]: { value: textValue('') } } });
    await h.settle();
    expect(await offeredTo(7)).toBe('U0DESK2');
    // Care's third member goes away before the offers run out.
    await h.sim.slashCommand({ userId: 'U0CARE3', text: 'away until 2026-12-01' });
    await h.settle();

    h.clock.set('2026-11-23T10:30:00Z');
    const service = h.app.jobDeps.offers as unknown as { moveTimedOutOffers(now: Date, opts?: { chunk?: number }): Promise<number> };
    expect(await service.moveTimedOutOffers(h.clock.now(), { chunk })).toBe(7);
    await h.settle();

    // ops: the turn goes round from U0OPS1 through the whole batch, skipping nobody.
    // care: the turn was U0CARE2; U0CARE3 is away, so U0CARE4, then round to U0CARE1.
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map(offeredTo))).toEqual(['U0OPS2', 'U0OPS3', 'U0OPS1', 'U0OPS2', 'U0CARE4', 'U0CARE1']);
    expect(await routingEvents(1)).toEqual(['offered:U0OPS1', 'offer_expired', 'offered:U0OPS2']);
    expect(await routingEvents(5)).toEqual(['offered:U0CARE1', 'offer_expired', 'offered:U0CARE4']);
    for (const [id, to] of [[1, 'U0OPS2'], [2, 'U0OPS3'], [4, 'U0OPS2'], [5, 'U0CARE4'], [6, 'U0CARE1']] as const) {
      expect(h.fake.dms(to).filter((m) => m.text.includes(`#${id} `) && m.text.includes('offered to you'))).toHaveLength(1);
    }
    expect(h.fake.dms('U0CARE3').filter((m) => m.text.includes('offered to you'))).toHaveLength(0);
    expect((await h.app.repo.findById(1))?.offerExpiresAt?.toISOString()).toBe('2026-11-23T11:00:00.000Z');
    // desk: both members had their turn: the team queue, and its lead hears it once.
    expect(await routingEvents(7)).toEqual(['offered:U0DESK1', 'passed:U0DESK1', 'offered:U0DESK2', 'offer_expired', 'offers_exhausted']);
    expect(await h.app.repo.findById(7)).toMatchObject({ state: 'open', offeredTo: null, offerExpiresAt: null });
    expect(h.fake.dms('U0DESKLEAD')).toHaveLength(1);
    expect(h.fake.dms('U0DESKLEAD')[0].text).toContain('Everyone on the team passed');
    // Two lifecycle changes per handoff, as one after another would make.
    expect((await h.app.repo.findById(5))?.version).toBe(4);

    // The next offers continue from the turns the batch left.
    await order(5);
    expect(await offeredTo(8)).toBe('U0OPS3');
    await ask('anything-to-care', 'Invoice');
    expect(await offeredTo(9)).toBe('U0CARE2');
    // Nothing is due any more.
    expect(await service.moveTimedOutOffers(h.clock.now(), { chunk })).toBe(0);
  });
});
