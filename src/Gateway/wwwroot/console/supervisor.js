import { api, ApiError, allPages, downloadCsv, followEvents, serverNow, noteServerInstant } from './api.js';
import { requireCaller } from './auth.js';
import {
  el, svg, countdownText, durationText, endedByText, endReasonChoices, statusText, showError, saveFile, timeText, dateTimeText,
  isoDate, localDayStart, addDays,
} from './ui.js';
import { takeAlertEvent, setAlertTeams, lookBack, onShowAgent } from './supervisor-alerts.js';

const caller = requireCaller(['supervisor', 'admin']);
const $ = (id) => document.getElementById(id);
const errorRegion = $('error');

// ==== live roster ======================================================================================================

// The roster is shown a page at a time, in the API's agent-id order: a tenant can have 50,000 agents in a session, more
// than a table should hold. The count says which of how many are shown; Previous and Next page through all of them.
const ROSTER_PAGE = 500;
const agents = new Map();          // agentId → agent view (only open sessions on the page shown)
const rows = new Map();            // agentId → <tr>
const order = [];                  // the ids of the rows, in the table's (ordinal) order
const refreshing = new Map();      // agentId → pending refresh
const rosterBody = $('roster').tBodies[0];
const previousButton = $('roster-previous');
const nextButton = $('roster-next');
const countText = new Intl.NumberFormat('en');
const pageStarts = [null];         // the cursor each page read starts after (null: the first page)
const pageOffsets = [0];           // how many agents the pages before each one showed
let pageIndex = 0;                 // the page shown
let pageEnd = null;                // its nextCursor: the last id it covers; null on the last page
let rosterTotal = 0;               // open sessions on the tenant's roster, as the last page read said, kept up by events
let rosterRead = false;            // a page has been read

// The filters the list is read with: status and search from the form, the team from the address (?teamId=), so that a
// team picker can lead here. The API filters and pages; the page applies the same rules to what the feed tells it.
const filters = { status: '', q: '', teamId: new URLSearchParams(location.search).get('teamId') ?? '' };

/** Whether a status or search filter narrows the list (the total then counts more than the list can show). */
function narrowed() {
  return filters.status !== '' || filters.q !== '';
}

function matches(view) {
  return (!filters.status || view.status === filters.status)
    && (!filters.q || view.agentId.toLowerCase().includes(filters.q.toLowerCase()))
    && (!filters.teamId || view.teamId === filters.teamId);
}

// Ordinal order, as the API pages (JavaScript compares strings by UTF-16 code units, like the server's ordinal order).
const before = (a, b) => a < b;

function onPageShown(agentId) {
  const start = pageStarts[pageIndex];
  return (start === null || before(start, agentId)) && (pageEnd === null || !before(pageEnd, agentId));
}

