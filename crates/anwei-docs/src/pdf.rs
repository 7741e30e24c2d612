//! PDF through Typst, with the Traditional Chinese font compiled in: a PDF from Anwei opens and
//! prints the same on a supervisor's Windows desktop, a phone, or a server with no Chinese font
//! installed, because it carries the glyphs it uses. Text from users never becomes Typst markup:
//! every string is passed as a Typst string literal, so `#`, `*` or `$` in an incident report are
//! printed, not interpreted.

use crate::{Block, DocError, Document};
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Noto Sans CJK TC, subset to Big5 and the punctuation forms use (see `fonts/README.md`).
const FONT: &[u8] = include_bytes!("../fonts/NotoSansCJKtc-Regular-Big5.otf");
const FONT_FAMILY: &str = "Noto Sans CJK TC";

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The library and the font are parsed once per process.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = Font::iter(Bytes::new(FONT)).collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// One document to compile: its generated source and nothing else (no files, no packages, no
/// system fonts).
struct OneDocument {
    main: Source,
}

impl World for OneDocument {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// A Typst string literal: the text is shown exactly as written.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Content of one cell or paragraph: lines joined by line breaks.
fn content(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|l| format!("#{}", lit(l))).collect();
    if lines.is_empty() {
        "[]".into()
    } else {
        format!("[{}]", lines.join(" \\ "))
    }
}

/// The Typst source of a document.
pub fn typst_source(doc: &Document) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "#set document(title: {})\n\
         #set page(paper: \"a4\", flipped: {}, margin: (x: 2.2cm, y: 2cm), footer: context align(center, text(8pt, counter(page).display(\"1 / 1\", both: true))))\n\
         #set text(font: {}, size: 10.5pt, lang: \"zh\", region: \"tw\")\n\
         #set par(leading: 0.75em, spacing: 1em)\n\
         #set table(stroke: 0.5pt + luma(120), inset: 5pt)\n\
         #show heading: set block(above: 1.2em, below: 0.6em)\n\
         #align(center, text(16pt, weight: \"bold\", {}))\n\n",
        lit(&doc.title),
        doc.is_wide(),
        lit(FONT_FAMILY),
        lit(&doc.title),
    ));
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                s.push_str(&format!(
                    "#heading(level: {}, {})\n\n",
                    (*level).clamp(1, 3),
                    content(text)
                ));
            }
            Block::Paragraph(text) => {
                s.push_str(&format!("#par({})\n\n", content(text)));
            }
            Block::Centered(text) => {
                s.push_str(&format!(
                    "#align(center, text(14pt, {}))\n\n",
                    content(text)
                ));
            }
            Block::PageBreak => s.push_str("#pagebreak()\n\n"),
            Block::Contents(title) => {
                s.push_str(&format!(
                    "#outline(title: {}, depth: 2, indent: 2em)\n\n",
                    content(title)
                ));
            }
            Block::Fields(rows) => {
                s.push_str("#table(columns: (auto, 1fr),\n");
                for (label, value) in rows {
                    s.push_str(&format!(
                        "  table.cell(fill: luma(235), {}), {},\n",
                        content(label),
                        content(value)
                    ));
                }
                s.push_str(")\n\n");
            }
            Block::Table { header, rows } => {
                let n = header.len().max(1);
                let wide = header.len() > crate::WIDE_TABLE;
                let columns = if wide {
                    let fr: Vec<String> = crate::column_weights(header, rows)
                        .iter()
                        .map(|w| format!("{w}fr"))
                        .collect();
                    format!("({})", fr.join(", "))
                } else {
                    n.to_string()
                };
                if wide {
                    s.push_str("#[#set text(size: 8pt)\n#set table(inset: 3pt)\n");
                }
                s.push_str(&format!("#table(columns: {columns},\n  table.header("));
                let cells: Vec<String> = header
                    .iter()
                    .map(|h| format!("table.cell(fill: luma(235), {})", content(h)))
                    .collect();
                s.push_str(&cells.join(", "));
                s.push_str("),\n");
                for row in rows {
                    let mut cells: Vec<String> = row.iter().take(n).map(|c| content(c)).collect();
                    cells.resize(n, "[]".into());
                    s.push_str(&format!("  {},\n", cells.join(", ")));
                }
                s.push_str(if wide { ")\n]\n\n" } else { ")\n\n" });
            }
        }
    }
    s
}

/// Renders the document as PDF (A4, Traditional Chinese, the font embedded).
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>, DocError> {
    let world = OneDocument {
        main: Source::new(
            FileId::new(None, VirtualPath::new("document.typ")),
            typst_source(doc),
        ),
    };
    let describe = |errors: &[typst::diag::SourceDiagnostic]| {
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let paged: PagedDocument = typst::compile(&world)
        .output
        .map_err(|e| DocError::Render(describe(&e)))?;
    typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default())
        .map_err(|e| DocError::Render(describe(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        Document::new("資通安全事件通報單")
            .heading(1, "一、通報內容")
            .fields(vec![
                ("機關".into(), "臺南市下營區下營國民小學".into()),
                (
                    "事件".into(),
                    "首頁 #遭置換* $x$ \"引號\" \\反斜線\n第二行".into(),
                ),
            ])
            .paragraph("說明：知悉後一小時內通報。")
            .table(
                vec!["時間".into(), "事項".into()],
                vec![
                    vec!["115/03/02 09:00".into(), "通報".into()],
                    vec!["short".into()],
                ],
            )
    }

    #[test]
    fn renders_a_pdf_with_the_font_embedded() {
        let pdf = to_pdf(&sample()).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("FontFile") || text.contains("/FontFile3") || text.contains("FontFile2"),
            "a font program is embedded"
        );
    }

    #[test]
    fn user_text_is_never_markup() {
        let src = typst_source(&sample());
        assert!(
            src.contains(r#"#"首頁 #遭置換* $x$ \"引號\" \\反斜線" \ #"第二行""#),
            "{src}"
        );
    }
}
