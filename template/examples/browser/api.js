// What every page of the reference client shares: the settings, one function that calls the
// API and reports its error JSON, and the error panel (the localized message, the request id
// to quote to support, and a live Retry-After countdown).

/** `?api=` and `?transport=` win and are remembered, so that the pages opened from a mail
 * link (which carry no query) talk to the same API. */
function setting(name, fallback) {
  const given = new URLSearchParams(location.search).get(name);
  if (given) {
    localStorage.setItem(name, given);
    return given;
  }
  return localStorage.getItem(name) || fallback;
}

export const settings = {
  api: setting('api', 'http://127.0.0.1:8080').replace(/\/+$/, ''),
  transport: setting('transport', 'body') === 'cookie' ? 'cookie' : 'body',
  locale: setting('locale', navigator.language || 'en'),
};

export function saveSetting(name, value) {
  settings[name] = value;
  localStorage.setItem(name, value);
}

export const $ = (selector) => document.querySelector(selector);

/**
 * One call to the API. Never throws: a network failure (the API is down, or this page's
 * origin is not in CORS_ALLOWED_ORIGINS, which the browser reports the same way) comes back
 * as status 0 with the code `network_error`.
 *
 * `session: true` marks the routes that read or set the refresh cookie (login, refresh,
 * logout): in cookie mode they go with the browser's cookies and the `X-Requested-With`
 * header that the API's CSRF check requires.
 */
export async function request(method, path, { body, token, session = false } = {}) {
  const headers = { 'Accept-Language': settings.locale };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  if (session && settings.transport === 'cookie') {
    init.credentials = 'include';
    headers['X-Requested-With'] = 'fetch';
  }
  let result;
  try {
    const response = await fetch(settings.api + path, init);
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    result = {
      ok: response.ok,
      status: response.status,
      data,
      requestId: response.headers.get('X-Request-Id'),
      retryAfter: response.headers.get('Retry-After'),
    };
  } catch (e) {
    result = {
      ok: false,
      status: 0,
      data: {
        error: {
          code: 'network_error',
          message: `The API at ${settings.api} could not be reached: it is down, or this page's origin (${location.origin}) is not in its CORS_ALLOWED_ORIGINS.`,
        },
      },
      requestId: null,
      retryAfter: null,
    };
  }
  log(method, path, result.status);
  return result;
}

/** The last requests, newest first: what the page did, for the reader (and the tests). */
function log(method, path, status) {
  const list = $('#log');
  if (!list) return;
  const item = document.createElement('li');
  item.dataset.method = method;
  item.dataset.path = path;
  item.dataset.status = String(status);
  item.textContent = `${method} ${path} → ${status || 'network error'}`;
  list.prepend(item);
  while (list.children.length > 30) list.lastChild.remove();
}

// The error panel, the same on every page (static markup: no API text goes through innerHTML).
$('#error').innerHTML = `
  <div id="error-message"></div>
  <div class="hint">code <span id="error-code"></span></div>
  <div id="support" hidden class="hint">Quote this id to support: <span id="error-request-id"></span></div>
  <div id="retry" hidden>Try again in <span id="retry-countdown"></span> s<span id="retry-done" hidden>: now</span>.</div>`;

let countdown = null;

export function clearError() {
  clearInterval(countdown);
  $('#error').hidden = true;
  for (const id of ['#error-message', '#error-code', '#error-request-id', '#retry-countdown']) {
    $(id).textContent = '';
  }
  $('#retry').hidden = true;
  $('#support').hidden = true;
}

/** Shows a failed request: the API's own (localized) message, its code and request id. */
export function showError(result) {
  clearError();
  const error = result.data && result.data.error;
  $('#error-message').textContent = error ? error.message : `HTTP ${result.status}`;
  $('#error-code').textContent = error ? error.code : '';
  if (result.requestId) {
    $('#error-request-id').textContent = result.requestId;
    $('#support').hidden = false;
  }
  const seconds = Number.parseInt(result.retryAfter, 10);
  if (Number.isFinite(seconds) && seconds > 0) startCountdown(seconds);
  $('#error').hidden = false;
}

/** Retry-After, counted down live: when the user may try again. */
function startCountdown(seconds) {
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    $('#retry-countdown').textContent = String(left);
    $('#retry-done').hidden = left > 0;
    if (left === 0) clearInterval(countdown);
  };
  $('#retry').hidden = false;
  tick();
  countdown = setInterval(tick, 250);
}

/** Runs one user action; `data-busy` on the body says whether one is under way. */
export async function busy(work) {
  document.body.dataset.busy = '1';
  try {
    await work();
  } finally {
    document.body.dataset.busy = '0';
  }
}

export function showNotice(text) {
  $('#notice').textContent = text;
}
