//! The back office's orders (CHK-7 … CHK-12): recent orders and refused ones, boutique
//! pick-ups to confirm, the terms versions and their publication, disputes, and the phone
//! order entered for a customer. Each page goes through the same use cases as the API.

use super::{
    Cell, FormField, Posted, StaffForm, StaffPage, StaffTable, StaffVisit, WithCsrf, refused,
};
use crate::AppState;
use crate::i18n::Tr;
use crate::storefront::account::{csrf_ok, no_store};
use crate::storefront::checkout::{address_lines, civil_date};
use crate::storefront::legal::date;
use crate::storefront::{PagePath, render};
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::checkout::{self, AddressSource, CheckoutInput, Confirmation, Summary, WantedLine};
use ecrin_app::model::{Localized, Staff};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use serde::Deserialize;

fn expired(t: Tr) -> AppError {
    Refusal::of(
        ecrin_core::refusal::RefusalKind::Forbidden,
        "form_expired",
        t.t("error-form-expired"),
    )
    .into()
}

fn status_text(t: Tr, status: ecrin_core::order::OrderState) -> String {
    t.t(&format!(
        "order-status-{}",
        status.as_str().replace('_', "-")
    ))
}

/// The order list, filtered and searched, a page at a time; pick-ups to confirm, and
/// refused orders (CHK-9) for customer service.
pub(super) async fn list(
    State(state): State<AppState>,
    visit: StaffVisit,
    RawQuery(raw): RawQuery,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let mut page =
        StaffPage::new(&state, lang, &uri, t.t("staff-orders"), s.csrf).signed(t, &staff);
    let code = lang.code();
    let filter = crate::rawquery::order_filter(raw.as_deref()).unwrap_or_default();
    page.filter = Some(filter_form(t, code, &filter));
    let list = match checkout::order_list(&state.app, &staff.id, &filter).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    page.next = list.next.as_ref().map(|cursor| {
        let mut f = filter.clone();
        f.cursor = Some(cursor.clone());
        (
            format!("/{code}/staff/orders?{}", filter_query(&f)),
            t.t("staff-orders-next"),
        )
    });
    let orders = list.orders;
    let tz = &state.app.profile.time_zone;
    let mut forms = Vec::new();
    let rows = orders
        .iter()
        .map(|o| {
            let doc = checkout::document(o).ok();
            let pickup = doc.as_ref().is_some_and(|d| d.method.boutique_pickup);
            if pickup && o.pickup_confirmed_at.is_none() {
                forms.push(StaffForm {
                    id: format!("pickup-{}", o.number),
                    action: format!("/{code}/staff/orders/{}/confirm-pickup", o.number),
                    title: String::new(),
                    fields: Vec::new(),
                    submit: t.with("staff-confirm-pickup", &[("number", o.number.clone())]),
                });
            }
            let mut notes = Vec::new();
            if o.confirmed_by_staff_id.is_some() {
                notes.push(t.t("staff-phone-order"));
            }
            if doc.as_ref().is_some_and(|d| d.gift.is_some()) {
                notes.push(t.t("checkout-gift"));
            }
            if pickup {
                notes.push(if o.pickup_confirmed_at.is_some() {
                    t.t("staff-pickup-confirmed")
                } else {
                    t.t("staff-pickup-to-confirm")
                });
            }
            vec![
                Cell::link(
                    o.number.clone(),
                    format!("/{code}/staff/orders/{}", o.number),
                ),
                Cell::text(date(o.placed_at, lang, tz)),
                Cell::link(
                    o.customer_id.clone(),
                    format!("/{code}/staff/customers/{}", o.customer_id),
                ),
                Cell::text(t.money(o.total)),
                Cell::text(status_text(t, o.status)),
                Cell::text(t.t(&format!("payment-{}", o.payment_method))),
                Cell::text(format!(
                    "{} · {}",
                    o.terms_version,
                    &o.terms_sha256[..12.min(o.terms_sha256.len())]
                )),
                Cell::text(notes.join(" · ")),
            ]
        })
        .collect();
    let mut tables = vec![StaffTable {
        title: t.t("staff-orders-recent"),
        empty: t.t("staff-no-orders"),
        head: [
            "staff-order-number",
            "staff-quote-when",
            "staff-customer",
            "summary-total",
            "staff-status",
            "summary-payment",
            "staff-terms-accepted",
            "staff-notes",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows,
    }];
    // CHK-9: refusals are for those who see customers.
    if let Ok(list) = checkout::refusals(&state.app, &staff.id, None).await {
        tables.push(refusal_table(t, lang, tz, &list));
    }
    let page = StaffPage {
        tables,
        forms,
        ..page
    };
    no_store(render(&page))
}

/// The list's filter as a form: search, state, days placed, customer.
fn filter_form(t: Tr, code: &str, f: &checkout::OrderFilter) -> StaffForm {
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    let status = v(&f.status);
    let mut options = vec![(
        String::new(),
        t.t("staff-orders-any-status"),
        status.is_empty(),
    )];
    options.extend(ecrin_core::order::OrderState::ALL.iter().map(|s| {
        (
            s.as_str().to_owned(),
            status_text(t, *s),
            s.as_str() == status,
        )
    }));
    StaffForm {
        id: "order-filter".into(),
        action: format!("/{code}/staff/orders"),
        title: String::new(),
        fields: vec![
            FormField::new("q", t.t("staff-orders-search"), "search").value(v(&f.q)),
            FormField::new("status", t.t("staff-status"), "select").options(options),
            FormField::new("from", t.t("staff-orders-from"), "date").value(v(&f.from)),
            FormField::new("to", t.t("staff-orders-to"), "date").value(v(&f.to)),
            FormField::new("customer", t.t("staff-customer"), "text").value(v(&f.customer)),
        ],
        submit: t.t("staff-orders-filter"),
    }
}

/// The query string of a filter, its empty fields left out.
fn filter_query(f: &checkout::OrderFilter) -> String {
    let pairs = [
        ("q", &f.q),
        ("status", &f.status),
        ("from", &f.from),
        ("to", &f.to),
        ("customer", &f.customer),
        ("limit", &f.limit),
        ("cursor", &f.cursor),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let v = v.as_deref().filter(|v| !v.is_empty())?;
            Some(format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            ))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn refusal_table(
    t: Tr,
    lang: Lang,
    tz: &str,
    list: &[ecrin_app::model::OrderRefusal],
) -> StaffTable {
    let code = lang.code();
    StaffTable {
        title: t.t("staff-refusals"),
        empty: t.t("staff-no-refusals"),
        head: [
            "staff-quote-when",
            "staff-customer",
            "staff-refusal",
            "staff-ip",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: list
            .iter()
            .map(|r| {
                vec![
                    Cell::text(date(r.at, lang, tz)),
                    Cell::link(
                        r.customer_id.clone(),
                        format!("/{code}/staff/customers/{}", r.customer_id),
                    ),
                    Cell::text(format!("{} — {}", r.reason, r.detail)),
                    Cell::text(match &r.staff_id {
                        Some(s) => format!("{} ({s})", r.ip),
                        None => r.ip.clone(),
                    }),
                ]
            })
            .collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl WithCsrf for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// CHK-12: customer service confirms a boutique pick-up.
pub(super) async fn confirm_pickup(
    State(state): State<AppState>,
    PagePath((_, number)): PagePath<(String, String)>,
    Posted { visit, .. }: Posted<CsrfOnly>,
) -> Response {
    let page = visit.page(&state, "staff-orders");
    let StaffVisit { lang, staff, .. } = visit;
    match checkout::confirm_pickup(&state.app, &staff.id, &number).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/orders", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

fn now_local(state: &AppState) -> String {
    let zone =
        jiff::tz::TimeZone::get(&state.app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    state
        .app
        .clock
        .now()
        .to_zoned(zone)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn terms_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    staff: &Staff,
) -> Result<StaffPage, AppError> {
    let t = Tr::new(lang);
    let tz = &state.app.profile.time_zone;
    let versions = ecrin_app::terms::versions(&state.app).await?;
    let in_force = ecrin_app::terms::version_in_force(&state.app)
        .await?
        .map(|v| v.version);
    let code = lang.code();
    let rows = versions
        .iter()
        .map(|v| {
            vec![
                Cell::link(
                    v.version.clone(),
                    format!("/{code}/legal/terms?version={}", v.version),
                ),
                Cell::text(date(v.effective_from_ms, lang, tz)),
                Cell::text(date(v.published_at_ms, lang, tz)),
                Cell::text(ecrin_app::terms::sha256(v.body.get(lang))),
                Cell::text(if in_force.as_deref() == Some(v.version.as_str()) {
                    t.t("staff-terms-in-force")
                } else {
                    String::new()
                }),
            ]
        })
        .collect();
    let mut page = StaffPage::new(state, lang, uri, t.t("staff-terms"), csrf).signed(t, staff);
    page.tables.push(StaffTable {
        title: t.t("staff-terms-versions"),
        empty: String::new(),
        head: [
            "staff-terms-version",
            "staff-terms-effective",
            "staff-terms-published",
            "staff-terms-sha256",
            "staff-status",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows,
    });
    if staff.role == ecrin_core::account::Role::Admin {
        page.forms.push(StaffForm {
            id: "terms".into(),
            action: format!("/{code}/staff/terms"),
            title: t.t("staff-terms-publish"),
            fields: vec![
                FormField::new("version", t.t("staff-terms-version"), "text").required(),
                FormField::new(
                    "effective_from",
                    t.t("staff-terms-effective"),
                    "datetime-local",
                )
                .value(now_local(state)),
                FormField::new("body_fr", t.t("staff-terms-body-fr"), "textarea").required(),
                FormField::new("body_en", t.t("staff-terms-body-en"), "textarea").required(),
                FormField::new("body_it", t.t("staff-terms-body-it"), "textarea").required(),
            ],
            submit: t.t("staff-terms-publish"),
        });
    }
    Ok(page)
}

/// CHK-7, CHK-8: the published versions and, for an admin, the form to publish one.
pub(super) async fn terms(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    match terms_page(&state, lang, &uri, s.csrf.clone(), &staff).await {
        Ok(p) => no_store(render(&p)),
        Err(e) => {
            let page =
                StaffPage::new(&state, lang, &uri, t.t("staff-terms"), s.csrf).signed(t, &staff);
            refused(&state, lang, page, e)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TermsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    body_fr: String,
    #[serde(default)]
    body_en: String,
    #[serde(default)]
    body_it: String,
}

/// CHK-8: an admin publishes a new version, in force from the date given (the merchant's
/// time zone).
pub(super) async fn publish_terms(
    State(state): State<AppState>,
    visit: StaffVisit,
    Form(form): Form<TermsForm>,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = match terms_page(&state, lang, &uri, s.csrf.clone(), &staff).await {
        Ok(p) => p,
        Err(e) => {
            return crate::storefront::account::fail(
                &state,
                crate::storefront::PageError::from_app(lang, e),
            );
        }
    };
    if !csrf_ok(&s, &form.csrf) {
        return refused(&state, lang, page, expired(t));
    }
    let zone =
        jiff::tz::TimeZone::get(&state.app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let effective = if form.effective_from.trim().is_empty() {
        Some(state.app.clock.now_ms())
    } else {
        form.effective_from
            .trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(zone).ok())
            .map(|z| z.timestamp().as_millisecond())
    };
    let Some(effective) = effective else {
        let e = AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "effective_from".into(),
            reason: "invalid_date",
        }]);
        return refused(&state, lang, page, e);
    };
    let body = Localized {
        fr: form.body_fr,
        en: form.body_en,
        it: form.body_it,
    };
    match ecrin_app::terms::publish(&state.app, &staff.id, &form.version, effective, body).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/terms", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DisputeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    open: String,
}

impl WithCsrf for DisputeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// CHK-9: opens or closes a dispute with a customer.
pub(super) async fn dispute(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<DisputeForm>,
) -> Response {
    let page = visit.page(&state, "staff-customer");
    let StaffVisit { lang, staff, .. } = visit;
    match checkout::set_dispute(&state.app, &staff.id, &id, form.open == "1").await {
        Ok(()) => Redirect::to(&format!("/{}/staff/customers/{id}", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku1: String,
    #[serde(default)]
    qty1: String,
    #[serde(default)]
    sku2: String,
    #[serde(default)]
    qty2: String,
    #[serde(default)]
    sku3: String,
    #[serde(default)]
    qty3: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    address: String,
}

async fn phone_form(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    staff: &Staff,
    customer_id: &str,
) -> Result<StaffPage, AppError> {
    let t = Tr::new(lang);
    let c = ecrin_app::backoffice::view_customer(&state.app, &staff.id, customer_id).await?;
    let p = &state.app.profile;
    let addresses = ecrin_app::customers::addresses(&state.app, customer_id).await?;
    let mut page = StaffPage::new(
        state,
        lang,
        uri,
        t.with(
            "staff-phone-order-for",
            &[("name", format!("{} {}", c.given_name, c.family_name))],
        ),
        csrf,
    )
    .signed(t, staff);
    let mut fields = Vec::new();
    for (sku, qty) in [("sku1", "qty1"), ("sku2", "qty2"), ("sku3", "qty3")] {
        fields.push(FormField::new(sku, t.t("staff-sku"), "text"));
        fields.push(FormField::new(qty, t.t("basket-quantity"), "number").value("1"));
    }
    fields.push(
        FormField::new("method", t.t("checkout-method"), "select").options(
            p.delivery
                .methods
                .iter()
                .map(|m| {
                    (
                        m.id.clone(),
                        m.carrier.clone(),
                        m.id == p.delivery.standard_method,
                    )
                })
                .collect(),
        ),
    );
    if !p.delivery.boutiques.is_empty() {
        fields.push(
            FormField::new("boutique", t.t("checkout-boutique"), "select").options(
                p.delivery
                    .boutiques
                    .iter()
                    .map(|b| (b.id.clone(), b.name.clone(), false))
                    .collect(),
            ),
        );
    }
    fields.push(
        FormField::new("address", t.t("checkout-delivery-address"), "select").options(
            addresses
                .into_iter()
                .map(|a| {
                    let default = a.is_default;
                    (a.id.clone(), address_lines(&a.into()).join(", "), default)
                })
                .collect(),
        ),
    );
    page.forms.push(StaffForm {
        id: "phone".into(),
        action: format!("/{}/staff/customers/{customer_id}/phone-order", lang.code()),
        title: String::new(),
        fields,
        submit: t.t("checkout-review"),
    });
    Ok(page)
}

/// CHK-11 (`milano`): the phone order's lines and delivery, for a customer.
pub(super) async fn phone_order_form(
    State(state): State<AppState>,
    visit: StaffVisit,
    PagePath((_, id)): PagePath<(String, String)>,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    if !state.app.profile.payment.phone_orders {
        let page =
            StaffPage::new(&state, lang, &uri, t.t("staff-orders"), s.csrf).signed(t, &staff);
        return refused(
            &state,
            lang,
            page,
            Refusal::new("not_offered", t.t("staff-no-phone-orders")).into(),
        );
    }
    match phone_form(&state, lang, &uri, s.csrf.clone(), &staff, &id).await {
        Ok(p) => no_store(render(&p)),
        Err(e) => {
            let page =
                StaffPage::new(&state, lang, &uri, t.t("staff-orders"), s.csrf).signed(t, &staff);
            refused(&state, lang, page, e)
        }
    }
}

fn summary_tables(t: Tr, lang: Lang, s: &Summary) -> Vec<StaffTable> {
    let mut rows: Vec<Vec<Cell>> = s
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(format!("{} ({})", l.name, l.sku)),
                Cell::text(l.quantity.to_string()),
                Cell::text(t.money(l.unit_price_excl_vat)),
                Cell::text(format!("{} %", l.vat_rate)),
                Cell::text(t.money(l.line_total_incl_vat)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::text(t.with("summary-delivery", &[("method", s.method.carrier.clone())])),
        Cell::text(String::new()),
        Cell::text(String::new()),
        Cell::text(String::new()),
        Cell::text(t.money(s.delivery_charge)),
    ]);
    rows.push(vec![
        Cell::text(t.t("summary-total")),
        Cell::text(String::new()),
        Cell::text(t.money(s.total_excl_vat)),
        Cell::text(t.money(s.vat_total)),
        Cell::text(t.money(s.total)),
    ]);
    rows.push(vec![
        Cell::text(t.with(
            "summary-arrival",
            &[("date", civil_date(&s.estimated_delivery_date, lang))],
        )),
        Cell::text(String::new()),
        Cell::text(String::new()),
        Cell::text(String::new()),
        Cell::text(String::new()),
    ]);
    vec![StaffTable {
        title: t.t("summary-title"),
        empty: String::new(),
        head: [
            "summary-piece",
            "basket-quantity",
            "summary-unit-excl",
            "summary-rate",
            "summary-line-total",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows,
    }]
}

/// CHK-11: prices the phone order and shows the summary to read to the customer, with the
/// form that records their verbal confirmation.
pub(super) async fn phone_summary(
    State(state): State<AppState>,
    visit: StaffVisit,
    PagePath((_, id)): PagePath<(String, String)>,
    Form(form): Form<PhoneForm>,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = match phone_form(&state, lang, &uri, s.csrf.clone(), &staff, &id).await {
        Ok(p) => p,
        Err(e) => {
            let page =
                StaffPage::new(&state, lang, &uri, t.t("staff-orders"), s.csrf).signed(t, &staff);
            return refused(&state, lang, page, e);
        }
    };
    if !csrf_ok(&s, &form.csrf) {
        return refused(&state, lang, page, expired(t));
    }
    let lines: Vec<WantedLine> = [
        (&form.sku1, &form.qty1),
        (&form.sku2, &form.qty2),
        (&form.sku3, &form.qty3),
    ]
    .into_iter()
    .filter(|(sku, _)| !sku.trim().is_empty())
    .map(|(sku, qty)| WantedLine {
        sku: sku.trim().to_owned(),
        quantity: qty.trim().parse().unwrap_or(0),
        personalisation: None,
    })
    .collect();
    let pickup =
        state.app.profile.delivery.methods.iter().any(|m| {
            m.id == form.method && m.kind == ecrin_core::profile::MethodKind::BoutiquePickup
        });
    let input = CheckoutInput {
        delivery_address: if form.address.is_empty() {
            AddressSource::AccountDefault
        } else {
            AddressSource::Saved(form.address.clone())
        },
        billing_address: None,
        delivery_method: Some(form.method.clone()),
        pickup_boutique: pickup.then(|| form.boutique.clone()),
        gift: None,
        lang: None,
        delivery_date_essential: false,
    };
    let summary = match checkout::phone_checkout(&state.app, &staff.id, &id, lines, &input).await {
        Ok(x) => x,
        Err(e) => return refused(&state, lang, page, e),
    };
    let mut page = StaffPage {
        tables: summary_tables(t, lang, &summary),
        forms: Vec::new(),
        message: Some(t.t("staff-phone-read")),
        ..page
    };
    page.forms.push(StaffForm {
        id: "confirm".into(),
        action: format!(
            "/{}/staff/customers/{id}/phone-order/{}",
            lang.code(),
            summary.id
        ),
        title: String::new(),
        fields: vec![
            FormField::new("terms_version", String::new(), "hidden")
                .value(summary.terms.version.clone()),
            FormField::new("payment_method", t.t("summary-payment"), "select").options(
                summary
                    .payment_methods
                    .iter()
                    .map(|m| (m.clone(), t.t(&format!("payment-{m}")), false))
                    .collect(),
            ),
            FormField::new(
                "verbal_confirmation",
                t.with(
                    "staff-verbal",
                    &[("version", summary.terms.version.clone())],
                ),
                "checkbox",
            )
            .required(),
        ],
        submit: t.t("staff-phone-place"),
    });
    no_store(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PhoneConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    terms_version: String,
    #[serde(default)]
    payment_method: String,
    #[serde(default)]
    verbal_confirmation: Option<String>,
}

impl WithCsrf for PhoneConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// CHK-11: places the phone order on the customer's verbal confirmation.
pub(super) async fn phone_place(
    State(state): State<AppState>,
    PagePath((_, id, checkout_id)): PagePath<(String, String, String)>,
    client: crate::api::checkout::Client,
    Posted { visit, form }: Posted<PhoneConfirmForm>,
) -> Response {
    let page = visit.page(&state, "staff-orders");
    let StaffVisit { lang, staff, .. } = visit;
    let confirmed = form.verbal_confirmation.is_some();
    let placed = checkout::place_phone_order(
        &state.app,
        &staff.id,
        &id,
        &Confirmation {
            checkout_id,
            accept_terms: confirmed,
            terms_version: form.terms_version,
            confirm_obligation_to_pay: confirmed,
            payment_method: form.payment_method,
            ip: client.ip,
            user_agent: client.user_agent,
            idempotency: None,
        },
    )
    .await;
    match placed {
        Ok(_) => Redirect::to(&format!("/{}/staff/orders", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}
