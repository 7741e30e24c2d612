//! Inventory imports in the background, kept in the database so that any instance serving the
//! person's next request can follow the one that started it (stateless instances behind a load
//! balancer). A job is operational state, like a session: the rows it imports are audited by the
//! import itself.

use crate::db::on_db;
use crate::{Actor, Backend, Result, Store};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportJobRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub started_by: String,
    pub total: i64,
    pub refused: i64,
    pub written: i64,
    /// Rows added, once it succeeded.
    pub added: Option<i64>,
    /// The message key of why nothing was imported, once it failed.
    pub error_key: Option<String>,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

impl ImportJobRow {
    /// Rows added, or the message key of why nothing was; None while it runs.
    pub fn outcome(&self) -> Option<Result<i64, &str>> {
        self.finished_at?;
        Some(match (&self.error_key, self.added) {
            (Some(key), _) => Err(key.as_str()),
            (None, added) => Ok(added.unwrap_or(0)),
        })
    }
}

impl Store {
    pub async fn start_import(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        total: usize,
        refused: usize,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO import_job (id, agency_id, started_by, total, refused, started_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(agency_id).bind(&actor.label).bind(count(total)).bind(count(refused)).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// Rows written so far. SQLite has one writer and the import holds it until it commits, so
    /// there the count is not written (the page shows the import running until it ends); on
    /// PostgreSQL every instance sees it move.
    pub async fn import_progress(&self, id: Uuid, written: usize) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            return Ok(());
        }
        on_db!(&self.db, p => sqlx::query("UPDATE import_job SET written = $2 WHERE id = $1")
            .bind(id).bind(i64::try_from(written).unwrap_or(i64::MAX))
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records how the import ended: rows added, or the message key of why nothing was.
    pub async fn finish_import(
        &self,
        id: Uuid,
        outcome: Result<usize, &str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let (added, error_key) = match outcome {
            Ok(n) => (Some(i64::try_from(n).unwrap_or(i64::MAX)), None),
            Err(key) => (None, Some(key)),
        };
        on_db!(&self.db, p => sqlx::query(
            "UPDATE import_job SET added = $2, error_key = $3, finished_at = $4,
                    written = CASE WHEN $2 IS NULL THEN written ELSE $2 END
             WHERE id = $1")
            .bind(id).bind(added).bind(error_key).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// An import of this agency, only to the person who started it.
    pub async fn import_job(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ImportJobRow>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, started_by, total, refused, written, added, error_key, started_at, finished_at
             FROM import_job WHERE id = $1 AND agency_id = $2 AND started_by = $3")
            .bind(id).bind(agency_id).bind(&actor.label).fetch_optional(p).await)?;
        Ok(row)
    }
}
