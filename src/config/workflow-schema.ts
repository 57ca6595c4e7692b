import { z } from 'zod';
import { isValidDuration } from '../domain/business-clock.js';
import { DEFAULT_STATUS_WORDS } from '../domain/away-status.js';

/** Field types a handoff form can ask for; each maps to one Block Kit input element. */
export const FIELD_TYPES = [
  'text',
  'longtext',
  'number',
  'date',
  'select',
  'multiselect',
  'user',
  'channel',
  'url',
  'email',
  'file',
] as const;

/** Field types a `when` condition may depend on: inputs that report a change as soon as a person picks something. */
export const CONDITION_FIELD_TYPES = ['select', 'multiselect', 'user', 'channel', 'date'] as const;

/** Slack's file_input takes at most 10 files. */
export const MAX_FILES = 10;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** How a team's new handoffs find a person: the shared queue, or an offer to one member at a time. */
export const ASSIGN_MODES = ['queue', 'round-robin', 'least-loaded'] as const;
export type AssignMode = (typeof ASSIGN_MODES)[number];

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, "-" and "_" (e.g. order-to-ops)')
  .max(64);
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user ID such as U0123ABCD');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time "HH:MM"');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date "YYYY-MM-DD"')
  // The business clock throws on a date such as 2026-02-30, which would fail every SLA at runtime.
  .refine(isRealDate, 'not a calendar date');
const duration = z
  .string()
  .refine(isValidDuration, 'expected a duration such as "30m", "4h" or "2d"');
/** When an escalation step fires: a share of the SLA ("150%") or a duration ("2h"), counted from when the SLA started. */
const escalateAfter = z
  .string()
  .refine((t) => /^\s*\d+(\.\d+)?\s*%\s*$/.test(t) ? Number.parseFloat(t) > 0 : isValidDuration(t), 'expected a share of the SLA such as "100%" or a duration such as "2h"');
/** Who gets an escalation or gives an approval: "leads", listed people, or another team's leads. */
const people = z.union([z.literal('leads'), z.array(userId).min(1, 'list at least one user ID'), z.strictObject({ team: key })], {
  error: 'expected "leads", a list of user IDs such as [U0123ABCD], or { team: <team key> }',
});
const escalateStep = z.strictObject({
  after: escalateAfter,
  to: people,
});
/** Approval before the receiving team sees a handoff; `leads` here are the sending team's. */
const approvalSchema = z.strictObject({
  by: people,
  /** Steps after `sla.approve` started, like `sla.escalate`; `leads` are the sending team's. */
  escalate: z.array(escalateStep).min(1).max(10).optional(),
});
const assignMode = z.enum(ASSIGN_MODES, { error: `expected one of ${ASSIGN_MODES.join(', ')}` });

function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isRealDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * zod skips refinements once any inner value is invalid, which would hide e.g. an unknown team
 * until a typo elsewhere is fixed. Checks guarded by this run anyway, on the value as far as it
 * parsed, so they must not trust its shape.
 */
const whenObject = { when: (payload: { value: unknown }) => isRecord(payload.value) };

function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

/** When a field is shown (and, if required, required): the value of another field of the same form. */
export const whenSchema = z
  .strictObject({
    field: z.string().min(1),
    is: z.string().min(1).optional(),
    in: z.array(z.string().min(1)).min(1).optional(),
    filled: z.literal(true).optional(),
  })
  .refine((w) => [w.is, w.in, w.filled].filter((x) => x !== undefined).length === 1, 'give exactly one of "is", "in" or "filled: true"');

