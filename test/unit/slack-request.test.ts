import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidSlackRequest } from '@slack/bolt';
import { sign as signature } from '../../src/sandbox/slack-client-sim';
import { checkEnvelope, MalformedPayloadError } from '../../src/slack/envelope';

const SECRET = 'unit-signing-secret';
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const ts = (offsetS = 0) => Math.floor(NOW / 1000) + offsetS;
const headers = (body: string, at = ts(), secret = SECRET, type = 'application/x-www-form-urlencoded') => ({
  'content-type': type,
  'x-slack-request-timestamp': String(at),
  'x-slack-signature': signature(secret, at, body),
});

/** Bolt's own check, which its HTTPReceiver runs on every request: the sandbox's and the tests' signatures must pass it. */
const verifySignature = (secret: string, body: string, h: Record<string, string>, nowMs: number) =>
  isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': h['x-slack-signature'], 'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']) },
    nowMilliseconds: nowMs,
  });

describe('the v0 signature the sandbox and the tests sign with', () => {
  it('matches the example in Slack’s documentation', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    const signed = { 'x-slack-request-timestamp': '1531420618', 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' };
    expect(verifySignature('8f742231b10e8888abcd99yyyzzz85a5', body, signed, 1531420618_000 + 60_000)).toBe(true);
  });

  it.each([
    ['a fresh, correct signature', headers('a=1'), 'a=1', true],
    ['4 minutes old', headers('a=1', ts(-240)), 'a=1', true],
    ['6 minutes old (a replay)', headers('a=1', ts(-360)), 'a=1', false],
    // Bolt refuses only age: a signature needs the secret, and Slack never signs ahead of its clock.
    ['6 minutes in the future', headers('a=1', ts(360)), 'a=1', true],
    ['another secret', headers('a=1', ts(), 'other-secret'), 'a=1', false],
    ['a changed body', headers('a=1'), 'a=2', false],
    ['no signature', { 'x-slack-request-timestamp': String(ts()) }, 'a=1', false],
    ['no timestamp', { 'x-slack-signature': signature(SECRET, ts(), 'a=1') }, 'a=1', false],
    ['a timestamp that is not a number', { 'x-slack-request-timestamp': 'soon', 'x-slack-signature': signature(SECRET, 'soon', 'a=1') }, 'a=1', false],
    ['a shorter signature', { 'x-slack-request-timestamp': String(ts()), 'x-slack-signature': 'v0=abc' }, 'a=1', false],
  ])('%s → %s', (_name, h, body, valid) => {
    expect(verifySignature(SECRET, body, h, NOW)).toBe(valid);
  });

  it('accepts no body but the one that was signed (any change of one character is refused)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.nat(), (body, at) => {
        const i = at % body.length;
        const changed = body.slice(0, i) + String.fromCharCode((body.charCodeAt(i) + 1) % 0xffff) + body.slice(i + 1);
        const h = headers(body);
        expect(verifySignature(SECRET, body, h, NOW)).toBe(true);
        expect(verifySignature(SECRET, changed, h, NOW)).toBe(false);
      }),
    );
  });
});

describe('checkEnvelope', () => {
  it.each([
    ['view_submission without state', { type: 'view_submission', user: { id: 'U1' }, view: { id: 'V1', callback_id: 'x' } }, 'view.state.values'],
    ['view_closed without a view', { type: 'view_closed', user: { id: 'U1' } }, 'view'],
    ['a shortcut without a trigger', { type: 'shortcut', user: { id: 'U1' }, callback_id: 'start' }, 'trigger_id'],
    ['an event without an id', { type: 'event_callback', event: { type: 'x' } }, 'event_id'],
    ['a click by nobody', { type: 'block_actions', actions: [{ action_id: 'a' }] }, 'user.id'],
  ])('%s is refused, naming %s', (_name, body, path) => {
    expect(() => checkEnvelope(body)).toThrow(MalformedPayloadError);
    expect(() => checkEnvelope(body)).toThrow(path);
  });

  it('lets types nobody listens for through, and refuses a body with no type or not an object', () => {
    expect(() => checkEnvelope({ type: 'something_new' })).not.toThrow();
    expect(() => checkEnvelope({ user: { id: 'U1' } })).toThrow('no type');
    expect(() => checkEnvelope([1, 2])).toThrow('not an object');
    expect(() => checkEnvelope({ type: 'constructor' })).not.toThrow();
  });
});

