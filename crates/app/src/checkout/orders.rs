//! A customer's orders, and the transfer a bank-transfer order still waits for (PAY-4).

use super::*;

/// A customer's order; another customer's is `not_found`.
pub async fn order_of(app: &App, customer_id: &str, number: &str) -> Result<Order, AppError> {
    app.store
        .order_by_number(number)
        .await?
        .filter(|o| o.customer_id == customer_id)
        .ok_or(AppError::NotFound)
}

/// Orders per page of a customer's list, unless asked otherwise (1 to 100).
pub const MY_ORDERS_PER_PAGE: i64 = 20;

/// A page of the customer's orders, newest first: `size` of them (`page[size]`, 1 to
/// 100) after the order the cursor `after` names (`page[after]`, a page's `next`).
pub async fn orders_page(
    app: &App,
    customer_id: &str,
    size: Option<&str>,
    after: Option<&str>,
) -> Result<OrderList, AppError> {
    let mut c = Checks::new();
    let limit = match size.map(str::parse::<i64>) {
        None => MY_ORDERS_PER_PAGE,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            c.fail("page[size]", "invalid_page_size");
            MY_ORDERS_PER_PAGE
        }
    };
    let after = after.and_then(|v| {
        let named = order_cursor(v);
        if named.is_none() {
            c.fail("page[after]", "invalid_cursor");
        }
        named
    });
    c.finish().map_err(AppError::Invalid)?;
    let search = ecrin_store::OrderSearch {
        customer_id: Some(customer_id.to_owned()),
        after,
        limit,
        ..ecrin_store::OrderSearch::default()
    };
    page_of(app, &search).await
}

/// PAY-4: what the customer needs to pay an order by bank transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferInstructions {
    pub holder: String,
    pub iban: String,
    pub bic: String,
    pub reference: String,
    pub amount: i64,
    /// The last day for the transfer to arrive.
    pub due_date: String,
}

pub fn transfer_instructions(app: &App, order: &Order) -> Option<TransferInstructions> {
    if order.payment_method != PaymentMethod::BankTransfer
        || order.status != ecrin_core::order::OrderState::AwaitingPayment
    {
        return None;
    }
    let account = app.profile.payment.bank_account.as_ref()?;
    let (due, _) = crate::payment::transfer_deadline(app, order.placed_at)?;
    Some(TransferInstructions {
        holder: account.holder.clone(),
        iban: account.iban.clone(),
        bic: account.bic.clone(),
        reference: order.number.clone(),
        amount: amount_due(order),
        due_date: due.to_string(),
    })
}

/// The number of the order already placed on a customer's summary (a second click of
/// "Order"), if any.
pub async fn ordered_from(
    app: &App,
    customer_id: &str,
    checkout_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(app
        .store
        .checkout(checkout_id)
        .await?
        .filter(|k| k.customer_id == customer_id)
        .and_then(|k| k.order_number))
}
