import { describe, expect, it } from 'vitest';
import {
  actionPayloadOf,
  formatSlackDate,
  RENDERED_BLOCKS,
  RENDERED_ELEMENTS,
  type RenderContext,
  renderBlocks,
  renderConfirm,
  renderElement,
  renderFiles,
  renderFileList,
  renderMessageBody,
  renderModal,
  renderMrkdwn,
  stateValueOf,
  validateInput,
} from '../../src/sandbox/web/render.js';

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const option = (value: string, text = value) => ({ text: plain(text), value });
// Monday 2026-11-23 10:00 in New York
const NOW = Date.parse('2026-11-23T15:00:00Z');
const ctx: RenderContext = {
  users: { U0SALES01: 'Ava', U0OPS01: 'Emma' },
  channels: { C0OPS01: 'ops', C0GENERAL: 'general' },
  usergroups: { S0FULFIL: 'fulfilment' },
  people: [
    { id: 'U0SALES01', name: 'Ava' },
    { id: 'U0OPS01', name: 'Emma' },
  ],
  now: NOW,
  timeZone: 'America/New_York',
};

/** The attribute values of every control carrying `data-element`, parsed back. */
function elementsIn(html: string): any[] {
  return [...html.matchAll(/data-element="([^"]*)"/g)].map((m) => JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')));
}

describe('mrkdwn', () => {
  it('renders bold, italic, strike, code, blocks and quotes, and keeps snake_case words', () => {
    const html = renderMrkdwn('*Owner* _soon_ ~old~ `a*b*` order_id\n```x <y>```\n>quoted *line*\n>second', ctx);
    expect(html).toContain('<b>Owner</b>');
    expect(html).toContain('<i>soon</i>');
    expect(html).toContain('<s>old</s>');
    expect(html).toContain('<code class="mk-code">a*b*</code>');
    expect(html).toContain('order_id');
    expect(html).toContain('<pre class="mk-pre">x &lt;y&gt;</pre>');
    expect(html).toContain('<blockquote class="mk-quote">quoted <b>line</b><br>second</blockquote>');
  });

  it('turns links, mentions, channels, user groups and broadcasts into names', () => {
    const html = renderMrkdwn('<https://a.test/x_y|#1 Order> <@U0SALES01> <@U0NOBODY> <#C0OPS01> <!subteam^S0FULFIL|@fulfilment> <!here> <mailto:a@b.test|mail>', ctx);
    expect(html).toContain('<a class="mk-link" href="https://a.test/x_y" target="_blank" rel="noopener">#1 Order</a>');
    expect(html).toContain('@Ava</span>');
    expect(html).toContain('@U0NOBODY</span>');
    expect(html).toContain('data-channel="C0OPS01">#ops</a>');
    expect(html).toContain('@fulfilment</span>');
    expect(html).toContain('mk-broadcast">@here</span>');
    expect(html).toContain('href="mailto:a@b.test"');
  });

  it('keeps what a person typed inert: escapes stay text, no script, no javascript: links, no quote from &gt;', () => {
    const html = renderMrkdwn('&lt;script&gt;alert(1)&lt;/script&gt; &amp; <javascript:alert(1)|click> &lt;!channel&gt;\n&gt; not a quote', ctx);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp;');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&lt;!channel&gt;');
    expect(html).not.toContain('blockquote');
  });

  it('renders emoji it knows and leaves others as text', () => {
    expect(renderMrkdwn(':rotating_light: :white_check_mark: :custom_thing: 10:00:30', ctx)).toBe('🚨 ✅ :custom_thing: 10:00:30');
  });

  it('renders date tokens in the reader timezone, relative to the sandbox clock, with the fallback for unknown formats', () => {
    const at = Date.parse('2026-11-24T19:00:00Z') / 1000; // Tuesday 14:00 New York
    expect(renderMrkdwn(`Accept by <!date^${at}^{date_short_pretty} {time}|2026-11-24 19:00 UTC>`, ctx)).toContain('>tomorrow 2:00 PM</time>');
    expect(formatSlackDate(at, '{date_num} {date} {date_short} {date_long}', ctx)).toBe('2026-11-24 November 24th, 2026 Nov 24, 2026 Tuesday, November 24th, 2026');
    expect(formatSlackDate(at, '{time_secs} {ago}', ctx)).toBe('2:00:00 PM in 1 day');
    expect(formatSlackDate(at, '{date_num} {time}', { ...ctx, timeZone: 'Asia/Tokyo' })).toBe('2026-11-25 4:00 AM');
    expect(formatSlackDate(at + 2 * 86400, '{date_pretty}', ctx)).toBe('November 26th, 2026');
    expect(formatSlackDate(at - 86400, '{date_long_pretty}', ctx)).toBe('today');
    expect(renderMrkdwn(`<!date^${at}^{nonsense}|the fallback>`, ctx)).toContain('>the fallback</time>');
  });
});