function indexOf(agentId) {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (before(order[middle], agentId)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Brings one agent's row in line with what is known of it: made, updated, or taken away. */
function renderAgent(id) {
  const view = agents.get(id);
  let row = rows.get(id);
  if (!view) {
    if (row) {
      row.remove();
      rows.delete(id);
      order.splice(indexOf(id), 1);
    }
    return;
  }
  if (!row) {
    row = el('tr', { 'data-agent': id },
      el('th', { scope: 'row' }, id),
      el('td', { class: 'status' }),
      el('td', { class: 'since' }),
      el('td', { class: 'length mono' }),
      el('td', { class: 'mono', 'data-time': 'ready' }),
      el('td', { class: 'mono', 'data-time': 'notReady' }),
      el('td', { class: 'mono', 'data-time': 'occupied' }),
      el('td', {}, el('button', { type: 'button', class: 'small', 'aria-label': `End session for ${id}`, onclick: () => openEndDialog(id) }, 'End session')));
    const index = indexOf(id);
    rosterBody.insertBefore(row, index < order.length ? rows.get(order[index]) : null);
    order.splice(index, 0, id);
    rows.set(id, row);
  }
  const status = row.cells[1];
  status.replaceChildren(el('span', { class: 'badge', 'data-status': view.status }, statusText(view.status, view.statusReason)));
  if (view.state === 'warned' && view.prompt) {
    status.append(' ', el('span', { class: 'warned' }, 'prompted, ends in ',
      el('span', { 'data-testid': 'countdown', class: 'mono', 'data-deadline': view.prompt.deadline }, countdownText(Date.parse(view.prompt.deadline) - serverNow()))));
  }
  row.cells[2].replaceChildren(el('time', { datetime: view.session.startedAt }, timeText(view.session.startedAt)));
  tickRow(id, serverNow());
}

function renderCount() {
  const onePage = pageIndex === 0 && pageEnd === null;
  $('roster-empty').hidden = !rosterRead || agents.size > 0 || !onePage || narrowed();
  $('roster-none-match').hidden = !rosterRead || agents.size > 0 || !narrowed();
  $('roster-pages').hidden = onePage;
  setEnabled(previousButton, pageIndex > 0);
  setEnabled(nextButton, pageEnd !== null);
  if (narrowed()) {
    const shown = `${countText.format(agents.size)} matching ${agents.size === 1 ? 'agent' : 'agents'}`;
    $('roster-count').textContent = !rosterRead ? '' : onePage ? `${shown}.` : `${shown} on this page.`;
    return;
  }
  const first = pageOffsets[pageIndex];
  const total = Math.max(rosterTotal, first + agents.size);
  $('roster-count').textContent = !rosterRead || (agents.size === 0 && onePage)
    ? ''
    : onePage
      ? `${countText.format(agents.size)} ${agents.size === 1 ? 'agent' : 'agents'} in a work session.`
      : agents.size === 0
        ? `None of ${countText.format(total)} agents in a work session on this page.`
        : `Showing ${countText.format(first + 1)}–${countText.format(first + agents.size)} of ${countText.format(total)} agents in a work session.`;
}

// aria-disabled, not disabled: a disabled button loses the keyboard focus, and these keep it while paging.
function setEnabled(button, enabled) {
  if (enabled) button.removeAttribute('aria-disabled');
  else button.setAttribute('aria-disabled', 'true');
}

// The session's seconds per status at `now`: the API's figures, exact as of `timeInStatus.asOf`, plus the time since
// then in the current status. The API counts them (the same rule as the session record and the reports); this only
// lets the clock run on.
function timeInStatus(view, now) {
  const time = view.session.timeInStatus;
  if (!time) return null;
  const since = Math.max(0, (now - Date.parse(time.asOf)) / 1000);
  return {
    ready: time.readySeconds + (view.status === 'ready' ? since : 0),
    notReady: time.notReadySeconds + (view.status === 'notReady' ? since : 0),
    occupied: time.occupiedSeconds + (view.status === 'occupied' ? since : 0),
  };
}

function tickRow(id, now) {
  const view = agents.get(id);
  const row = rows.get(id);
  if (!view || !row) return;
  const length = durationText((now - Date.parse(view.session.startedAt)) / 1000);
  if (row.cells[3].textContent !== length) row.cells[3].textContent = length;
  const time = timeInStatus(view, now);
  for (const cell of row.querySelectorAll('[data-time]')) {
    const text = time ? durationText(time[cell.dataset.time]) : '';
    if (cell.textContent !== text) cell.textContent = text;
  }
  const countdown = row.querySelector('[data-testid="countdown"]');
  if (countdown) countdown.textContent = countdownText(Date.parse(countdown.dataset.deadline) - now);
}

setInterval(() => {
  const now = serverNow();
  for (const id of rows.keys()) tickRow(id, now);
}, 250);

function isOpen(view) {
  return view && view.state !== 'none' && view.session;
}

/** Takes in an agent's view; one on another page shows when that page does. */
function setAgent(view) {
  if (!view) return;
  if (isOpen(view) && matches(view) && onPageShown(view.agentId)) agents.set(view.agentId, view);
  else agents.delete(view.agentId);
  renderAgent(view.agentId);
}

let reading = 0;                   // the latest page read asked for: an older answer is dropped

/** Reads page <index> (again) and shows it in place of the one shown. */
async function showPage(index) {
  const ticket = ++reading;
  const { data } = await api('/work-sessions?' + query({
    state: 'open', status: filters.status, q: filters.q, teamId: filters.teamId, limit: ROSTER_PAGE, cursor: pageStarts[index],
  }));
  if (ticket !== reading) return false;
  pageIndex = index;
  pageEnd = data.nextCursor ?? null;
  pageStarts.length = index + 1;
  pageOffsets.length = index + 1;
  if (pageEnd !== null) {
    pageStarts.push(pageEnd);
    pageOffsets.push(pageOffsets[index] + (data.items ?? []).filter(isOpen).length);
  }
  rosterTotal = data.total ?? 0;
  rosterRead = true;
  const fresh = new Map((data.items ?? []).filter((view) => isOpen(view) && matches(view)).map((view) => [view.agentId, view]));
  for (const id of [...agents.keys()]) {
    if (!fresh.has(id)) {
      agents.delete(id);
      renderAgent(id);
    }
  }
  for (const view of fresh.values()) setAgent(view);
  renderCount();
  return true;
}

// On every (re)connection of the feed: the page shown, read again.
async function loadRoster() {
  try {
    await showPage(pageIndex);
  } catch (error) {
    showError(errorRegion, error);
  }
}

async function turnPage(button, index) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  try {
    if (await showPage(index)) {
      $('roster-status').textContent = $('roster-count').textContent;
      $('roster-heading').scrollIntoView({ block: 'nearest' });
    }
  } catch (error) {
    showError(errorRegion, error);
  }
}

// The team picker: the teams the caller may see (a scoped supervisor's own; docs/http-api.md#teams), by name. Shown only
// when the tenant has teams; the choice goes into the address too, so a reload or a shared link opens on the same team.
async function loadTeams() {
  let teams;
  try {
    teams = await allPages('/teams?limit=1000');
  } catch (error) {
    showError(errorRegion, error);
    return;
  }
  const picker = $('roster-team-filter');
  picker.replaceChildren(
    el('option', { value: '' }, 'All teams'),
    ...teams.map((team) => el('option', { value: team.teamId }, `${team.name} (${countText.format(team.agentCount)} agent${team.agentCount === 1 ? '' : 's'})`)));
  if (filters.teamId && !teams.some((team) => team.teamId === filters.teamId)) {
    // A team from the address that is gone or not the caller's: the list is empty, and the picker says which it is.
    picker.append(el('option', { value: filters.teamId }, filters.teamId));
  }
  picker.value = filters.teamId;
  setAlertTeams(teams);
  $('roster-team-field').hidden = teams.length === 0 && !filters.teamId;
}

// A new filter starts the list again from its first page.
$('roster-filters').addEventListener('submit', async (event) => {
  event.preventDefault();
  const search = $('roster-search');
  if (!search.checkValidity()) {
    showError(errorRegion, new ApiError(400, {
      title: 'Invalid search', detail: 'Search with letters, digits, \'.\', \'_\', \'@\' and \'-\' only.', code: 'invalid_argument',
    }));
    search.focus();
    return;
  }
  showError(errorRegion, null);
  filters.status = $('roster-status-filter').value;
  filters.q = search.value.trim();
  const team = $('roster-team-filter').value;
  if (team !== filters.teamId) {
    filters.teamId = team;
    const address = new URL(location.href);
    if (team) address.searchParams.set('teamId', team); else address.searchParams.delete('teamId');
    history.replaceState(null, '', address);
    loadSummary();
  }
  pageStarts.length = 1;
  pageOffsets.length = 1;
  pageEnd = null;
  try {
    if (await showPage(0)) $('roster-status').textContent = $('roster-count').textContent;
  } catch (error) {
    showError(errorRegion, error);
  }
});

previousButton.addEventListener('click', () => turnPage(previousButton, pageIndex - 1));
nextButton.addEventListener('click', () => turnPage(nextButton, pageIndex + 1));

// The agent view is the truth; events only say whom to re-read (a burst for one agent is read once).
function refreshAgent(agentId) {
  if (refreshing.has(agentId)) return;
  refreshing.set(agentId, setTimeout(async () => {
    try {
      const { data } = await api(`/agents/${encodeURIComponent(agentId)}/work-session`);
      setAgent(data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        agents.delete(agentId);
        renderAgent(agentId);
      } else {
        showError(errorRegion, error);
      }
    } finally {
      refreshing.delete(agentId);
      renderCount();
    }
  }, 100));
}

// ---- counts ------------------------------------------------------------------------------------------------------------

// The summary the roster keeps: read when the feed opens and again after the changes it reports. The roster hears of a
// change a moment after the feed can, so a change is read twice: soon, and once more a little later.
const SUMMARY_KINDS = new Set([
  'session-started', 'session-ended', 'status-changed', 'inactivity-warning', 'warning-cleared', 'agent-team-changed', 'team-changed',
]);
const summaryTimers = [];

async function loadSummary() {
  try {
    const { data } = await api('/work-sessions/summary?' + query({ teamId: filters.teamId }));
    const values = { open: data.open, ...data.byState, ...data.byStatus };
    for (const cell of document.querySelectorAll('#roster-summary [data-count]')) {
      cell.textContent = countText.format(values[cell.dataset.count] ?? 0);
    }
    const reasons = Object.entries(data.notReadyByReason ?? {}).sort(([a], [b]) => a.localeCompare(b));
    $('roster-reasons').textContent = reasons.length === 0
      ? ''
      : 'Not ready for: ' + reasons.map(([reason, count]) => `${reason} ${countText.format(count)}`).join(', ') + '.';
  } catch (error) {
    showError(errorRegion, error);
  }
}

function scheduleSummary() {
  while (summaryTimers.length > 0) clearTimeout(summaryTimers.pop());
  summaryTimers.push(setTimeout(loadSummary, 300), setTimeout(loadSummary, 2000));
}

function onFeedEvent(kind, event, id) {
  takeAlertEvent(kind, event, id);
  if (SUMMARY_KINDS.has(kind)) scheduleSummary();
  if (!event?.agentId) return;
  const view = agents.get(event.agentId);
  switch (kind) {
    case 'session-started':
      if (!filters.teamId || event.teamId === filters.teamId) rosterTotal++;
      break;
    case 'session-ended':
      if (!filters.teamId || event.teamId === filters.teamId) rosterTotal = Math.max(0, rosterTotal - 1);
      agents.delete(event.agentId);
      break;
    case 'inactivity-warning':
      noteServerInstant(event.at);
      if (view) agents.set(event.agentId, { ...view, state: 'warned', prompt: { warnedAt: event.at, deadline: event.deadline } });
      break;
    case 'warning-cleared':
      if (view) agents.set(event.agentId, { ...view, state: 'active', prompt: null });
      break;
    case 'status-changed':
      if (view) agents.set(event.agentId, { ...view, status: event.to, statusReason: event.reason ?? null });
      break;
    default:
      break;
  }
  const changed = agents.get(event.agentId);
  if (changed && !matches(changed)) agents.delete(event.agentId);
  renderAgent(event.agentId);
  renderCount();
  // Agents on other pages are read when their page is: a busy tenant's feed does not become a read per event.
  if (onPageShown(event.agentId)) refreshAgent(event.agentId);
}

followEvents('/events', {
  onEvent: onFeedEvent,
  // The feed starts at its live end; the list is read once it is open, so no change falls between the two.
  onOpen: () => {
    loadRoster();
    loadSummary();
  },
  onState: (state) => {
    $('connection').textContent = state === 'live' ? 'Live' : state === 'reconnecting' ? 'Connection lost — reconnecting…' : '';
  },
});

// ==== ending a session =================================================================================================

const endDialog = $('end-dialog');
let endingAgent = null;
let focusBeforeEnd = null;

function openEndDialog(agentId) {
  endingAgent = agentId;
  focusBeforeEnd = document.activeElement;
  $('end-form').reset();
  showError($('end-error'), null);
  $('end-who').textContent = `End ${agentId}'s work session now. They go offline at once.`;
  endDialog.showModal();
  $('end-note').focus();
}

$('end-cancel').addEventListener('click', () => endDialog.close());
endDialog.addEventListener('close', () => {
  const target = focusBeforeEnd?.isConnected ? focusBeforeEnd : $('roster-heading');
  if (target === $('roster-heading')) target.setAttribute('tabindex', '-1');
  target?.focus();
});

$('end-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const note = $('end-note').value.trim();
  try {
    await api(`/agents/${encodeURIComponent(endingAgent)}/work-session/end`, { method: 'POST', body: note ? { note } : {} });
    agents.delete(endingAgent);
    renderAgent(endingAgent);
    renderCount();
    $('roster-status').textContent = `Ended ${endingAgent}'s work session.`;
    endDialog.close();
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'no_open_session' || error.code === 'agent_not_found')) {
      agents.delete(endingAgent);
      renderAgent(endingAgent);
      renderCount();
      $('roster-status').textContent = `${endingAgent} had no open work session any more.`;
      endDialog.close();
    } else {
      showError($('end-error'), error);
    }
  }
});

