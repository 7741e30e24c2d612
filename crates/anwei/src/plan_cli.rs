//! `anwei plan export` and `anwei plan lint`: the same documents and checks as the plan page,
//! for scripts and for the supervisor who collects plans. A failure is one line and writes
//! nothing: the document is rendered fully in memory before the output file is created.

use crate::cli::{Format, say};
use anwei_domain::catalog::Catalog;
use anwei_domain::roc::{RocDate, parse_date_input};
use anwei_store::files::FileStore;
use anyhow::{Context, anyhow};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;
use time::OffsetDateTime;

/// The formats `--format` takes for a plan.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Odt,
    Docx,
    Pdf,
    Html,
}

impl PlanFormat {
    fn format(self) -> anwei_docs::Format {
        match self {
            PlanFormat::Odt => anwei_docs::Format::Odt,
            PlanFormat::Docx => anwei_docs::Format::Docx,
            PlanFormat::Pdf => anwei_docs::Format::Pdf,
            PlanFormat::Html => anwei_docs::Format::Html,
        }
    }
}

async fn plan_of(
    url: &str,
    code: &str,
    version: Option<i32>,
) -> anyhow::Result<(
    anwei_store::Store,
    anwei_store::agencies::AgencyScope,
    anwei_store::plans::PlanVersionRow,
)> {
    let (store, agency) = crate::cli::store_and_agency(url, code).await?;
    let v = match version {
        Some(n) => store
            .published_plan(&agency, Some(n))
            .await?
            .ok_or_else(|| anyhow!("{code} has no published version {n} of its plan"))?,
        // the latest published version; else the draft
        None => match store.published_plan(&agency, None).await? {
            Some(v) => v,
            None => store
                .open_plan(&agency)
                .await?
                .ok_or_else(|| anyhow!("{code} has no plan yet"))?,
        },
    };
    Ok((store, agency, v))
}

/// Writes the plan to `output`. A published version's ODT, DOCX and PDF are its frozen files
/// (checked against their digests) when the file store holding them is given.
pub async fn export(
    url: &str,
    code: &str,
    format: PlanFormat,
    output: &Path,
    version: Option<i32>,
    files: Option<&Path>,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let (store, agency, v) = plan_of(url, code, version).await?;
    let format = format.format();
    let frozen = match files {
        Some(dir) if v.is_published() => {
            let files = store.plan_files(v.id).await?;
            match files.iter().find(|f| f.format == format.extension()) {
                Some(f) => {
                    let bytes = FileStore::local(dir).get(&f.sha256).await?;
                    if anwei_domain::evidence::sha256_hex(&bytes) != f.sha256 {
                        return Err(anyhow!(
                            "the stored {} does not match its SHA-256",
                            f.format
                        ));
                    }
                    Some(bytes)
                }
                None => None,
            }
        }
        _ => None,
    };
    let bytes = match frozen {
        Some(b) => b,
        None => {
            let doc =
                anwei_app::plans::document(&store, &agency, &v, RocDate::of_instant(now).date())
                    .await?;
            format.render(&doc)?
        }
    };
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    say(format!(
        "{} ({} bytes, SHA-256 {})",
        output.display(),
        bytes.len(),
        anwei_domain::evidence::sha256_hex(&bytes)
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the lint findings; exits 1 when there are any (so scripts can gate on it).
pub async fn lint(
    url: &str,
    code: &str,
    on: Option<&str>,
    format: Format,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let on = match on {
        Some(raw) => parse_date_input("on", raw)?.ok_or_else(|| anyhow!("--on needs a date"))?,
        None => RocDate::of_instant(now).date(),
    };
    let (store, agency, v) = plan_of(url, code, None).await?;
    let catalog = Catalog::load()?;
    let findings =
        anwei_app::plans::lint_plan(&store, &catalog, &agency, &v.content()?, on).await?;
    match format {
        Format::Json => say(serde_json::to_string_pretty(&json!({
            "agency": agency.code,
            "version": v.number,
            "on": on.to_string(),
            "findings": findings,
        }))?)?,
        Format::Table => {
            for f in &findings {
                say(format!(
                    "[{}] {} — {} ({})",
                    f.rule.as_str(),
                    f.at,
                    f.message,
                    f.citation
                ))?;
            }
            say(format!("{} finding(s)", findings.len()))?;
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
