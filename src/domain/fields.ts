import { type FieldConfig, MAX_FILES } from '../config/workflow-schema.js';
import { ownEntry } from './own-entry.js';

/** A file attached to a handoff: a file in Slack, kept by id with the name and link people see. */
export interface FileRef {
  readonly id: string;
  readonly name: string;
  readonly permalink: string;
}

export type FieldValue = string | number | string[] | FileRef[];
export type FieldValues = Record<string, FieldValue>;
/** What an input delivered before validation: text, a selection, several selections, files, or nothing. */
export type RawFieldInput = string | string[] | readonly FileRef[] | null | undefined;

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

const FILE_ID = /^F[A-Z0-9]{2,}$/;

/** A file as Slack reported it in a file_input's state (or as files.info answered): id, name and an http(s) link. */
export function isFileRef(value: unknown): value is FileRef {
  if (!value || typeof value !== 'object') return false;
  const { id, name, permalink } = value as Record<string, unknown>;
  return typeof id === 'string' && FILE_ID.test(id) && typeof name === 'string' && typeof permalink === 'string' && /^https?:\/\/[^\s<>|]+$/.test(permalink);
}

/** Whether a value is a list of attached files (as opposed to a multiselect's strings). */
export function isFileList(value: unknown): value is FileRef[] {
  return Array.isArray(value) && value.length > 0 && value.every(isFileRef);
}

/** The extension a file name ends with, lowercase; '' without one. */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function checkFiles(field: FieldConfig, input: RawFieldInput): { value: FileRef[] } | { error: string } | null {
  const list: unknown[] = Array.isArray(input) ? input : [];
  // Ids alone (a tampered form) are not files Slack handed over: they must be looked up first (the API does).
  const files = list.filter(isFileRef).map((f) => ({ id: f.id, name: cleanText(f.name).trim() || f.id, permalink: f.permalink }));
  if (files.length === 0) return null;
  if (files.length !== list.length) return { error: 'Attach the files again.' };
  const max = field.maxFiles ?? MAX_FILES;
  if (files.length > max) return { error: `Attach at most ${max} file${max === 1 ? '' : 's'}.` };
  const wrong = field.filetypes ? files.find((f) => !field.filetypes?.includes(extensionOf(f.name))) : undefined;
  if (wrong) return { error: `${wrong.name} is not one of the accepted file types: ${field.filetypes?.join(', ')}.` };
  return { value: files };
}

/** Whether a `when` condition holds for the value its field has (undefined: left empty). */
function conditionHolds(when: NonNullable<FieldConfig['when']>, value: FieldValue | undefined): boolean {
  const picked = value === undefined ? [] : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : v.id)) : [String(value)];
  if (when.filled) return picked.length > 0;
  if (when.is !== undefined) return picked.includes(when.is);
  return picked.some((p) => when.in?.includes(p));
}

/**
 * The keys of the fields a form shows for these values: a field with `when` is shown only while its
 * condition holds and the field it depends on is itself shown. The config refuses loops; a loop
 * reaching here anyway hides its fields rather than recursing forever.
 */
export function shownFieldKeys(fields: readonly FieldConfig[], values: FieldValues): Set<string> {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const memo = new Map<string, boolean>();
  const shown = (field: FieldConfig, visiting: Set<string>): boolean => {
    const known = memo.get(field.key);
    if (known !== undefined) return known;
    let result = true;
    if (field.when) {
      const target = byKey.get(field.when.field);
      result =
        target !== undefined && !visiting.has(target.key) && shown(target, new Set([...visiting, field.key])) && conditionHolds(field.when, ownEntry(values, target.key));
    }
    memo.set(field.key, result);
    return result;
  };
  return new Set(fields.filter((f) => shown(f, new Set([f.key]))).map((f) => f.key));
}

/** Keys of the fields other fields' conditions depend on: their inputs tell the bot when they change. */
export function controllingFieldKeys(fields: readonly FieldConfig[]): Set<string> {
  return new Set(fields.flatMap((f) => (f.when ? [f.when.field] : [])));
}

/**
 * On a resubmission a file input comes back empty (Slack cannot prefill one): the files stored
 * before stay unless new ones were attached.
 */
export function keepStoredFiles(fields: readonly FieldConfig[], raw: Record<string, RawFieldInput>, stored: FieldValues): Record<string, RawFieldInput> {
  const merged: Record<string, RawFieldInput> = Object.assign(Object.create(null), raw);
  for (const field of fields) {
    if (field.type !== 'file') continue;
    const input = ownEntry(raw, field.key);
    const before = ownEntry(stored, field.key);
    if ((input === null || input === undefined || (Array.isArray(input) && input.length === 0)) && isFileList(before)) merged[field.key] = before;
  }
  return merged;
}

/**
 * Checks what a person entered against the configured fields. Never throws: every problem
 * becomes a message on its field, so a form can show all of them at once. A field whose `when`
 * does not hold is not shown: its value is dropped and it is not required, whatever was sent.
 */
export function validateFields(fields: readonly FieldConfig[], raw: Record<string, RawFieldInput>, now: Date): FieldValidation {
  const { values, errors } = checkEachField(fields, raw, now);
  const shown = shownFieldKeys(fields, values);
  for (const field of fields)
    if (!shown.has(field.key)) {
      delete values[field.key];
      delete errors[field.key];
    }
  return { values, errors };
}

function checkEachField(fields: readonly FieldConfig[], raw: Record<string, RawFieldInput>, now: Date): FieldValidation {
  const values: FieldValues = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const input = ownEntry(raw, field.key);
    if (field.type === 'file') {
      const result = checkFiles(field, input);
      if (result === null) {
        if (field.required) errors[field.key] = 'Attach a file.';
      } else if ('error' in result) errors[field.key] = result.error;
      else values[field.key] = result.value;
      continue;
    }
    if (field.type === 'multiselect') {
      const strings = (Array.isArray(input) ? input : input ? [input] : []).filter((s): s is string => typeof s === 'string');
      const picked = [...new Set(strings.map((s) => cleanText(s).trim()).filter(Boolean))];
      if (picked.length === 0) {
        if (field.required) errors[field.key] = 'Pick at least one option.';
        continue;
      }
      if (picked.some((p) => !field.options?.includes(p))) errors[field.key] = 'Pick from the listed options.';
      else values[field.key] = picked;
      continue;
    }
    const first: unknown = Array.isArray(input) ? input[0] : input;
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
  if (isFileList(value)) return value.map((f) => f.name).join(', ');
  if (Array.isArray(value)) return value.join(', ');
  if (field?.type === 'number' && typeof value === 'number') return value.toLocaleString('en-US');
  return String(value);
}
