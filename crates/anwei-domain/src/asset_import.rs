//! Inventories as agencies keep them: an Excel or ODS sheet, or a CSV in UTF-8 or Big5 (see
//! [`crate::sheet`]), with columns named the agency's way. The columns are matched to the
//! inventory's fields by their header (the user can correct the match); every row is checked
//! and reported with its row number before anything is written, and a name used twice in the
//! file is an error of the second row.

use crate::FieldError;
use crate::asset::{AssetInput, RawAsset};
use crate::sheet::{Rows, find_column};
use std::collections::HashMap;

/// The largest inventory accepted, in rows.
pub const MAX_ROWS: usize = 50_000;

/// The inventory's fields and the headers that name them.
pub const FIELDS: [(&str, &[&str]); 14] = [
    (
        "name",
        &["名稱", "資產名稱", "系統名稱", "資訊資產名稱", "name"],
    ),
    ("kind", &["類別", "資產類別", "類型", "kind"]),
    (
        "custodian",
        &["資產管理人", "管理人", "保管人", "custodian"],
    ),
    (
        "owner_unit",
        &["權責單位", "所屬單位", "單位", "owner_unit"],
    ),
    ("location", &["存放位置", "位置", "地點", "location"]),
    (
        "supports_core_business",
        &["支持核心業務", "核心業務", "supports_core_business"],
    ),
    ("centralised", &["向上集中", "集中", "centralised"]),
    ("hosted_by", &["代管機關", "維運單位", "hosted_by"]),
    ("confidentiality", &["機密性", "c", "confidentiality"]),
    ("integrity", &["完整性", "i", "integrity"]),
    ("availability", &["可用性", "a", "availability"]),
    ("legality", &["法律遵循性", "l", "legality"]),
    ("status", &["狀態", "使用狀態", "status"]),
    (
        "acquired_on",
        &[
            "取得日期",
            "購置日期",
            "購買日期",
            "啟用日期",
            "acquired_on",
        ],
    ),
];

/// For each of [`FIELDS`], the column it is read from.
pub type Mapping = [Option<usize>; FIELDS.len()];

/// The columns whose headers name the fields.
pub fn guess_mapping(header: &[String]) -> Mapping {
    FIELDS.map(|(_, names)| find_column(header, names))
}

/// The name and kind must come from some column.
pub fn check_mapping(m: &Mapping) -> Result<(), FieldError> {
    let missing: Vec<&str> = [(0, "名稱"), (1, "類別")]
        .iter()
        .filter(|(i, _)| m[*i].is_none())
        .map(|(_, n)| *n)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(FieldError::new("mapping", "err-import-columns").with("columns", missing.join("、")))
    }
}

/// One row of the file: its row number and the asset, or its problems.
pub type ParsedRow = (usize, Result<AssetInput, Vec<FieldError>>);

/// Refuses the rows whose names the agency already has (`existing`): a name is unique per
/// agency, and an import adds, never overwrites.
pub fn refuse_taken(
    rows: Vec<ParsedRow>,
    existing: &std::collections::HashSet<String>,
) -> Vec<ParsedRow> {
    rows.into_iter()
        .map(|(line, r)| match r {
            Ok(asset) if existing.contains(&asset.name) => (
                line,
                Err(vec![FieldError::new("name", "err-asset-name-taken")]),
            ),
            other => (line, other),
        })
        .collect()
}

