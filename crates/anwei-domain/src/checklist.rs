//! 稽核檢核表: the official checklist an audit answers item by item (資通安全管理法 §13; the yearly
//! 資通安全稽核計畫's 附件1-1), proposed from what Anwei already records. Officers today hunt
//! through folders to answer 87 questions whose evidence Anwei holds; here each item names the
//! duties and facts that answer it, and [`propose`] turns their state into 符合 / 部分符合 /
//! 不符合 / 不適用 with the reasons and the records, for a person to confirm.
//!
//! The checklists are catalog data (`catalog/audit-checklists/`): next year's edition or a
//! bureau's own school self-check is a new file, not new code.

use crate::DomainError;
use crate::agency::ResponsibilityLevel;
use crate::obligation::Localized;
use serde::{Deserialize, Serialize};
use time::Date;

/// The four answers of the form's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 符合
    Conforming,
    /// 部分符合
    Partial,
    /// 不符合
    Nonconforming,
    /// 不適用
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 4] = [
        Answer::Conforming,
        Answer::Partial,
        Answer::Nonconforming,
        Answer::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Conforming => "conforming",
            Answer::Partial => "partial",
            Answer::Nonconforming => "nonconforming",
            Answer::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// A record other than a duty that answers items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fact {
    /// A version of the 資通安全維護計畫 approved and published.
    PlanApproved,
    /// Everyone who owes training hours this year has them.
    Training,
    /// No product of the restricted list is in use without a decision.
    Restricted,
    /// This year's incidents met their statutory clocks.
    Incidents,
}

/// Who an item is for, from its 【…適用】 tag.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Applies {
    /// 資通安全責任等級 the item is for; empty: every level.
    #[serde(default)]
    pub levels: Vec<String>,
    /// Kinds of agency the item is for; empty: every agency.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The tag as the form prints it, cited when the item does not apply.
    #[serde(default)]
    pub rule: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectionRow {
    pub control: String,
    pub levels: Vec<String>,
}

/// A table printed under an item (7.6's protection measures by level).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ItemTable {
    pub columns: Vec<String>,
    pub rows: Vec<ProtectionRow>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// As the form numbers it: `7.6`.
    pub number: String,
    /// 構面, 1-based into [`Checklist::dimensions`].
    pub dimension: usize,
    /// The form's text.
    pub text: String,
    #[serde(default)]
    pub applies: Option<Applies>,
    /// The records an auditor asks to see.
    pub expects: String,
    /// Duties whose state this year answers the item.
    #[serde(default)]
    pub duties: Vec<String>,
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Chapters of the plan that state the control (壹 = 1).
    #[serde(default)]
    pub plan: Vec<u8>,
    #[serde(default)]
    pub table: Option<ItemTable>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub id: String,
    pub title: Localized,
    /// The form's own heading.
    pub form: String,
    /// 民國 year of the edition.
    pub edition: i32,
    #[serde(deserialize_with = "toml_date")]
    pub effective_from: Date,
    pub citation: String,
    pub columns: Vec<String>,
    pub footer: String,
    pub dimensions: Vec<String>,
    #[serde(rename = "item")]
    pub items: Vec<ChecklistItem>,
}

/// A TOML local date (`2026-01-01`).
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let v = toml::value::Datetime::deserialize(d)?;
    let date = v
        .date
        .filter(|_| v.time.is_none())
        .ok_or_else(|| serde::de::Error::custom("expected a date such as 2026-01-01"))?;
    let month = time::Month::try_from(date.month).map_err(serde::de::Error::custom)?;
    Date::from_calendar_date(i32::from(date.year), month, date.day)
        .map_err(serde::de::Error::custom)
}

/// The line of `text` on which the `n`th (0-based) occurrence of `needle` starts.
fn line_of(text: &str, needle: &str, n: usize) -> usize {
    text.match_indices(needle)
        .nth(n)
        .map(|(i, _)| text[..i].lines().count() + 1)
        .unwrap_or(0)
}

impl ChecklistItem {
    /// The item as the form prints it: its text, then its table's rows (7.6: each protection
    /// measure with the levels it binds).
    pub fn printed_text(&self) -> String {
        let mut text = self.text.clone();
        for r in self.table.iter().flat_map(|t| &t.rows) {
            text.push_str(&format!("\n・{}（{}）", r.control, r.levels.join("、")));
        }
        text
    }
}

