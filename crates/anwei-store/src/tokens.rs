//! Personal API tokens for scripts: shown once, stored as a digest, listed, revocable, audited.

use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// The account behind a bearer token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenPrincipal {
    pub token_id: Uuid,
    pub last_used_at: Option<OffsetDateTime>,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub disabled_at: Option<OffsetDateTime>,
    pub password_changed_at: OffsetDateTime,
    pub totp_enabled: bool,
    pub agency_id: Option<Uuid>,
    pub agency_path: Option<String>,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
}

/// A token to store: only its digest and a short prefix, never the secret.
pub struct NewToken<'a> {
    pub user_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub name: &'a str,
    pub digest: &'a str,
    pub prefix: &'a str,
}

impl Store {
    pub async fn create_token(
        &self,
        actor: &Actor,
        t: NewToken<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let NewToken {
            user_id,
            agency_id,
            name,
            digest,
            prefix,
        } = t;
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO api_token (id, user_id, name, digest, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(user_id).bind(name).bind(digest).bind(prefix).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id,
                action: "token.create",
                target: format!("api_token:{id}"),
                before: None,
                after: Some(json!({ "name": name, "prefix": prefix, "user": user_id })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn tokens_of(&self, user_id: Uuid) -> Result<Vec<TokenRow>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_token WHERE user_id = $1
             ORDER BY created_at DESC")
            .bind(user_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        user_id: Uuid,
        agency_id: Option<Uuid>,
        token_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE api_token SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(token_id).bind(user_id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id,
                action: "token.revoke",
                target: format!("api_token:{token_id}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The account behind a live (not revoked) token digest.
    pub async fn token_principal(&self, digest: &str) -> Result<Option<TokenPrincipal>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT t.id AS token_id, t.last_used_at, u.id AS user_id, u.username, u.display_name, u.role, u.disabled_at,
                    u.password_changed_at, (u.totp_secret IS NOT NULL) AS totp_enabled,
                    u.agency_id, a.path AS agency_path, a.code AS agency_code, a.name AS agency_name
             FROM api_token t JOIN app_user u ON u.id = t.user_id LEFT JOIN agency a ON a.id = u.agency_id
             WHERE t.digest = $1 AND t.revoked_at IS NULL")
            .bind(digest).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn touch_token(&self, token_id: Uuid, now: OffsetDateTime) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE id = $1")
            .bind(token_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
