import { afterEach, beforeEach, expect, it } from 'vitest';
import { runDigest } from '../../src/jobs/index';
import { BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, startHarness } from '../helpers/harness';
import { textValue } from '../helpers/slack-requests';

const PEOPLE = ['U0P1', 'U0P2', 'U0P3', 'U0P4', 'U0P5', 'U0P6', 'U0P7', 'U0P8'];
let h: Harness;
beforeEach(async () => {
  // Anyone may "Ask Operations"; with an accept SLA, each asker waits on an overdue handoff the next day.
  h = await startHarness({
    now: '2026-11-23T10:00:00Z',
    workflow: (w) => ({ ...w, handoffTypes: { ...w.handoffTypes, 'anything-to-ops': { ...w.handoffTypes['anything-to-ops'], sla: { accept: '4h' } } } }),
  });
});
afterEach(async () => {
  await h.close();
});

it('a 429 with Retry-After on digest DMs stops new sends until it has passed, then delivers every digest exactly once', async () => {
  for (const userId of PEOPLE) {
    await h.sim.viewSubmission({ userId, callbackId: CallbackId.form, privateMetadata: '{"typeKey":"anything-to-ops"}', values: { [BlockId.field('request')]: { value: textValue(`Help ${userId}`) } } });
    await h.settle();
  }
  h.fake.clearCalls();
  h.fake.fail('chat.postMessage', { retryAfter: 1, times: 1 });
  h.clock.set('2026-11-24T09:00:00Z');
  const result = await runDigest(h.app.jobDeps, h.clock.now());
  expect(result.queued).toBe(PEOPLE.length + 1); // every asker, and the ops lead for the team queue
  await h.settle();
  const digestsSent = () => h.fake.calls.filter((c) => c.method === 'chat.postMessage' && !c.failed && String(c.args.text).startsWith('Your stalled'));
  expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.failed)).toHaveLength(1);
  // Sends already under way finish; nothing new starts while Slack asked us to wait.
  const before = digestsSent().length;
  expect(before).toBeLessThan(PEOPLE.length);
  expect((await h.app.outboxRepo.backlog()).pending).toBe(PEOPLE.length + 1 - before);

  h.clock.advance(5_000);
  await new Promise((r) => setTimeout(r, 1_100));
  h.app.dispatcher.kick();
  await h.settle();
  expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
  for (const user of [...PEOPLE, 'U0OPSLEAD']) expect(h.fake.dms(user).filter((m) => m.text.startsWith('Your stalled'))).toHaveLength(1);
  expect(digestsSent()).toHaveLength(PEOPLE.length + 1);
});
