// The bearer token: kept in sessionStorage. A pasted or development token is mirrored to localStorage, so a second tab
// of the same browser is signed in too; a token from the identity provider (oidc.js) stays in this tab's sessionStorage
// only, and the tab renews it before it expires. It never goes into a URL.
import { el } from './ui.js';

export const TOKEN_KEY = 'worksessions.token';

// Set while this tab is signed in with the identity provider (oidc.js keeps its settings under this key).
const OIDC_SETTINGS_KEY = 'worksessions.oidc';

/** Whether this tab signed in with the identity provider (OpenID Connect) rather than a pasted or development token. */
export function signedInWithProvider() {
  return sessionStorage.getItem(OIDC_SETTINGS_KEY) !== null;
}

// Who the Gateway says the token's caller is (GET /me/identity: user id, tenant, roles), kept beside the token: the
// Gateway maps an identity provider's claims (Auth:Claims:*, Auth:Roles:*), so the console never reads them itself.
const CALLER_KEY = 'worksessions.caller';

export function getToken() {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
  if (token && !sessionStorage.getItem(TOKEN_KEY)) {
    sessionStorage.setItem(TOKEN_KEY, token);
    const caller = localStorage.getItem(CALLER_KEY);
    if (caller) sessionStorage.setItem(CALLER_KEY, caller);
  }
  return token;
}

/**
 * Stores the token, and with it the caller the Gateway named for it (a renewed token keeps the caller already stored);
 * acrossTabs (pasted and development tokens) mirrors both to localStorage for the browser's other tabs.
 */
export function setToken(token, { acrossTabs = true, caller = null } = {}) {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (caller) sessionStorage.setItem(CALLER_KEY, JSON.stringify(caller));
  if (acrossTabs) {
    localStorage.setItem(TOKEN_KEY, token);
    if (caller) localStorage.setItem(CALLER_KEY, JSON.stringify(caller));
  } else {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(CALLER_KEY);
  }
}

export function clearToken() {
  for (const storage of [sessionStorage, localStorage]) {
    storage.removeItem(TOKEN_KEY);
    storage.removeItem(CALLER_KEY);
  }
}

/**
 * Asks the Gateway who a token's caller is: { userId, tenantId, roles }. Throws { code, title, detail } when it refuses
 * (401 for a token it does not accept, 403 no_role for a valid one that maps to none of our roles).
 */
export async function identify(token) {
  let response;
  try {
    response = await fetch('/api/v1/me/identity', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store' });
  } catch (error) {
    throw { code: 'network', title: 'Network error', detail: String(error.message ?? error) };
  }
  if (response.ok) return response.json();
  const problem = await response.json().catch(() => ({}));
  throw { code: problem.code ?? String(response.status), title: problem.title ?? 'Refused', detail: problem.detail ?? `The Gateway answered ${response.status}.` };
}

/** The claims of a JWT (not verified here: the API verifies every call). */
export function claimsOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(payload), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const claims = JSON.parse(json);
    const roles = Array.isArray(claims.role) ? claims.role : claims.role ? [claims.role] : [];
    return {
      user: claims.sub ?? '', tenant: claims.tenant ?? '', roles,
      expiresAt: claims.exp ? claims.exp * 1000 : null, issuedAt: claims.iat ? claims.iat * 1000 : null,
    };
  } catch {
    return null;
  }
}

/** The signed-in caller, or null when there is no usable token. */
export function currentCaller() {
  const token = getToken();
  if (!token) return null;
  const claims = claimsOf(token);
  if (!claims || (claims.expiresAt && claims.expiresAt <= Date.now())) return null;
  try {
    const caller = JSON.parse(sessionStorage.getItem(CALLER_KEY) ?? 'null');
    if (caller && Array.isArray(caller.roles)) return { ...claims, user: caller.userId, tenant: caller.tenantId, roles: caller.roles };
  } catch {
    // Unreadable: the token's own claims, as before the Gateway named the caller.
  }
  return claims;
}

/** The page a caller lands on after sign-in. */
export function homeFor(roles) {
  if (roles.includes('agent')) return '/console/agent.html';
  if (roles.includes('supervisor')) return '/console/supervisor.html';
  if (roles.includes('admin')) return '/console/admin.html';
  return '/console/sign-in.html';
}

/**
 * Signs out: forgets the token and goes to the sign-in page. A tab signed in with the identity provider also ends the
 * provider's session (oidc.js), unless the token merely expired.
 */
export function signOut({ expired = false } = {}) {
  if (signedInWithProvider() && !expired) {
    import('./oidc.js').then((oidc) => oidc.signOutAtProvider());
    return;
  }
  clearToken();
  sessionStorage.removeItem(OIDC_SETTINGS_KEY);
  // The identity provider's user (with its refresh token), as oidc-client-ts stored it: gone with the sign-in.
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith('oidc.user:')) sessionStorage.removeItem(key);
  }
  location.assign('/console/sign-in.html' + (expired ? '?expired=1' : ''));
}

// The pages a signed-in caller may open, each with the roles that may open it.
const PAGES = [
  { href: '/console/agent.html', name: 'Contact Center', roles: ['agent'] },
  { href: '/console/supervisor.html', name: 'Supervisor', roles: ['supervisor', 'admin'] },
  { href: '/console/admin.html', name: 'Preferences', roles: ['admin'] },
  { href: '/console/teams.html', name: 'Teams', roles: ['admin'] },
  { href: '/console/webhooks.html', name: 'Webhooks', roles: ['admin'] },
];

// The header of every signed-in page: the pages the caller may open (the one shown marked current), who is signed
// in, and "Sign out".
function showHeader(caller) {
  const pages = PAGES.filter((page) => page.roles.some((role) => caller.roles.includes(role)));
  document.body.prepend(el('header', { class: 'top' },
    el('a', { class: 'brand', href: '/console/' }, 'Work Sessions'),
    el('nav', { 'aria-label': 'Console pages' }, ...pages.map((page) =>
      el('a', { href: page.href, 'aria-current': page.href === location.pathname ? 'page' : null }, page.name))),
    el('span', { class: 'who' }, `${caller.user} · ${caller.tenant}`),
    el('button', { id: 'sign-out', type: 'button', onclick: () => signOut() }, 'Sign out')));
}

/**
 * Guards a page: without a token (or without one of the roles) the browser goes to sign-in. Puts the page's header
 * first in its body. Returns the caller, or null when it navigated away.
 */
export function requireCaller(roles) {
  const caller = currentCaller();
  if (!caller) {
    clearToken();
    location.replace('/console/sign-in.html');
    return null;
  }
  if (!roles.some((role) => caller.roles.includes(role))) {
    location.replace(homeFor(caller.roles));
    return null;
  }
  showHeader(caller);
  if (signedInWithProvider()) {
    import('./oidc.js').then((oidc) => oidc.keepFresh(() => signOut({ expired: true })));
  }
  // Signing out in another tab signs out this one (a tab signed in with the provider shares nothing with the others).
  window.addEventListener('storage', (event) => {
    if (event.key === TOKEN_KEY && !event.newValue && !signedInWithProvider()) {
      sessionStorage.removeItem(TOKEN_KEY);
      location.replace('/console/sign-in.html');
    }
  });
  return caller;
}
