//! The mail outbox and the job table: background work that survives restarts and runs once
//! across several app instances on one database.
//!
//! Enqueueing is idempotent (a unique `dedupe_key` per reminder and recipient), so every
//! instance may scan for reminders. Sending claims a batch with a lease (`claimed_by`,
//! `claimed_until`) in one statement — `FOR UPDATE SKIP LOCKED` on PostgreSQL, the database-wide
//! write lock on SQLite — so two instances never hold the same message. A message is marked sent
//! only by the instance holding its lease. The one gap no outbox can close: an instance that
//! dies after the SMTP server accepted a message but before marking it sent will see it sent
//! again when the lease runs out (at-least-once at that single point, never otherwise).

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{Db, Tx, on_db, on_tx};
use crate::obligations::TaskRow;
use crate::{Actor, Result, Store};
use serde::Serialize;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// A message to be sent.
pub struct NewMail {
    pub agency_id: Option<Uuid>,
    pub dedupe_key: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OutboxRow {
    pub id: Uuid,
    pub agency_id: Option<Uuid>,
    pub agency_name: Option<String>,
    pub dedupe_key: String,
    pub to_addr: String,
    pub subject: String,
    /// Empty on the outbox page for a confidential message (a reset link), which only its
    /// recipient may read.
    pub body: String,
    pub confidential: bool,
    pub status: String,
    pub attempts: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A person who may receive reminders for an agency's tasks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: String,
}

const OUTBOX_COLUMNS: &str =
    "o.id, o.agency_id, a.name AS agency_name, o.dedupe_key, o.to_addr, o.subject,
    o.body, o.confidential, o.status, o.attempts, o.next_attempt_at, o.last_error, o.sent_at, o.created_at";

/// Queues one message inside a writing transaction, so it is sent only if the change it reports
/// is committed; a message queued before under the same `dedupe_key` is not queued again.
pub(crate) async fn enqueue_in(tx: &mut Tx, m: &NewMail, now: OffsetDateTime) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "INSERT INTO outbox (id, agency_id, dedupe_key, to_addr, subject, body, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) ON CONFLICT (dedupe_key) DO NOTHING")
        .bind(Uuid::now_v7()).bind(m.agency_id).bind(&m.dedupe_key).bind(&m.to_addr).bind(&m.subject)
        .bind(&m.body).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?)
}

impl Store {
    /// Claims a scheduled job if it is due: moves its next run to `next_run` in the same
    /// statement, so exactly one instance gets it. Returns whether this instance did.
    pub async fn claim_job(
        &self,
        name: &str,
        instance: &str,
        now: OffsetDateTime,
        next_run: OffsetDateTime,
    ) -> Result<bool> {
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO job (name, run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        let claimed: Option<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "UPDATE job SET run_at = $3, claimed_by = $2, last_started_at = $4
             WHERE name = $1 AND run_at <= $4 RETURNING name")
            .bind(name).bind(instance).bind(next_run).bind(now).fetch_optional(p).await)?;
        Ok(claimed.is_some())
    }

