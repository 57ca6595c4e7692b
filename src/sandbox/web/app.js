// The sandbox page: plays Slack's client for one person at a time. It shows what the emulator holds for
// that person (GET /sandbox/state), refreshes when the server-sent event stream says something changed,
// and sends what the person does to the server, which turns it into Slack's signed requests to the bot.
import { actionPayloadOf, escapeHtml, own, renderBlocks, renderConfirm, renderFileList, renderMessageBody, renderModal, stateValueOf, validateInput } from './render.js';

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const ui = {
  as: new URLSearchParams(location.search).get('as'),
  data: null,
  fetchedAt: 0,
  /** per person: channel id → top-level messages seen */
  seen: {},
  /** ts → updates seen, to flash a post when the app edits it */
  updates: {},
  /** id+hash of the modal on screen, and errors the page found before sending */
  modalKey: null,
  clientErrors: {},
  /** the message a permalink pointed at */
  highlight: null,
  thread: null,
  homeOpenedFor: null,
};

// ---- talking to the sandbox server ----------------------------------------------------------------

async function post(path, body) {
  const res = await fetch(`/sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: ui.as, ...body }) });
  const json = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok || json.ok === false) toast(json.error ?? `HTTP ${res.status}`, true);
  return json;
}

let fetching = null;
let again = false;

async function refresh() {
  if (fetching) {
    again = true;
    return fetching;
  }
  fetching = (async () => {
    do {
      again = false;
      const res = await fetch(`/sandbox/state?as=${encodeURIComponent(ui.as ?? '')}`);
      if (res.ok) {
        ui.data = await res.json();
        ui.fetchedAt = Date.now();
        render();
      }
    } while (again);
  })().finally(() => {
    fetching = null;
  });
  return fetching;
}

function connect() {
  const events = new EventSource('/sandbox/events');
  events.addEventListener('change', () => void refresh());
}

// ---- routes ---------------------------------------------------------------------------------------

/** #/channel/C…, #/app/home, #/app/messages, or a permalink's #/archives/C…/p…?thread_ts=… */
function route() {
  const hash = location.hash.replace(/^#/, '');
  const archive = hash.match(/^\/archives\/([A-Z0-9]+)\/p(\d+)(?:\?(.*))?$/);
  if (archive) {
    const [, channel, p, query] = archive;
    const ts = `${p.slice(0, -6)}.${p.slice(-6)}`;
    const threadTs = new URLSearchParams(query ?? '').get('thread_ts');
    return { kind: channel.startsWith('D') ? 'app' : 'channel', id: channel, tab: 'messages', ts, threadTs };
  }
  const channel = hash.match(/^\/channel\/([A-Z0-9]+)$/);
  if (channel) return { kind: 'channel', id: channel[1] };
  const app = hash.match(/^\/app\/(home|messages)$/);
  if (app) return { kind: 'app', tab: app[1] };
  if (hash === '/webhooks') return { kind: 'webhooks' };
  return { kind: 'channel', id: ui.data?.channels?.[0]?.id };
}

function currentChannel() {
  const r = route();
  if (r.kind === 'app') return r.tab === 'home' ? null : ui.data?.dm;
  if (r.kind === 'webhooks') return null;
  return r.id;
}

window.addEventListener('hashchange', () => {
  const r = route();
  if (r.ts) {
    ui.highlight = r.threadTs ?? r.ts;
    ui.thread = r.threadTs ? { channel: r.id, ts: r.threadTs, focus: r.ts } : null;
  }
  render();
});

/** A link to a message of this workspace opens here; anything else in a new tab. */
function openUrl(url) {
  let target;
  try {
    target = new URL(url, location.href);
  } catch {
    return;
  }
  if (target.hash.startsWith('#/archives/') && target.port === location.port && target.pathname === '/') {
    location.hash = target.hash;
    return;
  }
  window.open(target.href, '_blank', 'noopener');
}

// ---- rendering ------------------------------------------------------------------------------------

function context() {
  const d = ui.data;
  const users = Object.fromEntries(d.people.map((p) => [p.id, p.name]));
  users[d.botUserId] = d.app.name;
  const channels = Object.fromEntries(d.channels.map((c) => [c.id, c.name]));
  const usergroups = Object.fromEntries(Object.keys(d.usergroups).map((id) => [id, id.toLowerCase()]));
  return { users, channels, usergroups, people: d.people, now: sandboxNow(), timeZone: d.me?.tz ?? 'UTC' };
}

function sandboxNow() {
  return ui.data ? Date.parse(ui.data.now) + (Date.now() - ui.fetchedAt) : Date.now();
}

function formatTs(ts, ctx) {
  const date = new Date(Number(ts) * 1000);
  const fmt = (opts) => new Intl.DateTimeFormat('en-US', { timeZone: ctx.timeZone, ...opts }).format(date);
  const day = (x) => new Intl.DateTimeFormat('en-CA', { timeZone: ctx.timeZone }).format(x);
  return day(date) === day(new Date(ctx.now)) ? fmt({ hour: 'numeric', minute: '2-digit' }) : fmt({ weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

function render() {
  if (!ui.data) return;
  renderPersona();
  renderClock();
  renderSidebar();
  renderPane();
  renderThread();
  renderModalLayer();
}

function renderPersona() {
  const select = $('#persona');
  const options = ui.data.people.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.name)} — ${escapeHtml(p.roles.join(', '))}</option>`).join('');
  if (select.dataset.options !== options) {
    select.innerHTML = options;
    select.dataset.options = options;
  }
  select.value = ui.as;
}

