import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionId, BlockId, CallbackId, SOMETHING_ELSE } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { checkboxesValue, textValue } from '../helpers/slack-requests';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const post = () => {
  const [m] = h.fake.messages('C0OPS').filter((x) => !x.thread_ts);
  if (!m) throw new Error('no channel post');
  return m;
};

async function openReject(id = 1) {
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.reject, value: String(id), channelId: 'C0OPS', messageTs: post().ts });
  await h.settle();
  return h.fake.lastOpenedView(CallbackId.reject);
}

describe('structured returns through the Reject modal', () => {
  it('offers a checkbox per field of the type plus "Something else", and the reason stays required', async () => {
    await submitOrder(h);
    const modal = await openReject();
    const boxes = modal.blocks.find((b: { block_id?: string }) => b.block_id === BlockId.flagged(0));
    expect(boxes.element.type).toBe('checkboxes');
    expect(boxes.element.options.map((o: { value: string }) => o.value)).toEqual(['order_id', 'customer', 'ship_by', 'priority', 'quantity', 'notes', SOMETHING_ELSE]);
    const res = await h.sim.viewSubmission({
      userId: 'U0OPS1',
      callbackId: CallbackId.reject,
      privateMetadata: modal.private_metadata,
      values: { [BlockId.flagged(0)]: { value: checkboxesValue(['ship_by']) }, reason: { value: textValue('  ') } },
    });
    expect(res.json).toEqual({ response_action: 'errors', errors: { reason: expect.any(String) } });
    expect((await h.app.repo.findById(1))?.state).toBe('open');
  });

  it('a return that flags two fields stores them, says so in the thread, the DM and the history, and the resubmit form marks them', async () => {
    await submitOrder(h);
    const modal = await openReject();
    const res = await h.sim.viewSubmission({
      userId: 'U0OPS1',
      callbackId: CallbackId.reject,
      privateMetadata: modal.private_metadata,
      values: { [BlockId.flagged(0)]: { value: checkboxesValue(['ship_by', 'priority', SOMETHING_ELSE]) }, reason: { value: textValue('Ship date is a Sunday; priority missing') } },
    });
    await h.settle();
    expect(res.body).toBe('');
    const event = (await h.app.repo.listEvents(1)).find((e) => e.type === 'rejected');
    expect(event?.data).toEqual({ reason: 'Ship date is a Sunday; priority missing', flaggedFields: ['ship_by', 'priority'], somethingElse: true });

    const reply = h.fake.threadReplies('C0OPS', post().ts).at(-1);
    expect(reply?.text).toContain('*Missing or wrong:* Ship by, Priority, something else');
    const dm = h.fake.dms('U0SALES1').at(-1);
    expect(JSON.stringify(dm?.blocks)).toContain('Missing or wrong:* Ship by, Priority');

    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.history, value: '1', channelId: 'D0SALES1', messageTs: dm?.ts });
    await h.settle();
    expect(JSON.stringify(h.fake.lastOpenedView(CallbackId.history).blocks)).toContain('missing or wrong: Ship by, Priority, something else');

    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.resubmit, value: '1', channelId: 'D0SALES1', messageTs: dm?.ts });
    await h.settle();
    const form = h.fake.lastOpenedView(CallbackId.form);
    const input = (key: string) => form.blocks.find((b: { block_id?: string }) => b.block_id === BlockId.field(key));
    expect(input('ship_by').label.text).toBe('⚠️ Ship by');
    expect(input('ship_by').hint.text).toBe('Returned: Ship date is a Sunday; priority missing');
    expect(input('priority').label.text).toBe('⚠️ Priority');
    expect(input('customer').label.text).toBe('Customer');
    expect(input('customer').hint).toBeUndefined();
    expect(JSON.stringify(form.blocks[0])).toContain('Missing or wrong:* Ship by, Priority, something else');

    const again = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: form.private_metadata, values: orderValues({ ship_by: '2026-12-02' }) });
    await h.settle();
    expect(again.body).toBe('');
    expect((await h.app.repo.findById(1))?.state).toBe('open');
  });

  it('a return with no box ticked stores an empty list; a tampered field key is refused and changes nothing', async () => {
    await submitOrder(h);
    const modal = await openReject();
    const bad = await h.sim.viewSubmission({
      userId: 'U0OPS1',
      callbackId: CallbackId.reject,
      privateMetadata: modal.private_metadata,
      values: { [BlockId.flagged(0)]: { value: checkboxesValue(['no_such_field']) }, reason: { value: textValue('x') } },
    });
    expect(bad.json.response_action).toBe('errors');
    expect((await h.app.repo.findById(1))?.state).toBe('open');
    await h.sim.viewSubmission({
      userId: 'U0OPS1',
      callbackId: CallbackId.reject,
      privateMetadata: modal.private_metadata,
      values: { [BlockId.flagged(0)]: { value: checkboxesValue([]) }, reason: { value: textValue('Call me') } },
    });
    await h.settle();
    expect((await h.app.repo.listEvents(1)).find((e) => e.type === 'rejected')?.data).toEqual({ reason: 'Call me', flaggedFields: [], somethingElse: false });
    expect(h.fake.threadReplies('C0OPS', post().ts).at(-1)?.text).not.toContain('Missing or wrong');
  });
});
