//! Calendar subscriptions: a secret URL per person (only its digest is stored), revocable.
//! Creating a new one revokes the old, so a leaked URL is dealt with by one click.

use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedOwner {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub agency_id: Option<Uuid>,
    pub agency_name: Option<String>,
}

impl Store {
    /// When the person's current feed was created, if they have one.
    pub async fn calendar_feed_since(&self, user_id: Uuid) -> Result<Option<OffsetDateTime>> {
        let row: Option<(OffsetDateTime,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT created_at FROM calendar_feed WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
            .bind(user_id).fetch_optional(p).await)?;
        Ok(row.map(|(t,)| t))
    }

    /// Replaces the person's feed with a new one whose secret has `digest`.
    pub async fn create_calendar_feed(
        &self,
        actor: &Actor,
        user_id: Uuid,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE calendar_feed SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO calendar_feed (id, user_id, digest, created_at) VALUES ($1, $2, $3, $4)")
            .bind(Uuid::now_v7()).bind(user_id).bind(digest).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: actor.agency_id,
                action: "calendar.create",
                target: format!("user:{user_id}"),
                before: None,
                after: Some(json!({})),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    pub async fn revoke_calendar_feed(
        &self,
        actor: &Actor,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE calendar_feed SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            append(
                &mut tx,
                actor,
                Change {
                    agency_id: actor.agency_id,
                    action: "calendar.revoke",
                    target: format!("user:{user_id}"),
                    before: None,
                    after: None,
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Whose feed a secret's digest opens: only a live feed of an enabled account.
    pub async fn calendar_feed_owner(&self, digest: &str) -> Result<Option<FeedOwner>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.id AS user_id, u.display_name, u.role, u.agency_id, a.name AS agency_name
             FROM calendar_feed f JOIN app_user u ON u.id = f.user_id LEFT JOIN agency a ON a.id = u.agency_id
             WHERE f.digest = $1 AND f.revoked_at IS NULL AND u.disabled_at IS NULL")
            .bind(digest).fetch_optional(p).await)?;
        Ok(row)
    }
}