// ==== reports ==========================================================================================================

const today = new Date();
$('day').value = isoDate(today);
$('from').value = isoDate(addDays(today, -6));
$('to').value = isoDate(today);

function sessionsRange() {
  const from = $('from').value;
  const to = $('to').value;
  if (!from || !to) throw new ApiError(400, { title: 'Missing dates', detail: 'Choose the From and To days.', code: 'invalid_range' });
  return { from: localDayStart(from), to: addDays(localDayStart(to), 1) };
}

function query(parameters) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return search.toString();
}

// ---- Sessions ----------------------------------------------------------------------------------------------------------

let sessionsCursor = null;

// "Ended for" offers every end reason the API knows, in the words the rest of the console uses for them.
$('end-reason').append(...endReasonChoices().map(([endReason, label]) => el('option', { value: endReason }, label)));

function sessionsQuery() {
  const { from, to } = sessionsRange();
  return { from, to, agentId: $('agent-filter').value.trim(), endReason: $('end-reason').value };
}

async function loadSessions(reset) {
  showError(errorRegion, null);
  const body = $('sessions').tBodies[0];
  try {
    const parameters = { ...sessionsQuery(), limit: 100, cursor: reset ? null : sessionsCursor };
    const { data } = await api('/reports/work-sessions?' + query(parameters));
    if (reset) body.replaceChildren();
    for (const record of data.items) {
      const seconds = ((record.endedAt ? Date.parse(record.endedAt) : serverNow()) - Date.parse(record.startedAt)) / 1000;
      body.append(el('tr', { 'data-session': record.sessionId },
        el('th', { scope: 'row' }, record.agentId),
        el('td', {}, el('time', { datetime: record.startedAt }, dateTimeText(record.startedAt))),
        el('td', {}, record.endedAt ? el('time', { datetime: record.endedAt }, dateTimeText(record.endedAt)) : '—'),
        el('td', { class: 'mono' }, durationText(seconds)),
        el('td', {}, endedByText(record)),
        el('td', { class: 'num' }, String(record.promptCount)),
        el('td', { class: 'num' }, String(record.continueCount)),
        el('td', { class: 'mono' }, durationText(record.readySeconds)),
        el('td', { class: 'mono' }, durationText(record.notReadySeconds)),
        el('td', { class: 'mono' }, durationText(record.occupiedSeconds)),
        el('td', { class: 'note-cell' }, record.note ?? '')));
    }
    if (body.rows.length === 0) body.append(el('tr', {}, el('td', { colspan: '11' }, 'No sessions in this range.')));
    sessionsCursor = data.nextCursor;
    $('sessions-more').hidden = !sessionsCursor;
  } catch (error) {
    showError(errorRegion, error);
  }
}

