import type { WebClient } from '@slack/web-api';
import type { WorkflowConfig } from '../config/workflow-schema';
import type { HandoffRepo } from '../db/handoff-repo';
import type { HandoffRow } from '../db/schema';
import type { Notification } from '../domain/notifications';
import type { Clock } from '../domain/ports';
import { SendRateLimiter } from './rate-limiter';
import { buildDigestMessage } from './views/digest';
import { buildEventDm, buildHandoffPost, buildNextNeededDm, describeEvent, type HandoffContext, type SlackMessage } from './views/messages';

/** Turns outbox notifications into Slack calls. Each call either succeeds or throws, and the dispatcher retries. */
export class SlackNotifier {
  constructor(
    private readonly deps: { client: WebClient; repo: HandoffRepo; config: WorkflowConfig; clock: Clock; limiter: SendRateLimiter },
  ) {}

  async deliver(n: Notification): Promise<void> {
    if (n.type === 'digest') {
      const heading = 'Your stalled handoffs today';
      const teamName = (key: string) => this.deps.config.teams[key]?.name ?? key;
      return this.dm(n.userId, buildDigestMessage(n.digest, { now: this.deps.clock.now(), teamName, heading }));
    }
    const ctx = this.context(n.handoffId);
    if (!ctx) return; // the handoff is gone (never happens in practice): nothing to say
    switch (n.type) {
      case 'post':
        return this.syncPost(ctx);
      case 'thread': {
        const event = this.deps.repo.findEvent(n.eventId);
        if (!event || !ctx.handoff.messageTs) throw new Error(`thread reply before post of handoff ${n.handoffId}`);
        await this.deps.limiter.acquire(ctx.handoff.channelId);
        await this.deps.client.chat.postMessage({ channel: ctx.handoff.channelId, thread_ts: ctx.handoff.messageTs, text: describeEvent(event, ctx.handoff), unfurl_links: false });
        return;
      }
      case 'dm': {
        const event = this.deps.repo.findEvent(n.eventId);
        if (!event) return;
        return this.dm(n.userId, buildEventDm(ctx, event, n.userId));
      }
      case 'next_needed': {
        const type = this.deps.config.handoffTypes[n.typeKey];
        if (type) await this.dm(n.userId, buildNextNeededDm(ctx.handoff, n.typeKey, type));
        return;
      }
    }
  }

  private context(id: number): HandoffContext | null {
    const handoff = this.deps.repo.findById(id);
    if (!handoff) return null;
    const type = this.deps.config.handoffTypes[handoff.typeKey];
    const toTeam = this.deps.config.teams[handoff.toTeam];
    if (!type || !toTeam) return null;
    return { handoff, type, toTeam };
  }

  /** Posts the handoff once, then keeps that one post up to date. */
  private async syncPost(ctx: HandoffContext): Promise<void> {
    const h: HandoffRow = ctx.handoff;
    const message = buildHandoffPost(ctx, this.deps.clock.now());
    await this.deps.limiter.acquire(h.channelId);
    if (h.messageTs) {
      await this.deps.client.chat.update({ channel: h.channelId, ts: h.messageTs, text: message.text, blocks: message.blocks });
      return;
    }
    const posted = await this.deps.client.chat.postMessage({ channel: h.channelId, text: message.text, blocks: message.blocks, unfurl_links: false });
    const ts = posted.ts as string;
    const channel = posted.channel ?? h.channelId;
    // Record the ts before anything else can fail, so a retry updates this post instead of posting twice.
    this.deps.repo.setPost(h.id, channel, ts, null);
    const link = await this.deps.client.chat.getPermalink({ channel, message_ts: ts }).catch(() => null);
    if (link?.permalink) this.deps.repo.setPost(h.id, channel, ts, link.permalink);
  }

  private async dm(userId: string, message: SlackMessage): Promise<void> {
    const opened = await this.deps.client.conversations.open({ users: userId });
    const channel = opened.channel?.id ?? userId;
    await this.deps.limiter.acquire(channel);
    await this.deps.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
  }
}
