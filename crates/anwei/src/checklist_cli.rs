//! `anwei checklist`: the audit checklist with Anwei's proposed answer to every item, the reasons
//! and the records that prove them — what the officer prepares before an audit. It reads only.
//! (Not under `anwei audit`, which is the audit chain.)

use crate::cli::{Format, cli_locale, say};
use anwei_app::audits::{evidence_path, reason_text};
use anwei_domain::catalog::Catalog;
use anwei_domain::checklist::Answer;
use anwei_store::Actor;
use anwei_store::files::FileStore;
use serde_json::json;
use std::process::ExitCode;
use time::OffsetDateTime;

/// What `anwei checklist` was asked.
pub struct Run<'a> {
    pub agency: &'a str,
    pub year: i32,
    pub checklist: Option<&'a str>,
    pub below: bool,
    pub format: Format,
}

pub async fn run(url: &str, run: Run<'_>, now: OffsetDateTime) -> anyhow::Result<ExitCode> {
    let Run {
        agency,
        year,
        checklist,
        below,
        format,
    } = run;
    let catalog = Catalog::load()?;
    let (store, a) = crate::cli::agency_for_report(url, agency, year).await?;
    // Nothing is written: the file store is never touched by the proposals.
    let files = FileStore::local(std::env::temp_dir());
    let cx = anwei_app::Ctx {
        store: &store,
        files: &files,
        catalog: &catalog,
        now,
    };
    let unknown = || {
        let known: Vec<&str> = catalog.checklists.iter().map(|c| c.id.as_str()).collect();
        anyhow::anyhow!(
            "there is no checklist {} (known: {})",
            checklist.unwrap_or("?"),
            known.join(", ")
        )
    };
    let t = cli_locale();
    if below {
        let mut lines = Vec::new();
        for sub in store.subordinate_scopes(&Actor::cli(), a.id).await? {
            let (_, proposals) =
                match anwei_app::audits::proposals(&cx, &Actor::cli(), &sub, year, checklist).await
                {
                    Err(anwei_app::Error::NotFound) => return Err(unknown()),
                    r => r?,
                };
            let counts: Vec<(Answer, usize)> = Answer::ALL
                .iter()
                .map(|x| (*x, proposals.iter().filter(|p| p.answer == *x).count()))
                .collect();
            lines.push((sub, counts));
        }
        match format {
            Format::Json => {
                let out: Vec<_> = lines
                    .iter()
                    .map(|(sub, counts)| {
                        let mut v =
                            json!({ "agency": sub.code, "name": sub.name, "level": sub.level });
                        for (x, n) in counts {
                            v[x.as_str()] = json!(n);
                        }
                        v
                    })
                    .collect();
                say(serde_json::to_string_pretty(&out)?)?;
            }
            Format::Table => {
                for (sub, counts) in &lines {
                    let counts: Vec<String> = counts
                        .iter()
                        .map(|(x, n)| format!("{} {n}", t.tp("checklist-answer-", x.as_str())))
                        .collect();
                    say(format!(
                        "{} ({}) · {}",
                        sub.name,
                        sub.code,
                        counts.join(" · ")
                    ))?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (c, proposals) =
        match anwei_app::audits::proposals(&cx, &Actor::cli(), &a, year, checklist).await {
            Err(anwei_app::Error::NotFound) => return Err(unknown()),
            r => r?,
        };
    match format {
        Format::Json => {
            let out = anwei_app::audits::proposals_json(&t, &catalog, &a, year, c, &proposals);
            say(serde_json::to_string_pretty(&out)?)?;
        }
        Format::Table => {
            say(t.f(
                "checklist-cli-title",
                &[
                    ("agency", format!("{} ({})", a.name, a.code)),
                    ("level", t.level(&a.level)),
                    ("year", year.to_string()),
                    ("form", c.form.clone()),
                ],
            ))?;
            let mut dimension = 0;
            for (item, p) in c.items.iter().zip(&proposals) {
                if item.dimension != dimension {
                    dimension = item.dimension;
                    say(c.dimension_of(item))?;
                }
                let first_line = item.text.lines().next().unwrap_or("");
                say(format!(
                    "  {} {} — {}",
                    item.number,
                    t.tp("checklist-answer-", p.answer.as_str()),
                    first_line
                ))?;
                for r in &p.reasons {
                    say(format!("      · {}", reason_text(&t, &catalog, r)))?;
                }
                if !p.evidence.is_empty() {
                    let paths: Vec<String> = p
                        .evidence
                        .iter()
                        .map(|e| evidence_path(&a.code, e))
                        .collect();
                    say(format!(
                        "      {} {}",
                        t.t("checklist-evidence"),
                        paths.join(" ")
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
