import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, dmChannelFor } from '../helpers/fake-slack';
import { SlackClientSim, sign, signedHeaders, textValue, userValue } from '../helpers/slack-requests';

let slack: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  slack = await FakeSlack.start({
    users: { U0001: { tz: 'Asia/Kolkata', name: 'alice' } },
    usergroups: { S0OPS: ['U0002', 'U0003'] },
  });
  client = new WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: 2000,
    rejectRateLimitedCalls: true,
  });
});

afterAll(async () => {
  await slack.stop();
});

afterEach(() => {
  slack.reset();
});

describe('FakeSlack', () => {
  it('answers auth.test like Slack', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user: 'handoffbot', team_id: 'T0001', user_id: 'U0BOT', bot_id: 'B0001' });
  });

  it('stores a posted message and applies chat.update to it', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Handoff *#42*' } }];
    const posted = await client.chat.postMessage({ channel: 'C0001', text: 'Handoff #42', blocks });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0001');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);

    // blocks travel form-encoded as a JSON string and must come back as structure
    expect(slack.callsTo('chat.postMessage')[0].args.blocks).toEqual(blocks);
    expect(slack.callsTo('chat.postMessage')[0].token).toBe('xoxb-test');

    const ts = posted.ts as string;
    const updated = await client.chat.update({ channel: 'C0001', ts, text: 'Handoff #42 (accepted)', blocks: [] });
    expect(updated).toMatchObject({ ok: true, channel: 'C0001', ts, text: 'Handoff #42 (accepted)' });

    expect(slack.messages('C0001')).toEqual([
      { ts, channel: 'C0001', text: 'Handoff #42 (accepted)', blocks: [], updates: 1 },
    ]);

    const second = await client.chat.postMessage({ channel: 'C0001', text: 'next' });
    expect(Number(second.ts)).toBeGreaterThan(Number(ts));
  });

  it('rejects chat.update of an unknown message', async () => {
    await expect(client.chat.update({ channel: 'C0001', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'message_not_found' },
    });
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('keeps thread replies with their parent', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0001', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0001', text: 'reply', thread_ts: parent.ts });
    const replies = slack.threadReplies('C0001', parent.ts as string);
    expect(replies.map((m) => m.text)).toEqual(['reply']);
    const link = await client.chat.getPermalink({ channel: 'C0001', message_ts: parent.ts as string });
    expect(link.permalink).toBe(`https://fake.slack.test/archives/C0001/p${(parent.ts as string).replace('.', '')}`);
  });

  it('maps a user id to the same DM channel in postMessage and conversations.open', async () => {
    const opened = await client.conversations.open({ users: 'U0001' });
    expect(opened.channel?.id).toBe('D0001');
    expect(dmChannelFor('U0001')).toBe('D0001');

    const posted = await client.chat.postMessage({ channel: 'U0001', text: 'You own handoff #42' });
    expect(posted.channel).toBe('D0001');
    expect(slack.dms('U0001').map((m) => m.text)).toEqual(['You own handoff #42']);
  });

  it('answers users.info and usergroups.users.list', async () => {
    const alice = await client.users.info({ user: 'U0001' });
    expect(alice.user).toMatchObject({ id: 'U0001', name: 'alice', tz: 'Asia/Kolkata', tz_offset: 19800 });
    const stranger = await client.users.info({ user: 'U0999' });
    expect(stranger.user).toMatchObject({ id: 'U0999', tz: 'UTC', tz_offset: 0 });

    const group = await client.usergroups.users.list({ usergroup: 'S0OPS' });
    expect(group.users).toEqual(['U0002', 'U0003']);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });

  it('tracks views and the published home', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'handoff_form',
      title: { type: 'plain_text' as const, text: 'New handoff' },
      blocks: [],
    };
    const opened = await client.views.open({ trigger_id: '1.2.abc', view });
    const id = opened.view?.id as string;
    expect(id).toMatch(/^V/);
    expect(opened.view).toMatchObject({ callback_id: 'handoff_form', hash: expect.any(String) });

    await expect(
      client.views.update({ view_id: id, hash: 'stale', view: { ...view, callback_id: 'x' } }),
    ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    await client.views.update({ view_id: id, hash: opened.view?.hash, view: { ...view, callback_id: 'step2' } });
    expect(slack.view(id)?.callback_id).toBe('step2');

    await client.views.publish({ user_id: 'U0001', view: { type: 'home', blocks: [{ type: 'divider' }] } });
    expect(slack.homeOf('U0001')?.blocks).toEqual([{ type: 'divider' }]);
    expect(slack.homeOf('U0002')).toBeUndefined();
  });

  it('reports unknown methods like Slack', async () => {
    await expect(client.apiCall('nope.nothing')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('injects a 429 that the WebClient sees as rate limiting, then recovers', async () => {
    slack.fail('chat.postMessage', { status: 429, retryAfter: 7 });
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    const [failed] = slack.callsTo('chat.postMessage');
    expect(failed).toMatchObject({ failed: true, status: 429 });
    expect(slack.messages('C0001')).toEqual([]);

    await client.chat.postMessage({ channel: 'C0001', text: 'hi' });
    expect(slack.messages('C0001')).toHaveLength(1);
  });

  it('injects HTTP 500s and error bodies for the requested number of calls', async () => {
    slack.fail('chat.postMessage', { status: 500, times: 2 });
    for (let i = 0; i < 2; i++) {
      await expect(client.chat.postMessage({ channel: 'C0001', text: 'hi' })).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: 500,
      });
    }
    slack.fail('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'channel_not_found' },
    });
    expect(slack.messages('C0001')).toEqual([]);

    await client.chat.postMessage({ channel: 'C0001', text: 'hi' });
    expect(slack.callsTo('chat.postMessage').map((c) => c.failed ?? false)).toEqual([true, true, true, false]);
    expect(slack.messages('C0001')).toHaveLength(1);
  });

  it('stalls a call past the client timeout yet still applies it, as Slack may', async () => {
    const impatient = new WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 100,
      logLevel: LogLevel.ERROR, // the timeout is the point; keep its warning out of the output
    });
    slack.fail('chat.postMessage', { delayMs: 300 });
    await expect(impatient.chat.postMessage({ channel: 'C0001', text: 'slow' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    const call = await slack.waitFor('chat.postMessage', 2000);
    expect(call.failed).toBeUndefined();
    expect(slack.messages('C0001').map((m) => m.text)).toEqual(['slow']);
  });

  it('records calls and lets tests wait for one', async () => {
    const waiting = slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === 'U0002');
    await client.chat.postEphemeral({ channel: 'C0001', user: 'U0002', text: 'only you' });
    const call = await waiting;
    expect(call.args).toMatchObject({ channel: 'C0001', user: 'U0002', text: 'only you' });
    expect(slack.ephemerals).toEqual([
      expect.objectContaining({ channel: 'C0001', user: 'U0002', text: 'only you', blocks: [] }),
    ]);
    await client.functions.completeSuccess({ function_execution_id: 'Fx1', outputs: {} });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postEphemeral', 'functions.completeSuccess']);

    slack.clearCalls();
    expect(slack.calls).toEqual([]);
    await expect(slack.waitFor('chat.update', 50)).rejects.toThrow(/timed out/);
  });

  it('accepts JSON bodies and refuses calls without a token', async () => {
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(await post({ channel: 'C0001', text: 'json' }, { authorization: 'Bearer xoxb-json' })).toMatchObject({
      ok: true,
    });
    expect(await post({ channel: 'C0001', text: 'anon' })).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.messages('C0001').map((m) => m.text)).toEqual(['json']);
  });
});

