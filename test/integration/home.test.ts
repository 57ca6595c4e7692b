import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { HOME_REFRESH_DELAY_MS } from '../../src/domain/home';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';
import { selectValue, textValue } from '../helpers/slack-requests';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ now: '2026-11-23T10:00:00Z' });
});
afterEach(async () => {
  await h.close();
});

// Slack payloads are open-ended JSON
type Json = any;

const openHome = async (user: string) => {
  await h.sim.event({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: '1700000040.000500' });
  await h.settle();
};
const homeText = (user: string) => JSON.stringify(h.fake.homeOf(user)?.blocks ?? []);
const publishesTo = (user: string) => h.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
const pendingHomeRefreshes = async () =>
  (await h.app.database.all<{ user: string }>(sql`SELECT ${h.app.database.jsonText(sql`payload`, 'userId')} AS "user" FROM outbox WHERE kind = 'home' AND sent_at IS NULL ORDER BY "user"`)).map((r) => r.user);
/** Lets the refresh delay pass on the app's clock and sends what became due. */
const afterRefreshDelay = async () => {
  h.clock.advance(HOME_REFRESH_DELAY_MS);
  h.app.dispatcher.kick();
  await h.settle();
};
/** The actions block that follows the Home item of handoff `id`. */
const homeButtons = (user: string, id: number): string[] => {
  const blocks: Json[] = h.fake.homeOf(user)?.blocks ?? [];
  const i = blocks.findIndex((b) => b.type === 'section' && String(b.text?.text).includes(`#${id} `));
  return i < 0 ? [] : blocks[i + 1].elements.map((e: Json) => e.action_id);
};
/** A button pressed on the Home tab: the payload has container.type 'view' and no channel. */
const pressOnHome = async (user: string, actionId: string, id: number) => {
  const res = await h.sim.blockAction({ userId: user, actionId, value: String(id), view: { type: 'home' } });
  await h.settle();
  return res;
};

describe('App Home', () => {
  it('publishes the Home of whoever opens it, with empty states, and ignores the Messages tab', async () => {
    await h.sim.event({ type: 'app_home_opened', user: 'U0SALES2', channel: 'D0SALES2', tab: 'messages' });
    await h.settle();
    expect(h.fake.callsTo('views.publish')).toHaveLength(0);

    await openHome('U0SALES2');
    const [publish] = h.fake.callsTo('views.publish');
    expect(publish.args.user_id).toBe('U0SALES2');
    expect(publish.args.view.type).toBe('home');
    expect(homeText('U0SALES2')).toContain('My queue (0)');
    expect(homeText('U0SALES2')).toContain('Nothing is waiting on you.');
    expect(homeText('U0SALES2')).toContain(ActionId.homeStart);
    // Sales has no receiving-side queue for its members, and they lead nothing.
    expect(homeText('U0SALES2')).not.toContain('Team health');
  });

  it('refreshes the Home of the people concerned after a change, one publish per burst', async () => {
    for (const user of ['U0SALES1', 'U0OPS1', 'U0OPSLEAD']) await openHome(user);
    h.fake.clearCalls();

    await submitOrder(h); // #1, to ops
    await submitOrder(h, { order_id: 'SO-22222' }); // #2, moments later
    // Queued, not yet sent: one waiting refresh per viewer however many changes; U0OPS2 never opened Home.
    expect(await pendingHomeRefreshes()).toEqual(['U0OPS1', 'U0OPSLEAD', 'U0SALES1']);
    expect(h.fake.callsTo('views.publish')).toHaveLength(0);

    await afterRefreshDelay();
    expect(['U0SALES1', 'U0OPS1', 'U0OPSLEAD', 'U0OPS2'].map(publishesTo)).toEqual([1, 1, 1, 0]);
    expect(homeText('U0SALES1')).toContain('Waiting on others (2)');
    expect(homeText('U0SALES1')).toContain('waiting for Operations to accept');
    expect(homeText('U0OPS1')).toContain("My teams' queue (Operations) (2)");
    expect(homeButtons('U0OPS1', 1)).toEqual([ActionId.accept, ActionId.history, ActionId.open]);

    // Accept straight from the Home tab.
    h.fake.clearCalls();
    await pressOnHome('U0OPS1', ActionId.accept, 1);
    expect((await h.app.repo.findById(1))?.ownerId).toBe('U0OPS1');
    await afterRefreshDelay();
    expect(['U0SALES1', 'U0OPS1', 'U0OPSLEAD'].map(publishesTo)).toEqual([1, 1, 1]);
    expect(homeText('U0OPS1')).toContain('My queue (1)');
    expect(homeButtons('U0OPS1', 1)).toEqual([ActionId.complete, ActionId.snooze, ActionId.reassign, ActionId.history, ActionId.open]);
    expect(homeText('U0SALES1')).toContain('owned by <@U0OPS1>');
    expect(homeButtons('U0SALES1', 1)).toEqual([ActionId.nudgeOwner, ActionId.history, ActionId.open]);
    expect(homeText('U0OPSLEAD')).toContain("My teams' queue (Operations) (1)");
    expect(homeText('U0OPSLEAD')).toContain('Team health');
  });

  it('refreshes members of a user-group team once the group is known, and never asks Slack on submission', async () => {
    const shipOrder = async (orderId: string) => {
      await h.sim.viewSubmission({
        userId: 'U0OPS1',
        callbackId: CallbackId.form,
        privateMetadata: JSON.stringify({ typeKey: 'ops-to-fulfilment' }),
        values: {
          [BlockId.field('order_id')]: { value: textValue(orderId) },
          [BlockId.field('customer')]: { value: textValue('ACME') },
          [BlockId.field('tracking')]: { value: textValue('1Z') },
          [BlockId.field('warehouse')]: { value: selectValue('Berlin') },
        },
      });
      await h.settle();
    };
    await openHome('U0FUL1'); // building the Home looked up S0FUL
    h.fake.clearCalls();
    await shipOrder('SO-777');
    await afterRefreshDelay();
    expect(publishesTo('U0FUL1')).toBe(1);
    expect(homeText('U0FUL1')).toContain("My teams' queue (Fulfilment) (1)");

    // The group changed in Slack: its members are unknown until someone looks again.
    await h.sim.event({ type: 'subteam_members_changed', subteam_id: 'S0FUL', team_id: 'T0001', date_previous_update: 1, date_update: 2, added_users: [], removed_users: [] });
    await h.settle();
    h.fake.clearCalls();
    await shipOrder('SO-778');
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(0);
    await afterRefreshDelay();
    expect(publishesTo('U0FUL1')).toBe(0);
    await openHome('U0FUL1');
    expect(homeText('U0FUL1')).toContain("My teams' queue (Fulfilment) (2)");
  });

  it('answers a refused Home button by DM, since the Home tab has no channel', async () => {
    await submitOrder(h);
    await pressOnHome('U0OPS1', ActionId.accept, 1);
    await pressOnHome('U0OPS2', ActionId.complete, 1);
    expect(h.fake.ephemerals).toHaveLength(0);
    expect(h.fake.dms('U0OPS2').at(-1)?.text).toContain('Only the owner');
  });

  it('opens the type picker from Start a handoff', async () => {
    await pressOnHome('U0SALES1', ActionId.homeStart, 0);
    const picker = h.fake.lastOpenedView(CallbackId.typePicker);
    expect(picker.blocks[0].element.options.map((o: Json) => o.value)).toEqual(['order-to-ops', 'anything-to-ops']);
  });
});