export const fieldSchema = z
  .strictObject({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'use lowercase letters, digits and "_" (e.g. order_id)')
      .max(50)
      // Keys index plain objects everywhere; a built-in name such as "constructor" would read the prototype.
      .refine((k) => !(k in Object.prototype), 'this key is reserved; pick another name'),
    label: z.string().trim().min(1).max(2000),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    hint: z.string().max(2000).optional(),
    placeholder: z.string().max(150).optional(),
    pattern: z.string().refine(isValidRegExp, 'not a valid regular expression').optional(),
    patternMessage: z.string().max(200).optional(),
    unique: z.boolean().default(false),
    options: z.array(z.string().trim().min(1).max(75)).min(1).max(100).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    maxLength: z.number().int().positive().max(3000).optional(),
    when: whenSchema.optional(),
    filetypes: z
      .array(z.string().regex(/^[a-z0-9]{1,16}$/, 'a file extension in lowercase without the dot, e.g. pdf'))
      .min(1)
      .optional(),
    maxFiles: z.number().int().min(1).max(MAX_FILES).optional(),
  })
  .superRefine((f, ctx) => {
    const choice = f.type === 'select' || f.type === 'multiselect';
    if (choice && !f.options) ctx.addIssue({ code: 'custom', path: ['options'], message: `a ${f.type} field needs options` });
    if (!choice && f.options) ctx.addIssue({ code: 'custom', path: ['options'], message: `options only apply to select and multiselect fields` });
    if (f.options && new Set(f.options).size !== f.options.length)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be distinct' });
    const textual = f.type === 'text' || f.type === 'longtext' || f.type === 'url' || f.type === 'email';
    if (f.pattern !== undefined && !textual)
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'pattern only applies to text, longtext, url and email fields' });
    if ((f.min !== undefined || f.max !== undefined) && f.type !== 'number')
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min and max only apply to number fields' });
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must be at least min' });
    if (f.unique && (f.type === 'multiselect' || f.type === 'longtext' || f.type === 'file'))
      ctx.addIssue({ code: 'custom', path: ['unique'], message: 'unique applies to single-value fields' });
    if (f.type !== 'file')
      for (const k of ['filetypes', 'maxFiles'] as const)
        if (f[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} only applies to file fields` });
    if (f.when?.field === f.key) ctx.addIssue({ code: 'custom', path: ['when', 'field'], message: 'a field cannot depend on itself' });
  });

/**
 * Checks every `when` of one form against the form's other fields: the field must exist, be one that
 * reports a change as it is picked, offer the values the condition names, and no chain of
 * conditions may come back to where it started (such a field could never be shown).
 */
function checkConditions(fields: unknown[], ctx: z.RefinementCtx): void {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const f of fields) if (isRecord(f) && typeof f.key === 'string' && !byKey.has(f.key)) byKey.set(f.key, f);
  const dependsOn = (f: Record<string, unknown>) => (isRecord(f.when) && typeof f.when.field === 'string' ? f.when.field : undefined);
  fields.forEach((f, i) => {
    if (!isRecord(f) || !isRecord(f.when)) return;
    const target = dependsOn(f);
    if (target === undefined || target === f.key) return;
    const at = (...rest: (string | number)[]) => [i, 'when', ...rest];
    const other = byKey.get(target);
    if (!other) {
      ctx.addIssue({ code: 'custom', path: at('field'), message: `unknown field "${target}"; fields of this form are: ${[...byKey.keys()].join(', ')}` });
      return;
    }
    if (!(CONDITION_FIELD_TYPES as readonly unknown[]).includes(other.type))
      ctx.addIssue({ code: 'custom', path: at('field'), message: `"${target}" is a ${String(other.type)} field; a condition can depend on ${CONDITION_FIELD_TYPES.join(', ')} fields` });
    const options = Array.isArray(other.options) ? other.options : undefined;
    const named = typeof f.when.is === 'string' ? [['is', f.when.is] as const] : Array.isArray(f.when.in) ? f.when.in.map((v, j) => [j, v] as const) : [];
    if (named.length && !options) ctx.addIssue({ code: 'custom', path: at(typeof f.when.is === 'string' ? 'is' : 'in'), message: `"is" and "in" compare with the options of a select or multiselect field; use "filled: true" for a ${String(other.type)} field` });
    else if (options)
      for (const [where, value] of named)
        if (!options.includes(value))
          ctx.addIssue({ code: 'custom', path: where === 'is' ? at('is') : at('in', where), message: `"${String(value)}" is not an option of "${target}": ${options.join(', ')}` });
    // Follow the chain from this field; coming back to it is a loop.
    const chain = [String(f.key)];
    for (let next: string | undefined = target; next !== undefined; ) {
      if (next === f.key) {
        ctx.addIssue({ code: 'custom', path: at('field'), message: `conditions loop: ${[...chain, next].join(' → ')}; such fields could never be shown` });
        break;
      }
      if (chain.includes(next)) break; // a loop further on, reported at its own fields
      chain.push(next);
      const nextField = byKey.get(next);
      next = nextField ? dependsOn(nextField) : undefined;
    }
  });
}

const fieldList = z
  .array(fieldSchema)
  .max(40)
  .superRefine(
    (fields: unknown[], ctx) => {
      const seen = new Set<string>();
      fields.forEach((f, i) => {
        if (!isRecord(f) || typeof f.key !== 'string') return;
        if (seen.has(f.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate field key "${f.key}"` });
        seen.add(f.key);
      });
      checkConditions(fields, ctx);
    },
    { when: (payload) => Array.isArray(payload.value) },
  );

