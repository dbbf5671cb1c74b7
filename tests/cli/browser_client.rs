//! The generated project's reference browser client (examples/browser/), driven in headless
//! Chromium through chromedriver against a running API, in both refresh-token transports:
//! the client is served from an origin of its own (allowed by CORS_ALLOWED_ORIGINS) and from a
//! second origin that is not allowed. Where chromium or chromedriver is missing the tests say
//! so and skip; with STARTER_REQUIRE_TOOLS=1 (as .ci/run sets) that fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::generated_api::{Server, project, tool};
use crate::static_site::StaticSite;
use crate::webdriver::Browser;

const PASSWORD: &str = "plum-orbit-quiet-lantern-7";
const NEW_PASSWORD: &str = "amber-vessel-north-quill-4";

/// Access tokens are checked with 5 s of leeway (the template's `tokens::LEEWAY_SECS`): one
/// issued with a 1 s lifetime is refused after this long.
const ACCESS_TOKEN_DEAD_AFTER: Duration = Duration::from_secs(7);

struct Setup {
    server: Server,
    site: StaticSite,
    elsewhere: StaticSite,
    browser: Browser,
    transport: &'static str,
}

fn setup(transport: &'static str) -> Option<Setup> {
    let driver = tool("chromedriver", "apt-get install chromium-driver")?;
    let chromium = tool("chromium", "apt-get install chromium")?;
    let client = project().dir.join("examples/browser");
    let site = StaticSite::serve(&client);
    let elsewhere = StaticSite::serve(&client);
    let server = Server::start(&[
        ("CORS_ALLOWED_ORIGINS", &site.origin),
        ("APP_URL", &site.origin),
        ("REFRESH_TOKEN_TRANSPORT", transport),
        ("REQUIRE_VERIFIED_EMAIL", "true"),
        ("ACCESS_TOKEN_TTL_SECS", "1"),
        ("AUTH_RATE_LIMIT_BURST", "6"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "30"),
        ("MAIL_POLL_INTERVAL_MS", "100"),
    ]);
    let browser = Browser::start(&driver, &chromium);
    Some(Setup {
        server,
        site,
        elsewhere,
        browser,
        transport,
    })
}

impl Setup {
    fn email(&self) -> String {
        format!("ada-{}@example.com", self.transport)
    }

    /// Opens a page of the client and waits for its start (a session restored, or not).
    fn open(&self, url: &str) {
        self.browser.goto(url);
        self.wait_ready(url);
    }

    /// After a reload: the access token is gone, the page restores what it can.
    fn reload(&self) {
        self.browser.reload();
        self.wait_ready("reload");
    }

    fn wait_ready(&self, what: &str) {
        self.browser.wait_for(
            what,
            "return document.body && document.body.dataset.ready === '1'",
        );
    }

    fn open_client(&self, origin: &str) {
        self.open(&format!(
            "{origin}/?api={}&transport={}",
            self.server.url(""),
            self.transport
        ));
    }

    fn fill(&self, selector: &str, value: &str) {
        self.browser.run(&format!(
            "const e = document.querySelector({}); e.value = {}; \
             e.dispatchEvent(new Event('change')); return true",
            Value::from(selector),
            Value::from(value)
        ));
    }

    /// Clicks and waits until the action it started is over.
    fn click(&self, selector: &str) -> Value {
        self.browser.run(&format!(
            "document.querySelector({}).click(); return true",
            Value::from(selector)
        ));
        self.browser
            .wait_for(selector, "return document.body.dataset.busy === '0'");
        self.state()
    }

    fn sign_in(&self, password: &str) -> Value {
        self.fill("#email", &self.email());
        self.fill("#password", password);
        self.click("#login")
    }

    /// What the page shows.
    fn state(&self) -> Value {
        self.browser.run(
            "const text = (s) => { const e = document.querySelector(s); return e ? e.textContent : null; };\n\
             return {\n\
               session: document.querySelector('#session-state')?.dataset.state,\n\
               user: text('#user'),\n\
               notice: text('#notice'),\n\
               error_shown: !document.querySelector('#error').hidden,\n\
               code: text('#error-code'),\n\
               message: text('#error-message'),\n\
               request_id: text('#error-request-id'),\n\
               countdown: text('#retry-countdown'),\n\
               log: [...document.querySelectorAll('#log li')]\n\
                 .map((li) => `${li.dataset.method} ${li.dataset.path} ${li.dataset.status}`),\n\
             };",
        )
    }

