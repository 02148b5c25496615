//! The storage story: every store function, run against SQLite and against PostgreSQL,
//! with the same expectations, so the two backends never drift.

use ecrin_app::{App, TestClock};
use ecrin_core::catalogue::{Availability, Category, Slug};
use ecrin_core::query::CatalogueQuery;
use ecrin_store::{BasketOwner, Store, StoreError};
use ecrin_store_tests::{BOTH, Db, Fresh};
use std::sync::Arc;

/// A count by the house, for the stock journal.
const STAFF_COUNT: ecrin_store::StockMove<'static> = ecrin_store::StockMove {
    reason: "staff",
    reference: None,
    at_ms: 1_900_000_000_000,
};

async fn demo_shop(db: Db) -> (Fresh, Arc<dyn Store>, App) {
    let fresh = Fresh::new(db).await;
    let store = fresh.open().await;
    let profile = ecrin_app::profiles::load("paris").unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(
        store.clone(),
        Arc::new(profile),
        Arc::new(TestClock::new()),
        "http://shop.test".into(),
    );
    let n = ecrin_app::catalogue::seed_demo(&app)
        .await
        .unwrap_or_else(|e| panic!("{db:?}: {e}"));
    assert_eq!(n, 63);
    (fresh, store, app)
}

fn q(pairs: &[(&str, &str)]) -> CatalogueQuery {
    CatalogueQuery::parse(pairs.iter().copied()).unwrap_or_else(|e| panic!("{e:?}"))
}

async fn slugs(store: &dyn Store, pairs: &[(&str, &str)]) -> Vec<String> {
    let mut query = q(pairs);
    query.page_size = 100;
    let page = store
        .list_products(&query)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    page.items.into_iter().map(|p| p.slug).collect()
}

/// Checks CAT-5.
#[tokio::test]
async fn cat_5_pages_walk_the_whole_catalogue_once() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        assert_eq!(store.count_products().await.ok(), Some(63));
        let mut query = q(&[("page[size]", "24")]);
        let mut seen = Vec::new();
        loop {
            let page = store
                .list_products(&query)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(page.total, 63, "{db:?}");
            assert!(page.items.len() <= 24);
            seen.extend(page.items.iter().map(|p| p.slug.clone()));
            match page.next_after {
                Some(after) => query.after = Some(after),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 63, "{db:?}");
        assert_eq!(unique.len(), 63, "{db:?}");
    }
}

/// Checks CAT-5.
#[tokio::test]
async fn cat_5_filters_and_facets_agree() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let all = store
            .list_products(&q(&[]))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Facet counts are what filtering by that value returns.
        for f in &all.facets.collection {
            let n = slugs(store.as_ref(), &[("collection", &f.value)])
                .await
                .len() as i64;
            assert_eq!(n, f.count, "{db:?} collection {}", f.value);
        }
        for f in &all.facets.material {
            let n = slugs(store.as_ref(), &[("material", &f.value)]).await.len() as i64;
            assert_eq!(n, f.count, "{db:?} material {}", f.value);
        }
        for f in &all.facets.stone {
            let n = slugs(store.as_ref(), &[("stone", &f.value)]).await.len() as i64;
            assert_eq!(n, f.count, "{db:?} stone {}", f.value);
        }
        let total: i64 = all.facets.availability.iter().map(|f| f.count).sum();
        assert_eq!(total, 63);

        // CAT-2: the signature collection is custom-made, made to order.
        let mut sig = q(&[("collection", "signature")]);
        sig.page_size = 100;
        let page = store
            .list_products(&sig)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.items.len(), 10);
        assert!(
            page.items.iter().all(|p| p.category == Category::CustomMade
                && p.availability == Availability::MadeToOrder)
        );

        // Price range on the lowest variant price, inclusive.
        let mut ranged = q(&[("min_price", "100000"), ("max_price", "200000")]);
        ranged.page_size = 100;
        let page = store
            .list_products(&ranged)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!page.items.is_empty());
        assert!(
            page.items
                .iter()
                .all(|p| (100_000..=200_000).contains(&p.price_from)),
            "{db:?}"
        );

        // CAT-3: the sold-out piece is listed as sold out.
        let sold = slugs(store.as_ref(), &[("availability", "sold_out")]).await;
        assert!(
            sold.contains(&"solitaire-ovale-lumiere".to_owned()),
            "{db:?} {sold:?}"
        );
        let mto = slugs(store.as_ref(), &[("availability", "made_to_order")]).await;
        assert!(mto.len() >= 18, "{db:?} {}", mto.len());
    }
}

