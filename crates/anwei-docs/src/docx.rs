//! The DOCX (Office Open XML) writer, by hand like the ODT one: many agencies still edit in
//! Word, and the package Word needs is six small files. The table of contents is a real TOC
//! field, pre-filled with the headings; `updateFields` asks Word (and LibreOffice) to refresh it
//! on opening, which adds the page numbers. East Asian text uses 微軟正黑體 with the Noto font
//! as the fallback LibreOffice finds on Linux.

use crate::odt::esc;
use crate::{Block, DocError, Document};
use std::io::{Cursor, Write};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:updateFields w:val="true"/><w:defaultTabStop w:val="720"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

fn styles(lang: &str) -> String {
    let heading = |n: u8, size: u8| {
        format!(
            r#"<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="{}"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>"#,
            n - 1
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Microsoft JhengHei" w:cs="Noto Sans CJK TC"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="{lang}" w:eastAsia="{lang}"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="80" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr></w:style>{}{}{}<w:style w:type="paragraph" w:styleId="Centered"><w:name w:val="Centered"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="160"/></w:pPr><w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="30"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="480"/></w:pPr></w:style><w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#,
        heading(1, 30),
        heading(2, 26),
        heading(3, 24)
    )
}

/// The runs of a text: line breaks become `<w:br/>`.
fn runs(text: &str, bold: bool) -> String {
    let props = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<w:r>{props}{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                if i > 0 { "<w:br/>" } else { "" },
                esc(line)
            )
        })
        .collect()
}

fn para(style: Option<&str>, text: &str) -> String {
    let props = style.map_or(String::new(), |s| {
        format!("<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>")
    });
    format!("<w:p>{props}{}</w:p>", runs(text, false))
}

fn table(rows: &[Vec<String>], label_column: bool, header_row: bool) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let col = 9000 / width;
    let mut out = format!(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"Grid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/></w:tblPr><w:tblGrid>{}</w:tblGrid>",
        format!("<w:gridCol w:w=\"{col}\"/>").repeat(width)
    );
    for (r, row) in rows.iter().enumerate() {
        let head = header_row && r == 0;
        out.push_str(if head {
            "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        } else {
            "<w:tr>"
        });
        for c in 0..width {
            let text = row.get(c).map_or("", String::as_str);
            let bold = head || (label_column && c == 0);
            let shade = if bold {
                "<w:tcPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"EEEEEE\"/></w:tcPr>"
            } else {
                ""
            };
            out.push_str(&format!(
                "<w:tc>{shade}<w:p>{}</w:p></w:tc>",
                runs(text, bold)
            ));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl><w:p/>");
    out
}

fn body(doc: &Document) -> String {
    let mut out = para(Some("Title"), &doc.title);
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => out.push_str(&para(
                Some(&format!("Heading{}", (*level).clamp(1, 3))),
                text,
            )),
            Block::Paragraph(text) => out.push_str(&para(None, text)),
            Block::Centered(text) => out.push_str(&para(Some("Centered"), text)),
            Block::PageBreak => out.push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>"),
            Block::Contents(title) => {
                out.push_str(&para(Some("TOCHeading"), title));
                out.push_str("<w:p><w:pPr><w:pStyle w:val=\"TOC1\"/></w:pPr><w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-2\" \\h \\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r></w:p>");
                for (level, text) in doc.outline() {
                    out.push_str(&para(Some(&format!("TOC{level}")), text));
                }
                out.push_str("<w:p><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>");
            }
            Block::Fields(rows) => {
                let rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect();
                out.push_str(&table(&rows, true, false));
            }
            Block::Table { header, rows } => {
                let mut all = vec![header.clone()];
                all.extend(rows.iter().cloned());
                out.push_str(&table(&all, false, true));
            }
        }
    }
    out
}

/// The document as a DOCX package.
pub fn to_docx(doc: &Document) -> Result<Vec<u8>, DocError> {
    let fail = |e: &dyn std::fmt::Display| DocError::Package(e.to_string());
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1418" w:bottom="1134" w:left="1418" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
        body(doc)
    );
    let core = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:language>{}</dc:language><dc:creator>Anwei</dc:creator></cp:coreProperties>"#,
        esc(&doc.title),
        doc.language
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let files = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/document.xml", document),
        ("word/styles.xml", styles(doc.language)),
        ("word/settings.xml", SETTINGS.to_string()),
        ("docProps/core.xml", core),
    ];
    for (name, text) in files {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// The text of a DOCX this module wrote, paragraph by paragraph (for tests and read-back).
pub fn docx_text(bytes: &[u8]) -> Result<String, DocError> {
    use std::io::Read;
    let fail = |e: &dyn std::fmt::Display| DocError::Package(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| fail(&e))?
        .read_to_string(&mut xml)
        .map_err(|e| fail(&e))?;
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(start) = rest.find("<w:t") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</w:t>") else {
            break;
        };
        if open_end < close {
            out.push_str(&unescape(&rest[open_end + 1..close]));
        }
        rest = &rest[close + 6..];
        if rest.starts_with("</w:r></w:p>") {
            out.push('\n');
        }
    }
    Ok(out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_reads_back_with_headings_tables_and_contents() {
        let doc = Document::new("資通安全維護計畫")
            .block(Block::Centered("機密等級：一般".into()))
            .block(Block::PageBreak)
            .block(Block::Contents("目　錄".into()))
            .heading(1, "壹、依據及目的")
            .paragraph("本計畫依據下列法規訂定：<&>")
            .heading(2, "一、核心業務")
            .table(
                vec!["核心業務".into(), "最大可容忍中斷時間".into()],
                vec![vec!["教務業務".into(), "由上級管理單位訂之".into()]],
            );
        let bytes = to_docx(&doc).unwrap();
        let text = docx_text(&bytes).unwrap();
        for s in [
            "資通安全維護計畫",
            "機密等級：一般",
            "目　錄",
            "壹、依據及目的",
            "本計畫依據下列法規訂定：<&>",
            "由上級管理單位訂之",
        ] {
            assert!(text.contains(s), "{s}: {text}");
        }
        // the contents list the headings before the body repeats them
        assert_eq!(text.matches("一、核心業務").count(), 2);
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert!(zip.by_name("[Content_Types].xml").is_ok());
        assert!(zip.by_name("word/styles.xml").is_ok());
    }
}
