import type { InstalledApp } from './app-manifest.js';
import { APP_ID, BOT_ID, BOT_USER_ID, dmChannelFor, type FakeSlack, MAX_UPLOAD_BYTES, type StoredFile, TEAM_ID } from './fake-slack.js';
import type { SimResponse, SlackClientSim } from './slack-client-sim.js';

// Slack payloads are open-ended JSON
type Json = any;

/** Where a button or menu was used. */
export type ActionTarget =
  | { readonly type: 'message'; readonly channel: string; readonly ts: string }
  | { readonly type: 'ephemeral'; readonly channel: string; readonly ts: string }
  | { readonly type: 'view'; readonly viewId: string };

/** How a person's action went, for the page to show when Slack would show something. */
export interface ActionOutcome {
  readonly ok: boolean;
  readonly error?: string;
}

/** Slack waits this long for an app to acknowledge, then tells the person it did not respond. */
export const ACK_TIMEOUT_MS = 3000;

const TIMED_OUT = Symbol('timed out');

/** The request, or TIMED_OUT when the app took longer than Slack waits (the request still goes on). */
async function withinAckTime(request: Promise<SimResponse>): Promise<SimResponse | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ACK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What Slack does when a person acts in its client: a slash command, a button or menu, a modal
 * submitted or closed, the App Home opened. Each becomes the signed request Slack sends the app, and
 * the app's answer is applied the way Slack applies it (an ephemeral reply, a modal's errors, the next
 * view). The app is the real bot, which cannot tell this from Slack.
 */
export class PersonActions {
  constructor(
    private readonly deps: {
      readonly fake: FakeSlack;
      readonly sim: SlackClientSim;
      readonly app: InstalledApp;
      readonly channelName: (channelId: string) => string;
    },
  ) {}

  /** Text typed into a channel's composer: a slash command goes to the app; anything else is a message from the person. */
  async type(userId: string, channelId: string, text: string): Promise<ActionOutcome> {
    const trimmed = text.trim();
    if (!trimmed) return { ok: true };
    const slackbot = (message: string) => {
      this.deps.fake.addEphemeral({ channel: channelId, user: userId, text: message, blocks: [], from: 'Slackbot' });
      return { ok: true };
    };
    // The app subscribes to no message events, so Slack tells it nothing about people's messages.
    if (!trimmed.startsWith('/')) {
      this.deps.fake.addUserMessage(channelId, userId, text);
      return { ok: true };
    }
    const name = trimmed.split(/\s+/)[0] ?? '';
    const command = this.deps.app.commands.find((c) => c.command === name.toLowerCase());
    if (!command) return slackbot(`\`${name}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`);
    const args = trimmed.slice(name.length).trim();
    const res = await withinAckTime(this.deps.sim.slashCommand({ userId, text: args, channelId, channelName: this.deps.channelName(channelId), command: command.command }));
    if (res === TIMED_OUT) return slackbot(`\`${command.command}\` failed with the error "operation_timeout"`);
    if (res.status !== 200) return slackbot(`\`${command.command}\` failed with the error "dispatch_failed"`);
    this.showCommandAnswer(userId, channelId, res);
    return { ok: true };
  }

  /** A global shortcut from the shortcuts menu. */
  async shortcut(userId: string, callbackId: string): Promise<ActionOutcome> {
    return this.outcome(await withinAckTime(this.deps.sim.shortcut({ userId, callbackId })));
  }

  /** A message shortcut from a message's ⋯ menu. */
  async messageShortcut(userId: string, callbackId: string, channelId: string, ts: string): Promise<ActionOutcome> {
    const stored = this.deps.fake.message(channelId, ts);
    if (!stored) return { ok: false, error: 'That message is gone.' };
    return this.outcome(
      await withinAckTime(this.deps.sim.messageShortcut({ userId, callbackId, channelId, messageTs: ts, messageText: stored.text, messageUser: stored.user ?? BOT_USER_ID })),
    );
  }

  /** A button, menu or picker used in a message or a view; `state` is what the surrounding inputs hold. */
  async act(userId: string, target: ActionTarget, action: Json, state: Record<string, Record<string, Json>> = {}): Promise<ActionOutcome> {
    const base = { userId, actionId: String(action.action_id), blockId: String(action.block_id), action, state };
    if (target.type === 'view') {
      const view = this.deps.fake.view(target.viewId);
      if (!view) return { ok: false, error: 'That view is gone.' };
      const { state: _stored, ...rest } = view;
      void _stored;
      return this.outcome(await withinAckTime(this.deps.sim.blockAction({ ...base, viewId: target.viewId, view: rest })));
    }
    if (target.type === 'ephemeral') {
      return this.outcome(await withinAckTime(this.deps.sim.blockAction({ ...base, channelId: target.channel, messageTs: target.ts, isEphemeral: true })));
    }
    const stored = this.deps.fake.message(target.channel, target.ts);
    if (!stored) return { ok: false, error: 'That message is gone.' };
    const message = {
      type: 'message',
      subtype: 'bot_message',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: APP_ID,
      team: TEAM_ID,
      text: stored.text,
      blocks: stored.blocks,
      ts: stored.ts,
      ...(stored.thread_ts ? { thread_ts: stored.thread_ts } : {}),
    };
    return this.outcome(await withinAckTime(this.deps.sim.blockAction({ ...base, channelId: target.channel, messageTs: target.ts, message })));
  }

