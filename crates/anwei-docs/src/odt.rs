//! The ODT (OpenDocument Text) writer. A package is a zip whose first entry is `mimetype`,
//! stored uncompressed (ODF 1.2 Part 3 §3.3), then the manifest, styles, metadata and content.
//! Fonts are named, not embedded: the East Asian font falls back from Noto Sans CJK TC to the
//! Microsoft JhengHei and PMingLiU every Taiwanese office PC has.

use crate::{Block, DocError, Document};
use std::io::{Cursor, Write};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

/// Escapes text for XML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters; drop them rather than write a broken file.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// A paragraph's text: line breaks become `<text:line-break/>`, tabs `<text:tab/>`.
fn para_text(s: &str) -> String {
    esc(s)
        .replace('\n', "<text:line-break/>")
        .replace('\t', "<text:tab/>")
}

fn p(style: &str, text: &str) -> String {
    format!(
        "<text:p text:style-name=\"{style}\">{}</text:p>",
        para_text(text)
    )
}

fn cell(style: &str, para_style: &str, text: &str) -> String {
    format!(
        "<table:table-cell table:style-name=\"{style}\" office:value-type=\"string\">{}</table:table-cell>",
        p(para_style, text)
    )
}

/// The width of the text on a landscape A4 page, with the margins of [`styles`].
const LANDSCAPE_TEXT_CM: f64 = 24.7;

fn content(doc: &Document) -> String {
    let mut body = String::new();
    let mut column_styles = String::new();
    body.push_str(&p("Title", &doc.title));
    for (n, b) in doc.blocks.iter().enumerate() {
        match b {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 3);
                body.push_str(&format!(
                    "<text:h text:style-name=\"Heading_20_{level}\" text:outline-level=\"{level}\">{}</text:h>",
                    para_text(text)
                ));
            }
            Block::Paragraph(text) => body.push_str(&p("Standard", text)),
            Block::Centered(text) => body.push_str(&p("Centered", text)),
            Block::PageBreak => body.push_str("<text:p text:style-name=\"PageBreak\"/>"),
            Block::Contents(title) => {
                // An index LibreOffice recognises and can update (page numbers appear on
                // 更新目錄); it is filled with the headings so it reads right before that.
                body.push_str(&format!(
                    "<text:table-of-content text:name=\"Contents{n}\"><text:table-of-content-source text:outline-level=\"2\"><text:index-title-template text:style-name=\"Contents_20_Heading\">{}</text:index-title-template></text:table-of-content-source><text:index-body><text:index-title text:name=\"Contents{n}_Head\">{}</text:index-title>",
                    esc(title),
                    p("Contents_20_Heading", title)
                ));
                for (level, text) in doc.outline() {
                    body.push_str(&p(&format!("Contents_20_{level}"), text));
                }
                body.push_str("</text:index-body></text:table-of-content>");
            }
            Block::Fields(rows) => {
                body.push_str(&format!(
                    "<table:table table:name=\"Fields{n}\" table:style-name=\"Tbl\">"
                ));
                body.push_str("<table:table-column table:style-name=\"ColLabel\"/><table:table-column table:style-name=\"ColValue\"/>");
                for (k, v) in rows {
                    body.push_str("<table:table-row>");
                    body.push_str(&cell("CellLabel", "Label", k));
                    body.push_str(&cell("Cell", "Standard", v));
                    body.push_str("</table:table-row>");
                }
                body.push_str("</table:table>");
            }
            Block::Table { header, rows } => {
                body.push_str(&format!(
                    "<table:table table:name=\"Table{n}\" table:style-name=\"Tbl\">"
                ));
                if header.len() > crate::WIDE_TABLE {
                    // columns as wide as what they hold, across the landscape page
                    let weights = crate::column_weights(header, rows);
                    let total: usize = weights.iter().sum();
                    for (i, w) in weights.iter().enumerate() {
                        let cm = LANDSCAPE_TEXT_CM * (*w as f64) / (total.max(1) as f64);
                        column_styles.push_str(&format!(
                            "<style:style style:name=\"T{n}C{i}\" style:family=\"table-column\"><style:table-column-properties style:column-width=\"{cm:.2}cm\"/></style:style>"
                        ));
                        body.push_str(&format!(
                            "<table:table-column table:style-name=\"T{n}C{i}\"/>"
                        ));
                    }
                } else {
                    body.push_str(&format!(
                        "<table:table-column table:number-columns-repeated=\"{}\"/>",
                        header.len().max(1)
                    ));
                }
                body.push_str("<table:table-header-rows><table:table-row>");
                for h in header {
                    body.push_str(&cell("CellLabel", "Label", h));
                }
                body.push_str("</table:table-row></table:table-header-rows>");
                for r in rows {
                    body.push_str("<table:table-row>");
                    for c in r {
                        body.push_str(&cell("Cell", "Standard", c));
                    }
                    body.push_str("</table:table-row>");
                }
                body.push_str("</table:table>");
            }
        }
    }
    let table_cm = if doc.is_wide() {
        LANDSCAPE_TEXT_CM
    } else {
        16.0
    };
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
<style:style style:name="Tbl" style:family="table"><style:table-properties style:width="{table_cm}cm" table:align="left"/></style:style>{column_styles}
<style:style style:name="ColLabel" style:family="table-column"><style:table-column-properties style:column-width="4.5cm"/></style:style>
<style:style style:name="ColValue" style:family="table-column"><style:table-column-properties style:column-width="11.5cm"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>
<style:style style:name="CellLabel" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000" fo:background-color="#eeeeee"/></style:style>
</office:automatic-styles>
<office:body><office:text>{body}</office:text></office:body>
</office:document-content>"##
    )
}

