//! What staff do with customers, by role (PRV-8), and the suspension of an account with
//! its reason e-mailed (ACC-7). Every read or change of a customer's data is logged.

use crate::emails::{self, Message};
use crate::i18n::Tr;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use ecrin_core::account::{AccountStatus, Role};
use ecrin_store::{Customer, Staff};

/// The member of staff behind a token, if still enabled.
pub async fn staff(app: &App, staff_id: &str) -> Result<Staff, AppError> {
    app.store
        .staff_by_id(staff_id)
        .await?
        .filter(|s| !s.disabled)
        .ok_or_else(|| Refusal::forbidden("this staff account is disabled").into())
}

/// PRV-8: need to know. Customer data is for admins and customer service.
pub fn require(staff: &Staff, allowed: &[Role]) -> Result<(), AppError> {
    if allowed.contains(&staff.role) {
        Ok(())
    } else {
        Err(Refusal::forbidden(format!("the role {} cannot do this", staff.role.as_str())).into())
    }
}

pub const CUSTOMER_DATA: &[Role] = &[Role::Admin, Role::CustomerService];

/// PRV-8: a customer's record, for staff whose work needs it; the read is logged.
pub async fn view_customer(
    app: &App,
    staff_id: &str,
    customer_id: &str,
) -> Result<Customer, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CUSTOMER_DATA)?;
    let customer = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    tx.log_staff_access(&s.id, customer_id, "view", app.clock.now_ms())
        .await?;
    tx.commit().await?;
    Ok(customer)
}

/// ACC-7: suspends an account for misuse or a breach of the terms; the customer can no
/// longer log in or order, every session ends, and the reason is e-mailed.
pub async fn suspend_customer(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    reason: &str,
) -> Result<Customer, AppError> {
    end_account(app, staff_id, customer_id, reason, AccountStatus::Suspended).await
}

/// ACC-7: closes an account for good (misuse, breach of the terms); as for a suspension,
/// sessions end and the reason is e-mailed. Only an admin closes.
pub async fn close_customer(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    reason: &str,
) -> Result<Customer, AppError> {
    end_account(app, staff_id, customer_id, reason, AccountStatus::Closed).await
}

async fn end_account(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    reason: &str,
    status: AccountStatus,
) -> Result<Customer, AppError> {
    let s = staff(app, staff_id).await?;
    if status == AccountStatus::Closed {
        require(&s, &[Role::Admin])?;
    } else {
        require(&s, CUSTOMER_DATA)?;
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "reason".into(),
            reason: "required",
        }]));
    }
    let customer = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    let lang: Lang = customer
        .language
        .parse()
        .unwrap_or(app.profile.default_lang());
    let t = Tr::new(lang);
    let mut tx = app.store.begin().await?;
    let (action, key) = match status {
        AccountStatus::Closed => ("close", "email-closed"),
        _ => ("suspend", "email-suspended"),
    };
    tx.set_customer_status(customer_id, status, now).await?;
    tx.end_customer_sessions(customer_id, now).await?;
    tx.log_staff_access(&s.id, customer_id, action, now).await?;
    let message = Message {
        to: customer.email.clone(),
        lang,
        subject: t.with(
            &format!("{key}-subject"),
            &[("shop", app.profile.shop_name.clone())],
        ),
        greeting: t.with("email-greeting", &[("name", customer.given_name.clone())]),
        paragraphs: vec![
            t.t(&format!("{key}-text")),
            t.with("email-suspended-reason", &[("reason", reason.to_owned())]),
            t.with(
                "email-suspended-contact",
                &[("email", app.profile.merchant.email.clone())],
            ),
        ],
        button: None,
    };
    emails::enqueue(tx.as_mut(), app, message).await?;
    tx.commit().await?;
    Ok(Customer { status, ..customer })
}

/// PRV-8: finds a customer by e-mail address, for staff whose work needs it.
pub async fn find_customer(
    app: &App,
    staff_id: &str,
    email: &str,
) -> Result<Option<String>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CUSTOMER_DATA)?;
    let key = ecrin_core::account::Email::parse(email).map(|e| e.key());
    let Some(key) = key else {
        return Ok(None);
    };
    Ok(app.store.customer_by_email(&key).await?.map(|c| c.id))
}

/// BSK-5: the quote requests, newest first, for staff whose work needs them.
pub async fn quote_requests(
    app: &App,
    staff_id: &str,
) -> Result<Vec<ecrin_store::QuoteRequest>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CUSTOMER_DATA)?;
    Ok(app.store.quote_requests(200).await?)
}