impl Checklist {
    /// Parses a checklist file; an item numbered twice, a dimension out of range or an unknown
    /// level is refused with the file and the line.
    pub fn from_toml(file: &'static str, text: &str) -> Result<Self, DomainError> {
        let err = |reason: String| DomainError::Catalog { file, reason };
        let mut c: Checklist = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        for item in &mut c.items {
            let at = format!("number = \"{}\"", item.number);
            if !seen.insert(item.number.clone()) {
                return Err(err(format!(
                    "line {}: item {} appears twice",
                    line_of(text, &at, 1),
                    item.number
                )));
            }
            let line = line_of(text, &at, 0);
            if item.dimension == 0 || item.dimension > c.dimensions.len() {
                return Err(err(format!(
                    "line {line}: item {} names dimension {} of {}",
                    item.number,
                    item.dimension,
                    c.dimensions.len()
                )));
            }
            let levels = item.applies.iter().flat_map(|a| &a.levels);
            let table = item
                .table
                .iter()
                .flat_map(|t| &t.rows)
                .flat_map(|r| &r.levels);
            for l in levels.chain(table) {
                ResponsibilityLevel::parse(l).map_err(|_| {
                    err(format!(
                        "line {line}: item {}: unknown level {l:?}",
                        item.number
                    ))
                })?;
            }
            item.text = item.text.trim_end().to_string();
        }
        Ok(c)
    }

    pub fn dimension_of(&self, item: &ChecklistItem) -> &str {
        self.dimensions
            .get(item.dimension.saturating_sub(1))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The state of one duty's task of the year, as the checklist reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyState {
    /// Done by its due date.
    OnTime,
    /// Done after its due date.
    Late,
    /// Past its due date and not done.
    Overdue,
    /// Not due yet.
    Pending,
    /// Approved as 不適用 by the 資通安全長.
    Waived,
}

/// One duty of the year, with what proves it.
#[derive(Debug, Clone, Serialize)]
pub struct DutyRecord {
    pub key: String,
    pub task_id: String,
    pub due_on: Date,
    pub state: DutyState,
    pub evidence: Vec<String>,
}

/// The published plan in force.
#[derive(Debug, Clone, Serialize)]
pub struct PlanFact {
    pub version: i32,
    pub approved_on: Option<Date>,
}

/// What Anwei knows of an agency's year, read once for the whole checklist.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyRecords {
    pub level: Option<ResponsibilityLevel>,
    /// Kinds of agency the agency is, for items tagged by role (`supervisor`…).
    pub roles: Vec<String>,
    /// The year's duties (superseded ones left out).
    pub duties: Vec<DutyRecord>,
    pub plan: Option<PlanFact>,
    /// (compliant, owing) training.
    pub training: (usize, usize),
    /// Products of the restricted list in use without a decision.
    pub restricted_unresolved: usize,
    /// This year's incidents: (met every clock so far, missed one, ids).
    pub incidents: IncidentFacts,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentFacts {
    pub on_time: usize,
    pub late: usize,
    pub ids: Vec<String>,
}

/// Why an answer was proposed: a message key with its arguments, for the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Whether it speaks for (true) or against (false) conformity; `None`: neither.
    pub supports: Option<bool>,
}

impl Reason {
    fn new(key: &'static str, supports: Option<bool>) -> Self {
        Self {
            key,
            args: Vec::new(),
            supports,
        }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// A record that proves (or fails to prove) an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceRef {
    Task { id: String, duty: String },
    File { id: String },
    Plan { version: i32, chapters: Vec<u8> },
    TrainingLedger,
    RestrictedCheck,
    Incident { id: String },
}

/// Anwei's proposed answer to one item.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub number: String,
    pub answer: Answer,
    pub reasons: Vec<Reason>,
    pub evidence: Vec<EvidenceRef>,
}

/// Whether an item is for this agency; the reason when it is not.
fn not_for(item: &ChecklistItem, r: &AgencyRecords) -> Option<Reason> {
    let applies = item.applies.as_ref()?;
    let level_ok = applies.levels.is_empty()
        || r.level
            .is_some_and(|l| applies.levels.iter().any(|x| x == l.as_str()));
    let role_ok = applies.roles.is_empty() || applies.roles.iter().any(|x| r.roles.contains(x));
    if level_ok && role_ok {
        return None;
    }
    let reason = if !level_ok {
        Reason::new("checklist-reason-level", None)
            .with("rule", &applies.rule)
            .with("level", r.level.map(|l| l.as_str()).unwrap_or("—"))
    } else {
        Reason::new("checklist-reason-role", None).with("rule", &applies.rule)
    };
    Some(reason)
}

