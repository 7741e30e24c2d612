//! Tasks (an obligation's occurrence in a period), the level history they are computed from,
//! and the evidence that proves them.
//!
//! Materialising is idempotent: a task is keyed by (agency, obligation, period), so running it
//! again — on every instance, after every restart, after a level change — adds only what is
//! missing and withdraws only open tasks that no longer apply. Work already done is never
//! deleted.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{Tx, on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::obligation::{
    ObligationCatalog, Period, PlannedTask, Recurrence, TaskStatus, level_spans,
};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LevelRow {
    pub id: Uuid,
    pub level: Option<String>,
    pub effective_on: Date,
    pub basis: Option<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl LevelRow {
    pub fn level(&self) -> Option<ResponsibilityLevel> {
        self.level
            .as_deref()
            .and_then(|l| ResponsibilityLevel::parse(l).ok())
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TaskRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub agency_code: String,
    pub agency_name: String,
    pub obligation_key: String,
    pub period_key: String,
    pub starts_on: Date,
    pub due_on: Date,
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub assignee_email: Option<String>,
    pub note: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    pub completed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
    pub evidence_count: i64,
}

impl TaskRow {
    pub fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.status).unwrap_or(TaskStatus::Open)
    }

    pub fn period(&self) -> Option<Period> {
        Period::parse_key(&self.period_key)
    }

    pub fn is_overdue(&self, today: Date) -> bool {
        self.status().is_overdue(self.due_on, today)
    }
}

pub(crate) const TASK_SELECT: &str = "SELECT t.id, t.agency_id, a.code AS agency_code, a.name AS agency_name, t.obligation_key,
        t.period_key, t.starts_on, t.due_on, t.status, t.assignee_id, u.display_name AS assignee_name,
        u.email AS assignee_email, t.note, t.completed_at, t.completed_by, t.decided_at, t.decided_by,
        (SELECT COUNT(*) FROM task_evidence te WHERE te.task_id = t.id) AS evidence_count
     FROM task t JOIN agency a ON a.id = t.agency_id LEFT JOIN app_user u ON u.id = t.assignee_id";

const SETTINGS_SELECT: &str =
    "SELECT obligation_key, assignee_id, requires_approval, recurrence FROM obligation_setting
     WHERE agency_id = $1";

/// What materialising a year changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Materialised {
    pub added: usize,
    pub withdrawn: usize,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ObligationSettingRow {
    pub obligation_key: String,
    pub assignee_id: Option<Uuid>,
    pub requires_approval: bool,
    /// The agency's own recurrence (catalog notation), None = the catalog's.
    pub recurrence: Option<String>,
}

/// Counts for one agency's year: the dashboard and the supervisor's overview.
#[derive(Debug, Clone, Default, sqlx::FromRow, Serialize)]
pub struct TaskSummary {
    pub agency_id: Uuid,
    pub agency_code: String,
    pub agency_name: String,
    pub total: i64,
    pub closed: i64,
    pub overdue: i64,
    pub due_soon: i64,
}

impl TaskSummary {
    /// The share of duties met, in whole per cent (100 when nothing is owed).
    pub fn percent_met(&self) -> i64 {
        if self.total == 0 {
            100
        } else {
            self.closed * 100 / self.total
        }
    }
}

pub(crate) fn year_bounds(year: i32) -> (Date, Date) {
    let first = Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN);
    let next = Date::from_calendar_date(year + 1, Month::January, 1).unwrap_or(Date::MAX);
    (first, next)
}

