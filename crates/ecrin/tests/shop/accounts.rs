//! Accounts over the API: sign-up, activation by e-mailed link, login, logout (ACC-1 …
//! ACC-5), and bad input in every field.

use crate::support::TestApp;
use ecrin_store_tests::{BOTH, Db};
use serde_json::{Value, json};

fn sign_up_body(email: &str, password: &str) -> Value {
    json!({
        "email": email, "password": password, "given_name": "Claire", "family_name": "Dupont",
        "title": "Mme", "phone": "+33 6 12 34 56 78", "declares_adult_consumer": true,
        "marketing_opt_in": false, "language": "fr"
    })
}

async fn outbox(app: &TestApp, to: &str) -> Vec<Value> {
    let v = app
        .get_json(&format!("/api/v1/test/outbox?to={}", urlencoding(to)))
        .await;
    v["items"].as_array().cloned().unwrap_or_default()
}

fn urlencoding(s: &str) -> String {
    s.replace('@', "%40").replace('+', "%2B")
}

async fn bearer_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Checks ACC-2, ACC-3.
#[tokio::test]
async fn acc_3_sign_up_activate_by_the_emailed_link_then_log_in_and_out() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (status, body) = app
            .post_json(
                "/api/v1/accounts",
                &sign_up_body("claire@example.fr", "saphir et perles"),
            )
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (201, Some("pending_activation")),
            "{db:?}: {body}"
        );
        let mails = outbox(&app, "claire@example.fr").await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0]["subject"], "Activez votre compte Maison Vauclair");
        assert!(
            mails[0]["html"]
                .as_str()
                .is_some_and(|h| h.contains("Activer mon compte"))
        );
        let link = mails[0]["links"][0].as_str().unwrap_or_default().to_owned();
        assert!(
            link.starts_with("http://shop.test/fr/account/activate?token="),
            "{link}"
        );
        let token = link.split("token=").nth(1).unwrap_or_default().to_owned();

        // ACC-3: the right password on a pending account says so; a wrong one never does.
        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "claire@example.fr", "password": "wrong password"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("invalid_credentials"))
        );
        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "claire@example.fr", "password": "saphir et perles"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("account_not_activated")),
            "{body}"
        );

        let (status, body) = app
            .post_json("/api/v1/accounts/activate", &json!({"token": token}))
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("active")),
            "{body}"
        );
        let (status, body) = app
            .post_json("/api/v1/accounts/activate", &json!({"token": token}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid_token")),
            "single use"
        );

        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "CLAIRE@example.fr", "password": "saphir et perles"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["kind"], "customer");
        let bearer = body["token"].as_str().unwrap_or_default().to_owned();
        let me: Value = bearer_get(&app, "/api/v1/me", &bearer)
            .await
            .json()
            .await
            .unwrap_or_default();
        assert_eq!(me["email"], "claire@example.fr");
        assert_eq!(me["given_name"], "Claire");
        assert_eq!(me["status"], "active");

        let res = app
            .client
            .delete(app.url("/api/v1/sessions/current"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        let res = bearer_get(&app, "/api/v1/me", &bearer).await;
        assert_eq!(res.status(), 401, "{db:?}: a revoked token opens nothing");
    }
}

/// Checks ACC-2.
#[tokio::test]
async fn acc_2_a_known_address_gets_the_same_answer_and_its_owner_an_email() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let first = app
        .post_json(
            "/api/v1/accounts",
            &sign_up_body("lea@example.fr", "rubis et onyx"),
        )
        .await;
    let second = app
        .post_json(
            "/api/v1/accounts",
            &sign_up_body("  LEA@Example.FR ", "another password here"),
        )
        .await;
    assert_eq!(
        first, second,
        "the same answer, whether the address is new or known"
    );
    let mails = outbox(&app, "lea@example.fr").await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0]["subject"], "Votre compte Maison Vauclair");
    assert!(
        mails[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Vous en avez déjà un"))
    );
    // Nothing changed: the second password opens nothing.
    let link = mails[1]["links"][0].as_str().unwrap_or_default().to_owned();
    let token = link.split("token=").nth(1).unwrap_or_default();
    app.post_json("/api/v1/accounts/activate", &json!({"token": token}))
        .await;
    let (status, _) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "lea@example.fr", "password": "another password here"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "lea@example.fr", "password": "rubis et onyx"}),
        )
        .await;
    assert_eq!(status, 201);
}

