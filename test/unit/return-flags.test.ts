import { describe, expect, it } from 'vitest';
import { decide, returnFlagsOf } from '../../src/domain/lifecycle';
import { BlockId, SOMETHING_ELSE } from '../../src/slack/ids';
import { buildRejectModal, readReturnFlags } from '../../src/slack/views/modals';

const fields = Array.from({ length: 12 }, (_, i) => ({ key: `f${i}`, label: `Field ${i}`, type: 'text' as const, required: false, unique: false }));

describe('return flags', () => {
  it('splits the checkboxes into blocks of ten (Slack’s limit) with "Something else" last, and reads them back', () => {
    const modal = buildRejectModal(1, 'T', fields);
    const boxes = modal.blocks.filter((b) => b.block_id && BlockId.isFlagged(b.block_id));
    expect(boxes.map((b) => b.block_id)).toEqual([BlockId.flagged(0), BlockId.flagged(1)]);
    const options = boxes.flatMap((b) => (b as { element: { options: Array<{ value: string }> } }).element.options.map((o) => o.value));
    expect(options).toHaveLength(13);
    expect(options.at(-1)).toBe(SOMETHING_ELSE);
    const picked = (values: string[]) => ({ value: { type: 'checkboxes', selected_options: values.map((value) => ({ value })) } });
    expect(readReturnFlags({ [BlockId.flagged(0)]: picked(['f1', 'f1']), [BlockId.flagged(1)]: picked(['f11', SOMETHING_ELSE]), reason: { value: { value: 'x' } } })).toEqual({
      fields: ['f1', 'f11'],
      somethingElse: true,
    });
    // What a client could send instead of a list is ignored, not a crash.
    expect(readReturnFlags({ [BlockId.flagged(0)]: { value: { selected_options: 'f1' } }, [BlockId.flagged(1)]: { value: { selected_options: [null, { value: 3 }] } } })).toEqual({ fields: [], somethingElse: false });
  });

  it('a type without fields gets no checkboxes', () => {
    expect(buildRejectModal(1, 'T').blocks.some((b) => b.block_id && BlockId.isFlagged(b.block_id))).toBe(false);
  });

  it('decide stores the flags, deduplicated, with the reason; older events read as flagging nothing', () => {
    const t = decide({ id: 1, state: 'open', requesterId: 'U1', ownerId: 'U1', version: 1 }, { kind: 'reject', reason: ' why ', flagged: { fields: ['a', 'a', 'b'], somethingElse: false } }, { userId: 'U2', isMember: true, isLead: false });
    expect(t.data).toEqual({ reason: 'why', flaggedFields: ['a', 'b'], somethingElse: false });
    expect(returnFlagsOf({ reason: 'old' })).toEqual({ flaggedFields: [], somethingElse: false });
    expect(returnFlagsOf({ flaggedFields: ['a', 7], somethingElse: 'yes' })).toEqual({ flaggedFields: ['a'], somethingElse: false });
  });
});
