//! The back office's returns (WDR-4): the parcels of authorised returns awaited, taken in
//! when they arrive, then inspected: accepted, accepted with a reduced refund for wear, or
//! refused with its reason; and the claims to decide (WAR-2), with their photos. Each form
//! posts to the use case the API calls.

use super::{Cell, FormField, Posted, StaffForm, StaffPage, StaffTable, StaffVisit, refused};
use crate::AppState;
use crate::storefront::account::no_store;
use crate::storefront::legal::date;
use crate::storefront::{PagePath, render};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::withdrawals;
use ecrin_core::order::Units;
use ecrin_core::withdrawal::WithdrawalState;
use std::collections::HashMap;

/// The returns to take in and to inspect, oldest notice first.
/// The returns the page lists at most, notified first: each comes with its form, and the
/// next ones show as these are taken in.
const LIST_ROWS: usize = 100;

pub(super) async fn list(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-returns"), s.csrf).signed(t, &staff);
    let (awaited, total) = match withdrawals::awaited(&state.app, &staff.id, LIST_ROWS).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let tz = &state.app.profile.time_zone;
    let mut rows = Vec::new();
    let mut forms = Vec::new();
    for (w, order) in &awaited {
        let back: Vec<Units> = serde_json::from_str(&w.send_back).unwrap_or_default();
        let pieces = withdrawals::describe(order, &back).join(", ");
        rows.push(vec![
            Cell::text(w.id.clone()),
            Cell::link(
                order.number.clone(),
                format!("/{code}/staff/orders/{}", order.number),
            ),
            Cell::text(date(w.notified_at, lang, tz)),
            Cell::text(pieces.clone()),
            Cell::text(t.t(&format!("return-status-{}", w.status.as_str()))),
            Cell::text(w.return_by.clone().unwrap_or_default()),
        ]);
        let base = format!("/{code}/staff/returns/{}", w.id);
        let title = format!("{} · {} · {pieces}", w.id, order.number);
        if w.status == WithdrawalState::Authorised {
            forms.push(StaffForm {
                id: format!("receive-{}", w.id),
                action: format!("{base}/receive"),
                title,
                fields: Vec::new(),
                submit: t.t("staff-return-receive"),
            });
        } else {
            let full = withdrawals::refund_estimate(&state.app, order, &back);
            forms.push(StaffForm {
                id: format!("inspect-{}", w.id),
                action: format!("{base}/inspect"),
                title: format!(
                    "{title} · {}",
                    t.with("staff-return-full-refund", &[("amount", t.money(full))])
                ),
                fields: vec![
                    FormField::new("outcome", t.t("staff-return-outcome"), "select").options(
                        ["accepted", "reduced", "refused"]
                            .iter()
                            .enumerate()
                            .map(|(i, o)| {
                                (o.to_string(), t.t(&format!("return-status-{o}")), i == 0)
                            })
                            .collect(),
                    ),
                    FormField::new("refund_amount", t.t("staff-return-reduced-cents"), "number"),
                    FormField::new("reason", t.t("staff-return-reason"), "text"),
                ],
                submit: t.t("staff-return-inspect"),
            });
        }
    }
    let title = if total > awaited.len() {
        t.with(
            "staff-returns-first",
            &[
                ("shown", awaited.len().to_string()),
                ("total", total.to_string()),
            ],
        )
    } else {
        t.t("staff-returns")
    };
    let page = StaffPage {
        tables: vec![StaffTable {
            title,
            empty: t.t("staff-no-returns"),
            head: [
                "staff-return",
                "staff-order-number",
                "staff-quote-when",
                "staff-pieces",
                "staff-status",
                "staff-return-by",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }],
        forms,
        ..page
    };
    no_store(render(&page))
}

/// What the returns' page does to one return, by the last segment of its form's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnAction {
    Receive,
    Inspect,
}

