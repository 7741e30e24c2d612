//! 稽核 records: an audit of one agency with its plan, and the answers a person gave to its
//! checklist beside what Anwei proposed. (The audit *log* — the chain of every change — is
//! [`crate::audit`].)

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result};
use anwei_domain::checklist::{Answer, AuditKind, AuditPlan};
use anwei_domain::finding::{FindingAspect, FindingClass, NewFinding};
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

/// A finding with the state of its corrective action.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: Uuid,
    pub audit_id: Uuid,
    pub agency_id: Uuid,
    pub number: i32,
    pub item: Option<String>,
    #[sqlx(try_from = "String")]
    pub class: FindingClass,
    #[sqlx(try_from = "String")]
    pub aspect: FindingAspect,
    pub description: String,
    pub cause: String,
    pub similar: String,
    pub corrective: String,
    pub owner_name: Option<String>,
    pub due_on: Option<Date>,
    pub task_id: Option<Uuid>,
    /// The corrective action's task status (`open`, `done`…), if it has one.
    pub task_status: Option<String>,
    /// Evidence attached to the corrective action.
    pub evidence_count: i64,
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

impl FindingRow {
    pub fn is_closed(&self) -> bool {
        self.status == "closed"
    }

    /// Closed after its corrective action's due date, or still open past it.
    pub fn is_late(&self, today: Date) -> bool {
        match (self.due_on, self.reviewed_at) {
            (Some(due), Some(at)) if self.is_closed() => {
                anwei_domain::roc::RocDate::of_instant(at).date() > due
            }
            (Some(due), _) => !self.is_closed() && due < today,
            _ => false,
        }
    }
}

const FINDING_SELECT: &str = "SELECT f.id, f.audit_id, f.agency_id, f.number, f.item, f.class, f.aspect,
        f.description, f.cause, f.similar_faults AS similar, f.corrective, u.display_name AS owner_name, f.due_on, f.task_id,
        t.status AS task_status,
        (SELECT COUNT(*) FROM task_evidence te WHERE te.task_id = f.task_id) AS evidence_count,
        f.status, f.review_note, f.reviewed_by, f.reviewed_at, f.created_by, f.created_at
     FROM audit_finding f LEFT JOIN app_user u ON u.id = f.owner_id LEFT JOIN task t ON t.id = f.task_id";

impl crate::Store {
    /// An audit's findings, by number.
    pub async fn findings_of(&self, audit: &AuditRow) -> Result<Vec<FindingRow>> {
        let id = audit.id;
        let sql = format!("{FINDING_SELECT} WHERE f.audit_id = $1 ORDER BY f.number");
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One finding of the agency.
    pub async fn finding_of(&self, scope: &AgencyScope, id: Uuid) -> Result<Option<FindingRow>> {
        let agency_id = scope.id;
        let sql = format!("{FINDING_SELECT} WHERE f.agency_id = $1 AND f.id = $2");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Every finding of the agencies directly under `parent` within reach, for a supervisor's
    /// rate of findings closed on time: (agency, finding) rows in one query.
    pub async fn findings_below(&self, actor: &Actor, parent: Uuid) -> Result<Vec<FindingRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!(
            "{FINDING_SELECT} JOIN agency a ON a.id = f.agency_id
             WHERE a.parent_id = $1 AND ($2 IS NULL OR a.path LIKE $2) ORDER BY f.agency_id, f.number"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(parent).bind(&pattern).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl crate::Transaction {
    /// Records a finding; one that needs correction gets its corrective action as a task of the
    /// agency (period `finding-<number>`, due on its date, given to its owner), in the same
    /// transaction.
    pub async fn add_finding(
        &mut self,
        actor: &Actor,
        audit: &AuditRow,
        f: &NewFinding,
        now: OffsetDateTime,
    ) -> Result<(Uuid, i32)> {
        let tx = &mut self.0;
        let agency_id = audit.agency_id;
        let (next,): (i64,) = on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM audit_finding WHERE agency_id = $1")
            .bind(agency_id).fetch_one(&mut **c).await)?;
        let number = i32::try_from(next).unwrap_or(i32::MAX);
        let task_id = match (f.class.needs_correction(), f.due_on) {
            (true, Some(due_on)) => {
                let task_id = Uuid::now_v7();
                let today = anwei_domain::roc::RocDate::of_instant(now).date();
                let period =
                    anwei_domain::obligation::Period::Finding(u32::try_from(number).unwrap_or(0));
                on_tx!(&mut *tx, c => sqlx::query(
                    "INSERT INTO task (id, agency_id, obligation_key, period_key, starts_on, due_on, status, assignee_id,
                                       note, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9)")
                    .bind(task_id).bind(agency_id).bind(anwei_domain::finding::CORRECTIVE_ACTION)
                    .bind(period.key()).bind(today.min(due_on)).bind(due_on).bind(f.owner)
                    .bind(&f.corrective).bind(now)
                    .execute(&mut **c).await.map(|r| r.rows_affected()))?;
                Some(task_id)
            }
            _ => None,
        };
        let id = Uuid::now_v7();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO audit_finding (id, audit_id, agency_id, number, item, class, aspect, description, cause,
                                        similar_faults, corrective, owner_id, due_on, task_id, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15, $16)")
            .bind(id).bind(audit.id).bind(agency_id).bind(number).bind(&f.item).bind(f.class.as_str())
            .bind(f.aspect.as_str()).bind(&f.description).bind(&f.cause).bind(&f.similar)
            .bind(&f.corrective).bind(f.owner).bind(f.due_on).bind(task_id).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "audit_finding.create",
                target: format!("audit_finding:{id}"),
                before: None,
                after: Some(json!({
                    "audit": audit.id, "number": number, "item": f.item, "class": f.class.as_str(),
                    "aspect": f.aspect.as_str(), "description": f.description, "cause": f.cause,
                    "similar": f.similar, "corrective": f.corrective, "owner": f.owner,
                    "due_on": f.due_on.map(|d| d.to_string()), "task": task_id,
                })),
            },
            now,
        )
        .await?;
        Ok((id, number))
    }

    /// The review of a finding's measures: effective closes it; not effective sends its
    /// corrective action back to be done again (reopened, with the reason as its note).
    pub async fn review_finding(
        &mut self,
        actor: &Actor,
        finding: &FindingRow,
        effective: bool,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let id = finding.id;
        let status = if effective { "closed" } else { "open" };
        // only an open finding is reviewed: a concurrent review finds nothing to change
        let changed = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE audit_finding SET status = $2, review_note = $3, reviewed_by = $4, reviewed_at = $5
             WHERE id = $1 AND status = 'open'")
            .bind(id).bind(status).bind(note).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Err(crate::StoreError::WrongState("err-finding-closed"));
        }
        if let (false, Some(task_id)) = (effective, finding.task_id) {
            on_tx!(&mut *tx, c => sqlx::query(
                "UPDATE task SET status = 'open', completed_at = NULL, completed_by = NULL, decided_at = NULL,
                                 decided_by = NULL, note = $2, updated_at = $3 WHERE id = $1")
                .bind(task_id).bind(note).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(finding.agency_id),
                action: if effective {
                    "audit_finding.close"
                } else {
                    "audit_finding.reopen"
                },
                target: format!("audit_finding:{id}"),
                before: Some(
                    json!({ "status": finding.status, "task_status": finding.task_status }),
                ),
                after: Some(json!({ "status": status, "review_note": note })),
            },
            now,
        )
        .await?;
        Ok(())
    }
}
