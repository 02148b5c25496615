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

/// Why a request is refused without trying a database found away a moment before (its
/// absence was logged once, when it was found).
const STILL_AWAY: &str = "the database could not be reached a moment ago";

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        StoreError::Unavailable(e.to_string())
    }

    /// A request refused without trying the database, found away a moment before.
    pub fn still_away() -> Self {
        StoreError::Unavailable(STILL_AWAY.to_owned())
    }

    /// Whether this is [`StoreError::still_away`]: the outage is already in the log, so
    /// each refusal need not be.
    pub fn is_still_away(&self) -> bool {
        matches!(self, StoreError::Unavailable(why) if why == STILL_AWAY)
    }

    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Database(Box::new(e))
    }
}
