//! The demo catalogue has the variety a real house shows (CAT-1, CAT-2).

use ecrin_app::demo::*;
use ecrin_core::catalogue::Category;
use std::collections::HashSet;

/// Checks CAT-2.
#[test]
fn cat_2_the_demo_catalogue_has_real_variety() {
    let all = products();
    assert!(all.len() >= 60, "{}", all.len());
    let count = |c: Category| all.iter().filter(|p| p.product.category == c).count();
    assert!(count(Category::MadeToOrder) >= 8);
    assert!(count(Category::CustomMade) >= 8);
    assert!(all.iter().filter(|p| p.product.personalisable).count() >= 8);
    let kinds: HashSet<&str> = all.iter().map(|p| p.product.kind.as_str()).collect();
    assert_eq!(kinds.len(), 5);
    let metals: HashSet<&str> = all
        .iter()
        .flat_map(|p| p.product.variants.iter().map(|v| v.metal.as_str()))
        .collect();
    assert!(
        metals.contains("platinum") && metals.contains("silver") && metals.contains("yellow-gold")
    );
    let stones: HashSet<&str> = all
        .iter()
        .flat_map(|p| p.product.variants.iter().filter_map(|v| v.stone.as_deref()))
        .collect();
    assert!(stones.contains("diamond") && stones.contains("sapphire") && stones.contains("pearl"));
    // CAT-2: lead times stay within the six weeks of the profiles.
    assert!(
        all.iter()
            .filter_map(|p| p.product.lead_time_days)
            .all(|d| d <= 42)
    );
}

/// Checks CAT-1.
#[test]
fn cat_1_every_variant_has_its_own_sku_and_every_slug_is_unique() {
    let all = products();
    let skus: Vec<&str> = all
        .iter()
        .flat_map(|p| p.product.variants.iter().map(|v| v.sku.as_str()))
        .collect();
    let unique: HashSet<&&str> = skus.iter().collect();
    assert_eq!(skus.len(), unique.len());
    assert!(
        skus.iter()
            .all(|s| ecrin_core::catalogue::Sku::parse(s).is_some()),
        "{skus:?}"
    );
    let slugs: HashSet<&str> = all.iter().map(|p| p.product.slug.as_str()).collect();
    assert_eq!(slugs.len(), all.len());
    assert!(
        slugs
            .iter()
            .all(|s| ecrin_core::catalogue::Slug::parse(s).is_some())
    );
    let cols: HashSet<String> = collections().into_iter().map(|c| c.slug).collect();
    assert!(all.iter().all(|p| cols.contains(&p.product.collection)));
}
