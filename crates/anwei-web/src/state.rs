use anwei_domain::catalog::Catalog;
use anwei_domain::clock::Clock;
use anwei_store::Store;
use std::ops::Deref;
use std::sync::Arc;

/// How the web edge is deployed.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix. On by default; browsers accept
    /// secure cookies from http://localhost and 127.0.0.1, so it stays on in development too.
    pub secure_cookies: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub catalog: Catalog,
    pub config: WebConfig,
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, catalog: Catalog, config: WebConfig) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            catalog,
            config,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
