//! The basket over the API (BSK-1 … BSK-5, CAT-3), on both backends.

use crate::payment::{advance, run_jobs};
use crate::support::TestApp;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

/// A new activated customer's bearer token.
pub(crate) async fn customer_token(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "rubis et onyx", "given_name": "Ana", "family_name": "Lima",
                      "declares_adult_consumer": true});
    let (status, _) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!(status, 201);
    let mails = app
        .get_json(&format!(
            "/api/v1/test/outbox?to={}",
            email.replace('@', "%40")
        ))
        .await;
    let link = mails["items"][0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
    let (status, _) = app
        .post_json("/api/v1/accounts/activate", &json!({"token": token}))
        .await;
    assert_eq!(status, 200);
    let (status, login) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": email, "password": "rubis et onyx"}),
        )
        .await;
    assert_eq!(status, 201);
    login["token"].as_str().unwrap_or_default().to_owned()
}

pub(crate) async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = match method {
        "POST" => app.client.post(app.url(path)),
        "PATCH" => app.client.patch(app.url(path)),
        "PUT" => app.client.put(app.url(path)),
        "DELETE" => app.client.delete(app.url(path)),
        _ => app.client.get(app.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// Adds `quantity` of a piece to the customer's basket.
pub(crate) async fn add(app: &TestApp, token: &str, sku: &str, quantity: u32) -> (u16, Value) {
    let body = json!({"sku": sku, "quantity": quantity});
    call(app, "POST", "/api/v1/basket/items", token, Some(body)).await
}

/// The first variant of a product that can be bought (or the first one, when `sold_out`).
pub(crate) async fn sku(app: &TestApp, slug: &str, _index: usize) -> String {
    let p = app.get_json(&format!("/api/v1/products/{slug}")).await;
    let variants = p["variants"].as_array().cloned().unwrap_or_default();
    variants
        .iter()
        .find(|v| v["availability"] != "sold_out")
        .or(variants.first())
        .and_then(|v| v["sku"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Checks BSK-1, BSK-2, BSK-3, BSK-4.
#[tokio::test]
async fn bsk_4_a_customer_fills_changes_and_empties_a_basket() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = customer_token(&app, "ana@example.fr").await;
        let ring = sku(&app, "jonc-trait", 0).await;
        let medal = sku(&app, "medaille-gravee-signature", 0).await;

        let (status, b) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": ring, "quantity": 2})),
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {b}");
        assert_eq!(b["units"], 2);
        assert!(b["expires_at"].is_string());
        let (status, b) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": medal, "quantity": 1, "personalisation": "Pour Léa 💎"})),
        )
        .await;
        assert_eq!(status, 201, "{b}");
        assert_eq!(b["lines"][1]["personalisation"], "Pour Léa 💎");
        let total = b["lines"][0]["line_total"]["amount"].as_i64().unwrap_or(0)
            + b["lines"][1]["line_total"]["amount"].as_i64().unwrap_or(0);
        assert_eq!(b["total"]["amount"].as_i64(), Some(total));

        // BSK-1 and BSK-2 through the API.
        let (status, b) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": ring, "quantity": 19})),
        )
        .await;
        assert_eq!(
            (status, b["code"].as_str()),
            (422, Some("basket_limit_identical")),
            "{b}"
        );

        let (_, current) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        let ring_line = current["lines"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, b) = call(
            &app,
            "PATCH",
            &format!("/api/v1/basket/items/{ring_line}"),
            &token,
            Some(json!({"quantity": 5})),
        )
        .await;
        assert_eq!((status, b["units"].as_u64()), (200, Some(6)), "{b}");
        let (status, b) = call(
            &app,
            "DELETE",
            &format!("/api/v1/basket/items/{ring_line}"),
            &token,
            None,
        )
        .await;
        assert_eq!((status, b["units"].as_u64()), (200, Some(1)));
        let (status, b) = call(
            &app,
            "DELETE",
            "/api/v1/basket/items/lin_nothing",
            &token,
            None,
        )
        .await;
        assert_eq!((status, b["code"].as_str()), (404, Some("not_found")));

        // Another customer sees none of it and cannot touch it.
        let other = customer_token(&app, "bruno@example.fr").await;
        let (_, theirs) = call(&app, "GET", "/api/v1/basket", &other, None).await;
        assert_eq!(theirs["units"], 0);
        let medal_line = current["lines"][1]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, _) = call(
            &app,
            "PATCH",
            &format!("/api/v1/basket/items/{medal_line}"),
            &other,
            Some(json!({"quantity": 3})),
        )
        .await;
        assert_eq!(status, 404, "another customer's line is not found");

        // BSK-3: 45 minutes after the last addition the basket is gone.
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "PT46M"}))
            .await;
        assert_eq!(status, 200);
        let (_, b) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!(b["units"], 0, "{db:?}: {b}");
        let (status, b) = call(
            &app,
            "PATCH",
            &format!("/api/v1/basket/items/{medal_line}"),
            &token,
            Some(json!({"quantity": 2})),
        )
        .await;
        assert_eq!(
            (status, b["code"].as_str()),
            (422, Some("basket_expired")),
            "{b}"
        );
    }
}

