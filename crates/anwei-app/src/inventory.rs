//! The yearly inventory (安維計畫 柒.一). The 資通安全長's sign-off freezes the register as it
//! then stands and attaches it to the year's inventory duty, in one transaction.

use crate::evidence::{Frozen, freeze_for_duty};
use crate::i18n::Locale;
use crate::{Ctx, Result, refuse};
use anwei_domain::roc::roc_year_of;
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;

/// Only when this year's round is open and every asset in the register is confirmed by its
/// custodian.
pub async fn sign_off_round(cx: Ctx<'_>, t: &Locale, actor: &Actor, a: &AgencyScope) -> Result<()> {
    let year = cx.year();
    let round = match cx.store.inventory_round(a, year).await? {
        Some(r) => r,
        None => return refuse("err-round-none"),
    };
    let assets = cx.store.assets(a).await?;
    let confirmed = cx.store.confirmed_assets(round.id).await?;
    if assets
        .iter()
        .any(|x| !confirmed.iter().any(|(id, _)| *id == x.id))
    {
        return refuse("err-round-unconfirmed");
    }
    let doc = crate::documents::asset_register(cx.store, cx.catalog, t, a, cx.today()).await?;
    let frozen = Frozen {
        duty: &cx.catalog.obligations.proof.inventory_round,
        year,
        title: t.f1("round-evidence", "year", &roc_year_of(year)),
        name: format!("inventory-{year}.xlsx"),
        format: anwei_docs::Format::Xlsx,
        doc: &doc,
    };
    let mut tx = cx.store.transaction().await?;
    let sha = freeze_for_duty(cx, &mut tx, actor, a.id, frozen).await?;
    tx.sign_off_inventory_round(actor, &round, &sha, cx.now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An import of checked rows, recorded as a job before it runs so that whichever instance
/// serves the next request can follow it.
pub async fn start_import(
    cx: Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    total: usize,
    refused: usize,
) -> Result<uuid::Uuid> {
    Ok(cx
        .store
        .start_import(actor, a.id, total, refused, cx.now)
        .await?)
}

/// Runs a started import to its end: the rows in one transaction (all or none), its progress
/// and its outcome written to the job. Meant to run in the background; it reports its own
/// failure on the job rather than to a caller.
pub async fn run_import(
    store: anwei_store::Store,
    actor: Actor,
    agency_id: uuid::Uuid,
    job: uuid::Uuid,
    rows: Vec<anwei_domain::asset::AssetInput>,
    (file_name, sha256): (String, String),
    now: time::OffsetDateTime,
) {
    let progress = {
        let store = store.clone();
        move |n: usize| {
            let store = store.clone();
            // progress is advisory: a lost update only makes the bar lag
            std::mem::drop(tokio::spawn(async move {
                let _ = store.import_progress(job, n).await;
            }));
        }
    };
    let outcome = store
        .import_asset_inputs(
            &actor,
            agency_id,
            rows,
            (&file_name, &sha256),
            now,
            &progress,
        )
        .await;
    let outcome = outcome.map(|d| d.added).map_err(|e| import_failure(&e));
    if let Err(e) = store.finish_import(job, outcome, now).await {
        tracing::error!(error = %e, %job, "could not record how an import ended");
    }
}

fn import_failure(e: &anwei_store::StoreError) -> &'static str {
    match e {
        anwei_store::StoreError::Conflict { .. } => "err-import-name-taken",
        other => {
            tracing::error!(error = %other, "asset import failed");
            "err-import-failed"
        }
    }
}

/// An asset's disposal (安維計畫 柒、玖.一) with the evidence of how it was done (the 報廢 record,
/// a wiping certificate): the evidence, the disposal and the asset's new status in one
/// transaction, so a refused disposal (already disposed) keeps no stray evidence.
pub async fn dispose(
    cx: Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    asset: &anwei_store::assets::AssetRow,
    disposal: &anwei_domain::asset::Disposal,
    evidence: &anwei_store::evidence::NewEvidence<'_>,
) -> Result<()> {
    let mut tx = cx.store.transaction().await?;
    let evidence_id = tx
        .add_evidence(
            actor,
            cx.files,
            anwei_store::evidence::EvidenceTarget::Agency { agency_id: a.id },
            evidence,
            cx.now,
        )
        .await?;
    tx.dispose_asset(actor, asset, disposal, Some(evidence_id), cx.now)
        .await?;
    tx.commit().await?;
    Ok(())
}
