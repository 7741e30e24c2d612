//! 稽核 records: an audit of one agency with its plan, and the answers a person gave to its
//! checklist beside what Anwei proposed. (The audit *log* — the chain of every change — is
//! [`crate::audit`].)

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result};
use anwei_domain::checklist::{Answer, AuditKind, AuditPlan};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub auditor_agency_id: Uuid,
    pub auditor_name: String,
    #[sqlx(try_from = "String")]
    pub kind: AuditKind,
    pub year: i32,
    pub checklist_id: String,
    pub basis: String,
    pub period_from: Date,
    pub period_to: Date,
    pub focus: String,
    pub team: String,
    pub confidentiality: String,
    pub method: String,
    pub assistance: String,
    pub previous_results: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    /// How many items have a person's answer.
    pub answered: i64,
}

const AUDIT_SELECT: &str = "SELECT u.id, u.agency_id, u.auditor_agency_id, a.name AS auditor_name, u.kind,
        u.year, u.checklist_id, u.basis, u.period_from, u.period_to, u.focus, u.team, u.confidentiality,
        u.method, u.assistance, u.previous_results, u.created_by, u.created_at,
        (SELECT COUNT(*) FROM audit_answer x WHERE x.audit_id = u.id) AS answered
     FROM audit u JOIN agency a ON a.id = u.auditor_agency_id";

/// A person's answer to one item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerRow {
    pub item: String,
    #[sqlx(try_from = "String")]
    pub answer: Answer,
    #[sqlx(try_from = "String")]
    pub proposed: Answer,
    pub note: String,
    pub answered_by: String,
    pub answered_at: OffsetDateTime,
}

/// An answer as confirmed: the item, the answer, what Anwei proposed, the note.
pub struct NewAnswer<'a> {
    pub item: &'a str,
    pub answer: Answer,
    pub proposed: Answer,
    pub note: &'a str,
}

impl crate::Store {
    /// The audits of an agency, newest first.
    pub async fn audits_of(&self, scope: &AgencyScope) -> Result<Vec<AuditRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "{AUDIT_SELECT} WHERE u.agency_id = $1 ORDER BY u.period_from DESC, u.created_at DESC"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One audit of the agency.
    pub async fn audit_of(&self, scope: &AgencyScope, id: Uuid) -> Result<Option<AuditRow>> {
        let agency_id = scope.id;
        let sql = format!("{AUDIT_SELECT} WHERE u.agency_id = $1 AND u.id = $2");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The answers given so far, by item.
    pub async fn audit_answers(&self, audit: &AuditRow) -> Result<Vec<AnswerRow>> {
        let id = audit.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT item, answer, proposed, note, answered_by, answered_at FROM audit_answer WHERE audit_id = $1")
            .bind(id).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl crate::Transaction {
    /// Records an audit of `audited` planned by `auditor` (the same agency for its own).
    pub async fn create_audit(
        &mut self,
        actor: &Actor,
        audited: &AgencyScope,
        auditor: &AgencyScope,
        plan: &AuditPlan,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let tx = &mut self.0;
        let id = Uuid::now_v7();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO audit (id, agency_id, auditor_agency_id, kind, year, checklist_id, basis, period_from,
                                period_to, focus, team, confidentiality, method, assistance, previous_results,
                                created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)")
            .bind(id).bind(audited.id).bind(auditor.id).bind(plan.kind.as_str()).bind(plan.year)
            .bind(&plan.checklist_id).bind(&plan.basis).bind(plan.period_from).bind(plan.period_to)
            .bind(&plan.focus).bind(&plan.team).bind(&plan.confidentiality).bind(&plan.method)
            .bind(&plan.assistance).bind(&plan.previous_results).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(audited.id),
                action: "audit_plan.create",
                target: format!("audit:{id}"),
                before: None,
                after: Some(json!({
                    "kind": plan.kind.as_str(), "auditor": auditor.code, "checklist": plan.checklist_id,
                    "period_from": plan.period_from.to_string(), "period_to": plan.period_to.to_string(),
                    "basis": plan.basis, "focus": plan.focus, "team": plan.team,
                    "confidentiality": plan.confidentiality, "method": plan.method,
                    "assistance": plan.assistance, "previous_results": plan.previous_results,
                })),
            },
            now,
        )
        .await?;
        Ok(id)
    }

    /// Saves a person's answers (each replacing that item's earlier one), with the earlier ones
    /// in the audit event.
    pub async fn save_audit_answers(
        &mut self,
        actor: &Actor,
        audit: &AuditRow,
        answers: &[NewAnswer<'_>],
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let id = audit.id;
        let before: Vec<(String, String, String)> = on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT item, answer, note FROM audit_answer WHERE audit_id = $1 ORDER BY item")
            .bind(id).fetch_all(&mut **c).await)?;
        for a in answers {
            on_tx!(&mut *tx, c => sqlx::query(
                "INSERT INTO audit_answer (audit_id, item, answer, proposed, note, answered_by, answered_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (audit_id, item) DO UPDATE SET answer = excluded.answer, proposed = excluded.proposed,
                     note = excluded.note, answered_by = excluded.answered_by, answered_at = excluded.answered_at")
                .bind(id).bind(a.item).bind(a.answer.as_str()).bind(a.proposed.as_str()).bind(a.note)
                .bind(&actor.label).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        on_tx!(&mut *tx, c => sqlx::query("UPDATE audit SET updated_at = $2 WHERE id = $1")
            .bind(id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changed = |rows: Vec<serde_json::Value>| serde_json::Value::Array(rows);
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(audit.agency_id),
                action: "audit_plan.answer",
                target: format!("audit:{id}"),
                before: Some(changed(
                    before
                        .iter()
                        .filter(|(item, _, _)| answers.iter().any(|a| a.item == item))
                        .map(|(item, answer, note)| json!({ "item": item, "answer": answer, "note": note }))
                        .collect(),
                )),
                after: Some(changed(
                    answers
                        .iter()
                        .map(|a| json!({ "item": a.item, "answer": a.answer.as_str(),
                                          "proposed": a.proposed.as_str(), "note": a.note }))
                        .collect(),
                )),
            },
            now,
        )
        .await?;
        Ok(())
    }
}
