//! Raw access for tests only (feature `testing`): tampering with stored rows to prove that the
//! audit chain notices, and reading schemas to prove both dialects agree.

use crate::db::on_db;
use crate::{Result, Store};

impl Store {
    /// Executes arbitrary SQL. Tests only.
    pub async fn testing_execute(&self, sql: &str) -> Result<u64> {
        let sql = sql.to_string();
        let n = on_db!(&self.db, p => sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// The ids of every import job, oldest first. Tests only.
    pub async fn testing_import_jobs(&self) -> Result<Vec<uuid::Uuid>> {
        let rows: Vec<(uuid::Uuid,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id FROM import_job ORDER BY started_at, id").fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Every (table, column) of the schema except sqlx's bookkeeping, sorted.
    pub async fn testing_columns(&self) -> Result<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> = match &self.db {
            crate::db::Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
            crate::db::Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
        };
        rows.sort();
        Ok(rows)
    }

    /// The id of the audit event with this chain position.
    pub async fn testing_event_id(&self, chain: &str, seq: i64) -> Result<Option<uuid::Uuid>> {
        let row: Option<(uuid::Uuid,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id FROM audit_event WHERE chain = $1 AND seq = $2").bind(chain).bind(seq).fetch_optional(p).await)?;
        Ok(row.map(|(id,)| id))
    }
}
