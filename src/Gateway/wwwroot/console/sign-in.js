import { api, ApiError } from './api.js';
import { setToken, claimsOf, homeFor, clearToken, identify } from './auth.js';
import { showError } from './ui.js';

const errorRegion = document.getElementById('error');
const devForm = document.getElementById('dev-form');
const tokenForm = document.getElementById('token-form');
const oidcPanel = document.getElementById('oidc-panel');
const refusedPanel = document.getElementById('refused');

if (new URLSearchParams(location.search).has('expired')) {
  document.getElementById('expired').hidden = false;
}

// The Gateway says whether its development token endpoint exists (only in Development) and whether the console signs in
// with an identity provider (its `oidc` block).
async function consoleSettings() {
  try {
    const response = await fetch('/console/settings.json', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

/**
 * Enters the console with a token: the Gateway says who it is (GET /me/identity, the claims as it maps them) and its
 * roles say which page. Returns false (and says why) when it is not usable.
 */
async function enter(token, { acrossTabs = true } = {}) {
  const claims = claimsOf(token);
  if (!claims) {
    showError(errorRegion, { title: 'Not a usable token', detail: 'It is not a JSON Web Token.' });
    return false;
  }
  if (claims.expiresAt && claims.expiresAt <= Date.now()) {
    showError(errorRegion, { title: 'Expired token', detail: 'That token has expired.' });
    return false;
  }
  let caller;
  try {
    caller = await identify(token);
  } catch (refusal) {
    if (refusal.code === 'no_role' && !acrossTabs) {
      // Signed in at the provider, but not one of our roles: the provider's session stays until they sign out there.
      clearToken();
      showRefused('No access to Work Sessions',
        `You signed in as ${claims.user || 'someone'}, but your account has no Work Sessions role (agent, supervisor or admin). `
        + 'Ask your administrator for one, or sign out and sign in as someone else.');
      return false;
    }
    showError(errorRegion, refusal.code === 'no_role'
      ? { title: 'No Work Sessions role', detail: refusal.detail }
      : { title: 'Not a usable token', detail: refusal.detail });
    return false;
  }
  setToken(token, { acrossTabs, caller });
  location.assign(homeFor(caller.roles));
  return true;
}

function showRefused(title, detail) {
  document.getElementById('refused-heading').textContent = title;
  document.getElementById('refused-detail').textContent = detail;
  refusedPanel.hidden = false;
  oidcPanel.hidden = true;
  document.getElementById('sign-in-again').focus();
}

devForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  const tenant = devForm.tenant.value.trim();
  const user = devForm.user.value.trim();
  if (!tenant || !user) {
    showError(errorRegion, { title: 'Missing', detail: 'Enter a tenant and a user.' });
    (tenant ? devForm.user : devForm.tenant).focus();
    return;
  }
  try {
    const { data } = await api('/dev/tokens', { method: 'POST', body: { tenant, user, roles: [devForm.role.value] } });
    await enter(data.token);
  } catch (error) {
    showError(errorRegion, error instanceof ApiError ? error : { title: 'Network error', detail: String(error.message ?? error) });
  }
});

tokenForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  await enter(tokenForm.bearer.value.trim().replace(/^Bearer\s+/i, ''));
});

// The provider's answer arrives in this page's query (the code and state, or an error). It leaves the address bar (and
// the history) before anything else happens, so no code or error stays in a URL a reload or a bookmark could replay.
const answer = location.href;
const oidcModule = import('./oidc.js');
const { isCallback } = await oidcModule;
const arrivedFromProvider = isCallback(answer);
if (arrivedFromProvider) {
  history.replaceState(null, '', location.pathname);
}

const settings = await consoleSettings();
document.getElementById('checking').remove();
const development = settings.developmentSignIn === true;
(development ? devForm : tokenForm).hidden = false;

if (settings.oidc) {
  const oidc = await oidcModule;
  oidcPanel.hidden = false;
  document.getElementById('oidc-sign-in').addEventListener('click', async () => {
    showError(errorRegion, null);
    try {
      await oidc.beginSignIn(settings.oidc);
    } catch (error) {
      showError(errorRegion, { title: 'The identity provider is out of reach', detail: String(error.message ?? error) });
    }
  });
  document.getElementById('sign-in-again').addEventListener('click', () => oidc.beginSignIn(settings.oidc));
  document.getElementById('refused-sign-out').addEventListener('click', () => {
    sessionStorage.setItem(oidc.SETTINGS_KEY, JSON.stringify(settings.oidc));
    oidc.signOutAtProvider();
  });
  if (arrivedFromProvider) {
    try {
      await enter(await oidc.completeSignIn(settings.oidc, answer), { acrossTabs: false });
    } catch (refusal) {
      clearToken();
      showRefused(refusal.title ?? 'Sign-in refused', refusal.detail ?? String(refusal.message ?? refusal));
    }
  } else {
    document.getElementById('oidc-sign-in').focus();
  }
} else {
  (development ? devForm.user : tokenForm.bearer).focus();
}
