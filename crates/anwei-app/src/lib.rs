//! Anwei's use-cases, one module per feature, between the edges (web pages, JSON API, command
//! line, jobs, demo) and the crates below (domain rules, storage, documents). A use-case takes
//! typed input, checks its rules through the domain, and does all its writes and their audit
//! events in one [`Transaction`](anwei_store::Transaction): a sign-off and the evidence it
//! attaches land together or not at all. Rule failures come back as
//! [`DomainError::Rule`](anwei_domain::DomainError::Rule), never as storage errors, so each edge
//! turns them into its own answer (a 409 with a message, one CLI line) in one place.
//!
//! The translations live here too: use-cases write mail and documents in the reader's language,
//! and the command line prints the same messages as the pages.
#![forbid(unsafe_code)]

pub mod agencies;
pub mod audits;
pub mod documents;
pub mod evidence;
pub mod i18n;
pub mod incidents;
pub mod inventory;
pub mod obligations;
pub mod plans;
pub mod restricted;
pub mod risk;
pub mod training;

use anwei_domain::DomainError;
use anwei_domain::catalog::Catalog;
use anwei_store::files::FileStore;
use anwei_store::{Store, StoreError};
use time::{Date, OffsetDateTime};

/// What every use-case runs against: the records, the evidence files, the law as data and the
/// instant the request is served at (one instant per use-case, so its rows and audit events
/// agree).
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub files: &'a FileStore,
    pub catalog: &'a Catalog,
    pub now: OffsetDateTime,
}

impl Ctx<'_> {
    /// Today in Taipei.
    pub fn today(&self) -> Date {
        anwei_domain::roc::RocDate::of_instant(self.now).date()
    }

    /// This year in Taipei.
    pub fn year(&self) -> i32 {
        self.today().year()
    }
}

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(StoreError),
    /// A document could not be rendered (a bug, not a user's mistake).
    #[error("document: {0}")]
    Document(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::WrongState(key) => Error::Domain(DomainError::Rule(key)),
            StoreError::Domain(d) => Error::Domain(d),
            other => Error::Store(other),
        }
    }
}

impl From<anwei_docs::DocError> for Error {
    fn from(e: anwei_docs::DocError) -> Self {
        Error::Document(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A rule refusal, for `?` in use-cases.
pub(crate) fn refuse<T>(key: &'static str) -> Result<T> {
    Err(Error::Domain(DomainError::Rule(key)))
}
