/**
 * Issue 5, "Nothing lost when the bot dies": the bot runs as a real child process
 * (`node src/bin.mjs start`) against the fake Slack, and is killed, stopped, or refused a start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, it, type TestContext } from 'vitest';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { accepting, ChildBot, SlackTap, waitUntil } from '../helpers/child-bot';
import { FakeSlack, type StoredMessage } from '../helpers/fake-slack';
import { BOT_TOKEN, FIXTURE, orderValues, SIGNING_SECRET } from '../helpers/harness';
import { type SimResponse, SlackClientSim, textValue } from '../helpers/slack-requests';

/** A temp folder, a fake Slack with a tap in front of it, and cleanup of whatever the test starts. */
async function setup(onTestFinished: TestContext['onTestFinished']) {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-crash-'));
  const fake = await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] } });
  const tap = await SlackTap.start(fake.apiUrl);
  const bots: ChildBot[] = [];
  onTestFinished(async () => {
    await Promise.all(bots.map((b) => b.dispose()));
    await tap.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const dbPath = join(dir, 'handoff.db');
  const env = (more: Record<string, string> = {}) => ({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: tap.apiUrl,
    DATABASE_URL: `file:${dbPath}`,
    HANDOFF_CONFIG: FIXTURE,
    LOG_LEVEL: 'info',
    ...more,
  });
  const start = async (more?: Record<string, string>) => {
    const bot = await ChildBot.start(env(more));
    bots.push(bot);
    return bot;
  };
  /** The fixture with changes, written to the temp folder. */
  const config = (change: (text: string) => string) => {
    const text = readFileSync(FIXTURE, 'utf8');
    const changed = change(text);
    if (changed === text) throw new Error('the config change did not apply');
    const path = join(dir, 'handoff.config.yaml');
    writeFileSync(path, changed);
    return path;
  };
  return { dir, dbPath, fake, tap, start, config };
}

const submitOrder = (sim: SlackClientSim, orderId: string, viewId: string, userId = 'U0SALES1') =>
  sim.viewSubmission({
    userId,
    callbackId: CallbackId.form,
    privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }),
    values: orderValues({ order_id: orderId }),
    viewId,
  });

const acknowledged = (res: SimResponse) => res.status === 200 && res.body === '';

interface HandoffRow {
  id: number;
  fields: string;
  message_ts: string | null;
  requester_id: string;
}

