//! The statutory clocks of a 資通安全事件 and the level they depend on. No tool in the field
//! computes them; a missed one-hour notification is the failure an audit finds first. All the
//! numbers and the level table are data (`catalog/incident-rules.toml`, with the articles they come
//! from); this module only does the arithmetic, with times passed in, so tests can set the clock.

use crate::catalog::INCIDENT_RULES_FILE;
use crate::roc::{TAIPEI, add_months};
use crate::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration, OffsetDateTime, Time};

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

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::NonCore => "non_core",
            Scope::Core => "core",
            Scope::CoreCi => "core_ci",
            Scope::OfficialSecret => "official_secret",
            Scope::NationalSecret => "national_secret",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Scope::NonCore,
            Scope::Core,
            Scope::CoreCi,
            Scope::OfficialSecret,
            Scope::NationalSecret,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// 輕微 or 嚴重 (leaks and tampering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Serious,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Serious => "serious",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Severity::Minor, Severity::Serious]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Whether an interrupted system came back within its 最大可容忍中斷時間.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    WithinTolerance,
    BeyondTolerance,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::WithinTolerance => "within_tolerance",
            Outcome::BeyondTolerance => "beyond_tolerance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Outcome::WithinTolerance, Outcome::BeyondTolerance]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
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
    /// §7 II: the supervisor passes its review on to the 主管機關.
    pub pass_on: HourRule,
    pub recovery: LevelHoursRule,
    pub report: MonthRule,
    pub meeting: MeetingRule,
    levels: LevelTable,
    pub categories: Vec<Category>,
    pub report_contents: ReportContents,
    pub drills: Vec<DrillRule>,
}

/// How often a kind of drill is due (§10 I).
#[derive(Debug, Clone, Deserialize)]
pub struct DrillRule {
    pub kind: String,
    pub name: String,
    pub name_en: String,
    pub every_months: u8,
    pub citation: String,
    /// The 應辦事項 (catalog/obligations.toml) a drill of this kind is evidence for.
    #[serde(default)]
    pub obligation: Option<String>,
}

/// A drill as recorded: when it ran and, for e-mail drills, how people responded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillRecord {
    pub kind: String,
    pub held_on: Date,
    pub participants: u32,
    pub opened: u32,
    pub clicked: u32,
    pub notes: String,
}

/// `n` of `of` as a share to one decimal ("—" when `of` is not positive).
pub fn share(n: i64, of: i64) -> String {
    if of <= 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / of as f64)
    }
}

impl DrillRecord {
    /// How the drill is named as evidence of its duty: 「社交工程演練 115/03/10：參與 40 人，
    /// 開啟 5 人（12.5%），點擊 2 人（5.0%）」.
    pub fn evidence_title(&self, name: &str) -> String {
        let date = crate::roc::RocDate::new(self.held_on).short();
        let (p, o, c) = (
            i64::from(self.participants),
            i64::from(self.opened),
            i64::from(self.clicked),
        );
        if self.kind == "social_engineering" {
            format!(
                "{name} {date}：參與 {p} 人，開啟 {o} 人（{}），點擊 {c} 人（{}）",
                share(o, p),
                share(c, p)
            )
        } else {
            format!("{name} {date}：參與 {p} 人")
        }
    }
}

/// A drill as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawDrill {
    pub kind: String,
    pub held_on: String,
    pub participants: String,
    pub opened: String,
    pub clicked: String,
    pub notes: String,
}

fn count(field: &'static str, raw: &str) -> Result<u32, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(0);
    }
    s.parse::<u32>()
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| FieldError::new(field, "err-count"))
}

impl IncidentRules {
    pub fn drill_rule(&self, kind: &str) -> Option<&DrillRule> {
        self.drills.iter().find(|d| d.kind == kind)
    }

