import { afterEach, beforeEach, expect, it } from 'vitest';
import { runDigest } from '../../src/jobs/index';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ now: '2026-11-23T10:00:00Z' });
});
afterEach(async () => {
  await h.close();
});

it('a 429 with Retry-After on a digest DM pauses the queue and delivers every digest exactly once', async () => {
  await submitOrder(h, { order_id: 'SO-2001' }, 'U0SALES1');
  await submitOrder(h, { order_id: 'SO-2002' }, 'U0SALES2');
  h.fake.clearCalls();
  h.fake.fail('chat.postMessage', { retryAfter: 1, times: 1 });
  h.clock.set('2026-11-24T09:00:00Z');
  const result = await runDigest(h.app.jobDeps, h.clock.now());
  expect(result.queued).toBe(3); // both reps wait on overdue handoffs; the ops lead has the team queue
  await h.settle();
  const digestsSent = () => h.fake.calls.filter((c) => c.method === 'chat.postMessage' && !c.failed && String(c.args.text).startsWith('Your stalled'));
  expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.failed)).toHaveLength(1);
  expect(digestsSent()).toHaveLength(0); // the whole queue waits out Retry-After
  const pending = h.app.outboxRepo.backlog().pending;
  expect(pending).toBe(3);

  h.clock.advance(5_000);
  await new Promise((r) => setTimeout(r, 1_100));
  h.app.dispatcher.kick();
  await h.settle();
  expect(digestsSent().map((c) => c.args.channel).sort()).toEqual(['D0OPSLEAD', 'D0SALES1', 'D0SALES2']);
  expect(h.app.outboxRepo.backlog().pending).toBe(0);
  for (const user of ['U0SALES1', 'U0SALES2', 'U0OPSLEAD']) expect(h.fake.dms(user).filter((m) => m.text.startsWith('Your stalled'))).toHaveLength(1);
});
