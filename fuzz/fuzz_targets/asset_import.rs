//! Any bytes through the inventory import: read, columns guessed, every row checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = anwei_domain::sheet::read_rows(data, 1_000) {
        let header = table.first().cloned().unwrap_or_default();
        let mapping = anwei_domain::asset_import::guess_mapping(&header);
        let _ = anwei_domain::asset_import::parse_rows(&table, &mapping, time::macros::date!(2026 - 12 - 07));
    }
});
