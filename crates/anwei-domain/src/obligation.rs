//! 應辦事項: which duties bind an agency in a year, and when each falls due.
//!
//! An auditor asks "was the Q1 privileged-account review done?", not "is the account review
//! clause satisfied?", so a duty is turned into concrete periods here, each with a due date, from
//! three inputs only: the catalog (`catalog/obligations.toml`), the agency's history of
//! responsibility levels, and the year. Everything is calendar arithmetic on dates in Taipei; no
//! clock is read, so the same inputs always give the same tasks on every instance.

use crate::agency::ResponsibilityLevel;
use crate::catalog::OBLIGATIONS_FILE;
use crate::roc::add_months;
use crate::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use time::{Date, Duration, Month};

/// When a duty falls due. Calendar recurrences follow the calendar year; interval recurrences
/// (`every N days/months`, `once within`) count from the day the agency's level took effect,
/// because that is what the 分級辦法's "within one year of approval" clauses count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    Yearly {
        month: Month,
        day: u8,
    },
    HalfYearly,
    Quarterly,
    Monthly,
    EveryYears {
        years: u8,
        month: Month,
        day: u8,
    },
    EveryMonths(u16),
    EveryDays(u16),
    OnceWithinMonths(u16),
    /// Never planned from the calendar: each task is created by an event (an audit finding's
    /// corrective action), with its own due date.
    OnEvent,
}

impl Recurrence {
    /// Whether it counts from the day the level took effect rather than the calendar.
    pub fn counts_from_level(self) -> bool {
        matches!(
            self,
            Recurrence::EveryMonths(_) | Recurrence::EveryDays(_) | Recurrence::OnceWithinMonths(_)
        )
    }
}

/// One occurrence of a duty: which period it covers and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Occurrence {
    pub period: Period,
    pub starts_on: Date,
    pub due_on: Date,
}

/// The period a task covers, in a form that is both a stable key and the source of its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(i32, u8),
    /// `first..=last` calendar years
    Years(i32, i32),
    /// an interval period, named by its due date
    Until(Date),
    /// the agency's audit finding of this number (its corrective action)
    Finding(u32),
}

const MAX_INTERVAL: u16 = 3660;

