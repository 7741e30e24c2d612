//! 資通安全風險評估 by the detailed method (安維計畫 捌、一; 施行細則 §9 I(7)). The arithmetic is
//! small on purpose: an asset's value is the highest of its C, I and A ratings, a risk's value is
//! likelihood × impact on the scales the agency chose for the year, and a value above the
//! agency's threshold must be treated. The rules that make an assessment finishable — every risk
//! above the threshold treated, every 留存 approved by the 資通安全長 and not lapsed — live here
//! so the page, the export and the store ask the same question.
//!
//! The scales, labels, suggested threats and vulnerabilities are `catalog/risk-method.toml`.

use crate::agency::parse_line;
use crate::asset::{AssetKind, Rating};
use crate::{DomainError, FieldError};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const RISK_METHOD_FILE: &str = "catalog/risk-method.toml";

/// The smallest and largest number of levels a scale may have.
pub const SCALE_LEVELS: std::ops::RangeInclusive<u8> = 3..=5;

/// A suggested threat or vulnerability, with the asset kinds it suits (empty: every kind).
#[derive(Debug, Clone, Deserialize)]
pub struct Term {
    pub name: String,
    #[serde(default)]
    pub kinds: Vec<AssetKind>,
}

impl Term {
    pub fn suits(&self, kind: AssetKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RiskMethod {
    pub citation: String,
    pub exemption_citation: String,
    /// The levels that may claim the exemption at all.
    pub exemption_levels: Vec<crate::agency::ResponsibilityLevel>,
    pub exemption_levels_citation: String,
    pub from: String,
    /// How far ahead a 留存 may be approved.
    pub acceptance_max_years: u8,
    pub defaults: Scales,
    labels: BTreeMap<String, Vec<String>>,
    #[serde(rename = "threat")]
    pub threats: Vec<Term>,
    #[serde(rename = "vulnerability")]
    pub vulnerabilities: Vec<Term>,
}

impl RiskMethod {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: RISK_METHOD_FILE,
            reason,
        };
        let m: RiskMethod = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        for n in SCALE_LEVELS {
            match m.labels.get(&n.to_string()) {
                Some(l) if l.len() == usize::from(n) => {}
                _ => return Err(bad(format!("labels for a scale of {n} levels are missing"))),
            }
        }
        Scales::new(
            m.defaults.likelihood_levels,
            m.defaults.impact_levels,
            m.defaults.threshold,
        )
        .map_err(|e| bad(format!("defaults: {} {}", e.field, e.key)))?;
        if m.acceptance_max_years == 0 {
            return Err(bad("acceptance_max_years must be at least 1".into()));
        }
        if m.threats.is_empty() || m.vulnerabilities.is_empty() {
            return Err(bad("no threats or no vulnerabilities".into()));
        }
        Ok(m)
    }

    /// The label of level `n` (1-based) on a scale of `levels`.
    pub fn label(&self, levels: u8, n: u8) -> &str {
        self.labels
            .get(&levels.to_string())
            .and_then(|l| l.get(usize::from(n).wrapping_sub(1)))
            .map_or("", String::as_str)
    }
}

/// A year's scales and acceptable-risk threshold: a risk is acceptable when
/// likelihood × impact ≤ threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Scales {
    pub likelihood_levels: u8,
    pub impact_levels: u8,
    pub threshold: u16,
}

impl Scales {
    pub fn new(
        likelihood_levels: u8,
        impact_levels: u8,
        threshold: u16,
    ) -> Result<Self, FieldError> {
        if !SCALE_LEVELS.contains(&likelihood_levels) {
            return Err(FieldError::new("likelihood_levels", "err-choice"));
        }
        if !SCALE_LEVELS.contains(&impact_levels) {
            return Err(FieldError::new("impact_levels", "err-choice"));
        }
        let max = u16::from(likelihood_levels) * u16::from(impact_levels);
        // a threshold at the maximum would accept every risk
        if threshold < 1 || threshold >= max {
            return Err(FieldError::new("threshold", "err-risk-threshold").with("max", max - 1));
        }
        Ok(Scales {
            likelihood_levels,
            impact_levels,
            threshold,
        })
    }