describe('blocks', () => {
  it('renders section text, fields and accessory, header, divider, context, actions, image and input with hint and error', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: plain('#1 Order :package:') },
        { type: 'section', block_id: 's1', text: { type: 'mrkdwn', text: '*Hi*' }, fields: [{ type: 'mrkdwn', text: '*A*\n1' }, plain('B')], accessory: { type: 'button', text: plain('Go'), action_id: 'go' } },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'ctx' }, { type: 'image', image_url: 'https://x.test/i.png', alt_text: 'logo' }] },
        { type: 'image', image_url: 'https://x.test/big.png', alt_text: 'chart', title: plain('Chart') },
        { type: 'input', block_id: 'field:x', label: plain('Label'), hint: plain('A hint'), optional: true, element: { type: 'plain_text_input', action_id: 'value' } },
      ],
      { ...ctx, errors: { 'field:x': 'Bad value' } },
    );
    expect(html).toContain('<div class="bk-block bk-header" data-block-id="sandbox_block_0">#1 Order 📦</div>');
    expect(html).toContain('<b>Hi</b>');
    expect(html).toContain('<div class="bk-field"><b>A</b><br>1</div>');
    expect(html).toContain('class="bk-accessory"><button type="button" class="bk-button"');
    expect(html).toContain('<hr class="bk-block bk-divider">');
    expect(html).toContain('bk-context-text">ctx</span>');
    expect(html).toContain('🖼️ logo');
    expect(html).toContain('<figcaption>Chart</figcaption>');
    expect(html).toContain('Label <span class="bk-optional">(optional)</span>');
    expect(html).toContain('<div class="bk-hint">A hint</div>');
    expect(html).toContain('data-error-for="field:x" role="alert">Bad value</div>');
    expect(html).not.toContain('bk-unsupported');
  });

  it('shows every block it does not render as a labelled placeholder', () => {
    const html = renderBlocks([{ type: 'rich_text', elements: [] }, { type: 'video' }, { type: 'section', text: plain('kept') }]);
    expect(html).toContain('data-unsupported="rich_text"');
    expect(html).toContain('does not show this block: <code>rich_text</code>');
    expect(html).toContain('data-unsupported="video"');
    expect(html).toContain('kept');
  });

  it('knows which blocks it renders', () => {
    for (const type of RENDERED_BLOCKS) expect(renderBlocks([{ type, text: plain('t'), elements: [], label: plain('l'), element: { type: 'plain_text_input' } }])).not.toContain('bk-unsupported');
  });

  it('shows an image shared with a message from the page’s own address, and names other files', () => {
    const html = renderMessageBody({ text: '*Weekly*', blocks: [], files: [{ title: 'Report <b>', mimetype: 'image/png', src: '/sandbox/files/F00000001' }] }, ctx);
    expect(html).toContain('<b>Weekly</b>');
    expect(html).toContain('<img src="/sandbox/files/F00000001" alt="Report &lt;b&gt;"');
    // A file from anywhere else is never loaded.
    expect(renderFiles([{ title: 'x', mimetype: 'image/png', src: 'https://evil.test/x.png' }])).toBe('<div class="msg-file">📎 x</div>');
  });

  it('renders a message by its blocks, or by its text when it has none', () => {
    expect(renderMessageBody({ text: 'fallback', blocks: [{ type: 'section', text: plain('blocks win') }] }, ctx)).not.toContain('fallback');
    expect(renderMessageBody({ text: ':wave: <@U0OPS01>', blocks: [] }, ctx)).toContain('👋 <span class="mk-mention" data-user="U0OPS01">@Emma</span>');
  });
});