describe('signed Slack requests', () => {
  it('signs like Slack: v0= HMAC-SHA256 of v0:ts:body', () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const ts = 1531420618;
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather&text=94070';
    const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    expect(sign(secret, ts, body)).toBe(expected);
    expect(sign(secret, String(ts), body)).toBe(expected);
    expect(signedHeaders(secret, body, 'application/x-www-form-urlencoded', ts)['x-slack-signature']).toBe(expected);
  });

  it('sends form-encoded interactions and JSON events with valid signatures', async () => {
    const seen: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const sim = new SlackClientSim({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: 's3cret' });
    try {
      const a = await sim.slashCommand({ userId: 'U0001', text: 'order-to-ops' });
      const b = await sim.slashCommand({ userId: 'U0001', text: 'order-to-ops' });
      expect(a).toMatchObject({ status: 200, json: { ok: true } });
      await sim.viewSubmission({
        userId: 'U0001',
        callbackId: 'handoff_form',
        values: { order_id: { value: textValue('SO-1') }, owner: { value: userValue('U0002') } },
      });
      const ev = await sim.event({ type: 'app_home_opened', user: 'U0001', tab: 'home' }, { retryNum: 1 });
      expect(b.status).toBe(200);

      for (const r of seen) {
        const ts = r.headers['x-slack-request-timestamp'] as string;
        expect(r.headers['x-slack-signature']).toBe(sign('s3cret', ts, r.body));
      }
      const [cmd1, cmd2, submission, event] = seen;
      expect(cmd1.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const f1 = new URLSearchParams(cmd1.body);
      expect(f1.get('command')).toBe('/handoff');
      expect(f1.get('trigger_id')).not.toBe(new URLSearchParams(cmd2.body).get('trigger_id'));

      const payload = JSON.parse(new URLSearchParams(submission.body).get('payload') as string);
      expect(payload.view.state.values.owner.value).toEqual({ type: 'users_select', selected_user: 'U0002' });

      expect(event.headers['content-type']).toBe('application/json');
      expect(event.headers['x-slack-retry-num']).toBe('1');
      expect(JSON.parse(event.body)).toMatchObject({ type: 'event_callback', event_id: ev.eventId });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
