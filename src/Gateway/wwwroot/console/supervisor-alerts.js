// Supervisor alerts (DESIGN §9): the agents in the caller's scope who were auto-ended, whose client is gone, who are over
// a not-ready limit or whose shift ended — live from the tenant feed the roster follows, plus the recent feed read when
// the page opens, so a supervisor who reloads still sees what they have not dismissed. The feed is already narrowed to
// the caller's scope by the Gateway (a supervisor under supervisorScope teams reads only their teams' events).
import { api, serverNow } from './api.js';
import { el, timeText, dateTimeText, endReasonAlerts } from './ui.js';

// ==== what raises an alert and what clears it ==========================================================================

/**
 * Every feed event that raises an alert: its kind, for a `session-ended` the end reason, the alert's title and what it
 * says happened.
 */
const ALERT_KINDS = [
  // A session's end: the end reasons' alerts are kept with the rest of their text, in ui.js.
  ...endReasonAlerts().map(([endReason, alert]) => ({ kind: 'session-ended', endReason, title: alert.title, what: () => alert.what })),
  {
    kind: 'client-gone', title: 'Client gone',
    what: (event) => `Their console is gone${event.goneSince ? ` since ${timeText(event.goneSince)}` : ''}: `
      + (event.action === 'endSession' ? 'their work session is ended.' : 'they were set Not ready (Disconnected).'),
  },
  {
    kind: 'status-limit-reached', title: 'Over a limit',
    what: (event) => `Not ready${event.reason ? ` (${event.reason})` : ''}${event.since ? ` since ${timeText(event.since)}` : ''}, past the limit`
      + (event.action === 'endSession' ? ': their work session is ended.' : '.'),
  },
];

/** Feed kinds that clear an agent's alert: they are back, or working again. */
const CLEARING_KINDS = new Set(['client-back', 'session-started']);

function alertKindOf(kind, event) {
  return ALERT_KINDS.find((entry) => entry.kind === kind && (!entry.endReason || entry.endReason === event.session?.endReason));
}

// ==== state ============================================================================================================

/** Alerts shown at most; the rest are counted. */
const SHOWN = 100;
/** How far back the page reads the feed when it opens, in the order tried: a busy feed gets a shorter look back. */
const LOOK_BACK_MINUTES = [60, 10, 2];
/** Pages of 1000 events read per look back, at most. */
const LOOK_BACK_PAGES = 10;
const DISMISSED_KEY = 'worksessions.dismissed-alerts';
/** How long a dismissal is remembered: longer than any look back, so a dismissed alert never comes back. */
const REMEMBER_MS = 2 * 24 * 3600 * 1000;

// agentId → { raise, clearedAt }: the agent's newest raising event (dismissed or not) and the position of its newest
// clearing event. Events arrive in two streams (the live feed, the look back), so each is kept by position, and the
// alert shows when the newest raise is newer than the newest clear and not dismissed — whatever order they came in.
const byAgent = new Map();
const dismissed = readDismissed();
const teamNames = new Map();
const items = new Map();           // eventId → <li>
const $ = (id) => document.getElementById(id);
const list = $('alerts');
const announcer = $('alerts-live');
let showAgent = () => {};
let pendingAnnouncements = [];

function positionOf(event, id) {
  const position = Number(event.position ?? id);
  return Number.isFinite(position) ? position : 0;
}

function agentState(agentId) {
  let state = byAgent.get(agentId);
  if (!state) byAgent.set(agentId, (state = { raise: null, clearedAt: -1 }));
  return state;
}

function isShown(state) {
  return state.raise !== null && state.raise.position > state.clearedAt && !dismissed.has(state.raise.eventId);
}

/**
 * Takes one feed event; `live` when it just happened (announced to screen readers), not when it comes from the look back.
 */
