//! The shop behind a real reverse proxy (nginx, installed by the test script): the client's
//! address comes from `X-Forwarded-For` of the trusted proxy only, and the origin of a
//! form is compared with the shop's public address, not with the `Host` the proxy sends.

use crate::basket::call;
use crate::checkout::{admin_token, ready_customer};
use crate::support::{Options, TestApp};
use ecrin_store_tests::{BOTH, Db};
use serde_json::{Value, json};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// nginx in front of the shop, on a port of its own, forwarding as a TLS-ending proxy
/// does: `X-Forwarded-For` appended, `Host` rewritten to the upstream's address.
struct Proxy {
    base: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        // The test command installs it; a bare `cargo test` may not have it.
        assert!(
            !crate::support::every_tool_required(),
            "nginx is needed (apt-get install nginx-light)"
        );
        eprintln!("nginx not installed: the reverse-proxy tests are skipped");
    }
    found
}

impl Proxy {
    async fn start(app: &TestApp) -> Option<Proxy> {
        let nginx = nginx()?;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let upstream = app.base.trim_start_matches("http://");
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
             proxy_pass http://{upstream};\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             proxy_set_header X-Forwarded-Proto https;\n    }}\n  }}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap_or_else(|e| panic!("{e}"));
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("nginx: {e}"));
        let proxy = Proxy {
            base: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(proxy);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(proxy._dir.path().join("error.log")).unwrap_or_default();
        panic!("nginx did not start: {log}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A client whose connections leave from `ip` (any of 127.0.0.0/8 on Linux): another
/// customer's device, as the proxy sees it.
fn device(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().unwrap_or_else(|e| panic!("{e}"));
    reqwest::Client::builder()
        .local_address(ip)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

fn behind_nginx() -> Options {
    Options {
        trusted_proxies: "127.0.0.1",
        public_url: Some("https://shop.example"),
        ..Options::default()
    }
}

/// Places an order of what is in the customer's basket, from `device` through the proxy.
async fn order_through(proxy: &Proxy, device: &reqwest::Client, token: &str) -> (u16, Value) {
    let (status, s) = send(
        device
            .post(proxy.url("/api/v1/checkout"))
            .bearer_auth(token)
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    send(
        device
            .post(proxy.url("/api/v1/orders"))
            .bearer_auth(token)
            .header("user-agent", "Ecrin-Test/1.0")
            .json(&json!({"checkout_id": s["id"], "accept_terms": true,
                         "terms_version": s["terms"]["version"],
                         "confirm_obligation_to_pay": true, "payment_method": "card"})),
    )
    .await
}

/// Checks CHK-9 and CHK-7 behind a reverse proxy: the orders per client address and hour
/// count each customer's own address, not the proxy's, and the acceptance records it.
#[tokio::test]
async fn chk_9_chk_7_behind_a_proxy_each_customer_is_their_own_address() {
    for db in BOTH {
        let app = TestApp::with(db, "paris", behind_nginx()).await;
        let Some(proxy) = Proxy::start(&app).await else {
            return;
        };
        let home = device("127.0.0.2");
        let mut tokens = Vec::new();
        for email in ["ana@example.fr", "bea@example.fr", "cyd@example.fr"] {
            tokens.push(ready_customer(&app, email, "jonc-rivage", 1).await);
        }
        let piece = crate::basket::sku(&app, "jonc-rivage", 0).await;
        // Two customers of one household place 5 orders each: the address's 10 an hour.
        let mut numbers = Vec::new();
        for token in &tokens[..2] {
            for _ in 0..5 {
                crate::basket::add(&app, token, &piece, 1).await;
                let (status, o) = order_through(&proxy, &home, token).await;
                assert_eq!(status, 201, "{db:?}: {o}");
                numbers.push(o["number"].as_str().unwrap_or_default().to_owned());
            }
        }
        // The 11th from that address is refused…
        crate::basket::add(&app, &tokens[2], &piece, 1).await;
        let (status, p) = order_through(&proxy, &home, &tokens[2]).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("order_refused:suspected_fraud")),
            "{db:?}"
        );
        // …while another customer's device, through the same proxy, still orders, and a
        // header written by the client itself does not make it someone else.
        let (status, o) = order_through(&proxy, &device("127.0.0.3"), &tokens[2]).await;
        assert_eq!(status, 201, "{db:?}: {o}");
        let other = o["number"].as_str().unwrap_or_default().to_owned();
        crate::basket::add(&app, &tokens[2], &piece, 1).await;
        let (status, p) = send(
            device("127.0.0.2")
                .post(proxy.url("/api/v1/checkout"))
                .bearer_auth(&tokens[2])
                .header("x-forwarded-for", "198.51.100.77")
                .json(&json!({})),
        )
        .await;
        assert_eq!(status, 201, "{p}");
        let (status, p) = send(
            device("127.0.0.2")
                .post(proxy.url("/api/v1/orders"))
                .bearer_auth(&tokens[2])
                .header("x-forwarded-for", "198.51.100.77")
                .json(&json!({"checkout_id": p["id"], "accept_terms": true,
                             "terms_version": p["terms"]["version"],
                             "confirm_obligation_to_pay": true, "payment_method": "card"})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("order_refused:suspected_fraud")),
            "{db:?}: a forged X-Forwarded-For is not believed"
        );
        // CHK-7: the acceptance names the customer's address.
        let admin = admin_token(&app).await;
        for (number, ip) in [(&numbers[0], "127.0.0.2"), (&other, "127.0.0.3")] {
            let (status, events) = call(
                &app,
                "GET",
                &format!("/api/v1/admin/orders/{number}/events"),
                &admin,
                None,
            )
            .await;
            assert_eq!(status, 200, "{events}");
            let placed = events["items"]
                .as_array()
                .and_then(|a| a.iter().find(|e| e["kind"] == "placed"))
                .cloned()
                .unwrap_or_default();
            assert_eq!(placed["data"]["accepted_ip"], ip, "{db:?}: {placed}");
        }
    }
}

/// Checks PRV-5 and the login limit behind a reverse proxy: attempts are counted and
/// logged per client address; a peer that is not a trusted proxy cannot choose its own.
#[tokio::test]
async fn prv_5_behind_a_proxy_logins_are_limited_and_logged_per_client() {
    let options = Options {
        auth_attempts_per_minute: 3,
        ..behind_nginx()
    };
    let app = TestApp::with(Db::Sqlite, "paris", options).await;
    let Some(proxy) = Proxy::start(&app).await else {
        return;
    };
    let login = |client: &reqwest::Client, url: String| {
        client
            .post(url)
            .json(&json!({"email": "nobody@example.fr", "password": "not this one"}))
    };
    let a = device("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(send(login(&a, proxy.url("/api/v1/sessions"))).await.0);
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    // Another customer through the same proxy is not held back by the first.
    let (status, _) = send(login(&device("127.0.0.3"), proxy.url("/api/v1/sessions"))).await;
    assert_eq!(status, 401);
    // Straight to the shop, a forwarding header is not believed from an untrusted peer.
    let (status, _) =
        send(login(&a, app.url("/api/v1/sessions")).header("x-forwarded-for", "198.51.100.9"))
            .await;
    assert_eq!(status, 429);
    let events = app.app.store.security_events(10).await.unwrap_or_default();
    let mut ips: Vec<&str> = events.iter().map(|e| e.ip.as_str()).collect();
    ips.sort_unstable();
    ips.dedup();
    assert_eq!(
        ips,
        ["127.0.0.2", "127.0.0.3"],
        "the proxy's own address is never logged"
    );
}

/// Checks the form origin behind a reverse proxy: a visitor's form from the shop's public
/// address is taken although the proxy rewrote `Host`; one from another site is refused.
#[tokio::test]
async fn prv_6_behind_a_proxy_forms_are_checked_against_the_public_address() {
    let app = TestApp::with(Db::Sqlite, "paris", behind_nginx()).await;
    let Some(proxy) = Proxy::start(&app).await else {
        return;
    };
    let choose = |origin: &'static str| {
        device("127.0.0.2")
            .post(proxy.url("/consent"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin)
            .body("choice=all&next=/fr/")
    };
    let res = choose("https://shop.example")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 303, "the shop's own page");
    let res = choose("https://elsewhere.example")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 403, "another site");
}
