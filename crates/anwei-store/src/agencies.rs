//! Agencies and the systems their supervisors run for them (向上集中).

use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::obligations::record_level;
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::agency::{AgencyCode, AgencyKind, AgencyPath, ResponsibilityLevel};
use anwei_domain::roc::RocDate;
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AgencyRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub path: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: Option<String>,
    pub level_approved_on: Option<Date>,
    pub level_basis: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An agency the actor reaches, as the store found it by checking the actor's reach: the one
/// thing the reads of an agency's own records take. Only [`Store::agency_by_code`] and
/// [`Store::agency_by_id`] make one, so a caller that skipped the check has nothing to pass
/// — the isolation holds here even if a caller forgets to authorise. (Who may do what within
/// the agency is the caller's check: the store knows reach, not roles.)
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct AgencyScope(AgencyRow);

impl AgencyScope {
    pub fn row(&self) -> &AgencyRow {
        &self.0
    }

    pub fn into_row(self) -> AgencyRow {
        self.0
    }
}

impl std::ops::Deref for AgencyScope {
    type Target = AgencyRow;

    fn deref(&self) -> &AgencyRow {
        &self.0
    }
}

impl AgencyRow {
    pub fn agency_path(&self) -> AgencyPath {
        AgencyPath::from_stored(self.path.clone())
    }

    /// The responsibility level as recorded (None before one is approved).
    pub fn responsibility_level(&self) -> Option<ResponsibilityLevel> {
        self.level
            .as_deref()
            .and_then(|l| ResponsibilityLevel::parse(l).ok())
    }

    pub fn depth(&self) -> usize {
        self.agency_path().depth()
    }
}

/// The editable profile of an agency.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyProfile {
    pub name: String,
    pub kind: AgencyKind,
    pub level: Option<ResponsibilityLevel>,
    pub level_approved_on: Option<Date>,
    /// e.g. the letter number of the approval (教育部臺教資(四)字第1070202157號函)
    pub level_basis: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HostedSystemRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    pub hosted_by_agency_id: Uuid,
    pub hosted_by_name: String,
}

const AGENCY_COLUMNS: &str = "id, parent_id, path, code, name, kind, level, level_approved_on, level_basis, created_at, updated_at";

fn profile_json(p: &AgencyProfile) -> serde_json::Value {
    json!({
        "name": p.name,
        "kind": p.kind.as_str(),
        "level": p.level.map(|l| l.as_str()),
        "level_approved_on": p.level_approved_on.map(|d| d.to_string()),
        "level_basis": p.level_basis,
    })
}

fn row_profile_json(r: &AgencyRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "kind": r.kind,
        "level": r.level,
        "level_approved_on": r.level_approved_on.map(|d| d.to_string()),
        "level_basis": r.level_basis,
    })
}

