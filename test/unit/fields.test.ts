import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import { type FieldConfig, fieldSchema } from '../../src/config/workflow-schema';
import { buildTitle, cleanText, formatFieldValue, keepStoredFiles, normalizeUniqueValue, type RawFieldInput, shownFieldKeys, validateFields } from '../../src/domain/fields';

const NOW = new Date('2026-03-01T12:00:00Z');
const config = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));

/** A field as the config loader would produce it (defaults applied, refinements checked). */
const field = (f: Record<string, unknown>): FieldConfig => fieldSchema.parse({ label: String(f.key), ...f });

/** Validates one field with one input: its value, or its error. */
function check(f: FieldConfig, input: RawFieldInput): { value?: unknown; error?: string } {
  const { values, errors } = validateFields([f], { [f.key]: input }, NOW);
  const out: { value?: unknown; error?: string } = {};
  if (f.key in values) out.value = values[f.key];
  if (f.key in errors) out.error = errors[f.key];
  return out;
}

describe('validateFields: text and longtext', () => {
  const text = field({ key: 'customer', type: 'text', required: true });
  const longtext = field({ key: 'notes', type: 'longtext' });

  it('trims and keeps the text', () => {
    expect(check(text, '  ACME Corp \n')).toEqual({ value: 'ACME Corp' });
    expect(check(longtext, 'line 1\nline 2')).toEqual({ value: 'line 1\nline 2' });
  });

  it('requires a required field, also when only whitespace was entered', () => {
    for (const input of [undefined, null, '', '   ', '\n\t ', []]) expect(check(text, input as RawFieldInput)).toEqual({ error: 'This field is required.' });
  });

  it('leaves an empty optional field out, without an error', () => {
    for (const input of [undefined, null, '', '   \n']) expect(check(longtext, input)).toEqual({});
  });

  it('enforces the default max lengths (text 250, longtext 3000) after trimming', () => {
    expect(check(text, 'a'.repeat(250))).toEqual({ value: 'a'.repeat(250) });
    expect(check(text, ` ${'a'.repeat(250)} `)).toEqual({ value: 'a'.repeat(250) });
    expect(check(text, 'a'.repeat(251))).toEqual({ error: 'Keep it to 250 characters (now 251).' });
    expect(check(longtext, 'b'.repeat(3000))).toEqual({ value: 'b'.repeat(3000) });
    expect(check(longtext, 'b'.repeat(3001))).toEqual({ error: 'Keep it to 3000 characters (now 3001).' });
  });

  it('enforces a configured maxLength', () => {
    const short = field({ key: 'code', type: 'text', maxLength: 5 });
    expect(check(short, 'abcde')).toEqual({ value: 'abcde' });
    expect(check(short, 'abcdef')).toEqual({ error: 'Keep it to 5 characters (now 6).' });
  });

  it('checks a pattern, with the configured patternMessage', () => {
    const orderId = field({ key: 'order_id', type: 'text', pattern: '^[A-Z]{2}-[0-9]{4,}$', patternMessage: 'Use the order ID, e.g. SO-12345.' });
    expect(check(orderId, 'SO-12345')).toEqual({ value: 'SO-12345' });
    expect(check(orderId, ' SO-1234 ')).toEqual({ value: 'SO-1234' });
    expect(check(orderId, 'so-12345')).toEqual({ error: 'Use the order ID, e.g. SO-12345.' });
    expect(check(orderId, 'SO-123')).toEqual({ error: 'Use the order ID, e.g. SO-12345.' });
  });

  it('falls back to a generic pattern message that quotes the hint', () => {
    const withHint = field({ key: 'order_id', type: 'text', pattern: '^[A-Z]{2}-[0-9]{4,}$', hint: 'e.g. SO-12345' });
    expect(check(withHint, 'nope')).toEqual({ error: "That doesn't match the expected format (e.g. SO-12345)." });
    const bare = field({ key: 'order_id', type: 'text', pattern: '^x$' });
    expect(check(bare, 'y')).toEqual({ error: "That doesn't match the expected format." });
  });

  it('checks the pattern with the unicode flag', () => {
    const emoji = field({ key: 'mood', type: 'text', pattern: '^\\p{Emoji_Presentation}$' });
    expect(check(emoji, '😀')).toEqual({ value: '😀' });
    expect(check(emoji, 'ab')).toHaveProperty('error');
  });

  it('uses the first entry when an array arrives for a single-value field', () => {
    expect(check(text, ['first', 'second'])).toEqual({ value: 'first' });
  });
});

