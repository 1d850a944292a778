import { api, ApiError, followEvents, serverNow, noteServerInstant } from './api.js';
import { createAttention } from './attention.js';
import { requireCaller } from './auth.js';
import { countdownText, durationText, el, endedWhyText, statusText, showError, timeText } from './ui.js';

const ACTIVITY_INTERVAL_MS = 15000;
// How often an open page asks which timeout applies: an admin's change of the tenant, of the agent's team or of the
// agent's membership reaches it within this, and at once when the agent comes back to the tab or a session starts.
const PREFERENCES_INTERVAL_MS = 60000;
const REASON_HINT = 'Any reason, at most 64 characters.';

const caller = requireCaller(['agent']);
const $ = (id) => document.getElementById(id);
const errorRegion = $('error');
const statusButton = $('status-button');
const statusMenu = $('status-menu');
const promptDialog = $('prompt');
const reasonDialog = $('reason-dialog');

let view = null;           // the agent view of the API (docs/http-api.md#shapes)
let lastEnded = null;      // the record of the session that ended while this page was open
let focusBeforePrompt = null;
let shownReasons = null;   // the tenant's not-ready reasons as the menu shows them (JSON), null before the first read
const attention = createAttention({ hint: $('notify-hint'), soundToggle: $('prompt-sound') });

function hasSession() {
  return view && view.state !== 'none' && view.session;
}

// --- rendering -------------------------------------------------------------------------------------------------

function render() {
  const open = hasSession();
  $('session').hidden = !open;
  $('start').hidden = open || !view;
  if (!open) {
    closeMenu(false);
    $('ended').hidden = !lastEnded;
    $('fresh').hidden = !!lastEnded;
    if (lastEnded) $('ended-why').textContent = endedWhyText(lastEnded);
  } else {
    lastEnded = null;
    $('agent-status').textContent = statusText(view.status, view.statusReason);
    $('agent-status').dataset.status = view.status;
    $('session-started').textContent = timeText(view.session.startedAt);
  }
  renderPrompt();
  tick();
}

function renderPrompt() {
  const warned = hasSession() && view.state === 'warned' && view.prompt;
  if (warned && !promptDialog.open) {
    const active = document.activeElement;
    focusBeforePrompt = active && active !== document.body ? active : null;
    closeMenu(false);
    if (reasonDialog.open) reasonDialog.close();
    promptDialog.showModal();
    $('continue').focus();
    $('prompt-live').textContent = 'Are you still working? Choose Continue to keep your session.';
  } else if (!warned && promptDialog.open) {
    promptDialog.close();
    $('prompt-live').textContent = '';
    const target = focusBeforePrompt && focusBeforePrompt.isConnected && !focusBeforePrompt.closest('[hidden]') ? focusBeforePrompt : null;
    (target ?? (hasSession() ? statusButton : $('start-again')))?.focus();
    focusBeforePrompt = null;
  }
  if (warned) {
    const deadline = Date.parse(view.prompt.deadline);
    attention.promptOpened(deadline, deadline - serverNow());
  } else {
    attention.promptClosed();
  }
}

// Once a quarter second: the session timer and the countdown follow the server's clock.
function tick() {
  if (hasSession()) {
    $('session-timer').textContent = durationText((serverNow() - Date.parse(view.session.startedAt)) / 1000);
  }
  if (promptDialog.open && view?.prompt) {
    const remaining = Date.parse(view.prompt.deadline) - serverNow();
    $('countdown').textContent = countdownText(remaining);
    attention.tick(remaining);
  }
}

setInterval(tick, 250);

// --- state from the server ---------------------------------------------------------------------------------------

async function resync() {
  try {
    const { data } = await api('/me/work-session');
    applyView(data);
  } catch (error) {
    showError(errorRegion, error);
  }
}

function applyView(next) {
  if (next?.prompt) noteServerInstant(next.prompt.warnedAt);
  view = next;
  render();
}

// A limit's notice: a live region the page keeps (empty when there is none), so a screen reader announces each change.
let noticeKind = null;

function showLimitNotice(text, kind = null) {
  $('limit-notice').textContent = text;
  noticeKind = text ? kind : null;
}

