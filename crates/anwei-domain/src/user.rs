//! Accounts. The plan forbids shared IDs (seed 玖.二.(二).2), so a username names one person and
//! is unique across the whole instance, not per agency.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 3–32 characters: lower-case letters, digits, `.`, `_`, `-`, starting with a letter.
/// Stored lower-case so that `Shih` and `shih` cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let len = s.chars().count();
        if !(3..=32).contains(&len) {
            return Err(FieldError::new("username", "err-username-length"));
        }
        let ok = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !ok || !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(FieldError::new("username", "err-username-chars"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An optional e-mail address; checked for shape only (delivery proves the rest).
pub fn parse_email(raw: &str) -> Result<Option<String>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let valid = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(Some(s.to_string()))
    } else {
        Err(FieldError::new("email", "err-email"))
    }
}

/// Roles of the Act and the plan. What each may do is data (`catalog/roles.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 資通安全長 (CISO)
    Ciso,
    /// 資安推動小組成員 / 承辦人
    Officer,
    /// 資產管理人
    Custodian,
    /// 一般使用者
    Staff,
    /// 上級機關稽核員: reads its subtree, writes nothing
    Auditor,
    /// 系統管理者: a separate privileged account (seed 玖.二.(三).3), created only by
    /// `anwei create-admin`, never assigned to a daily account
    Admin,
}

impl Role {
    /// Roles that can be given to an agency's account; `admin` cannot.
    pub const ASSIGNABLE: [Role; 5] = [
        Role::Ciso,
        Role::Officer,
        Role::Custodian,
        Role::Staff,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ciso => "ciso",
            Role::Officer => "officer",
            Role::Custodian => "custodian",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Any role name, including `admin` (for reading stored rows).
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "ciso" => Some(Role::Ciso),
            "officer" => Some(Role::Officer),
            "custodian" => Some(Role::Custodian),
            "staff" => Some(Role::Staff),
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// A role an agency account may be given: everything but `admin`.
    pub fn parse_assignable(raw: &str) -> Result<Self, FieldError> {
        match Role::from_stored(raw.trim()) {
            Some(Role::Admin) => Err(FieldError::new("role", "err-role-admin")),
            Some(r) => Ok(r),
            None => Err(FieldError::new("role", "err-choice")),
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Shih.YunDou ").unwrap().as_str(),
            "shih.yundou"
        );
        for bad in ["ab", "1abc", "a b", "施昀豆", &"a".repeat(33), "a@b"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(parse_email("  ").unwrap(), None);
        assert!(parse_email("a@b.tw").unwrap().is_some());
        for bad in ["a", "a@b", "@b.tw", "a@@b.tw", "a b@c.tw", "a@.tw"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn admin_is_never_assignable() {
        assert_eq!(
            Role::parse_assignable("admin").unwrap_err().key,
            "err-role-admin"
        );
        assert_eq!(Role::parse_assignable("ciso").unwrap(), Role::Ciso);
        assert!(Role::parse_assignable("root").is_err());
    }
}
