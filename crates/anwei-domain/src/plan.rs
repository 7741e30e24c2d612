//! 資通安全維護計畫 as data. Agencies keep their plan as a Word file that drifts from what they
//! do; here the plan is sections of text, tables and clauses the agency maintains, and every
//! document is generated from it. Names, the level and the roster come from facts held once
//! (`{機關名稱}`, `{責任等級}`, `{資通安全長}` in the text), so a change of 資通安全長 changes every
//! place that names them. Headings are numbered the way Taiwanese plans number them
//! (壹、 一、 (一)), from the order of the sections, so inserting a section renumbers the rest.
//!
//! A plan starts from a template in `catalog/plan-templates/` (the city's model plan), which is
//! data, so another city's template needs no programming.

use crate::FieldError;
use crate::agency::ResponsibilityLevel;
use serde::{Deserialize, Serialize};

/// One block of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PlanBlock {
    /// A table; the first row is its header.
    Table {
        table: Vec<Vec<String>>,
    },
    /// A control clause (「what we do」), with who carries it out and how often, where the
    /// clause says so.
    Clause {
        clause: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
    Paragraph {
        p: String,
    },
}

impl PlanBlock {
    /// Every text of the block, for lint and comparison.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            PlanBlock::Table { table } => table.iter().flatten().map(String::as_str).collect(),
            PlanBlock::Clause { clause, .. } => vec![clause.as_str()],
            PlanBlock::Paragraph { p } => vec![p.as_str()],
        }
    }
}

/// A section: a heading and its blocks. `depth` 1 is a chapter (壹), 2 a section (一), 3 a
/// subsection ((一)); a depth-3 section without a title is a run-in item whose first paragraph
/// follows its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Stable within a plan's versions (the diff pairs sections by it).
    pub id: String,
    pub depth: u8,
    #[serde(default)]
    pub title: String,
    /// The statutory items (施行細則 §9 I) this section answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<u8>,
    /// What lint looks for here: ciso, training-requirements, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, rename = "block")]
    pub blocks: Vec<PlanBlock>,
}

/// Roles of the roster that the plan and its signature block name.
pub const ROSTER_ROLES: [&str; 4] = ["ciso", "unit_head", "officer", "member"];

/// A person of the 資通安全推動組織 (伍): the 資通安全長, the 單位主管, the 承辦人 and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// ciso, unit_head, officer or member
    pub role: String,
    pub name: String,
    /// As signed, one line per office (「代理教師兼\n註冊設備組長」).
    pub title: String,
    #[serde(default)]
    pub duties: String,
}

impl Member {
    /// The last line of the title: the office itself (「校長」).
    pub fn office(&self) -> &str {
        self.title.lines().last().unwrap_or("").trim()
    }
}

/// The plan's content: what a version freezes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    /// The template it started from.
    pub template: String,
    /// 機密等級 (一般, 限閱, …)
    pub classification: String,
    pub roster: Vec<Member>,
    pub sections: Vec<Section>,
}

impl PlanContent {
    pub fn member(&self, role: &str) -> Option<&Member> {
        self.roster.iter().find(|m| m.role == role)
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Whether a section or any section below it has content.
    pub fn has_content(&self, id: &str) -> bool {
        let Some(i) = self.sections.iter().position(|s| s.id == id) else {
            return false;
        };
        let depth = self.sections[i].depth;
        std::iter::once(&self.sections[i])
            .chain(
                self.sections[i + 1..]
                    .iter()
                    .take_while(|s| s.depth > depth),
            )
            .any(|s| {
                s.blocks
                    .iter()
                    .any(|b| b.texts().iter().any(|t| !t.trim().is_empty()))
            })
    }
}

/// A plan template from `catalog/plan-templates/`.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanTemplate {
    pub key: String,
    pub name: crate::obligation::Localized,
    pub source: String,
    #[serde(default)]
    pub levels: Vec<String>,
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
}

