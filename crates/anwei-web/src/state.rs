use anwei_domain::catalog::Catalog;
use anwei_domain::clock::Clock;
use anwei_store::Store;
use anwei_store::files::FileStore;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

/// How the web edge is deployed.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix. On by default; browsers accept
    /// secure cookies from http://localhost and 127.0.0.1, so it stays on in development too.
    pub secure_cookies: bool,
    /// Where evidence files are kept (content-addressed by SHA-256).
    pub files_dir: PathBuf,
    /// The largest evidence file accepted, in bytes.
    pub max_upload_bytes: usize,
    /// How people reach this server (for links in e-mails and calendar feeds), without a
    /// trailing slash; None = the address of the request.
    pub public_url: Option<String>,
    /// Whether an SMTP server is configured (the outbox page says so when not).
    pub mail_configured: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            files_dir: PathBuf::from("anwei-data/files"),
            max_upload_bytes: 20 * 1024 * 1024,
            public_url: None,
            mail_configured: false,
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub catalog: Catalog,
    pub config: WebConfig,
    pub files: FileStore,
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
            files: FileStore::local(config.files_dir.clone()),
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