/// Proposes the answer to one item from the agency's records: 不適用 when its tag excludes the
/// agency; otherwise each duty and fact it names speaks for or against it — all for: 符合; some
/// against: 部分符合; all against: 不符合. An item no record speaks to (nothing due yet, or only
/// the plan states it) is 部分符合 when the approved plan states the control, 不符合 without one:
/// the plan is the agency's commitment, and only a person can tell whether it is carried out.
pub fn propose(item: &ChecklistItem, r: &AgencyRecords) -> Proposal {
    let mut reasons = Vec::new();
    let mut evidence = Vec::new();
    if let Some(reason) = not_for(item, r) {
        return Proposal {
            number: item.number.clone(),
            answer: Answer::NotApplicable,
            reasons: vec![reason],
            evidence,
        };
    }
    for key in &item.duties {
        for d in r.duties.iter().filter(|d| &d.key == key) {
            let (msg, supports) = match d.state {
                DutyState::OnTime => ("checklist-reason-duty-on-time", Some(true)),
                DutyState::Waived => ("checklist-reason-duty-waived", Some(true)),
                DutyState::Late => ("checklist-reason-duty-late", Some(false)),
                DutyState::Overdue => ("checklist-reason-duty-overdue", Some(false)),
                DutyState::Pending => ("checklist-reason-duty-pending", None),
            };
            reasons.push(
                Reason::new(msg, supports)
                    .with("duty", &d.key)
                    .with("due", d.due_on),
            );
            evidence.push(EvidenceRef::Task {
                id: d.task_id.clone(),
                duty: d.key.clone(),
            });
            evidence.extend(
                d.evidence
                    .iter()
                    .map(|id| EvidenceRef::File { id: id.clone() }),
            );
        }
    }
    for fact in &item.facts {
        match fact {
            Fact::PlanApproved => match &r.plan {
                Some(p) => reasons.push(
                    Reason::new("checklist-reason-plan-approved", Some(true))
                        .with("version", p.version),
                ),
                None => reasons.push(Reason::new("checklist-reason-no-plan", Some(false))),
            },
            Fact::Training => {
                let (ok, owing) = r.training;
                let supports = (owing > 0).then_some(ok == owing);
                reasons.push(
                    Reason::new("checklist-reason-training", supports)
                        .with("ok", ok)
                        .with("owing", owing),
                );
                evidence.push(EvidenceRef::TrainingLedger);
            }
            Fact::Restricted => {
                let n = r.restricted_unresolved;
                reasons.push(
                    Reason::new("checklist-reason-restricted", Some(n == 0)).with("count", n),
                );
                evidence.push(EvidenceRef::RestrictedCheck);
            }
            Fact::Incidents => {
                let f = &r.incidents;
                let supports = (f.on_time + f.late > 0).then_some(f.late == 0);
                reasons.push(
                    Reason::new("checklist-reason-incidents", supports)
                        .with("on_time", f.on_time)
                        .with("late", f.late),
                );
                evidence.extend(
                    f.ids
                        .iter()
                        .map(|id| EvidenceRef::Incident { id: id.clone() }),
                );
            }
        }
    }
    let for_ = reasons.iter().filter(|r| r.supports == Some(true)).count();
    let against = reasons.iter().filter(|r| r.supports == Some(false)).count();
    let answer = match (for_, against) {
        (0, 0) => match &r.plan {
            Some(p) if !item.plan.is_empty() => {
                reasons.push(
                    Reason::new("checklist-reason-plan-states", None)
                        .with("version", p.version)
                        .with("chapters", chapters(&item.plan)),
                );
                evidence.push(EvidenceRef::Plan {
                    version: p.version,
                    chapters: item.plan.clone(),
                });
                Answer::Partial
            }
            _ => {
                reasons.push(Reason::new("checklist-reason-no-record", Some(false)));
                Answer::Nonconforming
            }
        },
        (_, 0) => Answer::Conforming,
        (0, _) => Answer::Nonconforming,
        _ => Answer::Partial,
    };
    Proposal {
        number: item.number.clone(),
        answer,
        reasons,
        evidence,
    }
}

