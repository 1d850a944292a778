// A real OpenID Provider for the browser tests (oidc-provider, pinned by package-lock.json; test.sh installs it with
// `npm ci --prefix tools/oidc-provider`). It listens on 127.0.0.1 only and prints "oidc-provider ready <issuer>" once it
// accepts requests.
//
//   node tools/oidc-provider/server.mjs --port 4100 --console http://127.0.0.1:5000 --tenant acme \
//     [--audience urn:work-sessions] [--access-token-seconds 600] [--keys /tmp/keys.json]
//
// What it offers:
// - the console as a public client (no secret, PKCE S256 required) with the console's sign-in page as redirect and
//   post-logout URI; refresh tokens rotate on every use;
// - JWT access tokens for the audience (a resource indicator, the default resource), carrying `sub`, `tenant` and
//   Keycloak's `realm_access.roles` (`wfm-agent`, `wfm-supervisor`, `wfm-admin`, beside `default-roles-<tenant>`), living --access-token-seconds; a second audience `urn:other-api` so tests can get a token for the wrong one;
// - users alice and alex (agents), sam (supervisor), ada (admin) and nora (no role), password "pass", all in --tenant;
// - a confidential client `test-machine` (secret `test-machine-secret`, client credentials) whose tokens carry the
//   tenant and the admin role, for tests that need a token without a browser;
// - a login form with "Cancel", which answers the console with error=access_denied;
// - plain login, logout and error pages that load nothing from any other origin.
// --keys shares the signing key between two providers (a file written by the first): tokens of a second provider with
// the same key differ from the first's only by their issuer.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.OIDC_PROVIDER_PORT ?? '4100' },
    console: { type: 'string', default: process.env.OIDC_PROVIDER_CONSOLE ?? 'http://127.0.0.1:5000' },
    tenant: { type: 'string', default: 'acme' },
    audience: { type: 'string', default: 'urn:work-sessions' },
    'access-token-seconds': { type: 'string', default: '600' },
    keys: { type: 'string' },
  },
});

const port = Number(options.port);
const issuer = `http://127.0.0.1:${port}`;
const consoleOrigin = new URL(options.console).origin;
const accessTokenSeconds = Number(options['access-token-seconds']);
const CONSOLE_CLIENT = 'work-sessions-console';
const MACHINE_CLIENT = 'test-machine';
const OTHER_AUDIENCE = 'urn:other-api';
const PASSWORD = 'pass';

const USERS = {
  alice: { name: 'Alice Agent', role: 'agent' },
  alex: { name: 'Alex Agent', role: 'agent' },
  sam: { name: 'Sam Supervisor', role: 'supervisor' },
  ada: { name: 'Ada Admin', role: 'admin' },
  nora: { name: 'Nora No-Role', role: null },
};

function signingKeys() {
  if (options.keys && existsSync(options.keys)) return JSON.parse(readFileSync(options.keys, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] };
  if (options.keys) writeFileSync(options.keys, JSON.stringify(jwks));
  return jwks;
}

function claimsOfUser(accountId) {
  const user = USERS[accountId];
  if (!user) return undefined;
  // Roles the way Keycloak issues them (a JSON object claim with the realm's roles, among them one that is not ours), so
  // the Gateway's claim mapping (Auth:Claims:Role=realm_access.roles, Auth:Roles:*) decides who is who, not the console.
  const roles = ['default-roles-' + options.tenant, ...(user.role ? ['wfm-' + user.role] : [])];
  return { tenant: options.tenant, realm_access: { roles } };
}

const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CONSOLE_CLIENT,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${consoleOrigin}/console/sign-in.html`, `${consoleOrigin}/console/silent-callback.html`],
      post_logout_redirect_uris: [`${consoleOrigin}/console/sign-in.html`],
    },
    {
      client_id: MACHINE_CLIENT,
      client_secret: 'test-machine-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: signingKeys(),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the test identity provider?',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => options.audience,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== options.audience && resource !== OTHER_AUDIENCE) throw new errors.InvalidTarget();
        return {
          scope: 'api',
          audience: resource,
          accessTokenTTL: accessTokenSeconds,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // The console asks for offline_access without prompt=consent; the tests' provider issues refresh tokens to it anyway.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  extraTokenClaims: async (_ctx, token) => {
    if (token.kind === 'ClientCredentials') return { tenant: options.tenant, realm_access: { roles: ['wfm-admin'] } };
    return token.accountId ? claimsOfUser(token.accountId) : undefined;
  },
  findAccount: async (_ctx, accountId) => USERS[accountId]
    ? { accountId, claims: async () => ({ sub: accountId, name: USERS[accountId].name, ...claimsOfUser(accountId) }) }
    : undefined,
  claims: { openid: ['sub'], profile: ['name', 'tenant', 'realm_access'] },
  // The console is first-party: no consent page, every scope it asks for and the audience are granted.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile offline_access');
    grant.addResourceScope(options.audience, 'api');
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: accessTokenSeconds,
    ClientCredentials: accessTokenSeconds,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('The identity provider could not complete the request',
      Object.entries(out).map(([key, value]) => `<p><strong>${escape(key)}</strong>: ${escape(value)}</p>`).join(''));
  },
  cookies: { keys: ['test-cookie-key-not-secret'] },
});
provider.proxy = false;

function loginForm(uid, error) {
  return page('Sign in to the test identity provider', `
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
  <p><label for="login">Username</label> <input id="login" name="login" required></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${uid}/cancel"><p><button type="submit">Cancel</button></p></form>`);
}

async function formBody(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return new URLSearchParams(text);
}

const callback = provider.callback();
const server = createServer(async (request, response) => {
  const match = /^\/interaction\/([^/?]+)(\/login|\/cancel)?/.exec(request.url ?? '');
  if (!match) {
    callback(request, response);
    return;
  }
  try {
    const details = await provider.interactionDetails(request, response);
    if (request.method === 'POST' && match[2] === '/cancel') {
      await provider.interactionFinished(request, response,
        { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
      return;
    }
    if (request.method === 'POST' && match[2] === '/login') {
      const form = await formBody(request);
      const login = form.get('login') ?? '';
      if (!USERS[login] || form.get('password') !== PASSWORD) {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(loginForm(details.uid, 'Unknown user or wrong password.'));
        return;
      }
      await provider.interactionFinished(request, response, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === 'login') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(loginForm(details.uid));
      return;
    }
    // Consent: the console is first-party (loadExistingGrant granted it); nothing to ask.
    await provider.interactionFinished(request, response, { consent: {} }, { mergeWithLastSubmission: true });
  } catch (error) {
    response.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(page('Interaction failed', `<p>${escape(error.message)}</p>`));
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});
