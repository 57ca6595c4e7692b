import { writeFileSync } from 'node:fs';
import { ConfigError, loadWorkflow } from './config/load-config.js';
import { openDb } from './db/open-db.js';

const USAGE = `Usage: handoff <command>

  start                      run the bot (same as npm start); with no Slack settings, the local sandbox
  sandbox [--now <ISO time>] try it without Slack: the bot on a local Slack emulator with a web page
  migrate                    apply database migrations (DATABASE_URL) and exit
  config check [--file F]    validate the workflow file (HANDOFF_CONFIG) and exit
  config schema [--out F]    print the JSON Schema of the workflow file
  webhooks status            per webhook: pending, failing (with the last error), delivered
  jobs run <nudges|digest> [--now <ISO time>]
                             run one job once as of that time (default: now) and send what it queued
  export --since <date> [--format csv|jsonl] [--out F]
                             write handoffs created since then (fields, people, times, durations)
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { main } = await import('./main.js');
      await main(env);
      return -1; // keep running
    }
    case 'sandbox': {
      const nowText = option([sub, ...rest].filter((a): a is string => a !== undefined), '--now');
      const now = nowText ? new Date(nowText) : undefined;
      if (now && Number.isNaN(now.getTime())) {
        console.error(`handoff: --now "${nowText}" is not an ISO time such as 2026-11-23T15:00:00Z`);
        return 2;
      }
      const { runSandbox } = await import('./sandbox/run-sandbox.js');
      return (await runSandbox(env, { explicit: true, now })) ? -1 : 1;
    }
    case 'migrate': {
      const url = env.DATABASE_URL ?? 'file:./data/handoff.db';
      openDb(url).close();
      console.log(`database ${url} is up to date`);
      return 0;
    }
    case 'config': {
      if (sub === 'check') {
        const file = option(rest, '--file') ?? env.HANDOFF_CONFIG ?? './handoff.config.yaml';
        try {
          const wf = loadWorkflow(file);
          console.log(`${file} is valid: ${Object.keys(wf.teams).length} teams, ${Object.keys(wf.handoffTypes).length} handoff types.`);
          return 0;
        } catch (error) {
          if (error instanceof ConfigError) {
            console.error(error.message);
            return 1;
          }
          throw error;
        }
      }
      if (sub === 'schema') {
        const { renderConfigJsonSchema } = await import('./config/json-schema.js');
        const text = renderConfigJsonSchema();
        const out = option(rest, '--out');
        if (out) writeFileSync(out, text);
        else process.stdout.write(text);
        return 0;
      }
      break;
    }
    case 'webhooks': {
      if (sub !== 'status') break;
      const { loadWorkflow: load } = await import('./config/load-config.js');
      const { OutboxRepo } = await import('./db/outbox-repo.js');
      const url = env.DATABASE_URL ?? 'file:./data/handoff.db';
      const configured = (() => {
        try {
          return load(env.HANDOFF_CONFIG ?? './handoff.config.yaml').webhooks.map((w) => w.url);
        } catch {
          return [];
        }
      })();
      const db = openDb(url);
      try {
        const rows = new OutboxRepo(db.db).webhookStatus();
        const byUrl = new Map(rows.map((r) => [r.url, r]));
        for (const u of configured) if (!byUrl.has(u)) byUrl.set(u, { url: u, pending: 0, failing: 0, delivered: 0, lastError: null, oldestPending: null, lastDelivered: null });
        if (byUrl.size === 0) console.log('No webhooks configured or delivered.');
        for (const r of byUrl.values()) {
          const state = r.failing > 0 ? 'FAILING' : r.pending > 0 ? 'pending' : 'ok';
          console.log(`${state.padEnd(8)} ${r.url}${configured.includes(r.url) ? '' : ' (no longer configured)'}`);
          console.log(`         pending ${r.pending}, failing ${r.failing}, delivered ${r.delivered}` + (r.oldestPending ? `, oldest pending since ${r.oldestPending.toISOString()}` : '') + (r.lastDelivered ? `, last delivered ${r.lastDelivered.toISOString()}` : ''));
          if (r.lastError) console.log(`         last error: ${r.lastError}`);
        }
        return 0;
      } finally {
        db.close();
      }
    }
    case 'jobs': {
      const job = rest[0];
      if (sub !== 'run' || (job !== 'nudges' && job !== 'digest')) break;
      const nowText = option(rest, '--now');
      const now = nowText ? new Date(nowText) : new Date();
      if (Number.isNaN(now.getTime())) {
        console.error(`handoff: --now "${nowText}" is not an ISO time such as 2026-11-23T09:00:00Z`);
        return 2;
      }
      const { loadConfig } = await import('./config/load-config.js');
      const { createHandoffApp } = await import('./handoff-app.js');
      const { runJob } = await import('./jobs/index.js');
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(error.message);
          return 1;
        }
        throw error;
      }
      // One clock for the job and the outbox, so what the job queues "now" is due now.
      const app = createHandoffApp({ env: config.env, workflow: config.workflow, clock: { now: () => now }, schedule: false });
      try {
        const result = await runJob(job, app.jobDeps, now);
        app.dispatcher.start();
        await app.dispatcher.drain();
        const backlog = app.outboxRepo.backlog();
        console.log(JSON.stringify({ job, now: now.toISOString(), result, outboxPending: backlog.pending }));
        return 0;
      } finally {
        await app.dispatcher.stop();
        app.database.close();
      }
    }
    case 'export': {
      const { runExportCommand } = await import('./export-command.js');
      return runExportCommand(argv.slice(1), env);
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command ? 0 : 1;
    default:
      break;
  }
  console.error(`handoff: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
  return 2;
}