/// Chapter numbers as the plan writes them: 玖、壹拾.
pub fn chapters(numbers: &[u8]) -> String {
    numbers
        .iter()
        .map(|n| crate::obligation::chapter_numeral(*n))
        .collect::<Vec<_>>()
        .join("、")
}

/// Every item's proposal, in the form's order.
pub fn propose_all(c: &Checklist, r: &AgencyRecords) -> Vec<Proposal> {
    c.items.iter().map(|i| propose(i, r)).collect()
}

impl TryFrom<String> for Answer {
    type Error = crate::FieldError;

    fn try_from(s: String) -> Result<Self, crate::FieldError> {
        Answer::parse(&s).ok_or_else(|| crate::FieldError::new("answer", "err-choice"))
    }
}

/// Who audits (seed 壹拾伍.二): the agency itself, its supervisor (上級機關, 資通安全管理法 §16 III
/// (2025)), or another body (the 主管機關's on-site audit) whose audit the agency records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    Internal,
    Supervisor,
    External,
}

impl AuditKind {
    pub const ALL: [AuditKind; 3] = [
        AuditKind::Internal,
        AuditKind::Supervisor,
        AuditKind::External,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Internal => "internal",
            AuditKind::Supervisor => "supervisor",
            AuditKind::External => "external",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| crate::FieldError::new("kind", "err-choice"))
    }
}

impl TryFrom<String> for AuditKind {
    type Error = crate::FieldError;

    fn try_from(s: String) -> Result<Self, crate::FieldError> {
        AuditKind::parse(&s)
    }
}

/// The audit plan as typed into the form (seed 壹拾伍.二.(一).2).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawAuditPlan {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub checklist: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    #[serde(default)]
    pub focus: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub confidentiality: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub assistance: String,
    #[serde(default)]
    pub previous_results: String,
}

/// An audit plan: 依據及目的, 期間, 重點領域, 稽核小組組成, 保密義務, 稽核方式, the checklist (基準與項目),
/// 受稽單位協助事項 and the previous audit's results.
#[derive(Debug, Clone)]
pub struct AuditPlan {
    pub kind: AuditKind,
    pub year: i32,
    pub checklist_id: String,
    pub basis: String,
    pub period_from: Date,
    pub period_to: Date,
    pub focus: String,
    pub team: String,
    pub confidentiality: String,
    pub method: String,
    pub assistance: String,
    pub previous_results: String,
}

const PLAN_TEXT_MAX: usize = 2000;

