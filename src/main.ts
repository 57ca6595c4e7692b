import { ConfigError, loadConfig } from './config/load-config';
import { createHandoffApp } from './handoff-app';

/** Wiring only: config → app graph → listen; SIGTERM/SIGINT stop it gracefully. */
export async function main(processEnv: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(processEnv);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`handoff: cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const app = createHandoffApp({ env: config.env, workflow: config.workflow });
  const port = await app.start(config.env.port);
  const mode = config.env.appToken ? 'Socket Mode' : `HTTP on :${port}/slack/events`;
  app.logger.info(`handoff is running (${mode}); ${Object.keys(config.workflow.handoffTypes).length} handoff types, ${Object.keys(config.workflow.teams).length} teams`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info(`${signal}: finishing in-flight work`);
    await app.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
