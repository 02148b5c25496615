//! SQL text shared by both backends, so the two never drift: the backends only bind the
//! arguments and run it. Placeholders are written `$1`, which SQLite accepts too.

use crate::exec::{Args, Bind};
use crate::rows::*;
use ecrin_core::catalogue::{Availability, Category, PricePoint};
use ecrin_core::query::CatalogueQuery;
use ecrin_core::search;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement and its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub struct Built {
    pub sql: String,
    pub args: Args,
}

impl Built {
    fn push(&mut self, arg: impl Bind) -> String {
        self.args.push(arg);
        format!("${}", self.args.0.len())
    }
}

/// CAT-2, CAT-3: a product's availability, computed from its category and stock.
/// `stock_units` and `price_from` are kept on the product by triggers on `variants`.
const AVAILABILITY: &str = "CASE WHEN p.category <> 'in_stock' THEN 'made_to_order' \
     WHEN p.stock_units > 0 THEN 'in_stock' ELSE 'sold_out' END";

const PRICE_FROM: &str = "p.price_from";

/// The full-text query for `q`, or `None` when it holds no word at all.
pub fn fulltext_query(q: &str, dialect: Dialect) -> Option<String> {
    let terms = search::terms(q);
    if terms.is_empty() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Dialect::Postgres => terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

/// The `WHERE` clause of a catalogue query (without pagination).
fn filters(b: &mut Built, q: &CatalogueQuery, dialect: Dialect) -> String {
    let mut clauses = vec!["p.published = TRUE".to_owned()];
    if let Some(text) = &q.q {
        match fulltext_query(text, dialect) {
            Some(fts) => {
                let arg = b.push(fts);
                clauses.push(match dialect {
                    Dialect::Sqlite => format!(
                        "p.id IN (SELECT product_id FROM product_search WHERE product_search MATCH {arg})"
                    ),
                    Dialect::Postgres => format!(
                        "p.id IN (SELECT product_id FROM product_search WHERE document @@ to_tsquery('simple', {arg}))"
                    ),
                });
            }
            // Punctuation only: nothing can match.
            None => clauses.push("1 = 0".to_owned()),
        }
    }
    if let Some(c) = &q.collection {
        let arg = b.push(c.as_str().to_owned());
        clauses.push(format!("p.collection = {arg}"));
    }
    if let Some(m) = &q.material {
        let arg = b.push(m.as_str().to_owned());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.metal = {arg})"
        ));
    }
    if let Some(s) = &q.stone {
        let arg = b.push(s.as_str().to_owned());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stone = {arg})"
        ));
    }
    if let Some(lo) = q.min_price {
        let arg = b.push(lo);
        clauses.push(format!("{PRICE_FROM} >= {arg}"));
    }
    if let Some(hi) = q.max_price {
        let arg = b.push(hi);
        clauses.push(format!("{PRICE_FROM} <= {arg}"));
    }
    if let Some(a) = q.availability {
        let arg = b.push(a.as_str().to_owned());
        clauses.push(format!("({AVAILABILITY}) = {arg}"));
    }
    clauses.join(" AND ")
}

/// One page (plus one row, to know whether another page follows).
pub fn list_products(q: &CatalogueQuery, dialect: Dialect) -> Built {
    let mut b = Built {
        sql: String::new(),
        args: Args::default(),
    };
    let mut where_ = filters(&mut b, q, dialect);
    if let Some(after) = q.after {
        let arg = b.push(after);
        where_.push_str(&format!(" AND p.position > {arg}"));
    }
    let limit = b.push(i64::from(q.page_size) + 1);
    b.sql = format!(
        "SELECT p.id, p.slug, p.position, p.kind, p.collection, p.category, p.lead_time_days, \
         p.name_fr, p.name_en, p.name_it, p.price_from, {AVAILABILITY} AS availability, \
         p.metal, p.stone \
         FROM products p WHERE {where_} ORDER BY p.position LIMIT {limit}"
    );
    b
}

/// Facet counts over every product matching the filters.
pub fn facets(q: &CatalogueQuery, dialect: Dialect) -> Built {
    let mut b = Built {
        sql: String::new(),
        args: Args::default(),
    };
    let where_ = filters(&mut b, q, dialect);
    b.sql = format!(
        "WITH f AS (SELECT p.id, p.collection, {AVAILABILITY} AS availability FROM products p WHERE {where_}) \
         SELECT 'collection' AS facet, f.collection AS value, COUNT(*) AS n FROM f GROUP BY f.collection \
         UNION ALL SELECT 'material', v.metal, COUNT(DISTINCT v.product_id) FROM variants v JOIN f ON f.id = v.product_id GROUP BY v.metal \
         UNION ALL SELECT 'stone', v.stone, COUNT(DISTINCT v.product_id) FROM variants v JOIN f ON f.id = v.product_id WHERE v.stone IS NOT NULL GROUP BY v.stone \
         UNION ALL SELECT 'availability', f.availability, COUNT(*) FROM f GROUP BY f.availability"
    );
    b
}

pub const PRODUCT_BY_SLUG: &str = "SELECT id, slug, kind, collection, category, lead_time_days, personalisable, \
     name_fr, name_en, name_it, description_fr, description_en, description_it \
     FROM products WHERE slug = $1 AND published = TRUE";

pub const VARIANTS_OF_PRODUCT: &str = "SELECT v.sku, v.metal, v.stone, v.size, v.price, v.list_price, \
     v.on_hand, v.weight_grams FROM variants v WHERE v.product_id = $1 ORDER BY v.position";

pub const PRICE_HISTORY_OF_PRODUCT: &str = "SELECT h.sku, h.price, h.from_ms FROM price_history h \
     JOIN variants v ON v.sku = h.sku WHERE v.product_id = $1 ORDER BY h.sku, h.from_ms";

pub const CATALOGUE_VERSION: &str = "SELECT value FROM meta WHERE key = 'catalogue_version'";
pub const BUMP_CATALOGUE_VERSION: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'";
pub const COUNT_PRODUCTS: &str = "SELECT COUNT(*) AS n FROM products";

pub const COLLECTIONS: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM collections ORDER BY position";
pub const MATERIALS: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM materials ORDER BY position";
pub const STONES: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM stones ORDER BY position";

