//! The checkout's pages (CHK-1 … CHK-12, DLV-2, ACC-6): the choices (delivery method,
//! addresses, gift), the priced summary with the terms to accept and the button that
//! confirms the order and the obligation to pay, then the order's page in "My Orders".
//!
//! Every form works without JavaScript: post, then redirect to the next page.

use super::account::{csrf_ok, fail, no_store};
use super::my_account::signed_in_then;
use super::{Layout, PageError, PagePath, field_messages, render};
use crate::AppState;
use crate::extract::{CustomerForm, PageLang, SignedIn, WithCsrf};
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::basket;
use ecrin_app::checkout::{
    self, AddressSource, CheckoutInput, Confirmation, GiftInput, PostalAddress, Summary,
};
pub(crate) use ecrin_app::i18n::civil_date;
use ecrin_app::model::{BasketOwner, Customer, Order};
use ecrin_app::privacy::AddressForm;
use ecrin_core::Lang;
use ecrin_core::profile::MethodKind;
use serde::Deserialize;

/// The lines of an address as it is written on an envelope.
pub(crate) fn address_lines(a: &PostalAddress) -> Vec<String> {
    a.lines()
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CheckoutFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    boutique: String,
    /// An address id, or `new`.
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    phone: String,
    /// `same` (as delivery), or an address id.
    #[serde(default)]
    billing: String,
    #[serde(default)]
    gift: Option<String>,
    #[serde(default)]
    recipient_given_name: String,
    #[serde(default)]
    recipient_family_name: String,
    #[serde(default)]
    recipient_email: String,
    #[serde(default)]
    gift_message: String,
    #[serde(default)]
    gift_wrapping: Option<String>,
    #[serde(default)]
    show_prices: Option<String>,
    #[serde(default)]
    essential: Option<String>,
}

struct Choice {
    value: String,
    label: String,
    hint: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "checkout/form.html")]
struct FormPage {
    layout: Layout,
    csrf: String,
    basket_line: String,
    methods: Vec<Choice>,
    boutiques: Vec<Choice>,
    has_pickup: bool,
    addresses: Vec<Choice>,
    new_address: bool,
    billing: Vec<Choice>,
    f: CheckoutFields,
    gift: bool,
    wrapping_offered: bool,
    contact: Vec<String>,
    errors: Vec<(String, String)>,
}

fn input_of(f: &CheckoutFields, lang: Lang, profile: &ecrin_core::Profile) -> CheckoutInput {
    let delivery = if f.delivery == "new" {
        AddressSource::Typed(Box::new(AddressForm {
            given_name: f.given_name.clone(),
            family_name: f.family_name.clone(),
            company: f.company.clone(),
            line1: f.line1.clone(),
            line2: f.line2.clone(),
            postcode: f.postcode.clone(),
            city: f.city.clone(),
            country: f.country.clone(),
            phone: f.phone.clone(),
            ..AddressForm::default()
        }))
    } else if f.delivery.is_empty() {
        AddressSource::AccountDefault
    } else {
        AddressSource::Saved(f.delivery.clone())
    };
    let billing = match f.billing.as_str() {
        "" | "same" => None,
        id => Some(AddressSource::Saved(id.to_owned())),
    };
    let gift = f.gift.is_some().then(|| GiftInput {
        given_name: f.recipient_given_name.clone(),
        family_name: f.recipient_family_name.clone(),
        email: f.recipient_email.clone(),
        message: f.gift_message.clone(),
        wrapping: f.gift_wrapping.is_some(),
        hide_prices: f.show_prices.is_none(),
    });
    CheckoutInput {
        delivery_address: delivery,
        billing_address: billing,
        delivery_method: (!f.method.is_empty()).then(|| f.method.clone()),
        // The boutique list is always sent; it counts only with the pick-up method.
        pickup_boutique: profile
            .delivery
            .methods
            .iter()
            .any(|m| m.id == f.method && m.kind == MethodKind::BoutiquePickup)
            .then(|| f.boutique.clone())
            .filter(|b| !b.is_empty()),
        gift,
        lang: Some(lang),
        delivery_date_essential: f.essential.is_some(),
    }
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    c: &Customer,
    f: CheckoutFields,
    errors: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let t = Tr::new(lang);
    let app = &state.app;
    let p = &app.profile;
    let view = basket::basket_of(app, &BasketOwner::Customer(c.id.clone())).await?;
    if view.lines.is_empty() && errors.is_empty() {
        return Ok(Redirect::to(&format!("/{}/basket", lang.code())).into_response());
    }
    let saved = ecrin_app::customers::addresses(app, &c.id).await?;
    let method = if f.method.is_empty() {
        p.delivery.standard_method.clone()
    } else {
        f.method.clone()
    };
    let methods = p
        .delivery
        .methods
        .iter()
        .map(|m| Choice {
            value: m.id.clone(),
            label: match m.kind {
                MethodKind::BoutiquePickup => {
                    t.with("checkout-method-pickup", &[("name", m.carrier.clone())])
                }
                MethodKind::Carrier => m.carrier.clone(),
            },
            hint: match m.kind {
                MethodKind::BoutiquePickup => t.t("checkout-method-pickup-hint"),
                MethodKind::Carrier => t.with(
                    "checkout-method-transit",
                    &[
                        ("min", m.transit_working_days[0].to_string()),
                        ("max", m.transit_working_days[1].to_string()),
                    ],
                ),
            },
            checked: m.id == method,
        })
        .collect();
    let boutiques = p
        .delivery
        .boutiques
        .iter()
        .enumerate()
        .map(|(i, b)| Choice {
            value: b.id.clone(),
            label: b.name.clone(),
            hint: b.address.clone(),
            checked: b.id == f.boutique || (f.boutique.is_empty() && i == 0),
        })
        .collect();
    let chosen = if f.delivery.is_empty() {
        saved
            .iter()
            .find(|a| a.is_default)
            .map(|a| a.id.clone())
            .unwrap_or_else(|| "new".into())
    } else {
        f.delivery.clone()
    };
    let addresses = saved
        .iter()
        .map(|a| Choice {
            value: a.id.clone(),
            label: address_lines(&a.clone().into()).join(", "),
            hint: String::new(),
            checked: a.id == chosen,
        })
        .collect();
    let mut billing = vec![Choice {
        value: "same".into(),
        label: t.t("checkout-billing-same"),
        hint: String::new(),
        checked: f.billing.is_empty() || f.billing == "same",
    }];
    billing.extend(saved.iter().map(|a| Choice {
        value: a.id.clone(),
        label: address_lines(&a.clone().into()).join(", "),
        hint: String::new(),
        checked: a.id == f.billing,
    }));
    let page = FormPage {
        layout: Layout::new(p, lang, uri, t.t("checkout-title")),
        csrf,
        basket_line: format!(
            "{} · {}",
            t.count("basket-pieces", "count", i64::from(view.units)),
            t.money(view.total)
        ),
        methods,
        boutiques,
        has_pickup: p
            .delivery
            .methods
            .iter()
            .any(|m| m.kind == MethodKind::BoutiquePickup),
        addresses,
        new_address: chosen == "new",
        billing,
        gift: f.gift.is_some(),
        wrapping_offered: p.delivery.gift_wrapping,
        contact: [
            format!("{} {} {}", c.title, c.given_name, c.family_name),
            c.email.clone(),
            c.phone.clone(),
        ]
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect(),
        f,
        errors,
    };
    Ok(no_store(render(&page)))
}

