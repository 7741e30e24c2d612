//! The same documents as spreadsheets. Agencies hand registers and ledgers on as spreadsheets:
//! their supervisors sort, filter and sum them. Each table of a document becomes one sheet named
//! after the heading above it; the title, the label–value fields and the paragraphs go on a
//! first summary sheet. Cells that are plain numbers are written as numbers so that they sum;
//! anything else (identifiers with leading zeros, 民國 dates, phone numbers) stays text.
//!
//! XLSX is written by rust_xlsxwriter; ODS, like ODT, by hand. CSV carries the document's first
//! table only, in UTF-8 with a byte-order mark, which is what makes Excel on Traditional Chinese
//! Windows read it as UTF-8 rather than Big5.

use crate::odt::{esc, meta, package};
use crate::{Block, DocError, Document};

/// One sheet: its name and rows; the first `header_rows` are set in bold and frozen.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
    pub header_rows: u32,
    /// Whether it holds one of the document's tables (not the summary).
    pub is_table: bool,
}

/// A text cell that a spreadsheet would take for a formula — it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return — gets a leading apostrophe, so that an asset named
/// `=HYPERLINK(…)` or an owner `+cmd|…` is shown as typed and never run (CSV injection). Plain
/// numbers, negative ones included, stay numbers. Every cell of every sheet and CSV passes
/// through here, in [`sheets`].
pub fn neutralize(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && as_number(cell).is_none() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn neutralized(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|row| row.iter().map(|c| neutralize(c)).collect())
        .collect()
}

/// Excel forbids these in sheet names and limits them to 31 characters.
fn sheet_name(raw: &str, taken: &[Sheet]) -> String {
    let clean: String = raw
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(28)
        .collect();
    let base = if clean.trim().is_empty() {
        format!("{}", taken.len() + 1)
    } else {
        clean.trim().to_string()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|s| s.name == name) {
        name = format!("{base}({n})");
        n += 1;
    }
    name
}

/// The sheets of a document: a summary sheet when there is more than a title to say, then one
/// sheet per table.
pub fn sheets(doc: &Document) -> Vec<Sheet> {
    let mut summary = vec![vec![doc.title.clone()]];
    let mut tables = Vec::new();
    let mut heading = String::new();
    for b in &doc.blocks {
        match b {
            Block::Heading { text, .. } => heading = text.clone(),
            Block::PageBreak | Block::Contents(_) => {}
            Block::Paragraph(text) | Block::Centered(text) => {
                summary.extend(text.lines().map(|l| vec![l.to_string()]));
            }
            Block::Fields(rows) => {
                summary.extend(rows.iter().map(|(k, v)| vec![k.clone(), v.clone()]));
            }
            Block::Table { header, rows } => {
                let mut all = vec![header.clone()];
                all.extend(rows.iter().cloned());
                tables.push((heading.clone(), all));
            }
        }
    }
    let mut out: Vec<Sheet> = Vec::new();
    if summary.len() > 1 || tables.is_empty() {
        let name = sheet_name(&doc.title, &out);
        out.push(Sheet {
            name,
            rows: neutralized(summary),
            header_rows: 1,
            is_table: false,
        });
    }
    for (heading, rows) in tables {
        let name = sheet_name(&heading, &out);
        out.push(Sheet {
            name,
            rows: neutralized(rows),
            header_rows: 1,
            is_table: true,
        });
    }
    out
}

/// A cell that is a plain decimal number: no leading zero (an identifier), no exponent, at most
/// twelve integer digits (beyond that it is an account or phone number, not a quantity).
pub fn as_number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !int.is_empty()
        && int.len() <= 12
        && int.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.len() <= 6
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (frac.is_empty() != digits.contains('.'));
    if plain { cell.parse().ok() } else { None }
}

