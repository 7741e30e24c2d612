//! The statutory clocks of a 資通安全事件 and the level they depend on. No tool in the field
//! computes them; a missed one-hour notification is the failure an audit finds first. All the
//! numbers and the level table are data (`catalog/incident-rules.toml`, with the articles they come
//! from); this module only does the arithmetic, with times passed in, so tests can set the clock.

use crate::catalog::INCIDENT_RULES_FILE;
use crate::roc::TAIPEI;
use crate::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration, Month, OffsetDateTime, Time};

/// 事件等級 1–4 (資通安全事件通報應變及演練辦法 §2); 3 and 4 are 重大資通安全事件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct IncidentLevel(u8);

impl IncidentLevel {
    pub fn new(n: u8) -> Option<Self> {
        (1..=4).contains(&n).then_some(Self(n))
    }

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        raw.trim()
            .parse::<u8>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| FieldError::new(field, "err-incident-level"))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    fn index(self) -> usize {
        usize::from(self.0 - 1)
    }
}

impl TryFrom<u8> for IncidentLevel {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Self::new(n).ok_or_else(|| format!("incident level {n} is not 1–4"))
    }
}

impl From<IncidentLevel> for u8 {
    fn from(l: IncidentLevel) -> u8 {
        l.0
    }
}

impl fmt::Display for IncidentLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HourRule {
    pub hours: i64,
    pub citation: String,
    #[serde(default)]
    pub uncertain: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LevelHoursRule {
    pub hours_by_level: [i64; 4],
    pub citation: String,
    #[serde(default)]
    pub uncertain: bool,
}

impl LevelHoursRule {
    pub fn hours(&self, level: IncidentLevel) -> i64 {
        self.hours_by_level[level.index()]
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MonthRule {
    pub months: u8,
    pub citation: String,
    pub period_rule: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeetingRule {
    pub from_level: u8,
    pub citation: String,
}

/// Whose information or system an incident touches (§2's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// 非核心業務資訊或系統
    NonCore,
    /// 核心業務資訊或核心資通系統，未涉及關鍵基礎設施
    Core,
    /// 涉及關鍵基礎設施維運之核心業務或系統
    CoreCi,
    /// 一般公務機密、敏感資訊
    OfficialSecret,
    /// 國家機密
    NationalSecret,
}

/// 輕微 or 嚴重 (leaks and tampering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Serious,
}

/// Whether an interrupted system came back within its 最大可容忍中斷時間.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    WithinTolerance,
    BeyondTolerance,
}

#[derive(Debug, Clone, Deserialize)]
struct SeverityRow {
    scope: Scope,
    severity: Severity,
    level: IncidentLevel,
    text: String,
}

#[derive(Debug, Clone, Deserialize)]
struct OutcomeRow {
    scope: Scope,
    outcome: Outcome,
    level: IncidentLevel,
    text: String,
}

#[derive(Debug, Clone, Deserialize)]
struct LevelTable {
    citation: String,
    confidentiality: Vec<SeverityRow>,
    integrity: Vec<SeverityRow>,
    availability: Vec<OutcomeRow>,
}

/// `catalog/incident-rules.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct IncidentRules {
    pub regime: String,
    pub effective_from: String,
    pub source: String,
    pub notification: HourRule,
    pub renotification: HourRule,
    pub review: LevelHoursRule,
    pub recovery: LevelHoursRule,
    pub report: MonthRule,
    pub meeting: MeetingRule,
    levels: LevelTable,
}

impl IncidentRules {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: INCIDENT_RULES_FILE,
            reason,
        };
        let rules: IncidentRules = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let positive = |h: &[i64]| h.iter().all(|n| *n > 0);
        if !positive(&rules.review.hours_by_level)
            || !positive(&rules.recovery.hours_by_level)
            || rules.notification.hours <= 0
            || rules.renotification.hours <= 0
            || rules.report.months == 0
        {
            return Err(bad("every time limit must be positive".into()));
        }
        Ok(rules)
    }

    /// Whether the 資通安全長 must convene a meeting (levels 3–4).
    pub fn needs_meeting(&self, level: IncidentLevel) -> bool {
        level.get() >= self.meeting.from_level
    }
}

// ---- level proposal ----

