import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CONFIG_KEY_DESCRIPTIONS, DURATION_PATTERN, buildConfigJsonSchema, listConfigKeyPaths, renderConfigJsonSchema } from '../../src/config/json-schema';
import { ConfigError, loadConfig, loadWorkflow, parseEnv, parseWorkflow } from '../../src/config/load-config';
import { isValidDuration } from '../../src/domain/business-clock';
import { loadSandboxWorkflow } from '../../src/sandbox/sandbox-workflow';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const examplePath = path.join(repoRoot, 'handoff.config.example.yaml');
const fixturePath = path.join(repoRoot, 'test', 'fixtures', 'handoff.config.yaml');
const schemaPath = path.join(repoRoot, 'handoff.config.schema.json');

type Json = Record<string, any>;
const fixture = (): Json => parseYaml(readFileSync(fixturePath, 'utf8'));

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

/** Problems of the fixture after `change` edits a copy of it. */
function problemsAfter(change: (cfg: Json) => void): readonly string[] {
  const cfg = fixture();
  change(cfg);
  return configError(() => parseWorkflow(stringifyYaml(cfg), 'test.yaml')).problems;
}

const pathOf = (problem: string) => problem.slice(0, problem.indexOf(': '));

describe('workflow config: valid files', () => {
  it('parses the example once its placeholder secrets are replaced (as the sandbox does)', () => {
    const cfg = loadSandboxWorkflow(examplePath);
    expect(Object.keys(cfg.teams)).toEqual(['sales', 'ops', 'fulfilment', 'support']);
    expect(Object.keys(cfg.handoffTypes)).toEqual(['order-to-ops', 'ops-to-fulfilment', 'support-to-fulfilment']);
    expect(cfg.teams.fulfilment.usergroup).toBe('S0FULFIL');
    expect(cfg.handoffTypes['order-to-ops'].next).toBe('ops-to-fulfilment');
  });

  it('shows every field type in the example', () => {
    const cfg = loadSandboxWorkflow(examplePath);
    const types = new Set(Object.values(cfg.handoffTypes).flatMap((t) => [...t.fields, ...t.completion.fields].map((f) => f.type)));
    expect([...types].sort()).toEqual(['channel', 'date', 'email', 'file', 'longtext', 'multiselect', 'number', 'select', 'text', 'url', 'user']);
  });

  it('parses the test fixture and fills in defaults', () => {
    const cfg = loadWorkflow(fixturePath);
    expect(cfg.teams.ops).toMatchObject({ channel: 'C0OPS', members: ['U0OPS1', 'U0OPS2', 'U0OPS3'], leads: ['U0OPSLEAD'], timezone: 'UTC', holidays: [] });
    expect(cfg.teams.ops.hours).toBeUndefined();
    expect(cfg.teams.fulfilment).toMatchObject({ usergroup: 'S0FUL', leads: ['U0FULLEAD'], timezone: 'UTC' });
    expect(cfg.teams.fulfilment.members).toBeUndefined();
    const order = cfg.handoffTypes['order-to-ops'];
    expect(order.fields.map((f) => f.key)).toEqual(['order_id', 'customer', 'ship_by', 'priority', 'quantity', 'notes']);
    expect(order.fields[0]).toMatchObject({ required: true, unique: true, pattern: '^[A-Z]{2}-[0-9]{4,}$' });
    expect(order.fields[5]).toMatchObject({ required: false, unique: false });
    expect(order.sla).toEqual({ accept: '4h', complete: '2d' });
    expect(order.completion.fields).toEqual([{ key: 'tracking', label: 'Tracking number', type: 'text', required: true, unique: false }]);
    expect(order.nudge).toEqual({ every: '1d' });
    expect(cfg.handoffTypes['anything-to-ops'].from).toBeUndefined();
    expect(cfg.handoffTypes['anything-to-ops'].sla).toEqual({});
    expect(cfg.digest).toEqual({ time: '09:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
  });

  it('gives an API token every type and only its own handoffs to read unless it says otherwise', () => {
    const token = 'k7Qe2Rw9Zt4Yp1Lm8Nx3Vb6Hc5Jd0GsA';
    const cfg = parseWorkflow(`${readFileSync(fixturePath, 'utf8')}\napi:\n  tokens:\n    - { name: shop, token: ${token} }\n`, 'fixture');
    expect(cfg.api.tokens).toEqual([{ name: 'shop', token, read: 'own' }]);
    expect(cfg.api).toMatchObject({ createsPerMinute: 60, maxQueuedPerToken: 200 });
  });

  it('keeps teams and types without a prototype, so an inherited name is never a team or a type', () => {
    const cfg = loadWorkflow(fixturePath);
    expect(cfg.handoffTypes.constructor).toBeUndefined();
    expect(cfg.teams.toString).toBeUndefined();
    expect(Object.keys(cfg.teams)).toEqual(['sales', 'ops', 'fulfilment']);
  });

  it('returns a frozen object, so no caller can change the config another one reads', () => {
    const cfg = loadWorkflow(fixturePath);
    expect(Object.isFrozen(cfg.handoffTypes['order-to-ops'].fields[0])).toBe(true);
    expect(() => {
      (cfg.teams.ops.leads as string[]).push('U0EVIL');
    }).toThrow(TypeError);
  });
});

describe('workflow config: every problem is reported by path', () => {
  const cases: Array<[string, (cfg: Json) => void, string, string]> = [
    ['an unknown field type', (c) => { c.handoffTypes['order-to-ops'].fields[0].type = 'dropdown'; }, 'handoffTypes.order-to-ops.fields[0].type', 'expected one of'],
    ['a select without options', (c) => { delete c.handoffTypes['order-to-ops'].fields[3].options; }, 'handoffTypes.order-to-ops.fields[3].options', 'a select field needs options'],
    ['options on a text field', (c) => { c.handoffTypes['order-to-ops'].fields[1].options = ['A']; }, 'handoffTypes.order-to-ops.fields[1].options', 'only apply to select'],
    ['"to" naming an unknown team', (c) => { c.handoffTypes['order-to-ops'].to = 'opps'; }, 'handoffTypes.order-to-ops.to', 'unknown team "opps"; teams are: sales, ops, fulfilment'],
    ['"to" naming an inherited property', (c) => { c.handoffTypes['order-to-ops'].to = 'constructor'; }, 'handoffTypes.order-to-ops.to', 'unknown team "constructor"'],
    ['"from" naming an unknown team', (c) => { c.handoffTypes['order-to-ops'].from = 'marketing'; }, 'handoffTypes.order-to-ops.from', 'unknown team "marketing"'],
    ['"next" naming an unknown type', (c) => { c.handoffTypes['order-to-ops'].next = 'ops-to-shipping'; }, 'handoffTypes.order-to-ops.next', 'unknown handoff type "ops-to-shipping"'],
    ['"next" naming the type itself', (c) => { c.handoffTypes['order-to-ops'].next = 'order-to-ops'; }, 'handoffTypes.order-to-ops.next', 'cannot start itself'],
    ['"next" that the completing team may not start', (c) => { c.handoffTypes['order-to-ops'].to = 'fulfilment'; }, 'handoffTypes.order-to-ops.next', 'can only be started by team "ops"'],
    ['a duration written out', (c) => { c.handoffTypes['order-to-ops'].sla.accept = '4 hours'; }, 'handoffTypes.order-to-ops.sla.accept', 'expected a duration'],
    ['a bad nudge interval', (c) => { c.handoffTypes['order-to-ops'].nudge = { every: 'daily' }; }, 'handoffTypes.order-to-ops.nudge.every', 'expected a duration'],
    ['an unknown timezone', (c) => { c.teams.ops.timezone = 'Europe/Atlantis'; }, 'teams.ops.timezone', 'not an IANA timezone'],
    ['hours that start after they end', (c) => { c.teams.ops.hours = { days: ['mon'], start: '17:00', end: '09:00' }; }, 'teams.ops.hours.end', 'start must be before end'],
    ['a 12-hour clock time', (c) => { c.teams.ops.hours = { days: ['mon'], start: '9am', end: '17:00' }; }, 'teams.ops.hours.start', 'HH:MM'],
    ['a holiday that is not a calendar date', (c) => { c.teams.ops.holidays = ['2026-02-30']; }, 'teams.ops.holidays[0]', 'not a calendar date'],
    ['a team with neither members nor usergroup', (c) => { delete c.teams.sales.members; }, 'teams.sales.members', 'give the team "members" or a "usergroup"'],
    ['a user name instead of an ID', (c) => { c.teams.sales.leads = ['@alice']; }, 'teams.sales.leads[0]', 'Slack user ID'],
    ['a channel name instead of an ID', (c) => { c.teams.ops.channel = '#ops'; }, 'teams.ops.channel', 'Slack channel ID'],
    ['duplicate field keys', (c) => { c.handoffTypes['order-to-ops'].fields[2].key = 'order_id'; }, 'handoffTypes.order-to-ops.fields[2].key', 'duplicate field key "order_id"'],
    ['an invalid regex pattern', (c) => { c.handoffTypes['order-to-ops'].fields[0].pattern = '^[A-Z{2}-(0-9'; }, 'handoffTypes.order-to-ops.fields[0].pattern', 'not a valid regular expression'],
    ['a misspelt key', (c) => { const t = c.handoffTypes['order-to-ops']; t.feilds = t.fields; delete t.fields; }, 'handoffTypes.order-to-ops', '"feilds"'],
    ['an unknown top-level key', (c) => { c.webhook = []; }, '', '"webhook"'],
    ['a type key with capitals', (c) => { c.handoffTypes.OrderToOps = c.handoffTypes['anything-to-ops']; }, 'handoffTypes.OrderToOps', 'lowercase'],
    ['no handoff types', (c) => { c.handoffTypes = {}; }, 'handoffTypes', 'define at least one handoff type'],
    ['a type key that is a /handoff subcommand', (c) => { c.handoffTypes.stats = c.handoffTypes['anything-to-ops']; }, 'handoffTypes', 'subcommands'],
    ['a field key that reads Object.prototype', (c) => { c.handoffTypes['anything-to-ops'].fields[0].key = 'constructor'; }, 'handoffTypes.anything-to-ops.fields[0].key', 'reserved'],
    ['an API token naming an unknown type', (c) => { c.api = { tokens: [{ name: 'shop', token: 'x'.repeat(24), types: ['order-to-ops', 'order-to-opps'] }] }; }, 'api.tokens[0].types[1]', 'unknown handoff type "order-to-opps"'],
    ['an API token naming an inherited property as its type', (c) => { c.api = { tokens: [{ name: 'shop', token: 'x'.repeat(24), types: ['constructor'] }] }; }, 'api.tokens[0].types[0]', 'unknown handoff type "constructor"'],
    ['an API token allowed no types at all', (c) => { c.api = { tokens: [{ name: 'shop', token: 'x'.repeat(24), types: [] }] }; }, 'api.tokens[0].types', 'leave "types" out'],
    ['a condition on an unknown field', (c) => { c.handoffTypes['order-to-ops'].fields[5].when = { field: 'prio', is: 'Urgent' }; }, 'handoffTypes.order-to-ops.fields[5].when.field', 'unknown field "prio"; fields of this form are: order_id'],
    ['conditions that loop', (c) => { const f = c.handoffTypes['anything-to-ops'].fields; f[4].when = { field: 'where', filled: true }; f[5].when = { field: 'person', filled: true }; }, 'handoffTypes.anything-to-ops.fields[4].when.field', 'conditions loop: person → where → person'],
    ['conditions that loop through three fields', (c) => { const f = c.handoffTypes['anything-to-ops'].fields; f[3].when = { field: 'person', filled: true }; f[4].when = { field: 'where', filled: true }; f[5].when = { field: 'areas', in: ['Billing'] }; }, 'handoffTypes.anything-to-ops.fields[5].when.field', 'conditions loop: where → areas → person → where'],
    ['a field that depends on itself', (c) => { c.handoffTypes['order-to-ops'].fields[3].when = { field: 'priority', is: 'Low' }; }, 'handoffTypes.order-to-ops.fields[3].when.field', 'cannot depend on itself'],
    ['a condition on a value that is not an option', (c) => { c.handoffTypes['order-to-ops'].fields[5].when = { field: 'priority', in: ['Urgent', 'Critical'] }; }, 'handoffTypes.order-to-ops.fields[5].when.in[1]', '"Critical" is not an option of "priority"'],
    ['a condition on a text field', (c) => { c.handoffTypes['order-to-ops'].fields[5].when = { field: 'customer', filled: true }; }, 'handoffTypes.order-to-ops.fields[5].when.field', 'is a text field'],
    ['"is" on a field without options', (c) => { c.handoffTypes['order-to-ops'].fields[5].when = { field: 'ship_by', is: '2026-01-01' }; }, 'handoffTypes.order-to-ops.fields[5].when.is', 'use "filled: true"'],
    ['a condition with two tests', (c) => { c.handoffTypes['order-to-ops'].fields[5].when = { field: 'priority', is: 'Urgent', filled: true }; }, 'handoffTypes.order-to-ops.fields[5].when', 'exactly one of'],
    ['file types on a text field', (c) => { c.handoffTypes['order-to-ops'].fields[1].filetypes = ['pdf']; }, 'handoffTypes.order-to-ops.fields[1].filetypes', 'only applies to file fields'],
    ['more files than Slack takes', (c) => { c.handoffTypes['order-to-ops'].fields.push({ key: 'po', label: 'PO', type: 'file', maxFiles: 11 }); }, 'handoffTypes.order-to-ops.fields[6].maxFiles', '10'],
    ['an API read scope that does not exist', (c) => { c.api = { tokens: [{ name: 'shop', token: 'x'.repeat(24), read: 'mine' }] }; }, 'api.tokens[0].read', 'expected one of'],
    ['an unknown assign mode on a team', (c) => { c.teams.ops.assign = 'round_robin'; }, 'teams.ops.assign', 'expected one of queue, round-robin, least-loaded'],
    ['an unknown assign mode on a type', (c) => { c.handoffTypes['order-to-ops'].assign = 'random'; }, 'handoffTypes.order-to-ops.assign', 'expected one of queue, round-robin, least-loaded'],
    ['an offer time written out', (c) => { c.teams.ops.offer = '30 minutes'; }, 'teams.ops.offer', 'expected a duration'],
    ['an offer time on a type that is not a duration', (c) => { c.handoffTypes['order-to-ops'].offer = 30; }, 'handoffTypes.order-to-ops.offer', 'expected string'],
    ['an approval by an unknown team', (c) => { c.handoffTypes['order-to-ops'].approval = { by: { team: 'finance' } }; }, 'handoffTypes.order-to-ops.approval.by.team', 'unknown team "finance"; teams are: sales, ops, fulfilment'],
    ['an approval by a team without leads', (c) => { c.teams.ops.leads = []; c.handoffTypes['order-to-ops'].approval = { by: { team: 'ops' } }; }, 'handoffTypes.order-to-ops.approval.by.team', 'team "ops" has no leads to approve it'],
    ['an approval by an empty list', (c) => { c.handoffTypes['order-to-ops'].approval = { by: [] }; }, 'handoffTypes.order-to-ops.approval.by', 'list at least one user ID'],
    ['an approval by a user name', (c) => { c.handoffTypes['order-to-ops'].approval = { by: ['U0SALESLEAD', '@alice'] }; }, 'handoffTypes.order-to-ops.approval.by[1]', 'expected a Slack user ID'],
    ['an approval by something else', (c) => { c.handoffTypes['order-to-ops'].approval = { by: 'finance' }; }, 'handoffTypes.order-to-ops.approval.by', 'expected "leads", a list of user IDs'],
    ['an approval by the leads of a type anyone may start', (c) => { c.handoffTypes['anything-to-ops'].approval = { by: 'leads' }; }, 'handoffTypes.anything-to-ops.approval.by', 'this type has no "from"'],
    ['an approval by the leads of a sending team without leads', (c) => { c.teams.sales.leads = []; c.handoffTypes['order-to-ops'].approval = { by: 'leads' }; }, 'handoffTypes.order-to-ops.approval.by', 'team "sales" has no leads to approve it'],
    ['an approval without "by"', (c) => { c.handoffTypes['order-to-ops'].approval = {}; }, 'handoffTypes.order-to-ops.approval.by', ''],
    ['a misspelt approval key', (c) => { c.handoffTypes['order-to-ops'].approval = { by: 'leads', approvers: ['U0A1'] }; }, 'handoffTypes.order-to-ops.approval', '"approvers"'],
    ['a time to approve without an approval', (c) => { c.handoffTypes['order-to-ops'].sla.approve = '2h'; }, 'handoffTypes.order-to-ops.sla.approve', 'sla.approve needs an "approval"'],
    ['a time to approve that is not a duration', (c) => { c.handoffTypes['order-to-ops'].approval = { by: 'leads' }; c.handoffTypes['order-to-ops'].sla.approve = 'soon'; }, 'handoffTypes.order-to-ops.sla.approve', 'expected a duration'],
    ['approval escalation without a time to approve', (c) => { c.handoffTypes['order-to-ops'].approval = { by: 'leads', escalate: [{ after: '100%', to: ['U0HEAD'] }] }; }, 'handoffTypes.order-to-ops.approval.escalate', 'set sla.approve'],
    ['approval escalation to an unknown team', (c) => { c.handoffTypes['order-to-ops'].sla.approve = '2h'; c.handoffTypes['order-to-ops'].approval = { by: 'leads', escalate: [{ after: '100%', to: { team: 'exec' } }] }; }, 'handoffTypes.order-to-ops.approval.escalate[0].to.team', 'unknown team "exec"'],
    ['an escalation step after a bad share', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = [{ after: 'double', to: 'leads' }]; }, 'handoffTypes.order-to-ops.sla.escalate[0].after', 'expected a share of the SLA such as "100%"'],
    ['an escalation step after 0%', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = [{ after: '0%', to: 'leads' }]; }, 'handoffTypes.order-to-ops.sla.escalate[0].after', 'expected a share'],
    ['an escalation step to a user name', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = [{ after: '100%', to: 'boss' }]; }, 'handoffTypes.order-to-ops.sla.escalate[0].to', 'expected "leads", a list of user IDs'],
    ['an escalation step to an unknown team', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = [{ after: '2h', to: { team: 'exec' } }]; }, 'handoffTypes.order-to-ops.sla.escalate[0].to.team', 'unknown team "exec"'],
    ['an escalation step without "to"', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = [{ after: '2h' }]; }, 'handoffTypes.order-to-ops.sla.escalate[0].to', ''],
    ['an empty escalation', (c) => { c.handoffTypes['order-to-ops'].sla.escalate = []; }, 'handoffTypes.order-to-ops.sla.escalate', ''],
  ];

  it.each(cases)('rejects %s', (_name, change, expectedPath, message) => {
    const problems = problemsAfter(change);
    // A problem with the file as a whole has no path.
    const matching = expectedPath ? problems.filter((p) => pathOf(p) === expectedPath) : problems;
    expect(matching, `problems were:\n${problems.join('\n')}`).not.toHaveLength(0);
    expect(matching.some((p) => p.includes(message)), `problems were:\n${problems.join('\n')}`).toBe(true);
  });

  it('lists several problems at once, including references that only resolve once the rest is valid', () => {
    const problems = problemsAfter((c) => {
      c.handoffTypes['order-to-ops'].fields[0].type = 'dropdown';
      c.handoffTypes['order-to-ops'].to = 'opps';
      c.handoffTypes['ops-to-fulfilment'].fields[1].key = 'order_id';
      c.teams.ops.timezone = 'Mars/Olympus';
      delete c.teams.sales.members;
      c.handoffTypes['anything-to-ops'].next = 'nowhere';
    });
    expect(problems.map(pathOf).sort()).toEqual(
      [
        'handoffTypes.order-to-ops.fields[0].type',
        'handoffTypes.order-to-ops.to',
        'handoffTypes.ops-to-fulfilment.fields[1].key',
        'teams.ops.timezone',
        'teams.sales.members',
        'handoffTypes.anything-to-ops.next',
      ].sort(),
    );
  });

  it('names the source and every problem in the error message', () => {
    const error = configError(() => parseWorkflow('teams: {}\nhandoffTypes: {}\n', 'my.yaml'));
    expect(error.name).toBe('ConfigError');
    expect(error.source).toBe('my.yaml');
    expect(error.message).toBe('my.yaml is invalid:\n  - teams: define at least one team\n  - handoffTypes: define at least one handoff type');
  });

  it('reports a YAML syntax error with its line', () => {
    const text = 'teams:\n  ops:\n    name: [Operations\n    channel: C0OPS\n';
    const error = configError(() => parseWorkflow(text, 'broken.yaml'));
    expect(error.problems[0]).toMatch(/^line \d+, column \d+: /);
    expect(error.message).toContain('broken.yaml');
    const line = Number(/^line (\d+)/.exec(error.problems[0])?.[1]);
    expect(line).toBeGreaterThanOrEqual(3);
  });

  it('reports a key given twice with its line', () => {
    const text = 'teams:\n  ops: { name: Ops, channel: C0OPS, members: [U0A] }\n  ops: { name: Ops2, channel: C0OPS2, members: [U0B] }\nhandoffTypes: {}\n';
    const error = configError(() => parseWorkflow(text, 'twice.yaml'));
    expect(error.problems).toEqual([expect.stringMatching(/^line 3, column 3: .*unique/i)]);
  });

  it('reports an alias to an anchor that is never defined', () => {
    const error = configError(() => parseWorkflow('teams: *everyone\nhandoffTypes: {}\n', 'alias.yaml'));
    expect(error.problems).toHaveLength(1);
  });

  it('reports an empty file as missing teams and handoff types', () => {
    expect(configError(() => parseWorkflow('', 'empty.yaml')).problems.map(pathOf)).toEqual(['teams', 'handoffTypes']);
  });

  it('names a missing file and how to create it', () => {
    const missing = path.join(repoRoot, 'no-such-dir', 'handoff.config.yaml');
    const error = configError(() => loadWorkflow(missing));
    expect(error.message).toContain(missing);
    expect(error.problems[0]).toContain('file not found');
    expect(error.problems[0]).toContain('handoff.config.example.yaml');
  });

  it('never throws anything but a ConfigError, whatever the text', () => {
    const yamlish = fc.string({
      unit: fc.constantFrom('teams', 'handoffTypes', 'fields', ':', ': ', '- ', '\n', '  ', '{', '}', '[', ']', ',', '"', "'", '&a ', '*a', '!!str ', '!!binary ', '!!set ', '!!omap ', '!foo ', '? ', '|', '>', '#', '---\n', '...\n', '%YAML 1.1\n', '<<: ', 'x', '1', '~', '\t', '\\', '\u0000'),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), yamlish), (text) => {
        try {
          parseWorkflow(text, 'fuzz.yaml');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  }, 20_000);

  it('never throws anything but a ConfigError, whatever the structure', () => {
    const keys = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'teams', 'handoffTypes', 'fields', 'to', 'from', 'next', 'options', 'key', 'ops'));
    const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.object({ key: keys, maxDepth: 3 }));
    // Starting from the valid fixture reaches the cross-reference checks, which also run on
    // partly invalid input and so must not trust its shape.
    const fixturePaths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      value && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => {
            const p = [...prefix, Array.isArray(value) ? Number(k) : k];
            return [p, ...fixturePaths(v, p)];
          })
        : [];
    const paths = fixturePaths(fixture());
    const mutated = fc.tuple(fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { minLength: 1, maxLength: 3 })).map(([edits]) => {
      const cfg = fixture();
      for (const [p, v] of edits) {
        let node: any = cfg;
        for (const k of p.slice(0, -1)) node = node && typeof node === 'object' ? node[k] : undefined;
        if (node && typeof node === 'object') node[p[p.length - 1]] = v;
      }
      return cfg;
    });
    fc.assert(
      fc.property(fc.oneof(anyValue, mutated), fc.boolean(), (value, asJson) => {
        const text = asJson ? (JSON.stringify(value) ?? '') : stringifyYaml(value);
        try {
          parseWorkflow(text, 'fuzz.yaml');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  }, 20_000);
});