impl Store {
    /// Creates an agency, under `parent` or as a root.
    pub async fn create_agency(
        &self,
        actor: &Actor,
        parent: Option<&AgencyRow>,
        code: &AgencyCode,
        profile: &AgencyProfile,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let mut tx = self.transaction().await?;
        let out = tx.create_agency(actor, parent, code, profile, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// An agency by code, if within the actor's reach.
    pub async fn agency_by_code(&self, actor: &Actor, code: &str) -> Result<Option<AgencyScope>> {
        let reach = actor.reach.path_pattern();
        let sql = format!(
            "SELECT {AGENCY_COLUMNS} FROM agency WHERE code = $1 AND ($2 IS NULL OR path LIKE $2)"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code).bind(&reach).fetch_optional(p).await)?;
        Ok(row.map(AgencyScope))
    }

    /// An agency by id, if within the actor's reach.
    pub async fn agency_by_id(&self, actor: &Actor, id: Uuid) -> Result<Option<AgencyScope>> {
        let reach = actor.reach.path_pattern();
        let sql = format!(
            "SELECT {AGENCY_COLUMNS} FROM agency WHERE id = $1 AND ($2 IS NULL OR path LIKE $2)"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(&reach).fetch_optional(p).await)?;
        Ok(row.map(AgencyScope))
    }

    /// Every agency within the actor's reach, in tree order.
    pub async fn agencies(&self, actor: &Actor) -> Result<Vec<AgencyRow>> {
        let reach = actor.reach.path_pattern();
        let sql = format!(
            "SELECT {AGENCY_COLUMNS} FROM agency WHERE ($1 IS NULL OR path LIKE $1) ORDER BY path"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&reach).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The agencies directly below `parent`.
    pub async fn subordinates(&self, actor: &Actor, parent: Uuid) -> Result<Vec<AgencyRow>> {
        let reach = actor.reach.path_pattern();
        let sql = format!(
            "SELECT {AGENCY_COLUMNS} FROM agency WHERE parent_id = $1 AND ($2 IS NULL OR path LIKE $2) ORDER BY name"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(parent).bind(&reach).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Every agency within the actor's reach, as scopes (for Anwei's own jobs, which read each
    /// agency's records in turn).
    pub async fn agency_scopes(&self, actor: &Actor) -> Result<Vec<AgencyScope>> {
        Ok(self
            .agencies(actor)
            .await?
            .into_iter()
            .map(AgencyScope)
            .collect())
    }

    /// The same, as scopes: each is within the actor's reach, so its records may be read.
    pub async fn subordinate_scopes(
        &self,
        actor: &Actor,
        parent: Uuid,
    ) -> Result<Vec<AgencyScope>> {
        Ok(self
            .subordinates(actor, parent)
            .await?
            .into_iter()
            .map(AgencyScope)
            .collect())
    }

    /// Updates the profile, with the previous values in the audit event.
    pub async fn update_agency(
        &self,
        actor: &Actor,
        current: &AgencyRow,
        profile: &AgencyProfile,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.update_agency(actor, current, profile, now).await?;
        tx.commit().await
    }

    pub async fn hosted_systems(&self, scope: &AgencyScope) -> Result<Vec<HostedSystemRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT h.id, h.agency_id, h.name, h.hosted_by_agency_id, a.name AS hosted_by_name
             FROM hosted_system h JOIN agency a ON a.id = h.hosted_by_agency_id
             WHERE h.agency_id = $1 ORDER BY h.created_at, h.name")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Records that `hosted_by` (the agency's supervisor) runs a system for the agency.
    pub async fn add_hosted_system(
        &self,
        actor: &Actor,
        agency: &AgencyRow,
        hosted_by: Uuid,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO hosted_system (id, agency_id, hosted_by_agency_id, name, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(agency.id).bind(hosted_by).bind(name).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "system_name"))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency.id),
                action: "agency.hosted_system_add",
                target: format!("hosted_system:{id}"),
                before: None,
                after: Some(json!({ "name": name, "hosted_by": hosted_by })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_hosted_system(
        &self,
        actor: &Actor,
        agency: &AgencyRow,
        system_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let existing: Option<(String,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT name FROM hosted_system WHERE id = $1 AND agency_id = $2")
            .bind(system_id).bind(agency.id).fetch_optional(&mut **c).await)?;
        let Some((name,)) = existing else {
            return Err(StoreError::NotFound);
        };
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM hosted_system WHERE id = $1")
            .bind(system_id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency.id),
                action: "agency.hosted_system_remove",
                target: format!("hosted_system:{system_id}"),
                before: Some(json!({ "name": name })),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

/// A proposed change of an agency's responsibility level, and what its supervisor decided.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LevelProposalRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub level: String,
    pub reason: String,
    pub proposed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub proposed_at: OffsetDateTime,
    /// approved or rejected; None while pending
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub letter_no: Option<String>,
    pub letter_date: Option<Date>,
    pub decision_note: Option<String>,
}

/// The supervisor's decision on a proposal.
pub enum LevelDecision<'a> {
    /// Approved by the letter of this number and date (分級辦法: 核定).
    Approve {
        letter_no: &'a str,
        letter_date: Date,
    },
    Reject {
        note: &'a str,
    },
}

impl Store {
    /// The school's proposal: recorded and audited; the level itself does not change.
    pub async fn propose_level(
        &self,
        actor: &Actor,
        agency: &AgencyRow,
        level: ResponsibilityLevel,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO level_proposal (id, agency_id, level, reason, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(agency.id).bind(level.as_str()).bind(reason).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency.id),
                action: "agency.level_proposed",
                target: format!("level_proposal:{id}"),
                before: Some(json!({ "level": agency.level })),
                after: Some(json!({ "level": level.as_str(), "reason": reason })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An agency's proposals, newest first.
    pub async fn level_proposals(&self, scope: &AgencyScope) -> Result<Vec<LevelProposalRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, level, reason, proposed_by, proposed_at, decision, decided_by, decided_at,
                    letter_no, letter_date, decision_note
             FROM level_proposal WHERE agency_id = $1 ORDER BY proposed_at DESC, id DESC")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl crate::Transaction {
    /// Updates the profile, with the previous values in the audit event.
    pub async fn update_agency(
        &mut self,
        actor: &Actor,
        current: &AgencyRow,
        profile: &AgencyProfile,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let n = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE agency SET name = $2, kind = $3, level = $4, level_approved_on = $5, level_basis = $6, updated_at = $7
             WHERE id = $1")
            .bind(current.id).bind(&profile.name).bind(profile.kind.as_str()).bind(profile.level.map(|l| l.as_str()))
            .bind(profile.level_approved_on).bind(&profile.level_basis).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // 分級辦法 §3: a new level, or a re-approval of the same one, takes effect on its approval
        // date (today when none is given); the agency's duties are recomputed from it.
        let new_level = profile.level.map(|l| l.as_str().to_string());
        if new_level != current.level || profile.level_approved_on != current.level_approved_on {
            let effective_on = match profile.level_approved_on {
                Some(d) if profile.level_approved_on != current.level_approved_on => d,
                _ => RocDate::of_instant(now).date(),
            };
            record_level(
                &mut *tx,
                actor,
                current.id,
                profile.level,
                effective_on,
                profile.level_basis.as_deref(),
                now,
            )
            .await?;
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(current.id),
                action: "agency.update",
                target: format!("agency:{}", current.id),
                before: Some(row_profile_json(current)),
                after: Some(profile_json(profile)),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Decides a pending proposal. An approval sets the level, effective on the letter's date,
    /// with the letter as its basis, in the same transaction as the decision and its audit
    /// events; a decided proposal cannot be decided again.
    pub async fn decide_level_proposal(
        &mut self,
        actor: &Actor,
        agency: &AgencyRow,
        proposal_id: Uuid,
        decision: LevelDecision<'_>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let (verdict, letter_no, letter_date, note) = match &decision {
            LevelDecision::Approve {
                letter_no,
                letter_date,
            } => ("approved", Some(*letter_no), Some(*letter_date), None),
            LevelDecision::Reject { note } => ("rejected", None, None, Some(*note)),
        };
        let decided: Option<(String,)> = on_tx!(&mut *tx, c => sqlx::query_as(
            "UPDATE level_proposal SET decision = $3, decided_by = $4, decided_at = $5, letter_no = $6,
                                       letter_date = $7, decision_note = $8
             WHERE id = $1 AND agency_id = $2 AND decision IS NULL RETURNING level")
            .bind(proposal_id).bind(agency.id).bind(verdict).bind(&actor.label).bind(now)
            .bind(letter_no).bind(letter_date).bind(note).fetch_optional(&mut **c).await)?;
        let Some((level,)) = decided else {
            return Err(StoreError::WrongState("err-proposal-decided"));
        };
        if let (Some(no), Some(date)) = (letter_no, letter_date) {
            let level =
                ResponsibilityLevel::parse(&level).map_err(anwei_domain::DomainError::from)?;
            let basis = format!("核定文號 {no}");
            on_tx!(&mut *tx, c => sqlx::query(
                "UPDATE agency SET level = $2, level_approved_on = $3, level_basis = $4, updated_at = $5 WHERE id = $1")
                .bind(agency.id).bind(level.as_str()).bind(date).bind(&basis).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            record_level(
                &mut *tx,
                actor,
                agency.id,
                Some(level),
                date,
                Some(&basis),
                now,
            )
            .await?;
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(agency.id),
                action: "agency.level_decided",
                target: format!("level_proposal:{proposal_id}"),
                before: Some(json!({ "level": agency.level })),
                after: Some(json!({
                    "decision": verdict, "level": level, "letter_no": letter_no,
                    "letter_date": letter_date.map(|d| d.to_string()), "note": note,
                })),
            },
            now,
        )
        .await?;
        Ok(())
    }
}

impl crate::Transaction {
    /// Creates an agency, under `parent` or as a root.
    pub async fn create_agency(
        &mut self,
        actor: &Actor,
        parent: Option<&AgencyRow>,
        code: &AgencyCode,
        profile: &AgencyProfile,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let tx = &mut self.0;
        let id = Uuid::now_v7();
        let path = match parent {
            Some(p) => p.agency_path().child(id),
            None => AgencyPath::root(id),
        };
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO agency (id, parent_id, path, code, name, kind, level, level_approved_on, level_basis, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
            .bind(id).bind(parent.map(|p| p.id)).bind(path.as_str()).bind(code.as_str()).bind(&profile.name)
            .bind(profile.kind.as_str()).bind(profile.level.map(|l| l.as_str())).bind(profile.level_approved_on)
            .bind(&profile.level_basis).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "code"))?;
        let effective_on = profile
            .level_approved_on
            .unwrap_or_else(|| RocDate::of_instant(now).date());
        record_level(
            &mut *tx,
            actor,
            id,
            profile.level,
            effective_on,
            profile.level_basis.as_deref(),
            now,
        )
        .await?;
        let mut after = profile_json(profile);
        after["code"] = json!(code.as_str());
        after["parent"] = json!(parent.map(|p| p.code.clone()));
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(id),
                action: "agency.create",
                target: format!("agency:{id}"),
                before: None,
                after: Some(after),
            },
            now,
        )
        .await?;
        Ok(id)
    }
}