/// Checks CAT-3, BSK-4.
#[tokio::test]
async fn cat_3_only_pieces_on_sale_and_engravings_where_allowed() {
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "atelier").await;
    let token = customer_token(&app, "eva@example.fr").await;
    let sold_out = sku(&app, "solitaire-ovale-lumiere", 0).await;
    for (body, code) in [
        (json!({"sku": sold_out, "quantity": 1}), "unavailable"),
        (json!({"sku": "NO-SUCH-SKU", "quantity": 1}), "unavailable"),
        (
            json!({"sku": sku(&app, "jonc-trait", 0).await, "quantity": 1, "personalisation": "Eva"}),
            "not_personalisable",
        ),
        (
            json!({"sku": sku(&app, "jonc-grave-signature", 0).await, "quantity": 1, "personalisation": "x".repeat(25)}),
            "personalisation_too_long",
        ),
    ] {
        let (status, b) = call(&app, "POST", "/api/v1/basket/items", &token, Some(body)).await;
        assert_eq!((status, b["code"].as_str()), (422, Some(code)), "{b}");
    }
    let (status, b) = call(
        &app,
        "POST",
        "/api/v1/basket/items",
        &token,
        Some(json!({"sku": "X", "quantity": -1})),
    )
    .await;
    assert_eq!(
        (status, b["code"].as_str()),
        (400, Some("validation_failed"))
    );
    let (status, _) = call(&app, "GET", "/api/v1/basket", "not-a-token", None).await;
    assert_eq!(status, 401);
}

/// Checks BSK-4: a customer's first additions sent at once (two tabs, a double click)
/// create one basket holding every piece; none is refused or lost.
#[tokio::test]
async fn bsk_4_first_additions_at_once_make_one_basket() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = customer_token(&app, "ana@example.fr").await;
        let list = app.get_json("/api/v1/products?page%5Bsize%5D=8").await;
        let mut skus = Vec::new();
        for item in list["items"].as_array().cloned().unwrap_or_default() {
            skus.push(sku(&app, item["slug"].as_str().unwrap_or_default(), 0).await);
        }
        assert_eq!(skus.len(), 8);
        let mut tries = tokio::task::JoinSet::new();
        for piece in skus {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/basket/items"),
                token.clone(),
            );
            tries.spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"sku": piece, "quantity": 1}))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                res.status().as_u16()
            });
        }
        let statuses = tries.join_all().await;
        assert!(statuses.iter().all(|s| *s == 201), "{db:?}: {statuses:?}");
        let (_, basket) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!(basket["units"], 8, "{db:?}: {basket}");
    }
}

/// Checks BSK-3: the job runner empties a basket once it has expired, 45 minutes after the
/// last piece was added (not the first): due earlier, its job waits for the new expiry. A
/// basket that became an order takes its job with it.
#[tokio::test]
async fn bsk_3_an_expired_basket_is_emptied_by_the_job_runner() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = crate::checkout::ready_customer(&app, "ines@example.fr", "jonc-trait", 1).await;
        let customer = app
            .app
            .store
            .customer_by_email("ines@example.fr")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{db:?}: no customer"));
        let owner = ecrin_store::BasketOwner::Customer(customer.id.clone());
        let stored = || async {
            app.app
                .store
                .basket_of(&owner)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let medal = sku(&app, "medaille-gravee-signature", 0).await;
        let ring = sku(&app, "jonc-trait", 0).await;

        advance(&app, "PT30M").await;
        let (status, b) = add(&app, &token, &medal, 1).await;
        assert_eq!(status, 201, "{db:?}: {b}");
        // 50 minutes after the first piece, 20 after the last: not expired, kept.
        advance(&app, "PT20M").await;
        assert_eq!(run_jobs(&app).await, 0, "{db:?}");
        let kept = stored()
            .await
            .unwrap_or_else(|| panic!("{db:?}: gone early"));
        assert_eq!(kept.basket.lines.len(), 2, "{db:?}");
        // 46 minutes after the last: the job empties it.
        advance(&app, "PT26M").await;
        assert_eq!(run_jobs(&app).await, 1, "{db:?}");
        assert!(stored().await.is_none(), "{db:?}: still stored");
        let (status, b) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!((status, b["units"].as_i64()), (200, Some(0)), "{db:?}: {b}");
        assert_eq!(run_jobs(&app).await, 0, "{db:?}: done once");

        // A new basket, ordered within its time: nothing is left to expire.
        let (status, b) = add(&app, &token, &ring, 1).await;
        assert_eq!(status, 201, "{db:?}: {b}");
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(status, 201, "{db:?}: {s}");
        let (status, o) = crate::checkout::order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{db:?}: {o}");
        assert!(
            stored().await.is_none(),
            "{db:?}: the ordered basket remains"
        );
        advance(&app, "PT2H").await;
        assert_eq!(run_jobs(&app).await, 0, "{db:?}: a job outlived its basket");
    }
}