    /// From a form's three fields; every error beside its field.
    pub fn parse(likelihood: &str, impact: &str, threshold: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut level = |field: &'static str, raw: &str| match raw.trim().parse::<u8>() {
            Ok(n) if SCALE_LEVELS.contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(field, "err-choice"));
                None
            }
        };
        let l = level("likelihood_levels", likelihood);
        let i = level("impact_levels", impact);
        let t = match threshold.trim().parse::<u16>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError::new("threshold", "err-whole-number"));
                None
            }
        };
        match (l, i, t) {
            (Some(l), Some(i), Some(t)) if errors.is_empty() => {
                Scales::new(l, i, t).map_err(|e| vec![e])
            }
            _ => Err(errors),
        }
    }

    pub fn max_score(&self) -> u16 {
        u16::from(self.likelihood_levels) * u16::from(self.impact_levels)
    }

    /// 風險值 = 可能性 × 衝擊.
    pub fn score(&self, likelihood: u8, impact: u8) -> u16 {
        u16::from(likelihood) * u16::from(impact)
    }

    pub fn acceptable(&self, score: u16) -> bool {
        score <= self.threshold
    }

    /// The impact an asset's value proposes: 普, 中 and 高 spread over the impact scale (on three
    /// levels 1, 2, 3; on five 1, 3, 5).
    pub fn impact_of(&self, value: Rating) -> u8 {
        let n = self.impact_levels - 1;
        let step = value.number() as u8 - 1; // 0, 1, 2
        1 + (step * n).div_ceil(2)
    }

    /// Whether recorded risks still fit these scales (a scale cannot shrink under them).
    pub fn fits(&self, likelihood: u8, impact: u8) -> bool {
        (1..=self.likelihood_levels).contains(&likelihood)
            && (1..=self.impact_levels).contains(&impact)
    }
}

/// 資產價值: the highest of confidentiality, integrity and availability (the common practice the
/// reference records; 法律遵循性 grades the system under 附表九 but does not value it here).
pub fn asset_value(
    confidentiality: Option<Rating>,
    integrity: Option<Rating>,
    availability: Option<Rating>,
) -> Option<Rating> {
    [confidentiality, integrity, availability]
        .into_iter()
        .flatten()
        .max()
}

/// 風險處理: how a risk above the threshold is dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// 修改: controls lower the likelihood or the impact.
    Modify,
    /// 留存: the risk is accepted as it is; the 資通安全長 approves, for a time.
    Retain,
    /// 避免: the activity or asset is given up.
    Avoid,
    /// 分擔: the risk is shared (insurance, an outsourcing contract, the supervisor).
    Share,
}

impl Treatment {
    pub const ALL: [Treatment; 4] = [
        Treatment::Modify,
        Treatment::Retain,
        Treatment::Avoid,
        Treatment::Share,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Modify => "modify",
            Treatment::Retain => "retain",
            Treatment::Avoid => "avoid",
            Treatment::Share => "share",
        }
    }

    pub fn parse(field: &'static str, raw: &str) -> Result<Option<Self>, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "err-choice"))
    }
}

/// A risk as the form gives it, checked against the year's scales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskInput {
    pub threat: String,
    pub vulnerability: String,
    pub existing_controls: String,
    pub likelihood: u8,
    pub impact: u8,
    pub treatment: Option<Treatment>,
    pub treatment_plan: String,
    pub owner: String,
    pub due_on: Option<time::Date>,
}

/// The form's fields as typed. `asset` (an asset's id) is resolved by the caller.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawRisk {
    pub asset: String,
    pub threat: String,
    pub vulnerability: String,
    pub existing_controls: String,
    pub likelihood: String,
    pub impact: String,
    pub treatment: String,
    pub treatment_plan: String,
    pub owner: String,
    pub due_on: String,
}

