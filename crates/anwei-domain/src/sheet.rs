//! Spreadsheets as agencies actually send them: XLSX saved by Excel, ODS saved by LibreOffice
//! (the government's ODF policy), old XLS, and CSV in UTF-8 (with or without a byte-order mark)
//! or Big5 — what Excel on Traditional Chinese Windows writes. Every format becomes the same
//! table of text cells, so each importer checks rows once, whatever the file was.
//!
//! Dates arrive in three shapes: a real date cell (XLSX gives a serial number flagged as a date,
//! ODS an ISO date), a number that is a serial because the column was formatted as General, and
//! text such as `113/05/01` or `2024-05-01`. [`parse_cell_date`] accepts all three.

use crate::FieldError;
use crate::roc::parse_date_input;
use std::io::Cursor;
use time::{Date, Duration, macros::date};

/// The rows of the first sheet, as text; the first row is the header.
pub type Rows = Vec<Vec<String>>;

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// XLSX or ODS: a zip package.
    Package,
    /// Excel 97–2003.
    Xls,
    Csv,
}

/// Recognises a spreadsheet by its first bytes, not by its name: a renamed file is still read
/// for what it is, and a file that is no spreadsheet at all is refused.
pub fn sniff(bytes: &[u8]) -> Option<SheetFormat> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(SheetFormat::Package);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(SheetFormat::Xls);
    }
    // Text: no NUL bytes and few control characters in the first 8 KiB.
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    (!head.contains(&0) && controls * 100 <= head.len()).then_some(SheetFormat::Csv)
}

/// Decodes text: UTF-8 (a BOM is dropped) when valid, Big5 otherwise.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::BIG5.decode(bytes).0.into_owned(),
    }
}

/// The first sheet of any supported file as text rows, at most `max_rows` of them after the
/// header. Trailing empty rows are dropped; cells are trimmed.
pub fn read_rows(bytes: &[u8], max_rows: usize) -> Result<Rows, FieldError> {
    let unreadable = || FieldError::new("file", "err-sheet-unreadable");
    let rows = match sniff(bytes).ok_or_else(unreadable)? {
        SheetFormat::Csv => csv_rows(bytes)?,
        SheetFormat::Package | SheetFormat::Xls => workbook_rows(bytes).ok_or_else(unreadable)?,
    };
    let mut rows: Rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(|c| c.trim().to_string()).collect())
        .collect();
    while rows
        .last()
        .is_some_and(|r: &Vec<String>| r.iter().all(String::is_empty))
    {
        rows.pop();
    }
    if rows.is_empty() {
        return Err(FieldError::new("file", "err-import-empty"));
    }
    if rows.len() > max_rows + 1 {
        return Err(FieldError::new("file", "err-import-too-many").with("max", max_rows));
    }
    Ok(rows)
}

fn csv_rows(bytes: &[u8]) -> Result<Rows, FieldError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| FieldError::new("file", "err-sheet-unreadable"))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn workbook_rows(bytes: &[u8]) -> Option<Rows> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).ok()?;
    let range = book.worksheet_range_at(0)?.ok()?;
    // calamine starts the range at the first used cell; keep the sheet's own row numbers.
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows: Rows = vec![Vec::new(); top as usize];
    for row in range.rows() {
        let mut cells = vec![String::new(); left as usize];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Some(rows)
}

/// One cell as text: integers without a decimal point, date cells as ISO dates.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            serial_date(d.as_f64()).map_or_else(|| number_text(d.as_f64()), |d| d.to_string())
        }
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) => match s.split_once('T') {
            Some((day, time)) if time.trim_start_matches(['0', ':', '.']).is_empty() => {
                day.to_string()
            }
            _ => s.clone(),
        },
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
        Data::Empty => String::new(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// An Excel serial day (days since 1899-12-30 in the 1900 date system, for every date after
/// 1900-03-01) as a date; only serials between 1950 and 2100 are taken for dates.
pub fn serial_date(serial: f64) -> Option<Date> {
    if !(18_264.0..73_051.0).contains(&serial) {
        return None;
    }
    date!(1899 - 12 - 30).checked_add(Duration::days(serial.floor() as i64))
}

/// A date cell in any of its shapes: an ISO or 民國 date text, or an Excel serial number.
pub fn parse_cell_date(field: &'static str, raw: &str) -> Result<Option<Date>, FieldError> {
    let s = raw.trim();
    if !s.is_empty()
        && s.len() <= 12
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Some(d) = s.parse::<f64>().ok().and_then(serial_date)
    {
        return Ok(Some(d));
    }
    parse_date_input(field, s)
}

/// The position of the first header cell that matches one of `names` (case-insensitive).
pub fn find_column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().to_lowercase();
        names.iter().any(|n| h == n.to_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_are_known_by_their_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(SheetFormat::Package));
        assert_eq!(sniff("姓名,時數\n".as_bytes()), Some(SheetFormat::Csv));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0"), None);
        assert_eq!(
            read_rows(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 10)
                .unwrap_err()
                .key,
            "err-sheet-unreadable"
        );
        assert_eq!(
            read_rows(b"PK\x03\x04not a zip", 10).unwrap_err().key,
            "err-sheet-unreadable"
        );
    }

    #[test]
    fn dates_in_every_shape() {
        assert_eq!(
            parse_cell_date("d", "45413").unwrap(),
            Some(date!(2024 - 05 - 01))
        );
        assert_eq!(
            parse_cell_date("d", "113/05/01").unwrap(),
            Some(date!(2024 - 05 - 01))
        );
        assert_eq!(
            parse_cell_date("d", "2024-05-01").unwrap(),
            Some(date!(2024 - 05 - 01))
        );
        assert_eq!(parse_cell_date("d", "").unwrap(), None);
        assert_eq!(parse_cell_date("d", "12").unwrap_err().key, "err-date");
        assert_eq!(serial_date(45413.75), Some(date!(2024 - 05 - 01)));
    }

    #[test]
    fn csv_rows_trim_and_drop_trailing_blank_rows() {
        let rows = read_rows("\u{feff}名稱 , 數量\n 主機 ,3\n,\n\n".as_bytes(), 10).unwrap();
        assert_eq!(rows, vec![vec!["名稱", "數量"], vec!["主機", "3"]]);
        let many = "a\n1\n2\n3\n";
        assert_eq!(
            read_rows(many.as_bytes(), 2).unwrap_err().key,
            "err-import-too-many"
        );
        assert_eq!(read_rows(b"", 2).unwrap_err().key, "err-import-empty");
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_rows(&bytes, 100);
        }

        #[test]
        fn never_panics_on_zip_prefixed(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut b = b"PK\x03\x04".to_vec();
            b.extend(bytes);
            let _ = read_rows(&b, 100);
        }
    }
}
