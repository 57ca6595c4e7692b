/**
 * A modal's `state.values` is whatever the client sent: the parser and the validator behind it must
 * never throw on it, and every required field must end up either with a value or with an error.
 */
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import { type RawFieldInput, validateFields } from '../../src/domain/fields';
import { ActionId, BlockId } from '../../src/slack/ids';
import { readFieldInput } from '../../src/slack/views/field-inputs';

const NOW = new Date('2026-11-23T10:00:00Z');
const workflow = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));
const fields = workflow.handoffTypes['order-to-ops'].fields;
const fieldKeys = fields.map((f) => f.key);
const RUNS = { numRuns: 300 };

// readFieldInput takes what Slack (or anyone posting to the endpoint) sent; the cast is the point
type StateValues = Parameters<typeof readFieldInput>[0];
const parse = (v: unknown) => readFieldInput(v as StateValues);

// ---- generators -----------------------------------------------------------------------------------

/** Anything at all, including nulls, arrays, numbers, nested objects and odd keys. */
const junk = fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, maxDepth: 3 });

/** Block ids: the form's own, other `field:` ones, unrelated ones and prototype names. */
const blockId = fc.oneof(
  fc.constantFrom(...fieldKeys.map((k) => BlockId.field(k))),
  fc.string().map((s) => BlockId.field(s)),
  fc.constantFrom('field:', 'field:__proto__', 'field:constructor', 'field:toString', '__proto__', 'constructor', 'reason', 'assignee'),
  fc.string(),
);

/** Action ids: mostly the one inputs use, sometimes not. */
const actionId = fc.oneof({ weight: 3, arbitrary: fc.constant(ActionId.fieldInput) }, { weight: 1, arbitrary: fc.string() });

/** Anything in the places a string or option is expected (numbers, nulls, arrays, objects…). */
const wrongly = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string()), junk);
const option = fc.oneof(fc.record({ value: wrongly, text: junk }, { requiredKeys: [] }), wrongly);

/** Element states shaped like Slack's, with values of any type in them. */
const element = fc.oneof(
  fc.record({ type: fc.constant('plain_text_input'), value: wrongly }, { requiredKeys: [] }),
  fc.record({ type: fc.constant('number_input'), value: wrongly }, { requiredKeys: [] }),
  fc.record({ type: fc.constant('datepicker'), selected_date: wrongly }, { requiredKeys: [] }),
  fc.record({ type: fc.constant('static_select'), selected_option: option }, { requiredKeys: [] }),
  fc.record({ type: fc.constant('multi_static_select'), selected_options: fc.oneof(fc.array(option), wrongly) }, { requiredKeys: [] }),
  fc.record({ selected_user: wrongly, selected_conversation: wrongly, selected_channel: wrongly }, { requiredKeys: [] }),
  junk,
);

/** `state.values`: anything, a dictionary of anything, or block → action → element. */
const stateValues = fc.oneof(
  junk,
  fc.constantFrom(null, undefined, [], {}, 0, 42, 'values', true),
  fc.array(junk),
  fc.dictionary(blockId, junk),
  fc.dictionary(blockId, fc.oneof(fc.dictionary(actionId, element), fc.array(element), wrongly)),
  fc.dictionary(blockId, fc.dictionary(actionId, element), { noNullPrototype: false }),
);

/** A well-formed submission of the order form, plus unrelated blocks. */
const validOrder = {
  [BlockId.field('order_id')]: { [ActionId.fieldInput]: { type: 'plain_text_input', value: 'SO-12345' } },
  [BlockId.field('customer')]: { [ActionId.fieldInput]: { type: 'plain_text_input', value: 'ACME GmbH' } },
  [BlockId.field('ship_by')]: { [ActionId.fieldInput]: { type: 'datepicker', selected_date: '2026-12-01' } },
  [BlockId.field('priority')]: { [ActionId.fieldInput]: { type: 'static_select', selected_option: { value: 'Urgent', text: { type: 'plain_text', text: 'Urgent' } } } },
  [BlockId.field('quantity')]: { [ActionId.fieldInput]: { type: 'number_input', value: '3' } },
};

// ---- properties -------------------------------------------------------------------------------------

const isRaw = (v: unknown): v is RawFieldInput => v === null || v === undefined || typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

describe('readFieldInput on arbitrary state.values', () => {
  it('never throws and returns only text, lists of text or nothing, keyed by the field blocks it was given', () => {
    fc.assert(
      fc.property(stateValues, (values) => {
        const raw = parse(values);
        expect(raw !== null && typeof raw === 'object').toBe(true);
        const given = values !== null && typeof values === 'object' ? Object.keys(values).flatMap((b) => BlockId.fieldKey(b) ?? []) : [];
        for (const [key, v] of Object.entries(raw)) {
          expect(given).toContain(key);
          expect(isRaw(v)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('reads a well-formed submission the same way whatever unrelated blocks come with it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((b) => BlockId.fieldKey(b) === null), junk), (extra) => {
        const raw = parse({ ...extra, ...validOrder });
        expect(raw).toEqual({ order_id: 'SO-12345', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Urgent', quantity: '3' });
      }),
      RUNS,
    );
  });
});

describe('validateFields on whatever readFieldInput returns (order-to-ops fields)', () => {
  it('never throws; every field gets a value, an error or (optional and empty) nothing, never both', () => {
    fc.assert(
      fc.property(stateValues, (values) => {
        const { values: ok, errors } = validateFields(fields, parse(values), NOW);
        for (const key of [...Object.keys(ok), ...Object.keys(errors)]) expect(fieldKeys).toContain(key);
        for (const f of fields) {
          const has = Object.hasOwn(ok, f.key);
          const failed = Object.hasOwn(errors, f.key);
          expect(has && failed).toBe(false);
          if (f.required) expect(has || failed).toBe(true);
          if (failed) expect(typeof errors[f.key] === 'string' && errors[f.key].length > 0).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('only accepts values of the right type and range', () => {
    fc.assert(
      fc.property(stateValues, (values) => {
        const { values: ok } = validateFields(fields, parse(values), NOW);
        for (const f of fields) {
          if (!Object.hasOwn(ok, f.key)) continue;
          const v = ok[f.key];
          switch (f.type) {
            case 'number':
              expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
              if (f.min !== undefined) expect(v).toBeGreaterThanOrEqual(f.min);
              if (f.max !== undefined) expect(v).toBeLessThanOrEqual(f.max);
              break;
            case 'date':
              expect(v).toMatch(/^\d{4}-\d{2}-\d{2}$/);
              break;
            case 'select':
              expect(f.options).toContain(v);
              break;
            default:
              expect(typeof v === 'string' && v.trim() === v && v.length > 0).toBe(true);
              if (f.pattern) expect(new RegExp(f.pattern, 'u').test(v as string)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('a well-formed submission with any unrelated blocks has no errors', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((b) => BlockId.fieldKey(b) === null), junk), (extra) => {
        const { values, errors } = validateFields(fields, parse({ ...extra, ...validOrder }), NOW);
        expect(errors).toEqual({});
        expect(values).toEqual({ order_id: 'SO-12345', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3 });
      }),
      RUNS,
    );
  });
});
