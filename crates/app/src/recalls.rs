//! Product recalls (WAR-4): the house recalls a reference, or every reference of a product;
//! every buyer still holding the piece is e-mailed, with a return authorised at the house's
//! cost, and the order keeps the notice.

use crate::{App, AppError};
use ecrin_core::account::Role;
use ecrin_core::query::FieldError;
use ecrin_store::{HeldUnits, Recall, RecallNotice};

/// Who recalls: customer service and admins.
pub const RECALLING: &[Role] = &[Role::Admin, Role::CustomerService];

/// A recall as staff give it: one of `sku` and `product`.
#[derive(Debug, Clone, Default)]
pub struct RecallInput {
    pub sku: Option<String>,
    pub product: Option<String>,
    pub reason: String,
}

fn invalid(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        reason,
    }])
}

/// WAR-4: recalls the piece; the answer is the recall and the units it concerns.
pub async fn recall(
    app: &App,
    staff_id: &str,
    input: RecallInput,
) -> Result<(Recall, Vec<HeldUnits>), AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECALLING)?;
    let mut c = crate::fields::Checks::new();
    let reason = c.line("reason", &input.reason, true, 500);
    c.finish().map_err(AppError::Invalid)?;
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let (sku, product) = match (given(&input.sku), given(&input.product)) {
        (Some(sku), None) => {
            app.store
                .variant_info(sku)
                .await?
                .ok_or(AppError::NotFound)?;
            (Some(sku.to_owned()), None)
        }
        (None, Some(slug)) => {
            app.store
                .product_by_slug(slug)
                .await?
                .ok_or(AppError::NotFound)?;
            (None, Some(slug.to_owned()))
        }
        _ => return Err(invalid("sku", "sku_or_product")),
    };
    let held = app
        .store
        .units_held(sku.as_deref(), product.as_deref())
        .await?;
    let now = app.clock.now_ms();
    let recall = Recall {
        id: format!("rcl_{}", crate::customers::random_hex(10)?),
        sku,
        product_slug: product,
        reason: reason.clone(),
        created_at: now,
        created_by: s.id.clone(),
        orders: 0,
    };
    let mut tx = app.store.begin().await?;
    tx.insert_recall(&recall, &held).await?;
    let address = crate::withdrawals::return_address(app);
    let mut numbers: Vec<&str> = held.iter().map(|h| h.order_number.as_str()).collect();
    numbers.dedup();
    for number in numbers {
        let Some(order) = tx.order_in_tx(number).await? else {
            continue;
        };
        let units: Vec<ecrin_core::order::Units> = held
            .iter()
            .filter(|h| h.order_number == number)
            .map(|h| ecrin_core::order::Units {
                line_no: h.line_no,
                quantity: h.quantity,
            })
            .collect();
        crate::proof::append(
            tx.as_mut(),
            &order.id,
            now,
            "recall_notified",
            &serde_json::json!({"recall": recall.id, "lines": units, "reason": reason,
                                "staff_id": s.id}),
        )
        .await?;
        let items = crate::withdrawals::describe(&order, &units).join(", ");
        let (reason, address) = (reason.clone(), address.clone());
        crate::fulfilment::tell(
            app,
            tx.as_mut(),
            &order,
            "email-recall-subject",
            |t, args| {
                let mut args = args.to_vec();
                args.push(("items", items));
                args.push(("reason", reason));
                args.push(("address", address));
                (
                    vec![
                        t.with("email-recall-text", &args),
                        t.with("email-recall-return", &args),
                    ],
                    None,
                )
            },
        )
        .await?;
    }
    tx.commit().await?;
    let orders = {
        let mut ids: Vec<&str> = held.iter().map(|h| h.order_id.as_str()).collect();
        ids.dedup();
        ids.len() as i64
    };
    Ok((Recall { orders, ..recall }, held))
}

/// WAR-4: the recalls made, the newest first.
pub async fn list(app: &App, staff_id: &str) -> Result<Vec<Recall>, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECALLING)?;
    Ok(app.store.recalls().await?)
}

/// WAR-4: the recalls concerning an order, for its customer.
pub async fn of_order(app: &App, order_id: &str) -> Result<Vec<RecallNotice>, AppError> {
    Ok(app.store.recalls_of(order_id).await?)
}
