//! 資訊及資通系統盤點 (安維計畫 柒) and 防護需求分級 (資通安全責任等級分級辦法 附表九).
//!
//! An asset is graded on four dimensions — 機密性 (C), 完整性 (I), 可用性 (A), 法律遵循性 (L) —
//! each 普, 中 or 高; its level is the highest of the four (附表九: 「資通系統防護需求等級以與該
//! 系統相關之機密性、完整性、可用性及法律遵循性構面中，任一構面之防護需求等級之最高者定之」).
//! A 核心資通系統 is one that supports the continued operation of core business, or whose level
//! is 高 (施行細則 §10 (2026; §7 before)).

use crate::FieldError;
use crate::agency::parse_line;
use serde::{Deserialize, Serialize};

/// What kind of asset (the plan's inventory categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    System,
    Hardware,
    Software,
    Data,
    Service,
    People,
    Environment,
}

impl AssetKind {
    pub const ALL: [AssetKind; 7] = [
        AssetKind::System,
        AssetKind::Hardware,
        AssetKind::Software,
        AssetKind::Data,
        AssetKind::Service,
        AssetKind::People,
        AssetKind::Environment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::System => "system",
            AssetKind::Hardware => "hardware",
            AssetKind::Software => "software",
            AssetKind::Data => "data",
            AssetKind::Service => "service",
            AssetKind::People => "people",
            AssetKind::Environment => "environment",
        }
    }

    /// The Chinese names inventories use for the kind.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            AssetKind::System => &["資通系統", "系統", "資訊系統", "應用系統"],
            AssetKind::Hardware => &["硬體", "設備", "硬體設備"],
            AssetKind::Software => &["軟體", "套裝軟體"],
            AssetKind::Data => &["資料", "資訊", "文件", "資料/資訊"],
            AssetKind::Service => &["服務", "委外服務"],
            AssetKind::People => &["人員"],
            AssetKind::Environment => &["環境", "場所", "機房"],
        }
    }

    /// The key (`system`) or a Chinese name (`資通系統`).
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s) || k.aliases().contains(&s))
            .ok_or_else(|| FieldError::new(field, "err-choice"))
    }
}

/// A protection-need level of one dimension, or of the whole asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 普
    Normal = 1,
    /// 中
    Medium = 2,
    /// 高
    High = 3,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Normal, Rating::Medium, Rating::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Normal => "normal",
            Rating::Medium => "medium",
            Rating::High => "high",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Rating::Normal => "普",
            Rating::Medium => "中",
            Rating::High => "高",
        }
    }

    pub fn number(self) -> i32 {
        self as i32
    }

    pub fn from_number(n: i32) -> Option<Self> {
        match n {
            1 => Some(Rating::Normal),
            2 => Some(Rating::Medium),
            3 => Some(Rating::High),
            _ => None,
        }
    }

    /// 普/中/高, normal/medium/high (also low), or 1–3; empty is "not rated".
    pub fn parse(field: &'static str, raw: &str) -> Result<Option<Self>, FieldError> {
        let s = raw.trim().to_lowercase();
        Ok(Some(match s.as_str() {
            "" => return Ok(None),
            "普" | "低" | "normal" | "low" | "1" => Rating::Normal,
            "中" | "medium" | "2" => Rating::Medium,
            "高" | "high" | "3" => Rating::High,
            _ => return Err(FieldError::new(field, "err-rating")),
        }))
    }
}

/// The four dimensions of 附表九.
pub const DIMENSIONS: [(&str, &str); 4] = [
    ("confidentiality", "機密性"),
    ("integrity", "完整性"),
    ("availability", "可用性"),
    ("legality", "法律遵循性"),
];

/// An asset's level and why: the highest dimension(s), and how many are not rated yet. The
/// words are the reader's language's (`Locale::grade_reason`), not the rule's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grade {
    pub level: Rating,
    /// The dimensions at that level, by field name (`DIMENSIONS`).
    pub decisive: Vec<&'static str>,
    pub unrated: usize,
}

/// 附表九: the level is the highest of the rated dimensions; None until at least one is rated.
pub fn grade(ratings: [Option<Rating>; 4]) -> Option<Grade> {
    let level = ratings.iter().flatten().max().copied()?;
    let decisive = DIMENSIONS
        .iter()
        .zip(ratings)
        .filter(|(_, r)| *r == Some(level))
        .map(|((field, _), _)| *field)
        .collect();
    let unrated = ratings.iter().filter(|r| r.is_none()).count();
    Some(Grade {
        level,
        decisive,
        unrated,
    })
}

