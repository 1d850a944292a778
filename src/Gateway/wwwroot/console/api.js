// The console's one way to the API: same origin, bearer token from auth.js, problem details turned into ApiError,
// and server-sent events read with fetch (so the token travels in a header, never in a URL).
import { getToken, signOut } from './auth.js';
import { saveFile } from './ui.js';

/** A rejection of the API: the problem details' status, stable code, title and detail. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? 'http_' + status;
    this.title = problem?.title ?? '';
    this.detail = problem?.detail ?? '';
    this.problem = problem ?? {};
  }
}

// Server clock minus browser clock, in ms; countdowns use it so they end at the server's deadline.
let clockOffsetMs = 0;

/** The server's current time, as the browser best knows it. */
export function serverNow() {
  return Date.now() + clockOffsetMs;
}

/** Adjusts the offset when an event stamped "now" by the server arrives (e.g. a prompt's warnedAt). */
export function noteServerInstant(isoTime) {
  const stamped = Date.parse(isoTime);
  if (Number.isNaN(stamped)) return;
  const estimate = stamped - Date.now();
  // The event left the server after it was stamped, so the true offset is at least this much.
  if (estimate > clockOffsetMs) clockOffsetMs = estimate;
}

function learnClock(response, sentAt) {
  const date = response.headers.get('Date');
  if (!date) return;
  const server = Date.parse(date);
  if (Number.isNaN(server)) return;
  const receivedAt = Date.now();
  // Date has whole seconds: the server's instant lies in [server, server + 1000).
  const estimate = server + 500 - (sentAt + receivedAt) / 2;
  // Only a clear disagreement moves the offset; a second's rounding does not.
  if (Math.abs(estimate - clockOffsetMs) > 1000) clockOffsetMs = estimate;
}

/** Calls the API. Returns { status, data, headers }; throws ApiError on a problem. */
export async function api(path, { method = 'GET', body, headers = {}, accept = 'application/json', signal } = {}) {
  const token = getToken();
  const sent = { Accept: accept, ...headers };
  if (token) sent.Authorization = 'Bearer ' + token;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const sentAt = Date.now();
  const response = await fetch('/api/v1' + path, {
    method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store',
  });
  learnClock(response, sentAt);
  if (!response.ok) {
    const problem = await readProblem(response);
    if (response.status === 401 && token) signOut({ expired: true });
    throw new ApiError(response.status, problem);
  }
  if (accept.startsWith('text/csv')) {
    return { status: response.status, data: await response.blob(), headers: response.headers };
  }
  const text = response.status === 204 ? '' : await response.text();
  return { status: response.status, data: text ? JSON.parse(text) : null, headers: response.headers };
}

async function readProblem(response) {
  try {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Reads every page of a `{ items, nextCursor }` list. */
export async function allPages(path, { max = 50 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < max; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const { data } = await api(cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...(data.items ?? []));
    cursor = data.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** Downloads a CSV export with the Authorization header, through a Blob URL (no token in any URL). */
export async function downloadCsv(path, fileName) {
  const { data, headers } = await api(path, { accept: 'text/csv' });
  const disposition = headers.get('Content-Disposition') ?? '';
  const named = /filename="?([^";]+)"?/i.exec(disposition);
  saveFile(data, named ? named[1] : fileName);
}

/**
 * Follows a server-sent event stream over fetch, reconnecting with backoff (1 s doubling to 30 s, with jitter) and
 * sending Last-Event-ID when the stream gave ids. Handlers: onEvent(name, data, id), onOpen(reconnected), onState(text).
 * Returns { close() }.
 */
export function followEvents(path, { onEvent, onOpen, onState = () => {}, lastEventId = null } = {}) {
  let closed = false;
  let controller = null;
  let attempt = 0;
  let connectedBefore = false;
  let lastId = lastEventId;

  async function connect() {
    while (!closed) {
      controller = new AbortController();
      const headers = { Accept: 'text/event-stream' };
      const token = getToken();
      if (!token) return;
      headers.Authorization = 'Bearer ' + token;
      if (lastId !== null) headers['Last-Event-ID'] = String(lastId);
      let stop = false;
      try {
        const response = await fetch('/api/v1' + path, { headers, signal: controller.signal, cache: 'no-store' });
        if (response.status === 401) {
          signOut({ expired: true });
          return;
        }
        if (!response.ok || !response.body) throw new ApiError(response.status, await readProblem(response));
        attempt = 0;
        onState('live');
        onOpen?.(connectedBefore);
        connectedBefore = true;
        stop = await readStream(response.body, (name, data, id) => {
          if (id !== null) lastId = id;
          if (name === 'stream-closed') {
            // Superseded: this agent opened too many streams and this one was the oldest; the others carry on.
            return data?.reason === 'superseded';
          }
          onEvent?.(name, data, id);
          return false;
        });
      } catch (error) {
        if (closed || error?.name === 'AbortError') return;
      }
      if (stop || closed) {
        onState(stop ? 'closed' : 'stopped');
        return;
      }
      onState('reconnecting');
      const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt = Math.min(attempt + 1, 5);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  connect();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}

// Parses text/event-stream (WHATWG HTML §9.2.6); returns true when a handler asked to stop for good.
async function readStream(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let name = '';
  let data = [];
  let id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) {
          let parsed = null;
          try {
            parsed = JSON.parse(data.join('\n'));
          } catch {
            parsed = data.join('\n');
          }
          if (dispatch(name || 'message', parsed, id)) {
            reader.cancel().catch(() => {});
            return true;
          }
        }
        name = '';
        data = [];
        id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let text = colon < 0 ? '' : line.slice(colon + 1);
      if (text.startsWith(' ')) text = text.slice(1);
      if (field === 'event') name = text;
      else if (field === 'data') data.push(text);
      else if (field === 'id') id = text;
    }
  }
}
