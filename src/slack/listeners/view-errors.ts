import type { AckFn, ViewOutput, ViewResponseAction } from '@slack/bolt';
import { isDomainError } from '../../domain/errors.js';
import { toBlockErrors } from '../views/field-inputs.js';
import { buildNoticeModal } from '../views/modals.js';

/** Field errors may only name blocks the modal has; a message without a field goes on the preferred or first input. */
function errorBlock(view: ViewOutput, preferred: string | undefined): string | null {
  const blocks = Object.keys(view.state?.values ?? {});
  if (preferred && blocks.includes(preferred)) return preferred;
  return blocks[0] ?? null;
}

/**
 * Runs a modal submission's work before acknowledging it, so the modal closes only when the work is
 * stored. A DomainError is shown in the modal (on its fields, or on `preferredBlock`); anything else is
 * shown there too and then rethrown for the error log. Every path acknowledges within the request.
 */
export async function submitView(
  ack: AckFn<ViewResponseAction>,
  view: ViewOutput,
  preferredBlock: string | undefined,
  work: () => Promise<ViewResponseAction | undefined>,
): Promise<void> {
  let response: ViewResponseAction | undefined;
  try {
    response = await work();
  } catch (error) {
    const known = isDomainError(error);
    const message = known ? error.message.replace(/<@([A-Z0-9]+)>/g, '$1') : 'Something went wrong on our side; nothing was saved. Try again in a moment.';
    const block = errorBlock(view, preferredBlock);
    if (known && Object.keys(error.fieldErrors).length) await ack({ response_action: 'errors', errors: toBlockErrors(error.fieldErrors) });
    else if (block) await ack({ response_action: 'errors', errors: { [block]: message } });
    else await ack({ response_action: 'update', view: buildNoticeModal('Handoff', message) });
    if (!known) throw error;
    return;
  }
  await ack(response);
}