function renderClock() {
  if (!ui.data) return;
  const tz = ui.data.me?.tz ?? 'UTC';
  const now = new Date(sandboxNow());
  const text = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(now);
  const el = $('#clock-now');
  el.textContent = `${text} (${tz})`;
  el.dateTime = now.toISOString();
}

function unread(channelId) {
  const count = ui.data.conversations[channelId]?.messages.length ?? 0;
  const seen = (ui.seen[ui.as] ??= {});
  if (currentChannel() === channelId) seen[channelId] = count;
  return count - (seen[channelId] ?? 0);
}

function renderSidebar() {
  const r = route();
  const item = (href, label, active, count, id) =>
    `<a class="side-item${active ? ' active' : ''}${count > 0 ? ' unread' : ''}" href="${href}" data-side="${escapeHtml(id)}">${label}${count > 0 ? `<span class="badge">${count}</span>` : ''}</a>`;
  const channels = ui.data.channels.map((c) => item(`#/channel/${c.id}`, `<span class="hash">#</span> ${escapeHtml(c.name)}`, r.kind === 'channel' && r.id === c.id, unread(c.id), c.id)).join('');
  const app = item(r.kind === 'app' ? `#/app/${r.tab}` : '#/app/messages', `<span class="app-icon">H</span> ${escapeHtml(ui.data.app.name)}`, r.kind === 'app', unread(ui.data.dm), 'app');
  const deliveries = ui.data.webhookDeliveries?.length ?? 0;
  const hooks = ui.data.webhooks?.length
    ? `<div class="side-head">Sandbox</div>${item('#/webhooks', `<span class="hash">↗</span> Webhooks${deliveries ? ` <span class="muted">(${deliveries})</span>` : ''}`, r.kind === 'webhooks', 0, 'webhooks')}`
    : '';
  $('#sidebar').innerHTML = `<div class="side-head">Channels</div>${channels}<div class="side-head">Apps</div>${app}${hooks}`;
}

