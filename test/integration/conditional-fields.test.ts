import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldConfig } from '../../src/config/workflow-schema';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness } from '../helpers/harness';
import { selectValue, textValue } from '../helpers/slack-requests';

// Slack payloads are open-ended JSON
type Json = any;

const urgency: FieldConfig = { key: 'urgency', label: 'Why urgent', type: 'text', required: true, unique: false, when: { field: 'priority', is: 'Urgent' } };

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    workflow: (w) => {
      const fields = w.handoffTypes['order-to-ops'].fields;
      fields.splice(fields.findIndex((f) => f.key === 'priority') + 1, 0, urgency);
      return w;
    },
  });
});
afterEach(async () => {
  await h.close();
});

const blockIds = (view: Json): string[] => view.blocks.map((b: Json) => b.block_id);
const idsOf = (view: Json) => view.blocks.map((b: Json) => `${b.block_id}/${b.element?.action_id}`);

/** Opens the order form with /handoff and returns the view as Slack stored it (with its id and hash). */
async function openForm(): Promise<Json> {
  await h.sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' });
  await h.settle();
  return h.fake.callsTo('views.open').at(-1)?.response.view;
}

/** The person picks a priority in the open form: Slack sends block_actions with the view and its state. */
async function pickPriority(view: Json, priority: string): Promise<Json> {
  const before = h.fake.callsTo('views.update').length;
  const res = await h.sim.blockAction({
    userId: 'U0SALES1',
    actionId: ActionId.fieldInput,
    blockId: BlockId.field('priority'),
    selectedOption: priority,
    viewId: view.id,
    view: { type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata, hash: view.hash, blocks: view.blocks },
    state: { ...orderValues({ priority }), [BlockId.field('urgency')]: { value: textValue('typed before') } },
  });
  expect(res.status).toBe(200);
  await h.settle();
  const calls = h.fake.callsTo('views.update');
  expect(calls.length).toBe(before + 1);
  return calls.at(-1);
}

function submit(values: Json) {
  return h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values });
}

describe('conditional fields', () => {
  it('appear on block_actions with a views.update carrying the hash and the same ids, and disappear again', async () => {
    const form = await openForm();
    expect(blockIds(form)).not.toContain(BlockId.field('urgency'));
    const priority = form.blocks.find((b: Json) => b.block_id === BlockId.field('priority'));
    expect(priority.dispatch_action).toBe(true);

    const shown = await pickPriority(form, 'Urgent');
    expect(shown.args.view_id).toBe(form.id);
    expect(shown.args.hash).toBe(form.hash);
    expect(shown.response.ok).toBe(true);
    const withUrgency = shown.response.view;
    const urgencyBlock = withUrgency.blocks.find((b: Json) => b.block_id === BlockId.field('urgency'));
    expect(urgencyBlock).toMatchObject({ optional: false, element: { action_id: ActionId.fieldInput } });
    // Every block that was there keeps its block_id and action_id, so Slack keeps what was typed in it.
    expect(idsOf(withUrgency).filter((id: string) => !id.startsWith(BlockId.field('urgency')))).toEqual(idsOf(form));
    expect(blockIds(withUrgency).indexOf(BlockId.field('urgency'))).toBe(blockIds(withUrgency).indexOf(BlockId.field('priority')) + 1);

    const hidden = await pickPriority(withUrgency, 'Low');
    expect(hidden.args.hash).toBe(withUrgency.hash);
    expect(idsOf(hidden.response.view)).toEqual(idsOf(form));
  });

  it('a stale hash is left to the newer update: no error reaches the person', async () => {
    const form = await openForm();
    await pickPriority(form, 'Urgent');
    // The same form reported again with the hash it had before the first update.
    const second = await pickPriority(form, 'Low');
    expect(second.response).toMatchObject({ ok: false, error: 'hash_conflict' });
    expect(h.fake.ephemerals).toEqual([]);
  });

  it('is required only while its condition holds, and a hidden value is dropped', async () => {
    const missing = await submit({ ...orderValues({ priority: 'Urgent' }), [BlockId.field('urgency')]: { value: textValue('') } });
    expect(missing.json).toEqual({ response_action: 'errors', errors: { [BlockId.field('urgency')]: 'This field is required.' } });
    expect(await h.app.repo.findById(1)).toBeNull();

    // Priority Low: the field is hidden, so a value sent for it anyway (a stale or tampered form) is ignored.
    const low = await submit({ ...orderValues({ priority: 'Low', order_id: 'SO-20001' }), [BlockId.field('urgency')]: { value: textValue('sneaked in') } });
    expect(low.body).toBe('');
    expect((await h.app.repo.findById(1))?.fields).not.toHaveProperty('urgency');

    const urgent = await submit({ ...orderValues({ priority: 'Urgent', order_id: 'SO-20002' }), [BlockId.field('urgency')]: { value: textValue('Customer line down') } });
    expect(urgent.body).toBe('');
    expect((await h.app.repo.findById(2))?.fields.urgency).toBe('Customer line down');
  });

  it('a tampered submission that leaves out the shown field is refused', async () => {
    // No urgency block at all, as if the form had never been updated, with priority Urgent.
    const res = await submit(orderValues({ priority: 'Urgent' }));
    expect(res.json).toEqual({ response_action: 'errors', errors: { [BlockId.field('urgency')]: 'This field is required.' } });
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('the resubmit form of an urgent handoff shows the field with its stored value', async () => {
    await submit({ ...orderValues({ priority: 'Urgent' }), [BlockId.field('urgency')]: { value: textValue('Line down') } });
    await h.settle();
    const post = h.fake.messages('C0OPS').find((m) => !m.thread_ts);
    expect(JSON.stringify(post?.blocks)).toContain('Line down');
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.reject, value: '1', channelId: 'C0OPS', messageTs: post?.ts });
    await h.settle();
    const reject = h.fake.lastOpenedView(CallbackId.reject);
    await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reject, privateMetadata: reject.private_metadata, values: { reason: { value: textValue('Check the date') } } });
    await h.settle();
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.resubmit, value: '1', channelId: 'D0SALES1', messageTs: '1.1' });
    await h.settle();
    const form = h.fake.lastOpenedView(CallbackId.form);
    expect(form.blocks.find((b: Json) => b.block_id === BlockId.field('urgency'))?.element.initial_value).toBe('Line down');
    // Someone else's block action on that form learns nothing of it.
    const res = await h.sim.blockAction({
      userId: 'U0SALES2',
      actionId: ActionId.fieldInput,
      blockId: BlockId.field('priority'),
      selectedOption: 'Urgent',
      viewId: 'V0SOMEONE',
      view: { type: 'modal', callback_id: CallbackId.form, private_metadata: form.private_metadata },
      state: { [BlockId.field('priority')]: { value: selectValue('Urgent') } },
    });
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.fake.callsTo('views.update').filter((c) => c.args.view_id === 'V0SOMEONE')).toEqual([]);
  });
});