/// The document as an XLSX workbook.
pub fn to_xlsx(doc: &Document) -> Result<Vec<u8>, DocError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| DocError::Package(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets(doc) {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name).map_err(fail)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r).map_err(|_| DocError::Package("too many rows".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let c =
                    u16::try_from(c).map_err(|_| DocError::Package("too many columns".into()))?;
                match (r < sheet.header_rows, as_number(cell)) {
                    (true, _) => ws.write_string_with_format(r, c, cell, &bold),
                    (false, Some(n)) => ws.write_number(r, c, n),
                    (false, None) => ws.write_string(r, c, cell),
                }
                .map_err(fail)?;
            }
        }
        ws.set_freeze_panes(sheet.header_rows, 0).map_err(fail)?;
        ws.autofit();
    }
    book.save_to_buffer().map_err(fail)
}

const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

fn ods_cell(cell: &str, bold: bool) -> String {
    let style = if bold {
        " table:style-name=\"Head\""
    } else {
        ""
    };
    match as_number(cell) {
        Some(_) if !bold => format!(
            "<table:table-cell office:value-type=\"float\" office:value=\"{cell}\"><text:p>{cell}</text:p></table:table-cell>"
        ),
        _ => format!(
            "<table:table-cell{style} office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
            esc(cell)
        ),
    }
}

fn ods_content(sheets: &[Sheet]) -> String {
    let mut body = String::new();
    for s in sheets {
        let width = s.rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
        body.push_str(&format!(
            "<table:table table:name=\"{}\"><table:table-column table:number-columns-repeated=\"{width}\" table:style-name=\"Col\"/>",
            esc(&s.name)
        ));
        for (r, row) in s.rows.iter().enumerate() {
            let head = u32::try_from(r).unwrap_or(u32::MAX) < s.header_rows;
            if head {
                body.push_str("<table:table-header-rows>");
            }
            body.push_str("<table:table-row>");
            for cell in row {
                body.push_str(&ods_cell(cell, head));
            }
            body.push_str("</table:table-row>");
            if head {
                body.push_str("</table:table-header-rows>");
            }
        }
        body.push_str("</table:table>");
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
<style:style style:name="Col" style:family="table-column"><style:table-column-properties style:column-width="4cm"/></style:style>
<style:style style:name="Head" style:family="table-cell"><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>
</office:document-content>"#
    )
}

const ODS_STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3">
<office:font-face-decls><style:font-face style:name="CJK" svg:font-family="'Noto Sans CJK TC', 'Microsoft JhengHei', PMingLiU"/></office:font-face-decls>
<office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name-asian="CJK"/></style:default-style></office:styles>
</office:document-styles>"#;

/// The document as an ODS spreadsheet.
pub fn to_ods(doc: &Document) -> Result<Vec<u8>, DocError> {
    package(
        ODS_MIMETYPE,
        ODS_STYLES.to_string(),
        meta(doc),
        ods_content(&sheets(doc)),
    )
}

