import { z } from 'zod';

/** A request Slack signed but whose shape we cannot act on; answered with 400 instead of a crash or a 3-second timeout. */
export class MalformedPayloadError extends Error {
  constructor(readonly problems: string) {
    super(`malformed Slack payload: ${problems}`);
    this.name = 'MalformedPayloadError';
  }
}

const user = z.object({ id: z.string().min(1) });

// Only what the listeners rely on; Slack adds fields freely, so everything else passes through.
const envelopes: Record<string, z.ZodType> = {
  block_actions: z.object({ user, actions: z.array(z.object({ action_id: z.string().min(1) })).min(1) }),
  view_submission: z.object({ user, view: z.object({ id: z.string().min(1), callback_id: z.string(), state: z.object({ values: z.record(z.string(), z.unknown()) }) }) }),
  view_closed: z.object({ user, view: z.object({ callback_id: z.string() }) }),
  shortcut: z.object({ user, callback_id: z.string().min(1), trigger_id: z.string().min(1) }),
  message_action: z.object({ user, callback_id: z.string().min(1), trigger_id: z.string().min(1) }),
  event_callback: z.object({ event_id: z.string().min(1), event: z.object({ type: z.string().min(1) }) }),
};
const command = z.object({ command: z.string().min(1), user_id: z.string().min(1), trigger_id: z.string().min(1), text: z.string() });

/** Throws MalformedPayloadError when a body lacks what its type promises. */
export function checkEnvelope(body: unknown): void {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') throw new MalformedPayloadError('not an object');
  const schema = typeof b.command === 'string' ? command : envelopes[String(b.type)];
  if (!schema) return; // a type we do not listen for: Bolt ignores it
  const result = schema.safeParse(b);
  if (!result.success) throw new MalformedPayloadError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}
