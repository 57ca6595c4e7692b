/**
 * Logs and metrics as an operator sees them: pino JSON lines from the real process with every secret
 * kept out, and Prometheus text on /metrics behind METRICS_TOKEN.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runJob } from '../../src/jobs/index';
import { ActionId, CallbackId } from '../../src/slack/ids';
import { ChildBot, waitUntil } from '../helpers/child-bot';
import { FakeSlack } from '../helpers/fake-slack';
import { BOT_TOKEN, FIXTURE, type Harness, orderValues, SIGNING_SECRET, startHarness, submitOrder } from '../helpers/harness';
import { SlackClientSim } from '../helpers/slack-requests';

const API_TOKEN = 'api-token-for-the-shop-0123456789abcdefghijkl';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdefghijklmnopq';
const METRICS_TOKEN = 'metrics-token-0123456789abcdefghijklmnopqrs';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('logs', () => {
  it('are JSON lines with the handoff id on every change, and carry no secret even at debug level', async ({ onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-logs-'));
    const fake = await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] } });
    const hook = await FakeSlack.start({});
    let bot: ChildBot | null = null;
    onTestFinished(async () => {
      await bot?.dispose();
      await fake.stop();
      await hook.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const config = join(dir, 'handoff.config.yaml');
    writeFileSync(
      config,
      `${readFileSync(FIXTURE, 'utf8')}\napi:\n  tokens:\n    - { name: shop, token: ${API_TOKEN} }\nwebhooks:\n  - { url: "${hook.apiUrl}hook?token=${WEBHOOK_SECRET}", events: ["*"], secret: ${WEBHOOK_SECRET} }\n`,
    );
    bot = await ChildBot.start({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: `file:${join(dir, 'handoff.db')}`,
      HANDOFF_CONFIG: config,
      METRICS_TOKEN,
      LOG_LEVEL: 'debug',
    });
    const sim = new SlackClientSim({ url: bot.eventsUrl, signingSecret: SIGNING_SECRET, responseUrls: fake.hooksUrl });
    expect((await sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' })).status).toBe(200);
    const submitted = await sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: orderValues() });
    expect(submitted.status).toBe(200);
    const post = await waitUntil(() => fake.messages('C0OPS')[0], { what: 'the post' });
    expect((await sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: post.ts })).status).toBe(200);
    const api = await fetch(bot.eventsUrl.replace('/slack/events', '/api/handoffs'), {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order-to-ops', requester: 'U0SALES1', fields: { order_id: 'SO-77777', customer: 'B', ship_by: '2026-12-01', priority: 'Low' } }),
    });
    expect(api.status).toBe(201);
    const scrape = await fetch(bot.eventsUrl.replace('/slack/events', '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scrape.status).toBe(200);
    await waitUntil(() => bot?.output.includes('"event":"accepted"'), { what: 'the accept logged', detail: () => bot?.output ?? '' });
    bot.signal('SIGTERM');
    await waitUntil(() => !bot?.running, { what: 'the bot to stop' });

    const lines = bot.output.split('\n').filter((l) => l.trim().startsWith('{'));
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(10);
    // Debug really was on: Bolt's and the Web API client's own lines are there too.
    expect(records.some((r) => r.level === 'debug')).toBe(true);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, API_TOKEN, WEBHOOK_SECRET, METRICS_TOKEN]) expect(bot.output).not.toContain(secret);
    expect(records).toContainEqual(expect.objectContaining({ msg: 'handoff changed', handoffId: 1, event: 'created', to: 'open', actor: 'U0SALES1' }));
    expect(records).toContainEqual(expect.objectContaining({ msg: 'handoff changed', handoffId: 1, event: 'accepted', from: 'open', to: 'accepted', actor: 'U0OPS1' }));
    expect(records).toContainEqual(expect.objectContaining({ msg: 'handoff changed', handoffId: 2, event: 'created' }));
    expect(records).toContainEqual(expect.objectContaining({ msg: 'request', request: 'action', id: ActionId.accept, handoffId: 1, user: 'U0OPS1', outcome: 'ok' }));
    expect(records).toContainEqual(expect.objectContaining({ msg: 'request', request: 'view_submission', outcome: 'ok' }));
    // Every line has a level and a time; none is plain text.
    expect(bot.output.split('\n').filter((l) => l.trim() && !l.trim().startsWith('{'))).toEqual([]);
  }, 60_000);
});

describe('GET /metrics', () => {
  const scrape = (token?: string) => fetch((h as Harness).sim.url.replace('/slack/events', '/metrics'), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('is not served without METRICS_TOKEN', async () => {
    h = await startHarness();
    expect((await scrape()).status).toBe(404);
  });

  it('asks for the token, then reports requests, acks, Slack calls, the outbox, jobs and handoffs', async () => {
    h = await startHarness({ env: { METRICS_TOKEN } });
    expect((await scrape()).status).toBe(401);
    expect((await scrape('wrong-token')).status).toBe(401);

    await h.sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' });
    await submitOrder(h);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: h.fake.messages('C0OPS')[0].ts });
    await h.settle();
    // One rate-limited post: the outbox keeps it and /metrics counts it.
    h.fake.fail('chat.postMessage', { retryAfter: 1 });
    await submitOrder(h, { order_id: 'SO-99999' });
    await runJob('nudges', h.app.jobDeps, h.clock.now());

    const res = await scrape(METRICS_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('handoff_slack_requests_total{kind="command",outcome="ok"}')).toBe(1);
    expect(value('handoff_slack_requests_total{kind="view_submission",outcome="ok"}')).toBe(2);
    // The requester is not on the receiving team: a refusal, told privately.
    expect(value('handoff_slack_requests_total{kind="action",outcome="refused"}')).toBe(1);
    expect(value('handoff_slack_ack_seconds_count{kind="view_submission"}')).toBe(2);
    expect(value('handoff_slack_api_calls_total{method="views.open",result="ok"}')).toBe(1);
    expect(value('handoff_slack_api_calls_total{method="chat.postMessage",result="ratelimited"}')).toBe(1);
    expect(value('handoff_outbox_pending')).toBeGreaterThan(0);
    expect(value('handoff_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('handoff_job_runs_total{job="nudges",outcome="ok"}')).toBe(1);
    expect(value('handoff_job_duration_seconds_count{job="nudges"}')).toBe(1);
    expect(value('handoff_handoffs{state="open",team="ops"}')).toBe(2);
    expect(value('handoff_events_total{type="created"}')).toBe(2);
  });
});
