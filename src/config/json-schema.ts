import { z } from 'zod';
import { workflowSchema } from './workflow-schema.js';

/**
 * The duration syntax of `isValidDuration` as a JSON Schema pattern, so editors flag "4 hours".
 * The zod schema checks durations with a refinement, which JSON Schema cannot carry; a test keeps
 * the two in agreement.
 */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*[mhdMHD]\\s*$';

const DURATION_HELP = 'A number and a unit: "30m", "4h" or "2d", in the receiving team\'s business time.';

/**
 * Editor hover text for every key, by path: `*` is any team or handoff type key, and every entry
 * of `fields` or `completion.fields` is described under `field.`. A test fails when a key of the
 * schema has no description here, or when an entry here matches no key.
 */
export const CONFIG_KEY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  teams: 'The teams that send and receive handoffs, by key (lowercase letters, digits, "-" and "_").',
  'teams.*.name': 'Display name of the team.',
  'teams.*.channel': 'Channel ID (C… or G…) where handoffs to this team are posted. A private channel needs the bot invited.',
  'teams.*.members': 'User IDs (U…) of the people who may accept this team\'s handoffs. Give this or "usergroup".',
  'teams.*.usergroup': 'User group ID (S…) whose members make up the team, resolved through Slack. Give this or "members".',
  'teams.*.leads': 'User IDs of the leads: they get escalations and the digest, may accept, and may assign handoffs.',
  'teams.*.timezone': 'IANA timezone of the team\'s business hours, e.g. "Europe/Berlin". Default: UTC.',
  'teams.*.hours': 'Business hours for SLAs. Omitted: the team works round the clock and a day ("1d") is 24 hours.',
  'teams.*.hours.days': 'Working days: mon, tue, wed, thu, fri, sat, sun.',
  'teams.*.hours.start': 'Opening time, 24-hour "HH:MM" in the team\'s timezone.',
  'teams.*.hours.end': 'Closing time, 24-hour "HH:MM", after start (overnight shifts are not supported).',
  'teams.*.holidays': 'Dates ("YYYY-MM-DD", the team\'s timezone) with no business time.',
  'teams.*.assign':
    'How new, released and resubmitted handoffs find a person: "queue" (default) leaves them for anyone on the team; "round-robin" offers each to the next member in turn; "least-loaded" to the member who owns the fewest open and accepted handoffs. An offer is not ownership: the person accepts or passes, and anyone on the team may still accept.',
  'teams.*.offer': `How long an offer waits for its person before it moves to the next member. Default: "30m". ${DURATION_HELP}`,
  handoffTypes: 'The kinds of handoff people can start, by key; "/handoff <key>" opens that form.',
  'handoffTypes.*.name': 'Name shown in the type picker and on every handoff of this type.',
  'handoffTypes.*.description': 'Shown at the top of the form, and in the type picker (first 75 characters).',
  'handoffTypes.*.from': 'Key of the team whose members and leads may start it. Omitted: anyone may.',
  'handoffTypes.*.to': 'Key of the receiving team; whoever of it accepts the handoff becomes its owner.',
  'handoffTypes.*.fields': 'The form the requester fills in (at most 40 fields).',
  'handoffTypes.*.sla': 'Service levels, counted in the receiving team\'s business time.',
  'handoffTypes.*.sla.accept': `Time from submission to acceptance. ${DURATION_HELP}`,
  'handoffTypes.*.sla.complete': `Time from acceptance to done. ${DURATION_HELP}`,
  'handoffTypes.*.sla.escalate':
    'Escalation in steps when the time to accept or to complete runs out: each step DMs its people once per SLA. Omitted: the leads are told when the SLA has passed.',
  'handoffTypes.*.sla.escalate[].after':
    'When the step fires, counted from when the SLA started: a share of the SLA ("100%" when it is due, "200%" twice as late) or a business-time duration ("2h").',
  'handoffTypes.*.sla.escalate[].to': 'Who hears: "leads" (the receiving team\'s), a list of user IDs, or { team: <key> } for another team\'s leads.',
  'handoffTypes.*.sla.escalate[].to.team': 'Key of the team whose leads hear about it.',
  'handoffTypes.*.sla.approve': `Time from submission to approval, on the approving team's clock (the { team } that approves, else the sending team). Needs "approval". ${DURATION_HELP}`,
  'handoffTypes.*.approval':
    'Approval before the receiving team sees a handoff: its approvers get a DM with Approve and Decline; approved, it is posted and its time to accept starts.',
  'handoffTypes.*.approval.by': 'Who approves: "leads" (the sending team\'s), a list of user IDs, or { team: <key> } for that team\'s leads. Never the requester.',
  'handoffTypes.*.approval.by.team': 'Key of the team whose leads approve.',
  'handoffTypes.*.approval.escalate': 'Escalation in steps while it waits for approval, counted from the request like sla.escalate; needs sla.approve.',
  'handoffTypes.*.approval.escalate[].after': 'When the step fires: a share of sla.approve ("150%") or a business-time duration ("3h").',
  'handoffTypes.*.approval.escalate[].to': 'Who hears: "leads" (the sending team\'s), a list of user IDs, or { team: <key> } for that team\'s leads.',
  'handoffTypes.*.approval.escalate[].to.team': 'Key of the team whose leads hear about it.',
  'handoffTypes.*.completion': 'What the owner must provide to mark the handoff done.',
  'handoffTypes.*.completion.fields': 'Fields the owner fills in when completing.',
  'handoffTypes.*.next': 'Key of the handoff type started, prefilled from matching field keys, when this one is done.',
  'handoffTypes.*.nudge': 'Reminders for handoffs that stall.',
  'handoffTypes.*.assign': 'Overrides the receiving team\'s "assign" for this type: queue, round-robin or least-loaded.',
  'handoffTypes.*.offer': `Overrides the receiving team's "offer" for this type. ${DURATION_HELP}`,
  'handoffTypes.*.nudge.every': `How often the owner of a stalled handoff is reminded. Default: "1d". ${DURATION_HELP}`,
  digest: 'The daily stall digest: one DM per person with stalled handoffs (owned, waited on, or of a team they lead).',
  'digest.time': 'When the digest is sent, 24-hour "HH:MM" in each recipient\'s own Slack timezone. Default: "09:00".',
  'digest.days': 'Weekdays (in the recipient\'s timezone) on which the digest is sent. Default: mon–fri.',
  webhooks: 'Outgoing webhooks: every event of a handoff\'s history, POSTed as signed JSON to each subscribed URL.',
  'webhooks[].url': 'Where to POST (http or https; no "user:password@").',
  'webhooks[].events': 'Which events: created, accepted, returned, resubmitted, done, reassigned, released, cancelled, snoozed, nudged, offered, passed, offer_expired, offers_exhausted, or "*" for all.',
  'webhooks[].secret': 'Shared secret for the X-Handoff-Signature HMAC-SHA256 header (at least 32 random characters, not a placeholder).',
  api: 'The incoming HTTP API (POST /api/handoffs, GET /api/handoffs/:id).',
  'api.tokens': 'Bearer tokens that may call the API, each with a name shown in the history as the caller.',
  'api.tokens[].name': 'A name for the caller, e.g. "shop".',
  'api.tokens[].token': 'The bearer token itself (at least 32 random characters, not a placeholder); keep this file private when you set one.',
  'api.tokens[].types': 'Keys of the handoff types this token may create; any other type is refused with 403. Omitted: every type.',
  'api.createsPerMinute': 'How many handoffs one token may create per minute (default 60); more get 429 with Retry-After.',
  'api.maxQueuedPerToken': "How many Slack messages and webhook deliveries of one token's handoffs may wait unsent (default 200); while more wait, its creates get 429, so one caller cannot delay every team's posts.",
  'api.tokens[].read': 'Which handoffs GET /api/handoffs/:id shows: "own" (default), only those this token created; "all", every handoff.',
  away: 'Who counts as away besides those who said so with "/handoff away": away people get no offers, and their reminders and escalations go to their backup or their leads.',
  'away.fromSlackStatus':
    'Whether a Slack status from "statusWords" counts as away (default false). The bot reads the statuses of the teams\' members and leads with users.profile.get (scope users.profile:read) at most every 15 minutes per person; the absence lasts until the status expires, else until it changes. A "/handoff away" wins over a status.',
  'away.statusWords':
    'What makes a status count as away, ignoring case: an emoji that equals the status emoji (":palm_tree:"), or a word or phrase that stands as a whole word in the status text ("vacation"). Default: ":palm_tree:", ":face_with_thermometer:", ":airplane:", "OOO", "vacation", "out of office", "sick".',
  'field.key': 'Stable key (lowercase letters, digits, "_"): values carry over to the next type by key.',
  'field.label': 'Label shown above the input.',
  'field.type': 'Input kind: text, longtext, number, date, select, multiselect, user, channel, url, email or file.',
  'field.required': 'Whether the form can be submitted without it. Default: false.',
  'field.hint': 'Help text shown under the input.',
  'field.placeholder': 'Grey text shown in the empty input (at most 150 characters).',
  'field.pattern': 'A regular expression (JavaScript, unicode mode) the value must match: text, longtext, url and email fields.',
  'field.patternMessage': 'The error shown when the value does not match "pattern".',
  'field.unique': 'Refuse a value already used by an unfinished handoff of the same type. Default: false.',
  'field.options': 'The choices of a select or multiselect field (at most 100, each at most 75 characters).',
  'field.min': 'Smallest allowed value of a number field.',
  'field.max': 'Largest allowed value of a number field.',
  'field.when': 'Show the field (and require it, if required) only while another field of the same form has a value: { field, is } | { field, in } | { field, filled: true }. Conditions may chain but not loop.',
  'field.when.field': 'Key of the field this one depends on: a select, multiselect, user, channel or date field of the same form.',
  'field.when.is': 'Shown while that field is this option (for a multiselect: while this option is among those picked).',
  'field.when.in': 'Shown while that field is any of these options.',
  'field.when.filled': 'true: shown while that field has any value.',
  'field.filetypes': 'A file field\'s accepted extensions, lowercase without the dot, e.g. [pdf, png]. Omitted: any file.',
  'field.maxFiles': 'Most files a file field takes, 1 to 10. Default: 10.',
  'field.maxLength': 'Most characters allowed (at most 3000). Defaults: text 250, longtext 3000, url 2000, email 254.',
};

