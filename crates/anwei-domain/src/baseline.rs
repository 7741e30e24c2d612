//! 附表十 資通系統防護基準: which controls a system must have, from its 附表九 level. The rows
//! are cumulative — a system graded 中 applies the 普 and 中 rows, one graded 高 all of them —
//! and bind agencies of the levels the catalog names (A, B and C; D and E may use them as a
//! reference). The rows are `catalog/baseline-controls.toml`.

use crate::DomainError;
use crate::agency::ResponsibilityLevel;
use crate::asset::Rating;
use serde::Deserialize;

pub const BASELINE_FILE: &str = "catalog/baseline-controls.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct BaselineRow {
    pub key: String,
    pub domain: String,
    pub control: String,
    /// The lowest system level the row binds.
    pub level: Rating,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Baseline {
    pub applies_to_levels: Vec<String>,
    pub from: String,
    pub citation: String,
    #[serde(rename = "row")]
    pub rows: Vec<BaselineRow>,
}

/// The statuses a system's control can have.
pub const CONTROL_STATUSES: [&str; 4] =
    ["not_started", "in_progress", "in_place", "not_applicable"];

impl Baseline {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let b: Baseline = toml::from_str(text).map_err(|e| DomainError::Catalog {
            file: BASELINE_FILE,
            reason: e.to_string(),
        })?;
        let mut keys = std::collections::HashSet::new();
        for r in &b.rows {
            if !keys.insert(r.key.as_str()) {
                return Err(DomainError::Catalog {
                    file: BASELINE_FILE,
                    reason: format!("row {} appears twice", r.key),
                });
            }
        }
        for l in &b.applies_to_levels {
            ResponsibilityLevel::parse(l).map_err(|_| DomainError::Catalog {
                file: BASELINE_FILE,
                reason: format!("unknown level {l}"),
            })?;
        }
        Ok(b)
    }

    /// The rows a system of `level` applies (cumulative).
    pub fn rows_for(&self, level: Rating) -> Vec<&BaselineRow> {
        self.rows.iter().filter(|r| r.level <= level).collect()
    }

    /// Whether an agency of this responsibility level must apply the baseline.
    pub fn binds(&self, agency_level: Option<ResponsibilityLevel>) -> bool {
        agency_level.is_some_and(|l| self.applies_to_levels.iter().any(|a| a == l.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = include_str!("../../../catalog/baseline-controls.toml");

    #[test]
    fn rows_accumulate_by_level_and_bind_levels_a_to_c() {
        let b = Baseline::from_toml(TOML).unwrap();
        let (n, m, h) = (
            b.rows_for(Rating::Normal).len(),
            b.rows_for(Rating::Medium).len(),
            b.rows_for(Rating::High).len(),
        );
        assert!(n < m && m < h && h == b.rows.len(), "{n} {m} {h}");
        // every 普 row is in the 中 list, and the 高-only encryption row only in 高
        assert!(
            b.rows_for(Rating::Normal)
                .iter()
                .all(|r| r.level == Rating::Normal)
        );
        assert!(
            b.rows_for(Rating::Medium)
                .iter()
                .all(|r| r.key != "sc-crypto-high")
        );
        assert!(
            b.rows_for(Rating::High)
                .iter()
                .any(|r| r.key == "sc-crypto-high")
        );
        assert!(b.binds(Some(ResponsibilityLevel::C)));
        assert!(!b.binds(Some(ResponsibilityLevel::D)));
        assert!(!b.binds(None));
    }
}
