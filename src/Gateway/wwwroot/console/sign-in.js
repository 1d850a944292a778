import { api, ApiError } from './api.js';
import { setToken, claimsOf, homeFor } from './auth.js';
import { showError } from './ui.js';

const errorRegion = document.getElementById('error');
const devForm = document.getElementById('dev-form');
const tokenForm = document.getElementById('token-form');

if (new URLSearchParams(location.search).has('expired')) {
  document.getElementById('expired').hidden = false;
}

// The Gateway says whether its development token endpoint exists (only in Development).
async function developmentSignIn() {
  try {
    const response = await fetch('/console/settings.json', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    return response.ok && (await response.json()).developmentSignIn === true;
  } catch {
    return false;
  }
}

function enter(token) {
  const claims = claimsOf(token);
  if (!claims || !claims.tenant || !claims.user || claims.roles.length === 0) {
    showError(errorRegion, { title: 'Not a usable token', detail: 'It needs the claims sub, tenant and role.' });
    return;
  }
  if (claims.expiresAt && claims.expiresAt <= Date.now()) {
    showError(errorRegion, { title: 'Expired token', detail: 'That token has expired.' });
    return;
  }
  setToken(token);
  location.assign(homeFor(claims.roles));
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
    enter(data.token);
  } catch (error) {
    showError(errorRegion, error instanceof ApiError ? error : { title: 'Network error', detail: String(error.message ?? error) });
  }
});

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  showError(errorRegion, null);
  enter(tokenForm.bearer.value.trim().replace(/^Bearer\s+/i, ''));
});

const development = await developmentSignIn();
document.getElementById('checking').remove();
(development ? devForm : tokenForm).hidden = false;
(development ? devForm.user : tokenForm.bearer).focus();
