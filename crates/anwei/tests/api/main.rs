//! The API and page suite: every account rule, tenant isolation, the audit chain, bad input and
//! the command line, against the real server. Runs on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL=postgres://…` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod assets;
mod audit;
mod auth;
mod checklist;
mod cli;
mod dates;
mod forms;
mod incidents;
mod isolation;
mod levels;
mod obligations;
mod plan;
mod restricted;
mod risks;
mod schema;
mod scope;
mod security;
mod training;
