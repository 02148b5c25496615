//! E-mail leaves through a real SMTP server: delivered after the change commits, retried
//! with backoff, never lost when a process stops half-way.

use crate::smtp_sink::{SmtpSink, unfold};
use crate::support::TestApp;
use ecrin_app::mailer::{SmtpMailer, deliver_due};
use ecrin_store_tests::{BOTH, Db};
use serde_json::json;

fn sign_up(email: &str) -> serde_json::Value {
    json!({"email": email, "password": "rubis et onyx", "given_name": "Inès", "family_name": "Roy",
           "declares_adult_consumer": true, "language": "fr"})
}

async fn advance(app: &TestApp, by: &str) {
    let (status, _) = app
        .post_json("/api/v1/test/clock", &json!({"advance": by}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_activation_email_is_delivered_through_smtp_and_retried_until_accepted() {
    for db in BOTH {
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::new(
            &sink.url,
            "Maison Vauclair",
            "service-client@vauclair.example",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let app = TestApp::spawn(db, "paris").await;

        // The server refuses for now: nothing is lost, the e-mail waits its turn.
        sink.refuse(true);
        app.post_json("/api/v1/accounts", &sign_up("ines@example.fr"))
            .await;
        assert_eq!(deliver_due(&app.app, &mailer).await.ok(), Some(0), "{db:?}");
        assert!(sink.messages().is_empty());
        sink.refuse(false);
        assert_eq!(
            deliver_due(&app.app, &mailer).await.ok(),
            Some(0),
            "backoff: not before 30 s"
        );
        advance(&app, "PT31S").await;
        assert_eq!(deliver_due(&app.app, &mailer).await.ok(), Some(1), "{db:?}");
        assert_eq!(
            deliver_due(&app.app, &mailer).await.ok(),
            Some(0),
            "sent once"
        );

        let messages = sink.messages();
        assert_eq!(messages.len(), 1);
        let m = unfold(&messages[0]);
        assert!(
            m.contains("Subject: Activez votre compte Maison Vauclair"),
            "{m}"
        );
        assert!(m.contains("To: ines@example.fr"), "{m}");
        assert!(
            m.contains("From: \"Maison Vauclair\" <service-client@vauclair.example>"),
            "{m}"
        );
        assert!(m.contains("multipart/alternative"), "text and HTML bodies");
        let link = m
            .split_whitespace()
            .find(|w| w.contains("/fr/account/activate?token="))
            .unwrap_or_default()
            .to_owned();
        let token = link
            .split("token=")
            .nth(1)
            .unwrap_or_default()
            .trim_end_matches(['"', '<'])
            .to_owned();
        let token: String = token.chars().take_while(char::is_ascii_hexdigit).collect();
        assert_eq!(token.len(), 64, "{link}");
        let (status, _) = app
            .post_json("/api/v1/accounts/activate", &json!({"token": token}))
            .await;
        assert_eq!(
            status, 200,
            "the link in the delivered e-mail activates the account"
        );
        let listed = app
            .get_json("/api/v1/test/outbox?to=ines%40example.fr")
            .await;
        assert_eq!(listed["items"][0]["sent"], true);
    }
}

#[tokio::test]
async fn an_email_claimed_by_a_process_that_died_is_sent_after_its_lease() {
    let sink = SmtpSink::start().await;
    let mailer = SmtpMailer::new(
        &sink.url,
        "Atelier Sillon",
        "bonjour@atelier-sillon.example",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let app = TestApp::spawn(Db::Postgres, "atelier").await;
    app.post_json("/api/v1/accounts", &sign_up("paul@example.fr"))
        .await;
    // A process claims the e-mail and dies before sending it.
    let now = ecrin_app::Clock::now_ms(app.app.clock.as_ref());
    let mut tx = app
        .app
        .store
        .begin()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let claimed = tx
        .claim_due_emails(now, ecrin_app::mailer::LEASE_MS, 10)
        .await
        .unwrap_or_default();
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        deliver_due(&app.app, &mailer).await.ok(),
        Some(0),
        "leased to the dead process"
    );
    advance(&app, "PT3M").await;
    assert_eq!(deliver_due(&app.app, &mailer).await.ok(), Some(1));
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn the_server_delivers_the_outbox_when_given_an_smtp_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let sink = runtime.block_on(SmtpSink::start());
    let _guard = runtime.enter();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecrin"))
        .env(
            "ECRIN_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("shop.db").display()),
        )
        .env("ECRIN_ADDR", format!("127.0.0.1:{port}"))
        .env("ECRIN_SMTP_URL", &sink.url)
        .env("ECRIN_PROFILE", "milano")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let delivered = runtime.block_on(async {
        for _ in 0..100 {
            if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let res = client
            .post(format!("{base}/api/v1/accounts"))
            .json(&json!({"email": "giulia@example.it", "password": "smeraldo e oro", "given_name": "Giulia",
                          "family_name": "Bianchi", "declares_adult_consumer": true}))
            .send()
            .await;
        assert_eq!(res.map(|r| r.status().as_u16()).ok(), Some(201));
        for _ in 0..200 {
            if !sink.messages().is_empty() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(delivered, "no e-mail reached the SMTP server within 10 s");
    let m = unfold(&sink.messages()[0]);
    assert!(
        m.contains("Subject: Attivate il vostro account Casa Brera"),
        "{m}"
    );
}

/// A mail provider reached over TLS with a login: TLS from the first byte (`smtps://`,
/// RFC 8314) and STARTTLS (`?tls=required`, RFC 3207). A server whose certificate no
/// trusted authority signed, or a wrong password, gets nothing; the e-mail waits in the
/// outbox and leaves once both are right.
#[tokio::test]
async fn emails_leave_over_tls_with_a_login_and_never_to_an_unknown_server() {
    use crate::smtp_sink::Tls;
    for mode in [Tls::Implicit, Tls::StartTls] {
        let (sink, authority) =
            SmtpSink::start_tls(mode, "shop@maison.example", "a p@ss+word").await;
        let app = TestApp::spawn(Db::Sqlite, "milano").await;
        app.post_json("/api/v1/accounts", &sign_up("giulia@example.it"))
            .await;
        // Mozilla's roots only: the test authority is not among them.
        let public = SmtpMailer::new(&sink.url, "Maison", "servizio@maison.example")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            deliver_due(&app.app, &public).await.ok(),
            Some(0),
            "{mode:?}"
        );
        let listed = app
            .get_json("/api/v1/test/outbox?to=giulia%40example.it")
            .await;
        assert_eq!(listed["items"][0]["sent"], false, "{mode:?}: {listed}");
        // The right authority, a wrong password: refused by the server.
        let wrong = SmtpMailer::trusting(
            &sink.url.replace("a%20p%40ss%2Bword", "guess"),
            "Maison",
            "servizio@maison.example",
            Some(authority.as_bytes()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        advance(&app, "PT31S").await;
        assert_eq!(
            deliver_due(&app.app, &wrong).await.ok(),
            Some(0),
            "{mode:?}"
        );
        assert!(sink.messages().is_empty());
        // Both right: delivered once, by the login given.
        let mailer = SmtpMailer::trusting(
            &sink.url,
            "Maison",
            "servizio@maison.example",
            Some(authority.as_bytes()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        advance(&app, "PT2M").await;
        assert_eq!(
            deliver_due(&app.app, &mailer).await.ok(),
            Some(1),
            "{mode:?}"
        );
        assert_eq!(sink.logins(), vec!["shop@maison.example".to_owned()]);
        let m = unfold(&sink.messages()[0]);
        assert!(m.contains("To: giulia@example.it"), "{m}");
    }
}

/// `ecrin serve` with ECRIN_SMTP_URL=smtps://… and the relay's authority in
/// ECRIN_SMTP_CA_FILE delivers a customer's e-mail on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_delivers_over_smtps_from_its_settings() {
    let (sink, authority) = SmtpSink::start_tls(
        crate::smtp_sink::Tls::Implicit,
        "relay-user",
        "relay secret",
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ca = dir.path().join("authority.pem");
    std::fs::write(&ca, &authority).unwrap_or_else(|e| panic!("{e}"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecrin"))
        .env(
            "ECRIN_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("shop.db").display()),
        )
        .env("ECRIN_ADDR", "127.0.0.1:0")
        .env("ECRIN_PROFILE", "paris")
        .env("ECRIN_SMTP_URL", &sink.url)
        .env("ECRIN_SMTP_CA_FILE", &ca)
        .env("ECRIN_TEST_MODE", "1")
        .env_remove("ECRIN_ADMIN_PASSWORD")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let (text, base) = crate::stock::until_ready(&mut child);
    // The password never shows.
    assert!(
        text.contains("delivered through smtps://relay-user:…@localhost"),
        "{text}"
    );
    assert!(
        !text.contains("relay secret") && !text.contains("relay%20secret"),
        "{text}"
    );
    let base = base.unwrap_or_else(|| panic!("no address: {text}"));
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/accounts"))
        .json(&sign_up("ines@example.fr"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 201);
    let mut waited = 0;
    while sink.messages().is_empty() && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(sink.logins(), vec!["relay-user".to_owned()]);
    assert!(unfold(&sink.messages()[0]).contains("To: ines@example.fr"));
}
