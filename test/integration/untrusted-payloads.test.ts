/**
 * What a signed request carries is still the client's word: a button's handoff id, a modal's
 * private_metadata. The server checks who may see or do what itself, through the real HTTP path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';
import { selectValue, textValue } from '../helpers/slack-requests';

let h: Harness;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const press = async (userId: string, actionId: string, value: string) => {
  const ts = (await h.app.repo.findById(Number(value.split(':')[0])))?.messageTs ?? '1';
  const res = await h.sim.blockAction({ userId, actionId, value, channelId: 'C0OPS', messageTs: ts });
  expect(res.status).toBe(200);
  await h.settle();
};

/** Presses History as `userId`: the modal it opened, or the private answer it got instead. */
const openHistory = async (userId: string, id = 1) => {
  const opened = h.fake.callsTo('views.open').length;
  const told = h.fake.ephemerals.length;
  await press(userId, ActionId.history, String(id));
  const views = h.fake.callsTo('views.open').slice(opened);
  return { modal: views.at(-1)?.args.view, ephemerals: h.fake.ephemerals.slice(told) };
};

const accept = (userId: string, id = 1) => press(userId, ActionId.accept, String(id));

/** Accepted by U0OPS1 and marked done: the next type needs a warehouse, so U0OPS1 is asked to start it. */
const completeOrder = async () => {
  await accept('U0OPS1');
  await press('U0OPS1', ActionId.complete, '1');
  const form = h.fake.lastOpenedView(CallbackId.complete);
  const res = await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.complete, privateMetadata: form.private_metadata, values: { [BlockId.field('tracking')]: { value: textValue('1Z999') } } });
  expect(res.body).toBe('');
  await h.settle();
  expect((await h.app.repo.findById(1))?.state).toBe('done');
};

const shipValues = () => ({
  [BlockId.field('order_id')]: { value: textValue('SO-12345') },
  [BlockId.field('customer')]: { value: textValue('ACME GmbH') },
  [BlockId.field('tracking')]: { value: textValue('1Z999') },
  [BlockId.field('warehouse')]: { value: selectValue('Berlin') },
});

const submitNext = async (userId: string, meta: Record<string, unknown>, viewId?: string) => {
  const res = await h.sim.viewSubmission({ userId, callbackId: CallbackId.form, privateMetadata: JSON.stringify(meta), values: shipValues(), viewId });
  await h.settle();
  return res;
};

describe('History', () => {
  it('opens for the requester, the owner, and the sending and receiving teams; anyone else is told privately and sees nothing', async () => {
    h = await startHarness();
    await submitOrder(h, { order_id: 'SO-77777', customer: 'Secret Customer Ltd' });
    await accept('U0OPS1');
    for (const user of ['U0SALES1', 'U0SALES2', 'U0SALESLEAD', 'U0OPS1', 'U0OPS2', 'U0OPSLEAD']) {
      const seen = await openHistory(user);
      expect(seen.modal?.callback_id, user).toBe(CallbackId.history);
      expect(seen.ephemerals, user).toEqual([]);
    }
    // Fulfilment (a user group), its lead, and someone in no team at all.
    for (const user of ['U0FUL1', 'U0FULLEAD', 'U0NOBODY']) {
      const seen = await openHistory(user);
      expect(seen.modal, user).toBeUndefined();
      expect(seen.ephemerals.map((e) => [e.user, e.text])).toEqual([
        [user, ':warning: Only the people involved in handoff #1 (its requester and owner, and the teams that send and receive it) can see its history.'],
      ]);
    }
    const told = JSON.stringify(h.fake.ephemerals);
    expect(told).not.toContain('SO-77777');
    expect(told).not.toContain('Secret Customer');
  });

  it('stays open to someone who acted on it after they leave the team, and closes to a member who left without acting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-history-'));
    dirs.push(dir);
    const dbPath = join(dir, 'handoff.db');
    h = await startHarness({ dbPath });
    await submitOrder(h);
    await accept('U0OPS2');
    await press('U0OPS2', ActionId.release, '1');
    await accept('U0OPS1');
    await h.close();

    // U0OPS2 and U0OPS3 move to another team; the config no longer lists them under Operations.
    h = await startHarness({ dbPath, workflow: (w) => ({ ...w, teams: { ...w.teams, ops: { ...w.teams.ops, members: ['U0OPS1'] } } }) });
    expect((await openHistory('U0OPS2')).modal?.callback_id).toBe(CallbackId.history);
    const left = await openHistory('U0OPS3');
    expect(left.modal).toBeUndefined();
    expect(left.ephemerals[0]?.text).toContain('Only the people involved in handoff #1');
  });
});

