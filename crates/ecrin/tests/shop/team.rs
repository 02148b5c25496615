//! The house's team (PRV-8): invitations, roles, disabled access and resets by an admin;
//! the second factor of staff (RFC 6238) with its recovery codes, required of admins; the
//! security log of every staff login and change of role. On both databases.

use crate::account_pages::{cookie_value, csrf_of, post_form};
use crate::basket::call;
use crate::checkout::{admin_token, staff_token};
use crate::staff_pages::page;
use crate::support::{TestApp, authenticator};
use ecrin_core::account::Role;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

async fn outbox(app: &TestApp, to: &str) -> Vec<Value> {
    let v = app
        .get_json(&format!(
            "/api/v1/test/outbox?to={}",
            to.replace('@', "%40")
        ))
        .await;
    v["items"].as_array().cloned().unwrap_or_default()
}

/// The path and query of the first link of the newest e-mail to `to`.
async fn link_to(app: &TestApp, to: &str) -> String {
    let mails = outbox(app, to).await;
    let link = mails[0]["links"][0].as_str().unwrap_or_default().to_owned();
    let at = link.find("/en/").or_else(|| link.find("/fr/")).unwrap_or(0);
    link[at..].to_owned()
}

/// Opens the invitation's page and chooses a password there; the answer's status (the
/// page's, when it offers no form).
async fn choose_password(app: &TestApp, link: &str, password: &str) -> u16 {
    let res = app.get(link).await;
    if res.status() != 200 {
        return res.status().as_u16();
    }
    let s = cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = res.text().await.unwrap_or_default();
    let token = link.split("token=").nth(1).unwrap_or_default();
    let res = post_form(
        app,
        "/en/staff/invitation",
        &s,
        &[
            ("csrf", &csrf_of(&html)),
            ("token", token),
            ("password", password),
        ],
    )
    .await;
    res.status().as_u16()
}

async fn log_in(app: &TestApp, email: &str, password: &str, otp: Option<&str>) -> (u16, Value) {
    let mut body = json!({"email": email, "password": password});
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    app.post_json("/api/v1/sessions", &body).await
}

