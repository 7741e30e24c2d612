//! Anwei's web edge: server-rendered pages (askama + htmx, no JavaScript build), a JSON API under
//! `/api/v1` for scripts, and the middleware that makes Anwei obey the plan it manages (idle
//! logout, CSRF, strict cookies, security headers). One module per feature, each with its own
//! `router()`; handlers extract (the agency through its scope), call one use-case of
//! `anwei-app` or one read of the store, and render.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod error;
/// The translations live with the use-cases (mail and documents are written there too).
pub use anwei_app::i18n;
pub mod pages;
mod routes;
pub mod scope;
pub mod security;
pub mod state;

pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::health::router())
        .merge(routes::assets::router())
        .merge(routes::lang::router())
        .merge(routes::sign_in::router())
        .merge(routes::dashboard::router())
        .merge(routes::agencies::router())
        .merge(routes::users::router())
        .merge(routes::tokens::router())
        .merge(routes::audit_log::router())
        .merge(routes::incidents::router(state.config.max_upload_bytes))
        .merge(routes::drills::router())
        .merge(routes::audits::router())
        .merge(routes::calendar::router())
        .merge(routes::outbox::router())
        .merge(routes::plan::router())
        .merge(routes::inventory::router())
        .merge(routes::inventory_round::router())
        .merge(routes::asset_controls::router())
        .merge(routes::risk::router())
        .merge(routes::restricted::router(state.config.max_upload_bytes))
        .merge(routes::asset_disposal::router(
            state.config.max_upload_bytes,
        ))
        .merge(routes::inventory_import::router(
            state.config.max_upload_bytes,
        ))
        .merge(routes::training::router(state.config.max_upload_bytes))
        .merge(routes::training_person::router(
            state.config.max_upload_bytes,
        ))
        .merge(routes::obligations::router(state.config.max_upload_bytes))
        .nest("/api/v1", api::router())
        .fallback(|| async { error::AppError::NotFound })
        .layer(from_fn(scope::require_scope))
        // A panic is a 500 for that request alone, logged with its request id below.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(from_fn_with_state(state.clone(), auth::session_layer))
        .layer(from_fn(error::render_errors))
        .layer(from_fn(security::security_headers))
        .layer(DefaultBodyLimit::max(auth::MAX_FORM_BYTES))
        .layer(from_fn(security::request_id))
        .with_state(state)
}
