//! "My Account" (ACC-5, PRV-2, PRV-3): identity and its correction, addresses with a
//! default delivery address, the basket, what the customer receives, and their data:
//! download, restriction, objection, erasure. Every form carries the session's token.

use super::account::{MessagePage, cookie_of, fail, no_store, query_param};
use super::{Layout, PageError, PagePath, render};
use crate::AppState;
use crate::cookies;
use crate::extract::{CustomerForm, PageLang, SignedIn, WithCsrf};
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::model::{BasketOwner, Customer};
use ecrin_app::privacy::{self, AddressForm, Channel, Purpose, Rectification};
use ecrin_app::sessions::{self, PageSession};
use ecrin_app::{AppError, basket};
use ecrin_core::Lang;
use ecrin_core::refusal::RefusalKind;
use serde::Deserialize;

/// The logged-in customer of the request, or the login page to go to.
async fn signed_in(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
) -> Result<(PageSession, Customer), Response> {
    signed_in_then(state, lang, headers, None).await
}

/// The same, the login page then coming back to `next` (ACC-6: ordering asks for a login).
pub(super) async fn signed_in_then(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    next: Option<&str>,
) -> Result<(PageSession, Customer), Response> {
    let login = || super::login_redirect(lang, next);
    let s = sessions::load(&state.app, &cookie_of(headers))
        .await
        .map_err(|e| fail(state, PageError::from_app(lang, e)))?
        .ok_or_else(login)?;
    let id = s.customer_id.clone().ok_or_else(login)?;
    let c = ecrin_app::customers::customer(&state.app, &id)
        .await
        .map_err(|e| fail(state, PageError::from_app(lang, e)))?
        .ok_or_else(login)?;
    Ok((s, c))
}

#[derive(Debug, Default)]
struct AddressRow {
    id: String,
    lines: Vec<String>,
    is_default: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AddressFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
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
    #[serde(default)]
    is_default: Option<String>,
}

impl WithCsrf for AddressFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct IdentityFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    phone: String,
}

