//! Messages from customers (PRV-4, PRV-9): to a friend, and to customer service; and the
//! staff side of the contact form.

use super::accounts::{Bearer, MaybeBearer, customer_id};
use super::admin::staff_id;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecrin_app::contact::{self, ContactForm, ToFriend};
use ecrin_app::model::{Subject, Ticket};
use ecrin_core::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FriendRequest {
    /// The piece to show (`/share/product` only).
    #[serde(default)]
    pub product: String,
    pub friend_email: String,
    #[serde(default)]
    pub friend_name: String,
    /// A few words of one's own, at most 500 characters.
    #[serde(default)]
    pub message: String,
    /// The language of the e-mail; the shop's default otherwise.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SentResponse {
    pub status: &'static str,
}

fn lang(state: &AppState, code: Option<&str>) -> Lang {
    code.and_then(|c| c.parse::<Lang>().ok())
        .filter(|l| state.app.profile.speaks(*l))
        .unwrap_or(state.app.profile.default_lang())
}

impl FriendRequest {
    fn to_friend(&self) -> ToFriend {
        ToFriend {
            friend_email: self.friend_email.clone(),
            friend_name: self.friend_name.clone(),
            message: self.message.clone(),
        }
    }
}

/// PRV-4: sends a piece to a friend; the friend's address serves this e-mail only.
#[utoipa::path(post, path = "/api/v1/share/product", request_body = FriendRequest,
    responses((status = 202, body = SentResponse), (status = 429, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "messages")]
pub(crate) async fn share_product(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<FriendRequest>,
) -> Result<(StatusCode, Json<SentResponse>), ApiError> {
    let id = customer_id(&bearer)?;
    let lang = lang(&state, req.language.as_deref());
    contact::share_product(&state.app, id, &req.product, &req.to_friend(), lang).await?;
    Ok((StatusCode::ACCEPTED, Json(SentResponse { status: "sent" })))
}

/// PRV-4: recommends the house to a friend; the friend's address serves this e-mail only.
#[utoipa::path(post, path = "/api/v1/share/recommend", request_body = FriendRequest,
    responses((status = 202, body = SentResponse), (status = 429, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "messages")]
pub(crate) async fn recommend(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<FriendRequest>,
) -> Result<(StatusCode, Json<SentResponse>), ApiError> {
    let id = customer_id(&bearer)?;
    let lang = lang(&state, req.language.as_deref());
    contact::recommend(&state.app, id, &req.to_friend(), lang).await?;
    Ok((StatusCode::ACCEPTED, Json(SentResponse { status: "sent" })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactResponse {
    /// The ticket's reference, quoted in the acknowledgement.
    pub reference: String,
}

/// PRV-9: the contact form; a customer's bearer token links the ticket to the account.
#[utoipa::path(post, path = "/api/v1/contact", request_body = ContactRequest,
    responses((status = 201, body = ContactResponse), (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, body = crate::Problem, content_type = "application/problem+json")),
    tag = "messages")]
pub(crate) async fn contact(
    State(state): State<AppState>,
    MaybeBearer(bearer): MaybeBearer,
    ApiJson(req): ApiJson<ContactRequest>,
) -> Result<(StatusCode, Json<ContactResponse>), ApiError> {
    let customer = match bearer.map(|b| b.subject) {
        Some(Subject::Customer(id)) => Some(id),
        _ => None,
    };
    let lang = lang(&state, req.language.as_deref());
    let form = ContactForm {
        name: req.name,
        email: req.email,
        subject: req.subject,
        message: req.message,
    };
    let reference = contact::contact(&state.app, customer.as_deref(), form, lang).await?;
    Ok((StatusCode::CREATED, Json(ContactResponse { reference })))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketDto {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub subject: String,
    pub message: String,
    pub language: String,
    pub created_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

impl From<Ticket> for TicketDto {
    fn from(t: Ticket) -> Self {
        TicketDto {
            id: t.id,
            customer_id: t.customer_id,
            email: t.email,
            name: t.name,
            subject: t.subject,
            message: t.message,
            language: t.language,
            created_at: time(t.created_at_ms),
            answer: t.answer,
            answered_at: t.answered_at_ms.map(time),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketList {
    pub items: Vec<TicketDto>,
}

/// PRV-9: the questions of the contact form, open ones first (admin, customer service).
#[utoipa::path(get, path = "/api/v1/admin/tickets",
    responses((status = 200, body = TicketList), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn tickets(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<TicketList>, ApiError> {
    let list = contact::tickets(&state.app, staff_id(&bearer)?).await?;
    Ok(Json(TicketList {
        items: list.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub answer: String,
}

/// PRV-9: answers a question; the answer is e-mailed in the sender's language.
#[utoipa::path(post, path = "/api/v1/admin/tickets/{id}/answer", params(("id" = String, Path)),
    request_body = AnswerRequest,
    responses((status = 200, body = TicketDto), (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn answer(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> Result<Json<TicketDto>, ApiError> {
    let t = contact::answer(&state.app, staff_id(&bearer)?, &id, &req.answer).await?;
    Ok(Json(t.into()))
}
