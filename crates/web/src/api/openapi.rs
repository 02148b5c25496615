//! The OpenAPI 3.1 document, generated from the handlers' types.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The `bearer` scheme the paths that need a login name: the token of `POST
/// /api/v1/sessions`, in `Authorization: Bearer …`.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `token` of `POST /api/v1/sessions` (a customer's or a member of staff's).",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Écrin",
        description = "The JSON API of an Écrin jewellery shop. Money is integer minor units; errors are RFC 9457 problems with a stable `code`."
    ),
    paths(
        super::catalogue::list_products,
        super::catalogue::get_product,
        super::test_mode::set_clock,
        super::test_mode::outbox,
        super::test_mode::bank_transfer,
        super::test_mode::card_payment,
        super::checkout::retry_payment,
        super::checkout::payment_callback,
        super::checkout::stripe_webhook,
        super::checkout::lyra_ipn,
        super::accounts::sign_up,
        super::accounts::activate,
        super::accounts::log_in,
        super::accounts::log_out,
        super::accounts::me,
        super::accounts::patch_me,
        super::accounts::my_consents,
        super::accounts::add_address,
        super::accounts::update_address,
        super::accounts::delete_address,
        super::accounts::export,
        super::accounts::erase,
        super::admin::get_customer,
        super::admin::suspend_customer,
        super::admin::close_customer,
        super::admin::send_newsletter,
        super::admin::security_stats,
        super::messages::share_product,
        super::messages::recommend,
        super::messages::contact,
        super::messages::tickets,
        super::messages::answer,
        super::accounts::request_reset,
        super::accounts::confirm_reset,
        super::accounts::report_misuse,
        super::basket::get_basket,
        super::basket::add_item,
        super::basket::set_quantity,
        super::basket::remove_item,
        super::checkout::create_checkout,
        super::checkout::get_checkout,
        super::checkout::place_order,
        super::checkout::list_orders,
        super::checkout::get_order,
        super::documents::invoice,
        super::documents::withdrawal_form,
        super::documents::packing_slip,
        super::documents::credit_note,
        super::documents::refund,
        super::documents::refund_sent,
        super::fulfilment::stock_out_choice,
        super::fulfilment::redelivery,
        super::withdrawals::withdraw,
        super::withdrawals::withdraw_as_guest,
        super::withdrawals::confirm_as_guest,
        super::withdrawals::label,
        super::after_sales::late_delivery,
        super::after_sales::claim,
        super::after_sales::claim_photo,
        super::after_sales::staff_claim_photo,
        super::after_sales::decide,
        super::after_sales::recall,
        super::after_sales::recalls,
        super::withdrawals::receive,
        super::withdrawals::inspect,
        super::documents::refund_destination,
        super::checkout::publish_terms,
        super::checkout::set_dispute,
        super::admin::set_stock,
        super::merchandise::list,
        super::merchandise::show,
        super::merchandise::create,
        super::merchandise::update,
        super::merchandise::create_variant,
        super::merchandise::update_variant,
        super::merchandise::promote,
        super::merchandise::end_promotion,
        super::merchandise::create_collection,
        super::merchandise::update_collection,
        super::merchandise::stock_movements,
        super::merchandise::low_stock,
        super::merchandise::add_photo,
        super::merchandise::export,
        super::merchandise::import,
        super::admin::dashboard,
        super::team::list,
        super::team::invite,
        super::team::change,
        super::team::reset,
        super::team::security_log,
        super::accounting::documents_csv,
        super::accounting::documents_zip,
        super::accounting::oss,
        super::checkout::order_refusals,
        super::checkout::admin_orders,
        super::checkout::order_events,
        super::checkout::phone_checkout,
        super::checkout::phone_order,
        super::checkout::confirm_pickup,
        super::fulfilment::ship_order,
        super::fulfilment::deliver_order,
        super::fulfilment::returned_undelivered,
        super::fulfilment::record_transfer,
        super::fulfilment::cancel_lines,
        super::fulfilment::stock_out,
        super::fulfilment::deadlines,
    ),
    components(schemas(crate::Problem, crate::error::FieldProblem)),
    modifiers(&BearerScheme),
    tags((name = "catalogue", description = "Products, variants, search and facets"))
)]
pub struct ApiDoc;

/// The document as served: the test routes (`/api/v1/test/…`) only in test mode.
pub fn document(test_mode: bool) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    if !test_mode {
        doc.paths
            .paths
            .retain(|path, _| !path.starts_with("/api/v1/test/"));
    }
    doc
}

pub(crate) async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    static BUILT: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let body = BUILT[usize::from(state.test_mode)]
        .get_or_init(|| {
            let mut doc = serde_json::to_value(document(state.test_mode)).unwrap_or_default();
            merge_flattened(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
        })
        .clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// A request body with a `#[serde(flatten)]` field is described as `allOf` the flattened
/// type and the body's own fields; when the flattened type refuses unknown fields
/// (`additionalProperties: false`) no document satisfies both parts, though the shop
/// takes one. Such a schema is written out as the one object it is: the properties and
/// required fields of every part, and no others.
fn merge_flattened(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value};
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let resolve = |part: &Value| -> Option<Value> {
        match part.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas
                .get(r.strip_prefix("#/components/schemas/")?)
                .cloned(),
            None => Some(part.clone()),
        }
    };
    for (name, schema) in &schemas {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            continue;
        };
        let Some(parts) = parts.iter().map(resolve).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let closed = parts
            .iter()
            .any(|p| p.get("additionalProperties") == Some(&Value::Bool(false)));
        if !closed || parts.iter().any(|p| p.get("properties").is_none()) {
            continue;
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        for part in &parts {
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                properties.extend(props.clone());
            }
            if let Some(req) = part.get("required").and_then(Value::as_array) {
                required.extend(req.iter().cloned());
            }
        }
        let mut merged = Map::new();
        merged.insert("type".into(), Value::from("object"));
        merged.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            merged.insert("required".into(), Value::Array(required));
        }
        merged.insert("additionalProperties".into(), Value::Bool(false));
        if let Some(slot) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            *slot = Value::Object(merged);
        }
    }
}
