//! The one place where errors become responses: RFC 9457 problem+json for the API, an
//! HTML page for the storefront. Internal errors are logged with their cause and never
//! shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::AppError;
use ecrin_core::query::FieldError;
use ecrin_core::refusal::{Refusal, RefusalKind};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
}

/// An API error: a status, a stable code and a human detail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// CHK-10: with `price_changed`, the fresh summary to confirm.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub checkout: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
    pub checkout: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            detail: detail.into(),
            errors: Vec::new(),
            checkout: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "validation_failed".into(),
            detail: format!("Invalid value for: {}.", fields.join(", ")),
            errors: errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: e.field,
                    code: e.reason.to_owned(),
                })
                .collect(),
            checkout: None,
        }
    }

    /// The database cannot be reached or written now; nothing of the request was kept.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The shop cannot take this request just now; nothing of it was kept. Please try again in a moment.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The shop could not answer; the incident is logged.",
        )
    }
}

/// The HTTP status of a refusal, by its kind: a rule refusal is 422, the others their own.
pub fn status_of(refusal: &Refusal) -> StatusCode {
    match refusal.kind {
        RefusalKind::Rule => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::Conflict => StatusCode::CONFLICT,
        RefusalKind::Invalid => StatusCode::BAD_REQUEST,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::Unauthorized => StatusCode::UNAUTHORIZED,
        RefusalKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        RefusalKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        if r.kind == RefusalKind::Invalid && !r.errors.is_empty() {
            return ApiError::validation(r.errors);
        }
        ApiError::new(status_of(&r), r.code, r.detail)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::not_found(),
            AppError::Invalid(errors) => ApiError::validation(errors),
            AppError::Refused(r) => ApiError::from(r),
            AppError::PriceChanged { refusal, summary } => {
                let mut e = ApiError::from(refusal);
                e.checkout = Some(crate::api::checkout::summary_json(&summary));
                e
            }
            AppError::Store(e @ ecrin_app::model::StoreError::Unavailable(_)) => {
                if e.is_still_away() {
                    tracing::debug!(error = %e, "database unavailable");
                } else {
                    tracing::warn!(error = %e, "database unavailable");
                }
                ApiError::unavailable()
            }
            AppError::Store(e) => {
                tracing::error!(error = ?e, "store error");
                ApiError::internal()
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::internal()
            }
        }
    }
}

pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Vec<FieldProblem>,
) -> Response {
    problem_with(status, code, detail, errors, None)
}

fn problem_with(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Vec<FieldProblem>,
    checkout: Option<serde_json::Value>,
) -> Response {
    let body = Problem {
        kind: format!("urn:ecrin:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        code: code.to_owned(),
        detail,
        errors,
        checkout,
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = problem_with(
            self.status,
            &self.code,
            self.detail,
            self.errors,
            self.checkout,
        );
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// Maps axum's own rejections (bad JSON, oversized body, bad path) to problems.
pub fn rejection(status: StatusCode, text: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "validation_failed",
    };
    // A body that is not the expected JSON is the client's mistake: 400, whatever axum
    // would have said (it answers 422 for a well-formed body of the wrong shape).
    let status = if status.is_server_error() || status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    ApiError::new(status, code, text)
}
