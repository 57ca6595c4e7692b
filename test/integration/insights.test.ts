import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';
import { fieldSchema } from '../../src/config/workflow-schema';
import { ActionId, BlockId, CallbackId, SOMETHING_ELSE } from '../../src/slack/ids';
import { commandReply, FIXTURE, type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { checkboxesValue, textValue } from '../helpers/slack-requests';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const HOUR = 60 * 60 * 1000;

async function returnIt(id: number, flagged: string[], reason: string) {
  const res = await h.sim.viewSubmission({
    userId: 'U0OPS1',
    callbackId: CallbackId.reject,
    privateMetadata: JSON.stringify({ handoffId: id }),
    values: { [BlockId.flagged(0)]: { value: checkboxesValue(flagged) }, [BlockId.reason]: { value: textValue(reason) } },
  });
  await h.settle();
  expect(res.body).toBe('');
}

async function resubmit(id: number, orderId: string) {
  const res = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: 'order-to-ops', handoffId: id }), values: orderValues({ order_id: orderId }) });
  await h.settle();
  expect(res.body).toBe('');
}

async function accept(id: number) {
  await h.sim.blockAction({ userId: 'U0OPS2', actionId: ActionId.accept, value: String(id), channelId: 'C0OPS', messageTs: '1.0' });
  await h.settle();
  expect((await h.app.repo.findById(id))?.state).toBe('accepted');
}

async function insights(text: string, userId = 'U0OPSLEAD') {
  return commandReply(h, await h.sim.slashCommand({ userId, text: `insights ${text}`.trim() }));
}

/**
 * Four orders: #1 returned twice, #2 once, #3 and #4 accepted at once. Each return flags notes and
 * customer and "something else" with the same words; each resubmission comes 2 hours after its return.
 */
async function seed(returnsOf1 = 2) {
  for (let i = 1; i <= 4; i++) await submitOrder(h, { order_id: `SO-100${i}` });
  for (let r = 0; r < returnsOf1; r++) {
    await returnIt(1, ['notes', 'customer', SOMETHING_ELSE], 'Needs customs form');
    h.clock.advance(2 * HOUR);
    await resubmit(1, 'SO-1001');
  }
  await returnIt(2, ['notes', 'customer', SOMETHING_ELSE], 'needs customs form!');
  h.clock.advance(2 * HOUR);
  await resubmit(2, 'SO-1002');
  for (const id of [1, 2, 3, 4]) await accept(id);
  // Periods end just before now: let the last accept fall inside.
  h.clock.advance(60_000);
}

