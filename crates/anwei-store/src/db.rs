use crate::{Result, StoreError};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// Committed: nothing left to roll back.
    Done,
}

/// Runs the same query-building expression against whichever pool is configured.
/// `$p` is bound to the concrete pool in each arm.
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

/// The same within a transaction: `$c` is `&mut Transaction<…>`; use `&mut **$c` as executor.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite($c) => $body,
            $crate::db::Tx::Postgres($c) => $body,
            $crate::db::Tx::Done => {
                return Err($crate::StoreError::Migration(
                    "transaction already committed".into(),
                ))
            }
        }
    };
}

pub(crate) use {on_db, on_tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle every part of Anwei stores through. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: Db,
}

impl Store {
    /// `sqlite:PATH` (created if missing; WAL, busy timeout, foreign keys on) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            Ok(Self {
                db: Db::Sqlite(pool),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Self {
                db: Db::Postgres(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// that a transaction that reads before it writes cannot fail on upgrading its lock.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(match &self.db {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn ping(&self) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(&self.db, p => p.close().await);
    }
}

/// One use-case's writes and their audit events, committed together or not at all. The
/// application layer opens it, calls the store's writes on it, and commits; dropped without a
/// commit, everything it wrote is rolled back — the evidence files it stored for the first time
/// included, so a refused step leaves no stray file behind.
pub struct Transaction(pub(crate) Tx, pub(crate) Vec<std::path::PathBuf>);

impl Store {
    pub async fn transaction(&self) -> Result<Transaction> {
        Ok(Transaction(self.begin().await?, Vec::new()))
    }
}

impl Transaction {
    pub async fn commit(mut self) -> Result<()> {
        let fresh = std::mem::take(&mut self.1);
        // the rows are gone if the commit fails: so are the files only they referred to
        let Transaction(tx, _) = &mut self;
        let tx = std::mem::replace(tx, Tx::Done);
        match tx.commit().await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.1 = fresh;
                Err(e)
            }
        }
    }

    /// A file this transaction stored for the first time: removed again unless it commits.
    pub(crate) fn stored_fresh(&mut self, path: std::path::PathBuf) {
        self.1.push(path);
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        for path in self.1.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
            Tx::Done => {}
        }
        Ok(())
    }
}