impl PlanTemplate {
    pub fn from_toml(file: &'static str, text: &str) -> Result<Self, crate::DomainError> {
        let t: PlanTemplate = toml::from_str(text).map_err(|e| crate::DomainError::Catalog {
            file,
            reason: e.to_string(),
        })?;
        let mut seen = std::collections::HashSet::new();
        for s in &t.sections {
            if !(1..=3).contains(&s.depth) || !seen.insert(s.id.as_str()) {
                return Err(crate::DomainError::Catalog {
                    file,
                    reason: format!("section {}: depth 1–3 and unique ids", s.id),
                });
            }
        }
        Ok(t)
    }

    /// A new agency's plan: the template's sections, with the roster the agency names.
    pub fn instantiate(&self, roster: Vec<Member>) -> PlanContent {
        PlanContent {
            template: self.key.clone(),
            classification: "一般".into(),
            roster,
            sections: self.sections.clone(),
        }
    }
}

const CHINESE_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
/// Chapter numbers in the formal (大寫) style plans use: 壹 貳 參 …
const FORMAL_DIGITS: [&str; 10] = ["零", "壹", "貳", "參", "肆", "伍", "陸", "柒", "捌", "玖"];

fn numeral(n: usize, digits: &[&str; 10], ten: &str) -> String {
    match n {
        0 => digits[0].to_string(),
        1..=9 => digits[n].to_string(),
        10 => ten.to_string(),
        11..=19 => format!("{ten}{}", digits[n - 10]),
        _ => {
            let (t, u) = (n / 10 % 10, n % 10);
            let unit = if u == 0 { "" } else { digits[u] };
            format!("{}{ten}{unit}", digits[t])
        }
    }
}

/// The number of the `n`-th (1-based) section at `depth`, as the seed writes it:
/// 壹、 (chapters, with 壹拾 for ten), 一、, (一).
pub fn heading_number(depth: u8, n: usize) -> String {
    match depth {
        1 => {
            let s = numeral(n, &FORMAL_DIGITS, "拾");
            // 10–19 are written 壹拾, 壹拾壹 … in plans
            let s = if (10..20).contains(&n) {
                format!("壹{s}")
            } else {
                s
            };
            format!("{s}、")
        }
        2 => format!("{}、", numeral(n, &CHINESE_DIGITS, "十")),
        _ => format!("({})", numeral(n, &CHINESE_DIGITS, "十")),
    }
}

/// Each section with its number, in order.
pub fn numbered(sections: &[Section]) -> Vec<(String, &Section)> {
    let mut counters = [0usize; 4];
    sections
        .iter()
        .map(|s| {
            let d = usize::from(s.depth.clamp(1, 3));
            counters[d] += 1;
            for c in counters.iter_mut().skip(d + 1) {
                *c = 0;
            }
            (heading_number(s.depth, counters[d]), s)
        })
        .collect()
}

/// Each section with the numbers of its chapter and section before its own («伍、一、»), so a
/// reference to it is unambiguous.
pub fn full_numbers(sections: &[Section]) -> Vec<(String, &Section)> {
    let mut path: Vec<String> = Vec::new();
    numbered(sections)
        .into_iter()
        .map(|(n, s)| {
            path.truncate(usize::from(s.depth.clamp(1, 3)) - 1);
            path.push(n);
            (path.concat(), s)
        })
        .collect()
}

/// The facts the text's placeholders stand for.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub agency_name: String,
    pub level: Option<ResponsibilityLevel>,
}

/// The text with its placeholders filled: {機關名稱}, {責任等級}, {資通安全長},
/// {資通安全長職稱}. An unknown placeholder stays as written (lint reports it).
pub fn fill(text: &str, facts: &Facts, content: &PlanContent) -> String {
    let ciso = content.member("ciso");
    text.replace("{機關名稱}", &facts.agency_name)
        .replace(
            "{責任等級}",
            facts.level.map(|l| l.as_str()).unwrap_or("（未核定）"),
        )
        .replace(
            "{資通安全長}",
            ciso.map_or("（未指定）", |m| m.name.as_str()),
        )
        .replace(
            "{資通安全長職稱}",
            ciso.map_or("（未指定）", |m| m.office()),
        )
}