fn events(log: &Value) -> Vec<(String, String)> {
    log["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap_or_default().to_owned(),
                e["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Checks PRV-8: an admin invites a member of staff, who chooses a password from the
/// e-mailed link (once); the admin changes their role, disables them (their token stops
/// at once), and resets them; an admin cannot change their own access; each login and
/// change is in the security log.
#[tokio::test]
async fn prv_8_admin_invites_changes_disables_and_resets_staff_with_each_step_logged() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let (status, member) = call(
            &app,
            "POST",
            "/api/v1/admin/staff",
            &admin,
            Some(
                json!({"email": "lea@maison.test", "name": "Léa Martin", "role": "warehouse",
                        "lang": "en"}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{member}");
        let id = member["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            (member["role"].as_str(), member["second_factor"].as_bool()),
            (Some("warehouse"), Some(false))
        );
        // The same address twice is a conflict; a member without a password cannot log in.
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/admin/staff",
            &admin,
            Some(json!({"email": "LEA@maison.test", "name": "Léa", "role": "warehouse"})),
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(
            log_in(&app, "lea@maison.test", "!invited", None).await.0,
            401
        );

        let link = link_to(&app, "lea@maison.test").await;
        assert!(link.starts_with("/en/staff/invitation?token="), "{link}");
        let (status, html) = page(&app, &link, "").await;
        assert!(status == 200 && html.contains("Léa Martin"), "{status}");
        assert_eq!(choose_password(&app, &link, "short").await, 422);
        assert_eq!(
            choose_password(&app, &link, "la réserve du deuxième étage").await,
            303
        );
        // The link is used up.
        assert_eq!(
            choose_password(&app, &link, "une autre phrase secrète").await,
            422
        );
        let (status, body) = log_in(
            &app,
            "lea@maison.test",
            "la réserve du deuxième étage",
            None,
        )
        .await;
        assert_eq!(
            (status, body["role"].as_str()),
            (201, Some("warehouse")),
            "{body}"
        );
        let lea = body["token"].as_str().unwrap_or_default().to_owned();
        // The warehouse does not manage the team.
        let (status, _) = call(&app, "GET", "/api/v1/admin/staff", &lea, None).await;
        assert_eq!(status, 403);

        let path = format!("/api/v1/admin/staff/{id}");
        let (status, body) = call(
            &app,
            "PATCH",
            &path,
            &admin,
            Some(json!({"role": "customer_service"})),
        )
        .await;
        assert_eq!(
            (status, body["role"].as_str()),
            (200, Some("customer_service")),
            "{body}"
        );
        let (status, body) = call(
            &app,
            "PATCH",
            &path,
            &admin,
            Some(json!({"role": "jeweller"})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation_failed"))
        );
        // Disabled: the token stops at once, and so does the password.
        let (status, _) = call(
            &app,
            "PATCH",
            &path,
            &admin,
            Some(json!({"disabled": true})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = call(&app, "GET", "/api/v1/admin/customers/nobody", &lea, None).await;
        assert_eq!(status, 401);
        assert_eq!(
            log_in(
                &app,
                "lea@maison.test",
                "la réserve du deuxième étage",
                None
            )
            .await
            .0,
            401
        );
        let (status, _) = call(
            &app,
            "PATCH",
            &path,
            &admin,
            Some(json!({"disabled": false})),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            log_in(
                &app,
                "lea@maison.test",
                "la réserve du deuxième étage",
                None
            )
            .await
            .0,
            201
        );

        // An admin cannot change their own role or access.
        let (_, list) = call(&app, "GET", "/api/v1/admin/staff", &admin, None).await;
        let me = list["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|m| m["email"] == "admin@maison.test")
            .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let (status, body) = call(
            &app,
            "PATCH",
            &format!("/api/v1/admin/staff/{me}"),
            &admin,
            Some(json!({"role": "warehouse"})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("own_account")),
            "{body}"
        );

        // Reset: the password no longer works, and a new link lets them choose another.
        let (status, _) = call(&app, "POST", &format!("{path}/reset"), &admin, None).await;
        assert_eq!(status, 202);
        assert_eq!(
            log_in(
                &app,
                "lea@maison.test",
                "la réserve du deuxième étage",
                None
            )
            .await
            .0,
            401
        );
        let link = link_to(&app, "lea@maison.test").await;
        assert_eq!(
            choose_password(&app, &link, "un nouveau départ au comptoir").await,
            303
        );
        assert_eq!(
            log_in(
                &app,
                "lea@maison.test",
                "un nouveau départ au comptoir",
                None
            )
            .await
            .0,
            201
        );

        let (status, log) = call(&app, "GET", "/api/v1/admin/security-log", &admin, None).await;
        assert_eq!(status, 200);
        let events = events(&log);
        for expected in [
            ("invited".to_owned(), "warehouse".to_owned()),
            ("password_set".to_owned(), String::new()),
            ("login".to_owned(), "api, password".to_owned()),
            ("login".to_owned(), "api, authenticator".to_owned()),
            (
                "role_changed".to_owned(),
                "warehouse → customer_service".to_owned(),
            ),
            ("disabled".to_owned(), String::new()),
            ("enabled".to_owned(), String::new()),
            ("reset".to_owned(), String::new()),
            (
                "login_refused".to_owned(),
                "api, invalid_credentials".to_owned(),
            ),
        ] {
            assert!(
                events.contains(&expected),
                "{db:?}: {expected:?} not in {events:?}"
            );
        }
        assert_eq!(log["items"][0]["client"], "127.0.0.1");
    }
}

/// Checks PRV-8: an admin's second factor. Without it the password alone opens nothing
/// (API: `second_factor_setup_required`; pages: its setting up first, with the QR code
/// and the key); a code of the app is taken once; a recovery code works once; the API
/// asks for `otp`.
#[tokio::test]
async fn prv_8_admins_log_in_with_a_second_factor_each_code_once() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        ecrin_app::staff::create_staff(
            &app.app,
            "nadia@maison.test",
            "Nadia Conti",
            Role::Admin,
            "la seconda amministratrice",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let (status, body) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("second_factor_setup_required")),
            "{body}"
        );

        // On the pages: the password leads to the setting up, and nothing else opens.
        let res = app.get("/en/staff/login").await;
        let s = cookie_value(&res, "ecrin_session").unwrap_or_default();
        let csrf = csrf_of(&res.text().await.unwrap_or_default());
        let res = post_form(
            &app,
            "/en/staff/login",
            &s,
            &[
                ("csrf", &csrf),
                ("email", "nadia@maison.test"),
                ("password", "la seconda amministratrice"),
            ],
        )
        .await;
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/en/staff/second-factor")
        );
        let waiting = cookie_value(&res, "ecrin_session").unwrap_or_default();
        let (status, _) = page(&app, "/en/staff", &waiting).await;
        assert_eq!(status, 303, "a waiting session opens no back-office page");
        let (status, html) = page(&app, "/en/staff/second-factor", &waiting).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<svg") && html.contains("one-time-code"),
            "{html}"
        );
        // The key, shown in groups of four; reloading shows the same one.
        let key: String = html
            .split("<td>")
            .nth(1)
            .and_then(|c| c.split("</td>").next())
            .unwrap_or_default()
            .replace(' ', "");
        assert_eq!(key.len(), 32, "{key}");
        let (_, again) = page(&app, "/en/staff/second-factor", &waiting).await;
        assert!(again.contains(&html.split("<td>").nth(1).unwrap_or("?")[..10]));
        let phone = authenticator(&key);
        let step = std::sync::Mutex::new(0);
        let wrong = post_form(
            &app,
            "/en/staff/second-factor",
            &waiting,
            &[("csrf", &csrf_of(&html)), ("code", "000000")],
        )
        .await;
        assert_eq!(wrong.status(), 401);
        let code = crate::support::next_code(&app.app, &phone, &step).await;
        let res = post_form(
            &app,
            "/en/staff/second-factor",
            &waiting,
            &[("csrf", &csrf_of(&html)), ("code", &code)],
        )
        .await;
        assert_eq!(res.status(), 200);
        let signed = cookie_value(&res, "ecrin_session").unwrap_or_default();
        let html = res.text().await.unwrap_or_default();
        let recovery: Vec<String> = html
            .split("<td>")
            .skip(1)
            .filter_map(|c| c.split("</td>").next())
            .map(str::to_owned)
            .collect();
        assert_eq!(recovery.len(), 10, "{html}");
        assert!(
            recovery
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'),
            "{recovery:?}"
        );
        let (status, _) = page(&app, "/en/staff", &signed).await;
        assert_eq!(status, 200);
        // The waiting session is gone.
        let (status, _) = page(&app, "/en/staff/second-factor", &waiting).await;
        assert_eq!(status, 303);

        // The API asks for the code, takes it once, and takes a recovery code once.
        let (status, body) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("second_factor_required"))
        );
        let code = crate::support::next_code(&app.app, &phone, &step).await;
        let (status, body) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            Some(&code),
        )
        .await;
        assert_eq!(
            (status, body["role"].as_str()),
            (201, Some("admin")),
            "{body}"
        );
        let (status, body) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            Some(&code),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("invalid_second_factor")),
            "a code is taken once"
        );
        let spoken = recovery[3].to_uppercase().replace('-', " ");
        let (status, _) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            Some(&spoken),
        )
        .await;
        assert_eq!(
            status, 201,
            "a recovery code, typed in capitals with a space"
        );
        let (status, _) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            Some(&recovery[3]),
        )
        .await;
        assert_eq!(status, 401, "a recovery code works once");

        // Removed on the server (phone and codes lost): the setting up comes first again.
        ecrin_app::team::remove_second_factor(&app.app, "nadia@maison.test")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, body) = log_in(
            &app,
            "nadia@maison.test",
            "la seconda amministratrice",
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("second_factor_setup_required"))
        );

        // The log tells how each login was made.
        let admin = staff_token(&app, "admin@maison.test", "the admin secret").await;
        let (_, log) = call(&app, "GET", "/api/v1/admin/security-log", &admin, None).await;
        let events = events(&log);
        for expected in [
            ("second_factor_enabled", ""),
            ("login", "page, authenticator"),
            ("login", "api, recovery_code"),
            ("login_refused", "api, invalid_second_factor"),
            ("second_factor_removed", "command line"),
        ] {
            let expected = (expected.0.to_owned(), expected.1.to_owned());
            assert!(
                events.contains(&expected),
                "{db:?}: {expected:?} not in {events:?}"
            );
        }

        // The team's page: the members, and a change of role made there, logged.
        let desk =
            crate::staff_pages::staff_login(&app, "en", "admin@maison.test", "the admin secret")
                .await;
        let (status, html) = page(&app, "/en/staff/team", &desk).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("nadia@maison.test") && html.contains("Security log"),
            "{html}"
        );
        let nadia = ecrin_app::staff::by_email(&app.app, "nadia@maison.test")
            .await
            .ok()
            .flatten()
            .map(|s| s.id)
            .unwrap_or_default();
        let res = post_form(
            &app,
            &format!("/en/staff/team/{nadia}"),
            &desk,
            &[
                ("csrf", &csrf_of(&html)),
                ("role", "accountant"),
                ("disabled_shown", "1"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (_, html) = page(&app, "/en/staff/team", &desk).await;
        assert!(html.contains("role changed (admin → accountant)"), "{html}");
    }
}
