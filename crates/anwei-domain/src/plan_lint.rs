//! Plan lint: checks an agency's plan against the law in force on a given date and against the
//! agency's own facts. Each finding names its rule, the citation it rests on, and where in the
//! plan it applies, so the 承辦人 can fix the text and the supervisor can see why.
//!
//! Rules (the data is `catalog/plan-rules.toml` and `catalog/training-rules.toml`):
//! - every statutory item of 施行細則 §9 I (§6 I before 2026) is answered by a non-empty section;
//! - citations renumbered or renamed by the 2025/2026 rewrite are flagged from the date the new
//!   text took effect, with the replacement;
//! - the training rules the agency's level now imposes are stated in the training section
//!   (分級辦法 附表七, 115.1.7: 資訊人員 at level D);
//! - the 資通安全長 the text names is the one the roster (and so the signature block) names;
//! - people who have left the agency are not named in the roster;
//! - no placeholder is left unfilled.

use crate::DomainError;
use crate::agency::ResponsibilityLevel;
use crate::plan::{PlanContent, full_numbers};
use crate::training::{HourKind, TrainingCategory, TrainingRules};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

pub const PLAN_RULES_FILE: &str = "catalog/plan-rules.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct StatutoryItem {
    pub number: u8,
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Renamed {
    pub find: String,
    #[serde(default)]
    pub near: Option<String>,
    pub replace: String,
    #[serde(with = "iso_date")]
    pub from: Date,
    pub citation: String,
}

/// One thing a required passage must say: present when the text holds any of the phrases.
#[derive(Debug, Clone, Deserialize)]
pub struct Clause {
    pub name: String,
    pub any_of: Vec<String>,
}

/// What the law requires the plan to say, in a chapter or anywhere, for some levels.
#[derive(Debug, Clone, Deserialize)]
pub struct Required {
    pub key: String,
    /// The chapter (template topic) it belongs in; None: anywhere in the plan.
    #[serde(default)]
    pub topic: Option<String>,
    /// Only for agencies at these levels; empty: every agency.
    #[serde(default)]
    pub levels: Vec<ResponsibilityLevel>,
    #[serde(with = "iso_date")]
    pub from: Date,
    pub message: String,
    pub citation: String,
    pub clauses: Vec<Clause>,
}

/// A sentence that holds only at some levels (an exemption of level D, say).
#[derive(Debug, Clone, Deserialize)]
pub struct LevelStatement {
    pub key: String,
    pub all_of: Vec<String>,
    pub holds_for: Vec<ResponsibilityLevel>,
    pub message: String,
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanRules {
    #[serde(rename = "item")]
    pub items: Vec<StatutoryItem>,
    /// regime ("2021", "2026") → citation of the list of items
    pub items_citation: BTreeMap<String, String>,
    #[serde(with = "iso_date")]
    pub items_renumbered_from: Date,
    pub renamed: Vec<Renamed>,
    #[serde(default)]
    pub required: Vec<Required>,
    #[serde(default)]
    pub level_statement: Vec<LevelStatement>,
    pub ciso: CisoCitations,
}

/// What the lint cites about the 資通安全長 the plan names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CisoCitations {
    /// an agency must have one
    pub required: String,
    /// who may hold it
    pub holder: String,
}

mod iso_date {
    use serde::{Deserialize, Deserializer};
    use time::Date;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(
            &s,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(serde::de::Error::custom)
    }
}