/// The labels the recurrence of a clause is written with in the editor and the documents.
pub const RECURRENCE_LABELS: [(&str, &str); 6] = [
    ("yearly", "每年"),
    ("half-yearly", "每半年"),
    ("quarterly", "每季"),
    ("monthly", "每月"),
    ("every 90 days", "每90天"),
    ("periodic", "定期"),
];

pub fn recurrence_label(every: &str) -> &str {
    RECURRENCE_LABELS
        .iter()
        .find(|(k, _)| *k == every)
        .map_or(every, |(_, v)| v)
}

/// The blocks of a section as the editor shows them: paragraphs separated by a blank line;
/// table rows as `| a | b |`; clauses as `[每季｜資訊組] text`.
pub fn blocks_to_markup(blocks: &[PlanBlock]) -> String {
    let mut out = Vec::new();
    for b in blocks {
        out.push(match b {
            PlanBlock::Paragraph { p } => p.clone(),
            PlanBlock::Table { table } => table
                .iter()
                .map(|r| format!("| {} |", r.join(" | ")))
                .collect::<Vec<_>>()
                .join("\n"),
            PlanBlock::Clause {
                clause,
                every,
                owner,
            } => {
                let every = every.as_deref().map(recurrence_label).unwrap_or("");
                match owner.as_deref().filter(|o| !o.is_empty()) {
                    Some(o) => format!("[{every}｜{o}] {clause}"),
                    None => format!("[{every}] {clause}"),
                }
            }
        });
    }
    out.join("\n\n")
}

/// Parses the editor's text back into blocks. A table's rows must all have as many cells as
/// its header; a clause's frequency must be one of [`RECURRENCE_LABELS`].
pub fn markup_to_blocks(field: &'static str, text: &str) -> Result<Vec<PlanBlock>, FieldError> {
    // browsers send CRLF; an old Mac file or a paste may hold a lone CR
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.chars().count() > 50_000 {
        return Err(FieldError::new(field, "err-too-long").with("max", 50_000));
    }
    let mut blocks = Vec::new();
    for chunk in text.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if chunk.starts_with('|') {
            let rows: Vec<Vec<String>> = chunk
                .lines()
                .map(|l| {
                    l.trim()
                        .trim_start_matches('|')
                        .trim_end_matches('|')
                        .split('|')
                        .map(|c| c.trim().to_string())
                        .collect()
                })
                .collect();
            let width = rows.first().map_or(0, Vec::len);
            if let Some(n) = rows.iter().position(|r| r.len() != width) {
                return Err(FieldError::new(field, "err-plan-table-row").with("row", n + 1));
            }
            blocks.push(PlanBlock::Table { table: rows });
        } else if let Some(rest) = chunk.strip_prefix('[')
            && let Some((head, clause)) = rest.split_once(']')
        {
            let (every, owner) = head.split_once('｜').unwrap_or((head, ""));
            let every = every.trim();
            let every = if every.is_empty() {
                None
            } else {
                Some(
                    RECURRENCE_LABELS
                        .iter()
                        .find(|(k, v)| *v == every || *k == every)
                        .map(|(k, _)| k.to_string())
                        .ok_or_else(|| {
                            FieldError::new(field, "err-plan-recurrence").with("value", every)
                        })?,
                )
            };
            let owner = owner.trim();
            blocks.push(PlanBlock::Clause {
                clause: clause.trim().to_string(),
                every,
                owner: (!owner.is_empty()).then(|| owner.to_string()),
            });
        } else {
            blocks.push(PlanBlock::Paragraph {
                p: chunk.to_string(),
            });
        }
    }
    Ok(blocks)
}

