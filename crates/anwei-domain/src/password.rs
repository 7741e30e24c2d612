//! Passwords and sign-in throttling, as the plan requires of every system the agency runs —
//! Anwei included (seed 玖.二.(二).1; 資通安全責任等級分級辦法 附表十 識別與鑑別). The numbers
//! come from `catalog/account-policy.toml`.

use crate::{DomainError, FieldError, catalog::ACCOUNT_POLICY_FILE};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// Longest password accepted; bounds the cost of hashing hostile input.
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, Deserialize)]
pub struct PasswordRules {
    pub min_length: usize,
    pub min_classes: usize,
    pub history: usize,
    pub max_age_days: i64,
    pub reset_link_hours: i64,
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LockoutRules {
    pub max_failures: i32,
    pub lock_minutes: i64,
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionRules {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PrivilegedRules {
    pub require_totp: bool,
    pub citation: String,
}

/// `catalog/account-policy.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountPolicy {
    pub password: PasswordRules,
    pub lockout: LockoutRules,
    pub session: SessionRules,
    pub privileged: PrivilegedRules,
}

impl AccountPolicy {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let p: AccountPolicy = toml::from_str(text).map_err(|e| DomainError::Catalog {
            file: ACCOUNT_POLICY_FILE,
            reason: e.to_string(),
        })?;
        let sane = p.password.min_length >= 1
            && (1..=4).contains(&p.password.min_classes)
            && p.password.history >= 1
            && p.password.max_age_days >= 1
            && p.password.reset_link_hours >= 1
            && p.lockout.max_failures >= 1
            && p.lockout.lock_minutes >= 1
            && p.session.idle_minutes >= 1
            && p.session.absolute_hours >= 1;
        if !sane {
            return Err(DomainError::Catalog {
                file: ACCOUNT_POLICY_FILE,
                reason: "every number must be positive and min_classes at most 4".into(),
            });
        }
        Ok(p)
    }

    /// Checks a proposed password against the complexity rule (附表十: 強制最低密碼複雜度;
    /// seed 玖.二.(二).1 (1)(2): 8 characters or more, at least 3 of upper-case, lower-case,
    /// digits and symbols).
    pub fn check_strength(&self, password: &str, username: &str) -> Result<(), FieldError> {
        let len = password.chars().count();
        if len < self.password.min_length {
            return Err(FieldError::new("new_password", "err-password-too-short")
                .with("min", self.password.min_length));
        }
        if len > MAX_PASSWORD_CHARS {
            return Err(
                FieldError::new("new_password", "err-too-long").with("max", MAX_PASSWORD_CHARS)
            );
        }
        if character_classes(password) < self.password.min_classes {
            return Err(FieldError::new("new_password", "err-password-classes")
                .with("min", self.password.min_classes));
        }
        if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
            return Err(FieldError::new(
                "new_password",
                "err-password-contains-username",
            ));
        }
        Ok(())
    }

    /// Seed 玖.二.(二).1 (3): change every 90 days; an expired password must be changed at the
    /// next sign-in.
    pub fn password_expired(&self, changed_at: OffsetDateTime, now: OffsetDateTime) -> bool {
        now - changed_at >= Duration::days(self.password.max_age_days)
    }

    pub fn password_expires_at(&self, changed_at: OffsetDateTime) -> OffsetDateTime {
        changed_at + Duration::days(self.password.max_age_days)
    }

    /// Seed 玖.三.(七).1 and 附表十: a session unused for the idle limit is over.
    pub fn session_idle_expired(&self, last_seen: OffsetDateTime, now: OffsetDateTime) -> bool {
        now - last_seen >= Duration::minutes(self.session.idle_minutes)
    }

    pub fn session_absolute_expired(&self, created: OffsetDateTime, now: OffsetDateTime) -> bool {
        now - created >= Duration::hours(self.session.absolute_hours)
    }
}

/// How many of the four classes (upper-case, lower-case, digit, symbol) a password uses.
/// Letters without case (e.g. Han characters) count as symbols: they are neither upper, lower
/// nor digit, and they widen the search space as symbols do.
pub fn character_classes(password: &str) -> usize {
    let mut upper = false;
    let mut lower = false;
    let mut digit = false;
    let mut symbol = false;
    for c in password.chars() {
        if c.is_ascii_digit() {
            digit = true;
        } else if c.is_uppercase() {
            upper = true;
        } else if c.is_lowercase() {
            lower = true;
        } else if !c.is_whitespace() || c == ' ' {
            symbol = true;
        }
    }
    [upper, lower, digit, symbol].iter().filter(|b| **b).count()
}

/// Argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1: the OWASP minimum), as a PHC
/// string. CPU-heavy: call it off the async executor.
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Hashing(e.to_string()))
}

pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows; verified against when the username does not exist, so that
/// a wrong username takes as long as a wrong password.
pub const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8Ulq4bYqsVtBMu6XtdQqN8CO2UOBRAJeAXYXwplqyc4";