/// `catalog/asset-grading.toml`: 附表九 and the 核心資通系統 rule with their citations.
#[derive(Debug, Clone)]
pub struct AssetGrading {
    pub grading_citation: String,
    pub core: CoreSystemRule,
}

/// Which 資通系統 are 核心資通系統 (施行細則 §10; §7 before 2026).
#[derive(Debug, Clone, Copy)]
pub struct CoreSystemRule {
    pub supports_core_business: bool,
    pub from_level: Rating,
}

impl CoreSystemRule {
    /// Whether an asset of this kind, supporting core business or not, at this grade, is a
    /// 核心資通系統. Only 資通系統 are.
    pub fn is_core(
        self,
        kind: AssetKind,
        supports_core_business: bool,
        grade: Option<&Grade>,
    ) -> bool {
        kind == AssetKind::System
            && ((self.supports_core_business && supports_core_business)
                || grade.is_some_and(|g| g.level >= self.from_level))
    }
}

impl AssetGrading {
    pub fn from_toml(text: &str) -> Result<Self, crate::DomainError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            grading: RawGrading,
            core_system: RawCore,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawGrading {
            rule: String,
            citation: String,
            effective: String,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawCore {
            supports_core_business: bool,
            from_level: String,
            citation: String,
            effective: String,
        }
        let bad = |reason: String| crate::DomainError::Catalog {
            file: "asset-grading.toml",
            reason,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if raw.grading.rule != "highest" {
            return Err(bad(format!(
                "grading.rule {:?}: only \"highest\" (附表九) is known",
                raw.grading.rule
            )));
        }
        for (what, date, citation) in [
            ("grading", &raw.grading.effective, &raw.grading.citation),
            (
                "core_system",
                &raw.core_system.effective,
                &raw.core_system.citation,
            ),
        ] {
            if crate::roc::parse_date_input("effective", date)
                .ok()
                .flatten()
                .is_none()
                || citation.trim().is_empty()
            {
                return Err(bad(format!(
                    "{what}: needs a citation and an effective date"
                )));
            }
        }
        let from_level = Rating::parse("from_level", &raw.core_system.from_level)
            .ok()
            .flatten()
            .ok_or_else(|| bad("core_system.from_level must be normal, medium or high".into()))?;
        Ok(Self {
            grading_citation: raw.grading.citation,
            core: CoreSystemRule {
                supports_core_business: raw.core_system.supports_core_business,
                from_level,
            },
        })
    }
}

/// A stored kind, decoded by the store (a value outside the list is a corrupt row, not input).
impl TryFrom<String> for AssetKind {
    type Error = FieldError;

    fn try_from(s: String) -> Result<Self, FieldError> {
        AssetKind::parse("kind", &s)
    }
}

/// Where an asset is in its life (柒, 玖.一: kept, used, returned, disposed of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetStatus {
    InUse,
    Returned,
    Disposed,
}

impl AssetStatus {
    pub const ALL: [AssetStatus; 3] = [
        AssetStatus::InUse,
        AssetStatus::Returned,
        AssetStatus::Disposed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetStatus::InUse => "in_use",
            AssetStatus::Returned => "returned",
            AssetStatus::Disposed => "disposed",
        }
    }

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "" | "in_use" | "使用中" => Ok(AssetStatus::InUse),
            "returned" | "已歸還" => Ok(AssetStatus::Returned),
            "disposed" | "已汰除" | "已報廢" => Ok(AssetStatus::Disposed),
            _ => Err(FieldError::new(field, "err-choice")),
        }
    }
}

/// An asset as typed, imported or sent: every field text, nothing checked yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawAsset {
    pub name: String,
    pub kind: String,
    pub custodian: String,
    pub owner_unit: String,
    pub location: String,
    /// "true"/"是"/"1" …
    pub supports_core_business: String,
    pub centralised: String,
    pub hosted_by: String,
    pub confidentiality: String,
    pub integrity: String,
    pub availability: String,
    pub legality: String,
    pub status: String,
    /// 取得日期: ISO, 民國 (113/05/01) or an Excel serial day.
    pub acquired_on: String,
}

/// A checked asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetInput {
    pub name: String,
    pub kind: AssetKind,
    pub custodian: String,
    pub owner_unit: String,
    pub location: String,
    pub supports_core_business: bool,
    /// 向上集中: run by the supervisor (or another agency) for this one.
    pub centralised: bool,
    pub hosted_by: String,
    /// C, I, A, L
    pub ratings: [Option<Rating>; 4],
    pub status: AssetStatus,
    /// 取得日期
    pub acquired_on: Option<time::Date>,
}

/// A stored status, decoded by the store.
impl TryFrom<String> for AssetStatus {
    type Error = FieldError;