fn styles(doc: &Document) -> String {
    let (lang, country) = doc.language.split_once('-').unwrap_or((doc.language, ""));
    let page = if doc.is_wide() {
        r#"fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape""#
    } else {
        r#"fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait""#
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3">
<office:font-face-decls>
<style:font-face style:name="CJK" svg:font-family="'Noto Sans CJK TC', 'Microsoft JhengHei', PMingLiU" style:font-family-generic="swiss"/>
<style:font-face style:name="Latin" svg:font-family="'Noto Sans', Arial" style:font-family-generic="swiss"/>
</office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph">
<style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.15cm"/>
<style:text-properties style:font-name="Latin" style:font-name-asian="CJK" fo:font-size="12pt" style:font-size-asian="12pt" fo:language="{lang}" fo:country="{country}" style:language-asian="{lang}" style:country-asian="{country}"/>
</style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="18pt" style:font-size-asian="18pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.2cm"/><style:text-properties fo:font-size="15pt" style:font-size-asian="15pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.15cm"/><style:text-properties fo:font-size="13pt" style:font-size-asian="13pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:default-outline-level="3"><style:paragraph-properties fo:margin-top="0.2cm" fo:margin-bottom="0.1cm"/><style:text-properties fo:font-size="12pt" style:font-size-asian="12pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Label" style:family="paragraph"><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Centered" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.3cm"/><style:text-properties fo:font-size="14pt" style:font-size-asian="14pt"/></style:style>
<style:style style:name="PageBreak" style:family="paragraph"><style:paragraph-properties fo:break-after="page"/></style:style>
<style:style style:name="Contents_20_Heading" style:display-name="Contents Heading" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.3cm"/><style:text-properties fo:font-size="15pt" style:font-size-asian="15pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Contents_20_1" style:display-name="Contents 1" style:family="paragraph"/>
<style:style style:name="Contents_20_2" style:display-name="Contents 2" style:family="paragraph"><style:paragraph-properties fo:margin-left="1cm"/></style:style>
</office:styles>
<office:automatic-styles><style:page-layout style:name="A4"><style:page-layout-properties {page} fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4"/></office:master-styles>
</office:document-styles>"#
    )
}

pub(crate) fn meta(doc: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
<office:meta><meta:generator>Anwei</meta:generator><dc:title>{}</dc:title><dc:language>{}</dc:language></office:meta>
</office:document-meta>"#,
        esc(&doc.title),
        doc.language
    )
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{mimetype}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

/// The document as an ODT package.
pub fn to_odt(doc: &Document) -> Result<Vec<u8>, DocError> {
    package(MIMETYPE, styles(doc), meta(doc), content(doc))
}