    /// Parses a drill record: a known kind, a date not in the future, and counts that fit
    /// together (no more opened than took part, no more clicked than opened).
    pub fn parse_drill(&self, raw: &RawDrill, today: Date) -> Result<DrillRecord, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = keep(
            &mut errors,
            self.drill_rule(raw.kind.trim())
                .map(|r| r.kind.clone())
                .ok_or_else(|| FieldError::new("kind", "err-choice")),
        );
        let held_on = keep(
            &mut errors,
            crate::roc::parse_date_input("held_on", &raw.held_on)
                .and_then(|d| crate::roc::not_in_future("held_on", d, today))
                .and_then(|d| d.ok_or_else(|| FieldError::new("held_on", "err-required"))),
        );
        let participants = keep(&mut errors, count("participants", &raw.participants));
        let opened = keep(&mut errors, count("opened", &raw.opened));
        let clicked = keep(&mut errors, count("clicked", &raw.clicked));
        if let (Some(p), Some(o)) = (participants, opened)
            && o > p
        {
            errors.push(FieldError::new("opened", "err-more-than-participants"));
        }
        if let (Some(o), Some(c)) = (opened, clicked)
            && c > o
        {
            errors.push(FieldError::new("clicked", "err-more-than-opened"));
        }
        let notes = keep(&mut errors, parse_text("notes", &raw.notes, 0, 4000));
        if !errors.is_empty() {
            return Err(errors);
        }
        match (kind, held_on, participants, opened, clicked, notes) {
            (
                Some(kind),
                Some(held_on),
                Some(participants),
                Some(opened),
                Some(clicked),
                Some(notes),
            ) => Ok(DrillRecord {
                kind,
                held_on,
                participants,
                opened,
                clicked,
                notes,
            }),
            _ => Err(errors),
        }
    }

    /// When the next drill of a kind is due: its period after the last one, or now when there
    /// has been none.
    pub fn next_drill_due(&self, kind: &str, last: Option<Date>, today: Date) -> Option<Date> {
        let rule = self.drill_rule(kind)?;
        Some(last.map_or(today, |d| add_months(d, rule.every_months)))
    }
}

/// The sections an investigation report must have (施行細則 §12).
#[derive(Debug, Clone, Deserialize)]
pub struct ReportContents {
    pub citation: String,
    pub times_label: String,
    pub times_label_en: String,
    pub sections: Vec<ReportSection>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportSection {
    pub key: String,
    pub label: String,
    pub label_en: String,
}

/// Longest text of one report section.
pub const REPORT_SECTION_MAX: usize = 8000;

impl ReportContents {
    /// Keeps the known sections of a draft, each checked as free text; every problem at once.
    pub fn parse_draft(
        &self,
        sent: &std::collections::BTreeMap<String, String>,
    ) -> Result<std::collections::BTreeMap<String, String>, Vec<FieldError>> {
        let mut out = std::collections::BTreeMap::new();
        let mut errors = Vec::new();
        for (n, section) in self.sections.iter().enumerate() {
            let raw = sent.get(&section.key).map(String::as_str).unwrap_or("");
            match parse_text(
                SECTION_FIELDS.get(n).copied().unwrap_or("section"),
                raw,
                0,
                REPORT_SECTION_MAX,
            ) {
                Ok(text) if !text.is_empty() => {
                    out.insert(section.key.clone(), text);
                }
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// Labels of the sections still empty; the report can be submitted when there are none.
    pub fn missing<'a>(
        &'a self,
        saved: &std::collections::BTreeMap<String, String>,
    ) -> Vec<&'a ReportSection> {
        self.sections
            .iter()
            .filter(|s| saved.get(&s.key).is_none_or(|t| t.trim().is_empty()))
            .collect()
    }
}

/// Field names of the sections in order (field errors need static names).
const SECTION_FIELDS: [&str; 8] = [
    "section-0",
    "section-1",
    "section-2",
    "section-3",
    "section-4",
    "section-5",
    "section-6",
    "section-7",
];

/// 事件分類 with its sub-types.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub subtypes: Vec<String>,
    pub uncertain: bool,
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
            || rules.categories.is_empty()
            || rules.report_contents.sections.is_empty()
            || rules.drills.iter().any(|d| d.every_months == 0)
            || rules.report_contents.sections.len() > SECTION_FIELDS.len()
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

// ---- filing ----

/// Protection installed on the affected equipment (the TACERT form's 已裝置安全防護軟體).
pub const PROTECTIONS: [&str; 4] = ["antivirus", "firewall", "ips_ids", "other"];

/// An incident as typed into the form or sent to the API: every field text, parsed by
/// [`IncidentRules::parse_filing`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawFiling {
    pub title: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    /// `2026-01-30T23:30` (Taipei) or RFC 3339
    pub occurred_at: String,
    pub aware_at: String,
    pub category: String,
    pub subtype: String,
    pub description: String,
    pub device_ip: String,
    pub device_url: String,
    pub device_model: String,
    pub device_os: String,
    pub affected_software: String,
    pub protection: Vec<String>,
    pub protection_other: String,
    /// none | non_core | core | core_ci | official_secret | national_secret
    pub c_scope: String,
    /// minor | serious
    pub c_severity: String,
    pub i_scope: String,
    pub i_severity: String,
    /// none | non_core | core | core_ci
    pub a_scope: String,
    /// within_tolerance | beyond_tolerance
    pub a_outcome: String,
    /// A level chosen instead of the proposal (1–4), or empty to accept the proposal.
    pub level: String,
    pub level_reason: String,
}

/// A parsed filing, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub title: String,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub occurred_at: Option<OffsetDateTime>,
    pub aware_at: OffsetDateTime,
    pub category: String,
    pub subtype: String,
    pub description: String,
    pub device_ip: Option<String>,
    pub device_url: Option<String>,
    pub device_model: Option<String>,
    pub device_os: Option<String>,
    pub affected_software: Option<String>,
    pub protection: Vec<String>,
    pub protection_other: Option<String>,
    pub impact: Impact,
    pub proposed_level: IncidentLevel,
    pub level: IncidentLevel,
    /// Why the level differs from the proposal.
    pub level_reason: Option<String>,
}

