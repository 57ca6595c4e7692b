/** A request Slack signed but whose shape we cannot act on; answered with 400 instead of a crash or a 3-second timeout. */
export class MalformedPayloadError extends Error {
  constructor(readonly problems: string) {
    super(`malformed Slack payload: ${problems}`);
    this.name = 'MalformedPayloadError';
  }
}

type Body = Record<string, unknown>;
type Check = (b: Body) => string[];

// Only what the listeners rely on; Slack adds fields freely, so everything else passes through.
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
const userId: Check = (b) => (isObject(b.user) && nonEmpty(b.user.id) ? [] : ['user.id: expected a non-empty string']);
const string = (v: unknown, path: string, min = 0) => (typeof v === 'string' && v.length >= min ? [] : [`${path}: expected ${min ? 'a non-empty' : 'a'} string`]);
const envelopes: Record<string, Check> = {
  block_actions: (b) => [
    ...userId(b),
    ...(Array.isArray(b.actions) && b.actions.length > 0
      ? b.actions.flatMap((a: unknown, i) => (isObject(a) ? string(a.action_id, `actions.${i}.action_id`, 1) : [`actions.${i}: expected an object`]))
      : ['actions: expected a non-empty array']),
  ],
  view_submission: (b) => [
    ...userId(b),
    ...(isObject(b.view)
      ? [...string(b.view.id, 'view.id', 1), ...string(b.view.callback_id, 'view.callback_id'), ...(isObject(b.view.state) && isObject(b.view.state.values) ? [] : ['view.state.values: expected an object'])]
      : ['view: expected an object']),
  ],
  view_closed: (b) => [...userId(b), ...(isObject(b.view) ? string(b.view.callback_id, 'view.callback_id') : ['view: expected an object'])],
  shortcut: (b) => [...userId(b), ...string(b.callback_id, 'callback_id', 1), ...string(b.trigger_id, 'trigger_id', 1)],
  message_action: (b) => [...userId(b), ...string(b.callback_id, 'callback_id', 1), ...string(b.trigger_id, 'trigger_id', 1)],
  event_callback: (b) => [...string(b.event_id, 'event_id', 1), ...(isObject(b.event) ? string(b.event.type, 'event.type', 1) : ['event: expected an object'])],
};
const command: Check = (b) => [...string(b.command, 'command', 1), ...string(b.user_id, 'user_id', 1), ...string(b.trigger_id, 'trigger_id', 1), ...string(b.text, 'text')];

/** Throws MalformedPayloadError when a body lacks what its type promises (run as Bolt middleware, before any listener). */
export function checkEnvelope(body: unknown): void {
  if (!isObject(body)) throw new MalformedPayloadError('not an object');
  const check = typeof body.command === 'string' ? command : Object.hasOwn(envelopes, String(body.type)) ? envelopes[String(body.type)] : undefined;
  if (!check) {
    if (typeof body.type !== 'string') throw new MalformedPayloadError('no type');
    return; // a type we do not listen for: Bolt ignores it
  }
  const problems = check(body);
  if (problems.length > 0) throw new MalformedPayloadError(problems.join('; '));
}
