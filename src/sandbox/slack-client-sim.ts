/**
 * Sends requests to the bot's Bolt HTTP receiver the way Slack does: same content types, same
 * payload shapes (Slack's documented interaction and event payloads) and a valid v0 signature. The integration tests
 * drive the bot with it, and the sandbox sends what a person does on its page through it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID } from './fake-slack.js';

// Slack payloads are open-ended JSON
type Json = any;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Slack's legacy verification token; Bolt ignores it but real payloads always carry one. */
const VERIFICATION_TOKEN = 'xxx';

/** `v0=<hex>`: HMAC-SHA256 of `v0:{timestamp}:{rawBody}` keyed by the signing secret, as Slack signs; Bolt's receiver verifies it (test/unit/slack-signature.test.ts checks it against Slack's documented example). */
export function sign(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Headers Slack puts on every request; pass an old `timestamp` to test replay rejection. */
export function signedHeaders(
  secret: string,
  rawBody: string,
  contentType: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(secret, timestamp, rawBody),
  };
}

// ---- state.values builders (what Slack reports for each input element; null = left empty) ------

export const textValue = (value: string | null) => ({ type: 'plain_text_input', value });
/** number_input values arrive as strings. */
export const numberValue = (value: number | string | null) => ({
  type: 'number_input',
  value: value === null ? null : String(value),
});
export const dateValue = (date: string | null) => ({ type: 'datepicker', selected_date: date });
export const timeValue = (time: string | null) => ({ type: 'timepicker', selected_time: time });
const option = (value: string, text = value) => ({ text: { type: 'plain_text', text, emoji: true }, value });
export const selectValue = (value: string | null, text?: string) => ({
  type: 'static_select',
  selected_option: value === null ? null : option(value, text),
});
export const multiSelectValue = (values: string[]) => ({
  type: 'multi_static_select',
  selected_options: values.map((v) => option(v)),
});
export const checkboxesValue = (values: string[]) => ({
  type: 'checkboxes',
  selected_options: values.map((v) => option(v)),
});
export const userValue = (user: string | null) => ({ type: 'users_select', selected_user: user });
export const multiUserValue = (users: string[]) => ({ type: 'multi_users_select', selected_users: users });
export const channelValue = (channel: string | null) => ({
  type: 'conversations_select',
  selected_conversation: channel,
});
export const urlValue = (value: string | null) => ({ type: 'url_text_input', value });
export const emailValue = (value: string | null) => ({ type: 'email_text_input', value });
/** A file_input's state: the files uploaded into it (as files.info describes them), none when left empty. */
export const fileValue = (files: Json[]) => ({ type: 'file_input', files });

// ---- the simulator ---------------------------------------------------------------------------

export interface SimResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Parsed body when it is JSON. */
  json?: Json;
}

export interface SlackClientSimOptions {
  /** The receiver endpoint, e.g. http://127.0.0.1:PORT/slack/events */
  url: string;
  signingSecret: string;
  /** Told of every trigger_id sent and whose action it came from (Slack opens that person's modal with it). */
  onTrigger?: (triggerId: string, userId: string) => void;
  /** Where response_urls point (the fake Slack's hooksUrl); by default Slack's own hooks.slack.com addresses, which nothing here answers. */
  responseUrls?: string;
}

export interface SlashCommandArgs {
  userId: string;
  text: string;
  channelId?: string;
  channelName?: string;
  command?: string;
  userName?: string;
}

export interface BlockActionArgs {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  channelId?: string;
  /** When given the action comes from a message in channelId, otherwise from a view. */
  messageTs?: string;
  viewId?: string;
  selectedUser?: string;
  selectedOption?: string | { text: string; value: string };
  /** Replaces the default `message` (e.g. the real stored message, whose blocks handlers may read). */
  message?: Json;
  /** Merged into the default `view` for view-container actions (type, callback_id, private_metadata…). */
  view?: Json;
  /** state.values of the surrounding view or message. */
  state?: Record<string, Record<string, Json>>;
  /** The whole action as Slack reports it (type, text, selected_option…); action_id, block_id and action_ts are added when missing. */
  action?: Json;
  /** The message is an ephemeral one (container.is_ephemeral); Slack then sends no `message`. */
  isEphemeral?: boolean;
}

export interface ViewSubmissionArgs {
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  values: Record<string, Record<string, Json>>;
  viewId?: string;
  /** Merged into the submitted view (hash, title, blocks…). */
  view?: Json;
}