/// Records a level (or a re-approval of the same level) inside `tx`.
pub(crate) async fn record_level(
    tx: &mut Tx,
    actor: &Actor,
    agency_id: Uuid,
    level: Option<ResponsibilityLevel>,
    effective_on: Date,
    basis: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO agency_level (id, agency_id, level, effective_on, basis, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(Uuid::now_v7()).bind(agency_id).bind(level.map(|l| l.as_str())).bind(effective_on)
        .bind(basis).bind(&actor.label).bind(now)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Store {
    /// The agency's levels, oldest first.
    pub async fn level_history(&self, scope: &AgencyScope) -> Result<Vec<LevelRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(LEVEL_HISTORY)
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Computes what the catalog says the agency owes in `year` from its level history, and
    /// materialises it, in a transaction of its own.
    pub async fn materialise_year(
        &self,
        actor: &Actor,
        catalog: &ObligationCatalog,
        agency_id: Uuid,
        year: i32,
        now: OffsetDateTime,
    ) -> Result<Materialised> {
        let mut tx = self.transaction().await?;
        let out = tx
            .materialise_year(actor, catalog, agency_id, year, now)
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}

const LEVEL_HISTORY: &str =
    "SELECT id, level, effective_on, basis, created_by, created_at FROM agency_level
     WHERE agency_id = $1 ORDER BY effective_on, created_at";

/// Adds the planned tasks of one agency's year that do not exist yet, and withdraws open
/// tasks of that year that no longer apply (after a level change) and carry no evidence.
/// `settings` give new tasks their default assignee.
async fn materialise_tasks(
    tx: &mut Tx,
    actor: &Actor,
    agency_id: Uuid,
    year: i32,
    planned: &[PlannedTask],
    settings: &[ObligationSettingRow],
    now: OffsetDateTime,
) -> Result<Materialised> {
    let (first, next) = year_bounds(year);
    let existing: Vec<(Uuid, String, String, String, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT t.id, t.obligation_key, t.period_key, t.status,
                (SELECT COUNT(*) FROM task_evidence te WHERE te.task_id = t.id)
         FROM task t WHERE t.agency_id = $1 AND t.starts_on < $3 AND t.due_on >= $2")
        .bind(agency_id).bind(first).bind(next).fetch_all(&mut **c).await)?;
    let wanted: HashSet<(&str, String)> = planned
        .iter()
        .map(|p| (p.obligation_key.as_str(), p.period.key()))
        .collect();
    let have: HashSet<(&str, &str)> = existing
        .iter()
        .map(|(_, k, p, _, _)| (k.as_str(), p.as_str()))
        .collect();
    let withdraw: Vec<(Uuid, &str, &str)> = existing
        .iter()
        // a corrective action is made by its finding, never by the calendar: never superseded
        .filter(|(_, k, p, status, evidence)| {
            status == "open"
                && *evidence == 0
                && k != anwei_domain::finding::CORRECTIVE_ACTION
                && !wanted.contains(&(k.as_str(), p.clone()))
        })
        .map(|(id, k, p, _, _)| (*id, k.as_str(), p.as_str()))
        .collect();
    let add: Vec<&PlannedTask> = planned
        .iter()
        .filter(|p| !have.contains(&(p.obligation_key.as_str(), p.period.key().as_str())))
        .collect();
    // superseded, not forgotten: the task moves to the year's history
    for (id, _, _) in &withdraw {
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO task_superseded (id, agency_id, obligation_key, period_key, starts_on, due_on,
                                          superseded_at, superseded_by)
             SELECT id, agency_id, obligation_key, period_key, starts_on, due_on, $2, $3 FROM task WHERE id = $1")
            .bind(*id).bind(now).bind(&actor.label).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut *tx, c => sqlx::query("DELETE FROM task WHERE id = $1")
            .bind(*id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    }
    // Many rows at once: one statement per chunk keeps a 4,000-agency year fast.
    for chunk in add.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO task (id, agency_id, obligation_key, period_key, starts_on, due_on, status, assignee_id,
                               note, created_at, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, 'open', ${}, '', ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 8
            ));
        }
        sql.push_str(" ON CONFLICT (agency_id, obligation_key, period_key) DO NOTHING");
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for p in chunk {
                let assignee = settings.iter().find(|s| s.obligation_key == p.obligation_key)
                    .and_then(|s| s.assignee_id);
                q = q.bind(Uuid::now_v7()).bind(agency_id).bind(p.obligation_key.as_str())
                    .bind(p.period.key()).bind(p.starts_on).bind(p.due_on).bind(assignee).bind(now);
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
    }
    let result = Materialised {
        added: add.len(),
        withdrawn: withdraw.len(),
    };
    if result != Materialised::default() {
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "task.materialise",
                target: format!("agency:{agency_id}"),
                before: None,
                after: Some(json!({
                    "year": year,
                    "added": add.iter().map(|p| format!("{}@{}", p.obligation_key, p.period.key())).collect::<Vec<_>>(),
                    "withdrawn": withdraw.iter().map(|(_, k, p)| format!("{k}@{p}")).collect::<Vec<_>>(),
                })),
            },
            now,
        )
        .await?;
    }
    Ok(result)
}

