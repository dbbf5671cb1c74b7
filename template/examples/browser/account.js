// The pages that account mails link to: APP_URL + APP_VERIFY_EMAIL_PATH (or
// APP_RESET_PASSWORD_PATH) + `#token=...`. The token is read from the fragment, which the
// browser never sends to any server nor in a Referer, then dropped from the address bar and
// history, and POSTed to the API in a JSON body (never in a query string, which logs keep).

import { $, busy, clearError, request, settings, showError, showNotice } from './api.js';

const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname + location.search);

const purposes = {
  verify: {
    path: '/auth/verify-email',
    body: () => ({ token }),
    done: 'Your address is verified: you can sign in.',
  },
  reset: {
    path: '/auth/password-reset/confirm',
    body: () => ({ token, new_password: $('#new-password').value }),
    done: 'Your password is changed and every session is signed out: sign in with the new one.',
  },
};
const purpose = purposes[document.body.dataset.purpose];

$('#api-label').textContent = settings.api;
if (!token) {
  $('#submit').disabled = true;
  showNotice('This link has no token: open the whole link from the mail.');
}
$('#account-form').addEventListener('submit', (event) => {
  event.preventDefault();
  busy(async () => {
    clearError();
    const result = await request('POST', purpose.path, { body: purpose.body() });
    if (!result.ok) return showError(result);
    $('#submit').disabled = true;
    $('#done').hidden = false;
    showNotice(purpose.done);
  });
});
document.body.dataset.ready = '1';