export const teamSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(75),
    channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel ID such as C0123ABCD'),
    members: z.array(userId).optional(),
    usergroup: z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group ID such as S0123ABCD').optional(),
    leads: z.array(userId).default([]),
    timezone: z.string().refine(isValidTimezone, 'not an IANA timezone (e.g. Europe/Berlin)').default('UTC'),
    hours: z
      .strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1), start: clockTime, end: clockTime })
      .refine((h) => h.start < h.end, { message: 'start must be before end (overnight shifts are not supported)', path: ['end'] })
      .optional(),
    holidays: z.array(isoDate).default([]),
    assign: assignMode.default('queue'),
    /** Business time an offer waits for its person before it moves on. */
    offer: duration.default('30m'),
  })
  .superRefine((t: Record<string, unknown>, ctx) => {
    if (t.members === undefined && t.usergroup === undefined)
      ctx.addIssue({ code: 'custom', path: ['members'], message: 'give the team "members" or a "usergroup"' });
  }, whenObject);

export const handoffTypeSchema = z.strictObject({
  name: z.string().trim().min(1).max(75),
  description: z.string().max(2000).optional(),
  from: key.optional(),
  to: key,
  fields: fieldList.min(1),
  sla: z
    .strictObject({ accept: duration.optional(), complete: duration.optional(), approve: duration.optional(), escalate: z.array(escalateStep).min(1).max(10).optional() })
    .default({}),
  approval: approvalSchema.optional(),
  completion: z.strictObject({ fields: fieldList.default([]) }).default({ fields: [] }),
  next: key.optional(),
  nudge: z.strictObject({ every: duration.default('1d') }).default({ every: '1d' }),
  /** Overrides the receiving team's `assign` and `offer` for this type. */
  assign: assignMode.optional(),
  offer: duration.optional(),
});

/** Words `/handoff` takes as subcommands. */
export const RESERVED_TYPE_KEYS = ['help', 'mine', 'stalled', 'stats', 'insights', 'away', 'back'];

/** Event names a webhook can subscribe to; `*` is every one. */
export const WEBHOOK_EVENTS = ['created', 'accepted', 'returned', 'resubmitted', 'done', 'reassigned', 'released', 'cancelled', 'snoozed', 'nudged', 'offered', 'passed', 'offer_expired', 'offers_exhausted', 'approved', 'declined'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Secrets shorter than this are refused: 32 random characters cannot be guessed or brute-forced offline. */
export const MIN_SECRET_LENGTH = 32;

/**
 * The words the example file (and most tutorials) put where a secret goes. A copied example would
 * otherwise run with a token everyone who read it knows.
 */
const PLACEHOLDER = /^(replace|change|your|insert|put|enter|set)[-_ ]?(me|with|this|here|your)|changeme|placeholder|example|x{8,}/i;
const MIN_DISTINCT_CHARACTERS = 10;

/** A secret for signing or authenticating: long, not a placeholder, not one character repeated. */
function secret(what: string) {
  const advice = `generate one, e.g. \`openssl rand -hex 32\``;
  return z
    .string()
    .min(MIN_SECRET_LENGTH, `use a random ${what} of at least ${MIN_SECRET_LENGTH} characters; ${advice}`)
    .refine((s) => !PLACEHOLDER.test(s), `this ${what} is a placeholder from an example; ${advice}`)
    .refine((s) => new Set(s).size >= MIN_DISTINCT_CHARACTERS, `this ${what} is not random (too few different characters); ${advice}`);
}

function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

export const webhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    // fetch refuses such URLs, so every delivery would fail and be retried forever, logging the password.
    .refine((u) => !hasUserInfo(u), 'remove the "user:password@" part: credentials in the URL are refused; the receiver checks the signature (or put a token in the query string)'),
  events: z.array(z.enum([...WEBHOOK_EVENTS, '*'])).min(1),
  secret: secret('secret'),
});