impl PlanRules {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let rules: PlanRules = toml::from_str(text).map_err(|e| DomainError::Catalog {
            file: PLAN_RULES_FILE,
            reason: e.to_string(),
        })?;
        let numbers: Vec<u8> = rules.items.iter().map(|i| i.number).collect();
        if numbers != (1..=13).collect::<Vec<u8>>() {
            return Err(DomainError::Catalog {
                file: PLAN_RULES_FILE,
                reason: "the statutory items must be 1 to 13 in order".into(),
            });
        }
        Ok(rules)
    }

    fn items_citation(&self, on: Date) -> &str {
        let regime = if on >= self.items_renumbered_from {
            "2026"
        } else {
            "2021"
        };
        self.items_citation
            .get(regime)
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    MissingItem,
    Renumbered,
    TrainingRule,
    CisoMismatch,
    PersonLeft,
    Placeholder,
    /// A passage the law requires is missing (catalog `[[required]]`).
    RequiredContent,
    /// A sentence that does not hold at the agency's level (catalog `[[level_statement]]`).
    LevelStatement,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MissingItem => "missing-item",
            Rule::Renumbered => "renumbered",
            Rule::TrainingRule => "training-rule",
            Rule::CisoMismatch => "ciso-mismatch",
            Rule::PersonLeft => "person-left",
            Rule::Placeholder => "placeholder",
            Rule::RequiredContent => "required-content",
            Rule::LevelStatement => "level-statement",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    /// The section's id, when the finding is about one.
    pub section: Option<String>,
    /// Where: the section's number and title (「壹、依據及目的」), or 「名單」 for the roster.
    pub at: String,
    /// What is wrong and what to write instead, in Chinese (the plan's language).
    pub message: String,
    pub citation: String,
}

/// What lint knows besides the plan.
pub struct LintContext<'a> {
    pub on: Date,
    pub level: Option<ResponsibilityLevel>,
    pub rules: &'a PlanRules,
    pub training: &'a TrainingRules,
    /// Names of people who have left the agency (staff records with a leaving date, disabled
    /// accounts).
    pub departed: Vec<String>,
}

fn category_name(c: TrainingCategory) -> &'static str {
    match c {
        TrainingCategory::General => "一般使用者",
        TrainingCategory::ItStaff => "資訊人員",
        TrainingCategory::SecurityStaff => "資通安全專職人員",
    }
}

