//! The withdrawal function's pages (WDR-7, Directive 2023/2673): reachable from every page's
//! footer and from the order's page, for a logged-in customer or a guest with the order's
//! number and e-mail address; two steps (withdraw, then confirm), no reason asked, per line
//! and quantity; the receipt shown at once and e-mailed with the statement as PDF. Works
//! without JavaScript: each step is a form.

use super::account::{csrf_ok, fail, lang_of, no_store, session, with_cookie};
use super::{Layout, PageError, PagePath, render};
use crate::AppState;
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ecrin_app::AppError;
use ecrin_app::i18n;
use ecrin_app::model::Order;
use ecrin_app::sessions::PageSession;
use ecrin_app::withdrawals::{self, Pending, Who, WithdrawInput};
use ecrin_core::Lang;
use ecrin_core::order::Units;
use ecrin_core::refusal::RefusalKind;
use std::collections::HashMap;

struct LineChoice {
    line_no: i64,
    name: String,
    max: i64,
    choices: Vec<i64>,
    note: String,
}

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    heading: String,
    csrf: String,
    /// `identify`, `choose` or `review`.
    step: &'static str,
    errors: Vec<String>,
    receipt: Vec<String>,
    own_orders: Vec<(String, String)>,
    order_number: String,
    email: String,
    lead: String,
    lines: Vec<LineChoice>,
    chosen: Vec<(String, i64)>,
    review: Vec<String>,
    /// A guest's notice: the token of its e-mailed link (`link` step).
    token: String,
    /// What is said of a guest's notice (`sent` and `link` steps).
    notice: String,
}

fn blank(state: &AppState, lang: Lang, uri: &Uri, s: &PageSession) -> WithdrawPage {
    let t = Tr::new(lang);
    let heading = t.t("withdraw-title");
    WithdrawPage {
        layout: Layout::new(&state.app.profile, lang, uri, heading.clone()),
        heading,
        csrf: s.csrf.clone(),
        step: "identify",
        errors: Vec::new(),
        receipt: Vec::new(),
        own_orders: Vec::new(),
        order_number: String::new(),
        email: String::new(),
        lead: String::new(),
        lines: Vec::new(),
        chosen: Vec::new(),
        review: Vec::new(),
        token: String::new(),
        notice: String::new(),
    }
}

/// The first step: which order (the customer's own, listed; or any by number and e-mail).
async fn identify(state: &AppState, lang: Lang, page: &mut WithdrawPage, s: &PageSession) {
    let t = Tr::new(lang);
    page.step = "identify";
    if let Some(id) = &s.customer_id
        && let Ok(list) = ecrin_app::checkout::orders_page(&state.app, id, None, None).await
    {
        // The newest: an older order is past its window, or is found by its number.
        page.own_orders = list
            .orders
            .into_iter()
            .filter(|o| o.payment_state == ecrin_core::order::PaymentState::Paid)
            .filter(|o| {
                !matches!(
                    o.status,
                    ecrin_core::order::OrderState::Cancelled
                        | ecrin_core::order::OrderState::Abandoned
                )
            })
            .map(|o| {
                let line = t.with(
                    "withdraw-order-line",
                    &[
                        ("number", o.number.clone()),
                        (
                            "date",
                            super::legal::date(o.placed_at, lang, &state.app.profile.time_zone),
                        ),
                    ],
                );
                (o.number, line)
            })
            .collect();
    }
}

/// The second step: how many units of each line.
async fn choose(state: &AppState, lang: Lang, page: &mut WithdrawPage, order: &Order) {
    let t = Tr::new(lang);
    page.step = "choose";
    page.order_number = order.number.clone();
    page.lead = t.with("withdraw-choose-lead", &[("number", order.number.clone())]);
    let open = withdrawals::open_lines(&state.app, order)
        .await
        .unwrap_or_default();
    page.lines = open
        .into_iter()
        .map(|l| LineChoice {
            note: if l.excluded {
                t.t("withdraw-excluded")
            } else if l.closed {
                t.t("withdraw-closed")
            } else {
                t.t("withdraw-nothing-left")
            },
            choices: (0..=l.max).collect(),
            line_no: l.line_no,
            name: l.name,
            max: l.max,
        })
        .collect();
}

fn chosen_units(values: &HashMap<String, String>) -> Vec<Units> {
    let mut units: Vec<Units> = values
        .iter()
        .filter_map(|(k, v)| {
            let line_no = k.strip_prefix("q_")?.parse::<i64>().ok()?;
            let quantity = v.trim().parse::<i64>().ok()?;
            (quantity > 0).then_some(Units { line_no, quantity })
        })
        .collect();
    units.sort_by_key(|u| u.line_no);
    units
}