/// Checks CAT-5.
#[tokio::test]
async fn cat_5_full_text_search_ignores_case_and_accents_on_both_backends() {
    let mut results = Vec::new();
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let s = store.as_ref();
        let emerald = slugs(s, &[("q", "émeraude")]).await;
        assert!(
            emerald.contains(&"bague-emeraude-heritage".to_owned()),
            "{db:?} {emerald:?}"
        );
        assert_eq!(slugs(s, &[("q", "EMERAUDE")]).await, emerald, "{db:?}");
        assert_eq!(
            slugs(s, &[("q", "emerald")]).await.len(),
            emerald.len(),
            "{db:?}"
        );
        // Prefix search and several words (all must match).
        let sapph = slugs(s, &[("q", "saph")]).await;
        assert!(
            sapph.contains(&"bague-saphir-heritage".to_owned()),
            "{db:?}"
        );
        let both = slugs(s, &[("q", "bague saphir")]).await;
        assert!(both.iter().all(|x| sapph.contains(x)));
        assert!(both.len() < sapph.len(), "{db:?}");
        // Search and filters combine.
        let pearl_gold = slugs(s, &[("q", "perle"), ("material", "white-gold")]).await;
        assert!(!pearl_gold.is_empty());
        // Hostile input finds nothing and breaks nothing.
        assert!(
            slugs(s, &[("q", "\"'*) OR xyzzy=1; DROP TABLE products --")])
                .await
                .is_empty(),
            "{db:?}"
        );
        assert!(slugs(s, &[("q", "zzzzqqq")]).await.is_empty());
        results.push((emerald, sapph, both, pearl_gold));
    }
    assert_eq!(
        results[0], results[1],
        "SQLite and PostgreSQL must find the same pieces"
    );
}

/// Checks CAT-1, CAT-4, CAT-7.
#[tokio::test]
async fn cat_1_cat_4_cat_7_products_carry_variants_and_price_history() {
    for db in BOTH {
        let (_f, store, app) = demo_shop(db).await;
        let p = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten();
        let Some(p) = p else {
            panic!("{db:?}: solitaire missing")
        };
        assert_eq!(p.variants.len(), 8, "two metals in four sizes");
        assert!(p.variants.iter().all(|v| v.weight_grams > 0 && v.price > 0));
        assert!(
            p.description.fr.contains("Platine 950") || p.description.fr.contains("platine 950")
        );
        assert!(
            store
                .product_by_slug("no-such-piece")
                .await
                .ok()
                .flatten()
                .is_none()
        );

        // A reduced piece: list price kept, two prices in the history, and CAT-7's
        // reference price is the list price.
        let view = ecrin_app::catalogue::show_product(&app, "demi-alliance-lumiere")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let v = &view.variants[0];
        assert_eq!(v.variant.price_history.len(), 2, "{db:?}");
        let list = v.variant.list_price.unwrap_or_default();
        assert!(list > v.variant.price);
        assert_eq!(v.reference_price, Some(list));
    }
}

/// Checks CAT-4.
#[tokio::test]
async fn cat_4_stock_and_price_changes_bump_the_catalogue_version() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let before = store.catalogue_version().await.unwrap_or_default();
        let sku = "LUM-001-RG-PT-50";
        let p = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten();
        let real_sku = p
            .as_ref()
            .map(|p| p.variants[0].sku.clone())
            .unwrap_or(sku.to_owned());
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let why = ecrin_store::StockMove {
            reason: "staff",
            reference: None,
            at_ms: 1_900_000_000_000,
        };
        tx.set_stock(&real_sku, 0, &why)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.set_price(&real_sku, 300_000, Some(345_000), 1_900_000_000_000)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.bump_catalogue_version()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.catalogue_version().await.ok(),
            Some(before + 1),
            "{db:?}"
        );
        let p = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten();
        let v = p.map(|p| p.variants[0].clone());
        assert_eq!(
            v.as_ref().map(|v| v.availability),
            Some(Availability::SoldOut)
        );
        assert_eq!(v.as_ref().map(|v| v.price), Some(300_000));
        // The list follows: a price below every other makes the product's "from" price,
        // and a piece with no unit left in any variant is sold out.
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.set_price(&real_sku, 1_000, None, 1_900_000_000_001)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pearl = store
            .product_by_slug("bague-perle-rivage")
            .await
            .ok()
            .flatten();
        for v in pearl.map(|p| p.variants).unwrap_or_default() {
            tx.set_stock(&v.sku, 0, &STAFF_COUNT)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            slugs(store.as_ref(), &[("max_price", "1000")]).await,
            ["solitaire-lumiere"],
            "{db:?}"
        );
        let sold = slugs(store.as_ref(), &[("availability", "sold_out")]).await;
        assert!(
            sold.contains(&"bague-perle-rivage".to_owned()),
            "{db:?}: {sold:?}"
        );

        // An unknown SKU is NotFound, and a rolled-back transaction leaves nothing.
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            tx.set_stock("NO-SUCH-SKU", 3, &STAFF_COUNT).await,
            Err(StoreError::NotFound)
        ));
        tx.set_stock(&real_sku, 7, &STAFF_COUNT)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        drop(tx);
        let p = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten();
        assert_eq!(
            p.map(|p| p.variants[0].on_hand),
            Some(0),
            "{db:?}: rollback"
        );
    }
}