/// CHK-2: the checkout's choices; a visitor logs in first and comes back (ACC-6).
pub(crate) async fn form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let next = format!("/{}/checkout", lang.code());
    let (s, c) = match signed_in_then(&state, lang, &headers, Some(&next)).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match form_page(
        &state,
        lang,
        &uri,
        s.csrf,
        &c,
        CheckoutFields::default(),
        Vec::new(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// CHK-1 … CHK-6: prices the basket with the choices, then shows the summary.
pub(crate) async fn submit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(f): Form<CheckoutFields>,
) -> Response {
    let next = format!("/{}/checkout", lang.code());
    let (s, c) = match signed_in_then(&state, lang, &headers, Some(&next)).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !csrf_ok(&s, &f.csrf) {
        return fail(
            &state,
            PageError::BadRequest(lang, Tr::new(lang).t("error-form-expired")),
        );
    }
    let t = Tr::new(lang);
    match checkout::checkout(&state.app, &c.id, &input_of(&f, lang, &state.app.profile)).await {
        Ok(summary) => {
            Redirect::to(&format!("/{}/checkout/{}", lang.code(), summary.id)).into_response()
        }
        Err(e) => {
            let (status, errors) = match e {
                AppError::Invalid(errors) => (StatusCode::BAD_REQUEST, field_messages(t, &errors)),
                AppError::Refused(r) => (
                    crate::error::status_of(&r),
                    vec![(String::new(), refusal_text(t, r.code, &r.detail))],
                ),
                other => return fail(&state, PageError::from_app(lang, other)),
            };
            match form_page(&state, lang, &uri, s.csrf.clone(), &c, f, errors).await {
                Ok(r) => (status, r).into_response(),
                Err(e) => fail(&state, PageError::from_app(lang, e)),
            }
        }
    }
}

/// The words of a refusal in the page's language when it has some, else its detail.
fn refusal_text(t: Tr, code: &str, detail: &str) -> String {
    // Message identifiers cannot hold `:` (`order_refused:quantity`).
    let key = format!("error-{}", code.replace(':', "-"));
    t.try_with(&key, &[("detail", detail.to_owned())])
        .unwrap_or_else(|| detail.to_owned())
}

struct LineRow {
    name: String,
    detail: String,
    quantity: u32,
    unit_excl: String,
    rate: String,
    unit_incl: String,
    total_incl: String,
    withdrawable: bool,
}

struct OrderInfo {
    number: String,
    placed: String,
    /// Bank-transfer instructions: (term, value).
    transfer: Vec<(String, String)>,
    card_note: bool,
    /// PAY-1: the shop's payment link (to the provider's page), while a card is due.
    pay_url: Option<String>,
    /// PAY-1: back from the provider's page: the payment being confirmed, or not made.
    payment_note: Option<String>,
    verbal: bool,
    /// INV-1: once paid, what the contract rests on, section by section.
    confirmation: Vec<(String, String, Vec<String>)>,
    /// INV-1, INV-2: the order's documents to download: (id, label, link).
    documents: Vec<(String, String, String)>,
    /// DLV-1, DLV-3: the order's timeline: (when, what, the carrier's tracking link).
    timeline: Vec<(String, String, Option<String>)>,
    /// STK-1: stock-outs waiting for the customer's choice.
    stock_outs: Vec<StockOutOffer>,
    /// DLV-5: the order returned undelivered may be sent again: to one of these saved
    /// addresses (id, the address on one line, the default).
    redelivery: Option<Vec<(String, String, bool)>>,
    /// DLV-5: the orders this one is linked to: (what, order number).
    redelivery_links: Vec<(String, String)>,
    /// STK-2 (`paris`): refunds waiting for the customer to say where they go: (id, what).
    refund_choices: Vec<(String, String)>,
    /// WDR-7: the withdrawal function, while a piece may be withdrawn from.
    withdraw_open: bool,
    /// WDR-2, WDR-4: the order's returns and claims, where each stands: (id, what).
    after_sales: Vec<(String, String)>,
    /// DLV-4: the order is late: what the customer may do.
    late: Option<LateView>,
    /// DLV-7, WAR-1: once something is delivered, the claim form's lines: (line_no, label).
    claim_lines: Option<Vec<(i64, String)>>,
}

/// DLV-4: an order past its latest delivery date, as its page offers it.
struct LateView {
    /// Where it stands: the limit missed, the deadline set.
    text: String,
    /// The earliest additional deadline (tomorrow), for the date field.
    min: String,
    /// Cancellation is open (the deadline passed, or the date was essential).
    can_cancel: bool,
}

/// STK-1: units out of stock and what the customer may choose instead.
struct StockOutOffer {
    id: String,
    items: String,
    /// Pieces at no extra cost: (sku, label).
    equivalents: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "checkout/summary.html")]
