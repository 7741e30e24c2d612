//! Accounts. Disabling and re-roling take effect on the next request, because every request
//! reads the account's current state with its session (seed 玖.二.(二).3: 立即停用).

use crate::audit::{Change, append};
use crate::db::{Tx, on_db, on_tx};
use crate::outbox::NewMail;
use crate::{Actor, Reach, Result, Store, StoreError};
use anwei_domain::password::{LockoutRules, LoginThrottle};
use anwei_domain::user::{Role, Username};
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UserRow {
    pub id: Uuid,
    pub agency_id: Option<Uuid>,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub agency_path: Option<String>,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    #[serde(with = "time::serde::rfc3339")]
    pub password_changed_at: OffsetDateTime,
    pub must_change_password: bool,
    pub failed_count: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    pub totp_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl UserRow {
    pub fn role(&self) -> Option<Role> {
        Role::from_stored(&self.role)
    }
}

const USER_SELECT: &str = "SELECT u.id, u.agency_id, a.code AS agency_code, a.name AS agency_name, a.path AS agency_path,
        u.username, u.display_name, u.email, u.role, u.password_changed_at, u.must_change_password, u.failed_count,
        u.locked_until, u.disabled_at, (u.totp_secret IS NOT NULL) AS totp_enabled, u.created_at
     FROM app_user u LEFT JOIN agency a ON a.id = u.agency_id";

/// What sign-in needs to know about an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    pub id: Uuid,
    pub agency_id: Option<Uuid>,
    pub username: String,
    pub email: Option<String>,
    pub role: String,
    pub password_hash: String,
    pub password_changed_at: OffsetDateTime,
    pub must_change_password: bool,
    pub failed_count: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub disabled_at: Option<OffsetDateTime>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

impl LoginRow {
    pub fn throttle(&self) -> LoginThrottle {
        LoginThrottle {
            failed_count: self.failed_count,
            locked_until: self.locked_until,
        }
    }
}

/// A reset link to send: the digest of its secret, and the mail that carries the secret.
pub struct PasswordResetMail<'a> {
    pub digest: &'a str,
    pub expires_at: OffsetDateTime,
    pub to_addr: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

pub struct NewUser<'a> {
    /// None only for administrators.
    pub agency_id: Option<Uuid>,
    pub username: &'a Username,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub password_hash: &'a str,
    /// True when someone other than the account's owner chose the password.
    pub must_change_password: bool,
}

fn reach_clause(reach: &Reach) -> (bool, Option<String>) {
    (matches!(reach, Reach::All), reach.path_pattern())
}

