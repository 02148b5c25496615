//! The back office's order page (DLV-1 … DLV-6, STK-1, STK-3, PAY-4, INV-5): the lines,
//! the parcels, the history with its hashes, and the actions staff take on an order as
//! forms (ship, deliver, returned undelivered, cancel lines, stock-out, transfer received),
//! each posting to the use case the API calls; and the deadline board. Without JavaScript.

use super::{Cell, FormField, Posted, StaffForm, StaffPage, StaffTable, StaffVisit, refused};
use crate::AppState;
use crate::storefront::account::no_store;
use crate::storefront::legal::date;
use crate::storefront::{PagePath, render};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::{cancellations, checkout, fulfilment};
use ecrin_core::order::{StockoutResolution, Units};
use ecrin_core::payment::RefundDestination;
use std::collections::HashMap;

fn time(state: &AppState, ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .and_then(|ts| {
            let zone = jiff::tz::TimeZone::get(&state.app.profile.time_zone).ok()?;
            Some(ts.to_zoned(zone).strftime("%Y-%m-%d %H:%M").to_string())
        })
        .unwrap_or_default()
}

/// One order for staff: lines, parcels, history, actions.
pub(super) async fn order_page(
    State(state): State<AppState>,
    visit: StaffVisit,
    PagePath((_, number)): PagePath<(String, String)>,
) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let heading = t.with("staff-order-title", &[("number", number.clone())]);
    let page = StaffPage::new(&state, lang, &uri, heading, s.csrf).signed(t, &staff);
    let (order, shipments) = match fulfilment::order_for_staff(&state.app, &staff.id, &number).await
    {
        Ok(v) => v,
        Err(e) => return refused(&state, lang, page, e),
    };
    let code = lang.code();
    let tz = &state.app.profile.time_zone;
    let summary = checkout::document(&order).ok();
    let shipped = |line_no: i64| -> i64 {
        shipments
            .iter()
            .flat_map(|s| &s.lines)
            .filter(|l| l.line_no == line_no)
            .map(|l| l.quantity)
            .sum()
    };
    let mut tables = vec![StaffTable {
        title: format!(
            "{} · {} · {}",
            t.t(&format!(
                "order-status-{}",
                order.status.as_str().replace('_', "-")
            )),
            t.money(order.total),
            t.t(&format!("payment-{}", order.payment_method))
        ),
        empty: String::new(),
        head: [
            "staff-line",
            "staff-piece",
            "staff-quantity",
            "staff-shipped",
            "staff-cancelled",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: order
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(format!("{}-{}", order.number, l.line_no)),
                    Cell::text(match &l.personalisation {
                        Some(p) => format!("{} ({}) — « {p} »", l.name, l.sku),
                        None => format!("{} ({})", l.name, l.sku),
                    }),
                    Cell::text(l.quantity.to_string()),
                    Cell::text(shipped(l.line_no).to_string()),
                    Cell::text(l.cancelled.to_string()),
                ]
            })
            .collect(),
    }];
    if let Some(d) = &summary {
        // The delivery address (a boutique pick-up has none): all the warehouse sees of
        // the customer.
        let to = match (&d.delivery_address, &d.pickup_boutique) {
            (Some(a), _) => a.lines().join(", "),
            (None, Some(b)) => format!("{} — {}", b.name, b.address),
            (None, None) => String::new(),
        };
        tables.push(StaffTable {
            title: t.t("staff-deliver-to"),
            empty: String::new(),
            head: vec![t.t("staff-carrier"), t.t("staff-address")],
            rows: vec![vec![Cell::text(d.method.carrier.clone()), Cell::text(to)]],
        });
    }
    tables.push(StaffTable {
        title: t.t("staff-shipments"),
        empty: t.t("staff-no-shipments"),
        head: [
            "staff-shipment",
            "staff-carrier",
            "staff-tracking",
            "staff-status",
            "staff-shipped-at",
            "staff-delivered-at",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: shipments
            .iter()
            .map(|s| {
                let tracking =
                    match fulfilment::tracking_link(&state.app, &order, &s.tracking_number) {
                        Some(url) => Cell::link(s.tracking_number.clone(), url),
                        None => Cell::text(s.tracking_number.clone()),
                    };
                vec![
                    Cell::text(s.id.clone()),
                    Cell::text(s.carrier.clone()),
                    tracking,
                    Cell::text(t.t(&format!("shipment-{}", s.state.as_str().replace('_', "-")))),
                    Cell::text(time(&state, s.shipped_at)),
                    Cell::text(match (s.delivered_at, &s.signed_by) {
                        (Some(at), Some(by)) => format!("{} ({by})", time(&state, at)),
                        (Some(at), None) => time(&state, at),
                        _ => s.return_reason.clone().unwrap_or_default(),
                    }),
                ]
            })
            .collect(),
    });
    // INV-5: the history with its hashes, for the roles that read it.
    if let Ok(events) = checkout::history(&state.app, &staff.id, &number).await {
        tables.push(StaffTable {
            title: t.t("staff-history"),
            empty: String::new(),
            head: ["staff-seq", "staff-quote-when", "staff-event", "staff-hash"]
                .iter()
                .map(|k| t.t(k))
                .collect(),
            rows: events
                .iter()
                .map(|e| {
                    vec![
                        Cell::text(e.seq.to_string()),
                        Cell::text(date(e.at, lang, tz)),
                        Cell::text(e.kind.clone()),
                        Cell::text(e.sha256[..16.min(e.sha256.len())].to_owned()),
                    ]
                })
                .collect(),
        });
    }

    let base = format!("/{code}/staff/orders/{}", order.number);
    let per_line = |default: &dyn Fn(i64) -> i64| -> Vec<FormField> {
        order
            .lines
            .iter()
            .map(|l| {
                FormField::new(
                    format!("line_{}", l.line_no),
                    format!("{}-{} · {}", order.number, l.line_no, l.name),
                    "number",
                )
                .value(default(l.line_no).max(0).to_string())
            })
            .collect()
    };
    let unshipped = |n: i64| {
        order
            .lines
            .iter()
            .find(|l| l.line_no == n)
            .map(|l| l.quantity - l.cancelled - shipped(n))
            .unwrap_or(0)
    };
    let carrier = summary
        .as_ref()
        .map(|d| d.method.carrier.clone())
        .unwrap_or_default();
    let mut ship_fields = vec![
        FormField::new("carrier", t.t("staff-carrier"), "text")
            .value(carrier)
            .required(),
        FormField::new("tracking_number", t.t("staff-tracking"), "text").required(),
    ];
    ship_fields.extend(per_line(&unshipped));
    let in_transit: Vec<(String, String, bool)> =
        std::iter::once((String::new(), t.t("staff-every-parcel"), true))
            .chain(
                shipments
                    .iter()
                    .filter(|s| s.state == ecrin_core::order::ShipmentState::InTransit)
                    .map(|s| {
                        (
                            s.id.clone(),
                            format!("{} · {}", s.carrier, s.tracking_number),
                            false,
                        )
                    }),
            )
            .collect();
    let mut cancel_fields = per_line(&|_| 0);
    cancel_fields.push(FormField::new("reason", t.t("staff-reason"), "text").required());
    let mut stockout_fields = per_line(&|_| 0);
    if state.app.profile.after_sales.stockout_policy
        == ecrin_core::profile::StockoutPolicy::PartialOrCancel
    {
        stockout_fields.push(
            FormField::new("resolution", t.t("staff-resolution"), "select").options(vec![
                (
                    "partial_delivery".into(),
                    t.t("staff-partial-delivery"),
                    true,
                ),
                ("cancel_line".into(), t.t("staff-cancel-line"), false),
            ]),
        );
    }
    // Each action for the roles that may take it (PRV-8: the warehouse sees its work).
    let forms = vec![
        (
            fulfilment::SHIPPING,
            StaffForm {
                id: "ship".into(),
                action: format!("{base}/ship"),
                title: t.t("staff-ship"),
                fields: ship_fields,
                submit: t.t("staff-ship"),
            },
        ),
        (
            fulfilment::DELIVERING,
            StaffForm {
                id: "deliver".into(),
                action: format!("{base}/deliver"),
                title: t.t("staff-deliver"),
                fields: vec![
                    FormField::new("shipment_id", t.t("staff-shipment"), "select")
                        .options(in_transit.clone()),
                    FormField::new("signed_by", t.t("staff-signed-by"), "text"),
                ],
                submit: t.t("staff-deliver"),
            },
        ),
        (
            fulfilment::DELIVERING,
            StaffForm {
                id: "returned".into(),
                action: format!("{base}/returned-undelivered"),
                title: t.t("staff-returned"),
                fields: vec![
                    FormField::new("shipment_id", t.t("staff-shipment"), "select")
                        .options(in_transit),
                    FormField::new("reason", t.t("staff-reason"), "text").required(),
                ],
                submit: t.t("staff-returned"),
            },
        ),
        (
            cancellations::CANCELLING,
            StaffForm {
                id: "stock-out".into(),
                action: format!("{base}/stock-outs"),
                title: t.t("staff-stock-out"),
                fields: stockout_fields,
                submit: t.t("staff-stock-out"),
            },
        ),
        (
            cancellations::CANCELLING,
            StaffForm {
                id: "cancel-lines".into(),
                action: format!("{base}/cancel-lines"),
                title: t.t("staff-cancel-lines"),
                fields: cancel_fields,
                submit: t.t("staff-cancel-lines"),
            },
        ),
        (
            ecrin_app::refunds::REFUNDING,
            StaffForm {
                id: "refund".into(),
                action: format!("{base}/refunds"),
                title: t.t("staff-refund"),
                fields: vec![
                    FormField::new("amount", t.t("staff-refund-amount-cents"), "number").required(),
                    FormField::new("reason", t.t("staff-reason"), "text").required(),
                    // The same form sent twice is one refund.
                    FormField::new("key", String::new(), "hidden").value(format!(
                        "page-{}",
                        ecrin_app::customers::random_hex(12).unwrap_or_default()
                    )),
                ],
                submit: t.t("staff-refund"),
            },
        ),
        (
            ecrin_app::payment::RECORDING,
            StaffForm {
                id: "transfer".into(),
                action: format!("{base}/bank-transfers"),
                title: t.t("staff-transfer-received"),
                fields: vec![
                    FormField::new("amount", t.t("staff-amount-cents"), "number")
                        .value(checkout::amount_due(&order).to_string())
                        .required(),
                ],
                submit: t.t("staff-transfer-received"),
            },
        ),
    ];
    let mut forms: Vec<StaffForm> = forms
        .into_iter()
        .filter(|(roles, _)| roles.contains(&staff.role))
        .map(|(_, f)| f)
        .collect();
    // STK-1: stock-outs offered to the customer, and what they chose (the warehouse
    // prepares an equivalent piece instead when one was chosen).
    let stock_outs = cancellations::stockouts_of(&state.app, &order)
        .await
        .unwrap_or_default();
    if !stock_outs.is_empty() {
        tables.push(StaffTable {
            title: t.t("staff-stock-outs"),
            empty: String::new(),
            head: [
                "staff-quote-when",
                "staff-lines",
                "staff-status",
                "staff-equivalent",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: stock_outs
                .iter()
                .map(|s| {
                    let units: Vec<Units> = serde_json::from_str(&s.lines).unwrap_or_default();
                    vec![
                        Cell::text(date(s.created_at, lang, tz)),
                        Cell::text(
                            units
                                .iter()
                                .map(|u| format!("{} × {}-{}", u.quantity, order.number, u.line_no))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        Cell::text(match s.choice {
                            Some(c) => t.t(&format!("stockout-{}", c.as_str())),
                            None => t.t("staff-stock-out-awaiting"),
                        }),
                        Cell::text(s.equivalent_sku.clone().unwrap_or_default()),
                    ]
                })
                .collect(),
        });
    }
    // STK-2: refunds of a transfer, owed until the house records the transfer it sent.
    let papers = ecrin_app::documents::papers_of_order(&state.app, &order)
        .await
        .unwrap_or_default();
    for r in papers
        .refunds
        .iter()
        .filter(|r| r.status == ecrin_core::payment::RefundState::Pending)
        // STK-2 (`paris`): nothing to send before the customer has chosen where.
        .filter(|r| r.destination != Some(RefundDestination::CustomerChoice))
        .filter(|_| ecrin_app::payment::RECORDING.contains(&staff.role))
    {
        let mut args = vec![("amount", t.money(r.amount)), ("reason", r.reason.clone())];
        let title = match (&r.payee_name, &r.payee_iban) {
            // STK-2: to the account the customer gave.
            (Some(holder), Some(iban)) => {
                args.push(("holder", holder.clone()));
                args.push(("iban", iban.clone()));
                t.with("staff-refund-owed-to", &args)
            }
            _ => t.with("staff-refund-owed", &args),
        };
        forms.push(StaffForm {
            id: format!("refund-sent-{}", r.id),
            action: format!("{base}/refund-sent"),
            title,
            fields: vec![
                FormField::new("refund_id", String::new(), "hidden").value(r.id.clone()),
                FormField::new("reference", t.t("staff-refund-reference"), "text").required(),
            ],
            submit: t.t("staff-refund-sent"),
        });
    }
    let links = vec![(
        format!("/api/v1/admin/orders/{}/packing-slip.pdf", order.number),
        t.t("staff-packing-slip"),
    )];
    let page = StaffPage {
        tables,
        forms,
        links,
        ..page
    };
    no_store(render(&page))
}

/// Units from the per-line fields of a form (`line_{n}` = quantity); zero ones left out.
fn form_units(form: &HashMap<String, String>) -> Vec<Units> {
    let mut units: Vec<Units> = form
        .iter()
        .filter_map(|(k, v)| {
            let line_no = k.strip_prefix("line_")?.parse::<i64>().ok()?;
            let quantity = v.trim().parse::<i64>().ok()?;
            (quantity != 0).then_some(Units { line_no, quantity })
        })
        .collect();
    units.sort_by_key(|u| u.line_no);
    units
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

/// The actions of an order's page, by the last segment of the address its forms post to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderAction {
    Ship,
    Deliver,
    ReturnedUndelivered,
    CancelLines,
    StockOuts,
    BankTransfers,
    Refunds,
    RefundSent,
}

impl OrderAction {
    const ALL: [OrderAction; 8] = [
        OrderAction::Ship,
        OrderAction::Deliver,
        OrderAction::ReturnedUndelivered,
        OrderAction::CancelLines,
        OrderAction::StockOuts,
        OrderAction::BankTransfers,
        OrderAction::Refunds,
        OrderAction::RefundSent,
    ];

    fn segment(self) -> &'static str {
        match self {
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::ReturnedUndelivered => "returned-undelivered",
            OrderAction::CancelLines => "cancel-lines",
            OrderAction::StockOuts => "stock-outs",
            OrderAction::BankTransfers => "bank-transfers",
            OrderAction::Refunds => "refunds",
            OrderAction::RefundSent => "refund-sent",
        }
    }

    fn parse(segment: &str) -> Option<OrderAction> {
        OrderAction::ALL
            .into_iter()
            .find(|a| a.segment() == segment)
    }
}

/// Every action of the order page: checks the form, calls the use case, and comes back to
/// the order (or says why not).
pub(super) async fn act(
    State(state): State<AppState>,
    PagePath((_, number, action)): PagePath<(String, String, String)>,
    Posted { visit, form }: Posted<HashMap<String, String>>,
) -> Response {
    let page = visit.page(&state, "staff-orders");
    let StaffVisit { lang, staff, .. } = visit;
    let app = &state.app;
    let optional =
        |name: &str| Some(field(&form, name).trim().to_owned()).filter(|v| !v.is_empty());
    let Some(action) = OrderAction::parse(&action) else {
        return refused(&state, lang, page, ecrin_app::AppError::NotFound);
    };
    let done = match action {
        OrderAction::Ship => fulfilment::ship(
            app,
            &staff.id,
            &number,
            fulfilment::ShipInput {
                carrier: field(&form, "carrier").to_owned(),
                tracking_number: field(&form, "tracking_number").to_owned(),
                lines: form_units(&form),
            },
        )
        .await
        .map(|_| ()),
        OrderAction::Deliver => fulfilment::deliver(
            app,
            &staff.id,
            &number,
            optional("shipment_id"),
            None,
            optional("signed_by"),
        )
        .await
        .map(|_| ()),
        OrderAction::ReturnedUndelivered => fulfilment::returned_undelivered(
            app,
            &staff.id,
            &number,
            optional("shipment_id"),
            field(&form, "reason"),
        )
        .await
        .map(|_| ()),
        OrderAction::CancelLines => cancellations::cancel_lines(
            app,
            &staff.id,
            &number,
            form_units(&form),
            field(&form, "reason"),
        )
        .await
        .map(|_| ()),
        OrderAction::StockOuts => {
            let resolution =
                optional("resolution").and_then(|r| r.parse::<StockoutResolution>().ok());
            cancellations::stock_out(app, &staff.id, &number, form_units(&form), resolution)
                .await
                .map(|_| ())
        }
        OrderAction::BankTransfers => {
            let amount = field(&form, "amount").trim().parse::<i64>().unwrap_or(0);
            ecrin_app::payment::record_transfer(app, &staff.id, &number, amount)
                .await
                .map(|_| ())
        }
        OrderAction::Refunds => ecrin_app::refunds::refund(
            app,
            &staff.id,
            &number,
            ecrin_app::refunds::RefundInput {
                payment_id: None,
                amount: field(&form, "amount").trim().parse::<i64>().unwrap_or(0),
                reason: field(&form, "reason").to_owned(),
                key: optional("key"),
                destination: None,
            },
        )
        .await
        .map(|_| ()),
        OrderAction::RefundSent => ecrin_app::refunds::record_sent(
            app,
            &staff.id,
            field(&form, "refund_id"),
            field(&form, "reference"),
        )
        .await
        .map(|_| ()),
    };
    match done {
        Ok(()) => {
            state.cache.invalidate();
            Redirect::to(&format!("/{}/staff/orders/{number}", lang.code())).into_response()
        }
        Err(e) => refused(&state, lang, page, e),
    }
}

/// The clocks the board's page shows at most, soonest first.
const BOARD_ROWS: usize = 300;

/// The deadline board as a page.
pub(super) async fn deadlines(State(state): State<AppState>, visit: StaffVisit) -> Response {
    let StaffVisit {
        lang,
        t,
        session: s,
        staff,
        uri,
        ..
    } = visit;
    let page = StaffPage::new(&state, lang, &uri, t.t("staff-deadlines"), s.csrf).signed(t, &staff);
    let board = match ecrin_app::deadlines::soonest(&state.app, &staff.id, BOARD_ROWS).await {
        Ok(b) => b,
        Err(e) => return refused(&state, lang, page, e),
    };
    let now = state.app.clock.now_ms();
    let code = lang.code();
    // The soonest first: beyond a few hundred a page is no longer read, and the whole board
    // is at `GET /api/v1/admin/deadlines`.
    let shown = board.clocks.len();
    let rows = board
        .clocks
        .iter()
        .map(|c| {
            vec![
                Cell::text(if c.overdue(now) {
                    format!("⚠ {}", t.t("staff-overdue"))
                } else {
                    String::new()
                }),
                Cell::text(time(&state, c.due_at)),
                Cell::text(t.t(&format!("deadline-{}", c.kind.as_str().replace('_', "-")))),
                Cell::text(c.kind.rule()),
                if c.kind == ecrin_core::deadlines::ClockKind::MessageAnswer {
                    Cell::link(c.order_number.clone(), format!("/{code}/staff/tickets"))
                } else {
                    Cell::link(
                        c.order_number.clone(),
                        format!("/{code}/staff/orders/{}", c.order_number),
                    )
                },
            ]
        })
        .collect();
    let title = if board.total > shown {
        t.with(
            "staff-deadlines-soonest",
            &[
                ("shown", shown.to_string()),
                ("total", board.total.to_string()),
            ],
        )
    } else {
        t.t("staff-deadlines")
    };
    let page = StaffPage {
        tables: vec![StaffTable {
            title,
            empty: t.t("staff-no-deadlines"),
            head: [
                "staff-overdue",
                "staff-due",
                "staff-clock",
                "staff-rule",
                "staff-order-number",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }],
        ..page
    };
    no_store(render(&page))
}

#[cfg(test)]
mod tests {
    use super::OrderAction;

    #[test]
    fn each_order_action_is_read_back_from_its_address_and_no_other() {
        for a in OrderAction::ALL {
            assert_eq!(OrderAction::parse(a.segment()), Some(a));
        }
        assert_eq!(OrderAction::parse("ship-everything"), None);
        assert_eq!(OrderAction::parse(""), None);
    }
}
