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
}

impl StoreError {
    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Database(Box::new(e))
    }
}
