//! Accounts and sessions of the API (ACC-1 … ACC-5, ACC-7).

use super::ApiJson;
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use ecrin_app::customers::{self, SignUp};
use ecrin_app::model::Subject;
use ecrin_app::privacy;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignUpRequest {
    pub email: String,
    pub password: String,
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub phone: String,
    /// ACC-1: the customer declares being an adult buying as a consumer.
    #[serde(default)]
    pub declares_adult_consumer: bool,
    /// PRV-3: news by e-mail, off unless asked for.
    #[serde(default)]
    pub marketing_opt_in: bool,
    /// `fr`, `en` or `it`: the language of the e-mails.
    pub language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignUpResponse {
    /// Always `pending_activation`: a new and a known address get the same answer (ACC-2).
    pub status: &'static str,
}

/// Sign up; an activation e-mail follows.
#[utoipa::path(post, path = "/api/v1/accounts", request_body = SignUpRequest,
    responses((status = 201, body = SignUpResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "not_eligible, weak_password", body = crate::Problem, content_type = "application/problem+json")),
    tag = "accounts")]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<Response, ApiError> {
    let s = SignUp {
        email: req.email,
        password: req.password,
        given_name: req.given_name,
        family_name: req.family_name,
        title: req.title,
        phone: req.phone,
        declares_adult_consumer: req.declares_adult_consumer,
        marketing_opt_in: req.marketing_opt_in,
        lang: req.language.and_then(|l| l.parse().ok()),
    };
    customers::sign_up(&state.app, s).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignUpResponse {
            status: "pending_activation",
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivateRequest {
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivateResponse {
    pub status: &'static str,
}

/// Follow the activation link's token (single use, expiring).
#[utoipa::path(post, path = "/api/v1/accounts/activate", request_body = ActivateRequest,
    responses((status = 200, body = ActivateResponse),
        (status = 422, description = "invalid_token", body = crate::Problem, content_type = "application/problem+json")),
    tag = "accounts")]
pub(crate) async fn activate(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Json<ActivateResponse>, ApiError> {
    customers::activate(&state.app, &req.token).await?;
    Ok(Json(ActivateResponse { status: "active" }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Staff with a second factor (PRV-8): the authenticator app's six-digit code, or one
    /// of the recovery codes.
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub token_type: &'static str,
    /// RFC 3339.
    pub expires_at: String,
    /// `customer` or `staff`.
    pub kind: &'static str,
    /// Staff only: admin, customer_service, warehouse or accountant.
    pub role: Option<&'static str>,
}

/// Log in (customers and staff); returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = LoginRequest,
    responses((status = 201, body = LoginResponse),
        (status = 401, description = "invalid_credentials, second_factor_required, invalid_second_factor", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "second_factor_setup_required: an admin without a second factor", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "account_not_activated, account_suspended", body = crate::Problem, content_type = "application/problem+json")),
    tag = "accounts")]
pub(crate) async fn log_in(
    State(state): State<AppState>,
    client: crate::api::checkout::Client,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let session = customers::log_in(
        &state.app,
        &req.email,
        &req.password,
        req.otp.as_deref(),
        &client.ip,
    )
    .await?;
    let body = LoginResponse {
        token: session.token,
        token_type: "Bearer",
        expires_at: jiff::Timestamp::from_millisecond(session.expires_at_ms)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        kind: match session.subject {
            Subject::Customer(_) => "customer",
            Subject::Staff(_) => "staff",
        },
        role: session.role.map(|r| r.as_str()),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A valid bearer token and who holds it.
pub(crate) struct Bearer {
    pub token: String,
    pub subject: Subject,
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "A valid bearer token is required.",
    )
}

/// The bearer token a request sends, not yet looked up: none without an `Authorization`
/// header, `401 unauthorized` when the header is not a bearer token.
#[derive(Debug)]
pub(crate) struct BearerToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(BearerToken(None));
        };
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .map(|t| BearerToken(Some(t.to_owned())))
            .ok_or_else(unauthorized)
    }
}

impl BearerToken {
    /// Who holds the token: `401 unauthorized` when nobody does.
    pub(crate) async fn look_up(self, state: &AppState) -> Result<Option<Bearer>, ApiError> {
        let Some(token) = self.0 else {
            return Ok(None);
        };
        let subject = customers::subject_of(&state.app, &token)
            .await?
            .ok_or_else(unauthorized)?;
        Ok(Some(Bearer { token, subject }))
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        BearerToken::from_request_parts(parts, state)
            .await?
            .look_up(state)
            .await?
            .ok_or_else(unauthorized)
    }
}

/// A bearer token when one is sent (and then it must be valid), or nobody.
pub(crate) struct MaybeBearer(pub Option<Bearer>);

impl FromRequestParts<AppState> for MaybeBearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeBearer(
            BearerToken::from_request_parts(parts, state)
                .await?
                .look_up(state)
                .await?,
        ))
    }
}