fn messages(t: Tr, e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => super::field_messages(t, errors)
            .into_iter()
            .map(|(_, m)| m)
            .collect(),
        AppError::Refused(r) => vec![
            t.try_with(&format!("error-{}", r.code.replace('_', "-")), &[])
                .unwrap_or_else(|| r.detail.clone()),
        ],
        AppError::NotFound => vec![t.t("withdraw-not-found")],
        other => vec![other.to_string()],
    }
}

/// `GET /{lang}/withdraw` (`?order=N` for a logged-in customer's own order).
pub(crate) async fn page(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let mut page = blank(&state, lang, &uri, &s);
    let wanted = super::account::query_param(query.as_deref(), "order");
    match (wanted, &s.customer_id) {
        (Some(number), Some(id)) => {
            match withdrawals::order_for(&state.app, Who::Customer(id), &number).await {
                Ok(order) => choose(&state, lang, &mut page, &order).await,
                Err(e) => {
                    page.errors = messages(Tr::new(lang), &e);
                    identify(&state, lang, &mut page, &s).await;
                }
            }
        }
        _ => identify(&state, lang, &mut page, &s).await,
    }
    with_cookie(no_store(render(&page)), cookie)
}

/// `POST /{lang}/withdraw`: the next step of the form (`step`: `choose`, `review`,
/// `confirm`).
pub(crate) async fn step(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    client: crate::api::checkout::Client,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let t = Tr::new(lang);
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut page = blank(&state, lang, &uri, &s);
    page.order_number = get("order_number");
    page.email = get("email");
    if !csrf_ok(&s, &get("csrf")) {
        page.errors = vec![t.t("error-form-expired")];
        identify(&state, lang, &mut page, &s).await;
        return with_cookie(
            (StatusCode::FORBIDDEN, no_store(render(&page))).into_response(),
            cookie,
        );
    }
    let email = page.email.clone();
    let client_ip = client.ip.clone();
    let who = match (&s.customer_id, email.is_empty()) {
        (Some(id), true) => Who::Customer(id),
        _ => Who::Guest {
            email: &email,
            client: &client_ip,
        },
    };
    let number = page.order_number.clone();
    let order = match withdrawals::order_for(&state.app, who, &number).await {
        Ok(o) => o,
        Err(e) => {
            page.errors = messages(t, &e);
            identify(&state, lang, &mut page, &s).await;
            let status = match &e {
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Refused(r) if r.kind == RefusalKind::RateLimited => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                _ => StatusCode::BAD_REQUEST,
            };
            return with_cookie((status, no_store(render(&page))).into_response(), cookie);
        }
    };
    let units = chosen_units(&values);
    let (status, page) = match get("step").as_str() {
        "review" => match withdrawals::preview(&state.app, &order, &units).await {
            Ok(plan) => {
                page.step = "review";
                page.order_number = order.number.clone();
                page.lead = t.t("withdraw-review-lead");
                page.chosen = units
                    .iter()
                    .map(|u| (format!("q_{}", u.line_no), u.quantity))
                    .collect();
                if !plan.cancel.is_empty() {
                    page.review.push(t.with(
                        "withdraw-review-cancel",
                        &[(
                            "items",
                            withdrawals::describe(&order, &plan.cancel).join(", "),
                        )],
                    ));
                }
                if !plan.send_back.is_empty() {
                    page.review.push(t.with(
                        "withdraw-review-send-back",
                        &[(
                            "items",
                            withdrawals::describe(&order, &plan.send_back).join(", "),
                        )],
                    ));
                }
                (StatusCode::OK, page)
            }
            Err(e) => {
                page.errors = messages(t, &e);
                choose(&state, lang, &mut page, &order).await;
                (StatusCode::UNPROCESSABLE_ENTITY, page)
            }
        },
        "confirm" => {
            let input = WithdrawInput {
                lines: units,
                ip: client.ip,
                ..WithdrawInput::default()
            };
            let done = match who {
                Who::Customer(id) => withdrawals::withdraw(&state.app, id, &order.number, input)
                    .await
                    .map(|w| {
                        state.cache.invalidate();
                        page.heading = t.t("withdraw-done-title");
                        page.receipt =
                            withdrawals::paragraphs(&state.app, t, &w.order, &w.withdrawal);
                    }),
                Who::Guest { email, .. } => {
                    withdrawals::notify_as_guest(&state.app, &order.number, email, input)
                        .await
                        .map(|n| {
                            let zone = &state.app.profile.time_zone;
                            page.heading = t.t("withdraw-sent-title");
                            page.step = "sent";
                            page.notice = t.with(
                                "withdraw-sent",
                                &[
                                    ("number", n.order_number),
                                    ("at", i18n::date_time(n.notified_at, lang, zone)),
                                    ("until", i18n::date_time(n.expires_at, lang, zone)),
                                ],
                            );
                        })
                }
            };
            match done {
                Ok(()) => (StatusCode::OK, page),
                Err(e) => {
                    page.errors = messages(t, &e);
                    choose(&state, lang, &mut page, &order).await;
                    (StatusCode::UNPROCESSABLE_ENTITY, page)
                }
            }
        }
        _ => {
            choose(&state, lang, &mut page, &order).await;
            (StatusCode::OK, page)
        }
    };
    with_cookie((status, no_store(render(&page))).into_response(), cookie)
}

