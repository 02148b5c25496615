//! A rule saying no: a stable code from TERMS.md, a human explanation, and the kind of no
//! it is, which decides how the web answers it (422, 409, 400, …) without reading the code.

use crate::query::FieldError;
use std::fmt;

/// What sort of refusal it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// A rule of the terms says no (`basket_limit_identical`, `withdrawal_window_closed`).
    Rule,
    /// The state of things does not allow it now (`conflict`, `wrong_status`, sold out).
    Conflict,
    /// The request itself is malformed (`validation_failed`), with the fields at fault.
    Invalid,
    NotFound,
    /// Not this caller's to do (`forbidden`, `form_expired`).
    Forbidden,
    /// Wrong or missing credentials (`invalid_credentials`).
    Unauthorized,
    /// Too many attempts (`rate_limited`).
    RateLimited,
    /// A service the shop relies on (the payment provider) did not answer; try again
    /// (`provider_unavailable`).
    Unavailable,
}

/// A refusal. `code` is stable and machine-readable (`basket_limit_identical`,
/// `unavailable`, …); `detail` is for people and may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub code: &'static str,
    pub detail: String,
    /// With [`RefusalKind::Invalid`]: each field at fault and why.
    pub errors: Vec<FieldError>,
}

impl Refusal {
    /// A rule of the terms refusing.
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RefusalKind::Rule, code, detail)
    }

    pub fn of(kind: RefusalKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// `conflict`: the state of things is against it (sold out, already done).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::of(RefusalKind::Conflict, "conflict", detail)
    }

    /// `wrong_status`: a transition the order's state does not allow (API.md).
    pub fn wrong_status(detail: impl Into<String>) -> Self {
        Self::of(RefusalKind::Conflict, "wrong_status", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::of(RefusalKind::Forbidden, "forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::of(RefusalKind::NotFound, "not_found", detail)
    }

    /// `validation_failed` on one field, with a reason code (`not_in_order`).
    pub fn invalid(field: &str, reason: &'static str) -> Self {
        Self {
            kind: RefusalKind::Invalid,
            code: "validation_failed",
            detail: format!("{field}: {}", reason.replace('_', " ")),
            errors: vec![FieldError {
                field: field.to_owned(),
                reason,
            }],
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for Refusal {}
