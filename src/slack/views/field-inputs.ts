import type { InputBlock, InputBlockElement, PlainTextOption } from '@slack/types';
import { type FieldConfig, MAX_FILES } from '../../config/workflow-schema.js';
import { controllingFieldKeys, type FieldValue, type FieldValues, type FileRef, isFileList, isFileRef, maxLengthOf, type RawFieldInput, shownFieldKeys } from '../../domain/fields.js';
import { ActionId, BlockId } from '../ids.js';
import { plain } from '../mrkdwn.js';


const option = (value: string): PlainTextOption => ({ text: plain(value, 75), value });

function elementFor(field: FieldConfig, initial: FieldValue | undefined): InputBlockElement {
  const base = { action_id: ActionId.fieldInput };
  const placeholder = field.placeholder ? { placeholder: plain(field.placeholder, 150) } : {};
  const str = initial === undefined ? undefined : String(initial);
  switch (field.type) {
    case 'text':
    case 'longtext':
      return {
        ...base,
        type: 'plain_text_input',
        multiline: field.type === 'longtext',
        ...(maxLengthOf(field) ? { max_length: maxLengthOf(field) } : {}),
        ...placeholder,
        ...(str !== undefined ? { initial_value: str } : {}),
      };
    case 'number':
      return {
        ...base,
        type: 'number_input',
        is_decimal_allowed: true,
        ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
        ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
        ...placeholder,
        ...(str !== undefined ? { initial_value: str } : {}),
      };
    case 'date':
      return { ...base, type: 'datepicker', ...placeholder, ...(str ? { initial_date: str } : {}) };
    case 'select':
      return {
        ...base,
        type: 'static_select',
        options: (field.options ?? []).map(option),
        ...placeholder,
        ...(str && field.options?.includes(str) ? { initial_option: option(str) } : {}),
      };
    case 'multiselect': {
      const picked = (Array.isArray(initial) ? initial : []).filter((v): v is string => typeof v === 'string' && field.options?.includes(v) === true);
      return {
        ...base,
        type: 'multi_static_select',
        options: (field.options ?? []).map(option),
        ...placeholder,
        ...(picked.length ? { initial_options: picked.map(option) } : {}),
      };
    }
    case 'user':
      return { ...base, type: 'users_select', ...placeholder, ...(str ? { initial_user: str } : {}) };
    case 'channel':
      return { ...base, type: 'conversations_select', ...placeholder, ...(str ? { initial_conversation: str } : {}) };
    case 'url':
      return { ...base, type: 'url_text_input', ...placeholder, ...(str !== undefined ? { initial_value: str } : {}) };
    case 'email':
      return { ...base, type: 'email_text_input', ...placeholder, ...(str !== undefined ? { initial_value: str } : {}) };
    // Slack cannot prefill a file input; files already attached are named in the hint instead.
    case 'file':
      return { ...base, type: 'file_input', ...(field.filetypes ? { filetypes: [...field.filetypes] } : {}), max_files: field.maxFiles ?? MAX_FILES };
  }
}

/** A file field's hint when files are attached already: they stay unless new ones are attached. */
function attachedHint(files: readonly FileRef[]): string {
  return `Attached: ${files.map((f) => f.name).join(', ')}. They stay unless you attach new files here.`;
}

/** Fields a return flagged: their label is marked and the return's reason replaces their hint. */
export interface FieldHighlight {
  readonly keys: readonly string[];
  readonly hint: string;
}

/**
 * One input block per shown field, with the Block Kit element that fits its type. A field with
 * `when` is shown only while its condition holds for `current` (what the form holds now; by default
 * the prefill). Fields that conditions depend on dispatch their changes, so the bot can update the
 * form; block and action ids never change, so Slack keeps what was typed across that update.
 */
export function buildFieldInputs(fields: readonly FieldConfig[], prefill: FieldValues = {}, highlight?: FieldHighlight, current: FieldValues = prefill): InputBlock[] {
  const shown = shownFieldKeys(fields, current);
  const controlling = controllingFieldKeys(fields);
  return fields
    .filter((field) => shown.has(field.key))
    .map((field) => {
      const marked = highlight?.keys.includes(field.key) ?? false;
      const initial = prefill[field.key];
      const attached = field.type === 'file' && isFileList(initial) ? attachedHint(initial) : undefined;
      const hint = [marked ? `Returned: ${highlight?.hint}` : field.hint, attached].filter(Boolean).join(' ');
      return {
        type: 'input',
        block_id: BlockId.field(field.key),
        label: plain(marked ? `⚠️ ${field.label}` : field.label, 2000),
        // Attached files count: the form may come back without new ones.
        optional: !field.required || attached !== undefined,
        ...(hint ? { hint: plain(hint, 2000) } : {}),
        ...(controlling.has(field.key) ? { dispatch_action: true } : {}),
        element: elementFor(field, initial),
      };
    });
}

// state values are whatever the client sent; readFieldInput checks shapes
type StateValues = Record<string, Record<string, unknown>>;

function readElement(v: unknown): RawFieldInput {
  if (!v || typeof v !== 'object') return null;
  const pick = (x: unknown) => (typeof x === 'string' ? x : null);
  if ('files' in v) return Array.isArray(v.files) ? v.files.filter(isFileRef).map((f) => ({ id: f.id, name: f.name, permalink: f.permalink })) : null;
  if ('selected_options' in v)
    return Array.isArray(v.selected_options) ? v.selected_options.map((o) => pick((o as { value?: unknown })?.value)).filter((s): s is string => s !== null) : null;
  if ('selected_option' in v) return pick((v.selected_option as { value?: unknown } | null)?.value);
  if ('selected_date' in v) return pick(v.selected_date);
  if ('selected_user' in v) return pick(v.selected_user);
  if ('selected_conversation' in v) return pick(v.selected_conversation);
  if ('selected_channel' in v) return pick(v.selected_channel);
  if ('value' in v) return pick(v.value);
  return null;
}

/** What the person entered, per field key, from a view's `state.values`. Unknown blocks are ignored. */
export function readFieldInput(values: StateValues | undefined): Record<string, RawFieldInput> {
  // No prototype: a block named `field:__proto__` must not reach Object.prototype.
  const raw: Record<string, RawFieldInput> = Object.create(null);
  for (const [blockId, actions] of Object.entries(values ?? {})) {
    const key = BlockId.fieldKey(blockId);
    if (key && actions && typeof actions === 'object') raw[key] = readElement(actions[ActionId.fieldInput]);
  }
  return raw;
}

/** Field errors keyed by field key → keyed by the block that shows them. */
export function toBlockErrors(errors: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([k, msg]) => [k === BlockId.reason || k === BlockId.assignee || k === BlockId.until ? k : BlockId.field(k), msg]));
}
