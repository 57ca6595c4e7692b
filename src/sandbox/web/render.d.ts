// Types of render.js, the sandbox page's Block Kit renderer (plain JavaScript, so the browser loads it unbuilt).
// Block Kit JSON is open-ended
type Json = any;

export interface RenderContext {
  users?: Record<string, string>;
  channels?: Record<string, string>;
  usergroups?: Record<string, string>;
  people?: { id: string; name: string }[];
  /** The sandbox clock, ms since epoch. */
  now?: number;
  timeZone?: string;
  /** block_id → message shown under that input. */
  errors?: Record<string, string>;
  blockId?: string;
  dispatchAction?: boolean;
}

export declare const EMOJI: Record<string, string>;
export declare const RENDERED_ELEMENTS: string[];
export declare const RENDERED_BLOCKS: string[];
export declare function escapeHtml(value: unknown): string;
export declare function own<T>(record: Record<string, T> | undefined, key: string): T | undefined;
export declare function emojify(html: string): string;
export declare function renderPlaceholder(kind: string, type: string): string;
export declare function formatSlackDate(epochSeconds: number, format: string, ctx?: RenderContext): string | null;
export declare function renderMrkdwn(text: string, ctx?: RenderContext): string;
export declare function renderPlain(obj: Json): string;
export declare function renderText(obj: Json, ctx?: RenderContext): string;
export declare function blockIdOf(block: Json, index: number): string;
export declare function actionIdOf(element: Json, index: number): string;
export declare function renderElement(el: Json, ctx?: RenderContext, where?: 'actions' | 'accessory' | 'input' | 'context', index?: number): string;
export declare function renderBlocks(blocks: Json[], ctx?: RenderContext): string;
export declare function renderFiles(files: Json): string;
export declare function renderMessageBody(message: Json, ctx?: RenderContext): string;
export declare function renderModal(modal: { view: Json; errors?: Record<string, string>; problem?: string }, ctx?: RenderContext): string;
export declare function renderConfirm(confirm: Json, ctx?: RenderContext): string;
export declare function stateValueOf(el: Json, raw: string | string[] | Json[] | null | undefined): Json;
export declare function renderFileList(files: Json[]): string;
export declare function actionPayloadOf(el: Json, raw: string | string[] | null | undefined, blockId: string, index?: number): Json;
export declare function validateInput(el: Json, raw: string | string[] | Json[] | null | undefined, optional: boolean): string | null;
