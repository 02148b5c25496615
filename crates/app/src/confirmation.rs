//! INV-1: once an order is paid, the customer is told on screen and by e-mail everything
//! the contract rests on: the order and its lines, the payment received, delivery, the terms
//! (attached), how to withdraw (with the form attached) or why a piece cannot be withdrawn
//! from, where to complain, the warranties and the after-sales contacts.
//!
//! One list of sections serves the order's page and the e-mail, so both say the same.

use crate::checkout::Summary;
use crate::emails::{self, Attachment, Message};
use crate::i18n::{self, Tr};
use crate::{App, AppError};
use ecrin_core::profile::WindowStart;
use ecrin_store::{Invoice, Order, Tx};

/// One part of the confirmation: a heading and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub heading: String,
    pub paragraphs: Vec<String>,
}

fn one_line(lines: &[String]) -> String {
    lines.join(", ")
}

/// Where the confirmation is read: its terms are attached to the e-mail, linked on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Page,
    Email,
}

/// The sections of a paid order's confirmation, in the order's language.
pub fn sections(
    app: &App,
    order: &Order,
    summary: &Summary,
    invoice: &Invoice,
    medium: Medium,
) -> Vec<Section> {
    let p = &app.profile;
    let m = &p.merchant;
    let lang = crate::documents::order_lang(p, order);
    let t = Tr::new(lang);
    let tz = &p.time_zone;
    let method = t
        .try_with(&format!("payment-{}", order.payment_method), &[])
        .unwrap_or_else(|| order.payment_method.as_str().to_owned());
    let mut out = Vec::new();

    out.push(Section {
        id: "payment",
        heading: t.t("confirm-payment-title"),
        paragraphs: {
            let due = crate::checkout::amount_due(order);
            let args = [
                ("number", order.number.clone()),
                ("amount", t.money(due)),
                ("method", method),
                ("date", i18n::date(invoice.issued_at, lang, tz)),
                ("invoice", invoice.number.clone()),
                ("credit", t.money(summary.store_credit)),
            ];
            // STK-2: the part the shop credit paid is said with the rest.
            if summary.store_credit == 0 {
                vec![t.with("confirm-payment-text", &args)]
            } else if due == 0 {
                vec![t.with("confirm-payment-credit-only", &args)]
            } else {
                vec![t.with("confirm-payment-text-and-credit", &args)]
            }
        },
    });

    let mut lines: Vec<String> = order
        .lines
        .iter()
        .map(|l| {
            let mut s = format!("{} × {}", l.quantity, l.name);
            if let Some(text) = &l.personalisation {
                s.push_str(&format!(
                    " — {}",
                    t.with("doc-engraving", &[("text", text.clone())])
                ));
            }
            format!("{s} — {}", t.money(l.line_total_incl_vat))
        })
        .collect();
    lines.push(t.with(
        "confirm-delivery-charge",
        &[
            ("carrier", summary.method.carrier.clone()),
            ("amount", t.money(summary.delivery_charge)),
        ],
    ));
    lines.push(t.with(
        "confirm-total",
        &[
            ("total", t.money(order.total)),
            ("vat", t.money(order.vat_total)),
        ],
    ));
    out.push(Section {
        id: "lines",
        heading: t.t("confirm-lines-title"),
        paragraphs: lines,
    });

    let arrival = i18n::civil_date(&summary.estimated_delivery_date, lang);
    let delivery = match (&summary.delivery_address, &summary.pickup_boutique) {
        (_, Some(b)) => t.with(
            "confirm-pickup",
            &[
                ("boutique", format!("{}, {}", b.name, b.address)),
                ("date", arrival),
            ],
        ),
        (Some(a), None) => t.with(
            "confirm-delivery",
            &[("address", one_line(&a.lines())), ("date", arrival)],
        ),
        (None, None) => t.with("confirm-delivery-date", &[("date", arrival)]),
    };
    out.push(Section {
        id: "delivery",
        heading: t.t("confirm-delivery-title"),
        paragraphs: vec![delivery],
    });

    out.push(Section {
        id: "terms",
        heading: t.t("confirm-terms-title"),
        paragraphs: vec![t.with(
            match medium {
                Medium::Email => "confirm-terms-text",
                Medium::Page => "confirm-terms-page",
            },
            &[("version", order.terms_version.clone())],
        )],
    });

    let withdrawable = order.lines.iter().filter(|l| l.withdrawable).count();
    let mut withdrawal = Vec::new();
    if withdrawable > 0 {
        let start = match p.withdrawal.starts_at {
            WindowStart::Receipt => t.t("confirm-withdrawal-from-receipt"),
            WindowStart::Delivery => t.t("confirm-withdrawal-from-delivery"),
        };
        withdrawal.push(t.with(
            "confirm-withdrawal-text",
            &[
                ("period", crate::terms::period(p.withdrawal.period, lang)),
                ("start", start),
                ("days", p.withdrawal.return_within_days.to_string()),
            ],
        ));
    }
    if withdrawable < order.lines.len() {
        withdrawal.push(t.t(if withdrawable == 0 {
            "confirm-withdrawal-excluded-all"
        } else {
            "confirm-withdrawal-excluded-some"
        }));
    }
    out.push(Section {
        id: "withdrawal",
        heading: t.t("confirm-withdrawal-title"),
        paragraphs: withdrawal,
    });

    out.push(Section {
        id: "warranty",
        heading: t.t("confirm-warranty-title"),
        paragraphs: vec![
            t.with(
                "confirm-warranty-text",
                &[("months", p.after_sales.warranty_months.to_string())],
            ),
            t.with(
                "confirm-after-sales",
                &[("email", m.email.clone()), ("phone", m.phone.clone())],
            ),
        ],
    });

    out.push(Section {
        id: "complaints",
        heading: t.t("confirm-complaints-title"),
        // WAR-5: the mediator, the EU's platform, the cap on liability, and the amicable
        // settlement first where the house asks for it.
        paragraphs: crate::claims::complaint_paragraphs(app, t),
    });
    out
}

/// INV-1: writes the confirmation e-mail of a paid order to the outbox of `tx`, with the
/// terms accepted and the withdrawal form attached (no form when nothing may be withdrawn).
pub async fn enqueue(
    tx: &mut dyn Tx,
    app: &App,
    order: &Order,
    invoice: &Invoice,
) -> Result<(), AppError> {
    let summary = crate::checkout::document(order)?;
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let parts: Vec<(String, Vec<String>)> = sections(app, order, &summary, invoice, Medium::Email)
        .into_iter()
        .filter(|s| !s.paragraphs.is_empty())
        .map(|s| (s.heading, s.paragraphs))
        .collect();
    let mut attachments = vec![Attachment::Terms {
        version: order.terms_version.clone(),
        lang: lang.code().to_owned(),
    }];
    if order.lines.iter().any(|l| l.withdrawable) {
        attachments.push(Attachment::WithdrawalForm {
            order_id: order.id.clone(),
        });
    }
    let message = Message {
        to: summary.contact.email.clone(),
        lang,
        subject: t.with(
            "confirm-subject",
            &[
                ("shop", app.profile.shop_name.clone()),
                ("number", order.number.clone()),
            ],
        ),
        greeting: t.with(
            "email-greeting",
            &[("name", summary.contact.given_name.clone())],
        ),
        paragraphs: vec![t.with("confirm-intro", &[("number", order.number.clone())])],
        button: Some((
            t.t("confirm-button"),
            format!(
                "{}/{}/account/orders/{}",
                app.public_url,
                lang.code(),
                order.number
            ),
        )),
    };
    emails::enqueue_attached(tx, app, message, &parts, &attachments).await
}