describe('environment', () => {
  const BOT = 'xoxb-1111-2222-bot-token-value';
  const SECRET = 'signing-secret-value-abcdef';
  const APP = 'xapp-1-A111-app-token-value';

  it('reads a complete HTTP-mode environment into camelCase with defaults', () => {
    const env = parseEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET });
    expect(env).toEqual({
      botToken: BOT,
      signingSecret: SECRET,
      appToken: undefined,
      slackApiUrl: undefined,
      port: 3000,
      databaseUrl: 'file:./data/handoff.db',
      configPath: './handoff.config.yaml',
      logLevel: 'info',
    });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('requires the bot token', () => {
    const error = configError(() => parseEnv({ SLACK_SIGNING_SECRET: SECRET }));
    expect(error.problems.map(pathOf)).toEqual(['SLACK_BOT_TOKEN']);
    expect(configError(() => parseEnv({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: SECRET })).problems.map(pathOf)).toEqual(['SLACK_BOT_TOKEN']);
  });

  it('requires the signing secret in HTTP mode', () => {
    const error = configError(() => parseEnv({ SLACK_BOT_TOKEN: BOT }));
    expect(error.problems.map(pathOf)).toEqual(['SLACK_SIGNING_SECRET']);
    expect(error.problems[0]).toContain('SLACK_APP_TOKEN');
  });

  it('does not need the signing secret in Socket Mode', () => {
    const env = parseEnv({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP });
    expect(env.appToken).toBe(APP);
    expect(env.signingSecret).toBe('');
  });

  it('rejects an app token that is not an app-level token', () => {
    const error = configError(() => parseEnv({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }));
    expect(error.problems).toEqual([expect.stringMatching(/^SLACK_APP_TOKEN: .*xapp-/)]);
  });

  it('never repeats token values in an error', () => {
    const WRONG_APP = 'xoxp-user-token-given-by-mistake';
    const errors = [
      configError(() => parseEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'not a url', PORT: 'eighty', LOG_LEVEL: 'verbose' })),
      configError(() => parseEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, SLACK_APP_TOKEN: WRONG_APP })),
      configError(() => parseEnv({ SLACK_BOT_TOKEN: 42 as unknown as string, SLACK_SIGNING_SECRET: SECRET })),
    ];
    expect(errors[0].problems.map(pathOf).sort()).toEqual(['LOG_LEVEL', 'PORT', 'SLACK_API_URL']);
    for (const error of errors) {
      const everything = [error.message, String(error), error.stack ?? '', JSON.stringify(error), ...error.problems].join('\n');
      for (const secret of [BOT, SECRET, WRONG_APP]) expect(everything).not.toContain(secret);
    }
  });

  it('loads env and workflow together, listing the problems of both', () => {
    const ok = loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, HANDOFF_CONFIG: fixturePath });
    expect(ok.env.configPath).toBe(fixturePath);
    expect(Object.keys(ok.workflow.teams)).toEqual(['sales', 'ops', 'fulfilment']);

    const missing = path.join(repoRoot, 'no-such-dir', 'handoff.config.yaml');
    const error = configError(() => loadConfig({ SLACK_BOT_TOKEN: BOT, HANDOFF_CONFIG: missing }));
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/^environment: SLACK_SIGNING_SECRET: /);
    expect(error.problems[1]).toContain(missing);
    expect(error.message).not.toContain(BOT);
  });
});