/// Checks CAT-1.
#[tokio::test]
async fn cat_1_a_second_product_with_the_same_slug_is_a_named_constraint() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let mut dup = ecrin_app::demo::products()[0].product.clone();
        dup.id = "prd_dup".into();
        dup.position = 99_999;
        for v in &mut dup.variants {
            v.sku = format!("DUP-{}", v.sku);
        }
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let err = tx.insert_product(&dup, 0).await.err();
        match err {
            Some(StoreError::Constraint { constraint }) => {
                assert!(constraint.contains("slug"), "{db:?}: {constraint}")
            }
            other => panic!("{db:?}: {other:?}"),
        }
    }
}

/// Checks GTS-1.
#[tokio::test]
async fn gts_1_the_terms_in_force_follow_their_effective_date() {
    for db in BOTH {
        let (_f, store, app) = demo_shop(db).await;
        let now = ecrin_app::Clock::now_ms(app.clock.as_ref());
        let v1 = store.terms_in_force(now).await.ok().flatten();
        assert_eq!(
            v1.as_ref().map(|v| v.version.as_str()),
            Some("1.0"),
            "{db:?}"
        );
        assert!(v1.as_ref().is_some_and(|v| v.body.fr.contains("Article 1")));
        let mut v2 = ecrin_app::terms::first_version(&app.profile, now + 86_400_000);
        v2.version = "2.0".into();
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.insert_terms_version(&v2)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let today = store
            .terms_in_force(now)
            .await
            .ok()
            .flatten()
            .map(|v| v.version);
        let tomorrow = store
            .terms_in_force(now + 2 * 86_400_000)
            .await
            .ok()
            .flatten()
            .map(|v| v.version);
        assert_eq!(today.as_deref(), Some("1.0"), "{db:?}");
        assert_eq!(tomorrow.as_deref(), Some("2.0"), "{db:?}");
        // Before anything was published there are no terms.
        assert!(store.terms_in_force(0).await.ok().flatten().is_none());
    }
}

#[tokio::test]
async fn references_list_collections_materials_and_stones_in_order() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let c = store.collections().await.unwrap_or_default();
        assert_eq!(
            c.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(),
            [
                "lumiere",
                "rivage",
                "constellation",
                "heritage",
                "trait",
                "signature"
            ]
        );
        assert_eq!(store.materials().await.unwrap_or_default().len(), 5);
        assert_eq!(store.stones().await.unwrap_or_default().len(), 8);
        assert!(c.iter().all(|r| Slug::parse(&r.slug).is_some()));
        store.ping().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Checks PRV-8.
