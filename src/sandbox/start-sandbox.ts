import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Logger } from '@slack/bolt';
import { parseEnv } from '../config/load-config.js';
import type { WorkflowConfig } from '../config/workflow-schema.js';
import { redactUrl } from '../domain/redact-url.js';
import { databasePath } from '../db/open-db.js';
import { createHandoffApp, type HandoffApp } from '../handoff-app.js';
import { type JobSchedule, runJob } from '../jobs/index.js';
import { loadChartLibraries } from '../slack/chart-renderer.js';
import { type InstalledApp, readInstalledApp } from './app-manifest.js';
import { BOT_USER_ID, dmChannelFor, FakeSlack } from './fake-slack.js';
import { createPageServer, type PageServer } from './page-server.js';
import { PersonActions } from './person-actions.js';
import { SandboxClock, nextLocalTime, sandboxStart } from './sandbox-clock.js';
import { buildSandboxPeople, type SandboxWorkspace } from './sandbox-people.js';
import { SlackClientSim } from './slack-client-sim.js';

export interface SandboxOptions {
  readonly workflow: WorkflowConfig;
  /** The workflow file, for the start message. */
  readonly configPath: string;
  /** The page's port; 0 picks a free one. */
  readonly port: number;
  /**
   * The page's interface (default 127.0.0.1: the sandbox lets anyone who reaches it act as anyone).
   * The bot's endpoint and the emulator listen on 127.0.0.1 whatever this says: only this process talks to them.
   */
  readonly host?: string;
  /** Default file:./data/sandbox.db; it is emptied at every start, because the emulator keeps its messages in memory. */
  readonly databaseUrl?: string;
  /** Where the sandbox clock starts (default: 10:00 on Monday of this week in the first team's timezone). */
  readonly start?: Date;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly logger?: Logger;
  /** The jobs' cron schedule, as in production; `false` runs them only when the clock jumps. */
  readonly schedule?: JobSchedule | false;
  readonly app?: InstalledApp;
}

export type ClockJump = 'hour' | 'day' | 'morning';

export interface ClockJumpResult {
  readonly now: string;
  readonly nudges: unknown;
  readonly digest: unknown;
  readonly report: unknown;
}

/** A webhook of the config as the page shows it: where it would go (redacted) and what it subscribed to. */
export interface SandboxWebhook {
  readonly url: string;
  readonly events: readonly string[];
}

export interface Sandbox {
  /** The page. */
  readonly url: string;
  /** The workflow the bot runs: the file's, with every webhook pointed at the emulator's recorder. */
  readonly workflow: WorkflowConfig;
  /** The config's webhooks; their deliveries are recorded by the emulator (fake.webhooks), never sent. */
  readonly webhooks: readonly SandboxWebhook[];
  /** The bot's own endpoint, which the emulator sends Slack's requests to. */
  readonly botUrl: string;
  readonly databaseUrl: string;
  readonly workspace: SandboxWorkspace;
  readonly clock: SandboxClock;
  readonly fake: FakeSlack;
  readonly bot: HandoffApp;
  readonly page: PageServer;
  /** Moves the clock forward and runs the scheduled jobs as of the new time, then waits until what they sent has arrived. */
  jump(kind: ClockJump, timezone: string): Promise<ClockJumpResult>;
  stop(): Promise<void>;
}

export const SANDBOX_DATABASE_URL = 'file:./data/sandbox.db';
/** The wake-up time "next morning" jumps to, in the viewer's timezone. */
export const MORNING = '09:00';