describe('History', () => {
  it('opens the timeline from the channel post, the DM and the Home', async () => {
    await submitOrder(h);
    h.clock.advance(90 * 60_000);
    const post = h.fake.messages('C0OPS').find((m) => !m.thread_ts);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: post?.ts });
    await h.settle();

    await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.history, value: '1', channelId: 'C0OPS', messageTs: post?.ts });
    await h.settle();
    const modal = h.fake.lastOpenedView(CallbackId.history);
    expect(modal.title.text).toBe('History of #1');
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain('<@U0SALES1> handed it off to Operations');
    expect(text).toContain('<@U0OPS1> accepted it');
    expect(text).toContain('Waiting to be accepted → In progress');
    expect(text).toContain('1h later');
    // Dates are Slack tokens (each viewer sees their own timezone): 2026-11-23T10:00:00Z and 11:30Z.
    expect(text).toContain(`<!date^${Date.parse('2026-11-23T10:00:00Z') / 1000}^{date_short_pretty} {time}|`);
    expect(text).toContain(`<!date^${Date.parse('2026-11-23T11:30:00Z') / 1000}^`);

    // The requester's DM about the acceptance carries History too.
    const dm = h.fake.dms('U0SALES1').at(-1);
    const dmButtons = (dm?.blocks ?? []).filter((b: Json) => b.type === 'actions').flatMap((b: Json) => b.elements.map((e: Json) => e.action_id));
    expect(dmButtons).toContain(ActionId.history);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.history, value: '1', channelId: dm?.channel, messageTs: dm?.ts });
    await pressOnHome('U0OPS1', ActionId.history, 1);
    expect(h.fake.callsTo('views.open').filter((c) => c.args.view.callback_id === CallbackId.history)).toHaveLength(3);
  });
});

describe('/handoff stats', () => {
  it('answers members and leads of the team ephemerally, and refuses others', async () => {
    await submitOrder(h);
    h.clock.advance(60 * 60_000);
    await pressOnHome('U0OPS1', ActionId.accept, 1);
    h.clock.advance(60_000);

    const lead = await h.sim.slashCommand({ userId: 'U0OPSLEAD', text: 'stats ops 7d' });
    expect(lead.json.response_type).toBe('ephemeral');
    const text = JSON.stringify(lead.json.blocks);
    expect(lead.json.blocks[0].text.text).toBe('Operations: last 7 days');
    expect(text).toContain('*Started* 1 (+1)');
    expect(text).toContain('*Accepted* 1 (+1)');
    expect(text).toContain('median 1h');
    expect(text).toContain('New order to Operations');

    const member = await h.sim.slashCommand({ userId: 'U0OPS2', text: 'stats' });
    expect(member.json.blocks[0].text.text).toBe('Operations: last 30 days');

    const outsider = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'stats ops' });
    expect(outsider.json.response_type).toBe('ephemeral');
    expect(outsider.json.text).toContain('Stats of Operations are for its members and leads');
    const badPeriod = await h.sim.slashCommand({ userId: 'U0OPSLEAD', text: 'stats 14d' });
    expect(badPeriod.json.text).toContain('Pick a period of 7d, 30d, 90d');
  });
});
