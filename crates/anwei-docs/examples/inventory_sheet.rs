//! Writes an inventory of N assets as an XLSX with the headers agencies use, for the import
//! benchmark (`bench/assets.sh`): `cargo run --release -p anwei-docs --example inventory_sheet
//! -- 10000 inventory.xlsx`.

use anwei_docs::Document;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().unwrap_or_else(|| "10000".into()).parse()?;
    let out = args.next().unwrap_or_else(|| "inventory.xlsx".into());
    let header = [
        "資產名稱",
        "類別",
        "資產管理人",
        "權責單位",
        "存放位置",
        "機密性",
        "完整性",
        "可用性",
        "法律遵循性",
        "向上集中",
        "代管機關",
    ]
    .map(String::from)
    .to_vec();
    let kinds = ["硬體", "軟體", "資通系統", "資料"];
    let ratings = ["普", "中", "高"];
    let rows = (0..n)
        .map(|i| {
            vec![
                format!("匯入資產{i:05}"),
                kinds[i % kinds.len()].to_string(),
                "施昀豆".into(),
                "教務處".into(),
                format!("教室{}", i % 40),
                ratings[i % 3].into(),
                ratings[(i / 3) % 3].into(),
                ratings[(i / 9) % 3].into(),
                "普".into(),
                "否".into(),
                String::new(),
            ]
        })
        .collect();
    let doc = Document::new("資產清冊")
        .heading(1, "資產清冊")
        .table(header, rows);
    std::fs::write(&out, anwei_docs::to_xlsx(&doc)?)?;
    println!("{n} rows written to {out}");
    Ok(())
}