describe('validateFields: number', () => {
  const qty = field({ key: 'quantity', type: 'number', min: 1, max: 10000 });
  const any = field({ key: 'delta', type: 'number', required: true });

  it('parses numbers as numbers', () => {
    expect(check(any, '42')).toEqual({ value: 42 });
    expect(check(any, ' -3.5 ')).toEqual({ value: -3.5 });
    expect(check(any, '+7')).toEqual({ value: 7 });
    expect(check(any, '.5')).toEqual({ value: 0.5 });
    expect(check(any, '5.')).toEqual({ value: 5 });
    expect(check(any, '1e3')).toEqual({ value: 1000 });
    expect(check(any, '0')).toEqual({ value: 0 });
  });

  it.each(['1e', 'e3', 'abc', '1,000', '0x10', '0b11', 'Infinity', '-Infinity', 'NaN', '1 2', '--1', '1e999', '١٢'])('refuses %j', (input) => {
    expect(check(any, input)).toEqual({ error: 'Enter a number.' });
  });

  it('enforces min and max inclusively', () => {
    expect(check(qty, '1')).toEqual({ value: 1 });
    expect(check(qty, '10000')).toEqual({ value: 10000 });
    expect(check(qty, '0')).toEqual({ error: 'Must be at least 1.' });
    expect(check(qty, '0.999')).toEqual({ error: 'Must be at least 1.' });
    expect(check(qty, '10000.5')).toEqual({ error: 'Must be at most 10000.' });
    expect(check(qty, '-5')).toEqual({ error: 'Must be at least 1.' });
  });

  it('required vs optional', () => {
    expect(check(any, '  ')).toEqual({ error: 'This field is required.' });
    expect(check(qty, '  ')).toEqual({});
  });
});

describe('validateFields: date', () => {
  const date = field({ key: 'ship_by', type: 'date', required: true });

  it('keeps real calendar dates', () => {
    expect(check(date, '2026-03-15')).toEqual({ value: '2026-03-15' });
    expect(check(date, '2028-02-29')).toEqual({ value: '2028-02-29' });
  });

  it.each(['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-3-5', '15/03/2026', '2026-03-15T00:00', 'tomorrow'])('refuses %j', (input) => {
    expect(check(date, input)).toEqual({ error: 'Enter a date as YYYY-MM-DD.' });
  });

  it('refuses dates more than ten years away, either side', () => {
    expect(check(date, '2036-12-31')).toEqual({ value: '2036-12-31' });
    expect(check(date, '2016-01-01')).toEqual({ value: '2016-01-01' });
    expect(check(date, '2037-01-01')).toEqual({ error: 'That date is more than 10 years away; check the year.' });
    expect(check(date, '0226-03-01')).toEqual({ error: 'That date is more than 10 years away; check the year.' });
    expect(check(date, '9999-12-31')).toEqual({ error: 'That date is more than 10 years away; check the year.' });
    expect(check(date, '2015-12-31')).toEqual({ error: 'That date is more than 10 years away; check the year.' });
  });
});

