//! Search words become the same query on both backends (CAT-5).

use ecrin_store::catalogue::fulltext_query;
use ecrin_store::sql::Dialect;

/// Checks CAT-5.
#[test]
fn cat_5_search_words_become_prefix_queries_on_each_backend() {
    assert_eq!(
        fulltext_query("Bague SAPHIR", Dialect::Sqlite).as_deref(),
        Some("\"bague\"* \"saphir\"*")
    );
    assert_eq!(
        fulltext_query("Bague SAPHIR", Dialect::Postgres).as_deref(),
        Some("bague:* & saphir:*")
    );
    assert_eq!(fulltext_query("\"'*", Dialect::Sqlite), None);
}