    /// The link with a token that the API mailed, whose address starts with `prefix`.
    fn mail_link(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mails = std::fs::read_dir(self.server.mail_dir())
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok());
            for eml in mails {
                // Quoted-printable: undo soft line breaks and the escaped `=`.
                let text = eml
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                if let Some(at) = text.find(prefix) {
                    let token: String = text[at + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    assert_eq!(token.len(), 43, "a token of 43 characters in:\n{text}");
                    return format!("{prefix}{token}");
                }
            }
            assert!(Instant::now() < deadline, "no mail with a link to {prefix}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The generated project's error messages in `locale`.
fn catalogue(locale: &str) -> Value {
    let path = project().dir.join(format!("locales/{locale}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn newest_requests(state: &Value, n: usize) -> Vec<String> {
    state["log"].as_array().unwrap()[..n]
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36 && text.matches('-').count() == 4
}

/// Registration, the French error of a sign-in before verification (with its request id),
/// the verification page fed by the mailed link, sign-in and /users/me.
fn register_verify_and_sign_in(s: &Setup) -> Instant {
    s.open_client(&s.site.origin);
    s.fill("#locale", "en");
    s.fill("#email", &s.email());
    s.fill("#password", PASSWORD);
    let state = s.click("#register");
    assert!(
        state["notice"]
            .as_str()
            .unwrap()
            .contains("verification link"),
        "{state}"
    );

    s.fill("#locale", "fr");
    let state = s.click("#login");
    assert_eq!(state["code"], "email_not_verified", "{state}");
    assert_eq!(state["message"], catalogue("fr")["email_not_verified"]);
    assert!(is_uuid(state["request_id"].as_str().unwrap()), "{state}");

    let link = s.mail_link(&format!("{}/verify-email#token=", s.site.origin));
    s.open(&link);
    assert_eq!(
        s.browser.run("return location.hash"),
        "",
        "the token stays in the address bar"
    );
    let state = s.click("#submit");
    assert!(!state["error_shown"].as_bool().unwrap(), "{state}");
    assert_eq!(
        s.browser
            .run("return document.querySelector('#done').hidden"),
        false
    );

    s.open(&format!("{}/", s.site.origin));
    let state = s.sign_in(PASSWORD);
    let signed_in = Instant::now();
    assert_eq!(state["session"], "in", "{state}");
    let user = state["user"].as_str().unwrap();
    assert!(
        user.contains(&s.email()) && user.contains("\"email_verified\": true"),
        "{state}"
    );
    signed_in
}

/// An expired access token: the page's /users/me gets 401, refreshes once and retries.
fn refresh_on_401(s: &Setup, signed_in: Instant) {
    std::thread::sleep(ACCESS_TOKEN_DEAD_AFTER.saturating_sub(signed_in.elapsed()));
    let state = s.click("#me");
    assert_eq!(
        newest_requests(&state, 3),
        [
            "GET /users/me 200",
            "POST /auth/refresh 200",
            "GET /users/me 401"
        ],
        "{state}"
    );
    assert_eq!(state["session"], "in");
}

/// A reload drops the access token (memory only) and keeps the session through a refresh.
fn reload_keeps_the_session(s: &Setup) {
    s.reload();
    let state = s.state();
    assert_eq!(state["session"], "in", "{state}");
    assert!(
        state["log"]
            .as_array()
            .unwrap()
            .contains(&Value::from("POST /auth/refresh 200")),
        "{state}"
    );
}

/// The same client on an origin that is not in CORS_ALLOWED_ORIGINS: the browser lets it
/// read nothing, not even with the right password (or, in cookie mode, with a live cookie).
fn other_origin_gets_nothing(s: &Setup) {
    s.open_client(&s.elsewhere.origin);
    let state = s.sign_in(PASSWORD);
    assert_eq!(state["code"], "network_error", "{state}");
    assert_eq!(state["session"], "out");
    let state = s.click("#me");
    assert_eq!(state["user"], "", "{state}");
    assert_eq!(state["session"], "out");
    if s.transport == "cookie" {
        // The only way it could get a session is the cookie, through a refresh.
        assert_eq!(state["code"], "network_error", "{state}");
        assert_eq!(newest_requests(&state, 1), ["POST /auth/refresh 0"]);
    }
}

/// "Forgot password" (and "Resend verification", a 202 like it), the reset page fed by the
/// mailed link; every session ends, the new password signs in.
fn reset_password(s: &Setup) {
    s.open(&format!("{}/", s.site.origin));
    s.fill("#email", &s.email());
    let state = s.click("#forgot");
    assert!(
        state["notice"].as_str().unwrap().contains("reset link"),
        "{state}"
    );
    let state = s.click("#resend");
    assert!(
        state["notice"].as_str().unwrap().contains("new link"),
        "{state}"
    );
    let link = s.mail_link(&format!("{}/reset-password#token=", s.site.origin));
    s.open(&link);
    s.fill("#new-password", NEW_PASSWORD);
    let state = s.click("#submit");
    assert!(!state["error_shown"].as_bool().unwrap(), "{state}");

    // The old session was revoked: the page's restoring refresh fails, and it says so.
    s.open(&format!("{}/", s.site.origin));
    let state = s.state();
    assert_eq!(state["session"], "out", "{state}");
    assert_eq!(state["code"], "invalid_refresh_token", "{state}");
    let state = s.sign_in(NEW_PASSWORD);
    assert_eq!(state["session"], "in", "{state}");
}

/// Sign-in attempts past AUTH_RATE_LIMIT_BURST: 429, whose Retry-After the page counts down.
fn rate_limited_countdown(s: &Setup) {
    s.fill("#password", "not-the-password-at-all");
    let mut state = s.click("#login");
    for _ in 0..10 {
        if state["code"] == "rate_limited" {
            break;
        }
        assert_eq!(state["code"], "invalid_credentials", "{state}");
        state = s.click("#login");
    }
    assert_eq!(state["code"], "rate_limited", "{state}");
    let template = catalogue("fr")["rate_limited"]
        .as_str()
        .unwrap()
        .to_string();
    let (before, _) = template.split_once("{retry_after}").unwrap();
    assert!(
        state["message"].as_str().unwrap().starts_with(before),
        "{state}"
    );
    let first: u64 = state["countdown"].as_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&first), "{state}");
    std::thread::sleep(Duration::from_millis(2100));
    let later: u64 = s.state()["countdown"].as_str().unwrap().parse().unwrap();
    assert!(
        later < first,
        "the countdown is not live: {first} then {later}"
    );
}

fn sign_out(s: &Setup) {
    let state = s.click("#logout");
    assert_eq!(state["session"], "out", "{state}");
    assert_eq!(newest_requests(&state, 1), ["POST /auth/logout 204"]);
    s.reload();
    assert_eq!(s.state()["session"], "out");
}

/// The refresh cookie the browser holds for the API (cookies do not tell ports apart, so the
/// page's origin sees the same jar), if any.
fn refresh_cookie(s: &Setup) -> Option<Value> {
    s.browser
        .cookies()
        .into_iter()
        .find(|c| c["name"].as_str().unwrap_or("").ends_with("refresh_token"))
}

fn screenshot(s: &Setup) {
    let png = s.browser.screenshot();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "the screenshot is not a picture of a rendered page ({} bytes)",
        png.len()
    );
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-client.png");
    std::fs::write(&shot, &png).unwrap();
    if std::env::var_os("STARTER_UPDATE_SCREENSHOT").is_some() {
        let dest: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/browser-client.png");
        std::fs::copy(&shot, dest).unwrap();
    }
}

#[test]
fn reference_client_flows_work_in_chromium_with_the_refresh_token_in_the_body() {
    let Some(s) = setup("body") else {
        return;
    };
    let signed_in = register_verify_and_sign_in(&s);
    screenshot(&s);
    refresh_on_401(&s, signed_in);
    reload_keeps_the_session(&s);
    other_origin_gets_nothing(&s);
    reset_password(&s);
    rate_limited_countdown(&s);
    sign_out(&s);
}

#[test]
fn refresh_cookie_is_unreadable_by_page_script_survives_reloads_and_serves_no_other_origin() {
    let Some(s) = setup("cookie") else {
        return;
    };
    let signed_in = register_verify_and_sign_in(&s);
    let cookie = refresh_cookie(&s).expect("the login set the refresh cookie");
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    let script_sees = s.browser.run("return document.cookie");
    assert!(
        !script_sees.as_str().unwrap().contains("refresh_token"),
        "page script reads the refresh cookie: {script_sees}"
    );
    let stored = s
        .browser
        .run("return JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})");
    let value = cookie["value"].as_str().unwrap();
    assert!(
        !stored.as_str().unwrap().contains(value),
        "the page stored the refresh token"
    );
    refresh_on_401(&s, signed_in);
    reload_keeps_the_session(&s);
    other_origin_gets_nothing(&s);
    reset_password(&s);
    rate_limited_countdown(&s);
    sign_out(&s);
    assert!(
        refresh_cookie(&s).is_none(),
        "sign-out left the refresh cookie"
    );
}
