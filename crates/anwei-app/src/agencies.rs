//! Agencies and their levels. 分級辦法 §3: a level takes effect at once, so the duties it brings
//! (and the ones it no longer brings) are recomputed in the same transaction that records it —
//! there is no moment, and no failure, after which the level is new and the task list old.

use crate::{Ctx, Result};
use anwei_domain::agency::AgencyCode;
use anwei_store::agencies::{AgencyProfile, AgencyRow, LevelDecision};
use anwei_store::{Actor, Transaction};
use uuid::Uuid;

/// This year's duties of the agency, from the level history as the transaction sees it.
async fn recompute_duties(
    cx: Ctx<'_>,
    tx: &mut Transaction,
    actor: &Actor,
    agency_id: Uuid,
) -> Result<()> {
    tx.materialise_year(actor, &cx.catalog.obligations, agency_id, cx.year(), cx.now)
        .await?;
    Ok(())
}

/// A new agency under `parent` (None: a top-level one, administrators only — the caller has
/// checked who may create where), with this year's duties.
pub async fn create(
    cx: Ctx<'_>,
    actor: &Actor,
    parent: Option<&AgencyRow>,
    code: &AgencyCode,
    profile: &AgencyProfile,
) -> Result<Uuid> {
    let mut tx = cx.store.transaction().await?;
    let id = tx
        .create_agency(actor, parent, code, profile, cx.now)
        .await?;
    recompute_duties(cx, &mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the agency's profile; a changed level or approval date is recorded in its history and
/// the year's duties follow it.
pub async fn update(
    cx: Ctx<'_>,
    actor: &Actor,
    current: &AgencyRow,
    profile: &AgencyProfile,
) -> Result<()> {
    let mut tx = cx.store.transaction().await?;
    tx.update_agency(actor, current, profile, cx.now).await?;
    recompute_duties(cx, &mut tx, actor, current.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The supervisor decides a school's level proposal; an approval sets the level from the
/// letter's date and the year's duties follow it.
pub async fn decide_level(
    cx: Ctx<'_>,
    actor: &Actor,
    agency: &AgencyRow,
    proposal_id: Uuid,
    decision: LevelDecision<'_>,
) -> Result<()> {
    let approve = matches!(decision, LevelDecision::Approve { .. });
    let mut tx = cx.store.transaction().await?;
    tx.decide_level_proposal(actor, agency, proposal_id, decision, cx.now)
        .await?;
    if approve {
        recompute_duties(cx, &mut tx, actor, agency.id).await?;
    }
    tx.commit().await?;
    Ok(())
}
