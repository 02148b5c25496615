//! Invoices (INV-2, INV-4): one unbroken sequence per merchant, even when orders are paid
//! at the same moment, on both backends.

use crate::basket::sku;
use crate::checkout::restock;
use crate::support::TestApp;
use ecrin_app::checkout::{CheckoutInput, Confirmation};
use ecrin_app::privacy::AddressForm;
use ecrin_core::account::AccountStatus;
use ecrin_store::{BasketOwner, Customer};
use ecrin_store_tests::BOTH;

/// A customer with an address in Milan and the piece in the basket, placed straight in
/// the store (their password is not the point here).
async fn buyer(app: &TestApp, i: usize, piece: &str) -> String {
    let a = &app.app;
    let id = format!("cus_invoice_{i:03}");
    let email = format!("buyer{i}@example.it");
    let mut tx = a.store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.insert_customer(
        &Customer {
            id: id.clone(),
            email: email.clone(),
            password_hash: String::new(),
            title: String::new(),
            given_name: "Bianca".into(),
            family_name: format!("Rossi {i}"),
            phone: "+39 02 1234 5678".into(),
            language: "it".into(),
            status: AccountStatus::Active,
            created_at_ms: 1,
            activated_at_ms: Some(1),
        },
        &email,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    ecrin_app::privacy::add_address(
        a,
        &id,
        AddressForm {
            given_name: "Bianca".into(),
            family_name: "Rossi".into(),
            line1: "Via Brera 12".into(),
            postcode: "20121".into(),
            city: "Milano".into(),
            country: "IT".into(),
            phone: "+39 02 1234 5678".into(),
            ..AddressForm::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    ecrin_app::basket::add_item(a, &BasketOwner::Customer(id.clone()), piece, 1, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    id
}

/// Checks INV-2, INV-4: two hundred orders paid at the same moment get the invoice
/// numbers 1 to 200 of the merchant's sequence, none missing, none twice, each order one;
/// contracts of 120 € or more are marked for archiving.
#[tokio::test]
async fn inv_2_two_hundred_orders_paid_at_once_are_numbered_without_gap() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let piece = sku(&app, "jonc-rivage", 0).await;
        restock(&app, &piece, 1_000).await;
        let mut placed = Vec::new();
        for i in 0..200 {
            let id = buyer(&app, i, &piece).await;
            let s = ecrin_app::checkout::checkout(&app.app, &id, &CheckoutInput::default())
                .await
                .unwrap_or_else(|e| panic!("{db:?} {i}: {e}"));
            let order = ecrin_app::checkout::place_order(
                &app.app,
                &id,
                &Confirmation {
                    checkout_id: s.id.clone(),
                    accept_terms: true,
                    terms_version: s.terms.version.clone(),
                    confirm_obligation_to_pay: true,
                    payment_method: "bank_transfer".into(),
                    // CHK-9 counts orders per client address: each buyer has their own.
                    ip: format!("10.0.{}.{}", i / 200, i % 200 + 1),
                    user_agent: "invoice test".into(),
                    idempotency: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{db:?} {i}: {e}"))
            .order;
            placed.push((order.number, order.id, order.total));
        }
        let mut paying = tokio::task::JoinSet::new();
        for (number, _, total) in &placed {
            let (a, number, total) = (app.app.clone(), number.clone(), *total);
            paying.spawn(
                async move { ecrin_app::payment::credit_transfer(&a, &number, total).await },
            );
        }
        for paid in paying.join_all().await {
            paid.unwrap_or_else(|e| panic!("{db:?}: {e}"));
        }
        let invoices = app
            .app
            .store
            .invoices()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let seqs: Vec<i64> = invoices.iter().map(|i| i.seq).collect();
        assert_eq!(seqs, (1..=200).collect::<Vec<i64>>(), "{db:?}");
        let numbers: std::collections::BTreeSet<&str> =
            invoices.iter().map(|i| i.number.as_str()).collect();
        assert_eq!(numbers.len(), 200, "{db:?}");
        assert_eq!(invoices[0].number, "F000001", "{db:?}");
        let orders: std::collections::BTreeSet<&str> =
            invoices.iter().map(|i| i.order_id.as_str()).collect();
        let expected: std::collections::BTreeSet<&str> =
            placed.iter().map(|(_, id, _)| id.as_str()).collect();
        assert_eq!(orders, expected, "{db:?}");
        // INV-4: a ring at 340 € is a contract to archive.
        assert!(
            invoices.iter().all(|i| i.archive && i.total >= 12_000),
            "{db:?}"
        );
    }
}