/// Checks ACC-1, ACC-4.
#[tokio::test]
async fn acc_1_acc_4_only_adult_consumers_with_a_sound_password() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let mut body = sign_up_body("marco@example.it", "smeraldo e oro");
    body["declares_adult_consumer"] = json!(false);
    let (status, res) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!((status, res["code"].as_str()), (422, Some("not_eligible")));
    for weak in ["short", "password123", "1234567890", "marco@example.it"] {
        let (status, res) = app
            .post_json("/api/v1/accounts", &sign_up_body("marco@example.it", weak))
            .await;
        assert_eq!(
            (status, res["code"].as_str()),
            (422, Some("weak_password")),
            "{weak}"
        );
    }
    assert!(
        outbox(&app, "marco@example.it").await.is_empty(),
        "nothing sent for a refused sign-up"
    );
}

/// Bad input in every field: refused with `validation_failed` naming the field, or
/// stored and shown back exactly.
#[tokio::test]
async fn sign_up_fields_are_refused_by_name_or_kept_exactly() {
    let app = TestApp::spawn(Db::Postgres, "paris").await;
    let long = "x".repeat(10_000);
    for (field, value, code) in [
        ("email", json!("not an address"), "invalid_email"),
        (
            "email",
            json!(format!("{long}@example.fr")),
            "invalid_email",
        ),
        ("given_name", json!(long), "too_long"),
        ("family_name", json!(""), "required"),
        ("family_name", json!("Du\u{0}pont"), "control_characters"),
        ("phone", json!("call me maybe"), "invalid_phone"),
    ] {
        let mut body = sign_up_body("bad@example.fr", "rubis et onyx");
        body[field] = value;
        let (status, res) = app.post_json("/api/v1/accounts", &body).await;
        assert_eq!(
            (status, res["code"].as_str()),
            (400, Some("validation_failed")),
            "{field}: {res}"
        );
        let named = res["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field && e["code"] == code));
        assert!(named, "{field}: {res}");
    }
    let (status, res) = app
        .post_json("/api/v1/accounts", &json!({"email": 42}))
        .await;
    assert_eq!(
        (status, res["code"].as_str()),
        (400, Some("validation_failed")),
        "{res}"
    );

    // Names that look like code, or are not Latin, are a person's names: kept exactly.
    let mut body = sign_up_body("zoe@example.fr", "rubis et onyx");
    body["given_name"] = json!("Zoé 💎 <b>\"'; DROP TABLE customers; --");
    body["family_name"] = json!("渡辺 O'Brien-Ñúñez");
    let (status, _) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!(status, 201);
    let mails = outbox(&app, "zoe@example.fr").await;
    let html = mails[0]["html"].as_str().unwrap_or_default();
    assert!(
        html.contains("Zoé 💎 &#60;b&#62;&#34;&#39;; DROP TABLE customers; --")
            || html.contains("Zoé 💎 &lt;b&gt;"),
        "escaped in HTML: {html}"
    );
    let token = mails[0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .split("token=")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    app.post_json("/api/v1/accounts/activate", &json!({"token": token}))
        .await;
    let (_, login) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "zoe@example.fr", "password": "rubis et onyx"}),
        )
        .await;
    let me: Value = bearer_get(
        &app,
        "/api/v1/me",
        login["token"].as_str().unwrap_or_default(),
    )
    .await
    .json()
    .await
    .unwrap_or_default();
    assert_eq!(me["given_name"], "Zoé 💎 <b>\"'; DROP TABLE customers; --");
    assert_eq!(me["family_name"], "渡辺 O'Brien-Ñúñez");
}

/// Checks PRV-8.
#[tokio::test]
async fn prv_8_staff_log_in_with_their_role_and_have_no_customer_record() {
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let (status, body) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "admin@maison.test", "password": "the admin secret",
                    "otp": app.admin_code().await}),
        )
        .await;
    assert_eq!(
        (status, body["kind"].as_str(), body["role"].as_str()),
        (201, Some("staff"), Some("admin")),
        "{body}"
    );
    let res = bearer_get(
        &app,
        "/api/v1/me",
        body["token"].as_str().unwrap_or_default(),
    )
    .await;
    assert_eq!(res.status(), 403);
    for header in ["", "Bearer", "Bearer nonsense", "Basic abc"] {
        let res = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 401, "{header:?}");
    }
}

