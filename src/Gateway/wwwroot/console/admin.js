import { api, ApiError } from './api.js';
import { requireCaller } from './auth.js';
import { el, showError, dateTimeText } from './ui.js';
import { limitsEditor, limitsText } from './limits.js';

const caller = requireCaller(['admin']);
const $ = (id) => document.getElementById(id);
const form = $('preferences');
const errorRegion = $('error');

let etag = null;
let historyCursor = null;

const secondsFields = {
  inactivityTimeoutSeconds: { input: $('timeout'), error: $('timeout-error'), hint: $('timeout-hint') },
  gracePeriodSeconds: { input: $('grace'), error: $('grace-error'), hint: $('grace-hint') },
};
const reasonsField = { input: $('reasons'), error: $('reasons-error') };
const limits = limitsEditor($('limits'), $('limits-add'), 'limit');
// The limits' problems name a row ("notReadyLimits: limit 2 …"): the row's reason is marked, not the table.
const limitsField = { input: { setAttribute() {}, removeAttribute() { limits.clear(); } }, error: $('limits-error') };
const clientGoneField = { input: $('client-gone'), error: $('client-gone-error') };
const clientGoneActionField = { input: $('client-gone-action'), error: $('client-gone-action-error') };
// Every field the API names in an invalid_preferences detail, by its JSON name.
const fields = { ...secondsFields, notReadyReasons: reasonsField, notReadyLimits: limitsField, clientGoneSeconds: clientGoneField, clientGoneAction: clientGoneActionField };

