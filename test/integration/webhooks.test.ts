import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { runCli } from '../../src/cli';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { checkboxesValue, textValue } from '../helpers/slack-requests';
import { waitUntil } from '../helpers/child-bot';
import { capturingLogger, FIXTURE, type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';

const SECRET = 'webhook-secret-0123456789abcdef0123';

/** A local HTTP receiver that answers with the statuses given, then 200. */
class Receiver {
  readonly received: Array<{ headers: Record<string, string>; body: string }> = [];
  private server!: Server;
  url = '';
  constructor(private failures: number[] = []) {}
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const status = this.failures.shift() ?? 200;
        if (status === 200) this.received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  events() {
    return this.received.map((r) => JSON.parse(r.body) as { id: string; event: { type: string; to: string }; handoff: { id: number; state: string } });
  }
}

const withHook = (url: string, events: string[] = ['*']) => (w: WorkflowConfig) => ({ ...w, webhooks: [{ url, events, secret: SECRET }] }) as WorkflowConfig;

/** Retries what failed: move the clock past the backoff and let the dispatcher run. */
async function drainRetries(h: Harness, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds && (await h.app.outboxRepo.backlog()).pending > 0; i++) {
    h.clock.advance(20 * 60_000);
    h.app.dispatcher.kick();
    await h.settle();
  }
}

let h: Harness;
let receiver: Receiver;
beforeEach(async () => {
  receiver = new Receiver([500, 500, 503]);
  await receiver.start();
});
afterEach(async () => {
  await h?.close();
  await receiver.stop();
});

it('delivers every event signed, retried after 5xx until accepted, in order per handoff', async () => {
  h = await startHarness({ workflow: withHook(receiver.url) });
  await submitOrder(h);
  const ts = h.fake.messages('C0OPS')[0].ts;
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: ts });
  await h.settle();
  // The first delivery failed; the accepted event waits behind it, and Slack was not held up.
  expect(receiver.received).toHaveLength(0);
  expect(h.fake.threadReplies('C0OPS', ts)).toHaveLength(1);
  await drainRetries(h);
  expect(receiver.events().map((e) => [e.event.type, e.event.to])).toEqual([
    ['created', 'open'],
    ['accepted', 'accepted'],
  ]);
  for (const r of receiver.received) {
    const expected = `v1=${createHmac('sha256', SECRET).update(`v1:${r.headers['x-handoff-timestamp']}:${r.body}`).digest('hex')}`;
    expect(r.headers['x-handoff-signature']).toBe(expected);
    expect(r.headers['x-handoff-delivery']).toBe(JSON.parse(r.body).id);
  }
  expect(new Set(receiver.events().map((e) => e.id)).size).toBe(2);
  expect(receiver.events()[1].handoff).toMatchObject({ id: 1, state: 'accepted' });
});

it('only sends the events a webhook subscribed to', async () => {
  receiver = new Receiver();
  await receiver.start();
  h = await startHarness({ workflow: withHook(receiver.url, ['accepted', 'done']) });
  await submitOrder(h);
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: h.fake.messages('C0OPS')[0].ts });
  await h.settle();
  expect(receiver.events().map((e) => e.event.type)).toEqual(['accepted']);
});

it('loses nothing across a restart, and `handoff webhooks status` shows what fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-webhooks-'));
  const dbPath = join(dir, 'handoff.db');
  receiver = new Receiver([500, 500, 500, 500, 500, 500]);
  await receiver.start();
  try {
    h = await startHarness({ workflow: withHook(receiver.url), dbPath });
    await submitOrder(h);
    await drainRetries(h, 3);
    expect((await h.app.outboxRepo.backlog()).pending).toBe(1);

    const lines: string[] = [];
    const log = console.log;
    console.log = (...m: unknown[]) => lines.push(m.join(' '));
    try {
      expect(await runCli(['webhooks', 'status'], { DATABASE_URL: `file:${dbPath}`, HANDOFF_CONFIG: FIXTURE })).toBe(0);
    } finally {
      console.log = log;
    }
    expect(lines.join('\n')).toContain(`FAILING  ${receiver.url}`);
    expect(lines.join('\n')).toContain('pending 1, failing 1, delivered 0');
    expect(lines.join('\n')).toContain('last error: webhook');

    await h.close();
    h = await startHarness({ workflow: withHook(receiver.url), dbPath });
    await drainRetries(h, 10);
    expect(receiver.events().map((e) => e.event.type)).toEqual(['created']);
    expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
  } finally {
    await h.close();
    h = undefined as unknown as Harness;
    rmSync(dir, { recursive: true, force: true });
  }
});

