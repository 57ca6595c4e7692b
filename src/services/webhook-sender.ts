import { createHash, createHmac } from 'node:crypto';
import { toApiEvent, toApiHandoff } from '../api/handoff-api.js';
import type { WebhookConfig, WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo } from '../db/handoff-repo.js';
import { publicEventName } from '../domain/event-names.js';
import type { EventType } from '../domain/lifecycle.js';
import type { WebhookNotification } from '../domain/notifications.js';
import { redactUrl, redactUrlsIn } from '../domain/redact-url.js';

const TIMEOUT_MS = 10_000;

/** `v1=<hex>`: HMAC-SHA256 with the webhook's secret over `v1:<timestamp>:<body>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** The webhook deliveries one event causes, by subscription. */
export function webhookSubscriptions(hooks: readonly WebhookConfig[]) {
  return (handoffId: number, eventId: number, type: EventType): WebhookNotification[] => {
    const name = publicEventName(type);
    return hooks.filter((h) => h.events.includes('*') || h.events.includes(name as never)).map((h) => ({ type: 'webhook', handoffId, eventId, url: h.url }));
  };
}

/**
 * POSTs one event to one webhook. Any answer but 2xx, a timeout or a network error throws, and the
 * outbox retries with backoff; the delivery id lets the receiver drop a repeat (at-least-once).
 */
export class WebhookSender {
  constructor(private readonly deps: { config: WorkflowConfig; repo: HandoffRepo; fetch?: typeof fetch; now?: () => number }) {}

  async deliver(n: WebhookNotification): Promise<void> {
    const hook = this.deps.config.webhooks.find((h) => h.url === n.url);
    const handoff = await this.deps.repo.findById(n.handoffId);
    const event = await this.deps.repo.findEvent(n.eventId);
    // The webhook was removed from the config since, or the rows are gone: nothing left to deliver.
    if (!hook || !handoff || !event) return;
    // Stable across retries: the event and which webhook it goes to.
    const deliveryId = `${n.eventId}-${createHash('sha256').update(n.url).digest('hex').slice(0, 12)}`;
    const body = JSON.stringify({ id: deliveryId, event: toApiEvent(event), handoff: toApiHandoff(handoff) });
    const timestamp = Math.floor((this.deps.now ?? Date.now)() / 1000);
    let res: Response;
    try {
      res = await (this.deps.fetch ?? fetch)(n.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Handoff-Webhooks/1',
          'x-handoff-event': publicEventName(event.type),
          'x-handoff-delivery': deliveryId,
          'x-handoff-timestamp': String(timestamp),
          'x-handoff-signature': signWebhook(hook.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      // fetch's errors may quote the URL (with its token or password); the outbox logs and stores this message.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = [(error as Error)?.message ?? String(error), cause?.code ?? cause?.message].filter(Boolean).join(': ');
      throw new Error(`webhook ${redactUrl(n.url)} failed: ${redactUrlsIn(detail)}`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook ${redactUrl(n.url)} answered HTTP ${res.status}`);
  }
}