describe('validateFields: select and multiselect', () => {
  const select = field({ key: 'priority', type: 'select', options: ['Low', 'Normal', 'Urgent'], required: true });
  const multi = field({ key: 'areas', type: 'multiselect', options: ['Billing', 'Shipping', 'Returns'] });
  const multiRequired = field({ key: 'areas', type: 'multiselect', options: ['Billing', 'Shipping'], required: true });

  it('accepts a listed option and refuses a stale or differently cased one', () => {
    expect(check(select, 'Urgent')).toEqual({ value: 'Urgent' });
    expect(check(select, 'Critical')).toEqual({ error: 'Pick one of the listed options.' });
    expect(check(select, 'urgent')).toEqual({ error: 'Pick one of the listed options.' });
  });

  it('dedupes and trims multiselect picks, keeping their order', () => {
    expect(check(multi, ['Shipping', 'Billing', 'Shipping', ' Billing '])).toEqual({ value: ['Shipping', 'Billing'] });
  });

  it('accepts a single string for a multiselect', () => {
    expect(check(multi, 'Returns')).toEqual({ value: ['Returns'] });
  });

  it('refuses a multiselect with any stale option', () => {
    expect(check(multi, ['Billing', 'Legacy'])).toEqual({ error: 'Pick from the listed options.' });
  });

  it('required vs optional multiselect', () => {
    expect(check(multi, [])).toEqual({});
    expect(check(multi, ['  ', ''])).toEqual({});
    expect(check(multi, null)).toEqual({});
    expect(check(multiRequired, [])).toEqual({ error: 'Pick at least one option.' });
    expect(check(multiRequired, [' '])).toEqual({ error: 'Pick at least one option.' });
    expect(check(multiRequired, undefined)).toEqual({ error: 'Pick at least one option.' });
  });
});

describe('validateFields: user, channel, url, email', () => {
  const user = field({ key: 'person', type: 'user', required: true });
  const channel = field({ key: 'where', type: 'channel' });
  const url = field({ key: 'link', type: 'url' });
  const email = field({ key: 'contact', type: 'email' });

  it('takes Slack user IDs only', () => {
    expect(check(user, 'U0123ABCD')).toEqual({ value: 'U0123ABCD' });
    expect(check(user, 'W0123ABCD')).toEqual({ value: 'W0123ABCD' });
    for (const bad of ['bob', 'u0123abcd', 'C0123ABCD', '<@U0123ABCD>', 'U0', 'U01!channel']) expect(check(user, bad)).toEqual({ error: 'Pick a person.' });
  });

  it('takes Slack channel IDs only', () => {
    expect(check(channel, 'C0123ABCD')).toEqual({ value: 'C0123ABCD' });
    expect(check(channel, 'G0123ABCD')).toEqual({ value: 'G0123ABCD' });
    expect(check(channel, 'D0123ABCD')).toEqual({ value: 'D0123ABCD' });
    for (const bad of ['#general', 'U0123ABCD', 'c0123', '<#C0123ABCD>']) expect(check(channel, bad)).toEqual({ error: 'Pick a channel.' });
  });

  it('takes http and https URLs only', () => {
    expect(check(url, 'https://example.com/orders/1?x=1')).toEqual({ value: 'https://example.com/orders/1?x=1' });
    expect(check(url, 'http://intranet.local')).toEqual({ value: 'http://intranet.local' });
    const error = 'Enter a full web address starting with https://';
    for (const bad of ['javascript:alert(1)', 'JavaScript:alert(document.cookie)', 'data:text/html,<b>x</b>', 'ftp://example.com', 'example.com', 'mailto:a@b.co', 'https://'])
      expect(check(url, bad)).toEqual({ error });
  });

  it('refuses URLs over 2000 characters', () => {
    const long = `https://example.com/${'a'.repeat(1990)}`;
    expect(check(url, long)).toEqual({ error: `Keep it to 2000 characters (now ${long.length}).` });
  });

  it('checks email addresses', () => {
    expect(check(email, 'ops@example.com')).toEqual({ value: 'ops@example.com' });
    for (const bad of ['ops', 'ops@example', '@example.com', 'a b@example.com', 'ops@@example.com']) expect(check(email, bad)).toEqual({ error: 'Enter an email address such as name@example.com.' });
  });

  it('applies a pattern after the type check for url and email', () => {
    const corp = field({ key: 'contact', type: 'email', pattern: '@example\\.com$', patternMessage: 'Use a company address.' });
    expect(check(corp, 'a@example.com')).toEqual({ value: 'a@example.com' });
    expect(check(corp, 'a@gmail.com')).toEqual({ error: 'Use a company address.' });
    expect(check(corp, 'not-an-email')).toEqual({ error: 'Enter an email address such as name@example.com.' });
  });
});

