//! Server-side sessions. The cookie holds a random secret; the table holds its SHA-256. The idle
//! limit is enforced by reading `last_seen_at` on every request (a cookie's own expiry would be
//! up to the browser), and one indexed read returns the session with the account's current state.

use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a signed-in session stands. Only `Full` may use the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password expired or was set by someone else: it must be changed first.
    PasswordChange,
    /// A privileged account without a second factor yet: enrol one first.
    TotpEnrol,
    /// A privileged account: enter the current one-time code.
    TotpVerify,
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PasswordChange => "password_change",
            Stage::TotpEnrol => "totp_enrol",
            Stage::TotpVerify => "totp_verify",
            Stage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Stage::PasswordChange,
            Stage::TotpEnrol,
            Stage::TotpVerify,
            Stage::Full,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// A session with the account's and agency's current state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionView {
    pub id_digest: String,
    pub stage: String,
    pub csrf_token: String,
    pub pending_totp_secret: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub disabled_at: Option<OffsetDateTime>,
    pub password_changed_at: OffsetDateTime,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub agency_id: Option<Uuid>,
    pub agency_path: Option<String>,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
}

pub struct NewSession<'a> {
    pub digest: &'a str,
    pub user_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub stage: Stage,
    pub csrf_token: &'a str,
    pub client_addr: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

impl Store {
    /// A successful password check: clears the failure count, opens the session, records it.
    /// The lock is checked again in the statement that clears the count, after the password was
    /// verified, so that failures counted meanwhile by parallel attempts still lock the account:
    /// false (and nothing written) when the account is locked or disabled by now.
    pub async fn start_session(
        &self,
        actor: &Actor,
        s: NewSession<'_>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let cleared = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE app_user SET failed_count = 0, locked_until = NULL
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) AND disabled_at IS NULL")
            .bind(s.user_id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if cleared == 0 {
            return Ok(false);
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO session (id_digest, user_id, stage, csrf_token, created_at, last_seen_at, client_addr, user_agent)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7)")
            .bind(s.digest).bind(s.user_id).bind(s.stage.as_str()).bind(s.csrf_token).bind(now)
            .bind(s.client_addr).bind(s.user_agent).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: s.agency_id,
                action: "auth.login",
                target: format!("user:{}", s.user_id),
                before: None,
                after: Some(json!({ "stage": s.stage.as_str() })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn session(&self, digest: &str) -> Result<Option<SessionView>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT s.id_digest, s.stage, s.csrf_token, s.pending_totp_secret, s.created_at, s.last_seen_at,
                    u.id AS user_id, u.username, u.display_name, u.role, u.disabled_at, u.password_changed_at, u.totp_secret, u.totp_last_step,
                    u.agency_id, a.path AS agency_path, a.code AS agency_code, a.name AS agency_name
             FROM session s JOIN app_user u ON u.id = s.user_id LEFT JOIN agency a ON a.id = u.agency_id
             WHERE s.id_digest = $1")
            .bind(digest).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn touch_session(&self, digest: &str, now: OffsetDateTime) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE session SET last_seen_at = $2 WHERE id_digest = $1")
            .bind(digest).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends a session and records why (`auth.logout`, `auth.idle_timeout`, `auth.session_expired`).
    pub async fn end_session(
        &self,
        actor: &Actor,
        session: &SessionView,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM session WHERE id_digest = $1")
            .bind(&session.id_digest).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: session.agency_id,
                action,
                target: format!("user:{}", session.user_id),
                before: None,
                after: Some(json!({ "last_seen_at": session.last_seen_at.unix_timestamp() })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Moves a session to its next stage; `pending_totp_secret` holds a secret being enrolled.
    pub async fn set_session_stage(
        &self,
        digest: &str,
        stage: Stage,
        pending_totp_secret: Option<&str>,
    ) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE session SET stage = $2, pending_totp_secret = $3 WHERE id_digest = $1")
            .bind(digest).bind(stage.as_str()).bind(pending_totp_secret).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Completes the second factor: enrols the secret when `enrol` is given, records the step
    /// used (so the code cannot be replayed) and moves the session to `next` (fully open, or on
    /// to an expired password's change) in the same transaction.
    pub async fn complete_totp(
        &self,
        actor: &Actor,
        session: &SessionView,
        enrol: Option<&str>,
        step: i64,
        next: Stage,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        // As at the password step: the lock is checked again where the count is cleared.
        let cleared = match enrol {
            Some(secret) => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE app_user SET totp_secret = $2, totp_last_step = $3, failed_count = 0, locked_until = NULL, updated_at = $4
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $4) AND disabled_at IS NULL")
                .bind(session.user_id).bind(secret).bind(step).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?,
            None => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE app_user SET totp_last_step = $2, failed_count = 0, locked_until = NULL
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $3) AND disabled_at IS NULL")
                .bind(session.user_id).bind(step).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?,
        };
        if cleared == 0 {
            return Ok(false);
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE session SET stage = $2, pending_totp_secret = NULL WHERE id_digest = $1")
            .bind(&session.id_digest).bind(next.as_str()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: session.agency_id,
                action: if enrol.is_some() {
                    "auth.totp_enrol"
                } else {
                    "auth.totp_verify"
                },
                target: format!("user:{}", session.user_id),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes sessions idle or older than the limits (a backstop: each request checks its own).
    pub async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64> {
        let n = on_db!(&self.db, p => sqlx::query("DELETE FROM session WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before).bind(created_before).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
