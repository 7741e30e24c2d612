//! The catalog files are compiled into the binary (so a deployment cannot run with rules that differ
//! from the ones it was tested with) and parsed once at start-up: a file that does not parse stops
//! the server with the file's name and the reason.

use crate::DomainError;
use crate::baseline::Baseline;
use crate::incident::IncidentRules;
use crate::obligation::ObligationCatalog;
use crate::password::AccountPolicy;
use crate::plan::PlanTemplate;
use crate::plan_lint::PlanRules;
use crate::rbac::RoleCatalog;
use crate::restricted::RestrictedCatalog;
use crate::risk::RiskMethod;
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
const PLAN_RULES_TOML: &str = include_str!("../../../catalog/plan-rules.toml");
const BASELINE_TOML: &str = include_str!("../../../catalog/baseline-controls.toml");
const RISK_METHOD_TOML: &str = include_str!("../../../catalog/risk-method.toml");
const RESTRICTED_TOML: &str = include_str!("../../../catalog/restricted-products.toml");
const ASSET_GRADING_TOML: &str = include_str!("../../../catalog/asset-grading.toml");
/// Audit checklists: (file, text). Next year's edition, or a bureau's own, is another entry.
const CHECKLISTS: [(&str, &str); 1] = [(
    "catalog/audit-checklists/gov-115.toml",
    include_str!("../../../catalog/audit-checklists/gov-115.toml"),
)];
/// Plan templates: (file, text). Add a city's template here and in `catalog/plan-templates/`.
const PLAN_TEMPLATES: [(&str, &str); 1] = [(
    "catalog/plan-templates/tainan-school-d.toml",
    include_str!("../../../catalog/plan-templates/tainan-school-d.toml"),
)];

/// Everything parsed from `catalog/`.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub account_policy: AccountPolicy,
    pub roles: RoleCatalog,
    pub incidents: IncidentRules,
    pub obligations: ObligationCatalog,
    pub training: TrainingRules,
    pub plan_rules: PlanRules,
    pub plan_templates: Vec<PlanTemplate>,
    /// 附表十
    pub baseline: Baseline,
    /// 風險評估 (詳細風險評鑑方法)
    pub risk: RiskMethod,
    /// 危害國家資通安全產品 as shipped (an administrator imports the published register)
    pub restricted: RestrictedCatalog,
    /// 附表九 and the 核心資通系統 rule
    pub grading: crate::asset::AssetGrading,
    /// 稽核檢核表, newest edition last
    pub checklists: Vec<crate::checklist::Checklist>,
}

impl Catalog {
    pub fn plan_template(&self, key: &str) -> Option<&PlanTemplate> {
        self.plan_templates.iter().find(|t| t.key == key)
    }

    /// The checklist of `id`, or the newest edition in force on `on` when none is named.
    pub fn checklist(
        &self,
        id: Option<&str>,
        on: time::Date,
    ) -> Option<&crate::checklist::Checklist> {
        match id {
            Some(id) => self.checklists.iter().find(|c| c.id == id),
            None => self
                .checklists
                .iter()
                .filter(|c| c.effective_from <= on)
                .max_by_key(|c| c.effective_from)
                .or_else(|| self.checklists.first()),
        }
    }
}

impl Catalog {
    pub fn load() -> Result<Self, DomainError> {
        let catalog = Self {
            account_policy: AccountPolicy::from_toml(ACCOUNT_POLICY_TOML)?,
            roles: RoleCatalog::from_toml(ROLES_TOML)?,
            incidents: IncidentRules::from_toml(INCIDENT_RULES_TOML)?,
            obligations: ObligationCatalog::from_toml(OBLIGATIONS_TOML)?,
            training: TrainingRules::from_toml(TRAINING_RULES_TOML)?,
            plan_rules: PlanRules::from_toml(PLAN_RULES_TOML)?,
            grading: crate::asset::AssetGrading::from_toml(ASSET_GRADING_TOML)?,
            baseline: Baseline::from_toml(BASELINE_TOML)?,
            risk: RiskMethod::from_toml(RISK_METHOD_TOML)?,
            restricted: RestrictedCatalog::from_toml(RESTRICTED_TOML)?,
            plan_templates: PLAN_TEMPLATES
                .iter()
                .map(|(file, text)| PlanTemplate::from_toml(file, text))
                .collect::<Result<_, _>>()?,
            checklists: CHECKLISTS
                .iter()
                .map(|(file, text)| crate::checklist::Checklist::from_toml(file, text))
                .collect::<Result<_, _>>()?,
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
        // A checklist item names duties whose state answers it; each must exist.
        for (c, (file, _)) in catalog.checklists.iter().zip(CHECKLISTS) {
            for item in &c.items {
                if let Some(key) = item
                    .duties
                    .iter()
                    .find(|k| catalog.obligations.get(k).is_none())
                {
                    return Err(DomainError::Catalog {
                        file,
                        reason: format!("item {} names the unknown duty {key:?}", item.number),
                    });
                }
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
        let t = c.plan_template("tainan-school-d").expect("template");
        let gov = c
            .checklist(None, time::macros::date!(2026 - 06 - 01))
            .expect("checklist");
        assert_eq!(
            (gov.edition, gov.items.len(), gov.dimensions.len()),
            (115, 87, 9)
        );
        // every statutory item is answered by the template
        for n in 1..=13u8 {
            assert!(
                t.sections.iter().any(|s| s.answers.contains(&n)),
                "item {n}"
            );
        }
    }
}