struct SummaryPage {
    layout: Layout,
    heading: String,
    terms_link: String,
    terms_line: String,
    csrf: String,
    id: String,
    lines: Vec<LineRow>,
    method: String,
    delivery_charge: String,
    total_excl: String,
    vat_total: String,
    total: String,
    /// STK-2: (the shop credit spent, what is left to pay).
    credit: Option<(String, String)>,
    duties: bool,
    arrival: String,
    delivery: Vec<String>,
    pickup: Vec<String>,
    billing: Vec<String>,
    contact: Vec<String>,
    gift: Vec<(String, String)>,
    terms_version: String,
    terms_url: String,
    payments: Vec<Choice>,
    can_order: bool,
    warnings: Vec<String>,
    error: Option<String>,
    notice: Option<String>,
    order: Option<OrderInfo>,
}

fn summary_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    s: &Summary,
    order: Option<OrderInfo>,
) -> SummaryPage {
    let t = Tr::new(lang);
    let p = &state.app.profile;
    let title = match &order {
        Some(o) => t.with("order-title", &[("number", o.number.clone())]),
        None => t.t("summary-title"),
    };
    let lines = s
        .lines
        .iter()
        .map(|l| LineRow {
            name: l.name.clone(),
            detail: match &l.personalisation {
                Some(e) => format!("{} · {} « {e} »", l.sku, t.t("basket-engraving")),
                None => l.sku.clone(),
            },
            quantity: l.quantity,
            unit_excl: t.money(l.unit_price_excl_vat),
            rate: format!(
                "{} %",
                l.vat_rate.trim_end_matches("00").trim_end_matches('.')
            ),
            unit_incl: t.money(l.unit_price_incl_vat),
            total_incl: t.money(l.line_total_incl_vat),
            withdrawable: l.withdrawable,
        })
        .collect();
    let mut gift = Vec::new();
    if let Some(g) = &s.gift {
        gift.push((
            t.t("summary-gift-recipient"),
            format!(
                "{} {} <{}>",
                g.recipient_given_name, g.recipient_family_name, g.recipient_email
            ),
        ));
        if !g.message.is_empty() {
            gift.push((t.t("summary-gift-message"), g.message.clone()));
        }
        gift.push((
            t.t("summary-gift-wrapping"),
            t.t(if g.wrapping { "yes" } else { "no" }),
        ));
        gift.push((
            t.t("summary-gift-prices"),
            t.t(if g.hide_prices {
                "summary-gift-prices-hidden"
            } else {
                "summary-gift-prices-shown"
            }),
        ));
    }
    let chosen = |m: &str| m == "card";
    SummaryPage {
        layout: Layout::new(p, lang, uri, title.clone()),
        heading: title,
        terms_link: t.with(
            "summary-accept-link",
            &[("version", s.terms.version.clone())],
        ),
        terms_line: t.with("order-terms", &[("version", s.terms.version.clone())]),
        csrf,
        id: s.id.clone(),
        lines,
        method: t.with("summary-delivery", &[("method", s.method.carrier.clone())]),
        delivery_charge: if s.delivery_charge == 0 {
            t.t("summary-free")
        } else {
            t.money(s.delivery_charge)
        },
        total_excl: t.money(s.total_excl_vat),
        vat_total: t.money(s.vat_total),
        total: t.money(s.total),
        // STK-2: the shop credit spent, and what is left to pay.
        credit: (s.store_credit > 0).then(|| (t.money(-s.store_credit), t.money(s.amount_due()))),
        duties: s.duties_at_customer_charge,
        arrival: t.with(
            "summary-arrival",
            &[("date", civil_date(&s.estimated_delivery_date, lang))],
        ),
        delivery: s
            .delivery_address
            .as_ref()
            .map(address_lines)
            .unwrap_or_default(),
        pickup: s
            .pickup_boutique
            .as_ref()
            .map(|b| vec![b.name.clone(), b.address.clone()])
            .unwrap_or_default(),
        billing: address_lines(&s.billing_address),
        contact: [
            format!(
                "{} {} {}",
                s.contact.title, s.contact.given_name, s.contact.family_name
            ),
            s.contact.email.clone(),
            s.contact.phone.clone(),
        ]
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect(),
        gift,
        terms_version: s.terms.version.clone(),
        terms_url: format!("/{}/legal/terms?version={}", lang.code(), s.terms.version),
        payments: s
            .payment_methods
            .iter()
            .map(|m| Choice {
                value: m.clone(),
                label: t.t(&format!("payment-{m}")),
                hint: t.t(&format!("payment-{m}-hint")),
                checked: chosen(m) || s.payment_methods.len() == 1,
            })
            .collect(),
        can_order: s.can_order,
        warnings: s
            .warnings
            .iter()
            .filter(|w| w.code != "duties_at_customer_charge")
            .map(|w| refusal_text(t, &w.code, &w.detail))
            .collect(),
        error: None,
        notice: None,
        order,
    }
}

