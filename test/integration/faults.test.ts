/**
 * Issue 5, "Nothing lost when Slack fails": one fixed scenario (submit → accept → reassign via the
 * modal → complete via the completion modal) is run once against a healthy fake Slack, then again in
 * fresh harnesses with faults injected (5xx, `ok:false` bodies, 429 + Retry-After, timeouts after
 * which Slack still posts). Once the outbox has been driven to empty, what people see in Slack and
 * what SQLite holds must be exactly what the fault-free run left: nothing missing, nothing twice.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { HANDOFF_STATES } from '../../src/domain/lifecycle';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { dmChannelFor, type Fault, type StoredMessage } from '../helpers/fake-slack';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';
import { textValue, userValue } from '../helpers/slack-requests';

// ---- the scenario ------------------------------------------------------------------------------

const STEPS = ['submit', 'accept', 'reassign', 'complete'] as const;
type Step = (typeof STEPS)[number];

/**
 * Each step happens at a fixed time, so everything stored (event times, SLA due dates) is the same
 * in every run however long recovery took; recovery advances the clock and must finish before the next step.
 */
const T0 = Date.parse('2026-11-23T10:00:00Z');
const STEP_GAP_MS = 6 * 60 * 60_000;
const stepAt = (i: number) => new Date(T0 + i * STEP_GAP_MS);

const OPS_CHANNEL = 'C0OPS';

function channelPost(h: Harness): StoredMessage {
  const [m] = h.fake.messages(OPS_CHANNEL).filter((x) => !x.thread_ts);
  if (!m) throw new Error('no channel post');
  return m;
}

async function press(h: Harness, userId: string, actionId: string): Promise<void> {
  const res = await h.sim.blockAction({ userId, actionId, value: '1', channelId: OPS_CHANNEL, messageTs: channelPost(h).ts });
  expect(res.status).toBe(200);
  await h.settle();
}

/** The private_metadata of the modal the bot opened last (after pressing a button that opens one). */
function lastModal(h: Harness, callbackId: string): string {
  return String(h.fake.lastOpenedView(callbackId).private_metadata);
}

async function runStep(h: Harness, step: Step): Promise<void> {
  switch (step) {
    case 'submit': {
      const res = await submitOrder(h);
      expect(res.body).toBe('');
      return;
    }
    case 'accept':
      return press(h, 'U0OPS1', ActionId.accept);
    case 'reassign': {
      await press(h, 'U0OPS1', ActionId.reassign);
      const privateMetadata = lastModal(h, CallbackId.reassign);
      const res = await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reassign, privateMetadata, values: { [BlockId.assignee]: { [ActionId.fieldInput]: userValue('U0OPS2') } } });
      expect(res.body).toBe('');
      await h.settle();
      return;
    }
    case 'complete': {
      await press(h, 'U0OPS2', ActionId.complete);
      const privateMetadata = lastModal(h, CallbackId.complete);
      const res = await h.sim.viewSubmission({ userId: 'U0OPS2', callbackId: CallbackId.complete, privateMetadata, values: { [BlockId.field('tracking')]: { [ActionId.fieldInput]: textValue('1Z999') } } });
      expect(res.body).toBe('');
      await h.settle();
      return;
    }
  }
}

// ---- driving retries to completion ---------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RETRY_AFTER_PAUSE_MS = 1_100; // just over a 1 s Retry-After
const IDLE_PAUSE_MS = 20;
const MAX_ROUNDS = 15; // × 20 min of clock stays inside STEP_GAP_MS

async function pendingErrors(h: Harness): Promise<string[]> {
  const rows = await h.app.database.all<{ error: string }>(sql`SELECT last_error AS error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL`);
  return rows.map((r) => r.error);
}

/**
 * Runs the outbox until it is empty: every round waits out a Retry-After pause (wall clock) or a
 * timed-out call Slack is still working on, makes all backoffs due (clock + 20 min) and kicks.
 * Returns how many retry rounds it took.
 *
 * The wait comes before the clock moves: while a handoff has an entry waiting behind a failed one the
 * dispatcher polls every 250 ms on its own, and with the clock already moved it would retry a
 * timed-out post before Slack has stored it, then find nothing and post again.
 */
