//! Plan versions. The state machine is enforced here, in the statements themselves: a draft is
//! changed only `WHERE status = 'draft'`, so a version that was submitted or published cannot be
//! edited whatever the caller does, and a published version is never updated again.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::plan::PlanContent;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PlanVersionRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub number: Option<i32>,
    /// draft, submitted, approved or published
    pub status: String,
    #[serde(skip)]
    pub content: String,
    pub based_on: Option<Uuid>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub submitted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub approved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// The cover as published (agency, level, edition), JSON; None for drafts and for versions
    /// published before it was kept.
    #[serde(skip)]
    pub frozen_cover: Option<String>,
}

impl PlanVersionRow {
    pub fn content(&self) -> Result<PlanContent> {
        serde_json::from_str(&self.content)
            .map_err(|e| StoreError::Migration(format!("plan version {}: {e}", self.id)))
    }

    pub fn is_published(&self) -> bool {
        self.status == "published"
    }
}

/// A document generated at publication.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PlanFileRow {
    pub format: String,
    pub sha256: String,
    pub size_bytes: i64,
}

const SELECT: &str = "SELECT id, agency_id, number, status, content, based_on, created_by, created_at,
    updated_at, submitted_by, submitted_at, approved_by, approved_at, published_at, frozen_cover FROM plan_version";

/// A step of the approval: which states it starts from, where it goes, what it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStep {
    /// 承辦人 → 資通安全長
    Submit,
    /// back to the 承辦人 for changes
    Return,
    /// 資通安全長 核定
    Approve,
}

impl PlanStep {
    fn states(self) -> (&'static [&'static str], &'static str) {
        match self {
            PlanStep::Submit => (&["draft"], "submitted"),
            PlanStep::Return => (&["submitted", "approved"], "draft"),
            PlanStep::Approve => (&["submitted"], "approved"),
        }
    }

    fn action(self) -> &'static str {
        match self {
            PlanStep::Submit => "plan.submit",
            PlanStep::Return => "plan.return",
            PlanStep::Approve => "plan.approve",
        }
    }
}

