/** Every action_id, callback_id and block_id the app sends or listens for. */
export const ActionId = {
  accept: 'handoff_accept',
  reject: 'handoff_reject',
  complete: 'handoff_complete',
  reassign: 'handoff_reassign',
  release: 'handoff_release',
  cancel: 'handoff_cancel',
  resubmit: 'handoff_resubmit',
  startNext: 'handoff_start_next',
  open: 'handoff_open_link',
  snooze: 'handoff_snooze',
  nudgeOwner: 'handoff_nudge_owner',
  history: 'handoff_history',
  pass: 'handoff_pass',
  approve: 'handoff_approve',
  decline: 'handoff_decline',
  awayEnd: 'handoff_away_end',
  homeStart: 'home_start_handoff',
  fieldInput: 'value',
  typeSelect: 'type',
} as const;

export const CallbackId = {
  startShortcut: 'start_handoff',
  messageShortcut: 'handoff_from_message',
  typePicker: 'handoff_type_picker',
  form: 'handoff_form',
  reject: 'handoff_reject_form',
  complete: 'handoff_complete_form',
  reassign: 'handoff_reassign_form',
  snooze: 'handoff_snooze_form',
  history: 'handoff_history_modal',
  pass: 'handoff_pass_form',
  decline: 'handoff_decline_form',
} as const;

export const BlockId = {
  typeSelect: 'type',
  reason: 'reason',
  assignee: 'assignee',
  until: 'until',
  actions: 'handoff_actions',
  /** The Reject modal's "what was missing or wrong" checkboxes; Slack allows 10 options per block, so one block per 10. */
  flagged: (index: number) => `flagged:${index}`,
  isFlagged: (blockId: string) => blockId.startsWith('flagged:'),
  /** One input block per configured field, keyed by the field's key. */
  field: (key: string) => `field:${key}`,
  /** Matches every field's block: a change in a field that others depend on arrives as a block action from it. */
  anyField: /^field:/,
  fieldKey: (blockId: string) => (blockId.startsWith('field:') ? blockId.slice('field:'.length) : null),
} as const;

/** The checkbox value for "something else" in the Reject modal; field keys start with a letter, so it cannot clash. */
export const SOMETHING_ELSE = '_something_else';

/** Custom Workflow Builder steps (manifest `functions`). */
export const FunctionId = {
  startHandoff: 'start_handoff_step',
} as const;

export const COMMAND = '/handoff';