pub const INSERT_COLLECTION: &str = "INSERT INTO collections (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const INSERT_MATERIAL: &str = "INSERT INTO materials (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const INSERT_STONE: &str = "INSERT INTO stones (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const INSERT_PRODUCT: &str = "INSERT INTO products (id, slug, position, kind, collection, category, \
     lead_time_days, personalisable, name_fr, name_en, name_it, description_fr, description_en, \
     description_it, published, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, TRUE, $15)";

pub const INSERT_VARIANT: &str = "INSERT INTO variants (sku, product_id, position, metal, stone, size, \
     price, list_price, on_hand, weight_grams) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub const INSERT_PRICE_POINT: &str =
    "INSERT INTO price_history (sku, price, from_ms) VALUES ($1, $2, $3)";

pub const UPDATE_PRICE: &str = "UPDATE variants SET price = $2, list_price = $3 WHERE sku = $1";

pub const UPDATE_STOCK: &str = "UPDATE variants SET on_hand = $2 WHERE sku = $1";

pub const TERMS_IN_FORCE: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions WHERE effective_from_ms <= $1 \
     ORDER BY effective_from_ms DESC, published_at_ms DESC LIMIT 1";

pub const TERMS_VERSION_IN_FORCE: &str = "SELECT version FROM terms_versions \
     WHERE effective_from_ms <= $1 ORDER BY effective_from_ms DESC, published_at_ms DESC LIMIT 1";
pub const TERMS_VERSION: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions WHERE version = $1";
pub const TERMS_VERSIONS: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions ORDER BY effective_from_ms DESC, published_at_ms DESC";

pub const INSERT_TERMS_VERSION: &str = "INSERT INTO terms_versions (version, effective_from_ms, \
     published_at_ms, body_fr, body_en, body_it) VALUES ($1, $2, $3, $4, $5, $6)";

pub const STAFF_BY_EMAIL: &str = "SELECT id, email, name, role, password_hash, disabled, created_at \
     FROM staff WHERE email_key = $1";
pub const COUNT_STAFF: &str = "SELECT COUNT(*) AS n FROM staff";
pub const INSERT_STAFF: &str = "INSERT INTO staff (id, email, email_key, name, role, password_hash, \
     disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)";

pub const CUSTOMER_BY_EMAIL: &str = "SELECT id, email, password_hash, title, given_name, family_name, \
     phone, language, status, created_at, activated_at FROM customers WHERE email_key = $1";
pub const CUSTOMER_BY_ID: &str = "SELECT id, email, password_hash, title, given_name, family_name, \
     phone, language, status, created_at, activated_at FROM customers WHERE id = $1";
pub const INSERT_CUSTOMER: &str = "INSERT INTO customers (id, email, email_key, password_hash, title, \
     given_name, family_name, phone, language, status, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
pub const SET_CUSTOMER_STATUS: &str =
    "UPDATE customers SET status = $2, activated_at = COALESCE(activated_at, $3) WHERE id = $1";
pub const INSERT_ACCOUNT_TOKEN: &str = "INSERT INTO account_tokens (token_hash, customer_id, purpose, \
     created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
/// Single use: the row count decides, so two clicks on one link cannot both succeed.
pub const USE_ACCOUNT_TOKEN: &str = "UPDATE account_tokens SET used_at = $3 WHERE token_hash = $1 \
     AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING customer_id";
pub const INSERT_API_TOKEN: &str = "INSERT INTO api_tokens (token_hash, subject_kind, subject_id, \
     created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const API_TOKEN_SUBJECT: &str = "SELECT subject_kind, subject_id FROM api_tokens \
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2";
pub const REVOKE_API_TOKEN: &str =
    "UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";
pub const INSERT_CONSENT: &str = "INSERT INTO consents (customer_id, purpose, granted, wording, at, seq) \
     VALUES ($1, $2, $3, $4, $5, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM consents WHERE customer_id = $1))";
pub const CONSENTS_OF: &str = "SELECT purpose, granted, wording, at FROM consents \
     WHERE customer_id = $1 ORDER BY at, COALESCE(seq, 0)";
/// PRV-3: active customers whose latest word on marketing e-mail is yes.
pub const MARKETING_AUDIENCE: &str = "SELECT c.id, c.email, c.password_hash, c.title, \
     c.given_name, c.family_name, c.phone, c.language, c.status, c.created_at, c.activated_at \
     FROM customers c WHERE c.status = 'active' \
     AND (SELECT k.granted FROM consents k WHERE k.customer_id = c.id AND k.purpose = 'marketing_email' \
     ORDER BY k.at DESC, COALESCE(k.seq, 0) DESC LIMIT 1) = TRUE ORDER BY c.created_at, c.id";
pub const INSERT_UNSUBSCRIBE_LINK: &str =
    "INSERT INTO unsubscribe_links (token_hash, customer_id, created_at) VALUES ($1, $2, $3)";
pub const UNSUBSCRIBE_CUSTOMER: &str =
    "SELECT customer_id FROM unsubscribe_links WHERE token_hash = $1";
pub const ENQUEUE_EMAIL: &str = "INSERT INTO outbox (id, to_address, subject, text_body, html_body, \
     created_at, next_attempt_at, unsubscribe_url, forget_after_send, attachments) \
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)";
pub const OUTBOX_ALL: &str = "SELECT id, to_address, subject, text_body, html_body, created_at, \
     sent_at, attempts, unsubscribe_url, forget_after_send, attachments FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1";
pub const OUTBOX_TO: &str = "SELECT id, to_address, subject, text_body, html_body, created_at, \
     sent_at, attempts, unsubscribe_url, forget_after_send, attachments FROM outbox WHERE LOWER(to_address) = LOWER($2) \
     ORDER BY created_at DESC, id DESC LIMIT $1";

const CLAIM_EMAILS: &str = "UPDATE outbox SET lease_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
     AND (lease_until IS NULL OR lease_until < $1) ORDER BY created_at, id LIMIT $3{lock}) \
     RETURNING id, to_address, subject, text_body, html_body, created_at, sent_at, attempts, \
     unsubscribe_url, forget_after_send, attachments";

/// Claims due e-mails for delivery: a lease, so a process that dies mid-way leaves them
/// to another after the lease. PostgreSQL skips rows another process is claiming.
pub fn claim_emails(dialect: Dialect) -> String {
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    CLAIM_EMAILS.replace("{lock}", lock)
}
/// PRV-4: a message to a friend leaves no trace once sent.
pub const FORGET_SENT_EMAIL: &str = "DELETE FROM outbox WHERE id = $1 AND forget_after_send = TRUE";
pub const COUNT_RATE_EVENTS: &str = "SELECT COUNT(*) FROM rate_events WHERE key = $1 AND at > $2";
pub const INSERT_RATE_EVENT: &str = "INSERT INTO rate_events (key, at) VALUES ($1, $2)";
const TICKET_COLUMNS: &str = "id, customer_id, email, name, subject, message, language, created_at, \
     answer, answered_by, answered_at";
pub fn insert_ticket() -> String {
    format!(
        "INSERT INTO tickets ({TICKET_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL)"
    )
}
/// Open questions first, oldest first; then the answered ones, newest first.
pub fn tickets() -> String {
    format!(
        "SELECT {TICKET_COLUMNS} FROM tickets \
         ORDER BY CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END, \
         CASE WHEN answered_at IS NULL THEN created_at ELSE -answered_at END, id LIMIT $1"
    )
}
pub fn ticket_by_id() -> String {
    format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1")
}
pub fn tickets_of() -> String {
    format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE customer_id = $1 ORDER BY created_at")
}
pub const ANSWER_TICKET: &str = "UPDATE tickets SET answer = $2, answered_by = $3, answered_at = $4 \
     WHERE id = $1 AND answered_at IS NULL";
pub const INSERT_SECURITY_EVENT: &str = "INSERT INTO security_events (at, kind, status, ip, \
     user_agent, referrer) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SECURITY_COUNTS: &str = "SELECT at / 86400000 AS day, kind, status, COUNT(*) AS count \
     FROM security_events WHERE at >= $1 GROUP BY at / 86400000, kind, status \
     ORDER BY day, kind, status";
pub const SECURITY_EVENTS: &str = "SELECT at, kind, status, ip, user_agent, referrer \
     FROM security_events ORDER BY at DESC LIMIT $1";
/// PRV-7: the moment before which a kind of data has outlived its purpose.
#[derive(Debug, Clone, Copy)]
pub enum Before {
    Now,
    SecurityLimit,
    DayAgo,
    WeekAgo,
    /// Rows whose owner is gone (no time involved).
    Orphans,
}