/// An instant typed in a form: `<input type="datetime-local">` sends `2026-01-30T23:30` in the
/// person's (Taipei) time; RFC 3339 is accepted too.
pub fn parse_instant(field: &'static str, raw: &str) -> Result<Option<OffsetDateTime>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(crate::clock::truncate(t)));
    }
    let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local_s =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s, &local)
        .or_else(|_| time::PrimitiveDateTime::parse(s, &local_s))
        .map(|t| Some(crate::clock::truncate(t.assume_offset(TAIPEI))))
        .map_err(|_| FieldError::new(field, "err-datetime"))
}

/// Free text over several lines (descriptions, notes): tabs and line breaks allowed, other
/// control characters not.
pub fn parse_text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    let s = raw.trim();
    let len = s.chars().count();
    if len < min {
        return Err(FieldError::new(field, "err-required"));
    }
    if len > max {
        return Err(FieldError::new(field, "err-too-long").with("max", max));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(field, "err-control-chars"));
    }
    Ok(s.to_string())
}

/// The value of a parse, or None with its error recorded.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn optional_line(field: &'static str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    crate::agency::parse_line(field, raw, 0, max).map(|s| (!s.is_empty()).then_some(s))
}

fn scope_of(field: &'static str, raw: &str, secrets: bool) -> Result<Option<Scope>, FieldError> {
    match raw.trim() {
        "" | "none" => Ok(None),
        other => match Scope::parse(other) {
            Some(Scope::OfficialSecret | Scope::NationalSecret) if !secrets => {
                Err(FieldError::new(field, "err-choice"))
            }
            Some(scope) => Ok(Some(scope)),
            None => Err(FieldError::new(field, "err-choice")),
        },
    }
}

fn severity_of(field: &'static str, raw: &str) -> Result<Severity, FieldError> {
    Severity::parse(raw.trim()).ok_or_else(|| FieldError::new(field, "err-choice"))
}

