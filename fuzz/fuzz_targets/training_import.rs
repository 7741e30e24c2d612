//! Any bytes as an attendance export.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = anwei_domain::training_import::parse(data, time::macros::date!(2026 - 03 - 02));
});