describe('workflow config: secrets and webhook URLs', () => {
  const SECRET = 'b7c1e0f94a2d8e6350c9a1f7d4e2b8a0';
  const withHook = (hook: Json) => (c: Json) => {
    c.webhooks = [{ url: 'https://hooks.example.org/in', events: ['*'], secret: SECRET, ...hook }];
  };
  const withToken = (token: string) => (c: Json) => {
    c.api = { tokens: [{ name: 'shop', token }] };
  };

  it("refuses the example as it ships: its secret and token are placeholders, named by path", () => {
    const problems = configError(() => loadWorkflow(examplePath)).problems;
    expect(problems.map(pathOf)).toEqual(['webhooks[0].secret', 'api.tokens[0].token']);
    for (const p of problems) expect(p).toMatch(/placeholder.*openssl rand -hex 32/);
  });

  it('accepts 32 random characters', () => {
    const cfg = fixture();
    withHook({})(cfg);
    withToken('f3a9c2e7b1d04856a7e9c3b2d1f08e46')(cfg);
    expect(parseWorkflow(stringifyYaml(cfg), 'test.yaml').api.tokens[0].token).toHaveLength(32);
  });

  // prettier-ignore
  const refused: Array<[string, (c: Json) => void, string, string]> = [
    ['a webhook secret of 31 characters', withHook({ secret: SECRET.slice(1) }), 'webhooks[0].secret', 'at least 32 characters'],
    ['the old 16-character minimum', withHook({ secret: 'a1b2c3d4e5f6a7b8' }), 'webhooks[0].secret', 'at least 32 characters'],
    ["the example's old webhook secret", withHook({ secret: 'change-me-to-a-long-random-string' }), 'webhooks[0].secret', 'placeholder'],
    ["the example's old API token", withToken('replace-with-a-random-token-of-32-chars'), 'api.tokens[0].token', 'placeholder'],
    ['a changeme token', withToken('changeme-changeme-changeme-changeme'), 'api.tokens[0].token', 'placeholder'],
    ['a token of one repeated character', withToken('a'.repeat(40)), 'api.tokens[0].token', 'not random'],
    ['an API token of 24 characters', withToken('0123456789abcdefghijklmn'), 'api.tokens[0].token', 'at least 32 characters'],
    ['user and password in a webhook URL', withHook({ url: 'https://user:hunter2@hooks.example.org/in' }), 'webhooks[0].url', 'user:password@'],
    ['a user name alone in a webhook URL', withHook({ url: 'https://deploy@hooks.example.org/in' }), 'webhooks[0].url', 'user:password@'],
    ['a file: webhook URL', withHook({ url: 'file:///etc/passwd' }), 'webhooks[0].url', 'http(s)'],
    ['a javascript: webhook URL', withHook({ url: 'javascript:alert(1)' }), 'webhooks[0].url', 'http(s)'],
    ['an ftp webhook URL', withHook({ url: 'ftp://hooks.example.org/in' }), 'webhooks[0].url', 'http(s)'],
  ];

  it.each(refused)('refuses %s', (_name, change, expectedPath, message) => {
    const problems = problemsAfter(change);
    const matching = problems.filter((p) => pathOf(p) === expectedPath);
    expect(matching.some((p) => p.includes(message)), `problems were:\n${problems.join('\n')}`).toBe(true);
  });

  it('never repeats a refused secret in the error', () => {
    const secret = 'replace-with-the-real-thing-before-go-live';
    const error = configError(() => {
      const cfg = fixture();
      withToken(secret)(cfg);
      withHook({ secret: 'short-secret-value' })(cfg);
      parseWorkflow(stringifyYaml(cfg), 'test.yaml');
    });
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('short-secret-value');
  });
});