function messageHtml(m, channel, ctx, opts = {}) {
  const ephemeral = opts.ephemeral === true;
  const ts = ephemeral ? m.message_ts : m.ts;
  const seenUpdates = ui.updates[ts];
  const flash = !ephemeral && seenUpdates !== undefined && m.updates > seenUpdates;
  if (!ephemeral) ui.updates[ts] = m.updates;
  const container = ephemeral ? { type: 'ephemeral', channel, ts } : { type: 'message', channel, ts };
  const person = !ephemeral && m.user ? m.user : null;
  const from = person ? (own(ctx.users, person) ?? person) : ephemeral && m.from ? m.from : ui.data.app.name;
  const badge = person || m.from === 'Slackbot' ? '' : '<span class="app-badge">APP</span>';
  const more = ephemeral || !ui.data.app.messageShortcuts?.length ? '' : '<button type="button" class="msg-more" data-more aria-label="More actions">⋯</button>';
  const replies = !opts.inThread && m.replies?.length ? `<button type="button" class="replies" data-thread="${escapeHtml(ts)}" data-channel="${escapeHtml(channel)}">${m.replies.length} ${m.replies.length === 1 ? 'reply' : 'replies'}</button>` : '';
  const classes = ['msg', ephemeral ? 'ephemeral' : '', flash ? 'flash' : '', ui.highlight === ts ? 'highlight' : ''].filter(Boolean).join(' ');
  return (
    `<div class="${classes}" data-ts="${escapeHtml(ts)}" data-container="${escapeHtml(JSON.stringify(container))}">` +
    `<div class="avatar${m.from === 'Slackbot' ? ' slackbot' : person ? ' person' : ''}">${escapeHtml(from.charAt(0))}</div><div class="msg-main">` +
    `<div class="msg-meta"><b>${escapeHtml(from)}</b> ${badge} <time>${escapeHtml(formatTs(ts, ctx))}</time>` +
    `${!ephemeral && m.updates > 0 ? ' <span class="edited">(edited)</span>' : ''}${ephemeral ? ' <span class="only-you">Only visible to you</span>' : ''}</div>` +
    `<div class="msg-body">${renderMessageBody(m, ctx)}</div>${replies}` +
    `${ephemeral ? `<button type="button" class="dismiss" data-dismiss="${escapeHtml(ts)}">Dismiss</button>` : ''}</div>${more}</div>`
  );
}