/// 附表十 識別與鑑別（普）: a new password may not equal any of the last N (the current included).
/// `recent_hashes` is newest first; only the first `history` are consulted.
pub fn is_reused(rules: &PasswordRules, recent_hashes: &[String], candidate: &str) -> bool {
    recent_hashes
        .iter()
        .take(rules.history)
        .any(|h| verify_password(h, candidate))
}

/// Consecutive failed sign-ins and the lock they lead to (附表十: lock for 15 minutes after 5
/// failures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginThrottle {
    pub failed_count: i32,
    pub locked_until: Option<OffsetDateTime>,
}

impl LoginThrottle {
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The state after one more failure; the bool is true when this failure locked the account.
    /// A lock that has run out starts a fresh count.
    pub fn after_failure(self, rules: &LockoutRules, now: OffsetDateTime) -> (Self, bool) {
        let count = if self.locked_until.is_some_and(|until| now >= until) {
            1
        } else {
            self.failed_count + 1
        };
        if count >= rules.max_failures {
            (
                Self {
                    failed_count: 0,
                    locked_until: Some(now + Duration::minutes(rules.lock_minutes)),
                },
                true,
            )
        } else {
            (
                Self {
                    failed_count: count,
                    locked_until: self.locked_until.filter(|u| now < *u),
                },
                false,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn policy() -> AccountPolicy {
        Catalog::load().unwrap().account_policy
    }

    #[test]
    fn complexity_classes() {
        let p = policy();
        // 7 characters: too short whatever the classes.
        assert_eq!(
            p.check_strength("Ab1!xyz", "u").unwrap_err().key,
            "err-password-too-short"
        );
        // 8 characters, two classes each: rejected.
        for two in ["abcdefgh1", "ABCDEFGH1", "abcdEFGH", "abcd!@#$", "1234!@#$"] {
            assert_eq!(
                p.check_strength(two, "u").unwrap_err().key,
                "err-password-classes",
                "{two}"
            );
        }
        // Three of four classes, in each combination: accepted.
        for three in ["abcdEFG1", "abcdEF!!", "abcd12!!", "ABCD12!!", "Abcd1234!"] {
            assert!(p.check_strength(three, "u").is_ok(), "{three}");
        }
        assert_eq!(
            p.check_strength("Shih.yundou1", "shih.yundou")
                .unwrap_err()
                .key,
            "err-password-contains-username"
        );
        assert_eq!(
            p.check_strength(&"Aa1!".repeat(40), "u").unwrap_err().key,
            "err-too-long"
        );
    }

    #[test]
    fn expiry_after_90_days() {
        let p = policy();
        let set = datetime!(2026-01-01 00:00 UTC);
        assert!(!p.password_expired(set, set + Duration::days(89)));
        assert!(p.password_expired(set, set + Duration::days(90)));
    }

    #[test]
    fn idle_after_15_minutes() {
        let p = policy();
        let seen = datetime!(2026-01-01 00:00 UTC);
        assert!(
            !p.session_idle_expired(seen, seen + Duration::minutes(14) + Duration::seconds(59))
        );
        assert!(p.session_idle_expired(seen, seen + Duration::minutes(15)));
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let rules = policy().lockout;
        let t0 = datetime!(2026-01-01 08:00 UTC);
        let mut s = LoginThrottle::default();
        for i in 1..5 {
            let (next, locked) = s.after_failure(&rules, t0);
            assert!(!locked, "failure {i}");
            assert!(!next.is_locked(t0));
            s = next;
        }
        let (s, locked) = s.after_failure(&rules, t0);
        assert!(locked);
        assert!(s.is_locked(t0 + Duration::minutes(14)));
        assert!(!s.is_locked(t0 + Duration::minutes(15)));
        // After the lock runs out, one failure does not lock again.
        let (s, locked) = s.after_failure(&rules, t0 + Duration::minutes(16));
        assert!(!locked);
        assert_eq!(s.failed_count, 1);
        assert_eq!(s.locked_until, None);
    }

    #[test]
    fn hashing_and_reuse() {
        let rules = policy().password;
        let h1 = hash_password("First-pass1").unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert!(verify_password(&h1, "First-pass1"));
        assert!(!verify_password(&h1, "first-pass1"));
        assert!(!verify_password("not a hash", "x"));
        let h2 = hash_password("Second-pass2").unwrap();
        let h3 = hash_password("Third-pass3").unwrap();
        let h4 = hash_password("Fourth-pass4").unwrap();
        let newest_first = vec![h4, h3, h2, h1];
        assert!(is_reused(&rules, &newest_first, "Second-pass2"));
        assert!(is_reused(&rules, &newest_first, "Fourth-pass4"));
        // The fourth-newest has left the window of 3.
        assert!(!is_reused(&rules, &newest_first, "First-pass1"));
    }

    #[test]
    fn decoy_hash_is_well_formed() {
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
    }

    proptest! {
        #[test]
        fn strength_check_never_panics(s in "\\PC{0,200}") {
            let _ = policy().check_strength(&s, "user");
        }

        #[test]
        fn classes_counted_are_at_most_four(s in "\\PC{0,64}") {
            prop_assert!(character_classes(&s) <= 4);
        }
    }
}
