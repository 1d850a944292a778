// The page the identity provider sends an authorization without a prompt back to, inside the hidden iframe of a renewal
// (oidc.js keepFresh, when the provider gave no refresh token): it hands the answer to the console tab and shows nothing.
import { completeSilentRenewal } from './oidc.js';

await completeSilentRenewal();
