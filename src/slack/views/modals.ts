import type { KnownBlock } from '@slack/types';
import type { FieldConfig, HandoffTypeConfig } from '../../config/workflow-schema.js';
import type { FieldValues } from '../../domain/fields.js';
import type { ReturnFlags } from '../../domain/lifecycle.js';
import { ActionId, BlockId, CallbackId, SOMETHING_ELSE } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, shortLabel } from '../mrkdwn.js';
import type { Modal } from './block.js';
import { buildFieldInputs } from './field-inputs.js';


/** What a form modal remembers between opening and submission. */
export interface FormMeta {
  readonly typeKey: string;
  /** Set when the form edits a returned handoff. */
  readonly handoffId?: number;
  /** Set when the form starts the next step of a completed handoff. */
  readonly parentId?: number;
  /** Set when the handoff starts from a Slack message (the message shortcut). */
  readonly source?: MessageSource;
}

/** The message a handoff was started from; its text only travels as far as the form's prefill. */
export interface MessageSource {
  readonly channel: string;
  readonly ts: string;
  readonly text?: string;
}

/** Slack allows 3000 characters of private_metadata; the message text gets what the rest leaves. */
const SOURCE_TEXT_LIMIT = 2000;

const TITLE_LIMIT = 24;

function modal(callbackId: string, title: string, blocks: KnownBlock[], opts: { submit?: string; meta?: object } = {}): Modal {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: shortLabel(title, TITLE_LIMIT),
    ...(opts.submit ? { submit: shortLabel(opts.submit, TITLE_LIMIT) } : {}),
    close: plain('Cancel', TITLE_LIMIT),
    ...(opts.meta ? { private_metadata: JSON.stringify(opts.meta) } : {}),
    blocks,
  };
}

export function buildTypePickerModal(types: ReadonlyArray<[string, HandoffTypeConfig]>, source?: MessageSource): Modal {
  if (types.length === 0)
    return modal(CallbackId.typePicker, 'Start a handoff', [
      { type: 'section', text: mrkdwn("There is no handoff type you can start. Ask your Handoff admin to add you to a team's members.") },
    ]);
  return modal(
    CallbackId.typePicker,
    'Start a handoff',
    [
      {
        type: 'input',
        block_id: BlockId.typeSelect,
        label: plain('What are you handing off?'),
        element: {
          type: 'static_select',
          action_id: ActionId.typeSelect,
          options: types.slice(0, 100).map(([key, t]) => ({ text: plain(t.name, 75), value: key, ...(t.description ? { description: plain(t.description, 75) } : {}) })),
        },
      },
    ],
    { submit: 'Next', ...(source ? { meta: { source: { ...source, text: source.text?.slice(0, SOURCE_TEXT_LIMIT) } } } : {}) },
  );
}

export function buildHandoffFormModal(
  typeKey: string,
  type: HandoffTypeConfig,
  opts: {
    prefill?: FieldValues;
    handoffId?: number;
    parentId?: number;
    /** Why it was returned. */
    note?: string;
    /** The fields the return flagged as missing or wrong: marked, with the reason as their hint. */
    flagged?: readonly string[];
    /** The return flagged something that is not a field. */
    somethingElse?: boolean;
    source?: MessageSource;
    /** What the open form holds now (when it is rebuilt after a change): decides which conditional fields show. */
    current?: FieldValues;
  } = {},
): Modal {
  const intro: KnownBlock[] = [];
  const flagged = (opts.flagged ?? []).filter((k) => type.fields.some((f) => f.key === k));
  if (opts.note) {
    const labels = flagged.map((k) => type.fields.find((f) => f.key === k)?.label ?? k);
    const what = [...labels.map(escapeMrkdwn), ...(opts.somethingElse ? ['something else'] : [])];
    intro.push({ type: 'section', text: mrkdwn(`*Returned because:* ${escapeMrkdwn(opts.note)}${what.length ? `\n*Missing or wrong:* ${what.join(', ')}` : ''}`) });
  }
  if (type.description) intro.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(type.description))] });
  const meta: FormMeta = {
    typeKey,
    ...(opts.handoffId ? { handoffId: opts.handoffId } : {}),
    ...(opts.parentId ? { parentId: opts.parentId } : {}),
    ...(opts.source ? { source: { channel: opts.source.channel, ts: opts.source.ts } } : {}),
  };
  const prefill = { ...opts.prefill, ...(opts.source?.text ? prefillFromMessage(type, opts.source.text) : {}) };
  if (opts.source) intro.push({ type: 'context', elements: [mrkdwn(`:speech_balloon: From a message in <#${opts.source.channel}>; it will be linked on the handoff.`)] });
  return modal(CallbackId.form, type.name, [...intro, ...buildFieldInputs(type.fields, prefill, flagged.length && opts.note ? { keys: flagged, hint: opts.note } : undefined, opts.current ?? prefill)].slice(0, 100), {
    submit: opts.handoffId ? 'Resubmit' : 'Send',
    meta,
  });
}

/** The message text goes into a field keyed `source`, else the first long text field, else nowhere. */
export function prefillFromMessage(type: HandoffTypeConfig, text: string): FieldValues {
  const field = type.fields.find((f) => f.key === 'source') ?? type.fields.find((f) => f.type === 'longtext');
  return field ? { [field.key]: text.slice(0, field.maxLength ?? 3000) } : {};
}

/** Slack's limit of options in one checkboxes element. */
const CHECKBOX_LIMIT = 10;

