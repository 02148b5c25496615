//! A real browser (headless Chromium driven through ChromeDriver) walks the shop as a
//! customer: home page, catalogue filter, product page, on a desktop and a phone screen.
//! Screenshots are kept in `target/screenshots/`.

use crate::support::TestApp;
use ecrin_store_tests::Db;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ChromeDriver on a free port, or `None` when the machine has none and browser tests
/// were not asked for (`ECRIN_BROWSER_TESTS=1`, set by the test script, makes them
/// mandatory).
fn driver() -> Option<Driver> {
    let required = std::env::var("ECRIN_BROWSER_TESTS").as_deref() == Ok("1");
    let found = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            !required,
            "chromedriver is missing: `apt-get install chromium chromium-driver`"
        );
        eprintln!("browser tests skipped: chromedriver not installed");
        return None;
    }
    // Installed, the driver must start: a failure here fails the test, never skips it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("a port for chromedriver: {e}"));
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver did not start: {e}"));
    let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("a browser profile: {e}"));
    Some(Driver {
        child,
        port,
        _profile: profile,
    })
}

/// Browsers started, to give each its own profile directory.
static BROWSERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn browser(d: &Driver, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-quic".to_owned(),
        format!("--window-size={width},{height}"),
        // One profile per browser: two open at once cannot share one.
        format!(
            "--user-data-dir={}",
            d._profile
                .path()
                .join(format!(
                    "{width}-{}",
                    BROWSERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                ))
                .display()
        ),
    ];
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "args": args,
            "binary": "/usr/bin/chromium",
            "prefs": {
                "download.default_directory": downloads(d).display().to_string(),
                "download.prompt_for_download": false,
            },
        }),
    );
    let url = format!("http://127.0.0.1:{}", d.port);
    for attempt in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) if attempt < 49 => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through ChromeDriver: {e}"),
        }
    }
    unreachable!("the loop returns or panics")
}

/// Where the browser saves downloaded files.
fn downloads(d: &Driver) -> PathBuf {
    let dir = d._profile.path().join("downloads");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    assert!(png.len() > 1000, "{name}: empty screenshot");
    let _ = std::fs::write(shots().join(format!("{name}.png")), png);
}

