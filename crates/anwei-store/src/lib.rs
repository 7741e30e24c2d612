//! Anwei's storage. One code path over SQLite (a school on one machine) and PostgreSQL (a city or
//! the country): every query is written once and run on whichever pool is configured, through
//! the [`Db`] enum rather than sqlx's `Any` driver, which cannot carry UUIDs, instants or booleans.
//!
//! Every write takes the [`Actor`] and writes its audit event in the same transaction as the
//! change. Reads across agencies (lists, the tree, supervisor pages) take the actor's [`Reach`]
//! and never return rows outside it. Reads of one agency's records take its
//! [`AgencyScope`](agencies::AgencyScope), which only the reach-checked lookups
//! ([`Store::agency_by_code`], [`Store::agency_by_id`]) make: a caller that skipped the check has
//! no scope to pass. The parts of a record (a round's confirmations, an incident's events, a
//! plan version's files) are read by the id of a record that came from such a read. A use-case
//! that writes several things opens one [`Transaction`] for all of them.
#![forbid(unsafe_code)]

mod actor;
pub mod agencies;
pub mod assets;
pub mod audit;
pub mod audit_plans;
pub mod calendar;
mod db;
mod error;
pub mod evidence;
pub mod files;
pub mod imports;
pub mod incidents;
pub mod migrate;
pub mod obligations;
pub mod outbox;
pub mod plans;
pub mod restricted;
pub mod risks;
pub mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod training;
pub mod users;

pub use actor::{Actor, Reach};
pub use db::{Backend, Store, Transaction};
pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An instant as RFC 3339 text, for audit events' JSON.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