/// PRV-7: every retention, each statement with its kind of data and its limit (`$1`).
pub const PURGES: [(&str, Before, &str); 11] = [
    (
        "checkouts",
        Before::Now,
        "DELETE FROM checkouts WHERE expires_at < $1 AND order_number IS NULL",
    ),
    (
        "security_events",
        Before::SecurityLimit,
        "DELETE FROM security_events WHERE at < $1",
    ),
    (
        "web_sessions",
        Before::Now,
        "DELETE FROM web_sessions WHERE expires_at < $1",
    ),
    (
        "visitor_basket_lines",
        Before::Orphans,
        "DELETE FROM basket_lines WHERE basket_id IN \
       (SELECT id FROM baskets WHERE session_hash IS NOT NULL \
       AND session_hash NOT IN (SELECT id_hash FROM web_sessions))",
    ),
    (
        "visitor_baskets",
        Before::Orphans,
        "DELETE FROM baskets WHERE session_hash IS NOT NULL \
       AND session_hash NOT IN (SELECT id_hash FROM web_sessions)",
    ),
    (
        "rate_events",
        Before::DayAgo,
        "DELETE FROM rate_events WHERE at < $1",
    ),
    (
        "login_failures",
        Before::DayAgo,
        "DELETE FROM login_failures WHERE at < $1",
    ),
    (
        "account_tokens",
        Before::Now,
        "DELETE FROM account_tokens WHERE expires_at < $1",
    ),
    (
        "api_tokens",
        Before::Now,
        "DELETE FROM api_tokens WHERE expires_at < $1 OR revoked_at IS NOT NULL",
    ),
    (
        "friend_emails",
        Before::WeekAgo,
        "DELETE FROM outbox WHERE forget_after_send = TRUE AND created_at < $1",
    ),
    (
        "basket_expiry_jobs",
        Before::WeekAgo,
        "DELETE FROM jobs WHERE kind = 'basket_expiry' AND done_at < $1",
    ),
];
pub const MARK_EMAIL_SENT: &str =
    "UPDATE outbox SET sent_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1";
pub const MARK_EMAIL_FAILED: &str =
    "UPDATE outbox SET next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $1";

/// A basket and its lines in one query, with the catalogue's version as read in the same
/// statement, for the variant cache: one row per line; a basket without lines, one row
/// of NULL line columns; no basket, one row of NULLs but for the version.
fn basket_with_lines(owner_column: &str) -> String {
    format!(
        "SELECT b.id, b.customer_id, b.session_hash, b.version, b.last_added_at, \
         l.id AS line_id, l.sku, l.quantity, l.personalisation, m.value AS catalogue_version \
         FROM meta m LEFT JOIN baskets b ON b.{owner_column} = $1 \
         LEFT JOIN basket_lines l ON l.basket_id = b.id \
         WHERE m.key = 'catalogue_version' ORDER BY l.position"
    )
}
pub fn basket_of_customer() -> String {
    basket_with_lines("customer_id")
}
pub fn basket_of_session() -> String {
    basket_with_lines("session_hash")
}
pub const DELETE_BASKET: &str = "DELETE FROM baskets WHERE id = $1";
/// BSK-3: when a basket last had a piece added (none: it never had one).
pub const BASKET_ADDED_AT: &str = "SELECT last_added_at FROM baskets WHERE id = $1";
pub const INSERT_QUOTE_REQUEST: &str = "INSERT INTO quote_requests (id, customer_id, email, name, \
     company, phone, message, lines, language, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub const QUOTE_REQUESTS: &str = "SELECT id, customer_id, email, name, company, phone, message, \
     lines, language, created_at FROM quote_requests ORDER BY created_at DESC, id LIMIT $1";
pub const INSERT_BASKET: &str = "INSERT INTO baskets (id, customer_id, session_hash, version, \
     last_added_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5)";
/// Compare-and-set: the row count says whether the basket was still at `$2`.
pub const UPDATE_BASKET: &str = "UPDATE baskets SET version = version + 1, last_added_at = $3, \
     updated_at = $4 WHERE id = $1 AND version = $2";
pub const DELETE_BASKET_LINES: &str = "DELETE FROM basket_lines WHERE basket_id = $1";
pub const DELETE_BASKET_LINE: &str = "DELETE FROM basket_lines WHERE id = $1 AND basket_id = $2";
pub const UPDATE_BASKET_LINE: &str = "UPDATE basket_lines SET position = $3, quantity = $4, \
     personalisation = $5 WHERE id = $1 AND basket_id = $2";
pub const INSERT_BASKET_LINE: &str = "INSERT INTO basket_lines (id, basket_id, position, sku, quantity, \
     personalisation) VALUES ($1, $2, $3, $4, $5, $6)";
pub const VARIANTS_BY_SKU: &str = "SELECT v.sku, p.slug, p.name_fr, p.name_en, p.name_it, p.category, \
     p.personalisable, v.price, v.on_hand, v.weight_grams, v.metal, v.size, p.lead_time_days \
     FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = $1 AND p.published = TRUE";

pub const WEB_SESSION: &str = "SELECT customer_id, staff_id, csrf, expires_at FROM web_sessions \
     WHERE id_hash = $1 AND expires_at > $2";
pub const INSERT_WEB_SESSION: &str = "INSERT INTO web_sessions (id_hash, customer_id, csrf, created_at, \
     expires_at, staff_id) VALUES ($1, $2, $3, $4, $5, $6)";
pub const DELETE_WEB_SESSION: &str = "DELETE FROM web_sessions WHERE id_hash = $1";

pub const UPDATE_CUSTOMER_IDENTITY: &str = "UPDATE customers SET title = $2, given_name = $3, \
     family_name = $4, phone = $5 WHERE id = $1";
const ADDRESS_COLUMNS: &str = "id, customer_id, label, given_name, family_name, company, line1, \
     line2, postcode, city, region, country, phone, is_default, created_at";
