// The tenant's teams (docs/http-api.md#teams), for admins: the list, a team's definition with its overrides beside the
// tenant's values, its members added or removed from pasted ids or a CSV file in chunks of 1000, and deletion.
import { api, ApiError, allPages } from './api.js';
import { requireCaller } from './auth.js';
import { el, showError } from './ui.js';
import { limitsEditor, limitsText } from './limits.js';

requireCaller(['admin']);
const $ = (id) => document.getElementById(id);
const errorRegion = $('error');
const formError = $('form-error');
const membersError = $('members-error');
const form = $('team-form');
const teamLimits = limitsEditor($('team-limits'), $('team-limits-add'), 'team-limit');
form.ownLimits.addEventListener('change', () => { $('team-limits-panel').hidden = !form.ownLimits.checked; });

// The API takes at most this many ids a call (added and removed together).
const CHUNK = 1000;

let tenant = null;
let editing = null; // the team being edited, as last read (its version is the If-Match)

function say(text) {
  $('status').textContent = text;
}

function onOff(value) {
  return value ? 'on' : 'off';
}

async function loadTenant() {
  const { data } = await api('/preferences/work-sessions');
  tenant = data;
  $('team-auto-end-tenant').textContent = `Tenant: ${onOff(data.autoEndEnabled)}`;
  $('team-timeout-tenant').textContent = `Tenant: ${data.inactivityTimeoutSeconds} seconds; empty follows the tenant.`;
  $('team-grace-tenant').textContent = `Tenant: ${data.gracePeriodSeconds} seconds; empty follows the tenant.`;
  $('team-limits-tenant').textContent = `Tenant: ${limitsText(data.notReadyLimits)}; unchecked follows the tenant.`;
  $('team-client-gone-tenant').textContent = data.clientGoneSeconds == null
    ? 'Tenant: off; empty follows the tenant.'
    : `Tenant: ${data.clientGoneSeconds} seconds; empty follows the tenant.`;
  $('team-client-gone-action-tenant').textContent = `Tenant: ${data.clientGoneAction === 'endSession' ? 'end the work session' : 'set not ready'}.`;
}

async function loadTeams() {
  const teams = await allPages('/teams?limit=1000');
  $('teams-empty').hidden = teams.length > 0;
  $('teams').querySelector('tbody').replaceChildren(...teams.map((team) => el('tr', { 'data-team': team.teamId },
    el('th', { scope: 'row' }, `${team.name} (${team.teamId})`),
    el('td', {}, team.supervisors.join(', ')),
    el('td', {}, String(team.agentCount)),
    el('td', {},
      el('button', { type: 'button', class: 'small', 'aria-label': `Edit ${team.name}`, onclick: () => edit(team.teamId) }, 'Edit'),
      ' ',
      el('button', { type: 'button', class: 'small', 'aria-label': `Delete ${team.name}`, onclick: () => remove(team) }, 'Delete')))));
}

function fill(team) {
  editing = team;
  form.teamId.value = team?.teamId ?? '';
  form.teamId.readOnly = Boolean(team);
  form.name.value = team?.name ?? '';
  form.timeZone.value = team?.timeZone ?? '';
  form.supervisors.value = (team?.supervisors ?? []).join('\n');
  const overrides = team?.preferences ?? {};
  form.autoEnd.value = overrides.autoEndEnabled === null || overrides.autoEndEnabled === undefined ? '' : String(overrides.autoEndEnabled);
  form.timeout.value = overrides.inactivityTimeoutSeconds ?? '';
  form.grace.value = overrides.gracePeriodSeconds ?? '';
  form.ownLimits.checked = Array.isArray(overrides.notReadyLimits);
  $('team-limits-panel').hidden = !form.ownLimits.checked;
  teamLimits.set(overrides.notReadyLimits ?? []);
  form.shiftTime.value = overrides.shiftEnd?.time ?? '';
  form.shiftWarn.value = overrides.shiftEnd?.warnMinutes ?? 10;
  form.clientGone.value = overrides.clientGoneSeconds ?? '';
  form.clientGoneAction.value = overrides.clientGoneAction ?? '';
  $('form-heading').textContent = team ? `Edit ${team.name}` : 'New team';
  $('team-version').textContent = team ? `Version ${team.version}.` : '';
  $('members-panel').hidden = !team;
  $('members-count').textContent = team ? `${team.agentCount} agent${team.agentCount === 1 ? '' : 's'} in this team.` : '';
  showError(formError, null);
}

async function edit(teamId, { focus = true } = {}) {
  showError(errorRegion, null);
  try {
    const { data } = await api(`/teams/${encodeURIComponent(teamId)}`);
    fill(data);
    if (focus) $('form-heading').focus();
  } catch (error) {
    showError(errorRegion, error);
  }
}