function minutesHint(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return '';
  if (seconds < 60) return `= ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = seconds / 60;
  const shown = Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(1);
  return `= ${shown} minute${shown === '1' ? '' : 's'}`;
}

for (const field of Object.values(secondsFields)) {
  const update = () => { field.hint.textContent = minutesHint(Number(field.input.value)); };
  field.input.addEventListener('input', update);
  field.update = update;
}

function clearFieldErrors() {
  for (const field of Object.values(fields)) {
    field.error.textContent = '';
    field.input.removeAttribute('aria-invalid');
  }
}

function fieldError(name, message) {
  const field = fields[name];
  // A field can have several problems (two reasons repeated, one too long): show them all.
  field.error.textContent = field.error.textContent ? `${field.error.textContent} ${message}` : message;
  field.input.setAttribute('aria-invalid', 'true');
}

// One reason per line; blank lines are spacing, not reasons. The API trims and judges each one.
function reasonsOf(text) {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

function fill(preferences) {
  form.enabled.checked = preferences.workSessionsEnabled;
  form.autoEnd.checked = preferences.autoEndEnabled;
  fields.inactivityTimeoutSeconds.input.value = preferences.inactivityTimeoutSeconds;
  fields.gracePeriodSeconds.input.value = preferences.gracePeriodSeconds;
  for (const field of Object.values(secondsFields)) field.update();
  reasonsField.input.value = (preferences.notReadyReasons ?? []).join('\n');
  form.scope.value = preferences.supervisorScope ?? 'tenant';
  limits.set(preferences.notReadyLimits);
  clientGoneField.input.value = preferences.clientGoneSeconds ?? '';
  clientGoneActionField.input.value = preferences.clientGoneAction ?? 'notReady';
  $('version').textContent = preferences.updatedAt
    ? `Version ${preferences.version}, changed ${dateTimeText(preferences.updatedAt)} by ${preferences.updatedBy ?? 'unknown'}.`
    : `Version ${preferences.version} (defaults, never changed).`;
}

async function load() {
  showError(errorRegion, null);
  $('conflict').hidden = true;
  clearFieldErrors();
  try {
    const { data, headers } = await api('/preferences/work-sessions');
    etag = headers.get('ETag');
    fill(data);
  } catch (error) {
    showError(errorRegion, error);
  }
  await loadHistory(true);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  $('saved').textContent = '';
  $('conflict').hidden = true;
  clearFieldErrors();
  const body = { workSessionsEnabled: form.enabled.checked, autoEndEnabled: form.autoEnd.checked };
  let invalid = null;
  for (const [name, field] of Object.entries(secondsFields)) {
    const text = field.input.value.trim();
    if (!/^\d+$/.test(text)) {
      fieldError(name, 'Enter a whole number of seconds.');
      invalid ??= field.input;
    } else {
      body[name] = Number(text);
    }
  }
  body.notReadyReasons = reasonsOf(reasonsField.input.value);
  body.supervisorScope = form.scope.value;
  body.notReadyLimits = limits.get();
  if (body.notReadyLimits === null) {
    limitsField.error.textContent = 'Enter the limit and the warning in minutes.';
    invalid ??= document.activeElement;
  }
  // Empty is off (null); both fields go together, so the API takes the seconds as sent.
  const goneText = clientGoneField.input.value.trim();
  if (goneText !== '' && !/^\d+$/.test(goneText)) {
    fieldError('clientGoneSeconds', 'Enter a whole number of seconds, or leave it empty to turn it off.');
    invalid ??= clientGoneField.input;
  }
  body.clientGoneSeconds = goneText === '' ? null : Number(goneText);
  body.clientGoneAction = clientGoneActionField.input.value;
  if (invalid) {
    invalid.focus();
    return;
  }
  try {
    const { data, headers } = await api('/preferences/work-sessions', {
      method: 'PUT', body, headers: etag ? { 'If-Match': etag } : {},
    });
    etag = headers.get('ETag');
    fill(data);
    $('saved').textContent = `Saved (version ${data.version}).`;
    await loadHistory(true);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 412 || error.code === 'version_mismatch' || error.code === 'concurrent_update')) {
      $('conflict').hidden = false;
      $('reload').focus();
    } else if (error instanceof ApiError && error.code === 'invalid_preferences' && placeFieldErrors(error.detail)) {
      form.querySelector('[aria-invalid="true"]')?.focus();
    } else {
      showError(errorRegion, error);
    }
  }
});

// The API starts each part of the detail with the field's name ("inactivityTimeoutSeconds must be between 60 and
// 43200; notReadyReasons: reason 3 repeats reason 1.").
function placeFieldErrors(detail) {
  let placed = false;
  for (const part of (detail ?? '').split(/;\s*/)) {
    const name = Object.keys(fields).find((candidate) => part.startsWith(candidate));
    if (!name) continue;
    const bounds = /between (\d+) and (\d+)/.exec(part);
    fieldError(name, name in secondsFields && bounds ? `Must be between ${bounds[1]} and ${bounds[2]} seconds.` : sentence(part.slice(name.length)));
    const row = name === 'notReadyLimits' ? /limit (\d+)/.exec(part) : null;
    if (row) limits.markRow(Number(row[1]));
    placed = true;
  }
  if (!placed) showError(errorRegion, { title: 'Invalid preferences', detail, code: 'invalid_preferences' });
  return placed;
}

// "notReadyReasons: reason 3 repeats reason 1." without its field name: "Reason 3 repeats reason 1."
function sentence(text) {
  const words = text.replace(/^[:\s]+/, '').replace(/\.$/, '');
  return words.charAt(0).toUpperCase() + words.slice(1) + '.';
}

$('reload').addEventListener('click', async () => {
  await load();
  form.enabled.focus();
});

const labels = {
  workSessionsEnabled: ['Agent Work Sessions', (v) => (v ? 'on' : 'off')],
  autoEndEnabled: ['Auto-end', (v) => (v ? 'on' : 'off')],
  inactivityTimeoutSeconds: ['Inactivity timeout', (v) => `${v} s`],
  gracePeriodSeconds: ['Grace period', (v) => `${v} s`],
  notReadyReasons: ['Not ready reasons', (v) => (v ?? []).join(', ')],
  supervisorScope: ['Supervisors see', (v) => (v === 'teams' ? 'their teams' : 'every agent')],
  notReadyLimits: ['Not ready limits', (v) => limitsText(v)],
  clientGoneSeconds: ['Client gone after', (v) => (v == null ? 'off' : `${v} s`)],
  clientGoneAction: ['When the client is gone', (v) => (v === 'endSession' ? 'end the session' : 'not ready')],
};

// By value: the reasons are a list, and two lists are never === each other.
const same = (a, b) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

let previousOfLastShown = null;
let lastShown = null;

function describeChange(entry, older) {
  const changes = Object.entries(labels)
    .filter(([key]) => !older || !same(older[key], entry[key]))
    .map(([key, [label, show]]) => (older ? `${label}: ${show(older[key])} → ${show(entry[key])}` : `${label}: ${show(entry[key])}`));
  return changes.length ? changes.join('; ') : 'No change';
}

async function loadHistory(reset) {
  const body = $('history').tBodies[0];
  if (reset) {
    body.replaceChildren();
    historyCursor = null;
    lastShown = null;
  }
  try {
    const path = '/preferences/work-sessions/history?limit=50' + (historyCursor ? `&cursor=${encodeURIComponent(historyCursor)}` : '');
    const { data } = await api(path);
    const items = data.items ?? [];
    // Newest first: each row's change is against the next (older) entry; the last on a page waits for the next page.
    for (let i = 0; i < items.length; i++) {
      const entry = items[i];
      if (lastShown && i === 0) {
        previousOfLastShown.lastElementChild.textContent = describeChange(lastShown, entry);
      }
      const older = items[i + 1] ?? null;
      const row = el('tr', {},
        el('td', {}, el('time', { datetime: entry.updatedAt }, dateTimeText(entry.updatedAt))),
        el('td', {}, entry.updatedBy ?? ''),
        el('td', { class: 'num' }, String(entry.version)),
        el('td', {}, describeChange(entry, older)));
      body.append(row);
      previousOfLastShown = row;
    }
    lastShown = items.at(-1) ?? lastShown;
    historyCursor = data.nextCursor;
    $('history-more').hidden = !historyCursor;
    if (body.rows.length === 0) {
      body.append(el('tr', {}, el('td', { colspan: '4' }, 'No changes yet: the defaults apply.')));
    }
  } catch (error) {
    showError(errorRegion, error);
  }
}

$('history-more').addEventListener('click', () => loadHistory(false));

if (caller) load();
