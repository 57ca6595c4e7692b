/** Block Kit JSON as the views build it; Slack's own types are too narrow for builders that compose freely. */
// Block Kit JSON is open-ended
export type Block = { type: string; [key: string]: any };
// nested Block Kit objects (elements, options, texts)
export type BlockPart = Record<string, any>;
/** A modal view as sent to views.open / views.update or in a response_action. */
export interface Modal {
  type: 'modal';
  title: { type: 'plain_text'; text: string; emoji?: boolean };
  blocks: Block[];
  // callback_id, submit, close, private_metadata …
  [key: string]: any;
}