pub fn addresses_of() -> String {
    format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE customer_id = $1 \
         ORDER BY is_default DESC, created_at, id"
    )
}
pub fn insert_address() -> String {
    format!(
        "INSERT INTO addresses ({ADDRESS_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )
}
pub const UPDATE_ADDRESS: &str = "UPDATE addresses SET label = $3, given_name = $4, family_name = $5, \
     company = $6, line1 = $7, line2 = $8, postcode = $9, city = $10, region = $11, country = $12, \
     phone = $13 WHERE id = $1 AND customer_id = $2";
pub const DELETE_ADDRESS: &str = "DELETE FROM addresses WHERE id = $1 AND customer_id = $2";
/// ACC-5: one default delivery address: the chosen one on, every other off.
pub const SET_DEFAULT_ADDRESS: &str =
    "UPDATE addresses SET is_default = (id = $2) WHERE customer_id = $1";
/// PRV-2: what erasure keeps of an address (city, postcode, country, for VAT).
pub const ANONYMISE_ADDRESSES: &str = "UPDATE addresses SET label = '', given_name = '', \
     family_name = '', company = '', line1 = '', line2 = '', region = '', phone = '' \
     WHERE customer_id = $1";
/// PRV-2: the person behind an erased account is gone; the row remains for the records
/// the law keeps (invoices, contracts) that refer to it.
pub const ANONYMISE_CUSTOMER: &str = "UPDATE customers SET email = $2, email_key = $2, \
     password_hash = '!', title = '', given_name = '', family_name = '', phone = '', \
     status = 'closed' WHERE id = $1";
pub const ERASE_STATEMENTS: [&str; 8] = [
    "DELETE FROM checkouts WHERE customer_id = $1",
    "UPDATE tickets SET email = '', name = '', subject = '', message = '', answer = NULL \
     WHERE customer_id = $1",
    "DELETE FROM web_sessions WHERE customer_id = $1",
    "DELETE FROM account_tokens WHERE customer_id = $1",
    "DELETE FROM unsubscribe_links WHERE customer_id = $1",
    "DELETE FROM basket_lines WHERE basket_id IN (SELECT id FROM baskets WHERE customer_id = $1)",
    "DELETE FROM baskets WHERE customer_id = $1",
    "UPDATE quote_requests SET email = '', name = '', company = '', phone = '', message = '' \
     WHERE customer_id = $1",
];
pub const REVOKE_ALL_CUSTOMER_TOKENS: &str = "UPDATE api_tokens SET revoked_at = $2 \
     WHERE subject_kind = 'customer' AND subject_id = $1 AND revoked_at IS NULL";
pub const DELETE_OUTBOX_TO: &str = "DELETE FROM outbox WHERE LOWER(to_address) = LOWER($1)";
pub const QUOTE_REQUESTS_OF: &str = "SELECT id, customer_id, email, name, company, phone, message, \
     lines, language, created_at FROM quote_requests WHERE customer_id = $1 ORDER BY created_at";
pub const SET_CUSTOMER_PASSWORD: &str = "UPDATE customers SET password_hash = $2 WHERE id = $1";
pub const REVOKE_CUSTOMER_API_TOKENS: &str = "UPDATE api_tokens SET revoked_at = $2 \
     WHERE subject_kind = 'customer' AND subject_id = $1 AND revoked_at IS NULL";
pub const DELETE_CUSTOMER_WEB_SESSIONS: &str = "DELETE FROM web_sessions WHERE customer_id = $1";

pub const COUNT_LOGIN_FAILURES: &str =
    "SELECT COUNT(*) AS n FROM login_failures WHERE email_key = $1 AND at > $2";
pub const INSERT_LOGIN_FAILURE: &str = "INSERT INTO login_failures (email_key, at) VALUES ($1, $2)";
pub const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE email_key = $1 OR at < $2";

pub const STAFF_BY_ID: &str = "SELECT id, email, name, role, password_hash, disabled, created_at \
     FROM staff WHERE id = $1";
pub const LOG_STAFF_ACCESS: &str =
    "INSERT INTO staff_access_log (staff_id, customer_id, action, at) VALUES ($1, $2, $3, $4)";
pub const STAFF_ACCESS_OF_CUSTOMER: &str = "SELECT staff_id, customer_id, action, at FROM staff_access_log \
     WHERE customer_id = $1 ORDER BY at, staff_id";

/// The variants of a list of SKUs, in one query (`$1` … `$n`).
pub fn variants_by_skus(n: usize) -> String {
    let list = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT v.sku, p.slug, p.name_fr, p.name_en, p.name_it, p.category, p.personalisable, \
         v.price, v.on_hand, v.weight_grams, v.metal, v.size, p.lead_time_days FROM variants v \
         JOIN products p ON p.id = v.product_id WHERE v.sku IN ({list}) AND p.published = TRUE"
    )
}

/// The text a product is found by: its names and descriptions in every language and its
/// keywords, folded like the queries are.
pub fn search_document(p: &NewProduct) -> String {
    let mut text = String::new();
    for part in p.name.all().into_iter().chain(p.description.all()) {
        text.push_str(part);
        text.push(' ');
    }
    text.push_str(&p.keywords);
    search::fold(&text)
}

// Rows as the database returns them, decoded the same way by both drivers.

#[derive(Debug, serde::Deserialize)]
pub struct SummaryRow {
    pub id: String,
    pub slug: String,
    pub position: i64,
    pub kind: String,
    pub collection: String,
    pub category: String,
    pub lead_time_days: Option<i64>,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub price_from: Option<i64>,
    pub availability: String,
    pub metal: Option<String>,
    pub stone: Option<String>,
}

impl SummaryRow {
    pub fn into_summary(self) -> ProductSummary {
        ProductSummary {
            id: self.id,
            slug: self.slug,
            position: self.position,
            kind: self.kind,
            collection: self.collection,
            category: Category::parse(&self.category).unwrap_or(Category::InStock),
            name: Localized {
                fr: self.name_fr,
                en: self.name_en,
                it: self.name_it,
            },
            price_from: self.price_from.unwrap_or(0),
            availability: Availability::parse(&self.availability).unwrap_or(Availability::SoldOut),
            lead_time_days: self.lead_time_days,
            metal: self.metal.unwrap_or_default(),
            stone: self.stone,
        }
    }
}

