//! 稽核 (seed 壹拾伍.二): the checklist an audit answers, proposed from the agency's own records.
//! The records are read once per agency and year ([`records`]) and every item is answered from
//! them by the domain's rule, so a page, the command line and a bureau's overview of its schools
//! all propose the same answers.

use crate::i18n::Locale;
use crate::{Ctx, Error, Result};
use anwei_domain::FieldError;
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::checklist::{
    AgencyRecords, Answer, Checklist, ChecklistItem, DutyRecord, DutyState, EvidenceRef,
    IncidentFacts, PlanFact, Proposal, RawAuditPlan, Reason, check_answer, propose_all,
};
use anwei_domain::finding::{RawFinding, Review, check_review};
use anwei_domain::obligation::TaskStatus;
use anwei_domain::roc::RocDate;
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::audit_plans::{AnswerRow, AuditRow, NewAnswer};
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

/// Plans an audit of `audited` by the actor's agency `auditor` (the same for its own audit; one
/// above it for a supervisor's). The plan is checked whole; nothing is written when a field is
/// wrong.
pub async fn plan(
    cx: &Ctx<'_>,
    actor: &Actor,
    auditor: &AgencyScope,
    audited: &AgencyScope,
    raw: &RawAuditPlan,
) -> Result<std::result::Result<Uuid, Vec<FieldError>>> {
    let own = auditor.id == audited.id;
    let plan = match raw.parse(own, &cx.catalog.checklists) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = cx.store.transaction().await?;
    let id = tx
        .create_audit(actor, audited, auditor, &plan, cx.now)
        .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// The previous audit's results, carried into the next plan: when, by whom, and its answers
/// counted.
pub async fn previous_results(cx: &Ctx<'_>, t: &Locale, a: &AgencyScope) -> Result<String> {
    let Some(last) = cx.store.audits_of(a).await?.into_iter().next() else {
        return Ok(String::new());
    };
    let answers = cx.store.audit_answers(&last).await?;
    let count = |x: Answer| answers.iter().filter(|a| a.answer == x).count().to_string();
    Ok(t.f(
        "audit-previous-summary",
        &[
            ("from", t.date(&last.period_from)),
            ("to", t.date(&last.period_to)),
            ("auditor", last.auditor_name.clone()),
            ("kind", t.tp("audit-kind-", last.kind.as_str())),
            ("conforming", count(Answer::Conforming)),
            ("partial", count(Answer::Partial)),
            ("nonconforming", count(Answer::Nonconforming)),
            ("na", count(Answer::NotApplicable)),
        ],
    ))
}

/// One item of an audit as its page and its document show it.
pub struct AuditItem<'c> {
    pub item: &'c ChecklistItem,
    pub dimension: &'c str,
    pub proposal: Proposal,
    pub answer: Option<AnswerRow>,
}

/// An audit with its checklist: each item with Anwei's proposal and the person's answer.
pub async fn audit_items<'c>(
    cx: &Ctx<'c>,
    actor: &Actor,
    a: &AgencyScope,
    audit: &AuditRow,
) -> Result<(&'c Checklist, Vec<AuditItem<'c>>)> {
    let checklist = cx
        .catalog
        .checklists
        .iter()
        .find(|c| c.id == audit.checklist_id)
        .ok_or(Error::NotFound)?;
    let records = records(cx, actor, a, audit.year).await?;
    let mut answers: HashMap<String, AnswerRow> = cx
        .store
        .audit_answers(audit)
        .await?
        .into_iter()
        .map(|r| (r.item.clone(), r))
        .collect();
    let items = checklist
        .items
        .iter()
        .map(|item| AuditItem {
            item,
            dimension: checklist.dimension_of(item),
            proposal: anwei_domain::checklist::propose(item, &records),
            answer: answers.remove(&item.number),
        })
        .collect();
    Ok((checklist, items))
}