it('never shows a token from the webhook URL: not in the log, the stored error or `handoff webhooks status`', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-webhooks-'));
  const dbPath = join(dir, 'handoff.db');
  const TOKEN = 'sk_live_9f8e7d6c5b4a39281706f5e4';
  const lines: string[] = [];
  try {
    h = await startHarness({ workflow: withHook(`${receiver.url}?token=${TOKEN}&team=ops`), dbPath, logger: capturingLogger(lines) });
    await submitOrder(h);
    await drainRetries(h, 2);
    const retries = lines.filter((l) => l.includes('(webhook) failed'));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toContain('/hook?token=***&team=***');
    const [status] = await h.app.outboxRepo.webhookStatus();
    expect(status.lastError).toMatch(/\?token=\*\*\*&team=\*\*\* answered HTTP 50/);

    const out: string[] = [];
    const log = console.log;
    console.log = (...m: unknown[]) => out.push(m.join(' '));
    try {
      await runCli(['webhooks', 'status'], { DATABASE_URL: `file:${dbPath}`, HANDOFF_CONFIG: FIXTURE });
    } finally {
      console.log = log;
    }
    expect(out.join('\n')).toContain('last error: webhook http://127.0.0.1:');
    expect(out.join('\n')).toContain('/hook?token=***&team=***');
    expect(out.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(status.lastError).not.toContain(TOKEN);
  } finally {
    await h.close();
    h = undefined as unknown as Harness;
    rmSync(dir, { recursive: true, force: true });
  }
});

it('keeps a password out of the log when a URL with user info is delivered to anyway (configured before it was refused)', async () => {
  const lines: string[] = [];
  h = await startHarness({ workflow: withHook(receiver.url.replace('http://', 'http://deploy:hunter2-password@')), logger: capturingLogger(lines) });
  await submitOrder(h);
  await h.settle();
  const failures = lines.filter((l) => l.includes('(webhook) failed'));
  expect(failures.length).toBeGreaterThan(0);
  expect(failures[0]).toContain('http://***@127.0.0.1:');
  expect(lines.join('\n')).not.toContain('hunter2-password');
  expect((await h.app.outboxRepo.webhookStatus())[0].lastError).not.toContain('hunter2-password');
});

it('a returned event carries the fields the return flagged', async () => {
  await receiver.stop();
  receiver = new Receiver();
  await receiver.start();
  h = await startHarness({ workflow: withHook(receiver.url, ['returned']) });
  await submitOrder(h);
  await h.sim.viewSubmission({
    userId: 'U0OPS1',
    callbackId: CallbackId.reject,
    privateMetadata: JSON.stringify({ handoffId: 1 }),
    values: { [BlockId.flagged(0)]: { value: checkboxesValue(['ship_by', 'priority']) }, [BlockId.reason]: { value: textValue('Check the date') } },
  });
  await h.settle();
  const [delivery] = receiver.received.map((r) => JSON.parse(r.body));
  expect(delivery.event).toMatchObject({ type: 'returned', data: { reason: 'Check the date', flaggedFields: ['ship_by', 'priority'], somethingElse: false } });
});

it('a webhook that does not answer holds up neither Slack messages nor other handoffs (no head-of-line blocking in the outbox)', async () => {
  // Answers nothing until released: each delivery waits out the sender's timeout meanwhile.
  const answers: Array<() => void> = [];
  const hanging = createServer((req, res) => {
    req.resume();
    req.on('end', () => answers.push(() => res.writeHead(200).end()));
  });
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
  const address = hanging.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  try {
    h = await startHarness({ workflow: withHook(url) });
    const seen = async (what: string, check: () => boolean) => {
      await waitUntil(check, { what, timeoutMs: 5_000, intervalMs: 20 });
    };
    const res = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: orderValues({}) });
    expect(res.status).toBe(200);
    await seen('the webhook called', () => answers.length === 1);
    await seen('the channel post', () => h.fake.messages('C0OPS').length === 1);
    // The confirmation DM follows the post in the handoff's lane; the webhook has a lane of its own.
    await seen('the confirmation DM', () => h.fake.dms('U0SALES1').length === 1);
    const ts = h.fake.messages('C0OPS')[0].ts;
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: ts });
    await seen('the thread reply of the Accept', () => h.fake.threadReplies('C0OPS', ts).length === 1);
    // A second handoff goes out too while the first one's webhook still hangs.
    await h.sim.viewSubmission({ userId: 'U0SALES2', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: orderValues({ order_id: 'SO-2002' }) });
    await seen('the second post', () => h.fake.messages('C0OPS').filter((m) => !m.thread_ts).length === 2);
    expect(answers.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers.splice(0)) answer();
  } finally {
    for (const answer of answers.splice(0)) answer();
    hanging.closeAllConnections();
    await new Promise((r) => hanging.close(r));
  }
});