const DURATION_KEYS = new Set(['handoffTypes.*.sla.accept', 'handoffTypes.*.sla.complete', 'handoffTypes.*.nudge.every', 'teams.*.offer', 'handoffTypes.*.offer']);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks object properties, record values (`*`) and array items, naming each key by its path. */
function visitKeys(node: unknown, path: string, visit: (path: string, schema: JsonObject) => void): void {
  if (!isObject(node)) return;
  // Both field lists share one description set, so their entries are named `field`.
  const base = path.endsWith('fields[]') ? 'field' : path;
  if (isObject(node.properties))
    for (const [key, child] of Object.entries(node.properties)) {
      const childPath = base ? `${base}.${key}` : key;
      if (isObject(child)) visit(childPath, child);
      visitKeys(child, childPath, visit);
    }
  if (isObject(node.additionalProperties)) visitKeys(node.additionalProperties, `${path}.*`, visit);
  if (isObject(node.items)) visitKeys(node.items, `${path}[]`, visit);
  // A key with several shapes (e.g. an escalation's `to`): the keys of each shape sit under its path.
  for (const option of Array.isArray(node.anyOf) ? node.anyOf : []) visitKeys(option, path, visit);
}

/** Every key path of a generated schema, in the notation of {@link CONFIG_KEY_DESCRIPTIONS}. */
export function listConfigKeyPaths(schema: object): string[] {
  const paths = new Set<string>();
  visitKeys(schema, '', (path) => paths.add(path));
  return [...paths];
}

/**
 * The JSON Schema (draft-07) of the workflow file, generated from the zod schema, for editors and
 * other tools. It describes the input: keys with defaults are optional. Checks that JSON Schema
 * cannot express (team and type references, valid regular expressions and timezones, duplicate
 * field keys) are only made by the bot and `handoff config check`.
 */
export function buildConfigJsonSchema(): object {
  // draft-07 rather than zod's default 2020-12: the YAML language server behind most editors'
  // YAML support only implements draft-07.
  const generated = z.toJSONSchema(workflowSchema, { io: 'input', unrepresentable: 'any', target: 'draft-07' }) as JsonObject;
  visitKeys(generated, '', (path, schema) => {
    const description = CONFIG_KEY_DESCRIPTIONS[path];
    if (description !== undefined) schema.description = description;
    if (DURATION_KEYS.has(path)) schema.pattern = DURATION_PATTERN;
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'Handoff workflow configuration',
    description:
      'Teams and handoff types of the Handoff Slack bot (handoff.config.yaml). The bot checks more than this schema can express: run `npx handoff config check`.',
    ...rest,
  };
}

/** The exact text of handoff.config.schema.json, so every writer of the file produces the same bytes. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}
