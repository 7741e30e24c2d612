//! The risk register. An assessment is open until it is completed (or recorded exempt, which
//! completes it at once); only an open assessment takes new risks, edits and approvals. Every
//! write carries its audit event in the same transaction.

use crate::agencies::AgencyScope;
use crate::assets::AssetRow;
use crate::audit::{Change, append};
use crate::db::{Tx, on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::risk::{RiskInput, RiskState, Scales, Treatment};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RiskAssessmentRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub year: i32,
    pub method: String,
    pub likelihood_levels: i32,
    pub impact_levels: i32,
    pub threshold: i32,
    pub exempt_reason: String,
    pub opened_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub completed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    pub snapshot_sha256: Option<String>,
}

impl RiskAssessmentRow {
    pub fn scales(&self) -> Scales {
        // stored only through Scales::new, so within range
        Scales {
            likelihood_levels: self.likelihood_levels as u8,
            impact_levels: self.impact_levels as u8,
            threshold: self.threshold as u16,
        }
    }

    pub fn is_open(&self) -> bool {
        self.completed_at.is_none()
    }

    pub fn is_exempt(&self) -> bool {
        self.method == "exempt"
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RiskRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub agency_id: Uuid,
    pub seq: i32,
    pub asset_id: Option<Uuid>,
    pub asset_name: String,
    pub asset_value: Option<i32>,
    pub threat: String,
    pub vulnerability: String,
    pub existing_controls: String,
    pub likelihood: i32,
    pub impact: i32,
    pub treatment: Option<String>,
    pub treatment_plan: String,
    pub owner: String,
    pub due_on: Option<Date>,
    pub approved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    pub approved_until: Option<Date>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl RiskRow {
    pub fn treatment(&self) -> Option<Treatment> {
        self.treatment
            .as_deref()
            .and_then(|t| Treatment::parse("treatment", t).ok().flatten())
    }

    pub fn score(&self, scales: &Scales) -> u16 {
        scales.score(self.likelihood as u8, self.impact as u8)
    }

    pub fn state(&self, scales: &Scales, today: Date) -> RiskState {
        RiskState::of(
            scales,
            self.score(scales),
            self.treatment(),
            self.approved_until,
            today,
        )
    }

    fn audit(&self) -> serde_json::Value {
        json!({
            "seq": self.seq, "asset": self.asset_name, "threat": self.threat,
            "vulnerability": self.vulnerability, "likelihood": self.likelihood, "impact": self.impact,
            "treatment": self.treatment, "owner": self.owner, "due_on": self.due_on.map(|d| d.to_string()),
            "approved_until": self.approved_until.map(|d| d.to_string()),
        })
    }
}

fn input_audit(asset: &AssetRow, r: &RiskInput) -> serde_json::Value {
    json!({
        "asset": asset.name, "threat": r.threat, "vulnerability": r.vulnerability,
        "likelihood": r.likelihood, "impact": r.impact,
        "treatment": r.treatment.map(Treatment::as_str), "owner": r.owner,
        "due_on": r.due_on.map(|d| d.to_string()),
    })
}

const ASSESSMENT_COLUMNS: &str =
    "id, agency_id, year, method, likelihood_levels, impact_levels, threshold,
    exempt_reason, opened_by, opened_at, completed_by, completed_at, snapshot_sha256";
const RISK_COLUMNS: &str =
    "id, assessment_id, agency_id, seq, asset_id, asset_name, asset_value, threat,
    vulnerability, existing_controls, likelihood, impact, treatment, treatment_plan, owner, due_on,
    approved_by, approved_at, approved_until, created_by, created_at, updated_at";

impl Store {
    pub async fn risk_assessment(
        &self,
        scope: &AgencyScope,
        year: i32,
    ) -> Result<Option<RiskAssessmentRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM risk_assessment WHERE agency_id = $1 AND year = $2"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(agency_id).bind(year).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Every year's assessment of an agency, the latest first.
    pub async fn risk_assessments(&self, scope: &AgencyScope) -> Result<Vec<RiskAssessmentRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM risk_assessment WHERE agency_id = $1 ORDER BY year DESC"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Opens the year's assessment by the detailed method with these scales.
    pub async fn open_risk_assessment(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        year: i32,
        scales: Scales,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let mut tx = self.transaction().await?;
        let id = insert_assessment(&mut tx.0, actor, agency_id, year, scales, None, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes an open assessment's scales; refused when a recorded risk would no longer fit.
    pub async fn set_risk_scales(
        &self,
        actor: &Actor,
        assessment: &RiskAssessmentRow,
        scales: Scales,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (l, i): (Option<i32>, Option<i32>) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT MAX(likelihood), MAX(impact) FROM risk WHERE assessment_id = $1")
            .bind(assessment.id).fetch_one(&mut **c).await)?;
        if l.unwrap_or(1) > i32::from(scales.likelihood_levels)
            || i.unwrap_or(1) > i32::from(scales.impact_levels)
        {
            return Err(StoreError::WrongState("err-scales-too-small"));
        }
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE risk_assessment SET likelihood_levels = $1, impact_levels = $2, threshold = $3
             WHERE id = $4 AND completed_at IS NULL AND method = 'detailed'")
            .bind(i32::from(scales.likelihood_levels)).bind(i32::from(scales.impact_levels))
            .bind(i32::from(scales.threshold)).bind(assessment.id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-assessment-closed"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(assessment.agency_id),
                action: "risk.scales",
                target: format!("risk_assessment:{}", assessment.id),
                before: Some(json!({
                    "likelihood_levels": assessment.likelihood_levels,
                    "impact_levels": assessment.impact_levels, "threshold": assessment.threshold,
                })),
                after: Some(json!({
                    "likelihood_levels": scales.likelihood_levels,
                    "impact_levels": scales.impact_levels, "threshold": scales.threshold,
                })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The risks of an assessment, by number.
    pub async fn risks(&self, assessment_id: Uuid) -> Result<Vec<RiskRow>> {
        let sql = format!("SELECT {RISK_COLUMNS} FROM risk WHERE assessment_id = $1 ORDER BY seq");
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(assessment_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One risk of the agency (None for another agency's).
    pub async fn risk(&self, scope: &AgencyScope, id: Uuid) -> Result<Option<RiskRow>> {
        let agency_id = scope.id;
        let sql = format!("SELECT {RISK_COLUMNS} FROM risk WHERE id = $1 AND agency_id = $2");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(agency_id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The threats and the vulnerabilities the agency has recorded in any year: its own
    /// additions to the catalog's lists.
    pub async fn risk_terms(&self, scope: &AgencyScope) -> Result<(Vec<String>, Vec<String>)> {
        let agency_id = scope.id;
        let threats: Vec<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT DISTINCT threat FROM risk WHERE agency_id = $1 ORDER BY threat")
            .bind(agency_id).fetch_all(p).await)?;
        let vulnerabilities: Vec<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT DISTINCT vulnerability FROM risk WHERE agency_id = $1 ORDER BY vulnerability")
            .bind(agency_id).fetch_all(p).await)?;
        Ok((
            threats.into_iter().map(|(t,)| t).collect(),
            vulnerabilities.into_iter().map(|(v,)| v).collect(),
        ))
    }

    /// Adds a risk to an open assessment; it takes the next number.
    pub async fn add_risk(
        &self,
        actor: &Actor,
        assessment: &RiskAssessmentRow,
        asset: &AssetRow,
        asset_value: Option<i32>,
        r: &RiskInput,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        let open: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id FROM risk_assessment WHERE id = $1 AND completed_at IS NULL AND method = 'detailed'")
            .bind(assessment.id).fetch_optional(&mut **c).await)?;
        if open.is_none() {
            return Err(StoreError::WrongState("err-assessment-closed"));
        }
        let (seq,): (i32,) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS INTEGER) FROM risk WHERE assessment_id = $1")
            .bind(assessment.id).fetch_one(&mut **c).await)?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO risk (id, assessment_id, agency_id, seq, asset_id, asset_name, asset_value, threat,
                vulnerability, existing_controls, likelihood, impact, treatment, treatment_plan, owner,
                due_on, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)")
            .bind(id).bind(assessment.id).bind(assessment.agency_id).bind(seq).bind(asset.id)
            .bind(&asset.name).bind(asset_value).bind(&r.threat).bind(&r.vulnerability)
            .bind(&r.existing_controls).bind(i32::from(r.likelihood)).bind(i32::from(r.impact))
            .bind(r.treatment.map(Treatment::as_str)).bind(&r.treatment_plan).bind(&r.owner)
            .bind(r.due_on).bind(&actor.label).bind(now).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(assessment.agency_id),
                action: "risk.add",
                target: format!("risk:{id}"),
                before: None,
                after: Some(input_audit(asset, r)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a risk of an open assessment. Any change withdraws a 資通安全長's approval: what
    /// was approved is no longer what is recorded.
    pub async fn update_risk(
        &self,
        actor: &Actor,
        risk: &RiskRow,
        asset: &AssetRow,
        asset_value: Option<i32>,
        r: &RiskInput,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE risk SET asset_id = $1, asset_name = $2, asset_value = $3, threat = $4,
                vulnerability = $5, existing_controls = $6, likelihood = $7, impact = $8, treatment = $9,
                treatment_plan = $10, owner = $11, due_on = $12, approved_by = NULL, approved_at = NULL,
                approved_until = NULL, updated_at = $13
             WHERE id = $14 AND agency_id = $15 AND assessment_id IN
                (SELECT id FROM risk_assessment WHERE completed_at IS NULL)")
            .bind(asset.id).bind(&asset.name).bind(asset_value).bind(&r.threat).bind(&r.vulnerability)
            .bind(&r.existing_controls).bind(i32::from(r.likelihood)).bind(i32::from(r.impact))
            .bind(r.treatment.map(Treatment::as_str)).bind(&r.treatment_plan).bind(&r.owner)
            .bind(r.due_on).bind(now).bind(risk.id).bind(risk.agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-assessment-closed"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(risk.agency_id),
                action: "risk.update",
                target: format!("risk:{}", risk.id),
                before: Some(risk.audit()),
                after: Some(input_audit(asset, r)),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Removes a risk from an open assessment.
    pub async fn delete_risk(
        &self,
        actor: &Actor,
        risk: &RiskRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM risk WHERE id = $1 AND agency_id = $2 AND assessment_id IN
                (SELECT id FROM risk_assessment WHERE completed_at IS NULL)")
            .bind(risk.id).bind(risk.agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-assessment-closed"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(risk.agency_id),
                action: "risk.delete",
                target: format!("risk:{}", risk.id),
                before: Some(risk.audit()),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The 資通安全長 approves a 留存 until a date (the caller checks who acts and the date).
    pub async fn approve_risk(
        &self,
        actor: &Actor,
        risk: &RiskRow,
        until: Date,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE risk SET approved_by = $1, approved_at = $2, approved_until = $3
             WHERE id = $4 AND agency_id = $5 AND treatment = 'retain' AND assessment_id IN
                (SELECT id FROM risk_assessment WHERE completed_at IS NULL)")
            .bind(&actor.label).bind(now).bind(until).bind(risk.id).bind(risk.agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-risk-not-retained"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(risk.agency_id),
                action: "risk.approve",
                target: format!("risk:{}", risk.id),
                before: Some(risk.audit()),
                after: Some(json!({ "approved_until": until.to_string() })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

impl crate::Transaction {
    /// Completes an open assessment; the frozen register's digest is recorded. The caller has
    /// checked that every risk is settled.
    pub async fn complete_risk_assessment(
        &mut self,
        actor: &Actor,
        assessment: &RiskAssessmentRow,
        snapshot_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let n = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE risk_assessment SET completed_by = $1, completed_at = $2, snapshot_sha256 = $3
             WHERE id = $4 AND completed_at IS NULL")
            .bind(&actor.label).bind(now).bind(snapshot_sha256).bind(assessment.id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-assessment-closed"));
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(assessment.agency_id),
                action: "risk.assessment.complete",
                target: format!("risk_assessment:{}", assessment.id),
                before: None,
                after: Some(json!({ "year": assessment.year, "snapshot_sha256": snapshot_sha256 })),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Records the year as exempt (捌、一、1) with the reason; the record is complete at once.
    pub async fn record_risk_exemption(
        &mut self,
        actor: &Actor,
        agency_id: Uuid,
        year: i32,
        defaults: Scales,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        insert_assessment(
            &mut self.0,
            actor,
            agency_id,
            year,
            defaults,
            Some(reason),
            now,
        )
        .await
    }
}

async fn insert_assessment(
    tx: &mut Tx,
    actor: &Actor,
    agency_id: Uuid,
    year: i32,
    scales: Scales,
    exempt_reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let method = if exempt_reason.is_some() {
        "exempt"
    } else {
        "detailed"
    };
    // an exemption is complete when recorded
    let completed_by = exempt_reason.map(|_| actor.label.clone());
    let completed_at = exempt_reason.map(|_| now);
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO risk_assessment (id, agency_id, year, method, likelihood_levels, impact_levels,
            threshold, exempt_reason, opened_by, opened_at, completed_by, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(id).bind(agency_id).bind(year).bind(method)
        .bind(i32::from(scales.likelihood_levels)).bind(i32::from(scales.impact_levels))
        .bind(i32::from(scales.threshold)).bind(exempt_reason.unwrap_or_default())
        .bind(&actor.label).bind(now).bind(&completed_by).bind(completed_at)
        .execute(&mut **c).await.map(|r| r.rows_affected()))
    .map_err(|e| match StoreError::unique(e, "year") {
        StoreError::Conflict { .. } => StoreError::WrongState("err-assessment-exists"),
        other => other,
    })?;
    append(
        &mut *tx,
        actor,
        Change {
            agency_id: Some(agency_id),
            action: if exempt_reason.is_some() {
                "risk.exempt"
            } else {
                "risk.assessment.open"
            },
            target: format!("risk_assessment:{id}"),
            before: None,
            after: Some(json!({
                "year": year, "method": method, "likelihood_levels": scales.likelihood_levels,
                "impact_levels": scales.impact_levels, "threshold": scales.threshold,
                "exempt_reason": exempt_reason,
            })),
        },
        now,
    )
    .await?;
    Ok(id)
}
