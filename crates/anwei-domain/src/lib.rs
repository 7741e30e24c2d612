//! Anwei's rules, kept free of I/O so that every rule the law or the plan imposes can be tested
//! against its text with an injected clock and nothing else. The store and the web crates call in
//! here; nothing here calls out.
#![forbid(unsafe_code)]

pub mod account_mail;
pub mod agency;
pub mod asset;
pub mod asset_import;
pub mod audit;
pub mod baseline;
pub mod catalog;
pub mod checklist;
pub mod clock;
pub mod error;
pub mod evidence;
pub mod finding;
pub mod ical;
pub mod incident;
pub mod obligation;
pub mod password;
pub mod plan;
pub mod plan_lint;
pub mod rbac;
pub mod reminder;
pub mod restricted;
pub mod risk;
pub mod roc;
pub mod secret;
pub mod sheet;
pub mod totp;
pub mod training;
pub mod training_import;
pub mod user;

pub use error::{DomainError, FieldError};