/// Checks the plan. Findings come in the plan's order within each rule.
pub fn lint(plan: &PlanContent, ctx: &LintContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let numbers = full_numbers(&plan.sections);
    let at = |id: &str| {
        numbers
            .iter()
            .find(|(_, s)| s.id == id)
            .map(|(n, s)| format!("{n}{}", s.title))
            .unwrap_or_else(|| id.to_string())
    };
    // 1. statutory items
    for item in &ctx.rules.items {
        let answered = plan
            .sections
            .iter()
            .filter(|s| s.answers.contains(&item.number))
            .any(|s| plan.has_content(&s.id));
        if !answered {
            out.push(Finding {
                rule: Rule::MissingItem,
                section: None,
                at: "—".into(),
                message: format!(
                    "計畫未載明第{}款「{}」（或該章節沒有內容）。",
                    item.number, item.title
                ),
                citation: ctx.rules.items_citation(ctx.on).to_string(),
            });
        }
    }
    // 2. renumbered citations, paragraph by paragraph
    for s in &plan.sections {
        for b in &s.blocks {
            for text in b.texts() {
                // the text may be wrapped mid-word (資通安\n全長)
                let text = &text.replace('\n', "");
                for r in &ctx.rules.renamed {
                    let near = r.near.as_deref().is_none_or(|n| text.contains(n));
                    if ctx.on >= r.from && near && text.contains(&r.find) {
                        out.push(Finding {
                            rule: Rule::Renumbered,
                            section: Some(s.id.clone()),
                            at: at(&s.id),
                            message: format!("「{}」已修正，應改為「{}」。", r.find, r.replace),
                            citation: r.citation.clone(),
                        });
                    }
                }
                if let Some(start) = text.find('{')
                    && let Some(len) = text[start..].find('}')
                    && !matches!(
                        &text[start..start + len + 1],
                        "{機關名稱}" | "{責任等級}" | "{資通安全長}" | "{資通安全長職稱}"
                    )
                {
                    out.push(Finding {
                        rule: Rule::Placeholder,
                        section: Some(s.id.clone()),
                        at: at(&s.id),
                        message: format!("「{}」不是可代入的欄位。", &text[start..start + len + 1]),
                        citation: String::new(),
                    });
                }
            }
        }
    }
    // 3. the training rules of the level, stated in the training section
    if let Some(section) = plan
        .sections
        .iter()
        .find(|s| s.topic.as_deref() == Some("training-requirements"))
    {
        let text: String = section
            .blocks
            .iter()
            .flat_map(|b| b.texts())
            .collect::<Vec<_>>()
            .join("\n");
        let year = ctx.on.year();
        for category in TrainingCategory::ALL {
            // the general hours bind everyone and every plan states them; what plans miss
            // are the professional hours of a category
            for rule in ctx.training.binding(category, ctx.level, year) {
                if rule.from > ctx.on || rule.kind != HourKind::Professional {
                    continue;
                }
                let name = category_name(category);
                if !(text.contains(name) && text.contains("專業")) {
                    out.push(Finding {
                        rule: Rule::TrainingRule,
                        section: Some(section.id.clone()),
                        at: at(&section.id),
                        message: format!(
                            "本機關責任等級適用之「{name}」訓練規定未載明：{}",
                            rule.citation
                        ),
                        citation: rule.citation.clone(),
                    });
                }
            }
        }
    }
    // 4. the 資通安全長 named in the text against the roster
    let ciso = plan.member("ciso");
    if let Some(section) = plan
        .sections
        .iter()
        .find(|s| s.topic.as_deref() == Some("ciso"))
    {
        let named = section.blocks.iter().flat_map(|b| b.texts()).find_map(|t| {
            let mut t = t.replace(['\n', ' '], "");
            if let Some(m) = ciso {
                t = t
                    .replace("{資通安全長職稱}", m.office())
                    .replace("{資通安全長}", &m.name);
            }
            let start = t.find("擇請").map(|i| i + "擇請".len())?;
            let end = t[start..].find("兼任")?;
            Some(t[start..start + end].to_string())
        });
        match (named, ciso) {
            (_, None) => out.push(Finding {
                rule: Rule::CisoMismatch,
                section: Some(section.id.clone()),
                at: at(&section.id),
                message: "推動組織名單未指定資通安全長。".into(),
                citation: ctx.rules.ciso.required.clone(),
            }),
            (Some(office), Some(m)) if !office.contains(m.office()) && office != m.name => {
                out.push(Finding {
                    rule: Rule::CisoMismatch,
                    section: Some(section.id.clone()),
                    at: at(&section.id),
                    message: format!(
                        "本章記載由「{office}」兼任資通安全長，但簽核欄及名單之資通安全長為「{} {}」。",
                        m.office(),
                        m.name
                    ),
                    citation: ctx.rules.ciso.holder.clone(),
                })
            }
            _ => {}
        }
    }
    // 5. what the law requires the plan to say, for the agency's level in force
    let texts_of = |topic: Option<&str>| -> (Option<String>, String) {
        let sections: Vec<&crate::plan::Section> = plan
            .sections
            .iter()
            .filter(|s| topic.is_none_or(|t| s.topic.as_deref() == Some(t)))
            .collect();
        let text = sections
            .iter()
            .flat_map(|s| s.blocks.iter().flat_map(|b| b.texts()))
            .collect::<Vec<_>>()
            .join("\n")
            .replace('\n', "");
        (sections.first().map(|s| s.id.clone()), text)
    };
    for r in &ctx.rules.required {
        let applies = ctx.on >= r.from
            && (r.levels.is_empty() || ctx.level.is_some_and(|l| r.levels.contains(&l)));
        if !applies {
            continue;
        }
        // a passage of no chapter, or of a chapter the plan lacks, is looked for anywhere
        let (section, text) = match r.topic.as_deref().map(|t| texts_of(Some(t))) {
            Some((Some(id), text)) => (Some(id), text),
            _ => (None, texts_of(None).1),
        };
        let missing: Vec<&str> = r
            .clauses
            .iter()
            .filter(|c| !c.any_of.iter().any(|p| text.contains(p.as_str())))
            .map(|c| c.name.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let message = if r.clauses.len() > 1 {
            format!("{}{}。", r.message, missing.join("、"))
        } else {
            r.message.clone()
        };
        out.push(Finding {
            rule: Rule::RequiredContent,
            at: section.as_deref().map_or_else(|| "—".to_string(), at),
            section,
            message,
            citation: r.citation.clone(),
        });
    }
    // 6. sentences that do not hold at the agency's level (a D-level exemption in a C plan)
    if let Some(level) = ctx.level {
        for s in &plan.sections {
            for b in &s.blocks {
                for text in b.texts() {
                    let text = text.replace('\n', "");
                    for r in &ctx.rules.level_statement {
                        if !r.holds_for.contains(&level)
                            && r.all_of.iter().all(|p| text.contains(p.as_str()))
                        {
                            out.push(Finding {
                                rule: Rule::LevelStatement,
                                section: Some(s.id.clone()),
                                at: at(&s.id),
                                message: r.message.clone(),
                                citation: r.citation.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    // 7. people who left
    for m in &plan.roster {
        if ctx.departed.iter().any(|d| d == &m.name) {
            out.push(Finding {
                rule: Rule::PersonLeft,
                section: None,
                at: "名單".into(),
                message: format!(
                    "{}（{}）已離職或帳號已停用，仍列於推動組織名單。",
                    m.name,
                    m.office()
                ),
                citation: "安維計畫 伍、二：分組人員名單及職掌應列冊，並適時更新".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Member, PlanBlock, Section};
    use time::macros::date;

    const RULES: &str = include_str!("../../../catalog/plan-rules.toml");
    const TRAINING: &str = include_str!("../../../catalog/training-rules.toml");

    fn section(id: &str, topic: Option<&str>, answers: Vec<u8>, text: &str) -> Section {
        Section {
            id: id.into(),
            depth: 1,
            title: id.into(),
            answers,
            topic: topic.map(str::to_string),
            blocks: vec![PlanBlock::Paragraph { p: text.into() }],
        }
    }

    fn plan(ciso_text: &str, training_text: &str, basis: &str) -> PlanContent {
        let mut sections: Vec<Section> = (1..=13)
            .filter(|n| *n != 5 && *n != 11)
            .map(|n| section(&format!("item{n}"), None, vec![n], "內容"))
            .collect();
        sections.push(section(
            "outsourcing",
            Some("outsourcing"),
            vec![11],
            OUTSOURCING_COMPLETE,
        ));
        sections.push(section("ciso", Some("ciso"), vec![5], ciso_text));
        sections.push(section(
            "training",
            Some("training-requirements"),
            vec![],
            training_text,
        ));
        sections.push(section("basis", None, vec![], basis));
        PlanContent {
            template: "t".into(),
            classification: "一般".into(),
            roster: vec![Member {
                role: "ciso".into(),
                name: "邱明崇".into(),
                title: "下營國民小學\n校長".into(),
                duties: String::new(),
            }],
            sections,
        }
    }

    /// An outsourcing chapter with every clause of 施行細則 §7, and the §11 ban.
    const OUTSOURCING_COMPLETE: &str = "受託者應通過第三方驗證並配置資通安全專業人員；複委託應經同意；\
        涉及國家機密者應查核；客製化開發應提出安全性檢測證明；非自行開發之元件應標示；\
        違反規定或發生事件應立即通知；終止時資料應返還或銷毀；本機關定期稽核受託者。\
        本機關不得下載、安裝或使用危害國家資通安全產品。";

    fn run(p: &PlanContent, on: Date, departed: Vec<String>) -> Vec<Finding> {
        run_at(p, on, departed, ResponsibilityLevel::D)
    }

    fn run_at(
        p: &PlanContent,
        on: Date,
        departed: Vec<String>,
        level: ResponsibilityLevel,
    ) -> Vec<Finding> {
        let rules = PlanRules::from_toml(RULES).unwrap();
        let training = TrainingRules::from_toml(TRAINING).unwrap();
        lint(
            p,
            &LintContext {
                on,
                level: Some(level),
                rules: &rules,
                training: &training,
                departed,
            },
        )
    }

    #[test]
    fn the_seed_defects_are_found_and_a_fixed_plan_is_clean() {
        let seed = plan(
            "依本法第11條之規定，本機關擇請教務主任兼任本機關資通安\n全長",
            "一般使用者與主管，每人每年接受3小時以上之一般資通安全教育訓練。",
            "資通安全管理法第10條及其施行細則第6條。",
        );
        let found = run(&seed, date!(2026 - 11 - 24), vec![]);
        let rules: Vec<Rule> = found.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![
                Rule::Renumbered,
                Rule::Renumbered,
                Rule::Renumbered,
                Rule::Renumbered,
                Rule::TrainingRule,
                Rule::CisoMismatch
            ],
            "{found:#?}"
        );
        assert!(found[1].message.contains("資通安全通識教育訓練"));
        assert!(found[4].message.contains("資訊人員"));
        assert!(found[5].message.contains("教務主任") && found[5].message.contains("邱明崇"));
        // before the rewrite the old numbers were right, and the 資訊人員 rule did not bind D
        let old = run(&seed, date!(2025 - 06 - 30), vec![]);
        assert_eq!(
            old.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![Rule::CisoMismatch]
        );
        let fixed = plan(
            "依本法第12條之規定，本機關擇請校長兼任本機關資通安全長",
            "一般使用者與主管每年3小時通識；資訊人員每二年3小時以上資通安全專業課程或職能訓練。",
            "資通安全管理法第13條及其施行細則第9條。",
        );
        assert_eq!(run(&fixed, date!(2026 - 11 - 24), vec![]), vec![]);
    }

    #[test]
    fn missing_items_and_departed_people_and_stray_placeholders() {
        let mut p = plan("擇請校長兼任", "資訊人員 專業", "依據");
        p.sections.retain(|s| !s.answers.contains(&7));
        let outsourcing = p
            .sections
            .iter()
            .position(|s| s.id == "outsourcing")
            .unwrap();
        p.sections.swap(outsourcing, 9);
        p.sections[0].blocks = vec![PlanBlock::Paragraph {
            p: "{校名}".into()
        }];
        let found = run(&p, date!(2026 - 11 - 24), vec!["邱明崇".into()]);
        let rules: Vec<Rule> = found.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![Rule::MissingItem, Rule::Placeholder, Rule::PersonLeft],
            "{found:#?}"
        );
        assert!(found[0].message.contains("第7款"));
        assert!(found[0].citation.contains("§9"));
    }

    /// Issue 21 item 6: what the law requires the plan to say, each clause named when missing.
    #[test]
    fn required_passages_are_named_clause_by_clause() {
        let mut p = plan("擇請校長兼任", "資訊人員 專業", "依據");
        let s = p
            .sections
            .iter_mut()
            .find(|s| s.id == "outsourcing")
            .unwrap();
        s.blocks = vec![PlanBlock::Paragraph {
            p: "委外應考量受託者之專業能力，並定期稽核受託者。".into(),
        }];
        let found = run(&p, date!(2026 - 11 - 24), vec![]);
        let required: Vec<&Finding> = found
            .iter()
            .filter(|f| f.rule == Rule::RequiredContent)
            .collect();
        assert_eq!(required.len(), 2, "{found:#?}");
        assert!(required[0].message.contains("危害國家資通安全產品"));
        assert_eq!(required[0].section, None);
        let outsourcing = &required[1];
        assert_eq!(outsourcing.section.as_deref(), Some("outsourcing"));
        for clause in ["複委託", "國家機密", "安全性檢測", "立即通知", "返還"] {
            assert!(outsourcing.message.contains(clause), "{clause}");
        }
        assert!(!outsourcing.message.contains("定期或適時稽核受託者"));
        // before the 2025/2026 texts took effect neither applied
        assert!(
            run(&p, date!(2025 - 06 - 30), vec![])
                .iter()
                .all(|f| f.rule != Rule::RequiredContent)
        );
    }

    /// Issue 21 item 3: at level C a D-level exemption is wrong, and C's own duties are required.
    #[test]
    fn the_level_in_force_decides_what_holds() {
        let mut p = plan(
            "擇請校長兼任",
            "資訊人員每二年3小時以上資通安全專業課程。",
            "依據",
        );
        p.sections[0].blocks = vec![
            PlanBlock::Paragraph {
                p: "本機關為 D 級機關無需針對核心資通系統制定業務持續運作計畫與演練。".into(),
            },
            PlanBlock::Paragraph {
                p: "本機關為 D 級機關無需執行資通安全健診作業。".into(),
            },
        ];
        let at_d = run(&p, date!(2026 - 11 - 24), vec![]);
        assert!(at_d.is_empty(), "{at_d:#?}");
        let at_c = run_at(&p, date!(2026 - 11 - 24), vec![], ResponsibilityLevel::C);
        let rules: Vec<Rule> = at_c.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules.iter().filter(|r| **r == Rule::LevelStatement).count(),
            2,
            "{at_c:#?}"
        );
        for duty in ["資訊安全管理系統", "資通安全專職人員", "內部資通安全稽核"]
        {
            assert!(
                at_c.iter().any(|f| f.message.contains(duty)),
                "{duty}: {at_c:#?}"
            );
        }
    }
}