/// Checks CAT-5, CAT-6.
#[tokio::test]
async fn cat_5_cat_6_a_customer_browses_filters_and_opens_a_piece() {
    let Some(d) = driver() else { return };
    let app = TestApp::browsable(Db::Sqlite, "paris").await;
    let c = browser(&d, 1280, 900).await;
    c.goto(&app.url("/fr/"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        h1.text().await.unwrap_or_default(),
        "Joaillerie façonnée à la main"
    );
    shot(&c, "paris-home-desktop").await;

    // The catalogue through the main navigation, then a filter, without any script.
    c.find(Locator::Css(".main-nav a[href$='/catalogue']"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let select = c
        .find(Locator::Css("#f-material"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    select
        .select_by_value("platinum")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css(".filters button[type=submit]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    url_within(&c, "material=platinum").await;
    let count = c
        .find(Locator::Css(".count"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let expected = app.get_json("/api/v1/products?material=platinum").await["total"]
        .as_i64()
        .unwrap_or(-1);
    assert_eq!(count, format!("{expected} pièces"));
    shot(&c, "paris-catalogue-platinum").await;

    // Open the first piece.
    let card = c
        .find(Locator::Css(".results .card a"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    card.click().await.unwrap_or_else(|e| panic!("{e}"));
    url_within(&c, "/fr/products/").await;
    let notices = c
        .find(Locator::Css(".notices"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(notices.contains("ne sont pas contractuelles"), "{notices}");
    let rows = c
        .find_all(Locator::Css("table.variants tbody tr"))
        .await
        .unwrap_or_default();
    assert!(!rows.is_empty());
    shot(&c, "paris-product-desktop").await;

    // Accessibility basics on every page walked: a language, a main landmark, alt text on
    // every image, a label for every form control, and the skip link first in tab order.
    for path in [
        "/fr/",
        "/fr/catalogue",
        "/fr/products/solitaire-lumiere",
        "/fr/legal/terms",
        "/fr/legal/cookies",
    ] {
        c.goto(&app.url(path))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let problems = c
            .execute(
                r#"const p = [];
                if (!document.documentElement.lang) p.push('no lang');
                if (!document.querySelector('main')) p.push('no main');
                document.querySelectorAll('img').forEach(i => { if (!i.hasAttribute('alt')) p.push('img without alt: ' + i.src); });
                document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(f => {
                  const labelled = (f.id && document.querySelector('label[for="' + f.id + '"]')) || f.getAttribute('aria-label') || f.closest('label');
                  if (!labelled) p.push('control without label: ' + (f.name || f.id));
                });
                const first = document.querySelector('a, button, input, select');
                if (!first || !first.classList.contains('skip')) p.push('skip link is not first');
                return p;"#,
                vec![],
            )
            .await
            .unwrap_or_default();
        assert_eq!(problems, serde_json::json!([]), "{path}");
    }
    let _ = c.close().await;

    // A phone: the same pages fit the screen (no horizontal scrolling of the page).
    let phone = browser(&d, 390, 844).await;
    phone
        .goto(&app.url("/en/products/solitaire-lumiere"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let overflow = phone
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap_or_default();
    assert!(
        overflow.as_i64().is_some_and(|o| o <= 0),
        "page wider than the phone: {overflow}"
    );
    shot(&phone, "paris-product-phone").await;
    phone
        .goto(&app.url("/en/catalogue"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    shot(&phone, "paris-catalogue-phone").await;
    let _ = phone.close().await;
}

/// Checks ACC-3, ACC-5.
#[tokio::test]
async fn acc_3_a_customer_signs_up_follows_the_link_and_logs_in_in_the_browser() {
    let Some(d) = driver() else { return };
    let app = TestApp::browsable(Db::Postgres, "milano").await;
    let c = browser(&d, 1280, 900).await;
    let fill = |id: &'static str, value: &'static str| {
        let c = c.clone();
        async move {
            // Waits for the field: the page it is on may still be loading.
            let field = c
                .wait()
                .for_element(Locator::Id(id))
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            field
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    };
    c.goto(&app.url("/it/"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css(".nav-account a"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css(".account-form a[href$='/account/sign-up']"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    fill("f-given_name", "Giulia").await;
    fill("f-family_name", "Bianchi").await;
    fill("f-email", "giulia@example.it").await;
    fill("f-password", "smeraldo e oro").await;
    c.find(Locator::Id("f-declares_adult_consumer"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    shot(&c, "milano-sign-up").await;
    c.find(Locator::Css(".account-form button[type=submit]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The answer page may still be loading: wait for its heading.
    let h1 = text_within(&c, "h1", "Controllate la vostra e-mail").await;
    assert_eq!(h1, "Controllate la vostra e-mail");

    let mails = app
        .get_json("/api/v1/test/outbox?to=giulia%40example.it")
        .await;
    assert_eq!(
        mails["items"][0]["subject"],
        "Attivate il vostro account Casa Brera"
    );
    let link = mails["items"][0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .replace("http://shop.test", &app.base);
    c.goto(&link).await.unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css(".account-form button[type=submit]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let h1 = text_within(&c, "h1", "Il vostro account è attivo").await;
    assert_eq!(h1, "Il vostro account è attivo");
    c.find(Locator::Css(".account-form a.button"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    fill("f-email", "giulia@example.it").await;
    fill("f-password", "smeraldo e oro").await;
    c.find(Locator::Css(".account-form button[type=submit]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let greeting = text_within(&c, ".account-home .lede", "Benvenuti, Giulia.").await;
    assert_eq!(greeting, "Benvenuti, Giulia.");
    shot(&c, "milano-my-account").await;
    let _ = c.close().await;
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

async fn cookie_names(c: &Client) -> Vec<String> {
    let mut names: Vec<String> = c
        .get_all_cookies()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|k| k.name().to_owned())
        .collect();
    names.sort();
    names
}

/// Waits until the browser has navigated to a URL containing `want`.
async fn url_within(c: &Client, want: &str) {
    let mut last = String::new();
    for _ in 0..50 {
        last = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if last.contains(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser is at {last}, not at a URL with `{want}`");
}

/// Waits until the consent cookie holds the choice starting with `prefix`.
async fn consent_becomes(c: &Client, prefix: &str) {
    let mut chosen = String::new();
    for _ in 0..50 {
        chosen = c
            .get_named_cookie("ecrin_consent")
            .await
            .map(|k| k.value().to_owned())
            .unwrap_or_default();
        if chosen.starts_with(prefix) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the consent cookie is `{chosen}`, not `{prefix}…`");
}

/// Waits until the element's text contains `want`; returns the text.
async fn text_within(c: &Client, css: &str, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.text().await.unwrap_or_default();
            if last.contains(want) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: `{want}` never appeared; last text `{last}`")
}

/// Checks PRV-6, BSK-4: a visitor adds a piece without leaving its page, no cookie but
/// the session's before a choice, then refuses, then accepts one purpose.
#[tokio::test]
async fn prv_6_bsk_4_a_visitor_fills_a_basket_and_chooses_cookies_in_the_browser() {
    let Some(d) = driver() else { return };
    let app = TestApp::browsable(Db::Sqlite, "paris").await;
    let c = browser(&d, 1280, 900).await;
    let product = app.url("/fr/products/solitaire-lumiere");
    c.goto(&product).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(cookie_names(&c).await.is_empty(), "no cookie on arrival");
    let banner = c
        .find(Locator::Css(".consent-banner"))
        .await
        .unwrap_or_else(|e| panic!("banner: {e}"));
    assert!(banner.is_displayed().await.unwrap_or(false));
    shot(&c, "paris-consent-banner").await;

    // The add-to-basket form is sent in the background: the page stays.
    let quantity = c
        .find(Locator::Id("f-quantity"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    quantity.clear().await.unwrap_or_else(|e| panic!("{e}"));
    quantity
        .send_keys("2")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, ".add-to-basket button[type=submit]").await;
    let status = text_within(&c, ".add-to-basket #basket-status", "2 pièces").await;
    assert!(status.contains("Voir le panier"), "{status}");
    assert_eq!(
        c.current_url().await.map(|u| u.to_string()).ok(),
        Some(product.clone())
    );
    assert_eq!(cookie_names(&c).await, vec!["ecrin_session"]);
    shot(&c, "paris-added-to-basket").await;

    // Refuse all: the choice is remembered, nothing else is set.
    click(&c, "#consent-refuse").await;
    consent_becomes(&c, "p0.a0.").await;
    assert_eq!(
        cookie_names(&c).await,
        vec!["ecrin_consent", "ecrin_session"]
    );
    assert!(c.find(Locator::Css(".consent-banner")).await.is_err());
    c.goto(&product).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cookie_names(&c).await,
        vec!["ecrin_consent", "ecrin_session"]
    );

    // Change of mind on the cookie page: preferences only.
    c.goto(&app.url("/fr/legal/cookies"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, "#consent-preferences").await;
    click(&c, "#consent-save").await;
    consent_becomes(&c, "p1.a0.").await;
    c.goto(&product).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cookie_names(&c).await,
        vec!["ecrin_consent", "ecrin_recent", "ecrin_session"]
    );

    // The basket page, on a phone: the quantity changes in place.
    c.set_window_size(390, 844)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.goto(&app.url("/fr/basket"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    text_within(&c, "#basket-status", "2 pièces").await;
    let q = c
        .find(Locator::Css(".basket-line-form input[name=quantity]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    q.clear().await.unwrap_or_else(|e| panic!("{e}"));
    q.send_keys("3").await.unwrap_or_else(|e| panic!("{e}"));
    click(&c, ".basket-line-form button[name=update]").await;
    text_within(&c, "#basket-status", "3 pièces").await;
    shot(&c, "paris-basket-phone").await;
    let _ = c.close().await;
}

/// Checks PRV-2: a customer downloads everything held about them from My Account.
#[tokio::test]
async fn prv_2_a_customer_downloads_their_data_in_the_browser() {
    let Some(d) = driver() else { return };
    let app = TestApp::browsable(Db::Sqlite, "atelier").await;
    crate::basket::customer_token(&app, "sacha@example.fr").await;
    let c = browser(&d, 1280, 900).await;
    c.goto(&app.url("/fr/account/login"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (id, value) in [
        ("f-email", "sacha@example.fr"),
        ("f-password", "rubis et onyx"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    click(&c, ".account-form button[type=submit]").await;
    text_within(&c, ".account-home .lede", "Ana").await;
    click(&c, "#download-data").await;
    let dir = downloads(&d);
    let mut found = None;
    for _ in 0..50 {
        found = std::fs::read_dir(&dir)
            .ok()
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("my-data-") && n.ends_with(".json"))
            });
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = found.unwrap_or_else(|| panic!("no download in {}", dir.display()));
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(data["account"]["email"], "sacha@example.fr");
    assert_eq!(data["account"]["given_name"], "Ana");
    shot(&c, "atelier-my-account").await;
    let _ = c.close().await;
}

async fn fill(c: &Client, id: &str, value: &str) {
    // A page still settling (a script's reload) can replace the field under the driver:
    // it is found again, a few times.
    let mut last = String::new();
    for _ in 0..5 {
        let field = c
            .wait()
            .for_element(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        match async {
            field.clear().await?;
            field.send_keys(value).await
        }
        .await
        {
            Ok(()) => return,
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    panic!("{id}: {last}");
}

/// Checks ACC-6, CHK-2, CHK-5, CHK-7, CHK-12 on each profile: from the basket, a customer
/// logs in, chooses delivery and addresses (a gift on `atelier`, a boutique pick-up on
/// `milano`), reads the summary, ticks the terms and confirms the order, then pays by card
/// on the payment provider's page (PAY-1; the 3-D Secure challenge on `atelier`).
#[tokio::test]
async fn chk_5_a_customer_goes_from_the_basket_to_the_order_in_the_browser() {
    let Some(d) = driver() else { return };
    for (profile, db, lang) in [
        ("paris", Db::Sqlite, "fr"),
        ("atelier", Db::Postgres, "fr"),
        ("milano", Db::Sqlite, "it"),
    ] {
        // `milano` takes cards through Stripe (its stand-in's page), the others the sandbox.
        let stripe = profile == "milano";
        let options = crate::support::Options {
            public_url: None,
            stripe,
            ..crate::support::Options::default()
        };
        let app = TestApp::with(db, profile, options).await;
        let email = format!("client@{profile}.example");
        crate::checkout::ready_customer(&app, &email, "jonc-rivage", 1).await;
        let c = browser(&d, 1280, 900).await;
        c.goto(&app.url(&format!("/{lang}/products/jonc-rivage")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // The browser's profile outlives one shop: start without its cookies.
        c.delete_all_cookies()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        c.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        click(&c, "#consent-refuse").await;
        consent_becomes(&c, "p0.a0.").await;
        click(&c, ".add-to-basket button[type=submit]").await;
        text_within(&c, ".add-to-basket #basket-status", "€").await;
        c.goto(&app.url(&format!("/{lang}/basket")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // ACC-6: the order button asks a visitor to log in, then comes back.
        click(&c, ".basket-actions a.button").await;
        url_within(&c, "/account/login?next=").await;
        fill(&c, "f-email", &email).await;
        fill(&c, "f-password", "rubis et onyx").await;
        click(&c, ".account-form button[type=submit]").await;
        c.wait()
            .for_element(Locator::Css(".checkout-form"))
            .await
            .unwrap_or_else(|e| panic!("{profile}: no checkout form: {e}"));
        match profile {
            "atelier" => {
                // CHK-12: a gift, delivered to the recipient's address.
                click(&c, "#d-new").await;
                fill(&c, "f-delivery_address.given_name", "Lou").await;
                fill(&c, "f-delivery_address.family_name", "Martin").await;
                fill(&c, "f-delivery_address.line1", "3 place des Vosges").await;
                fill(&c, "f-delivery_address.postcode", "75004").await;
                fill(&c, "f-delivery_address.city", "Paris").await;
                fill(&c, "f-delivery_address.country", "FR").await;
                click(&c, "#f-gift").await;
                fill(&c, "f-recipient.given_name", "Lou").await;
                fill(&c, "f-recipient.family_name", "Martin").await;
                fill(&c, "f-recipient.email", "lou@example.fr").await;
                fill(&c, "f-gift_message", "Joyeux anniversaire").await;
                click(&c, "#f-gift_wrapping").await;
            }
            "milano" => {
                // CHK-12: collected at a boutique.
                click(&c, "#m-boutique_pickup").await;
            }
            _ => {}
        }
        shot(&c, &format!("{profile}-checkout")).await;
        click(&c, ".checkout-form button[type=submit]").await;
        url_within(&c, "/checkout/chk_").await;
        c.wait()
            .for_element(Locator::Css(".confirm-form"))
            .await
            .unwrap_or_else(|e| panic!("{profile}: no summary: {e}"));
        text_within(&c, "dd.summary-total", "€").await;
        let page = text_within(&c, "main", "").await;
        let expected = match profile {
            "atelier" => "Lou Martin",
            "milano" => "Casa Brera",
            _ => "12 rue des Orfèvres",
        };
        assert!(page.contains(expected), "{profile}: {page}");
        shot(&c, &format!("{profile}-summary")).await;
        // CHK-7: the terms must be ticked, then the button confirms the obligation to pay.
        click(&c, "#f-accept_terms").await;
        click(&c, ".confirm-form button[name=confirm]").await;
        url_within(&c, "/account/orders/").await;
        let h1 = text_within(&c, "h1", "000001").await;
        assert!(h1.contains("000001"), "{h1}");
        shot(&c, &format!("{profile}-order-placed")).await;
        // The summary on a phone screen.
        c.set_window_size(390, 844)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        shot(&c, &format!("{profile}-order-placed-phone")).await;
        // PAY-1: the card, on the payment provider's page; on `atelier`, the card asks for
        // the 3-D Secure confirmation first.
        click(&c, "#pay-by-card").await;
        if stripe {
            // Stripe's hosted page (the stand-in's), then back to the order, which the
            // page follows with Stripe before the webhook if need be.
            url_within(&c, "/_standin/pay/cs_test_").await;
            fill(&c, "card", "4242424242424242").await;
            shot(&c, &format!("{profile}-payment-page-stripe")).await;
            click(&c, "#standin-submit").await;
            url_within(&c, "/account/orders/000001").await;
            for _ in 0..50 {
                if app_status(&app, "000001").await == "being_prepared" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            c.refresh().await.unwrap_or_else(|e| panic!("{e}"));
            text_within(&c, "h1", "000001").await;
            assert_eq!(app_status(&app, "000001").await, "being_prepared");
            assert!(
                c.find(Locator::Id("pay-by-card")).await.is_err(),
                "{profile}: still asked to pay"
            );
            shot(&c, &format!("{profile}-paid")).await;
            if let Some(st) = &app.stripe {
                st.assert_no_violation().await;
            }
            let _ = c.close().await;
            continue;
        }
        url_within(&c, "/sandbox/pay/").await;
        let card = if profile == "atelier" {
            "4000 0000 0000 3220"
        } else {
            "4242 4242 4242 4242"
        };
        fill(&c, "card", card).await;
        fill(&c, "expiry", "12/30").await;
        fill(&c, "cvc", "123").await;
        shot(&c, &format!("{profile}-payment-page")).await;
        click(&c, "form button[type=submit]").await;
        if profile == "atelier" {
            url_within(&c, "/challenge").await;
            shot(&c, &format!("{profile}-3ds-challenge")).await;
            click(&c, "button[value=pass]").await;
        }
        url_within(&c, "/account/orders/000001").await;
        let page = text_within(&c, "h1", "000001").await;
        assert_eq!(
            app_status(&app, "000001").await,
            "being_prepared",
            "{profile}: {page}"
        );
        assert!(
            c.find(Locator::Id("pay-by-card")).await.is_err(),
            "{profile}: still asked to pay"
        );
        shot(&c, &format!("{profile}-paid")).await;
        let _ = c.close().await;
    }
}

async fn app_status(app: &TestApp, number: &str) -> String {
    app.app
        .store
        .order_by_number(number)
        .await
        .ok()
        .flatten()
        .map(|o| o.status.as_str().to_owned())
        .unwrap_or_default()
}

/// Waits for a file whose name starts with `prefix` in the browser's downloads.
async fn downloaded(d: &Driver, prefix: &str) -> PathBuf {
    let dir = downloads(d);
    for _ in 0..100 {
        let found = std::fs::read_dir(&dir)
            .ok()
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".pdf"))
            });
        if let Some(f) = found {
            return f;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {prefix}… download in {}", dir.display())
}

/// Checks INV-1, INV-2 on each profile, as a new customer buys: the catalogue, the basket,
/// sign-up and the activation link, a new address, the summary and the terms, the card with
/// its 3-D Secure challenge, then the confirmation page with everything INV-1 lists; the
/// invoice downloaded from the order's page reads back with its number, totals and VAT;
/// the confirmation e-mail carries the terms and the withdrawal form.
#[tokio::test]
async fn inv_1_inv_2_a_new_customer_buys_and_gets_the_confirmation_and_the_invoice() {
    let Some(d) = driver() else { return };
    for (profile, db, lang, email) in [
        ("paris", Db::Sqlite, "fr", "lea@example.fr"),
        ("atelier", Db::Sqlite, "fr", "noe@example.fr"),
        ("milano", Db::Postgres, "it", "sara@example.it"),
    ] {
        let app = TestApp::browsable(db, profile).await;
        let piece = crate::basket::sku(&app, "jonc-rivage", 0).await;
        crate::checkout::restock(&app, &piece, 10).await;
        let c = browser(&d, 1280, 900).await;
        c.goto(&app.url(&format!("/{lang}/products/jonc-rivage")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        c.delete_all_cookies()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        c.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        click(&c, "#consent-refuse").await;
        consent_becomes(&c, "p0.a0.").await;
        click(&c, ".add-to-basket button[type=submit]").await;
        text_within(&c, ".add-to-basket #basket-status", "€").await;
        c.goto(&app.url(&format!("/{lang}/basket")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        click(&c, ".basket-actions a.button").await;
        url_within(&c, "/account/login").await;
        // A new customer: sign up, then follow the activation link.
        click(&c, ".account-form a[href$='/account/sign-up']").await;
        fill(&c, "f-given_name", "Camille").await;
        fill(&c, "f-family_name", "Durand").await;
        fill(&c, "f-email", email).await;
        fill(&c, "f-password", "saphir et vermeil").await;
        click(&c, "#f-declares_adult_consumer").await;
        click(&c, ".account-form button[type=submit]").await;
        text_within(&c, "h1", "").await;
        let mails = app
            .get_json(&format!(
                "/api/v1/test/outbox?to={}",
                urlencoding::encode(email)
            ))
            .await;
        let link = mails["items"][0]["links"][0]
            .as_str()
            .unwrap_or_default()
            .replace("http://shop.test", &app.base);
        c.goto(&link).await.unwrap_or_else(|e| panic!("{e}"));
        click(&c, ".account-form button[type=submit]").await;
        click(&c, ".account-form a.button").await;
        fill(&c, "f-email", email).await;
        fill(&c, "f-password", "saphir et vermeil").await;
        click(&c, ".account-form button[type=submit]").await;
        text_within(&c, ".account-home .lede", "Camille").await;
        // The basket followed the visitor into the account.
        c.goto(&app.url(&format!("/{lang}/checkout")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (country, postcode, city) = crate::checkout::home_country(profile);
        click(&c, "#d-new").await;
        fill(&c, "f-delivery_address.given_name", "Camille").await;
        fill(&c, "f-delivery_address.family_name", "Durand").await;
        fill(&c, "f-delivery_address.line1", "5 rue du Bac").await;
        fill(&c, "f-delivery_address.postcode", postcode).await;
        fill(&c, "f-delivery_address.city", city).await;
        fill(&c, "f-delivery_address.country", country).await;
        fill(&c, "f-delivery_address.phone", "+33 1 23 45 67 89").await;
        click(&c, ".checkout-form button[type=submit]").await;
        if c.wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css("dd.summary-total"))
            .await
            .is_err()
        {
            let page = text_within(&c, "main", "").await;
            panic!("{profile}: no summary:\n{page}");
        }
        click(&c, "#f-accept_terms").await;
        click(&c, ".confirm-form button[name=confirm]").await;
        url_within(&c, "/account/orders/").await;
        text_within(&c, "h1", "000001").await;
        // The card asks for the 3-D Secure confirmation on every profile here.
        click(&c, "#pay-by-card").await;
        url_within(&c, "/sandbox/pay/").await;
        fill(&c, "card", "4000 0000 0000 3220").await;
        fill(&c, "expiry", "12/30").await;
        fill(&c, "cvc", "123").await;
        click(&c, "form button[type=submit]").await;
        url_within(&c, "/challenge").await;
        click(&c, "button[value=pass]").await;
        url_within(&c, "/account/orders/000001").await;
        // INV-1: the confirmation page.
        for id in [
            "confirm-payment",
            "confirm-lines",
            "confirm-delivery",
            "confirm-terms",
            "confirm-withdrawal",
            "confirm-warranty",
            "confirm-complaints",
        ] {
            let part = text_within(&c, &format!("#{id}"), "").await;
            assert!(part.len() > 20, "{profile}: {id}: {part:?}");
        }
        let payment = text_within(&c, "#confirm-payment", "F000001").await;
        assert!(payment.contains("000001"), "{profile}: {payment}");
        let complaints = text_within(&c, "#confirm-complaints", "").await;
        let merchant = app.app.profile.merchant.complaint_address.clone();
        assert!(complaints.contains(&merchant), "{profile}: {complaints}");
        shot(&c, &format!("{profile}-confirmation")).await;
        c.set_window_size(390, 844)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        shot(&c, &format!("{profile}-confirmation-phone")).await;
        // INV-2: the invoice from "My Orders".
        let _ = std::fs::remove_dir_all(downloads(&d));
        let _ = std::fs::create_dir_all(downloads(&d));
        click(&c, "#doc-invoice").await;
        let file = downloaded(&d, "F000001").await;
        // Kept beside the screenshots, with its first page as an image.
        let kept = shots().join(format!("{profile}-invoice.pdf"));
        let _ = std::fs::copy(&file, &kept);
        let png = Command::new("pdftoppm")
            .args(["-png", "-r", "70", "-singlefile"])
            .arg(&kept)
            .arg(shots().join(format!("{profile}-invoice")))
            .status()
            .unwrap_or_else(|e| panic!("pdftoppm (poppler-utils): {e}"));
        assert!(png.success(), "{profile}: pdftoppm refused the invoice");
        // Spaces as a reader copies them: no-break spaces become plain ones.
        let plain = |s: &str| s.replace(['\u{a0}', '\u{202f}'], " ");
        let text = plain(&crate::documents::pdf_text(
            &std::fs::read(&file).unwrap_or_default(),
        ));
        let o = app
            .app
            .store
            .order_by_number("000001")
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("{profile}: no order"));
        let t = ecrin_app::i18n::Tr::new(lang.parse().unwrap_or(ecrin_core::Lang::Fr));
        for expected in [
            "F000001".to_owned(),
            "000001".to_owned(),
            app.app.profile.merchant.vat_number.clone(),
            t.money(o.total),
            t.money(o.vat_total),
            t.t("doc-col-vat-rate"),
            "Camille Durand".to_owned(),
        ] {
            let expected = plain(&expected);
            assert!(
                text.contains(&expected),
                "{profile}: {expected:?} not in\n{text}"
            );
        }
        // INV-1: the e-mail, with the terms and the withdrawal form attached.
        let mails = app
            .get_json(&format!(
                "/api/v1/test/outbox?to={}",
                urlencoding::encode(email)
            ))
            .await;
        let confirmation = mails["items"]
            .as_array()
            .and_then(|m| {
                m.iter()
                    .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
            })
            .cloned()
            .unwrap_or_else(|| panic!("{profile}: no confirmation e-mail in {mails}"));
        assert!(
            confirmation["subject"]
                .as_str()
                .is_some_and(|s| s.contains("000001")),
            "{confirmation}"
        );
        assert_eq!(
            confirmation["attachments"][1]["kind"], "withdrawal_form",
            "{confirmation}"
        );
        let _ = c.close().await;
    }
}

/// Refuses optional cookies when the banner asks (a browser's profile keeps the choice
/// from one shop on 127.0.0.1 to the next: cookies do not tell ports apart).
async fn refuse_cookies_if_asked(c: &Client) {
    if let Ok(button) = c.find(Locator::Css("#consent-refuse")).await {
        let _ = button.click().await;
    }
}

/// Scrolls the page to the element, for the screenshot to show it.
async fn into_view(c: &Client, css: &str) {
    let script = format!("document.querySelector({css:?}).scrollIntoView({{block: 'start'}});");
    c.execute(&script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// Waits until nothing matches `css` any more.
async fn gone_within(c: &Client, css: &str) {
    for _ in 0..50 {
        if c.find_all(Locator::Css(css))
            .await
            .is_ok_and(|v| v.is_empty())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: still there");
}

/// Waits until `css` matches `n` elements or more.
async fn count_within(c: &Client, css: &str, n: usize) {
    let mut seen = 0;
    for _ in 0..50 {
        seen = c
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if seen >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: {seen} found, {n} wanted");
}

/// Checks DLV-1, DLV-3, DLV-6 on each profile: staff log in, find the paid order in the
/// list, ship it with a tracking number and record its delivery on the order page; the
/// customer's order page in "My Orders" shows it shipped, with the carrier's tracking
/// link, then delivered.
#[tokio::test]
async fn dlv_1_staff_ship_and_deliver_and_the_customer_follows_the_parcel_in_the_browser() {
    let Some(d) = driver() else { return };
    for (profile, db, lang) in [
        ("paris", Db::Sqlite, "fr"),
        ("atelier", Db::Postgres, "en"),
        ("milano", Db::Sqlite, "it"),
    ] {
        let app = TestApp::browsable(db, profile).await;
        let email = format!("suivi@{profile}.example");
        let token = crate::checkout::ready_customer(&app, &email, "jonc-rivage", 1).await;
        let (_, s) = crate::basket::call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(serde_json::json!({})),
        )
        .await;
        let (_, o) = crate::checkout::order(&app, &token, &s, None).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let (status, _) = crate::basket::call(
            &app,
            "POST",
            &format!("/api/v1/test/payments/{number}"),
            &token,
            Some(serde_json::json!({"card": "4242424242424242"})),
        )
        .await;
        assert_eq!(status, 200);

        // The customer, logged in on a phone.
        let phone = browser(&d, 390, 844).await;
        phone
            .goto(&app.url(&format!("/{lang}/account/login")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        refuse_cookies_if_asked(&phone).await;
        fill(&phone, "f-email", &email).await;
        fill(&phone, "f-password", "rubis et onyx").await;
        click(&phone, "main form button[type=submit]").await;
        // The login page's address has "/account" in it too: logged in once the account's
        // home shows.
        count_within(&phone, ".account-home", 1).await;
        let mine = app.url(&format!("/{lang}/account/orders/{number}"));
        phone.goto(&mine).await.unwrap_or_else(|e| panic!("{e}"));
        count_within(&phone, ".order-timeline li", 2).await;

        // Staff, at a desk.
        let desk = browser(&d, 1280, 900).await;
        desk.goto(&app.url(&format!("/{lang}/staff/login")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        refuse_cookies_if_asked(&desk).await;
        fill(&desk, "f-email", "admin@maison.test").await;
        fill(&desk, "f-password", "the admin secret").await;
        click(&desk, ".account-form button[type=submit]").await;
        // PRV-8: an admin gives the code of their authenticator app.
        url_within(&desk, "/staff/second-factor").await;
        fill(&desk, "second-factor-code", &app.admin_code().await).await;
        click(&desk, "#form-second-factor button[type=submit]").await;
        // "/staff" is in the login page's address too: signed in once the back office's
        // menu shows.
        count_within(
            &desk,
            "nav a[href$='/staff/orders'], a[href$='/staff/orders']",
            1,
        )
        .await;
        desk.goto(&app.url(&format!("/{lang}/staff/orders")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        click(&desk, &format!("a[href$='/staff/orders/{number}']")).await;
        url_within(&desk, &format!("/staff/orders/{number}")).await;
        fill(&desk, "ship-tracking_number", "JD014600004321").await;
        click(&desk, "#form-ship button[type=submit]").await;
        text_within(&desk, "main", "JD014600004321").await;
        into_view(&desk, "#form-ship").await;
        shot(&desk, &format!("staff-order-shipped-{profile}")).await;

        phone.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        count_within(&phone, ".order-timeline a.tracking", 1).await;
        let href = phone
            .find(Locator::Css(".order-timeline a.tracking"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .attr("href")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        assert!(href.contains("JD014600004321"), "{profile}: {href}");
        into_view(&phone, ".order-timeline").await;
        shot(&phone, &format!("my-order-shipped-{profile}")).await;

        fill(&desk, "deliver-signed_by", "Camille Durand").await;
        click(&desk, "#form-deliver button[type=submit]").await;
        text_within(&desk, "main", "Camille Durand").await;
        phone.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        count_within(&phone, ".order-timeline li", 4).await;
        into_view(&phone, ".order-timeline").await;
        shot(&phone, &format!("my-order-delivered-{profile}")).await;
        let (_, o) = crate::basket::call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "delivered", "{profile}");

        // WDR-7: a guest, on another phone, withdraws from the piece from the footer link:
        // the order by number and e-mail, the units, the review, the confirmation.
        let guest = browser(&d, 390, 844).await;
        guest
            .goto(&app.url(&format!("/{lang}/")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        refuse_cookies_if_asked(&guest).await;
        // The choice of cookies reloads the page: once it is recorded, the footer is read
        // on a page loaded after.
        consent_becomes(&guest, "p0.a0.").await;
        guest
            .goto(&app.url(&format!("/{lang}/")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        click(&guest, "#footer-withdraw").await;
        url_within(&guest, "/withdraw").await;
        fill(&guest, "f-order_number", &number).await;
        fill(&guest, "f-email", &email).await;
        click(&guest, "#form-withdraw-identify button[type=submit]").await;
        click(&guest, "#q-1 option[value='1']").await;
        shot(&guest, &format!("withdraw-choose-{profile}")).await;
        click(&guest, "#form-withdraw-choose button[type=submit]").await;
        click(&guest, "#confirm-withdrawal").await;
        // A guest's notice waits for the owner of the order's address to confirm it by
        // the e-mailed link.
        count_within(&guest, "#withdrawal-sent", 1).await;
        shot(&guest, &format!("withdraw-sent-{profile}")).await;
        let (link, _) = crate::fulfilment::confirm_link(&app, &email).await;
        let path = link.splitn(4, '/').nth(3).unwrap_or_default();
        guest
            .goto(&app.url(&format!("/{path}")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        text_within(&guest, "main", &number).await;
        click(&guest, "#confirm-withdrawal").await;
        text_within(&guest, "#withdrawal-receipt", &number).await;
        shot(&guest, &format!("withdraw-receipt-{profile}")).await;
        let (_, mails) = crate::basket::call(
            &app,
            "GET",
            &format!("/api/v1/test/outbox?to={}", email.replace('@', "%40")),
            "",
            None,
        )
        .await;
        let subject = mails["items"][0]["subject"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            subject.contains(&number) && subject.contains(':'),
            "{profile}: the receipt with its time: {subject}"
        );

        // WDR-4: the parcel comes back; staff take it in and accept it from the returns
        // page.
        desk.goto(&app.url(&format!("/{lang}/staff/returns")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        click(&desk, "form[id^='form-receive-'] button[type=submit]").await;
        url_within(&desk, "/staff/returns").await;
        count_within(&desk, "form[id^='form-inspect-']", 1).await;
        shot(&desk, &format!("staff-return-received-{profile}")).await;
        click(&desk, "form[id^='form-inspect-'] button[type=submit]").await;
        gone_within(&desk, "form[id^='form-inspect-']").await;

        // WDR-5, INV-3: the customer sees the return accepted and downloads the credit
        // note from the order's page.
        phone.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        count_within(&phone, ".after-sales li", 1).await;
        count_within(&phone, "a[id^='doc-credit-note-']", 1).await;
        into_view(&phone, ".after-sales").await;
        shot(&phone, &format!("my-order-return-accepted-{profile}")).await;
        let href = phone
            .find(Locator::Css("a[id^='doc-credit-note-']"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .attr("href")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        // The download as the browser makes it, with the customer's session.
        let head = phone
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0]).then(r => r.arrayBuffer()).then(b =>
                   done(String.fromCharCode(...new Uint8Array(b.slice(0, 5)))));",
                vec![serde_json::json!(href)],
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(head, serde_json::json!("%PDF-"), "{profile}: {href}");

        // DLV-7: the customer reports damage on the order's page, with a photo taken by
        // the phone (an EXIF block with a GPS position in it).
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let photo = dir.path().join("fermoir.jpg");
        std::fs::write(&photo, crate::after_sales::jpeg_with_gps(320, 240))
            .unwrap_or_else(|e| panic!("{e}"));
        click(&phone, "#claim-damaged").await;
        fill(&phone, "claim-description", "Le fermoir est arrivé tordu.").await;
        phone
            .wait()
            .for_element(Locator::Id("claim-photos"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .send_keys(&photo.to_string_lossy())
            .await
            .unwrap_or_else(|e| panic!("{profile}: the photo: {e}"));
        into_view(&phone, "#form-claim").await;
        shot(&phone, &format!("claim-form-{profile}")).await;
        click(&phone, "#form-claim button[type=submit]").await;
        count_within(&phone, ".after-sales li[id^='claim-']", 1).await;
        into_view(&phone, ".after-sales").await;
        shot(&phone, &format!("claim-sent-{profile}")).await;

        // WAR-2: customer service opens the claim, sees its photo and decides.
        let (_, o) = crate::basket::call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let claim = o["claims"][0]["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(o["claims"][0]["photos"][0]["width"], 320, "{profile}: {o}");
        desk.goto(&app.url(&format!("/{lang}/staff/claims")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        count_within(
            &desk,
            &format!("a[href*='/staff/claims/{claim}/photos/']"),
            1,
        )
        .await;
        click(
            &desk,
            &format!("#decide-{claim}-outcome option[value='replace']"),
        )
        .await;
        fill(
            &desk,
            &format!("decide-{claim}-reason"),
            "Fermoir remplacé à nos frais.",
        )
        .await;
        shot(&desk, &format!("staff-claim-{profile}")).await;
        click(&desk, &format!("#form-decide-{claim} button[type=submit]")).await;
        gone_within(&desk, &format!("#form-decide-{claim}")).await;
        phone.refresh().await.unwrap_or_else(|e| panic!("{e}"));
        text_within(&phone, &format!("#claim-{claim}"), "Fermoir remplacé").await;
        let _ = guest.close().await;
        let _ = phone.close().await;
        let _ = desk.close().await;
    }
}

/// Sets a field's value as a script would (a date and time field is typed differently
/// in every locale of the browser).
async fn set_value(c: &Client, id: &str, value: &str) {
    let script = format!("document.getElementById({id:?}).value = {value:?};");
    c.execute(&script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
}

/// Checks PRV-8, CAT-1, CAT-3, CAT-4, CAT-7 in the browser: an admin logs in with the
/// second factor, creates a product with its texts in French and English, two variants
/// and two photos with their alternative texts, schedules a promotion and publishes the
/// piece; once the promotion starts, a visitor on a phone finds it in the catalogue and
/// sees its gallery (zoomed without JavaScript) and the reduced price against its
/// reference price, the lowest of the 30 days before.
#[tokio::test]
async fn cat_1_cat_7_an_admin_puts_a_piece_on_sale_and_a_visitor_finds_it_in_the_browser() {
    let Some(d) = driver() else { return };
    let app = TestApp::browsable(Db::Sqlite, "paris").await;
    let desk = browser(&d, 1280, 900).await;
    desk.goto(&app.url("/fr/staff/login"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    refuse_cookies_if_asked(&desk).await;
    fill(&desk, "f-email", "admin@maison.test").await;
    fill(&desk, "f-password", "the admin secret").await;
    click(&desk, ".account-form button[type=submit]").await;
    url_within(&desk, "/staff/second-factor").await;
    shot(&desk, "journey-1-second-factor").await;
    fill(&desk, "second-factor-code", &app.admin_code().await).await;
    click(&desk, "#form-second-factor button[type=submit]").await;
    count_within(&desk, "nav a[href$='/staff/products']", 1).await;

    desk.goto(&app.url("/fr/staff/products"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    fill(&desk, "new-product-slug", "bague-orage").await;
    let select = |id: &'static str, value: &'static str| {
        let desk = &desk;
        async move {
            desk.find(Locator::Id(id))
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"))
                .select_by_value(value)
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    };
    select("new-product-kind", "ring").await;
    fill(&desk, "new-product-name_fr", "Bague Orage").await;
    fill(
        &desk,
        "new-product-description_fr",
        "Anneau d'or jaune martelé à la main, comme un ciel d'orage.",
    )
    .await;
    fill(&desk, "new-product-name_en", "Storm Ring").await;
    fill(
        &desk,
        "new-product-description_en",
        "A band of hand-hammered yellow gold, like a stormy sky.",
    )
    .await;
    click(&desk, "#form-new-product button[type=submit]").await;
    url_within(&desk, "/staff/products/bague-orage").await;

    for (sku, size) in [("ORG-52", "52"), ("ORG-54", "54")] {
        fill(&desk, "new-variant-sku", sku).await;
        select("new-variant-metal", "yellow-gold").await;
        fill(&desk, "new-variant-size", size).await;
        fill(&desk, "new-variant-weight_grams", "5").await;
        fill(&desk, "new-variant-price", "1 200,00").await;
        fill(&desk, "new-variant-on_hand", "3").await;
        click(&desk, "#form-new-variant button[type=submit]").await;
        count_within(&desk, &format!("#form-variant-{sku}"), 1).await;
    }

    let files = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let photos = [
        (
            "orage-face.jpg",
            crate::after_sales::jpeg_with_gps(1600, 1200),
            "La bague de face",
            "The ring from the front",
        ),
        (
            "orage-profil.png",
            crate::after_sales::png(1200, 900),
            "La bague de profil",
            "The ring from the side",
        ),
    ];
    for (n, (name, bytes, fr, en)) in photos.iter().enumerate() {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        desk.wait()
            .for_element(Locator::Id("photo-file"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        fill(&desk, "photo-alt_fr", fr).await;
        fill(&desk, "photo-alt_en", en).await;
        click(&desk, "#form-photo button[type=submit]").await;
        count_within(&desk, ".staff-photo-list li", n + 1).await;
    }

    // A promotion an hour from now, for ten days, on the size 52.
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    let now = app.app.clock.now().to_zoned(zone);
    let at = |hours: i64| {
        now.checked_add(jiff::SignedDuration::from_hours(hours))
            .map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    };
    fill(&desk, "promotion-ORG-52-price", "990,00").await;
    set_value(&desk, "promotion-ORG-52-starts_at", &at(1)).await;
    set_value(&desk, "promotion-ORG-52-ends_at", &at(240)).await;
    // The page comes back with one more table for the variant: its promotions.
    let tables = "div.table-wrap[aria-label$='ORG-52']";
    let before = desk
        .find_all(Locator::Css(tables))
        .await
        .map(|v| v.len())
        .unwrap_or(0);
    click(&desk, "#form-promotion-ORG-52 button[type=submit]").await;
    count_within(&desk, tables, before + 1).await;
    click(&desk, "#product-published").await;
    click(&desk, "#form-product button[type=submit]").await;
    // The form comes back to the same address: saved once the page says the piece is on
    // sale.
    text_within(&desk, ".notice[role=status]", "En vente").await;
    into_view(&desk, "#photos").await;
    shot(&desk, "journey-2-back-office-product").await;

    // The promotion starts.
    let (status, body) = app
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "PT2H"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    ecrin_app::jobs::run_due(&app.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let phone = browser(&d, 390, 844).await;
    phone
        .goto(&app.url("/en/catalogue?q=storm"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    refuse_cookies_if_asked(&phone).await;
    count_within(&phone, "a[href$='/products/bague-orage']", 1).await;
    shot(&phone, "journey-3-visitor-finds-it").await;
    click(&phone, "a[href$='/products/bague-orage']").await;
    url_within(&phone, "/en/products/bague-orage").await;
    count_within(&phone, ".gallery-item img", 2).await;
    let alt = phone
        .find(Locator::Css(".gallery-item img"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .attr("alt")
        .await
        .unwrap_or_default()
        .unwrap_or_default();
    assert_eq!(alt, "The ring from the front");
    // CAT-7: the reduced price, and the lowest of the 30 days before it.
    text_within(&phone, "td.price", "990.00").await;
    text_within(&phone, "td.price .lowest", "1,200.00").await;
    into_view(&phone, "td.price").await;
    shot(&phone, "journey-4-visitor-promotion").await;
    phone
        .goto(&app.url("/en/products/bague-orage#zoom-2"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    shot(&phone, "journey-5-visitor-zoom").await;
    let _ = desk.close().await;
    let _ = phone.close().await;
}
