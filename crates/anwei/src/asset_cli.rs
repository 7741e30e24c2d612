//! `anwei asset import`: the inventory import for scripts and for a bureau loading its schools'
//! registers, the same checks as the page (columns found by their headers, every row checked,
//! names the agency has refused) and the same all-in-one-transaction write. Without
//! `--skip-invalid` a file with any refused row imports nothing, so a script notices.

use crate::cli::{cli_locale, say};
use anwei_domain::asset::AssetInput;
use anwei_domain::asset_import::{
    MAX_ROWS, check_mapping, guess_mapping, parse_rows, refuse_taken,
};
use anwei_domain::evidence::sha256_hex;
use anwei_domain::sheet::read_rows;
use anwei_store::Actor;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use time::OffsetDateTime;

pub async fn import(
    url: &str,
    agency: &str,
    file: &Path,
    skip_invalid: bool,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let t = cli_locale();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let table = read_rows(&bytes, MAX_ROWS)?;
    let mapping = guess_mapping(table.first().map_or(&[][..], Vec::as_slice));
    check_mapping(&mapping)?;
    let (store, agency) = crate::cli::store_and_agency(url, agency).await?;
    let existing = store.asset_names(&agency).await?;
    let rows = refuse_taken(
        parse_rows(
            &table,
            &mapping,
            anwei_domain::roc::RocDate::of_instant(now).date(),
        ),
        &existing,
    );
    let mut valid: Vec<AssetInput> = Vec::new();
    let mut refused = 0;
    for (line, r) in rows {
        match r {
            Ok(asset) => valid.push(asset),
            Err(errors) => {
                refused += 1;
                let what: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", t.tp("import-field-", e.field), t.field_error(e)))
                    .collect();
                eprintln!(
                    "{}",
                    t.f(
                        "import-row-error",
                        &[("line", line.to_string()), ("message", what.join("; "))]
                    )
                );
            }
        }
    }
    if refused > 0 && !skip_invalid {
        eprintln!("{}", t.f1("asset-cli-refused", "n", &refused));
        return Ok(ExitCode::FAILURE);
    }
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let started = std::time::Instant::now();
    let done = store
        .import_asset_inputs(
            &Actor::cli(),
            agency.id,
            valid,
            (&name, &sha256_hex(&bytes)),
            now,
            &|_| {},
        )
        .await?;
    say(t.f(
        "asset-cli-imported",
        &[
            ("n", done.added.to_string()),
            ("refused", refused.to_string()),
            ("agency", agency.code.clone()),
            ("ms", started.elapsed().as_millis().to_string()),
        ],
    ))?;
    Ok(ExitCode::SUCCESS)
}