impl WithCsrf for IdentityFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "account/home.html")]
struct AccountPage {
    layout: Layout,
    greeting: String,
    csrf: String,
    email: String,
    identity: IdentityFields,
    addresses: Vec<AddressRow>,
    address: AddressFields,
    address_open: bool,
    errors: Vec<(String, String)>,
    basket_line: String,
    /// STK-2: the customer's credit with the shop, when there is some.
    store_credit: Option<String>,
    /// (number, one line: date, total, status), newest first, a page of them.
    orders: Vec<(String, String)>,
    /// The link to the page of older orders, when there are more.
    orders_older: Option<String>,
    /// The link back to the newest orders, on a page of older ones.
    orders_newest: Option<String>,
    /// PRV-3: (field, label, given).
    consents: Vec<(&'static str, String, bool)>,
    /// PRV-2: (field, label, in force).
    rights: Vec<(&'static str, String, bool)>,
    /// PRV-3: (date, sentence, given).
    history: Vec<(String, String, bool)>,
    notice: Option<String>,
}

/// What a failed form leaves on the page.
#[derive(Default)]
struct Retry {
    identity: Option<IdentityFields>,
    address: Option<AddressFields>,
    errors: Vec<(String, String)>,
    /// The fields' id prefix of the form that failed (`a-` for the address form).
    prefix: &'static str,
}

async fn page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    c: &Customer,
    notice: Option<String>,
    retry: Retry,
) -> Result<Response, AppError> {
    let t = Tr::new(lang);
    let k = privacy::consents(&state.app, &c.id).await?;
    let addresses = ecrin_app::customers::addresses(&state.app, &c.id).await?;
    let view = basket::basket_of(&state.app, &BasketOwner::Customer(c.id.clone())).await?;
    let tz = &state.app.profile.time_zone;
    // A page of orders at a time; a cursor that names no order shows the newest.
    let after = query_param(uri.query(), "orders_after")
        .filter(|v| ecrin_app::checkout::order_cursor(v).is_some());
    let list = ecrin_app::checkout::orders_page(&state.app, &c.id, None, after.as_deref()).await?;
    let here = format!("/{}/account", lang.code());
    let orders_older = list
        .next
        .as_ref()
        .map(|n| format!("{here}?orders_after={}#orders", urlencoding::encode(n)));
    let orders_newest = after.is_some().then(|| format!("{here}#orders"));
    let orders = list.orders;
    let credit = ecrin_app::refunds::store_credit_of(&state.app, &c.id).await?;
    let address_open = retry.address.is_some() || addresses.is_empty();
    let page = AccountPage {
        store_credit: (credit > 0)
            .then(|| t.with("account-store-credit", &[("amount", t.money(credit))])),
        layout: Layout::new(&state.app.profile, lang, uri, t.t("account-title")),
        greeting: t.with("account-greeting", &[("name", c.given_name.clone())]),
        csrf: s.csrf.clone(),
        email: c.email.clone(),
        identity: retry.identity.unwrap_or(IdentityFields {
            csrf: String::new(),
            title: c.title.clone(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            phone: c.phone.clone(),
        }),
        addresses: addresses
            .into_iter()
            .map(|a| AddressRow {
                lines: [
                    a.label,
                    format!("{} {}", a.given_name, a.family_name),
                    a.company,
                    a.line1,
                    a.line2,
                    format!("{} {}", a.postcode, a.city),
                    a.country,
                    a.phone,
                ]
                .into_iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect(),
                id: a.id,
                is_default: a.is_default,
            })
            .collect(),
        address: retry.address.unwrap_or_else(|| AddressFields {
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            country: state.app.profile.country.clone(),
            ..AddressFields::default()
        }),
        address_open,
        errors: retry.errors,
        orders_older,
        orders_newest,
        orders: orders
            .iter()
            .map(|o| {
                let line = t.with(
                    "account-order-line",
                    &[
                        ("number", o.number.clone()),
                        ("date", super::legal::date(o.placed_at, lang, tz)),
                        ("total", t.money(o.total)),
                        (
                            "status",
                            t.t(&format!(
                                "order-status-{}",
                                o.status.as_str().replace('_', "-")
                            )),
                        ),
                    ],
                );
                (o.number.clone(), line)
            })
            .collect(),
        basket_line: if view.lines.is_empty() {
            t.t("basket-empty")
        } else {
            format!(
                "{} · {}",
                t.count("basket-pieces", "count", i64::from(view.units)),
                t.money(view.total)
            )
        },
        consents: [Purpose::MarketingEmail, Purpose::Partners]
            .into_iter()
            .map(|p| (p.as_str(), t.t(p.wording_key()), k.get(p)))
            .collect(),
        rights: [Purpose::Restriction, Purpose::Objection]
            .into_iter()
            .map(|p| (p.as_str(), t.t(p.wording_key()), k.get(p)))
            .collect(),
        history: k
            .history
            .into_iter()
            .rev()
            .map(|r| (super::legal::date(r.at_ms, lang, tz), r.wording, r.granted))
            .collect(),
        notice,
    };
    Ok(no_store(render(&page)))
}

/// ACC-5: "My Account". Without a logged-in session, the login page.
pub(crate) async fn home(
    State(state): State<AppState>,
    visit: SignedIn,
    RawQuery(query): RawQuery,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let t = Tr::new(lang);
    let notice = query_param(query.as_deref(), "saved").map(|what| match what.as_str() {
        "address" => t.t("account-address-saved"),
        "identity" => t.t("account-identity-saved"),
        _ => t.t("account-consents-saved"),
    });
    match page(&state, lang, &uri, &s, &c, notice, Retry::default()).await {
        Ok(r) => r,
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

fn back(lang: Lang, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/{}/account?saved={what}#{anchor}", lang.code())).into_response()
}

/// A refused form: the page again, with the errors and what was typed.
async fn again(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    s: &PageSession,
    c: &Customer,
    e: AppError,
    mut retry: Retry,
) -> Response {
    let t = Tr::new(lang);
    let status = match &e {
        AppError::Invalid(errors) => {
            retry.errors = super::field_messages(t, errors)
                .into_iter()
                .map(|(f, text)| (format!("{}{f}", retry.prefix), text))
                .collect();
            StatusCode::BAD_REQUEST
        }
        AppError::Refused(r) => {
            retry.errors = vec![(String::new(), r.detail.clone())];
            crate::error::status_of(r)
        }
        AppError::NotFound => StatusCode::NOT_FOUND,
        _ => return fail(state, PageError::from_app(lang, e)),
    };
    let account = Uri::try_from(format!("/{}/account", lang.code())).unwrap_or(uri.clone());
    match page(state, lang, &account, s, c, None, retry).await {
        Ok(r) => (status, r).into_response(),
        Err(e) => fail(state, PageError::from_app(lang, e)),
    }
}

/// PRV-2: rectification of title, names and phone.
pub(crate) async fn save_identity(
    State(state): State<AppState>,
    CustomerForm { visit, form }: CustomerForm<IdentityFields>,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let r = Rectification {
        title: Some(form.title.clone()),
        given_name: Some(form.given_name.clone()),
        family_name: Some(form.family_name.clone()),
        phone: Some(form.phone.clone()),
    };
    match privacy::rectify(&state.app, &c.id, r).await {
        Ok(_) => back(lang, "identity", "identity"),
        Err(e) => {
            let retry = Retry {
                identity: Some(form),
                ..Retry::default()
            };
            again(&state, lang, &uri, &s, &c, e, retry).await
        }
    }
}

/// ACC-5: a new address.
pub(crate) async fn add_address(
    State(state): State<AppState>,
    CustomerForm { visit, form }: CustomerForm<AddressFields>,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let a = AddressForm {
        label: form.label.clone(),
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        company: form.company.clone(),
        line1: form.line1.clone(),
        line2: form.line2.clone(),
        postcode: form.postcode.clone(),
        city: form.city.clone(),
        region: String::new(),
        country: form.country.clone(),
        phone: form.phone.clone(),
        is_default: form.is_default.is_some(),
    };
    match privacy::add_address(&state.app, &c.id, a).await {
        Ok(_) => back(lang, "address", "addresses"),
        Err(e) => {
            let retry = Retry {
                address: Some(form),
                prefix: "a-",
                ..Retry::default()
            };
            again(&state, lang, &uri, &s, &c, e, retry).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AddressAction {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

impl WithCsrf for AddressAction {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// ACC-5: make an address the default one, or remove it.
pub(crate) async fn address_action(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    CustomerForm { visit, form }: CustomerForm<AddressAction>,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let done = match form.action.as_str() {
        "default" => privacy::set_default_address(&state.app, &c.id, &id).await,
        "delete" => privacy::delete_address(&state.app, &c.id, &id).await,
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => back(lang, "address", "addresses"),
        Err(e) => again(&state, lang, &uri, &s, &c, e, Retry::default()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChoicesForm {
    #[serde(default)]
    csrf: String,
    /// Which form: `consents` (marketing, partners) or `rights` (restriction, objection).
    #[serde(default)]
    form: String,
    #[serde(default)]
    marketing_email: Option<String>,
    #[serde(default)]
    partners: Option<String>,
    #[serde(default)]
    restriction: Option<String>,
    #[serde(default)]
    objection: Option<String>,
}

impl WithCsrf for ChoicesForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// PRV-2, PRV-3: consents, and restriction or objection.
pub(crate) async fn save_choices(
    State(state): State<AppState>,
    CustomerForm { visit, form }: CustomerForm<ChoicesForm>,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let choices = if form.form == "rights" {
        vec![
            (Purpose::Restriction, form.restriction.is_some()),
            (Purpose::Objection, form.objection.is_some()),
        ]
    } else {
        vec![
            (Purpose::MarketingEmail, form.marketing_email.is_some()),
            (Purpose::Partners, form.partners.is_some()),
        ]
    };
    for (purpose, given) in choices {
        if let Err(e) =
            privacy::set_consent(&state.app, &c.id, purpose, given, Channel::Account).await
        {
            return again(&state, lang, &uri, &s, &c, e, Retry::default()).await;
        }
    }
    back(lang, "consents", "consents")
}

/// PRV-2: the download of everything held, as JSON.
pub(crate) async fn export(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Response {
    let (_, c) = match signed_in(&state, lang, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match privacy::export(&state.app, &c.id).await {
        Ok(data) => crate::api::accounts::export_response(&data),
        Err(e) => fail(&state, PageError::from_app(lang, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EraseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

impl WithCsrf for EraseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// PRV-2: erasure, confirmed with the password; the session ends with the account.
pub(crate) async fn erase(
    State(state): State<AppState>,
    CustomerForm { visit, form }: CustomerForm<EraseForm>,
) -> Response {
    let SignedIn {
        lang,
        session: s,
        customer: c,
        uri,
        ..
    } = visit;
    let t = Tr::new(lang);
    let checked = sessions::throttled(
        &state.app,
        &c.email,
        sessions::check_customer(&state.app, &c.email, &form.password),
    )
    .await;
    if let Err(e) = checked {
        let e = match e {
            AppError::Refused(r) if r.kind == RefusalKind::Unauthorized => {
                AppError::Refused(ecrin_core::Refusal::of(
                    RefusalKind::Unauthorized,
                    "invalid_credentials",
                    t.t("account-erase-wrong-password"),
                ))
            }
            other => other,
        };
        return again(&state, lang, &uri, &s, &c, e, Retry::default()).await;
    }
    if let Err(e) = privacy::erase(&state.app, &c.id).await {
        return fail(&state, PageError::from_app(lang, e));
    }
    let mut done = MessagePage::new(
        &state,
        lang,
        &uri,
        t.t("account-erased-title"),
        vec![t.t("account-erased-text")],
    );
    done.link = Some((format!("/{}/", lang.code()), t.t("error-back-home")));
    let mut response = no_store(render(&done));
    if let Ok(v) = HeaderValue::from_str(&cookies::SESSION.clear()) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
