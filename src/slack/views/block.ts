import type { HomeView, KnownBlock, ModalView } from '@slack/types';

// Slack's view types also admit the catch-all `Block` (`{ type: string }`), which would let a misspelt
// or malformed block through; ours hold only the blocks Slack documents, so a wrong one does not compile.

/** A modal as sent to views.open / views.update or in a response_action. */
export interface Modal extends ModalView {
  blocks: KnownBlock[];
}

/** The App Home tab as sent to views.publish. */
export interface HomeTab extends HomeView {
  blocks: KnownBlock[];
}
