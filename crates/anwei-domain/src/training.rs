//! 資通安全教育訓練: the hours each person owes, and the ledger of what they did. The rules are
//! data (`catalog/training-rules.toml`); this module only applies them: which rule binds a
//! person in a year (their training category and the agency's level), over which window (one
//! calendar year, or two for 資訊人員's professional hours), and with professional hours never
//! counted as general ones.
//!
//! Hours are kept in tenths of an hour (`Tenths`), so 2.5 h is exact and sums never drift.

use crate::agency::ResponsibilityLevel;
use crate::catalog::TRAINING_RULES_FILE;
use crate::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Hours × 10.
pub type Tenths = i32;

/// Parses hours as typed or imported: `3`, `2.5`, `1.5小時`, `90分鐘` (minutes), between 0.5 and
/// 100 hours in steps of 0.1.
pub fn parse_hours(field: &'static str, raw: &str) -> Result<Tenths, FieldError> {
    let s = raw.trim();
    let bad = || FieldError::new(field, "err-hours");
    let (number, minutes) = if let Some(n) = s.strip_suffix("分鐘") {
        (n.trim(), true)
    } else {
        (
            s.trim_end_matches("小時")
                .trim_end_matches('h')
                .trim_end_matches('H')
                .trim(),
            false,
        )
    };
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 1
        || whole.len() > 4
    {
        return Err(bad());
    }
    let whole: i32 = whole.parse().map_err(|_| bad())?;
    let frac: i32 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    let tenths = if minutes {
        if frac != 0 {
            return Err(bad());
        }
        // minutes to tenths of an hour, rounded down: 90 minutes = 1.5 h
        whole / 6
    } else {
        whole * 10 + frac
    };
    if !(5..=1000).contains(&tenths) {
        return Err(FieldError::new(field, "err-hours-range"));
    }
    Ok(tenths)
}

/// 「2.5」 from 25.
pub fn show_hours(t: Tenths) -> String {
    if t % 10 == 0 {
        format!("{}", t / 10)
    } else {
        format!("{}.{}", t / 10, (t % 10).abs())
    }
}

/// 訓練類別 of a person.
/// Whom the yearly training plan addresses (安維計畫 壹拾參: 主管人員、業務人員、資訊人員), as
/// stored; the pages name them through `training-audience-*`.
pub const PLAN_AUDIENCES: [&str; 3] = ["management", "business", "it"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingCategory {
    /// 一般使用者及主管
    General,
    /// 資訊人員
    ItStaff,
    /// 資通安全專職人員
    SecurityStaff,
}

impl TrainingCategory {
    pub const ALL: [TrainingCategory; 3] = [
        TrainingCategory::General,
        TrainingCategory::ItStaff,
        TrainingCategory::SecurityStaff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrainingCategory::General => "general",
            TrainingCategory::ItStaff => "it_staff",
            TrainingCategory::SecurityStaff => "security_staff",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "general" | "一般使用者及主管" | "一般使用者" => {
                Ok(TrainingCategory::General)
            }
            "it_staff" | "資訊人員" => Ok(TrainingCategory::ItStaff),
            "security_staff" | "資通安全專職人員" | "資安專職人員" => {
                Ok(TrainingCategory::SecurityStaff)
            }
            _ => Err(FieldError::new("category", "err-choice")),
        }
    }
}

/// 通識 or 專業 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HourKind {
    General,
    Professional,
}

impl HourKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HourKind::General => "general",
            HourKind::Professional => "professional",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "general" | "通識" | "一般" => Ok(HourKind::General),
            "professional" | "專業" | "職能" => Ok(HourKind::Professional),
            _ => Err(FieldError::new("kind", "err-choice")),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawRule {
    categories: Vec<TrainingCategory>,
    kind: HourKind,
    hours: f64,
    years: u8,
    levels: Vec<String>,
    from: String,
    #[serde(default)]
    until: Option<String>,
    citation: String,
}

#[derive(Debug, Deserialize)]
struct RawRules {
    rule: Vec<RawRule>,
}

/// One training rule.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingRule {
    pub categories: Vec<TrainingCategory>,
    pub kind: HourKind,
    pub hours: Tenths,
    /// 1 = the calendar year; 2 = that year and the one before.
    pub years: u8,
    pub levels: Vec<ResponsibilityLevel>,
    pub from: Date,
    pub until: Option<Date>,
    pub citation: String,
}

#[derive(Debug, Clone)]
pub struct TrainingRules {
    pub rules: Vec<TrainingRule>,
}

