// The not-ready limits table (docs/architecture.md#limits), shared by the Preferences and the Teams pages: one row per
// limit with its reason, the limit and the warning in minutes, and the action. The API judges every value and names a
// limit by its position, which is the row's number here.
import { el } from './ui.js';

const ACTIONS = [['alert', 'Alert supervisors'], ['endSession', 'End the session']];

/** Minutes as the table shows them: whole when they are, else to a tenth. */
function minutesOf(seconds) {
  const minutes = seconds / 60;
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(1);
}

/**
 * A limits editor inside `table` (its tbody gets the rows) with an add button; `prefix` keeps ids unique on a page.
 * Returns { set(limits), get() → limits, or null after marking the first invalid input, clear() }.
 */
export function limitsEditor(table, addButton, prefix) {
  const body = table.tBodies[0];
  let counter = 0;

  function addRow(limit = { reason: '', maxSeconds: 900, warnSecondsBefore: 120, action: 'alert' }) {
    const n = ++counter;
    const id = (name) => `${prefix}-${name}-${n}`;
    const reason = el('input', { id: id('reason'), type: 'text', maxlength: '40', value: limit.reason ?? '', 'data-field': 'reason' });
    const max = el('input', { id: id('max'), type: 'number', min: '1', step: 'any', inputmode: 'decimal', value: minutesOf(limit.maxSeconds), 'data-field': 'max' });
    const warn = el('input', { id: id('warn'), type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: minutesOf(limit.warnSecondsBefore), 'data-field': 'warn' });
    const action = el('select', { id: id('action'), 'data-field': 'action' }, ...ACTIONS.map(([value, text]) => el('option', { value }, text)));
    action.value = limit.action ?? 'alert';
    const remove = el('button', { type: 'button', class: 'link' }, 'Remove');
    const row = el('tr', {},
      el('td', {}, el('label', { for: reason.id, class: 'visually-hidden' }, 'Reason'), reason),
      el('td', {}, el('label', { for: max.id, class: 'visually-hidden' }, 'Limit in minutes'), max),
      el('td', {}, el('label', { for: warn.id, class: 'visually-hidden' }, 'Warn minutes before'), warn),
      el('td', {}, el('label', { for: action.id, class: 'visually-hidden' }, 'Action'), action),
      el('td', {}, remove));
    remove.addEventListener('click', () => {
      row.remove();
      addButton.focus();
    });
    body.append(row);
    return reason;
  }

  addButton.addEventListener('click', () => addRow().focus());

  return {
    set(limits) {
      body.replaceChildren();
      for (const limit of limits ?? []) addRow(limit);
    },
    /** Marks the row of limit `position` (1-based, as the API counts) invalid and returns its first input. */
    markRow(position) {
      const input = body.rows[position - 1]?.querySelector('[data-field="reason"]');
      input?.setAttribute('aria-invalid', 'true');
      return input ?? null;
    },
    clear() {
      for (const input of body.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    },
    get() {
      const limits = [];
      for (const row of body.rows) {
        const field = (name) => row.querySelector(`[data-field="${name}"]`);
        const minutes = ['max', 'warn'].map((name) => Number(field(name).value));
        const bad = ['max', 'warn'].find((name, i) => field(name).value.trim() === '' || !Number.isFinite(minutes[i]) || minutes[i] < 0);
        if (bad) {
          field(bad).setAttribute('aria-invalid', 'true');
          field(bad).focus();
          return null;
        }
        limits.push({
          reason: field('reason').value.trim(),
          maxSeconds: Math.round(minutes[0] * 60),
          warnSecondsBefore: Math.round(minutes[1] * 60),
          action: field('action').value,
        });
      }
      return limits;
    },
  };
}

/** The limits as one line of the change history. */
export function limitsText(limits) {
  if (!limits || limits.length === 0) return 'none';
  return limits.map((l) => `${l.reason} ${minutesOf(l.maxSeconds)} min (warn ${minutesOf(l.warnSecondsBefore)} min before, ${l.action === 'endSession' ? 'end session' : 'alert'})`).join(', ');
}
