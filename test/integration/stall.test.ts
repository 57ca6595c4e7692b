import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDigest, runNudges } from '../../src/jobs/index';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { BOT_TOKEN, FIXTURE, type Harness, SIGNING_SECRET, startHarness, submitOrder } from '../helpers/harness';
import { dateValue, textValue } from '../helpers/slack-requests';

let h: Harness;
beforeEach(async () => {
  // Monday 2026-11-23 10:00 UTC. ops has no hours: SLAs are round the clock (accept 4h, complete 2d).
  h = await startHarness({ now: '2026-11-23T10:00:00Z' });
});
afterEach(async () => {
  await h.close();
});

const nudges = async (at: string) => {
  h.clock.set(at);
  const result = await runNudges(h.app.jobDeps, h.clock.now());
  await h.settle();
  return result;
};
const digest = async (at: string) => {
  h.clock.set(at);
  const result = await runDigest(h.app.jobDeps, h.clock.now());
  await h.settle();
  return result;
};
const opsPost = () => h.fake.messages('C0OPS').filter((m) => !m.thread_ts)[0];
const thread = () => h.fake.threadReplies('C0OPS', opsPost().ts).map((m) => m.text);
const actionIds = (m: { blocks: any[] } | undefined) => (m?.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));
const press = async (userId: string, actionId: string, id = 1, channelId = 'C0OPS') => {
  await h.sim.blockAction({ userId, actionId, value: String(id), channelId, messageTs: opsPost().ts });
  await h.settle();
};

describe('nudges: accept SLA', () => {
  it('reminds the team at 75%, escalates to leads at breach, each exactly once', async () => {
    await submitOrder(h);
    expect((await nudges('2026-11-23T12:59:00Z')).sent).toEqual({});
    expect(thread()).toEqual([]);

    expect((await nudges('2026-11-23T13:00:00Z')).sent).toEqual({ accept_warn: 1 });
    expect(thread()).toEqual([expect.stringContaining('still waiting to be accepted')]);
    expect((await nudges('2026-11-23T13:30:00Z')).sent).toEqual({});

    const updatesBefore = opsPost().updates;
    expect((await nudges('2026-11-23T14:00:00Z')).sent).toEqual({ accept_breach: 1 });
    const leadDm = h.fake.dms('U0OPSLEAD').at(-1);
    expect(leadDm?.text).toContain('not accepted in time');
    expect(actionIds(leadDm)).toEqual([ActionId.accept, ActionId.reassign, ActionId.open, ActionId.history]);
    expect(opsPost().updates).toBe(updatesBefore + 1);
    expect(JSON.stringify(opsPost().blocks)).toContain('Overdue');
    expect((await nudges('2026-11-23T18:00:00Z')).sent).toEqual({});
    expect((await h.app.repo.listEvents(1)).filter((e) => e.type === 'nudged').map((e) => e.data.kind)).toEqual(['accept_warn', 'accept_breach']);

    // The lead accepts straight from the escalation DM.
    await h.sim.blockAction({ userId: 'U0OPSLEAD', actionId: ActionId.accept, value: '1', channelId: leadDm?.channel, messageTs: leadDm?.ts });
    await h.settle();
    expect((await h.app.repo.findById(1))?.ownerId).toBe('U0OPSLEAD');
  });

  it('after downtime sends only the most advanced reminder, once, even when runs overlap', async () => {
    await submitOrder(h);
    h.clock.set('2026-11-23T20:00:00Z');
    const [a, b] = await Promise.all([runNudges(h.app.jobDeps, h.clock.now()), runNudges(h.app.jobDeps, h.clock.now())]);
    await h.settle();
    expect([a.sent, b.sent]).toContainEqual({ accept_breach: 1 });
    expect((await h.app.repo.listEvents(1)).filter((e) => e.type === 'nudged')).toHaveLength(1);
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
  });
});