/// Checks ACC-8.
#[tokio::test]
async fn acc_8_a_password_is_reset_by_a_single_use_link_and_misuse_locks_the_account() {
    for db in BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let token = crate::basket::customer_token(&app, "remi@example.fr").await;
        // The same answer whether the address is known or not, and mail only to a known one.
        let known = app
            .post_json(
                "/api/v1/accounts/password-reset",
                &json!({"email": "Remi@example.fr"}),
            )
            .await;
        let unknown = app
            .post_json(
                "/api/v1/accounts/password-reset",
                &json!({"email": "nobody@example.fr"}),
            )
            .await;
        assert_eq!(known, unknown);
        assert_eq!(known.0, 202);
        assert!(outbox(&app, "nobody@example.fr").await.is_empty());
        let mails = outbox(&app, "remi@example.fr").await;
        assert_eq!(
            mails[0]["subject"],
            "Réinitialisez votre mot de passe Atelier Sillon"
        );
        let link = mails[0]["links"][0].as_str().unwrap_or_default().to_owned();
        assert!(
            link.starts_with("http://shop.test/fr/account/reset?token="),
            "{link}"
        );
        let reset = link.split("token=").nth(1).unwrap_or_default().to_owned();

        // A weak password is refused and the link still works afterwards.
        let (status, body) = app
            .post_json(
                "/api/v1/accounts/password-reset/confirm",
                &json!({"token": reset, "password": "123456"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("weak_password"))
        );
        let (status, _) = app
            .post_json(
                "/api/v1/accounts/password-reset/confirm",
                &json!({"token": reset, "password": "un nouveau secret"}),
            )
            .await;
        assert_eq!(status, 200, "{db:?}");
        let (status, body) = app
            .post_json(
                "/api/v1/accounts/password-reset/confirm",
                &json!({"token": reset, "password": "encore un autre"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid_token")),
            "single use"
        );
        // Every session ended; the old password no longer works, the new one does.
        assert_eq!(
            bearer_get(&app, "/api/v1/me", &token).await.status(),
            401,
            "{db:?}"
        );
        let (status, _) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "remi@example.fr", "password": "rubis et onyx"}),
            )
            .await;
        assert_eq!(status, 401);
        let (status, login) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "remi@example.fr", "password": "un nouveau secret"}),
            )
            .await;
        assert_eq!(status, 201);

        // A link expires after an hour.
        app.post_json(
            "/api/v1/accounts/password-reset",
            &json!({"email": "remi@example.fr"}),
        )
        .await;
        let late = outbox(&app, "remi@example.fr").await[0]["links"][0]
            .as_str()
            .unwrap_or_default()
            .split("token=")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        app.post_json("/api/v1/test/clock", &json!({"advance": "PT61M"}))
            .await;
        let (status, body) = app
            .post_json(
                "/api/v1/accounts/password-reset/confirm",
                &json!({"token": late, "password": "trop tard pour ça"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid_token"))
        );

        // Reporting misuse locks the account: no session, no login, not even with the password.
        let bearer = login["token"].as_str().unwrap_or_default().to_owned();
        let res = app
            .client
            .post(app.url("/api/v1/me/report-misuse"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert_eq!(bearer_get(&app, "/api/v1/me", &bearer).await.status(), 401);
        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "remi@example.fr", "password": "un nouveau secret"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("account_suspended")),
            "{db:?}"
        );
    }
}

/// Login, sign-up and reset are limited per client address: 429 with `Retry-After`.
#[tokio::test]
async fn guessing_is_rate_limited_per_address() {
    use crate::support::Options;
    let app = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            auth_attempts_per_minute: 3,
            ..Options::default()
        },
    )
    .await;
    for _ in 0..3 {
        let (status, _) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "x@example.fr", "password": "guess guess"}),
            )
            .await;
        assert_eq!(status, 401);
    }
    let res = app
        .client
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"email": "x@example.fr", "password": "guess"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 429);
    let wait: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(body["code"], "rate_limited");
    // The same address is limited on the pages too; reading a form stays free.
    let res = app
        .client
        .post(app.url("/fr/account/login"))
        .form(&[("email", "x"), ("password", "y")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 429);
    assert_eq!(app.get("/fr/account/login").await.status(), 200);
    // Every guarded route shares the address's budget.
    let (status, _) = app
        .post_json(
            "/api/v1/accounts/password-reset",
            &json!({"email": "x@example.fr"}),
        )
        .await;
    assert_eq!(status, 429);
}

