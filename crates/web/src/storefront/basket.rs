//! The basket's pages (BSK-1 … BSK-5, ACC-6) and the quote request (BSK-5, ACC-1).
//!
//! A visitor's basket belongs to the page session, whose cookie ends with the browser; at
//! login it joins the account's basket. Every form works without JavaScript (post, then
//! redirect); `basket.js` sends the same forms in the background and swaps the answer in.

use super::account::{cookie_of, csrf_ok, fail, no_store, query_param, session, with_cookie};
use super::{Layout, PageError, PagePath, render, same_site};
use crate::extract::PageLang;
use crate::i18n::Tr;
use crate::{AppState, reads};
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::AppError;
use ecrin_app::basket::{self, BasketView};
use ecrin_app::customers::token_hash;
use ecrin_app::model::BasketOwner;
use ecrin_app::quotes::{self, QuoteForm};
use ecrin_app::sessions::{self, PageSession};
use ecrin_core::Lang;
use serde::Deserialize;

/// Whose basket a page session sees: the customer's once logged in, else the session's own.
pub(crate) fn owner_of(s: &PageSession) -> BasketOwner {
    match &s.customer_id {
        Some(id) => BasketOwner::Customer(id.clone()),
        None => BasketOwner::Session(token_hash(&s.id)),
    }
}

#[derive(Debug)]
struct LineRow {
    id: String,
    name: String,
    href: String,
    detail: String,
    personalisation: Option<String>,
    unit_price: String,
    quantity: u32,
    total: String,
}

#[derive(Template)]
#[template(path = "basket.html")]
struct BasketPage {
    layout: Layout,
    csrf: String,
    lines: Vec<LineRow>,
    summary: String,
    total: String,
    expiry: String,
    error: Option<String>,
    /// BSK-5: the refusal asked for a quote.
    offer_quote: bool,
    logged_in: bool,
    notice: Option<String>,
    max_quantity: u32,
}

async fn basket_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    csrf: String,
    logged_in: bool,
    view: &BasketView,
) -> Result<BasketPage, AppError> {
    let app = &state.app;
    let t = Tr::new(lang);
    let refs = reads::references(state).await?;
    let materials = &refs[1];
    let lines = view
        .lines
        .iter()
        .map(|l| {
            let v = &l.variant;
            let mut detail = reads::label(materials, &v.metal, lang);
            if let Some(size) = &v.size {
                detail = t.with(
                    "basket-line-detail",
                    &[("metal", detail), ("size", size.clone())],
                );
            }
            LineRow {
                id: l.id.clone(),
                name: v.name.get(lang).to_owned(),
                href: format!("/{}/products/{}", lang.code(), v.product_slug),
                detail: format!("{detail} · {}", v.sku),
                personalisation: l.personalisation.clone(),
                unit_price: t.money(v.price),
                quantity: l.quantity,
                total: t.money(l.line_total),
            }
        })
        .collect();
    Ok(BasketPage {
        layout: Layout::new(&app.profile, lang, uri, t.t("basket-title")),
        csrf,
        lines,
        summary: format!(
            "{} · {}",
            t.count("basket-pieces", "count", i64::from(view.units)),
            t.money(view.total)
        ),
        total: t.money(view.total),
        expiry: t.count(
            "basket-expiry",
            "minutes",
            i64::from(app.profile.basket.ttl_minutes),
        ),
        error: None,
        offer_quote: false,
        logged_in,
        notice: None,
        max_quantity: app.profile.basket.max_identical,
    })
}

