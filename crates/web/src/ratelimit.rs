//! Rate limits per client address on the routes that guess or send (login, sign-up,
//! password reset): a fixed window per minute, answered with 429 and `Retry-After`.
//! Per process; the per-account login limit, which must hold across processes, lives in
//! the database (`ecrin_app::customers`).

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    /// Requests allowed per client address and minute.
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` to go on, or the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let wait = WINDOW
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            return Err(wait);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The limit applies to the guarded routes' POSTs only: reading a form is free.
pub(crate) async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let ip = crate::client::of(request.extensions());
    match state.rate_limiter.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let mut response = if request.uri().path().starts_with("/api/") {
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "Too many attempts; wait a little.",
                )
                .into_response()
            } else {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts; wait a minute and try again.\n",
                )
                    .into_response()
            };
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}