/// The `link` step: what a guest's notice withdraws from, and the button confirming it.
fn link_step(state: &AppState, lang: Lang, page: &mut WithdrawPage, token: &str, p: &Pending) {
    let t = Tr::new(lang);
    let units: Vec<Units> = serde_json::from_str(&p.notice.lines).unwrap_or_default();
    page.step = "link";
    page.token = token.to_owned();
    page.order_number = p.order.number.clone();
    page.notice = t.with(
        "withdraw-link-lead",
        &[
            ("number", p.order.number.clone()),
            (
                "at",
                i18n::date_time(p.notice.notified_at, lang, &state.app.profile.time_zone),
            ),
            ("items", withdrawals::describe(&p.order, &units).join(", ")),
        ],
    );
}

/// `GET /{lang}/withdraw/confirm?token=…`: the link e-mailed for a guest's withdrawal shows
/// what it withdraws from and a button to confirm it (following the link alone changes
/// nothing: a mail scanner opening it confirms nothing).
pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let t = Tr::new(lang);
    let mut page = blank(&state, lang, &uri, &s);
    let token = super::account::query_param(query.as_deref(), "token").unwrap_or_default();
    let status = match withdrawals::notice(&state.app, &token).await {
        Ok(p) if p.notice.withdrawal_id.is_some() => {
            page.heading = t.t("withdraw-done-title");
            if let Ok(Some(w)) = state
                .app
                .store
                .withdrawal_by_id(p.notice.withdrawal_id.as_deref().unwrap_or_default())
                .await
            {
                page.receipt = withdrawals::paragraphs(&state.app, t, &p.order, &w);
            }
            StatusCode::OK
        }
        Ok(p) => {
            link_step(&state, lang, &mut page, &token, &p);
            StatusCode::OK
        }
        Err(e) => {
            page.errors = messages(t, &e);
            identify(&state, lang, &mut page, &s).await;
            StatusCode::NOT_FOUND
        }
    };
    with_cookie((status, no_store(render(&page))).into_response(), cookie)
}

/// `POST /{lang}/withdraw/confirm`: the owner of the order's address confirms a guest's
/// withdrawal; it is carried out as of the notice and its receipt shown.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    PagePath(lang): PagePath<String>,
    OriginalUri(uri): OriginalUri,
    client: crate::api::checkout::Client,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let lang = match lang_of(&state, &lang) {
        Ok(l) => l,
        Err(e) => return fail(&state, e),
    };
    let t = Tr::new(lang);
    let (s, cookie) = match session(&state, &headers).await {
        Ok(v) => v,
        Err(e) => return fail(&state, PageError::from_app(lang, e)),
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let token = get("token");
    let mut page = blank(&state, lang, &uri, &s);
    if !csrf_ok(&s, &get("csrf")) {
        page.errors = vec![t.t("error-form-expired")];
        if let Ok(p) = withdrawals::notice(&state.app, &token).await {
            link_step(&state, lang, &mut page, &token, &p);
        }
        return with_cookie(
            (StatusCode::FORBIDDEN, no_store(render(&page))).into_response(),
            cookie,
        );
    }
    let status = match withdrawals::confirm(&state.app, &token, &client.ip).await {
        Ok(w) => {
            state.cache.invalidate();
            page.heading = t.t("withdraw-done-title");
            page.receipt = withdrawals::paragraphs(&state.app, t, &w.order, &w.withdrawal);
            StatusCode::OK
        }
        Err(e) => {
            page.errors = messages(t, &e);
            match withdrawals::notice(&state.app, &token).await {
                Ok(p) => link_step(&state, lang, &mut page, &token, &p),
                Err(_) => identify(&state, lang, &mut page, &s).await,
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    with_cookie((status, no_store(render(&page))).into_response(), cookie)
}