    fn try_from(s: String) -> Result<Self, FieldError> {
        AssetStatus::parse("status", &s)
    }
}

/// 是/否, yes/no, true/false, 1/0, Y/N, V (as ticked in Excel); empty is no.
pub fn parse_flag(field: &'static str, raw: &str) -> Result<bool, FieldError> {
    match raw.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "n" | "false" | "0" | "x" => Ok(false),
        "是" | "yes" | "y" | "true" | "1" | "v" | "✓" | "ˇ" => Ok(true),
        _ => Err(FieldError::new(field, "err-flag")),
    }
}

impl RawAsset {
    /// Checks every field; all problems at once, each with its field. `today` bounds 取得日期:
    /// an asset cannot have been acquired after today (9999-12-31, or a serial such as 60000
    /// that reads as 2064, are typing slips, not dates).
    pub fn parse(&self, today: time::Date) -> Result<AssetInput, Vec<FieldError>> {
        fn take<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
            r.map_err(|e| errors.push(e)).ok()
        }
        let mut errors = Vec::new();
        let e = &mut errors;
        let name = take(e, parse_line("name", &self.name, 1, 100));
        let kind = take(e, AssetKind::parse("kind", &self.kind));
        let custodian = take(e, parse_line("custodian", &self.custodian, 0, 50));
        let owner_unit = take(e, parse_line("owner_unit", &self.owner_unit, 0, 50));
        let location = take(e, parse_line("location", &self.location, 0, 100));
        let core = take(
            e,
            parse_flag("supports_core_business", &self.supports_core_business),
        );
        let centralised = take(e, parse_flag("centralised", &self.centralised));
        let hosted_by = take(e, parse_line("hosted_by", &self.hosted_by, 0, 100));
        let c = take(e, Rating::parse("confidentiality", &self.confidentiality));
        let i = take(e, Rating::parse("integrity", &self.integrity));
        let a = take(e, Rating::parse("availability", &self.availability));
        let l = take(e, Rating::parse("legality", &self.legality));
        let status = take(e, AssetStatus::parse("status", &self.status));
        let acquired_on = take(
            e,
            crate::sheet::parse_cell_date("acquired_on", &self.acquired_on)
                .and_then(|d| crate::roc::not_in_future("acquired_on", d, today)),
        );
        match (
            name,
            kind,
            custodian,
            owner_unit,
            location,
            core,
            centralised,
            hosted_by,
            (c, i, a, l),
            status,
            acquired_on,
        ) {
            (
                Some(name),
                Some(kind),
                Some(custodian),
                Some(owner_unit),
                Some(location),
                Some(supports_core_business),
                Some(centralised),
                Some(hosted_by),
                (Some(c), Some(i), Some(a), Some(l)),
                Some(status),
                Some(acquired_on),
            ) if errors.is_empty() => Ok(AssetInput {
                name,
                kind,
                custodian,
                owner_unit,
                location,
                supports_core_business,
                centralised,
                hosted_by,
                ratings: [c, i, a, l],
                status,
                acquired_on,
            }),
            _ => Err(errors),
        }
    }
}