describe('JSON Schema for editors', () => {
  const ajv = () => new Ajv({ strict: false, allErrors: true });
  const exampleText = readFileSync(examplePath, 'utf8');

  it('is committed and up to date (regenerate with `npx vitest run test/unit/config.test.ts -u`)', async () => {
    await expect(renderConfigJsonSchema()).toMatchFileSnapshot(schemaPath);
  });

  it('is referenced by the example for the YAML language server', () => {
    expect(exampleText.split('\n')[0]).toBe('# yaml-language-server: $schema=./handoff.config.schema.json');
  });

  it('describes itself and is a valid draft-07 schema', () => {
    const schema = buildConfigJsonSchema() as Json;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBeTruthy();
    expect(schema.description).toBeTruthy();
    expect(ajv().validateSchema(schema)).toBe(true);
  });

  it('accepts the example and the fixture', () => {
    const validate = ajv().compile(buildConfigJsonSchema());
    for (const text of [exampleText, readFileSync(fixturePath, 'utf8')]) {
      const ok = validate(parseYaml(text));
      expect(validate.errors ?? [], 'errors').toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('flags what an editor can catch', () => {
    const validate = ajv().compile(buildConfigJsonSchema());
    const cfg = fixture();
    const order = cfg.handoffTypes['order-to-ops'];
    order.fields[0].type = 'dropdown';
    order.feilds = [];
    order.sla.accept = '4 hours';
    cfg.teams.ops.hours = { days: ['monday'], start: '9:00', end: '17:00' };
    expect(validate(cfg)).toBe(false);
    const where = new Set((validate.errors ?? []).map((e) => e.instancePath));
    expect(where).toEqual(
      new Set(['/handoffTypes/order-to-ops/fields/0/type', '/handoffTypes/order-to-ops', '/handoffTypes/order-to-ops/sla/accept', '/teams/ops/hours/days/0', '/teams/ops/hours/start']),
    );
  });

  it('has a description for every key, and no description for a key that is gone', () => {
    const keys = listConfigKeyPaths(buildConfigJsonSchema());
    expect(keys.filter((k) => CONFIG_KEY_DESCRIPTIONS[k] === undefined)).toEqual([]);
    expect(Object.keys(CONFIG_KEY_DESCRIPTIONS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('is demonstrated in full by the example: every key appears at least once', () => {
    const used = new Set<string>();
    const walk = (value: unknown, p: string): void => {
      if (Array.isArray(value)) {
        for (const v of value) walk(v, `${p}[]`);
      } else if (value && typeof value === 'object') {
        const base = p.endsWith('fields[]') ? 'field' : p;
        for (const [k, v] of Object.entries(value)) {
          // Team and type keys are names chosen by the user, written `*` in schema paths.
          const segment = p === 'teams' || p === 'handoffTypes' ? '*' : k;
          const child = base ? `${base}.${segment}` : segment;
          if (segment !== '*') used.add(child);
          walk(v, child);
        }
      }
    };
    walk(parseYaml(exampleText), '');
    const keys = listConfigKeyPaths(buildConfigJsonSchema());
    expect(keys.filter((k) => !used.has(k))).toEqual([]);
  });

  it('matches durations exactly as the bot does', () => {
    const pattern = new RegExp(DURATION_PATTERN, 'u');
    const durationish = fc.string({ unit: fc.constantFrom('0', '1', '4', '9', '.', ' ', '\t', 'm', 'h', 'd', 'M', 'H', 'D', 's', 'w', '-', '+', 'e'), maxLength: 8 });
    fc.assert(
      fc.property(fc.oneof(durationish, fc.string()), (text) => {
        expect(pattern.test(text)).toBe(isValidDuration(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('DATABASE_URL', () => {
  const env = (url: string) => ({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', DATABASE_URL: url });
  it.each(['file:./data/handoff.db', './data/handoff.db', ':memory:', 'file:/srv/handoff/handoff.db'])('takes %s as SQLite', (url) => {
    expect(() => parseEnv(env(url))).not.toThrow();
  });

  it.each(['postgres://handoff:hunter2@db:5432/handoff', 'postgresql://db/handoff'])('takes %s as Postgres', (url) => {
    expect(parseEnv(env(url)).databaseUrl).toBe(url);
  });

  it.each([
    ['postgres:db/handoff', 'postgres:'],
    ['postgres://handoff:hunter2@/handoff', 'no host'],
    ['mysql://db/handoff', 'the scheme "mysql:" is not supported'],
    ['https://example.com/db', 'the scheme "https:" is not supported'],
  ])('refuses %s at start, naming the fix and never the password', (url, problem) => {
    let message = '';
    try {
      parseEnv(env(url));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain(problem);
    expect(message).toContain('file:./data/handoff.db');
    expect(message).not.toContain('hunter2');
  });

  it('is refused by the SQLite-only openers (backup, sandbox), creating nothing', async () => {
    const { openDb } = await import('../../src/db/open-db');
    const cwd = process.cwd();
    expect(() => openDb('postgres://db/handoff')).toThrow(/Postgres URL: this works on a SQLite file only/);
    expect(existsSync(path.join(cwd, 'postgres:'))).toBe(false);
  });
});
