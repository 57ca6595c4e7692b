import { relative } from 'node:path';
import type { Logger } from '@slack/bolt';
import { createLogger, toBoltLogger } from '../logger.js';
import { z } from 'zod';
import { ConfigError, formatPath } from '../config/load-config.js';
import { SLACK_SETTINGS } from '../config/start-mode.js';
import { localParts } from '../domain/business-clock.js';
import { type Sandbox, SANDBOX_DATABASE_URL, startSandbox } from './start-sandbox.js';
import { loadSandboxWorkflow } from './sandbox-workflow.js';
import { inPackage } from '../paths.js';

/** The example workflow that ships with the bot, wherever the command is run from. */
export const EXAMPLE_CONFIG = inPackage('handoff.config.example.yaml');

const sandboxEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  HANDOFF_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export interface RunSandboxOptions {
  /** `handoff sandbox` was asked for by name (rather than `npm start` finding no Slack settings). */
  readonly explicit: boolean;
  /** Where the sandbox clock starts. */
  readonly now?: Date;
  readonly print?: (line: string) => void;
}

/**
 * Starts the sandbox for a person at a terminal: checks the environment and the workflow file like the
 * bot does (every problem listed, exit code 1), prints where the page is and how to connect a real
 * workspace instead, and stops cleanly on SIGTERM/SIGINT. Resolves with the running sandbox, or null
 * when it could not start (the exit code is set).
 */
export async function runSandbox(env: NodeJS.ProcessEnv, opts: RunSandboxOptions): Promise<Sandbox | null> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const fail = (message: string) => {
    console.error(`handoff sandbox: cannot start.\n${message}`);
    process.exitCode = 1;
    return null;
  };
  if (env.NODE_ENV === 'production') return fail('NODE_ENV=production: the sandbox is for trying Handoff locally, never for a deployment.');
  const parsed = sandboxEnv.safeParse(env);
  if (!parsed.success) return fail(`environment is invalid:\n${parsed.error.issues.map((i) => `  - ${formatPath(i.path)}: ${i.message}`).join('\n')}`);
  const configPath = parsed.data.HANDOFF_CONFIG ?? EXAMPLE_CONFIG;
  let workflow;
  try {
    workflow = loadSandboxWorkflow(configPath);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  let sandbox: Sandbox;
  try {
    const logger = await terminalLogger(parsed.data.LOG_LEVEL);
    sandbox = await startSandbox({ workflow, configPath, port: parsed.data.PORT, host: parsed.data.SANDBOX_HOST, logLevel: parsed.data.LOG_LEVEL, start: opts.now, ...(logger ? { logger } : {}) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return fail(`port ${parsed.data.PORT} is in use: set PORT to another one (PORT=0 picks a free one).`);
    throw error;
  }
  const ignored = SLACK_SETTINGS.filter((name) => env[name] !== undefined);
  const tz = Object.values(workflow.teams)[0]?.timezone ?? 'UTC';
  const start = localParts(sandbox.clock.now(), tz);
  const shownConfig = relative(process.cwd(), configPath) || configPath;
  print('');
  print(`Handoff sandbox: the real bot on a local Slack emulator${opts.explicit ? '' : ' (no Slack settings found)'}.`);
  print(`  Open ${sandbox.url} in your browser, pick who you are, and type /handoff.`);
  print(`  Workflow ${shownConfig.startsWith('..') ? configPath : shownConfig}: ${Object.keys(workflow.teams).length} teams, ${Object.keys(workflow.handoffTypes).length} handoff types.`);
  const weekday = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' }[start.weekday];
  print(`  Database ${SANDBOX_DATABASE_URL.replace(/^file:/, '')}, emptied at every start. The sandbox clock starts on ${weekday} ${start.date} ${start.time} (${tz}); the page moves it on.`);
  print(`  The bot answers the emulator at ${sandbox.botUrl}.`);
  if (sandbox.webhooks.length) print(`  Webhooks are not sent: the page lists what ${sandbox.webhooks.length === 1 ? 'the webhook' : `the ${sandbox.webhooks.length} webhooks`} would have received (Webhooks, in the sidebar).`);
  // Made up at this start, in place of the file's: a way to try the API on this machine and nowhere else.
  for (const t of sandbox.workflow.api.tokens) print(`  API token "${t.name}" for this run: curl -H 'Authorization: Bearer ${t.token}' ${sandbox.botUrl.replace(/\/slack\/events$/, '/api/handoffs/1')}`);
  if (ignored.length) print(`  ${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} ignored: the sandbox never talks to Slack.`);
  print('To connect a real workspace instead, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) and run npm start; see docs/install.md.');
  print('');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    sandbox.bot.logger.info(`${signal}: stopping the sandbox`);
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return sandbox;
}

/**
 * At a terminal, the bot's log lines made readable with pino-pretty (a development dependency, as the
 * sandbox is for development); piped or without it, the JSON lines the bot always writes.
 */
async function terminalLogger(level: 'debug' | 'info' | 'warn' | 'error'): Promise<Logger | undefined> {
  if (!process.stdout.isTTY) return undefined;
  try {
    const { default: pretty } = await import('pino-pretty');
    return toBoltLogger(createLogger({ level, destination: pretty({ colorize: true, ignore: 'pid,hostname,name' }) }));
  } catch {
    return undefined;
  }
}
