// The reference client's main page: register, sign in, show /users/me, refresh the access
// token when the API answers 401 (and retry the request once), sign out.
//
// Where the tokens live:
// - the access token: in this module's memory only, so a reload drops it (and refreshes);
// - the refresh token, body mode: sessionStorage (this tab, until it closes); page script can
//   read it, so an XSS on this origin could too. Cookie mode keeps it out of reach: the API sets
//   it as an HttpOnly cookie that no script can read, and the page only remembers (in
//   localStorage) that a session may exist;
// - the login's device_token: localStorage, per address (it spares this device the account's
//   lockout, and still needs the password).

import {
  $,
  busy,
  clearError,
  request,
  saveSetting,
  settings,
  showError,
  showNotice,
} from './api.js';

const REFRESH_TOKEN = 'refresh_token';
const COOKIE_SESSION = 'cookie_session';

let accessToken = null;
let refreshing = null;

const cookieMode = () => settings.transport === 'cookie';
const deviceKey = (email) => `device_token:${email.trim().toLowerCase()}`;
const credentials = () => ({ email: $('#email').value, password: $('#password').value });

function mayHaveSession() {
  return cookieMode()
    ? localStorage.getItem(COOKIE_SESSION) === '1'
    : sessionStorage.getItem(REFRESH_TOKEN) !== null;
}

function startSession(tokens) {
  accessToken = tokens.access_token;
  if (cookieMode()) localStorage.setItem(COOKIE_SESSION, '1');
  else sessionStorage.setItem(REFRESH_TOKEN, tokens.refresh_token);
}

function endSession() {
  accessToken = null;
  sessionStorage.removeItem(REFRESH_TOKEN);
  localStorage.removeItem(COOKIE_SESSION);
  showUser(null);
}

function showUser(user) {
  $('#session-state').dataset.state = user ? 'in' : 'out';
  $('#session-state').textContent = user ? `Signed in as ${user.email}` : 'Signed out';
  $('#user').textContent = user ? JSON.stringify(user, null, 2) : '';
  $('#logout').disabled = !user;
}

/** One refresh at a time, however many requests met a 401 together (each token is spent on use). */
function refresh() {
  refreshing ??= (async () => {
    const body = cookieMode() ? undefined : { refresh_token: sessionStorage.getItem(REFRESH_TOKEN) };
    const result = await request('POST', '/auth/refresh', { body, session: true });
    if (result.ok) startSession(result.data);
    else if (result.status === 401) endSession();
    return result;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

const signedOut = {
  ok: false,
  status: 0,
  data: { error: { code: 'signed_out', message: 'Sign in first.' } },
};

/** A request with the access token; on 401, one refresh and one retry. */
async function authed(method, path, body) {
  if (!accessToken) {
    if (!cookieMode() && !mayHaveSession()) return signedOut;
    const refreshed = await refresh();
    if (!refreshed.ok) return refreshed;
  }
  const first = await request(method, path, { body, token: accessToken });
  if (first.status !== 401) return first;
  const refreshed = await refresh();
  if (!refreshed.ok) return refreshed;
  return request(method, path, { body, token: accessToken });
}

async function loadMe() {
  const result = await authed('GET', '/users/me');
  if (!result.ok) return showError(result);
  showUser(result.data);
}

async function register() {
  clearError();
  const result = await request('POST', '/auth/register', { body: credentials() });
  if (!result.ok) return showError(result);
  showNotice(
    result.status === 202
      ? 'Registered: open the verification link mailed to you, then sign in.'
      : 'Registered: sign in.',
  );
}

async function login() {
  clearError();
  const body = credentials();
  const device = localStorage.getItem(deviceKey(body.email));
  if (device) body.device_token = device;
  const result = await request('POST', '/auth/login', { body, session: true });
  if (!result.ok) return showError(result);
  localStorage.setItem(deviceKey(body.email), result.data.device_token);
  startSession(result.data);
  showNotice('Signed in.');
  await loadMe();
}

async function logout() {
  clearError();
  const body = cookieMode() ? undefined : { refresh_token: sessionStorage.getItem(REFRESH_TOKEN) };
  const result = await request('POST', '/auth/logout', { body, session: true });
  endSession();
  if (!result.ok) return showError(result);
  showNotice('Signed out.');
}

/** Account-email pages only: requests that answer 202 whatever the address. */
async function mailRequest(path, text) {
  clearError();
  const result = await request('POST', path, { body: { email: $('#email').value } });
  if (!result.ok) return showError(result);
  showNotice(text);
}

function settingsForm() {
  $('#api').value = settings.api;
  $('#transport').value = settings.transport;
  if ([...$('#locale').options].some((o) => o.value === settings.locale)) {
    $('#locale').value = settings.locale;
  }
  saveSetting('locale', $('#locale').value);
  $('#api').addEventListener('change', () => {
    saveSetting('api', $('#api').value.trim().replace(/\/+$/, ''));
    endSession();
  });
  $('#transport').addEventListener('change', () => {
    // A session of one transport means nothing to the other.
    endSession();
    saveSetting('transport', $('#transport').value);
  });
  $('#locale').addEventListener('change', () => saveSetting('locale', $('#locale').value));
}

function on(id, handler) {
  const button = $(id);
  if (!button) return;
  button.addEventListener('click', (event) => {
    event.preventDefault();
    busy(handler);
  });
}

settingsForm();
on('#register', register);
on('#login', login);
on('#me', () => {
  clearError();
  return loadMe();
});
on('#logout', logout);
on('#forgot', () =>
  mailRequest('/auth/password-reset', 'If an account has this address, a reset link is on its way.'),
);
on('#resend', () =>
  mailRequest(
    '/auth/verify-email/resend',
    'If this address has an unverified account, a new link is on its way.',
  ),
);
showUser(null);
// A reload keeps the session: the access token is gone, the refresh token (or cookie) is not.
busy(async () => {
  if (mayHaveSession()) await loadMe();
}).then(() => {
  document.body.dataset.ready = '1';
});
