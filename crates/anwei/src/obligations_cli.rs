//! `anwei obligations`: an agency's duties for a year and their tasks, for the 承辦人 who wants
//! the list in a terminal or a script, and for a supervisor checking a school. The tasks are
//! materialised first (idempotent), so the answer is the same one the web pages show.

use crate::cli::{Format, cli_locale, say};
use anwei_domain::catalog::Catalog;
use anwei_domain::obligation::{Period, chapter_numeral};
use anwei_domain::roc::RocDate;
use anwei_store::Actor;
use serde_json::json;
use std::process::ExitCode;
use time::OffsetDateTime;

pub async fn run(
    url: &str,
    agency: &str,
    year: i32,
    format: Format,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::load()?.obligations;
    let (store, agency) = crate::cli::agency_for_report(url, agency, year).await?;
    let actor = Actor::cli();
    store
        .materialise_year(&actor, &catalog, agency.id, year, now)
        .await?;
    let tasks = store.tasks(&actor, Some(agency.id), year).await?;
    let today = RocDate::of_instant(now).date();
    let t = cli_locale();
    match format {
        Format::Json => {
            let out = json!({
                "agency": agency.code,
                "name": agency.name,
                "level": agency.level,
                "year": year,
                "tasks": tasks.iter().map(|task| {
                    let o = catalog.get(&task.obligation_key);
                    json!({
                        "obligation": task.obligation_key,
                        "title": o.map(|o| t.pick(&o.title.zh, &o.title.en)),
                        "chapter": o.map(|o| o.chapter),
                        "source": o.map(|o| o.source),
                        "period": task.period_key,
                        "starts_on": task.starts_on.to_string(),
                        "due_on": task.due_on.to_string(),
                        "status": task.status,
                        "overdue": task.is_overdue(today),
                        "assignee": task.assignee_name,
                        "evidence": task.evidence_count,
                        "citations": o.map(|o| &o.citations),
                        "uncertain": o.and_then(|o| o.uncertain.as_ref()),
                    })
                }).collect::<Vec<_>>(),
            });
            say(serde_json::to_string_pretty(&out)?)?;
        }
        Format::Table => {
            say(t.f(
                "obligations-cli-title",
                &[
                    ("agency", format!("{} ({})", agency.name, agency.code)),
                    ("level", t.level(&agency.level)),
                    ("year", year.to_string()),
                    ("count", tasks.len().to_string()),
                ],
            ))?;
            for task in &tasks {
                let Some(o) = catalog.get(&task.obligation_key) else {
                    continue;
                };
                let status = if task.is_overdue(today) {
                    t.t("task-overdue")
                } else {
                    t.tp("task-status-", &task.status)
                };
                say(format!(
                    "{} · {} · {} · {} {} · {}{}",
                    t.date(&task.due_on),
                    Period::parse_key(&task.period_key)
                        .map(|p| t.period(&p))
                        .unwrap_or_else(|| task.period_key.clone()),
                    status,
                    chapter_numeral(o.chapter),
                    t.pick(&o.title.zh, &o.title.en),
                    task.assignee_name.as_deref().unwrap_or("—"),
                    if task.evidence_count > 0 {
                        format!(" · {} {}", t.t("task-evidence-count"), task.evidence_count)
                    } else {
                        String::new()
                    }
                ))?;
                for c in &o.citations {
                    say(format!("    [{}] {}", c.regime, c.text))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
