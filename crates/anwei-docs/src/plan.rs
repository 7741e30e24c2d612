//! The plan as a document, laid out as the seed plan is: a cover with the agency, 機密等級, the
//! version and its 民國 date and the signature block (承辦人, 單位主管, 資通安全長 — from the
//! roster, so it cannot name someone the text does not), the table of contents, then the
//! chapters with their numbers. A section left empty is printed as such rather than dropped,
//! so a plan missing a statutory item still prints and shows the gap.

use crate::{Block, Document};
use anwei_domain::plan::{Facts, PlanBlock, PlanContent, fill, numbered};

/// How the cover dates and names the version: 「第 3 版」「中華民國115年11月24日」, or 「草稿」.
#[derive(Debug, Clone)]
pub struct Edition {
    pub label: String,
    pub dated: String,
    /// The approval record: 「送核　施昀豆　民國115年3月2日」, 「核定　邱明崇　…」.
    pub approvals: Vec<String>,
}

/// The text of an empty section.
pub const EMPTY_SECTION: &str = "（本節尚未填寫）";

fn signature(content: &PlanContent, role: &str) -> String {
    content
        .member(role)
        .map_or(String::new(), |m| format!("{}\n{}", m.title.trim(), m.name))
}

pub fn plan_document(content: &PlanContent, facts: &Facts, edition: &Edition) -> Document {
    let f = |t: &str| fill(t, facts, content);
    let ciso_office = content.member("ciso").map_or("資通安全長", |m| m.office());
    let mut doc = Document::new(format!("{}\n資通安全維護計畫", facts.agency_name))
        .block(Block::Centered(format!(
            "機密等級：{}",
            content.classification
        )))
        .block(Block::Centered(format!(
            "{}　{}",
            edition.label, edition.dated
        )))
        .fields(vec![
            ("承辦人簽章：".into(), signature(content, "officer")),
            ("單位主管簽章：".into(), signature(content, "unit_head")),
            (
                format!("{ciso_office}(資安長)簽章："),
                signature(content, "ciso"),
            ),
        ])
        .fields(if edition.approvals.is_empty() {
            Vec::new()
        } else {
            vec![("核定紀錄".into(), edition.approvals.join("\n"))]
        })
        .block(Block::PageBreak)
        .block(Block::Contents("目　錄".into()))
        .block(Block::PageBreak);
    for (i, (number, s)) in numbered(&content.sections).iter().enumerate() {
        let mut blocks = s.blocks.iter();
        if s.title.is_empty() {
            // a run-in item: its number leads its first paragraph
            let first = blocks.next().map_or(String::new(), |b| {
                b.texts().first().map(|t| f(t)).unwrap_or_default()
            });
            doc = doc.paragraph(format!("{number}{first}"));
        } else {
            doc = doc.heading(s.depth, format!("{number}{}", f(&s.title)));
        }
        for b in blocks {
            doc = match b {
                PlanBlock::Paragraph { p } => doc.paragraph(f(p)),
                PlanBlock::Clause { clause, .. } => doc.paragraph(f(clause)),
                PlanBlock::Table { table } => {
                    let mut rows = table.iter().map(|r| r.iter().map(|c| f(c)).collect());
                    let header = rows.next().unwrap_or_default();
                    doc.table(header, rows.collect())
                }
            };
        }
        let leaf = content
            .sections
            .get(i + 1)
            .is_none_or(|next| next.depth <= s.depth);
        if leaf && !content.has_content(&s.id) {
            doc = doc.paragraph(EMPTY_SECTION);
        }
    }
    doc
}