function readHandoffs(dbPath: string): Array<HandoffRow & { values: Record<string, unknown> }> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, fields, message_ts, requester_id FROM handoffs ORDER BY id').all() as HandoffRow[];
    return rows.map((r) => ({ ...r, values: JSON.parse(r.fields) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

const ORDER_ID = /\bSO-\d{4}\b/g;
/** The order ids a message shows (text and blocks). */
const orderIdsIn = (m: StoredMessage) => [...new Set(`${m.text}\n${JSON.stringify(m.blocks)}`.match(ORDER_ID) ?? [])];
const outboxIdOf = (m: StoredMessage): number | undefined => {
  const id = (m.metadata as { event_payload?: { outbox_id?: unknown } } | undefined)?.event_payload?.outbox_id;
  return id === undefined ? undefined : Number(id);
};

// Each test has its own fake Slack, database and ports, and mostly waits on the bot's 1-per-second
// channel pacing, so they run side by side.
describe.concurrent('nothing lost when the bot dies', () => {
  it('after SIGKILL mid-burst and a restart, every acknowledged submission is stored and posted exactly once', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    // Many sales reps, so the confirmation DMs go to many channels: the restart then takes about one
    // second per C0OPS post (Slack's channel pacing), not two.
    const REPS = Array.from({ length: 20 }, (_, i) => `U0REP${String(i + 1).padStart(2, '0')}`);
    const configPath = t.config((text) => text.replace('members: [U0SALES1, U0SALES2]', `members: [${REPS.join(', ')}]`));
    const t0 = Date.now();
    const first = await t.start({ HANDOFF_CONFIG: configPath });
    const bootedAt = Date.now();
    const sim = new SlackClientSim({ url: first.eventsUrl, signingSecret: SIGNING_SECRET });

    // The messages the outbox sends stay in flight (Slack has them, no answer yet) until after the kill.
    t.tap.hold('chat.postMessage');

    // Submissions go on until the kill (at most TOTAL): the outbox thread's first post may come late in a burst.
    const TOTAL = 400;
    const WORKERS = 4;
    const KILL_AFTER_ACKS = 20;
    const acked: string[] = [];
    const failed: string[] = [];
    const refused: Array<{ orderId: string; status: number; body: string }> = [];
    let next = 0;
    let outstanding = 0;
    let killedWith: { acks: number; inFlight: number; at: number; held: number } | null = null;
    const maybeKill = () => {
      if (killedWith || acked.length < KILL_AFTER_ACKS || t.tap.heldCount('chat.postMessage') < 1) return;
      first.signal('SIGKILL');
      killedWith = { acks: acked.length, inFlight: outstanding, at: Date.now(), held: t.tap.heldCount('chat.postMessage') };
    };
    const worker = async () => {
      while (!killedWith && next < TOTAL) {
        const i = next++;
        const orderId = `SO-${3000 + i}`;
        outstanding += 1;
        try {
          const res = await submitOrder(sim, orderId, `VCRASH${i}`, REPS[i % REPS.length]);
          if (acknowledged(res)) acked.push(orderId);
          else refused.push({ orderId, status: res.status, body: res.body });
        } catch {
          failed.push(orderId); // the connection broke: the bot may or may not have stored it
        } finally {
          outstanding -= 1;
        }
        maybeKill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const killed = killedWith as { acks: number; inFlight: number; at: number; held: number } | null;
    expect(killed, `never killed: ${acked.length} acks, ${t.tap.heldCount('chat.postMessage')} held\n${first.output}`).not.toBeNull();
    expect(killed?.acks).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(killed?.inFlight).toBeGreaterThan(0); // submissions were on the wire when it died
    expect(refused).toEqual([]);
    expect((await first.exited).signal).toBe('SIGKILL');

    // Slack takes the messages the dead process had sent (its posts and DMs go out side by side, so
    // there may be several): the new process must find them, not post them again.
    t.tap.release('chat.postMessage');
    await waitUntil(() => t.tap.unanswered().length === 0, { what: 'the orphaned Slack calls to be answered' });
    const orphaned = t.tap.callsTo('chat.postMessage').filter((c) => c.orphaned);
    expect(orphaned.length).toBeGreaterThanOrEqual(1);
    expect(orphaned.length).toBeGreaterThanOrEqual(killed?.held ?? 0);
    const orphanedPosts = orphaned.filter((c) => new URLSearchParams(c.body).get('channel') === 'C0OPS');
    expect(t.fake.messages('C0OPS')).toHaveLength(orphanedPosts.length);

    const second = await t.start({ HANDOFF_CONFIG: configPath });
    const restartedAt = Date.now();
    const drained = await waitUntil(async () => (await second.health().catch(() => null))?.outbox.pending === 0, {
      what: 'the restarted bot to empty the outbox',
      timeoutMs: 90_000,
      intervalMs: 250,
      detail: () => second.output,
    });
    expect(drained).toBe(true);
    const drainedAt = Date.now();
    // It looked the orphaned messages up instead of posting them again.
    expect(t.tap.callsTo('conversations.history').length).toBeGreaterThan(0);

    const rows = readHandoffs(t.dbPath);
    const stored = new Map(rows.map((r) => [String(r.values.order_id), r]));
    const posts = t.fake.messages('C0OPS').filter((m) => !m.thread_ts);
    const postsOf = (orderId: string) => posts.filter((m) => orderIdsIn(m).includes(orderId));

    for (const orderId of acked) {
      expect(stored.has(orderId), `${orderId} was acknowledged but is not in the database`).toBe(true);
      expect(postsOf(orderId), `${orderId} should have exactly one post in C0OPS`).toHaveLength(1);
    }
    for (const row of rows) {
      const orderId = String(row.values.order_id);
      expect(row.message_ts, `handoff #${row.id} (${orderId}) has no message_ts`).not.toBeNull();
      expect(postsOf(orderId), `${orderId} should have exactly one post in C0OPS`).toHaveLength(1);
      expect(posts.find((m) => m.ts === row.message_ts && orderIdsIn(m).includes(orderId)), `${orderId}: message_ts points at its post`).toBeDefined();
    }
    // No order posted twice, nothing posted that is not stored, one post per handoff.
    const postedIds = posts.flatMap(orderIdsIn);
    expect(new Set(postedIds).size).toBe(postedIds.length);
    expect([...postedIds].sort()).toEqual([...stored.keys()].sort());
    // Every message went out once: the outbox ids they carry are unique, and each requester got one confirmation per handoff.
    const dms = REPS.flatMap((rep) => t.fake.dms(rep));
    const outboxIds = [...posts, ...dms].map(outboxIdOf);
    expect(outboxIds.every((id) => id !== undefined)).toBe(true);
    expect(new Set(outboxIds).size).toBe(outboxIds.length);
    expect(dms).toHaveLength(rows.length);
    for (const row of rows) expect(t.fake.dms(row.requester_id).filter((m) => orderIdsIn(m).includes(String(row.values.order_id)))).toHaveLength(1);

    console.log(
      `crash: ${acked.length} acknowledged, ${failed.length} broke off (${failed.filter((id) => stored.has(id)).length} of them stored anyway), ${rows.length} stored; killed at ${killed?.acks} acks with ${killed?.inFlight} in flight; ` +
        `boot ${bootedAt - t0} ms, burst ${(killed?.at ?? 0) - bootedAt} ms, restart ${restartedAt - (killed?.at ?? 0)} ms, drain ${drainedAt - restartedAt} ms`,
    );
    second.signal('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('SIGTERM lets the request in flight finish, exits 0 and leaves the database unlocked', async ({ expect, onTestFinished }) => {
    const t = await setup(onTestFinished);
    // A type started by a user-group team: its submission asks Slack for the group's members first.
    const configPath = t.config(
      (text) => `${text}
  ful-to-ops:
    name: Fulfilment asks Operations
    from: fulfilment
    to: ops
    fields:
      - { key: request, label: Request, type: longtext, required: true }
`,
    );
    const bot = await t.start({ HANDOFF_CONFIG: configPath });
    const sim = new SlackClientSim({ url: bot.eventsUrl, signingSecret: SIGNING_SECRET });
    // Messages take a while to reach Slack, so the outbox is busy when the signal comes.
    t.fake.fail('chat.postMessage', { delayMs: 500, times: 2 });
    for (const [i, orderId] of ['SO-4000', 'SO-4001'].entries()) expect(acknowledged(await submitOrder(sim, orderId, `VTERM${i}`))).toBe(true);

    // The next submission waits inside the bot for Slack's answer (held) when SIGTERM arrives.
    t.tap.hold('usergroups.users.list');
    const inFlight = sim.viewSubmission({
      userId: 'U0FUL1',
      callbackId: CallbackId.form,
      privateMetadata: JSON.stringify({ typeKey: 'ful-to-ops' }),
      values: { [BlockId.field('request')]: { [ActionId.fieldInput]: textValue('Restock the Newark shelf') } },
      viewId: 'VTERM-INFLIGHT',
    });
    await waitUntil(() => t.tap.heldCount('usergroups.users.list') === 1, { what: 'the submission to be in flight', detail: () => bot.output });
    const signalledAt = Date.now();
    bot.signal('SIGTERM');
    // It stops taking connections first; only then does Slack answer the call the request waits on.
    await waitUntil(async () => !(await accepting(bot.port as number)), { what: 'the bot to stop listening', detail: () => bot.output });
    t.tap.release('usergroups.users.list');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    await waitUntil(() => !bot.running, { what: 'the bot to exit', timeoutMs: 15_000, detail: () => bot.output });
    const exit = await bot.exited;
    expect(exit, bot.output).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt, 'seconds from SIGTERM to exit').toBeLessThan(10_000);

    const rows = readHandoffs(t.dbPath);
    expect(rows.map((r) => r.values.order_id ?? r.values.request)).toEqual(['SO-4000', 'SO-4001', 'Restock the Newark shelf']);
    // The database was closed properly: another process can take the write lock at once and write.
    const db = new Database(t.dbPath, { fileMustExist: true, timeout: 0 });
    try {
      db.exec('CREATE TABLE crash_probe (x INTEGER); INSERT INTO crash_probe VALUES (1)');
      expect(db.prepare('SELECT count(*) AS n FROM crash_probe').get()).toEqual({ n: 1 });
      // Nothing is left leased to the stopped process: what it did not send goes out at the next start, at once.
      expect(db.prepare('SELECT count(*) AS n FROM outbox WHERE lease_owner IS NOT NULL OR lease_until IS NOT NULL').get()).toEqual({ n: 0 });
      const pending = db.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL').get() as { n: number };
      console.log(`sigterm: exited ${exit.at - signalledAt} ms after the signal, ${pending.n} outbox entries left for the next start`);
    } finally {
      db.close();
    }
  }, 120_000);

  it('refuses to start with a bad config or a missing token, saying what is wrong and never printing secrets', async ({ expect, onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-crash-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const badConfig = join(dir, 'bad.config.yaml');
    writeFileSync(
      badConfig,
      `teams:
  ops:
    name: Operations
    channel: C0OPS
    members: [U0OPS1]
handoffTypes:
  x:
    name: Broken
    to: ops
    fields:
      - { key: a, label: A, type: colour }
`,
    );
    const secret = 'signing-secret-that-must-never-be-printed-7f3a';
    const base = { SLACK_SIGNING_SECRET: secret, SLACK_API_URL: 'http://127.0.0.1:9/api/', DATABASE_URL: `file:${join(dir, 'handoff.db')}`, PORT: '0', LOG_LEVEL: 'debug' };
    const [badFile, noToken] = await Promise.all([
      ChildBot.run(['start'], { ...base, SLACK_BOT_TOKEN: BOT_TOKEN, HANDOFF_CONFIG: badConfig }),
      ChildBot.run(['start'], { ...base, HANDOFF_CONFIG: FIXTURE }),
    ]);

    expect(badFile.signal, badFile.out).toBeNull();
    expect(badFile.code, badFile.out).not.toBe(0);
    expect(badFile.out).toContain(badConfig);
    expect(badFile.out).toContain('handoffTypes.x.fields[0].type');
    expect(badFile.out).not.toContain(secret);

    expect(noToken.signal, noToken.out).toBeNull();
    expect(noToken.code, noToken.out).not.toBe(0);
    expect(noToken.out).toContain('SLACK_BOT_TOKEN');
    expect(noToken.out).not.toContain(secret);
  }, 120_000);
});
