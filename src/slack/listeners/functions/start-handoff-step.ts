import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { RawFieldInput } from '../../../domain/fields.js';
import { FunctionId } from '../../ids.js';
import type { Register } from '../deps.js';

/** How long the step waits for the channel post, so its output can link to it. */
const LINK_WAIT_MS = 10_000;

/**
 * Field values as Workflow Builder gives them: a JSON object, or one `key: value` per line (what a
 * person can type into a step's text input). Lists in JSON stay lists (multiselect fields).
 */
export function parseStepFields(text: string | undefined): Record<string, RawFieldInput> {
  const trimmed = (text ?? '').trim();
  if (!trimmed) return {};
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new DomainError('validation', 'The fields input is not valid JSON.');
    }
    // No prototype: a key `__proto__` from the step's input stays an unknown field.
    const raw: Record<string, RawFieldInput> = Object.create(null);
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>))
      raw[k] = Array.isArray(v) ? v.map(String) : v === null || v === undefined ? null : String(v);
    return raw;
  }
  const raw: Record<string, RawFieldInput> = Object.create(null);
  for (const line of trimmed.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) raw[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return raw;
}

/**
 * The Workflow Builder step "Start a handoff": Slack's forms and triggers create handoffs with the
 * same validation and flow as the modal; the step's outputs are the handoff id and its link.
 */
export const registerStartHandoffStep: Register = (app, { service }) => {
  app.function(FunctionId.startHandoff, async ({ inputs, complete, fail, body }) => {
    const executionId = (body as { event?: { function_execution_id?: string } }).event?.function_execution_id;
    try {
      const h = await service.start({
        typeKey: String(inputs.handoff_type ?? ''),
        requesterId: String(inputs.requester ?? ''),
        raw: parseStepFields(typeof inputs.fields === 'string' ? inputs.fields : undefined),
        submissionKey: executionId ? `workflow:${executionId}` : undefined,
        via: 'workflow',
      });
      const url = await service.waitForPermalink(h.id, LINK_WAIT_MS);
      await complete({ outputs: { handoff_id: String(h.id), handoff_url: url ?? '' } });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      const fields = Object.entries(error.fieldErrors).map(([k, m]) => `${k}: ${m}`);
      await fail({ error: [error.message.replace(/<@([A-Z0-9]+)>/g, '$1'), ...fields].join(' ') });
    }
  });
};
