// The tenant's webhook endpoints (docs/http-api.md#webhooks), for admins: the list, a new endpoint, hold and resume,
// a new secret, a replay, deletion and each endpoint's delivery log. A secret is shown only in the answer that made it
// and only until "Done" or the page is left: the API never gives it again.
import { api, ApiError, serverNow } from './api.js';
import { requireCaller } from './auth.js';
import { el, showError, dateTimeText } from './ui.js';

const caller = requireCaller(['admin']);
const $ = (id) => document.getElementById(id);
const errorRegion = $('error');
const statusRegion = $('status');

// The feed's event kinds (FeedEventKinds in the OpenAPI document's CreateWebhookRequest.kinds and GET /events).
const KINDS = ['session-started', 'session-ended', 'status-changed', 'inactivity-warning', 'warning-cleared', 'preferences-changed'];
const MAX_ENDPOINTS = 10;
const LOG_PAGE = 20;
// Attempts follow each other within seconds: the log shows them.
const attemptTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

let endpoints = [];

function say(text) {
  statusRegion.textContent = text;
}

// Moves the focus to an element that is not a control (a heading), so the next Tab continues from there.
function focusOn(element) {
  if (!element) return;
  if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus();
}

// ==== the list =========================================================================================================

const STATUS_TEXT = { active: 'Active', failing: 'Failing', disabled: 'Disabled' };

function statusDetail(endpoint) {
  switch (endpoint.status) {
    case 'failing':
      return `Deliveries failed for the whole retry window${endpoint.failingSince ? ` (since ${dateTimeText(endpoint.failingSince)})` : ''}. They wait until you resume them, from the first undelivered event.`;
    case 'disabled':
      return 'Deliveries are held; nothing is dropped. Enable resumes them from the first undelivered event.';
    default:
      return endpoint.nextAttemptAt ? `The next event failed; retrying at ${dateTimeText(endpoint.nextAttemptAt)}.` : 'Delivering.';
  }
}

// What the toggle does: Disable a running endpoint, Enable a held one, Resume a failing one.
function toggleOf(endpoint) {
  if (endpoint.status === 'failing') return { label: 'Resume', enabled: true, done: 'Resumed' };
  if (!endpoint.enabled) return { label: 'Enable', enabled: true, done: 'Enabled' };
  return { label: 'Disable', enabled: false, done: 'Disabled' };
}

function fact(term, ...value) {
  return el('div', {}, el('dt', {}, term), el('dd', {}, ...value));
}

function renderEndpoints() {
  const list = $('endpoints');
  list.replaceChildren(...endpoints.map((endpoint) => {
    const headingId = `endpoint-${endpoint.webhookId}`;
    const toggle = toggleOf(endpoint);
    const url = endpoint.url;
    const facts = [
      fact('Status', el('span', { class: 'badge', 'data-webhook-status': endpoint.status }, STATUS_TEXT[endpoint.status] ?? endpoint.status)),
      fact('Events', endpoint.kinds?.length ? endpoint.kinds.join(', ') : 'Every kind'),
      fact('Delivered up to', `position ${endpoint.deliveredPosition}`),
    ];
    if (endpoint.description) facts.push(fact('Description', endpoint.description));
    return el('li', { class: 'endpoint', 'data-webhook': endpoint.webhookId, 'aria-labelledby': headingId },
      el('h3', { id: headingId, class: 'endpoint-url' }, url),
      el('dl', { class: 'facts' }, ...facts),
      el('p', { class: 'note' }, statusDetail(endpoint),
        endpoint.previousSecretExpiresAt ? ` The previous secret signs alongside the current one until ${dateTimeText(endpoint.previousSecretExpiresAt)}.` : ''),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: toggle.label === 'Resume' ? 'primary' : null, 'data-action': 'toggle', 'aria-label': `${toggle.label} ${url}`, onclick: () => setEnabled(endpoint, toggle) }, toggle.label),
        el('button', { type: 'button', 'data-action': 'rotate', 'aria-label': `Rotate secret of ${url}`, onclick: () => rotate(endpoint) }, 'Rotate secret'),
        el('button', { type: 'button', 'data-action': 'replay', 'aria-label': `Replay to ${url}`, onclick: () => openReplay(endpoint) }, 'Replay'),
        el('button', { type: 'button', 'data-action': 'log', 'aria-label': `Delivery log of ${url}`, onclick: () => openLog(endpoint) }, 'Delivery log'),
        el('button', { type: 'button', 'data-action': 'delete', 'aria-label': `Delete ${url}`, onclick: () => openDelete(endpoint) }, 'Delete')));
  }));
  $('endpoints-empty').hidden = endpoints.length > 0;
  $('endpoints-count').textContent = `${endpoints.length} of ${MAX_ENDPOINTS} endpoints.`;
}

/** The button of one endpoint's card (after a render, to give it the focus back). */
function buttonOf(webhookId, action) {
  return $('endpoints').querySelector(`li[data-webhook="${webhookId}"] button[data-action="${action}"]`);
}

