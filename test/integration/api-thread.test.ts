/**
 * The Slack API thread (src/slack/api-thread.ts): the bot's own Web API calls run in a worker thread
 * under `npm start`. Callers must not see a difference: same results, and errors with the fields the
 * outbox reads (code, Slack's error, Retry-After, the HTTP status).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/load-config';
import { RoutedWebClient, SlackApiThread } from '../../src/slack/api-thread';
import { webClientOptions } from '../../src/slack/web-client';
import { FakeSlack } from '../helpers/fake-slack';
import { BOT_TOKEN, FIXTURE, SIGNING_SECRET } from '../helpers/harness';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function setup() {
  const fake = await FakeSlack.start({});
  cleanup.push(() => fake.stop());
  const env = parseEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, HANDOFF_CONFIG: FIXTURE });
  const options = webClientOptions(env, { clientTimeoutMs: 300, clientRetries: 0 });
  const failures: string[] = [];
  const thread = new SlackApiThread({ token: BOT_TOKEN, options, logLevel: 'error' as never }, (message) => failures.push(message));
  await thread.start();
  cleanup.push(() => thread.stop());
  const client = new RoutedWebClient(BOT_TOKEN, options);
  const inThread: string[] = [];
  client.route = thread.call((method, args) => {
    inThread.push(method);
    return client.callHere(method, args);
  });
  return { fake, thread, client, inThread, failures };
}

/** The error a call rejects with (the test fails if it resolves). */
async function errorOf(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Record<string, unknown>;
}

describe('the Slack API thread', () => {
  it('makes the calls with the bot token and answers with Slack’s result', async () => {
    const { fake, client, inThread } = await setup();
    const posted = await client.chat.postMessage({ channel: 'C0OPS', text: 'hello' });
    expect(posted).toMatchObject({ ok: true, channel: 'C0OPS', ts: expect.any(String) });
    expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['hello']);
    // The call went through the thread (the fake saw the token), not through the fallback.
    expect(inThread).toEqual([]);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('passes errors on with the fields the outbox reads', async () => {
    const { fake, client } = await setup();
    fake.fail('chat.postMessage', { body: { ok: false, error: 'channel_not_found' }, times: 1 });
    expect(await errorOf(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'channel_not_found' },
      message: expect.stringContaining('channel_not_found'),
    });
    fake.fail('chat.update', { retryAfter: 7, times: 1 });
    expect(await errorOf(client.chat.update({ channel: 'C0OPS', ts: '1.2', text: 'x' }))).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    fake.fail('conversations.open', { status: 503, times: 1 });
    expect(await errorOf(client.conversations.open({ users: 'U1' }))).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 503 });
    fake.fail('views.publish', { delayMs: 800, times: 1 });
    const timedOut = await errorOf(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } }));
    expect(timedOut).toMatchObject({ code: 'slack_webapi_request_error', original: { message: expect.stringMatching(/abort|timeout/i) } });
  });

  it('stops once the calls in flight are answered; later calls run in the calling thread', async () => {
    const { fake, thread, client, inThread } = await setup();
    fake.fail('chat.postMessage', { delayMs: 150, times: 1 });
    const slow = client.chat.postMessage({ channel: 'C0OPS', text: 'in flight' });
    await fake.waitFor('chat.postMessage');
    await thread.stop();
    expect(await slow).toMatchObject({ ok: true });
    await client.chat.postMessage({ channel: 'C0OPS', text: 'after' });
    expect(inThread).toEqual(['chat.postMessage']);
    expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['in flight', 'after']);
  });

  it('a thread that dies fails its calls in flight like a broken connection and is started again', async () => {
    const { fake, thread, client, inThread, failures } = await setup();
    fake.fail('chat.postMessage', { delayMs: 200, times: 1 });
    const lost = client.chat.postMessage({ channel: 'C0OPS', text: 'answer lost' });
    await fake.waitFor('chat.postMessage');
    await thread['worker']?.terminate();
    // The outbox reads this code as "Slack may have it": its retry looks for the message first.
    expect(await errorOf(lost)).toMatchObject({ code: 'slack_webapi_request_error' });
    await expect.poll(() => failures.join('\n')).toContain('starting it again');
    await expect.poll(() => thread['worker'] !== null).toBe(true);
    await client.chat.postMessage({ channel: 'C0OPS', text: 'after the restart' });
    expect(inThread).toEqual([]);
  });
});