    /// Records how a job run ended (for the administrator's page).
    pub async fn finish_job(
        &self,
        name: &str,
        now: OffsetDateTime,
        error: Option<&str>,
    ) -> Result<()> {
        on_db!(&self.db, p => sqlx::query(
            "UPDATE job SET last_finished_at = $2, last_error = $3 WHERE name = $1")
            .bind(name).bind(now).bind(error).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Adds messages not queued before (by `dedupe_key`); returns how many were new.
    pub async fn enqueue_mail(&self, mails: &[NewMail], now: OffsetDateTime) -> Result<usize> {
        let mut added = 0;
        for m in mails {
            let n = on_db!(&self.db, p => sqlx::query(
                "INSERT INTO outbox (id, agency_id, dedupe_key, to_addr, subject, body, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) ON CONFLICT (dedupe_key) DO NOTHING")
                .bind(Uuid::now_v7()).bind(m.agency_id).bind(&m.dedupe_key).bind(&m.to_addr).bind(&m.subject)
                .bind(&m.body).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
            added += usize::try_from(n).unwrap_or(0);
        }
        Ok(added)
    }

    /// Takes up to `limit` due messages for this instance for `lease`.
    pub async fn claim_mail(
        &self,
        instance: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let until = now + lease;
        let pick = "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2
                      AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_attempt_at LIMIT $4";
        let lock = match self.db {
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let claim = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $3 WHERE id IN ({pick}{lock}) RETURNING id"
        );
        let mut tx = self.begin().await?;
        let ids: Vec<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(sqlx::AssertSqlSafe(claim))
            .bind(instance).bind(now).bind(until).bind(limit).fetch_all(&mut **c).await)?;
        tx.commit().await?;
        let mut rows = Vec::with_capacity(ids.len());
        for (id,) in ids {
            if let Some(r) = self.outbox_row(id).await? {
                rows.push(r);
            }
        }
        Ok(rows)
    }

    async fn outbox_row(&self, id: Uuid) -> Result<Option<OutboxRow>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox o LEFT JOIN agency a ON a.id = o.agency_id WHERE o.id = $1"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Marks a message sent, if this instance still holds it; the agency's audit chain records
    /// that the reminder went out (proof that people were told).
    pub async fn mark_mail_sent(
        &self,
        row: &OutboxRow,
        instance: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $3, claimed_until = NULL, attempts = attempts + 1
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'")
            .bind(row.id).bind(instance).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            append(
                &mut tx,
                &Actor::system(),
                Change {
                    agency_id: row.agency_id,
                    action: "mail.sent",
                    target: format!("outbox:{}", row.id),
                    before: None,
                    after: Some(
                        json!({ "to": row.to_addr, "subject": row.subject, "key": row.dedupe_key }),
                    ),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Records a failed attempt: tried again at `retry_at`, or marked failed when `give_up`.
    pub async fn mark_mail_failed(
        &self,
        row: &OutboxRow,
        instance: &str,
        error: &str,
        retry_at: OffsetDateTime,
        give_up: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let status = if give_up { "failed" } else { "pending" };
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET status = $3, attempts = attempts + 1, last_error = $4, next_attempt_at = $5,
                    claimed_until = NULL
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'")
            .bind(row.id).bind(instance).bind(status).bind(error).bind(retry_at)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n > 0 && give_up {
            append(
                &mut tx,
                &Actor::system(),
                Change {
                    agency_id: row.agency_id,
                    action: "mail.failed",
                    target: format!("outbox:{}", row.id),
                    before: None,
                    after: Some(
                        json!({ "to": row.to_addr, "subject": row.subject, "error": error }),
                    ),
                },
                now,
            )
            .await?;
        }
        tx.commit().await
    }

    /// Messages within the actor's reach (system messages only for administrators), failed and
    /// pending first.
    pub async fn outbox(&self, actor: &Actor, limit: i64) -> Result<Vec<OutboxRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox o LEFT JOIN agency a ON a.id = o.agency_id
             WHERE ($1 IS NULL OR a.path LIKE $1)
             ORDER BY CASE o.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, o.created_at DESC
             LIMIT $2"
        );
        let mut rows: Vec<OutboxRow> = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&pattern).bind(limit).fetch_all(p).await)?;
        for r in rows.iter_mut().filter(|r| r.confidential) {
            r.body.clear();
        }
        Ok(rows)
    }

    /// Puts a failed message back in the queue (an administrator fixed the mail settings).
    pub async fn retry_mail(&self, actor: &Actor, id: Uuid, now: OffsetDateTime) -> Result<bool> {
        let pattern = actor.reach.path_pattern();
        let mut tx = self.begin().await?;
        let row: Option<(Option<Uuid>, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT o.agency_id, o.to_addr FROM outbox o LEFT JOIN agency a ON a.id = o.agency_id
             WHERE o.id = $1 AND o.status = 'failed' AND ($2 IS NULL OR a.path LIKE $2)")
            .bind(id).bind(&pattern).fetch_optional(&mut **c).await)?;
        let Some((agency_id, to)) = row else {
            return Ok(false);
        };
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_until = NULL
             WHERE id = $1")
            .bind(id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id,
                action: "mail.retry",
                target: format!("outbox:{id}"),
                before: Some(json!({ "status": "failed" })),
                after: Some(json!({ "status": "pending", "to": to })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Open tasks of every agency falling due by `until` (or already overdue), for the reminder
    /// scan.
    pub async fn tasks_due_by(&self, until: Date) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "{} WHERE t.status IN ('open', 'submitted', 'na_requested') AND t.due_on <= $1
             ORDER BY t.agency_id, t.due_on",
            crate::obligations::TASK_SELECT
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(until).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Active accounts of an agency with an e-mail address.
    pub async fn recipients(&self, scope: &AgencyScope) -> Result<Vec<Recipient>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id AS user_id, display_name, email, role FROM app_user
             WHERE agency_id = $1 AND disabled_at IS NULL AND email IS NOT NULL AND email <> ''
             ORDER BY username")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }
}