async function loadEndpoints() {
  try {
    const { data } = await api('/webhooks');
    endpoints = data.items ?? [];
    renderEndpoints();
    return true;
  } catch (error) {
    showError(errorRegion, error);
    return false;
  }
}

$('endpoints-refresh').addEventListener('click', async () => {
  showError(errorRegion, null);
  if (await loadEndpoints()) say(`Endpoints refreshed at ${new Date(serverNow()).toLocaleTimeString()}.`);
});

async function setEnabled(endpoint, toggle) {
  showError(errorRegion, null);
  try {
    await api(`/webhooks/${endpoint.webhookId}`, { method: 'PUT', body: { enabled: toggle.enabled } });
    say(`${toggle.done} ${endpoint.url}.`);
  } catch (error) {
    showError(errorRegion, error);
  }
  await loadEndpoints();
  buttonOf(endpoint.webhookId, 'toggle')?.focus();
}

// ==== a secret, shown once ===========================================================================================

let focusAfterSecret = null;

function showSecret(secret, sentence, overlap, returnFocusTo) {
  $('secret-for').textContent = sentence;
  $('secret-value').value = secret;
  $('secret-overlap').textContent = overlap;
  $('secret-overlap').hidden = !overlap;
  $('secret-panel').hidden = false;
  focusAfterSecret = returnFocusTo;
  $('secret-value').focus();
  $('secret-value').select();
}

function hideSecret() {
  $('secret-value').value = '';
  $('secret-panel').hidden = true;
}

$('secret-copy').addEventListener('click', async () => {
  const field = $('secret-value');
  try {
    await navigator.clipboard.writeText(field.value);
    say('Copied the signing secret.');
  } catch {
    // No clipboard access (an insecure origin, a denied permission): the text is selected for Ctrl+C.
    field.focus();
    field.select();
    say('The browser did not allow copying: the secret is selected, press Ctrl+C (⌘C) to copy it.');
  }
});

$('secret-done').addEventListener('click', () => {
  hideSecret();
  say('');
  const target = typeof focusAfterSecret === 'function' ? focusAfterSecret() : focusAfterSecret;
  focusOn(target ?? $('endpoints-heading'));
});

async function rotate(endpoint) {
  showError(errorRegion, null);
  try {
    const { data } = await api(`/webhooks/${endpoint.webhookId}/rotate-secret`, { method: 'POST' });
    const hours = Math.max(0, Math.round((Date.parse(data.previousSecretExpiresAt) - serverNow()) / 3600000));
    await loadEndpoints();
    say(`Rotated the signing secret of ${endpoint.url}.`);
    showSecret(data.secret, `The new signing secret of ${endpoint.url}.`,
      `The old secret keeps signing alongside the new one until ${dateTimeText(data.previousSecretExpiresAt)} (${hours} hours), so your receiver can switch over without missing a delivery.`,
      () => buttonOf(endpoint.webhookId, 'rotate'));
  } catch (error) {
    showError(errorRegion, error);
  }
}

// ==== a new endpoint =================================================================================================

const form = $('create-form');
const urlInput = $('url');
const createError = $('create-error');

$('kinds').append(...KINDS.map((kind) => el('div', { class: 'field check' },
  el('input', { id: `kind-${kind}`, type: 'checkbox', name: 'kinds', value: kind }),
  el('label', { for: `kind-${kind}` }, kind))));

function clearCreateErrors() {
  showError(createError, null);
  $('url-error').textContent = '';
  urlInput.removeAttribute('aria-invalid');
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearCreateErrors();
  showError(errorRegion, null);
  say('');
  const url = urlInput.value.trim();
  if (!url) {
    $('url-error').textContent = 'Enter the URL that receives the events.';
    urlInput.setAttribute('aria-invalid', 'true');
    urlInput.focus();
    return;
  }
  const kinds = [...form.querySelectorAll('input[name="kinds"]:checked')].map((box) => box.value);
  const description = $('description').value.trim();
  try {
    const { data } = await api('/webhooks', { method: 'POST', body: { url, kinds, description: description || undefined } });
    form.reset();
    await loadEndpoints();
    say(`Created the endpoint ${data.webhook?.url ?? url}. Copy its signing secret now: it will not be shown again.`);
    showSecret(data.secret, `The signing secret of ${data.webhook?.url ?? url}.`, '', () => $(`endpoint-${data.webhookId}`));
  } catch (error) {
    showError(createError, error);
    if (error instanceof ApiError && error.code === 'invalid_webhook_url') {
      $('url-error').textContent = error.detail;
      urlInput.setAttribute('aria-invalid', 'true');
      urlInput.focus();
    }
  }
});

// ==== replay ===========================================================================================================

const replayDialog = $('replay-dialog');
let replaying = null;

