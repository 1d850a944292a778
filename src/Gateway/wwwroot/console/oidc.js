// Sign-in with the company's identity provider (OpenID Connect): the authorization code flow with PKCE (S256) as a
// public client, through oidc-client-ts (vendor/, docs/architecture.md#console-sign-in). The library discovers the
// provider's metadata, makes the PKCE verifier, the state and the nonce, checks them on the way back and exchanges the
// code. Everything it keeps (the pending request and the signed-in user) is in this tab's sessionStorage; the access
// token the API calls carry is copied to auth.js's key there too, never to localStorage, a URL or the console log.
import { setToken, clearToken, claimsOf, TOKEN_KEY } from './auth.js';

const LIBRARY = '/console/vendor/oidc-client-ts-3.5.0.min.js';

/** The sessionStorage key of the provider settings a signed-in tab renews and signs out with (no token in it). */
export const SETTINGS_KEY = 'worksessions.oidc';

export const SIGN_IN_PAGE = '/console/sign-in.html';
const SILENT_CALLBACK_PAGE = '/console/silent-callback.html';

let library = null;

// The library is a classic script that defines the global `oidc`; the Content-Security-Policy allows it (same origin).
function loadLibrary() {
  library ??= new Promise((resolve, reject) => {
    if (window.oidc) {
      resolve(window.oidc);
      return;
    }
    const script = document.createElement('script');
    script.src = LIBRARY;
    script.onload = () => resolve(window.oidc);
    script.onerror = () => reject(new Error('The sign-in library did not load.'));
    document.head.append(script);
  });
  return library;
}

/** The provider settings this tab signed in with (from settings.json at sign-in), or null. */
export function storedSettings() {
  try {
    return JSON.parse(sessionStorage.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** A UserManager for the Gateway's settings.json `oidc` block. */
export async function userManager(settings) {
  const { UserManager, WebStorageStateStore } = await loadLibrary();
  const origin = location.origin;
  return new UserManager({
    authority: settings.authority,
    client_id: settings.clientId,
    scope: settings.scope,
    resource: settings.resource ?? undefined,
    response_type: 'code',
    redirect_uri: origin + SIGN_IN_PAGE,
    silent_redirect_uri: origin + SILENT_CALLBACK_PAGE,
    post_logout_redirect_uri: origin + SIGN_IN_PAGE,
    // The library's own default for the pending request (with the PKCE verifier) is localStorage: not here.
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    // Renewal is scheduled below, from each token's own lifetime.
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
    revokeTokensOnSignout: false,
  });
}

/** Sends the browser to the provider to sign in (the provider asks for a login when it has no session). */
export async function beginSignIn(settings) {
  sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  const manager = await userManager(settings);
  await manager.signinRedirect();
}

/** Whether this URL is the provider's answer to a sign-in (a code or an error, with the state). */
export function isCallback(url) {
  const params = new URL(url).searchParams;
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Finishes a sign-in from the provider's answer in <paramref name="url"/> (already removed from the address bar): checks
 * the state, exchanges the code with the PKCE verifier, checks the ID token's nonce. Returns the access token; throws a
 * { title, detail } when the provider refused or the exchange failed, leaving no token behind.
 */
export async function completeSignIn(settings, url) {
  const manager = await userManager(settings);
  try {
    // A refusal (error=access_denied …) comes back through here too, its state checked and the pending request spent.
    const user = await manager.signinRedirectCallback(url);
    sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
    return user.access_token;
  } catch (error) {
    await manager.removeUser().catch(() => {});
    clearToken();
    throw refusal(error?.error ?? 'sign_in_failed', error?.error_description ?? error?.message);
  }
}

function refusal(code, description) {
  const reasons = {
    access_denied: 'The identity provider did not let you sign in to Work Sessions.',
    login_required: 'The identity provider needs you to sign in again.',
    invalid_grant: 'The identity provider did not accept the sign-in answer (it may have been used already, or was not this browser\'s).',
  };
  return {
    title: 'Sign-in refused',
    detail: (reasons[code] ?? 'The sign-in with the identity provider did not complete.') + (description ? ` (${description})` : ''),
    code,
  };
}

/**
 * Keeps the access token fresh while a page is open: a while before each token expires (a third of its lifetime, at
 * most a minute) the library gets a new one — with the refresh token where the provider gave one (rotated on each use
 * by providers that rotate), else by an authorization without a prompt in a hidden iframe. The API calls and the event
 * stream read the token afresh each time, so they carry on with the new one. When renewal keeps failing until the token
 * has expired, the tab signs out as on any expiry.
 */
export async function keepFresh(onExpired) {
  const settings = storedSettings();
  if (!settings) return;
  const manager = await userManager(settings);
  let failures = 0;

  const schedule = () => {
    const claims = claimsOf(sessionStorage.getItem(TOKEN_KEY) ?? '');
    if (!claims?.expiresAt) return;
    const lifetime = claims.issuedAt ? claims.expiresAt - claims.issuedAt : 3_600_000;
    const margin = Math.min(60_000, lifetime / 3);
    const wait = failures === 0 ? claims.expiresAt - margin - Date.now() : Math.min(2_000 * failures, 10_000);
    setTimeout(renew, Math.max(0, wait));
  };

  const renew = async () => {
    try {
      const user = await manager.signinSilent();
      if (!user?.access_token) throw new Error('no access token');
      setToken(user.access_token, { acrossTabs: false });
      failures = 0;
    } catch {
      failures++;
      const claims = claimsOf(sessionStorage.getItem(TOKEN_KEY) ?? '');
      if (!claims?.expiresAt || claims.expiresAt <= Date.now()) {
        onExpired();
        return;
      }
    }
    schedule();
  };

  schedule();
}

/**
 * Signs out at the provider too: forgets this tab's tokens, then sends the browser to the provider's
 * end_session_endpoint with the console's client id and the sign-in page as the way back (OpenID Connect RP-Initiated
 * Logout). The ID token is not sent as id_token_hint: it would travel in the URL, where no token of the console goes;
 * the client id is what the specification offers instead, and the provider asks the person to confirm. Without an
 * end_session_endpoint it is a local sign-out.
 */
export async function signOutAtProvider() {
  const settings = storedSettings();
  let endpoint = null;
  try {
    if (settings) {
      const manager = await userManager(settings);
      endpoint = await manager.metadataService.getEndSessionEndpoint();
      await manager.removeUser();
    }
  } catch {
    // The provider's metadata is out of reach: sign out here at least.
  }
  clearToken();
  sessionStorage.removeItem(SETTINGS_KEY);
  if (!endpoint) {
    location.assign(SIGN_IN_PAGE);
    return;
  }
  const url = new URL(endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('post_logout_redirect_uri', location.origin + SIGN_IN_PAGE);
  location.assign(url.toString());
}

/** The silent-renewal iframe's page: hands the provider's answer to the tab that opened the iframe. */
export async function completeSilentRenewal() {
  const settings = storedSettings();
  if (!settings) return;
  const manager = await userManager(settings);
  await manager.signinSilentCallback(location.href);
}