describe('validateFields: a whole form', () => {
  const type = config.handoffTypes['order-to-ops'];

  it('reports every problem at once, keyed by field', () => {
    const { values, errors } = validateFields(type.fields, { order_id: 'bad', customer: '  ', ship_by: '2026-02-30', priority: 'Huge', quantity: '1e', notes: '' }, NOW);
    expect(values).toEqual({});
    expect(errors).toEqual({
      order_id: "That doesn't match the expected format.",
      customer: 'This field is required.',
      ship_by: 'Enter a date as YYYY-MM-DD.',
      priority: 'Pick one of the listed options.',
      quantity: 'Enter a number.',
    });
  });

  it('returns typed values for a valid form and ignores unknown keys', () => {
    const { values, errors } = validateFields(type.fields, { order_id: 'SO-12345', customer: 'ACME', ship_by: '2026-03-10', priority: 'Urgent', quantity: '12', extra: 'ignored' }, NOW);
    expect(errors).toEqual({});
    expect(values).toEqual({ order_id: 'SO-12345', customer: 'ACME', ship_by: '2026-03-10', priority: 'Urgent', quantity: 12 });
  });
});

describe('cleanText: what Slack may refuse never gets stored', () => {
  it.each([
    ['NUL and other C0 controls are removed', 'a\u0000b\u0001c\u001fd', 'abcd'],
    ['tab and newline stay', 'a\tb\nc', 'a\tb\nc'],
    ['CR LF and a lone CR become newlines', 'a\r\nb\rc', 'a\nb\nc'],
    ['DEL and C1 controls are removed', 'a\u007fb\u0085c\u009fd', 'abcd'],
    ['a lone high or low surrogate becomes U+FFFD', 'a\uD83Db\uDE00c', 'a\uFFFDb\uFFFDc'],
    ['a whole emoji and other scripts stay', 'ok 😀 Grüße 東京', 'ok 😀 Grüße 東京'],
  ])('%s', (_name, input, output) => {
    expect(cleanText(input)).toBe(output);
  });

  it('leaves nothing unsendable, whatever the input', () => {
    // eslint-disable-next-line no-control-regex
    const unsendable = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\r]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => !unsendable.test(cleanText(text))));
  });

  it('is applied to text, multiselect options and patterns alike', () => {
    const fields = [field({ key: 'code', type: 'text', pattern: '^[A-Z]{2}-\\d+$' }), field({ key: 'areas', type: 'multiselect', options: ['Billing', 'Shipping'] })];
    const { values, errors } = validateFields(fields, { code: 'SO-\u000012', areas: ['Bill\u0000ing'] }, NOW);
    expect(errors).toEqual({});
    expect(values).toEqual({ code: 'SO-12', areas: ['Billing'] });
  });
});

describe('normalizeUniqueValue', () => {
  it('compares case- and edge-space-insensitively', () => {
    expect(normalizeUniqueValue(' SO-123 ')).toBe('so-123');
    expect(normalizeUniqueValue('so-123')).toBe(normalizeUniqueValue('SO-123\t'));
    expect(normalizeUniqueValue(42)).toBe('42');
    expect(normalizeUniqueValue(1.5)).toBe('1.5');
    expect(normalizeUniqueValue('Straße')).toBe('straße');
  });

  it('keeps distinct values distinct', () => {
    expect(normalizeUniqueValue('SO-123')).not.toBe(normalizeUniqueValue('SO-1234'));
    expect(normalizeUniqueValue('SO 123')).not.toBe(normalizeUniqueValue('SO-123'));
  });
});