async function recover(h: Harness, slowCallMs = 0): Promise<number> {
  for (let round = 0; ; round += 1) {
    await h.settle();
    const { pending } = await h.app.outboxRepo.backlog();
    if (pending === 0) return round;
    if (round >= MAX_ROUNDS) throw new Error(`outbox still holds ${pending} entries after ${MAX_ROUNDS} rounds: ${(await pendingErrors(h)).join(' | ')}`);
    const errors = await pendingErrors(h);
    const rateLimited = errors.some((e) => /rate.?limit/i.test(e));
    // A timed-out call may still be running in Slack: the retry must only look for it once it landed.
    const timedOut = slowCallMs > 0 && errors.some((e) => /time.?out|abort/i.test(e));
    await sleep(Math.max(IDLE_PAUSE_MS, rateLimited ? RETRY_AFTER_PAUSE_MS : 0, timedOut ? slowCallMs + 100 : 0));
    h.clock.advance(20 * 60_000);
    h.app.dispatcher.kick();
  }
}

// ---- normalized state ----------------------------------------------------------------------------

interface SeenMessage {
  text: string;
  blocks: unknown[];
  /** Thread replies' texts in order. */
  replies: string[];
}

interface SlackState {
  /** Team channels: top-level messages in order, as they look now. */
  channels: Record<string, SeenMessage[]>;
  /** DMs per user, in order. */
  dms: Record<string, SeenMessage[]>;
  ephemerals: string[];
}

/** Every channel the scenario could reach: the fixture's team channels, everyone's DM, and whatever was posted to. */
function knownChannels(h: Harness): string[] {
  const channels = new Set<string>();
  for (const team of Object.values(h.workflow.teams)) {
    channels.add(team.channel);
    for (const user of [...(team.members ?? []), ...team.leads]) channels.add(dmChannelFor(user));
  }
  for (const user of ['U0FUL1', 'U0FUL2']) channels.add(dmChannelFor(user));
  for (const c of h.fake.callsTo('chat.postMessage')) if (c.response?.ok) channels.add(String(c.response.channel));
  return [...channels].sort();
}

/** Message ts → a stable label (`C0OPS#0`, `C0OPS#0.1`), so ts values are ignored but references to messages are not. */
function tsLabels(h: Harness): Map<string, string> {
  const labels = new Map<string, string>();
  for (const channel of knownChannels(h)) {
    const all = h.fake.messages(channel);
    all
      .filter((m) => !m.thread_ts)
      .forEach((top, i) => {
        labels.set(top.ts, `${channel}#${i}`);
        all.filter((m) => m.thread_ts === top.ts).forEach((r, j) => labels.set(r.ts, `${channel}#${i}.${j}`));
      });
  }
  return labels;
}

/** Replaces message ts values (`1700000000.000100`, and `p1700000000000100` in permalinks) by their labels. */
function relabel<T>(value: T, labels: Map<string, string>): T {
  const byDigits = new Map([...labels].map(([ts, label]) => [ts.replace('.', ''), label]));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.replace(/\b\d{10}\.\d{6}\b/g, (ts) => labels.get(ts) ?? ts).replace(/\bp(\d{16})\b/g, (p, digits: string) => (byDigits.has(digits) ? `p<${byDigits.get(digits)}>` : p));
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date) return v;
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function slackState(h: Harness): SlackState {
  const labels = tsLabels(h);
  const state: SlackState = { channels: {}, dms: {}, ephemerals: h.fake.ephemerals.map((e) => `${e.user}@${e.channel}: ${e.text}`) };
  for (const channel of knownChannels(h)) {
    const all = h.fake.messages(channel);
    const seen = all
      .filter((m) => !m.thread_ts)
      .map((top) => ({ text: top.text, blocks: top.blocks, replies: all.filter((m) => m.thread_ts === top.ts).map((r) => r.text) }));
    if (seen.length === 0) continue;
    if (channel.startsWith('D')) state.dms[`U${channel.slice(1)}`] = seen;
    else state.channels[channel] = seen;
  }
  return relabel(state, labels);
}

/** Handoffs, their events and the outbox entries as SQLite holds them, minus delivery bookkeeping (attempts, errors, sent times). */
async function dbState(h: Harness) {
  const labels = tsLabels(h);
  const handoffs = await h.app.repo.listByState(HANDOFF_STATES);
  const outbox = await h.app.database.all(
    sql`SELECT id, handoff_id AS "handoffId", kind, payload, created_at AS "createdAt", CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END AS sent FROM outbox ORDER BY id`,
  );
  const events = [];
  for (const x of handoffs) events.push(await h.app.repo.listEvents(x.id));
  return relabel({ handoffs, events, outbox }, labels);
}

// ---- running it ----------------------------------------------------------------------------------

type Faults = ReadonlyArray<readonly [method: string, fault: Fault]>;

interface FaultCase {
  readonly name: string;
  /** Faults queued before a step (they hit the next calls of their method, whichever step makes them). */
  readonly before: Partial<Record<Step, Faults>>;
  readonly clientTimeoutMs?: number;
  /** How long a delayed call takes in Slack (delayMs of the faults), so recovery can wait for it. */
  readonly slowCallMs?: number;
}

