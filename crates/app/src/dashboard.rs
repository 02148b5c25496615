//! The back office's home: invoiced sales by day over the last 90 days (admin and
//! accountant), orders by status, what waits for action, and the pieces running low.

use crate::backoffice::{require, staff};
use crate::{App, AppError};
use ecrin_core::account::Role;
use jiff::civil::Date;

/// Days of sales shown.
pub const DAYS: i64 = 90;

/// Who sees the money.
pub const SALES: &[Role] = &[Role::Admin, Role::Accountant];

#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// Every day of the last 90, oldest first, in the house's calendar, with the invoiced
    /// amount including VAT; `None` for a role that does not see sales.
    pub sales: Option<Vec<(Date, i64)>>,
    /// Orders in each status.
    pub by_status: Vec<(String, i64)>,
    /// Paid orders still to ship.
    pub to_ship: i64,
    /// Returns awaited or received and not yet inspected.
    pub returns_to_inspect: i64,
    /// Claims and messages still to answer.
    pub claims_to_answer: i64,
    pub messages_to_answer: i64,
    /// Running legal clocks already past their due time.
    pub overdue_clocks: i64,
    pub low_stock: Vec<ecrin_store::LowStock>,
}

/// The dashboard as of now (every staff role; sales for admin and accountant).
pub async fn dashboard(app: &App, staff_id: &str) -> Result<Dashboard, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, crate::deadlines::READING)?;
    let now = app.clock.now_ms();
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone)
        .map_err(|e| AppError::Internal(format!("time zone: {e}")))?;
    let day_of = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(zone.clone()).date())
            .ok()
    };
    let sales = if require(&s, SALES).is_ok() {
        let today = day_of(now).ok_or_else(|| AppError::Internal("clock".into()))?;
        let first = today
            .checked_sub(jiff::Span::new().days(DAYS - 1))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let since = first
            .to_zoned(zone.clone())
            .map_err(|e| AppError::Internal(e.to_string()))?
            .timestamp()
            .as_millisecond();
        let mut days: Vec<(Date, i64)> = first
            .series(jiff::Span::new().days(1))
            .take(DAYS as usize)
            .map(|d| (d, 0))
            .collect();
        for i in app.store.invoiced_since(since).await? {
            if let Some(d) = day_of(i.issued_at)
                && let Some(slot) = days.iter_mut().find(|(day, _)| *day == d)
            {
                slot.1 += i.total;
            }
        }
        Some(days)
    } else {
        None
    };
    let by_status: Vec<(String, i64)> = app
        .store
        .orders_by_status()
        .await?
        .into_iter()
        .map(|c| (c.status, c.n))
        .collect();
    let to_ship = by_status
        .iter()
        .find(|(s, _)| s == "being_prepared")
        .map_or(0, |(_, n)| *n);
    let board = crate::deadlines::soonest(app, staff_id, 0).await?;
    Ok(Dashboard {
        sales,
        to_ship,
        returns_to_inspect: app.store.returns_awaited_count().await?,
        claims_to_answer: board.claims as i64,
        messages_to_answer: board.messages as i64,
        overdue_clocks: board.overdue as i64,
        low_stock: if require(&s, &[Role::Admin, Role::Warehouse]).is_ok() {
            app.store.low_stock(20).await?
        } else {
            Vec::new()
        },
        by_status,
    })
}

/// The sales as a bar chart drawn on the server: one bar per day, each with its date and
/// amount as a tooltip and for screen readers, the highest day's amount on the axis.
pub fn sales_svg(days: &[(Date, i64)], title: &str, label: impl Fn(Date, i64) -> String) -> String {
    const W: i64 = 720;
    const H: i64 = 180;
    let n = days.len().max(1) as i64;
    let step = W / n;
    let max = days.iter().map(|(_, a)| *a).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg class=\"sales-chart\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        H + 20,
        escape(title),
        escape(title)
    );
    svg.push_str(&format!(
        "<line x1=\"0\" y1=\"{H}\" x2=\"{W}\" y2=\"{H}\" stroke=\"currentColor\" stroke-width=\"1\"/>"
    ));
    for (i, (d, amount)) in days.iter().enumerate() {
        let h = amount * (H - 10) / max;
        let x = i as i64 * step;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"currentColor\" opacity=\"0.8\"><title>{}</title></rect>",
            H - h,
            (step - 2).max(1),
            escape(&label(*d, *amount))
        ));
        if d.day() == 1 {
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{}\" font-size=\"11\" fill=\"currentColor\">{}</text>",
                H + 15,
                d.strftime("%m/%Y")
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