$('sessions-form').addEventListener('submit', (event) => {
  event.preventDefault();
  loadSessions(true);
  loadTimecards(true);
});
$('sessions-more').addEventListener('click', () => loadSessions(false));

function csvLink(id, build) {
  $(id).addEventListener('click', async (event) => {
    event.preventDefault();
    showError(errorRegion, null);
    try {
      await build();
    } catch (error) {
      showError(errorRegion, error);
    }
  });
}

csvLink('sessions-csv', () => downloadCsv('/reports/work-sessions?' + query({ ...sessionsQuery(), format: 'csv' }), 'work-sessions.csv'));

// ---- Timecards ---------------------------------------------------------------------------------------------------------

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
for (const zone of ['UTC', ...zones.filter((zone) => zone !== 'UTC')]) {
  $('time-zone').append(el('option', { value: zone }, zone));
}
if (![...$('time-zone').options].some((option) => option.value === browserZone)) {
  $('time-zone').append(el('option', { value: browserZone }, browserZone));
}
$('time-zone').value = browserZone;

// The UTC instant of local midnight starting `day` in an IANA zone (two passes settle a DST change).
function zoneMidnight(day, zone) {
  const [y, m, d] = day.split('-').map(Number);
  const target = Date.UTC(y, m - 1, d);
  let guess = target;
  for (let i = 0; i < 2; i++) guess = target - zoneOffset(guess, zone);
  return new Date(guess);
}