interface RunResult {
  slack: SlackState;
  db: Awaited<ReturnType<typeof dbState>>;
  /** Outbox entries still pending right after each step, before any recovery. */
  pendingAfter: Record<Step, number>;
  rounds: number;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length > 0) await harnesses.pop()?.close();
});

async function runScenario(
  c: Pick<FaultCase, 'before' | 'clientTimeoutMs' | 'slowCallMs'> & { atStart?: Faults },
  inspect?: (h: Harness, step: Step) => void | Promise<void>,
): Promise<RunResult & { h: Harness }> {
  const h = await startHarness({ now: stepAt(0).toISOString(), clientTimeoutMs: c.clientTimeoutMs, faults: c.atStart });
  harnesses.push(h);
  const pendingAfter = {} as Record<Step, number>;
  let rounds = 0;
  for (const [i, step] of STEPS.entries()) {
    if (h.clock.now().getTime() > stepAt(i).getTime()) throw new Error(`recovery ran past the time of step ${step}`);
    h.clock.set(stepAt(i));
    for (const [method, fault] of c.before[step] ?? []) h.fake.fail(method, fault);
    await runStep(h, step);
    pendingAfter[step] = (await h.app.outboxRepo.backlog()).pending;
    await inspect?.(h, step);
    rounds += await recover(h, c.slowCallMs);
    expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
  }
  return { h, slack: slackState(h), db: await dbState(h), pendingAfter, rounds };
}

const e500 = (times = 2): Fault => ({ status: 500, times });
const internalError = (times = 2): Fault => ({ body: { ok: false, error: 'internal_error' }, times });
const SLOW_MS = 600;
const slow = (times = 1): Fault => ({ delayMs: SLOW_MS, times });

/** A client timeout of 300 ms against calls Slack takes 600 ms for and then does anyway: the channel post, the first DM and a thread reply. */
const TIMEOUTS: FaultCase = {
  name: 'timeouts after which Slack still posts',
  clientTimeoutMs: 300,
  slowCallMs: SLOW_MS,
  before: { submit: [['chat.postMessage', slow(2)]], accept: [['chat.postMessage', slow(1)]] },
};

const CASES: FaultCase[] = [
  { name: '500 on chat.postMessage', before: { submit: [['chat.postMessage', e500()]] } },
  { name: '500 on chat.update', before: { submit: [['chat.update', e500()]] } },
  // DMs go to the user id; conversations.open is only asked when a timed-out first DM must be looked for.
  { name: '500 on conversations.open', clientTimeoutMs: 300, slowCallMs: SLOW_MS, before: { submit: [['chat.postMessage', slow(2)], ['conversations.open', e500()]] } },
  { name: 'ok:false internal_error on chat.postMessage', before: { submit: [['chat.postMessage', internalError()]] } },
  { name: 'ok:false internal_error on chat.update', before: { submit: [['chat.update', internalError()]] } },
  { name: 'ok:false internal_error on conversations.open', clientTimeoutMs: 300, slowCallMs: SLOW_MS, before: { submit: [['chat.postMessage', slow(2)], ['conversations.open', internalError()]] } },
  {
    name: '429 with Retry-After on chat.postMessage and chat.update',
    before: {
      submit: [
        ['chat.postMessage', { retryAfter: 1, times: 1 }],
        ['chat.update', { retryAfter: 1, times: 1 }],
      ],
    },
  },
  {
    name: 'a mix of all of them across methods',
    clientTimeoutMs: 300,
    slowCallMs: SLOW_MS,
    before: {
      submit: [
        ['chat.postMessage', e500(1)],
        ['chat.postMessage', internalError(1)],
        ['conversations.history', e500(1)],
        ['conversations.open', internalError(1)],
        ['conversations.open', e500(1)],
        ['chat.update', e500(1)],
        ['chat.update', internalError(1)],
        ['chat.update', { retryAfter: 1, times: 1 }],
      ],
      accept: [
        ['chat.postMessage', slow(1)],
        ['conversations.replies', internalError(1)],
      ],
      reassign: [['chat.postMessage', { retryAfter: 1, times: 1 }]],
      complete: [
        ['conversations.open', e500(1)],
        ['chat.postMessage', internalError(1)],
        ['chat.postMessage', slow(1)],
      ],
    },
  },
];

let baseline: RunResult;

beforeAll(async () => {
  const run = await runScenario({ before: {} });
  baseline = run;
  await run.h.close();
  harnesses.length = 0;
});

