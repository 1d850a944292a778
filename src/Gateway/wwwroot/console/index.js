import { currentCaller, homeFor, clearToken } from './auth.js';

const caller = currentCaller();
if (caller) {
  location.replace(homeFor(caller.roles));
} else {
  clearToken();
  location.replace('/console/sign-in.html');
}