/**
 * Reject: which of the type's fields were missing or wrong (checkboxes, one block per ten, with
 * "Something else" last), and the reason, which stays required.
 */
/** Decline (an approver's "no") is the Return modal without the field checkboxes: the reason goes back to the requester. */
export function buildDeclineModal(handoffId: number, title: string): Modal {
  return modal(
    CallbackId.decline,
    'Decline handoff',
    [
      { type: 'section', text: mrkdwn(`Decline *${escapeMrkdwn(title)}* and send it back to the requester to fix and resubmit.`) },
      {
        type: 'input',
        block_id: BlockId.reason,
        label: plain('Why? The requester sees this.'),
        element: { type: 'plain_text_input', action_id: ActionId.fieldInput, multiline: true, max_length: 2000 },
      },
    ],
    { submit: 'Decline', meta: { handoffId } },
  );
}

export function buildRejectModal(handoffId: number, title: string, fields: readonly FieldConfig[] = []): Modal {
  const options = [...fields.map((f) => ({ text: plain(f.label, 75), value: f.key })), { text: plain('Something else', 75), value: SOMETHING_ELSE }];
  const checkboxes: KnownBlock[] = [];
  if (fields.length > 0)
    for (let i = 0; i < options.length; i += CHECKBOX_LIMIT)
      checkboxes.push({
        type: 'input',
        block_id: BlockId.flagged(i / CHECKBOX_LIMIT),
        optional: true,
        label: plain(i === 0 ? 'What was missing or wrong?' : 'More fields'),
        element: { type: 'checkboxes', action_id: ActionId.fieldInput, options: options.slice(i, i + CHECKBOX_LIMIT) },
      });
  return modal(
    CallbackId.reject,
    'Return handoff',
    [
      { type: 'section', text: mrkdwn(`Return *${escapeMrkdwn(title)}* to the requester to fix and resubmit.`) },
      ...checkboxes,
      {
        type: 'input',
        block_id: BlockId.reason,
        label: plain(fields.length > 0 ? 'What should the requester fix?' : 'What is missing or wrong?'),
        element: { type: 'plain_text_input', action_id: ActionId.fieldInput, multiline: true, max_length: 2000 },
      },
    ],
    { submit: 'Return', meta: { handoffId } },
  );
}

/** The boxes ticked in a Reject modal's `state.values`, as field keys and "something else"; anything malformed is ignored. */
export function readReturnFlags(values: Record<string, Record<string, unknown>> | undefined): ReturnFlags {
  const picked: string[] = [];
  for (const [blockId, actions] of Object.entries(values ?? {})) {
    if (!BlockId.isFlagged(blockId) || !actions || typeof actions !== 'object') continue;
    const selected = (actions[ActionId.fieldInput] as { selected_options?: unknown } | undefined)?.selected_options;
    if (!Array.isArray(selected)) continue;
    for (const o of selected) {
      const value = (o as { value?: unknown } | null)?.value;
      if (typeof value === 'string') picked.push(value);
    }
  }
  return { fields: [...new Set(picked.filter((v) => v !== SOMETHING_ELSE))], somethingElse: picked.includes(SOMETHING_ELSE) };
}

/** `current`: what the open form holds now, when it is rebuilt after a change (decides which conditional fields show). */
export function buildCompleteModal(handoffId: number, title: string, type: HandoffTypeConfig, current: FieldValues = {}): Modal {
  return modal(
    CallbackId.complete,
    'Mark done',
    [{ type: 'section', text: mrkdwn(`Finish *${escapeMrkdwn(title)}*.`) }, ...buildFieldInputs(type.completion.fields, {}, undefined, current)],
    { submit: 'Done', meta: { handoffId } },
  );
}

export function buildReassignModal(handoffId: number, title: string, teamName: string): Modal {
  return modal(
    CallbackId.reassign,
    'Assign handoff',
    [
      { type: 'section', text: mrkdwn(`Who in ${escapeMrkdwn(teamName)} should own *${escapeMrkdwn(title)}*?`) },
      {
        type: 'input',
        block_id: BlockId.assignee,
        label: plain('New owner'),
        element: { type: 'users_select', action_id: ActionId.fieldInput },
      },
    ],
    { submit: 'Assign', meta: { handoffId } },
  );
}

export function buildSnoozeModal(handoffId: number, title: string, initialDate: string): Modal {
  return modal(
    CallbackId.snooze,
    'Snooze reminders',
    [
      { type: 'section', text: mrkdwn(`Pause reminders about *${escapeMrkdwn(title)}*. The SLA keeps counting in reports.`) },
      {
        type: 'input',
        block_id: BlockId.until,
        label: plain('Until'),
        element: { type: 'datepicker', action_id: ActionId.fieldInput, initial_date: initialDate },
      },
      {
        type: 'input',
        block_id: BlockId.reason,
        label: plain('Why does it wait?'),
        hint: plain('Shown in the handoff thread.'),
        element: { type: 'plain_text_input', action_id: ActionId.fieldInput, multiline: true, max_length: 1000 },
      },
    ],
    { submit: 'Snooze', meta: { handoffId } },
  );
}

/** A modal that only says something (a form that can no longer be used, for example). */
export function buildNoticeModal(title: string, text: string): Modal {
  return { type: 'modal', title: plain(title, TITLE_LIMIT), close: plain('Close', TITLE_LIMIT), blocks: [{ type: 'section', text: mrkdwn(escapeMrkdwn(text)) }] };
}