function zoneOffset(instant, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

let timecardsCursor = null;

function timecardsQuery() {
  const zone = $('time-zone').value;
  const from = $('from').value;
  const to = $('to').value;
  if (!from || !to) throw new ApiError(400, { title: 'Missing dates', detail: 'Choose the From and To days.', code: 'invalid_range' });
  const next = isoDate(addDays(localDayStart(to), 1));
  return { from: zoneMidnight(from, zone), to: zoneMidnight(next, zone), timeZone: zone, agentId: $('agent-filter').value.trim() };
}

function reasonsText(byReason) {
  return Object.entries(byReason ?? {}).map(([reason, seconds]) => `${reason} ${durationText(seconds)}`).join(', ');
}

async function loadTimecards(reset) {
  const body = $('timecards').tBodies[0];
  try {
    const parameters = { ...timecardsQuery(), limit: 100, cursor: reset ? null : timecardsCursor };
    const { data } = await api('/reports/timecards?' + query(parameters));
    if (reset) body.replaceChildren();
    for (const card of data.items) {
      body.append(el('tr', {},
        el('th', { scope: 'row' }, card.agentId),
        el('td', {}, card.date),
        el('td', { class: 'num' }, String(card.sessions)),
        el('td', { class: 'mono' }, durationText(card.sessionSeconds)),
        el('td', { class: 'mono' }, durationText(card.readySeconds)),
        el('td', { class: 'mono' }, durationText(card.notReadySeconds)),
        el('td', {}, reasonsText(card.notReadyByReason)),
        el('td', { class: 'mono' }, durationText(card.occupiedSeconds)),
        el('td', { class: 'num' }, String(card.prompts)),
        el('td', { class: 'num' }, String(card.continues)),
        el('td', { class: 'num' }, String(card.autoEnds))));
    }
    if (body.rows.length === 0) body.append(el('tr', {}, el('td', { colspan: '11' }, 'No timecards in this range.')));
    timecardsCursor = data.nextCursor;
    $('timecards-more').hidden = !timecardsCursor;
  } catch (error) {
    showError(errorRegion, error);
  }
}

$('timecards-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  loadTimecards(true);
});
$('timecards-more').addEventListener('click', () => loadTimecards(false));
csvLink('timecards-csv', () => downloadCsv('/reports/timecards?' + query({ ...timecardsQuery(), format: 'csv' }), 'timecards.csv'));

