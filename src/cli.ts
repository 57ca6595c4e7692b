import { writeFileSync } from 'node:fs';
import { CliError, UsageError } from './cli-error.js';
import { USAGE } from './cli-usage.js';
import { ConfigError, loadWorkflow } from './config/load-config.js';
import { DatabaseOpenError, openDatabase } from './db/open-db.js';
import { redactUrl } from './domain/redact-url.js';
import { parseCommandArgs } from './parse-command-args.js';
import type { JobLeasing } from './jobs/deps.js';

const DEFAULT_DATABASE_URL = 'file:./data/handoff.db';
/** How long `jobs run` waits for a running bot to finish the same job before giving up. */
const JOB_RUN_WAIT_MS = 60_000;

/** `--now`: an ISO time, or a UsageError naming the flag. */
function parseNow(text: string | undefined, example: string): Date | undefined {
  if (text === undefined) return undefined;
  const now = new Date(text);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${text}" is not an ISO time such as ${example}`);
  return now;
}

function printUsage(): number {
  console.log(USAGE);
  return 0;
}

class UnknownCommand extends Error {}

async function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  switch (command) {
    case 'start': {
      const { main } = await import('./main.js');
      await main(env);
      return -1; // keep running
    }
    case 'sandbox': {
      const { values } = parseCommandArgs(args, { now: { type: 'string' } });
      if (values.help) return printUsage();
      const now = parseNow(values.now, '2026-11-23T15:00:00Z');
      const { loadSandbox, NO_SANDBOX } = await import('./load-sandbox.js');
      const sandbox = await loadSandbox();
      if (!sandbox) throw new CliError(NO_SANDBOX.replace(/^handoff: /, ''));
      return (await sandbox.runSandbox(env, { explicit: true, now })) ? -1 : 1;
    }
    case 'migrate': {
      if (parseCommandArgs(args, {}).values.help) return printUsage();
      const url = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
      const database = await openDatabase(url);
      try {
        // The insights backfill the bot would otherwise do at its first start.
        const { QualityRepo } = await import('./db/quality-repo.js');
        const recorded = await new QualityRepo(database).catchUp(new Date());
        if (recorded > 0) console.log(`recorded the insights facts of ${recorded} past decisions`);
      } finally {
        await database.close();
      }
      console.log(`database ${url} is up to date`);
      return 0;
    }
    case 'config': {
      if (sub === 'check') {
        const { values } = parseCommandArgs(rest, { file: { type: 'string' } });
        if (values.help) return printUsage();
        const file = values.file ?? env.HANDOFF_CONFIG ?? './handoff.config.yaml';
        const wf = loadWorkflow(file);
        console.log(`${file} is valid: ${Object.keys(wf.teams).length} teams, ${Object.keys(wf.handoffTypes).length} handoff types.`);
        return 0;
      }
      if (sub === 'schema') {
        const { values } = parseCommandArgs(rest, { out: { type: 'string' } });
        if (values.help) return printUsage();
        const { renderConfigJsonSchema } = await import('./config/json-schema.js');
        const text = renderConfigJsonSchema();
        // Replacing the file is the point here (npm run config:schema regenerates the committed schema); it holds no data.
        if (values.out) writeFileSync(values.out, text);
        else process.stdout.write(text);
        return 0;
      }
      break;
    }
    case 'webhooks': {
      if (sub !== 'status') break;
      if (parseCommandArgs(rest, {}).values.help) return printUsage();
      const { OutboxRepo } = await import('./db/outbox-repo.js');
      const url = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
      const configured = (() => {
        try {
          return loadWorkflow(env.HANDOFF_CONFIG ?? './handoff.config.yaml').webhooks.map((w) => w.url);
        } catch {
          return [];
        }
      })();
      const db = await openDatabase(url, { mustExist: true });
      try {
        const rows = await new OutboxRepo(db).webhookStatus();
        const byUrl = new Map(rows.map((r) => [r.url, r]));
        for (const u of configured) if (!byUrl.has(u)) byUrl.set(u, { url: u, pending: 0, failing: 0, delivered: 0, lastError: null, oldestPending: null, lastDelivered: null });
        if (byUrl.size === 0) console.log('No webhooks configured or delivered.');
        for (const r of byUrl.values()) {
          const state = r.failing > 0 ? 'FAILING' : r.pending > 0 ? 'pending' : 'ok';
          console.log(`${state.padEnd(8)} ${redactUrl(r.url)}${configured.includes(r.url) ? '' : ' (no longer configured)'}`);
          console.log(`         pending ${r.pending}, failing ${r.failing}, delivered ${r.delivered}` + (r.oldestPending ? `, oldest pending since ${r.oldestPending.toISOString()}` : '') + (r.lastDelivered ? `, last delivered ${r.lastDelivered.toISOString()}` : ''));
          if (r.lastError) console.log(`         last error: ${r.lastError}`);
        }
        return 0;
      } finally {
        await db.close();
      }
    }
    case 'jobs': {
      if (sub !== 'run') break;
      const { values, positionals } = parseCommandArgs(rest, { now: { type: 'string' } }, 1);
      if (values.help) return printUsage();
      const [job] = positionals;
      if (job !== 'nudges' && job !== 'digest' && job !== 'report') throw new UsageError(job ? `no job "${job}": jobs run nudges, digest or report` : 'jobs run needs a job: nudges, digest or report');
      const now = parseNow(values.now, '2026-11-23T09:00:00Z') ?? new Date();
      const { loadConfig } = await import('./config/load-config.js');
      const { createHandoffApp } = await import('./handoff-app.js');
      const { runJobLeased } = await import('./jobs/index.js');
      const config = loadConfig(env);
      // One clock for the job and the outbox, so what the job queues "now" is due now.
      const app = await createHandoffApp({ env: config.env, workflow: config.workflow, clock: { now: () => now }, schedule: false });
      try {
        // A bot running this job now holds its lease: wait for its run to end rather than run beside it.
        const run = await runJobLeased(job, app.jobDeps, now, app.jobDeps.lease as JobLeasing, JOB_RUN_WAIT_MS);
        if (!run.ran) throw new CliError(`another instance (${run.holder ?? 'unknown'}) has been running the ${job} job for over ${JOB_RUN_WAIT_MS / 1000} s; try again when it is done`);
        const result = run.result;
        await app.dispatcher.start();
        await app.dispatcher.drain();
        const backlog = await app.outboxRepo.backlog();
        console.log(JSON.stringify({ job, now: now.toISOString(), result, outboxPending: backlog.pending }));
        return 0;
      } finally {
        await app.dispatcher.stop();
        await app.database.close();
      }
    }
    case 'db': {
      if (sub !== 'copy') break;
      const { runDbCopyCommand } = await import('./db-copy-command.js');
      return runDbCopyCommand(rest, env);
    }
    case 'export': {
      const { runExportCommand } = await import('./export-command.js');
      return runExportCommand(args, env);
    }
    case 'backup': {
      const { runBackupCommand } = await import('./backup-command.js');
      return runBackupCommand(args, env);
    }
    case 'help':
    case '--help':
    case '-h':
      return printUsage();
    default:
      break;
  }
  if (sub === '--help' || sub === '-h') return printUsage();
  throw new UnknownCommand();
}

/**
 * The `handoff` command: returns the exit code, or -1 while it keeps running (start, sandbox).
 * A mistake in the command line prints the usage and returns 2; a failure prints one line
 * (`handoff <command>: why`; a config file lists every problem) and returns 1.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    console.log(USAGE);
    return 1;
  }
  try {
    return await runCommand(command, args, env);
  } catch (error) {
    const name = ['config', 'webhooks', 'jobs', 'db'].includes(command) && args[0] ? `${command} ${args[0]}` : command;
    if (error instanceof UnknownCommand) {
      console.error(`handoff: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`handoff ${name}: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof CliError || error instanceof DatabaseOpenError) {
      console.error(`handoff ${name}: ${error.message}`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    // The bot's own start keeps its stack: that failure is a bug report, not an operator's typo.
    if (command === 'start' || command === 'sandbox') throw error;
    console.error(`handoff ${name}: ${error instanceof Error ? error.message : String(error)}`);
    if (env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace') console.error(error);
    return 1;
  }
}