describe('nudges: complete SLA, snooze and the owner buttons', () => {
  beforeEach(async () => {
    await submitOrder(h);
    await press('U0OPS1', ActionId.accept);
  });

  it('DMs the owner at 75% and at breach (leads too), then once per nudge.every', async () => {
    // Accepted Mon 10:00; 2d round the clock = 48 h: warn Tue 22:00, due Wed 10:00, then every 24 h.
    expect((await nudges('2026-11-24T21:59:00Z')).sent).toEqual({});
    expect((await nudges('2026-11-24T22:00:00Z')).sent).toEqual({ complete_warn: 1 });
    const warn = h.fake.dms('U0OPS1').at(-1);
    expect(warn?.text).toContain('is due');
    expect(actionIds(warn)).toEqual([ActionId.complete, ActionId.snooze, ActionId.reassign, ActionId.open, ActionId.history]);

    expect((await nudges('2026-11-25T10:00:00Z')).sent).toEqual({ complete_breach: 1 });
    expect(h.fake.dms('U0OPS1').at(-1)?.text).toContain('overdue');
    expect(h.fake.dms('U0OPSLEAD').at(-1)?.text).toContain('owned by <@U0OPS1>');
    expect((await nudges('2026-11-25T20:00:00Z')).sent).toEqual({});
    expect((await nudges('2026-11-26T10:00:00Z')).sent).toEqual({ complete_repeat: 1 });
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
    expect((await nudges('2026-11-26T10:05:00Z')).sent).toEqual({});

    // Mark done straight from the reminder opens the completion form.
    const dm = h.fake.dms('U0OPS1').at(-1);
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.complete, value: '1', channelId: dm?.channel, messageTs: dm?.ts });
    await h.settle();
    h.fake.lastOpenedView(CallbackId.complete);
  });

  it('snooze needs a reason, shows it in the thread, pauses nudges and says when it wakes', async () => {
    await press('U0OPS1', ActionId.snooze);
    const modal = h.fake.lastOpenedView(CallbackId.snooze);
    const submit = (reason: string, until = '2026-11-27') =>
      h.sim.viewSubmission({
        userId: 'U0OPS1',
        callbackId: CallbackId.snooze,
        privateMetadata: modal.private_metadata,
        values: { [BlockId.until]: { value: dateValue(until) }, [BlockId.reason]: { value: textValue(reason) } },
      });
    expect((await submit('  ')).json).toMatchObject({ response_action: 'errors', errors: { reason: expect.any(String) } });
    expect((await submit('waiting', '2026-11-20')).json).toMatchObject({ response_action: 'errors', errors: { until: 'Pick a date in the future.' } });
    expect((await submit('Waiting for the customer <!here>')).body).toBe('');
    await h.settle();
    expect(thread().at(-1)).toContain('snoozed');
    expect(thread().at(-1)).toContain('Waiting for the customer &lt;!here&gt;');

    // Warn (Tue 22:00) and due (Wed 10:00) pass while snoozed: nothing is sent.
    expect((await nudges('2026-11-25T12:00:00Z')).sent).toEqual({});
    // Snoozed until Fri 00:00 UTC (ops has no hours): it wakes and the breach follows at once.
    expect((await nudges('2026-11-27T00:00:00Z')).sent).toEqual({ woke: 1, complete_breach: 1 });
    expect(h.fake.dms('U0OPS1').map((m) => m.text).join('\n')).toContain('snooze of');
    expect((await h.app.repo.findById(1))?.snoozedUntil).toBeNull();
  });

  it('only the owner may snooze', async () => {
    await press('U0OPS2', ActionId.snooze);
    expect(h.fake.ephemerals.at(-1)?.text).toContain('Only the owner can snooze');
  });
});

describe('returned and not resubmitted', () => {
  it('reminds the requester once the accept SLA has passed', async () => {
    await submitOrder(h);
    await press('U0OPS1', ActionId.reject);
    const modal = h.fake.lastOpenedView();
    await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reject, privateMetadata: modal.private_metadata, values: { reason: { value: textValue('PO?') } } });
    await h.settle();
    expect((await nudges('2026-11-23T13:59:00Z')).sent).toEqual({});
    expect((await nudges('2026-11-23T14:00:00Z')).sent).toEqual({ returned_remind: 1 });
    const dm = h.fake.dms('U0SALES1').at(-1);
    expect(dm?.text).toContain('still waiting for your changes');
    expect(actionIds(dm)).toEqual([ActionId.resubmit, ActionId.cancel, ActionId.history]);
  });
});

describe('nudge owner (requester)', () => {
  it('DMs the owner, then refuses again within 4 business hours', async () => {
    await submitOrder(h);
    await press('U0OPS2', ActionId.accept);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.nudgeOwner, value: '1', channelId: 'D0SALES1', messageTs: '1.1' });
    await h.settle();
    expect(h.fake.dms('U0OPS2').at(-1)?.text).toContain('<@U0SALES1> is asking about');
    expect(h.fake.ephemerals.at(-1)?.text).toContain('Nudged <@U0OPS2>');
    h.clock.advance(3 * 3600_000);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.nudgeOwner, value: '1', channelId: 'D0SALES1', messageTs: '1.1' });
    await h.settle();
    expect(h.fake.ephemerals.at(-1)?.text).toContain('nudged this handoff recently');
    expect(h.fake.dms('U0OPS2').filter((m) => m.text.includes('is asking about'))).toHaveLength(1);
    h.clock.advance(3600_000);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.nudgeOwner, value: '1', channelId: 'D0SALES1', messageTs: '1.1' });
    await h.settle();
    expect(h.fake.dms('U0OPS2').filter((m) => m.text.includes('is asking about'))).toHaveLength(2);
    // Someone else cannot.
    await h.sim.blockAction({ userId: 'U0SALES2', actionId: ActionId.nudgeOwner, value: '1', channelId: 'D0SALES2', messageTs: '1.1' });
    await h.settle();
    expect(h.fake.ephemerals.at(-1)?.text).toContain('Only the requester');
  });
});

