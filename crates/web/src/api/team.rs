//! The house's team over the API (PRV-8, admin): members, invitations, changes of role or
//! access, resets, and the security log of staff logins and changes.

use super::accounts::Bearer;
use super::admin::staff_id;
use super::checkout::Client;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecrin_app::model::{Staff, StaffEvent};
use ecrin_app::team::{self, Actor, Change};
use ecrin_core::account::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    /// admin, customer_service, warehouse or accountant.
    pub role: &'static str,
    pub disabled: bool,
    /// Whether an authenticator app is set up.
    pub second_factor: bool,
}

impl From<Staff> for StaffMember {
    fn from(s: Staff) -> Self {
        StaffMember {
            id: s.id,
            email: s.email,
            name: s.name,
            role: s.role.as_str(),
            disabled: s.disabled,
            second_factor: s.second_factor,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffMember>,
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "role: admin, customer_service, warehouse or accountant",
        )
    })
}

/// The members of staff (admin).
#[utoipa::path(get, path = "/api/v1/admin/staff",
    responses((status = 200, body = StaffList), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn list(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<StaffList>, ApiError> {
    let members = team::members(&state.app, staff_id(&bearer)?).await?;
    Ok(Json(StaffList {
        items: members.into_iter().map(StaffMember::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub name: String,
    pub role: String,
    /// The language of the invitation e-mail; the profile's default otherwise.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Invites a member of staff (admin): the account exists at once, without a password;
/// an e-mailed link (single use, three days) lets them choose one.
#[utoipa::path(post, path = "/api/v1/admin/staff", request_body = InviteRequest,
    responses((status = 201, body = StaffMember), (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "conflict: the address has an account", body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn invite(
    State(state): State<AppState>,
    bearer: Bearer,
    client: Client,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<StaffMember>), ApiError> {
    let by = Actor {
        staff_id: staff_id(&bearer)?,
        client: &client.ip,
    };
    let lang = req
        .lang
        .as_deref()
        .and_then(|l| l.parse().ok())
        .filter(|l| state.app.profile.languages.contains(l))
        .unwrap_or(state.app.profile.default_lang());
    let staff = team::invite(
        &state.app,
        by,
        &req.email,
        &req.name,
        role(&req.role)?,
        lang,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(staff.into())))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Changes another member's role or access (admin); a disabled member's tokens and
/// sessions end at once. An admin cannot change their own (`own_account`).
#[utoipa::path(patch, path = "/api/v1/admin/staff/{id}", request_body = ChangeRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = StaffMember), (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "own_account", body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn change(
    State(state): State<AppState>,
    bearer: Bearer,
    client: Client,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> Result<Json<StaffMember>, ApiError> {
    let by = Actor {
        staff_id: staff_id(&bearer)?,
        client: &client.ip,
    };
    let change = Change {
        role: req.role.as_deref().map(role).transpose()?,
        disabled: req.disabled,
    };
    let staff = team::change(&state.app, by, &id, change).await?;
    Ok(Json(staff.into()))
}

/// Resets another member's password and second factor (admin): their sessions end and a
/// new link is e-mailed.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/reset", params(("id" = String, Path)),
    responses((status = 202, description = "reset; a link was e-mailed"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn reset(
    State(state): State<AppState>,
    bearer: Bearer,
    client: Client,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let by = Actor {
        staff_id: staff_id(&bearer)?,
        client: &client.ip,
    };
    let lang = state.app.profile.default_lang();
    team::reset(&state.app, by, &id, lang).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityLine {
    /// RFC 3339.
    pub at: String,
    pub staff_id: String,
    pub actor_id: Option<String>,
    /// login, login_refused, second_factor_enabled, invited, role_changed, disabled,
    /// enabled, reset, password_set.
    pub event: String,
    pub detail: String,
    /// The client's address.
    pub client: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityLog {
    pub items: Vec<SecurityLine>,
}

impl From<StaffEvent> for SecurityLine {
    fn from(e: StaffEvent) -> Self {
        SecurityLine {
            at: jiff::Timestamp::from_millisecond(e.at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            staff_id: e.staff_id,
            actor_id: e.actor_id,
            event: e.event,
            detail: e.detail,
            client: e.client,
        }
    }
}

/// The security log of staff logins and changes, newest first (admin; 200 lines).
#[utoipa::path(get, path = "/api/v1/admin/security-log",
    responses((status = 200, body = SecurityLog), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn security_log(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<SecurityLog>, ApiError> {
    let lines = team::security_log(&state.app, staff_id(&bearer)?, 200).await?;
    Ok(Json(SecurityLog {
        items: lines.into_iter().map(SecurityLine::from).collect(),
    }))
}
