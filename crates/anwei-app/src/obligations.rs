//! The agency's duties (應辦事項). A duty's own frequency, assignee and approval rule are saved
//! with this year's tasks recomputed in the same transaction: a new frequency changes the open
//! tasks at once, and never only half.

use crate::{Ctx, Result};
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::obligations::ObligationSettingRow;

pub async fn save_setting(
    cx: Ctx<'_>,
    actor: &Actor,
    a: &AgencyScope,
    setting: &ObligationSettingRow,
) -> Result<()> {
    let mut tx = cx.store.transaction().await?;
    tx.set_obligation_setting(actor, a.id, setting, cx.now)
        .await?;
    tx.materialise_year(actor, &cx.catalog.obligations, a.id, cx.year(), cx.now)
        .await?;
    tx.commit().await?;
    Ok(())
}
