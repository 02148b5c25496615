//! The terms of sale (GTS-1): published versions and the one in force at a moment.

use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::*;

#[async_trait]
pub trait Terms: Send + Sync {
    /// GTS-1: the terms version in force at `at_ms`, if any was published.
    async fn terms_in_force(&self, at_ms: i64) -> Result<Option<TermsVersion>>;

    /// The name of the version in force at `at_ms` (one short row).
    async fn terms_version_in_force(&self, at_ms: i64) -> Result<Option<String>>;

    /// CHK-7: a published version by its name.
    async fn terms_version(&self, version: &str) -> Result<Option<TermsVersion>>;

    /// Every published version, the newest effective date first.
    async fn terms_versions(&self) -> Result<Vec<TermsVersion>>;
}

#[async_trait]
pub trait TermsTx: Send {
    async fn insert_terms_version(&mut self, t: &TermsVersion) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Terms for E {
    async fn terms_in_force(&self, at_ms: i64) -> Result<Option<TermsVersion>> {
        let row: Option<TermsRow> = query_as(TERMS_IN_FORCE)
            .bind(at_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn terms_version_in_force(&self, at_ms: i64) -> Result<Option<String>> {
        query_scalar(TERMS_VERSION_IN_FORCE)
            .bind(at_ms)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn terms_version(&self, version: &str) -> Result<Option<TermsVersion>> {
        let row: Option<TermsRow> = query_as(TERMS_VERSION)
            .bind(version)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn terms_versions(&self) -> Result<Vec<TermsVersion>> {
        let rows: Vec<TermsRow> = query_as(TERMS_VERSIONS)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> TermsTx for W {
    async fn insert_terms_version(&mut self, t: &TermsVersion) -> Result<()> {
        query(INSERT_TERMS_VERSION)
            .bind(&t.version)
            .bind(t.effective_from_ms)
            .bind(t.published_at_ms)
            .bind(&t.body.fr)
            .bind(&t.body.en)
            .bind(&t.body.it)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

pub const TERMS_IN_FORCE: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions WHERE effective_from_ms <= $1 \
     ORDER BY effective_from_ms DESC, published_at_ms DESC LIMIT 1";

pub const TERMS_VERSION_IN_FORCE: &str = "SELECT version FROM terms_versions \
     WHERE effective_from_ms <= $1 ORDER BY effective_from_ms DESC, published_at_ms DESC LIMIT 1";

pub const TERMS_VERSION: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions WHERE version = $1";

pub const TERMS_VERSIONS: &str = "SELECT version, effective_from_ms, published_at_ms, body_fr, body_en, \
     body_it FROM terms_versions ORDER BY effective_from_ms DESC, published_at_ms DESC";

pub const INSERT_TERMS_VERSION: &str = "INSERT INTO terms_versions (version, effective_from_ms, \
     published_at_ms, body_fr, body_en, body_it) VALUES ($1, $2, $3, $4, $5, $6)";

#[derive(Debug, serde::Deserialize)]
pub struct TermsRow {
    pub version: String,
    pub effective_from_ms: i64,
    pub published_at_ms: i64,
    pub body_fr: String,
    pub body_en: String,
    pub body_it: String,
}

impl From<TermsRow> for TermsVersion {
    fn from(r: TermsRow) -> Self {
        TermsVersion {
            version: r.version,
            effective_from_ms: r.effective_from_ms,
            published_at_ms: r.published_at_ms,
            body: Localized {
                fr: r.body_fr,
                en: r.body_en,
                it: r.body_it,
            },
        }
    }
}