function numberOrNull(input) {
  return input.value.trim() === '' ? null : Number(input.value);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(formError, null);
  const teamId = form.teamId.value.trim();
  const body = {
    name: form.name.value,
    timeZone: form.timeZone.value.trim() || null,
    supervisors: form.supervisors.value.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== ''),
    preferences: {
      autoEndEnabled: form.autoEnd.value === '' ? null : form.autoEnd.value === 'true',
      inactivityTimeoutSeconds: numberOrNull(form.timeout),
      gracePeriodSeconds: numberOrNull(form.grace),
      notReadyLimits: form.ownLimits.checked ? teamLimits.get() : null,
      shiftEnd: form.shiftTime.value ? { time: form.shiftTime.value.slice(0, 5), warnMinutes: numberOrNull(form.shiftWarn) ?? 0 } : null,
      clientGoneSeconds: numberOrNull(form.clientGone),
      clientGoneAction: form.clientGoneAction.value || null,
    },
  };
  if (form.ownLimits.checked && body.preferences.notReadyLimits === null) {
    showError(formError, { title: 'Invalid limit', detail: 'Enter the limit and the warning in minutes.', code: 'invalid_preferences' });
    return;
  }
  try {
    // A new team only if no one made one of that id meanwhile; an edit only over the version read.
    const ifMatch = editing ? `"${editing.version}"` : '"0"';
    const { data } = await api(`/teams/${encodeURIComponent(teamId)}`, { method: 'PUT', body, headers: { 'If-Match': ifMatch } });
    say(`Saved ${data.name}.`);
    fill(data);
    await loadTeams();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'version_mismatch') {
      showError(formError, {
        title: 'Changed by someone else',
        detail: editing
          ? 'This team was changed by someone else since you opened it. Open it again to see their change, then make yours.'
          : 'A team with this id exists already. Pick another id, or edit that team.',
        code: error.code,
      });
    } else {
      showError(formError, error);
    }
  }
});

async function remove(team) {
  showError(errorRegion, null);
  if (!window.confirm(`Delete the team ${team.name}? Its ${team.agentCount} agents will follow the tenant's preferences.`)) return;
  try {
    await api(`/teams/${encodeURIComponent(team.teamId)}`, { method: 'DELETE', headers: { 'If-Match': `"${team.version}"` } });
    if (editing?.teamId === team.teamId) fill(null);
    say(`Deleted ${team.name}.`);
    await loadTeams();
    $('teams-heading').focus();
  } catch (error) {
    showError(errorRegion, error.code === 'version_mismatch'
      ? { title: 'Changed by someone else', detail: 'The team changed since the list was read; the list is read again.', code: error.code }
      : error);
    await loadTeams();
  }
}

// Pasted ids: separated by lines, commas, semicolons or spaces. The API judges each id and names one it refuses.
function idsOf(text) {
  return [...new Set(text.split(/[\s,;]+/).map((id) => id.trim().replace(/^"(.*)"$/, '$1')).filter((id) => id !== ''))];
}

function csvIdsOf(text) {
  // A CSV: the first column of each row; a header row ("agentId", "id") is not an agent.
  const ids = text.split(/\r?\n/).map((line) => line.split(',')[0].trim().replace(/^"(.*)"$/, '$1')).filter((id) => id !== '');
  if (ids.length > 0 && /^(agent_?id|id)$/i.test(ids[0])) ids.shift();
  return [...new Set(ids)];
}

$('member-file').addEventListener('change', async (event) => {
  const file = event.target.files?.[0];
  if (!file) return;
  const ids = csvIdsOf(await file.text());
  $('member-ids').value = ids.join('\n');
  say(`Read ${ids.length} agent id${ids.length === 1 ? '' : 's'} from ${file.name}.`);
});

async function changeMembers(adding) {
  showError(membersError, null);
  const ids = idsOf($('member-ids').value);
  if (!editing || ids.length === 0) return;
  const totals = { added: 0, removed: 0, moved: 0 };
  const result = $('members-result');
  try {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      const { data } = await api(`/teams/${encodeURIComponent(editing.teamId)}/members`, { method: 'POST', body: adding ? { add: chunk } : { remove: chunk } });
      totals.added += data.added;
      totals.removed += data.removed;
      totals.moved += data.moved;
      result.textContent = `${Math.min(start + CHUNK, ids.length)} of ${ids.length} ids sent: added ${totals.added}, moved ${totals.moved}, removed ${totals.removed}.`;
    }
    result.textContent = `Done: added ${totals.added}, moved from another team ${totals.moved}, removed ${totals.removed}.`;
    $('member-ids').value = '';
    $('member-file').value = '';
  } catch (error) {
    showError(membersError, error);
  }
  await edit(editing.teamId, { focus: false });
  await loadTeams();
}

$('add-members').addEventListener('click', () => changeMembers(true));
$('remove-members').addEventListener('click', () => changeMembers(false));
$('new-team').addEventListener('click', () => {
  fill(null);
  form.teamId.focus();
});

try {
  await Promise.all([loadTenant(), loadTeams()]);
  fill(null);
} catch (error) {
  showError(errorRegion, error);
}