describe('the fault-free run', () => {
  it('posts once, updates the post, replies in its thread and DMs the people concerned', async () => {
    expect(baseline.rounds).toBe(0);
    expect(baseline.pendingAfter).toEqual({ submit: 0, accept: 0, reassign: 0, complete: 0 });
    const ops = baseline.slack.channels[OPS_CHANNEL];
    expect(ops).toHaveLength(1);
    expect(ops[0].text).toContain('Done');
    expect(JSON.stringify(ops[0].blocks)).toContain('1Z999');
    expect(ops[0].replies).toEqual([expect.stringContaining('accepted'), expect.stringContaining('assigned'), expect.stringContaining('done')]);
    expect(Object.keys(baseline.slack.channels)).toEqual([OPS_CHANNEL]);
    expect(Object.keys(baseline.slack.dms).sort()).toEqual(['U0OPS2', 'U0SALES1']);
    expect(baseline.slack.dms.U0SALES1).toHaveLength(3); // created, accepted, completed
    expect(baseline.slack.dms.U0OPS2).toHaveLength(2); // assigned to you, next step needs details
    const [handoff] = baseline.db.handoffs;
    expect(baseline.db.handoffs).toHaveLength(1);
    expect(handoff).toMatchObject({ state: 'done', ownerId: 'U0OPS2', messageTs: `${OPS_CHANNEL}#0` });
    expect(baseline.db.events[0].map((e) => e.type)).toEqual(['created', 'accepted', 'reassigned', 'completed']);
    expect(baseline.db.outbox.every((row) => (row as { sent: number }).sent === 1)).toBe(true);
  });
});

describe('nothing is lost or sent twice when Slack fails', () => {
  it.each(CASES)('$name', async (c) => {
    const run = await runScenario(c);
    expect(run.rounds).toBeGreaterThan(0);
    expect(Object.values(run.pendingAfter).some((n) => n > 0)).toBe(true);
    expect(run.h.fake.calls.some((call) => call.failed)).toBe(true);
    expect(run.slack).toEqual(baseline.slack);
    expect(run.db).toEqual(baseline.db);
  });

  it('keeps the failed entries pending until Slack recovers', async () => {
    const seen: Partial<Record<Step, { pending: number; posts: number; failed: number }>> = {};
    const run = await runScenario({ before: { submit: [['chat.postMessage', e500()]], accept: [['chat.update', internalError()]] } }, async (h, step) => {
      seen[step] = {
        pending: (await h.app.outboxRepo.backlog()).pending,
        posts: h.fake.messages(OPS_CHANNEL).filter((m) => !m.thread_ts).length,
        failed: h.fake.calls.filter((call) => call.failed).length,
      };
    });
    // After submit: the post failed, and the requester's DM waits behind it (order per handoff).
    expect(seen.submit).toEqual({ pending: 2, posts: 0, failed: 1 });
    // After accept: the update failed; its thread reply and DM wait behind it.
    expect(seen.accept).toMatchObject({ pending: 3, posts: 1 });
    expect(run.pendingAfter).toMatchObject({ reassign: 0, complete: 0 });
    expect(run.slack).toEqual(baseline.slack);
    expect(run.db).toEqual(baseline.db);
  });

  // The post's lane waits for its permalink (built from auth.test's workspace URL), so the DMs and replies behind it still carry the link.
  // Slack down when the bot starts: Bolt would keep that failure and drop every request after it.
  it('auth.test failing at start and at the first request: the form is still taken, and it ends with the same messages', async () => {
    const run = await runScenario({ atStart: [['auth.test', e500(3)]], before: {} });
    expect(run.h.fake.callsTo('auth.test').filter((call) => call.failed)).toHaveLength(3);
    expect(run.slack).toEqual(baseline.slack);
  });

  it('after a timeout Slack still honoured, the retry finds the message by its outbox id instead of posting again', async () => {
    const run = await runScenario(TIMEOUTS);
    const { fake } = run.h;
    expect(run.pendingAfter.submit).toBe(2);
    expect(fake.callsTo('conversations.history').length).toBeGreaterThan(0);
    expect(fake.callsTo('conversations.replies').length).toBeGreaterThan(0);
    // Every successful chat.postMessage left exactly one message, and there are no more of them than in the fault-free run.
    const landed = fake.callsTo('chat.postMessage').filter((call) => call.response?.ok);
    const stored = Object.values(run.slack.channels)
      .concat(Object.values(run.slack.dms))
      .flat()
      .reduce((n, m) => n + 1 + m.replies.length, 0);
    expect(landed).toHaveLength(stored);
    expect(run.slack.channels[OPS_CHANNEL]).toHaveLength(1);
    expect(run.slack).toEqual(baseline.slack);
    expect(run.db).toEqual(baseline.db);
  });
});
