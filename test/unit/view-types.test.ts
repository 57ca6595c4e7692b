import type { Button, KnownBlock, View } from '@slack/types';
import { describe, expectTypeOf, it } from 'vitest';
import { ActionId } from '../../src/slack/ids';
import { mrkdwn } from '../../src/slack/mrkdwn';
import type { HomeTab, Modal } from '../../src/slack/views/block';
import { buildHomeView } from '../../src/slack/views/home';
import { button, type SlackMessage } from '../../src/slack/views/messages';
import { buildNoticeModal, buildRejectModal } from '../../src/slack/views/modals';

// These hold at type-check time (`npm run typecheck`), not at run time: a `@ts-expect-error` line that
// compiles fails tsc, so the check breaks if the views' types ever loosen to `{ type: string; [key]: any }`.
describe('Block Kit types of the views', () => {
  it('are what views.open, views.publish and chat.postMessage take', () => {
    expectTypeOf(buildRejectModal).returns.toExtend<View>();
    expectTypeOf(buildHomeView).returns.toExtend<View>();
    expectTypeOf<SlackMessage['blocks']>().toEqualTypeOf<KnownBlock[]>();
  });

  it('reject a malformed block', () => {
    const modal = buildNoticeModal('Notice', 'Some text');
    // @ts-expect-error a section's text is a text object, not a string
    const stringText: Modal = { ...modal, blocks: [{ type: 'section', text: 'Hello' }] };
    // @ts-expect-error there is no block type "secton"
    const typo: SlackMessage['blocks'] = [{ type: 'secton', text: mrkdwn('Hello') }];
    // @ts-expect-error a button is primary, danger or neither
    const green: Button = { ...button('Go', ActionId.accept, 1), style: 'green' };
    // @ts-expect-error a header takes plain text only
    const mrkdwnHeader: HomeTab = { type: 'home', blocks: [{ type: 'header', text: mrkdwn('*Bold*') }] };
    expectTypeOf([stringText, typo, green, mrkdwnHeader]).not.toBeAny();
  });
});
