/** The settings that say "connect to a real Slack workspace". */
export const SLACK_SETTINGS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL'] as const;

export type StartMode =
  | { readonly mode: 'sandbox' }
  /** `hint` explains, under the list of missing settings, why the sandbox did not start instead. */
  | { readonly mode: 'slack'; readonly hint?: string };

/**
 * What `npm start` runs. With no Slack setting at all, the local sandbox; with any of them, the bot
 * against Slack, where missing ones are an error that names them. Production never gets the sandbox:
 * with NODE_ENV=production the settings are required. A variable that is set, even to an empty string,
 * counts as present, so a deployment template with a blank token fails loudly instead of falling
 * into the sandbox.
 */
export function chooseStartMode(env: NodeJS.ProcessEnv): StartMode {
  const present = SLACK_SETTINGS.filter((name) => env[name] !== undefined);
  if (present.length > 0)
    return { mode: 'slack', hint: `${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set, so the bot expects a real Slack workspace: set the missing settings too, or unset them all to try the local sandbox (npm run sandbox).` };
  if (env.NODE_ENV === 'production') return { mode: 'slack', hint: 'NODE_ENV=production: the local sandbox never starts in production, so the Slack settings are required.' };
  return { mode: 'sandbox' };
}