fn iso(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl TrainingRules {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: TRAINING_RULES_FILE,
            reason,
        };
        let raw: RawRules = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut rules = Vec::new();
        for (n, r) in raw.rule.into_iter().enumerate() {
            let at = |what: &str| bad(format!("rule {}: {what}", n + 1));
            let hours = (r.hours * 10.0).round();
            if !(1.0..=1000.0).contains(&hours)
                || !(1..=5).contains(&r.years)
                || r.categories.is_empty()
            {
                return Err(at("hours, years or categories out of range"));
            }
            let levels = r
                .levels
                .iter()
                .map(|l| ResponsibilityLevel::parse(l))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| at("unknown level"))?;
            let from = iso(&r.from).ok_or_else(|| at("`from` is not a date"))?;
            let until = match &r.until {
                Some(u) => Some(iso(u).ok_or_else(|| at("`until` is not a date"))?),
                None => None,
            };
            rules.push(TrainingRule {
                categories: r.categories,
                kind: r.kind,
                hours: hours as Tenths,
                years: r.years,
                levels,
                from,
                until,
                citation: r.citation,
            });
        }
        Ok(Self { rules })
    }

    /// The rules binding a person of `category` in `year` at an agency whose level at the end of
    /// the year (or today, for the current year) is `level`: the text in force on 31 December
    /// decides, as the annexes set yearly hours.
    pub fn binding(
        &self,
        category: TrainingCategory,
        level: Option<ResponsibilityLevel>,
        year: i32,
    ) -> Vec<&TrainingRule> {
        let Ok(dec31) = Date::from_calendar_date(year, Month::December, 31) else {
            return Vec::new();
        };
        self.rules
            .iter()
            .filter(|r| r.categories.contains(&category))
            .filter(|r| level.is_some_and(|l| r.levels.contains(&l)))
            .filter(|r| r.from <= dec31 && r.until.is_none_or(|u| dec31 < u))
            .collect()
    }
}

/// How hours owed by someone who joined or left during the year are counted (the agency's
/// choice, 訓練計畫).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proration {
    /// Anyone on the staff during the year owes the full hours.
    Full,
    /// In proportion to the whole months on the staff, rounded up to the half hour.
    ProRata,
}

/// One attendance as the ledger needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attended {
    pub on: Date,
    pub kind: HourKind,
    pub hours: Tenths,
}

/// One line of a person's ledger: one rule, its window, what is owed, done and missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    pub kind: HourKind,
    pub window_from: Date,
    pub window_to: Date,
    pub required: Tenths,
    pub done: Tenths,
    pub missing: Tenths,
    pub citation: String,
}

/// The months (1–12) a person was on the staff in `year`.
fn months_on_staff(year: i32, joined: Option<Date>, left: Option<Date>) -> i32 {
    let first = joined
        .filter(|d| d.year() == year)
        .map_or(1, |d| i32::from(u8::from(d.month())));
    let last = left
        .filter(|d| d.year() == year)
        .map_or(12, |d| i32::from(u8::from(d.month())));
    if joined.is_some_and(|d| d.year() > year) || left.is_some_and(|d| d.year() < year) {
        return 0;
    }
    (last - first + 1).clamp(0, 12)
}

