import { ConfigError, loadConfig } from './config/load-config.js';
import { chooseStartMode } from './config/start-mode.js';
import { loadSandbox, NO_SANDBOX } from './load-sandbox.js';

/** Wiring only: config → app graph → listen; SIGTERM/SIGINT stop it gracefully. With no Slack settings (outside production), the local sandbox. */
export async function main(processEnv: NodeJS.ProcessEnv = process.env): Promise<void> {
  const startMode = chooseStartMode(processEnv);
  if (startMode.mode === 'sandbox') {
    const sandbox = await loadSandbox();
    if (!sandbox) {
      console.error(NO_SANDBOX);
      process.exit(1);
    }
    if (!(await sandbox.runSandbox(processEnv, { explicit: false }))) process.exit(1);
    return;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(processEnv);
  } catch (error) {
    if (error instanceof ConfigError) {
      const hint = startMode.hint && error.problems.some((p) => /SLACK_/.test(p)) ? `\n${startMode.hint}` : '';
      console.error(`handoff: cannot start.\n${error.message}${hint}`);
      process.exit(1);
    }
    throw error;
  }
  // Loaded only now, so a configuration error is reported before Bolt and the database are loaded.
  const { createHandoffApp } = await import('./handoff-app.js');
  const app = await createHandoffApp({ env: config.env, workflow: config.workflow, processMetrics: true });
  // Listening for signals before starting: a stop asked for during start waits for the start, then stops.
  let started: Promise<unknown> | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    await started?.catch(() => undefined);
    app.logger.info(`${signal}: finishing in-flight work`);
    await app.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  started = app.start(config.env.port);
  const port = await started;
  const mode = config.env.appToken ? 'Socket Mode' : `HTTP on :${port}/slack/events`;
  app.logger.info(`handoff is running (${mode}); ${Object.keys(config.workflow.handoffTypes).length} handoff types, ${Object.keys(config.workflow.teams).length} teams`);
  if (!config.env.metricsToken) app.logger.info('/metrics is off: set METRICS_TOKEN to serve it (see docs/deploy.md)');
}