describe('elements', () => {
  const field = (element: object) => renderElement(element, { ...ctx, blockId: 'b' }, 'input');

  it('renders buttons with style, value, url and confirm, sent at once', () => {
    const html = renderElement({ type: 'button', text: plain('Accept'), action_id: 'handoff_accept', value: '7', style: 'primary', confirm: { title: plain('Sure?') } }, { ...ctx, blockId: 'a' }, 'actions');
    expect(html).toContain('class="bk-button bk-primary"');
    expect(html).toContain('data-dispatch="1"');
    expect(html).toContain('data-confirm="1"');
    expect(elementsIn(html)[0]).toMatchObject({ action_id: 'handoff_accept', value: '7' });
    const link = renderElement({ type: 'button', text: plain('Open'), action_id: 'open', url: 'http://localhost:3000/#/archives/C0OPS01/p1' }, ctx, 'actions');
    expect(link).toContain('data-url="http://localhost:3000/#/archives/C0OPS01/p1"');
    expect(link).toContain('↗');
    expect(renderElement({ type: 'button', text: plain('No'), style: 'danger' }, ctx)).toContain('bk-danger');
  });

  it('renders single- and multi-line text inputs with initial value, placeholder and limits', () => {
    const one = field({ type: 'plain_text_input', action_id: 'value', initial_value: 'SO-1 "x"', placeholder: plain('SO-12345'), max_length: 20 });
    expect(one).toContain('<input type="text"');
    expect(one).toContain('value="SO-1 &quot;x&quot;"');
    expect(one).toContain('placeholder="SO-12345"');
    expect(one).toContain('maxlength="20"');
    expect(one).not.toContain('data-dispatch');
    const many = field({ type: 'plain_text_input', multiline: true, initial_value: 'a\n<b>' });
    expect(many).toContain('<textarea class="bk-text" rows="4"');
    expect(many).toContain('>a\n&lt;b&gt;</textarea>');
  });

  it('renders number, url, email, date and time inputs', () => {
    const number = field({ type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '50', initial_value: '3' });
    expect(number).toContain('type="number"');
    expect(number).toContain('step="1"');
    expect(number).toContain('min="1" max="50"');
    expect(number).toContain('value="3"');
    expect(field({ type: 'number_input', is_decimal_allowed: true })).toContain('step="any"');
    expect(field({ type: 'url_text_input', initial_value: 'https://x.test' })).toContain('type="url"');
    expect(field({ type: 'email_text_input' })).toContain('type="email"');
    expect(field({ type: 'datepicker', initial_date: '2026-12-01' })).toContain('type="date" class="bk-text bk-date"');
    expect(field({ type: 'datepicker', initial_date: '2026-12-01' })).toContain('value="2026-12-01"');
    expect(field({ type: 'timepicker', initial_time: '09:30' })).toContain('type="time"');
  });

  it('renders static selects with options, groups and the initial option, and overflow menus', () => {
    const html = field({ type: 'static_select', placeholder: plain('Pick'), options: [option('Low'), option('Urgent')], initial_option: option('Urgent') });
    expect(html).toContain('<option value="">Pick</option>');
    expect(html).toContain('<option value="Urgent" selected>Urgent</option>');
    const grouped = field({ type: 'static_select', option_groups: [{ label: plain('G'), options: [option('a', 'A')] }] });
    expect(grouped).toContain('<optgroup label="G"><option value="a">A</option></optgroup>');
    const overflow = renderElement({ type: 'overflow', options: [option('x', 'Do X')] }, ctx, 'accessory');
    expect(overflow).toContain('bk-overflow');
    expect(overflow).toContain('data-dispatch="1"');
  });

  it('renders multi selects, checkboxes and radio buttons as lists with the initial choices checked', () => {
    const multi = field({ type: 'multi_static_select', options: [option('Cable'), option('Case')], initial_options: [option('Case')] });
    expect(multi).toContain('<input type="checkbox" name="b/sandbox_action_0" value="Cable"> <span>Cable</span>');
    expect(multi).toContain('value="Case" checked');
    expect(field({ type: 'checkboxes', options: [{ text: { type: 'mrkdwn', text: '*Yes*' }, value: 'y' }] })).toContain('<span><b>Yes</b></span>');
    const radio = field({ type: 'radio_buttons', action_id: 'r', options: [option('a'), option('b')], initial_option: option('b') });
    expect(radio).toContain('bk-checks bk-radio');
    expect(radio).toContain('<input type="radio" name="b/r" value="b" checked>');
  });

  it('offers the workspace people and channels in user and conversation pickers', () => {
    const users = field({ type: 'users_select', initial_user: 'U0OPS01' });
    expect(users).toContain('<option value="U0SALES01">Ava</option>');
    expect(users).toContain('<option value="U0OPS01" selected>Emma</option>');
    expect(field({ type: 'multi_users_select', initial_users: ['U0SALES01'] })).toContain('value="U0SALES01" checked');
    const convo = field({ type: 'conversations_select', initial_conversation: 'C0OPS01' });
    expect(convo).toContain('<option value="C0OPS01" selected>#ops</option>');
    expect(field({ type: 'channels_select' })).toContain('#general');
    expect(field({ type: 'multi_conversations_select' })).toContain('type="checkbox"');
    expect(field({ type: 'multi_channels_select', initial_channels: ['C0GENERAL'] })).toContain('value="C0GENERAL" checked');
  });

  it('renders every element type it claims to, and a labelled placeholder for the rest', () => {
    for (const type of RENDERED_ELEMENTS) expect(renderElement({ type, text: plain('x'), options: [option('a')] }, ctx), type).not.toContain('bk-unsupported');
    for (const type of ['external_select', 'multi_external_select', 'rich_text_input', 'workflow_button']) {
      const html = renderElement({ type }, ctx, 'input');
      expect(html).toContain(`data-unsupported="${type}"`);
      expect(html).toContain(`does not show this element: <code>${type}</code>`);
    }
    expect(renderBlocks([{ type: 'actions', elements: [{ type: 'button', text: plain('Kept') }, { type: 'external_select' }] }])).toMatch(/Kept.*data-unsupported="external_select"/);
  });
});

