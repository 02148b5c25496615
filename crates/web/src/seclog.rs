//! PRV-5: every post to a sensitive form (login, sign-up, reset, share, contact) is
//! logged with the client's address, browser and referrer, whatever the answer. The log
//! stays inside: staff see daily counts only.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

pub(crate) async fn log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (kind, ip, user_agent, referrer) = describe(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    if let Err(e) =
        ecrin_app::retention::record(&state.app, &kind, status, &ip, &user_agent, &referrer).await
    {
        tracing::error!(error = %e, "security log");
    }
    response
}

fn describe(request: &Request) -> (String, String, String, String) {
    let header = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let ip = crate::client::of(request.extensions()).to_string();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "?".to_owned());
    (
        format!("POST {path}"),
        ip,
        header(header::USER_AGENT),
        header(header::REFERER),
    )
}
