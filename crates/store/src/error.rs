use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness or foreign-key constraint said no; `constraint` names it.
    #[error("constraint `{constraint}` violated")]
    Constraint { constraint: String },
    #[error("not found")]
    NotFound,
    /// Anything else: logged with its cause, never shown to a customer.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database cannot be reached or written now (a server restarting, a full or
    /// read-only disk, writes stopped after a failed sync): the request may succeed later,
    /// and nothing of it was kept.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        StoreError::Unavailable(e.to_string())
    }

    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Database(Box::new(e))
    }
}
