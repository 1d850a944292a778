// Small DOM and formatting helpers shared by the pages.

/** Creates an element: el('td', { class: 'num' }, 'text', child). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes. */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...children.filter(Boolean));
  return element;
}

/** m:ss for a countdown (never negative). */
export function countdownText(milliseconds) {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** h:mm:ss for a duration in seconds. */
export function durationText(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function timeText(iso) {
  return iso ? timeFormat.format(new Date(iso)) : '';
}

export function dateTimeText(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : '';
}

/** The agent status as people read it. */
export function statusText(status, reason) {
  switch (status) {
    case 'ready': return 'Ready';
    case 'notReady': return reason ? `Not ready (${reason})` : 'Not ready';
    case 'occupied': return 'Occupied';
    case 'offline': return 'Offline';
    default: return status ?? '';
  }
}

/**
 * Shows an error (or clears it with null) in a role="alert" region: a problem (an ApiError, which carries its HTTP
 * status, or a { title, detail, code } a page made) as it is; any other error (a failed fetch, a bug) as "Error: …".
 */
export function showError(region, error) {
  region.replaceChildren();
  if (!error) {
    region.hidden = true;
    return;
  }
  region.hidden = false;
  const problem = error.status || error.title ? error : { title: 'Error', detail: String(error.message ?? error) };
  const code = problem.code ? ` (${problem.code})` : '';
  region.append(el('p', {}, (problem.title ? problem.title + ': ' : '') + (problem.detail || problem.message) + code));
}

/** Saves a Blob as a file of that name, through a Blob URL and a hidden link. */
export function saveFile(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Each way a work session ends (the API's EndReason, in its order): its name in a filter, how the agent is told it, who
// ended it as a report shows it, and for the ends a supervisor is alerted of, the alert's title and what it says.
const END_REASONS = {
  agentEnded: {
    label: 'Agent ended',
    told: () => 'You ended it.',
    by: (record) => `agent (${record.endedBy ?? record.agentId})`,
  },
  inactivityTimeout: {
    label: 'Inactivity',
    told: () => 'It ended for inactivity: the prompt was not answered in time.',
    by: () => 'inactivity (auto-end)',
    alert: { title: 'Auto-ended', what: 'Their work session ended for inactivity: the prompt went unanswered.' },
  },
  endedBySupervisor: {
    label: 'Ended by a supervisor',
    told: (record) => `It was ended by a supervisor (${record.endedBy}).` + noteText(record),
    by: (record) => `supervisor (${record.endedBy})`,
  },
  endedByAdmin: {
    label: 'Ended by an admin',
    told: (record) => `It was ended by an admin (${record.endedBy}).` + noteText(record),
    by: (record) => `admin (${record.endedBy})`,
  },
  featureDisabled: {
    label: 'Feature turned off',
    told: () => 'It ended because work sessions were turned off for your organisation.',
    by: (record) => `feature turned off (${record.endedBy ?? 'admin'})`,
  },
  clientGone: {
    label: 'Client gone (console closed or cut off)',
    told: () => 'It ended because your Contact Center window was closed or lost its connection for too long.',
    by: () => 'client gone (system)',
    alert: { title: 'Client gone', what: 'Their work session ended: their console was gone (closed, asleep or cut off).' },
  },
  statusLimit: {
    label: 'Not-ready limit',
    told: () => 'It ended because you stayed not ready longer than the limit for that reason.',
    by: () => 'not-ready limit',
    alert: { title: 'Over a limit', what: 'Their work session ended: they stayed not ready past the limit.' },
  },
  shiftEnded: {
    label: 'Shift ended',
    told: () => 'It ended because your shift ended.',
    by: () => 'shift ended',
    alert: { title: 'Shift ended', what: 'Their work session ended at the end of their shift.' },
  },
};

/** Every end reason as a filter offers it: `[endReason, label]`, in the API's order. */
export function endReasonChoices() {
  return Object.entries(END_REASONS).map(([endReason, reason]) => [endReason, reason.label]);
}

/** The ends a supervisor is alerted of: `[endReason, { title, what }]`. */
export function endReasonAlerts() {
  return Object.entries(END_REASONS).filter(([, reason]) => reason.alert).map(([endReason, reason]) => [endReason, reason.alert]);
}

function noteText(record) {
  return record.note ? ` Note: ${record.note}` : '';
}

/** Why an ended work session ended, as a sentence to its agent. */
export function endedWhyText(record) {
  return (END_REASONS[record.endReason] ?? END_REASONS.agentEnded).told(record);
}

/** Who or what ended a work session, for a report ("open" while it is not ended). */
export function endedByText(record) {
  if (record.endReason === null || record.endReason === undefined) return 'open';
  return END_REASONS[record.endReason]?.by(record) ?? record.endReason;
}

/** A yyyy-mm-dd string of a local date. */
export function isoDate(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** The local midnight starting a yyyy-mm-dd day, as a Date. */
export function localDayStart(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d);
}

export function addDays(date, days) {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}