/// CHK-5: the priced summary, with the terms to accept (CHK-7).
pub(crate) async fn summary(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, id)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (s, c) = match signed_in_then(&state, lang, &headers, None).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let summary = match checkout::summary_of(&state.app, &c.id, &id).await {
        Ok(x) => x,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let mut page = summary_page(&state, lang, &uri, s.csrf, &summary, None);
    if let Some(of) = &summary.redelivery_of {
        page.notice = Some(Tr::new(lang).with("redelivery-summary", &[("number", of.clone())]));
    }
    if super::account::query_param(query.as_deref(), "changed").is_some() {
        page.notice = Some(Tr::new(lang).t("summary-price-changed"));
    }
    no_store(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OrderFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    terms_version: String,
    #[serde(default)]
    accept_terms: Option<String>,
    /// The button "I confirm my order and my obligation to pay".
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    payment_method: String,
}

/// CHK-7 … CHK-10: places the order, then shows it.
pub(crate) async fn place(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, id)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    client: crate::api::checkout::Client,
    headers: HeaderMap,
    Form(f): Form<OrderFields>,
) -> Response {
    let (s, c) = match signed_in_then(&state, lang, &headers, None).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let t = Tr::new(lang);
    if !csrf_ok(&s, &f.csrf) {
        return fail(
            &state,
            PageError::BadRequest(lang, t.t("error-form-expired")),
        );
    }
    // A summary already ordered (a second click): its order.
    if let Ok(Some(number)) = checkout::ordered_from(&state.app, &c.id, &id).await {
        return Redirect::to(&format!("/{}/account/orders/{number}", lang.code())).into_response();
    }
    let placed = checkout::place_order(
        &state.app,
        &c.id,
        &Confirmation {
            checkout_id: id.clone(),
            accept_terms: f.accept_terms.is_some(),
            terms_version: f.terms_version.clone(),
            confirm_obligation_to_pay: f.confirm.is_some(),
            payment_method: f.payment_method.clone(),
            ip: client.ip,
            user_agent: client.user_agent,
            idempotency: None,
        },
    )
    .await;
    let (status, text) = match placed {
        Ok(p) => {
            return Redirect::to(&format!(
                "/{}/account/orders/{}",
                lang.code(),
                p.order.number
            ))
            .into_response();
        }
        Err(AppError::PriceChanged { summary, .. }) => {
            return Redirect::to(&format!(
                "/{}/checkout/{}?changed=1",
                lang.code(),
                summary.id
            ))
            .into_response();
        }
        Err(AppError::Refused(r)) => (
            crate::error::status_of(&r),
            refusal_text(t, r.code, &r.detail),
        ),
        Err(AppError::Invalid(errors)) => (
            StatusCode::BAD_REQUEST,
            field_messages(t, &errors)
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let summary = match checkout::summary_of(&state.app, &c.id, &id).await {
        Ok(x) => x,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let mut page = summary_page(&state, lang, &uri, s.csrf.clone(), &summary, None);
    page.error = Some(text);
    no_store((status, render(&page)).into_response())
}

fn order_info(state: &AppState, lang: Lang, o: &Order) -> OrderInfo {
    let t = Tr::new(lang);
    let transfer = checkout::transfer_instructions(&state.app, o)
        .map(|i| {
            vec![
                (t.t("transfer-holder"), i.holder),
                (t.t("transfer-iban"), i.iban),
                (t.t("transfer-bic"), i.bic),
                (t.t("transfer-reference"), i.reference),
                (t.t("transfer-amount"), t.money(i.amount)),
                (t.t("transfer-due"), civil_date(&i.due_date, lang)),
            ]
        })
        .unwrap_or_default();
    OrderInfo {
        number: o.number.clone(),
        placed: t.with(
            "order-placed",
            &[
                (
                    "date",
                    super::legal::date(o.placed_at, lang, &state.app.profile.time_zone),
                ),
                (
                    "status",
                    t.t(&format!(
                        "order-status-{}",
                        o.status.as_str().replace('_', "-")
                    )),
                ),
            ],
        ),
        card_note: o.payment_method == ecrin_core::profile::PaymentMethod::Card
            && o.status == ecrin_core::order::OrderState::AwaitingPayment,
        pay_url: ecrin_app::payment::pay_link(&state.app, o).map(|u| {
            u.trim_start_matches(state.app.public_url.as_str())
                .to_owned()
        }),
        payment_note: None,
        verbal: o.confirmed_by_staff_id.is_some(),
        transfer,
        confirmation: Vec::new(),
        documents: Vec::new(),
        timeline: Vec::new(),
        stock_outs: Vec::new(),
        redelivery: None,
        redelivery_links: Vec::new(),
        refund_choices: Vec::new(),
        withdraw_open: false,
        after_sales: Vec::new(),
        late: None,
        claim_lines: None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RefundChoiceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    account_holder: String,
    #[serde(default)]
    iban: String,
}

impl WithCsrf for RefundChoiceForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// STK-2 (`paris`): the customer says, from the order's page, where a refund owed to them
/// goes: a bank transfer to their account, or a credit note to spend in the shop.
pub(crate) async fn refund_choice(
    State(state): State<AppState>,
    PagePath((_, number, id)): PagePath<(String, String, String)>,
    CustomerForm { visit, form }: CustomerForm<RefundChoiceForm>,
) -> Response {
    let SignedIn { lang, customer, .. } = visit;
    let direction = if form.destination == "store_credit" {
        ecrin_app::refunds::Direction::StoreCredit
    } else {
        ecrin_app::refunds::Direction::BankTransfer {
            holder: form.account_holder,
            iban: form.iban,
        }
    };
    match ecrin_app::refunds::direct(&state.app, &customer.id, &number, &id, direction).await {
        Ok(_) => Redirect::to(&format!("/{}/account/orders/{number}", lang.code())).into_response(),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// DLV-5: what the order's page says of sending the pieces again: the form while the rules
/// let the customer ask (`redelivery::may_request`), and the linked orders.
async fn redelivery_info(state: &AppState, lang: Lang, o: &Order, info: &mut OrderInfo) {
    let t = Tr::new(lang);
    let links = ecrin_app::redelivery::links(&state.app, o)
        .await
        .unwrap_or_default();
    for r in &links {
        if r.order_id == o.id {
            info.redelivery_links
                .push((t.t("redelivery-of"), r.of_order_number.clone()));
        } else {
            info.redelivery_links.push((
                t.with(
                    "redelivery-as",
                    &[(
                        "status",
                        t.t(&format!(
                            "order-status-{}",
                            r.order_status.as_str().replace('_', "-")
                        )),
                    )],
                ),
                r.order_number.clone(),
            ));
        }
    }
    let may = ecrin_app::redelivery::may_request(&state.app, o)
        .await
        .unwrap_or(false);
    if may {
        let addresses = ecrin_app::customers::addresses(&state.app, &o.customer_id)
            .await
            .unwrap_or_default();
        info.redelivery = Some(
            addresses
                .into_iter()
                .map(|a| {
                    let default = a.is_default;
                    let id = a.id.clone();
                    (id, PostalAddress::from(a).lines().join(", "), default)
                })
                .collect(),
        );
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RedeliveryForm {
    #[serde(default)]
    csrf: String,
    /// A saved address's id; empty: the account's default.
    #[serde(default)]
    address: String,
}

impl WithCsrf for RedeliveryForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// DLV-5: the customer asks, from the order's page, for the pieces returned undelivered to
/// be sent again; the new order's summary follows, to confirm and pay like any order.
pub(crate) async fn redelivery(
    State(state): State<AppState>,
    PagePath((_, number)): PagePath<(String, String)>,
    CustomerForm { visit, form }: CustomerForm<RedeliveryForm>,
) -> Response {
    let SignedIn { lang, customer, .. } = visit;
    let input = CheckoutInput {
        delivery_address: if form.address.trim().is_empty() {
            AddressSource::AccountDefault
        } else {
            AddressSource::Saved(form.address.trim().to_owned())
        },
        lang: Some(lang),
        ..CheckoutInput::default()
    };
    match ecrin_app::redelivery::request(&state.app, &customer.id, &number, &input).await {
        Ok(s) => Redirect::to(&format!("/{}/checkout/{}", lang.code(), s.id)).into_response(),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// STK-1: the stock-outs of an order still waiting for the customer's choice.
async fn stock_out_offers(state: &AppState, lang: Lang, o: &Order) -> Vec<StockOutOffer> {
    let t = Tr::new(lang);
    let app = &state.app;
    let mut offers = Vec::new();
    let materials = crate::reads::references(state)
        .await
        .map(|r| r[1].clone())
        .unwrap_or_default();
    let open = ecrin_app::cancellations::stockouts_of(app, o)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.choice.is_none());
    for s in open {
        let units: Vec<ecrin_core::order::Units> =
            serde_json::from_str(&s.lines).unwrap_or_default();
        let items = units
            .iter()
            .filter_map(|u| {
                let l = o.lines.iter().find(|l| l.line_no == u.line_no)?;
                Some(format!("{} × {}", u.quantity, l.name))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let equivalents = ecrin_app::cancellations::equivalents(app, o, &s)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                let mut label = vec![crate::reads::label(&materials, &v.metal, lang)];
                label.extend(v.size.clone());
                label.push(t.money(v.price));
                (v.sku, label.join(" · "))
            })
            .collect();
        offers.push(StockOutOffer {
            id: s.id,
            items,
            equivalents,
        });
    }
    offers
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct StockOutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    choice: String,
    #[serde(default)]
    equivalent_sku: String,
}

impl WithCsrf for StockOutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// STK-1: the customer's answer to a stock-out, from their order's page.
pub(crate) async fn stock_out_choice(
    State(state): State<AppState>,
    PagePath((_, number, id)): PagePath<(String, String, String)>,
    CustomerForm { visit, form }: CustomerForm<StockOutForm>,
) -> Response {
    let SignedIn { lang, customer, .. } = visit;
    let input = ecrin_app::cancellations::ChoiceInput {
        equivalent_sku: (form.choice == "equivalent").then_some(form.equivalent_sku),
        choice: form.choice,
        refund_method: None,
    };
    match ecrin_app::cancellations::choose(&state.app, &customer.id, &number, &id, input).await {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/account/orders/{number}", lang.code())).into_response()
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// DLV-1, DLV-3: what happened to the order, in order: placed, paid, each parcel shipped
/// (with its tracking link), delivered or returned.
fn timeline(
    state: &AppState,
    lang: Lang,
    o: &Order,
    paid_at: Option<i64>,
    shipments: &[ecrin_app::model::Shipment],
) -> Vec<(String, String, Option<String>)> {
    let t = Tr::new(lang);
    let tz = &state.app.profile.time_zone;
    let mut steps = vec![(o.placed_at, t.t("timeline-placed"), None)];
    if let Some(at) = paid_at {
        steps.push((at, t.t("timeline-paid"), None));
    }
    for s in shipments {
        let args = [
            ("carrier", s.carrier.clone()),
            ("tracking", s.tracking_number.clone()),
        ];
        steps.push((
            s.shipped_at,
            t.with("timeline-shipped", &args),
            ecrin_app::fulfilment::tracking_link(&state.app, o, &s.tracking_number),
        ));
        if let Some(at) = s.delivered_at {
            steps.push((at, t.with("timeline-delivered", &args), None));
        }
        if let Some(at) = s.returned_at {
            steps.push((at, t.with("timeline-returned", &args), None));
        }
    }
    // Stable: what happened at the same moment keeps its order.
    steps.sort_by_key(|s| s.0);
    steps
        .into_iter()
        .map(|(ms, what, link)| (super::legal::date(ms, lang, tz), what, link))
        .collect()
}

/// DLV-4: what an order past its latest delivery date lets the customer do.
async fn late_view(state: &AppState, lang: Lang, o: &Order) -> Option<LateView> {
    let app = &state.app;
    if !ecrin_app::late_delivery::open(app, o).await {
        return None;
    }
    let (limit, essential, extra) = ecrin_app::late_delivery::state_of(app, o).await.ok()??;
    let today = ecrin_core::deadlines::day_of(&app.profile, app.clock.now_ms())?;
    let t = Tr::new(lang);
    let day = |d: jiff::civil::Date| civil_date(&d.to_string(), lang);
    let mut args = vec![("limit", day(limit))];
    let text = match extra {
        Some(e) => {
            args.push(("deadline", day(e)));
            t.with("late-deadline-set", &args)
        }
        None if essential => t.with("late-essential", &args),
        None => t.with("late-intro", &args),
    };
    Some(LateView {
        text,
        min: today.tomorrow().ok()?.to_string(),
        can_cancel: essential || extra.is_some_and(|e| today > e),
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LateForm {
    #[serde(default)]
    csrf: String,
    /// `set_deadline` or `cancel`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    deadline: String,
}

impl WithCsrf for LateForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// DLV-4: the customer sets an additional deadline for a late order, or cancels it, from
/// the order's page.
pub(crate) async fn late_delivery(
    State(state): State<AppState>,
    PagePath((_, number)): PagePath<(String, String)>,
    CustomerForm { visit, form }: CustomerForm<LateForm>,
) -> Response {
    let SignedIn { lang, customer, .. } = visit;
    let action = if form.action == "cancel" {
        ecrin_app::late_delivery::LateAction::Cancel
    } else {
        ecrin_app::late_delivery::LateAction::SetDeadline(form.deadline.clone())
    };
    match ecrin_app::late_delivery::act(&state.app, &customer.id, &number, action).await {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/account/orders/{number}", lang.code())).into_response()
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// WDR-2, WDR-4: each return of the order, its pieces and where it stands.
async fn after_sales(state: &AppState, lang: Lang, o: &Order) -> Vec<(String, String)> {
    let t = Tr::new(lang);
    let tz = &state.app.profile.time_zone;
    let returns = ecrin_app::withdrawals::of_order(&state.app, o)
        .await
        .unwrap_or_default();
    returns
        .into_iter()
        .filter(|w| w.status != ecrin_core::withdrawal::WithdrawalState::Closed)
        .map(|w| {
            let back: Vec<ecrin_core::order::Units> =
                serde_json::from_str(&w.send_back).unwrap_or_default();
            let mut args = vec![
                ("id", w.id.clone()),
                ("at", super::legal::date(w.notified_at, lang, tz)),
                (
                    "items",
                    ecrin_app::withdrawals::describe(o, &back).join(", "),
                ),
                (
                    "status",
                    t.t(&format!("return-status-{}", w.status.as_str())),
                ),
            ];
            let text = match (&w.return_by, w.status) {
                (Some(by), ecrin_core::withdrawal::WithdrawalState::Authorised) => {
                    args.push(("by", by.clone()));
                    t.with("order-return-awaited", &args)
                }
                _ => t.with("order-return", &args),
            };
            (format!("return-{}", w.id), text)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain(claims_of(state, lang, o).await)
        .chain(recalls_of(state, lang, o).await)
        .collect()
}

/// WAR-4: the recalls of pieces of the order.
async fn recalls_of(state: &AppState, lang: Lang, o: &Order) -> Vec<(String, String)> {
    let t = Tr::new(lang);
    let tz = &state.app.profile.time_zone;
    ecrin_app::recalls::of_order(&state.app, &o.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let units = [ecrin_core::order::Units {
                line_no: r.line_no,
                quantity: r.quantity,
            }];
            let args = [
                ("at", super::legal::date(r.created_at, lang, tz)),
                (
                    "items",
                    ecrin_app::withdrawals::describe(o, &units).join(", "),
                ),
                ("reason", r.reason.clone()),
            ];
            (
                format!("recall-{}-{}", r.recall_id, r.line_no),
                t.with("order-recall", &args),
            )
        })
        .collect()
}

/// DLV-7, WAR-2: each claim of the order and where it stands.
async fn claims_of(state: &AppState, lang: Lang, o: &Order) -> Vec<(String, String)> {
    let t = Tr::new(lang);
    let tz = &state.app.profile.time_zone;
    ecrin_app::claims::of_order(&state.app, o)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(c, photos)| {
            let mut args = vec![
                ("id", c.id.clone()),
                ("at", super::legal::date(c.created_at, lang, tz)),
                ("kind", t.t(&format!("claim-kind-{}", c.kind.as_str()))),
                ("photos", photos.len().to_string()),
                (
                    "status",
                    t.t(&format!("claim-status-{}", c.status.as_str())),
                ),
                ("due", civil_date(&c.answer_due, lang)),
            ];
            args.push(("reason", c.decision_reason.clone().unwrap_or_default()));
            let key = if c.status == ecrin_core::claims::ClaimState::Open {
                "order-claim-open"
            } else {
                "order-claim-decided"
            };
            (format!("claim-{}", c.id), t.with(key, &args))
        })
        .collect()
}

/// DLV-7, WAR-1, WAR-2: a claim posted from the order's page, with its photos (multipart:
/// `csrf`, `kind`, `line`, `description`, `discovered_on`, `photos` files).
pub(crate) async fn claim(
    State(state): State<AppState>,
    PagePath((_, number)): PagePath<(String, String)>,
    visit: SignedIn,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let SignedIn {
        lang,
        customer,
        session,
        ..
    } = visit;
    let mut csrf = String::new();
    let mut input = ecrin_app::claims::ClaimInput::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return e.into_response(),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) => return e.into_response(),
            };
            // A file input left empty still sends a part, without a name or bytes.
            if !bytes.is_empty() {
                input.photos.push(ecrin_app::claims::PhotoIn {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = match field.text().await {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        };
        match name.as_str() {
            "csrf" => csrf = text,
            "kind" => input.kind = text,
            "line" => input.line_no = text.trim().parse().ok(),
            "description" => input.description = text,
            "discovered_on" => input.discovered_on = Some(text),
            _ => {}
        }
    }
    if !csrf_ok(&session, &csrf) {
        return fail(
            &state,
            PageError::BadRequest(lang, Tr::new(lang).t("error-form-expired")),
        );
    }
    match ecrin_app::claims::claim(&state.app, &customer.id, &number, input).await {
        Ok(_) => Redirect::to(&format!(
            "/{}/account/orders/{number}#after-sales-title",
            lang.code()
        ))
        .into_response(),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// A photo of a claim on the customer's order.
pub(crate) async fn claim_photo(
    State(state): State<AppState>,
    PagePath((_, number, id, photo)): PagePath<(String, String, String, String)>,
    visit: SignedIn,
) -> Response {
    match ecrin_app::claims::customer_photo(&state.app, &visit.customer.id, &number, &id, &photo)
        .await
    {
        Ok((ct, bytes)) => crate::api::after_sales::image(ct, bytes),
        Err(e) => fail(&state, PageError::from_app(visit.lang, e)),
    }
}

/// An order of the customer's, as placed; another customer's is not found.
pub(crate) async fn order_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, number)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let (s, c) = match signed_in_then(&state, lang, &headers, None).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let shown = async {
        let o = checkout::order_of(&state.app, &c.id, &number).await?;
        let o = ecrin_app::payment::follow(&state.app, o).await?;
        let doc = checkout::document(&o)?;
        let papers = ecrin_app::documents::papers_of_order(&state.app, &o).await?;
        let (invoice, notes, refunds) = (
            papers.invoices.into_iter().next(),
            papers.credit_notes,
            papers.refunds,
        );
        Ok::<_, AppError>((o, doc, invoice, notes, refunds))
    }
    .await;
    match shown {
        Ok((o, doc, invoice, notes, refunds)) => {
            let t = Tr::new(lang);
            let mut info = order_info(&state, lang, &o);
            let base = format!("/{}/account/orders/{}", lang.code(), o.number);
            if let Some(invoice) = &invoice {
                info.confirmation = ecrin_app::confirmation::sections(
                    &state.app,
                    &o,
                    &doc,
                    invoice,
                    ecrin_app::confirmation::Medium::Page,
                )
                .into_iter()
                .filter(|s| !s.paragraphs.is_empty())
                .map(|s| (s.id.to_owned(), s.heading, s.paragraphs))
                .collect();
                info.documents.push((
                    "invoice".into(),
                    t.with("order-invoice-pdf", &[("number", invoice.number.clone())]),
                    format!("{base}/invoice.pdf"),
                ));
            }
            let shipments = ecrin_app::fulfilment::shipments(&state.app, &o)
                .await
                .unwrap_or_default();
            info.timeline = timeline(
                &state,
                lang,
                &o,
                invoice.as_ref().map(|i| i.issued_at),
                &shipments,
            );
            for n in notes {
                info.documents.push((
                    format!("credit-note-{}", n.number),
                    t.with("order-credit-note-pdf", &[("number", n.number.clone())]),
                    format!("{base}/credit-note-{}.pdf", n.number),
                ));
            }
            if o.lines.iter().any(|l| l.withdrawable) {
                info.documents.push((
                    "withdrawal-form".into(),
                    t.t("order-withdrawal-pdf"),
                    format!("{base}/withdrawal-form.pdf"),
                ));
            }
            for w in ecrin_app::withdrawals::of_order(&state.app, &o)
                .await
                .unwrap_or_default()
                .iter()
                .filter(|w| {
                    ecrin_app::withdrawals::has_label(w)
                        && w.status == ecrin_core::withdrawal::WithdrawalState::Authorised
                })
            {
                info.documents.push((
                    format!("return-label-{}", w.id),
                    t.t("order-return-label-pdf"),
                    format!("{base}/return-label-{}.pdf", w.id),
                ));
            }
            info.documents.push((
                "terms".into(),
                t.with("order-terms-pdf", &[("version", o.terms_version.clone())]),
                format!("{base}/terms.pdf"),
            ));
            info.stock_outs = stock_out_offers(&state, lang, &o).await;
            redelivery_info(&state, lang, &o, &mut info).await;
            info.withdraw_open = o.payment_state == ecrin_core::order::PaymentState::Paid
                && ecrin_app::withdrawals::open_lines(&state.app, &o)
                    .await
                    .is_ok_and(|lines| lines.iter().any(|l| l.max > 0));
            info.after_sales = after_sales(&state, lang, &o).await;
            info.late = late_view(&state, lang, &o).await;
            if shipments.iter().any(|s| s.delivered_at.is_some()) {
                info.claim_lines = Some(
                    o.lines
                        .iter()
                        .map(|l| (l.line_no, format!("{} ({})", l.name, l.sku)))
                        .collect(),
                );
            }
            info.refund_choices = refunds
                .iter()
                .filter(|r| {
                    r.status == ecrin_core::payment::RefundState::Pending
                        && r.destination
                            == Some(ecrin_core::payment::RefundDestination::CustomerChoice)
                })
                .map(|r| {
                    (
                        r.id.clone(),
                        t.with("refund-choice-owed", &[("amount", t.money(r.amount))]),
                    )
                })
                .collect();
            // PAY-1: back from the provider's page while the order still awaits its card.
            let awaiting = o.status == ecrin_core::order::OrderState::AwaitingPayment
                && o.payment_method == ecrin_core::profile::PaymentMethod::Card;
            let back = crate::storefront::account::query_param(uri.query(), "payment");
            let mut refresh = None;
            match back.as_deref() {
                Some("returned") if awaiting && info.pay_url.is_some() => {
                    info.payment_note = Some(t.t("order-payment-confirming"));
                    refresh = Some(5);
                }
                Some("cancelled") if awaiting => {
                    info.payment_note = Some(t.t("order-payment-not-made"));
                }
                _ => {}
            }
            let mut page = summary_page(&state, lang, &uri, s.csrf, &doc, Some(info));
            page.layout.refresh_s = refresh;
            no_store(render(&page))
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

/// INV-1, INV-2: one of the documents of a customer's order, as PDF: `invoice.pdf` (once
/// paid), `credit-note-A000001.pdf`, `withdrawal-form.pdf`, `terms.pdf` (the version
/// accepted, in the order's language).
pub(crate) async fn order_document(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, number, file)): PagePath<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (_, c) = match signed_in_then(&state, lang, &headers, None).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let app = &state.app;
    let pdf = async {
        let o = checkout::order_of(app, &c.id, &number).await?;
        match file.as_str() {
            "invoice.pdf" => ecrin_app::documents::invoice_pdf(app, &o).await,
            "withdrawal-form.pdf" => ecrin_app::documents::withdrawal_form_pdf(app, &o)
                .await?
                .ok_or(AppError::NotFound),
            "terms.pdf" => {
                let order_lang = ecrin_app::documents::order_lang(&app.profile, &o);
                ecrin_app::documents::terms_pdf(app, &o.terms_version, order_lang).await
            }
            other => match (
                other
                    .strip_prefix("credit-note-")
                    .and_then(|f| f.strip_suffix(".pdf")),
                other
                    .strip_prefix("return-label-")
                    .and_then(|f| f.strip_suffix(".pdf")),
            ) {
                (Some(note), _) => ecrin_app::documents::credit_note_pdf(app, &o, note).await,
                (None, Some(id)) => {
                    // The return must be one of this order's.
                    let ours = ecrin_app::withdrawals::of_order(app, &o)
                        .await?
                        .iter()
                        .any(|w| w.id == id);
                    if ours {
                        ecrin_app::withdrawals::label_pdf(app, id).await
                    } else {
                        Err(AppError::NotFound)
                    }
                }
                _ => Err(AppError::NotFound),
            },
        }
    }
    .await;
    match pdf {
        Ok(pdf) => crate::api::pdf_response(pdf),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}
