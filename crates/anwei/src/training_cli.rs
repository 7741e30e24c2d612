//! `anwei training ledger`: every person's required, done and missing hours for a year, by
//! category — what the 承辦人 checks in the last quarter and what the 實施情形 reports.

use crate::cli::{Format, cli_locale, say};
use anwei_domain::catalog::Catalog;
use anwei_domain::roc::RocDate;
use anwei_domain::training::{HourKind, show_hours};
use serde_json::json;
use std::process::ExitCode;
use time::OffsetDateTime;

pub async fn ledger(
    url: &str,
    agency: &str,
    year: i32,
    format: Format,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let rules = Catalog::load()?.training;
    let (store, agency) = crate::cli::agency_for_report(url, agency, year).await?;
    let today = RocDate::of_instant(now).date();
    let (level, people) = store.training_ledger(&rules, &agency, year, today).await?;
    let t = cli_locale();
    match format {
        Format::Json => {
            let out = json!({
                "agency": agency.code,
                "level": level.map(|l| l.as_str()),
                "year": year,
                "people": people.iter().map(|p| {
                    let (gr, gd, gm) = p.owed(HourKind::General);
                    let (pr, pd, pm) = p.owed(HourKind::Professional);
                    json!({
                        "name": p.person.name,
                        "category": p.person.category,
                        "external": p.person.external,
                        "general": { "required": f64::from(gr) / 10.0, "done": f64::from(gd) / 10.0, "missing": f64::from(gm) / 10.0 },
                        "professional": { "required": f64::from(pr) / 10.0, "done": f64::from(pd) / 10.0, "missing": f64::from(pm) / 10.0 },
                        "compliant": p.compliant(),
                        "rules": p.lines.iter().map(|l| json!({
                            "kind": l.kind.as_str(), "from": l.window_from.to_string(), "to": l.window_to.to_string(),
                            "citation": l.citation,
                        })).collect::<Vec<_>>(),
                    })
                }).collect::<Vec<_>>(),
            });
            say(serde_json::to_string_pretty(&out)?)?;
        }
        Format::Table => {
            say(t.f(
                "training-cli-title",
                &[
                    ("agency", format!("{} ({})", agency.name, agency.code)),
                    ("level", t.level(&level.map(|l| l.as_str().to_string()))),
                    ("year", year.to_string()),
                ],
            ))?;
            say(t.t("training-cli-header"))?;
            for p in &people {
                let (gr, gd, gm) = p.owed(HourKind::General);
                let (pr, pd, pm) = p.owed(HourKind::Professional);
                say(format!(
                    "{} · {} · {} {}/{}/{} · {} {}/{}/{} · {}",
                    p.person.name,
                    t.tp("training-category-", &p.person.category),
                    t.t("training-general"),
                    show_hours(gr),
                    show_hours(gd),
                    show_hours(gm),
                    t.t("training-professional"),
                    show_hours(pr),
                    show_hours(pd),
                    show_hours(pm),
                    if p.compliant() {
                        t.t("training-compliant")
                    } else {
                        t.t("training-short")
                    }
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
