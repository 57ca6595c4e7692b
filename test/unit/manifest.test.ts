import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { CallbackId, COMMAND, FunctionId } from '../../src/slack/ids';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Slack's published schema, vendored with its licence and source (test/fixtures/slack/README.md).
const schemaPath = path.resolve(repoRoot, 'test', 'fixtures', 'slack', 'manifest.schema.1.0.0.json');

type Json = Record<string, any>;

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function manifestValidator() {
  // A missing schema must fail, not skip: a skipped check would let a manifest Slack refuses ship.
  if (!existsSync(schemaPath))
    throw new Error(`Slack's manifest schema is missing at ${schemaPath}; it is vendored in test/fixtures/slack/.`);
  // The schema's only `format` is "uri" on `$schema`, and ajv-formats is not installed.
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(readJson(schemaPath));
}

const manifest = () => readJson(path.join(repoRoot, 'manifest.json'));

describe('Slack app manifest', () => {
  it('is valid against Slack schema 1.0.0', () => {
    const validate = manifestValidator();
    const m = manifest();
    // Without major_version Slack checks a manifest against 1.0.0, the schema used here.
    expect(m._metadata?.major_version).toBeUndefined();
    const ok = validate(m);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('registers the slash command the app listens for', () => {
    const commands: Json[] = manifest().features.slash_commands;
    const handoff = commands.find((c) => c.command === '/handoff');
    expect(handoff).toMatchObject({ command: COMMAND, usage_hint: '[type] | mine | stalled | stats [team] [7d|30d|90d] | away until YYYY-MM-DD [backup @person] | back | help', should_escape: true });
  });

  it('asks for the scopes the bot uses', () => {
    const scopes: string[] = manifest().oauth_config.scopes.bot;
    expect(scopes).toEqual(expect.arrayContaining(['chat:write', 'commands', 'files:write', 'im:write', 'users:read', 'users.profile:read', 'usergroups:read', 'files:read']));
    expect(new Set(scopes).size).toBe(scopes.length);
  });

  it('subscribes to the events the app handles', () => {
    const events: string[] = manifest().settings.event_subscriptions.bot_events;
    expect(events).toContain('app_home_opened');
    expect(events).toContain('subteam_members_changed');
  });

  it('declares the Workflow Builder step the app handles, org-ready as custom steps require', () => {
    const m = manifest();
    expect(Object.keys(m.functions)).toEqual([FunctionId.startHandoff]);
    expect(Object.keys(m.functions[FunctionId.startHandoff].input_parameters)).toEqual(['handoff_type', 'requester', 'fields']);
    expect(Object.keys(m.functions[FunctionId.startHandoff].output_parameters)).toEqual(['handoff_id', 'handoff_url']);
    expect(m.settings.org_deploy_enabled).toBe(true);
    expect(m.settings.event_subscriptions.bot_events).toContain('function_executed');
  });

  it('sends every request to the one endpoint of the HTTP receiver', () => {
    const m = manifest();
    const urls = [m.settings.event_subscriptions.request_url, m.settings.interactivity.request_url, ...m.features.slash_commands.map((c: Json) => c.url)];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.socket_mode_enabled).toBe(false);
  });

  it('offers the global shortcut, and only shortcuts the app handles', () => {
    const shortcuts: Json[] = manifest().features.shortcuts;
    expect(shortcuts.map((s) => [s.type, s.callback_id])).toEqual([
      ['global', CallbackId.startShortcut],
      ['message', CallbackId.messageShortcut],
    ]);
  });

  it('rejects a manifest Slack would refuse, so the check above can fail', () => {
    const validate = manifestValidator();
    const tooLong = manifest();
    tooLong.display_information.name = 'Handoff between every team in the company'.slice(0, 40);
    expect(tooLong.display_information.name).toHaveLength(40);
    expect(validate(tooLong)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/display_information/name', keyword: 'maxLength' }));

    const unknownKey = manifest();
    unknownKey.settings.socket_mode = true;
    expect(validate(unknownKey)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/settings', keyword: 'additionalProperties' }));

    const longShortcut = manifest();
    longShortcut.features.shortcuts[0].name = 'Hand this message off to a team';
    expect(validate(longShortcut)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/features/shortcuts/0/name', keyword: 'maxLength' }));
  });
});