export function takeAlertEvent(kind, event, id = null, live = true) {
  if (!event?.agentId) return;
  const position = positionOf(event, id);
  if (CLEARING_KINDS.has(kind)) {
    const state = agentState(event.agentId);
    const wasShown = isShown(state);
    state.clearedAt = Math.max(state.clearedAt, position);
    if (wasShown && !isShown(state)) scheduleRender();
    return;
  }
  const alertKind = alertKindOf(kind, event);
  if (!alertKind) return;
  const state = agentState(event.agentId);
  if (state.raise !== null && state.raise.position >= position) return;
  state.raise = {
    eventId: String(event.eventId ?? `${kind}-${position}`), position, at: event.at, agentId: event.agentId, teamId: event.teamId ?? null,
    kind, title: alertKind.title, what: alertKind.what(event),
  };
  if (live && isShown(state)) {
    pendingAnnouncements.push(state.raise);
    setTimeout(flushAnnouncements, 250);
  }
  scheduleRender();
}

// A busy feed (a page of 1000 events, a burst of session starts) becomes one rendering, not one per event.
let renderScheduled = false;

function scheduleRender() {
  if (renderScheduled) return;
  renderScheduled = true;
  queueMicrotask(() => {
    renderScheduled = false;
    render();
  });
}

/** The teams the caller sees, for the team names the alerts show. */
export function setAlertTeams(teams) {
  teamNames.clear();
  for (const team of teams) teamNames.set(team.teamId, team.name);
  for (const item of items.values()) item.querySelector('.alert-team').textContent = teamText(item.dataset.team || null);
}

function teamText(teamId) {
  return teamId ? `Team ${teamNames.get(teamId) ?? teamId}` : 'No team';
}

// One polite announcement per burst, of the new alerts only: the list itself is not a live region, so re-rendering it
// (a dismissal, the clock) announces nothing again.
function flushAnnouncements() {
  // An alert cleared or dismissed in the meantime (the agent was back at once) is not news any more.
  const news = pendingAnnouncements.filter((alert) => isShown(byAgent.get(alert.agentId)) && byAgent.get(alert.agentId).raise === alert)
    .map((alert) => `${alert.agentId}: ${alert.title}. ${alert.what} ${teamText(alert.teamId)}.`);
  pendingAnnouncements = [];
  if (news.length === 0) return;
  const first = news.slice(0, 3).join(' ');
  announcer.textContent = (news.length === 1 ? 'New alert. ' : `${news.length} new alerts. `) + first
    + (news.length > 3 ? ` And ${news.length - 3} more.` : '');
}

// ==== dismissals =======================================================================================================

// Kept in localStorage by event id, so a reload or another tab of the same browser keeps them.
function readDismissed() {
  const kept = new Map();
  try {
    const stored = JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '{}');
    const now = Date.now();
    for (const [eventId, when] of Object.entries(stored)) {
      if (typeof when === 'number' && now - when < REMEMBER_MS) kept.set(eventId, when);
    }
  } catch {
    // A damaged entry is forgotten rather than breaking the page.
  }
  return kept;
}

function saveDismissed() {
  try {
    localStorage.setItem(DISMISSED_KEY, JSON.stringify(Object.fromEntries(dismissed)));
  } catch {
    // Storage full or refused: the dismissal holds until the page is left.
  }
}

function dismiss(eventIds) {
  const now = Date.now();
  for (const eventId of eventIds) dismissed.set(eventId, now);
  saveDismissed();
  render();
}

window.addEventListener('storage', (event) => {
  if (event.key !== DISMISSED_KEY) return;
  const fresh = readDismissed();
  dismissed.clear();
  for (const [eventId, when] of fresh) dismissed.set(eventId, when);
  render();
});

// ==== the list =========================================================================================================

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