/// Failed logins are also limited per account address, in the database (so across every
/// process): after five, even the right password waits 15 minutes.
#[tokio::test]
async fn failed_logins_are_limited_per_account_across_processes() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        crate::basket::customer_token(&app, "luca@example.it").await;
        for _ in 0..5 {
            let (status, _) = app
                .post_json(
                    "/api/v1/sessions",
                    &json!({"email": "luca@example.it", "password": "not the one"}),
                )
                .await;
            assert_eq!(status, 401);
        }
        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "LUCA@example.it", "password": "rubis et onyx"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (429, Some("rate_limited")),
            "{db:?}: {body}"
        );
        // Unknown addresses are treated alike: nothing tells them apart.
        for _ in 0..5 {
            app.post_json(
                "/api/v1/sessions",
                &json!({"email": "ghost@example.it", "password": "x"}),
            )
            .await;
        }
        let (status, _) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "ghost@example.it", "password": "x"}),
            )
            .await;
        assert_eq!(status, 429);
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "PT16M"}))
            .await;
        assert_eq!(status, 200);
        let (status, _) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "luca@example.it", "password": "rubis et onyx"}),
            )
            .await;
        assert_eq!(status, 201, "{db:?}");
    }
}

/// Checks PRV-8, ACC-7.
#[tokio::test]
async fn acc_7_prv_8_customer_service_suspends_an_account_and_every_access_is_logged() {
    use ecrin_core::account::Role;
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let customer = crate::basket::customer_token(&app, "hugo@example.fr").await;
        let me: Value = bearer_get(&app, "/api/v1/me", &customer)
            .await
            .json()
            .await
            .unwrap_or_default();
        let id = me["id"].as_str().unwrap_or_default().to_owned();
        for (email, role) in [
            ("cs@maison.test", Role::CustomerService),
            ("dock@maison.test", Role::Warehouse),
        ] {
            ecrin_app::staff::create_staff(&app.app, email, "Staff", role, "a long staff secret")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let token = |email: &'static str| {
            let app = &app;
            async move {
                let (_, b) = app
                    .post_json(
                        "/api/v1/sessions",
                        &json!({"email": email, "password": "a long staff secret"}),
                    )
                    .await;
                b["token"].as_str().unwrap_or_default().to_owned()
            }
        };
        let cs = token("cs@maison.test").await;
        let dock = token("dock@maison.test").await;
        let path = format!("/api/v1/admin/customers/{id}");
        let res = bearer_get(&app, &path, &cs).await;
        assert_eq!(res.status(), 200, "{db:?}");
        let record: Value = res.json().await.unwrap_or_default();
        assert_eq!(record["email"], "hugo@example.fr");
        assert_eq!(
            bearer_get(&app, &path, &dock).await.status(),
            403,
            "the warehouse does not see customers"
        );
        assert_eq!(bearer_get(&app, &path, &customer).await.status(), 403);
        assert_eq!(
            bearer_get(&app, "/api/v1/admin/customers/cus_nobody", &cs)
                .await
                .status(),
            404
        );

        let suspend = |t: String, body: Value| {
            let app = &app;
            let path = format!("{path}/suspend");
            async move {
                let res = app
                    .client
                    .post(app.url(&path))
                    .bearer_auth(t)
                    .json(&body)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                res.status().as_u16()
            }
        };
        assert_eq!(suspend(dock.clone(), json!({"reason": "x"})).await, 403);
        assert_eq!(suspend(cs.clone(), json!({"reason": "  "})).await, 400);
        assert_eq!(
            suspend(
                cs.clone(),
                json!({"reason": "Commandes répétées avec des cartes volées."})
            )
            .await,
            200
        );
        let mails = outbox(&app, "hugo@example.fr").await;
        assert_eq!(
            mails[0]["subject"],
            "Votre compte Maison Vauclair est suspendu"
        );
        assert!(
            mails[0]["text"].as_str().is_some_and(
                |t| t.contains("Le motif : Commandes répétées avec des cartes volées.")
            )
        );
        assert_eq!(
            bearer_get(&app, "/api/v1/me", &customer).await.status(),
            401,
            "sessions ended"
        );
        let (status, body) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "hugo@example.fr", "password": "rubis et onyx"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("account_suspended"))
        );

        let log = app.app.store.staff_access_of(&id).await.unwrap_or_default();
        let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            ["view", "suspend"],
            "{db:?}: refused attempts read nothing"
        );
    }
}
