//! Any bytes as the published register of restricted products.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = anwei_domain::restricted::parse_register(data);
});
