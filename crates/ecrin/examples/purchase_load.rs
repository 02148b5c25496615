//! The whole purchase as a load, for `scripts/bench.sh`: each virtual customer, again and
//! again, puts a piece in the basket, asks for the priced summary, places the order,
//! pays it with the sandbox's test card (`POST /api/v1/test/payments/{number}`, which goes
//! through the provider's pages and its signed callback as a browser would) and reads the
//! confirmed order. Requests are spread over several servers when several are given.
//!
//! ```text
//! purchase_load BASES TOKENS_FILE SKUS CONCURRENCY SECONDS OUT_FILE
//!   BASES        http://127.0.0.1:8080[,http://127.0.0.1:8081…]
//!   TOKENS_FILE  a JSON list of customers' bearer tokens, each with a default address
//!   SKUS         pieces to buy, comma-separated
//!   OUT_FILE     where the completed orders' numbers, invoices and pieces go (JSON lines)
//! ```
//!
//! It prints completed orders per second, the p50/p99 latency of each step and of every
//! request, and whether the invoice numbers run without a gap.
//!
//! With `PURCHASE_ACKS=FILE`, every answer the shop gave that a customer would hold it to
//! is appended to FILE at once, one line each: `order NUMBER` when an order was placed
//! (201), `paid NUMBER` when its payment was answered (200). `scripts/faults.sh` checks
//! them against the database after killing the shop under this load. A request that finds
//! no server (killed, restarting) is counted an error and the customer waits 20 ms.
//!
//! With `PURCHASE_PAY=stripe` or `lyra`, the shop takes cards through that provider (its
//! stand-in, `crates/ecrin/tests/standins/`): the customer follows the order's payment link
//! to the provider's page, pays there (`paid NUMBER` once the provider has taken the
//! money), and waits for the order to be confirmed by the provider's notification.
//!
//! The load runs on the same cores as the shop, so it is kept light: it reads from each
//! answer only the fields it needs, and allocates with mimalloc as the shop does.

use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const STEPS: [&str; 5] = [
    "POST /api/v1/basket/items",
    "POST /api/v1/checkout",
    "POST /api/v1/orders",
    "POST /api/v1/test/payments/{number}",
    "GET /api/v1/orders/{number}",
];

#[derive(Default)]
struct Tally {
    /// Microseconds per request, per step.
    latencies: [Vec<u32>; 5],
    completed: u64,
    sold_out: u64,
    errors: Vec<String>,
    /// Completed orders: (number, invoice number, sku).
    orders: Vec<(String, String, String)>,
}

struct Customer {
    client: reqwest::Client,
    base: String,
    token: String,
    /// The card paid on a provider's page (Stripe's or Lyra's stand-in) rather than by the
    /// sandbox's test payment.
    hosted_card: Option<&'static str>,
}

#[derive(Deserialize)]
struct ToPay {
    payment: PaymentStep,
}

#[derive(Deserialize)]
struct PaymentStep {
    next_action: Option<NextAction>,
}

#[derive(Deserialize)]
struct NextAction {
    url: String,
}

/// An answer: its status, its body and how long it took.
struct Answer {
    status: u16,
    body: Vec<u8>,
    us: u32,
    /// Where a redirect sends the customer.
    location: Option<String>,
}

impl Answer {
    /// The fields of the body that `T` names; `None` when the body does not hold them.
    fn read<T: for<'de> Deserialize<'de>>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text, for an error message.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The fields of a priced summary the next step needs.
#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    id: String,
    #[serde(default)]
    can_order: bool,
    #[serde(default)]
    terms: Terms,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize, Default)]
struct Terms {
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct Placed {
    number: String,
}

#[derive(Deserialize)]
struct Seen {
    status: String,
    invoice: Option<Invoice>,
}

#[derive(Deserialize)]
struct Invoice {
    number: String,
}

#[derive(Deserialize)]
struct Basket {
    #[serde(default)]
    lines: Vec<BasketLine>,
}

#[derive(Deserialize)]
struct BasketLine {
    id: String,
}

impl Customer {
    async fn call(&self, method: &str, path: &str, body: Option<String>) -> Answer {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url),
        }
        .bearer_auth(&self.token);
        let req = match body {
            Some(b) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b),
            None => req,
        };
        let t0 = Instant::now();
        let (status, body, location) = match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (
                    status,
                    r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                    location,
                )
            }
            Err(e) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                (0, e.to_string().into_bytes(), None)
            }
        };
        let us = u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX);
        Answer {
            status,
            body,
            us,
            location,
        }
    }

    /// Empties the basket (after a piece sold out under the customer's nose).
    async fn clear_basket(&self) {
        let basket = self.call("GET", "/api/v1/basket", None).await;
        for line in basket.read::<Basket>().map(|b| b.lines).unwrap_or_default() {
            self.call("DELETE", &format!("/api/v1/basket/items/{}", line.id), None)
                .await;
        }
    }
}