/// The answers a person gives about an incident's impact; a dimension not affected is None.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// 機密性: information leaked
    pub confidentiality: Option<(Scope, Severity)>,
    /// 完整性: information or systems tampered with
    pub integrity: Option<(Scope, Severity)>,
    /// 可用性: a system interrupted, and whether it came back in time
    pub availability: Option<(Scope, Outcome)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Confidentiality,
    Integrity,
    Availability,
}

/// Why a dimension gives the level it gives: the row of §2 that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub dimension: Dimension,
    pub level: IncidentLevel,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// The highest level of any dimension (§2); None when no dimension is affected.
    pub level: Option<IncidentLevel>,
    pub reasons: Vec<Reason>,
    pub citation: String,
}

impl IncidentRules {
    /// Proposes the level from the impact: each affected dimension is looked up in the §2 table
    /// and the highest wins. A person confirms or overrides it.
    pub fn propose_level(&self, impact: &Impact) -> Result<Proposal, FieldError> {
        let t = &self.levels;
        let mut reasons = Vec::new();
        let severity = |rows: &[SeverityRow], (scope, sev): (Scope, Severity), dimension, field| {
            rows.iter()
                .find(|r| r.scope == scope && r.severity == sev)
                .map(|r| Reason {
                    dimension,
                    level: r.level,
                    text: r.text.clone(),
                })
                .ok_or_else(|| FieldError::new(field, "err-incident-impact"))
        };
        if let Some(c) = impact.confidentiality {
            reasons.push(severity(
                &t.confidentiality,
                c,
                Dimension::Confidentiality,
                "confidentiality",
            )?);
        }
        if let Some(i) = impact.integrity {
            reasons.push(severity(
                &t.integrity,
                i,
                Dimension::Integrity,
                "integrity",
            )?);
        }
        if let Some((scope, outcome)) = impact.availability {
            let row = t
                .availability
                .iter()
                .find(|r| r.scope == scope && r.outcome == outcome)
                .ok_or_else(|| FieldError::new("availability", "err-incident-impact"))?;
            reasons.push(Reason {
                dimension: Dimension::Availability,
                level: row.level,
                text: row.text.clone(),
            });
        }
        Ok(Proposal {
            level: reasons.iter().map(|r| r.level).max(),
            reasons,
            citation: t.citation.clone(),
        })
    }
}

// ---- clocks ----

/// What is known of an incident's course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// 知悉: every clock starts here.
    pub aware_at: OffsetDateTime,
    pub level: IncidentLevel,
    /// Later level changes, each with when it was decided.
    pub level_changes: Vec<(OffsetDateTime, IncidentLevel)>,
    /// When the notification was actually made, if it was.
    pub notified_at: Option<OffsetDateTime>,
    /// 完成損害控制或復原, if done.
    pub recovered_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 通報
    Notification,
    /// 續行通報 after a level change
    Renotification,
    /// 上級或監督機關審核
    SupervisorReview,
    /// 完成損害控制或復原
    Recovery,
    /// 調查、處理及改善報告
    Report,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The level the limit was taken for.
    pub level: IncidentLevel,
    /// When the period starts.
    pub from: OffsetDateTime,
    /// The last moment to act.
    pub due: OffsetDateTime,
    /// The article the limit comes from.
    pub rule: String,
    /// The rule's reading is marked uncertain in the catalog.
    pub uncertain: bool,
    /// When the step was done, if it was, and whether that was late.
    pub done_at: Option<OffsetDateTime>,
    pub late: bool,
}