impl IncidentRules {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// Parses a filing and reports every problem at once. `now` bounds the times: nothing known
    /// can have happened in the future.
    pub fn parse_filing(
        &self,
        raw: &RawFiling,
        now: OffsetDateTime,
    ) -> Result<Filing, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = keep(
            &mut errors,
            crate::agency::parse_line("title", &raw.title, 1, 100),
        );
        let reporter_name = keep(
            &mut errors,
            crate::agency::parse_line("reporter_name", &raw.reporter_name, 1, 50),
        );
        let reporter_phone = keep(
            &mut errors,
            optional_line("reporter_phone", &raw.reporter_phone, 30),
        );
        let reporter_email = keep(&mut errors, crate::user::parse_email(&raw.reporter_email));
        let aware_at = keep(
            &mut errors,
            parse_instant("aware_at", &raw.aware_at)
                .and_then(|t| t.ok_or_else(|| FieldError::new("aware_at", "err-required"))),
        );
        let occurred_at = keep(&mut errors, parse_instant("occurred_at", &raw.occurred_at));
        let category = keep(
            &mut errors,
            self.category(raw.category.trim())
                .cloned()
                .ok_or_else(|| FieldError::new("category", "err-choice")),
        );
        let subtype = category.as_ref().and_then(|c| {
            keep(
                &mut errors,
                c.subtypes
                    .iter()
                    .find(|s| s.as_str() == raw.subtype.trim())
                    .cloned()
                    .ok_or_else(|| FieldError::new("subtype", "err-choice")),
            )
        });
        let description = keep(
            &mut errors,
            parse_text("description", &raw.description, 1, 4000),
        );
        let device_ip = keep(
            &mut errors,
            match raw.device_ip.trim() {
                "" => Ok(None),
                ip => ip
                    .parse::<std::net::IpAddr>()
                    .map(|a| Some(a.to_string()))
                    .map_err(|_| FieldError::new("device_ip", "err-ip")),
            },
        );
        let device_url = keep(
            &mut errors,
            optional_line("device_url", &raw.device_url, 300),
        );
        let device_model = keep(
            &mut errors,
            optional_line("device_model", &raw.device_model, 100),
        );
        let device_os = keep(&mut errors, optional_line("device_os", &raw.device_os, 100));
        let affected_software = keep(
            &mut errors,
            optional_line("affected_software", &raw.affected_software, 200),
        );
        let mut protection = Vec::new();
        for p in &raw.protection {
            match PROTECTIONS.iter().find(|k| **k == p.trim()) {
                Some(k) if !protection.contains(&k.to_string()) => protection.push(k.to_string()),
                Some(_) => {}
                None => errors.push(FieldError::new("protection", "err-choice")),
            }
        }
        let protection_other = keep(
            &mut errors,
            optional_line("protection_other", &raw.protection_other, 100),
        );
        let c = keep(&mut errors, scope_of("c_scope", &raw.c_scope, true));
        let c_sev = match c {
            Some(Some(_)) => keep(&mut errors, severity_of("c_severity", &raw.c_severity)),
            _ => None,
        };
        let i = keep(&mut errors, scope_of("i_scope", &raw.i_scope, true));
        let i_sev = match i {
            Some(Some(_)) => keep(&mut errors, severity_of("i_severity", &raw.i_severity)),
            _ => None,
        };
        let a = keep(&mut errors, scope_of("a_scope", &raw.a_scope, false));
        let a_out = match a {
            Some(Some(_)) => keep(
                &mut errors,
                Outcome::parse(raw.a_outcome.trim())
                    .ok_or_else(|| FieldError::new("a_outcome", "err-choice")),
            ),
            _ => None,
        };
        let impact = Impact {
            confidentiality: c.flatten().zip(c_sev),
            integrity: i.flatten().zip(i_sev),
            availability: a.flatten().zip(a_out),
        };
        let proposal = keep(&mut errors, self.propose_level(&impact));
        let proposed = proposal.as_ref().and_then(|p| p.level);
        if proposal.is_some() && proposed.is_none() && raw.level.trim().is_empty() {
            errors.push(FieldError::new("level", "err-incident-no-impact"));
        }
        let chosen = if raw.level.trim().is_empty() {
            proposed
        } else {
            keep(&mut errors, IncidentLevel::parse("level", &raw.level))
        };
        let reason = keep(
            &mut errors,
            optional_line("level_reason", &raw.level_reason, 300),
        );
        let overridden = chosen.is_some() && proposed.is_some() && chosen != proposed;
        if overridden && matches!(reason, Some(None)) {
            errors.push(FieldError::new("level_reason", "err-level-reason"));
        }
        if let Some(aware) = aware_at {
            if aware > now {
                errors.push(FieldError::new("aware_at", "err-in-future"));
            }
            if occurred_at.flatten().is_some_and(|o| o > aware) {
                errors.push(FieldError::new("occurred_at", "err-occurred-after-aware"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (
            Some(title),
            Some(reporter_name),
            Some(reporter_phone),
            Some(reporter_email),
            Some(aware_at),
            Some(occurred_at),
            Some(category),
            Some(subtype),
            Some(description),
            Some(device_ip),
            Some(device_url),
            Some(device_model),
            Some(device_os),
            Some(affected_software),
            Some(protection_other),
            Some(level),
            Some(reason),
        ) = (
            title,
            reporter_name,
            reporter_phone,
            reporter_email,
            aware_at,
            occurred_at,
            category,
            subtype,
            description,
            device_ip,
            device_url,
            device_model,
            device_os,
            affected_software,
            protection_other,
            chosen,
            reason,
        )
        else {
            return Err(errors);
        };
        Ok(Filing {
            title,
            reporter_name,
            reporter_phone,
            reporter_email,
            occurred_at,
            aware_at,
            category: category.code,
            subtype,
            description,
            device_ip,
            device_url,
            device_model,
            device_os,
            affected_software,
            protection,
            protection_other,
            impact,
            proposed_level: proposed.unwrap_or(level),
            level,
            level_reason: if overridden { reason } else { None },
        })
    }
}

// ---- course ----

/// Whether a step may be taken now, by the incident's state. A closed incident takes notes only:
/// corrections are appended to the timeline, never written over the record.
pub fn step_allowed(
    status: &str,
    step: &str,
    notified: bool,
    reviewed: bool,
    recovered: bool,
) -> Result<(), FieldError> {
    let refuse = |key| Err(FieldError::new("step", key));
    match (status, step) {
        (_, "note") => Ok(()),
        ("closed", _) => refuse("err-incident-closed"),
        // §6: the first notification is made once; later ones are re-notifications (§6 II),
        // recorded beside it, never over it.
        (_, "notify") if notified => refuse("err-incident-already-notified"),
        (_, "review" | "renotify") if !notified => refuse("err-incident-not-notified"),
        (_, "pass_on") if !reviewed => refuse("err-incident-not-reviewed"),
        (_, "report") if !recovered => refuse("err-incident-not-recovered"),
        (s, "close") if s != "report_submitted" => refuse("err-incident-no-report"),
        (
            _,
            "notify" | "renotify" | "level" | "review" | "pass_on" | "recover" | "report" | "close"
            | "note_report",
        ) => Ok(()),
        _ => refuse("err-choice"),
    }
}

/// The time of a step: not before awareness, not in the future.
pub fn step_time(
    field: &'static str,
    raw: &str,
    aware_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, FieldError> {
    let t = parse_instant(field, raw)?.unwrap_or(now);
    if t < aware_at {
        return Err(FieldError::new(field, "err-incident-before-aware"));
    }
    if t > now {
        return Err(FieldError::new(field, "err-in-future"));
    }
    Ok(t)
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
    /// When the first notification was actually made, if it was.
    pub notified_at: Option<OffsetDateTime>,
    /// Each re-notification after a level change, as made (§6 II).
    pub renotified_at: Vec<OffsetDateTime>,
    /// Each review the supervisor recorded (§7 I).
    pub reviewed_at: Vec<OffsetDateTime>,
    /// Each time the supervisor passed a review on to the 主管機關 (§7 II).
    pub passed_on_at: Vec<OffsetDateTime>,
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
    /// 上級或監督機關將審核結果通知主管機關
    SupervisorPassOn,
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
        // notification that carries the level in force. A change is re-notified by the first
        // re-notification made at or after it.
        let first_from = |times: &[OffsetDateTime], from: OffsetDateTime| {
            times.iter().copied().filter(|t| *t >= from).min()
        };
        let mut review_from = course.notified_at.unwrap_or(notify_due);
        for (at, new_level) in &course.level_changes {
            let due = *at + hours(self.renotification.hours);
            let done = first_from(&course.renotified_at, *at);
            out.push(Deadline {
                kind: DeadlineKind::Renotification,
                level: *new_level,
                from: *at,
                due,
                rule: self.renotification.citation.clone(),
                uncertain: self.renotification.uncertain,
                done_at: done,
                late: late(due, done),
            });
            review_from = done.unwrap_or(due);
        }

        // §7 I: the supervisor reviews within 8 or 2 hours of receiving the notification (counted
        // from the latest moment it may arrive when it has not been made yet); a review before
        // the notification in force does not count for it.
        let review_due = review_from + hours(self.review.hours(level));
        let reviewed = first_from(&course.reviewed_at, review_from);
        out.push(Deadline {
            kind: DeadlineKind::SupervisorReview,
            level,
            from: review_from,
            due: review_due,
            rule: self.review.citation.clone(),
            uncertain: self.review.uncertain,
            done_at: reviewed,
            late: late(review_due, reviewed),
        });

        // §7 II: the review's result goes on to the 主管機關 within the hour.
        if let Some(reviewed) = reviewed {
            let due = reviewed + hours(self.pass_on.hours);
            let done = first_from(&course.passed_on_at, reviewed);
            out.push(Deadline {
                kind: DeadlineKind::SupervisorPassOn,
                level,
                from: reviewed,
                due,
                rule: self.pass_on.citation.clone(),
                uncertain: self.pass_on.uncertain,
                done_at: done,
                late: late(due, done),
            });
        }

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
    let end_date = add_months(start.to_offset(TAIPEI).date(), months);
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
            renotified_at: vec![],
            reviewed_at: vec![],
            passed_on_at: vec![],
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

    /// Issue 21 item 1: the first notification, each re-notification, the review and its passing
    /// on are each their own dated event; none overwrites another, each is judged on its own clock.
    #[test]
    fn item1_each_notification_is_its_own_event_on_its_own_clock() {
        let mut c = course(datetime!(2026-01-30 00:00 +08:00), 2);
        c.notified_at = Some(datetime!(2026-01-30 00:20 +08:00));
        c.level_changes
            .push((datetime!(2026-01-30 00:30 +08:00), level(3)));
        c.renotified_at = vec![datetime!(2026-01-30 01:30 +08:00)];
        let ds = rules().deadlines(&c).unwrap();
        let first = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::Notification)
            .unwrap();
        assert_eq!(first.done_at, Some(datetime!(2026-01-30 00:20 +08:00)));
        assert!(!first.late, "the first notification stays on time");
        let again = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::Renotification)
            .unwrap();
        assert_eq!(again.done_at, Some(datetime!(2026-01-30 01:30 +08:00)));
        assert!(!again.late, "01:30 is exactly an hour after the change");
        // §7 I: level 3, two hours from the re-notification; a review before it does not count.
        c.reviewed_at = vec![datetime!(2026-01-30 01:00 +08:00)];
        let ds = rules().deadlines(&c).unwrap();
        let review = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::SupervisorReview)
            .unwrap();
        assert_eq!(review.due, datetime!(2026-01-30 03:30 +08:00));
        assert_eq!(review.done_at, None);
        assert!(!ds.iter().any(|d| d.kind == DeadlineKind::SupervisorPassOn));
        c.reviewed_at.push(datetime!(2026-01-30 02:00 +08:00));
        let ds = rules().deadlines(&c).unwrap();
        // §7 II: passed on within the hour of the review.
        let pass = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::SupervisorPassOn)
            .unwrap();
        assert_eq!(pass.due, datetime!(2026-01-30 03:00 +08:00));
        assert_eq!(pass.done_at, None);
        c.passed_on_at = vec![datetime!(2026-01-30 03:05 +08:00)];
        let ds = rules().deadlines(&c).unwrap();
        let pass = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::SupervisorPassOn)
            .unwrap();
        assert!(pass.late && pass.done_at.is_some());
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

