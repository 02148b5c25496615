//! Écrin's HTTP surface: the storefront pages, the JSON API and its OpenAPI document,
//! operations endpoints, and the middleware every response goes through.
#![forbid(unsafe_code)]

pub mod api;
mod backoffice;
mod cache;
mod client;
mod consent;
pub mod cookies;
mod error;
mod extract;
mod prebuilt;
pub use ecrin_app::i18n;
mod ops;
mod picture;
mod ratelimit;
mod rawquery;
mod reads;
mod seclog;
mod storefront;

pub use client::{TrustedProxies, client_addr};
pub use error::{ApiError, Problem};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use ecrin_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Largest request body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct WebSettings {
    pub addr: SocketAddr,
    /// `ECRIN_TEST_MODE=1`: the movable clock and `/api/v1/test/*`.
    pub test_mode: bool,
    /// Login, sign-up and reset attempts allowed per client address and minute.
    pub auth_attempts_per_minute: u32,
    /// `ECRIN_TRUSTED_PROXIES`: the reverse proxies whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
}

pub(crate) struct Inner {
    pub app: App,
    pub test_mode: bool,
    pub cache: cache::CatalogueCache,
    pub recorder: PrometheusRecorder,
    pub metrics: PrometheusHandle,
    pub rate_limiter: ratelimit::RateLimiter,
    pub trusted_proxies: TrustedProxies,
}

#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The bound server: build it, read its port, run it until the shutdown future resolves.
pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
    metrics: PrometheusHandle,
}

/// How often the latencies recorded since are folded into `/metrics`' histograms. The
/// recorder keeps every sample until then: without this, a shop nobody scrapes would hold
/// eight bytes more for each request it ever answered.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    pub async fn build(settings: &WebSettings, app: App) -> std::io::Result<Application> {
        let listener = TcpListener::bind(settings.addr).await?;
        Self::on(listener, settings, app)
    }

    /// On a listener bound beforehand (its port known before the app is made, as the
    /// public address of tests needs); `settings.addr` is then unused.
    pub fn on(
        listener: TcpListener,
        settings: &WebSettings,
        app: App,
    ) -> std::io::Result<Application> {
        let port = listener.local_addr()?.port();
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let metrics = recorder.handle();
        let state = AppState(Arc::new(Inner {
            app,
            test_mode: settings.test_mode,
            cache: cache::CatalogueCache::default(),
            recorder,
            metrics,
            rate_limiter: ratelimit::RateLimiter::new(settings.auth_attempts_per_minute),
            trusted_proxies: settings.trusted_proxies.clone(),
        }));
        Ok(Application {
            listener,
            metrics: state.metrics.clone(),
            router: router(state),
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let metrics = self.metrics.clone();
        let upkeep = tokio::spawn(async move {
            let mut every = tokio::time::interval(METRICS_UPKEEP);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                metrics.run_upkeep();
            }
        });
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        upkeep.abort();
        served
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This method is not allowed on this resource.",
    )
}

fn router(state: AppState) -> Router {
    let router = Router::new()
        .merge(ops::routes())
        .merge(api::routes(state.test_mode))
        .merge(storefront::routes())
        .merge(backoffice::routes())
        .merge(
            api::guarded_routes()
                .merge(storefront::guarded_routes())
                .merge(backoffice::guarded_routes())
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    ratelimit::limit,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    seclog::log,
                )),
        )
        .fallback(storefront::not_found_fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            consent::banner,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            prebuilt::serve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::record_metrics,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client::remember,
        ));
    let https = state.app.public_url.starts_with("https://");
    ops::wrap(router, https).with_state(state)
}
