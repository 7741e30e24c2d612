//! 稽核發現 and the 稽核結果及改善報告 (seed 壹拾伍.二.(二)): what an audit found, why, whether the
//! same fault exists elsewhere, what will be done by whom and when — a tracked duty of its own —
//! and the later review of whether it worked, which closes the finding or sends it back.

use crate::FieldError;
use crate::incident::parse_text;
use serde::{Deserialize, Serialize};
use time::Date;

/// The duty a finding's corrective action becomes (catalog/obligations.toml); its tasks are
/// created by findings, never planned from the calendar.
pub const CORRECTIVE_ACTION: &str = "audit-corrective-action";

/// 缺失 / 待改善 / 建議.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingClass {
    Deficiency,
    ToImprove,
    Suggestion,
}

/// 策略面 / 管理面 / 技術面.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingAspect {
    Strategy,
    Management,
    Technical,
}

macro_rules! choice {
    ($t:ty, $field:literal, [$($v:ident => $s:literal),*]) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                match raw.trim() {
                    $($s => Ok(<$t>::$v),)*
                    _ => Err(FieldError::new($field, "err-choice")),
                }
            }
        }
        impl TryFrom<String> for $t {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(&s)
            }
        }
    };
}

choice!(FindingClass, "class", [Deficiency => "deficiency", ToImprove => "to_improve", Suggestion => "suggestion"]);
choice!(FindingAspect, "aspect", [Strategy => "strategy", Management => "management", Technical => "technical"]);

impl FindingClass {
    /// 缺失 and 待改善 need corrective measures with an owner and a date (seed 壹拾伍.二.(二).1);
    /// a 建議 is recorded for consideration.
    pub fn needs_correction(self) -> bool {
        self != FindingClass::Suggestion
    }
}

/// A finding as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawFinding {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub aspect: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub similar: String,
    #[serde(default)]
    pub corrective: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone)]
pub struct NewFinding {
    /// The checklist item it answers to, if any.
    pub item: Option<String>,
    pub class: FindingClass,
    pub aspect: FindingAspect,
    pub description: String,
    /// 發生之原因
    pub cause: String,
    /// 是否有類似之缺失存在 (the check made, and what it found)
    pub similar: String,
    /// 改善措施及改善進度規劃
    pub corrective: String,
    /// The account that carries the measures out.
    pub owner: Option<uuid::Uuid>,
    pub due_on: Option<Date>,
}

const TEXT_MAX: usize = 2000;

