//! The catalog files are compiled into the binary (so a deployment cannot run with rules that differ
//! from the ones it was tested with) and parsed once at start-up: a file that does not parse stops
//! the server with the file's name and the reason.

use crate::DomainError;
use crate::incident::IncidentRules;
use crate::obligation::ObligationCatalog;
use crate::password::AccountPolicy;
use crate::rbac::RoleCatalog;
use crate::training::TrainingRules;

pub const ACCOUNT_POLICY_FILE: &str = "catalog/account-policy.toml";
pub const ROLES_FILE: &str = "catalog/roles.toml";
pub const INCIDENT_RULES_FILE: &str = "catalog/incident-rules.toml";
pub const OBLIGATIONS_FILE: &str = "catalog/obligations.toml";
pub const TRAINING_RULES_FILE: &str = "catalog/training-rules.toml";

const ACCOUNT_POLICY_TOML: &str = include_str!("../../../catalog/account-policy.toml");
const ROLES_TOML: &str = include_str!("../../../catalog/roles.toml");
const INCIDENT_RULES_TOML: &str = include_str!("../../../catalog/incident-rules.toml");
const OBLIGATIONS_TOML: &str = include_str!("../../../catalog/obligations.toml");
const TRAINING_RULES_TOML: &str = include_str!("../../../catalog/training-rules.toml");

/// Everything parsed from `catalog/`.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub account_policy: AccountPolicy,
    pub roles: RoleCatalog,
    pub incidents: IncidentRules,
    pub obligations: ObligationCatalog,
    pub training: TrainingRules,
}

impl Catalog {
    pub fn load() -> Result<Self, DomainError> {
        let catalog = Self {
            account_policy: AccountPolicy::from_toml(ACCOUNT_POLICY_TOML)?,
            roles: RoleCatalog::from_toml(ROLES_TOML)?,
            incidents: IncidentRules::from_toml(INCIDENT_RULES_TOML)?,
            obligations: ObligationCatalog::from_toml(OBLIGATIONS_TOML)?,
            training: TrainingRules::from_toml(TRAINING_RULES_TOML)?,
        };
        // A drill names the duty it is evidence for; that duty must exist.
        for d in &catalog.incidents.drills {
            if let Some(key) = &d.obligation
                && catalog.obligations.get(key).is_none()
            {
                return Err(DomainError::Catalog {
                    file: INCIDENT_RULES_FILE,
                    reason: format!("drill {:?} names the unknown obligation {key:?}", d.kind),
                });
            }
        }
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_catalog_parses() {
        let c = super::Catalog::load().expect("catalog");
        assert_eq!(c.account_policy.password.min_length, 8);
        assert_eq!(c.account_policy.lockout.max_failures, 5);
    }
}
