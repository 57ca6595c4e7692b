import { afterEach, describe, expect, it } from 'vitest';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { selectValue, signedHeaders, textValue } from '../helpers/slack-requests';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const channelPosts = (channel: string) => h.fake.messages(channel).filter((m) => !m.thread_ts);

/** An order submitted, accepted by U0OPS1 and completed through the completion modal with this tracking number. */
async function orderAcceptedAndDone(tracking: string): Promise<void> {
  await submitOrder(h);
  const post = channelPosts('C0OPS')[0];
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: post.ts });
  await h.settle();
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.complete, value: '1', channelId: 'C0OPS', messageTs: post.ts });
  await h.settle();
  const modal = h.fake.lastOpenedView();
  await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.complete, privateMetadata: modal.private_metadata, values: { [BlockId.field('tracking')]: { value: textValue(tracking) } } });
  await h.settle();
}

describe('requests Slack did not sign', () => {
  it('rejects a bad signature and a stale timestamp with 401, creating nothing', async () => {
    h = await startHarness();
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'U0SALES1' }, view: { id: 'V1', callback_id: CallbackId.form, private_metadata: '{"typeKey":"order-to-ops"}', state: { values: orderValues() } } }))}`;
    const bad = await h.sim.raw(body, { ...signedHeaders('wrong-secret', body, 'application/x-www-form-urlencoded') });
    expect(bad.status).toBe(401);
    const stale = await h.sim.raw(body, { ...signedHeaders('test-signing-secret', body, 'application/x-www-form-urlencoded', Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
    const unsigned = await h.sim.raw(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(401);
    // An Events API delivery (JSON) is checked the same way, and only POST reaches the app at all (Bolt: 404 otherwise).
    const event = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', team_id: 'T0001', event: { type: 'app_home_opened', user: 'U0SALES1', tab: 'home' } });
    expect((await h.sim.raw(event, { ...signedHeaders('wrong-secret', event, 'application/json') })).status).toBe(401);
    expect((await fetch(h.sim.url, { method: 'GET' })).status).toBe(404);
    await h.settle();
    expect(await h.app.repo.findById(1)).toBeNull();
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.fake.callsTo('views.publish')).toHaveLength(0);
  });
});

describe('typed text stays text', () => {
  it('cannot ping @channel or forge a link from a field, a reason or a title', async () => {
    h = await startHarness();
    await submitOrder(h, { customer: '<!channel> @here <https://evil.example|your invoice> & co', notes: '<!subteam^S0FUL> @everyone' });
    const json = JSON.stringify(channelPosts('C0OPS')[0]);
    for (const raw of ['<!channel>', '<!subteam', '<https://evil.example', '@here', '@everyone']) expect(json).not.toContain(raw);
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&amp; co');
    const post = channelPosts('C0OPS')[0];
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.reject, value: '1', channelId: 'C0OPS', messageTs: post.ts });
    await h.settle();
    const modal = h.fake.lastOpenedView();
    await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reject, privateMetadata: modal.private_metadata, values: { reason: { value: textValue('<!here> see <https://x.example|this>') } } });
    await h.settle();
    const all = JSON.stringify([h.fake.threadReplies('C0OPS', post.ts), h.fake.dms('U0SALES1')]);
    expect(all).not.toContain('<!here>');
    expect(all).not.toContain('<https://x.example');
  });

  it('cuts a very long value with a marker instead of failing the post', async () => {
    h = await startHarness();
    await submitOrder(h, { notes: 'x'.repeat(3000) });
    const post = channelPosts('C0OPS')[0];
    const texts = post.blocks.flatMap((b: any) => (b.fields ?? []).map((f: any) => f.text));
    expect(texts.some((t: string) => t.endsWith('(cut)'))).toBe(true);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(2000);
  });
});

describe('nothing twice', () => {
  it('a repeated delivery of the same form submission creates one handoff', async () => {
    h = await startHarness();
    await submitOrder(h, {}, 'U0SALES1', 'V_SAME');
    const again = await submitOrder(h, {}, 'U0SALES1', 'V_SAME');
    expect(again.body).toBe('');
    expect(await h.app.repo.findById(2)).toBeNull();
    expect(channelPosts('C0OPS')).toHaveLength(1);
  });
});

describe('teams from a Slack user group', () => {
  it('resolves members with usergroups.users.list, once, and refreshes on subteam_members_changed', async () => {
    h = await startHarness({
      workflow: (w) => {
        // Make the next step carry everything it needs, so completing order-to-ops starts it at once.
        (w.handoffTypes['ops-to-fulfilment'] as any).fields = w.handoffTypes['ops-to-fulfilment'].fields.filter((f) => f.key !== 'warehouse');
        return w;
      },
    });
    await orderAcceptedAndDone('1Z999');

    // The next handoff started by itself, requested by the completing owner, with the fields carried over.
    const next = await h.app.repo.findById(2);
    expect(next).toMatchObject({ typeKey: 'ops-to-fulfilment', requesterId: 'U0OPS1', parentId: 1, state: 'open' });
    expect(next?.fields).toEqual({ order_id: 'SO-12345', customer: 'ACME GmbH', tracking: '1Z999' });
    const fulPost = channelPosts('C0FUL')[0];
    expect(JSON.stringify(fulPost.blocks)).toContain('1Z999');

    const press = (userId: string) => h.sim.blockAction({ userId, actionId: ActionId.accept, value: '2', channelId: 'C0FUL', messageTs: fulPost.ts });
    await press('U0OPS2');
    await h.settle();
    expect(h.fake.ephemerals.at(-1)?.text).toContain('Only members of the receiving team');
    await press('U0FUL2');
    await h.settle();
    expect((await h.app.repo.findById(2))?.ownerId).toBe('U0FUL2');
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(1);

    await h.sim.event({ type: 'subteam_members_changed', subteam_id: 'S0FUL', team_id: 'T0001', added_users: [], removed_users: [] });
    await h.settle();
    await h.sim.blockAction({ userId: 'U0FUL1', actionId: ActionId.reassign, value: '2', channelId: 'C0FUL', messageTs: fulPost.ts });
    await h.settle();
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(2);
  });
});

describe('the next step when it needs more', () => {
  it('DMs the owner a button that opens the next form prefilled, and only for them', async () => {
    h = await startHarness();
    await orderAcceptedAndDone('1Z1');
    const dm = h.fake.dms('U0OPS1').at(-1);
    const button = dm?.blocks.find((b: any) => b.type === 'actions').elements[0];
    expect(button.action_id).toBe(ActionId.startNext);

    await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.startNext, value: button.value, channelId: 'D0OPS2', messageTs: dm?.ts });
    await h.settle();
    expect(h.fake.callsTo('views.open')).toHaveLength(1);

    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.startNext, value: button.value, channelId: 'D0OPS1', messageTs: dm?.ts });
    await h.settle();
    const form = h.fake.lastOpenedView();
    expect(JSON.parse(form.private_metadata)).toEqual({ typeKey: 'ops-to-fulfilment', parentId: 1 });
    const prefilled = JSON.stringify(form.blocks);
    expect(prefilled).toContain('"initial_value":"SO-12345"');
    expect(prefilled).toContain('"initial_value":"1Z1"');

    const values = {
      [BlockId.field('order_id')]: { value: textValue('SO-12345') },
      [BlockId.field('customer')]: { value: textValue('ACME GmbH') },
      [BlockId.field('tracking')]: { value: textValue('1Z1') },
      [BlockId.field('warehouse')]: { value: selectValue('Berlin') },
    };
    const res = await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.form, privateMetadata: form.private_metadata, values });
    await h.settle();
    expect(res.body).toBe('');
    expect(await h.app.repo.findById(2)).toMatchObject({ parentId: 1, requesterId: 'U0OPS1', toTeam: 'fulfilment' });
  });
});