// ---- Timeline ----------------------------------------------------------------------------------------------------------

function dayRange() {
  const day = $('day').value;
  if (!day) throw new ApiError(400, { title: 'Missing day', detail: 'Choose a day.', code: 'invalid_range' });
  const from = localDayStart(day);
  return { day, from, to: addDays(from, 1) };
}

// Status periods of one agent from its status changes: each lasts until the next change (or the end of its session, or now).
function statusPeriods(changes, sessions, until) {
  const periods = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    if (change.to === 'offline') continue;
    const start = Date.parse(change.at);
    const session = sessions.find((s) => s.sessionId === change.sessionId);
    const sessionEnd = session?.endedAt ? Date.parse(session.endedAt) : until;
    const next = changes[i + 1] ? Date.parse(changes[i + 1].at) : until;
    periods.push({ status: change.to, reason: change.reason, start, end: Math.min(next, sessionEnd) });
  }
  return periods;
}

// The hours shown: from the hour of the first session start to the hour after the last end (a short day stays readable).
function shownWindow(sessions, from, to, until) {
  const day = { start: from.getTime(), end: to.getTime() };
  if (sessions.length === 0) return day;
  const hour = 3600000;
  const first = Math.min(...sessions.map((s) => Date.parse(s.startedAt)));
  const last = Math.max(...sessions.map((s) => (s.endedAt ? Date.parse(s.endedAt) : until)));
  const start = Math.max(day.start, day.start + Math.floor((first - day.start) / hour) * hour);
  const end = Math.min(day.end, day.start + Math.ceil((last - day.start) / hour) * hour);
  return { start, end: Math.max(end, start + hour) };
}

