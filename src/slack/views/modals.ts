import type { KnownBlock } from '@slack/types';
import type { HandoffTypeConfig } from '../../config/workflow-schema.js';
import type { FieldValues } from '../../domain/fields.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
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
  opts: { prefill?: FieldValues; handoffId?: number; parentId?: number; /** Why it was returned. */ note?: string; source?: MessageSource } = {},
): Modal {
  const intro: KnownBlock[] = [];
  if (opts.note) intro.push({ type: 'section', text: mrkdwn(`*Returned because:* ${escapeMrkdwn(opts.note)}`) });
  if (type.description) intro.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(type.description))] });
  const meta: FormMeta = {
    typeKey,
    ...(opts.handoffId ? { handoffId: opts.handoffId } : {}),
    ...(opts.parentId ? { parentId: opts.parentId } : {}),
    ...(opts.source ? { source: { channel: opts.source.channel, ts: opts.source.ts } } : {}),
  };
  const prefill = { ...opts.prefill, ...(opts.source?.text ? prefillFromMessage(type, opts.source.text) : {}) };
  if (opts.source) intro.push({ type: 'context', elements: [mrkdwn(`:speech_balloon: From a message in <#${opts.source.channel}>; it will be linked on the handoff.`)] });
  return modal(CallbackId.form, type.name, [...intro, ...buildFieldInputs(type.fields, prefill)].slice(0, 100), {
    submit: opts.handoffId ? 'Resubmit' : 'Send',
    meta,
  });
}

/** The message text goes into a field keyed `source`, else the first long text field, else nowhere. */
export function prefillFromMessage(type: HandoffTypeConfig, text: string): FieldValues {
  const field = type.fields.find((f) => f.key === 'source') ?? type.fields.find((f) => f.type === 'longtext');
  return field ? { [field.key]: text.slice(0, field.maxLength ?? 3000) } : {};
}

export function buildRejectModal(handoffId: number, title: string): Modal {
  return modal(
    CallbackId.reject,
    'Return handoff',
    [
      { type: 'section', text: mrkdwn(`Return *${escapeMrkdwn(title)}* to the requester to fix and resubmit.`) },
      {
        type: 'input',
        block_id: BlockId.reason,
        label: plain('What is missing or wrong?'),
        element: { type: 'plain_text_input', action_id: ActionId.fieldInput, multiline: true, max_length: 2000 },
      },
    ],
    { submit: 'Return', meta: { handoffId } },
  );
}

export function buildCompleteModal(handoffId: number, title: string, type: HandoffTypeConfig): Modal {
  return modal(
    CallbackId.complete,
    'Mark done',
    [{ type: 'section', text: mrkdwn(`Finish *${escapeMrkdwn(title)}*.`) }, ...buildFieldInputs(type.completion.fields)],
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