describe('file inputs', () => {
  const el = { type: 'file_input', action_id: 'value', filetypes: ['pdf', 'png'], max_files: 2 };
  const file = { id: 'F00000001', name: 'po.pdf', permalink: 'http://localhost/#/files/U1/F00000001/po.pdf' };

  it('offers a local file picker limited to the accepted types', () => {
    const html = renderElement(el, ctx, 'input');
    expect(html).toContain('<input type="file" class="bk-file-pick" accept=".pdf,.png" multiple>');
    expect(html).toContain('data-files="[]"');
  });

  it('reports the uploaded files in state and checks the count before sending', () => {
    expect(stateValueOf(el, [file])).toEqual({ type: 'file_input', files: [file] });
    expect(stateValueOf(el, [])).toEqual({ type: 'file_input', files: [] });
    expect(validateInput(el, [], false)).toBe('Please complete this required field.');
    expect(validateInput(el, [], true)).toBeNull();
    expect(validateInput(el, [file, file, file], false)).toBe('Please attach at most 2 files.');
    expect(renderFileList([{ ...file, name: '<b>.pdf' }])).toBe('<li>📎 &lt;b&gt;.pdf</li>');
  });
});

describe('modals and confirm dialogs', () => {
  const view = {
    id: 'V1',
    hash: 'h1',
    title: plain('New order'),
    submit: plain('Send'),
    close: plain('Cancel'),
    blocks: [{ type: 'input', block_id: 'field:order_id', label: plain('Order ID'), element: { type: 'plain_text_input', action_id: 'value' } }],
  };

  it('renders title, blocks, the app field errors under their inputs, submit and close', () => {
    const html = renderModal({ view, errors: { 'field:order_id': 'Use the CRM number' } }, ctx);
    expect(html).toContain('data-view-id="V1" data-hash="h1"');
    expect(html).toContain('<h2 class="modal-title">New order</h2>');
    expect(html).toContain('bk-input bk-has-error');
    expect(html).toContain('>Use the CRM number</div>');
    expect(html).toContain('data-required="1"');
    expect(html).toContain('data-modal="submit">Send</button>');
    expect(html).toContain('data-modal="close">Cancel</button>');
    expect(html).toContain('data-modal="dismiss"');
  });

  it('shows a problem with the submission at the top, and no submit button when the view has none', () => {
    const html = renderModal({ view: { ...view, submit: undefined }, errors: {}, problem: 'We had some trouble connecting' }, ctx);
    expect(html).toContain('<div class="bk-problem" role="alert">We had some trouble connecting</div>');
    expect(html).not.toContain('data-modal="submit"');
  });

  it('renders confirm dialogs with their texts or Slack defaults', () => {
    const html = renderConfirm({ title: plain('Cancel handoff?'), text: plain('Only the requester can cancel.'), confirm: plain('Cancel it'), deny: plain('Keep it'), style: 'danger' });
    expect(html).toContain('<h3>Cancel handoff?</h3>');
    expect(html).toContain('data-confirm-answer="no">Keep it</button>');
    expect(html).toContain('bk-danger" data-confirm-answer="yes">Cancel it</button>');
    expect(renderConfirm({})).toContain('Are you sure?');
  });
});