impl AssetInput {
    pub fn grade(&self) -> Option<Grade> {
        grade(self.ratings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: time::Date = time::macros::date!(2026 - 12 - 07);

    #[test]
    fn the_level_is_the_highest_dimension_for_every_combination() {
        let options = [
            None,
            Some(Rating::Normal),
            Some(Rating::Medium),
            Some(Rating::High),
        ];
        for c in options {
            for i in options {
                for a in options {
                    for l in options {
                        let ratings = [c, i, a, l];
                        let expected = ratings.iter().flatten().max().copied();
                        let got = grade(ratings);
                        assert_eq!(got.as_ref().map(|g| g.level), expected, "{ratings:?}");
                        if let Some(g) = got {
                            // the reason names exactly the dimensions at that level
                            for ((field, _), r) in DIMENSIONS.iter().zip(ratings) {
                                assert_eq!(
                                    g.decisive.contains(field),
                                    r == Some(g.level),
                                    "{ratings:?}: {:?}",
                                    g.decisive
                                );
                            }
                        }
                    }
                }
            }
        }
        let g = grade([Some(Rating::Medium), None, Some(Rating::Medium), None]).unwrap();
        assert_eq!(g.decisive, ["confidentiality", "availability"]);
        assert_eq!(g.unrated, 2);
    }

    #[test]
    fn core_systems_support_core_business_or_are_graded_high() {
        let rule = crate::catalog::Catalog::load().unwrap().grading.core;
        let is_core_system = |k, s, g| rule.is_core(k, s, g);
        let high = grade([None, Some(Rating::High), None, None]);
        let medium = grade([Some(Rating::Medium), None, None, None]);
        assert!(is_core_system(AssetKind::System, true, medium.as_ref()));
        assert!(is_core_system(AssetKind::System, false, high.as_ref()));
        assert!(!is_core_system(AssetKind::System, false, medium.as_ref()));
        assert!(!is_core_system(AssetKind::System, false, None));
        assert!(!is_core_system(AssetKind::Hardware, true, high.as_ref()));
    }

    #[test]
    fn raw_assets_parse_with_chinese_names_and_report_every_field() {
        let raw = RawAsset {
            name: "國小學籍系統".into(),
            kind: "資通系統".into(),
            supports_core_business: "是".into(),
            centralised: "V".into(),
            hosted_by: "臺南市政府教育局".into(),
            confidentiality: "中".into(),
            availability: "high".into(),
            ..RawAsset::default()
        };
        let a = raw.parse(TODAY).unwrap();
        assert_eq!(a.kind, AssetKind::System);
        assert!(a.supports_core_business && a.centralised);
        assert_eq!(a.grade().unwrap().level, Rating::High);
        let bad = RawAsset {
            name: "".into(),
            kind: "雲端".into(),
            confidentiality: "極高".into(),
            centralised: "maybe".into(),
            ..RawAsset::default()
        };
        let fields: Vec<&str> = bad
            .parse(TODAY)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["name", "kind", "centralised", "confidentiality"]
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(name in ".{0,120}", kind in ".{0,10}", c in ".{0,4}") {
            let _ = RawAsset { name, kind, confidentiality: c, ..RawAsset::default() }.parse(TODAY);
        }
    }
}

/// How an asset's data was removed when it was retired (安維計畫 玖.一.(三)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalMethod {
    /// 覆寫 (overwritten)
    Overwrite,
    /// 消磁
    Degauss,
    /// 實體破壞
    PhysicalDestruction,
    /// 歸還原提供者 (e.g. a leased machine, wiped by its owner)
    Returned,
    /// 無儲存資料
    NoData,
}

impl DisposalMethod {
    pub const ALL: [DisposalMethod; 5] = [
        DisposalMethod::Overwrite,
        DisposalMethod::Degauss,
        DisposalMethod::PhysicalDestruction,
        DisposalMethod::Returned,
        DisposalMethod::NoData,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisposalMethod::Overwrite => "overwrite",
            DisposalMethod::Degauss => "degauss",
            DisposalMethod::PhysicalDestruction => "physical_destruction",
            DisposalMethod::Returned => "returned",
            DisposalMethod::NoData => "no_data",
        }
    }

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new(field, "err-choice"))
    }
}

/// A disposal as recorded: when, why, how, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposal {
    pub disposed_on: time::Date,
    pub reason: String,
    pub method: DisposalMethod,
    pub performed_by: String,
}

impl Disposal {
    /// Checks the form; the date may not be in the future (`today`).
    pub fn parse(
        disposed_on: &str,
        reason: &str,
        method: &str,
        performed_by: &str,
        today: time::Date,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let on = match crate::roc::parse_date_input("disposed_on", disposed_on)
            .and_then(|d| crate::roc::not_in_future("disposed_on", d, today))
        {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(FieldError::new("disposed_on", "err-required"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let reason = parse_line("reason", reason, 1, 200)
            .map_err(|e| errors.push(e))
            .ok();
        let method = DisposalMethod::parse("method", method)
            .map_err(|e| errors.push(e))
            .ok();
        let by = parse_line("performed_by", performed_by, 1, 50)
            .map_err(|e| errors.push(e))
            .ok();
        match (on, reason, method, by) {
            (Some(disposed_on), Some(reason), Some(method), Some(performed_by))
                if errors.is_empty() =>
            {
                Ok(Disposal {
                    disposed_on,
                    reason,
                    method,
                    performed_by,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod disposal_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_disposal_needs_a_past_date_a_reason_a_method_and_who() {
        let today = date!(2026 - 03 - 02);
        let d = Disposal::parse(
            "115/02/20",
            "硬碟故障汰換",
            "physical_destruction",
            "施昀豆",
            today,
        )
        .unwrap();
        assert_eq!(d.disposed_on, date!(2026 - 02 - 20));
        let e = Disposal::parse("116/01/01", "", "burn", "", today).unwrap_err();
        let fields: Vec<(&str, &str)> = e.iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            fields,
            vec![
                ("disposed_on", "err-in-future"),
                ("reason", "err-required"),
                ("method", "err-choice"),
                ("performed_by", "err-required")
            ]
        );
    }
}