impl Course {
    /// Checks the times against each other: nothing before awareness, changes in order.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut previous = self.aware_at;
        for (at, _) in &self.level_changes {
            if *at < previous {
                errors.push(FieldError::new("level_change", "err-incident-change-order"));
                break;
            }
            previous = *at;
        }
        if self.notified_at.is_some_and(|t| t < self.aware_at) {
            errors.push(FieldError::new("notified_at", "err-incident-before-aware"));
        }
        if self.recovered_at.is_some_and(|t| t < self.aware_at) {
            errors.push(FieldError::new("recovered_at", "err-incident-before-aware"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The level in force after every change.
    pub fn current_level(&self) -> IncidentLevel {
        self.level_changes
            .last()
            .map(|(_, l)| *l)
            .unwrap_or(self.level)
    }
}

impl IncidentRules {
    /// Every deadline of the incident, in the order they arise.
    pub fn deadlines(&self, course: &Course) -> Result<Vec<Deadline>, Vec<FieldError>> {
        course.validate()?;
        let level = course.current_level();
        let hours = Duration::hours;
        let mut out = Vec::new();
        let late =
            |due: OffsetDateTime, done: Option<OffsetDateTime>| done.is_some_and(|d| d > due);

        // §6 I: notify within the hour of awareness.
        let notify_due = course.aware_at + hours(self.notification.hours);
        out.push(Deadline {
            kind: DeadlineKind::Notification,
            level: course.level,
            from: course.aware_at,
            due: notify_due,
            rule: self.notification.citation.clone(),
            uncertain: self.notification.uncertain,
            done_at: course.notified_at,
            late: late(notify_due, course.notified_at),
        });

        // §6 II: each level change is notified again; the review clock restarts from the
        // notification that carries the level in force.
        let mut review_from = course.notified_at.unwrap_or(notify_due);
        for (at, new_level) in &course.level_changes {
            let due = *at + hours(self.renotification.hours);
            out.push(Deadline {
                kind: DeadlineKind::Renotification,
                level: *new_level,
                from: *at,
                due,
                rule: self.renotification.citation.clone(),
                uncertain: self.renotification.uncertain,
                done_at: None,
                late: false,
            });
            review_from = due;
        }

        // §7 I: the supervisor reviews within 8 or 2 hours of receiving the notification (counted
        // from the latest moment it may arrive when it has not been made yet).
        out.push(Deadline {
            kind: DeadlineKind::SupervisorReview,
            level,
            from: review_from,
            due: review_from + hours(self.review.hours(level)),
            rule: self.review.citation.clone(),
            uncertain: self.review.uncertain,
            done_at: None,
            late: false,
        });

        // §8 I: damage control or recovery within 72 or 36 hours of awareness.
        let recovery_due = course.aware_at + hours(self.recovery.hours(level));
        out.push(Deadline {
            kind: DeadlineKind::Recovery,
            level,
            from: course.aware_at,
            due: recovery_due,
            rule: self.recovery.citation.clone(),
            uncertain: self.recovery.uncertain,
            done_at: course.recovered_at,
            late: late(recovery_due, course.recovered_at),
        });

        // §8 II: the report within one month of recovery, counted as 民法 §121 counts months.
        if let Some(recovered) = course.recovered_at {
            out.push(Deadline {
                kind: DeadlineKind::Report,
                level,
                from: recovered,
                due: end_of_month_period(recovered, self.report.months),
                rule: format!("{}（{}）", self.report.citation, self.report.period_rule),
                uncertain: false,
                done_at: None,
                late: false,
            });
        }
        Ok(out)
    }
}

/// The end of a period of `months` months starting at `start` (民法 §120 II, §121): the start
/// day is not counted, so the period ends at the end of the day before the day corresponding to
/// the counting day — that is, at the end of the same day of the month `months` later, or of that
/// month's last day when it has no such day (31 January + 1 month ends 28 February). Days are
/// Taipei days.
pub fn end_of_month_period(start: OffsetDateTime, months: u8) -> OffsetDateTime {
    let local = start.to_offset(TAIPEI).date();
    let total = local.year() * 12 + i32::from(u8::from(local.month())) - 1 + i32::from(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(u8::try_from(month0 + 1).unwrap_or(1)).unwrap_or(Month::January);
    let day = local.day().min(month.length(year));
    let end_date = Date::from_calendar_date(year, month, day).unwrap_or(local);
    let end = end_date.with_time(Time::MIDNIGHT).assume_offset(TAIPEI) + Duration::days(1)
        - Duration::seconds(1);
    end.to_offset(time::UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use time::macros::datetime;

    fn rules() -> IncidentRules {
        Catalog::load().unwrap().incidents
    }

    fn level(n: u8) -> IncidentLevel {
        IncidentLevel::new(n).unwrap()
    }

    fn course(aware: OffsetDateTime, l: u8) -> Course {
        Course {
            aware_at: aware,
            level: level(l),
            level_changes: vec![],
            notified_at: None,
            recovered_at: None,
        }
    }

    fn due(ds: &[Deadline], kind: DeadlineKind) -> OffsetDateTime {
        ds.iter().rev().find(|d| d.kind == kind).unwrap().due
    }

    /// 2026-01-30 is a Friday. Hour periods run through the night and the weekend.
    #[test]
    fn friday_night_awareness_level_2() {
        let ds = rules()
            .deadlines(&course(datetime!(2026-01-30 23:30 +08:00), 2))
            .unwrap();
        // §6 I: one hour after awareness, across midnight into Saturday.
        assert_eq!(
            due(&ds, DeadlineKind::Notification),
            datetime!(2026-01-31 00:30 +08:00)
        );
        // §7 I: level 2, eight hours after the latest moment the notification may arrive.
        assert_eq!(
            due(&ds, DeadlineKind::SupervisorReview),
            datetime!(2026-01-31 08:30 +08:00)
        );
        // §8 I: level 2, 72 hours after awareness: Monday night.
        assert_eq!(
            due(&ds, DeadlineKind::Recovery),
            datetime!(2026-02-02 23:30 +08:00)
        );
        assert!(
            !ds.iter().any(|d| d.kind == DeadlineKind::Report),
            "no report clock before recovery"
        );
    }

    #[test]
    fn an_actual_notification_starts_the_review_clock() {
        let mut c = course(datetime!(2026-01-30 23:30 +08:00), 4);
        c.notified_at = Some(datetime!(2026-01-30 23:50 +08:00));
        let ds = rules().deadlines(&c).unwrap();
        // §7 I: level 4, two hours after the notification was received.
        assert_eq!(
            due(&ds, DeadlineKind::SupervisorReview),
            datetime!(2026-01-31 01:50 +08:00)
        );
        assert!(!ds[0].late);
        c.notified_at = Some(datetime!(2026-01-31 00:31 +08:00));
        assert!(
            rules().deadlines(&c).unwrap()[0].late,
            "a minute past the hour is late"
        );
    }

    #[test]
    fn raising_the_level_from_2_to_3_after_90_minutes() {
        let mut c = course(datetime!(2026-01-30 23:30 +08:00), 2);
        c.level_changes
            .push((datetime!(2026-01-31 01:00 +08:00), level(3)));
        let ds = rules().deadlines(&c).unwrap();
        // §6 I: the first notification still fell due at 00:30.
        assert_eq!(
            due(&ds, DeadlineKind::Notification),
            datetime!(2026-01-31 00:30 +08:00)
        );
        // §6 II: re-notify within the hour of the change.
        assert_eq!(
            due(&ds, DeadlineKind::Renotification),
            datetime!(2026-01-31 02:00 +08:00)
        );
        // §7 I: level 3 now: two hours from the re-notification.
        assert_eq!(
            due(&ds, DeadlineKind::SupervisorReview),
            datetime!(2026-01-31 04:00 +08:00)
        );
        // §8 I: level 3: 36 hours from awareness (not 72).
        assert_eq!(
            due(&ds, DeadlineKind::Recovery),
            datetime!(2026-02-01 11:30 +08:00)
        );
        assert!(
            rules().needs_meeting(c.current_level()),
            "§9 III: level 3 calls the CISO's meeting"
        );
        assert!(!rules().needs_meeting(level(2)));
    }

    #[test]
    fn recovery_reported_late_is_marked() {
        let mut c = course(datetime!(2026-01-30 23:30 +08:00), 3);
        c.recovered_at = Some(datetime!(2026-02-01 12:00 +08:00));
        let ds = rules().deadlines(&c).unwrap();
        let r = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::Recovery)
            .unwrap();
        assert_eq!(r.due, datetime!(2026-02-01 11:30 +08:00));
        assert!(r.late);
        // §8 II: the report clock starts at the (late) recovery all the same.
        assert_eq!(
            due(&ds, DeadlineKind::Report),
            datetime!(2026-03-01 23:59:59 +08:00)
        );
    }

    /// §8 II with 民法 §121: one month from 31 January ends with February's last day.
    #[test]
    fn one_month_report_from_month_ends() {
        for (recovered, expected) in [
            (
                datetime!(2026-01-31 10:00 +08:00),
                datetime!(2026-02-28 23:59:59 +08:00),
            ),
            (
                datetime!(2028-01-31 10:00 +08:00),
                datetime!(2028-02-29 23:59:59 +08:00),
            ),
            (
                datetime!(2026-01-15 10:00 +08:00),
                datetime!(2026-02-15 23:59:59 +08:00),
            ),
            (
                datetime!(2026-03-31 08:00 +08:00),
                datetime!(2026-04-30 23:59:59 +08:00),
            ),
            (
                datetime!(2026-12-31 18:00 +08:00),
                datetime!(2027-01-31 23:59:59 +08:00),
            ),
            // 16:30 UTC on 31 January is already 1 February in Taipei.
            (
                datetime!(2026-01-31 16:30 UTC),
                datetime!(2026-03-01 23:59:59 +08:00),
            ),
        ] {
            assert_eq!(end_of_month_period(recovered, 1), expected, "{recovered}");
        }
    }

    /// Every row of §2, written out here independently of the catalog.
    #[test]
    fn level_proposal_for_every_row() {
        use Outcome::*;
        use Scope::*;
        use Severity::*;
        let r = rules();
        let leak_or_tamper = [
            (NonCore, Minor, 1),
            (NonCore, Serious, 2),
            (Core, Minor, 2),
            (Core, Serious, 3),
            (OfficialSecret, Minor, 3),
            (CoreCi, Minor, 3),
            (OfficialSecret, Serious, 4),
            (CoreCi, Serious, 4),
            (NationalSecret, Minor, 4),
            (NationalSecret, Serious, 4),
        ];
        for (scope, sev, expected) in leak_or_tamper {
            let c = r
                .propose_level(&Impact {
                    confidentiality: Some((scope, sev)),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(c.level, Some(level(expected)), "C {scope:?} {sev:?}");
            let i = r
                .propose_level(&Impact {
                    integrity: Some((scope, sev)),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(i.level, Some(level(expected)), "I {scope:?} {sev:?}");
        }
        for (scope, outcome, expected) in [
            (NonCore, WithinTolerance, 1),
            (NonCore, BeyondTolerance, 2),
            (Core, WithinTolerance, 2),
            (Core, BeyondTolerance, 3),
            (CoreCi, WithinTolerance, 3),
            (CoreCi, BeyondTolerance, 4),
        ] {
            let a = r
                .propose_level(&Impact {
                    availability: Some((scope, outcome)),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(a.level, Some(level(expected)), "A {scope:?} {outcome:?}");
            assert_eq!(a.reasons.len(), 1);
        }
        // Secrets are not systems that go down: the table has no such availability row.
        assert!(
            r.propose_level(&Impact {
                availability: Some((NationalSecret, WithinTolerance)),
                ..Default::default()
            })
            .is_err()
        );
        assert_eq!(r.propose_level(&Impact::default()).unwrap().level, None);
    }

    #[test]
    fn the_highest_dimension_wins_and_each_is_explained() {
        let p = rules()
            .propose_level(&Impact {
                confidentiality: Some((Scope::NonCore, Severity::Minor)),
                integrity: None,
                availability: Some((Scope::Core, Outcome::BeyondTolerance)),
            })
            .unwrap();
        assert_eq!(p.level, Some(level(3)));
        assert_eq!(p.reasons.len(), 2);
        assert!(p.reasons[1].text.contains("無法於可容忍中斷時間內回復"));
        assert!(p.citation.contains("§2"));
    }

    #[test]
    fn impossible_courses_are_refused() {
        let mut c = course(datetime!(2026-01-30 23:30 +08:00), 2);
        c.recovered_at = Some(datetime!(2026-01-30 22:00 +08:00));
        c.notified_at = Some(datetime!(2026-01-30 23:00 +08:00));
        let fields: Vec<_> = rules()
            .deadlines(&c)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["notified_at", "recovered_at"]);
        let mut c = course(datetime!(2026-01-30 23:30 +08:00), 2);
        c.level_changes
            .push((datetime!(2026-01-30 20:00 +08:00), level(3)));
        assert_eq!(
            rules().deadlines(&c).unwrap_err()[0].key,
            "err-incident-change-order"
        );
        assert!(IncidentLevel::parse("level", "5").is_err());
        assert!(IncidentLevel::parse("level", "0").is_err());
        assert_eq!(IncidentLevel::parse("level", " 3 ").unwrap().get(), 3);
    }
}