impl Recurrence {
    /// Parses the catalog's recurrence notation (see `catalog/obligations.toml`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("recurrence", "err-recurrence").with("value", raw.trim());
        let words: Vec<&str> = raw.split_whitespace().collect();
        let number = |s: &str| -> Result<u16, FieldError> {
            s.parse::<u16>()
                .ok()
                .filter(|n| (1..=MAX_INTERVAL).contains(n))
                .ok_or_else(bad)
        };
        let month_day = |s: &str| -> Result<(Month, u8), FieldError> {
            let (m, d) = s.split_once('-').ok_or_else(bad)?;
            let m = m.parse::<u8>().ok().and_then(|m| Month::try_from(m).ok());
            let d = d.parse::<u8>().ok();
            match (m, d) {
                // 29 February would fall due only one year in four: refused as impossible.
                (Some(m), Some(d)) if d >= 1 && d <= m.length(2026) => Ok((m, d)),
                _ => Err(bad()),
            }
        };
        match words.as_slice() {
            ["yearly", md] => month_day(md).map(|(month, day)| Recurrence::Yearly { month, day }),
            ["half-yearly"] => Ok(Recurrence::HalfYearly),
            ["quarterly"] => Ok(Recurrence::Quarterly),
            ["monthly"] => Ok(Recurrence::Monthly),
            ["every", n, "years", md] => {
                let years = u8::try_from(number(n)?)
                    .ok()
                    .filter(|y| *y <= 10)
                    .ok_or_else(bad)?;
                let (month, day) = month_day(md)?;
                Ok(Recurrence::EveryYears { years, month, day })
            }
            ["every", n, "months"] => number(n).map(Recurrence::EveryMonths),
            ["every", n, "days"] => number(n).map(Recurrence::EveryDays),
            ["once", "within", n, "months"] => number(n).map(Recurrence::OnceWithinMonths),
            ["on", "event"] => Ok(Recurrence::OnEvent),
            _ => Err(bad()),
        }
    }

    /// Every occurrence whose period overlaps `[from, until)`. `anchor` is the day the level
    /// took effect (interval recurrences count from it); `first_year` is the first calendar year
    /// a multi-year recurrence counts from.
    pub fn occurrences(
        self,
        anchor: Date,
        first_year: i32,
        from: Date,
        until: Date,
    ) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if from >= until {
            return out;
        }
        let overlaps = |o: &Occurrence| o.starts_on < until && o.due_on >= from;
        let (y0, y1) = (from.year(), until.year());
        let day = |y: i32, m: Month, d: u8| {
            Date::from_calendar_date(y, m, d.min(m.length(y))).unwrap_or(Date::MIN)
        };
        let last_of = |y: i32, m: Month| day(y, m, 31);
        let first_of = |y: i32, m: Month| day(y, m, 1);
        match self {
            Recurrence::Yearly { month, day: d } => {
                for y in y0..=y1 {
                    out.push(Occurrence {
                        period: Period::Year(y),
                        starts_on: first_of(y, Month::January),
                        due_on: day(y, month, d),
                    });
                }
            }
            Recurrence::HalfYearly => {
                for y in y0..=y1 {
                    for (h, start, end) in [
                        (1, Month::January, Month::June),
                        (2, Month::July, Month::December),
                    ] {
                        out.push(Occurrence {
                            period: Period::Half(y, h),
                            starts_on: first_of(y, start),
                            due_on: last_of(y, end),
                        });
                    }
                }
            }
            Recurrence::Quarterly => {
                for y in y0..=y1 {
                    for q in 1..=4u8 {
                        let start = Month::try_from(q * 3 - 2).unwrap_or(Month::January);
                        let end = Month::try_from(q * 3).unwrap_or(Month::December);
                        out.push(Occurrence {
                            period: Period::Quarter(y, q),
                            starts_on: first_of(y, start),
                            due_on: last_of(y, end),
                        });
                    }
                }
            }
            Recurrence::Monthly => {
                for y in y0..=y1 {
                    for m in 1..=12u8 {
                        let month = Month::try_from(m).unwrap_or(Month::January);
                        out.push(Occurrence {
                            period: Period::Month(y, m),
                            starts_on: first_of(y, month),
                            due_on: last_of(y, month),
                        });
                    }
                }
            }
            Recurrence::EveryYears {
                years,
                month,
                day: d,
            } => {
                let n = i32::from(years);
                // the cycle containing y0, counted from first_year
                let mut start = first_year + (y0 - first_year).div_euclid(n) * n;
                while start <= y1 {
                    let last = start + n - 1;
                    if start >= first_year {
                        out.push(Occurrence {
                            period: Period::Years(start, last),
                            starts_on: first_of(start, Month::January),
                            due_on: day(last, month, d),
                        });
                    }
                    start += n;
                }
            }
            Recurrence::EveryMonths(n) => {
                let mut k: u32 = 0;
                loop {
                    let starts_on = add_months(anchor, k * u32::from(n));
                    let due_on = add_months(anchor, (k + 1) * u32::from(n));
                    if starts_on >= until || due_on <= starts_on {
                        break;
                    }
                    if due_on >= from {
                        out.push(Occurrence {
                            period: Period::Until(due_on),
                            starts_on,
                            due_on,
                        });
                    }
                    k += 1;
                }
            }
            Recurrence::EveryDays(n) => {
                let step = i64::from(n);
                // skip whole cycles before `from` instead of walking them
                let skipped = ((from - anchor).whole_days() / step - 1).max(0);
                let Some(mut starts_on) = anchor.checked_add(Duration::days(skipped * step)) else {
                    return out;
                };
                while starts_on < until {
                    let Some(due_on) = starts_on.checked_add(Duration::days(step)) else {
                        break;
                    };
                    if due_on >= from {
                        out.push(Occurrence {
                            period: Period::Until(due_on),
                            starts_on,
                            due_on,
                        });
                    }
                    starts_on = due_on;
                }
            }
            Recurrence::OnceWithinMonths(n) => {
                let due_on = add_months(anchor, u32::from(n));
                out.push(Occurrence {
                    period: Period::Until(due_on),
                    starts_on: anchor,
                    due_on,
                });
            }
            Recurrence::OnEvent => {}
        }
        out.retain(overlaps);
        out
    }
}

