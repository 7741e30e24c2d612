//! A failed upgrade must never be served: a half-migrated schema turns every page into an error
//! (a known failure of comparable tools). `apply` runs pending migrations, each in its own
//! transaction, and refuses — with the reason and what to do — a database that has a failed
//! migration recorded, one whose applied migrations differ from this build's, or one migrated by a
//! newer build.

use crate::db::Db;
use crate::{Result, Store, StoreError};
use sqlx::migrate::{MigrateError, Migrator};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// (version, description) of each migration of one dialect.
pub type MigrationList = Vec<(i64, String)>;

/// This build's migrations for SQLite and for PostgreSQL (the parity test compares them).
pub fn known_versions() -> (MigrationList, MigrationList) {
    let list = |m: &Migrator| {
        m.iter()
            .map(|x| (x.version, x.description.to_string()))
            .collect::<Vec<_>>()
    };
    (list(&SQLITE), list(&POSTGRES))
}

/// Applies pending migrations; returns how many this build knows.
pub async fn apply(store: &Store) -> Result<usize> {
    let outcome = match &store.db {
        Db::Sqlite(p) => SQLITE.run(p).await.map(|_| SQLITE.iter().count()),
        Db::Postgres(p) => POSTGRES.run(p).await.map(|_| POSTGRES.iter().count()),
    };
    outcome.map_err(explain)
}

fn explain(e: MigrateError) -> StoreError {
    StoreError::Migration(match e {
        MigrateError::Dirty(v) => format!(
            "migration {v} failed part-way and is recorded as incomplete; this database will not be served. \
             Restore the backup taken before the upgrade, then run `anwei migrate` again"
        ),
        MigrateError::VersionMismatch(v) => format!(
            "migration {v} applied to this database differs from migration {v} of this build (checksum mismatch); \
             this database will not be served. Run the Anwei build that migrated it"
        ),
        MigrateError::VersionMissing(v) => format!(
            "this database has migration {v}, which this build of Anwei does not know: a newer Anwei migrated it; \
             this database will not be served. Run that newer build"
        ),
        MigrateError::ExecuteMigration(err, v) => {
            format!(
                "migration {v} failed and was rolled back: {err}; this database will not be served"
            )
        }
        other => {
            format!("migrations could not be applied: {other}; this database will not be served")
        }
    })
}
