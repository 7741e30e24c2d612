//! 稽核 (seed 壹拾伍.二): the checklist an audit answers, proposed from the agency's own records.
//! The records are read once per agency and year ([`records`]) and every item is answered from
//! them by the domain's rule, so a page, the command line and a bureau's overview of its schools
//! all propose the same answers.

use crate::{Ctx, Error, Result};
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::checklist::{
    AgencyRecords, Checklist, DutyRecord, DutyState, IncidentFacts, PlanFact, Proposal, propose_all,
};
use anwei_domain::obligation::TaskStatus;
use anwei_domain::roc::RocDate;
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::obligations::TaskRow;
use anwei_store::training::compliance;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// A task's state as the checklist reads it on `today`.
fn duty_state(task: &TaskRow, today: Date) -> DutyState {
    match task.status() {
        TaskStatus::Done => match task.completed_at {
            Some(at) if RocDate::of_instant(at).date() > task.due_on => DutyState::Late,
            _ => DutyState::OnTime,
        },
        TaskStatus::NotApplicable => DutyState::Waived,
        TaskStatus::Open | TaskStatus::Submitted | TaskStatus::NaRequested => {
            if task.due_on < today {
                DutyState::Overdue
            } else {
                DutyState::Pending
            }
        }
    }
}

/// Everything the checklist reads of an agency's `year`: its level, whether it supervises
/// others, the year's duties with their evidence, the plan in force, training, the restricted
/// products check and the year's incidents against their clocks.
pub async fn records(
    cx: &Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    year: i32,
) -> Result<AgencyRecords> {
    let today = cx.today();
    let mut roles = Vec::new();
    if !cx.store.subordinates(actor, a.id).await?.is_empty() {
        roles.push("supervisor".to_string());
    }
    let mut evidence: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (task, file) in cx.store.task_evidence_links(a, year).await? {
        evidence.entry(task).or_default().push(file.to_string());
    }
    let duties = cx
        .store
        .tasks(actor, Some(a.id), year)
        .await?
        .into_iter()
        .map(|t| DutyRecord {
            state: duty_state(&t, today),
            evidence: evidence.remove(&t.id).unwrap_or_default(),
            key: t.obligation_key,
            task_id: t.id.to_string(),
            due_on: t.due_on,
        })
        .collect();
    let plan = cx.store.published_plan(a, None).await?.and_then(|p| {
        Some(PlanFact {
            version: p.number?,
            approved_on: p.approved_at.map(|at| RocDate::of_instant(at).date()),
        })
    });
    let (_, ledgers) = cx
        .store
        .training_ledger(&cx.catalog.training, a, year, today)
        .await?;
    let restricted_unresolved =
        crate::restricted::unresolved_count(cx.store, cx.catalog, a).await?;
    let mut incidents = IncidentFacts::default();
    for i in cx.store.incidents(actor, Some(a.id), false).await? {
        if RocDate::of_instant(i.aware_at).date().year() != year {
            continue;
        }
        let history = cx.store.incident_history(i.id).await?;
        let Some(deadlines) = i
            .course(&history)
            .and_then(|c| cx.catalog.incidents.deadlines(&c).ok())
        else {
            continue;
        };
        let missed = deadlines
            .iter()
            .any(|d| d.late || (d.done_at.is_none() && d.due < cx.now));
        if missed {
            incidents.late += 1;
        } else {
            incidents.on_time += 1;
        }
        incidents.ids.push(i.id.to_string());
    }
    Ok(AgencyRecords {
        level: a
            .level
            .as_deref()
            .and_then(|l| ResponsibilityLevel::parse(l).ok()),
        roles,
        duties,
        plan,
        training: compliance(&ledgers, None),
        restricted_unresolved,
        incidents,
    })
}

/// The checklist (`id`, or the edition in force at the end of `year`) with Anwei's proposed
/// answer to every item. Reads only; a person confirms each answer.
pub async fn proposals<'c>(
    cx: &Ctx<'c>,
    actor: &Actor,
    a: &AgencyScope,
    year: i32,
    id: Option<&str>,
) -> Result<(&'c Checklist, Vec<Proposal>)> {
    let end =
        Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| Error::NotFound)?;
    let checklist = cx.catalog.checklist(id, end).ok_or(Error::NotFound)?;
    let r = records(cx, actor, a, year).await?;
    Ok((checklist, propose_all(checklist, &r)))
}
