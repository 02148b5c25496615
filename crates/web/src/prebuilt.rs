//! Catalogue answers served from the bytes built for the first asker.
//!
//! The product list, a product and the catalogue and product pages are the same for every
//! visitor who brings no cookie (no session, no consent given yet: the page carries the
//! consent banner and no form token) and for every API client asking in the same
//! language. The first such answer is kept whole, headers and body, with an ETag (the
//! SHA-256 of the body, shortened); the next ones are those bytes, or `304 Not Modified`
//! when the client already holds them (RFC 9110 §13.1.2). They are dropped with the rest of
//! the catalogue cache when the catalogue's version moves, and after [`MAX_AGE`] whatever
//! happens, since a page also shows the time (the 30 days before a reduction, CAT-7).
//! While the database cannot be reached, an answer kept is served however old, rather
//! than a 503: visitors go on browsing what the shop showed last.
//!
//! One request at a time builds a given answer. Who asks for it meanwhile is served the
//! bytes it replaces, when there are some (out of date by the few milliseconds of the
//! build), or else waits for the new ones, at most [`WAIT`]: a page that expires, or the
//! whole catalogue after a change, is built once, not once per visitor arriving during
//! the build. `/metrics` counts the answers built, waited for and served out of date
//! (`ecrin_catalogue_answers_total`); the others were served from their bytes.

use crate::AppState;
use crate::cache::Turn;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest an answer is served from its bytes.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Answers larger than this are not kept (a catalogue page is some tens of kilobytes).
const MAX_BYTES: usize = 512 * 1024;
/// The longest a request waits for another building the same answer, before building
/// it itself (the database's pool gives up after 3 s).
const WAIT: Duration = Duration::from_secs(5);

/// One answer as built: its headers, body and ETag.
#[derive(Debug)]
pub struct Prebuilt {
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    built: Instant,
}

/// The routes whose answers are kept, and whether the answer depends on the client's
/// `Accept-Language` (the API's, when no `lang=` is given).
fn kept(route: &str) -> Option<bool> {
    match route {
        "/api/v1/products" | "/api/v1/products/{slug}" => Some(true),
        "/{lang}/catalogue" | "/{lang}/products/{slug}" => Some(false),
        _ => None,
    }
}

fn etag_of(body: &[u8]) -> Option<HeaderValue> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).ok()
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2).
fn matches(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(wanted) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default();
    wanted
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == ours || t == "*")
}

fn answer(p: &Prebuilt, request: &HeaderMap) -> Response {
    if matches(request, &p.etag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, p.etag.clone());
        for name in [
            header::CONTENT_LANGUAGE,
            header::VARY,
            header::CACHE_CONTROL,
        ] {
            if let Some(v) = p.headers.get(&name) {
                r.headers_mut().insert(name, v.clone());
            }
        }
        return r;
    }
    let mut r = Response::new(Body::from(p.body.clone()));
    *r.headers_mut() = p.headers.clone();
    r
}

pub(crate) async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(by_language) = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| kept(p.as_str()))
    else {
        return next.run(request).await;
    };
    if request.method() != Method::GET
        || (!by_language && request.headers().contains_key(header::COOKIE))
    {
        return next.run(request).await;
    }
    let mut key = String::from("bytes:");
    key.push_str(
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
    );
    if by_language {
        key.push('\n');
        key.push_str(
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
    }
    let kept = match state.cache.refresh(&state.app).await {
        Ok(()) => state.cache.prebuilt(&key),
        Err(_) => None,
    };
    if let Some(p) = kept.as_ref().filter(|p| fresh(p)) {
        return answer(p, request.headers());
    }
    let building = match state.cache.turn(&key) {
        Some(Turn::Build(b)) => {
            // Kept by the builder just before this request's turn.
            if let Some(p) = state.cache.prebuilt(&key).filter(|p| fresh(p)) {
                return answer(&p, request.headers());
            }
            Some(b)
        }
        Some(Turn::Wait(lock)) => {
            if let Some(p) = &kept {
                count(&state, "stale");
                return answer(p, request.headers());
            }
            let _ = tokio::time::timeout(WAIT, lock.read()).await;
            if let Some(p) = state.cache.prebuilt(&key).filter(|p| fresh(p)) {
                count(&state, "waited");
                return answer(&p, request.headers());
            }
            // Not kept (a 404, a 503): built for this request as for the first.
            None
        }
        None => None,
    };
    let headers = request.headers().clone();
    let epoch = state.cache.epoch();
    let response = next.run(request).await;
    // The database away (503): the answer kept, however old, rather than no page.
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && let Some(p) = &kept
    {
        return answer(p, &headers);
    }
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BYTES).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "The page is too large.").into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let Some(etag) = etag_of(&body) else {
        return Response::from_parts(parts, Body::from(body));
    };
    parts.headers.insert(header::ETAG, etag.clone());
    let built = Arc::new(Prebuilt {
        headers: parts.headers,
        body,
        etag,
        built: Instant::now(),
    });
    state.cache.keep_prebuilt(epoch, key, built.clone());
    drop(building);
    count(&state, "built");
    answer(&built, &headers)
}

fn fresh(p: &Prebuilt) -> bool {
    p.built.elapsed() < MAX_AGE
}

/// Counts an answer not served straight from its bytes (those are the rest of
/// `http_requests_total` on the same routes, left uncounted here to keep them cheap).
fn count(state: &AppState, answer: &'static str) {
    metrics::with_local_recorder(&state.recorder, || {
        metrics::counter!("ecrin_catalogue_answers_total", "answer" => answer).increment(1);
    });
}