impl crate::Transaction {
    /// The same within a larger change: the level history and settings are read inside the
    /// transaction, so a level saved earlier in it is the one the duties follow (分級辦法 §3).
    pub async fn materialise_year(
        &mut self,
        actor: &Actor,
        catalog: &ObligationCatalog,
        agency_id: Uuid,
        year: i32,
        now: OffsetDateTime,
    ) -> Result<Materialised> {
        let tx = &mut self.0;
        let levels: Vec<LevelRow> = on_tx!(&mut *tx, c => sqlx::query_as(LEVEL_HISTORY)
            .bind(agency_id).fetch_all(&mut **c).await)?;
        let history: Vec<_> = levels.iter().map(|r| (r.level(), r.effective_on)).collect();
        // The agency's own frequencies; one that no longer parses (the notation changed) falls
        // back to the catalog's rather than stopping every agency's recomputation.
        let settings: Vec<ObligationSettingRow> = on_tx!(&mut *tx, c => sqlx::query_as(SETTINGS_SELECT)
            .bind(agency_id).fetch_all(&mut **c).await)?;
        let overrides: HashMap<String, Recurrence> = settings
            .iter()
            .filter_map(|s| {
                let r = Recurrence::parse(s.recurrence.as_deref()?).ok()?;
                Some((s.obligation_key.clone(), r))
            })
            .collect();
        let planned = catalog.tasks_for_year(&level_spans(&history), year, &overrides);
        materialise_tasks(tx, actor, agency_id, year, &planned, &settings, now).await
    }
}

/// A task a level change (or a new frequency) superseded: no longer owed, kept in the history.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct SupersededTaskRow {
    pub id: Uuid,
    pub obligation_key: String,
    pub period_key: String,
    pub starts_on: Date,
    pub due_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub superseded_at: OffsetDateTime,
    pub superseded_by: String,
}

