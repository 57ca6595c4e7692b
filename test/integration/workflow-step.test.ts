import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStepFields } from '../../src/slack/listeners/functions/start-handoff-step';
import { type Harness, startHarness } from '../helpers/harness';

let h: Harness;
describe('the step through Slack', () => {
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const execute = (inputs: Record<string, unknown>, executionId = 'Fx0001') =>
  h.sim.event({
    type: 'function_executed',
    function: { id: 'Fn0001', callback_id: 'start_handoff_step', title: 'Start a handoff', type: 'app', input_parameters: [], output_parameters: [], app_id: 'A0001', date_created: 1, date_updated: 1, date_deleted: 0 },
    inputs,
    function_execution_id: executionId,
    workflow_execution_id: 'Wx0001',
    event_ts: '1700000000.000100',
    bot_access_token: 'xwfp-test-token',
  });

it('creates the handoff from Workflow Builder inputs and completes with its id and link', async () => {
  const res = await execute({ handoff_type: 'order-to-ops', requester: 'U0SALES1', fields: 'order_id: SO-7777\ncustomer: ACME\nship_by: 2026-12-01\npriority: Normal' });
  expect(res.status).toBe(200);
  const done = await h.fake.waitFor('functions.completeSuccess');
  await h.settle();
  const h1 = await h.app.repo.findById(1);
  expect(h1).toMatchObject({ typeKey: 'order-to-ops', requesterId: 'U0SALES1', fields: { order_id: 'SO-7777', customer: 'ACME', ship_by: '2026-12-01', priority: 'Normal' } });
  expect(done.args).toMatchObject({ function_execution_id: 'Fx0001', outputs: { handoff_id: '1', handoff_url: h1?.permalink } });
  expect(h1?.permalink).toContain('https://fake.slack.test/archives/C0OPS/');
  expect((await h.app.repo.listEvents(1))[0].data).toEqual({ via: 'workflow' });
});

it('fails the step with the field errors, creating nothing', async () => {
  await execute({ handoff_type: 'order-to-ops', requester: 'U0SALES1', fields: '{"order_id":"bad","priority":"Sometime"}' });
  const failed = await h.fake.waitFor('functions.completeError');
  expect(failed.args.function_execution_id).toBe('Fx0001');
  expect(failed.args.error).toContain('order_id:');
  expect(failed.args.error).toContain('priority:');
  expect(failed.args.error).toContain('customer:');
  expect(await h.app.repo.findById(1)).toBeNull();
});

});

// Pure parsing needs no app: a harness closed before Bolt's first auth.test answered would log a stray error.
it('parses JSON and "key: value" lines', async () => {
  expect(parseStepFields('{"areas":["Billing","Shipping"],"link":"https://x.example"}')).toEqual({ areas: ['Billing', 'Shipping'], link: 'https://x.example' });
  expect(parseStepFields('request: ship it: today\n\nlink:https://x.example')).toEqual({ request: 'ship it: today', link: 'https://x.example' });
  expect(parseStepFields('')).toEqual({});
  expect(() => parseStepFields('{"broken"')).toThrow('not valid JSON');
});
