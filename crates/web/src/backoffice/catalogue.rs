//! The catalogue in the back office (admin; the warehouse reads it and counts stock):
//! products and their texts in each of the profile's languages, publication windows
//! (CAT-3), variants, prices and promotions (CAT-4, CAT-7), stock with its journal and the
//! list of pieces running low. Every form posts to the use cases the API calls.

use super::{Cell, FormField, Posted, StaffForm, StaffPage, StaffTable, StaffVisit, refused};
use crate::AppState;
use crate::storefront::account::no_store;
use crate::storefront::legal::date;
use crate::storefront::{PagePath, render};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::merchandising::{self as m, ProductInput, Texts, VariantInput};
use ecrin_core::Lang;
use ecrin_core::query::FieldError;
use std::collections::{BTreeMap, HashMap};

type Form = HashMap<String, String>;

/// A product's photos on its page, and the form that adds one.
pub(crate) struct PhotoSection {
    pub action: String,
    /// The first JPEG and alternative text of each photo, in their order.
    pub photos: Vec<(String, String)>,
    /// `alt_<lang>` and its label, per language of the profile.
    pub alts: Vec<(String, String)>,
}

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.get(name).map(|v| v.trim())
}

/// A number typed in a field; absent or empty is `None`, anything else unreadable is an
/// error naming the field.
fn number(form: &Form, name: &str) -> Result<Option<i64>, AppError> {
    match field(form, name) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(name)),
    }
}

/// An amount typed in the currency (`1 890,50`), in minor units.
fn amount(form: &Form, name: &str) -> Result<Option<i64>, AppError> {
    match field(form, name) {
        None | Some("") => Ok(None),
        Some(v) => ecrin_core::money::parse_amount(v)
            .map(Some)
            .ok_or_else(|| invalid(name)),
    }
}

fn invalid(name: &str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: name.to_owned(),
        reason: "invalid",
    }])
}

/// The texts typed in the per-language fields (`name_fr`, `description_fr`, …).
fn texts_of(state: &AppState, form: &Form) -> BTreeMap<String, Texts> {
    state
        .app
        .profile
        .languages
        .iter()
        .filter_map(|l| {
            let name = field(form, &format!("name_{}", l.code()))?;
            Some((
                l.code().to_owned(),
                Texts {
                    name: name.to_owned(),
                    description: field(form, &format!("description_{}", l.code()))
                        .unwrap_or("")
                        .to_owned(),
                },
            ))
        })
        .collect()
}

fn language_name(t: crate::i18n::Tr, l: Lang) -> String {
    t.t(&format!("lang-name-{}", l.code()))
}

/// The per-language fields of a product or collection form.
fn text_fields(
    state: &AppState,
    t: crate::i18n::Tr,
    name: impl Fn(Lang) -> String,
    description: impl Fn(Lang) -> String,
) -> Vec<FormField> {
    let prevailing = state.app.profile.prevailing_language;
    let mut fields = Vec::new();
    for &l in &state.app.profile.languages {
        let lang = language_name(t, l);
        let mut n = FormField::new(
            format!("name_{}", l.code()),
            format!("{} ({lang})", t.t("staff-product-name")),
            "text",
        )
        .value(name(l));
        if l == prevailing {
            n = n.required();
        }
        fields.push(n);
        fields.push(
            FormField::new(
                format!("description_{}", l.code()),
                format!("{} ({lang})", t.t("staff-product-description")),
                "textarea",
            )
            .value(description(l)),
        );
    }
    fields
}

fn options(list: &[(String, String)], selected: &str) -> Vec<(String, String, bool)> {
    list.iter()
        .map(|(v, l)| (v.clone(), l.clone(), v == selected))
        .collect()
}

/// An instant as a `datetime-local` field shows it, in the house's zone.
fn local(state: &AppState, ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return String::new();
    };
    let Ok(zone) = jiff::tz::TimeZone::get(&state.app.profile.time_zone) else {
        return String::new();
    };
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(zone)
                .datetime()
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn categories(t: crate::i18n::Tr) -> Vec<(String, String)> {
    ["in_stock", "made_to_order", "custom_made"]
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                t.t(&format!("staff-category-{}", c.replace('_', "-"))),
            )
        })
        .collect()
}

