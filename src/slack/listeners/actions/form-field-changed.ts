import type { BlockAction } from '@slack/bolt';
import type { View } from '@slack/types';
import { validateFields } from '../../../domain/fields.js';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { readFieldInput } from '../../views/field-inputs.js';
import { buildCompleteModal, buildHandoffFormModal } from '../../views/modals.js';
import { formMeta, handoffMeta, type ListenerDeps, type Register, readMeta } from '../deps.js';

/**
 * A field other fields depend on changed in an open form: the form is rebuilt for what it holds now,
 * so conditional fields appear or disappear. The same builder and the same ids as when it opened,
 * so Slack keeps everything typed; the view's hash makes Slack refuse the update if the form
 * changed since (a later change then brings its own update).
 */
export const registerFormFieldChanged: Register = (app, deps) => {
  app.action<BlockAction>({ block_id: BlockId.anyField, action_id: ActionId.fieldInput }, async ({ ack, body }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const rebuilt = await rebuildForm(deps, view, body.user.id);
    if (!rebuilt) return;
    try {
      await deps.client.views.update({ view_id: view.id, hash: view.hash, view: rebuilt });
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error !== 'hash_conflict') throw error;
    }
  });
};

type OpenView = NonNullable<BlockAction['view']>;

/** The form the person has open, built again for its current values; undefined for any other modal. */
async function rebuildForm({ service }: ListenerDeps, view: OpenView, userId: string): Promise<View | undefined> {
  const raw = readFieldInput(view.state?.values as Record<string, Record<string, unknown>> | undefined);
  if (view.callback_id === CallbackId.form) {
    const meta = readMeta(formMeta, view.private_metadata);
    const type = service.handoffType(meta.typeKey);
    const current = validateFields(type.fields, raw, service.now()).values;
    // Stored values only for whoever may edit them: the metadata came from the client.
    if (meta.handoffId) {
      const h = await service.check(meta.handoffId, userId, { kind: 'resubmit', fields: {} });
      const last = await service.lastReturn(h.id);
      return buildHandoffFormModal(h.typeKey, type, { prefill: h.fields, handoffId: h.id, note: last?.reason, flagged: last?.flaggedFields, somethingElse: last?.somethingElse, current });
    }
    const prefill = meta.parentId ? (await service.nextStep(meta.parentId, meta.typeKey, userId)).prefill : {};
    const source = await service.messageSourceOf(view.id, userId);
    return buildHandoffFormModal(meta.typeKey, type, { prefill, parentId: meta.parentId, source, current });
  }
  if (view.callback_id === CallbackId.complete) {
    const { handoffId } = readMeta(handoffMeta, view.private_metadata);
    const h = await service.check(handoffId, userId, { kind: 'complete', completion: {} });
    const type = service.handoffType(h.typeKey);
    return buildCompleteModal(h.id, h.title, type, validateFields(type.completion.fields, raw, service.now()).values);
  }
  return undefined;
}
