/**
 * Several instances of the bot on one database behave as one bot (issue 15). Two apps, each with
 * its own HTTP receiver, dispatcher and lease owner id, share one database and one fake Slack;
 * whichever receives a request, it is handled once. On SQLite the two share one connection (two in
 * one thread would block each other's locks synchronously); on Postgres each gets its own pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OpenDb, openDb } from '../../src/db/open-db';
import { runJob, runJobLeased } from '../../src/jobs/index';
import type { JobLeasing } from '../../src/jobs/deps';
import { ActionId, CallbackId } from '../../src/slack/ids';
import { FakeSlack } from '../helpers/fake-slack';
import { type Harness, orderValues, startHarness } from '../helpers/harness';
import { createTestDatabase, describeOnEachDatabase, type TestDatabase } from '../helpers/postgres';

let dir: string | null = null;
let fake: FakeSlack;
let shared: OpenDb | null = null;
let pgDatabase: TestDatabase | null = null;
let one: Harness;
let two: Harness;

async function startBoth(dialect: 'sqlite' | 'postgres'): Promise<void> {
  fake = await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] }, users: { U0OPS1: { tz: 'Europe/Berlin' } } });
  if (dialect === 'postgres') {
    // Each app opens its own pool: real concurrency, as two processes would have.
    pgDatabase = await createTestDatabase();
    const url = pgDatabase.url;
    one = await startHarness({ fake, databaseUrl: url });
    two = await startHarness({ fake, databaseUrl: url });
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'handoff-instances-'));
  const url = `file:${join(dir, 'handoff.db')}`;
  const database = openDb(url);
  shared = database;
  [one, two] = await Promise.all([startHarness({ fake, database, databaseUrl: url }), startHarness({ fake, database, databaseUrl: url })]);
}

afterEach(async () => {
  await one.close();
  await two.close();
  await shared?.close();
  await pgDatabase?.drop();
  await fake.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  [dir, shared, pgDatabase] = [null, null, null];
});

const both = () => Promise.all([one.settle(), two.settle()]);
const submit = (h: Harness, viewId: string, orderId = 'SO-12345') =>
  h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: orderValues({ order_id: orderId }), viewId });
const opsPosts = () => fake.messages('C0OPS').filter((m) => !m.thread_ts);

describeOnEachDatabase('several instances on one database', (dialect) => {
  beforeEach(async () => {
    await startBoth(dialect);
  });

  it('run with their own lease owner ids', () => {
    expect(one.app.dispatcher.owner).not.toBe(two.app.dispatcher.owner);
  });

  it('handle an Events API event_id once, whichever instance it reaches', async () => {
    const event = { type: 'app_home_opened', user: 'U0OPS1', tab: 'home' };
    const [a, b] = await Promise.all([one.sim.event(event, { eventId: 'EvSame' }), two.sim.event(event, { eventId: 'EvSame', retryNum: 1, retryReason: 'http_timeout' })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await both();
    expect(fake.callsTo('views.publish')).toHaveLength(1);
    await two.sim.event(event, { eventId: 'EvOther' });
    await both();
    expect(fake.callsTo('views.publish')).toHaveLength(2);
  });

  it('store one handoff, posted once, when the same view is submitted to both', async () => {
    const [a, b] = await Promise.all([submit(one, 'VSAME'), submit(two, 'VSAME')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await both();
    expect(await one.app.repo.listByState(['open'])).toHaveLength(1);
    expect(opsPosts()).toHaveLength(1);
  });

  it('give a handoff one owner when ten Accepts are spread over both', async () => {
    await submit(one, 'V1');
    await both();
    const ts = opsPosts()[0].ts;
    const people = ['U0OPS1', 'U0OPS2'];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).sim.blockAction({ userId: people[i % 4 < 2 ? 0 : 1], actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: ts })),
    );
    await both();
    const accepted = (await one.app.repo.listEvents(1)).filter((e) => e.type === 'accepted');
    expect(accepted).toHaveLength(1);
    expect((await two.app.repo.findById(1))?.ownerId).toBe(accepted[0].actorId);
  });

  describe('jobs triggered on both at once', () => {
    beforeEach(async () => {
      await submit(one, 'V1', 'SO-10001');
      await submit(two, 'V2', 'SO-10002');
      await both();
      // A day later: past the accept SLA, and digest time for the requester and the lead.
      for (const h of [one, two]) h.clock.set('2026-11-24T09:00:00Z');
    });

    const reminders = async () => (await one.app.repo.listEvents(1)).concat(await one.app.repo.listEvents(2)).filter((e) => e.type === 'nudged');
    const digestDms = (user: string) => fake.dms(user).filter((m) => m.text.startsWith('Your stalled'));

    it('through their leases: one runs each job, the other skips it, and each reminder and digest goes out once', async () => {
      const lease = (h: Harness) => h.app.jobDeps.lease as JobLeasing;
      const runs = await Promise.all([one, two].flatMap((h) => (['nudges', 'digest'] as const).map((job) => runJobLeased(job, h.app.jobDeps, h.clock.now(), lease(h)))));
      await both();
      // Each job ran once unless the first run had already given its lease back when the other asked; either way nothing twice.
      expect(runs.filter((r) => r.ran).length).toBeGreaterThanOrEqual(2);
      expect((await reminders()).length).toBeGreaterThan(0);
      const perHandoff = new Map<string, number>();
      for (const e of await reminders()) perHandoff.set(`${e.handoffId}:${String(e.data.kind)}`, (perHandoff.get(`${e.handoffId}:${String(e.data.kind)}`) ?? 0) + 1);
      expect([...perHandoff.values()].every((n) => n === 1)).toBe(true);
      expect(digestDms('U0SALES1')).toHaveLength(1);
      expect(digestDms('U0OPSLEAD')).toHaveLength(1);
    });

    it('even without leases, overlapping runs send each reminder and digest once (the per-item claims)', async () => {
      await Promise.all([one, two].flatMap((h) => [runJob('nudges', h.app.jobDeps, h.clock.now()), runJob('digest', h.app.jobDeps, h.clock.now()), runJob('nudges', h.app.jobDeps, h.clock.now())]));
      await both();
      const kinds = (await reminders()).map((e) => `${e.handoffId}:${String(e.data.kind)}`);
      expect(kinds.length).toBeGreaterThan(0);
      expect(new Set(kinds).size).toBe(kinds.length);
      expect(digestDms('U0SALES1')).toHaveLength(1);
      expect(digestDms('U0OPSLEAD')).toHaveLength(1);
    });

    it('a job lease held by one instance makes the other skip the job, until it is given back', async () => {
      const lease = (h: Harness) => h.app.jobDeps.lease as JobLeasing;
      expect(await lease(one).repo.take('nudges', lease(one).owner, Date.now(), 60_000)).toBe(true);
      expect(await runJobLeased('nudges', two.app.jobDeps, two.clock.now(), lease(two))).toEqual({ ran: false, holder: lease(one).owner });
      expect(await reminders()).toEqual([]);
      await lease(one).repo.release('nudges', lease(one).owner);
      expect((await runJobLeased('nudges', two.app.jobDeps, two.clock.now(), lease(two))).ran).toBe(true);
      expect((await reminders()).length).toBeGreaterThan(0);
    });
  });
});
