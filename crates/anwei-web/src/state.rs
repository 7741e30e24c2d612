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
    pub imports: Imports,
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

/// Imports running in the background, so a page can show how far a long one has got. Kept in
/// memory: an import belongs to the process that runs it, and a restart ends it (its
/// transaction is rolled back, so nothing is half-written).
#[derive(Default)]
pub struct Imports(Mutex<HashMap<Uuid, ImportState>>);

#[derive(Debug, Clone)]
pub struct ImportState {
    pub agency_id: Uuid,
    /// Who started it: only they follow it.
    pub started_by: String,
    pub total: usize,
    pub written: usize,
    pub refused: usize,
    /// Rows added, or the message key of why nothing was.
    pub outcome: Option<Result<usize, &'static str>>,
}

impl Imports {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, ImportState>> {
        // a panicking import leaves the map usable: its entry simply never finishes
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn start(&self, agency_id: Uuid, started_by: &str, total: usize, refused: usize) -> Uuid {
        let id = Uuid::now_v7();
        self.map().insert(
            id,
            ImportState {
                agency_id,
                started_by: started_by.to_string(),
                total,
                written: 0,
                refused,
                outcome: None,
            },
        );
        id
    }

    pub fn advance(&self, id: Uuid, written: usize) {
        if let Some(s) = self.map().get_mut(&id) {
            s.written = written;
        }
    }

    pub fn finish(&self, id: Uuid, outcome: Result<usize, &'static str>) {
        if let Some(s) = self.map().get_mut(&id) {
            s.outcome = Some(outcome);
        }
    }

    /// The state of an import of this agency started by this person; a finished one is handed
    /// out once and forgotten.
    pub fn take(&self, id: Uuid, agency_id: Uuid, started_by: &str) -> Option<ImportState> {
        let mut map = self.map();
        let state = map
            .get(&id)
            .filter(|s| s.agency_id == agency_id && s.started_by == started_by)?
            .clone();
        if state.outcome.is_some() {
            map.remove(&id);
        }
        Some(state)
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
            imports: Imports::default(),
            register_facts: RegisterFacts::default(),
        }))
    }
}

impl AppState {
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