impl Store {
    pub async fn plan_versions(&self, scope: &AgencyScope) -> Result<Vec<PlanVersionRow>> {
        let agency_id = scope.id;
        let sql = format!("{SELECT} WHERE agency_id = $1 ORDER BY created_at DESC");
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn plan_version(
        &self,
        scope: &AgencyScope,
        id: Uuid,
    ) -> Result<Option<PlanVersionRow>> {
        let agency_id = scope.id;
        let sql = format!("{SELECT} WHERE agency_id = $1 AND id = $2");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The version not yet published (draft, submitted or approved), if any.
    pub async fn open_plan(&self, scope: &AgencyScope) -> Result<Option<PlanVersionRow>> {
        let agency_id = scope.id;
        let sql = format!("{SELECT} WHERE agency_id = $1 AND status <> 'published'");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// A published version by number, or the latest one.
    pub async fn published_plan(
        &self,
        scope: &AgencyScope,
        number: Option<i32>,
    ) -> Result<Option<PlanVersionRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "{SELECT} WHERE agency_id = $1 AND status = 'published' AND ($2 IS NULL OR number = $2)
             ORDER BY number DESC LIMIT 1"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(number).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Opens a new draft (from a template, or a copy of the latest published version). Refused
    /// while another version is open.
    pub async fn create_plan_draft(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        content: &PlanContent,
        based_on: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let json =
            serde_json::to_string(content).map_err(|e| StoreError::Migration(e.to_string()))?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO plan_version (id, agency_id, status, content, based_on, created_by, created_at, updated_at)
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $6)")
            .bind(id).bind(agency_id).bind(&json).bind(based_on).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| match StoreError::unique(e, "plan") {
                StoreError::Conflict { .. } => StoreError::WrongState("err-plan-open-exists"),
                other => other,
            })?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "plan.draft",
                target: format!("plan_version:{id}"),
                before: None,
                after: Some(json!({ "template": content.template, "based_on": based_on })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves a draft's content; `what` names the change for the audit event (the section and
    /// its text before and after). Refused unless the version is a draft.
    pub async fn save_plan_draft(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        id: Uuid,
        content: &PlanContent,
        (target, before, after): (&str, Value, Value),
        now: OffsetDateTime,
    ) -> Result<()> {
        let json =
            serde_json::to_string(content).map_err(|e| StoreError::Migration(e.to_string()))?;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE plan_version SET content = $1, updated_at = $2
             WHERE id = $3 AND agency_id = $4 AND status = 'draft'")
            .bind(&json).bind(now).bind(id).bind(agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-plan-not-draft"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "plan.edit",
                target: format!("plan_version:{id}#{target}"),
                before: Some(before),
                after: Some(after),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Moves a version one step of its approval.
    pub async fn plan_step(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        id: Uuid,
        step: PlanStep,
        now: OffsetDateTime,
    ) -> Result<()> {
        let (from, to) = step.states();
        let mut tx = self.begin().await?;
        let n = match step {
            PlanStep::Submit => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE plan_version SET status = 'submitted', submitted_by = $1, submitted_at = $2, updated_at = $2
                 WHERE id = $3 AND agency_id = $4 AND status = 'draft'")
                .bind(&actor.label).bind(now).bind(id).bind(agency_id)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?,
            PlanStep::Approve => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE plan_version SET status = 'approved', approved_by = $1, approved_at = $2, updated_at = $2
                 WHERE id = $3 AND agency_id = $4 AND status = 'submitted'")
                .bind(&actor.label).bind(now).bind(id).bind(agency_id)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?,
            PlanStep::Return => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE plan_version SET status = 'draft', submitted_by = NULL, submitted_at = NULL,
                        approved_by = NULL, approved_at = NULL, updated_at = $1
                 WHERE id = $2 AND agency_id = $3 AND status IN ('submitted', 'approved')")
                .bind(now).bind(id).bind(agency_id)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?,
        };
        if n != 1 {
            return Err(StoreError::WrongState("err-plan-step"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: step.action(),
                target: format!("plan_version:{id}"),
                before: Some(json!({ "status": from })),
                after: Some(json!({ "status": to })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Publishes an approved version: gives it the next number, freezes it, and records the
    /// digests of its generated documents (already written to the file store by the caller).
    pub async fn publish_plan(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        id: Uuid,
        files: &[PlanFileRow],
        frozen_cover: &str,
        now: OffsetDateTime,
    ) -> Result<i32> {
        let mut tx = self.begin().await?;
        let (last,): (Option<i32>,) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT MAX(number) FROM plan_version WHERE agency_id = $1")
            .bind(agency_id).fetch_one(&mut **c).await)?;
        let number = last.unwrap_or(0) + 1;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE plan_version SET status = 'published', number = $1, published_at = $2, updated_at = $2,
                                     frozen_cover = $5
             WHERE id = $3 AND agency_id = $4 AND status = 'approved'")
            .bind(number).bind(now).bind(id).bind(agency_id).bind(frozen_cover)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-plan-step"));
        }
        for f in files {
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO plan_file (plan_version_id, format, sha256, size_bytes) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(&f.format).bind(&f.sha256).bind(f.size_bytes)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "plan.publish",
                target: format!("plan_version:{id}"),
                before: Some(json!({ "status": "approved" })),
                after: Some(json!({ "status": "published", "number": number,
                    "files": files.iter().map(|f| json!({ "format": f.format, "sha256": f.sha256 })).collect::<Vec<_>>() })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    pub async fn plan_files(&self, version_id: Uuid) -> Result<Vec<PlanFileRow>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT format, sha256, size_bytes FROM plan_file WHERE plan_version_id = $1 ORDER BY format")
            .bind(version_id).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl Store {
    /// Names of the agency's people who had left by `on` (a leaving date in the training
    /// register) or whose accounts are disabled: a plan must not still name them.
    pub async fn departed_names(&self, scope: &AgencyScope, on: time::Date) -> Result<Vec<String>> {
        let agency_id = scope.id;
        let rows: Vec<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT name FROM person WHERE agency_id = $1 AND left_on IS NOT NULL AND left_on <= $2
             UNION SELECT display_name FROM app_user WHERE agency_id = $1 AND disabled_at IS NOT NULL")
            .bind(agency_id).bind(on).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }
}
