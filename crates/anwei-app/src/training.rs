//! Training (安維計畫 壹拾參). The year's plan proves the year's plan duty: the first item added
//! is attached to that task as a link to the plan, in the same transaction as the item.

use crate::evidence::prove_duty;
use crate::i18n::Locale;
use crate::{Ctx, Result};
use anwei_domain::training::LedgerLine;
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::{EvidenceContent, NewEvidence};
use anwei_store::training::{AcknowledgementRow, NewPlanItem, PersonAttendance, PersonRow};
use time::Date;
use uuid::Uuid;

/// Adds an item to the year's training plan; `plan_url` is where the plan is read.
pub async fn add_plan_item(
    cx: Ctx<'_>,
    t: &Locale,
    actor: &Actor,
    a: &AgencyScope,
    item: &NewPlanItem<'_>,
    plan_url: &str,
) -> Result<Uuid> {
    let title = t.f1(
        "training-plan-evidence",
        "year",
        &anwei_domain::roc::roc_year_of(item.year),
    );
    let new = NewEvidence {
        title: &title,
        content: EvidenceContent::Link(plan_url),
        effective_on: cx.today(),
        expires_on: None,
    };
    let mut tx = cx.store.transaction().await?;
    let id = tx.add_plan_item(actor, a.id, item, cx.now).await?;
    prove_duty(
        cx,
        &mut tx,
        actor,
        a.id,
        item.year,
        &cx.catalog.obligations.proof.training_plan,
        true,
        &new,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One person's year: the ledger's lines, the courses attended and the acknowledgements.
pub struct PersonRecord {
    pub lines: Vec<LedgerLine>,
    pub attendance: Vec<PersonAttendance>,
    pub acknowledged: Vec<AcknowledgementRow>,
}

/// A person's record for `year`, as their page and their document show it.
pub async fn person_record(
    cx: &Ctx<'_>,
    a: &AgencyScope,
    person: &PersonRow,
    year: i32,
    today: Date,
) -> Result<PersonRecord> {
    let (_, ledgers) = cx
        .store
        .training_ledger(&cx.catalog.training, a, year, today)
        .await?;
    let lines = ledgers
        .into_iter()
        .find(|l| l.person.id == person.id)
        .map(|l| l.lines)
        .unwrap_or_default();
    let attendance = cx.store.person_attendance(a, person.id).await?;
    let acknowledged = cx
        .store
        .acknowledgements(a)
        .await?
        .into_iter()
        .filter(|r| r.person_id == person.id)
        .collect();
    Ok(PersonRecord {
        lines,
        attendance,
        acknowledged,
    })
}
