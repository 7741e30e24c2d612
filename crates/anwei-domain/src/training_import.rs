//! Attendance exported by e-learning platforms (e等公務園+, 各縣市教師研習網) and in-service
//! training records, as XLSX, ODS or CSV (see [`crate::sheet`] for the encodings and date shapes
//! accepted). Columns are found by their Chinese or English header, in any order. Every row is
//! checked and every problem is reported with its row number, so the 承辦人 can fix the file and
//! import it whole.

use crate::FieldError;
use crate::sheet::{find_column, parse_cell_date, read_rows};
use crate::training::{HourKind, Tenths, parse_hours};
use time::Date;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub course: String,
    pub held_on: Date,
    pub hours: Tenths,
    pub kind: HourKind,
    pub provider: String,
}

/// A problem with one row: its line and the message key (with arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub error: FieldError,
}

/// Which column holds what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    pub name: Option<usize>,
    pub course: Option<usize>,
    pub date: Option<usize>,
    pub hours: Option<usize>,
    pub kind: Option<usize>,
    pub provider: Option<usize>,
}

const NAME: [&str; 4] = ["姓名", "name", "學員姓名", "參加人員"];
const COURSE: [&str; 5] = ["課程名稱", "課程", "course", "研習名稱", "title"];
const DATE: [&str; 7] = [
    "日期",
    "上課日期",
    "完成日期",
    "研習日期",
    "date",
    "held_on",
    "結訓日期",
];
const HOURS: [&str; 6] = [
    "時數",
    "認證時數",
    "學習時數",
    "hours",
    "研習時數",
    "時數(小時)",
];
const KIND: [&str; 5] = ["類別", "課程類別", "性質", "kind", "課程性質"];
const PROVIDER: [&str; 4] = ["辦理單位", "主辦單位", "provider", "開課單位"];

/// The largest file accepted, in rows (a whole county's year fits).
pub const MAX_ROWS: usize = 50_000;

/// Finds the columns by header; the name, course, date and hours columns are required.
pub fn columns(header: &[String]) -> Result<Columns, FieldError> {
    let c = Columns {
        name: find_column(header, &NAME),
        course: find_column(header, &COURSE),
        date: find_column(header, &DATE),
        hours: find_column(header, &HOURS),
        kind: find_column(header, &KIND),
        provider: find_column(header, &PROVIDER),
    };
    let missing: Vec<&str> = [
        (c.name, "姓名"),
        (c.course, "課程名稱"),
        (c.date, "日期"),
        (c.hours, "時數"),
    ]
    .iter()
    .filter(|(col, _)| col.is_none())
    .map(|(_, n)| *n)
    .collect();
    if missing.is_empty() {
        Ok(c)
    } else {
        Err(FieldError::new("file", "err-import-columns").with("columns", missing.join("、")))
    }
}

/// Parses the whole file. `today` refuses courses not yet held (they cannot count as done).
/// Returns the rows, or every row's problems (an import is all or nothing).
pub fn parse(bytes: &[u8], today: Date) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let whole = |error: FieldError| vec![RowError { line: 1, error }];
    let table = read_rows(bytes, MAX_ROWS).map_err(whole)?;
    let header = table
        .first()
        .ok_or_else(|| whole(FieldError::new("file", "err-import-empty")))?;
    let cols = columns(header).map_err(whole)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        if record.iter().all(|f| f.is_empty()) {
            continue; // blank lines Excel leaves between blocks
        }
        let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).cloned().unwrap_or_default();
        let mut row_errors = Vec::new();
        let name = crate::agency::parse_line("name", &cell(cols.name), 1, 50)
            .map_err(|e| row_errors.push(e))
            .ok();
        let course = crate::agency::parse_line("course", &cell(cols.course), 1, 200)
            .map_err(|e| row_errors.push(e))
            .ok();
        let held_on = match parse_cell_date("date", &cell(cols.date))
            .and_then(|d| crate::roc::not_in_future("date", d, today))
        {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                row_errors.push(FieldError::new("date", "err-required"));
                None
            }
            Err(e) => {
                row_errors.push(e);
                None
            }
        };
        let hours = parse_hours("hours", &cell(cols.hours))
            .map_err(|e| row_errors.push(e))
            .ok();
        let kind = match cell(cols.kind).trim() {
            "" => Some(HourKind::General),
            k => HourKind::parse(k).map_err(|e| row_errors.push(e)).ok(),
        };
        let provider = crate::agency::parse_line("provider", &cell(cols.provider), 0, 100)
            .map_err(|e| row_errors.push(e))
            .ok();
        match (name, course, held_on, hours, kind, provider) {
            (Some(name), Some(course), Some(held_on), Some(hours), Some(kind), Some(provider))
                if row_errors.is_empty() =>
            {
                rows.push(ImportRow {
                    line,
                    name,
                    course,
                    held_on,
                    hours,
                    kind,
                    provider,
                })
            }
            _ => errors.extend(row_errors.into_iter().map(|error| RowError { line, error })),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(whole(FieldError::new("file", "err-import-empty")));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    #[test]
    fn utf8_with_bom_and_columns_in_any_order() {
        let csv = "\u{feff}認證時數,姓名,課程名稱,完成日期,類別\n3,陳志明,資安通識,115/03/01,通識\n1.5,施昀豆,資安職能,2026-04-02,專業\n,,,,\n";
        let rows = parse(csv.as_bytes(), TODAY).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "陳志明");
        assert_eq!(rows[0].held_on, date!(2026 - 03 - 01));
        assert_eq!((rows[1].hours, rows[1].kind), (15, HourKind::Professional));
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn big5_as_excel_saves_it() {
        let (bytes, _, unmappable) =
            encoding_rs::BIG5.encode("姓名,課程名稱,日期,時數\n李玉萍,資通安全通識,115/05/01,3\n");
        assert!(!unmappable);
        let rows = parse(&bytes, TODAY).unwrap();
        assert_eq!(rows[0].name, "李玉萍");
        assert_eq!(rows[0].course, "資通安全通識");
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "姓名,課程名稱,日期,時數\n陳志明,通識,115/03/01,-3\n,通識,115/03/01,3\n王怡君,通識,116/01/01,3\n施昀豆,通識,115/13/01,3\n李玉萍,通識,115/03/01,999\n";
        let errors = parse(csv.as_bytes(), TODAY).unwrap_err();
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.error.key)).collect();
        assert_eq!(
            got,
            vec![
                (2, "err-hours"),
                (3, "err-required"),
                (4, "err-in-future"),
                (5, "err-date"),
                (6, "err-hours-range")
            ]
        );
        let missing = parse("姓名,時數\n陳志明,3\n".as_bytes(), TODAY).unwrap_err();
        assert_eq!(missing[0].error.key, "err-import-columns");
        assert_eq!(missing[0].error.args[0].1, "課程名稱、日期");
        assert_eq!(
            parse(b"", TODAY).unwrap_err()[0].error.key,
            "err-import-empty"
        );
    }

    proptest! {
        /// No input makes the parser panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes, TODAY);
        }

        #[test]
        fn never_panics_on_text(s in "(姓名|課程名稱|日期|時數|,|\"|\n|[0-9./]|[一-龥]){0,80}") {
            let _ = parse(s.as_bytes(), TODAY);
        }
    }
}
