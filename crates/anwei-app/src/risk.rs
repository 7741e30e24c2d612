//! The yearly risk assessment (安維計畫 捌): completing it and recording a level-D exemption
//! each freeze the register (or the exemption's statement) and attach it to the year's duty in
//! the same transaction.

use crate::evidence::{Frozen, freeze_for_duty};
use crate::i18n::Locale;
use crate::{Ctx, Result, refuse};
use anwei_domain::asset::Rating;
use anwei_domain::catalog::Catalog;
use anwei_domain::risk::Scales;
use anwei_domain::roc::roc_year_of;
use anwei_store::Actor;
use anwei_store::agencies::AgencyScope;
use anwei_store::risks::{RiskAssessmentRow, RiskRow};
use time::Date;

/// One risk as the pages and the register show it.
pub struct RiskLine {
    pub row: RiskRow,
    pub score: u16,
    pub acceptable: bool,
    pub state: &'static str,
    pub likelihood: String,
    pub impact: String,
    pub value: String,
    pub treatment: String,
}

/// A risk with its score, acceptability, state and labels.
pub fn line(catalog: &Catalog, today: Date, t: &Locale, s: &Scales, row: RiskRow) -> RiskLine {
    let m = &catalog.risk;
    let score = row.score(s);
    RiskLine {
        score,
        acceptable: s.acceptable(score),
        state: row.state(s, today).as_str(),
        likelihood: format!(
            "{} {}",
            row.likelihood,
            m.label(s.likelihood_levels, row.likelihood as u8)
        ),
        impact: format!(
            "{} {}",
            row.impact,
            m.label(s.impact_levels, row.impact as u8)
        ),
        value: row
            .asset_value
            .and_then(Rating::from_number)
            .map_or(String::new(), |r| r.zh().to_string()),
        treatment: row
            .treatment
            .as_deref()
            .map_or(String::new(), |x| t.tp("risk-treatment-", x)),
        row,
    }
}

/// The agency's information systems in use: (name, centralised, run by), what the exemption
/// of 捌、一、1 turns on.
pub async fn systems_in_use(
    store: &anwei_store::Store,
    a: &AgencyScope,
) -> Result<Vec<(String, bool, String)>> {
    use anwei_domain::asset::{AssetKind, AssetStatus};
    Ok(store
        .assets(a)
        .await?
        .into_iter()
        .filter(|x| x.kind == AssetKind::System && x.status == AssetStatus::InUse)
        .map(|x| (x.name, x.centralised, x.hosted_by))
        .collect())
}

/// The 資通安全長 completes the year's assessment: only while it is open, only with at least one
/// risk recorded and every risk settled (accepted, treated or transferred). The register as it
/// then stands is frozen and proves the year's risk duty.
pub async fn complete_assessment(
    cx: Ctx<'_>,
    t: &Locale,
    actor: &Actor,
    a: &AgencyScope,
    x: &RiskAssessmentRow,
) -> Result<()> {
    if !x.is_open() {
        return refuse("err-assessment-closed");
    }
    let s = x.scales();
    let risks = cx.store.risks(x.id).await?;
    if risks.is_empty() {
        return refuse("err-assessment-empty");
    }
    if risks.iter().any(|r| !r.state(&s, cx.today()).settled()) {
        return refuse("err-risks-unsettled");
    }
    // the frozen register says who completed it and when, as the page will
    let done = RiskAssessmentRow {
        completed_by: Some(actor.label.clone()),
        completed_at: Some(cx.now),
        ..x.clone()
    };
    let doc = crate::documents::risk_register(cx.catalog, cx.today(), t, a, &done, risks);
    let frozen = Frozen {
        duty: &cx.catalog.obligations.proof.risk_assessment,
        year: x.year,
        title: t.f1("risk-evidence", "year", &roc_year_of(x.year)),
        name: format!("risk-register-{}.xlsx", x.year),
        format: anwei_docs::Format::Xlsx,
        doc: &doc,
    };
    let mut tx = cx.store.transaction().await?;
    let sha = freeze_for_duty(cx, &mut tx, actor, a.id, frozen).await?;
    tx.complete_risk_assessment(actor, x, &sha, cx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// 捌、一、1: a level-D agency whose every system in use is run centrally by its supervisor
/// may record the year as exempt, with its reason. The statement is frozen as an ODT and proves
/// the year's risk duty, in the same transaction as the record.
pub async fn record_exemption(
    cx: Ctx<'_>,
    t: &Locale,
    actor: &Actor,
    a: &AgencyScope,
    reason: &str,
) -> Result<()> {
    if !cx
        .catalog
        .risk
        .level_may_be_exempt(a.responsibility_level())
    {
        return refuse("err-not-exempt-level");
    }
    let systems = systems_in_use(cx.store, a).await?;
    if !anwei_domain::risk::exempt_by_centralisation(systems.iter().map(|(_, c, _)| (true, *c))) {
        return refuse("err-not-exempt");
    }
    let year = cx.year();
    let roc_year = roc_year_of(year);
    let doc = anwei_docs::Document::new(t.f1("risk-exempt-title", "agency", &a.name))
        .fields(vec![
            (t.t("field-name"), a.name.clone()),
            (t.t("risk-year"), roc_year.to_string()),
            (t.t("risk-recorded-by"), actor.label.clone()),
            (t.t("risk-recorded-on"), t.date(&cx.today())),
        ])
        .heading(1, t.t("risk-exempt-heading"))
        .paragraph(reason)
        .paragraph(cx.catalog.risk.exemption_citation.clone());
    let frozen = Frozen {
        duty: &cx.catalog.obligations.proof.risk_assessment,
        year,
        title: t.f1("risk-exempt-evidence", "year", &roc_year),
        name: format!("risk-exemption-{year}.odt"),
        format: anwei_docs::Format::Odt,
        doc: &doc,
    };
    let mut tx = cx.store.transaction().await?;
    tx.record_risk_exemption(actor, a.id, year, cx.catalog.risk.defaults, reason, cx.now)
        .await?;
    freeze_for_duty(cx, &mut tx, actor, a.id, frozen).await?;
    tx.commit().await?;
    Ok(())
}