impl Store {
    /// The agency's tasks of `year` that were superseded, latest first.
    pub async fn superseded_tasks(
        &self,
        scope: &AgencyScope,
        year: i32,
    ) -> Result<Vec<SupersededTaskRow>> {
        let (first, next) = year_bounds(year);
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, obligation_key, period_key, starts_on, due_on, superseded_at, superseded_by
             FROM task_superseded WHERE agency_id = $1 AND starts_on < $3 AND due_on >= $2
             ORDER BY superseded_at DESC, due_on")
            .bind(scope.id).bind(first).bind(next).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn obligation_settings(
        &self,
        scope: &AgencyScope,
    ) -> Result<Vec<ObligationSettingRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            SETTINGS_SELECT)
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Tasks within the actor's reach whose period overlaps `year`; of one agency when given.
    pub async fn tasks(
        &self,
        actor: &Actor,
        agency_id: Option<Uuid>,
        year: i32,
    ) -> Result<Vec<TaskRow>> {
        let (first, next) = year_bounds(year);
        let pattern = actor.reach.path_pattern();
        let sql = format!(
            "{TASK_SELECT} WHERE ($1 IS NULL OR a.path LIKE $1) AND ($2 IS NULL OR t.agency_id = $2)
               AND t.starts_on < $4 AND t.due_on >= $3
             ORDER BY t.due_on, t.obligation_key LIMIT 5000"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&pattern).bind(agency_id).bind(first).bind(next).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One task, if within the actor's reach.
    pub async fn task(&self, actor: &Actor, id: Uuid) -> Result<Option<TaskRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!("{TASK_SELECT} WHERE t.id = $1 AND ($2 IS NULL OR a.path LIKE $2)");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(&pattern).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Open tasks of a user (assigned to them), for their calendar, soonest first.
    pub async fn tasks_of_user(&self, user_id: Uuid, since: Date) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "{TASK_SELECT} WHERE t.assignee_id = $1 AND t.due_on >= $2
             ORDER BY t.due_on, t.obligation_key LIMIT 2000"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id).bind(since).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Unassigned tasks of an agency (the 承辦人's calendar shows them too).
    pub async fn unassigned_tasks(&self, scope: &AgencyScope, since: Date) -> Result<Vec<TaskRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "{TASK_SELECT} WHERE t.agency_id = $1 AND t.assignee_id IS NULL AND t.due_on >= $2
             ORDER BY t.due_on, t.obligation_key LIMIT 2000"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(since).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Moves a task to `to` (the domain decided the move is allowed), with its audit event.
    /// Fails with NotFound when someone else moved it first.
    pub async fn set_task_status(
        &self,
        actor: &Actor,
        task: &TaskRow,
        to: TaskStatus,
        note: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let decided = matches!(to, TaskStatus::Done | TaskStatus::NotApplicable)
            && matches!(
                task.status(),
                TaskStatus::Submitted | TaskStatus::NaRequested
            )
            || matches!(
                (task.status(), to),
                (
                    TaskStatus::Submitted | TaskStatus::NaRequested,
                    TaskStatus::Open
                )
            );
        let completed = matches!(to, TaskStatus::Done | TaskStatus::Submitted)
            && task.status() == TaskStatus::Open;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE task SET status = $3, note = COALESCE($4, note), updated_at = $5,
                completed_at = CASE WHEN $6 THEN $5 WHEN $3 = 'open' THEN NULL ELSE completed_at END,
                completed_by = CASE WHEN $6 THEN $7 WHEN $3 = 'open' THEN NULL ELSE completed_by END,
                decided_at = CASE WHEN $8 THEN $5 ELSE decided_at END,
                decided_by = CASE WHEN $8 THEN $7 ELSE decided_by END
             WHERE id = $1 AND status = $2")
            .bind(task.id).bind(&task.status).bind(to.as_str()).bind(note).bind(now).bind(completed)
            .bind(&actor.label).bind(decided)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(task.agency_id),
                action: "task.status",
                target: format!("task:{}", task.id),
                before: Some(json!({ "status": task.status, "note": task.note })),
                after: Some(json!({ "status": to.as_str(), "note": note.unwrap_or(&task.note) })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Gives a task to a person of its agency (or to nobody).
    pub async fn assign_task(
        &self,
        actor: &Actor,
        task: &TaskRow,
        assignee: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(user) = assignee {
            let same_agency: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id FROM app_user WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL")
                .bind(user).bind(task.agency_id).fetch_optional(&mut **c).await)?;
            if same_agency.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE task SET assignee_id = $2, updated_at = $3 WHERE id = $1")
            .bind(task.id).bind(assignee).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(task.agency_id),
                action: "task.assign",
                target: format!("task:{}", task.id),
                before: Some(json!({ "assignee": task.assignee_id })),
                after: Some(json!({ "assignee": assignee })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Per-agency counts for `year` within the actor's reach: total, met, overdue on `today`, and
    /// due soon (by `soon`, the catalog's window).
    pub async fn task_summaries(
        &self,
        actor: &Actor,
        year: i32,
        today: Date,
        soon: Date,
    ) -> Result<Vec<TaskSummary>> {
        let (first, next) = year_bounds(year);
        let pattern = actor.reach.path_pattern();
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT a.id AS agency_id, a.code AS agency_code, a.name AS agency_name,
                    COUNT(t.id) AS total,
                    COALESCE(SUM(CASE WHEN t.status IN ('done', 'not_applicable') THEN 1 ELSE 0 END), 0) AS closed,
                    COALESCE(SUM(CASE WHEN t.status NOT IN ('done', 'not_applicable') AND t.due_on < $4 THEN 1 ELSE 0 END), 0) AS overdue,
                    COALESCE(SUM(CASE WHEN t.status NOT IN ('done', 'not_applicable') AND t.due_on >= $4 AND t.due_on <= $5 THEN 1 ELSE 0 END), 0) AS due_soon
             FROM agency a LEFT JOIN task t ON t.agency_id = a.id AND t.starts_on < $3 AND t.due_on >= $2
             WHERE ($1 IS NULL OR a.path LIKE $1)
             GROUP BY a.id, a.code, a.name, a.path ORDER BY a.path")
            .bind(&pattern).bind(first).bind(next).bind(today).bind(soon).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl crate::Transaction {
    /// Sets who does a duty by default and whether completions need the 資通安全長's approval;
    /// the default assignee is also given the duty's open tasks that have nobody yet.
    pub async fn set_obligation_setting(
        &mut self,
        actor: &Actor,
        agency_id: Uuid,
        setting: &ObligationSettingRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let before = settings_in(&mut *tx, agency_id)
            .await?
            .into_iter()
            .find(|s| s.obligation_key == setting.obligation_key);
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO obligation_setting (agency_id, obligation_key, assignee_id, requires_approval, recurrence, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (agency_id, obligation_key) DO UPDATE
               SET assignee_id = excluded.assignee_id, requires_approval = excluded.requires_approval,
                   recurrence = excluded.recurrence, updated_at = excluded.updated_at")
            .bind(agency_id).bind(&setting.obligation_key).bind(setting.assignee_id)
            .bind(setting.requires_approval).bind(&setting.recurrence).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if setting.assignee_id.is_some() {
            on_tx!(&mut *tx, c => sqlx::query(
                "UPDATE task SET assignee_id = $3, updated_at = $4
                 WHERE agency_id = $1 AND obligation_key = $2 AND status = 'open' AND assignee_id IS NULL")
                .bind(agency_id).bind(&setting.obligation_key).bind(setting.assignee_id).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "obligation.setting",
                target: format!("obligation:{}", setting.obligation_key),
                before: before.map(|b| json!(b)),
                after: Some(json!(setting)),
            },
            now,
        )
        .await?;
        Ok(())
    }
}

async fn settings_in(tx: &mut Tx, agency_id: Uuid) -> Result<Vec<ObligationSettingRow>> {
    let rows = on_tx!(tx, c => sqlx::query_as(SETTINGS_SELECT)
        .bind(agency_id).fetch_all(&mut **c).await)?;
    Ok(rows)
}