impl RawRisk {
    /// A treatment other than 留存 needs a plan, an owner and a due date; 留存 needs an owner
    /// (who answers for the accepted risk) and the reason in the plan. A risk may be recorded
    /// untreated while the assessment is open; finishing the assessment asks for treatments.
    pub fn parse(&self, scales: &Scales) -> Result<RiskInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut line = |field: &'static str, raw: &str, min: usize, max: usize| {
            parse_line(field, raw, min, max)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let threat = line("threat", &self.threat, 1, 100);
        let vulnerability = line("vulnerability", &self.vulnerability, 1, 100);
        let existing_controls = line("existing_controls", &self.existing_controls, 0, 300);
        let owner = line("owner", &self.owner, 0, 50);
        let plan = line("treatment_plan", &self.treatment_plan, 0, 300);
        let mut level = |field: &'static str, raw: &str, max: u8| match raw.trim().parse::<u8>() {
            Ok(n) if (1..=max).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(field, "err-choice"));
                None
            }
        };
        let likelihood = level("likelihood", &self.likelihood, scales.likelihood_levels);
        let impact = level("impact", &self.impact, scales.impact_levels);
        let treatment = Treatment::parse("treatment", &self.treatment)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let due = crate::roc::parse_date_input("due_on", &self.due_on);
        let due_malformed = due.is_err();
        let due_on = due.map_err(|e| errors.push(e)).ok().flatten();
        if let Some(t) = treatment {
            if owner.as_deref().is_some_and(str::is_empty) {
                errors.push(FieldError::new("owner", "err-required"));
            }
            if plan.as_deref().is_some_and(str::is_empty) {
                errors.push(FieldError::new("treatment_plan", "err-required"));
            }
            if t != Treatment::Retain && due_on.is_none() && !due_malformed {
                errors.push(FieldError::new("due_on", "err-required"));
            }
        }
        match (
            threat,
            vulnerability,
            existing_controls,
            owner,
            plan,
            likelihood,
            impact,
        ) {
            (
                Some(threat),
                Some(vulnerability),
                Some(existing_controls),
                Some(owner),
                Some(treatment_plan),
                Some(likelihood),
                Some(impact),
            ) if errors.is_empty() => Ok(RiskInput {
                threat,
                vulnerability,
                existing_controls,
                likelihood,
                impact,
                treatment,
                treatment_plan,
                owner,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// Where a recorded risk stands, for the register and for finishing the assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskState {
    /// At or below the threshold.
    Acceptable,
    /// Above the threshold and not yet treated.
    Untreated,
    /// Treated by 修改, 避免 or 分擔.
    Treated,
    /// 留存 waiting for the 資通安全長.
    AwaitingApproval,
    /// 留存 approved and still in force.
    Accepted,
    /// 留存 whose approval has lapsed: it must be approved again or treated otherwise.
    Lapsed,
}

impl RiskState {
    /// 留存 approved until `expires_on` (inclusive) holds on `today`.
    pub fn of(
        scales: &Scales,
        score: u16,
        treatment: Option<Treatment>,
        approved_until: Option<time::Date>,
        today: time::Date,
    ) -> Self {
        match treatment {
            Some(Treatment::Retain) => match approved_until {
                None => RiskState::AwaitingApproval,
                Some(until) if until < today => RiskState::Lapsed,
                Some(_) => RiskState::Accepted,
            },
            Some(_) => RiskState::Treated,
            None if scales.acceptable(score) => RiskState::Acceptable,
            None => RiskState::Untreated,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskState::Acceptable => "acceptable",
            RiskState::Untreated => "untreated",
            RiskState::Treated => "treated",
            RiskState::AwaitingApproval => "awaiting_approval",
            RiskState::Accepted => "accepted",
            RiskState::Lapsed => "lapsed",
        }
    }

    /// Whether the assessment can be finished with this risk as it stands.
    pub fn settled(self) -> bool {
        matches!(
            self,
            RiskState::Acceptable | RiskState::Treated | RiskState::Accepted
        )
    }
}

impl RiskMethod {
    /// The 資通安全長's approval of a 留存: the date it lapses must lie after `today` and no
    /// more than `acceptance_max_years` ahead.
    pub fn acceptance_expiry(
        &self,
        raw: &str,
        today: time::Date,
    ) -> Result<time::Date, FieldError> {
        let d = crate::roc::parse_date_input("expires_on", raw)?
            .ok_or_else(|| FieldError::new("expires_on", "err-required"))?;
        let years = i32::from(self.acceptance_max_years);
        let limit = today.replace_year(today.year() + years).unwrap_or(today);
        if d <= today || d > limit {
            return Err(FieldError::new("expires_on", "err-acceptance-expiry").with("years", years));
        }
        Ok(d)
    }
}

/// 捌、一、1: the yearly assessment is not needed when every information system the agency uses
/// is run by its supervisor (向上集中). `systems` are (in use, centralised) of its systems; an
/// agency with none of its own in use qualifies too, as a level-D school without its own system
/// does.
pub fn exempt_by_centralisation(systems: impl IntoIterator<Item = (bool, bool)>) -> bool {
    systems
        .into_iter()
        .all(|(in_use, centralised)| !in_use || centralised)
}

impl RiskMethod {
    /// Whether an agency at `level` may claim the exemption at all (`exemption_levels`): a level
    /// C agency may not, whatever its inventory says. An agency without a level yet may.
    pub fn level_may_be_exempt(&self, level: Option<crate::agency::ResponsibilityLevel>) -> bool {
        level.is_none_or(|l| self.exemption_levels.contains(&l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TOML: &str = include_str!("../../../catalog/risk-method.toml");

    fn three() -> Scales {
        Scales::new(3, 3, 4).unwrap()
    }

    #[test]
    fn the_catalog_parses_with_labels_for_every_scale() {
        let m = RiskMethod::from_toml(TOML).unwrap();
        assert_eq!(m.defaults, three());
        assert_eq!(m.label(3, 1), "低");
        assert_eq!(m.label(5, 5), "極高");
        assert_eq!(m.label(3, 0), "");
        assert!(m.threats.iter().any(|t| t.suits(AssetKind::Software)));
        assert!(RiskMethod::from_toml("citation = 1").is_err());
    }

    #[test]
    fn value_is_the_highest_of_c_i_a() {
        use Rating::*;
        assert_eq!(asset_value(None, None, None), None);
        assert_eq!(asset_value(Some(Normal), None, Some(Medium)), Some(Medium));
        assert_eq!(
            asset_value(Some(High), Some(Normal), Some(Medium)),
            Some(High)
        );
    }

    #[test]
    fn risk_is_likelihood_times_impact_against_the_threshold() {
        let s = three();
        assert_eq!(s.max_score(), 9);
        let table: Vec<(u8, u8, u16, bool)> = (1..=3)
            .flat_map(|l| (1..=3).map(move |i| (l, i)))
            .map(|(l, i)| (l, i, s.score(l, i), s.acceptable(s.score(l, i))))
            .collect();
        assert_eq!(
            table,
            vec![
                (1, 1, 1, true),
                (1, 2, 2, true),
                (1, 3, 3, true),
                (2, 1, 2, true),
                (2, 2, 4, true),
                (2, 3, 6, false),
                (3, 1, 3, true),
                (3, 2, 6, false),
                (3, 3, 9, false)
            ]
        );
        let five = Scales::new(5, 5, 9).unwrap();
        assert!(five.acceptable(9) && !five.acceptable(10));
        assert_eq!(
            Rating::ALL.map(|r| five.impact_of(r)),
            [1, 3, 5],
            "普/中/高 spread over five levels"
        );
        assert_eq!(Rating::ALL.map(|r| s.impact_of(r)), [1, 2, 3]);
        assert_eq!(
            Rating::ALL.map(|r| Scales::new(3, 4, 4).unwrap().impact_of(r)),
            [1, 3, 4]
        );
    }

    #[test]
    fn scales_refuse_what_would_accept_everything_or_nothing() {
        assert_eq!(Scales::new(2, 3, 3).unwrap_err().field, "likelihood_levels");
        assert_eq!(Scales::new(3, 6, 3).unwrap_err().field, "impact_levels");
        assert_eq!(Scales::new(3, 3, 9).unwrap_err().key, "err-risk-threshold");
        assert_eq!(Scales::new(3, 3, 0).unwrap_err().key, "err-risk-threshold");
        let e = Scales::parse("x", "3", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["likelihood_levels", "threshold"]);
        assert_eq!(Scales::parse(" 4 ", "5", "12").unwrap().max_score(), 20);
        assert!(three().fits(3, 3) && !three().fits(4, 1) && !three().fits(0, 1));
    }

    fn raw() -> RawRisk {
        RawRisk {
            threat: "惡意程式（病毒、勒索軟體）".into(),
            vulnerability: "作業系統或軟體未即時更新".into(),
            likelihood: "3".into(),
            impact: "2".into(),
            ..RawRisk::default()
        }
    }

    #[test]
    fn a_treatment_needs_an_owner_a_plan_and_except_for_retention_a_date() {
        let s = three();
        let r = raw().parse(&s).unwrap();
        assert_eq!((r.likelihood, r.impact, r.treatment), (3, 2, None));
        let e = RawRisk {
            treatment: "modify".into(),
            ..raw()
        }
        .parse(&s)
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["owner", "treatment_plan", "due_on"]);
        let retained = RawRisk {
            treatment: "retain".into(),
            owner: "施昀豆".into(),
            treatment_plan: "設備將於明年汰換，期間加強備份".into(),
            ..raw()
        }
        .parse(&s)
        .unwrap();
        assert_eq!(retained.treatment, Some(Treatment::Retain));
        let e = RawRisk {
            likelihood: "4".into(),
            impact: "".into(),
            treatment: "ignore".into(),
            threat: "".into(),
            due_on: "115/13/01".into(),
            ..raw()
        }
        .parse(&s)
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["threat", "likelihood", "impact", "treatment", "due_on"]
        );
    }

    #[test]
    fn a_retained_risk_settles_only_while_approved() {
        let s = three();
        let today = date!(2026 - 03 - 02);
        let state = |score, t, until| RiskState::of(&s, score, t, until, today);
        assert_eq!(state(4, None, None), RiskState::Acceptable);
        assert_eq!(state(6, None, None), RiskState::Untreated);
        assert_eq!(state(6, Some(Treatment::Modify), None), RiskState::Treated);
        assert_eq!(
            state(9, Some(Treatment::Retain), None),
            RiskState::AwaitingApproval
        );
        assert_eq!(
            state(9, Some(Treatment::Retain), Some(date!(2026 - 03 - 02))),
            RiskState::Accepted
        );
        assert_eq!(
            state(9, Some(Treatment::Retain), Some(date!(2026 - 03 - 01))),
            RiskState::Lapsed
        );
        let settled: Vec<bool> = [
            RiskState::Acceptable,
            RiskState::Untreated,
            RiskState::Treated,
            RiskState::AwaitingApproval,
            RiskState::Accepted,
            RiskState::Lapsed,
        ]
        .map(RiskState::settled)
        .to_vec();
        assert_eq!(settled, [true, false, true, false, true, false]);
    }

    #[test]
    fn acceptance_lapses_after_today_and_within_three_years() {
        let m = RiskMethod::from_toml(TOML).unwrap();
        let today = date!(2026 - 03 - 02);
        assert_eq!(
            m.acceptance_expiry("116/03/01", today).unwrap(),
            date!(2027 - 03 - 01)
        );
        for bad in ["2026-03-02", "2029-03-03", ""] {
            assert!(m.acceptance_expiry(bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn exempt_only_when_every_system_in_use_is_centralised() {
        assert!(exempt_by_centralisation([]));
        assert!(exempt_by_centralisation([(true, true), (false, false)]));
        assert!(!exempt_by_centralisation([(true, true), (true, false)]));
    }
}
