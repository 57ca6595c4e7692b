// Block Kit and mrkdwn → HTML for the sandbox page. Pure functions of (JSON, context) that return HTML
// strings: the browser imports this file as it is, and the unit tests import the same file in Node.
//
// context: { users: {id: name}, channels: {id: name}, usergroups: {id: handle}, people: [{id, name}],
//            now: ms (the sandbox clock), timeZone: the reader's IANA zone, errors: {block_id: message} }
//
// Interactive elements carry their Block Kit JSON in data-element, their block in data-block-id and
// whether using them is sent to the app at once in data-dispatch; app.js reads values back with
// stateValueOf and actionPayloadOf below. Whatever is not rendered is shown as a labelled placeholder.

/** Emoji the app uses, and common ones; others stay as `:name:`, like a custom emoji Slack cannot show. */
export const EMOJI = {
  alarm_clock: '⏰', arrow_backward: '◀️', arrow_forward: '▶️', arrow_right: '➡️', arrow_left: '⬅️', arrow_up: '⬆️',
  arrow_down: '⬇️', bar_chart: '📊', bell: '🔔', bulb: '💡', busts_in_silhouette: '👥', bust_in_silhouette: '👤',
  calendar: '📆', chart_with_upwards_trend: '📈', chart_with_downwards_trend: '📉', checkered_flag: '🏁', clipboard: '📋',
  date: '📅', eyes: '👀', fire: '🔥', gear: '⚙️', heavy_check_mark: '✔️', heavy_plus_sign: '➕', heavy_minus_sign: '➖',
  hourglass: '⌛', hourglass_flowing_sand: '⏳', house: '🏠', inbox_tray: '📥', information_source: 'ℹ️',
  large_blue_circle: '🔵', large_green_circle: '🟢', large_yellow_circle: '🟡', red_circle: '🔴', link: '🔗',
  leftwards_arrow_with_hook: '↩️', lock: '🔒', mag: '🔍', memo: '📝', no_entry: '⛔', no_entry_sign: '🚫',
  outbox_tray: '📤', package: '📦', pushpin: '📌', question: '❓', raised_hands: '🙌', repeat: '🔁', rocket: '🚀',
  rotating_light: '🚨', snail: '🐌', sparkles: '✨', speech_balloon: '💬', star: '⭐', stopwatch: '⏱️', tada: '🎉',
  thumbsup: '👍', '+1': '👍', timer_clock: '⏲️', trophy: '🏆', truck: '🚚', warning: '⚠️', wave: '👋',
  white_check_mark: '✅', x: '❌', zap: '⚡', zzz: '💤',
};

/** Element types this renderer shows as working controls. */
export const RENDERED_ELEMENTS = [
  'button', 'plain_text_input', 'number_input', 'url_text_input', 'email_text_input', 'datepicker', 'timepicker',
  'static_select', 'multi_static_select', 'users_select', 'multi_users_select', 'conversations_select',
  'multi_conversations_select', 'channels_select', 'multi_channels_select', 'checkboxes', 'radio_buttons', 'overflow', 'image',
  'file_input',
];

