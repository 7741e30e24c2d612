//! Any text typed into the plan editor: parsed into blocks, and what parses prints back to the
//! same blocks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(blocks) = anwei_domain::plan::markup_to_blocks("body", text) {
        let again = anwei_domain::plan::blocks_to_markup(&blocks);
        let reparsed = anwei_domain::plan::markup_to_blocks("body", &again);
        assert_eq!(reparsed.ok(), Some(blocks));
    }
});
