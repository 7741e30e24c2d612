//! The same documents as one self-contained HTML page: for reading in a browser, for the web
//! preview of a plan, and for agencies that publish their plan on their site. No scripts and no
//! outside resources, so the file can be archived and opened anywhere.

use crate::odt::esc;
use crate::{Block, Document};

fn text(s: &str) -> String {
    esc(s).replace('\n', "<br>")
}

/// The body of the document, without the page around it (for embedding in a page).
pub fn html_fragment(doc: &Document) -> String {
    let mut out = format!("<h1 class=\"doc-title\">{}</h1>\n", text(&doc.title));
    let mut n = 0;
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text: t } => {
                let level = (*level).clamp(1, 3) + 1;
                n += 1;
                out.push_str(&format!("<h{level} id=\"h{n}\">{}</h{level}>\n", text(t)));
            }
            Block::Paragraph(t) => out.push_str(&format!("<p>{}</p>\n", text(t))),
            Block::Centered(t) => out.push_str(&format!("<p class=\"centered\">{}</p>\n", text(t))),
            Block::PageBreak => out.push_str("<hr class=\"page-break\">\n"),
            Block::Contents(title) => {
                out.push_str(&format!(
                    "<nav class=\"contents\"><h2>{}</h2><ol>",
                    text(title)
                ));
                // heading anchors count every heading; the outline lists levels 1 and 2
                let mut k = 0;
                for block in &doc.blocks {
                    if let Block::Heading { level, text: t } = block {
                        k += 1;
                        if *level <= 2 {
                            out.push_str(&format!(
                                "<li class=\"toc{level}\"><a href=\"#h{k}\">{}</a></li>",
                                text(t)
                            ));
                        }
                    }
                }
                out.push_str("</ol></nav>\n");
            }
            Block::Fields(rows) => {
                out.push_str("<table class=\"fields\">");
                for (k, v) in rows {
                    out.push_str(&format!(
                        "<tr><th>{}</th><td>{}</td></tr>",
                        text(k),
                        text(v)
                    ));
                }
                out.push_str("</table>\n");
            }
            Block::Table { header, rows } => {
                out.push_str("<table><thead><tr>");
                for h in header {
                    out.push_str(&format!("<th>{}</th>", text(h)));
                }
                out.push_str("</tr></thead><tbody>");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        out.push_str(&format!("<td>{}</td>", text(c)));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</tbody></table>\n");
            }
        }
    }
    out
}

/// A whole HTML page.
pub fn to_html(doc: &Document) -> Vec<u8> {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:'Noto Sans CJK TC','Microsoft JhengHei',sans-serif;max-width:48rem;margin:2rem auto;line-height:1.7;padding:0 1rem}}\
         table{{border-collapse:collapse;width:100%;margin:1rem 0}}th,td{{border:1px solid #555;padding:.3rem;vertical-align:top}}\
         th{{background:#eee}}.centered{{text-align:center;font-size:1.2rem}}.doc-title{{text-align:center}}\
         .toc2{{margin-left:1.5rem}}nav ol{{list-style:none;padding:0}}hr.page-break{{border:0;border-top:1px dashed #999;margin:2rem 0}}\
         </style></head><body>\n{}</body></html>\n",
        doc.language,
        esc(&doc.title),
        html_fragment(doc)
    )
    .into_bytes()
}