/// A person's ledger for `year`, counting attendances up to `today` (a course in the future is
/// not yet done).
pub fn ledger(
    rules: &[&TrainingRule],
    year: i32,
    joined: Option<Date>,
    left: Option<Date>,
    proration: Proration,
    attended: &[Attended],
    today: Date,
) -> Vec<LedgerLine> {
    let months = months_on_staff(year, joined, left);
    let mut out = Vec::new();
    for r in rules {
        let (Ok(from), Ok(to)) = (
            Date::from_calendar_date(year - i32::from(r.years) + 1, Month::January, 1),
            Date::from_calendar_date(year, Month::December, 31),
        ) else {
            continue;
        };
        let required = if months == 0 {
            0
        } else {
            match proration {
                Proration::Full => r.hours,
                // rounded up to the half hour
                Proration::ProRata if r.years == 1 => (r.hours * months + 59) / 60 * 5,
                Proration::ProRata => r.hours,
            }
        };
        let done: Tenths = attended
            .iter()
            .filter(|a| a.kind == r.kind && a.on >= from && a.on <= to && a.on <= today)
            .map(|a| a.hours)
            .sum();
        out.push(LedgerLine {
            kind: r.kind,
            window_from: from,
            window_to: to,
            required,
            done,
            missing: (required - done).max(0),
            citation: r.citation.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rules() -> TrainingRules {
        crate::catalog::Catalog::load().expect("catalog").training
    }

    fn total(lines: &[LedgerLine], kind: HourKind) -> (Tenths, Tenths, Tenths) {
        lines
            .iter()
            .filter(|l| l.kind == kind)
            .fold((0, 0, 0), |(r, d, m), l| {
                (r + l.required, d + l.done, m + l.missing)
            })
    }

    fn at(on: Date, kind: HourKind, hours: Tenths) -> Attended {
        Attended { on, kind, hours }
    }

    #[test]
    fn hours_parse_as_typed_and_refuse_absurd_values() {
        assert_eq!(parse_hours("hours", "3").unwrap(), 30);
        assert_eq!(parse_hours("hours", " 2.5 ").unwrap(), 25);
        assert_eq!(parse_hours("hours", "1.5小時").unwrap(), 15);
        assert_eq!(parse_hours("hours", "90分鐘").unwrap(), 15);
        for bad in ["", "-1", "abc", "1.25", "3,5", "1e3", "٣"] {
            assert_eq!(
                parse_hours("hours", bad).unwrap_err().key,
                "err-hours",
                "{bad}"
            );
        }
        for absurd in ["0", "0.4", "100.1", "9999"] {
            assert_eq!(
                parse_hours("hours", absurd).unwrap_err().key,
                "err-hours-range",
                "{absurd}"
            );
        }
        assert_eq!(show_hours(25), "2.5");
        assert_eq!(show_hours(30), "3");
    }

    /// The example: at level D in 2026, 2 h general + 4 h professional is 1 h short of
    /// general — professional hours never count as general.
    #[test]
    fn professional_hours_never_count_as_general() {
        let r = rules();
        let binding = r.binding(
            TrainingCategory::General,
            Some(ResponsibilityLevel::D),
            2026,
        );
        let l = ledger(
            &binding,
            2026,
            None,
            None,
            Proration::Full,
            &[
                at(date!(2026 - 03 - 01), HourKind::General, 20),
                at(date!(2026 - 04 - 01), HourKind::Professional, 40),
            ],
            date!(2026 - 12 - 31),
        );
        assert_eq!(total(&l, HourKind::General), (30, 20, 10));
        assert_eq!(total(&l, HourKind::Professional), (0, 0, 0));
    }

    /// A 資訊人員 with professional hours in 2025 only is compliant in 2026 (window 2025–2026)
    /// and not in 2027 (window 2026–2027).
    #[test]
    fn the_two_year_window_of_it_staff() {
        let r = rules();
        let hours = [
            at(date!(2025 - 05 - 01), HourKind::Professional, 30),
            at(date!(2026 - 02 - 01), HourKind::General, 30),
            at(date!(2027 - 02 - 01), HourKind::General, 30),
        ];
        let y26 = ledger(
            &r.binding(
                TrainingCategory::ItStaff,
                Some(ResponsibilityLevel::D),
                2026,
            ),
            2026,
            None,
            None,
            Proration::Full,
            &hours,
            date!(2027 - 12 - 31),
        );
        assert_eq!(total(&y26, HourKind::Professional), (30, 30, 0));
        assert_eq!(total(&y26, HourKind::General), (30, 30, 0));
        let y27 = ledger(
            &r.binding(
                TrainingCategory::ItStaff,
                Some(ResponsibilityLevel::D),
                2027,
            ),
            2027,
            None,
            None,
            Proration::Full,
            &hours,
            date!(2027 - 12 - 31),
        );
        assert_eq!(total(&y27, HourKind::Professional), (30, 0, 30));
        // before 115.1.7 a D-level 資訊人員 owed no professional hours
        let y25 = r.binding(
            TrainingCategory::ItStaff,
            Some(ResponsibilityLevel::D),
            2025,
        );
        assert!(y25.iter().all(|r| r.kind == HourKind::General));
    }

    #[test]
    fn a_level_change_mid_year_applies_the_level_at_year_end() {
        let r = rules();
        // D → C during 2026: the security officer owes the C rule's 12 professional hours
        let c = r.binding(
            TrainingCategory::SecurityStaff,
            Some(ResponsibilityLevel::C),
            2026,
        );
        assert_eq!(
            c.iter()
                .filter(|r| r.kind == HourKind::Professional)
                .map(|r| r.hours)
                .sum::<i32>(),
            120
        );
        let d = r.binding(
            TrainingCategory::SecurityStaff,
            Some(ResponsibilityLevel::D),
            2026,
        );
        assert!(d.iter().all(|r| r.kind == HourKind::General));
        assert!(r.binding(TrainingCategory::General, None, 2026).is_empty());
    }

    #[test]
    fn joiners_and_leavers() {
        let r = rules();
        let b = r.binding(
            TrainingCategory::General,
            Some(ResponsibilityLevel::D),
            2026,
        );
        let owed = |joined, left, p| {
            total(
                &ledger(&b, 2026, joined, left, p, &[], date!(2026 - 12 - 31)),
                HourKind::General,
            )
            .0
        };
        // joined in October: 3 months of 12 → 0.75 h, rounded up to 1 h pro rata; 3 h in full
        assert_eq!(
            owed(Some(date!(2026 - 10 - 15)), None, Proration::ProRata),
            10
        );
        assert_eq!(owed(Some(date!(2026 - 10 - 15)), None, Proration::Full), 30);
        // left in June: 6 months → 1.5 h
        assert_eq!(
            owed(None, Some(date!(2026 - 06 - 30)), Proration::ProRata),
            15
        );
        // joined in 2027 or left in 2025: nothing owed for 2026
        assert_eq!(owed(Some(date!(2027 - 01 - 02)), None, Proration::Full), 0);
        assert_eq!(owed(None, Some(date!(2025 - 12 - 31)), Proration::Full), 0);
    }

    #[test]
    fn a_course_in_the_future_is_not_done_yet() {
        let r = rules();
        let b = r.binding(
            TrainingCategory::General,
            Some(ResponsibilityLevel::D),
            2026,
        );
        let l = ledger(
            &b,
            2026,
            None,
            None,
            Proration::Full,
            &[at(date!(2026 - 12 - 01), HourKind::General, 30)],
            date!(2026 - 11 - 24),
        );
        assert_eq!(total(&l, HourKind::General), (30, 0, 30));
    }
}