#[tokio::test]
async fn prv_8_staff_accounts_have_one_role_and_one_address() {
    use ecrin_core::account::Role;
    for db in BOTH {
        let (_f, store, app) = demo_shop(db).await;
        assert_eq!(store.count_staff().await.ok(), Some(0));
        assert!(
            ecrin_app::staff::ensure_first_admin(
                &app,
                "Admin@Maison.example",
                "a long admin secret"
            )
            .await
            .unwrap_or(false)
        );
        assert!(
            !ecrin_app::staff::ensure_first_admin(&app, "admin@maison.example", "another secret!!")
                .await
                .unwrap_or(true),
            "created once"
        );
        let clerk = ecrin_app::staff::create_staff(
            &app,
            "clerk@maison.example",
            "Léa Martin",
            Role::Warehouse,
            "parcel-and-tape-42",
        )
        .await
        .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        assert_eq!(clerk.role, Role::Warehouse);
        assert!(
            clerk
                .password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            clerk.password_hash
        );
        let again = ecrin_app::staff::create_staff(
            &app,
            "CLERK@maison.example",
            "Other",
            Role::Admin,
            "parcel-and-tape-43",
        )
        .await;
        assert!(
            matches!(again, Err(ecrin_app::AppError::Refused(ref r)) if r.code == "conflict"),
            "{again:?}"
        );
        let weak = ecrin_app::staff::create_staff(
            &app,
            "new@maison.example",
            "New",
            Role::Accountant,
            "short",
        )
        .await;
        assert!(
            matches!(weak, Err(ecrin_app::AppError::Refused(ref r)) if r.code == "weak_password")
        );
        assert_eq!(store.count_staff().await.ok(), Some(2), "{db:?}");
        let ok = ecrin_app::staff::authenticate(&app, "clerk@MAISON.example", "parcel-and-tape-42")
            .await
            .ok()
            .flatten();
        assert_eq!(ok.map(|s| s.role), Some(Role::Warehouse));
        assert!(
            ecrin_app::staff::authenticate(&app, "clerk@maison.example", "parcel-and-tape-41")
                .await
                .ok()
                .flatten()
                .is_none()
        );
        assert!(
            ecrin_app::staff::authenticate(&app, "nobody@maison.example", "parcel-and-tape-42")
                .await
                .ok()
                .flatten()
                .is_none()
        );
    }
}

/// SQLite runs in WAL mode, so readers never wait for the writer.
#[tokio::test]
async fn sqlite_files_are_in_wal_mode() {
    let fresh = Fresh::new(Db::Sqlite).await;
    let store = fresh.open().await;
    store.close().await;
    let path = fresh.url.trim_start_matches("sqlite://").to_owned();
    let out = std::process::Command::new("python3")
        .args(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])", &path])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "wal");
}

/// Checks BSK-4: a basket is saved whole, and a stale version never overwrites a newer one.
#[tokio::test]
async fn bsk_4_baskets_are_saved_by_compare_and_set() {
    use ecrin_core::basket::{Basket, Line};
    use ecrin_store::StoredBasket;
    for db in BOTH {
        let (_f, store, app) = demo_shop(db).await;
        let signup = ecrin_app::customers::SignUp {
            email: "ana@example.fr".into(),
            password: "rubis et onyx".into(),
            given_name: "Ana".into(),
            family_name: "Lima".into(),
            declares_adult_consumer: true,
            ..Default::default()
        };
        ecrin_app::customers::sign_up(&app, signup)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let customer = store
            .customer_by_email("ana@example.fr")
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("customer"));
        let sku = store
            .product_by_slug("jonc-trait")
            .await
            .ok()
            .flatten()
            .map(|p| p.variants[0].sku.clone())
            .unwrap_or_default();
        let line = |id: &str, q: u32| Line {
            id: id.into(),
            sku: sku.clone(),
            quantity: q,
            personalisation: None,
        };
        let first = StoredBasket {
            id: "bsk_1".into(),
            owner: BasketOwner::Customer(customer.id.clone()),
            version: 0,
            catalogue_version: None,
            stored_lines: Vec::new(),
            basket: Basket {
                lines: vec![line("l1", 1)],
                last_added_ms: Some(1),
            },
        };
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(tx.save_basket(&first, 1).await.unwrap_or(false));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let loaded = store
            .basket_of(&BasketOwner::Customer(customer.id.clone()))
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("basket"));
        assert_eq!(loaded.version, 1);
        assert_eq!(loaded.basket, first.basket, "{db:?}");
        // Two writers read version 1; the first wins, the second is told it lost.
        let mut a = loaded.clone();
        a.basket.lines.push(line("l2", 2));
        let mut b = loaded.clone();
        b.basket.lines[0].quantity = 9;
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(tx.save_basket(&a, 2).await.unwrap_or(false));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !tx.save_basket(&b, 3).await.unwrap_or(true),
            "{db:?}: stale write refused"
        );
        drop(tx);
        let now = store
            .basket_of(&BasketOwner::Customer(customer.id.clone()))
            .await
            .ok()
            .flatten()
            .map(|s| s.basket);
        assert_eq!(now.map(|b| b.units()), Some(3), "{db:?}");

        // ACC-6: a visitor's basket is held by the session, and deleted once merged.
        let visitor = BasketOwner::Session("ab".repeat(32));
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let vb = StoredBasket {
            id: "bsk_v".into(),
            owner: visitor.clone(),
            version: 0,
            catalogue_version: None,
            stored_lines: Vec::new(),
            basket: Basket {
                lines: vec![line("v1", 1)],
                last_added_ms: Some(5),
            },
        };
        assert!(tx.save_basket(&vb, 5).await.unwrap_or(false));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let got = store.basket_of(&visitor).await.ok().flatten();
        assert_eq!(got.map(|b| b.owner), Some(visitor.clone()), "{db:?}");
        let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.delete_basket("bsk_v")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.basket_of(&visitor).await.ok().flatten(), None);
    }
}