/// Every data row of the table read through the mapping. Blank rows are skipped.
pub fn parse_rows(table: &Rows, mapping: &Mapping, today: time::Date) -> Vec<ParsedRow> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, record) in table.iter().enumerate().skip(1) {
        if record.iter().all(String::is_empty) {
            continue;
        }
        let line = i + 1;
        let cell = |f: usize| {
            mapping[f]
                .and_then(|c| record.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let raw = RawAsset {
            name: cell(0),
            kind: cell(1),
            custodian: cell(2),
            owner_unit: cell(3),
            location: cell(4),
            supports_core_business: cell(5),
            centralised: cell(6),
            hosted_by: cell(7),
            confidentiality: cell(8),
            integrity: cell(9),
            availability: cell(10),
            legality: cell(11),
            status: cell(12),
            acquired_on: cell(13),
        };
        let mut parsed = raw.parse(today);
        if let Ok(a) = &parsed {
            if let Some(first) = seen.get(&a.name) {
                parsed = Err(vec![
                    FieldError::new("name", "err-import-duplicate").with("line", first),
                ]);
            } else {
                seen.insert(a.name.clone(), line);
            }
        }
        out.push((line, parsed));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_rows;
    use proptest::prelude::*;

    const TODAY: time::Date = time::macros::date!(2026 - 12 - 07);

    /// Agencies write dates as ISO, as 民國 text, or leave Excel's serial day in a CSV export.
    #[test]
    fn acquisition_dates_in_every_shape_agencies_write_them() {
        let csv = "名稱,類別,購置日期\n\
                   甲,硬體,113/05/01\n\
                   乙,硬體,45413\n\
                   丙,硬體,2024-05-01\n\
                   丁,硬體,民國113年5月1日\n\
                   戊,硬體,\n\
                   己,硬體,113/13/01\n\
                   庚,硬體,去年\n\
                   辛,硬體,9999-12-31\n\
                   壬,硬體,60000\n\
                   癸,硬體,115/12/08\n";
        let table = read_rows(csv.as_bytes(), MAX_ROWS).unwrap();
        let rows = parse_rows(&table, &guess_mapping(&table[0]), TODAY);
        let may_first = Some(time::macros::date!(2024 - 05 - 01));
        for row in &rows[..4] {
            assert_eq!(
                row.1.as_ref().unwrap().acquired_on,
                may_first,
                "line {}",
                row.0
            );
        }
        assert_eq!(rows[4].1.as_ref().unwrap().acquired_on, None);
        for row in &rows[5..] {
            let e = row.1.as_ref().unwrap_err();
            assert_eq!(e[0].field, "acquired_on", "line {}", row.0);
        }
        // Issue 22 item 10: dates that parse but lie after today (9999-12-31, the serial 60000
        // = 2064-04-08, tomorrow) are refused as being in the future.
        for row in &rows[7..] {
            let e = row.1.as_ref().unwrap_err();
            assert_eq!(e[0].key, "err-in-future", "line {}", row.0);
        }
    }

    #[test]
    fn headers_in_chinese_map_and_rows_are_checked_with_duplicates() {
        let csv = "資產名稱,類別,資產管理人,機密性,完整性,可用性,法律遵循性,向上集中\n\
                   國小學籍系統,資通系統,教育局,中,中,普,中,是\n\
                   交換器,硬體,施昀豆,普,普,普,普,否\n\
                   交換器,硬體,施昀豆,普,普,普,普,否\n\
                   ,雲端,,極高,,,,\n";
        let table = read_rows(csv.as_bytes(), MAX_ROWS).unwrap();
        let m = guess_mapping(&table[0]);
        assert_eq!(m[0], Some(0));
        assert_eq!(m[6], Some(7));
        assert_eq!(m[4], None, "no location column");
        check_mapping(&m).unwrap();
        let rows = parse_rows(&table, &m, TODAY);
        assert_eq!(rows.len(), 4);
        assert!(rows[0].1.as_ref().unwrap().centralised);
        assert!(rows[1].1.is_ok());
        let dup = rows[2].1.as_ref().unwrap_err();
        assert_eq!((rows[2].0, dup[0].key), (4, "err-import-duplicate"));
        let bad: Vec<&str> = rows[3]
            .1
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(bad, vec!["name", "kind", "confidentiality"]);
        let none = guess_mapping(&["x".to_string()]);
        assert_eq!(check_mapping(&none).unwrap_err().key, "err-import-columns");
    }

    proptest! {
        #[test]
        fn any_date_text_is_a_date_or_an_error_on_its_field(raw in "\\PC{0,16}") {
            let table = vec![
                vec!["名稱".to_string(), "類別".into(), "取得日期".into()],
                vec!["交換器".into(), "硬體".into(), raw],
            ];
            let rows = parse_rows(&table, &guess_mapping(&table[0]), TODAY);
            if let Err(e) = &rows[0].1 {
                prop_assert!(e.iter().all(|e| e.field == "acquired_on"), "{:?}", e);
            }
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..500)) {
            if let Ok(table) = read_rows(&bytes, 100) {
                let m = guess_mapping(&table[0]);
                let _ = parse_rows(&table, &m, TODAY);
            }
        }
    }
}
