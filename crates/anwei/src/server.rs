//! Starting the server: a database whose migrations do not apply cleanly, or a catalog that does
//! not parse, stops here with the reason — Anwei never serves a half-migrated schema.

use anwei_domain::catalog::Catalog;
use anwei_domain::clock::Clock;
use anwei_store::{Store, migrate};
use anwei_web::{AppState, WebConfig};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Connects, applies pending migrations (refusing a failed or foreign schema), and returns the
/// store.
pub async fn open_store(database_url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(database_url)))?;
    if let Err(e) = migrate::apply(&store).await {
        // sqlx may return with its PostgreSQL migration lock (a session advisory lock) still
        // held; closing the connections releases it, so the next attempt does not wait forever.
        store.close().await;
        return Err(e.into());
    }
    Ok(store)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub fn state(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> anyhow::Result<AppState> {
    let catalog = Catalog::load()?;
    Ok(AppState::new(store, clock, catalog, config))
}

/// Serves until `shutdown` resolves; also removes expired sessions every few minutes (each
/// request checks its own session; this only keeps the table small) and, with a worker, runs
/// the background jobs (duties, reminders, mail) once a minute.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    worker: Option<crate::jobs::Worker>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let background = worker.map(|w| tokio::spawn(w.run(Duration::from_secs(60))));
    let purge_state = state.clone();
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = purge_state.clock.now();
            let policy = &purge_state.catalog.account_policy.session;
            let idle = now - time::Duration::minutes(policy.idle_minutes);
            let old = now - time::Duration::hours(policy.absolute_hours);
            if let Err(e) = purge_state.store.purge_sessions(idle, old).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    let app = anwei_web::app(state);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    purger.abort();
    if let Some(b) = background {
        b.abort();
    }
    result.context("the server stopped with an error")
}
