//! The JSON API of API.md, and its OpenAPI document.

pub(crate) mod accounts;
mod admin;
mod basket;
mod catalogue;
pub(crate) mod checkout;
mod documents;
pub(crate) use documents::pdf_response;
pub(crate) mod accounting;
pub(crate) mod after_sales;
mod fulfilment;
pub(crate) mod merchandise;
mod messages;
mod openapi;
mod team;
mod test_mode;
pub(crate) mod withdrawals;

use crate::AppState;
use crate::error::{ApiError, rejection};
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{get, post};
use ecrin_core::{Lang, Profile};

pub use openapi::ApiDoc;

pub(crate) fn routes(test_mode: bool) -> Router<AppState> {
    let mut r = Router::new()
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/v1/products", get(catalogue::list_products))
        .route("/api/v1/products/{slug}", get(catalogue::get_product))
        .route("/api/v1/accounts/activate", post(accounts::activate))
        .route(
            "/api/v1/accounts/password-reset/confirm",
            post(accounts::confirm_reset),
        )
        .route("/api/v1/me/report-misuse", post(accounts::report_misuse))
        .route(
            "/api/v1/sessions/current",
            axum::routing::delete(accounts::log_out),
        )
        .route(
            "/api/v1/me",
            get(accounts::me)
                .patch(accounts::patch_me)
                .delete(accounts::erase),
        )
        .route("/api/v1/me/export", get(accounts::export))
        .route("/api/v1/me/addresses", post(accounts::add_address))
        .route(
            "/api/v1/me/addresses/{id}",
            axum::routing::put(accounts::update_address).delete(accounts::delete_address),
        )
        .route("/api/v1/me/consents", get(accounts::my_consents))
        .route("/api/v1/admin/newsletters", post(admin::send_newsletter))
        .route("/api/v1/admin/tickets", get(messages::tickets))
        .route("/api/v1/admin/security-stats", get(admin::security_stats))
        .route("/api/v1/admin/tickets/{id}/answer", post(messages::answer))
        .route("/api/v1/admin/customers/{id}", get(admin::get_customer))
        .route(
            "/api/v1/admin/customers/{id}/suspend",
            post(admin::suspend_customer),
        )
        .route(
            "/api/v1/admin/customers/{id}/close",
            post(admin::close_customer),
        )
        .route("/api/v1/checkout", post(checkout::create_checkout))
        .route("/api/v1/checkout/{id}", get(checkout::get_checkout))
        .route(
            "/api/v1/orders",
            post(checkout::place_order).get(checkout::list_orders),
        )
        .route("/api/v1/orders/{number}", get(checkout::get_order))
        .route(
            "/api/v1/orders/{number}/invoice.pdf",
            get(documents::invoice),
        )
        .route(
            "/api/v1/orders/{number}/withdrawal-form.pdf",
            get(documents::withdrawal_form),
        )
        .route(
            "/api/v1/admin/orders/{number}/packing-slip.pdf",
            get(documents::packing_slip),
        )
        .route(
            "/api/v1/orders/{number}/credit-notes/{file}",
            get(documents::credit_note),
        )
        .route(
            "/api/v1/admin/orders/{number}/refunds",
            post(documents::refund),
        )
        .route(
            "/api/v1/orders/{number}/refunds/{id}/destination",
            post(documents::refund_destination),
        )
        .route(
            "/api/v1/orders/{number}/withdrawals",
            post(withdrawals::withdraw),
        )
        .route(
            "/api/v1/orders/{number}/withdrawals/{id}/label.pdf",
            get(withdrawals::label),
        )
        .route(
            "/api/v1/orders/{number}/late-delivery",
            post(after_sales::late_delivery),
        )
        .route(
            "/api/v1/orders/{number}/claims",
            post(after_sales::claim).layer(axum::extract::DefaultBodyLimit::max(
                after_sales::CLAIM_BODY_BYTES,
            )),
        )
        .route(
            "/api/v1/orders/{number}/claims/{id}/photos/{photo}",
            get(after_sales::claim_photo),
        )
        .route(
            "/api/v1/admin/claims/{id}/photos/{photo}",
            get(after_sales::staff_claim_photo),
        )
        .route(
            "/api/v1/admin/claims/{id}/decide",
            post(after_sales::decide),
        )
        .route(
            "/api/v1/admin/recalls",
            get(after_sales::recalls).post(after_sales::recall),
        )
        .route(
            "/api/v1/admin/returns/{id}/receive",
            post(withdrawals::receive),
        )
        .route(
            "/api/v1/admin/returns/{id}/inspect",
            post(withdrawals::inspect),
        )
        .route(
            "/api/v1/orders/{number}/redelivery",
            post(fulfilment::redelivery),
        )
        .route(
            "/api/v1/orders/{number}/stock-outs/{id}/choice",
            post(fulfilment::stock_out_choice),
        )
        .route(
            "/api/v1/admin/refunds/{id}/sent",
            post(documents::refund_sent),
        )
        .route(
            "/api/v1/orders/{number}/payments",
            post(checkout::retry_payment),
        )
        .route(
            "/api/v1/payments/stripe/webhook",
            post(checkout::stripe_webhook),
        )
        .route("/api/v1/payments/lyra/ipn", post(checkout::lyra_ipn))
        .route(
            "/api/v1/payments/callbacks/sandbox",
            post(checkout::payment_callback),
        )
        .route("/api/v1/admin/terms", post(checkout::publish_terms))
        .route("/api/v1/admin/orders", get(checkout::admin_orders))
        .route(
            "/api/v1/admin/orders/{number}/events",
            get(checkout::order_events),
        )
        .route(
            "/api/v1/admin/orders/{number}/confirm-pickup",
            post(checkout::confirm_pickup),
        )
        .route(
            "/api/v1/admin/orders/{number}/ship",
            post(fulfilment::ship_order),
        )
        .route(
            "/api/v1/admin/orders/{number}/deliver",
            post(fulfilment::deliver_order),
        )
        .route(
            "/api/v1/admin/orders/{number}/returned-undelivered",
            post(fulfilment::returned_undelivered),
        )
        .route(
            "/api/v1/admin/orders/{number}/bank-transfers",
            post(fulfilment::record_transfer),
        )
        .route(
            "/api/v1/admin/orders/{number}/cancel-lines",
            post(fulfilment::cancel_lines),
        )
        .route(
            "/api/v1/admin/orders/{number}/stock-outs",
            post(fulfilment::stock_out),
        )
        .route("/api/v1/admin/deadlines", get(fulfilment::deadlines))
        .route(
            "/api/v1/admin/order-refusals",
            get(checkout::order_refusals),
        )
        .route(
            "/api/v1/admin/variants/{sku}/stock",
            axum::routing::put(admin::set_stock),
        )
        .route(
            "/api/v1/admin/products",
            get(merchandise::list).post(merchandise::create),
        )
        .route(
            "/api/v1/admin/products/{slug}",
            get(merchandise::show).patch(merchandise::update),
        )
        .route(
            "/api/v1/admin/products/{slug}/variants",
            post(merchandise::create_variant),
        )
        .route(
            "/api/v1/admin/products/{slug}/photos",
            post(merchandise::add_photo).layer(axum::extract::DefaultBodyLimit::max(
                ecrin_app::photos::MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/api/v1/admin/variants/{sku}",
            axum::routing::patch(merchandise::update_variant),
        )
        .route(
            "/api/v1/admin/variants/{sku}/promotions",
            post(merchandise::promote),
        )
        .route(
            "/api/v1/admin/variants/{sku}/promotions/{id}",
            axum::routing::delete(merchandise::end_promotion),
        )
        .route(
            "/api/v1/admin/variants/{sku}/stock-movements",
            get(merchandise::stock_movements),
        )
        .route("/api/v1/admin/low-stock", get(merchandise::low_stock))
        .route("/api/v1/admin/dashboard", get(admin::dashboard))
        .route("/api/v1/admin/staff", get(team::list).post(team::invite))
        .route(
            "/api/v1/admin/staff/{id}",
            axum::routing::patch(team::change),
        )
        .route("/api/v1/admin/staff/{id}/reset", post(team::reset))
        .route("/api/v1/admin/security-log", get(team::security_log))
        .route(
            "/api/v1/admin/accounting/documents.csv",
            get(accounting::documents_csv),
        )
        .route(
            "/api/v1/admin/accounting/documents.zip",
            get(accounting::documents_zip),
        )
        .route("/api/v1/admin/reports/oss", get(accounting::oss))
        .route("/api/v1/admin/catalogue/export", get(merchandise::export))
        .route(
            "/api/v1/admin/catalogue/import",
            post(merchandise::import).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route(
            "/api/v1/admin/collections",
            post(merchandise::create_collection),
        )
        .route(
            "/api/v1/admin/collections/{slug}",
            axum::routing::patch(merchandise::update_collection),
        )
        .route(
            "/api/v1/admin/customers/{id}/dispute",
            axum::routing::put(checkout::set_dispute),
        )
        .route(
            "/api/v1/admin/customers/{id}/checkout",
            post(checkout::phone_checkout),
        )
        .route(
            "/api/v1/admin/customers/{id}/orders",
            post(checkout::phone_order),
        )
        .route("/api/v1/basket", get(basket::get_basket))
        .route("/api/v1/basket/items", post(basket::add_item))
        .route(
            "/api/v1/basket/items/{id}",
            axum::routing::patch(basket::set_quantity).delete(basket::remove_item),
        );
    // Test mode only: without it these paths do not exist (404), whatever is sent.
    if test_mode {
        r = r
            .route("/api/v1/test/clock", post(test_mode::set_clock))
            .route("/api/v1/test/outbox", get(test_mode::outbox))
            .route(
                "/api/v1/test/bank-transfers",
                post(test_mode::bank_transfer),
            )
            .route(
                "/api/v1/test/payments/{number}",
                post(test_mode::card_payment),
            );
    }
    r
}

/// The routes that guess credentials or send e-mail: rate-limited per client address.
pub(crate) fn guarded_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts", post(accounts::sign_up))
        .route(
            "/api/v1/accounts/password-reset",
            post(accounts::request_reset),
        )
        .route("/api/v1/sessions", post(accounts::log_in))
        .route("/api/v1/share/product", post(messages::share_product))
        .route("/api/v1/share/recommend", post(messages::recommend))
        .route("/api/v1/contact", post(messages::contact))
        .route("/api/v1/withdrawals", post(withdrawals::withdraw_as_guest))
        .route(
            "/api/v1/withdrawals/confirm",
            post(withdrawals::confirm_as_guest),
        )
}

/// A JSON body whose rejections (malformed, too large, wrong type) are problems.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// A path parameter whose rejection (bad UTF-8, missing) is a problem.
pub(crate) struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    axum::extract::Path<T>: FromRequestParts<S, Rejection = PathRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// The API's language: `?lang=`, then `Accept-Language`, then the profile's default.
pub(crate) fn api_lang(
    profile: &Profile,
    pairs: &[(String, String)],
    parts_accept: Option<&str>,
) -> Lang {
    let chosen = pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.as_str());
    crate::i18n::negotiate(profile, chosen, parts_accept)
}