export interface EventOptions {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

/** The `user` object of an interaction payload. */
function userOf(id: string): Json {
  return { id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM_ID };
}

/** Interactions arrive form-encoded with their JSON in one field, `payload`. */
function interactionBody(payload: Json): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export class SlackClientSim {
  readonly url: string;
  private readonly signingSecret: string;
  private readonly onTrigger?: (triggerId: string, userId: string) => void;
  private readonly responseUrls?: string;
  private seq = 0;

  constructor(opts: SlackClientSimOptions) {
    this.url = opts.url;
    this.signingSecret = opts.signingSecret;
    this.onTrigger = opts.onTrigger;
    this.responseUrls = opts.responseUrls?.replace(/\/$/, '');
  }

  /** A response_url as Slack makes them; pointing at the fake, it names the person and channel the answer is for. */
  private responseUrl(kind: string, n: number, userId: string, channelId: string): string {
    const secret = randomBytes(8).toString('hex');
    return this.responseUrls ? `${this.responseUrls}/${kind}/${userId}/${channelId}/${n}/${secret}` : `https://hooks.slack.com/${kind}/${TEAM_ID}/${n}/${secret}`;
  }

  slashCommand(a: SlashCommandArgs): Promise<SimResponse> {
    return this.signed(this.slashCommandBody(a), FORM);
  }

  /** The form body Slack sends for a slash command (unsigned); the load benchmark sends the same. */
  slashCommandBody({ userId, text, channelId = 'C0001', channelName, command = '/handoff', userName }: SlashCommandArgs): string {
    const n = this.next();
    const form = new URLSearchParams({
      token: VERIFICATION_TOKEN,
      team_id: TEAM_ID,
      team_domain: TEAM_DOMAIN,
      channel_id: channelId,
      channel_name: channelName ?? (channelId.startsWith('D') ? 'directmessage' : 'general'),
      user_id: userId,
      user_name: userName ?? userId.toLowerCase(),
      command,
      text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: this.responseUrl('commands', n, userId, channelId),
      trigger_id: this.triggerId(n, userId),
    });
    return form.toString();
  }

  blockAction(a: BlockActionArgs): Promise<SimResponse> {
    return this.signed(this.blockActionBody(a), FORM);
  }

  /** The `payload=` form body of a block_actions interaction (unsigned). */
  blockActionBody(a: BlockActionArgs): string {
    const n = this.next();
    const action: Json = {
      action_id: a.actionId,
      block_id: a.blockId ?? `block_${a.actionId}`,
      action_ts: this.ts(n),
    };
    if (a.action !== undefined) {
      Object.assign(action, a.action, { action_id: a.actionId, block_id: a.action.block_id ?? action.block_id, action_ts: a.action.action_ts ?? action.action_ts });
    } else if (a.selectedUser !== undefined) {
      Object.assign(action, { type: 'users_select', selected_user: a.selectedUser });
    } else if (a.selectedOption !== undefined) {
      const o = typeof a.selectedOption === 'string' ? { text: a.selectedOption, value: a.selectedOption } : a.selectedOption;
      Object.assign(action, { type: 'static_select', selected_option: option(o.value, o.text) });
    } else {
      Object.assign(action, { type: 'button', text: { type: 'plain_text', text: a.actionId }, value: a.value });
    }

    const payload: Json = {
      type: 'block_actions',
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: userOf(a.userId),
      api_app_id: APP_ID,
      token: VERIFICATION_TOKEN,
      trigger_id: this.triggerId(n, a.userId),
      state: { values: a.state ?? {} },
      actions: [action],
    };
    if (a.messageTs !== undefined) {
      const channelId = a.channelId ?? 'C0001';
      payload.container = { type: 'message', message_ts: a.messageTs, channel_id: channelId, is_ephemeral: a.isEphemeral === true };
      payload.channel = { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' };
      if (!a.isEphemeral) payload.message = a.message ?? {
        type: 'message',
        bot_id: BOT_ID,
        user: BOT_USER_ID,
        ts: a.messageTs,
        text: '',
        blocks: [],
      };
      payload.response_url = this.responseUrl('actions', n, a.userId, channelId);
    } else {
      const viewId = a.viewId ?? 'V0001';
      payload.container = { type: 'view', view_id: viewId };
      payload.view = {
        id: viewId,
        team_id: TEAM_ID,
        type: 'home',
        blocks: [],
        private_metadata: '',
        callback_id: '',
        state: { values: a.state ?? {} },
        hash: this.hash(n),
        root_view_id: viewId,
        previous_view_id: null,
        app_id: APP_ID,
        bot_id: BOT_ID,
        ...a.view,
      };
      if (a.channelId) payload.channel = { id: a.channelId, name: 'general' };
    }
    return interactionBody(payload);
  }

  viewSubmission(a: ViewSubmissionArgs): Promise<SimResponse> {
    return this.signed(this.viewSubmissionBody(a), FORM);
  }

  /** The `payload=` form body of a view_submission (unsigned). */
  viewSubmissionBody(a: ViewSubmissionArgs): string {
    const n = this.next();
    const viewId = a.viewId ?? `VSUB${++this.seq}`; // each modal Slack opens has its own id
    return interactionBody({
      type: 'view_submission',
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: userOf(a.userId),
      api_app_id: APP_ID,
      token: VERIFICATION_TOKEN,
      trigger_id: this.triggerId(n, a.userId),
      response_urls: [],
      is_enterprise_install: false,
      view: {
        id: viewId,
        team_id: TEAM_ID,
        app_id: APP_ID,
        bot_id: BOT_ID,
        type: 'modal',
        callback_id: a.callbackId,
        private_metadata: a.privateMetadata ?? '',
        title: { type: 'plain_text', text: 'Handoff' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [],
        hash: this.hash(n),
        root_view_id: viewId,
        previous_view_id: null,
        clear_on_close: false,
        notify_on_close: false,
        ...a.view,
        state: { values: a.values },
      },
    });
  }

  /** Sent when a modal with notify_on_close is dismissed. */
  viewClosed(a: { userId: string; callbackId: string; privateMetadata?: string; viewId?: string }): Promise<SimResponse> {
    const viewId = a.viewId ?? 'V0001';
    return this.interaction({
      type: 'view_closed',
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: userOf(a.userId),
      api_app_id: APP_ID,
      token: VERIFICATION_TOKEN,
      is_cleared: false,
      view: {
        id: viewId,
        team_id: TEAM_ID,
        type: 'modal',
        callback_id: a.callbackId,
        private_metadata: a.privateMetadata ?? '',
        state: { values: {} },
        root_view_id: viewId,
      },
    });
  }

  /** Global shortcut (no response_url). */
  shortcut(a: { userId: string; callbackId: string }): Promise<SimResponse> {
    const n = this.next();
    return this.interaction({
      type: 'shortcut',
      token: VERIFICATION_TOKEN,
      action_ts: this.ts(n),
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: { id: a.userId, username: a.userId.toLowerCase(), team_id: TEAM_ID },
      callback_id: a.callbackId,
      trigger_id: this.triggerId(n, a.userId),
    });
  }

  messageShortcut(a: {
    userId: string;
    callbackId: string;
    channelId?: string;
    messageTs: string;
    messageText: string;
    messageUser?: string;
  }): Promise<SimResponse> {
    const n = this.next();
    const channelId = a.channelId ?? 'C0001';
    return this.interaction({
      type: 'message_action',
      token: VERIFICATION_TOKEN,
      action_ts: this.ts(n),
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      user: { id: a.userId, name: a.userId.toLowerCase(), team_id: TEAM_ID },
      channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
      callback_id: a.callbackId,
      trigger_id: this.triggerId(n, a.userId),
      message_ts: a.messageTs,
      message: { type: 'message', user: a.messageUser ?? 'U0003', ts: a.messageTs, text: a.messageText },
      response_url: this.responseUrl('app', n, a.userId, channelId),
    });
  }

  /** Events API delivery; the returned eventId lets a test replay the same event as a retry. */
  async event(event: object, opts: EventOptions = {}): Promise<SimResponse & { eventId: string }> {
    const n = this.next();
    const eventId = opts.eventId ?? `Ev${String(n).padStart(8, '0')}`;
    const body = JSON.stringify({
      token: VERIFICATION_TOKEN,
      team_id: TEAM_ID,
      api_app_id: APP_ID,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event,
    });
    const extra: Record<string, string> = {};
    if (opts.retryNum !== undefined) {
      extra['x-slack-retry-num'] = String(opts.retryNum);
      extra['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
    }
    return { ...(await this.signed(body, JSON_TYPE, extra)), eventId };
  }

  urlVerification(challenge: string): Promise<SimResponse> {
    return this.signed(JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' }), JSON_TYPE);
  }

  /** Sends exactly this body and these headers (no signing): for bad signatures, stale timestamps… */
  raw(body: string, headers: Record<string, string>): Promise<SimResponse> {
    return this.post(body, headers);
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private interaction(payload: Json): Promise<SimResponse> {
    return this.signed(interactionBody(payload), FORM);
  }

  private signed(body: string, contentType: string, extra: Record<string, string> = {}): Promise<SimResponse> {
    return this.post(body, { ...signedHeaders(this.signingSecret, body, contentType), ...extra });
  }

  private async post(body: string, headers: Record<string, string>): Promise<SimResponse> {
    const res = await fetch(this.url, { method: 'POST', headers, body });
    const text = await res.text();
    let json: Json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, body: text, headers: Object.fromEntries(res.headers.entries()), json };
  }

  private next(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Unique per request, in Slack's `digits.digits.hex` shape. */
  private triggerId(n: number, userId: string): string {
    const id = `${Date.now()}.${n}.${randomBytes(8).toString('hex')}`;
    this.onTrigger?.(id, userId);
    return id;
  }

  private ts(n: number): string {
    return `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`;
  }

  private hash(n: number): string {
    return `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}${n}`;
  }
}
