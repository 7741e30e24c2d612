use anwei_domain::catalog::Catalog;
use anwei_domain::clock::Clock;
use anwei_store::Store;
use anwei_store::files::FileStore;
use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

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

impl WebConfig {
    /// The configured public address, for links that must not depend on the request (a reset
    /// link: the Host header is chosen by the client). The server always configures one; the
    /// fallback is the default bind address.
    pub fn link_base(&self) -> String {
        self.public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:8080")
            .trim_end_matches('/')
            .to_string()
    }
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
    pub register_facts: RegisterFacts,
}

/// Facts of an agency's whole inventory that its page shows on every view — how many assets,
/// core systems and centralised ones, and how many §11 matches are unresolved — kept with the
/// version of the data they were computed from. Every change to an agency's records appends to
/// its audit chain (and the restricted-products register to the system chain), in the same
/// transaction, so the two chain heads' sequence numbers are that version: read from the
/// database on each view, they make this cache right across several instances too, while a view
/// with nothing changed no longer reads 33,000 rows.
#[derive(Default)]
pub struct RegisterFacts(Mutex<HashMap<Uuid, VersionedFacts>>);

/// Facts with the (agency chain, system chain) sequence numbers they were computed at.
type VersionedFacts = ((i64, i64), InventoryFacts);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryFacts {
    /// (assets, core systems, centralised)
    pub counts: (usize, usize, usize),
    pub restricted_open: usize,
}

impl RegisterFacts {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, VersionedFacts>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, agency_id: Uuid, version: (i64, i64)) -> Option<InventoryFacts> {
        self.map()
            .get(&agency_id)
            .filter(|(v, _)| *v == version)
            .map(|(_, f)| *f)
    }

    pub fn put(&self, agency_id: Uuid, version: (i64, i64), facts: InventoryFacts) {
        self.map().insert(agency_id, (version, facts));
    }
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
            register_facts: RegisterFacts::default(),
        }))
    }
}

impl AppState {
    /// What a use-case runs against, at this instant.
    pub fn cx(&self) -> anwei_app::Ctx<'_> {
        anwei_app::Ctx {
            store: &self.store,
            files: &self.files,
            catalog: &self.catalog,
            now: self.clock.now(),
        }
    }

    /// Today in Taipei.
    pub fn today(&self) -> time::Date {
        anwei_domain::roc::RocDate::of_instant(self.clock.now()).date()
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