/// Saves the answers a person gave (`answer-<item>` and `note-<item>` of the form; an item left
/// without an answer stays unanswered). Every answer is checked first: when one is refused,
/// nothing is written and the refusals come back by item.
pub async fn answer(
    cx: &Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    audit: &AuditRow,
    form: &[(String, String)],
) -> Result<std::result::Result<usize, Vec<(String, FieldError)>>> {
    let (_, items) = audit_items(cx, actor, a, audit).await?;
    let value = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut errors = Vec::new();
    let mut given = Vec::new();
    for i in &items {
        let n = &i.item.number;
        let Some(raw) = value(format!("answer-{n}")).filter(|v| !v.is_empty()) else {
            continue;
        };
        let Some(answer) = Answer::parse(raw) else {
            errors.push((n.clone(), FieldError::new("answer", "err-choice")));
            continue;
        };
        let note = value(format!("note-{n}")).unwrap_or("");
        match check_answer("note", answer, note) {
            Ok(note) => given.push((n.as_str(), answer, i.proposal.answer, note)),
            Err(e) => errors.push((n.clone(), e)),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let answers: Vec<NewAnswer<'_>> = given
        .iter()
        .map(|(item, answer, proposed, note)| NewAnswer {
            item,
            answer: *answer,
            proposed: *proposed,
            note,
        })
        .collect();
    let mut tx = cx.store.transaction().await?;
    tx.save_audit_answers(actor, audit, &answers, cx.now)
        .await?;
    tx.commit().await?;
    Ok(Ok(answers.len()))
}

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A reason in the reader's words.
pub fn reason_text(t: &Locale, catalog: &anwei_domain::catalog::Catalog, r: &Reason) -> String {
    let args: Vec<(&str, String)> = r
        .args
        .iter()
        .map(|(k, v)| {
            let v = match (*k, catalog.obligations.get(v)) {
                ("duty", Some(o)) => t.pick(&o.title.zh, &o.title.en),
                ("due", _) => time::Date::parse(v, ISO_DATE)
                    .map(|d| t.date(&d))
                    .unwrap_or_else(|_| v.clone()),
                _ => v.clone(),
            };
            (*k, v)
        })
        .collect();
    t.f(r.key, &args)
}

/// A record reference as a path of Anwei's (pages and API share them).
pub fn evidence_path(code: &str, e: &EvidenceRef) -> String {
    match e {
        EvidenceRef::Task { id, .. } => format!("/tasks/{id}"),
        EvidenceRef::File { id } => format!("/evidence/{id}"),
        EvidenceRef::Plan { version, .. } => format!("/agencies/{code}/plan/{version}/plan.pdf"),
        EvidenceRef::TrainingLedger => format!("/agencies/{code}/training"),
        EvidenceRef::RestrictedCheck => format!("/agencies/{code}/restricted"),
        EvidenceRef::Incident { id } => format!("/incidents/{id}"),
    }
}

/// Names the records a proposal cites as a reader knows them: the duty's title, the evidence's
/// title, the plan's version and chapter.
pub struct RecordNames {
    evidence: HashMap<String, String>,
}

impl RecordNames {
    pub async fn of(cx: &Ctx<'_>, a: &AgencyScope) -> Result<Self> {
        let evidence = cx
            .store
            .agency_evidence(a)
            .await?
            .into_iter()
            .map(|e| (e.id.to_string(), e.title))
            .collect();
        Ok(Self { evidence })
    }

    pub fn name(
        &self,
        t: &Locale,
        catalog: &anwei_domain::catalog::Catalog,
        e: &EvidenceRef,
    ) -> String {
        match e {
            EvidenceRef::Task { duty, .. } => t.f1(
                "audit-record-duty",
                "duty",
                &catalog
                    .obligations
                    .get(duty)
                    .map(|o| t.pick(&o.title.zh, &o.title.en))
                    .unwrap_or_else(|| duty.clone()),
            ),
            EvidenceRef::File { id } => t.f1(
                "audit-record-file",
                "title",
                &self.evidence.get(id).map(String::as_str).unwrap_or(id),
            ),
            EvidenceRef::Plan { version, chapters } => t.f(
                "audit-record-plan",
                &[
                    ("version", version.to_string()),
                    ("chapters", anwei_domain::checklist::chapters(chapters)),
                ],
            ),
            EvidenceRef::TrainingLedger => t.t("audit-record-training"),
            EvidenceRef::RestrictedCheck => t.t("audit-record-restricted"),
            EvidenceRef::Incident { id } => t.f1("audit-record-incident", "id", id),
        }
    }
}

/// The filled checklist form of an audit, each record named as a reader knows it.
pub async fn document(
    cx: &Ctx<'_>,
    t: &Locale,
    actor: &Actor,
    a: &AgencyScope,
    audit: &AuditRow,
) -> Result<anwei_docs::Document> {
    let (checklist, items) = audit_items(cx, actor, a, audit).await?;
    let names = RecordNames::of(cx, a).await?;
    let name = |e: &EvidenceRef| names.name(t, cx.catalog, e);
    Ok(crate::documents::audit_checklist(
        t, cx.catalog, a, audit, checklist, &items, &name,
    ))
}

/// Records a finding of an audit (its corrective action becomes a task of the agency). The
/// finding is checked whole; nothing is written when a field is wrong.
pub async fn add_finding(
    cx: &Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    audit: &AuditRow,
    raw: &RawFinding,
) -> Result<std::result::Result<i32, Vec<FieldError>>> {
    let checklist = cx
        .catalog
        .checklists
        .iter()
        .find(|c| c.id == audit.checklist_id)
        .ok_or(Error::NotFound)?;
    let items: Vec<&str> = checklist.items.iter().map(|i| i.number.as_str()).collect();
    let owners: Vec<Uuid> = cx
        .store
        .users_of_agency(actor, a.id)
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| u.id)
        .collect();
    let f = match raw.parse(&items, &owners, cx.today()) {
        Ok(f) => f,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = cx.store.transaction().await?;
    let (_, number) = tx.add_finding(actor, audit, &f, cx.now).await?;
    tx.commit().await?;
    Ok(Ok(number))
}

/// Reviews whether a finding's measures worked (seed 壹拾伍.二.(二).4): only once its corrective
/// action is done with evidence; effective closes it, not effective reopens the action.
pub async fn review_finding(
    cx: &Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    finding: Uuid,
    outcome: &str,
    note: &str,
) -> Result<std::result::Result<(), Vec<FieldError>>> {
    let f = cx
        .store
        .finding_of(a, finding)
        .await?
        .ok_or(Error::NotFound)?;
    let review = match Review::parse(outcome) {
        Ok(r) => r,
        Err(e) => return Ok(Err(vec![e])),
    };
    let done = matches!(f.task_status.as_deref(), Some("done"));
    let note = match check_review(f.class.needs_correction(), done, f.evidence_count, note) {
        Ok(n) => n,
        Err(e) => return Ok(Err(vec![e])),
    };
    let mut tx = cx.store.transaction().await?;
    tx.review_finding(actor, &f, review == Review::Effective, &note, cx.now)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// How an agency below a supervisor stands on its findings.
pub struct FindingsLine {
    pub agency: AgencyScope,
    /// Findings that need correction.
    pub owed: usize,
    /// Of those, closed by their due date.
    pub closed_on_time: usize,
    /// Open past their due date.
    pub overdue: usize,
}

/// The supervisor's view: each agency directly below with its findings closed on time, read in
/// one query for all of them.
pub async fn findings_below(
    cx: &Ctx<'_>,
    actor: &Actor,
    parent: &AgencyScope,
) -> Result<Vec<FindingsLine>> {
    let today = cx.today();
    let rows = cx.store.findings_below(actor, parent.id).await?;
    Ok(cx
        .store
        .subordinate_scopes(actor, parent.id)
        .await?
        .into_iter()
        .map(|agency| {
            let mine: Vec<_> = rows
                .iter()
                .filter(|f| f.agency_id == agency.id && f.class.needs_correction())
                .collect();
            FindingsLine {
                owed: mine.len(),
                closed_on_time: mine
                    .iter()
                    .filter(|f| f.is_closed() && !f.is_late(today))
                    .count(),
                overdue: mine
                    .iter()
                    .filter(|f| !f.is_closed() && f.is_late(today))
                    .count(),
                agency,
            }
        })
        .collect())
}

/// 「稽核結果及改善報告」 (seed 壹拾伍.二.(二).5): the audit, its results, and each finding with
/// its cause, the check for similar faults, the measures, their execution and their review.
pub async fn improvement_report(
    cx: &Ctx<'_>,
    t: &Locale,
    actor: &Actor,
    a: &AgencyScope,
    audit: &AuditRow,
) -> Result<anwei_docs::Document> {
    let (_, items) = audit_items(cx, actor, a, audit).await?;
    let findings = cx.store.findings_of(audit).await?;
    Ok(crate::documents::improvement_report(
        t,
        a,
        audit,
        &items,
        &findings,
        cx.today(),
    ))
}

/// The proposals as JSON, for the command line and the API alike: the checklist, and each item
/// with its text, the records expected, the proposed answer, the reasons in the reader's words
/// and the records cited (their reference and their path in Anwei).
pub fn proposals_json(
    t: &Locale,
    catalog: &anwei_domain::catalog::Catalog,
    a: &AgencyScope,
    year: i32,
    c: &Checklist,
    proposals: &[Proposal],
) -> serde_json::Value {
    let items: Vec<_> = c
        .items
        .iter()
        .zip(proposals)
        .map(|(item, p)| {
            serde_json::json!({
                "number": item.number,
                "dimension": c.dimension_of(item),
                "text": item.text,
                "expects": item.expects,
                "answer": p.answer.as_str(),
                "reasons": p.reasons.iter().map(|r| reason_text(t, catalog, r)).collect::<Vec<_>>(),
                "evidence": p.evidence.iter().map(|e| serde_json::json!({
                    "ref": e,
                    "path": evidence_path(&a.code, e),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "agency": a.code,
        "level": a.level,
        "year": year,
        "checklist": { "id": c.id, "form": c.form, "edition": c.edition, "citation": c.citation },
        "items": items,
    })
}