impl Period {
    /// The stable key stored with a task: `2026`, `2026-H1`, `2026-Q1`, `2026-03`,
    /// `2026..2027`, `until-2027-03-01`.
    pub fn key(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}"),
            Period::Half(y, h) => format!("{y}-H{h}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
            Period::Years(a, b) => format!("{a}..{b}"),
            Period::Until(d) => format!("until-{d}"),
            Period::Finding(n) => format!("finding-{n}"),
        }
    }

    pub fn parse_key(key: &str) -> Option<Self> {
        if let Some(n) = key.strip_prefix("finding-") {
            return n.parse().ok().map(Period::Finding);
        }
        if let Some(d) = key.strip_prefix("until-") {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            return Date::parse(d, &fmt).ok().map(Period::Until);
        }
        if let Some((a, b)) = key.split_once("..") {
            return Some(Period::Years(a.parse().ok()?, b.parse().ok()?));
        }
        match key.split_once('-') {
            None => key.parse().ok().map(Period::Year),
            Some((y, rest)) => {
                let y: i32 = y.parse().ok()?;
                if let Some(h) = rest.strip_prefix('H') {
                    h.parse()
                        .ok()
                        .filter(|h| (1..=2).contains(h))
                        .map(|h| Period::Half(y, h))
                } else if let Some(q) = rest.strip_prefix('Q') {
                    q.parse()
                        .ok()
                        .filter(|q| (1..=4).contains(q))
                        .map(|q| Period::Quarter(y, q))
                } else {
                    rest.parse()
                        .ok()
                        .filter(|m| (1..=12).contains(m))
                        .map(|m| Period::Month(y, m))
                }
            }
        }
    }

    /// The period as Taiwanese forms name it, in 民國 years: 「115年」「115年第1季」
    /// 「115年上半年」「115年3月」「116–117年」「116/03/01 前」.
    pub fn label_zh(&self) -> String {
        let roc = crate::roc::roc_year_of;
        match *self {
            Period::Year(y) => format!("{}年", roc(y)),
            Period::Half(y, 1) => format!("{}年上半年", roc(y)),
            Period::Half(y, _) => format!("{}年下半年", roc(y)),
            Period::Quarter(y, q) => format!("{}年第{q}季", roc(y)),
            Period::Month(y, m) => format!("{}年{m}月", roc(y)),
            Period::Years(a, b) => format!("{}–{}年", roc(a), roc(b)),
            Period::Until(d) => format!("{} 前", crate::roc::RocDate::new(d).short()),
            Period::Finding(n) => format!("稽核發現第 {n} 項"),
        }
    }

    pub fn label_en(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}"),
            Period::Half(y, h) => format!("{y} H{h}"),
            Period::Quarter(y, q) => format!("{y} Q{q}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
            Period::Years(a, b) => format!("{a}–{b}"),
            Period::Until(d) => format!("by {d}"),
            Period::Finding(n) => format!("audit finding {n}"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Where a duty comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationSource {
    Law,
    Plan,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Localized {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Citation {
    /// `2021`, `2026` or `plan`
    pub regime: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawApplies {
    #[serde(default)]
    levels: Option<Vec<String>>,
    from: String,
    #[serde(default)]
    until: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawObligation {
    key: String,
    chapter: u8,
    source: ObligationSource,
    title: Localized,
    recurrence: String,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    evidence: bool,
    applies: Vec<RawApplies>,
    citation: Vec<Citation>,
    #[serde(default)]
    uncertain: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCatalog {
    obligation: Vec<RawObligation>,
    proof: Proof,
    reminders: Reminders,
}

/// When a duty is 「即將到期」 (catalog `[reminders]`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    pub due_soon_days: i64,
}

impl Reminders {
    /// The last due date that counts as due soon on `today`.
    pub fn due_soon_until(self, today: Date) -> Date {
        today
            .checked_add(time::Duration::days(self.due_soon_days))
            .unwrap_or(today)
    }
}

/// The duties Anwei proves by itself: the file a finished record freezes (a signed-off
/// inventory, a completed or exempt risk assessment, a yearly training plan) is attached to the
/// year's task of these duties. Named in the catalog and checked against its keys when it loads,
/// so a renamed duty stops the server instead of quietly leaving the task without evidence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// 資產盤點 (安維計畫 柒.一)
    pub inventory_round: String,
    /// 風險評估 (安維計畫 捌)
    pub risk_assessment: String,
    /// 年度教育訓練計畫 (安維計畫 壹拾參)
    pub training_plan: String,
}

/// The levels and dates between which a text imposed a duty.
#[derive(Debug, Clone, Serialize)]
pub struct Applies {
    /// None: every agency, whatever its level (Act-wide duties)
    pub levels: Option<Vec<ResponsibilityLevel>>,
    pub from: Date,
    pub until: Option<Date>,
}

/// One 應辦事項.
#[derive(Debug, Clone, Serialize)]
pub struct Obligation {
    pub key: String,
    /// The plan chapter, 1–17 (壹 … 壹拾柒).
    pub chapter: u8,
    pub source: ObligationSource,
    pub title: Localized,
    pub recurrence_text: String,
    #[serde(skip)]
    pub recurrence: Recurrence,
    /// Periodic items that begin the year after the level was approved or changed.
    pub starts_next_year: bool,
    pub evidence_required: bool,
    pub applies: Vec<Applies>,
    pub citations: Vec<Citation>,
    pub uncertain: Option<String>,
}

/// Every 應辦事項 in `catalog/obligations.toml`.
#[derive(Debug, Clone)]
pub struct ObligationCatalog {
    pub obligations: Vec<Obligation>,
    pub proof: Proof,
    pub reminders: Reminders,
}

/// The plan chapters' numerals, 1–17.
pub const CHAPTER_NUMERALS: [&str; 17] = [
    "壹",
    "貳",
    "參",
    "肆",
    "伍",
    "陸",
    "柒",
    "捌",
    "玖",
    "壹拾",
    "壹拾壹",
    "壹拾貳",
    "壹拾參",
    "壹拾肆",
    "壹拾伍",
    "壹拾陸",
    "壹拾柒",
];

pub fn chapter_numeral(chapter: u8) -> &'static str {
    usize::from(chapter)
        .checked_sub(1)
        .and_then(|i| CHAPTER_NUMERALS.get(i))
        .copied()
        .unwrap_or("")
}

fn parse_iso(text: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &fmt).ok()
}

impl ObligationCatalog {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: OBLIGATIONS_FILE,
            reason,
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut keys = BTreeSet::new();
        let mut obligations = Vec::with_capacity(raw.obligation.len());
        for o in raw.obligation {
            let at = |what: &str| bad(format!("obligation {:?}: {what}", o.key));
            if !keys.insert(o.key.clone()) {
                return Err(at("duplicate key"));
            }
            if !(1..=17).contains(&o.chapter) {
                return Err(at("chapter must be 1–17"));
            }
            let recurrence = Recurrence::parse(&o.recurrence)
                .map_err(|_| at(&format!("impossible recurrence {:?}", o.recurrence)))?;
            let starts_next_year = match o.start.as_deref() {
                None => false,
                Some("next-year") => true,
                Some(other) => return Err(at(&format!("unknown start {other:?}"))),
            };
            if o.citation.is_empty() || o.applies.is_empty() {
                return Err(at("needs at least one citation and one `applies`"));
            }
            let mut applies = Vec::new();
            for a in &o.applies {
                let from = parse_iso(&a.from).ok_or_else(|| at("`from` is not a date"))?;
                let until = match &a.until {
                    Some(u) => Some(parse_iso(u).ok_or_else(|| at("`until` is not a date"))?),
                    None => None,
                };
                if until.is_some_and(|u| u <= from) {
                    return Err(at("`until` must follow `from`"));
                }
                let levels = match &a.levels {
                    None => None,
                    Some(ls) => Some(
                        ls.iter()
                            .map(|l| ResponsibilityLevel::parse(l))
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(|_| at("unknown level"))?,
                    ),
                };
                applies.push(Applies {
                    levels,
                    from,
                    until,
                });
            }
            obligations.push(Obligation {
                key: o.key,
                chapter: o.chapter,
                source: o.source,
                title: o.title,
                recurrence_text: o.recurrence,
                recurrence,
                starts_next_year,
                evidence_required: o.evidence,
                applies,
                citations: o.citation,
                uncertain: o.uncertain,
            });
        }
        for (what, key) in [
            ("inventory_round", &raw.proof.inventory_round),
            ("risk_assessment", &raw.proof.risk_assessment),
            ("training_plan", &raw.proof.training_plan),
        ] {
            if !keys.contains(key) {
                return Err(bad(format!("proof.{what}: no obligation {key:?}")));
            }
        }
        if !(8..=366).contains(&raw.reminders.due_soon_days) {
            return Err(bad("reminders.due_soon_days must be 8–366".into()));
        }
        Ok(Self {
            obligations,
            proof: raw.proof,
            reminders: raw.reminders,
        })
    }

    pub fn get(&self, key: &str) -> Option<&Obligation> {
        self.obligations.iter().find(|o| o.key == key)
    }

    /// The tasks an agency owes in `year`, given its level history (分級辦法 §3: a change of
    /// level takes effect at once, so each level governs from its own effective date).
    ///
    /// A duty is owed for a period when the agency held a level it binds during some part of
    /// that period, under the text in force on the period's due date; "start next year" duties begin on 1
    /// January after the level took effect (分級辦法 附表: 週期性項目自次年起算).
    ///
    /// `overrides`: the agency's own recurrence for duties its plan leaves at 「定期」.
    pub fn tasks_for_year(
        &self,
        history: &[LevelSpan],
        year: i32,
        overrides: &HashMap<String, Recurrence>,
    ) -> Vec<PlannedTask> {
        let (Ok(jan1), Ok(next_jan1)) = (
            Date::from_calendar_date(year, Month::January, 1),
            Date::from_calendar_date(year + 1, Month::January, 1),
        ) else {
            return Vec::new();
        };
        let mut out: Vec<PlannedTask> = Vec::new();
        for span in history {
            let span_until = span.until.unwrap_or(Date::MAX);
            for o in &self.obligations {
                for a in &o.applies {
                    if let Some(levels) = &a.levels
                        && !span.level.is_some_and(|l| levels.contains(&l))
                    {
                        continue;
                    }
                    let mut from = jan1.max(span.from).max(a.from);
                    if o.starts_next_year {
                        let next =
                            Date::from_calendar_date(span.from.year() + 1, Month::January, 1)
                                .unwrap_or(Date::MAX);
                        from = from.max(next);
                    }
                    let until = next_jan1.min(span_until).min(a.until.unwrap_or(Date::MAX));
                    let first_year = if o.starts_next_year {
                        span.from.year() + 1
                    } else {
                        span.from.year().max(a.from.year())
                    };
                    let in_force = |d: Date| d >= a.from && a.until.is_none_or(|u| d < u);
                    let recurrence = overrides.get(&o.key).copied().unwrap_or(o.recurrence);
                    for occ in recurrence.occurrences(span.from, first_year, from, until) {
                        if !in_force(occ.due_on) {
                            continue;
                        }
                        // 分級辦法 §3: duties counted from the day a level took effect (its
                        // re-approval within 36 months, every N months or days) start over with
                        // the next level entry; the old level's occurrence not yet due when it
                        // ended is superseded by the new one's, not owed beside it.
                        if recurrence.counts_from_level()
                            && span.until.is_some_and(|u| occ.due_on > u)
                        {
                            continue;
                        }
                        let planned = PlannedTask {
                            obligation_key: o.key.clone(),
                            period: occ.period,
                            starts_on: occ.starts_on,
                            due_on: occ.due_on,
                        };
                        if !out.iter().any(|t| {
                            t.obligation_key == planned.obligation_key && t.period == planned.period
                        }) {
                            out.push(planned);
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| (a.due_on, &a.obligation_key).cmp(&(b.due_on, &b.obligation_key)));
        out
    }
}

/// One responsibility level over a span of days: `[from, until)`; `until` None = still in force.
/// `level` None = an agency without a level (e.g. a bureau not yet graded): only the Act-wide
/// duties apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSpan {
    pub level: Option<ResponsibilityLevel>,
    pub from: Date,
    pub until: Option<Date>,
}

/// Turns the stored history (each level with the day it took effect) into consecutive spans.
pub fn level_spans(changes: &[(Option<ResponsibilityLevel>, Date)]) -> Vec<LevelSpan> {
    let mut sorted: Vec<_> = changes.to_vec();
    sorted.sort_by_key(|(_, d)| *d);
    let mut spans: Vec<LevelSpan> = Vec::new();
    for (i, (level, from)) in sorted.iter().enumerate() {
        let until = sorted.get(i + 1).map(|(_, d)| *d);
        if until == Some(*from) {
            continue; // superseded on the same day
        }
        spans.push(LevelSpan {
            level: *level,
            from: *from,
            until,
        });
    }
    spans
}

/// A task the catalog says is owed: the store materialises it once per (obligation, period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedTask {
    pub obligation_key: String,
    pub period: Period,
    pub starts_on: Date,
    pub due_on: Date,
}

/// A task's state as the people doing it see it: `open` tasks past their due date are overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    /// done, awaiting the 資通安全長's approval
    Submitted,
    Done,
    /// 不適用, with a reason, requested by the 承辦人
    NaRequested,
    /// 不適用, approved by the 資通安全長
    NotApplicable,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Open,
        TaskStatus::Submitted,
        TaskStatus::Done,
        TaskStatus::NaRequested,
        TaskStatus::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Done => "done",
            TaskStatus::NaRequested => "na_requested",
            TaskStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the duty is met (done, or approved as not applicable).
    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::NotApplicable)
    }

    /// Open or awaiting a decision, and past its due date on `today` (Taipei).
    pub fn is_overdue(self, due_on: Date, today: Date) -> bool {
        !self.is_closed() && due_on < today
    }
}

/// What someone may do to a task, and what it becomes. The 資通安全長 decides approvals
/// (安維計畫 伍: 資通安全長負責推動及監督); the 承辦人 does the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    Complete,
    RequestNotApplicable,
    Approve,
    Reject,
    Reopen,
}

