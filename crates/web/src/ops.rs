//! Operations: health and readiness, Prometheus metrics, request ids, logs, security
//! headers (GTS-3) and the last-resort panic handler.

use crate::AppState;
use crate::error::problem_response;
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = ?e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.run_upkeep();
    let mut body = state.metrics.render();
    if let Some(w) = state.app.writer_stats() {
        writer_metrics(&mut body, &w);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The embedded database's one writer, in Prometheus' text format. Its busy share over an
/// interval is the growth of the two `_seconds_total` counters divided by the interval:
/// near one, write transactions queue for it. Written here rather than through the
/// recorder: the store keeps the totals itself, read at each scrape, and the times are
/// fractional seconds, which the recorder's counters (whole numbers) cannot hold.
fn writer_metrics(body: &mut String, w: &ecrin_app::model::WriterStats) {
    use std::fmt::Write as _;
    let series: [(&str, &str, String); 8] = [
        (
            "ecrin_db_writer_transactions_total",
            "Write transactions that held the database's writer connection.",
            w.transactions.to_string(),
        ),
        (
            "ecrin_db_writer_group_commits_total",
            "Group commits: one commit for the transactions grouped in it.",
            w.groups.to_string(),
        ),
        (
            "ecrin_db_writer_transaction_seconds_total",
            "Time the writer was held by transactions running their statements.",
            w.transaction_seconds.to_string(),
        ),
        (
            "ecrin_db_writer_commit_seconds_total",
            "Time the writer spent committing groups (writing them to the log).",
            w.commit_seconds.to_string(),
        ),
        (
            "ecrin_db_writer_syncs_total",
            "Syncs of the log to disk, each making the groups committed before it durable.",
            w.syncs.to_string(),
        ),
        (
            "ecrin_db_writer_sync_seconds_total",
            "Time spent syncing the log, while the writer went on with the next group.",
            w.sync_seconds.to_string(),
        ),
        (
            "ecrin_db_checkpoints_total",
            "Checkpoints copying the log into the database file, beside the writer.",
            w.checkpoints.to_string(),
        ),
        (
            "ecrin_db_checkpoint_seconds_total",
            "Time spent in those checkpoints, while the writer went on.",
            w.checkpoint_seconds.to_string(),
        ),
    ];
    for (name, help, value) in series {
        let _ = write!(
            body,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        );
    }
}

/// Counts every request and records its latency, labelled by route (never by raw path,
/// which would let a client create unbounded series).
pub(crate) async fn record_metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::with_local_recorder(&state.recorder, || {
        metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
            .increment(1);
        metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
            .record(elapsed);
    });
    response
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    problem_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "The shop could not answer; the incident is logged.".into(),
        Vec::new(),
    )
}

/// HSTS (RFC 6797) for two years, the lifetime browsers' preload lists ask for; not for
/// subdomains, which a house may serve otherwise (a blog, a newsletter's tracker).
const HSTS: &str = "max-age=63072000";

/// The layers every response goes through, outermost last. `https`: the shop's public
/// address is https, and browsers are told never to reach it otherwise.
pub(crate) fn wrap(router: Router<AppState>, https: bool) -> Router<AppState> {
    let x_request_id = HeaderName::from_static("x-request-id");
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = if https {
        router.layer(header(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    };
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
            })
            // A 503 is the database away, told by the handler (and once by the store): each
            // one is not an error of its own, and a flood of them must not drown the log.
            .on_failure(|class: ServerErrorsFailureClass, latency: Duration, _: &tracing::Span| {
                let latency = latency.as_millis();
                match class {
                    ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
                        tracing::debug!(classification = %class, latency_ms = latency, "response failed");
                    }
                    _ => tracing::error!(classification = %class, latency_ms = latency, "response failed"),
                }
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}