// In the lane's 1000-unit viewBox: about 3 px on a phone, 10 px on a laptop.
const MIN_BAR_WIDTH = 8;

async function loadTimeline() {
  const container = $('timeline');
  try {
    const { day, from, to } = dayRange();
    // A session started the evening before may run into this day.
    const sessions = (await allPages('/reports/work-sessions?' + query({ from: addDays(from, -1), to, limit: 1000 })))
      .filter((s) => !s.endedAt || Date.parse(s.endedAt) > from.getTime());
    const agentIds = [...new Set(sessions.map((s) => s.agentId))].sort((a, b) => a.localeCompare(b));
    const until = Math.min(serverNow(), to.getTime());
    const histories = await Promise.all(agentIds.map((agentId) =>
      allPages(`/agents/${encodeURIComponent(agentId)}/status-history?` + query({ from: addDays(from, -1), to, limit: 1000 }))));
    container.replaceChildren();
    if (agentIds.length === 0) {
      container.append(el('p', { class: 'note' }, `No work sessions on ${day}.`));
      return;
    }
    const shown = shownWindow(sessions, from, to, until);
    const scale = 1000 / (shown.end - shown.start);
    const place = (start, end) => {
      const x = (Math.max(start, shown.start) - shown.start) * scale;
      const right = (Math.min(end, shown.end) - shown.start) * scale;
      // A bar of a few seconds would be a hairline; its <title> carries the exact times.
      return { x, width: Math.max(MIN_BAR_WIDTH, right - x) };
    };
    container.append(axis(shown));
    agentIds.forEach((agentId, index) => {
      const own = sessions.filter((s) => s.agentId === agentId);
      const chart = svg('svg', { viewBox: '0 0 1000 24', preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': `tl-${index}`, class: 'lane', 'data-agent': agentId });
      chart.append(svg('title', { id: `tl-${index}` }, document.createTextNode(`${agentId}: ${own.length} session${own.length === 1 ? '' : 's'} on ${day}`)));
      for (const session of own) {
        const { x, width } = place(Date.parse(session.startedAt), session.endedAt ? Date.parse(session.endedAt) : until);
        chart.append(svg('rect', {
          x, y: 1, width, height: 22, class: 'session', 'data-agent': agentId, 'data-kind': 'session',
          'data-status': session.endReason ?? 'open', 'data-session': session.sessionId,
        }, svg('title', {}, document.createTextNode(
          `${agentId} session ${timeText(session.startedAt)}–${session.endedAt ? timeText(session.endedAt) : 'now'}, ${endedByText(session)}`))));
      }
      for (const period of statusPeriods(histories[index], own, until)) {
        if (period.end <= shown.start || period.start >= shown.end) continue;
        const { x, width } = place(period.start, period.end);
        chart.append(svg('rect', {
          x, y: 6, width, height: 12, class: `status ${period.status}`, 'data-agent': agentId, 'data-kind': 'status', 'data-status': period.status,
        }, svg('title', {}, document.createTextNode(
          `${agentId} ${statusText(period.status, period.reason)} ${timeText(new Date(period.start).toISOString())}–${timeText(new Date(period.end).toISOString())}`))));
      }
      container.append(el('div', { class: 'lane-row' }, el('span', { class: 'lane-name', title: agentId }, agentId), chart));
    });
  } catch (error) {
    showError(errorRegion, error);
  }
}

function axis(shown) {
  const labels = el('div', { class: 'axis', 'aria-hidden': 'true' });
  const hours = Math.round((shown.end - shown.start) / 3600000);
  const step = hours <= 8 ? 1 : 3;
  const format = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  for (let h = 0; h <= hours; h += step) labels.append(el('span', {}, format.format(new Date(shown.start + h * 3600000))));
  return el('div', { class: 'lane-row' }, el('span', { class: 'lane-name' }), labels);
}

$('timeline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  loadTimeline();
  loadConcurrency();
});

// ---- Concurrency -------------------------------------------------------------------------------------------------------

let concurrencyRows = [];

async function loadConcurrency() {
  const chart = $('concurrency-chart');
  const body = $('concurrency').tBodies[0];
  try {
    const { day, from, to } = dayRange();
    const { data } = await api('/reports/concurrency?' + query({ from, to, interval: $('interval').value }));
    concurrencyRows = data.items;
    body.replaceChildren(...concurrencyRows.map((row) => el('tr', {},
      el('th', { scope: 'row' }, el('time', { datetime: row.start }, timeText(row.start))),
      el('td', { class: 'num' }, String(row.peak)),
      el('td', { class: 'num' }, row.average.toFixed(2)))));
    const peak = Math.max(1, ...concurrencyRows.map((row) => row.peak));
    const width = 20 * Math.max(1, concurrencyRows.length);
    const picture = svg('svg', { viewBox: `0 0 ${width} 110`, preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': 'concurrency-title', class: 'bars' });
    picture.append(svg('title', { id: 'concurrency-title' }, document.createTextNode(
      `Concurrent work sessions on ${day}: at most ${Math.max(0, ...concurrencyRows.map((row) => row.peak))} at once`)));
    concurrencyRows.forEach((row, i) => {
      const height = (row.peak / peak) * 100;
      picture.append(svg('rect', { x: i * 20 + 2, y: 105 - height, width: 16, height, class: 'peak' },
        svg('title', {}, document.createTextNode(`${timeText(row.start)}: peak ${row.peak}, average ${row.average.toFixed(2)}`))));
    });
    const points = concurrencyRows.map((row, i) => `${i * 20 + 10},${105 - (row.average / peak) * 100}`).join(' ');
    if (points) picture.append(svg('polyline', { points, class: 'average' }));
    chart.replaceChildren(picture);
  } catch (error) {
    showError(errorRegion, error);
  }
}

$('concurrency-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  loadConcurrency();
});

// The concurrency report has no CSV of its own: the rows shown become one, in the API's CSV style.
csvLink('concurrency-csv', async () => {
  if (concurrencyRows.length === 0) await loadConcurrency();
  const lines = ['start,peak,average', ...concurrencyRows.map((row) => `${row.start},${row.peak},${row.average}`)];
  saveFile(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' }), `concurrency-${$('day').value}.csv`);
});

// An alert's agent: their row when the roster shows it, else their sessions in the Sessions report.
onShowAgent((agentId) => {
  const row = rows.get(agentId);
  if (row) {
    row.setAttribute('tabindex', '-1');
    row.scrollIntoView({ block: 'nearest' });
    row.focus();
    return;
  }
  $('agent-filter').value = agentId;
  loadSessions(true);
  loadTimecards(true);
  const heading = $('sessions-heading');
  heading.setAttribute('tabindex', '-1');
  heading.scrollIntoView({ block: 'start' });
  heading.focus();
});

if (caller) {
  lookBack().catch((error) => showError(errorRegion, error));
  loadTeams();
  loadSessions(true);
  loadTimecards(true);
  loadTimeline();
  loadConcurrency();
}
