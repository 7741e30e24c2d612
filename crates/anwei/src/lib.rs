//! The `anwei` binary as a library, so that tests start exactly the server and run exactly the
//! commands a user does.
#![forbid(unsafe_code)]

pub mod asset_cli;
pub mod checklist_cli;
pub mod cli;
pub mod demo;
pub mod incident_clock;
pub mod jobs;
pub mod obligations_cli;
pub mod plan_cli;
pub mod server;
pub mod training_cli;
