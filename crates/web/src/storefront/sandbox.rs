//! The sandbox payment provider's pages (PAY-1) and the shop's payment link. The provider
//! would be another site; here it is served under `/sandbox/`, with its own look, and it
//! reaches the shop only by its signed callback.

use super::render;
use crate::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ecrin_app::i18n::Tr;
use ecrin_app::sandbox::{self, Link, Step};
use serde::Deserialize;

/// The signed fields every sandbox page and form carries.
#[derive(Debug, Deserialize)]
pub(crate) struct Signed {
    amount: i64,
    order: String,
    #[serde(rename = "return")]
    return_url: String,
    sig: String,
    /// The card form's fields (the card number only is read; the sandbox ignores the
    /// expiry and the security code, which a real provider would check).
    #[serde(default)]
    card: String,
    #[serde(default)]
    outcome: String,
}

impl Signed {
    /// The payment link these fields sign.
    fn link(&self, state: &AppState, payment_id: &str) -> Result<Link, Refused> {
        Link::verified(
            &state.app,
            payment_id,
            self.amount,
            &self.order,
            &self.return_url,
            &self.sig,
        )
        .ok_or(Refused::Link)
    }
}

/// Why a sandbox page is not shown.
pub(crate) enum Refused {
    /// The link's signature does not hold.
    Link,
    /// The payment could not go on.
    Failed(ecrin_app::AppError),
}

impl From<ecrin_app::AppError> for Refused {
    fn from(e: ecrin_app::AppError) -> Refused {
        Refused::Failed(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Link => (
                StatusCode::FORBIDDEN,
                "This payment link is not valid: its signature does not hold.",
            )
                .into_response(),
            Refused::Failed(e) => failed(e),
        }
    }
}

#[derive(Template)]
#[template(path = "sandbox/pay.html")]
struct PayPage<'a> {
    shop: &'a str,
    amount: String,
    link: &'a Link,
    sig: &'a str,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "sandbox/challenge.html")]
struct ChallengePage<'a> {
    shop: &'a str,
    amount: String,
    link: &'a Link,
    sig: &'a str,
    last4: String,
}

fn failed(e: ecrin_app::AppError) -> Response {
    tracing::error!(error = %e, "sandbox payment");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The payment could not be completed; nothing was charged twice. Go back to the shop and try again.",
    )
        .into_response()
}

fn money(state: &AppState, amount: i64) -> String {
    Tr::new(state.app.profile.default_lang()).money(amount)
}

fn pay_page(state: &AppState, link: &Link, sig: &str, error: Option<&'static str>) -> Response {
    render(&PayPage {
        shop: &state.app.profile.shop_name,
        amount: money(state, link.amount),
        link,
        sig,
        error,
    })
}

/// The hosted payment page.
pub(crate) async fn page(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
    Query(q): Query<Signed>,
) -> Result<Response, Refused> {
    let link = q.link(&state, &payment_id)?;
    Ok(pay_page(&state, &link, &q.sig, None))
}

fn after(state: &AppState, link: &Link, sig: &str, step: Step) -> Response {
    match step {
        Step::Done { .. } => Redirect::to(&link.return_url).into_response(),
        Step::Challenge => {
            let q = |s: &str| urlencoding::encode(s).into_owned();
            Redirect::to(&format!(
                "/sandbox/pay/{}/challenge?amount={}&order={}&return={}&sig={}",
                q(&link.payment_id),
                link.amount,
                q(&link.order_number),
                q(&link.return_url),
                sig
            ))
            .into_response()
        }
        Step::InvalidCard => pay_page(
            state,
            link,
            sig,
            Some("This card number is not valid. Check it and try again."),
        ),
    }
}

/// The card, submitted.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
    Form(f): Form<Signed>,
) -> Result<Response, Refused> {
    let link = f.link(&state, &payment_id)?;
    let step = sandbox::submit_card(&state.app, &link, &f.card).await?;
    Ok(after(&state, &link, &f.sig, step))
}

/// The 3-D Secure challenge.
pub(crate) async fn challenge(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
    Query(q): Query<Signed>,
) -> Result<Response, Refused> {
    let link = q.link(&state, &payment_id)?;
    let last4 = match sandbox::charge_of(&state.app, &payment_id).await {
        Ok(Some(c)) if c.status == ecrin_core::payment::ChargeState::Challenge => c.card_last4,
        Ok(_) => return Ok(Redirect::to(&link.return_url).into_response()),
        Err(e) => return Err(Refused::Failed(e)),
    };
    Ok(render(&ChallengePage {
        shop: &state.app.profile.shop_name,
        amount: money(&state, link.amount),
        link: &link,
        sig: &q.sig,
        last4,
    }))
}

/// The challenge, answered.
pub(crate) async fn answer(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
    Form(f): Form<Signed>,
) -> Result<Response, Refused> {
    let link = f.link(&state, &payment_id)?;
    let step = sandbox::answer_challenge(&state.app, &link, f.outcome == "pass").await?;
    Ok(after(&state, &link, &f.sig, step))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PayLink {
    sig: String,
}

/// The shop's payment link of a card order: to the provider's page for its open attempt,
/// or to the order's page when there is nothing to pay.
pub(crate) async fn pay(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<PayLink>,
) -> Response {
    match ecrin_app::payment::provider_page(&state.app, &number, &q.sig).await {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => {
            let lang = state.app.profile.default_lang().code();
            Redirect::to(&format!("/{lang}/account/orders/{number}")).into_response()
        }
        Err(ecrin_app::AppError::NotFound) => {
            (StatusCode::NOT_FOUND, "No such payment link.").into_response()
        }
        // The provider down (503, the order kept) or refusing: said on the shop's page.
        Err(e) => super::PageError::from_app(state.app.profile.default_lang(), e)
            .render(&state.app.profile),
    }
}

/// PAY-1: the customer's browser back from Lyra's page (the return address the house sets
/// in its Lyra back office), with the payment's answer signed by the HMAC key, posted or
/// in the address: taken once, as the notification would be; the customer goes to their
/// order's page, or to their orders when the answer names none of the shop's.
async fn lyra_return(state: &AppState, fields: &[(String, String)]) -> Response {
    let posted =
        ecrin_app::lyra::Posted::from_fields(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let lang = state.app.profile.default_lang().code();
    match ecrin_app::lyra::returned(&state.app, &posted).await {
        Ok(Some(to)) => Redirect::to(&to).into_response(),
        Ok(None) | Err(ecrin_app::AppError::Refused(_) | ecrin_app::AppError::Invalid(_)) => {
            Redirect::to(&format!("/{lang}/account/orders")).into_response()
        }
        Err(e) => super::PageError::from_app(state.app.profile.default_lang(), e)
            .render(&state.app.profile),
    }
}

pub(crate) async fn lyra_return_query(
    State(state): State<AppState>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    lyra_return(&state, &fields).await
}

pub(crate) async fn lyra_return_form(
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    lyra_return(&state, &fields).await
}