impl ReturnAction {
    fn parse(segment: &str) -> Option<ReturnAction> {
        match segment {
            "receive" => Some(ReturnAction::Receive),
            "inspect" => Some(ReturnAction::Inspect),
            _ => None,
        }
    }
}

/// Receives or inspects one return, then comes back to the list (or says why not).
pub(super) async fn act(
    State(state): State<AppState>,
    PagePath((_, id, action)): PagePath<(String, String, String)>,
    Posted { visit, form }: Posted<HashMap<String, String>>,
) -> Response {
    let page = visit.page(&state, "staff-returns");
    let StaffVisit { lang, staff, .. } = visit;
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let Some(action) = ReturnAction::parse(&action) else {
        return refused(&state, lang, page, ecrin_app::AppError::NotFound);
    };
    let done = match action {
        ReturnAction::Receive => withdrawals::receive(&state.app, &staff.id, &id)
            .await
            .map(|_| ()),
        ReturnAction::Inspect => withdrawals::inspect(
            &state.app,
            &staff.id,
            &id,
            withdrawals::Inspection {
                outcome: field("outcome").unwrap_or_default(),
                // A figure that is not one is refused as the amount it should be.
                refund_amount: field("refund_amount").map(|a| a.parse().unwrap_or(-1)),
                reason: field("reason"),
            },
        )
        .await
        .map(|_| ()),
    };
    match done {
        Ok(()) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/returns", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// WAR-2, WAR-3: the claims to decide, the oldest first, with their photos.
pub(super) async fn claims(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-claims"), s.csrf).signed(t, &staff);
    let open = match ecrin_app::claims::open(&state.app, &staff.id).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let tz = &state.app.profile.time_zone;
    let mut rows = Vec::new();
    let mut forms = Vec::new();
    for (c, order, photos) in &open {
        let piece = c
            .line_no
            .and_then(|n| order.lines.iter().find(|l| l.line_no == n))
            .map(|l| format!("{} ({})", l.name, l.sku))
            .unwrap_or_default();
        let mut row = vec![
            Cell::text(c.id.clone()),
            Cell::link(
                order.number.clone(),
                format!("/{code}/staff/orders/{}", order.number),
            ),
            Cell::text(date(c.created_at, lang, tz)),
            Cell::text(t.t(&format!("claim-kind-{}", c.kind.as_str()))),
            Cell::text(piece),
            Cell::text(c.description.clone()),
            Cell::text(c.answer_due.clone()),
        ];
        for (i, p) in photos.iter().enumerate() {
            row.push(Cell::link(
                format!("{} {}", t.t("staff-claim-photo"), i + 1),
                format!("/{code}/staff/claims/{}/photos/{}", c.id, p.id),
            ));
        }
        rows.push(row);
        forms.push(StaffForm {
            id: format!("decide-{}", c.id),
            action: format!("/{code}/staff/claims/{}/decide", c.id),
            title: format!("{} · {} · {}", c.id, order.number, c.description),
            fields: vec![
                FormField::new("outcome", t.t("staff-return-outcome"), "select").options(
                    ["repair", "replace", "refund", "refused"]
                        .iter()
                        .enumerate()
                        .map(|(i, o)| (o.to_string(), t.t(&format!("claim-status-{o}")), i == 0))
                        .collect(),
                ),
                FormField::new("reason", t.t("staff-claim-reason"), "text").required(),
                FormField::new("refund_amount", t.t("staff-claim-refund-cents"), "number"),
                FormField::new(
                    "return_cost",
                    t.t("staff-claim-return-cost-cents"),
                    "number",
                ),
            ],
            submit: t.t("staff-claim-decide"),
        });
    }
    let page = StaffPage {
        tables: vec![StaffTable {
            title: t.t("staff-claims"),
            empty: t.t("staff-no-claims"),
            head: [
                "staff-claim",
                "staff-order-number",
                "staff-quote-when",
                "claim-kind",
                "claim-piece",
                "claim-description",
                "staff-due",
                "claim-photos",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }],
        forms,
        ..page
    };
    no_store(render(&page))
}

/// WAR-2: a claim decided from its form.
pub(super) async fn decide(
    State(state): State<AppState>,
    PagePath((_, id)): PagePath<(String, String)>,
    Posted { visit, form }: Posted<HashMap<String, String>>,
) -> Response {
    let page = visit.page(&state, "staff-claims");
    let StaffVisit { lang, staff, .. } = visit;
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let amount = |name: &str| field(name).map(|a| a.parse().unwrap_or(-1));
    let decision = ecrin_app::claims::Decision {
        outcome: field("outcome").unwrap_or_default(),
        reason: field("reason").unwrap_or_default(),
        refund_amount: amount("refund_amount"),
        return_cost: amount("return_cost"),
    };
    match ecrin_app::claims::decide(&state.app, &staff.id, &id, decision).await {
        Ok(_) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/claims", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// A claim's photo, for the staff who decide.
pub(super) async fn claim_photo(
    State(state): State<AppState>,
    PagePath((_, id, photo)): PagePath<(String, String, String)>,
    visit: StaffVisit,
) -> Response {
    let page = visit.page(&state, "staff-claims");
    match ecrin_app::claims::staff_photo(&state.app, &visit.staff.id, &id, &photo).await {
        Ok((ct, bytes)) => crate::api::after_sales::image(ct, bytes),
        Err(e) => refused(&state, visit.lang, page, e),
    }
}

/// WAR-4: the recalls made, and the form to recall a piece.
pub(super) async fn recalls(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-recalls"), s.csrf).signed(t, &staff);
    let list = match ecrin_app::recalls::list(&state.app, &staff.id).await {
        Ok(l) => l,
        Err(e) => return refused(&state, lang, page, e),
    };
    let tz = &state.app.profile.time_zone;
    let code = lang.code();
    let page = StaffPage {
        tables: vec![StaffTable {
            title: t.t("staff-recalls"),
            empty: t.t("staff-no-recalls"),
            head: [
                "staff-recall",
                "staff-quote-when",
                "staff-recall-sku",
                "staff-reason",
                "staff-recall-orders",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: list
                .iter()
                .map(|r| {
                    vec![
                        Cell::text(r.id.clone()),
                        Cell::text(date(r.created_at, lang, tz)),
                        Cell::text(
                            r.sku
                                .clone()
                                .or_else(|| r.product_slug.clone())
                                .unwrap_or_default(),
                        ),
                        Cell::text(r.reason.clone()),
                        Cell::text(r.orders.to_string()),
                    ]
                })
                .collect(),
        }],
        forms: vec![StaffForm {
            id: "recall".into(),
            action: format!("/{code}/staff/recalls"),
            title: t.t("staff-recall-new"),
            fields: vec![
                FormField::new("sku", t.t("staff-recall-sku"), "text"),
                FormField::new("product", t.t("staff-recall-product"), "text"),
                FormField::new("reason", t.t("staff-recall-reason"), "text").required(),
            ],
            submit: t.t("staff-recall-submit"),
        }],
        ..page
    };
    no_store(render(&page))
}

/// WAR-4: a recall from its form.
pub(super) async fn recall(
    State(state): State<AppState>,
    Posted { visit, form }: Posted<HashMap<String, String>>,
) -> Response {
    let page = visit.page(&state, "staff-recalls");
    let StaffVisit { lang, staff, .. } = visit;
    let input = ecrin_app::recalls::RecallInput {
        sku: form.get("sku").cloned(),
        product: form.get("product").cloned(),
        reason: form.get("reason").cloned().unwrap_or_default(),
    };
    match ecrin_app::recalls::recall(&state.app, &staff.id, input).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/recalls", lang.code())).into_response(),
        Err(e) => refused(&state, lang, page, e),
    }
}
