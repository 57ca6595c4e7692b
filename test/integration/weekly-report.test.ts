import { afterEach, expect, it } from 'vitest';
import { runJob } from '../../src/jobs/index';
import { dmChannelFor, type StoredMessage } from '../../src/sandbox/fake-slack';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { textValue } from '../helpers/slack-requests';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 60 * 60 * 1000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The week of Monday 16 Nov 2026 for ops (round the clock, UTC): three orders at 10:00; #1 returned at
 * once and resubmitted at 11:00; #1 and #2 accepted at 12:00 (1 h and 2 h after they were queued); #3
 * never accepted. First-time right 1 of 2 decided; 1 return; SLA breaches 3 of 5 (#3 past its 4 h to
 * accept, #1 and #2 past their 2 d to complete when the week ends); time to accept 1 h and 2 h.
 */
async function seedWeek(): Promise<void> {
  for (let i = 1; i <= 3; i++) await submitOrder(h, { order_id: `SO-100${i}` });
  const rejected = await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reject, privateMetadata: JSON.stringify({ handoffId: 1 }), values: { [BlockId.reason]: { value: textValue('Customer missing') } } });
  expect(rejected.body).toBe('');
  await h.settle();
  h.clock.advance(HOUR);
  const resubmitted = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops', handoffId: 1 }), values: orderValues({ order_id: 'SO-1001' }) });
  expect(resubmitted.body).toBe('');
  await h.settle();
  h.clock.advance(HOUR);
  for (const id of [1, 2]) await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.accept, value: String(id), channelId: 'C0OPS', messageTs: '1.0' });
  await h.settle();
  const states = [];
  for (const id of [1, 2, 3]) states.push((await h.app.repo.findById(id))?.state);
  expect(states).toEqual(['accepted', 'accepted', 'open']);
}

async function runReportAt(iso: string): Promise<unknown> {
  h.clock.set(iso);
  const result = await runJob('report', h.app.jobDeps, h.clock.now());
  await h.settle();
  return result;
}

/** The lead's DMs that carry a file (the weekly report). */
const reportsOf = (userId: string): StoredMessage[] => h.fake.dms(userId).filter((m) => m.files?.length);

it('uploads a PNG chart with the week’s figures to each lead, once a week however often the job runs', async () => {
  h = await startHarness({ now: '2026-11-16T10:00:00Z' });
  await seedWeek();
  expect(await runReportAt('2026-11-23T09:15:00Z')).toEqual({ leads: 3, queued: 3 });
  expect(await runReportAt('2026-11-23T09:30:00Z')).toEqual({ leads: 3, queued: 0 });
  expect(await runReportAt('2026-11-26T12:00:00Z')).toEqual({ leads: 3, queued: 0 });

  // The three calls of files upload v2, once per lead.
  expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(3);
  expect(h.fake.callsTo('upload').filter((c) => c.status === 200)).toHaveLength(3);
  const completes = h.fake.callsTo('files.completeUploadExternal');
  expect(completes.map((c) => c.args.channel_id).sort()).toEqual(['U0FULLEAD', 'U0OPSLEAD', 'U0SALESLEAD'].map(dmChannelFor).sort());

  const [ops] = reportsOf('U0OPSLEAD');
  expect(reportsOf('U0OPSLEAD')).toHaveLength(1);
  const shared = ops.files?.[0];
  expect(shared).toMatchObject({ name: 'handoff-weekly-2026-11-23.png', title: 'Handoff weekly report, Nov 23, 2026', mimetype: 'image/png' });
  const file = h.fake.file(shared?.id ?? '');
  expect(file?.bytes?.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(file?.bytes?.length).toBeGreaterThan(20_000);
  expect(file?.bytes?.length).toBeLessThan(2_000_000);
  expect(ops.text).toContain('week of Nov 16, 2026');
  expect(ops.text).toContain('*Operations*, work received');
  expect(ops.text).toContain('First-time right: 50% (1 of 2)');
  expect(ops.text).toContain('Returns: 1');
  expect(ops.text).toContain('SLA breaches: 3 of 5');
  expect(ops.text).toContain('Time to accept: median 1h 30m, p90 1h 54m (2 accepted)');

  // Sales receives nothing but sent the orders: how its work fared.
  const [sales] = reportsOf('U0SALESLEAD');
  expect(sales.text).toContain('Work Sales sent: first-time right 50% (1 of 2), 1 returned');

  // The file is served at its url_private, with a token, as on Slack.
  const url = shared?.url_private ?? '';
  expect((await fetch(url)).status).toBe(404);
  const served = await fetch(url, { headers: { authorization: 'Bearer xoxb-test-token' } });
  expect(served.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await served.arrayBuffer()).equals(file?.bytes ?? Buffer.alloc(0))).toBe(true);

  // The next Monday is a new week.
  expect(await runReportAt('2026-11-30T09:00:00Z')).toEqual({ leads: 3, queued: 3 });
  expect(reportsOf('U0OPSLEAD')).toHaveLength(2);
});

