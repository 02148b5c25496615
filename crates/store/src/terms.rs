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
        let row: Option<sql::TermsRow> = query_as(sql::TERMS_IN_FORCE)
            .bind(at_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn terms_version_in_force(&self, at_ms: i64) -> Result<Option<String>> {
        query_scalar(sql::TERMS_VERSION_IN_FORCE)
            .bind(at_ms)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn terms_version(&self, version: &str) -> Result<Option<TermsVersion>> {
        let row: Option<sql::TermsRow> = query_as(sql::TERMS_VERSION)
            .bind(version)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn terms_versions(&self) -> Result<Vec<TermsVersion>> {
        let rows: Vec<sql::TermsRow> = query_as(sql::TERMS_VERSIONS)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> TermsTx for W {
    async fn insert_terms_version(&mut self, t: &TermsVersion) -> Result<()> {
        query(sql::INSERT_TERMS_VERSION)
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