/** Block types this renderer shows. */
export const RENDERED_BLOCKS = ['section', 'header', 'divider', 'context', 'actions', 'input', 'image'];

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** An HTML attribute value: strings as they are, anything else as JSON. */
function attr(value) {
  return escapeHtml(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Slack escapes only these three in mrkdwn. */
function decodeEntities(text) {
  return String(text).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function emojify(html) {
  // Own keys only: `:constructor:` is text, not Object's constructor.
  return html.replace(/:([a-z0-9_+-]+):/g, (m, name) => (Object.hasOwn(EMOJI, name) ? EMOJI[name] : m));
}

/** A labelled stand-in for Block Kit the sandbox does not render, so nothing disappears silently. */
export function renderPlaceholder(kind, type) {
  return `<div class="bk-unsupported" data-unsupported="${attr(type)}">⚠️ The sandbox does not show this ${escapeHtml(kind)}: <code>${escapeHtml(type || 'unknown')}</code></div>`;
}

// ---- dates ------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' })[n % 10] ?? 'th'}`;
}

function localDateParts(date, timeZone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(date)) parts[p.type] = p.value;
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

function agoText(diffMs) {
  const abs = Math.abs(diffMs);
  const units = [['day', DAY_MS], ['hour', 3_600_000], ['minute', 60_000]];
  for (const [unit, size] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return diffMs >= 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return 'just now';
}

/**
 * Slack's `<!date^epoch^format|fallback>` in the reader's timezone: {date_num}, {date}, {date_short},
 * {date_long}, their _pretty forms (today, yesterday, tomorrow), {time}, {time_secs} and {ago}.
 * Null when the format has a token Slack does not know, so the caller shows the fallback.
 */
export function formatSlackDate(epochSeconds, format, ctx = {}) {
  if (!Number.isFinite(epochSeconds) || typeof format !== 'string' || !format) return null;
  const date = new Date(epochSeconds * 1000);
  const timeZone = ctx.timeZone || 'UTC';
  let fmt;
  try {
    fmt = (opts) => new Intl.DateTimeFormat('en-US', { timeZone, ...opts }).format(date);
    fmt({ year: 'numeric' });
  } catch {
    return null;
  }
  const d = localDateParts(date, timeZone);
  const n = localDateParts(new Date(ctx.now ?? Date.now()), timeZone);
  const dayDiff = Math.round((Date.UTC(d.year, d.month - 1, d.day) - Date.UTC(n.year, n.month - 1, n.day)) / DAY_MS);
  const relative = dayDiff === 0 ? 'today' : dayDiff === -1 ? 'yesterday' : dayDiff === 1 ? 'tomorrow' : null;
  const monthLong = fmt({ month: 'long' });
  const long = `${fmt({ weekday: 'long' })}, ${monthLong} ${ordinal(d.day)}, ${d.year}`;
  const plainDate = `${monthLong} ${ordinal(d.day)}, ${d.year}`;
  const short = `${fmt({ month: 'short' })} ${d.day}, ${d.year}`;
  const tokens = {
    date_num: `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
    date: plainDate,
    date_short: short,
    date_long: long,
    date_pretty: relative ?? plainDate,
    date_short_pretty: relative ?? short,
    date_long_pretty: relative ?? long,
    time: fmt({ hour: 'numeric', minute: '2-digit' }),
    time_secs: fmt({ hour: 'numeric', minute: '2-digit', second: '2-digit' }),
    ago: agoText((ctx.now ?? Date.now()) - date.getTime()),
  };
  let unknown = false;
  const text = format.replace(/\{(\w+)\}/g, (m, token) => {
    if (!Object.hasOwn(tokens, token)) {
      unknown = true;
      return m;
    }
    return tokens[token];
  });
  return unknown ? null : text;
}

// ---- mrkdwn -----------------------------------------------------------------------------------------

function splitLabel(inner) {
  const bar = inner.indexOf('|');
  return bar < 0 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

/** `record[key]` for the record's own keys only: a text's `constructor` must not find Object's. */
export function own(record, key) {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** One `<…>` of mrkdwn: a mention, channel, user group, broadcast, date or link. */
function renderAngle(inner, ctx) {
  const [target, label] = splitLabel(inner);
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    const name = own(ctx.users, id) ?? (label ? decodeEntities(label) : id);
    return `<span class="mk-mention" data-user="${attr(id)}">@${escapeHtml(name)}</span>`;
  }
  if (/^#[CGD][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    const name = own(ctx.channels, id) ?? (label ? decodeEntities(label) : id);
    return `<a class="mk-channel" href="#/channel/${attr(id)}" data-channel="${attr(id)}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = (label ? decodeEntities(label) : own(ctx.usergroups, id) ?? id).replace(/^@/, '');
    return `<span class="mk-mention mk-group" data-usergroup="${attr(id)}">@${escapeHtml(handle)}</span>`;
  }
  if (target === '!here' || target === '!channel' || target === '!everyone') {
    return `<span class="mk-mention mk-broadcast">@${escapeHtml(target.slice(1))}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, epoch, format, link] = target.split('^');
    const ms = Number(epoch) * 1000;
    const formatted = formatSlackDate(Number(epoch), format, ctx);
    const text = formatted ?? decodeEntities(label ?? '');
    const iso = Number.isFinite(ms) && epoch !== '' ? new Date(ms).toISOString() : '';
    const time = `<time class="mk-date" datetime="${attr(iso)}" title="${attr(decodeEntities(label ?? ''))}">${escapeHtml(text)}</time>`;
    return link && /^https?:/i.test(link) ? `<a class="mk-link" href="${attr(link)}" target="_blank" rel="noopener">${time}</a>` : time;
  }
  if (/^(https?:\/\/|mailto:|tel:)/i.test(target)) {
    const href = decodeEntities(target);
    const text = decodeEntities(label ?? target.replace(/^mailto:/i, ''));
    return `<a class="mk-link" href="${attr(href)}" target="_blank" rel="noopener">${escapeHtml(text)}</a>`;
  }
  if (target.startsWith('!')) return escapeHtml(decodeEntities(label ?? `@${target.slice(1)}`));
  // Not something Slack turns into a link: it stays text.
  return escapeHtml(`<${decodeEntities(inner)}>`);
}

const BEFORE = '(^|[\\s(\\[{"\'>…\\uE000])';
const AFTER = '(?=$|[\\s.,!?;:)\\]}"\'…\\uE000<])';
const STYLES = [
  [new RegExp(`${BEFORE}\\*(?=\\S)([^*\\n]*?\\S)\\*${AFTER}`, 'g'), 'b'],
  [new RegExp(`${BEFORE}_(?=\\S)([^_\\n]*?\\S)_${AFTER}`, 'g'), 'i'],
  [new RegExp(`${BEFORE}~(?=\\S)([^~\\n]*?\\S)~${AFTER}`, 'g'), 's'],
];

function styleLine(html) {
  let out = html;
  for (const [re, tag] of STYLES) out = out.replace(re, (m, pre, body) => `${pre}<${tag}>${body}</${tag}>`);
  return out;
}

/**
 * Slack mrkdwn → HTML: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, links
 * `<url|text>`, mentions `<@U…>` by name, channels, user groups, `<!date^…|fallback>`, emoji. Text is
 * HTML-escaped; only http(s), mailto and tel links become links.
 */
export function renderMrkdwn(text, ctx = {}) {
  const kept = [];
  const keep = (html) => `\uE000${kept.push(html) - 1}\uE000`;
  let s = String(text ?? '');
  s = s.replace(/```([\s\S]*?)```/g, (m, code) => keep(`<pre class="mk-pre">${escapeHtml(decodeEntities(code.replace(/^\n/, '')))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (m, code) => keep(`<code class="mk-code">${escapeHtml(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (m, inner) => keep(renderAngle(inner, ctx)));
  const lines = s.split('\n').map((line) => {
    // A quote starts with a real ">"; one a person typed arrives escaped as &gt; and stays text.
    const quote = line.startsWith('>');
    const body = quote ? line.slice(1).replace(/^ /, '') : line;
    return { quote, html: styleLine(emojify(escapeHtml(decodeEntities(body)))) };
  });
  let html = '';
  for (let i = 0; i < lines.length; i++) {
    const { quote } = lines[i];
    if (quote) {
      const group = [];
      while (i < lines.length && lines[i].quote) group.push(lines[i++].html);
      i--;
      html += `<blockquote class="mk-quote">${group.join('<br>')}</blockquote>`;
    } else html += lines[i].html + (i < lines.length - 1 && !lines[i + 1].quote ? '<br>' : '');
  }
  return html.replace(/\uE000(\d+)\uE000/g, (m, n) => kept[Number(n)]);
}

/** A plain_text object: escaped, with emoji unless `emoji: false`. */
export function renderPlain(obj) {
  const html = escapeHtml(obj?.text ?? '');
  return obj?.emoji === false ? html : emojify(html);
}

/** A text object of either type. */
export function renderText(obj, ctx = {}) {
  if (!obj) return '';
  return obj.type === 'mrkdwn' ? renderMrkdwn(obj.text, ctx) : renderPlain(obj);
}

// ---- elements ---------------------------------------------------------------------------------------

/** Slack makes up a block_id when the app gives none; the sandbox makes up a stable one. */
export function blockIdOf(block, index) {
  return block?.block_id ?? `sandbox_block_${index}`;
}

/** Likewise for action_id. */
export function actionIdOf(element, index) {
  return element?.action_id ?? `sandbox_action_${index}`;
}

function optionsOf(el) {
  if (Array.isArray(el.options)) return el.options;
  if (Array.isArray(el.option_groups)) return el.option_groups.flatMap((g) => g.options ?? []);
  return [];
}

function renderOptions(el, selected) {
  const one = (o) => `<option value="${attr(o.value ?? '')}"${selected.includes(o.value) ? ' selected' : ''}>${renderPlain(o.text)}</option>`;
  if (Array.isArray(el.option_groups))
    return el.option_groups.map((g) => `<optgroup label="${attr(g.label?.text ?? '')}">${(g.options ?? []).map(one).join('')}</optgroup>`).join('');
  return (el.options ?? []).map(one).join('');
}

function selectHtml(el, common, choices, selected, fallback) {
  const placeholder = el.placeholder?.text ?? fallback;
  const options = choices.map((c) => `<option value="${attr(c.value)}"${c.value === selected ? ' selected' : ''}>${escapeHtml(c.label)}</option>`).join('');
  return `<select class="bk-select" ${common}><option value="">${escapeHtml(placeholder)}</option>${options}</select>`;
}

function checkList(el, common, choices, selected, kind = 'checkbox') {
  // Radio buttons group by name; one element's are one group.
  const name = /data-block-id="([^"]*)" data-action-id="([^"]*)"/.exec(common)?.slice(1).join('/') ?? 'choice';
  const items = choices
    .map(
      (c) =>
        `<label class="bk-check"><input type="${kind}" name="${attr(name)}" value="${attr(c.value)}"${selected.includes(c.value) ? ' checked' : ''}> <span>${c.html ?? escapeHtml(c.label)}</span>${c.description ? `<small>${c.description}</small>` : ''}</label>`,
    )
    .join('');
  return `<div class="bk-checks bk-${kind}" ${common}>${items || '<em>Nothing to choose from</em>'}</div>`;
}

function peopleChoices(ctx) {
  return (ctx.people ?? []).map((p) => ({ value: p.id, label: p.name }));
}

function channelChoices(ctx) {
  return Object.entries(ctx.channels ?? {}).map(([id, name]) => ({ value: id, label: `#${name}` }));
}

/**
 * One Block Kit element. `where` is the block kind around it: elements in actions blocks and section
 * accessories (and inputs with dispatch_action) are sent to the app as soon as they are used.
 */
export function renderElement(el, ctx = {}, where = 'actions', index = 0) {
  if (!el || typeof el !== 'object') return renderPlaceholder('element', String(el));
  const dispatch = where === 'actions' || where === 'accessory' || ctx.dispatchAction === true;
  const common = `data-element="${attr(el)}" data-block-id="${attr(ctx.blockId ?? '')}" data-action-id="${attr(actionIdOf(el, index))}" data-type="${attr(el.type)}"${dispatch ? ' data-dispatch="1"' : ''}`;
  const placeholder = el.placeholder ? ` placeholder="${attr(el.placeholder.text ?? '')}"` : '';
  switch (el.type) {
    case 'button': {
      const style = el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : '';
      const url = el.url ? ` data-url="${attr(el.url)}"` : '';
      const icon = el.url ? ' <span class="bk-external" aria-hidden="true">↗</span>' : '';
      return `<button type="button" class="bk-button${style}" ${common}${url}${el.confirm ? ' data-confirm="1"' : ''}>${renderPlain(el.text)}${icon}</button>`;
    }
    case 'plain_text_input': {
      const limits = `${el.max_length ? ` maxlength="${attr(String(el.max_length))}"` : ''}${el.min_length ? ` minlength="${attr(String(el.min_length))}"` : ''}`;
      if (el.multiline) return `<textarea class="bk-text" rows="4" ${common}${placeholder}${limits}>${escapeHtml(el.initial_value ?? '')}</textarea>`;
      return `<input type="text" class="bk-text" ${common}${placeholder}${limits} value="${attr(el.initial_value ?? '')}">`;
    }
    case 'number_input': {
      const bounds = `${el.min_value !== undefined ? ` min="${attr(String(el.min_value))}"` : ''}${el.max_value !== undefined ? ` max="${attr(String(el.max_value))}"` : ''}`;
      return `<input type="number" class="bk-text" step="${el.is_decimal_allowed ? 'any' : '1'}" ${common}${placeholder}${bounds} value="${attr(el.initial_value ?? '')}">`;
    }
    case 'url_text_input':
      return `<input type="url" class="bk-text" ${common}${placeholder} value="${attr(el.initial_value ?? '')}">`;
    case 'email_text_input':
      return `<input type="email" class="bk-text" ${common}${placeholder} value="${attr(el.initial_value ?? '')}">`;
    case 'datepicker':
      return `<input type="date" class="bk-text bk-date" ${common}${placeholder} value="${attr(el.initial_date ?? '')}">`;
    case 'timepicker':
      return `<input type="time" class="bk-text bk-date" ${common}${placeholder} value="${attr(el.initial_time ?? '')}">`;
    case 'static_select': {
      const text = el.placeholder?.text ?? 'Select an item';
      return `<select class="bk-select" ${common}><option value="">${escapeHtml(text)}</option>${renderOptions(el, [el.initial_option?.value])}</select>`;
    }
    case 'overflow':
      return `<select class="bk-select bk-overflow" title="More actions" ${common}><option value="">⋯</option>${renderOptions(el, [])}</select>`;
    case 'multi_static_select':
      return checkList(el, common, optionsOf(el).map((o) => ({ value: o.value, html: renderPlain(o.text) })), (el.initial_options ?? []).map((o) => o.value));
    case 'checkboxes':
      return checkList(el, common, optionsOf(el).map((o) => ({ value: o.value, html: renderText(o.text, ctx), description: o.description ? renderText(o.description, ctx) : '' })), (el.initial_options ?? []).map((o) => o.value));
    case 'radio_buttons':
      return checkList(el, common, optionsOf(el).map((o) => ({ value: o.value, html: renderText(o.text, ctx), description: o.description ? renderText(o.description, ctx) : '' })), [el.initial_option?.value], 'radio');
    case 'users_select':
      return selectHtml(el, common, peopleChoices(ctx), el.initial_user, 'Select a person');
    case 'multi_users_select':
      return checkList(el, common, peopleChoices(ctx), el.initial_users ?? []);
    case 'conversations_select':
      return selectHtml(el, common, channelChoices(ctx), el.initial_conversation, 'Select a conversation');
    case 'channels_select':
      return selectHtml(el, common, channelChoices(ctx), el.initial_channel, 'Select a channel');
    case 'multi_conversations_select':
      return checkList(el, common, channelChoices(ctx), el.initial_conversations ?? []);
    case 'multi_channels_select':
      return checkList(el, common, channelChoices(ctx), el.initial_channels ?? []);
    case 'file_input': {
      // The picked files live in data-files (what the emulator answered for each upload) until the form is sent.
      const accept = Array.isArray(el.filetypes) && el.filetypes.length ? ` accept="${attr(el.filetypes.map((t) => `.${t}`).join(','))}"` : '';
      const multiple = (el.max_files ?? 10) > 1 ? ' multiple' : '';
      return `<div class="bk-file" ${common} data-files="[]"><input type="file" class="bk-file-pick"${accept}${multiple}><ul class="bk-file-list"></ul></div>`;
    }
    case 'image':
      // No network in the sandbox: an image is shown as what it is of.
      return `<span class="bk-image-el" title="${attr(el.image_url ?? '')}">🖼️ ${escapeHtml(el.alt_text ?? 'image')}</span>`;
    default:
      return renderPlaceholder('element', el.type);
  }
}

// ---- blocks -----------------------------------------------------------------------------------------

function renderBlock(block, index, ctx) {
  if (!block || typeof block !== 'object') return renderPlaceholder('block', String(block));
  const id = blockIdOf(block, index);
  const inner = { ...ctx, blockId: id };
  switch (block.type) {
    case 'section': {
      const text = block.text ? `<div class="bk-section-text">${renderText(block.text, ctx)}</div>` : '';
      const fields = block.fields?.length ? `<div class="bk-fields">${block.fields.map((f) => `<div class="bk-field">${renderText(f, ctx)}</div>`).join('')}</div>` : '';
      const accessory = block.accessory ? `<div class="bk-accessory">${renderElement(block.accessory, inner, 'accessory', 0)}</div>` : '';
      return `<div class="bk-block bk-section" data-block-id="${attr(id)}"><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'header':
      return `<div class="bk-block bk-header" data-block-id="${attr(id)}">${renderPlain(block.text)}</div>`;
    case 'divider':
      return `<hr class="bk-block bk-divider">`;
    case 'context': {
      const parts = (block.elements ?? []).map((e) =>
        e?.type === 'mrkdwn' || e?.type === 'plain_text' ? `<span class="bk-context-text">${renderText(e, ctx)}</span>` : e?.type === 'image' ? renderElement(e, inner, 'context') : renderPlaceholder('context element', e?.type),
      );
      return `<div class="bk-block bk-context" data-block-id="${attr(id)}">${parts.join('')}</div>`;
    }
    case 'actions':
      return `<div class="bk-block bk-actions" data-block-id="${attr(id)}">${(block.elements ?? []).map((e, i) => renderElement(e, inner, 'actions', i)).join('')}</div>`;
    case 'input': {
      const error = ctx.errors?.[id];
      const optional = block.optional ? ' <span class="bk-optional">(optional)</span>' : '';
      const hint = block.hint ? `<div class="bk-hint">${renderText(block.hint, ctx)}</div>` : '';
      const element = renderElement(block.element, { ...inner, dispatchAction: block.dispatch_action === true }, 'input', 0);
      return (
        `<div class="bk-block bk-input${error ? ' bk-has-error' : ''}" data-block-id="${attr(id)}"${block.optional ? '' : ' data-required="1"'}>` +
        `<label class="bk-label">${renderPlain(block.label)}${optional}</label>${element}` +
        `<div class="bk-error" data-error-for="${attr(id)}" role="alert">${error ? escapeHtml(error) : ''}</div>${hint}</div>`
      );
    }
    case 'image': {
      const title = block.title ? `<figcaption>${renderText(block.title, ctx)}</figcaption>` : '';
      return `<figure class="bk-block bk-image" data-block-id="${attr(id)}">${title}<div class="bk-image-box" title="${attr(block.image_url ?? '')}">🖼️ ${escapeHtml(block.alt_text ?? 'image')}</div></figure>`;
    }
    default:
      return renderPlaceholder('block', block.type);
  }
}

/** The list of files uploaded into a file input, as HTML. */
export function renderFileList(files) {
  return (Array.isArray(files) ? files : []).map((f) => `<li>📎 ${escapeHtml(f?.name ?? '')}</li>`).join('');
}

/** A list of blocks (a message, a modal's or Home tab's body). */
export function renderBlocks(blocks, ctx = {}) {
  return (Array.isArray(blocks) ? blocks : []).map((b, i) => renderBlock(b, i, ctx)).join('');
}

/** Files shared with a message: images shown (from the page's own origin), other files as their title. */
export function renderFiles(files) {
  return (Array.isArray(files) ? files : [])
    .map((f) => {
      const title = escapeHtml(f?.title ?? f?.name ?? 'file');
      const src = typeof f?.src === 'string' && f.src.startsWith('/sandbox/files/') ? escapeHtml(f.src) : null;
      if (src && typeof f.mimetype === 'string' && f.mimetype.startsWith('image/'))
        return `<figure class="msg-file"><a href="${src}" target="_blank" rel="noopener"><img src="${src}" alt="${title}" loading="lazy"></a><figcaption>${title}</figcaption></figure>`;
      return `<div class="msg-file">📎 ${title}</div>`;
    })
    .join('');
}

/** A message's body: its blocks, or its text when it has none (as Slack shows it), then its files. */
export function renderMessageBody(message, ctx = {}) {
  const files = renderFiles(message?.files);
  if (Array.isArray(message?.blocks) && message.blocks.length > 0) return renderBlocks(message.blocks, ctx) + files;
  const text = message?.text ? `<div class="bk-section-text">${renderMrkdwn(message.text, ctx)}</div>` : '';
  return (text || files ? text : `<div class="bk-section-text"></div>`) + files;
}

/**
 * A modal: title and ✕, its blocks with the app's errors under their inputs, and its close and submit
 * buttons. `modal` is { view, errors, problem } as the emulator keeps it.
 */
export function renderModal(modal, ctx = {}) {
  const view = modal?.view ?? {};
  const errors = modal?.errors ?? {};
  const problem = modal?.problem ? `<div class="bk-problem" role="alert">${escapeHtml(modal.problem)}</div>` : '';
  const submit = view.submit ? `<button type="button" class="bk-button bk-primary" data-modal="submit">${renderPlain(view.submit)}</button>` : '';
  const close = `<button type="button" class="bk-button" data-modal="close">${renderPlain(view.close ?? { type: 'plain_text', text: 'Cancel' })}</button>`;
  return (
    `<div class="modal" role="dialog" aria-modal="true" aria-label="${attr(view.title?.text ?? '')}" data-view-id="${attr(view.id ?? '')}" data-hash="${attr(view.hash ?? '')}">` +
    `<div class="modal-head"><h2 class="modal-title">${renderPlain(view.title)}</h2><button type="button" class="modal-x" data-modal="dismiss" aria-label="Close">✕</button></div>` +
    `${problem}<div class="modal-body">${renderBlocks(view.blocks, { ...ctx, errors })}</div>` +
    `<div class="modal-foot">${close}${submit}</div></div>`
  );
}

/** A confirm dialog object (button.confirm) → its parts as HTML, with Slack's defaults. */
export function renderConfirm(confirm, ctx = {}) {
  const style = confirm?.style === 'danger' ? ' bk-danger' : ' bk-primary';
  return (
    `<div class="confirm" role="alertdialog" aria-modal="true">` +
    `<h3>${renderPlain(confirm?.title ?? { type: 'plain_text', text: 'Are you sure?' })}</h3>` +
    `<div class="confirm-text">${renderText(confirm?.text ?? { type: 'plain_text', text: '' }, ctx)}</div>` +
    `<div class="confirm-foot"><button type="button" class="bk-button" data-confirm-answer="no">${renderPlain(confirm?.deny ?? { type: 'plain_text', text: 'Cancel' })}</button>` +
    `<button type="button" class="bk-button${style}" data-confirm-answer="yes">${renderPlain(confirm?.confirm ?? { type: 'plain_text', text: 'Yes' })}</button></div></div>`
  );
}

// ---- values -----------------------------------------------------------------------------------------

function findOption(el, value) {
  const o = optionsOf(el).find((opt) => opt.value === value);
  return o ? { text: o.text, value: o.value, ...(o.description ? { description: o.description } : {}) } : null;
}

/**
 * What Slack reports in `state.values[block][action]` for an element, from what its control holds:
 * a string for text-like controls, an array of strings for multi-choice ones ('' / [] = empty).
 */
export function stateValueOf(el, raw) {
  if (el?.type === 'file_input') return { type: el.type, files: Array.isArray(raw) ? raw.filter((f) => f && typeof f === 'object') : [] };
  const one = typeof raw === 'string' && raw !== '' ? raw : null;
  const many = Array.isArray(raw) ? raw.filter((v) => typeof v === 'string' && v !== '') : one ? [one] : [];
  switch (el?.type) {
    case 'plain_text_input':
    case 'url_text_input':
    case 'email_text_input':
    case 'number_input':
      return { type: el.type, value: one };
    case 'datepicker':
      return { type: el.type, selected_date: one };
    case 'timepicker':
      return { type: el.type, selected_time: one };
    case 'static_select':
    case 'radio_buttons':
    case 'overflow':
      return { type: el.type, selected_option: one === null ? null : findOption(el, one) };
    case 'multi_static_select':
    case 'checkboxes':
      return { type: el.type, selected_options: many.map((v) => findOption(el, v)).filter(Boolean) };
    case 'users_select':
      return { type: el.type, selected_user: one };
    case 'multi_users_select':
      return { type: el.type, selected_users: many };
    case 'conversations_select':
      return { type: el.type, selected_conversation: one };
    case 'multi_conversations_select':
      return { type: el.type, selected_conversations: many };
    case 'channels_select':
      return { type: el.type, selected_channel: one };
    case 'multi_channels_select':
      return { type: el.type, selected_channels: many };
    default:
      return null;
  }
}

/** The `actions[0]` of a block_actions payload for an element used with this value. */
export function actionPayloadOf(el, raw, blockId, index = 0) {
  const base = { action_id: actionIdOf(el, index), block_id: blockId };
  if (el?.type === 'button') {
    return { ...base, type: 'button', text: el.text, ...(el.value !== undefined ? { value: el.value } : {}), ...(el.style ? { style: el.style } : {}), ...(el.url ? { url: el.url } : {}) };
  }
  const state = stateValueOf(el, raw);
  return state ? { ...base, ...state } : { ...base, type: el?.type };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What Slack's client checks before it sends a submission: required inputs, numbers, emails and URLs. Null when fine. */
export function validateInput(el, raw, optional) {
  const empty = raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0);
  if (empty) return optional ? null : 'Please complete this required field.';
  if (Array.isArray(raw)) {
    const maxFiles = el?.type === 'file_input' ? (el.max_files ?? 10) : undefined;
    if (maxFiles !== undefined && raw.length > maxFiles) return `Please attach at most ${maxFiles} ${maxFiles === 1 ? 'file' : 'files'}.`;
    if (el.max_selected_items && raw.length > el.max_selected_items) return `Please select at most ${el.max_selected_items}.`;
    return null;
  }
  const value = String(raw);
  switch (el?.type) {
    case 'number_input': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) return 'Please enter a number.';
      if (!el.is_decimal_allowed && !Number.isInteger(n)) return 'Please enter a whole number.';
      const min = el.min_value !== undefined ? Number(el.min_value) : undefined;
      const max = el.max_value !== undefined ? Number(el.max_value) : undefined;
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
        if (min !== undefined && max !== undefined) return `Please enter a number between ${min} and ${max}.`;
        return min !== undefined ? `Please enter a number of at least ${min}.` : `Please enter a number of at most ${max}.`;
      }
      return null;
    }
    case 'email_text_input':
      return EMAIL.test(value) ? null : 'Please enter a valid email address.';
    case 'url_text_input': {
      try {
        const u = new URL(value);
        return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'Please enter a valid URL.';
      } catch {
        return 'Please enter a valid URL.';
      }
    }
    case 'plain_text_input':
      if (el.min_length && value.length < el.min_length) return `Please enter at least ${el.min_length} characters.`;
      if (el.max_length && value.length > el.max_length) return `Please enter at most ${el.max_length} characters.`;
      return null;
    default:
      return null;
  }
}
