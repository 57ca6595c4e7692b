import type { WebClient } from '@slack/web-api';
import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo } from '../db/handoff-repo.js';
import type { Notification } from '../domain/notifications.js';
import type { Clock } from '../domain/ports.js';
import type { SendRateLimiter } from './rate-limiter.js';
import type { SlackWorkspace } from './workspace.js';
import type { HomeService } from '../services/home-service.js';
import type { AwayService } from '../services/away-service.js';
import { buildDigestMessage } from './views/digest.js';
import { buildHomeView } from './views/home.js';
import { insightsViewOptions } from './views/insights.js';
import { buildApprovalDm, buildEventDm, buildHandoffPost, buildNextNeededDm, buildSourceReply, describeEvent, type HandoffContext, type SlackMessage } from './views/messages.js';
import { ownEntry } from '../domain/own-entry.js';
import type { WeeklyReport } from '../domain/weekly-report.js';
import { type ChartRenderer, renderChartPng } from './chart-renderer.js';
import { statsViewOptions } from './views/stats.js';
import { buildWeeklyChartSpec, buildWeeklyReportMessage, buildWeeklyReportText, weeklyReportFile } from './views/weekly-report.js';

/** Which outbox entry a delivery is, and whether an earlier try may have reached Slack without being recorded. */
export interface Delivery {
  readonly outboxId: number;
  /** True when the entry was taken before (a timeout, a network error, a killed process). */
  readonly retried: boolean;
}

const METADATA_EVENT = 'handoff_outbox';
/** How far back to look for a message an earlier try may have posted. */
const RECONCILE_LOOKBACK = 100;

/**
 * Turns outbox notifications into Slack calls. Each call either succeeds or throws, and the
 * dispatcher retries. Every message it posts carries its outbox id as message metadata, so a retry
 * after an ambiguous failure (Slack may have posted before the connection broke) first looks for
 * that message instead of posting a second one.
 */
