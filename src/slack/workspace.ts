import type { WebClient } from '@slack/web-api';

export interface BotIdentity {
  /** The workspace's URL, e.g. `https://acme.slack.com/` (always ending in a slash). */
  readonly url: string;
  readonly botUserId?: string;
  readonly botId?: string;
}

/**
 * Who the bot is in its workspace (auth.test). Asked at start and kept once Slack answered; a failure
 * is not kept, so the next caller asks again. (Bolt's own single-token authorization keeps a failed
 * first auth.test for the life of the process, and then acknowledges every request without running
 * a listener: one Slack hiccup at boot would silently drop every form submitted until a restart.)
 */
export class SlackWorkspace {
  private known: Promise<BotIdentity> | null = null;

  constructor(private readonly client: WebClient) {}

  identity(): Promise<BotIdentity> {
    this.known ??= this.client.auth.test().then((res) => {
      if (!res.url) throw new Error('auth.test gave no workspace url');
      return { url: res.url.endsWith('/') ? res.url : `${res.url}/`, botUserId: res.user_id, botId: res.bot_id };
    });
    const asked = this.known;
    return asked.catch((error: unknown) => {
      if (this.known === asked) this.known = null;
      throw error;
    });
  }

  /** A top-level message's permalink as Slack forms it: `<workspace URL>archives/<channel>/p<ts without the dot>`. */
  async permalink(channel: string, ts: string): Promise<string> {
    return permalinkOf((await this.identity()).url, channel, ts);
  }
}

export function permalinkOf(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl}archives/${channel}/p${ts.replace('.', '')}`;
}