describe('values as Slack reports them', () => {
  it('gives each element type its state.values shape', () => {
    const opts = { options: [option('Low'), option('Urgent')] };
    expect(stateValueOf({ type: 'plain_text_input' }, 'x')).toEqual({ type: 'plain_text_input', value: 'x' });
    expect(stateValueOf({ type: 'plain_text_input' }, '')).toEqual({ type: 'plain_text_input', value: null });
    expect(stateValueOf({ type: 'number_input' }, '12.5')).toEqual({ type: 'number_input', value: '12.5' });
    expect(stateValueOf({ type: 'url_text_input' }, 'https://x.test')).toEqual({ type: 'url_text_input', value: 'https://x.test' });
    expect(stateValueOf({ type: 'email_text_input' }, 'a@b.test')).toEqual({ type: 'email_text_input', value: 'a@b.test' });
    expect(stateValueOf({ type: 'datepicker' }, '2026-12-01')).toEqual({ type: 'datepicker', selected_date: '2026-12-01' });
    expect(stateValueOf({ type: 'timepicker' }, '')).toEqual({ type: 'timepicker', selected_time: null });
    expect(stateValueOf({ type: 'static_select', ...opts }, 'Urgent')).toEqual({ type: 'static_select', selected_option: option('Urgent') });
    expect(stateValueOf({ type: 'static_select', ...opts }, '')).toEqual({ type: 'static_select', selected_option: null });
    expect(stateValueOf({ type: 'multi_static_select', ...opts }, ['Low', 'Urgent'])).toEqual({ type: 'multi_static_select', selected_options: [option('Low'), option('Urgent')] });
    expect(stateValueOf({ type: 'checkboxes', ...opts }, [])).toEqual({ type: 'checkboxes', selected_options: [] });
    expect(stateValueOf({ type: 'radio_buttons', ...opts }, 'Low')).toEqual({ type: 'radio_buttons', selected_option: option('Low') });
    expect(stateValueOf({ type: 'users_select' }, 'U0OPS01')).toEqual({ type: 'users_select', selected_user: 'U0OPS01' });
    expect(stateValueOf({ type: 'multi_users_select' }, ['U1', 'U2'])).toEqual({ type: 'multi_users_select', selected_users: ['U1', 'U2'] });
    expect(stateValueOf({ type: 'conversations_select' }, 'C0OPS01')).toEqual({ type: 'conversations_select', selected_conversation: 'C0OPS01' });
    expect(stateValueOf({ type: 'multi_conversations_select' }, ['C1'])).toEqual({ type: 'multi_conversations_select', selected_conversations: ['C1'] });
    expect(stateValueOf({ type: 'channels_select' }, 'C1')).toEqual({ type: 'channels_select', selected_channel: 'C1' });
    expect(stateValueOf({ type: 'multi_channels_select' }, ['C1'])).toEqual({ type: 'multi_channels_select', selected_channels: ['C1'] });
    expect(stateValueOf({ type: 'button' }, undefined)).toBeNull();
  });

  it('builds block_actions actions for buttons and menus', () => {
    expect(actionPayloadOf({ type: 'button', action_id: 'handoff_accept', text: plain('Accept'), value: '3', style: 'primary' }, undefined, 'handoff_actions:3')).toEqual({
      action_id: 'handoff_accept',
      block_id: 'handoff_actions:3',
      type: 'button',
      text: plain('Accept'),
      value: '3',
      style: 'primary',
    });
    expect(actionPayloadOf({ type: 'overflow', action_id: 'more', options: [option('x')] }, 'x', 'b')).toEqual({ action_id: 'more', block_id: 'b', type: 'overflow', selected_option: option('x') });
    expect(actionPayloadOf({ type: 'users_select' }, 'U1', 'b', 2)).toEqual({ action_id: 'sandbox_action_2', block_id: 'b', type: 'users_select', selected_user: 'U1' });
  });

  it('checks what Slack checks before sending a submission', () => {
    expect(validateInput({ type: 'plain_text_input' }, '', false)).toBe('Please complete this required field.');
    expect(validateInput({ type: 'plain_text_input' }, '', true)).toBeNull();
    expect(validateInput({ type: 'multi_static_select' }, [], false)).toBe('Please complete this required field.');
    expect(validateInput({ type: 'plain_text_input', min_length: 3 }, 'ab', false)).toBe('Please enter at least 3 characters.');
    expect(validateInput({ type: 'number_input', is_decimal_allowed: false }, '1.5', false)).toBe('Please enter a whole number.');
    expect(validateInput({ type: 'number_input', is_decimal_allowed: true, min_value: '1', max_value: '50' }, '51', false)).toBe('Please enter a number between 1 and 50.');
    expect(validateInput({ type: 'number_input', is_decimal_allowed: true, min_value: '0' }, '-1', false)).toBe('Please enter a number of at least 0.');
    expect(validateInput({ type: 'number_input', is_decimal_allowed: true }, 'abc', false)).toBe('Please enter a number.');
    expect(validateInput({ type: 'email_text_input' }, 'nope', false)).toBe('Please enter a valid email address.');
    expect(validateInput({ type: 'email_text_input' }, 'a@b.test', false)).toBeNull();
    expect(validateInput({ type: 'url_text_input' }, 'javascript:alert(1)', false)).toBe('Please enter a valid URL.');
    expect(validateInput({ type: 'url_text_input' }, 'https://support.example.com/tickets/1', false)).toBeNull();
  });
});