  /** The modal's submit button, with what its inputs hold as Slack reports it in `state.values`. */
  async submit(userId: string, viewId: string, values: Record<string, Record<string, Json>>): Promise<ActionOutcome> {
    const view = this.deps.fake.view(viewId);
    if (!view) return { ok: false, error: 'That modal is gone.' };
    const { state: _stored, ...rest } = view;
    void _stored;
    const res = await withinAckTime(this.deps.sim.viewSubmission({ userId, callbackId: String(view.callback_id ?? ''), privateMetadata: view.private_metadata, values, viewId, view: rest }));
    if (res === TIMED_OUT) {
      this.deps.fake.applyViewSubmissionResponse(userId, viewId, 504, undefined);
      return { ok: false, error: 'The app did not respond in time.' };
    }
    this.deps.fake.applyViewSubmissionResponse(userId, viewId, res.status, res.json);
    return res.status === 200 ? { ok: true } : { ok: false, error: `The app answered HTTP ${res.status}.` };
  }

  /** The modal's close button (back to the view below) or its ✕ (`all`: every modal). */
  async close(userId: string, viewId: string, all: boolean): Promise<ActionOutcome> {
    const stack = this.deps.fake.modalStack(userId);
    // A click on a modal that has been replaced meanwhile closes nothing.
    if (stack[stack.length - 1]?.view.id !== viewId) return { ok: true };
    const closing = all ? stack : stack.slice(-1);
    this.deps.fake.closeModal(userId, all);
    for (const { view } of closing) {
      if (!view.notify_on_close) continue;
      await withinAckTime(this.deps.sim.viewClosed({ userId, callbackId: String(view.callback_id ?? ''), privateMetadata: view.private_metadata, viewId: view.id }));
    }
    return { ok: true };
  }

  /** Opening the app's Home or Messages tab; Slack tells the app when it subscribed to app_home_opened. */
  async openApp(userId: string, tab: 'home' | 'messages'): Promise<ActionOutcome> {
    if (!this.deps.app.botEvents.includes('app_home_opened')) return { ok: true };
    const home = this.deps.fake.homeOf(userId);
    const event = {
      type: 'app_home_opened',
      user: userId,
      channel: dmChannelFor(userId),
      tab,
      event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      ...(tab === 'home' && home ? { view: home } : {}),
    };
    // Events are acknowledged at once; what the app does next shows up as Web API calls.
    return this.outcome(await withinAckTime(this.deps.sim.event(event)));
  }

  /**
   * A local file picked in a form's file input: like Slack's client, the emulator takes it before the
   * form is submitted and gives it an id and a link (it keeps the name, size and type, not the
   * content); the page then reports it in the input's state. Slack refuses files over 10 MB.
   */
  upload(userId: string, name: string, size: number, mimetype: string): ActionOutcome & { readonly file?: StoredFile } {
    if (size > MAX_UPLOAD_BYTES) return { ok: false, error: `${name} is larger than 10 MB.` };
    return { ok: true, file: this.deps.fake.uploadFile(userId, name, size, mimetype || undefined) };
  }

  /** The person dismissed an ephemeral message; Slack does not tell the app. */
  dismiss(userId: string, messageTs: string): ActionOutcome {
    this.deps.fake.dismissEphemeral(userId, messageTs);
    return { ok: true };
  }

  private outcome(res: SimResponse | typeof TIMED_OUT): ActionOutcome {
    if (res === TIMED_OUT) return { ok: false, error: 'The app did not respond in time.' };
    return res.status === 200 ? { ok: true } : { ok: false, error: `The app answered HTTP ${res.status}.` };
  }

  /** A slash command's answer comes back in the HTTP response: shown to its author, or in the channel. */
  private showCommandAnswer(userId: string, channelId: string, res: SimResponse): void {
    const body = res.json ?? (res.body.trim() ? { text: res.body } : undefined);
    if (!body || typeof body !== 'object') return;
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : [];
    if (!text && blocks.length === 0) return;
    if (body.response_type === 'in_channel') this.deps.fake.addBotMessage(channelId, text, blocks);
    else this.deps.fake.addEphemeral({ channel: channelId, user: userId, text, blocks });
  }
}