impl TaskAction {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "complete" => Some(TaskAction::Complete),
            "request_na" => Some(TaskAction::RequestNotApplicable),
            "approve" => Some(TaskAction::Approve),
            "reject" => Some(TaskAction::Reject),
            "reopen" => Some(TaskAction::Reopen),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Complete => "complete",
            TaskAction::RequestNotApplicable => "request_na",
            TaskAction::Approve => "approve",
            TaskAction::Reject => "reject",
            TaskAction::Reopen => "reopen",
        }
    }

    /// Whether the action needs the approver's right (資通安全長).
    pub fn needs_approver(self) -> bool {
        matches!(
            self,
            TaskAction::Approve | TaskAction::Reject | TaskAction::Reopen
        )
    }

    /// The status after the action, or the error key when the action does not apply.
    /// `needs_approval`: the agency requires the 資通安全長 to approve completions.
    pub fn apply(
        self,
        from: TaskStatus,
        needs_approval: bool,
        has_evidence: bool,
        evidence_required: bool,
        reason: &str,
    ) -> Result<TaskStatus, FieldError> {
        use TaskStatus::*;
        let wrong = || FieldError::new("action", "err-task-action").with("status", from.as_str());
        match (self, from) {
            (TaskAction::Complete, Open) => {
                if evidence_required && !has_evidence {
                    return Err(FieldError::new("evidence", "err-task-evidence-required"));
                }
                Ok(if needs_approval { Submitted } else { Done })
            }
            (TaskAction::RequestNotApplicable, Open) => {
                if reason.trim().chars().count() < 2 {
                    return Err(FieldError::new("reason", "err-required"));
                }
                Ok(NaRequested)
            }
            (TaskAction::Approve, Submitted) => Ok(Done),
            (TaskAction::Approve, NaRequested) => Ok(NotApplicable),
            (TaskAction::Reject, Submitted | NaRequested) => Ok(Open),
            (TaskAction::Reopen, Done | NotApplicable) => Ok(Open),
            _ => Err(wrong()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn catalog() -> ObligationCatalog {
        crate::catalog::Catalog::load()
            .expect("catalog")
            .obligations
    }

    fn keys(tasks: &[PlannedTask]) -> BTreeSet<&str> {
        tasks.iter().map(|t| t.obligation_key.as_str()).collect()
    }

    #[test]
    fn parses_every_notation_and_refuses_impossible_ones() {
        assert_eq!(
            Recurrence::parse("yearly 12-31").unwrap(),
            Recurrence::Yearly {
                month: Month::December,
                day: 31
            }
        );
        assert_eq!(
            Recurrence::parse("every 90 days").unwrap(),
            Recurrence::EveryDays(90)
        );
        assert_eq!(
            Recurrence::parse(" every  2 years 12-31 ").unwrap(),
            Recurrence::EveryYears {
                years: 2,
                month: Month::December,
                day: 31
            }
        );
        assert_eq!(
            Recurrence::parse("once within 12 months").unwrap(),
            Recurrence::OnceWithinMonths(12)
        );
        for bad in [
            "yearly 02-30",
            "yearly 02-29",
            "yearly 13-01",
            "yearly 00-10",
            "every 0 days",
            "every -3 days",
            "every 99999 days",
            "weekly",
            "",
            "every 2 years",
            "every 11 years 01-01",
            "once within 0 months",
            "yearly 1231",
        ] {
            let e = Recurrence::parse(bad).unwrap_err();
            assert_eq!(e.key, "err-recurrence", "{bad}");
        }
    }

    #[test]
    fn quarters_and_halves() {
        let q = Recurrence::Quarterly.occurrences(
            date!(2019 - 01 - 01),
            2019,
            date!(2026 - 01 - 01),
            date!(2027 - 01 - 01),
        );
        let dues: Vec<Date> = q.iter().map(|o| o.due_on).collect();
        assert_eq!(
            dues,
            vec![
                date!(2026 - 03 - 31),
                date!(2026 - 06 - 30),
                date!(2026 - 09 - 30),
                date!(2026 - 12 - 31)
            ]
        );
        assert_eq!(q[0].period.label_zh(), "115年第1季");
        let h = Recurrence::HalfYearly.occurrences(
            date!(2019 - 01 - 01),
            2019,
            date!(2026 - 07 - 01),
            date!(2027 - 01 - 01),
        );
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].period.label_zh(), "115年下半年");
    }

    #[test]
    fn month_ends_and_leap_years() {
        let m = Recurrence::Monthly.occurrences(
            date!(2019 - 01 - 01),
            2019,
            date!(2028 - 01 - 01),
            date!(2029 - 01 - 01),
        );
        assert_eq!(m[1].due_on, date!(2028 - 02 - 29));
        let m = Recurrence::Monthly.occurrences(
            date!(2019 - 01 - 01),
            2019,
            date!(2026 - 01 - 01),
            date!(2027 - 01 - 01),
        );
        assert_eq!(m[1].due_on, date!(2026 - 02 - 28));
        // every 12 months from 29 February: 28 February in common years
        let e = Recurrence::EveryMonths(12).occurrences(
            date!(2024 - 02 - 29),
            2024,
            date!(2025 - 01 - 01),
            date!(2026 - 01 - 01),
        );
        assert_eq!(e[0].due_on, date!(2025 - 02 - 28));
        let e = Recurrence::EveryMonths(48).occurrences(
            date!(2024 - 02 - 29),
            2024,
            date!(2028 - 01 - 01),
            date!(2029 - 01 - 01),
        );
        assert_eq!(e[0].due_on, date!(2028 - 02 - 29));
        // 31 January + 1 month
        let e = Recurrence::OnceWithinMonths(13).occurrences(
            date!(2026 - 01 - 31),
            2026,
            date!(2026 - 01 - 01),
            date!(2028 - 01 - 01),
        );
        assert_eq!(e[0].due_on, date!(2027 - 02 - 28));
    }

    #[test]
    fn every_ninety_days_counts_from_the_level_date() {
        let o = Recurrence::EveryDays(90).occurrences(
            date!(2026 - 01 - 01),
            2026,
            date!(2026 - 01 - 01),
            date!(2027 - 01 - 01),
        );
        assert_eq!(o[0].due_on, date!(2026 - 04 - 01));
        assert_eq!(o[1].due_on, date!(2026 - 06 - 30));
        assert_eq!(o.len(), 5); // the 5th period starts 2026-12-27, due 2027-03-27
        assert_eq!(o[0].period.label_zh(), "115/04/01 前");
    }

    #[test]
    fn periods_round_trip_through_their_keys() {
        for p in [
            Period::Year(2026),
            Period::Half(2026, 2),
            Period::Quarter(2026, 4),
            Period::Month(2026, 3),
            Period::Years(2027, 2028),
            Period::Until(date!(2027 - 03 - 01)),
        ] {
            assert_eq!(Period::parse_key(&p.key()), Some(p), "{p}");
        }
        for bad in [
            "",
            "2026-Q5",
            "2026-H0",
            "2026-13",
            "until-2026-02-30",
            "x..y",
        ] {
            assert_eq!(Period::parse_key(bad), None, "{bad}");
        }
    }

    /// The example: the demo D-level school in 2026.
    #[test]
    fn a_d_level_school_in_2026() {
        let c = catalog();
        let history = level_spans(&[(Some(ResponsibilityLevel::D), date!(2024 - 03 - 01))]);
        let tasks = c.tasks_for_year(&history, 2026, &HashMap::new());
        let k = keys(&tasks);
        for must in [
            "antivirus",
            "firewall",
            "training-general",
            "training-it-staff",
            "implementation-report",
            "ciso-designation",
            "level-reapproval",
            "policy-promotion-staff",
            "asset-inventory",
            "risk-assessment",
            "privileged-account-review",
            "management-review",
            "training-plan",
            "social-engineering-drill",
        ] {
            assert!(k.contains(must), "missing {must}");
        }
        for must_not in [
            "isms",
            "internal-audit-c",
            "security-staff",
            "training-security-staff",
            "level-reapproval-2021",
        ] {
            assert!(!k.contains(must_not), "{must_not} does not bind a D school");
        }
        // every task cites its text
        for t in &tasks {
            assert!(!c.get(&t.obligation_key).unwrap().citations.is_empty());
        }
        // four quarterly reviews
        assert_eq!(
            tasks
                .iter()
                .filter(|t| t.obligation_key == "privileged-account-review")
                .count(),
            4
        );
        // 資訊人員 training binds D only from 115.1.7: not in 2025
        let k25 = keys(&c.tasks_for_year(&history, 2025, &HashMap::new()))
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>();
        assert!(!k25.contains("training-it-staff"));
        // approved 2024-03-01: under the 2021 text due 2026-03-01, but that text was replaced on
        // 2026-01-07, so the 3-year rule governs: due 2027-03-01
        let again = tasks
            .iter()
            .find(|t| t.obligation_key == "level-reapproval")
            .unwrap();
        assert_eq!(again.due_on, date!(2027 - 03 - 01));
        assert!(!k25.contains("level-reapproval-2021"));
        // an approval of 2019 fell due in 2021 under the 2-year rule
        let old = level_spans(&[(Some(ResponsibilityLevel::D), date!(2019 - 08 - 01))]);
        let t21 = c.tasks_for_year(&old, 2021, &HashMap::new());
        let r = t21
            .iter()
            .find(|t| t.obligation_key == "level-reapproval-2021")
            .unwrap();
        assert_eq!(r.due_on, date!(2021 - 08 - 01));
    }

    #[test]
    fn a_change_to_c_adds_the_c_duties_from_the_change_date() {
        let c = catalog();
        let history = level_spans(&[
            (Some(ResponsibilityLevel::D), date!(2019 - 08 - 01)),
            (Some(ResponsibilityLevel::C), date!(2026 - 07 - 01)),
        ]);
        let tasks = c.tasks_for_year(&history, 2026, &HashMap::new());
        let find = |k: &str| tasks.iter().find(|t| t.obligation_key == k);
        let isms = find("isms").expect("ISMS");
        assert_eq!(isms.starts_on, date!(2026 - 07 - 01));
        assert_eq!(isms.due_on, date!(2028 - 07 - 01));
        assert_eq!(
            find("security-staff").unwrap().due_on,
            date!(2027 - 07 - 01)
        );
        assert_eq!(
            find("system-classification").unwrap().due_on,
            date!(2027 - 07 - 01)
        );
        // periodic items start the year after the change
        assert!(find("internal-audit-c").is_none());
        let t27 = c.tasks_for_year(&history, 2027, &HashMap::new());
        let audit = t27
            .iter()
            .find(|t| t.obligation_key == "internal-audit-c")
            .expect("audit in 2027");
        assert_eq!(audit.period, Period::Years(2027, 2028));
        assert_eq!(audit.due_on, date!(2028 - 12 - 31));
        // the yearly duties are owed once, not once per level
        assert_eq!(
            tasks
                .iter()
                .filter(|t| t.obligation_key == "antivirus")
                .count(),
            1
        );
        // before the change the same year held no C duty
        let d_only = c.tasks_for_year(
            &level_spans(&[(Some(ResponsibilityLevel::D), date!(2019 - 08 - 01))]),
            2026,
            &HashMap::new(),
        );
        assert!(!keys(&d_only).contains("isms"));
    }

    #[test]
    fn an_agency_may_set_its_own_frequency_for_periodic_duties() {
        let c = catalog();
        let history = level_spans(&[(Some(ResponsibilityLevel::D), date!(2024 - 08 - 01))]);
        let quarterly = HashMap::from([("backup-verification".to_string(), Recurrence::Quarterly)]);
        let tasks = c.tasks_for_year(&history, 2026, &quarterly);
        assert_eq!(
            tasks
                .iter()
                .filter(|t| t.obligation_key == "backup-verification")
                .count(),
            4
        );
        let default = c.tasks_for_year(&history, 2026, &HashMap::new());
        assert_eq!(
            default
                .iter()
                .filter(|t| t.obligation_key == "backup-verification")
                .count(),
            2
        );
    }

    #[test]
    fn an_agency_without_a_level_owes_the_act_wide_duties_only() {
        let c = catalog();
        let tasks = c.tasks_for_year(
            &level_spans(&[(None, date!(2020 - 01 - 01))]),
            2026,
            &HashMap::new(),
        );
        let k = keys(&tasks);
        assert!(k.contains("implementation-report"));
        assert!(!k.contains("antivirus"));
        assert!(!k.contains("level-reapproval"));
    }

    #[test]
    fn task_actions() {
        use TaskStatus::*;
        let a = |act: TaskAction, from, approval, ev, req, reason: &str| {
            act.apply(from, approval, ev, req, reason)
        };
        assert_eq!(
            a(TaskAction::Complete, Open, false, true, true, ""),
            Ok(Done)
        );
        assert_eq!(
            a(TaskAction::Complete, Open, true, true, true, ""),
            Ok(Submitted)
        );
        assert_eq!(
            a(TaskAction::Complete, Open, false, false, true, "")
                .unwrap_err()
                .key,
            "err-task-evidence-required"
        );
        assert_eq!(
            a(TaskAction::Complete, Open, false, false, false, ""),
            Ok(Done)
        );
        assert_eq!(
            a(
                TaskAction::RequestNotApplicable,
                Open,
                false,
                false,
                false,
                " "
            )
            .unwrap_err()
            .key,
            "err-required"
        );
        assert_eq!(
            a(
                TaskAction::RequestNotApplicable,
                Open,
                false,
                false,
                false,
                "系統全部向上集中"
            ),
            Ok(NaRequested)
        );
        assert_eq!(
            a(TaskAction::Approve, NaRequested, false, false, false, ""),
            Ok(NotApplicable)
        );
        assert_eq!(
            a(TaskAction::Reject, Submitted, false, false, false, ""),
            Ok(Open)
        );
        assert_eq!(
            a(TaskAction::Complete, Done, false, true, true, "")
                .unwrap_err()
                .key,
            "err-task-action"
        );
        assert!(Open.is_overdue(date!(2026 - 03 - 31), date!(2026 - 04 - 01)));
        assert!(!Open.is_overdue(date!(2026 - 03 - 31), date!(2026 - 03 - 31)));
        assert!(!Done.is_overdue(date!(2026 - 03 - 31), date!(2026 - 04 - 01)));
    }

    fn any_recurrence() -> impl Strategy<Value = Recurrence> {
        prop_oneof![
            (1u8..=12, 1u8..=28).prop_map(|(m, d)| Recurrence::Yearly {
                month: Month::try_from(m).unwrap(),
                day: d
            }),
            Just(Recurrence::HalfYearly),
            Just(Recurrence::Quarterly),
            Just(Recurrence::Monthly),
            (1u8..=5, 1u8..=12).prop_map(|(y, m)| Recurrence::EveryYears {
                years: y,
                month: Month::try_from(m).unwrap(),
                day: 31
            }),
            (1u16..=60).prop_map(Recurrence::EveryMonths),
            (1u16..=400).prop_map(Recurrence::EveryDays),
            (1u16..=60).prop_map(Recurrence::OnceWithinMonths),
        ]
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i32..2040, 1u16..=366).prop_map(|(y, d)| {
            Date::from_ordinal_date(
                y,
                d.min(if time::util::is_leap_year(y) {
                    366
                } else {
                    365
                }),
            )
            .unwrap()
        })
    }

    proptest! {
        /// Every occurrence overlaps the window, starts before it is due, and no period repeats.
        #[test]
        fn occurrences_are_well_formed(r in any_recurrence(), anchor in any_date(), year in 2000i32..2045) {
            let from = Date::from_calendar_date(year, Month::January, 1).unwrap();
            let until = Date::from_calendar_date(year + 1, Month::January, 1).unwrap();
            let occ = r.occurrences(anchor, anchor.year(), from, until);
            let mut seen = BTreeSet::new();
            for o in &occ {
                prop_assert!(o.starts_on < until && o.due_on >= from);
                prop_assert!(o.starts_on <= o.due_on);
                prop_assert!(seen.insert(o.period));
                prop_assert_eq!(Period::parse_key(&o.period.key()), Some(o.period));
            }
            match r {
                Recurrence::Quarterly => prop_assert_eq!(occ.len(), 4),
                Recurrence::Monthly => prop_assert_eq!(occ.len(), 12),
                Recurrence::HalfYearly => prop_assert_eq!(occ.len(), 2),
                Recurrence::Yearly { .. } => prop_assert_eq!(occ.len(), 1),
                Recurrence::EveryDays(n) => {
                    for w in occ.windows(2) {
                        prop_assert_eq!((w[1].due_on - w[0].due_on).whole_days(), i64::from(n));
                    }
                }
                _ => {}
            }
        }

        /// The yearly tasks of a year never depend on the years around it: materialising two
        /// years gives each year's tasks once.
        #[test]
        fn level_changes_never_duplicate_a_period(change in any_date()) {
            let c = catalog();
            let history = level_spans(&[
                (Some(ResponsibilityLevel::D), date!(2019 - 08 - 01)),
                (Some(ResponsibilityLevel::C), change.max(date!(2019 - 08 - 02))),
            ]);
            for year in [change.year(), change.year() + 1] {
                let tasks = c.tasks_for_year(&history, year, &HashMap::new());
                let mut seen = BTreeSet::new();
                for t in &tasks {
                    prop_assert!(seen.insert((t.obligation_key.clone(), t.period)));
                }
            }
        }
    }
}