function removeDatabase(url: string): void {
  const path = databasePath(url);
  if (path === ':memory:') return;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/**
 * The local sandbox: the real bot, built by createHandoffApp exactly as in production, with its Web API
 * base URL pointed at an in-process Slack emulator and its clock settable; a page that plays Slack's
 * client for the people of the config; the emulator sends what they do to the bot's own HTTP endpoint,
 * signed with the bot's signing secret, as Slack would.
 */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const configured = opts.workflow;
  const installed = opts.app ?? readInstalledApp();
  const workspace = buildSandboxPeople(configured);
  const firstTeam = Object.values(configured.teams)[0];
  const clock = new SandboxClock(opts.start ?? sandboxStart(new Date(), firstTeam?.timezone ?? 'UTC'));
  const databaseUrl = opts.databaseUrl ?? SANDBOX_DATABASE_URL;
  const channelNames = new Map(workspace.channels.map((c) => [c.id, c.name]));
  const channelName = (id: string) => channelNames.get(id) ?? (id.startsWith('D') ? 'directmessage' : id.toLowerCase());

  let actions: PersonActions | null = null;
  let sandbox: Sandbox | null = null;
  // The page is bound first: a taken port fails the start before anything is touched.
  const page = await createPageServer({
    port: opts.port,
    host: opts.host ?? '127.0.0.1',
    state: (userId) => (sandbox ? pageState(sandbox, installed, userId) : null),
    actions: () => actions,
    jump: (kind, tz) => (sandbox ? sandbox.jump(kind, tz) : Promise.reject(new Error('not started'))),
    knows: (userId) => workspace.people.some((p) => p.id === userId),
    people: () => workspace.people,
    file: (id) => {
      const f = fake?.file(id);
      return f?.bytes && f.completed ? { bytes: f.bytes, mimetype: f.mimetype } : null;
    },
  });

  let fake: FakeSlack | null = null;
  let bot: HandoffApp | null = null;
  try {
    removeDatabase(databaseUrl);
    const people = Object.fromEntries(workspace.people.map((p) => [p.id, { name: p.name, tz: p.tz }]));
    fake = await FakeSlack.start({
      users: people,
      usergroups: Object.fromEntries(Object.entries(workspace.usergroups).map(([k, v]) => [k, [...v]])),
      clock: () => clock.now().getTime(),
      permalinkBase: `${page.url}#`,
    });
    // A toy must not POST to the real systems of the file it was given: webhooks go to the recorder.
    const recorder = fake.webhooksUrl;
    const workflow: WorkflowConfig = Object.freeze({ ...configured, webhooks: configured.webhooks.map((w, i) => Object.freeze({ ...w, url: `${recorder}${i}` })) });
    const webhooks = configured.webhooks.map((w) => ({ url: redactUrl(w.url), events: w.events }));
    // A fresh secret and token each start: only this process can sign requests the bot accepts.
    const signingSecret = randomBytes(24).toString('hex');
    const env = parseEnv({
      SLACK_BOT_TOKEN: `xoxb-sandbox-${randomBytes(8).toString('hex')}`,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: databaseUrl,
      HANDOFF_CONFIG: opts.configPath,
      LOG_LEVEL: opts.logLevel ?? 'info',
      PORT: '0',
    });
    bot = await createHandoffApp({ env, workflow, clock, logger: opts.logger, ...(opts.schedule !== undefined ? { schedule: opts.schedule } : {}) });
    const botPort = await bot.start(0, '127.0.0.1');
    // The first clock jump past Monday 09:00 sends leads their weekly report: load the chart libraries now, not then.
    loadChartLibraries().catch(() => undefined);
    const botUrl = `http://127.0.0.1:${botPort}/slack/events`;
    const emulator = fake;
    const sim = new SlackClientSim({ url: botUrl, signingSecret, responseUrls: emulator.hooksUrl, onTrigger: (trigger, user) => emulator.registerTrigger(trigger, user) });
    actions = new PersonActions({ fake, sim, app: installed, channelName });
    fake.on('change', () => page.changed());
    const running = bot;
    let jumping = Promise.resolve();
    sandbox = {
      url: page.url,
      workflow,
      webhooks,
      botUrl,
      databaseUrl,
      workspace,
      clock,
      fake,
      bot,
      page,
      jump(kind, timezone) {
        // One jump at a time, so each runs the jobs as of its own time.
        const run = jumping.then(async () => {
          const now = clock.now();
          if (kind === 'hour') clock.advance(60 * 60 * 1000);
          else if (kind === 'day') clock.advance(24 * 60 * 60 * 1000);
          else clock.advanceTo(nextLocalTime(now, timezone, MORNING));
          page.changed();
          const at = clock.now();
          const nudges = await runJob('nudges', running.jobDeps, at);
          const digest = await runJob('digest', running.jobDeps, at);
          const report = await runJob('report', running.jobDeps, at);
          // Retries that were waiting for a later time may be due now.
          running.dispatcher.kick();
          await running.settle();
          page.changed();
          return { now: at.toISOString(), nudges, digest, report };
        });
        jumping = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
      async stop() {
        await page.close();
        await running.stop(1000);
        await emulator.stop();
      },
    };
    return sandbox;
  } catch (error) {
    await page.close();
    await bot?.stop(200).catch(() => undefined);
    await fake?.stop();
    throw error;
  }
}

// ---- what the page shows a person ----------------------------------------------------------------

// Slack payloads are open-ended JSON
type Json = any;

function summarize(messages: Json[]): Json[] {
  const replies = new Map<string, Json[]>();
  for (const m of messages) if (m.thread_ts && m.thread_ts !== m.ts) replies.set(m.thread_ts, [...(replies.get(m.thread_ts) ?? []), m]);
  return messages
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .map((m) => ({ ...withPageFiles(m), replies: (replies.get(m.ts) ?? []).map(withPageFiles) }));
}

/** Files as the page loads them: from the page's own origin (the fake's url_private needs a token a browser does not have). */
function withPageFiles(m: Json): Json {
  return m.files ? { ...m, files: m.files.map((f: Json) => ({ id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, src: `/sandbox/files/${encodeURIComponent(f.id)}` })) } : m;
}

/** Everything one person sees: their channels and DM with the app, its Home tab, their modals and ephemerals. */
export function pageState(sandbox: Sandbox, app: InstalledApp, userId: string): Json {
  const { fake, workspace, clock } = sandbox;
  const me = workspace.people.find((p) => p.id === userId);
  const dm = dmChannelFor(userId);
  const listed = new Set(workspace.channels.map((c) => c.id));
  const extra = fake
    .channelIds()
    .filter((id) => !listed.has(id) && !id.startsWith('D'))
    .map((id) => ({ id, name: id.toLowerCase() }));
  const channels = [...workspace.channels, ...extra];
  const conversations: Record<string, Json> = {};
  for (const id of [...channels.map((c) => c.id), dm]) {
    conversations[id] = {
      messages: summarize(fake.messages(id)),
      ephemerals: fake.ephemerals.filter((e) => e.channel === id && e.user === userId),
    };
  }
  return {
    now: clock.now().toISOString(),
    app: { name: app.name, commands: app.commands, shortcuts: app.globalShortcuts, messageShortcuts: app.messageShortcuts, homeTab: app.homeTab },
    botUserId: BOT_USER_ID,
    me: me ?? null,
    people: workspace.people,
    usergroups: workspace.usergroups,
    channels,
    dm,
    conversations,
    home: fake.homeOf(userId) ?? null,
    modals: fake.modalStack(userId),
    webhooks: sandbox.webhooks,
    webhookDeliveries: fake.webhooks.map((w) => ({ ...w, url: sandbox.webhooks[w.hook]?.url ?? null })),
  };
}