/// BSK-3, BSK-4: the basket. A visitor without a session sees an empty basket; no session
/// is started just to look.
pub(crate) async fn page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let t = Tr::new(lang);
    let s = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(s) => s,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let view = match &s {
        Some(s) => basket::basket_of(&state.app, &owner_of(s)).await,
        None => Ok(BasketView::default()),
    };
    let view = match view {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let logged_in = s.as_ref().is_some_and(|s| s.customer_id.is_some());
    let csrf = s.map(|s| s.csrf).unwrap_or_default();
    let mut page = match basket_page(&state, lang, &uri, csrf, logged_in, &view).await {
        Ok(p) => p,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    page.notice = match query_param(query.as_deref(), "merged").as_deref() {
        Some("0") | None => None,
        Some(n) => Some(t.with("basket-merge-left-out", &[("count", n.to_owned())])),
    };
    no_store(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    personalisation: String,
}

fn quantity_of(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(1);
    }
    raw.parse::<u32>().ok().filter(|q| *q <= 10_000)
}

/// The basket page again, with the refusal said at its top.
async fn refused(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    e: AppError,
) -> Response {
    let t = Tr::new(lang);
    let (status, code, detail) = match e {
        AppError::Refused(r) => (crate::error::status_of(&r), r.code.to_owned(), r.detail),
        AppError::Invalid(errors) => (
            StatusCode::BAD_REQUEST,
            "validation_failed".to_owned(),
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => return fail(state, PageError::from_app(lang, other)),
    };
    let view = match basket::basket_of(&state.app, &owner_of(s)).await {
        Ok(v) => v,
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    let basket_uri = Uri::try_from(format!("/{}/basket", lang.code())).unwrap_or(uri.clone());
    let page = basket_page(
        state,
        lang,
        &basket_uri,
        s.csrf.clone(),
        s.customer_id.is_some(),
        &view,
    )
    .await;
    let mut page = match page {
        Ok(p) => p,
        Err(e) => return fail(state, PageError::from_app(lang, e)),
    };
    let rules = &state.app.profile.basket;
    let args = [
        ("detail", detail.clone()),
        ("max_identical", rules.max_identical.to_string()),
        ("max_items", rules.max_items.to_string()),
        (
            "engraving_max",
            state.app.profile.catalogue.engraving_max_chars.to_string(),
        ),
    ];
    page.error = Some(
        t.try_with(&format!("error-{code}"), &args)
            .unwrap_or(detail),
    );
    page.offer_quote = code == "quote_required";
    no_store((status, render(&page)).into_response())
}

/// BSK-1 … BSK-5, CAT-3: adds a piece from its product page. A visitor's first addition
/// starts the session that holds the basket.
pub(crate) async fn add(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Response {
    let existing = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(s) => s,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let trusted = match &existing {
        Some(s) => csrf_ok(s, &form.csrf),
        None => same_site(&headers, &state.app.public_url),
    };
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    if !trusted {
        let t = Tr::new(lang);
        let e = AppError::Refused(ecrin_core::Refusal::of(
            ecrin_core::refusal::RefusalKind::Forbidden,
            "form_expired",
            t.t("error-form-expired"),
        ));
        return with_cookie(refused(&state, lang, &uri, &s, e).await, cookie);
    }
    let Some(quantity) = quantity_of(&form.quantity) else {
        let e = AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "quantity".into(),
            reason: "invalid_quantity",
        }]);
        return with_cookie(refused(&state, lang, &uri, &s, e).await, cookie);
    };
    let personalisation = Some(form.personalisation.as_str()).filter(|p| !p.trim().is_empty());
    let result = basket::add_item(
        &state.app,
        &owner_of(&s),
        form.sku.trim(),
        quantity,
        personalisation,
    )
    .await;
    let response = match result {
        Ok(_) => Redirect::to(&format!("/{}/basket", lang.code())).into_response(),
        Err(e) => refused(&state, lang, &uri, &s, e).await,
    };
    with_cookie(response, cookie)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quantity: String,
    /// The "remove" button.
    #[serde(default)]
    remove: Option<String>,
}

/// BSK-4: a new quantity for a line, or its removal.
pub(crate) async fn change_line(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    PagePath((_, line)): PagePath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<LineForm>,
) -> Response {
    let s = match sessions::load(&state.app, &cookie_of(&headers)).await {
        Ok(Some(s)) => s,
        Ok(None) => return Redirect::to(&format!("/{}/basket", lang.code())).into_response(),
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    if !csrf_ok(&s, &form.csrf) {
        let t = Tr::new(lang);
        let e = AppError::Refused(ecrin_core::Refusal::of(
            ecrin_core::refusal::RefusalKind::Forbidden,
            "form_expired",
            t.t("error-form-expired"),
        ));
        return refused(&state, lang, &uri, &s, e).await;
    }
    let quantity = if form.remove.is_some() {
        Some(0)
    } else {
        form.quantity.trim().parse::<u32>().ok()
    };
    let Some(quantity) = quantity else {
        let e = AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "quantity".into(),
            reason: "invalid_quantity",
        }]);
        return refused(&state, lang, &uri, &s, e).await;
    };
    match basket::set_quantity(&state.app, &owner_of(&s), &line, quantity).await {
        Ok(_) => Redirect::to(&format!("/{}/basket", lang.code())).into_response(),
        Err(e) => refused(&state, lang, &uri, &s, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QuoteFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    message: String,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    layout: Layout,
    csrf: String,
    form: QuoteFields,
    lines: Vec<(String, u32)>,
    errors: Vec<(String, String)>,
    sent: Option<String>,
}

async fn quote_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    form: QuoteFields,
) -> Result<QuotePage, AppError> {
    let view = basket::basket_of(&state.app, &owner_of(s)).await?;
    let t = Tr::new(lang);
    Ok(QuotePage {
        layout: Layout::new(&state.app.profile, lang, uri, t.t("quote-title")),
        csrf: s.csrf.clone(),
        lines: view
            .lines
            .iter()
            .map(|l| (l.variant.name.get(lang).to_owned(), l.quantity))
            .collect(),
        form,
        errors: Vec::new(),
        sent: None,
    })
}

/// BSK-5, ACC-1: the quote request form, with the basket's pieces listed.
pub(crate) async fn quote_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let mut form = QuoteFields::default();
    if let Some(id) = &s.customer_id
        && let Ok(Some(c)) = ecrin_app::customers::customer(&state.app, id).await
    {
        form.name = format!("{} {}", c.given_name, c.family_name);
        form.email = c.email;
        form.phone = c.phone;
    }
    match quote_page(&state, lang, &uri, &s, form).await {
        Ok(page) => with_cookie(no_store(render(&page)), cookie),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

pub(crate) async fn quote(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<QuoteFields>,
) -> Response {
    let t = Tr::new(lang);
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let trusted = csrf_ok(&s, &form.csrf);
    let request = QuoteForm {
        name: form.name.clone(),
        email: form.email.clone(),
        company: form.company.clone(),
        phone: form.phone.clone(),
        message: form.message.clone(),
    };
    let mut page = match quote_page(&state, lang, &uri, &s, form).await {
        Ok(p) => p,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    if !trusted {
        page.errors = vec![(String::new(), t.t("error-form-expired"))];
        return with_cookie(
            (StatusCode::FORBIDDEN, render(&page)).into_response(),
            cookie,
        );
    }
    match quotes::request(&state.app, Some(&owner_of(&s)), request, lang).await {
        Ok(id) => {
            page.sent = Some(t.with("quote-sent", &[("reference", id)]));
            with_cookie(render(&page), cookie)
        }
        Err(AppError::Invalid(errors)) => {
            page.errors = super::field_messages(t, &errors);
            with_cookie(
                (StatusCode::BAD_REQUEST, render(&page)).into_response(),
                cookie,
            )
        }
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}