/// Checks BSK-4: a basket's variants are read in one query; unknown SKUs are left out.
#[tokio::test]
async fn bsk_4_variants_are_read_together() {
    for db in BOTH {
        let (_f, store, _) = demo_shop(db).await;
        let p = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten();
        let skus: Vec<String> = p
            .map(|p| p.variants.iter().take(3).map(|v| v.sku.clone()).collect())
            .unwrap_or_default();
        let mut asked = skus.clone();
        asked.push("NO-SUCH-SKU".into());
        let found = store.variants_info(&asked).await.unwrap_or_default();
        let mut got: Vec<String> = found.iter().map(|v| v.sku.clone()).collect();
        got.sort();
        let mut want = skus.clone();
        want.sort();
        assert_eq!(got, want, "{db:?}");
        assert!(
            found
                .iter()
                .all(|v| v.product_slug == "solitaire-lumiere" && v.price > 0)
        );
        assert!(
            store
                .variants_info(&[])
                .await
                .unwrap_or_default()
                .is_empty()
        );
    }
}

/// Concurrent write transactions, half of them abandoned: every committed one is kept
/// (once its commit returns, a reader sees it), no abandoned one leaks, on both backends.
/// On SQLite they share group commits.
#[tokio::test]
async fn concurrent_writers_keep_exactly_what_they_commit() {
    for db in BOTH {
        let fresh = Fresh::new(db).await;
        let store = fresh.open().await;
        let mut tasks = Vec::new();
        for i in 0..200_i64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
                tx.record_rate_event(&format!("g{i}"), i)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                if i % 2 == 0 {
                    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
                    // Read back through another connection right after the commit.
                    let seen = store.rate_events(&format!("g{i}"), -1).await.ok();
                    assert_eq!(seen, Some(1), "committed event {i} visible");
                } else {
                    drop(tx);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap_or_else(|e| panic!("{e}"));
        }
        for i in 0..200_i64 {
            let kept = store.rate_events(&format!("g{i}"), -1).await.ok();
            assert_eq!(kept, Some(1 - i % 2), "{db:?}: event {i}");
        }
    }
}

/// Callers that go away at any point of a transaction (a client disconnecting cancels its
/// request): while beginning, between statements, while committing. The writer stays
/// usable, each transaction is kept whole or not at all, on both backends.
#[tokio::test]
async fn transactions_cancelled_at_any_point_leave_the_writer_usable() {
    for db in BOTH {
        let fresh = Fresh::new(db).await;
        let store = fresh.open().await;
        // One after the other, each cut short a little later than the one before: the
        // cut sweeps every point of a transaction, BEGIN and COMMIT included.
        for i in 0..300_i64 {
            let work = async {
                let mut tx = store.begin().await?;
                tx.record_rate_event(&format!("c{i}"), i).await?;
                tx.record_rate_event(&format!("c{i}"), i + 1).await?;
                tx.commit().await
            };
            // Cut after `i` turns of the scheduler (timers are too coarse for this).
            let cut = async {
                for _ in 0..i {
                    tokio::task::yield_now().await;
                }
            };
            tokio::select! {
                biased;
                _ = work => {}
                () = cut => {}
            }
        }
        // Whole or nothing: each key holds both events or none.
        for i in 0..300_i64 {
            let n = store.rate_events(&format!("c{i}"), -1).await.ok();
            assert!(
                matches!(n, Some(0 | 2)),
                "{db:?}: transaction {i} left {n:?}"
            );
        }
        let mut tx = store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.record_rate_event("after", 1)
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{db:?}: {e}"));
        assert_eq!(store.rate_events("after", -1).await.ok(), Some(1), "{db:?}");
    }
}