function conversationHtml(channel, ctx) {
  const convo = ui.data.conversations[channel] ?? { messages: [], ephemerals: [] };
  const items = [
    ...convo.messages.map((m) => ({ ts: m.ts, html: () => messageHtml(m, channel, ctx) })),
    ...convo.ephemerals.filter((e) => !e.thread_ts).map((e) => ({ ts: e.message_ts, html: () => messageHtml(e, channel, ctx, { ephemeral: true }) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  if (items.length === 0) return `<div class="empty">No messages here yet.</div>`;
  return items.map((i) => i.html()).join('');
}

function renderPane() {
  const r = route();
  const ctx = context();
  const head = $('#pane-head');
  const body = $('#pane-body');
  const composer = $('#composer');
  const wasAtBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 40;
  const key = `${ui.as}|${r.kind}|${r.id ?? r.tab}`;
  const switched = body.dataset.key !== key;
  body.dataset.key = key;
  if (r.kind === 'webhooks') {
    head.innerHTML = `<div class="pane-title">↗ Webhooks</div><div class="pane-sub">The sandbox sends no webhooks: each delivery the bot makes is kept here instead.</div>`;
    composer.hidden = true;
    body.innerHTML = webhooksHtml(ctx);
    return;
  }
  if (r.kind === 'app') {
    head.innerHTML =
      `<div class="pane-title"><span class="app-icon">H</span> ${escapeHtml(ui.data.app.name)}</div>` +
      `<div class="tabs" role="tablist"><a role="tab" href="#/app/home" class="tab${r.tab === 'home' ? ' active' : ''}">Home</a><a role="tab" href="#/app/messages" class="tab${r.tab !== 'home' ? ' active' : ''}">Messages</a></div>`;
    const tab = r.tab === 'home' ? 'home' : 'messages';
    if (ui.homeOpenedFor !== `${ui.as}|${tab}`) {
      ui.homeOpenedFor = `${ui.as}|${tab}`;
      void post('app', { tab });
    }
    if (tab === 'home') {
      composer.hidden = true;
      const home = ui.data.home;
      body.innerHTML = home
        ? `<div class="home" data-container="${escapeHtml(JSON.stringify({ type: 'view', viewId: home.id }))}">${renderBlocks(home.blocks, ctx)}</div>`
        : `<div class="empty">${ui.data.app.homeTab ? `${escapeHtml(ui.data.app.name)} has not published a Home tab for you yet.` : 'This app has no Home tab.'}</div>`;
      return;
    }
    composer.hidden = false;
    $('#composer-input').placeholder = `Message ${ui.data.app.name}`;
    body.innerHTML = conversationHtml(ui.data.dm, ctx);
  } else {
    const channel = ui.data.channels.find((c) => c.id === r.id);
    head.innerHTML = `<div class="pane-title"># ${escapeHtml(channel?.name ?? r.id ?? '')}</div>${channel?.teamKey ? `<div class="pane-sub">Handoffs to this team are posted here</div>` : ''}`;
    composer.hidden = false;
    $('#composer-input').placeholder = `Message #${channel?.name ?? ''} — try ${ui.data.app.commands[0]?.command ?? '/'} help`;
    body.innerHTML = conversationHtml(r.id, ctx);
  }
  const target = ui.highlight && $(`.msg[data-ts="${CSS.escape(ui.highlight)}"]`, body);
  if (target) target.scrollIntoView({ block: 'center' });
  else if (switched || wasAtBottom) body.scrollTop = body.scrollHeight;
}

function webhooksHtml(ctx) {
  const configured = (ui.data.webhooks ?? [])
    .map((w) => `<li><code>${escapeHtml(w.url)}</code> — ${escapeHtml(w.events.join(', '))}</li>`)
    .join('');
  const deliveries = [...(ui.data.webhookDeliveries ?? [])].reverse();
  const list = deliveries.length
    ? deliveries
        .map(
          (d) =>
            `<details class="webhook"><summary><b>${escapeHtml(d.event)}</b> · handoff #${escapeHtml(d.body?.handoff?.id ?? '?')} ${escapeHtml(d.body?.handoff?.title ?? '')}` +
            ` <span class="muted">→ ${escapeHtml(d.url ?? '')} · ${escapeHtml(formatTs(String(d.at / 1000), ctx))}</span></summary>` +
            `<pre>${escapeHtml(JSON.stringify(d.body, null, 2))}</pre></details>`,
        )
        .join('')
    : `<div class="empty">Nothing delivered yet: start a handoff.</div>`;
  return `<div class="home"><p>Configured (would be sent to):</p><ul>${configured}</ul>${list}</div>`;
}

function renderThread() {
  const pane = $('#thread');
  if (!ui.thread) {
    pane.hidden = true;
    return;
  }
  const ctx = context();
  const { channel, ts } = ui.thread;
  const convo = ui.data.conversations[channel];
  const parent = convo?.messages.find((m) => m.ts === ts);
  if (!parent) {
    pane.hidden = true;
    return;
  }
  const name = ui.data.channels.find((c) => c.id === channel)?.name;
  const ephemerals = (convo.ephemerals ?? []).filter((e) => e.thread_ts === ts).map((e) => ({ ts: e.message_ts, html: messageHtml(e, channel, ctx, { ephemeral: true }) }));
  const replies = parent.replies.map((m) => ({ ts: m.ts, html: messageHtml(m, channel, ctx, { inThread: true }) }));
  const items = [...replies, ...ephemerals].sort((a, b) => Number(a.ts) - Number(b.ts));
  pane.hidden = false;
  pane.innerHTML =
    `<div class="thread-head"><b>Thread</b> <span>${name ? `#${escapeHtml(name)}` : ''}</span><button type="button" class="thread-close" aria-label="Close thread">✕</button></div>` +
    `<div class="thread-body">${messageHtml(parent, channel, ctx, { inThread: true })}<div class="thread-count">${parent.replies.length} ${parent.replies.length === 1 ? 'reply' : 'replies'}</div>${items.map((i) => i.html).join('')}</div>`;
}

function renderModalLayer() {
  const layer = $('#modal-layer');
  const top = ui.data.modals[ui.data.modals.length - 1];
  if (!top) {
    layer.hidden = true;
    layer.innerHTML = '';
    ui.modalKey = null;
    return;
  }
  const key = `${ui.as}|${top.view.id}|${top.view.hash}`;
  const ctx = context();
  if (ui.modalKey !== key) {
    // The app updated the open modal (views.update): like Slack, keep what was entered in every input whose block_id and action_id stayed.
    const sameView = ui.modalKey !== null && ui.modalKey.startsWith(`${ui.as}|${top.view.id}|`);
    const kept = sameView ? snapshotInputs(layer) : null;
    ui.modalKey = key;
    ui.clientErrors = {};
    layer.innerHTML = renderModal(top, ctx);
    layer.hidden = false;
    if (kept) restoreInputs(layer, kept);
    else $('.modal [data-element]:not(button)', layer)?.focus();
    return;
  }
  // Same view: keep what the person typed, only show the app's latest errors.
  for (const slot of $$('[data-error-for]', layer)) {
    const id = slot.dataset.errorFor;
    const message = top.errors[id] ?? ui.clientErrors[id] ?? '';
    slot.textContent = message;
    slot.closest('.bk-input')?.classList.toggle('bk-has-error', Boolean(message));
  }
  const problem = $('.bk-problem', layer);
  if (top.problem && !problem) $('.modal-head', layer).insertAdjacentHTML('afterend', `<div class="bk-problem" role="alert">${escapeHtml(top.problem)}</div>`);
  else if (problem && !top.problem) problem.remove();
  else if (problem) problem.textContent = top.problem;
}

// ---- reading controls -----------------------------------------------------------------------------

/** What a control holds: a string, an array for multi-choice lists, undefined for buttons. */
function rawValue(control) {
  if (control.tagName === 'BUTTON') return undefined;
  if (control.classList.contains('bk-file')) return JSON.parse(control.dataset.files ?? '[]');
  if (control.classList.contains('bk-checks')) {
    const checked = $$('input:checked', control).map((i) => i.value);
    return control.classList.contains('bk-radio') ? (checked[0] ?? '') : checked;
  }
  return control.value;
}

/** What each input of a modal holds, by block and action id. */
function snapshotInputs(root) {
  const kept = new Map();
  for (const control of $$('[data-element]', root)) {
    if (control.tagName === 'BUTTON') continue;
    kept.set(`${control.dataset.blockId}|${control.dataset.actionId}`, rawValue(control));
  }
  return kept;
}

function restoreInputs(root, kept) {
  for (const control of $$('[data-element]', root)) {
    const key = `${control.dataset.blockId}|${control.dataset.actionId}`;
    if (control.tagName === 'BUTTON' || !kept.has(key)) continue;
    const raw = kept.get(key);
    if (control.classList.contains('bk-file')) setFiles(control, raw);
    else if (control.classList.contains('bk-checks')) for (const box of $$('input', control)) box.checked = Array.isArray(raw) ? raw.includes(box.value) : raw === box.value;
    else control.value = raw ?? '';
  }
}

function setFiles(control, files) {
  control.dataset.files = JSON.stringify(files ?? []);
  $('.bk-file-list', control).innerHTML = renderFileList(files);
}

/** Files picked in a file input go to the emulator first, as Slack's client uploads them before the form is sent. */
async function uploadFiles(picker) {
  const control = picker.closest('.bk-file');
  const element = JSON.parse(control.dataset.element);
  const files = [];
  for (const file of [...picker.files].slice(0, element.max_files ?? 10)) {
    const answer = await post('upload', { name: file.name, size: file.size, mimetype: file.type });
    if (answer.ok && answer.file) files.push(answer.file);
  }
  picker.value = '';
  setFiles(control, files);
}

/** state.values of a message, view or modal, as Slack sends it with every interaction. */
function collectState(root) {
  const values = {};
  for (const control of $$('[data-element]', root)) {
    if (control.tagName === 'BUTTON') continue;
    const element = JSON.parse(control.dataset.element);
    const state = stateValueOf(element, rawValue(control));
    if (!state) continue;
    (values[control.dataset.blockId] ??= {})[control.dataset.actionId] = state;
  }
  return values;
}

function containerOf(control) {
  const modal = control.closest('.modal');
  if (modal) return { root: modal, target: { type: 'view', viewId: modal.dataset.viewId } };
  const holder = control.closest('[data-container]');
  return holder ? { root: holder, target: JSON.parse(holder.dataset.container) } : null;
}

function confirmFirst(confirm) {
  if (!confirm) return Promise.resolve(true);
  const layer = $('#confirm-layer');
  layer.innerHTML = renderConfirm(confirm, context());
  layer.hidden = false;
  return new Promise((resolve) => {
    layer.onclick = (event) => {
      const answer = event.target.closest('[data-confirm-answer]')?.dataset.confirmAnswer;
      if (!answer && event.target !== layer) return;
      layer.hidden = true;
      layer.innerHTML = '';
      layer.onclick = null;
      resolve(answer === 'yes');
    };
  });
}

async function useElement(control) {
  const element = JSON.parse(control.dataset.element);
  const where = containerOf(control);
  if (!where) return;
  const raw = rawValue(control);
  if (!(await confirmFirst(element.confirm))) return;
  if (element.url) openUrl(element.url);
  control.classList.add('pending');
  try {
    await post('action', { target: where.target, action: actionPayloadOf(element, raw, control.dataset.blockId), state: collectState(where.root) });
  } finally {
    control.classList.remove('pending');
  }
}

async function submitModal(button) {
  const modal = button.closest('.modal');
  ui.clientErrors = {};
  for (const block of $$('.bk-input', modal)) {
    const control = $('[data-element]', block);
    if (!control) continue;
    const problem = validateInput(JSON.parse(control.dataset.element), rawValue(control), block.dataset.required !== '1');
    if (problem) ui.clientErrors[block.dataset.blockId] = problem;
  }
  for (const slot of $$('[data-error-for]', modal)) {
    const message = ui.clientErrors[slot.dataset.errorFor] ?? '';
    slot.textContent = message;
    slot.closest('.bk-input')?.classList.toggle('bk-has-error', Boolean(message));
  }
  if (Object.keys(ui.clientErrors).length > 0) return;
  button.disabled = true;
  button.classList.add('pending');
  try {
    await post('submit', { viewId: modal.dataset.viewId, values: collectState(modal) });
  } finally {
    button.disabled = false;
    button.classList.remove('pending');
  }
}

// ---- events ---------------------------------------------------------------------------------------

document.addEventListener('click', (event) => {
  const t = event.target;
  const modalButton = t.closest('[data-modal]');
  if (modalButton) {
    const modal = modalButton.closest('.modal');
    const kind = modalButton.dataset.modal;
    if (kind === 'submit') void submitModal(modalButton);
    else void post('close', { viewId: modal.dataset.viewId, all: kind === 'dismiss' });
    return;
  }
  const button = t.closest('button[data-element]');
  if (button) {
    void useElement(button);
    return;
  }
  const replies = t.closest('[data-thread]');
  if (replies) {
    ui.thread = { channel: replies.dataset.channel, ts: replies.dataset.thread };
    renderThread();
    return;
  }
  if (t.closest('.thread-close')) {
    ui.thread = null;
    renderThread();
    return;
  }
  const dismiss = t.closest('[data-dismiss]');
  if (dismiss) {
    void post('dismiss', { ts: dismiss.dataset.dismiss });
    return;
  }
  const link = t.closest('a.mk-link');
  if (link) {
    event.preventDefault();
    openUrl(link.getAttribute('href'));
    return;
  }
  const jump = t.closest('[data-jump]');
  if (jump) {
    void jumpClock(jump.dataset.jump);
    return;
  }
  const more = t.closest('[data-more]');
  if (more) {
    const msg = more.closest('.msg');
    const open = $('.msg-menu', msg);
    for (const menu of $$('.msg-menu')) menu.remove();
    if (!open) {
      const items = ui.data.app.messageShortcuts.map((s) => `<button type="button" data-msg-shortcut="${escapeHtml(s.callbackId)}"><b>${escapeHtml(s.name)}</b><small>${escapeHtml(s.description)}</small></button>`).join('');
      msg.insertAdjacentHTML('beforeend', `<div class="msg-menu" role="menu">${items}</div>`);
    }
    return;
  }
  const messageShortcut = t.closest('[data-msg-shortcut]');
  if (messageShortcut) {
    const target = JSON.parse(messageShortcut.closest('[data-container]').dataset.container);
    messageShortcut.closest('.msg-menu').remove();
    void post('messageShortcut', { callbackId: messageShortcut.dataset.msgShortcut, channel: target.channel, ts: target.ts });
    return;
  }
  const shortcut = t.closest('[data-shortcut]');
  if (shortcut) {
    $('#shortcuts-menu').hidden = true;
    void post('shortcut', { callbackId: shortcut.dataset.shortcut });
    return;
  }
  if (t.closest('#shortcuts-btn')) {
    const menu = $('#shortcuts-menu');
    menu.innerHTML = ui.data.app.shortcuts.length
      ? ui.data.app.shortcuts.map((s) => `<button type="button" data-shortcut="${escapeHtml(s.callbackId)}"><b>${escapeHtml(s.name)}</b><small>${escapeHtml(s.description)}</small></button>`).join('')
      : '<em>No shortcuts</em>';
    menu.hidden = !menu.hidden;
  }
});

document.addEventListener('change', (event) => {
  if (event.target.id === 'persona') {
    switchPerson(event.target.value);
    return;
  }
  if (event.target.classList?.contains('bk-file-pick')) {
    void uploadFiles(event.target);
    return;
  }
  const control = event.target.closest('[data-element][data-dispatch]');
  if (control && control.tagName !== 'BUTTON') {
    // An overflow menu is a list of actions, not a value to keep.
    void useElement(control).then(() => {
      if (control.dataset.type === 'overflow') control.value = '';
    });
  }
});

$('#composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#composer-input');
  const text = input.value;
  const channel = currentChannel();
  if (!text.trim() || !channel) return;
  input.value = '';
  await post('type', { channel, text });
});

function switchPerson(id) {
  ui.as = id;
  ui.thread = null;
  ui.modalKey = null;
  ui.homeOpenedFor = null;
  const url = new URL(location.href);
  url.searchParams.set('as', id);
  history.replaceState(null, '', url);
  void refresh();
}

async function jumpClock(kind) {
  const buttons = $$('[data-jump]');
  for (const b of buttons) b.disabled = true;
  try {
    const result = await post('clock', { jump: kind, timezone: ui.data?.me?.tz ?? 'UTC' });
    if (result.ok) {
      const sent = Object.values(result.nudges?.sent ?? {}).reduce((a, b) => a + b, 0);
      const digests = result.digest?.queued ?? 0;
      const when = new Intl.DateTimeFormat('en-US', { timeZone: ui.data.me?.tz ?? 'UTC', weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(new Date(result.now));
      toast(`Now ${when}. Jobs ran: ${sent} reminder${sent === 1 ? '' : 's'}, ${digests} digest${digests === 1 ? '' : 's'} sent.`);
    }
    await refresh();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

let toastTimer = null;
function toast(text, error = false) {
  const el = $('#toast');
  el.textContent = text;
  el.classList.toggle('error', error);
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

// ---- start ----------------------------------------------------------------------------------------

async function start() {
  const res = await fetch('/sandbox/people');
  const people = res.ok ? await res.json() : [];
  if (!people.some((p) => p.id === ui.as)) {
    // The first person of the config, until the page is told otherwise.
    ui.as = people[0]?.id ?? null;
    const url = new URL(location.href);
    url.searchParams.set('as', ui.as ?? '');
    history.replaceState(null, '', url);
  }
  connect();
  await refresh();
  setInterval(renderClock, 15_000);
}

void start();
