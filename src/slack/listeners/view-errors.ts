import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { isDomainError } from '../../domain/errors';
import { toBlockErrors } from '../views/field-inputs';

/**
 * Runs a modal submission's work before acknowledging it, so the modal closes only when the work is
 * stored. A DomainError is shown in the modal (on its fields, or on `fallbackBlock`); anything else is
 * shown there too and then rethrown for the error log.
 */
export async function submitView(ack: AckFn<ViewResponseAction>, fallbackBlock: string, work: () => Promise<ViewResponseAction | undefined>): Promise<void> {
  let response: ViewResponseAction | undefined;
  try {
    response = await work();
  } catch (error) {
    if (isDomainError(error)) {
      const errors = Object.keys(error.fieldErrors).length ? toBlockErrors(error.fieldErrors) : { [fallbackBlock]: error.message.replace(/<@([A-Z0-9]+)>/g, '$1') };
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack({ response_action: 'errors', errors: { [fallbackBlock]: 'Something went wrong on our side; nothing was saved. Try again in a moment.' } });
    throw error;
  }
  await ack(response);
}