/// An OpenDocument package of any kind (text, spreadsheet): `mimetype` first and stored, then
/// the manifest naming the same media type, the styles, the metadata and the content.
pub(crate) fn package(
    mimetype: &str,
    styles: String,
    meta: String,
    content: String,
) -> Result<Vec<u8>, DocError> {
    let fail = |e: &dyn std::fmt::Display| DocError::Package(e.to_string());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let files = [
        ("mimetype", mimetype.to_string(), stored),
        (
            "META-INF/manifest.xml",
            MANIFEST.replace("{mimetype}", mimetype),
            deflated,
        ),
        ("styles.xml", styles, deflated),
        ("meta.xml", meta, deflated),
        ("content.xml", content, deflated),
    ];
    for (name, text, options) in files {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Document {
        Document::new("資通安全事件通報單")
            .heading(1, "一、通報資料")
            .fields(vec![
                ("單位名稱".into(), "臺南市下營區下營國民小學".into()),
                (
                    "事件分類".into(),
                    "INT 入侵攻擊 <系統被入侵> & \"其他\"".into(),
                ),
            ])
            .paragraph("第一行\n第二行")
            .table(
                vec!["步驟".into(), "期限".into()],
                vec![vec!["通報".into(), "民國115年3月2日 09:30".into()]],
            )
    }

    fn entry(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// A register of many columns is laid out landscape with columns as wide as their content,
    /// in ODT and in PDF; a narrow document stays portrait.
    #[test]
    fn wide_tables_turn_the_page() {
        let header: Vec<String> = (0..12).map(|i| format!("欄{i}")).collect();
        let mut row: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        row[3] = "系統由教育局代管，學校無法變更其認證機制".into();
        let wide = Document::new("清冊").table(header, vec![row]);
        let odt = to_odt(&wide).unwrap();
        assert!(entry(&odt, "styles.xml").contains("style:print-orientation=\"landscape\""));
        let content = entry(&odt, "content.xml");
        assert!(content.contains("style:name=\"T0C3\""), "per-column widths");
        let width = |i: usize| -> f64 {
            let tag = format!(
                "style:name=\"T0C{i}\" style:family=\"table-column\"><style:table-column-properties style:column-width=\""
            );
            let start = content.find(&tag).unwrap() + tag.len();
            content[start..start + content[start..].find("cm").unwrap()]
                .parse()
                .unwrap()
        };
        assert!(width(3) > 3.0 * width(0), "{} vs {}", width(3), width(0));
        assert!(crate::pdf::typst_source(&wide).contains("flipped: true"));
        let narrow = sample();
        assert!(entry(&to_odt(&narrow).unwrap(), "styles.xml").contains("\"portrait\""));
        assert!(crate::pdf::typst_source(&narrow).contains("flipped: false"));
    }

    #[test]
    fn the_package_is_well_formed() {
        let bytes = to_odt(&sample()).unwrap();
        // The mimetype is the first entry, stored, so that tools can sniff it at offset 38.
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes());
        let content = entry(&bytes, "content.xml");
        assert!(content.contains("臺南市下營區下營國民小學"));
        assert!(
            content.contains("&lt;系統被入侵&gt; &amp; &quot;其他&quot;"),
            "escaped"
        );
        assert!(content.contains("第一行<text:line-break/>第二行"));
        assert!(entry(&bytes, "styles.xml").contains("fo:country=\"TW\""));
        assert!(entry(&bytes, "meta.xml").contains("<dc:title>資通安全事件通報單</dc:title>"));
        assert!(entry(&bytes, "META-INF/manifest.xml").contains("content.xml"));
    }

    #[test]
    fn control_characters_cannot_break_the_xml() {
        let doc = Document::new("x").paragraph("a\u{0}b\u{1b}c");
        let content = entry(&to_odt(&doc).unwrap(), "content.xml");
        assert!(content.contains(">abc<"));
    }

    #[test]
    fn plain_text_lists_every_text() {
        let t = sample().plain_text();
        assert!(
            t.starts_with("資通安全事件通報單\n一、通報資料\n單位名稱 臺南市下營區下營國民小學")
        );
        assert!(t.contains("通報 民國115年3月2日 09:30"));
    }
}