describe('the daily digest', () => {
  const orders = async (n: number, userId = 'U0SALES1') => {
    for (let i = 0; i < n; i++) await submitOrder(h, { order_id: `SO-${1000 + i}` }, userId);
  };

  it('goes at 09:00 in each person’s own timezone, once a day, only to people with stalled work', async () => {
    await orders(2);
    await press('U0OPS1', ActionId.accept, 1); // U0OPS1 is in Europe/Berlin
    // Wed 08:00 UTC: order 2 (open) is overdue for the sales rep and the ops lead; order 1 is past 75% for its owner.
    expect(await digest('2026-11-25T07:59:00Z')).toMatchObject({ queued: 0 });
    expect(await digest('2026-11-25T08:00:00Z')).toMatchObject({ queued: 1 });
    expect(h.fake.dms('U0OPS1').at(-1)?.text).toContain('Your stalled handoffs today');
    expect(await digest('2026-11-25T08:59:00Z')).toMatchObject({ queued: 0 });
    expect(await digest('2026-11-25T09:00:00Z')).toMatchObject({ queued: 2 });
    const rep = h.fake.dms('U0SALES1').at(-1);
    expect(JSON.stringify(rep?.blocks)).toContain('You are waiting on');
    expect(actionIds(rep)).toEqual([ActionId.nudgeOwner]);
    const lead = h.fake.dms('U0OPSLEAD').at(-1);
    expect(JSON.stringify(lead?.blocks)).toContain('Operations: waiting to be accepted');
    expect(await digest('2026-11-25T15:00:00Z')).toMatchObject({ queued: 0 });
    // People with nothing stalled get nothing.
    for (const quiet of ['U0SALES2', 'U0OPS2', 'U0SALESLEAD']) expect(h.fake.dms(quiet)).toEqual([]);
    expect(h.fake.callsTo('users.info').map((c) => c.args.user).sort()).toEqual(['U0OPS1', 'U0OPSLEAD', 'U0SALES1']);

    // The next working day it comes again; Saturday it does not.
    expect(await digest('2026-11-26T09:00:00Z')).toMatchObject({ queued: 3 });
    expect(await digest('2026-11-28T09:00:00Z')).toMatchObject({ queued: 0 });
  });

  it('a digest missed while the bot was down goes out once when it runs again', async () => {
    await orders(1);
    expect(await digest('2026-11-24T16:30:00Z')).toMatchObject({ queued: 2 });
    expect(await digest('2026-11-24T16:45:00Z')).toMatchObject({ queued: 0 });
    expect(h.fake.dms('U0SALES1').filter((m) => m.text.startsWith('Your stalled'))).toHaveLength(1);
  });

  it('caps at ten items with "and N more"', async () => {
    await orders(12);
    await digest('2026-11-24T09:00:00Z');
    const lead = h.fake.dms('U0OPSLEAD').at(-1);
    const items = lead?.blocks.filter((b: any) => b.type === 'section' && /#\d+/.test(b.text.text));
    expect(items).toHaveLength(10);
    expect(JSON.stringify(lead?.blocks)).toContain('and 2 more');
  });
});

describe('/handoff mine and /handoff stalled', () => {
  it('answer ephemerally with the digest sections', async () => {
    await submitOrder(h);
    h.clock.set('2026-11-24T09:00:00Z');
    const mine = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'mine' });
    expect(mine.json.response_type).toBe('ephemeral');
    expect(JSON.stringify(mine.json.blocks)).toContain('You are waiting on');
    expect(JSON.stringify(mine.json.blocks)).toContain(ActionId.nudgeOwner);
    const stalled = await h.sim.slashCommand({ userId: 'U0OPS2', text: 'stalled' });
    expect(JSON.stringify(stalled.json.blocks)).toContain('Operations: waiting to be accepted');
    const quiet = await h.sim.slashCommand({ userId: 'U0SALES2', text: 'mine' });
    expect(quiet.json.text).toContain('Nothing of yours is stalled');
  });
});

describe('npx handoff jobs run', () => {
  it('runs one job as of --now and sends what it queued, through the same code', async () => {
    await submitOrder(h);
    const env = {
      ...process.env,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: h.fake.apiUrl,
      DATABASE_URL: h.databaseUrl,
      HANDOFF_CONFIG: FIXTURE,
      LOG_LEVEL: 'error',
    };
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(process.execPath, [resolve(__dirname, '../../dist/bin.js'), ...args], { env });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => done({ code, out }));
      });
    const first = await run(['jobs', 'run', 'nudges', '--now', '2026-11-23T14:30:00Z']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ job: 'nudges', result: { sent: { accept_breach: 1 } }, outboxPending: 0 });
    expect(h.fake.dms('U0OPSLEAD')).toHaveLength(1);
    const again = await run(['jobs', 'run', 'nudges', '--now', '2026-11-23T14:30:00Z']);
    expect(JSON.parse(again.out.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ result: { sent: {} } });
    const bad = await run(['jobs', 'run', 'nudges', '--now', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('not an ISO time');
  }, 30_000);
});