function relativeText(iso) {
  const seconds = Math.round((Date.parse(iso) - serverNow()) / 1000);
  if (seconds > -45) return 'just now';
  if (seconds > -3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (seconds > -86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

function absoluteText(iso) {
  const at = new Date(iso);
  return at.toDateString() === new Date(serverNow()).toDateString() ? timeText(iso) : dateTimeText(iso);
}

function itemFor(alert) {
  let item = items.get(alert.eventId);
  if (item) return item;
  item = el('li', { class: 'alert-item', 'data-agent': alert.agentId, 'data-kind': alert.kind, 'data-event': alert.eventId, 'data-team': alert.teamId ?? '' },
    el('p', { class: 'alert-head' },
      el('button', { type: 'button', class: 'link', 'aria-label': `Show ${alert.agentId}`, onclick: () => showAgent(alert.agentId) }, alert.agentId),
      ' ', el('strong', { class: 'alert-title' }, alert.title),
      ' · ', el('span', { class: 'alert-team' }, teamText(alert.teamId))),
    el('p', { class: 'alert-what' }, alert.what),
    el('p', { class: 'alert-when note' },
      el('time', { datetime: alert.at, 'data-relative': '' }, relativeText(alert.at)), ` (${absoluteText(alert.at)})`),
    el('button', {
      type: 'button', class: 'small', 'aria-label': `Dismiss the alert for ${alert.agentId}`, onclick: () => dismissOne(alert),
    }, 'Dismiss'));
  items.set(alert.eventId, item);
  return item;
}

function shownAlerts() {
  return [...byAgent.values()].filter(isShown).map((state) => state.raise)
    .sort((a, b) => b.position - a.position);
}

// Keyed: an alert's element stays as it is while it is shown, so a focused button keeps the focus when others come.
function render() {
  const alerts = shownAlerts();
  const shown = alerts.slice(0, SHOWN);
  const keep = new Set(shown.map((alert) => alert.eventId));
  for (const [eventId, item] of items) {
    if (!keep.has(eventId)) {
      item.remove();
      items.delete(eventId);
    }
  }
  let next = list.firstElementChild;
  for (const alert of shown) {
    const item = itemFor(alert);
    if (item !== next) list.insertBefore(item, next);
    else next = next.nextElementSibling;
  }
  $('alerts-none').hidden = alerts.length > 0;
  $('alerts-dismiss-all').hidden = alerts.length === 0;
  $('alerts-count').textContent = alerts.length === 0 ? '' : `${alerts.length} ${alerts.length === 1 ? 'alert' : 'alerts'}.`;
  const older = alerts.length - shown.length;
  $('alerts-more').hidden = older === 0;
  $('alerts-more').textContent = older === 0 ? '' : `${older} older ${older === 1 ? 'alert is' : 'alerts are'} not shown; dismiss some to see them.`;
}

// After a dismissal the focus goes to the next alert's Dismiss button (or the one before, or the heading), never lost.
function dismissOne(alert) {
  const item = items.get(alert.eventId);
  const neighbour = item?.nextElementSibling ?? item?.previousElementSibling;
  const neighbourId = neighbour?.dataset.event;
  dismiss([alert.eventId]);
  const target = neighbourId && items.get(neighbourId);
  if (target) target.querySelector('button.small').focus();
  else focusHeading();
}

function focusHeading() {
  const heading = $('alerts-heading');
  heading.setAttribute('tabindex', '-1');
  heading.focus();
}

$('alerts-dismiss-all').addEventListener('click', () => {
  dismiss(shownAlerts().map((alert) => alert.eventId));
  focusHeading();
});

setInterval(() => {
  for (const time of list.querySelectorAll('time[data-relative]')) {
    const text = relativeText(time.getAttribute('datetime'));
    if (time.textContent !== text) time.textContent = text;
  }
}, 15000);

// ==== the look back ====================================================================================================

/**
 * Reads the recent feed once, when the page opens: the last hour, or less when the feed is busier than the pages allowed
 * can read (then the most recent part). Alerts found are shown but not announced: they are not news.
 */
export async function lookBack() {
  // Busy while it reads: the list may still grow with what happened before the page opened.
  list.setAttribute('aria-busy', 'true');
  try {
    await readRecentFeed();
  } finally {
    list.removeAttribute('aria-busy');
  }
}

// The feed's pages start at a time (since) and go on by position (after, with the same since): a shorter look back that
// follows a longer one skips to its own start, or carries on from where the longer one got to if that is later.
async function readRecentFeed() {
  let after = 0;
  for (const minutes of LOOK_BACK_MINUTES) {
    const since = encodeURIComponent(new Date(serverNow() - minutes * 60000).toISOString());
    for (let page = 0; page < LOOK_BACK_PAGES; page++) {
      const { data } = await api(`/events?after=${after}&limit=1000&since=${since}`);
      for (const event of data.items ?? []) takeAlertEvent(event.kind, event, null, false);
      if (!data.nextCursor) return;
      after = Number(data.nextCursor);
    }
  }
}

/** Sets what clicking an alert's agent does (the page shows that agent). */
export function onShowAgent(handler) {
  showAgent = handler;
}

render();