describe('a form names its parent handoff', () => {
  it('starts a next step only from a done handoff of the type before it, for whoever completed it, and only once', async () => {
    h = await startHarness();
    await submitOrder(h);
    // Not done yet: there is no next step to start.
    const early = await submitNext('U0OPS1', { typeKey: 'ops-to-fulfilment', parentId: 1 });
    expect(early.json).toEqual({ response_action: 'errors', errors: { [BlockId.field('order_id')]: 'Handoff #1 has no pending next step.' } });

    await completeOrder();
    const askedToStart = h.fake.dms('U0OPS1').filter((m) => JSON.stringify(m.blocks ?? []).includes(ActionId.startNext));
    expect(askedToStart).toHaveLength(1);

    // Another Operations member, who could start this type on its own, may not continue someone else's handoff.
    const other = await submitNext('U0OPS2', { typeKey: 'ops-to-fulfilment', parentId: 1 });
    expect(other.json.errors[BlockId.field('order_id')]).toBe('Only U0OPS1, who completed #1, can start its next step.');
    // A type that is not the parent's `next`.
    const wrongType = await h.sim.viewSubmission({
      userId: 'U0OPS1',
      callbackId: CallbackId.form,
      privateMetadata: JSON.stringify({ typeKey: 'anything-to-ops', parentId: 1 }),
      values: { [BlockId.field('request')]: { value: textValue('Ship it') } },
    });
    expect(wrongType.json.errors[BlockId.field('request')]).toBe('Handoff #1 has no pending next step.');
    // A parent that does not exist.
    const missing = await submitNext('U0OPS1', { typeKey: 'ops-to-fulfilment', parentId: 99 });
    expect(missing.json.errors[BlockId.field('order_id')]).toBe('Handoff #99 does not exist.');
    expect(await h.app.repo.findById(2)).toBeNull();

    const started = await submitNext('U0OPS1', { typeKey: 'ops-to-fulfilment', parentId: 1 }, 'VNEXT1');
    expect(started.body).toBe('');
    expect(await h.app.repo.findById(2)).toMatchObject({ typeKey: 'ops-to-fulfilment', parentId: 1, requesterId: 'U0OPS1' });

    // A second form for the same parent (another modal), or the Start button pressed again, is refused.
    const again = await submitNext('U0OPS1', { typeKey: 'ops-to-fulfilment', parentId: 1 }, 'VNEXT2');
    expect(again.json.errors[BlockId.field('order_id')]).toBe('The next step of #1 has already been started as #2.');
    expect(await h.app.repo.findById(3)).toBeNull();
    const told = h.fake.ephemerals.length;
    const opened = h.fake.callsTo('views.open').length;
    await press('U0OPS1', ActionId.startNext, '1:ops-to-fulfilment');
    expect(h.fake.callsTo('views.open')).toHaveLength(opened);
    expect(h.fake.ephemerals.slice(told).map((e) => e.text)).toEqual([':warning: The next step of #1 has already been started as #2.']);
  });
});

describe('"Hand off this message" replies where the message is', () => {
  /** A message in #sales, handed off by U0SALES2: the picker opened, its view id, and the form it turns into. */
  const handOffMessage = async () => {
    const posted = await fetch(`${h.fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxp-user', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0SALES', text: 'Please ship the spare part' }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    await h.sim.messageShortcut({ userId: 'U0SALES2', callbackId: CallbackId.messageShortcut, channelId: 'C0SALES', messageTs: posted.ts, messageText: 'Please ship the spare part' });
    await h.settle();
    const viewId = String(h.fake.callsTo('views.open').at(-1)?.response.view.id);
    const picker = h.fake.lastOpenedView(CallbackId.typePicker);
    const next = await h.sim.viewSubmission({
      userId: 'U0SALES2',
      callbackId: CallbackId.typePicker,
      privateMetadata: picker.private_metadata,
      viewId,
      values: { [BlockId.typeSelect]: { [ActionId.typeSelect]: selectValue('anything-to-ops') } },
    });
    return { ts: posted.ts, viewId, form: next.json.view };
  };
  const request = { [BlockId.field('request')]: { value: textValue('Please ship the spare part') } };
  const forged = { channel: 'C0OPS', ts: '1700000000.000001' };

  it('uses the message recorded when the modal opened, whatever the form sends back', async () => {
    h = await startHarness();
    const { ts, viewId, form } = await handOffMessage();
    const meta = { ...JSON.parse(form.private_metadata), source: forged };
    const res = await h.sim.viewSubmission({ userId: 'U0SALES2', callbackId: CallbackId.form, privateMetadata: JSON.stringify(meta), viewId, values: request });
    expect(res.body).toBe('');
    await h.settle();
    expect(await h.app.repo.findById(1)).toMatchObject({ sourceChannel: 'C0SALES', sourceTs: ts });
    expect(h.fake.threadReplies('C0SALES', ts)).toHaveLength(1);
    expect(h.fake.threadReplies(forged.channel, forged.ts)).toEqual([]);
  });

  it('ignores a source in a form that no message shortcut opened, or that someone else submits', async () => {
    h = await startHarness();
    const plain = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'anything-to-ops', source: forged }), values: request });
    expect(plain.body).toBe('');
    const { viewId, form } = await handOffMessage();
    const stranger = await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.form, privateMetadata: form.private_metadata, viewId, values: request });
    expect(stranger.body).toBe('');
    await h.settle();
    for (const id of [1, 2]) expect(await h.app.repo.findById(id)).toMatchObject({ sourceChannel: null, sourceTs: null });
    expect(h.fake.threadReplies(forged.channel, forged.ts)).toEqual([]);
    expect(h.fake.messages('C0SALES').filter((m) => m.thread_ts)).toEqual([]);
  });
});
