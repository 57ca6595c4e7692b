import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HandoffRepo } from '../db/handoff-repo.js';
import type { EventRow, HandoffRow } from '../db/schema.js';
import { isDomainError } from '../domain/errors.js';
import { publicEventName } from '../domain/event-names.js';
import { type FileRef, isFileRef, type RawFieldInput } from '../domain/fields.js';
import type { FileDirectory } from '../domain/ports.js';
import type { HandoffService } from '../services/handoff-service.js';
import { tooMany, WindowCounter } from './limits.js';
import type { Answer as RouteResponse, Route, RouteRequest } from './routes.js';
import type { IncomingHttpHeaders } from 'node:http';
import { type ApiTokenConfig, type HandoffTypeConfig, MAX_FILES, type WorkflowConfig } from '../config/workflow-schema.js';

const BODY_LIMIT = 64 * 1024;

const createBody = z.strictObject({
  type: z.string().min(1),
  requester: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected the Slack user ID of the person handing off'),
  fields: z.record(z.string(), z.unknown()).default({}),
});

/** A handoff as the API and webhooks show it. */
export function toApiHandoff(h: HandoffRow) {
  return {
    id: h.id,
    type: h.typeKey,
    state: h.state,
    title: h.title,
    requester: h.requesterId,
    owner: h.ownerId,
    fromTeam: h.fromTeam,
    toTeam: h.toTeam,
    fields: h.fields,
    completion: h.completion,
    createdAt: h.createdAt.toISOString(),
    updatedAt: h.updatedAt.toISOString(),
    acceptedAt: h.acceptedAt?.toISOString() ?? null,
    closedAt: h.closedAt?.toISOString() ?? null,
    acceptDueAt: h.acceptDueAt?.toISOString() ?? null,
    completeDueAt: h.completeDueAt?.toISOString() ?? null,
    parentId: h.parentId,
    url: h.permalink,
  };
}

export function toApiEvent(e: EventRow) {
  return { id: e.id, type: publicEventName(e.type), actor: e.actorId, at: e.at.toISOString(), from: e.fromState, to: e.toState, data: e.data };
}

/** JSON values → what a form would have delivered, so the API and the modal share one validation. */
function toRawInput(fields: Record<string, unknown>): { raw: Record<string, RawFieldInput>; errors: Record<string, string> } {
  // No prototype: a field named `__proto__` stays an unknown field and never replaces the object's prototype.
  const raw: Record<string, RawFieldInput> = Object.create(null);
  const errors: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) raw[key] = null;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') raw[key] = String(value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) raw[key] = value as string[];
    else errors[key] = 'Expected a string, a number, or a list of strings.';
  }
  return { raw, errors };
}

const json = (status: number, body: unknown): RouteResponse => ({ status, body });

const FILE_ID = /^F[A-Z0-9]{2,}$/;

/**
 * A file field takes ids of files already in Slack (`["F0123ABCD"]`): each is looked up so the
 * handoff stores its name and link like a file attached in the form. Ids that are malformed, too
 * many, or unknown to Slack are field errors; nothing is looked up for them.
 */
async function resolveFileIds(type: HandoffTypeConfig, raw: Record<string, RawFieldInput>, files: FileDirectory): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  await Promise.all(
    type.fields
      .filter((f) => f.type === 'file' && Object.hasOwn(raw, f.key) && raw[f.key] !== null)
      .map(async (field) => {
        const input = raw[field.key];
        const ids = Array.isArray(input) ? input : [input];
        if (!ids.every((id): id is string => typeof id === 'string' && FILE_ID.test(id))) {
          errors[field.key] = 'Expected a list of Slack file IDs such as "F0123ABCD".';
          return;
        }
        const max = field.maxFiles ?? MAX_FILES;
        if (ids.length > max) {
          errors[field.key] = `Attach at most ${max} file${max === 1 ? '' : 's'}.`;
          return;
        }
        const found = await Promise.all([...new Set(ids)].map(async (id) => [id, await files.find(id)] as const));
        const unknown = found.filter(([, f]) => !f || !isFileRef(f)).map(([id]) => id);
        if (unknown.length) errors[field.key] = `No file ${unknown.join(', ')} in Slack that the bot can see.`;
        else raw[field.key] = found.map(([, f]) => f as FileRef);
      }),
  );
  return errors;
}

/** JSON with every object's keys sorted, so the same request in another key order or spacing reads the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** What an Idempotency-Key is stored with: the sha256 of the request as parsed, in canonical JSON. */
export function hashRequest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * The incoming API: another system starts a handoff with the same validation, duplicate refusal,
 * post and ownership flow as the form. Authenticated with bearer tokens from the config.
 */
