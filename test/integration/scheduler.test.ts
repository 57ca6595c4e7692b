import { afterEach, expect, it } from 'vitest';
import { startJobs } from '../../src/jobs/index';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h.close();
});

it('runs each job once at start, catching up what node-cron would not, and stops cleanly', async () => {
  h = await startHarness({ now: '2026-11-23T10:00:00Z' });
  await submitOrder(h);
  // The bot was down from before the breach until Tuesday 09:30.
  h.clock.set('2026-11-24T09:30:00Z');
  const jobs = startJobs(h.app.jobDeps, h.clock, { nudges: '0 0 1 1 *', digest: '0 0 1 1 *', report: '0 0 1 1 *' });
  await jobs.stop(); // waits for the catch-up runs
  await h.settle();
  expect((await h.app.repo.listEvents(1)).filter((e) => e.type === 'nudged').map((e) => e.data.kind)).toEqual(['accept_breach']);
  expect(h.fake.dms('U0SALES1').filter((m) => m.text.startsWith('Your stalled'))).toHaveLength(1);
  expect(h.fake.dms('U0OPSLEAD').map((m) => m.text)).toEqual([expect.stringContaining('not accepted in time'), expect.stringContaining('Your stalled'), expect.stringContaining('Your weekly handoff report')]);
  // Monday's weekly report, missed while the bot was down, went out with the chart.
  expect(h.fake.dms('U0OPSLEAD').at(-1)?.files).toHaveLength(1);
});