    proptest::proptest! {
        #[test]
        fn filing_parser_never_panics(
            fields in proptest::collection::vec("\\PC{0,40}", 12),
            protection in proptest::collection::vec("\\PC{0,12}", 0..4),
        ) {
            let raw = RawFiling {
                title: fields[0].clone(),
                reporter_name: fields[1].clone(),
                aware_at: fields[2].clone(),
                occurred_at: fields[3].clone(),
                category: fields[4].clone(),
                subtype: fields[5].clone(),
                description: fields[6].clone(),
                device_ip: fields[7].clone(),
                c_scope: fields[8].clone(),
                c_severity: fields[9].clone(),
                a_scope: fields[10].clone(),
                level: fields[11].clone(),
                protection,
                ..Default::default()
            };
            let _ = rules().parse_filing(&raw, datetime!(2026-03-02 01:00 UTC));
        }
    }

    #[test]
    fn a_complete_filing_parses_and_keeps_the_proposal() {
        let raw = RawFiling {
            title: "首頁遭置換".into(),
            reporter_name: "施昀豆".into(),
            aware_at: "2026-03-02T08:30".into(),
            category: "DEF".into(),
            subtype: "網頁置換".into(),
            description: "首頁出現不明圖片".into(),
            device_ip: "163.26.1.20".into(),
            protection: vec!["antivirus".into(), "antivirus".into()],
            i_scope: "non_core".into(),
            i_severity: "minor".into(),
            ..Default::default()
        };
        let f = rules()
            .parse_filing(&raw, datetime!(2026-03-02 01:00 UTC))
            .unwrap();
        assert_eq!(f.aware_at, datetime!(2026-03-02 08:30 +08:00));
        assert_eq!(
            (f.proposed_level.get(), f.level.get(), f.level_reason),
            (1, 1, None)
        );
        assert_eq!(f.protection, ["antivirus"], "duplicates dropped");
        // Choosing another level needs a reason.
        let raised = RawFiling {
            level: "3".into(),
            ..raw.clone()
        };
        let errs = rules()
            .parse_filing(&raised, datetime!(2026-03-02 01:00 UTC))
            .unwrap_err();
        assert_eq!(errs[0].field, "level_reason");
        let with_reason = RawFiling {
            level: "3".into(),
            level_reason: "影響學籍系統".into(),
            ..raw
        };
        let f = rules()
            .parse_filing(&with_reason, datetime!(2026-03-02 01:00 UTC))
            .unwrap();
        assert_eq!((f.proposed_level.get(), f.level.get()), (1, 3));
        assert_eq!(f.level_reason.as_deref(), Some("影響學籍系統"));
    }

