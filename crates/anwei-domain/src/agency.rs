//! Agencies (機關) are Anwei's tenants and form a tree: a supervising agency (上級或監督機關, e.g. a
//! city's education bureau) above its schools. Every agency row carries a materialised path of
//! ancestor ids so that "is this agency within that one's subtree" is a prefix test on one row,
//! not a walk up the tree on every request.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A short, stable, URL-safe code such as `xiaying-es`: lower-case letters, digits and single
/// hyphens, starting with a letter, 2–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let len = s.chars().count();
        if !(2..=40).contains(&len) {
            return Err(FieldError::new("code", "err-agency-code-length"));
        }
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let starts_with_letter = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !ok_chars || !starts_with_letter || s.ends_with('-') || s.contains("--") {
            return Err(FieldError::new("code", "err-agency-code-chars"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trimmed single-line text of bounded length, without control characters: names, letter
/// numbers, system names.
pub fn parse_line(
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
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, "err-control-chars"));
    }
    Ok(s.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    School,
    Bureau,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 3] = [AgencyKind::School, AgencyKind::Bureau, AgencyKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::School => "school",
            AgencyKind::Bureau => "bureau",
            AgencyKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "school" => Ok(AgencyKind::School),
            "bureau" => Ok(AgencyKind::Bureau),
            "other" => Ok(AgencyKind::Other),
            _ => Err(FieldError::new("kind", "err-choice")),
        }
    }
}

/// 資通安全責任等級 A–E (資通安全責任等級分級辦法 §2–§8 (2021), re-approved every 3 years under
/// the 2026 text §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResponsibilityLevel {
    A,
    B,
    C,
    D,
    E,
}

impl ResponsibilityLevel {
    pub const ALL: [ResponsibilityLevel; 5] = [
        ResponsibilityLevel::A,
        ResponsibilityLevel::B,
        ResponsibilityLevel::C,
        ResponsibilityLevel::D,
        ResponsibilityLevel::E,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResponsibilityLevel::A => "A",
            ResponsibilityLevel::B => "B",
            ResponsibilityLevel::C => "C",
            ResponsibilityLevel::D => "D",
            ResponsibilityLevel::E => "E",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(ResponsibilityLevel::A),
            "B" => Ok(ResponsibilityLevel::B),
            "C" => Ok(ResponsibilityLevel::C),
            "D" => Ok(ResponsibilityLevel::D),
            "E" => Ok(ResponsibilityLevel::E),
            _ => Err(FieldError::new("level", "err-choice")),
        }
    }
}

/// `/id/id/…/` from the root to the agency itself, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyPath(String);

impl AgencyPath {
    pub fn root(id: Uuid) -> Self {
        Self(format!("/{}/", id.simple()))
    }

    pub fn child(&self, id: Uuid) -> Self {
        Self(format!("{}{}/", self.0, id.simple()))
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `ancestor` itself or lies below it.
    pub fn is_within(&self, ancestor: &AgencyPath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// True when `self` lies strictly below `ancestor`.
    pub fn is_below(&self, ancestor: &AgencyPath) -> bool {
        self.is_within(ancestor) && self.0.len() > ancestor.0.len()
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }

    /// The id of the agency directly above (its 上級或監督機關), None for a root.
    pub fn parent_id(&self) -> Option<Uuid> {
        let ids: Vec<&str> = self.0.split('/').filter(|s| !s.is_empty()).collect();
        ids.len()
            .checked_sub(2)
            .and_then(|i| ids.get(i))
            .and_then(|s| Uuid::parse_str(s).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            AgencyCode::parse(" Xiaying-ES ").unwrap().as_str(),
            "xiaying-es"
        );
        for bad in ["x", "1abc", "a--b", "ab-", "a b", "學校", &"a".repeat(41)] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let root = AgencyPath::root(a);
        let school = root.child(b);
        let other = AgencyPath::root(c);
        assert!(school.is_within(&root));
        assert!(school.is_below(&root));
        assert!(root.is_within(&root));
        assert!(!root.is_below(&root));
        assert!(!root.is_within(&school));
        assert!(!school.is_within(&other));
        assert_eq!(school.depth(), 2);
        assert_eq!(school.parent_id(), Some(a));
        assert_eq!(root.parent_id(), None);
    }

    #[test]
    fn lines() {
        assert_eq!(
            parse_line("name", "  下營國小 ", 1, 10).unwrap(),
            "下營國小"
        );
        assert_eq!(
            parse_line("name", "  ", 1, 10).unwrap_err().key,
            "err-required"
        );
        assert_eq!(
            parse_line("name", "abc", 1, 2).unwrap_err().key,
            "err-too-long"
        );
        assert_eq!(
            parse_line("name", "a\u{0}b", 1, 10).unwrap_err().key,
            "err-control-chars"
        );
    }
}