function clockTime(instant) {
  return new Date(instant).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function onEvent(name, data) {
  switch (name) {
    case 'snapshot':
      applyView(data);
      break;
    case 'inactivity-warning':
      noteServerInstant(data.warnedAt);
      if (view) applyView({ ...view, state: 'warned', prompt: { warnedAt: data.warnedAt, deadline: data.deadline } });
      resync();
      break;
    case 'warning-cleared':
      if (view) applyView({ ...view, state: view.session ? 'active' : 'none', prompt: null });
      resync();
      break;
    case 'session-started':
      // Started in another tab: the tenant may have changed its reasons and timeout since this page read them.
      loadReasons();
      loadPreferences();
      resync();
      break;
    case 'status-limit-warning':
      showLimitNotice(`You have been not ready (${data.reason}) for a long time: your limit is reached at ${clockTime(data.limitAt)}.`, 'limit');
      break;
    case 'status-limit-reached':
      showLimitNotice(data.action === 'endSession'
        ? `Your not-ready limit (${data.reason}) is reached: your work session ends.`
        : `Your not-ready limit (${data.reason}) is reached: your supervisor has been told.`, 'limit');
      break;
    case 'shift-ending':
      showLimitNotice(`Your shift ends at ${clockTime(data.endsAt)}: your work session ends then (after a contact you are in).`, 'shift');
      break;
    case 'session-ended':
      lastEnded = data;
      showLimitNotice('');
      applyView({ ...(view ?? {}), state: 'none', status: 'offline', statusReason: null, session: null, prompt: null });
      break;
    case 'status-changed':
      // A new status ends the limit that was announced for the one before.
      if (noticeKind === 'limit' && data.from === 'notReady') showLimitNotice('');
      resync();
      break;
    default:
      // session-started: the view says it all.
      resync();
  }
}

followEvents('/me/events', {
  onEvent,
  // Every (re)connect starts with a snapshot; read the view too, in case an event fell between streams, and the
  // reasons, which an admin may have changed while the stream was down.
  onOpen: (reconnected) => {
    if (reconnected) {
      resync();
      loadReasons();
      loadPreferences();
    }
  },
  onState: (state) => {
    $('connection').textContent = state === 'reconnecting' ? 'Connection lost — reconnecting…' : state === 'closed' ? 'Live updates stopped (too many open tabs).' : '';
  },
});

// --- commands ------------------------------------------------------------------------------------------------------

async function command(path, options, { keepEnded = false } = {}) {
  showError(errorRegion, null);
  try {
    const { data } = await api(path, options);
    return data;
  } catch (error) {
    showError(errorRegion, error);
    if (error instanceof ApiError && error.status === 409) await resync();
    return null;
  } finally {
    if (!keepEnded) lastEnded = lastEnded && hasSession() ? null : lastEnded;
  }
}

async function start() {
  attention.sessionStarting();
  const data = await command('/me/work-session', { method: 'POST', body: {} });
  if (data) {
    lastEnded = null;
    applyView(data);
    lastActivityAt = Date.now();
    statusButton.focus();
    loadReasons();
    loadPreferences();
  }
}

$('start-button').addEventListener('click', start);
$('start-again').addEventListener('click', start);

$('continue').addEventListener('click', async () => {
  const data = await command('/me/work-session/continue', { method: 'POST' });
  if (data) {
    applyView(data);
    lastActivityAt = Date.now();
  }
});

// The prompt must be answered: Escape does not dismiss it.
promptDialog.addEventListener('cancel', (event) => event.preventDefault());

async function setStatus(status, reason) {
  const data = await command('/me/status', { method: 'PUT', body: reason ? { status, reason } : { status } });
  if (data) applyView(data);
}

async function endSession() {
  const data = await command('/me/work-session', { method: 'DELETE' }, { keepEnded: true });
  if (data) {
    lastEnded = data;
    applyView({ ...view, state: 'none', status: 'offline', statusReason: null, session: null, prompt: null });
    $('start-again').focus();
  }
}

// --- the tenant's not-ready reasons ----------------------------------------------------------------------------------

// Read when the page opens, when a session starts and when the event stream reconnects: an admin changes them rarely,
// and an agent who misses a change still has "other…".
async function loadReasons() {
  try {
    const { data } = await api('/me/status-reasons');
    renderReasons(Array.isArray(data?.notReadyReasons) ? data.notReadyReasons : []);
  } catch {
    // Keep the reasons shown; "Not ready — other…" works without them.
  }
}

// One menu item per reason, before "other…"; the same reasons suggested in the dialog.
function renderReasons(reasons) {
  const json = JSON.stringify(reasons);
  if (json === shownReasons) return;
  shownReasons = json;
  const focusedAt = menuItems().indexOf(document.activeElement);
  for (const item of statusMenu.querySelectorAll('[data-action="not-ready"]')) item.remove();
  const other = $('not-ready-other');
  for (const reason of reasons) {
    other.before(el('li', { role: 'menuitem', tabindex: '-1', 'data-action': 'not-ready', 'data-reason': reason }, `Not ready — ${reason}`));
  }
  $('reasons').replaceChildren(...reasons.map((reason) => el('option', { value: reason })));
  // The menu was open with an item focused that is gone now: keep the focus in the menu, at the same place.
  if (focusedAt >= 0 && !statusMenu.contains(document.activeElement)) {
    const items = menuItems();
    items[Math.min(focusedAt, items.length - 1)].focus();
  }
}

// --- which timeout applies, and where it comes from ------------------------------------------------------------------

let shownPreferences = null; // GET /me/preferences as last shown (JSON), null before the first read

// Read when the page opens, when a session starts, when the stream reconnects, when the agent comes back to the tab,
// and every PREFERENCES_INTERVAL_MS while the tab is visible: nothing on the agent's stream says that an admin changed them.
async function loadPreferences() {
  try {
    const { data } = await api('/me/preferences');
    renderPreferences(data);
  } catch {
    // Keep what is shown; the next read tries again.
  }
}

function renderPreferences(preferences) {
  const json = JSON.stringify(preferences);
  if (!preferences || json === shownPreferences) return;
  shownPreferences = json;
  const source = preferences.source ?? {};
  $('timeout-rule').textContent = preferences.autoEndEnabled
    ? `After ${spanText(preferences.inactivityTimeoutSeconds)} without activity you are asked whether you are still working; `
      + `your work session ends ${spanText(preferences.gracePeriodSeconds)} later unless you continue.`
    : 'Your work session does not end when you are inactive.';
  const fields = preferences.autoEndEnabled
    ? [['autoEndEnabled', 'Auto-end'], ['inactivityTimeoutSeconds', 'Timeout'], ['gracePeriodSeconds', 'Time to continue']]
    : [['autoEndEnabled', 'Auto-end']];
  const fromTeam = fields.filter(([field]) => source[field] === 'team');
  const team = preferences.teamId ? `your team ${preferences.teamId}` : 'your team';
  $('timeout-source').textContent = fromTeam.length === 0
    ? `Set by your organisation${preferences.teamId ? `; your team ${preferences.teamId} does not change it` : ''}.`
    : fromTeam.length === fields.length
      ? `Set by ${team}.`
      : `${fromTeam.map(([, name]) => name).join(' and ')} set by ${team}; the rest by your organisation.`;
  $('timeout').dataset.source = fromTeam.length === 0 ? 'tenant' : 'team';
  $('timeout').hidden = false;
}

// 90 → "1 minute 30 seconds", 600 → "10 minutes", 3600 → "1 hour".
function spanText(totalSeconds) {
  const seconds = Math.max(0, Math.round(totalSeconds ?? 0));
  const parts = [[Math.floor(seconds / 3600), 'hour'], [Math.floor((seconds % 3600) / 60), 'minute'], [seconds % 60, 'second']]
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count} ${unit}${count === 1 ? '' : 's'}`);
  return parts.length ? parts.join(' ') : '0 seconds';
}

loadPreferences();
setInterval(() => {
  if (document.visibilityState === 'visible') loadPreferences();
}, PREFERENCES_INTERVAL_MS);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') loadPreferences();
});

// --- the status menu (WAI-ARIA menu button pattern) -----------------------------------------------------------------

function menuItems() {
  return [...statusMenu.querySelectorAll('[role="menuitem"]')];
}

function openMenu(focusLast = false) {
  statusMenu.hidden = false;
  statusButton.setAttribute('aria-expanded', 'true');
  const items = menuItems();
  (focusLast ? items.at(-1) : items[0]).focus();
}

function closeMenu(returnFocus = true) {
  if (statusMenu.hidden) return;
  statusMenu.hidden = true;
  statusButton.setAttribute('aria-expanded', 'false');
  if (returnFocus) statusButton.focus();
}

statusButton.addEventListener('click', () => (statusMenu.hidden ? openMenu() : closeMenu()));
statusButton.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    openMenu(event.key === 'ArrowUp');
  }
});

statusMenu.addEventListener('keydown', (event) => {
  const items = menuItems();
  const index = items.indexOf(document.activeElement);
  const move = (to) => { event.preventDefault(); items[(to + items.length) % items.length].focus(); };
  switch (event.key) {
    case 'ArrowDown': move(index + 1); break;
    case 'ArrowUp': move(index - 1); break;
    case 'Home': move(0); break;
    case 'End': move(items.length - 1); break;
    case 'Escape': event.preventDefault(); closeMenu(); break;
    case 'Tab': closeMenu(false); break;
    case 'Enter':
    case ' ':
      event.preventDefault();
      choose(document.activeElement);
      break;
    default: break;
  }
});

statusMenu.addEventListener('click', (event) => {
  const item = event.target.closest('[role="menuitem"]');
  if (item) choose(item);
});

document.addEventListener('click', (event) => {
  if (!statusMenu.hidden && !event.target.closest('.menu-wrap')) closeMenu(false);
});

function choose(item) {
  if (!item?.dataset.action) return;
  closeMenu();
  switch (item.dataset.action) {
    case 'ready': setStatus('ready'); break;
    case 'not-ready': setStatus('notReady', item.dataset.reason); break;
    case 'not-ready-other':
      $('reason-form').reset();
      $('reason').removeAttribute('aria-invalid');
      $('reason-hint').textContent = REASON_HINT;
      reasonDialog.showModal();
      $('reason').focus();
      break;
    case 'end': endSession(); break;
    default: break;
  }
}

$('reason-form').addEventListener('submit', (event) => {
  const reason = $('reason').value.trim();
  if (!reason) {
    event.preventDefault();
    $('reason').setAttribute('aria-invalid', 'true');
    $('reason-hint').textContent = 'Enter a reason.';
    $('reason').focus();
    return;
  }
  $('reason').removeAttribute('aria-invalid');
  setStatus('notReady', reason);
});
$('reason-cancel').addEventListener('click', () => reasonDialog.close());
reasonDialog.addEventListener('close', () => statusButton.focus());

// --- activity: real interaction, at most one heartbeat per 15 s ----------------------------------------------------

let lastActivityAt = 0;
let pendingActivity = null;

function sendActivity() {
  pendingActivity = null;
  if (!hasSession()) return;
  lastActivityAt = Date.now();
  api('/me/work-session/activity', { method: 'POST' }).catch((error) => {
    // A heartbeat over the budget or after the session ended is not worth an alert; the events tell the rest.
    if (error instanceof ApiError && error.code === 'no_open_session') resync();
  });
}

function onInteraction(event) {
  if (!event.isTrusted) return;
  if (event.type !== 'pointermove') attention.interacted();
  if (!hasSession()) return;
  const since = Date.now() - lastActivityAt;
  if (since >= ACTIVITY_INTERVAL_MS) {
    sendActivity();
  } else if (!pendingActivity) {
    // Interaction inside the window: one heartbeat at its end carries it.
    pendingActivity = setTimeout(sendActivity, ACTIVITY_INTERVAL_MS - since);
  }
}

// Not focusin: the page moves focus itself (after Start, into the prompt, back after dialogs), and those events are
// trusted too, so they would report activity nobody made. The window's focus is the agent coming back to the tab.
for (const type of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart']) {
  document.addEventListener(type, onInteraction, { capture: true, passive: true });
}
window.addEventListener('focus', onInteraction, { passive: true });

if (caller) {
  resync();
  loadReasons();
}
