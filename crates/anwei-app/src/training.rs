//! Training (安維計畫 壹拾參). The year's plan proves the year's plan duty: the first item added
//! is attached to that task as a link to the plan, in the same transaction as the item.

use crate::evidence::prove_duty;
use crate::i18n::Locale;
use crate::{Ctx, Result};
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::{EvidenceContent, NewEvidence};
use anwei_store::training::NewPlanItem;
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
