//! One document model and its renderers. Taiwan's government standard for editable documents is
//! ODF, so ODT comes first and is written here by hand (no mature crate exists): a package of four
//! files whose text Traditional-Chinese readers and LibreOffice alike can open. PDF is laid out by
//! Typst with the Chinese font compiled in; DOCX and HTML take the same model, and so do the
//! spreadsheets (XLSX, ODS, CSV) for documents whose substance is tables.
//!
//! Documents are built from data (an incident, a plan), never by filling a template's text, so
//! each generated file can be read back and checked in tests.
#![forbid(unsafe_code)]

mod docx;
mod html;
mod odt;
mod pdf;
pub mod plan;
mod sheet;

pub use docx::{docx_text, to_docx};
pub use html::{html_fragment, to_html};
pub use odt::to_odt;
pub use pdf::{to_pdf, typst_source};
pub use sheet::{Sheet, as_number, sheets, to_csv, to_ods, to_xlsx};

/// A document: a title and blocks in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// e.g. "zh-TW"
    pub language: &'static str,
    pub blocks: Vec<Block>,
}

/// A table with more columns than this (a register, a risk list) does not fit a portrait A4
/// page readably: its document is laid out on landscape pages, the table in smaller type, its
/// columns as wide as what they hold.
pub(crate) const WIDE_TABLE: usize = 8;

impl Document {
    /// Whether a table is too wide for a portrait page (see [`WIDE_TABLE`]).
    pub(crate) fn is_wide(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| matches!(b, Block::Table { header, .. } if header.len() > WIDE_TABLE))
    }
}

/// Relative widths of a wide table's columns: the longest line each holds, a Chinese character
/// counting twice a Latin one, between 6 (a three-character heading) and 40 so that one long note does not squeeze the
/// numbers to nothing.
pub(crate) fn column_weights(header: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let width = |s: &str| -> usize {
        s.lines()
            .map(|l| l.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
            .max()
            .unwrap_or(0)
    };
    (0..header.len())
        .map(|i| {
            std::iter::once(&header[i])
                .chain(rows.iter().filter_map(|r| r.get(i)))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
                .clamp(6, 40)
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Level 1 to 3. The text carries its own number (壹、 一、 (一)).
    Heading { level: u8, text: String },
    /// A centred line, as on a cover page.
    Centered(String),
    /// The following blocks start on a new page.
    PageBreak,
    /// A table of contents of the level 1 and 2 headings, under this title; with page numbers
    /// where the format lays pages out (PDF) or can compute them (ODT, DOCX on update).
    Contents(String),
    /// A paragraph; line breaks inside are kept.
    Paragraph(String),
    /// Label–value rows, as on a form (e.g. the fields of a notification).
    Fields(Vec<(String, String)>),
    /// A table with a header row.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// The formats a document can be delivered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Odt,
    Pdf,
    Docx,
    Html,
    /// The document's tables as sheets.
    Xlsx,
    Ods,
    /// The first table only.
    Csv,
}

impl Format {
    pub fn render(self, doc: &Document) -> Result<Vec<u8>, DocError> {
        match self {
            Format::Odt => to_odt(doc),
            Format::Pdf => to_pdf(doc),
            Format::Docx => to_docx(doc),
            Format::Html => Ok(to_html(doc)),
            Format::Xlsx => to_xlsx(doc),
            Format::Ods => to_ods(doc),
            Format::Csv => to_csv(doc),
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Odt => "application/vnd.oasis.opendocument.text",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Html => "text/html; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// `odt`, `pdf`, `xlsx`, `ods` or `csv`, as in a download's name.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == ext)
    }

    pub const ALL: [Format; 7] = [
        Format::Odt,
        Format::Pdf,
        Format::Docx,
        Format::Html,
        Format::Xlsx,
        Format::Ods,
        Format::Csv,
    ];

    /// The formats of a report whose substance is its tables (ledgers, registers).
    pub const TABULAR: [Format; 5] = [
        Format::Odt,
        Format::Pdf,
        Format::Xlsx,
        Format::Ods,
        Format::Csv,
    ];

    /// The formats of a document to read and sign (a plan, a notification).
    pub const TEXT: [Format; 4] = [Format::Odt, Format::Docx, Format::Pdf, Format::Html];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Odt => "odt",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
            Format::Csv => "csv",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("cannot write the document package: {0}")]
    Package(String),
    #[error("cannot lay out the document: {0}")]
    Render(String),
}

impl Document {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            language: "zh-TW",
            blocks: Vec::new(),
        }
    }

    pub fn heading(mut self, level: u8, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
        });
        self
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn fields(mut self, rows: Vec<(String, String)>) -> Self {
        self.blocks.push(Block::Fields(rows));
        self
    }

    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// The headings a table of contents lists: (level, text) of levels 1 and 2.
    pub fn outline(&self) -> Vec<(u8, &str)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text } if *level <= 2 => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn table(mut self, header: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        self.blocks.push(Block::Table { header, rows });
        self
    }

    /// Every text of the document in order, one per line: what a reader extracts, for tests.
    pub fn plain_text(&self) -> String {
        let mut out = vec![self.title.clone()];
        for b in &self.blocks {
            match b {
                Block::Heading { text, .. }
                | Block::Paragraph(text)
                | Block::Centered(text)
                | Block::Contents(text) => out.push(text.clone()),
                Block::PageBreak => {}
                Block::Fields(rows) => out.extend(rows.iter().map(|(k, v)| format!("{k} {v}"))),
                Block::Table { header, rows } => {
                    out.push(header.join(" "));
                    out.extend(rows.iter().map(|r| r.join(" ")));
                }
            }
        }
        out.join("\n")
    }
}