/// Cuts the extra row off a page and says where the next page starts.
pub fn into_page(rows: Vec<SummaryRow>, page_size: u32, facets: Vec<FacetRow>) -> ProductPage {
    let size = page_size as usize;
    let mut items: Vec<ProductSummary> = rows.into_iter().map(SummaryRow::into_summary).collect();
    let next_after = if items.len() > size {
        items.truncate(size);
        items.last().map(|p| p.position)
    } else {
        None
    };
    let mut f = Facets::default();
    let mut total = 0;
    for row in facets {
        let count = FacetCount {
            value: row.value.unwrap_or_default(),
            count: row.n,
        };
        match row.facet.as_str() {
            "collection" => f.collection.push(count),
            "material" => f.material.push(count),
            "stone" => f.stone.push(count),
            _ => {
                total += count.count;
                f.availability.push(count);
            }
        }
    }
    for list in [
        &mut f.collection,
        &mut f.material,
        &mut f.stone,
        &mut f.availability,
    ] {
        list.sort_by(|a, b| a.value.cmp(&b.value));
    }
    ProductPage {
        items,
        facets: f,
        total,
        next_after,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct FacetRow {
    pub facet: String,
    pub value: Option<String>,
    pub n: i64,
}

#[derive(Debug, serde::Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub collection: String,
    pub category: String,
    pub lead_time_days: Option<i64>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub personalisable: bool,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub description_fr: String,
    pub description_en: String,
    pub description_it: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct VariantRow {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub price: i64,
    pub list_price: Option<i64>,
    pub on_hand: i64,
    pub weight_grams: i64,
}

#[derive(Debug, serde::Deserialize)]
pub struct PricePointRow {
    pub sku: String,
    pub price: i64,
    pub from_ms: i64,
}

pub fn into_detail(
    p: ProductRow,
    variants: Vec<VariantRow>,
    prices: Vec<PricePointRow>,
) -> ProductDetail {
    let category = Category::parse(&p.category).unwrap_or(Category::InStock);
    let variants = variants
        .into_iter()
        .map(|v| Variant {
            availability: ecrin_core::catalogue::variant_availability(category, v.on_hand),
            price_history: prices
                .iter()
                .filter(|h| h.sku == v.sku)
                .map(|h| PricePoint {
                    price: h.price,
                    from_ms: h.from_ms,
                })
                .collect(),
            sku: v.sku,
            metal: v.metal,
            stone: v.stone,
            size: v.size,
            price: v.price,
            list_price: v.list_price,
            on_hand: v.on_hand,
            weight_grams: v.weight_grams,
        })
        .collect();
    ProductDetail {
        id: p.id,
        slug: p.slug,
        kind: p.kind,
        collection: p.collection,
        category,
        lead_time_days: p.lead_time_days,
        personalisable: p.personalisable,
        name: Localized {
            fr: p.name_fr,
            en: p.name_en,
            it: p.name_it,
        },
        description: Localized {
            fr: p.description_fr,
            en: p.description_en,
            it: p.description_it,
        },
        variants,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ReferenceRow {
    pub slug: String,
    pub position: i64,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub description_fr: String,
    pub description_en: String,
    pub description_it: String,
}

impl From<ReferenceRow> for Reference {
    fn from(r: ReferenceRow) -> Self {
        Reference {
            slug: r.slug,
            position: r.position,
            name: Localized {
                fr: r.name_fr,
                en: r.name_en,
                it: r.name_it,
            },
            description: Localized {
                fr: r.description_fr,
                en: r.description_en,
                it: r.description_it,
            },
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TermsRow {
    pub version: String,
    pub effective_from_ms: i64,
    pub published_at_ms: i64,
    pub body_fr: String,
    pub body_en: String,
    pub body_it: String,
}

impl From<TermsRow> for TermsVersion {
    fn from(r: TermsRow) -> Self {
        TermsVersion {
            version: r.version,
            effective_from_ms: r.effective_from_ms,
            published_at_ms: r.published_at_ms,
            body: Localized {
                fr: r.body_fr,
                en: r.body_en,
                it: r.body_it,
            },
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub disabled: bool,
    pub created_at: i64,
}

impl StaffRow {
    pub fn into_staff(self) -> Option<Staff> {
        Some(Staff {
            role: ecrin_core::account::Role::parse(&self.role)?,
            id: self.id,
            email: self.email,
            name: self.name,
            password_hash: self.password_hash,
            disabled: self.disabled,
            created_at_ms: self.created_at,
        })
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct CustomerRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub phone: String,
    pub language: String,
    pub status: String,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

impl CustomerRow {
    pub fn into_customer(self) -> Option<Customer> {
        Some(Customer {
            status: ecrin_core::account::AccountStatus::parse(&self.status)?,
            id: self.id,
            email: self.email,
            password_hash: self.password_hash,
            title: self.title,
            given_name: self.given_name,
            family_name: self.family_name,
            phone: self.phone,
            language: self.language,
            created_at_ms: self.created_at,
            activated_at_ms: self.activated_at,
        })
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TokenSubjectRow {
    pub subject_kind: String,
    pub subject_id: String,
}

impl TokenSubjectRow {
    pub fn into_subject(self) -> Option<Subject> {
        match self.subject_kind.as_str() {
            "customer" => Some(Subject::Customer(self.subject_id)),
            "staff" => Some(Subject::Staff(self.subject_id)),
            _ => None,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct EmailRow {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub unsubscribe_url: Option<String>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub forget_after_send: bool,
    pub attachments: String,
}

impl From<EmailRow> for Email {
    fn from(r: EmailRow) -> Self {
        Email {
            id: r.id,
            to: r.to_address,
            subject: r.subject,
            text_body: r.text_body,
            html_body: r.html_body,
            unsubscribe_url: r.unsubscribe_url,
            forget_after_send: r.forget_after_send,
            attachments: r.attachments,
            created_at_ms: r.created_at,
            sent_at_ms: r.sent_at,
            attempts: r.attempts,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct BasketJoinRow {
    pub id: Option<String>,
    pub customer_id: Option<String>,
    pub session_hash: Option<String>,
    pub version: Option<i64>,
    pub last_added_at: Option<i64>,
    pub line_id: Option<String>,
    pub sku: Option<String>,
    pub quantity: Option<i64>,
    pub personalisation: Option<String>,
    pub catalogue_version: i64,
}

/// The catalogue's version read with a basket's rows (none if the rows are missing, which
/// the query's one row of `meta` rules out).
pub fn catalogue_version_of(rows: &[BasketJoinRow]) -> Option<i64> {
    rows.first().map(|r| r.catalogue_version)
}

/// The basket of the joined rows, if any.
pub fn into_basket(rows: Vec<BasketJoinRow>) -> Option<StoredBasket> {
    let first = rows.first()?;
    let owner = match (&first.customer_id, &first.session_hash) {
        (Some(c), _) => BasketOwner::Customer(c.clone()),
        (None, s) => BasketOwner::Session(s.clone().unwrap_or_default()),
    };
    let (id, version, last_added_ms) = (first.id.clone()?, first.version?, first.last_added_at);
    let catalogue_version = Some(first.catalogue_version);
    let lines: Vec<ecrin_core::basket::Line> = rows
        .into_iter()
        .filter_map(|r| {
            Some(ecrin_core::basket::Line {
                id: r.line_id?,
                sku: r.sku?,
                quantity: u32::try_from(r.quantity?).unwrap_or(0),
                personalisation: r.personalisation,
            })
        })
        .collect();
    Some(StoredBasket {
        id,
        owner,
        version,
        catalogue_version,
        basket: ecrin_core::basket::Basket {
            lines: lines.clone(),
            last_added_ms,
        },
        stored_lines: lines,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct VariantInfoRow {
    pub sku: String,
    pub slug: String,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub category: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub personalisable: bool,
    pub price: i64,
    pub on_hand: i64,
    pub weight_grams: i64,
    pub metal: String,
    pub size: Option<String>,
    pub lead_time_days: Option<i64>,
}

impl From<VariantInfoRow> for VariantInfo {
    fn from(r: VariantInfoRow) -> Self {
        let category = Category::parse(&r.category).unwrap_or(Category::InStock);
        VariantInfo {
            availability: ecrin_core::catalogue::variant_availability(category, r.on_hand),
            sku: r.sku,
            product_slug: r.slug,
            name: Localized {
                fr: r.name_fr,
                en: r.name_en,
                it: r.name_it,
            },
            category,
            personalisable: r.personalisable,
            price: r.price,
            weight_grams: r.weight_grams,
            metal: r.metal,
            size: r.size,
            lead_time_days: r.lead_time_days,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WebSessionRow {
    pub customer_id: Option<String>,
    pub staff_id: Option<String>,
    pub csrf: String,
    pub expires_at: i64,
}

impl From<WebSessionRow> for WebSession {
    fn from(r: WebSessionRow) -> Self {
        WebSession {
            customer_id: r.customer_id,
            staff_id: r.staff_id,
            csrf: r.csrf,
            expires_at_ms: r.expires_at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AccessRow {
    pub staff_id: String,
    pub customer_id: String,
    pub action: String,
    pub at: i64,
}

impl From<AccessRow> for StaffAccess {
    fn from(r: AccessRow) -> Self {
        StaffAccess {
            staff_id: r.staff_id,
            customer_id: r.customer_id,
            action: r.action,
            at_ms: r.at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct QuoteRequestRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub message: String,
    pub lines: String,
    pub language: String,
    pub created_at: i64,
}

impl From<QuoteRequestRow> for QuoteRequest {
    fn from(r: QuoteRequestRow) -> Self {
        QuoteRequest {
            id: r.id,
            customer_id: r.customer_id,
            email: r.email,
            name: r.name,
            company: r.company,
            phone: r.phone,
            message: r.message,
            lines: r.lines,
            language: r.language,
            created_at_ms: r.created_at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ConsentRow {
    pub purpose: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub granted: bool,
    pub wording: String,
    pub at: i64,
}

impl From<ConsentRow> for ConsentRecord {
    fn from(r: ConsentRow) -> Self {
        ConsentRecord {
            purpose: r.purpose,
            granted: r.granted,
            wording: r.wording,
            at_ms: r.at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AddressRow {
    pub id: String,
    pub customer_id: String,
    pub label: String,
    pub given_name: String,
    pub family_name: String,
    pub company: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub phone: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub is_default: bool,
    pub created_at: i64,
}

impl From<AddressRow> for Address {
    fn from(r: AddressRow) -> Self {
        Address {
            id: r.id,
            customer_id: r.customer_id,
            label: r.label,
            given_name: r.given_name,
            family_name: r.family_name,
            company: r.company,
            line1: r.line1,
            line2: r.line2,
            postcode: r.postcode,
            city: r.city,
            region: r.region,
            country: r.country,
            phone: r.phone,
            is_default: r.is_default,
            created_at_ms: r.created_at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TicketRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub subject: String,
    pub message: String,
    pub language: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
}

impl From<TicketRow> for Ticket {
    fn from(r: TicketRow) -> Self {
        Ticket {
            id: r.id,
            customer_id: r.customer_id,
            email: r.email,
            name: r.name,
            subject: r.subject,
            message: r.message,
            language: r.language,
            created_at_ms: r.created_at,
            answer: r.answer,
            answered_by: r.answered_by,
            answered_at_ms: r.answered_at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SecurityCountRow {
    pub day: i64,
    pub kind: String,
    pub status: i64,
    pub count: i64,
}

impl From<SecurityCountRow> for SecurityCount {
    fn from(r: SecurityCountRow) -> Self {
        SecurityCount {
            day: r.day,
            kind: r.kind,
            status: r.status,
            count: r.count,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SecurityEventRow {
    pub at: i64,
    pub kind: String,
    pub status: i64,
    pub ip: String,
    pub user_agent: String,
    pub referrer: String,
}

impl From<SecurityEventRow> for SecurityEvent {
    fn from(r: SecurityEventRow) -> Self {
        SecurityEvent {
            at_ms: r.at,
            kind: r.kind,
            status: r.status,
            ip: r.ip,
            user_agent: r.user_agent,
            referrer: r.referrer,
        }
    }
}

// Checkout and orders (CHK-1 … CHK-12).
pub const INSERT_CHECKOUT: &str = "INSERT INTO checkouts (id, customer_id, created_at, expires_at, \
     summary) VALUES ($1, $2, $3, $4, $5)";
pub const CHECKOUT: &str = "SELECT id, customer_id, created_at, expires_at, summary, \
     order_number FROM checkouts WHERE id = $1";
/// A summary is ordered once: the row count says whether this order took it.
pub const TAKE_CHECKOUT: &str =
    "UPDATE checkouts SET order_number = $2 WHERE id = $1 AND order_number IS NULL";
/// Order numbers need not run without a gap (invoices must): on PostgreSQL a sequence hands
/// them out, so concurrent orders do not wait for each other's commit on the counter's row
/// lock; SQLite's one writer takes the counter row.
pub fn next_order_number(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "UPDATE meta SET value = value + 1 WHERE key = 'order_number' RETURNING value"
        }
        Dialect::Postgres => "SELECT nextval('order_numbers')",
    }
}
const ORDER_COLUMNS: &str = "id, number, customer_id, status, placed_at, total, vat_total, \
     delivery_charge, payment_method, terms_version, terms_sha256, terms_language, accepted_at, \
     accepted_ip, accepted_user_agent, confirmed_by_staff_id, pickup_confirmed_at, \
     pickup_confirmed_by, document, payment_state, abandoned";
pub fn insert_order() -> String {
    format!(
        "INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
    )
}
/// The order whose `column` (`number` or `id`) is `$1`, without its lines.
pub fn order_by(column: OrderKey) -> String {
    format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE {} = $1",
        column.name()
    )
}
/// The order whose `column` is `$1` with its lines, one row per line: one statement where
/// an order and then its lines took two. An order has at least one line; one found
/// without would read as none here ([`order_by`] then tells).
pub fn order_with_lines_by(column: OrderKey) -> String {
    let order: Vec<String> = ORDER_COLUMNS
        .split(", ")
        .map(|c| format!("o.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, {ORDER_LINE_COLUMNS_OF_L} FROM orders o \
         JOIN order_lines l ON l.order_id = o.id WHERE o.{} = $1 ORDER BY l.line_no",
        order.join(", "),
        column.name()
    )
}
/// How an order is looked up.
#[derive(Debug, Clone, Copy)]
pub enum OrderKey {
    Number,
    Id,
}
impl OrderKey {
    fn name(self) -> &'static str {
        match self {
            OrderKey::Number => "number",
            OrderKey::Id => "id",
        }
    }
}
const ORDER_LINE_COLUMNS_OF_L: &str = "l.line_no, l.sku, l.name, l.quantity, \
     l.personalisation, l.unit_price_incl_vat, l.unit_price_excl_vat, l.vat_rate_bp, \
     l.line_total_incl_vat, l.line_total_excl_vat, l.line_vat, l.withdrawable, l.reserved, \
     l.cancelled, l.returned";
/// An order and one of its lines, as [`order_with_lines_by`] reads them.
#[derive(Debug)]
pub struct OrderWithLineRow {
    pub order: Order,
    pub line: OrderLine,
}

/// The name under which [`OrderWithLineRow`] asks a row reader for the same row twice,
/// once as the order and once as the line, each taking the columns it knows. The SQLite
/// backend's reader answers it; serde's `flatten` would copy every column aside first.
pub const ROW_READ_TWICE: &str = "ecrin_store::RowReadTwice";

impl<'de> serde::Deserialize<'de> for OrderWithLineRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Twice;
        impl<'de> serde::de::Visitor<'de> for Twice {
            type Value = OrderWithLineRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an order's row, read as the order and as one of its lines")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OrderWithLineRow, A::Error> {
                use serde::de::Error;
                let order = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let line = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                Ok(OrderWithLineRow { order, line })
            }
        }
        d.deserialize_tuple_struct(ROW_READ_TWICE, 2, Twice)
    }
}
/// The order of [`order_with_lines_by`]'s rows, its lines in order.
pub fn into_order(rows: Vec<OrderWithLineRow>) -> Option<Order> {
    let mut rows = rows.into_iter();
    let first = rows.next()?;
    let mut order = first.order;
    order.lines.push(first.line);
    order.lines.extend(rows.map(|r| r.line));
    Some(order)
}
pub fn orders_of() -> String {
    format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC, number DESC"
    )
}
pub fn recent_orders() -> String {
    format!("SELECT {ORDER_COLUMNS} FROM orders ORDER BY placed_at DESC, number DESC LIMIT $1")
}
pub const INSERT_ORDER_LINE: &str = "INSERT INTO order_lines (order_id, line_no, sku, name, quantity, \
     personalisation, unit_price_incl_vat, unit_price_excl_vat, vat_rate_bp, line_total_incl_vat, \
     line_total_excl_vat, line_vat, withdrawable, reserved) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
/// The lines of the orders `orders` selects (as in [`papers`]), each with its order's id.
pub fn lines_of(orders: &str) -> String {
    format!(
        "SELECT order_id, line_no, sku, name, quantity, personalisation, unit_price_incl_vat, \
         unit_price_excl_vat, vat_rate_bp, line_total_incl_vat, line_total_excl_vat, line_vat, \
         withdrawable, reserved, cancelled, returned FROM order_lines WHERE order_id IN ({orders}) \
         ORDER BY order_id, line_no"
    )
}
/// PAY-5: takes `$2` units of a variant if that many remain, in one statement: of two
/// buyers of the last unit, the second finds none. The units left, or no row.
pub const RESERVE_STOCK: &str = "UPDATE variants SET on_hand = on_hand - $2 \
     WHERE sku = $1 AND on_hand >= $2 RETURNING on_hand";
/// PAY-5: gives back `$2` units; the units now on hand.
pub const RELEASE_STOCK: &str =
    "UPDATE variants SET on_hand = on_hand + $2 WHERE sku = $1 RETURNING on_hand";
/// CHK-9: `$2` the client's address, `$3` an hour ago, `$4` the moment before which an
/// order still awaiting payment counts as unpaid.
/// The counts stop at `$5` (the account's) and `$6` (the address's): the rule only asks
/// whether a limit is reached, and a busy address costs no more to check than a quiet one.
pub const STANDING: &str = "SELECT c.dispute_open, c.payment_refused, \
     (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id \
        AND o.status = 'awaiting_payment' AND o.placed_at < $4) AS unpaid_orders, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE o.customer_id = $1 \
        AND o.placed_at >= $3 LIMIT $5) AS l) AS orders_last_hour, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE o.accepted_ip = $2 \
        AND o.placed_at >= $3 LIMIT $6) AS l) AS orders_last_hour_from_ip \
     FROM customers c WHERE c.id = $1";
pub const IDEMPOTENT_ORDER: &str = "SELECT request_sha256, order_number FROM idempotency_keys \
     WHERE subject = $1 AND key = $2";
pub const INSERT_IDEMPOTENCY_KEY: &str = "INSERT INTO idempotency_keys (subject, key, \
     request_sha256, order_number, created_at) VALUES ($1, $2, $3, $4, $5)";
pub const INSERT_ORDER_REFUSAL: &str = "INSERT INTO order_refusals (customer_id, reason, detail, ip, \
     staff_id, at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const ORDER_REFUSALS: &str = "SELECT customer_id, reason, detail, ip, staff_id, at \
     FROM order_refusals ORDER BY at DESC LIMIT $1";
pub const ORDER_REFUSALS_OF: &str = "SELECT customer_id, reason, detail, ip, staff_id, at \
     FROM order_refusals WHERE customer_id = $1 ORDER BY at DESC LIMIT 100";
pub const SET_DISPUTE: &str = "UPDATE customers SET dispute_open = $2 WHERE id = $1";
pub const SET_PAYMENT_REFUSED: &str = "UPDATE customers SET payment_refused = $2 WHERE id = $1";
pub const CONFIRM_PICKUP: &str = "UPDATE orders SET pickup_confirmed_at = $2, pickup_confirmed_by = $3 \
     WHERE number = $1 AND pickup_confirmed_at IS NULL";

/// A customer and their addresses in one read (the checkout needs both).
macro_rules! customer_with_addresses {
    ($from:literal, $where:literal) => {
        concat!(
            "SELECT c.id, c.email, c.password_hash, c.title, \
             c.given_name, c.family_name, c.phone, c.language, c.status, c.created_at, \
             c.activated_at, a.id AS a_id, a.label AS a_label, a.given_name AS a_given_name, \
             a.family_name AS a_family_name, a.company AS a_company, a.line1 AS a_line1, \
             a.line2 AS a_line2, a.postcode AS a_postcode, a.city AS a_city, \
             a.region AS a_region, a.country AS a_country, a.phone AS a_phone, \
             a.is_default AS a_is_default, a.created_at AS a_created_at FROM ",
            $from,
            " LEFT JOIN addresses a ON a.customer_id = c.id WHERE ",
            $where,
            " ORDER BY a.is_default DESC, a.created_at, a.id"
        )
    };
}
pub const CUSTOMER_WITH_ADDRESSES: &str = customer_with_addresses!("customers c", "c.id = $1");
/// The customer holding a bearer token (by its SHA-256, neither expired nor revoked), with
/// their addresses: a staff member's token finds nobody.
pub const TOKEN_CUSTOMER_WITH_ADDRESSES: &str = customer_with_addresses!(
    "api_tokens t JOIN customers c ON c.id = t.subject_id",
    "t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
     AND t.subject_kind = 'customer'"
);

#[derive(Debug, serde::Deserialize)]
pub struct CustomerAddressRow {
    #[serde(flatten)]
    pub customer: CustomerRow,
    pub a_id: Option<String>,
    pub a_label: Option<String>,
    pub a_given_name: Option<String>,
    pub a_family_name: Option<String>,
    pub a_company: Option<String>,
    pub a_line1: Option<String>,
    pub a_line2: Option<String>,
    pub a_postcode: Option<String>,
    pub a_city: Option<String>,
    pub a_region: Option<String>,
    pub a_country: Option<String>,
    pub a_phone: Option<String>,
    pub a_is_default: Option<bool>,
    pub a_created_at: Option<i64>,
}

/// The customer of the first row and the address of each (none when the join found none).
pub fn into_customer_with_addresses(
    rows: Vec<CustomerAddressRow>,
) -> Option<(Customer, Vec<Address>)> {
    let mut addresses = Vec::new();
    let mut customer = None;
    for r in rows {
        if let Some(id) = r.a_id {
            addresses.push(Address {
                id,
                customer_id: r.customer.id.clone(),
                label: r.a_label.unwrap_or_default(),
                given_name: r.a_given_name.unwrap_or_default(),
                family_name: r.a_family_name.unwrap_or_default(),
                company: r.a_company.unwrap_or_default(),
                line1: r.a_line1.unwrap_or_default(),
                line2: r.a_line2.unwrap_or_default(),
                postcode: r.a_postcode.unwrap_or_default(),
                city: r.a_city.unwrap_or_default(),
                region: r.a_region.unwrap_or_default(),
                country: r.a_country.unwrap_or_default(),
                phone: r.a_phone.unwrap_or_default(),
                is_default: r.a_is_default.unwrap_or(false),
                created_at_ms: r.a_created_at.unwrap_or(0),
            });
        }
        if customer.is_none() {
            customer = Some(r.customer);
        }
    }
    Some((customer?.into_customer()?, addresses))
}

pub const INSERT_ORDER_EVENT: &str = "INSERT INTO order_events (order_id, seq, at, kind, data, \
     prev_sha256, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const ORDER_EVENTS: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, sha256 \
     FROM order_events WHERE order_id = $1 ORDER BY seq";
pub const LAST_ORDER_EVENT: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, sha256 \
     FROM order_events WHERE order_id = $1 ORDER BY seq DESC LIMIT 1";
/// INV-5: every order's events in turn, `$3` at a time after (`$1`, `$2`).
pub const ORDER_EVENTS_AFTER: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, \
     sha256 FROM order_events WHERE order_id > $1 OR (order_id = $1 AND seq > $2) \
     ORDER BY order_id, seq LIMIT $3";
/// INV-5: orders whose history does not begin (its first event is missing).
pub const ORDERS_WITHOUT_HISTORY: &str = "SELECT o.number FROM orders o WHERE NOT EXISTS \
     (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.seq = 1) ORDER BY o.number";
pub const ORDER_NUMBER_OF: &str = "SELECT number FROM orders WHERE id = $1";

/// A job, unless one of its kind for its subject exists already.
pub const INSERT_JOB: &str = "INSERT INTO jobs (id, kind, subject, due_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (kind, subject) DO NOTHING";
const CLAIM_JOBS: &str = "UPDATE jobs SET lease_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND due_at <= $1 \
     AND (lease_until IS NULL OR lease_until < $1) ORDER BY due_at, id LIMIT $3{lock}) \
     RETURNING id, kind, subject, due_at, attempts";

/// Claims due jobs for a lease: a process that dies mid-way leaves them to another after
/// it. PostgreSQL skips rows another process is claiming, so processes share the queue.
pub fn claim_jobs(dialect: Dialect) -> String {
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    CLAIM_JOBS.replace("{lock}", lock)
}
/// Done, by whoever holds it now: no row when another process finished it first.
pub const FINISH_JOB: &str =
    "UPDATE jobs SET done_at = $2, lease_until = NULL WHERE id = $1 AND done_at IS NULL";
/// A job that is not due yet after all waits until `$2`.
pub const POSTPONE_JOB: &str = "UPDATE jobs SET due_at = $2, lease_until = NULL \
     WHERE id = $1 AND done_at IS NULL";
/// A job whose subject is gone before its time.
pub const CANCEL_JOB: &str =
    "DELETE FROM jobs WHERE kind = $1 AND subject = $2 AND done_at IS NULL";
pub const RETRY_JOB: &str = "UPDATE jobs SET lease_until = $2, last_error = $3 \
     WHERE id = $1 AND done_at IS NULL";
/// An order moves from one status to another only from the one expected: of a payment and
/// a deadline arriving together, one finds the order already moved.
/// The order's lifecycle moves: status, payment state and abandonment compared and set.
pub const APPLY_ORDER_STATES: &str = "UPDATE orders SET status = $5, payment_state = $6, \
     abandoned = $7 WHERE id = $1 AND status = $2 AND payment_state = $3 AND abandoned = $4";
/// Units of a line no longer due (STK-1, STK-3), never more than are left.
pub const CANCEL_LINE_UNITS: &str = "UPDATE order_lines SET cancelled = cancelled + $3 \
     WHERE order_id = $1 AND line_no = $2 AND cancelled + $3 <= quantity";
pub const INSERT_SHIPMENT: &str = "INSERT INTO shipments (id, order_id, state, carrier, \
     tracking_number, shipped_at, shipped_by) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const INSERT_SHIPMENT_LINE: &str =
    "INSERT INTO shipment_lines (shipment_id, line_no, quantity) VALUES ($1, $2, $3)";
/// DLV-5, DLV-6: what became of a parcel in transit.
pub const SET_SHIPMENT_STATE: &str = "UPDATE shipments SET state = $3, \
     delivered_at = COALESCE($4, delivered_at), signed_by = COALESCE($5, signed_by), \
     returned_at = COALESCE($6, returned_at), return_reason = COALESCE($7, return_reason) \
     WHERE id = $1 AND state = $2";
pub const SHIPMENTS_OF: &str = "SELECT id, order_id, state, carrier, tracking_number, \
     shipped_at, shipped_by, delivered_at, signed_by, returned_at, return_reason \
     FROM shipments WHERE order_id = $1 ORDER BY shipped_at, id";
pub const SHIPMENT_LINES_OF: &str = "SELECT l.shipment_id, l.line_no, l.quantity \
     FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id \
     WHERE s.order_id = $1 ORDER BY l.shipment_id, l.line_no";

pub const INSERT_PAYMENT: &str = "INSERT INTO payments (id, order_id, provider, amount, status, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";
const PAYMENT_COLUMNS: &str = "id, order_id, provider, amount, status, created_at, updated_at";
pub fn payment() -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1")
}
pub fn payments_of() -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_id = $1 ORDER BY created_at, id")
}
/// A payment moves only from the status expected: a callback sent twice moves it once.
pub const MOVE_PAYMENT: &str =
    "UPDATE payments SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2";
/// PAY-1: a callback's event id, unless it was taken already.
pub const RECORD_CALLBACK: &str = "INSERT INTO payment_callbacks (event_id, payment_id, received_at) \
     VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING";
pub const SET_LINE_RESERVED: &str =
    "UPDATE order_lines SET reserved = $3 WHERE order_id = $1 AND line_no = $2";
pub const SANDBOX_CHARGE: &str = "SELECT payment_id, amount, status, card_last4, at \
     FROM sandbox_charges WHERE payment_id = $1";
/// The sandbox charges a payment once: a new attempt only replaces a pending challenge.
pub const PUT_SANDBOX_CHARGE: &str = "INSERT INTO sandbox_charges (payment_id, amount, status, \
     card_last4, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) DO UPDATE \
     SET status = excluded.status, card_last4 = excluded.card_last4, at = excluded.at \
     WHERE sandbox_charges.status = 'challenge'";

pub const NEXT_INVOICE_SEQ: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'invoice_number' RETURNING value";
pub const INSERT_INVOICE: &str = "INSERT INTO invoices (seq, number, order_id, issued_at, total, \
     archive) VALUES ($1, $2, $3, $4, $5, $6)";
const INVOICE_COLUMNS: &str = "seq, number, order_id, issued_at, total, archive";
pub fn invoice_of() -> String {
    format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE order_id = $1")
}
pub fn invoices() -> String {
    format!("SELECT {INVOICE_COLUMNS} FROM invoices ORDER BY seq")
}
/// A customer's orders (`$1`), whose papers are read together.
pub const ORDERS_OF_CUSTOMER: &str = "SELECT id FROM orders WHERE customer_id = $1";
/// The orders placed at or after `$1` (those of a list of the newest, and perhaps a few
/// placed since it was read).
pub const ORDERS_PLACED_FROM: &str = "SELECT id FROM orders WHERE placed_at >= $1";
/// The invoices, refunds and credit notes of the orders `orders` selects: three queries
/// for a whole list, rather than three per order.
pub fn papers(orders: &str) -> [String; 3] {
    [
        format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE order_id IN ({orders}) ORDER BY seq"),
        format!(
            "SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id IN ({orders}) \
             ORDER BY created_at, id"
        ),
        format!(
            "SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes WHERE order_id IN ({orders}) \
             ORDER BY seq"
        ),
    ]
}

const REFUND_COLUMNS: &str = "id, key, order_id, payment_id, amount, reason, staff_id, status, \
     provider_refund_id, created_at, updated_at";
pub fn refunds_of() -> String {
    format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id = $1 ORDER BY created_at, id")
}
pub fn refund_by_key() -> String {
    format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE key = $1")
}
pub fn insert_refund() -> String {
    format!(
        "INSERT INTO refunds ({REFUND_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
}
/// PAY-1: an update takes the payment's row lock on PostgreSQL until the transaction ends;
/// on SQLite the transaction holds the only writer already.
pub const LOCK_CAPTURED_PAYMENT: &str = "UPDATE payments SET updated_at = $2 \
     WHERE id = $1 AND status = 'captured' RETURNING amount";
pub const REFUNDED_TOTAL: &str =
    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE payment_id = $1";
pub const SETTLE_REFUND: &str = "UPDATE refunds SET status = 'succeeded', provider_refund_id = $2, \
     updated_at = $3 WHERE id = $1 AND status = 'pending'";
pub const NEXT_CREDIT_NOTE_SEQ: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'credit_note_number' RETURNING value";
const CREDIT_NOTE_COLUMNS: &str =
    "seq, number, refund_id, order_id, invoice_number, amount, issued_at";
pub fn insert_credit_note() -> String {
    format!("INSERT INTO credit_notes ({CREDIT_NOTE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")
}
pub fn credit_notes_of() -> String {
    format!("SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes WHERE order_id = $1 ORDER BY seq")
}
pub fn credit_notes() -> String {
    format!("SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes ORDER BY seq")
}
pub const PUT_SANDBOX_REFUND: &str = "INSERT INTO sandbox_refunds (key, id, payment_id, amount, at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING";
pub const SANDBOX_REFUND: &str =
    "SELECT key, id, payment_id, amount, at FROM sandbox_refunds WHERE key = $1";
pub const SANDBOX_REFUNDED: &str =
    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM sandbox_refunds WHERE payment_id = $1";

/// The orders whose clocks run (the deadline board), with their payment and return dates.
pub const OPEN_ORDERS: &str = "SELECT o.number, o.status, o.payment_method, o.placed_at, \
     o.document, i.issued_at AS paid_at, \
     (SELECT MAX(s.returned_at) FROM shipments s WHERE s.order_id = o.id) AS returned_at \
     FROM orders o LEFT JOIN invoices i ON i.order_id = o.id \
     WHERE o.status IN ('awaiting_payment', 'being_prepared', 'shipped', 'being_returned') \
     ORDER BY o.placed_at, o.number";
