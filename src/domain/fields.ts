import type { FieldConfig } from '../config/workflow-schema.js';
import { ownEntry } from './own-entry.js';

export type FieldValue = string | number | string[];
export type FieldValues = Record<string, FieldValue>;
/** What an input delivered before validation: text, a selection, several selections, or nothing. */
export type RawFieldInput = string | string[] | null | undefined;

export interface FieldValidation {
  readonly values: FieldValues;
  /** Keyed by field key; empty when everything is valid. */
  readonly errors: Record<string, string>;
}

/** Slack's plain_text_input allows 3000 characters; a one-line field rarely needs more than 250. */
export const DEFAULT_MAX_LENGTH: Record<string, number> = { text: 250, longtext: 3000, url: 2000, email: 254 };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_SANITY_YEARS = 10;

// C0 controls but tab and newline, DEL, and C1 controls: invisible, and NUL makes Slack refuse the message.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Half of a UTF-16 pair: not text in any encoding, so JSON to Slack would carry garbage or be refused.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as a person meant it, in a form Slack takes: line breaks as `\n`, other control characters
 * removed, and a lone surrogate (half an emoji) shown as U+FFFD. Everything typed into a form or sent
 * to the API passes through here before it is checked and stored, so no message built from it can be
 * refused by Slack and retried forever.
 */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(LONE_SURROGATE, '\uFFFD');
}

export function maxLengthOf(field: FieldConfig): number | undefined {
  return field.maxLength ?? DEFAULT_MAX_LENGTH[field.type];
}

function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function checkOne(field: FieldConfig, input: string, now: Date): { value: FieldValue } | { error: string } {
  const max = maxLengthOf(field);
  // Count characters as Slack's max_length does, not UTF-16 units (an emoji is one character).
  const length = [...input].length;
  if (max !== undefined && length > max) return { error: `Keep it to ${max} characters (now ${length}).` };
  switch (field.type) {
    case 'number': {
      const n = Number(input);
      if (!Number.isFinite(n) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(input)) return { error: 'Enter a number.' };
      if (field.min !== undefined && n < field.min) return { error: `Must be at least ${field.min}.` };
      if (field.max !== undefined && n > field.max) return { error: `Must be at most ${field.max}.` };
      return { value: n };
    }
    case 'date': {
      if (!isRealDate(input)) return { error: 'Enter a date as YYYY-MM-DD.' };
      const years = Math.abs(Number(input.slice(0, 4)) - now.getUTCFullYear());
      if (years > DATE_SANITY_YEARS) return { error: `That date is more than ${DATE_SANITY_YEARS} years away; check the year.` };
      return { value: input };
    }
    case 'select':
      if (!field.options?.includes(input)) return { error: 'Pick one of the listed options.' };
      return { value: input };
    case 'user':
      if (!/^[UW][A-Z0-9]{2,}$/.test(input)) return { error: 'Pick a person.' };
      return { value: input };
    case 'channel':
      if (!/^[CGD][A-Z0-9]{2,}$/.test(input)) return { error: 'Pick a channel.' };
      return { value: input };
    case 'url': {
      let url: URL | undefined;
      try {
        url = new URL(input);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return { error: 'Enter a full web address starting with https://' };
      break;
    }
    case 'email':
      if (!EMAIL.test(input)) return { error: 'Enter an email address such as name@example.com.' };
      break;
    default:
      break;
  }
  if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(input))
    return { error: field.patternMessage ?? `That doesn't match the expected format${field.hint ? ` (${field.hint})` : ''}.` };
  return { value: input };
}

/**
 * Checks what a person entered against the configured fields. Never throws: every problem
 * becomes a message on its field, so a form can show all of them at once.
 */
export function validateFields(fields: readonly FieldConfig[], raw: Record<string, RawFieldInput>, now: Date): FieldValidation {
  const values: FieldValues = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const input = ownEntry(raw, field.key);
    if (field.type === 'multiselect') {
      const picked = [...new Set((Array.isArray(input) ? input : input ? [input] : []).map((s) => cleanText(s).trim()).filter(Boolean))];
      if (picked.length === 0) {
        if (field.required) errors[field.key] = 'Pick at least one option.';
        continue;
      }
      if (picked.some((p) => !field.options?.includes(p))) errors[field.key] = 'Pick from the listed options.';
      else values[field.key] = picked;
      continue;
    }
    const first = Array.isArray(input) ? input[0] : input;
    const text = typeof first === 'string' ? cleanText(first).trim() : '';
    if (text === '') {
      if (field.required) errors[field.key] = 'This field is required.';
      continue;
    }
    const result = checkOne(field, text, now);
    if ('error' in result) errors[field.key] = result.error;
    else values[field.key] = result.value;
  }
  return { values, errors };
}

/** Unique fields compare case-, space- and Unicode-form-insensitively, so "so-123 " and "SO-123" are one order. */
export function normalizeUniqueValue(value: FieldValue): string {
  return String(value).normalize('NFC').trim().toLowerCase();
}

/** A short human title: the type's name and its first filled text field. */
export function buildTitle(typeName: string, fields: readonly FieldConfig[], values: FieldValues): string {
  const first = fields.find((f) => f.type === 'text' && typeof values[f.key] === 'string');
  return first ? `${typeName}: ${values[first.key] as string}` : typeName;
}

/** Renders a stored value as plain text (before any mrkdwn escaping). */
export function formatFieldValue(field: FieldConfig | undefined, value: FieldValue): string {
  if (Array.isArray(value)) return value.join(', ');
  if (field?.type === 'number' && typeof value === 'number') return value.toLocaleString('en-US');
  return String(value);
}