/** What an API key may read with GET /api/handoffs/:id: only the handoffs it created, or every one. */
export const API_READ_SCOPES = ['own', 'all'] as const;

export const apiTokenSchema = z.strictObject({
  name: key,
  token: secret('token'),
  /** Handoff types it may create; omitted: every type. */
  types: z
    .array(key)
    .min(1, 'list at least one type, or leave "types" out to allow every type')
    .refine((t) => new Set(t).size === t.length, 'types must be distinct')
    .optional(),
  read: z.enum(API_READ_SCOPES).default('own'),
});

export const apiSchema = z.strictObject({
  tokens: z
    .array(apiTokenSchema)
    .default([])
    .refine((t) => new Set(t.map((x) => x.name)).size === t.length, 'token names must be distinct'),
  /** Handoffs one token may create per minute; more get 429 with Retry-After. */
  createsPerMinute: z.number().int().min(1).max(10_000).default(60),
  /** Slack messages and webhook deliveries of one token's handoffs that may wait unsent; more creates get 429 until they drain. */
  maxQueuedPerToken: z.number().int().min(1).max(100_000).default(200),
});

export const awaySchema = z.strictObject({
  /** Whether a vacation or sick Slack status counts as away, like `/handoff away`. */
  fromSlackStatus: z.boolean().default(false),
  /** Emoji (":palm_tree:") or words ("vacation") that make a status count as away, ignoring case. */
  statusWords: z
    .array(z.string().trim().min(1, 'a status word cannot be empty').max(100))
    .min(1, 'list at least one word, or leave "statusWords" out for the defaults')
    .max(100)
    .default([...DEFAULT_STATUS_WORDS]),
});

/**
 * An approval must name people who exist: a known team with leads, a sending team for "leads";
 * `sla.approve` and `approval.escalate` only make sense together with an approval.
 */
function checkApproval(t: Record<string, unknown>, at: (string | number)[], teams: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const sla = isRecord(t.sla) ? t.sla : {};
  const approval = isRecord(t.approval) ? t.approval : undefined;
  if (!approval) {
    if (sla.approve !== undefined) ctx.addIssue({ code: 'custom', path: [...at, 'sla', 'approve'], message: 'sla.approve needs an "approval" on this type' });
    return;
  }
  const from = typeof t.from === 'string' ? t.from : undefined;
  const leadsOf = (teamKey: string) => {
    const team = Object.hasOwn(teams, teamKey) ? teams[teamKey] : undefined;
    return isRecord(team) && Array.isArray(team.leads) ? team.leads : undefined;
  };
  const check = (to: unknown, path: (string | number)[], what: string) => {
    if (to === 'leads') {
      if (from === undefined) ctx.addIssue({ code: 'custom', path, message: `"leads" means the sending team's leads, but this type has no "from"; name the people or a { team: <key> }` });
      else if (leadsOf(from)?.length === 0) ctx.addIssue({ code: 'custom', path, message: `team "${from}" has no leads to ${what}` });
    } else if (isRecord(to) && typeof to.team === 'string') {
      const leads = leadsOf(to.team);
      if (leads === undefined) ctx.addIssue({ code: 'custom', path: [...path, 'team'], message: `unknown team "${to.team}"; teams are: ${Object.keys(teams).join(', ')}` });
      else if (leads.length === 0) ctx.addIssue({ code: 'custom', path: [...path, 'team'], message: `team "${to.team}" has no leads to ${what}` });
    }
  };
  check(approval.by, [...at, 'approval', 'by'], 'approve it');
  const steps = Array.isArray(approval.escalate) ? approval.escalate : [];
  steps.forEach((step: unknown, i) => {
    if (isRecord(step)) check(step.to, [...at, 'approval', 'escalate', i, 'to'], 'escalate to');
  });
  if (steps.length > 0 && sla.approve === undefined)
    ctx.addIssue({ code: 'custom', path: [...at, 'approval', 'escalate'], message: 'escalation steps count from the time to approve: set sla.approve' });
}