describe('/handoff insights', () => {
  it('first-time right, bounces, fields flagged ranked, time lost, per type and team pair, with the change against the period before', async () => {
    await seed();
    const reply = await insights('ops 7d');
    const text = JSON.stringify(reply.blocks);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toBe('Operations, last 7 days: 50% first-time right, 3 returns');
    expect(text).toContain('*First-time right*\\n50% (2 of 4)');
    expect(text).toContain('*Returns per handoff*\\n0.75');
    expect(text).toContain('*Returned more than once*\\n1 (+1)');
    expect(text).toContain('*Time lost to returns*\\n6h over 3 resubmissions, median 2h');
    // Ranked: both fields in 3 of 3 returns (ties by key), then "something else".
    expect(text).toContain('1. *Customer* (`customer`): in 3 of 3 returns\\n2. *Notes* (`notes`): in 3 of 3 returns\\n• _Something else_: in 3 of 3 returns');
    expect(text).toContain('*Sales → Operations*');
    expect(text).toContain('*New order to Operations*');
    // A type works as the scope too, for its sending team's members.
    const byType = await insights('order-to-ops 30d', 'U0SALES1');
    expect(byType.text).toBe('New order to Operations, last 30 days: 50% first-time right, 3 returns');
    // The week before had nothing: a week later, all of it is "the period before".
    h.clock.advance(7 * 24 * HOUR);
    const later = JSON.stringify((await insights('7d')).blocks);
    expect(later).toContain('*Returns*\\n0 (−3)');
  });

  it('answers refusals privately: a team one is not in, an unknown name, a bad period', async () => {
    expect((await insights('ops', 'U0SALES1')).text).toContain('are for its members and leads');
    expect((await insights('nope')).text).toContain('There is no team or handoff type `nope`');
    expect((await insights('ops 12d')).text).toContain('Pick a period of 7d, 30d, 90d');
    expect((await insights('ops-to-fulfilment', 'U0SALES1')).text).toContain('are for the teams that send and receive it');
  });

  it('suggests a change at the threshold (3 returns) and not below it, with YAML that passes config check', async () => {
    await seed(1);
    const below = JSON.stringify((await insights('order-to-ops')).blocks);
    expect(below).not.toContain('What to change');

    await submitOrder(h, { order_id: 'SO-1005' });
    await returnIt(5, ['notes', 'customer', SOMETHING_ELSE], 'Needs  customs form.');
    h.clock.advance(60_000);
    const reply = await insights('order-to-ops');
    const text: string = reply.blocks.map((b: { text?: { text: string } }) => b.text?.text ?? '').join('\n');
    expect(text).toContain('What to change');
    expect(text.indexOf('`customer` was flagged')).toBeLessThan(text.indexOf('`notes` was missing'));
    expect(text).toContain('`notes` was missing in 3 of 3 returns: make it required.');
    expect(text).toContain('`customer` was flagged as wrong in 3 of 3 returns although it is required: add a `pattern` or a `hint`');
    expect(text).toContain('“Needs customs form” came up as _something else_ in 3 of 3 returns: consider a new field.');

    const snippets = [...text.matchAll(/```([\s\S]*?)```/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    expect(snippets).toHaveLength(3);
    for (const s of snippets) {
      const parsed = parse(s);
      expect(Array.isArray(parsed) && parsed.length === 1).toBe(true);
      expect(fieldSchema.safeParse(parsed[0]).success).toBe(true);
    }
    const [customer, notes, newField] = snippets.map((s) => parse(s)[0]);
    expect(notes).toEqual({ key: 'notes', label: 'Notes', type: 'longtext', required: true });
    expect(customer).toMatchObject({ key: 'customer', required: true, hint: 'Often returned: Needs customs form' });
    expect(newField).toEqual({ key: 'needs_customs_form', label: 'Needs customs form', type: 'text' });

    // Pasted into the workflow file as the suggestion says, `handoff config check` accepts it.
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    const at = (key: string) => lines.findIndex((l) => l.includes(`{ key: ${key}, label:`));
    const indent = '      ';
    lines[at('notes')] = `${indent}${snippets[1].trim()}\n${indent}${snippets[2].trim()}`;
    lines[at('customer')] = `${indent}${snippets[0].trim()}`;
    const dir = mkdtempSync(join(tmpdir(), 'handoff-insights-'));
    try {
      const file = join(dir, 'handoff.config.yaml');
      writeFileSync(file, lines.join('\n'));
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const code = await runCli(['config', 'check', '--file', file], {});
      const errors = err.mock.calls.flat().join('\n');
      log.mockRestore();
      err.mockRestore();
      expect(code, errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leads' Home shows the headline for their teams", async () => {
    await seed();
    await h.sim.event({ type: 'app_home_opened', user: 'U0OPSLEAD', tab: 'home' });
    await h.settle();
    const home = JSON.stringify(h.fake.callsTo('views.publish').at(-1)?.args.view.blocks);
    expect(home).toContain('Why handoffs come back');
    expect(home).toContain('50% (2 of 4)');
    expect(home).toContain('Customer (3 of 3)');
  });
});

describe('before and after a change of the type', () => {
  it('records the version of the type on each handoff and splits first-time right at the change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-versions-'));
    const dbPath = join(dir, 'handoff.db');
    try {
      await h.close();
      h = await startHarness({ dbPath });
      await submitOrder(h, { order_id: 'SO-2001' });
      await submitOrder(h, { order_id: 'SO-2002' });
      await returnIt(1, ['notes'], 'Notes missing');
      await accept(2);
      const before = (await h.app.repo.findById(1))?.typeVersion;
      expect(before).toMatch(/^[0-9a-f]{12}$/);
      expect((await h.app.repo.findById(2))?.typeVersion).toBe(before);
      await h.close();

      // The lead makes notes required, as suggested; the bot restarts with the new definition.
      h = await startHarness({
        dbPath,
        now: '2026-11-25T10:00:00Z',
        workflow: (w) => {
          const type = w.handoffTypes['order-to-ops'];
          return { ...w, handoffTypes: { ...w.handoffTypes, 'order-to-ops': { ...type, fields: type.fields.map((f) => (f.key === 'notes' ? { ...f, required: true } : f)) } } };
        },
      });
      // A new process's simulated client numbers its views from 1 again: give these their own.
      await submitOrder(h, { order_id: 'SO-2003' }, 'U0SALES1', 'V-after-1');
      await submitOrder(h, { order_id: 'SO-2004' }, 'U0SALES1', 'V-after-2');
      await accept(3);
      await accept(4);
      const after = (await h.app.repo.findById(3))?.typeVersion;
      expect(after).toMatch(/^[0-9a-f]{12}$/);
      expect(after).not.toBe(before);
      h.clock.advance(60_000);
      const text = JSON.stringify((await insights('order-to-ops')).blocks);
      expect(text).toContain('Before and after a change of the type');
      expect(text).toContain(`(\`${before}\` → \`${after}\`): first-time right 50% (1 of 2) before, 100% (2 of 2) after`);
    } finally {
      await h.close();
      h = await startHarness();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