/// Log out: the token is revoked at once.
#[utoipa::path(delete, path = "/api/v1/sessions/current",
    responses((status = 204), (status = 401, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn log_out(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<StatusCode, ApiError> {
    customers::log_out(&state.app, &bearer.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub email: String,
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub phone: String,
    pub language: String,
    pub status: &'static str,
    /// PRV-3: the standing consents (the customer's own record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consents: Option<ConsentsDto>,
    /// ACC-5: the default delivery address first (the customer's own record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<AddressDto>>,
    /// STK-2: the customer's credit with the shop (credit notes taken for refunds),
    /// deducted from the next order (the customer's own record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_credit: Option<super::checkout::MoneyDto>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentsDto {
    pub marketing_email: bool,
    /// Sharing with partners: a consent of its own.
    pub partners: bool,
    /// PRV-2: processing restricted at the customer's request.
    pub restriction: bool,
    /// PRV-2: the customer objects to processing for the house's interests.
    pub objection: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddressDto {
    pub id: String,
    pub label: String,
    pub given_name: String,
    pub family_name: String,
    pub company: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub phone: String,
    pub default_delivery: bool,
}

impl From<ecrin_app::model::Address> for AddressDto {
    fn from(a: ecrin_app::model::Address) -> Self {
        AddressDto {
            id: a.id,
            label: a.label,
            given_name: a.given_name,
            family_name: a.family_name,
            company: a.company,
            line1: a.line1,
            line2: a.line2,
            postcode: a.postcode,
            city: a.city,
            region: a.region,
            country: a.country,
            phone: a.phone,
            default_delivery: a.is_default,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    #[serde(default)]
    pub label: String,
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub company: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub postcode: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub country: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub default_delivery: bool,
}

impl From<AddressRequest> for privacy::AddressForm {
    fn from(r: AddressRequest) -> Self {
        privacy::AddressForm {
            label: r.label,
            given_name: r.given_name,
            family_name: r.family_name,
            company: r.company,
            line1: r.line1,
            line2: r.line2,
            postcode: r.postcode,
            city: r.city,
            region: r.region,
            country: r.country,
            phone: r.phone,
            is_default: r.default_delivery,
        }
    }
}

/// ACC-5: adds an address; the first becomes the default delivery address.
#[utoipa::path(post, path = "/api/v1/me/addresses", request_body = AddressRequest,
    responses((status = 201, body = AddressDto), (status = 400, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn add_address(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<AddressRequest>,
) -> Result<(StatusCode, Json<AddressDto>), ApiError> {
    let a = privacy::add_address(&state.app, customer_id(&bearer)?, req.into()).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// ACC-5: replaces an address; another customer's is 404.
#[utoipa::path(put, path = "/api/v1/me/addresses/{id}", request_body = AddressRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = AddressDto), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn update_address(
    State(state): State<AppState>,
    bearer: Bearer,
    super::ApiPath(id): super::ApiPath<String>,
    ApiJson(req): ApiJson<AddressRequest>,
) -> Result<Json<AddressDto>, ApiError> {
    let a = privacy::update_address(&state.app, customer_id(&bearer)?, &id, req.into()).await?;
    Ok(Json(a.into()))
}

/// ACC-5: removes an address; another customer's is 404.
#[utoipa::path(delete, path = "/api/v1/me/addresses/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn delete_address(
    State(state): State<AppState>,
    bearer: Bearer,
    super::ApiPath(id): super::ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    privacy::delete_address(&state.app, customer_id(&bearer)?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PRV-2: everything held about the customer, as one JSON document.
#[utoipa::path(get, path = "/api/v1/me/export",
    responses((status = 200, description = "the customer's data", content_type = "application/json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn export(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Response, ApiError> {
    let data = privacy::export(&state.app, customer_id(&bearer)?).await?;
    Ok(export_response(&data))
}

/// The export as a download named after the day.
pub(crate) fn export_response(data: &serde_json::Value) -> Response {
    let day = data["exported_at"]
        .as_str()
        .unwrap_or("")
        .get(..10)
        .unwrap_or("")
        .to_owned();
    let body = serde_json::to_string_pretty(data).unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"my-data-{day}.json\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// PRV-2: erasure; the account is closed and the person anonymised.
#[utoipa::path(delete, path = "/api/v1/me",
    responses((status = 204)), security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn erase(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<StatusCode, ApiError> {
    privacy::erase(&state.app, customer_id(&bearer)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) fn customer_id(bearer: &Bearer) -> Result<&str, ApiError> {
    match &bearer.subject {
        Subject::Customer(id) => Ok(id),
        Subject::Staff(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This is a customer's resource.",
        )),
    }
}

async fn me_response(
    state: &AppState,
    c: ecrin_app::model::Customer,
) -> Result<MeResponse, ApiError> {
    let k = privacy::consents(&state.app, &c.id).await?;
    let addresses = customers::addresses(&state.app, &c.id).await?;
    let credit = ecrin_app::refunds::store_credit_of(&state.app, &c.id).await?;
    Ok(MeResponse {
        store_credit: Some(super::checkout::money(state, credit)),
        id: c.id,
        email: c.email,
        title: c.title,
        given_name: c.given_name,
        family_name: c.family_name,
        phone: c.phone,
        language: c.language,
        status: c.status.as_str(),
        consents: Some(ConsentsDto {
            marketing_email: k.marketing_email,
            partners: k.partners,
            restriction: k.restriction,
            objection: k.objection,
        }),
        addresses: Some(addresses.into_iter().map(Into::into).collect()),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub consents: Option<ConsentsPatch>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsPatch {
    pub marketing_email: Option<bool>,
    pub partners: Option<bool>,
    pub restriction: Option<bool>,
    pub objection: Option<bool>,
}

/// PRV-2, PRV-3: corrects the customer's identity and gives or withdraws consents.
#[utoipa::path(patch, path = "/api/v1/me", request_body = MePatch,
    responses((status = 200, body = MeResponse), (status = 400, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn patch_me(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<MePatch>,
) -> Result<Json<MeResponse>, ApiError> {
    let id = customer_id(&bearer)?;
    let c = privacy::rectify(
        &state.app,
        id,
        privacy::Rectification {
            title: req.title,
            given_name: req.given_name,
            family_name: req.family_name,
            phone: req.phone,
        },
    )
    .await?;
    if let Some(k) = req.consents {
        // Restriction and objection first: they end marketing with them.
        for (purpose, granted) in [
            (privacy::Purpose::Restriction, k.restriction),
            (privacy::Purpose::Objection, k.objection),
            (privacy::Purpose::MarketingEmail, k.marketing_email),
            (privacy::Purpose::Partners, k.partners),
        ] {
            if let Some(g) = granted {
                privacy::set_consent(&state.app, id, purpose, g, privacy::Channel::Account).await?;
            }
        }
    }
    Ok(Json(me_response(&state, c).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentRecordDto {
    pub purpose: String,
    pub granted: bool,
    /// The sentence the customer agreed to or withdrew from.
    pub wording: String,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentHistory {
    pub items: Vec<ConsentRecordDto>,
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// PRV-3: every consent given or withdrawn, oldest first, with its wording.
#[utoipa::path(get, path = "/api/v1/me/consents",
    responses((status = 200, body = ConsentHistory)),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn my_consents(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<ConsentHistory>, ApiError> {
    let k = privacy::consents(&state.app, customer_id(&bearer)?).await?;
    Ok(Json(ConsentHistory {
        items: k
            .history
            .into_iter()
            .map(|r| ConsentRecordDto {
                purpose: r.purpose,
                granted: r.granted,
                wording: r.wording,
                at: rfc3339(r.at_ms),
            })
            .collect(),
    }))
}

/// The customer's own record (ACC-5).
#[utoipa::path(get, path = "/api/v1/me",
    responses((status = 200, body = MeResponse), (status = 401, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn me(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<MeResponse>, ApiError> {
    let id = customer_id(&bearer)?;
    let c = customers::customer(&state.app, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(me_response(&state, c).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusResponse {
    pub status: &'static str,
}

/// ACC-8: e-mails a reset link; the same answer for any address.
#[utoipa::path(post, path = "/api/v1/accounts/password-reset", request_body = ResetRequest,
    responses((status = 202, body = StatusResponse)), tag = "accounts")]
pub(crate) async fn request_reset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Result<Response, ApiError> {
    customers::request_password_reset(&state.app, &req.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(StatusResponse {
            status: "sent_if_known",
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetConfirmRequest {
    pub token: String,
    pub password: String,
}

/// ACC-8: a new password with the e-mailed token; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/accounts/password-reset/confirm", request_body = ResetConfirmRequest,
    responses((status = 200, body = StatusResponse),
        (status = 422, description = "invalid_token, weak_password", body = crate::Problem, content_type = "application/problem+json")),
    tag = "accounts")]
pub(crate) async fn confirm_reset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetConfirmRequest>,
) -> Result<Json<StatusResponse>, ApiError> {
    customers::reset_password(&state.app, &req.token, &req.password).await?;
    Ok(Json(StatusResponse {
        status: "password_changed",
    }))
}

/// ACC-8: reports identity misuse: the account is locked pending review.
#[utoipa::path(post, path = "/api/v1/me/report-misuse",
    responses((status = 200, body = StatusResponse), (status = 401, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "accounts")]
pub(crate) async fn report_misuse(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<StatusResponse>, ApiError> {
    let Subject::Customer(id) = bearer.subject else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This is a customer's resource.",
        ));
    };
    customers::report_misuse(&state.app, &id).await?;
    Ok(Json(StatusResponse { status: "locked" }))
}