export const workflowSchema = z
  .strictObject({
    teams: z.record(key, teamSchema).refine((t) => Object.keys(t).length > 0, 'define at least one team'),
    handoffTypes: z
      .record(key, handoffTypeSchema)
      .refine((t) => Object.keys(t).length > 0, 'define at least one handoff type')
      // `/handoff <word>` reads these words as subcommands, so a type by that name could never be opened.
      .refine((t) => !Object.keys(t).some((k) => RESERVED_TYPE_KEYS.includes(k)), `${RESERVED_TYPE_KEYS.join(', ')} are /handoff subcommands and cannot be type keys`),
    digest: z
      .strictObject({
        time: clockTime.default('09:00'),
        days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
      })
      .default({ time: '09:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    webhooks: z.array(webhookSchema).default([]),
    api: apiSchema.default({ tokens: [], createsPerMinute: 60, maxQueuedPerToken: 200 }),
    away: awaySchema.default({ fromSlackStatus: false, statusWords: [...DEFAULT_STATUS_WORDS] }),
  })
  .superRefine(
    (cfg: Record<string, unknown>, ctx) => {
      const teams = isRecord(cfg.teams) ? cfg.teams : {};
      const types = isRecord(cfg.handoffTypes) ? cfg.handoffTypes : {};
      const has = (record: Record<string, unknown>, key: unknown) => typeof key === 'string' && Object.hasOwn(record, key);
      for (const [typeKey, t] of Object.entries(types)) {
        if (!isRecord(t)) continue;
        for (const ref of ['from', 'to'] as const) {
          const team = t[ref];
          if (typeof team === 'string' && !has(teams, team))
            ctx.addIssue({
              code: 'custom',
              path: ['handoffTypes', typeKey, ref],
              message: `unknown team "${team}"; teams are: ${Object.keys(teams).join(', ')}`,
            });
        }
        const steps = isRecord(t.sla) && Array.isArray(t.sla.escalate) ? t.sla.escalate : [];
        steps.forEach((step: unknown, i) => {
          const team = isRecord(step) && isRecord(step.to) ? step.to.team : undefined;
          if (typeof team === 'string' && !has(teams, team))
            ctx.addIssue({ code: 'custom', path: ['handoffTypes', typeKey, 'sla', 'escalate', i, 'to', 'team'], message: `unknown team "${team}"; teams are: ${Object.keys(teams).join(', ')}` });
        });
        checkApproval(t, ['handoffTypes', typeKey], teams, ctx);
        const next = t.next;
        if (typeof next !== 'string') continue;
        const path = ['handoffTypes', typeKey, 'next'];
        if (next === typeKey) ctx.addIssue({ code: 'custom', path, message: 'a type cannot start itself' });
        else if (!has(types, next)) ctx.addIssue({ code: 'custom', path, message: `unknown handoff type "${next}"` });
        else {
          // The next handoff is started as whoever completed this one, a member of this type's
          // receiving team; if it is not complete, that person is asked to start it by hand.
          const nextType = types[next];
          const nextFrom = isRecord(nextType) ? nextType.from : undefined;
          if (typeof nextFrom === 'string' && typeof t.to === 'string' && has(teams, t.to) && nextFrom !== t.to)
            ctx.addIssue({
              code: 'custom',
              path,
              message: `"${next}" can only be started by team "${nextFrom}", but this type is completed by team "${t.to}"`,
            });
        }
      }
      const api = isRecord(cfg.api) ? cfg.api : {};
      const tokens = Array.isArray(api.tokens) ? api.tokens : [];
      tokens.forEach((token: unknown, i) => {
        const allowed = isRecord(token) && Array.isArray(token.types) ? token.types : [];
        allowed.forEach((typeKey: unknown, j) => {
          if (typeof typeKey === 'string' && !has(types, typeKey))
            ctx.addIssue({ code: 'custom', path: ['api', 'tokens', i, 'types', j], message: `unknown handoff type "${typeKey}"; types are: ${Object.keys(types).join(', ')}` });
        });
      });
    },
    { when: (payload) => isRecord(payload.value) && isRecord(payload.value.teams) && isRecord(payload.value.handoffTypes) },
  );

export type WorkflowConfig = z.output<typeof workflowSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type HandoffTypeConfig = z.output<typeof handoffTypeSchema>;
export type FieldConfig = z.output<typeof fieldSchema>;
export type FieldType = (typeof FIELD_TYPES)[number];
export type EscalationStep = z.output<typeof escalateStep>;
export type ApprovalConfig = z.output<typeof approvalSchema>;
export type PeopleConfig = z.output<typeof people>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type AwayConfig = z.output<typeof awaySchema>;
export type ApiTokenConfig = z.output<typeof apiTokenSchema>;