export class SlackNotifier {
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly deps: { client: WebClient; workspace: SlackWorkspace; repo: HandoffRepo; config: WorkflowConfig; clock: Clock; limiter: SendRateLimiter; homes?: HomeService; away?: Pick<AwayService, 'status'>; renderChart?: ChartRenderer; logger?: { warn(...m: unknown[]): void } }) {}

  async deliver(n: Notification, delivery: Delivery): Promise<void> {
    if (n.type === 'digest') {
      const teamName = (key: string) => ownEntry(this.deps.config.teams, key)?.name ?? key;
      await this.dm(n.userId, buildDigestMessage(n.digest, { now: this.deps.clock.now(), teamName, heading: 'Your stalled handoffs today' }), delivery);
      return;
    }
    if (n.type === 'home') return this.publishHome(n.userId, delivery);
    if (n.type === 'weekly_report') return this.sendWeeklyReport(n.userId, n.report, delivery);
    const ctx = await this.context(n.handoffId);
    if (!ctx) return; // the handoff is gone (never happens in practice): nothing to say
    switch (n.type) {
      case 'post':
        return this.syncPost(ctx, delivery);
      case 'thread': {
        const event = await this.deps.repo.findEvent(n.eventId);
        const { channelId, messageTs } = ctx.handoff;
        if (!event || !messageTs) throw new Error(`thread reply before post of handoff ${n.handoffId}`);
        await this.post({ channel: channelId, thread_ts: messageTs, text: describeEvent(event, ctx.handoff, ctx.type.fields) }, delivery);
        return;
      }
      case 'dm': {
        const event = await this.deps.repo.findEvent(n.eventId);
        if (!event) return;
        await this.dm(n.userId, buildEventDm(ctx, event, n.userId, n.awayOf), delivery);
        return;
      }
      case 'approval_request': {
        const event = await this.deps.repo.findEvent(n.eventId);
        if (!event) return;
        const posted = await this.dm(n.userId, buildApprovalDm(ctx, event), delivery);
        // Kept so the decision can take the buttons off this DM (approval_settled).
        await this.deps.repo.saveApprovalMessage({ handoffId: n.handoffId, userId: n.userId, eventId: n.eventId, channel: posted.channel, ts: posted.ts });
        return;
      }
      case 'approval_settled':
        return this.settleApprovalDms(ctx, n.eventId, delivery);
      case 'next_needed': {
        const type = ownEntry(this.deps.config.handoffTypes, n.typeKey);
        if (type) await this.dm(n.userId, buildNextNeededDm(ctx.handoff, n.typeKey, type), delivery);
        return;
      }
      case 'source_reply': {
        const { sourceChannel, sourceTs } = ctx.handoff;
        if (!sourceChannel || !sourceTs) return;
        const reply = buildSourceReply(ctx);
        await this.post({ channel: sourceChannel, thread_ts: sourceTs, text: reply.text, blocks: reply.blocks }, delivery);
        return;
      }
    }
  }

  /**
   * Every DM that asked for this handoff's approval now says how it was decided, without buttons.
   * Each is forgotten once updated, so a retry updates only the rest; a DM Slack no longer has is skipped.
   */
  private async settleApprovalDms(ctx: HandoffContext, decisionId: number, delivery: Delivery): Promise<void> {
    const decision = await this.deps.repo.findEvent(decisionId);
    for (const m of await this.deps.repo.listApprovalMessages(ctx.handoff.id)) {
      const asked = await this.deps.repo.findEvent(m.eventId);
      if (asked) {
        const message = buildApprovalDm(ctx, asked, decision);
        await this.deps.limiter.acquire(m.channel, delivery.outboxId);
        try {
          await this.deps.client.chat.update({ channel: m.channel, ts: m.ts, text: message.text, blocks: message.blocks });
        } catch (error) {
          if ((error as { data?: { error?: string } }).data?.error !== 'message_not_found') throw error;
        }
      }
      await this.deps.repo.deleteApprovalMessage(m.channel, m.ts);
    }
  }

  /** Renders the person's Home as it is now; publishing twice is harmless, so a retry needs no reconciling. */
  private async publishHome(userId: string, delivery: Delivery): Promise<void> {
    if (!this.deps.homes) return;
    const view = buildHomeView(await this.deps.homes.build(userId), insightsViewOptions(this.deps.config));
    await this.deps.limiter.acquire(`home:${userId}`, delivery.outboxId);
    await this.deps.client.views.publish({ user_id: userId, view });
  }

  private async context(id: number): Promise<HandoffContext | null> {
    const handoff = await this.deps.repo.findById(id);
    if (!handoff) return null;
    const type = ownEntry(this.deps.config.handoffTypes, handoff.typeKey);
    const toTeam = ownEntry(this.deps.config.teams, handoff.toTeam);
    if (!type || !toTeam) return null;
    const absence = handoff.state === 'accepted' ? await this.deps.away?.status(handoff.ownerId) : null;
    return { handoff, type, toTeam, ownerAway: absence ? { until: absence.until } : null };
  }

  /** Posts the handoff once, then keeps that one post up to date. */
  private async syncPost(ctx: HandoffContext, delivery: Delivery): Promise<void> {
    const h = ctx.handoff;
    if (h.sourceChannel && h.sourceTs && !h.sourcePermalink) {
      // Link the message it came from; a message Slack no longer finds is simply not linked.
      const source = await this.deps.client.chat.getPermalink({ channel: h.sourceChannel, message_ts: h.sourceTs }).catch(() => null);
      if (source?.permalink) {
        await this.deps.repo.setSourcePermalink(h.id, source.permalink);
        h.sourcePermalink = source.permalink;
      }
    }
    const message = buildHandoffPost(ctx, this.deps.clock.now());
    if (h.messageTs) {
      await this.deps.limiter.acquire(h.channelId, delivery.outboxId);
      await this.deps.client.chat.update({ channel: h.channelId, ts: h.messageTs, text: message.text, blocks: message.blocks });
      // A post whose permalink is missing (made by an older version whose lookup failed): link it now.
      if (!h.permalink) await this.deps.repo.setPost(h.id, h.channelId, h.messageTs, await this.deps.workspace.permalink(h.channelId, h.messageTs));
      return;
    }
    // Thread replies and DMs link to the post, so its lane needs the permalink: know the workspace URL before posting.
    await this.deps.workspace.identity();
    const posted = await this.post({ channel: h.channelId, text: message.text, blocks: message.blocks }, delivery);
    // Record the ts at once, so a retry updates this post instead of posting twice.
    await this.deps.repo.setPost(h.id, posted.channel, posted.ts, await this.deps.workspace.permalink(posted.channel, posted.ts));
  }

  /**
   * Posts to the person's user id: Slack delivers it to the app's Messages tab and answers with the
   * DM channel's id, which is kept in the database, so no DM needs conversations.open (Tier 3), even
   * after a restart. Only a retry that must look for an earlier try, for someone never reached, asks
   * for the channel.
   */
  private async dm(userId: string, message: SlackMessage, delivery: Delivery): Promise<{ channel: string; ts: string }> {
    let channel = this.dmChannels.get(userId) ?? (await this.deps.repo.findDmChannel(userId)) ?? undefined;
    if (!channel && delivery.retried) channel = await this.openDm(userId);
    const posted = await this.post({ channel: channel ?? userId, text: message.text, blocks: message.blocks }, delivery);
    if (posted.channel !== channel && /^D[A-Z0-9]+$/.test(posted.channel)) await this.rememberDm(userId, posted.channel);
    else if (channel) await this.rememberDm(userId, channel, false);
    return posted;
  }

  /** conversations.history needs the channel's id, not the user's: the one case left for conversations.open. */
  private async openDm(userId: string): Promise<string | undefined> {
    const opened = await this.deps.client.conversations.open({ users: userId });
    const id = opened.channel?.id;
    if (id) await this.rememberDm(userId, id);
    return id;
  }

  private async rememberDm(userId: string, channel: string, store = true): Promise<void> {
    if (this.dmChannels.size > 50_000) this.dmChannels.clear();
    this.dmChannels.set(userId, channel);
    if (store) await this.deps.repo.saveDmChannel(userId, channel, this.deps.clock.now());
  }

  /** The DM channel's id, which a file upload needs: the stored one, else conversations.open (once per person). */
  private async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId) ?? (await this.deps.repo.findDmChannel(userId)) ?? (await this.openDm(userId));
    if (!known) throw new Error(`no DM channel for ${userId}`);
    return known;
  }

  /**
   * The chart as a PNG in the lead's DM (files upload v2: get an upload URL, send the bytes, complete
   * the upload into the DM), with the figures as its comment. A chart that cannot be drawn is logged
   * and the figures go out as text: a rendering bug must not hold the report back. A failed upload
   * throws, so the outbox retries it.
   */
  private async sendWeeklyReport(userId: string, report: WeeklyReport, delivery: Delivery): Promise<void> {
    const opts = { dayMinutes: statsViewOptions(this.deps.config).dayMinutes };
    let png: Uint8Array;
    try {
      png = await (this.deps.renderChart ?? renderChartPng)(buildWeeklyChartSpec(report));
    } catch (error) {
      this.deps.logger?.warn({ userId, weekOf: report.weekOf, err: error }, 'weekly report chart could not be drawn; sending the figures as text');
      await this.dm(userId, buildWeeklyReportMessage(report, opts), delivery);
      return;
    }
    const channel = await this.dmChannel(userId);
    const { filename, title } = weeklyReportFile(report);
    // An earlier try may have completed the upload before its answer was lost: the week's title finds it.
    if (delivery.retried && (await this.findUpload(channel, title))) return;
    await this.deps.limiter.acquire(channel, delivery.outboxId);
    await this.deps.client.files.uploadV2({ channel_id: channel, file: Buffer.from(png), filename, title, alt_text: 'Charts of first-time right, SLA breaches and time to accept per week', initial_comment: buildWeeklyReportText(report, opts) });
  }

  private async findUpload(channel: string, title: string): Promise<boolean> {
    const res = await this.deps.client.conversations.history({ channel, limit: RECONCILE_LOOKBACK });
    return (res.messages ?? []).some((m) => (m as { files?: Array<{ title?: string }> }).files?.some((f) => f.title === title));
  }

  /** chat.postMessage, tagged with the outbox id; on a retry, an earlier successful try is found and reused. */
  private async post(msg: { channel: string; text: string; blocks?: SlackMessage['blocks']; thread_ts?: string }, delivery: Delivery): Promise<{ channel: string; ts: string }> {
    if (delivery.retried) {
      const found = await this.findPosted(msg.channel, msg.thread_ts, delivery.outboxId);
      if (found) return { channel: msg.channel, ts: found };
    }
    await this.deps.limiter.acquire(msg.channel, delivery.outboxId);
    const res = await this.deps.client.chat.postMessage({
      ...msg,
      unfurl_links: false,
      metadata: { event_type: METADATA_EVENT, event_payload: { outbox_id: delivery.outboxId } },
    });
    return { channel: res.channel ?? msg.channel, ts: res.ts as string };
  }

  private async findPosted(channel: string, threadTs: string | undefined, outboxId: number): Promise<string | null> {
    const res = threadTs
      ? await this.deps.client.conversations.replies({ channel, ts: threadTs, limit: RECONCILE_LOOKBACK, include_all_metadata: true })
      : await this.deps.client.conversations.history({ channel, limit: RECONCILE_LOOKBACK, include_all_metadata: true });
    const mine = (res.messages ?? []).find((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: { outbox_id?: unknown } } }).metadata;
      return meta?.event_type === METADATA_EVENT && Number(meta.event_payload?.outbox_id) === outboxId;
    });
    return mine?.ts ?? null;
  }
}
