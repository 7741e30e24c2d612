use anwei_domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("{0}")]
    Migration(String),
    /// A unique value already exists; names the field so the form can say which.
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    #[error("not found")]
    NotFound,
    /// The record is not in a state that allows this (e.g. editing a published plan); the
    /// message key says why.
    #[error("not allowed in this state: {0}")]
    WrongState(&'static str),
    #[error("file storage: {0}")]
    Files(String),
    /// A stored file no longer matches the digest recorded when it was uploaded.
    #[error("stored file {0} does not match its recorded SHA-256")]
    Tampered(String),
    #[error("unsupported database URL `{0}`: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict { field }`.
    pub(crate) fn unique(e: sqlx::Error, field: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { field },
            _ => StoreError::Sqlx(e),
        }
    }
}