describe('buildTitle and formatFieldValue', () => {
  const type = config.handoffTypes['order-to-ops'];

  it('titles a handoff by its type and first filled text field', () => {
    expect(buildTitle(type.name, type.fields, { order_id: 'SO-1', customer: 'ACME' })).toBe('New order to Operations: SO-1');
    expect(buildTitle(type.name, type.fields, { customer: 'ACME' })).toBe('New order to Operations: ACME');
    expect(buildTitle(type.name, type.fields, { quantity: 3 })).toBe('New order to Operations');
  });

  it('formats numbers and lists for people', () => {
    const qty = type.fields.find((f) => f.key === 'quantity');
    expect(formatFieldValue(qty, 1234567.5)).toBe('1,234,567.5');
    expect(formatFieldValue(undefined, ['a', 'b'])).toBe('a, b');
    expect(formatFieldValue(undefined, 'x')).toBe('x');
  });
});

describe('validateFields: properties', () => {
  const every: FieldConfig[] = [
    field({ key: 'f_text', type: 'text', required: true }),
    field({ key: 'f_text_pattern', type: 'text', pattern: '^[A-Z]{2}-\\d+$', patternMessage: 'Like AB-1' }),
    field({ key: 'f_text_short', type: 'text', maxLength: 3 }),
    field({ key: 'f_longtext', type: 'longtext', required: true }),
    field({ key: 'f_number', type: 'number', min: -10, max: 10 }),
    field({ key: 'f_date', type: 'date', required: true }),
    field({ key: 'f_select', type: 'select', options: ['A', 'B'] }),
    field({ key: 'f_multi', type: 'multiselect', options: ['A', 'B'], required: true }),
    field({ key: 'f_user', type: 'user' }),
    field({ key: 'f_channel', type: 'channel', required: true }),
    field({ key: 'f_url', type: 'url' }),
    field({ key: 'f_email', type: 'email' }),
  ];
  const unicode = fc.string({ unit: 'binary', maxLength: 300 });
  const rawInput: fc.Arbitrary<RawFieldInput> = fc.oneof(unicode, fc.array(unicode, { maxLength: 5 }), fc.constant(null), fc.constant(undefined));
  const rawForm = fc.record(Object.fromEntries(every.map((f) => [f.key, rawInput])) as Record<string, fc.Arbitrary<RawFieldInput>>);

  it('never throws, and every field ends up with a value, a non-empty error, or nothing when optional', () => {
    fc.assert(
      fc.property(rawForm, (raw) => {
        const { values, errors } = validateFields(every, raw, NOW);
        for (const f of every) {
          const hasValue = f.key in values;
          const hasError = f.key in errors;
          expect(hasValue && hasError).toBe(false);
          if (hasError) {
            expect(typeof errors[f.key]).toBe('string');
            expect(errors[f.key].trim().length).toBeGreaterThan(0);
          }
          if (f.required) expect(hasValue || hasError).toBe(true);
        }
        expect(Object.keys(values).every((k) => every.some((f) => f.key === k))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('values are trimmed and within the field limits', () => {
    fc.assert(
      fc.property(rawForm, (raw) => {
        const { values } = validateFields(every, raw, NOW);
        for (const [key, value] of Object.entries(values)) {
          if (typeof value === 'string') {
            expect(value).toBe(value.trim());
            expect(value.length).toBeGreaterThan(0);
          }
          if (key === 'f_text_short') expect([...(value as string)].length).toBeLessThanOrEqual(3);
          if (key === 'f_number') expect(Math.abs(value as number)).toBeLessThanOrEqual(10);
          if (key === 'f_multi') expect((value as string[]).every((v) => v === 'A' || v === 'B')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a valid number string always parses to the same number', () => {
    const f = field({ key: 'n', type: 'number' });
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(check(f, String(n))).toEqual({ value: n === 0 ? 0 : n });
      }),
    );
  });
});

describe('validateFields: conditions (when)', () => {
  const priority = field({ key: 'priority', type: 'select', options: ['Low', 'Urgent'], required: true });
  const urgency = field({ key: 'urgency', type: 'text', required: true, when: { field: 'priority', is: 'Urgent' } });
  const approver = field({ key: 'approver', type: 'user', when: { field: 'priority', in: ['Urgent'] } });
  const why = field({ key: 'why', type: 'text', required: true, when: { field: 'approver', filled: true } });
  const fields = [priority, urgency, approver, why];

  it('requires a shown field and ignores a hidden one, whatever was sent', () => {
    expect(validateFields(fields, { priority: 'Urgent' }, NOW).errors).toEqual({ urgency: 'This field is required.' });
    const low = validateFields(fields, { priority: 'Low', urgency: 'sneaked', approver: 'U0A', why: 'x' }, NOW);
    expect(low).toEqual({ values: { priority: 'Low' }, errors: {} });
  });

  it('chains: a field shown by a hidden field is hidden too', () => {
    expect(validateFields(fields, { priority: 'Urgent', urgency: 'u', approver: 'U0A' }, NOW).errors).toEqual({ why: 'This field is required.' });
    expect(validateFields(fields, { priority: 'Low', approver: 'U0A' }, NOW).errors).toEqual({});
    expect(shownFieldKeys(fields, { priority: 'Urgent', approver: 'U0A' })).toEqual(new Set(['priority', 'urgency', 'approver', 'why']));
  });

  it('matches a multiselect when the option is among those picked', () => {
    const areas = field({ key: 'areas', type: 'multiselect', options: ['A', 'B'] });
    const note = field({ key: 'note', type: 'text', required: true, when: { field: 'areas', is: 'B' } });
    expect(validateFields([areas, note], { areas: ['A', 'B'] }, NOW).errors).toEqual({ note: 'This field is required.' });
    expect(validateFields([areas, note], { areas: ['A'] }, NOW).errors).toEqual({});
  });

  it('hides fields of a loop the config check would refuse instead of recursing forever', () => {
    const a = { ...field({ key: 'a', type: 'user' }), when: { field: 'b', filled: true as const } };
    const b = { ...field({ key: 'b', type: 'user' }), when: { field: 'a', filled: true as const } };
    expect(shownFieldKeys([a, b], { a: 'U0A', b: 'U0B' })).toEqual(new Set());
  });
});

describe('validateFields: files', () => {
  const po = field({ key: 'po', type: 'file', required: true, filetypes: ['pdf', 'png'], maxFiles: 2 });
  const file = (id: string, name: string) => ({ id, name, permalink: `https://acme.slack.com/files/U0A/${id}/${name}` });

  it('keeps id, name and link of each file', () => {
    expect(check(po, [{ ...file('F01', 'po.pdf'), size: 12 } as never])).toEqual({ value: [file('F01', 'po.pdf')] });
  });

  it('requires a file, refuses too many and the wrong type, and ids without a lookup', () => {
    expect(check(po, null)).toEqual({ error: 'Attach a file.' });
    expect(check(po, [file('F01', 'a.pdf'), file('F02', 'b.pdf'), file('F03', 'c.pdf')])).toEqual({ error: 'Attach at most 2 files.' });
    expect(check(po, [file('F01', 'a.exe')]).error).toContain('a.exe is not one of the accepted file types: pdf, png');
    expect(check(po, ['F01'])).toEqual({ error: 'Attach a file.' });
    expect(check(po, [{ id: 'F01', name: 'x.pdf', permalink: 'javascript:alert(1)' } as never])).toEqual({ error: 'Attach a file.' });
  });

  it('a resubmission keeps the stored files unless new ones come', () => {
    const stored = { po: [file('F01', 'old.pdf')] };
    expect(keepStoredFiles([po], { po: null }, stored).po).toEqual(stored.po);
    expect(keepStoredFiles([po], { po: [file('F02', 'new.pdf')] }, stored).po).toEqual([file('F02', 'new.pdf')]);
  });

  it('formats files by name', () => {
    expect(formatFieldValue(po, [file('F01', 'a.pdf'), file('F02', 'b.png')])).toBe('a.pdf, b.png');
  });
});