    #[test]
    fn drills_are_checked_and_fall_due_by_their_period() {
        use time::macros::date;
        let r = rules();
        let today = date!(2026 - 03 - 02);
        let ok = RawDrill {
            kind: "social_engineering".into(),
            held_on: "115/02/10".into(),
            participants: "40".into(),
            opened: "12".into(),
            clicked: "3".into(),
            notes: "".into(),
        };
        let d = r.parse_drill(&ok, today).unwrap();
        assert_eq!((d.participants, d.opened, d.clicked), (40, 12, 3));
        // §10 I: every six months for e-mail drills, yearly for the response drill.
        assert_eq!(
            r.next_drill_due("social_engineering", Some(d.held_on), today),
            Some(date!(2026 - 08 - 10))
        );
        assert_eq!(
            r.next_drill_due("response", Some(date!(2025 - 08 - 31)), today),
            Some(date!(2026 - 08 - 31))
        );
        assert_eq!(r.next_drill_due("response", None, today), Some(today));
        let bad = RawDrill {
            kind: "fire".into(),
            held_on: "2026-04-01".into(),
            participants: "10".into(),
            opened: "11".into(),
            clicked: "-1".into(),
            notes: "".into(),
        };
        let fields: Vec<_> = r
            .parse_drill(&bad, today)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["kind", "held_on", "clicked", "opened"]);
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