export function buildApiRoutes(deps: {
  config: WorkflowConfig;
  service: HandoffService;
  repo: HandoffRepo;
  /** Unsent outbox entries of the handoffs a caller created (`api:<name>`). */
  pendingFor: (via: string) => Promise<number>;
  /** Looks up the files a file field names by id. */
  files: FileDirectory;
  now?: () => number;
}): Route[] {
  const creates = new WindowCounter(deps.config.api.createsPerMinute, 60_000, deps.now);
  const tokens = deps.config.api.tokens.map((t) => ({ config: t, digest: createHash('sha256').update(t.token).digest() }));
  const caller = (headers: IncomingHttpHeaders): ApiTokenConfig | null => {
    const match = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''));
    if (!match) return null;
    const digest = createHash('sha256').update(match[1].trim()).digest();
    // Compare digests in constant time so a token cannot be guessed byte by byte.
    return tokens.find((t) => timingSafeEqual(t.digest, digest))?.config ?? null;
  };
  const unauthorized = json(401, { ok: false, error: 'not_authed' });
  // Before the body is read: a request without a valid key costs no memory for its body.
  const authenticate = (headers: IncomingHttpHeaders) => caller(headers)?.name ?? unauthorized;
  const tokenOf = (req: RouteRequest): ApiTokenConfig => tokens.find((t) => t.config.name === req.caller)?.config as ApiTokenConfig;
  /** Whether a token may read a handoff: with `read: all` any, else the ones it created (its first event names the token). */
  const mayRead = (token: ApiTokenConfig, events: readonly EventRow[]) => token.read === 'all' || events[0]?.data.via === `api:${token.name}`;

  return [
    {
      method: 'POST',
      path: '/api/handoffs',
      bodyLimit: BODY_LIMIT,
      authenticate,
      async handle(req, body) {
        const token = tokenOf(req);
        const name = token.name;
        // One caller must not queue so much that every team's posts wait behind it.
        const wait = creates.hit(name);
        if (wait !== null) return tooMany(wait, 'rate_limited', `The API key "${name}" may create ${deps.config.api.createsPerMinute} handoffs a minute.`);
        if ((await deps.pendingFor(`api:${name}`)) >= deps.config.api.maxQueuedPerToken)
          return tooMany(30, 'queue_full', `The handoffs of the API key "${name}" have ${deps.config.api.maxQueuedPerToken} or more Slack messages waiting to be sent; try again when they have gone out.`);
        let parsed: z.infer<typeof createBody>;
        try {
          parsed = createBody.parse(JSON.parse(body.toString('utf8')));
        } catch (error) {
          const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) : ['body: not JSON'];
          return json(400, { ok: false, error: 'invalid_request', details: detail });
        }
        if (token.types && !token.types.includes(parsed.type))
          return json(403, {
            ok: false,
            error: 'type_not_allowed',
            message: `The API key "${name}" may not create "${parsed.type}" handoffs; it may create ${token.types.map((t) => `"${t}"`).join(', ')}.`,
          });
        const { raw, errors } = toRawInput(parsed.fields);
        if (Object.keys(errors).length) return json(422, { ok: false, error: 'validation', errors });
        const key = req.headers['idempotency-key'];
        const submissionKey = typeof key === 'string' && key ? `api:${name}:${key}` : undefined;
        const submissionHash = submissionKey ? hashRequest(parsed) : undefined;
        // A key names one request. Handoffs stored before hashes were kept have none and replay as before.
        const reused = (h: HandoffRow) =>
          h.submissionHash !== null && h.submissionHash !== submissionHash
            ? json(422, {
                ok: false,
                error: 'idempotency_key_reused',
                message: `The Idempotency-Key "${String(key)}" was already used for handoff #${h.id} with a different request body. Use a new key for a new request.`,
              })
            : null;
        const replay = submissionKey ? await deps.repo.findBySubmissionKey(submissionKey) : null;
        if (replay) return reused(replay) ?? json(200, { ok: true, handoff: toApiHandoff(replay) });
        const type = deps.service.findType(parsed.type);
        const fileErrors = type ? await resolveFileIds(type, raw, deps.files) : {};
        if (Object.keys(fileErrors).length) return json(422, { ok: false, error: 'validation', message: 'Some fields need attention.', errors: fileErrors });
        try {
          const h = await deps.service.start({ typeKey: parsed.type, requesterId: parsed.requester, raw, submissionKey, submissionHash, via: `api:${name}` });
          // Another request with this key may have been stored between the lookup above and this one.
          return reused(h) ?? json(201, { ok: true, handoff: toApiHandoff(h) });
        } catch (error) {
          if (!isDomainError(error)) throw error;
          const status = { validation: 422, duplicate: 409, unknown_type: 422, forbidden: 403 }[error.code as string] ?? 400;
          return json(status, { ok: false, error: error.code, message: error.message, ...(Object.keys(error.fieldErrors).length ? { errors: error.fieldErrors } : {}) });
        }
      },
    },
    {
      method: 'GET',
      path: '/api/handoffs/:id',
      authenticate,
      async handle(req) {
        const token = tokenOf(req);
        const id = req.params.id;
        if (!/^\d+$/.test(id)) return json(404, { ok: false, error: 'not_found' });
        const h = await deps.repo.findById(Number(id));
        const events = h ? await deps.repo.listEvents(h.id) : [];
        // One answer whether it does not exist or is not this token's to read, so ids reveal nothing.
        if (!h || !mayRead(token, events))
          return json(404, { ok: false, error: 'not_found', message: `There is no handoff #${id} that the API key "${token.name}" may read.` });
        return json(200, { ok: true, handoff: toApiHandoff(h), events: events.map(toApiEvent) });
      },
    },
  ];
}