/// The file of `PURCHASE_ACKS`, if set.
static ACKS: std::sync::OnceLock<Option<std::sync::Mutex<std::fs::File>>> =
    std::sync::OnceLock::new();

/// Appends `line` to the acknowledgements file at once.
fn acknowledged(line: &str) {
    let file = ACKS.get_or_init(|| {
        let path = std::env::var("PURCHASE_ACKS").ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(std::sync::Mutex::new)
    });
    if let Some(f) = file
        && let Ok(mut f) = f.lock()
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Pays order `number` with `card` on the provider's page: the order's payment link,
/// followed to the page, and the card posted there; the provider has taken the money once
/// it sends the customer back.
async fn hosted_pay(c: &Customer, number: &str, card: &str) -> Result<(), String> {
    let a = c
        .call("GET", &format!("/api/v1/orders/{number}"), None)
        .await;
    let link = a
        .read::<ToPay>()
        .and_then(|o| o.payment.next_action)
        .map(|n| n.url)
        .ok_or_else(|| format!("no payment link {}: {}", a.status, a.text()))?;
    // The link names the shop's public address; this customer's server answers it.
    let path = link.splitn(4, '/').nth(3).unwrap_or_default();
    let a = c.call("GET", &format!("/{path}"), None).await;
    let page = (a.status == 303)
        .then(|| a.location.clone())
        .flatten()
        .ok_or_else(|| format!("payment link {}: {}", a.status, a.text()))?;
    let paid = c
        .client
        .post(&page)
        .form(&[("card", card)])
        .send()
        .await
        .map_err(|e| format!("the provider's page: {e}"))?;
    if paid.status().as_u16() != 303 {
        return Err(format!("the provider's page {}", paid.status()));
    }
    acknowledged(&format!("paid {number}"));
    Ok(())
}

/// One purchase; `Ok(None)` when the piece sold out on the way (PAY-5 refused it).
async fn purchase(
    c: &Customer,
    sku: &str,
    latencies: &mut [Vec<u32>; 5],
) -> Result<Option<(String, String)>, String> {
    let body = json!({"sku": sku, "quantity": 1}).to_string();
    let a = c.call("POST", "/api/v1/basket/items", Some(body)).await;
    latencies[0].push(a.us);
    if a.status == 409 || a.status == 422 {
        return Ok(None);
    }
    if a.status != 201 {
        return Err(format!("basket {}: {}", a.status, a.text()));
    }
    let a = c
        .call("POST", "/api/v1/checkout", Some("{}".to_owned()))
        .await;
    latencies[1].push(a.us);
    let summary = a.read::<Summary>();
    // CAT-3: the piece sold out between the basket and the summary.
    if a.status == 422 && summary.as_ref().is_some_and(|s| s.code == "unavailable") {
        c.clear_basket().await;
        return Ok(None);
    }
    let summary = match summary {
        Some(s) if a.status == 201 => s,
        _ => return Err(format!("checkout {}: {}", a.status, a.text())),
    };
    if !summary.can_order {
        c.clear_basket().await;
        return Ok(None);
    }
    let body = json!({"checkout_id": summary.id, "accept_terms": true,
                      "terms_version": summary.terms.version,
                      "confirm_obligation_to_pay": true, "payment_method": "card"})
    .to_string();
    let a = c.call("POST", "/api/v1/orders", Some(body)).await;
    latencies[2].push(a.us);
    if a.status == 409 {
        c.clear_basket().await;
        return Ok(None);
    }
    let number = match a.read::<Placed>() {
        Some(p) if a.status == 201 => p.number,
        _ => return Err(format!("order {}: {}", a.status, a.text())),
    };
    acknowledged(&format!("order {number}"));
    if let Some(card) = c.hosted_card {
        let t0 = Instant::now();
        hosted_pay(c, &number, card).await?;
        latencies[3].push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
    } else {
        let a = c
            .call(
                "POST",
                &format!("/api/v1/test/payments/{number}"),
                Some(r#"{"card": "4242424242424242"}"#.to_owned()),
            )
            .await;
        latencies[3].push(a.us);
        if a.status != 200 {
            return Err(format!("payment {}: {}", a.status, a.text()));
        }
        acknowledged(&format!("paid {number}"));
    }
    // Through a provider, the order is confirmed by its notification: a moment after the
    // payment.
    let mut a = c
        .call("GET", &format!("/api/v1/orders/{number}"), None)
        .await;
    let waited = Instant::now();
    while c.hosted_card.is_some()
        && waited.elapsed() < Duration::from_secs(20)
        && !a
            .read::<Seen>()
            .is_some_and(|s| a.status == 200 && s.status == "being_prepared")
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        a = c
            .call("GET", &format!("/api/v1/orders/{number}"), None)
            .await;
    }
    latencies[4].push(a.us);
    let seen = match a.read::<Seen>() {
        Some(seen) if a.status == 200 && seen.status == "being_prepared" => seen,
        _ => return Err(format!("confirmation {}: {}", a.status, a.text())),
    };
    match seen.invoice {
        Some(invoice) if !invoice.number.is_empty() => Ok(Some((number, invoice.number))),
        _ => Err(format!("order {number} paid without an invoice")),
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        eprintln!("usage: purchase_load BASES TOKENS_FILE SKUS CONCURRENCY SECONDS OUT_FILE");
        std::process::exit(2);
    }
    let bases: Vec<String> = args[1].split(',').map(str::to_owned).collect();
    let tokens: Vec<String> = std::fs::read_to_string(&args[2])
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| {
            eprintln!("{}: not a JSON list of tokens", args[2]);
            std::process::exit(2);
        });
    let skus: Vec<String> = args[3].split(',').map(str::to_owned).collect();
    let concurrency: usize = args[4].parse().unwrap_or(32).min(tokens.len());
    let seconds: u64 = args[5].parse().unwrap_or(10);
    let out_file = args[6].clone();

    // Each virtual customer connects from an address of its own (127.0.1.x: all of
    // 127/8 is this machine), as customers of a real shop do; the shop's fraud check
    // (CHK-9) counts orders per client address.
    let client_for = |i: usize| {
        let host = u8::try_from(i % 250 + 1).unwrap_or(1);
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 1, host]))
            .timeout(Duration::from_secs(30))
            // Redirects are the customer's steps, followed one by one (Stripe's page).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| {
                eprintln!("{e}");
                std::process::exit(1);
            })
    };
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..concurrency {
        let customer = Customer {
            client: client_for(i),
            base: bases[i % bases.len()].clone(),
            token: tokens[i].clone(),
            hosted_card: match std::env::var("PURCHASE_PAY").as_deref() {
                Ok("stripe") => Some("4242424242424242"),
                Ok("lyra") => Some("4970100000000055"),
                _ => None,
            },
        };
        let skus = skus.clone();
        let tally = tally.clone();
        tasks.spawn(async move {
            let mut latencies: [Vec<u32>; 5] = Default::default();
            let mut done = Vec::new();
            let (mut sold_out, mut errors) = (0, Vec::new());
            let mut n = i;
            while Instant::now() < deadline {
                let sku = &skus[n % skus.len()];
                n += 1;
                match purchase(&customer, sku, &mut latencies).await {
                    Ok(Some((number, invoice))) => done.push((number, invoice, sku.clone())),
                    Ok(None) => sold_out += 1,
                    Err(e) => {
                        errors.push(e);
                        customer.clear_basket().await;
                    }
                }
            }
            let mut t = tally.lock().await;
            for (all, mine) in t.latencies.iter_mut().zip(latencies) {
                all.extend(mine);
            }
            t.completed += done.len() as u64;
            t.orders.extend(done);
            t.sold_out += sold_out;
            t.errors.extend(errors);
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let mut t = tally.lock().await;

    let mut all: Vec<u32> = t.latencies.iter().flatten().copied().collect();
    all.sort_unstable();
    println!(
        "completed orders: {} in {:.1} s = {:.0} orders/s ({} requests, {:.0} requests/s); \
         sold out on the way: {}; errors: {}",
        t.completed,
        elapsed,
        t.completed as f64 / elapsed,
        all.len(),
        all.len() as f64 / elapsed,
        t.sold_out,
        t.errors.len()
    );
    println!("| step | requests | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, lat) in STEPS.iter().zip(t.latencies.iter_mut()) {
        lat.sort_unstable();
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} |",
            lat.len(),
            percentile(lat, 0.50),
            percentile(lat, 0.99),
            percentile(lat, 1.0)
        );
    }
    println!(
        "| every request | {} | {:.2} | {:.2} | {:.2} |",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        percentile(&all, 1.0)
    );
    for e in t.errors.iter().take(5) {
        println!("error: {e}");
    }
    // INV-2: the invoices of this run, in order, without a gap or a duplicate.
    let mut seqs: Vec<u64> = t
        .orders
        .iter()
        .filter_map(|(_, inv, _)| inv.trim_start_matches('F').parse().ok())
        .collect();
    seqs.sort_unstable();
    let unique = seqs.windows(2).all(|w| w[0] != w[1]);
    let gapless = seqs.windows(2).all(|w| w[1] == w[0] + 1);
    println!(
        "invoices: {} numbered {}…{}, {}",
        seqs.len(),
        seqs.first().copied().unwrap_or(0),
        seqs.last().copied().unwrap_or(0),
        if unique && gapless {
            "no gap, no duplicate"
        } else {
            "GAP OR DUPLICATE"
        }
    );
    if let Ok(mut f) = std::fs::File::create(&out_file) {
        for (number, invoice, sku) in &t.orders {
            let _ = writeln!(
                f,
                "{}",
                json!({"number": number, "invoice": invoice, "sku": sku})
            );
        }
    }
    if !(unique && gapless && t.errors.is_empty()) {
        std::process::exit(1);
    }
}