/// What changed in a section between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SectionChange {
    Added,
    Removed,
    /// The title changed (old title).
    Retitled(String),
    /// Blocks removed (old text) and added (new text), in order.
    Edited {
        removed: Vec<String>,
        added: Vec<String>,
    },
}

/// A readable diff: for each section that differs, what changed (sections paired by id; blocks
/// compared as text, so a changed row of a table shows as that row).
pub fn diff(old: &PlanContent, new: &PlanContent) -> Vec<(String, String, SectionChange)> {
    let lines = |s: &Section| -> Vec<String> {
        s.blocks
            .iter()
            .flat_map(|b| match b {
                PlanBlock::Table { table } => table.iter().map(|r| r.join(" | ")).collect(),
                other => vec![blocks_to_markup(std::slice::from_ref(other))],
            })
            .collect()
    };
    let mut out = Vec::new();
    for s in &new.sections {
        match old.section(&s.id) {
            None => out.push((s.id.clone(), s.title.clone(), SectionChange::Added)),
            Some(o) => {
                if o.title != s.title {
                    out.push((
                        s.id.clone(),
                        s.title.clone(),
                        SectionChange::Retitled(o.title.clone()),
                    ));
                }
                let (a, b) = (lines(o), lines(s));
                let removed: Vec<String> = a.iter().filter(|l| !b.contains(l)).cloned().collect();
                let added: Vec<String> = b.iter().filter(|l| !a.contains(l)).cloned().collect();
                if !removed.is_empty() || !added.is_empty() {
                    out.push((
                        s.id.clone(),
                        s.title.clone(),
                        SectionChange::Edited { removed, added },
                    ));
                }
            }
        }
    }
    for s in &old.sections {
        if new.section(&s.id).is_none() {
            out.push((s.id.clone(), s.title.clone(), SectionChange::Removed));
        }
    }
    let roster = |c: &PlanContent| -> Vec<String> {
        c.roster
            .iter()
            .map(|m| format!("{}：{} {}", m.role, m.title.replace('\n', " "), m.name))
            .collect()
    };
    let (a, b) = (roster(old), roster(new));
    if a != b {
        out.push((
            "roster".into(),
            "資通安全推動組織名單".into(),
            SectionChange::Edited {
                removed: a.iter().filter(|l| !b.contains(l)).cloned().collect(),
                added: b.iter().filter(|l| !a.contains(l)).cloned().collect(),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(id: &str, depth: u8, title: &str, blocks: Vec<PlanBlock>) -> Section {
        Section {
            id: id.into(),
            depth,
            title: title.into(),
            answers: vec![],
            topic: None,
            blocks,
        }
    }

    #[test]
    fn headings_are_numbered_as_plans_number_them() {
        assert_eq!(heading_number(1, 1), "壹、");
        assert_eq!(heading_number(1, 9), "玖、");
        assert_eq!(heading_number(1, 10), "壹拾、");
        assert_eq!(heading_number(1, 13), "壹拾參、");
        assert_eq!(heading_number(1, 17), "壹拾柒、");
        assert_eq!(heading_number(2, 1), "一、");
        assert_eq!(heading_number(2, 10), "十、");
        assert_eq!(heading_number(2, 12), "十二、");
        assert_eq!(heading_number(3, 4), "(四)");
        let s = vec![
            sec("1", 1, "a", vec![]),
            sec("1.1", 2, "b", vec![]),
            sec("1.1.1", 3, "c", vec![]),
            sec("1.2", 2, "d", vec![]),
            sec("2", 1, "e", vec![]),
            sec("2.1", 2, "f", vec![]),
        ];
        let n: Vec<String> = numbered(&s).into_iter().map(|(n, _)| n).collect();
        assert_eq!(n, vec!["壹、", "一、", "(一)", "二、", "貳、", "一、"]);
        let full: Vec<String> = full_numbers(&s).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            full,
            vec![
                "壹、",
                "壹、一、",
                "壹、一、(一)",
                "壹、二、",
                "貳、",
                "貳、一、"
            ]
        );
    }

    #[test]
    fn markup_round_trips_and_refuses_ragged_tables() {
        let blocks = vec![
            PlanBlock::Paragraph {
                p: "本機關之核心業務如下表：".into(),
            },
            PlanBlock::Table {
                table: vec![
                    vec!["核心業務".into(), "最大可容忍中斷時間".into()],
                    vec!["教務業務".into(), "由上級管理單位訂之".into()],
                ],
            },
            PlanBlock::Clause {
                clause: "防火牆政策應每季檢視。".into(),
                every: Some("quarterly".into()),
                owner: Some("資訊組".into()),
            },
            PlanBlock::Clause {
                clause: "無頻率之條文。".into(),
                every: None,
                owner: None,
            },
        ];
        let text = blocks_to_markup(&blocks);
        assert!(text.contains("[每季｜資訊組] 防火牆政策應每季檢視。"));
        assert_eq!(markup_to_blocks("b", &text).unwrap(), blocks);
        let e = markup_to_blocks("b", "| a | b |\n| c |").unwrap_err();
        assert_eq!((e.key, e.args[0].1.as_str()), ("err-plan-table-row", "2"));
        let e = markup_to_blocks("b", "[每週] 條文").unwrap_err();
        assert_eq!(e.key, "err-plan-recurrence");
        // found by fuzzing (fuzz/): a lone CR is a line break, so what is saved prints back
        // the same
        let blocks = markup_to_blocks("b", "\n=\r\r\n=\r\n").unwrap();
        let para = || PlanBlock::Paragraph { p: "=".into() };
        assert_eq!(blocks, [para(), para()], "CR CR LF is two line breaks");
        let again = markup_to_blocks("b", &blocks_to_markup(&blocks)).unwrap();
        assert_eq!(again, blocks);
    }

    #[test]
    fn placeholders_come_from_the_facts() {
        let content = PlanContent {
            template: "t".into(),
            classification: "一般".into(),
            roster: vec![Member {
                role: "ciso".into(),
                name: "邱明崇".into(),
                title: "下營國民小學\n校長".into(),
                duties: String::new(),
            }],
            sections: vec![],
        };
        let facts = Facts {
            agency_name: "臺南市下營區下營國民小學".into(),
            level: Some(ResponsibilityLevel::D),
        };
        assert_eq!(
            fill(
                "{機關名稱}屬{責任等級}級，由{資通安全長職稱}{資通安全長}兼任",
                &facts,
                &content
            ),
            "臺南市下營區下營國民小學屬D級，由校長邱明崇兼任"
        );
    }

    #[test]
    fn the_diff_names_sections_and_rows() {
        let a = PlanContent {
            template: "t".into(),
            classification: "一般".into(),
            roster: vec![],
            sections: vec![
                sec(
                    "3",
                    1,
                    "核心業務",
                    vec![PlanBlock::Table {
                        table: vec![vec!["業務".into()], vec!["教務".into()]],
                    }],
                ),
                sec("4", 1, "政策", vec![]),
            ],
        };
        let mut b = a.clone();
        if let PlanBlock::Table { table } = &mut b.sections[0].blocks[0] {
            table.push(vec!["學務".into()]);
        }
        b.sections.remove(1);
        b.sections.push(sec("5", 1, "組織", vec![]));
        let d = diff(&a, &b);
        assert_eq!(
            d,
            vec![
                (
                    "3".into(),
                    "核心業務".into(),
                    SectionChange::Edited {
                        removed: vec![],
                        added: vec!["學務".into()]
                    }
                ),
                ("5".into(), "組織".into(), SectionChange::Added),
                ("4".into(), "政策".into(), SectionChange::Removed),
            ]
        );
    }
}