impl RawFinding {
    /// Checks every field at once. `items` are the audit's checklist item numbers; `owners`
    /// the accounts of the audited agency; a corrective action is due today or later.
    pub fn parse(
        &self,
        items: &[&str],
        owners: &[uuid::Uuid],
        today: Date,
    ) -> Result<NewFinding, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let description = keep(parse_text("description", &self.description, 1, TEXT_MAX));
        let class = FindingClass::parse(&self.class);
        let needs = class.as_ref().map(|c| c.needs_correction()).unwrap_or(true);
        let min = usize::from(needs);
        let cause = keep(parse_text("cause", &self.cause, min, TEXT_MAX));
        let similar = keep(parse_text("similar", &self.similar, min, TEXT_MAX));
        let corrective = keep(parse_text("corrective", &self.corrective, min, TEXT_MAX));
        let class = class.map_err(|e| errors.push(e)).ok();
        let aspect = FindingAspect::parse(&self.aspect)
            .map_err(|e| errors.push(e))
            .ok();
        let item = match self.item.trim() {
            "" => Some(None),
            n if items.contains(&n) => Some(Some(n.to_string())),
            _ => {
                errors.push(FieldError::new("item", "err-choice"));
                None
            }
        };
        let owner = match self.owner.trim() {
            "" => Some(None),
            raw => match uuid::Uuid::parse_str(raw) {
                Ok(id) if owners.contains(&id) => Some(Some(id)),
                _ => {
                    errors.push(FieldError::new("owner", "err-choice"));
                    None
                }
            },
        };
        let due_on = match crate::roc::parse_date_input("due_on", &self.due_on) {
            Ok(None) if needs => {
                errors.push(FieldError::new("due_on", "err-required"));
                None
            }
            Ok(Some(d)) if d < today => {
                errors.push(FieldError::new("due_on", "err-finding-due-past"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match (
            item,
            class,
            aspect,
            description,
            cause,
            similar,
            corrective,
            owner,
            due_on,
        ) {
            (
                Some(item),
                Some(class),
                Some(aspect),
                Some(description),
                Some(cause),
                Some(similar),
                Some(corrective),
                Some(owner),
                Some(due_on),
            ) if errors.is_empty() => Ok(NewFinding {
                item,
                class,
                aspect,
                description,
                cause,
                similar,
                corrective,
                owner,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// The review of whether the measures worked (seed 壹拾伍.二.(二).4): it closes the finding, or
/// sends the corrective action back to be done again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Effective,
    NotEffective,
}

impl Review {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "effective" => Ok(Review::Effective),
            "not_effective" => Ok(Review::NotEffective),
            _ => Err(FieldError::new("outcome", "err-choice")),
        }
    }
}

/// Whether a finding's measures may be reviewed: a finding that needs correction is reviewed
/// only once its corrective action is done with evidence of its execution (seed 壹拾伍.二.(二).5);
/// the note says what was checked.
pub fn check_review(
    needs_correction: bool,
    action_done: bool,
    evidence: i64,
    note: &str,
) -> Result<String, FieldError> {
    if needs_correction && !(action_done && evidence > 0) {
        return Err(FieldError::new("outcome", "err-finding-needs-evidence"));
    }
    parse_text("review_note", note, 1, TEXT_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn raw() -> RawFinding {
        RawFinding {
            item: "7.13".into(),
            class: "deficiency".into(),
            aspect: "technical".into(),
            description: "離職人員帳號未停用".into(),
            cause: "人事異動未通知資訊組".into(),
            similar: "清查全校帳號，另發現 2 個".into(),
            corrective: "建立離職通知流程並每季清查".into(),
            owner: String::new(),
            due_on: "115/06/30".into(),
        }
    }

    #[test]
    fn a_deficiency_needs_its_cause_the_similar_check_measures_and_a_date() {
        let today = date!(2026 - 03 - 02);
        let ok = raw().parse(&["7.13"], &[], today).unwrap();
        assert_eq!(ok.due_on, Some(date!(2026 - 06 - 30)));
        let bad = RawFinding {
            cause: " ".into(),
            similar: "".into(),
            due_on: "115/01/01".into(),
            item: "99.9".into(),
            ..raw()
        };
        let fields: Vec<_> = bad
            .parse(&["7.13"], &[], today)
            .unwrap_err()
            .iter()
            .map(|e| (e.field, e.key))
            .collect();
        for f in [
            ("cause", "err-required"),
            ("similar", "err-required"),
            ("due_on", "err-finding-due-past"),
            ("item", "err-choice"),
        ] {
            assert!(fields.contains(&f), "{f:?} in {fields:?}");
        }
        // a suggestion is recorded for consideration only
        let suggestion = RawFinding {
            class: "suggestion".into(),
            cause: "".into(),
            similar: "".into(),
            corrective: "".into(),
            due_on: "".into(),
            ..raw()
        };
        assert!(suggestion.parse(&["7.13"], &[], today).is_ok());
    }

    #[test]
    fn measures_are_reviewed_only_when_done_with_evidence() {
        assert_eq!(
            check_review(true, false, 1, "x").unwrap_err().key,
            "err-finding-needs-evidence"
        );
        assert_eq!(
            check_review(true, true, 0, "x").unwrap_err().key,
            "err-finding-needs-evidence"
        );
        assert!(check_review(true, true, 1, "抽查 3 個帳號皆已停用").is_ok());
        assert_eq!(
            check_review(true, true, 1, " ").unwrap_err().key,
            "err-required"
        );
        assert!(check_review(false, false, 0, "已納入明年計畫").is_ok());
    }
}
