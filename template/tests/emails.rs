//! Checklist 39: one address, one account. Lookalike spellings (Unicode normalization forms,
//! fullwidth letters, case, an IDN domain and its punycode) are one account; addresses with
//! invisible or bidi control characters are refused.

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp, assert_error};

/// "josé@bücher.example" as it is stored.
const CANONICAL: &str = "josé@xn--bcher-kva.example";

/// Spellings of one address that people read as the same.
const LOOKALIKES: [&str; 6] = [
    "jos\u{e9}@b\u{fc}cher.example",                      // NFC
    "jose\u{301}@bu\u{308}cher.example",                  // NFD
    "JOS\u{c9}@B\u{dc}CHER.EXAMPLE",                      // upper case
    "\u{ff4a}\u{ff4f}\u{ff53}\u{e9}@b\u{fc}cher.example", // fullwidth letters
    "jos\u{e9}@xn--bcher-kva.example",                    // punycode domain
    "  jos\u{e9}\u{ff20}b\u{fc}cher\u{ff0e}example ",     // fullwidth @ and dot, spaces around
];

async fn user_id(app: &TestApp, email: &str) -> (String, String) {
    let (access, _) = app.session(email).await;
    let me = app.get("/users/me", Some(&access)).await;
    assert_eq!(me.status, StatusCode::OK);
    let v = me.json();
    (
        v["id"].as_str().unwrap().to_string(),
        v["email"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn lookalike_forms_of_a_registered_address_cannot_register_again_and_log_in_to_the_same_account()
 {
    let app = TestApp::new().await;
    let r = app.register(LOOKALIKES[0], PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["email"], CANONICAL);
    let (id, email) = user_id(&app, LOOKALIKES[0]).await;
    assert_eq!(email, CANONICAL);
    for form in LOOKALIKES {
        let again = app.register(form, PASSWORD).await;
        assert_error(&again, StatusCode::CONFLICT, "email_taken");
        assert_eq!(
            user_id(&app, form).await.0,
            id,
            "{form:?} is another account"
        );
    }
    // Full case folding: ß and SS are one.
    assert_eq!(
        app.register("Straße@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
    let again = app.register("STRASSE@EXAMPLE.COM", PASSWORD).await;
    assert_error(&again, StatusCode::CONFLICT, "email_taken");
}

#[tokio::test]
async fn concurrent_registrations_of_lookalike_forms_make_one_account() {
    let app = TestApp::new().await;
    let [a, b, c, d, e, f] = LOOKALIKES;
    let results = tokio::join!(
        app.register(a, PASSWORD),
        app.register(b, PASSWORD),
        app.register(c, PASSWORD),
        app.register(d, PASSWORD),
        app.register(e, PASSWORD),
        app.register(f, PASSWORD),
    );
    let all = [
        results.0, results.1, results.2, results.3, results.4, results.5,
    ];
    let created = all
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    for r in all.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_error(r, StatusCode::CONFLICT, "email_taken");
    }
}

#[tokio::test]
async fn addresses_with_invisible_or_bidi_characters_are_refused_with_422() {
    let app = TestApp::new().await;
    app.signed_in("ada@example.com").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    for raw in [
        "ad\u{200B}a@example.com", // zero-width space
        "ada\u{200D}@example.com", // zero-width joiner
        "\u{FEFF}ada@example.com", // byte-order mark
        "ada@exam\u{AD}ple.com",   // soft hyphen
        "ada\u{202E}@example.com", // right-to-left override
        "ada\u{2067}@example.com", // right-to-left isolate
        "ada\u{200F}@example.com", // right-to-left mark
    ] {
        let r = app.register(raw, PASSWORD).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email");
        // At login, exactly an unknown account: same status, same bytes.
        let login = app.login(raw, PASSWORD).await;
        assert_eq!(login.status, unknown.status, "{raw:?}");
        assert_eq!(login.body, unknown.body, "{raw:?}");
    }
}
