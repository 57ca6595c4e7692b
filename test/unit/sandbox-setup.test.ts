import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import { chooseStartMode } from '../../src/config/start-mode';
import { localParts } from '../../src/domain/business-clock';
import { readInstalledApp } from '../../src/sandbox/app-manifest';
import { EXAMPLE_CONFIG } from '../../src/sandbox/run-sandbox';
import { loadSandboxWorkflow } from '../../src/sandbox/sandbox-workflow';
import { nextLocalTime, SandboxClock, sandboxStart } from '../../src/sandbox/sandbox-clock';
import { buildSandboxPeople, GENERAL_CHANNEL } from '../../src/sandbox/sandbox-people';
import { FIXTURE } from '../helpers/harness';

describe('what npm start runs', () => {
  it('starts the sandbox when no Slack setting is present', () => {
    expect(chooseStartMode({})).toEqual({ mode: 'sandbox' });
    expect(chooseStartMode({ PORT: '8080', HANDOFF_CONFIG: 'x.yaml', NODE_ENV: 'development' })).toEqual({ mode: 'sandbox' });
  });

  it('never starts the sandbox in production', () => {
    const mode = chooseStartMode({ NODE_ENV: 'production' });
    expect(mode.mode).toBe('slack');
    expect(mode.mode === 'slack' && mode.hint).toMatch(/NODE_ENV=production/);
  });

  it('expects a real workspace as soon as any Slack setting is present, naming the ones that are', () => {
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL']) {
      const mode = chooseStartMode({ [name]: 'x' });
      expect(mode.mode, name).toBe('slack');
      expect(mode.mode === 'slack' && mode.hint).toContain(`${name} is set`);
    }
    const both = chooseStartMode({ SLACK_SIGNING_SECRET: 's', SLACK_APP_TOKEN: 'xapp-1' });
    expect(both.mode === 'slack' && both.hint).toContain('SLACK_SIGNING_SECRET, SLACK_APP_TOKEN are set');
  });

  it('counts a setting that is set to an empty string as present, so a blank deployment template fails loudly', () => {
    expect(chooseStartMode({ SLACK_BOT_TOKEN: '' }).mode).toBe('slack');
  });
});

describe('the sandbox clock', () => {
  it('runs on from where it was set and only jumps forward', () => {
    let real = 1_000_000;
    const clock = new SandboxClock(new Date('2026-11-23T15:00:00Z'), () => real);
    real += 90_000;
    expect(clock.now().toISOString()).toBe('2026-11-23T15:01:30.000Z');
    expect(clock.advance(3_600_000).toISOString()).toBe('2026-11-23T16:01:30.000Z');
    expect(clock.advanceTo(new Date('2026-11-20T00:00:00Z')).toISOString()).toBe('2026-11-23T16:01:30.000Z');
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('finds the next local 09:00, today or tomorrow, across time zones and DST', () => {
    const ny = 'America/New_York';
    expect(nextLocalTime(new Date('2026-11-23T12:00:00Z'), ny, '09:00').toISOString()).toBe('2026-11-23T14:00:00.000Z'); // 07:00 → 09:00 today
    expect(nextLocalTime(new Date('2026-11-23T15:00:00Z'), ny, '09:00').toISOString()).toBe('2026-11-24T14:00:00.000Z'); // 10:00 → tomorrow
    expect(nextLocalTime(new Date('2026-11-23T14:00:00Z'), ny, '09:00').toISOString()).toBe('2026-11-24T14:00:00.000Z'); // exactly 09:00 → tomorrow
    expect(nextLocalTime(new Date('2026-03-07T15:00:00Z'), ny, '09:00').toISOString()).toBe('2026-03-08T13:00:00.000Z'); // spring forward: EDT
    expect(nextLocalTime(new Date('2026-11-23T15:00:00Z'), 'Asia/Tokyo', '09:00').toISOString()).toBe('2026-11-24T00:00:00.000Z');
  });

  it('starts on Monday 10:00 of the current week in the given timezone, whatever the day', () => {
    for (const day of ['2026-11-23T15:30:00Z', '2026-11-26T20:00:00Z', '2026-11-29T23:00:00Z', '2026-11-30T04:00:00Z']) {
      const start = sandboxStart(new Date(day), 'America/New_York');
      expect(localParts(start, 'America/New_York'), day).toMatchObject({ weekday: 'mon', time: '10:00' });
      expect(start.getTime()).toBeLessThanOrEqual(new Date(day).getTime() + 7 * 86_400_000);
      expect(new Date(day).getTime() - start.getTime()).toBeLessThan(7 * 86_400_000);
    }
    // Sunday night in New York is already Monday in UTC: the week is the zone's own.
    expect(sandboxStart(new Date('2026-11-30T04:00:00Z'), 'America/New_York').toISOString()).toBe('2026-11-23T15:00:00.000Z');
  });
});

describe('the sandbox workspace', () => {
  it('has everyone of the example config, invented members for user groups, and the team channels', () => {
    const w = buildSandboxPeople(loadSandboxWorkflow(EXAMPLE_CONFIG));
    const ids = w.people.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['U0SALES01', 'U0SALES02', 'U0SALES03', 'U0SALESLEAD', 'U0OPS01', 'U0OPSLEAD', 'U0FULLEAD', 'U0SUP01', 'U0SUPLEAD']));
    expect(w.usergroups).toEqual({ S0FULFIL: ['U0FULFIL01', 'U0FULFIL02'] });
    expect(ids).toEqual(expect.arrayContaining(['U0FULFIL01', 'U0FULFIL02']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(w.people.map((p) => p.name)).size).toBe(ids.length);
    expect(w.people.find((p) => p.id === 'U0SALES01')).toMatchObject({ name: 'Ava', roles: ['Sales'], tz: 'America/New_York' });
    expect(w.people.find((p) => p.id === 'U0OPSLEAD')?.roles).toEqual(['Operations lead']);
    expect(w.people.find((p) => p.id === 'U0FULFIL01')).toMatchObject({ roles: ['Fulfilment (user group S0FULFIL)'], tz: 'Europe/Berlin' });
    expect(w.channels).toEqual([GENERAL_CHANNEL, { id: 'C0SALES01', name: 'sales', teamKey: 'sales' }, { id: 'C0OPS01', name: 'ops', teamKey: 'ops' }, { id: 'C0FULFIL01', name: 'fulfilment', teamKey: 'fulfilment' }, { id: 'C0SUPPORT01', name: 'support', teamKey: 'support' }]);
  });

  it('gives someone in two teams both roles', () => {
    const workflow = structuredClone(loadWorkflow(FIXTURE)) as WorkflowConfig;
    (workflow.teams.sales.members as string[]).push('U0OPSLEAD');
    const w = buildSandboxPeople(workflow);
    expect(w.people.find((p) => p.id === 'U0OPSLEAD')?.roles).toEqual(['Sales', 'Operations lead']);
    expect(w.usergroups.S0FUL).toEqual(['U0FUL01', 'U0FUL02']);
  });

  it('knows the installed app from manifest.json: its command, shortcut and events', () => {
    const app = readInstalledApp();
    expect(app.name).toBe('Handoff');
    expect(app.commands.map((c) => c.command)).toEqual(['/handoff']);
    expect(app.globalShortcuts.map((s) => s.callbackId)).toEqual(['start_handoff']);
    expect(app.botEvents).toContain('app_home_opened');
    expect(app.homeTab).toBe(true);
  });
});
