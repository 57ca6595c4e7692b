import { fileURLToPath } from 'node:url';

type SandboxModule = typeof import('./sandbox/run-sandbox.js');

/**
 * The sandbox's entry, loaded only when asked for: the bot for a workspace never loads it, and the
 * production build (the container) does not ship it. There it returns null, and the caller explains.
 */
export async function loadSandbox(): Promise<SandboxModule | null> {
  const url = new URL('./sandbox/run-sandbox.js', import.meta.url);
  try {
    return (await import(url.href)) as SandboxModule;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { url?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(fileURLToPath(url))) return null;
    throw error;
  }
}

export const NO_SANDBOX =
  'handoff: the local sandbox is not part of this install (the production build leaves it out). Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) to run the bot for your workspace, or run the sandbox from a clone: npm ci && npm start.';