function openReplay(endpoint) {
  replaying = endpoint;
  $('replay-form').reset();
  showError($('replay-error'), null);
  $('replay-field-error').textContent = '';
  $('replay-after').removeAttribute('aria-invalid');
  $('replay-for').textContent = `Deliver events to ${endpoint.url} again. It has delivered up to position ${endpoint.deliveredPosition}.`;
  $('replay-after').value = '0';
  replayDialog.showModal();
  $('replay-after').focus();
  $('replay-after').select();
}

$('replay-cancel').addEventListener('click', () => replayDialog.close());
replayDialog.addEventListener('close', () => {
  if (replaying) buttonOf(replaying.webhookId, 'replay')?.focus();
});

$('replay-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('replay-after');
  const text = input.value.trim();
  if (!/^\d+$/.test(text)) {
    $('replay-field-error').textContent = 'Enter a feed position: a whole number, 0 or more.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const after = Number(text);
  try {
    await api(`/webhooks/${replaying.webhookId}/replay`, { method: 'POST', body: { after } });
    say(`Replaying to ${replaying.url}: every event after position ${after} is delivered again, in feed order.`);
    replayDialog.close();
    await loadEndpoints();
    buttonOf(replaying.webhookId, 'replay')?.focus();
  } catch (error) {
    showError($('replay-error'), error);
  }
});

// ==== delete ===========================================================================================================

const deleteDialog = $('delete-dialog');
let deleting = null;

function openDelete(endpoint) {
  deleting = endpoint;
  showError($('delete-error'), null);
  $('delete-what').textContent = `Delete the endpoint ${endpoint.url}? Its deliveries stop, and its secret and delivery log are gone.`;
  deleteDialog.showModal();
  // The safe choice has the focus: Enter on a stray key press keeps the endpoint.
  $('delete-cancel').focus();
}

$('delete-cancel').addEventListener('click', () => deleteDialog.close());
deleteDialog.addEventListener('close', () => {
  if (!deleting) return;
  // Kept: back to its Delete button; deleted: to the list it was on.
  const button = buttonOf(deleting.webhookId, 'delete');
  if (button) button.focus();
  else focusOn($('endpoints-heading'));
});

$('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await api(`/webhooks/${deleting.webhookId}`, { method: 'DELETE' });
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'webhook_not_found')) {
      showError($('delete-error'), error);
      return;
    }
  }
  if (loggedEndpoint?.webhookId === deleting.webhookId) closeLog();
  await loadEndpoints();
  say(`Deleted the endpoint ${deleting.url}.`);
  deleteDialog.close();
});

// ==== the delivery log =================================================================================================

let loggedEndpoint = null;
let logCursor = null;

function closeLog() {
  loggedEndpoint = null;
  $('log').hidden = true;
}

function openLog(endpoint) {
  loggedEndpoint = endpoint;
  $('log-for').textContent = `Attempts to deliver to ${endpoint.url}, newest first (the last 100 are kept).`;
  $('log').hidden = false;
  loadLog(true).then(() => focusOn($('log-heading')));
}

async function loadLog(reset) {
  const body = $('log-table').tBodies[0];
  showError($('log-error'), null);
  if (reset) logCursor = null;
  try {
    const path = `/webhooks/${loggedEndpoint.webhookId}/deliveries?limit=${LOG_PAGE}` + (logCursor ? `&cursor=${encodeURIComponent(logCursor)}` : '');
    const { data } = await api(path);
    const rows = (data.items ?? []).map((attempt) => el('tr', {},
      el('td', {}, el('time', { datetime: attempt.at }, attemptTime.format(new Date(attempt.at)))),
      el('td', { class: 'mono' }, attempt.eventId),
      el('td', { class: 'num' }, String(attempt.position)),
      el('td', { class: 'num' }, String(attempt.attempt)),
      el('td', { class: 'num' }, attempt.statusCode === null || attempt.statusCode === undefined ? 'none' : String(attempt.statusCode)),
      el('td', { class: 'num' }, String(attempt.latencyMs)),
      el('td', { class: 'note-cell' }, attempt.error ?? '')));
    if (reset) body.replaceChildren(...rows);
    else body.append(...rows);
    logCursor = data.nextCursor ?? null;
    $('log-more').hidden = !logCursor;
    $('log-empty').hidden = body.rows.length > 0;
    return rows;
  } catch (error) {
    showError($('log-error'), error);
    return [];
  }
}

$('log-more').addEventListener('click', async () => {
  const body = $('log-table').tBodies[0];
  const before = body.rows.length;
  await loadLog(false);
  // The first of the older rows takes the focus, so the keyboard goes on where the reading left off.
  const first = body.rows[before];
  if (first) {
    first.setAttribute('tabindex', '-1');
    first.focus();
  } else {
    focusOn($('log-heading'));
  }
  say(`Showing ${body.rows.length} delivery attempts.`);
});

$('log-refresh').addEventListener('click', async () => {
  const rows = await loadLog(true);
  say(`Delivery log refreshed: ${rows.length} latest attempts.`);
});

if (caller) loadEndpoints();
