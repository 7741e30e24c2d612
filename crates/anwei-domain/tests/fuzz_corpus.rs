//! Replays the kept fuzzing corpus (`fuzz/corpus`) through the parsers the fuzz targets drive,
//! so every input fuzzing once found interesting is checked on each run of the suite: refused
//! with a message or parsed, never a panic, and the plan editor's text printing back the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

#[test]
fn spreadsheets_and_imports() {
    let today = time::macros::date!(2026 - 03 - 02);
    for target in ["sheet", "asset_import", "training_import"] {
        for (_, bytes) in corpus(target) {
            if let Ok(table) = anwei_domain::sheet::read_rows(&bytes, 1_000) {
                let header = table.first().cloned().unwrap_or_default();
                let mapping = anwei_domain::asset_import::guess_mapping(&header);
                let _ = anwei_domain::asset_import::parse_rows(
                    &table,
                    &mapping,
                    time::macros::date!(2026 - 12 - 07),
                );
            }
            let _ = anwei_domain::training_import::parse(&bytes, today);
        }
    }
}

#[test]
fn restricted_registers() {
    for (_, bytes) in corpus("restricted_register") {
        let _ = anwei_domain::restricted::parse_register(&bytes);
    }
}

#[test]
fn plan_markup_prints_back_the_same() {
    for (path, bytes) in corpus("plan_markup") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(blocks) = anwei_domain::plan::markup_to_blocks("body", text) {
            let again = anwei_domain::plan::blocks_to_markup(&blocks);
            assert_eq!(
                anwei_domain::plan::markup_to_blocks("body", &again).ok(),
                Some(blocks),
                "{}",
                path.display()
            );
        }
    }
}