async fn push_history(tx: &mut Tx, user_id: Uuid, hash: &str, now: OffsetDateTime) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO password_history (id, user_id, password_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(Uuid::now_v7()).bind(user_id).bind(hash).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub(crate) async fn delete_sessions_of(
    tx: &mut Tx,
    user_id: Uuid,
    except_digest: Option<&str>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM session WHERE user_id = $1 AND ($2 IS NULL OR id_digest <> $2)")
        .bind(user_id).bind(except_digest).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Store {
    pub async fn create_user(
        &self,
        actor: &Actor,
        new: NewUser<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO app_user (id, agency_id, username, display_name, email, role, password_hash, password_changed_at,
                                   must_change_password, failed_count, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $8, $8)")
            .bind(id).bind(new.agency_id).bind(new.username.as_str()).bind(new.display_name).bind(new.email)
            .bind(new.role.as_str()).bind(new.password_hash).bind(now).bind(new.must_change_password)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "username"))?;
        push_history(&mut tx, id, new.password_hash, now).await?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: new.agency_id,
                action: if new.role.is_admin() {
                    "admin.create"
                } else {
                    "user.create"
                },
                target: format!("user:{id}"),
                before: None,
                after: Some(json!({
                    "username": new.username.as_str(),
                    "display_name": new.display_name,
                    "email": new.email,
                    "role": new.role.as_str(),
                })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Accounts of one agency, if the agency is within the actor's reach.
    pub async fn users_of_agency(&self, actor: &Actor, agency_id: Uuid) -> Result<Vec<UserRow>> {
        let (_, pattern) = reach_clause(&actor.reach);
        let sql = format!(
            "{USER_SELECT} WHERE u.agency_id = $1 AND ($2 IS NULL OR a.path LIKE $2) ORDER BY u.role, u.username"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(&pattern).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One page of an agency's accounts (as [`Store::users_of_agency`] orders them), and how many
    /// there are.
    pub async fn users_page(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<UserRow>, i64)> {
        let (_, pattern) = reach_clause(&actor.reach);
        let sql = format!(
            "{USER_SELECT} WHERE u.agency_id = $1 AND ($2 IS NULL OR a.path LIKE $2) ORDER BY u.role, u.username
             LIMIT $3 OFFSET $4"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(&pattern).bind(per_page).bind((page - 1).max(0) * per_page)
            .fetch_all(p).await)?;
        let (total,): (i64,) = on_db!(&self.db, p => sqlx::query_as(
            "SELECT COUNT(*) FROM app_user u JOIN agency a ON a.id = u.agency_id
             WHERE u.agency_id = $1 AND ($2 IS NULL OR a.path LIKE $2)")
            .bind(agency_id).bind(&pattern).fetch_one(p).await)?;
        Ok((rows, total))
    }

    /// Administrator accounts; only for actors who reach everything.
    pub async fn admins(&self, actor: &Actor) -> Result<Vec<UserRow>> {
        if !matches!(actor.reach, Reach::All) {
            return Ok(Vec::new());
        }
        let sql = format!("{USER_SELECT} WHERE u.agency_id IS NULL ORDER BY u.username");
        let rows =
            on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One account, if within the actor's reach (administrators' accounts only for those who
    /// reach everything).
    pub async fn user_by_id(&self, actor: &Actor, id: Uuid) -> Result<Option<UserRow>> {
        let (all, pattern) = reach_clause(&actor.reach);
        let sql = format!(
            "{USER_SELECT} WHERE u.id = $1 AND (($2 AND u.agency_id IS NULL) OR (u.agency_id IS NOT NULL AND ($3 IS NULL OR a.path LIKE $3)))"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(all).bind(&pattern).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn user_by_username(
        &self,
        actor: &Actor,
        username: &Username,
    ) -> Result<Option<UserRow>> {
        let (all, pattern) = reach_clause(&actor.reach);
        let sql = format!(
            "{USER_SELECT} WHERE u.username = $1 AND (($2 AND u.agency_id IS NULL) OR (u.agency_id IS NOT NULL AND ($3 IS NULL OR a.path LIKE $3)))"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username.as_str()).bind(all).bind(&pattern).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Number of enabled accounts per agency within the actor's reach.
    pub async fn user_counts(&self, actor: &Actor) -> Result<Vec<(Uuid, i64)>> {
        let (_, pattern) = reach_clause(&actor.reach);
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.agency_id, COUNT(*) FROM app_user u JOIN agency a ON a.id = u.agency_id
             WHERE u.disabled_at IS NULL AND ($1 IS NULL OR a.path LIKE $1) GROUP BY u.agency_id")
            .bind(&pattern).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn set_user_role(
        &self,
        actor: &Actor,
        user: &UserRow,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET role = $2, updated_at = $3 WHERE id = $1")
            .bind(user.id).bind(role.as_str()).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: user.agency_id,
                action: "user.role_change",
                target: format!("user:{}", user.id),
                before: Some(json!({ "role": user.role })),
                after: Some(json!({ "role": role.as_str() })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Disabling ends every session of the account at once.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user: &UserRow,
        disabled: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let at = disabled.then_some(now);
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET disabled_at = $2, updated_at = $3 WHERE id = $1")
            .bind(user.id).bind(at).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if disabled {
            delete_sessions_of(&mut tx, user.id, None).await?;
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: user.agency_id,
                action: if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                target: format!("user:{}", user.id),
                before: Some(json!({ "disabled": user.disabled_at.is_some() })),
                after: Some(json!({ "disabled": disabled })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Lifts a sign-in lock before it runs out.
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        user: &UserRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET failed_count = 0, locked_until = NULL, updated_at = $2 WHERE id = $1")
            .bind(user.id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: user.agency_id,
                action: "user.unlock",
                target: format!("user:{}", user.id),
                before: Some(
                    json!({ "locked_until": user.locked_until.map(|t| t.unix_timestamp()) }),
                ),
                after: Some(json!({ "locked_until": null })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Starts a password reset: a one-time link, stored as the digest of its secret, mailed to
    /// the person (a confidential message: the outbox page never shows it). Whoever asked for
    /// it never learns the link, so nobody sets another person's password (seed 玖.二.(三)).
    /// The current password keeps working until the person uses the link.
    pub async fn request_password_reset(
        &self,
        actor: &Actor,
        user: &UserRow,
        reset: PasswordResetMail<'_>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO password_reset (digest, user_id, requested_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(reset.digest).bind(user.id).bind(actor.user_id).bind(now).bind(reset.expires_at)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO outbox (id, agency_id, dedupe_key, to_addr, subject, body, status, attempts, next_attempt_at, created_at, confidential)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, TRUE)")
            .bind(Uuid::now_v7()).bind(user.agency_id).bind(format!("reset:{}", reset.digest)).bind(reset.to_addr)
            .bind(reset.subject).bind(reset.body).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: user.agency_id,
                action: "user.password_reset_requested",
                target: format!("user:{}", user.id),
                before: None,
                after: Some(json!({ "sent_to": reset.to_addr, "expires_at": crate::rfc3339(reset.expires_at) })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The account a reset link may still be used for: not used, not expired, not disabled.
    pub async fn password_reset_target(
        &self,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<Option<LoginRow>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.id, u.agency_id, u.username, u.email, u.role, u.password_hash, u.password_changed_at, u.must_change_password,
                    u.failed_count, u.locked_until, u.disabled_at, u.totp_secret, u.totp_last_step
             FROM password_reset r JOIN app_user u ON u.id = r.user_id
             WHERE r.digest = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL")
            .bind(digest).bind(now).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The person completes a reset with the password they chose: the link is spent (in the same
    /// statement that checks it, so it works once even when sent twice at once), any lock is
    /// lifted, every session of the account ends, and every other open link dies. False when
    /// the link was no longer valid; nothing is written then.
    pub async fn complete_password_reset(
        &self,
        digest: &str,
        hash: &str,
        client_addr: Option<String>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let spent: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "UPDATE password_reset SET used_at = $2 WHERE digest = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING user_id")
            .bind(digest).bind(now).fetch_optional(&mut **c).await)?;
        let Some((user_id,)) = spent else {
            return Ok(false);
        };
        let user: Option<(Option<Uuid>, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "UPDATE app_user SET password_hash = $2, password_changed_at = $3, must_change_password = FALSE,
                                 failed_count = 0, locked_until = NULL, updated_at = $3
             WHERE id = $1 AND disabled_at IS NULL RETURNING agency_id, username")
            .bind(user_id).bind(hash).bind(now).fetch_optional(&mut **c).await)?;
        let Some((agency_id, username)) = user else {
            return Ok(false);
        };
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE password_reset SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        push_history(&mut tx, user_id, hash, now).await?;
        delete_sessions_of(&mut tx, user_id, None).await?;
        let actor = Actor {
            user_id: Some(user_id),
            label: username,
            agency_id,
            reach: Reach::Subtree(anwei_domain::agency::AgencyPath::from_stored(
                "/nothing/".into(),
            )),
            client_addr,
        };
        append(
            &mut tx,
            &actor,
            Change {
                agency_id,
                action: "auth.password_reset",
                target: format!("user:{user_id}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The newest `n` password hashes of an account, the current one first.
    pub async fn recent_password_hashes(&self, user_id: Uuid, n: usize) -> Result<Vec<String>> {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let rows: Vec<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
            .bind(user_id).bind(limit).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    /// The account owner's own change; other sessions of the account end, the current one stays.
    /// A person changes their own password: the history rule's record, the person's other
    /// sessions ended, the kept session opened if it was waiting for this, one audit event.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        user_id: Uuid,
        agency_id: Option<Uuid>,
        hash: &str,
        keep_session: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE app_user SET password_hash = $2, password_changed_at = $3, must_change_password = FALSE, updated_at = $3
             WHERE id = $1")
            .bind(user_id).bind(hash).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        push_history(&mut tx, user_id, hash, now).await?;
        delete_sessions_of(&mut tx, user_id, Some(keep_session)).await?;
        // the session kept was waiting for this change (an expired or first password): it opens
        // fully in the same transaction; one at another stage (the second factor) stays there
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE session SET stage = 'full' WHERE id_digest = $1 AND stage = 'password_change'")
            .bind(keep_session).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id,
                action: "auth.password_change",
                target: format!("user:{user_id}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Sign-in: the account for a username, whatever its state.
    pub async fn login_candidate(&self, username: &str) -> Result<Option<LoginRow>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, username, email, role, password_hash, password_changed_at, must_change_password,
                    failed_count, locked_until, disabled_at, totp_secret, totp_last_step
             FROM app_user WHERE username = $1")
            .bind(username).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Sign-in: the account by id (the second-factor step).
    pub async fn login_row(&self, user_id: Uuid) -> Result<Option<LoginRow>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, username, email, role, password_hash, password_changed_at, must_change_password,
                    failed_count, locked_until, disabled_at, totp_secret, totp_last_step
             FROM app_user WHERE id = $1")
            .bind(user_id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// A failed password or second factor, counted by the database in one statement —
    /// `failed_count + 1`, and the lock set in the same statement when the count reaches the
    /// limit — so that parallel attempts cannot overwrite each other's count (附表十 識別與鑑別:
    /// 5 次登入失敗鎖定). A lock that has run out starts a fresh count. When this failure locked
    /// the account, returns the lock's end and queues `lock_mail` to the person, if given.
    pub async fn record_login_failure(
        &self,
        actor: &Actor,
        user: &LoginRow,
        rules: &LockoutRules,
        reason: &str,
        lock_mail: Option<NewMail>,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>> {
        let lock_until = now + Duration::minutes(rules.lock_minutes);
        let mut tx = self.begin().await?;
        let (count, locked_until): (i32, Option<OffsetDateTime>) = on_tx!(&mut tx, c => sqlx::query_as(
            "UPDATE app_user SET
                 failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1
                                     ELSE failed_count + 1 END,
                 locked_until = CASE
                     WHEN locked_until IS NOT NULL AND locked_until > $2 THEN locked_until
                     WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1
                                ELSE failed_count + 1 END) >= $3 THEN $4
                     ELSE NULL END
             WHERE id = $1 RETURNING failed_count, locked_until")
            .bind(user.id).bind(now).bind(rules.max_failures).bind(lock_until).fetch_one(&mut **c).await)?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: user.agency_id,
                action: "auth.login_failed",
                target: format!("user:{}", user.id),
                before: None,
                after: Some(json!({ "reason": reason, "failed_count": count })),
            },
            now,
        )
        .await?;
        // Exactly one failure reaches the limit: the count only grows while the lock lasts.
        let locked_now = count == rules.max_failures;
        if locked_now {
            append(
                &mut tx,
                actor,
                Change {
                    agency_id: user.agency_id,
                    action: "auth.account_locked",
                    target: format!("user:{}", user.id),
                    before: None,
                    after: Some(json!({ "locked_until": locked_until.map(crate::rfc3339) })),
                },
                now,
            )
            .await?;
            if let Some(m) = lock_mail {
                crate::outbox::enqueue_in(&mut tx, &m, now).await?;
            }
        }
        tx.commit().await?;
        Ok(locked_until.filter(|_| locked_now))
    }

    /// A refused attempt that changes nothing but must be on record (unknown user, disabled or
    /// locked account).
    pub async fn record_login_refused(
        &self,
        actor: &Actor,
        agency_id: Option<Uuid>,
        target: String,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id,
                action: "auth.login_refused",
                target,
                before: None,
                after: Some(json!({ "reason": reason })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}
