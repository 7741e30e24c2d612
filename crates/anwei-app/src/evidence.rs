//! Evidence a finished record attaches to the year's duty by itself. A signed-off inventory or a
//! completed assessment is only proof if the file that proves it is attached in the same
//! transaction as the sign-off: otherwise a failure between the two leaves a signed-off round
//! whose duty still reads "no evidence".

use crate::{Ctx, Result};
use anwei_store::evidence::{EvidenceContent, EvidenceTarget, NewEvidence};
use anwei_store::{Actor, Transaction};
use uuid::Uuid;

/// A document frozen for a year's duty (a signed-off register, a completed or exempt
/// assessment).
pub struct Frozen<'a> {
    /// The duty's key, from the catalog's `[proof]` table.
    pub duty: &'a str,
    pub year: i32,
    /// The evidence's title and the file's name.
    pub title: String,
    pub name: String,
    pub format: anwei_docs::Format,
    pub doc: &'a anwei_docs::Document,
}

/// Renders the document and attaches the file to the duty's task of that year, or, when the
/// duty has no task that year (the agency's level does not owe it), keeps the file by its
/// digest all the same so that it can be served as frozen. Returns the digest the record keeps.
pub async fn freeze_for_duty(
    cx: Ctx<'_>,
    tx: &mut Transaction,
    actor: &Actor,
    agency_id: Uuid,
    f: Frozen<'_>,
) -> Result<String> {
    let bytes = f.format.render(f.doc)?;
    let new = NewEvidence {
        title: &f.title,
        content: EvidenceContent::File {
            name: &f.name,
            content_type: f.format.mime(),
            bytes: &bytes,
        },
        effective_on: cx.today(),
        expires_on: None,
    };
    if !prove_duty(cx, tx, actor, agency_id, f.year, f.duty, false, &new).await? {
        tx.keep_file(cx.files, &bytes).await?;
    }
    Ok(anwei_domain::evidence::sha256_hex(&bytes))
}

/// Attaches evidence to the agency's task of a duty in a year when that task exists (and, with
/// `only_first`, has no evidence yet). Returns whether it was attached.
#[allow(clippy::too_many_arguments)]
pub async fn prove_duty(
    cx: Ctx<'_>,
    tx: &mut Transaction,
    actor: &Actor,
    agency_id: Uuid,
    year: i32,
    duty: &str,
    only_first: bool,
    new: &NewEvidence<'_>,
) -> Result<bool> {
    let task = cx
        .store
        .tasks(actor, Some(agency_id), year)
        .await?
        .into_iter()
        .find(|task| task.obligation_key == duty && (!only_first || task.evidence_count == 0));
    let Some(task) = task else {
        return Ok(false);
    };
    tx.add_evidence(actor, cx.files, EvidenceTarget::Task(&task), new, cx.now)
        .await?;
    Ok(true)
}