async fn collection_options(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    ecrin_app::catalogue::references(&state.app)
        .await
        .map(|[c, _, _]| {
            c.into_iter()
                .map(|r| (r.slug.clone(), r.name.get(lang).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Every product, published or not, with the forms for a new product and a new
/// collection.
pub(super) async fn products(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, t, staff, .. } = visit;
    let list = match m::products(&state.app, &staff.id, None, 200).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let collections = collection_options(&state, lang).await;
    let kinds: Vec<(String, String)> = m::KINDS
        .iter()
        .map(|k| ((*k).to_owned(), t.t(&format!("staff-kind-{k}"))))
        .collect();
    let mut new_product = vec![
        FormField::new("slug", t.t("staff-product-slug"), "text").required(),
        FormField::new("collection", t.t("staff-product-collection"), "select")
            .options(options(&collections, "")),
        FormField::new("category", t.t("staff-product-category"), "select")
            .options(options(&categories(t), "in_stock")),
        FormField::new("kind", t.t("staff-product-kind"), "select")
            .options(options(&kinds, "ring")),
        FormField::new("lead_time_days", t.t("staff-lead-time"), "number"),
    ];
    new_product.extend(text_fields(&state, t, |_| String::new(), |_| String::new()));
    let mut new_collection =
        vec![FormField::new("slug", t.t("staff-product-slug"), "text").required()];
    new_collection.extend(text_fields(&state, t, |_| String::new(), |_| String::new()));
    let page = StaffPage {
        tables: vec![StaffTable {
            title: t.t("staff-products"),
            empty: t.t("staff-no-products"),
            head: [
                "staff-product-name",
                "staff-product-category",
                "staff-product-state",
                "staff-price-from",
                "staff-on-hand",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: list
                .iter()
                .map(|p| {
                    vec![
                        Cell::link(
                            p.name().get(lang).to_owned(),
                            format!("/{code}/staff/products/{}", p.slug),
                        ),
                        Cell::text(
                            t.t(&format!("staff-category-{}", p.category.replace('_', "-"))),
                        ),
                        Cell::text(t.t(state_key(p.listed, p.published))),
                        Cell::text(t.money(p.price_from)),
                        Cell::text(p.stock_units.to_string()),
                    ]
                })
                .collect(),
        }],
        forms: vec![
            StaffForm {
                id: "new-product".into(),
                action: format!("/{code}/staff/products"),
                title: t.t("staff-product-new"),
                fields: new_product,
                submit: t.t("staff-product-create"),
            },
            StaffForm {
                id: "new-collection".into(),
                action: format!("/{code}/staff/collections"),
                title: t.t("staff-collection-new"),
                fields: new_collection,
                submit: t.t("staff-collection-create"),
            },
        ],
        links: vec![
            (format!("/{code}/staff/stock"), t.t("staff-low-stock")),
            (
                format!("/{code}/staff/catalogue.csv"),
                t.t("staff-catalogue-export"),
            ),
        ],
        import: Some(format!("/{code}/staff/catalogue/import")),
        ..page
    };
    no_store(render(&page))
}

/// The catalogue as CSV, downloaded (admin).
pub(super) async fn export(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let page = visit.page(&state, "staff-products");
    match ecrin_app::catalogue_csv::export(&state.app, &visit.staff.id).await {
        Ok(csv) => (
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"catalogue.csv\"",
                ),
                (axum::http::header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(e) => refused(&state, visit.lang, page, e),
    }
}

/// A CSV file imported from the catalogue page (multipart: `csrf`, `file`, `dry_run`):
/// the report, each refused row by line and column.
pub(super) async fn import(
    State(state): State<AppState>,
    visit: StaffVisit,
    multipart: axum::extract::Multipart,
) -> Response {
    let page = visit.page(&state, "staff-catalogue-import");
    let StaffVisit {
        lang,
        staff,
        session,
        t,
        ..
    } = visit;
    let up = match checked_upload(&session, t, multipart).await {
        Ok(u) => u,
        Err(e) => return refused(&state, lang, page, e),
    };
    let dry_run = up.other.contains_key("dry_run");
    let report =
        match ecrin_app::catalogue_csv::import(&state.app, &staff.id, &up.bytes, dry_run, |_| {})
            .await
        {
            Ok(r) => r,
            Err(e) => return refused(&state, lang, page, e),
        };
    state.cache.invalidate();
    let code = lang.code();
    let page = StaffPage {
        message: Some(t.with(
            if dry_run {
                "staff-import-dry-report"
            } else {
                "staff-import-report"
            },
            &[
                ("created", report.created.to_string()),
                ("updated", report.updated.to_string()),
                ("rejected", report.rejected.len().to_string()),
            ],
        )),
        tables: vec![StaffTable {
            title: t.t("staff-import-rejected"),
            empty: t.t("staff-import-none-rejected"),
            head: [
                "staff-import-line",
                "staff-import-column",
                "staff-import-why",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: report
                .rejected
                .iter()
                .map(|r| {
                    vec![
                        Cell::text(r.line.to_string()),
                        Cell::text(r.column.clone()),
                        Cell::text(r.message.clone()),
                    ]
                })
                .collect(),
        }],
        links: vec![(format!("/{code}/staff/products"), t.t("staff-products"))],
        ..page
    };
    no_store(render(&page))
}

fn state_key(listed: bool, on_sale: bool) -> &'static str {
    match (listed, on_sale) {
        (_, true) => "staff-product-on-sale",
        (true, false) => "staff-product-scheduled",
        (false, false) => "staff-product-draft",
    }
}

fn product_input(state: &AppState, form: &Form) -> Result<ProductInput, AppError> {
    Ok(ProductInput {
        slug: field(form, "slug").map(str::to_owned),
        collection: field(form, "collection").map(str::to_owned),
        category: field(form, "category").map(str::to_owned),
        kind: field(form, "kind").map(str::to_owned),
        texts: texts_of(state, form),
        published: form
            .contains_key("published_shown")
            .then(|| form.contains_key("published")),
        published_from: field(form, "published_from").map(str::to_owned),
        published_until: field(form, "published_until").map(str::to_owned),
        lead_time_days: number(form, "lead_time_days")?,
        personalisable: form
            .contains_key("published_shown")
            .then(|| form.contains_key("personalisable")),
        engraving_max_chars: number(form, "engraving_max_chars")?,
    })
}

/// A new product, from its form.
pub(super) async fn create_product(
    State(state): State<AppState>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let done = match product_input(&state, &form) {
        Ok(input) => m::create_product(&state.app, &staff.id, &input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(p) => {
            state.cache.invalidate();
            Redirect::to(&format!(
                "/{}/staff/products/{}",
                lang.code(),
                p.product.slug
            ))
            .into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// A new collection, from its form.
pub(super) async fn create_collection(
    State(state): State<AppState>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let slug = field(&form, "slug").unwrap_or("");
    match m::put_collection(&state.app, &staff.id, slug, &texts_of(&state, &form)).await {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/products", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// A product: its form, its variants with their prices, promotions and stock journal,
/// and the forms to change each.
pub(super) async fn product(
    State(state): State<AppState>,
    visit: StaffVisit,
    PagePath((_, slug)): PagePath<(String, String)>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, t, staff, .. } = visit;
    let p = match m::product(&state.app, &staff.id, &slug).await {
        Ok(p) => p,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let tz = &state.app.profile.time_zone;
    let row = &p.product;
    let collections = collection_options(&state, lang).await;
    let kinds: Vec<(String, String)> = m::KINDS
        .iter()
        .map(|k| ((*k).to_owned(), t.t(&format!("staff-kind-{k}"))))
        .collect();
    let (name, description) = (row.name(), row.description());
    let mut fields = vec![
        FormField::new("published_shown", String::new(), "hidden").value("1"),
        FormField::new("published", t.t("staff-product-published"), "checkbox")
            .value(if row.listed { "1" } else { "" }),
        FormField::new(
            "published_from",
            t.t("staff-product-from"),
            "datetime-local",
        )
        .value(local(&state, row.published_from)),
        FormField::new(
            "published_until",
            t.t("staff-product-until"),
            "datetime-local",
        )
        .value(local(&state, row.published_until)),
        FormField::new("slug", t.t("staff-product-slug"), "text")
            .value(row.slug.clone())
            .required(),
        FormField::new("collection", t.t("staff-product-collection"), "select")
            .options(options(&collections, &row.collection)),
        FormField::new("category", t.t("staff-product-category"), "select")
            .options(options(&categories(t), &row.category)),
        FormField::new("kind", t.t("staff-product-kind"), "select")
            .options(options(&kinds, &row.kind)),
        FormField::new("lead_time_days", t.t("staff-lead-time"), "number").value(
            row.lead_time_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        FormField::new("personalisable", t.t("staff-personalisable"), "checkbox")
            .value(if row.personalisable { "1" } else { "" }),
        FormField::new("engraving_max_chars", t.t("staff-engraving-max"), "number").value(
            row.engraving_max_chars
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ];
    fields.extend(text_fields(
        &state,
        t,
        |l| name.get(l).to_owned(),
        |l| description.get(l).to_owned(),
    ));
    let materials: Vec<(String, String)> = ecrin_app::catalogue::references(&state.app)
        .await
        .map(|[_, m, _]| {
            m.into_iter()
                .map(|r| (r.slug.clone(), r.name.get(lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut stones: Vec<(String, String)> = vec![(String::new(), t.t("staff-no-stone"))];
    stones.extend(
        ecrin_app::catalogue::references(&state.app)
            .await
            .map(|[_, _, s]| {
                s.into_iter()
                    .map(|r| (r.slug.clone(), r.name.get(lang).to_owned()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let mut forms = vec![StaffForm {
        id: "product".into(),
        action: format!("/{code}/staff/products/{}", row.slug),
        title: t.t("staff-product-edit"),
        fields,
        submit: t.t("staff-save"),
    }];
    let mut tables = vec![StaffTable {
        title: t.t("staff-variants"),
        empty: t.t("staff-no-variants"),
        head: [
            "staff-sku",
            "staff-metal",
            "staff-size",
            "staff-price",
            "staff-reference-price",
            "staff-on-hand",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: p
            .variants
            .iter()
            .map(|v| {
                let r = &v.variant;
                vec![
                    Cell::text(r.sku.clone()),
                    Cell::text(
                        materials
                            .iter()
                            .find(|(s, _)| *s == r.metal)
                            .map_or(r.metal.clone(), |(_, n)| n.clone()),
                    ),
                    Cell::text(r.size.clone().unwrap_or_default()),
                    Cell::text(t.money(r.price)),
                    Cell::text(v.reference_price.map(|p| t.money(p)).unwrap_or_default()),
                    Cell::text(r.on_hand.to_string()),
                ]
            })
            .collect(),
    }];
    for v in &p.variants {
        let r = &v.variant;
        let sku = &r.sku;
        forms.push(StaffForm {
            id: format!("variant-{sku}"),
            action: format!("/{code}/staff/variants/{sku}"),
            title: format!("{} {sku}", t.t("staff-variant")),
            fields: vec![
                FormField::new("price", t.t("staff-price"), "text").value(decimal(r.price)),
                FormField::new("list_price", t.t("staff-list-price"), "text")
                    .value(r.list_price.map(decimal).unwrap_or_default()),
                FormField::new("on_hand", t.t("staff-on-hand"), "number")
                    .value(r.on_hand.to_string()),
                FormField::new(
                    "low_stock_threshold",
                    t.t("staff-low-stock-threshold"),
                    "number",
                )
                .value(r.low_stock_threshold.to_string()),
                FormField::new("size", t.t("staff-size"), "text")
                    .value(r.size.clone().unwrap_or_default()),
                FormField::new("weight_grams", t.t("staff-weight"), "number")
                    .value(r.weight_grams.to_string()),
            ],
            submit: t.t("staff-save"),
        });
        forms.push(StaffForm {
            id: format!("promotion-{sku}"),
            action: format!("/{code}/staff/variants/{sku}/promotions"),
            title: format!("{} {sku}", t.t("staff-promotion-new")),
            fields: vec![
                FormField::new("price", t.t("staff-promotion-price"), "text").required(),
                FormField::new("starts_at", t.t("staff-promotion-starts"), "datetime-local")
                    .required(),
                FormField::new("ends_at", t.t("staff-promotion-ends"), "datetime-local").required(),
            ],
            submit: t.t("staff-promotion-create"),
        });
        if !v.promotions.is_empty() {
            tables.push(StaffTable {
                title: format!("{} {sku}", t.t("staff-promotions")),
                empty: String::new(),
                head: [
                    "staff-price",
                    "staff-promotion-starts",
                    "staff-promotion-ends",
                    "staff-status",
                ]
                .iter()
                .map(|k| t.t(k))
                .collect(),
                rows: v
                    .promotions
                    .iter()
                    .map(|p| {
                        vec![
                            Cell::text(t.money(p.price)),
                            Cell::text(ecrin_app::i18n::date_time(p.starts_at, lang, tz)),
                            Cell::text(ecrin_app::i18n::date_time(p.ends_at, lang, tz)),
                            Cell::text(t.t(if p.cancelled_at.is_some() {
                                "staff-promotion-cancelled"
                            } else {
                                "staff-promotion-planned"
                            })),
                        ]
                    })
                    .collect(),
            });
        }
        let journal = m::stock_movements(&state.app, &staff.id, sku, 20)
            .await
            .unwrap_or_default();
        tables.push(StaffTable {
            title: format!("{} {sku}", t.t("staff-stock-journal")),
            empty: t.t("staff-no-stock-movements"),
            head: [
                "staff-quote-when",
                "staff-stock-delta",
                "staff-on-hand",
                "staff-stock-reason",
                "staff-stock-by",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: journal
                .iter()
                .map(|x| {
                    let by = match (&x.order_number, &x.staff_email) {
                        (Some(n), _) => Cell::link(n.clone(), format!("/{code}/staff/orders/{n}")),
                        (None, Some(e)) => Cell::text(e.clone()),
                        (None, None) => Cell::text(x.reference.clone().unwrap_or_default()),
                    };
                    vec![
                        Cell::text(date(x.at, lang, tz)),
                        Cell::text(format!("{:+}", x.delta)),
                        Cell::text(x.on_hand.to_string()),
                        Cell::text(t.t(&format!(
                            "staff-stock-reason-{}",
                            x.reason.replace('_', "-")
                        ))),
                        by,
                    ]
                })
                .collect(),
        });
    }
    forms.push(StaffForm {
        id: "new-variant".into(),
        action: format!("/{code}/staff/products/{}/variants", row.slug),
        title: t.t("staff-variant-new"),
        fields: vec![
            FormField::new("sku", t.t("staff-sku"), "text").required(),
            FormField::new("metal", t.t("staff-metal"), "select").options(options(&materials, "")),
            FormField::new("stone", t.t("staff-stone"), "select").options(options(&stones, "")),
            FormField::new("size", t.t("staff-size"), "text"),
            FormField::new("weight_grams", t.t("staff-weight"), "number").required(),
            FormField::new("price", t.t("staff-price"), "text").required(),
            FormField::new("list_price", t.t("staff-list-price"), "text"),
            FormField::new("on_hand", t.t("staff-on-hand"), "number"),
            FormField::new("lead_time_days", t.t("staff-lead-time"), "number"),
        ],
        submit: t.t("staff-variant-create"),
    });
    let photos = PhotoSection {
        action: format!("/{code}/staff/products/{}/photos", row.slug),
        photos: p
            .photos
            .iter()
            .map(|ph| {
                let w = ph.widths().first().copied().unwrap_or(480);
                (
                    ecrin_app::photos::url(&ph.hash, w, "jpg"),
                    ph.alt().get(lang).to_owned(),
                )
            })
            .collect(),
        alts: state
            .app
            .profile
            .languages
            .iter()
            .map(|l| {
                (
                    format!("alt_{}", l.code()),
                    format!("{} ({})", t.t("staff-photo-alt"), language_name(t, *l)),
                )
            })
            .collect(),
    };
    let page = StaffPage {
        photos: Some(photos),
        heading: name.get(lang).to_owned(),
        message: Some(t.t(state_key(row.listed, row.published))),
        tables,
        forms,
        links: vec![
            (format!("/{code}/staff/products"), t.t("staff-products")),
            (
                format!("/{code}/products/{}", row.slug),
                t.t("staff-product-view"),
            ),
        ],
        ..page
    };
    no_store(render(&page))
}

/// Minor units as a form shows them: `1890.50`.
fn decimal(amount: i64) -> String {
    format!("{}.{:02}", amount / 100, amount % 100)
}

/// A product's fields, from its form.
pub(super) async fn update_product(
    State(state): State<AppState>,
    PagePath((_, slug)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let done = match product_input(&state, &form) {
        Ok(input) => m::update_product(&state.app, &staff.id, &slug, &input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(p) => {
            state.cache.invalidate();
            Redirect::to(&format!(
                "/{}/staff/products/{}",
                lang.code(),
                p.product.slug
            ))
            .into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

fn variant_input(form: &Form) -> Result<VariantInput, AppError> {
    Ok(VariantInput {
        sku: field(form, "sku").map(str::to_owned),
        metal: field(form, "metal").map(str::to_owned),
        stone: field(form, "stone").map(str::to_owned),
        size: field(form, "size").map(str::to_owned),
        weight_grams: number(form, "weight_grams")?,
        price: amount(form, "price")?,
        list_price: match field(form, "list_price") {
            Some("") => Some(0),
            _ => amount(form, "list_price")?,
        },
        on_hand: number(form, "on_hand")?,
        lead_time_days: number(form, "lead_time_days")?,
        personalisable: None,
        engraving_max_chars: None,
        low_stock_threshold: number(form, "low_stock_threshold")?,
    })
}

/// A new variant, from its form.
pub(super) async fn create_variant(
    State(state): State<AppState>,
    PagePath((_, slug)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let mut input = match variant_input(&form) {
        Ok(i) => i,
        Err(e) => return refused(&state, lang, page, e),
    };
    // A new variant has no list price to clear.
    input.list_price = input.list_price.filter(|p| *p > 0);
    match m::create_variant(&state.app, &staff.id, &slug, &input).await {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/products/{slug}", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// A variant's price, stock and fields, from its form. An unchanged price or count is left
/// alone, so saving the form twice adds nothing to the history or the journal.
pub(super) async fn update_variant(
    State(state): State<AppState>,
    PagePath((_, sku)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let current = match m::variant(&state.app, &staff.id, &sku).await {
        Ok(v) => v.variant,
        Err(e) => return refused(&state, lang, page, e),
    };
    let mut input = match variant_input(&form) {
        Ok(i) => i,
        Err(e) => return refused(&state, lang, page, e),
    };
    input.price = input.price.filter(|p| *p != current.price);
    input.on_hand = input.on_hand.filter(|n| *n != current.on_hand);
    let done = if staff.role == ecrin_core::account::Role::Warehouse {
        // The warehouse counts stock and nothing else.
        match input.on_hand {
            Some(n) => ecrin_app::catalogue::set_stock(&state.app, &staff.id, &sku, n)
                .await
                .map(|_| ()),
            None => Ok(()),
        }
    } else {
        m::update_variant(&state.app, &staff.id, &sku, &input)
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) => {
            state.cache.invalidate();
            Redirect::to(&format!(
                "/{}/staff/products/{}",
                lang.code(),
                current.product_slug
            ))
            .into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// A promotion, from its form.
pub(super) async fn promote(
    State(state): State<AppState>,
    PagePath((_, sku)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<Form>,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit { lang, staff, .. } = visit;
    let price = match amount(&form, "price") {
        Ok(Some(p)) => p,
        Ok(None) => return refused(&state, lang, page, invalid("price")),
        Err(e) => return refused(&state, lang, page, e),
    };
    let starts = field(&form, "starts_at").unwrap_or("");
    let ends = field(&form, "ends_at").unwrap_or("");
    match m::add_promotion(&state.app, &staff.id, &sku, price, starts, ends).await {
        Ok(_) => {
            state.cache.invalidate();
            let slug = m::variant(&state.app, &staff.id, &sku)
                .await
                .map(|v| v.variant.product_slug)
                .unwrap_or_default();
            Redirect::to(&format!("/{}/staff/products/{slug}", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// The pieces in stock at or under their threshold.
pub(super) async fn low_stock(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let page = visit.page(&state, "staff-low-stock");
    let StaffVisit { lang, t, staff, .. } = visit;
    let list = match m::low_stock(&state.app, &staff.id).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let page = StaffPage {
        tables: vec![StaffTable {
            title: t.t("staff-low-stock"),
            empty: t.t("staff-no-low-stock"),
            head: [
                "staff-product-name",
                "staff-sku",
                "staff-on-hand",
                "staff-low-stock-threshold",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: list
                .iter()
                .map(|l| {
                    let name = match lang {
                        Lang::Fr => &l.name_fr,
                        Lang::En => &l.name_en,
                        Lang::It => &l.name_it,
                    };
                    vec![
                        Cell::link(
                            name.clone(),
                            format!("/{code}/staff/products/{}", l.product_slug),
                        ),
                        Cell::text(l.sku.clone()),
                        Cell::text(l.on_hand.to_string()),
                        Cell::text(l.low_stock_threshold.to_string()),
                    ]
                })
                .collect(),
        }],
        ..page
    };
    no_store(render(&page))
}

/// A file sent from a page (multipart), taken once the form's token matches the page
/// session's.
async fn checked_upload(
    session: &ecrin_app::sessions::PageSession,
    t: crate::i18n::Tr,
    multipart: axum::extract::Multipart,
) -> Result<crate::api::merchandise::PhotoUpload, AppError> {
    let up = crate::api::merchandise::read_upload(multipart)
        .await
        .map_err(|e| AppError::from(ecrin_core::Refusal::new("invalid_upload", e.detail)))?;
    let token = up.other.get("csrf").map(String::as_str).unwrap_or("");
    if !crate::storefront::account::csrf_ok(session, token) {
        return Err(ecrin_core::Refusal::of(
            ecrin_core::refusal::RefusalKind::Forbidden,
            "form_expired",
            t.t("error-form-expired"),
        )
        .into());
    }
    Ok(up)
}

/// A photo sent from the product's page (multipart: `csrf`, `file`, `alt_<lang>`).
pub(super) async fn add_photo(
    State(state): State<AppState>,
    PagePath((_, slug)): PagePath<(String, String)>,
    visit: StaffVisit,
    multipart: axum::extract::Multipart,
) -> Response {
    let page = visit.page(&state, "staff-products");
    let StaffVisit {
        lang,
        staff,
        session,
        t,
        ..
    } = visit;
    let up = match checked_upload(&session, t, multipart).await {
        Ok(u) => u,
        Err(e) => return refused(&state, lang, page, e),
    };
    match ecrin_app::photos::add(
        &state.app,
        &staff.id,
        &slug,
        up.bytes,
        &up.file_name,
        &up.alt,
    )
    .await
    {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/products/{slug}#photos", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}