impl RawAuditPlan {
    /// Checks every field at once. `own` says whether the auditor audits its own agency (then
    /// the audit is internal or external) or one below it (then it is the supervisor's);
    /// `checklists` are the catalog's.
    pub fn parse(
        &self,
        own: bool,
        checklists: &[Checklist],
    ) -> Result<AuditPlan, Vec<crate::FieldError>> {
        use crate::FieldError;
        use crate::incident::parse_text;
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let basis = keep(parse_text("basis", &self.basis, 1, PLAN_TEXT_MAX));
        let focus = keep(parse_text("focus", &self.focus, 1, PLAN_TEXT_MAX));
        let team = keep(parse_text("team", &self.team, 1, PLAN_TEXT_MAX));
        let confidentiality = keep(parse_text(
            "confidentiality",
            &self.confidentiality,
            1,
            PLAN_TEXT_MAX,
        ));
        let method = keep(parse_text("method", &self.method, 1, PLAN_TEXT_MAX));
        let assistance = keep(parse_text("assistance", &self.assistance, 0, PLAN_TEXT_MAX));
        let previous_results = keep(parse_text(
            "previous_results",
            &self.previous_results,
            0,
            PLAN_TEXT_MAX,
        ));
        let kind = if own {
            match AuditKind::parse(&self.kind) {
                Ok(AuditKind::Supervisor) | Err(_) => {
                    errors.push(FieldError::new("kind", "err-choice"));
                    None
                }
                Ok(k) => Some(k),
            }
        } else {
            Some(AuditKind::Supervisor)
        };
        let checklist = checklists.iter().find(|c| c.id == self.checklist.trim());
        if checklist.is_none() {
            errors.push(FieldError::new("checklist", "err-choice"));
        }
        let date = |field: &'static str, raw: &str, errors: &mut Vec<FieldError>| {
            match crate::roc::parse_date_input(field, raw) {
                Ok(Some(d)) => Some(d),
                Ok(None) => {
                    errors.push(FieldError::new(field, "err-required"));
                    None
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        let from = date("period_from", &self.period_from, &mut errors);
        let to = date("period_to", &self.period_to, &mut errors);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(FieldError::new("period_to", "err-audit-period-order"));
        }
        match (
            kind,
            checklist,
            basis,
            from,
            to,
            focus,
            team,
            confidentiality,
            method,
            assistance,
            previous_results,
        ) {
            (
                Some(kind),
                Some(c),
                Some(basis),
                Some(period_from),
                Some(period_to),
                Some(focus),
                Some(team),
                Some(confidentiality),
                Some(method),
                Some(assistance),
                Some(previous_results),
            ) if errors.is_empty() => Ok(AuditPlan {
                kind,
                year: period_from.year(),
                checklist_id: c.id.clone(),
                basis,
                period_from,
                period_to,
                focus,
                team,
                confidentiality,
                method,
                assistance,
                previous_results,
            }),
            _ => Err(errors),
        }
    }
}

/// A person's answer to an item: anything but 符合 says why (the form's 「簡述規範內容、執行方式、
/// 執行結果」 column), so the audit's record explains each shortfall and each item set aside.
pub fn check_answer(
    field: &'static str,
    answer: Answer,
    note: &str,
) -> Result<String, crate::FieldError> {
    let min = usize::from(answer != Answer::Conforming);
    crate::incident::parse_text(field, note, min, 1000).map_err(|e| {
        if e.key == "err-required" {
            crate::FieldError::new(field, "err-answer-needs-note")
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checklist() -> Checklist {
        Checklist::from_toml(
            "test",
            r#"
id = "t"
title = { zh = "測試", en = "test" }
form = "f"
edition = 115
effective_from = 2026-01-01
citation = "c"
columns = []
footer = ""
dimensions = ["(一)", "(二)"]

[[item]]
number = "1.1"
dimension = 1
text = "是否盤點？"
expects = "清冊"
duties = ["asset-inventory"]
plan = [7]

[[item]]
number = "1.5"
dimension = 1
text = "【A、B級機關適用】成熟度"
applies = { levels = ["A", "B"], rule = "【A、B級機關適用】" }
expects = "評估"
duties = ["governance-maturity"]

[[item]]
number = "2.1"
dimension = 2
text = "政策"
expects = "政策"
facts = ["plan-approved", "training"]
plan = [4]
"#,
        )
        .expect("parses")
    }

    fn records() -> AgencyRecords {
        AgencyRecords {
            level: Some(ResponsibilityLevel::D),
            roles: Vec::new(),
            duties: Vec::new(),
            plan: Some(PlanFact {
                version: 3,
                approved_on: None,
            }),
            training: (4, 5),
            restricted_unresolved: 0,
            incidents: IncidentFacts::default(),
        }
    }

    fn duty(state: DutyState) -> DutyRecord {
        DutyRecord {
            key: "asset-inventory".into(),
            task_id: "t1".into(),
            due_on: time::macros::date!(2026 - 12 - 31),
            state,
            evidence: vec!["e1".into()],
        }
    }

    #[test]
    fn an_item_for_other_levels_is_not_applicable_with_its_rule() {
        let c = checklist();
        let p = propose(&c.items[1], &records());
        assert_eq!(p.answer, Answer::NotApplicable);
        assert_eq!(p.reasons[0].key, "checklist-reason-level");
        assert!(
            p.reasons[0]
                .args
                .contains(&("rule", "【A、B級機關適用】".into()))
        );
        let mut b = records();
        b.level = Some(ResponsibilityLevel::B);
        assert_ne!(propose(&c.items[1], &b).answer, Answer::NotApplicable);
    }

    #[test]
    fn the_duty_s_state_moves_the_answer() {
        let c = checklist();
        let mut r = records();
        for (state, answer) in [
            (DutyState::OnTime, Answer::Conforming),
            (DutyState::Waived, Answer::Conforming),
            (DutyState::Overdue, Answer::Nonconforming),
            (DutyState::Late, Answer::Nonconforming),
            (DutyState::Pending, Answer::Partial),
        ] {
            r.duties = vec![duty(state.clone())];
            let p = propose(&c.items[0], &r);
            assert_eq!(p.answer, answer, "{state:?}");
            assert!(p.evidence.contains(&EvidenceRef::Task {
                id: "t1".into(),
                duty: "asset-inventory".into()
            }));
        }
        // nothing recorded and no plan: 不符合
        r.duties.clear();
        r.plan = None;
        assert_eq!(propose(&c.items[0], &r).answer, Answer::Nonconforming);
    }

    #[test]
    fn facts_for_and_against_make_a_partial_answer() {
        let c = checklist();
        let mut r = records();
        assert_eq!(propose(&c.items[2], &r).answer, Answer::Partial);
        r.training = (5, 5);
        assert_eq!(propose(&c.items[2], &r).answer, Answer::Conforming);
        r.plan = None;
        r.training = (0, 5);
        assert_eq!(propose(&c.items[2], &r).answer, Answer::Nonconforming);
    }

    #[test]
    fn bad_checklists_name_the_line() {
        let base = r#"
id = "t"
title = { zh = "測試", en = "test" }
form = "f"
edition = 115
effective_from = 2026-01-01
citation = "c"
columns = []
footer = ""
dimensions = ["(一)"]

[[item]]
number = "1.1"
dimension = 1
text = "a"
expects = "b"
"#;
        let twice = format!(
            "{base}\n[[item]]\nnumber = \"1.1\"\ndimension = 1\ntext = \"c\"\nexpects = \"d\"\n"
        );
        let e = Checklist::from_toml("x.toml", &twice)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.toml") && e.contains("line 19") && e.contains("twice"),
            "{e}"
        );
        let level = base.replace(
            "expects = \"b\"",
            "expects = \"b\"\napplies = { levels = [\"F\"] }",
        );
        let e = Checklist::from_toml("x.toml", &level)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 13") && e.contains("\"F\""), "{e}");
        let dim = base.replace("dimension = 1", "dimension = 3");
        let e = Checklist::from_toml("x.toml", &dim)
            .unwrap_err()
            .to_string();
        assert!(e.contains("dimension 3"), "{e}");
    }

    #[test]
    fn an_answer_other_than_conforming_needs_a_note() {
        assert!(check_answer("n", Answer::Conforming, "").is_ok());
        for a in [
            Answer::Partial,
            Answer::Nonconforming,
            Answer::NotApplicable,
        ] {
            assert_eq!(
                check_answer("n", a, "  ").unwrap_err().key,
                "err-answer-needs-note"
            );
            assert_eq!(check_answer("n", a, " 已改善 ").unwrap(), "已改善");
        }
    }

    #[test]
    fn an_audit_plan_is_checked_whole() {
        let c = vec![checklist()];
        let raw = RawAuditPlan {
            kind: "internal".into(),
            checklist: "t".into(),
            basis: "依據".into(),
            period_from: "115/05/01".into(),
            period_to: "115/04/30".into(),
            focus: "".into(),
            team: "小組".into(),
            confidentiality: "保密".into(),
            method: "書面".into(),
            ..Default::default()
        };
        let errors = raw.parse(true, &c).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.key)).collect();
        assert!(
            fields.contains(&("period_to", "err-audit-period-order")),
            "{fields:?}"
        );
        assert!(fields.contains(&("focus", "err-required")), "{fields:?}");
        let ok = RawAuditPlan {
            period_to: "115/05/02".into(),
            focus: "存取控制".into(),
            ..raw.clone()
        };
        let plan = ok.parse(true, &c).unwrap();
        assert_eq!((plan.kind, plan.year), (AuditKind::Internal, 2026));
        // a supervisor's audit is the supervisor's whatever the form says; an agency cannot
        // call its own audit the supervisor's
        assert_eq!(ok.parse(false, &c).unwrap().kind, AuditKind::Supervisor);
        let claim = RawAuditPlan {
            kind: "supervisor".into(),
            ..ok.clone()
        };
        assert_eq!(claim.parse(true, &c).unwrap_err()[0].field, "kind");
    }

    #[test]
    fn chapters_read_as_the_plan_numbers_them() {
        assert_eq!(chapters(&[10, 11]), "壹拾、壹拾壹");
    }
}