/// The document's first table as CSV, UTF-8 with a byte-order mark; a document without tables
/// gives its summary rows.
pub fn to_csv(doc: &Document) -> Result<Vec<u8>, DocError> {
    let all = sheets(doc);
    let first = all
        .iter()
        .position(|s| s.is_table)
        .or((!all.is_empty()).then_some(0));
    let rows = first
        .and_then(|i| all.into_iter().nth(i))
        .map(|s| s.rows)
        .unwrap_or_default();
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(b"\xef\xbb\xbf".to_vec());
    for row in rows {
        w.write_record(&row)
            .map_err(|e| DocError::Package(e.to_string()))?;
    }
    w.into_inner().map_err(|e| DocError::Package(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Document {
        Document::new("資產清冊")
            .fields(vec![("機關".into(), "臺南市下營區下營國民小學".into())])
            .heading(1, "資訊資產")
            .table(
                vec!["名稱".into(), "數量".into(), "編號".into()],
                vec![
                    vec!["校務行政系統".into(), "3".into(), "007".into()],
                    vec!["防火牆 <主機>".into(), "1.5".into(), "115/03/01".into()],
                ],
            )
            .heading(1, "資訊資產")
            .table(vec!["x".into()], vec![])
    }

    /// Issue 22 item 6: no cell of any format is a formula.
    #[test]
    fn cells_that_look_like_formulas_are_neutralised_in_every_format() {
        let doc = Document {
            title: "資產清冊".into(),
            blocks: vec![Block::Table {
                header: vec!["名稱".into(), "單位".into(), "位置".into(), "數量".into()],
                rows: vec![vec![
                    "=HYPERLINK(\"http://evil.example\",\"x\")".into(),
                    "+cmd|' /C calc'!A0".into(),
                    "@SUM(1+1)".into(),
                    "-3".into(),
                ]],
            }],
            ..sample()
        };
        let csv = String::from_utf8(to_csv(&doc).unwrap()).unwrap();
        assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
        assert!(
            csv.contains("'+cmd|") && csv.contains("'@SUM(1+1)"),
            "{csv}"
        );
        assert!(
            csv.contains(",-3"),
            "a negative number stays a number: {csv}"
        );
        for bad in ["\n=HYP", ",=HYP", ",+cmd", ",@SUM", "\"=HYP"] {
            assert!(!csv.contains(bad), "{bad} in {csv}");
        }
        for cell in ["\tx", "\rx", "-x", "=1+1"] {
            assert!(neutralize(cell).starts_with('\''), "{cell:?}");
        }
        let ods = to_ods(&doc).unwrap();
        let mut content = String::new();
        zip::ZipArchive::new(std::io::Cursor::new(ods))
            .unwrap()
            .by_name("content.xml")
            .unwrap()
            .read_to_string(&mut content)
            .unwrap();
        assert!(
            content.contains("<text:p>&apos;=HYPERLINK(") && !content.contains("table:formula"),
            "{content}"
        );
        let xlsx = to_xlsx(&doc).unwrap();
        let mut strings = String::new();
        zip::ZipArchive::new(std::io::Cursor::new(xlsx))
            .unwrap()
            .by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut strings)
            .unwrap();
        assert!(
            strings.contains("'=HYPERLINK(") && strings.contains("'@SUM(1+1)"),
            "{strings}"
        );
    }

    #[test]
    fn numbers_are_numbers_and_identifiers_stay_text() {
        for (cell, n) in [("3", Some(3.0)), ("1.5", Some(1.5)), ("-2", Some(-2.0))] {
            assert_eq!(as_number(cell), n, "{cell}");
        }
        for cell in [
            "007",
            "115/03/01",
            "1e5",
            "",
            "-",
            ".5",
            "5.",
            "0912345678",
            "1234567890123",
            "NaN",
        ] {
            assert_eq!(as_number(cell), None, "{cell}");
        }
    }

    #[test]
    fn sheets_are_named_after_their_headings_and_unique() {
        let s = sheets(&sample());
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["資產清冊", "資訊資產", "資訊資產(2)"]);
        assert_eq!(s[1].rows[1], vec!["校務行政系統", "3", "007"]);
        assert_eq!(sheet_name("a/b:c[d]*?", &[]), "abcd");
    }

    #[test]
    fn xlsx_is_a_workbook_with_shared_strings() {
        let bytes = to_xlsx(&sample()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut wb = String::new();
        zip.by_name("xl/workbook.xml")
            .unwrap()
            .read_to_string(&mut wb)
            .unwrap();
        assert!(wb.contains("資訊資產(2)"));
        let mut strings = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut strings)
            .unwrap();
        assert!(strings.contains("校務行政系統") && strings.contains("007"));
    }

    #[test]
    fn ods_is_a_spreadsheet_package() {
        let bytes = to_ods(&sample()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
        drop(first);
        let mut content = String::new();
        zip.by_name("content.xml")
            .unwrap()
            .read_to_string(&mut content)
            .unwrap();
        assert!(content.contains("office:value=\"3\""));
        assert!(content.contains("防火牆 &lt;主機&gt;"));
        assert!(content.contains("<text:p>007</text:p>"));
        let mut manifest = String::new();
        zip.by_name("META-INF/manifest.xml")
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        assert!(manifest.contains(ODS_MIMETYPE));
    }

    #[test]
    fn csv_has_a_bom_and_the_first_table() {
        let bytes = to_csv(&sample()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(
            text.trim_start_matches('\u{feff}')
                .lines()
                .collect::<Vec<_>>(),
            vec![
                "名稱,數量,編號",
                "校務行政系統,3,007",
                "防火牆 <主機>,1.5,115/03/01"
            ]
        );
    }
}