/// Checks BSK-4: two processes (two apps with their own caches) change one basket in
/// turn; neither loses the other's addition, on both backends.
#[tokio::test]
async fn bsk_4_two_processes_never_lose_each_others_additions() {
    for db in BOTH {
        let (_f, store, a) = demo_shop(db).await;
        let b = App::new(
            store.clone(),
            a.profile.clone(),
            a.clock.clone(),
            a.public_url.clone(),
        );
        let owner = BasketOwner::Session("cd".repeat(32));
        let skus: Vec<String> = store
            .product_by_slug("solitaire-lumiere")
            .await
            .ok()
            .flatten()
            .map(|p| {
                p.variants
                    .iter()
                    .filter(|v| v.on_hand > 0)
                    .map(|v| v.sku.clone())
                    .collect()
            })
            .unwrap_or_default();
        for (i, app) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
            let sku = &skus[i % skus.len()];
            let view = ecrin_app::basket::add_item(app, &owner, sku, 1, None)
                .await
                .unwrap_or_else(|e| panic!("{db:?}: {e}"));
            assert_eq!(view.units, u32::try_from(i + 1).unwrap_or(0), "{db:?}");
        }
        let view = ecrin_app::basket::basket_of(&b, &owner)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(view.units, 5);
    }
}

/// A summary kept in a write of its own (one statement sent with its savepoint) is kept
/// whole or not at all wherever its caller goes away, a refused one (the same id twice)
/// leaves the writes grouped with it intact, and the writer stays usable, on both
/// backends.
#[tokio::test]
async fn single_statement_writes_cancelled_or_refused_leave_the_writer_usable() {
    for db in BOTH {
        let fresh = Fresh::new(db).await;
        let store = fresh.open().await;
        let customer = ecrin_store::Customer {
            id: "cus_single".into(),
            email: "single@example.fr".into(),
            password_hash: String::new(),
            title: String::new(),
            given_name: "Une".into(),
            family_name: "Cliente".into(),
            phone: String::new(),
            language: "fr".into(),
            status: ecrin_core::account::AccountStatus::Active,
            created_at_ms: 1,
            activated_at_ms: Some(1),
        };
        let mut tx = store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.insert_customer(&customer, "single@example.fr")
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{db:?}: {e}"));
        let summary = |id: String| ecrin_store::Checkout {
            id,
            customer_id: customer.id.clone(),
            created_at: 1,
            expires_at: 2,
            summary: "{}".into(),
            order_number: None,
        };
        for i in 0..200_i64 {
            let kept = summary(format!("chk_{i}"));
            let keep = store.keep_checkout(&kept);
            let cut = async {
                for _ in 0..i {
                    tokio::task::yield_now().await;
                }
            };
            tokio::select! {
                biased;
                _ = keep => {}
                () = cut => {}
            }
        }
        // Refused and accepted writes at once: the refusal takes nothing with it.
        store
            .keep_checkout(&summary("chk_twice".into()))
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        let mut beside = tokio::task::JoinSet::new();
        for i in 0..8 {
            let (store, c) = (store.clone(), summary(format!("chk_beside_{i}")));
            beside.spawn(async move { store.keep_checkout(&c).await });
        }
        let again = store.keep_checkout(&summary("chk_twice".into())).await;
        let others = beside.join_all().await;
        assert!(
            matches!(again, Err(StoreError::Constraint { .. })),
            "{db:?}: {again:?}"
        );
        for kept in others {
            kept.unwrap_or_else(|e| panic!("{db:?}: beside: {e}"));
        }
        for i in 0..8 {
            let found = store
                .checkout(&format!("chk_beside_{i}"))
                .await
                .unwrap_or_else(|e| panic!("{db:?}: {e}"));
            assert!(found.is_some(), "{db:?}: beside {i} lost");
        }
        for i in 0..200_i64 {
            if let Some(c) = store
                .checkout(&format!("chk_{i}"))
                .await
                .unwrap_or_else(|e| panic!("{db:?}: {e}"))
            {
                assert_eq!(c.summary, "{}", "{db:?}: summary {i} torn");
            }
        }
        // Still usable, by both kinds of write.
        store
            .keep_checkout(&summary("chk_after".into()))
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        let mut tx = store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.record_rate_event("after", 1)
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{db:?}: {e}"));
        assert!(
            store.checkout("chk_after").await.ok().flatten().is_some(),
            "{db:?}"
        );
    }
}
