//! Printed documents over the API (INV-1, INV-2): an order's invoice and withdrawal form
//! for its customer, the packing slip for the warehouse. Each is a PDF laid out on request.

use super::ApiPath;
use super::accounts::{Bearer, customer_id};
use super::admin::staff_id;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::checkout;
use ecrin_app::documents::{self, Pdf};

/// A PDF to download under its own name; never kept by a shared cache.
pub(crate) fn pdf_response(pdf: Pdf) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", pdf.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf.bytes,
    )
        .into_response()
}

/// INV-2: the invoice of one of the customer's paid orders; 404 before payment or for
/// another customer's order.
#[utoipa::path(get, path = "/api/v1/orders/{number}/invoice.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn invoice(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let pdf = documents::customer_invoice(&state.app, customer_id(&bearer)?, &number).await?;
    Ok(pdf_response(pdf))
}

/// INV-1: the withdrawal form of one of the customer's orders, filled in with its number
/// and date; 422 `withdrawal_excluded_custom` when every piece is custom-made (WDR-3).
#[utoipa::path(get, path = "/api/v1/orders/{number}/withdrawal-form.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn withdrawal_form(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let order = checkout::order_of(&state.app, customer_id(&bearer)?, &number).await?;
    match documents::withdrawal_form_pdf(&state.app, &order).await? {
        Some(pdf) => Ok(pdf_response(pdf)),
        None => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "withdrawal_excluded_custom",
            "Every piece of this order is custom-made or engraved: none may be withdrawn from.",
        )),
    }
}

/// The packing slip of an order (admin, warehouse, customer service): no price on a gift.
#[utoipa::path(get, path = "/api/v1/admin/orders/{number}/packing-slip.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn packing_slip(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let pdf = documents::packing_slip_pdf(&state.app, staff_id(&bearer)?, &number).await?;
    Ok(pdf_response(pdf))
}
