//! Écrin's use cases, ports and the demo data: one function and one transaction per use
//! case, time from the [`Clock`] port only.
#![forbid(unsafe_code)]

pub mod accounting;
pub mod backoffice;
pub mod basket;
pub mod caches;
pub mod cancellations;
pub mod catalogue;
pub mod catalogue_csv;
pub mod checkout;
pub mod claims;
pub mod clock;
pub mod confirmation;
pub mod contact;
pub mod customers;
pub mod dashboard;
pub mod deadlines;
pub mod demo;
pub mod documents;
pub mod emails;
pub mod fields;
pub mod fulfilment;
pub mod i18n;
pub mod jobs;
pub mod late_delivery;
mod lifecycle;
pub mod lyra;
pub mod mailer;
pub mod merchandising;
pub mod model;
pub mod passwords;
pub mod payment;
pub mod photos;
pub mod privacy;
pub mod profiles;
pub mod proof;
pub mod provider;
pub mod quotes;
pub mod recalls;
pub mod redelivery;
pub mod refunds;
pub mod retention;
pub mod sandbox;
pub mod sessions;
pub mod shopify;
pub mod staff;
pub mod stripe;
pub mod team;
pub mod terms;
pub mod withdrawals;

pub use clock::{Clock, SystemClock, TestClock};

use ecrin_core::Profile;
use ecrin_store::Store;
use std::sync::Arc;

/// What every use case needs: the store, the merchant's profile and the clock.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub profile: Arc<Profile>,
    pub clock: Arc<dyn Clock>,
    /// The shop's address as customers reach it (links in e-mails), without a final `/`.
    pub public_url: String,
    pub caches: Arc<caches::Caches>,
    /// PAY-1: the secret the payment provider signs its links and callbacks with
    /// (`ECRIN_PAYMENT_SECRET`; a random one per process when not set).
    pub payment_secret: Arc<[u8]>,
    /// PAY-1: the payment service provider (the sandbox).
    pub provider: Arc<dyn provider::PaymentProvider>,
    /// Where product photos are kept (`ECRIN_MEDIA_DIR`; `media` beside the database).
    pub media_dir: Arc<std::path::Path>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        profile: Arc<Profile>,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> App {
        App {
            store,
            profile,
            clock,
            public_url,
            caches: Arc::default(),
            payment_secret: customers::random_hex(32)
                .unwrap_or_else(|_| format!("{:?}", std::time::SystemTime::now()))
                .into_bytes()
                .into(),
            provider: Arc::new(sandbox::Sandbox),
            media_dir: Arc::from(std::path::Path::new("media")),
        }
    }

    /// Keeps product photos under `dir`.
    pub fn with_media_dir(mut self, dir: impl Into<std::path::PathBuf>) -> App {
        self.media_dir = Arc::from(dir.into().as_path());
        self
    }

    /// Whether the database answers and, on SQLite, still takes writes (readiness).
    pub async fn ping(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    /// The writer's work so far, on a backend with one writer connection (`/metrics`).
    pub fn writer_stats(&self) -> Option<ecrin_store::WriterStats> {
        self.store.writer_stats()
    }

    /// The same app with another payment provider than the sandbox (PAY-1).
    pub fn with_provider(mut self, provider: Arc<dyn provider::PaymentProvider>) -> App {
        self.provider = provider;
        self
    }

    /// The same app with the payment provider's secret shared by every process.
    pub fn with_payment_secret(mut self, secret: &str) -> App {
        self.payment_secret = secret.as_bytes().into();
        self
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("profile", &self.profile.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Refused(#[from] ecrin_core::Refusal),
    #[error("not found")]
    NotFound,
    /// Fields that could not be understood, each with a reason code.
    #[error("invalid input")]
    Invalid(Vec<ecrin_core::query::FieldError>),
    /// CHK-10: a price changed since the summary; here is the fresh one to confirm.
    #[error("{refusal}")]
    PriceChanged {
        refusal: ecrin_core::Refusal,
        summary: Box<checkout::Summary>,
    },
    #[error(transparent)]
    Store(#[from] ecrin_store::StoreError),
    /// A failure that is nobody's input: logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
}
