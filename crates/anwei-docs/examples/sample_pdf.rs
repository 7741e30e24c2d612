//! Writes a sample PDF to the path given, to look at the layout: `cargo run -p anwei-docs
//! --example sample_pdf -- out.pdf`.
#![allow(clippy::unwrap_used)]

fn main() {
    let doc = anwei_docs::Document::new("資通安全事件通報單")
        .heading(1, "一、通報機關及通報人")
        .fields(vec![
            ("機關".into(), "臺南市下營區下營國民小學".into()),
            ("通報人".into(), "施昀豆（06-6892404）".into()),
            ("知悉時間".into(), "民國115年3月2日 08:30".into()),
        ])
        .heading(1, "二、事件說明")
        .paragraph("教務處一台電腦檔案遭加密。\n已拔除網路線。")
        .table(
            vec!["期限".into(), "時間".into(), "依據".into()],
            vec![vec![
                "通報".into(),
                "民國115年3月2日 09:30".into(),
                "資通安全事件通報應變及演練辦法 §6 I：知悉資通安全事件後一小時內通報".into(),
            ]],
        );
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample.pdf".into());
    std::fs::write(out, anwei_docs::to_pdf(&doc).unwrap()).unwrap();
}
