//! Any bytes as an uploaded spreadsheet: refused with a message or read, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = anwei_domain::sheet::read_rows(data, 1_000);
});