it('gives a lead of two teams one report with both teams’ figures', async () => {
  h = await startHarness({
    now: '2026-11-16T10:00:00Z',
    workflow: (w) => {
      w.teams.fulfilment.leads = ['U0OPSLEAD'];
      return w;
    },
  });
  await seedWeek();
  expect(await runReportAt('2026-11-23T10:00:00Z')).toEqual({ leads: 2, queued: 2 });
  const reports = reportsOf('U0OPSLEAD');
  expect(reports).toHaveLength(1);
  expect(reports[0].text).toContain('*Operations*, work received');
  expect(reports[0].text).toContain('*Fulfilment*, work received');
  expect(reports[0].text).toContain('First-time right: 50% (1 of 2)');
  // Ops sent nothing to fulfilment that was decided, so no "sent" line for either.
  expect(reports[0].text).not.toContain('sent: first-time right');
});

it('waits for Monday 09:00 on the lead’s own clock, and sends a week missed during downtime once', async () => {
  h = await startHarness({ now: '2026-11-16T10:00:00Z' });
  await seedWeek();
  // The ops lead is in New York (Slack's users.info, cached as the people directory does).
  await h.app.stalls.saveTimezone('U0OPSLEAD', 'America/New_York', h.clock.now());
  await h.app.stalls.saveTimezone('U0SALESLEAD', 'UTC', h.clock.now());
  await h.app.stalls.saveTimezone('U0FULLEAD', 'UTC', h.clock.now());
  h.clock.set('2026-11-23T08:59:00Z');
  expect(await runReportAt('2026-11-23T08:59:00Z')).toEqual({ leads: 3, queued: 0 });
  // 09:00 in London is 04:00 in New York: the others get theirs, the ops lead not yet.
  expect(await runReportAt('2026-11-23T09:00:00Z')).toEqual({ leads: 3, queued: 2 });
  expect(reportsOf('U0OPSLEAD')).toHaveLength(0);
  // The bot was down all Monday in New York; Tuesday's first run catches up, once.
  expect(await runReportAt('2026-11-24T15:00:00Z')).toEqual({ leads: 3, queued: 1 });
  expect(await runReportAt('2026-11-25T15:00:00Z')).toEqual({ leads: 3, queued: 0 });
  const reports = reportsOf('U0OPSLEAD');
  expect(reports).toHaveLength(1);
  // Its weeks are New York's: the week of Nov 16 still holds the seeded work.
  expect(reports[0].text).toContain('week of Nov 16, 2026');
  expect(reports[0].text).toContain('First-time right: 50% (1 of 2)');
});

it('sends the figures as text when the chart cannot be drawn', async () => {
  h = await startHarness({
    now: '2026-11-16T10:00:00Z',
    renderChart: () => Promise.reject(new Error('no fonts on this machine')),
  });
  await seedWeek();
  expect(await runReportAt('2026-11-23T09:00:00Z')).toEqual({ leads: 3, queued: 3 });
  expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  const dms = h.fake.dms('U0OPSLEAD').filter((m) => m.text.includes('weekly handoff report'));
  expect(dms).toHaveLength(1);
  expect(dms[0].text).toContain('First-time right: 50% (1 of 2)');
  expect(dms[0].text).toContain('SLA breaches: 3 of 5');
  expect(JSON.stringify(dms[0].blocks)).toContain('*Operations*, work received');
  expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
});

it('a Slack outage during the upload delays the report and loses nothing', async () => {
  h = await startHarness({ now: '2026-11-16T10:00:00Z', workflow: (w) => ({ ...w, teams: { ops: w.teams.ops, sales: { ...w.teams.sales, leads: [] }, fulfilment: { ...w.teams.fulfilment, leads: [] } } }) });
  await seedWeek();
  h.fake.fail('files.completeUploadExternal', { status: 503 });
  expect(await runReportAt('2026-11-23T09:00:00Z')).toEqual({ leads: 1, queued: 1 });
  expect(reportsOf('U0OPSLEAD')).toHaveLength(0);
  expect((await h.app.outboxRepo.backlog()).pending).toBe(1);
  // Slack is back; the outbox's retry is due.
  h.clock.advance(20 * 60_000);
  h.app.dispatcher.kick();
  await h.settle();
  expect(reportsOf('U0OPSLEAD')).toHaveLength(1);
  expect(h.fake.callsTo('files.completeUploadExternal').filter((c) => !c.failed)).toHaveLength(1);
  expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
});
