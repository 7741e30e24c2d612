//! Who may do what, decided in one place. Roles map to permissions through
//! `catalog/roles.toml`; a grant reaches the holder's agency and every agency below it (a
//! supervisor's rights flow down the tree, never sideways or up); `admin` reaches every agency.
//!
//! The decision distinguishes "not yours to see" from "yours to see but not to change": the first
//! is answered 404, so that one school cannot even learn which ids another school's records have.

use crate::DomainError;
use crate::agency::AgencyPath;
use crate::catalog::ROLES_FILE;
use crate::user::Role;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    DashboardView,
    AgencyRead,
    AgencyEdit,
    AgencyLevel,
    AgencyCreate,
    UserRead,
    UserManage,
    AuditRead,
    IncidentRead,
    IncidentReport,
    IncidentManage,
    IncidentReview,
    ObligationRead,
    ObligationWork,
    ObligationApprove,
    ObligationManage,
    /// 稽核: plan an audit of an agency and answer its checklist.
    ChecklistAnswer,
}

impl Permission {
    pub const ALL: [Permission; 17] = [
        Permission::DashboardView,
        Permission::AgencyRead,
        Permission::AgencyEdit,
        Permission::AgencyLevel,
        Permission::AgencyCreate,
        Permission::UserRead,
        Permission::UserManage,
        Permission::AuditRead,
        Permission::IncidentRead,
        Permission::IncidentReport,
        Permission::IncidentManage,
        Permission::IncidentReview,
        Permission::ObligationRead,
        Permission::ObligationWork,
        Permission::ObligationApprove,
        Permission::ObligationManage,
        Permission::ChecklistAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::DashboardView => "dashboard.view",
            Permission::AgencyRead => "agency.read",
            Permission::AgencyEdit => "agency.edit",
            Permission::AgencyLevel => "agency.level",
            Permission::AgencyCreate => "agency.create",
            Permission::UserRead => "user.read",
            Permission::UserManage => "user.manage",
            Permission::AuditRead => "audit.read",
            Permission::IncidentRead => "incident.read",
            Permission::IncidentReport => "incident.report",
            Permission::IncidentManage => "incident.manage",
            Permission::IncidentReview => "incident.review",
            Permission::ObligationRead => "obligation.read",
            Permission::ObligationWork => "obligation.work",
            Permission::ObligationApprove => "obligation.approve",
            Permission::ObligationManage => "obligation.manage",
            Permission::ChecklistAnswer => "checklist.answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize)]
struct RoleEntry {
    name_zh: String,
    name_en: String,
    citation: String,
    permissions: Vec<String>,
    granted_by: GrantedByEntry,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct GrantedByEntry {
    own: Vec<String>,
    above: Vec<String>,
}

/// Who may grant a role: roles of the account's own agency, and roles of a supervising agency.
#[derive(Debug, Clone, Default)]
struct GrantedBy {
    own: HashSet<Role>,
    above: HashSet<Role>,
}

#[derive(Debug, Default, Deserialize)]
struct ScopeEntry {
    #[serde(default)]
    own_agency_only: Vec<String>,
    #[serde(default)]
    below_only: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RolesFile {
    roles: BTreeMap<String, RoleEntry>,
    #[serde(default)]
    scope: ScopeEntry,
}

/// How far down the tree a permission reaches from the holder's agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The holder's agency and every agency below it (the default).
    Subtree,
    /// Only the holder's own agency.
    OwnAgency,
    /// Only agencies below the holder's.
    Below,
}

/// A role's display names and citation, for pages that list roles.
#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub role: Role,
    pub name_zh: String,
    pub name_en: String,
    pub citation: String,
}

#[derive(Debug, Clone)]
pub struct RoleCatalog {
    grants: HashMap<Role, HashSet<Permission>>,
    granted_by: HashMap<Role, GrantedBy>,
    reach: HashMap<Permission, Reach>,
    info: Vec<RoleInfo>,
}

impl RoleCatalog {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: ROLES_FILE,
            reason,
        };
        let file: RolesFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut grants = HashMap::new();
        let mut granted_by = HashMap::new();
        let mut info = Vec::new();
        let role_of = |name: &str| {
            Role::from_stored(name).ok_or_else(|| bad(format!("unknown role `{name}`")))
        };
        for (name, entry) in &file.roles {
            let role = role_of(name)?;
            let mut by = GrantedBy::default();
            for (names, set) in [
                (&entry.granted_by.own, &mut by.own),
                (&entry.granted_by.above, &mut by.above),
            ] {
                for n in names {
                    set.insert(role_of(n)?);
                }
            }
            granted_by.insert(role, by);
        }
        for (name, entry) in file.roles {
            let role =
                Role::from_stored(&name).ok_or_else(|| bad(format!("unknown role `{name}`")))?;
            let mut set = HashSet::new();
            for p in &entry.permissions {
                set.insert(
                    Permission::parse(p)
                        .ok_or_else(|| bad(format!("role `{name}`: unknown permission `{p}`")))?,
                );
            }
            grants.insert(role, set);
            info.push(RoleInfo {
                role,
                name_zh: entry.name_zh,
                name_en: entry.name_en,
                citation: entry.citation,
            });
        }
        for role in Role::ASSIGNABLE.into_iter().chain([Role::Admin]) {
            if !grants.contains_key(&role) {
                return Err(bad(format!("role `{}` is missing", role.as_str())));
            }
        }
        // Nobody grants a role or privilege they do not hold: a granter in the account's own
        // agency must hold every permission of the role it grants.
        for (role, by) in &granted_by {
            let needed = grants.get(role).cloned().unwrap_or_default();
            for granter in &by.own {
                let held = grants.get(granter).cloned().unwrap_or_default();
                if let Some(missing) = needed.iter().find(|p| !held.contains(p)) {
                    return Err(bad(format!(
                        "role `{}` may not be granted by `{}` of its own agency: `{}` lacks `{}`",
                        role.as_str(),
                        granter.as_str(),
                        granter.as_str(),
                        missing.as_str()
                    )));
                }
            }
        }
        let mut reach = HashMap::new();
        for (names, r) in [
            (&file.scope.own_agency_only, Reach::OwnAgency),
            (&file.scope.below_only, Reach::Below),
        ] {
            for p in names {
                let perm = Permission::parse(p)
                    .ok_or_else(|| bad(format!("scope: unknown permission `{p}`")))?;
                reach.insert(perm, r);
            }
        }
        Ok(Self {
            grants,
            granted_by,
            reach,
            info,
        })
    }

    /// May `who` give `role` to an account of `target` — or take it away from one, or manage an
    /// account that holds it (disable, enable, unlock, send a reset link)? Separation of duties
    /// (seed 玖.二.(三); 附表十 存取控制), per `granted_by` in `catalog/roles.toml`: administrators
    /// always; within the agency only the roles listed `own` (which hold every permission they
    /// grant); from a supervising agency the roles listed `above`. `target` is `None` for an
    /// administrator account, which only administrators manage.
    pub fn may_grant(&self, who: &Principal, role: Role, target: Option<&AgencyPath>) -> bool {
        if who.role == Role::Admin {
            return true;
        }
        let (Some(own), Some(target)) = (&who.agency_path, target) else {
            return false;
        };
        if authorize(self, who, Permission::UserManage, target) != Decision::Allow {
            return false;
        }
        let Some(by) = self.granted_by.get(&role) else {
            return false;
        };
        if target == own {
            by.own.contains(&who.role)
        } else {
            target.is_below(own) && by.above.contains(&who.role)
        }
    }

    pub fn reach(&self, permission: Permission) -> Reach {
        self.reach
            .get(&permission)
            .copied()
            .unwrap_or(Reach::Subtree)
    }

    pub fn has(&self, role: Role, permission: Permission) -> bool {
        self.grants
            .get(&role)
            .is_some_and(|s| s.contains(&permission))
    }

    pub fn info(&self, role: Role) -> Option<&RoleInfo> {
        self.info.iter().find(|i| i.role == role)
    }
}

/// The signed-in person as far as authorisation is concerned.
#[derive(Debug, Clone)]
pub struct Principal {
    pub role: Role,
    /// None only for administrators, who belong to no agency.
    pub agency_path: Option<AgencyPath>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The target is within reach but the role lacks the permission: 403.
    Forbidden,
    /// The target is outside the actor's subtree: 404, as if it did not exist.
    Hidden,
}

impl Principal {
    /// Whether the target agency is within this person's reach at all.
    pub fn reaches(&self, target: &AgencyPath) -> bool {
        match (&self.agency_path, self.role) {
            (_, Role::Admin) => true,
            (Some(own), _) => target.is_within(own),
            (None, _) => false,
        }
    }
}

/// The one authorisation check: may `who` do `what` to something that belongs to `target`?
pub fn authorize(
    roles: &RoleCatalog,
    who: &Principal,
    what: Permission,
    target: &AgencyPath,
) -> Decision {
    if !who.reaches(target) {
        return Decision::Hidden;
    }
    if !roles.has(who.role, what) {
        return Decision::Forbidden;
    }
    let within_reach = match (&who.agency_path, roles.reach(what)) {
        // Administrators belong to no agency and stand above every one: what reaches below an
        // agency reaches for them; what is kept to one's own agency does not.
        (None, Reach::Subtree | Reach::Below) => true,
        (None, Reach::OwnAgency) => false,
        (Some(_), Reach::Subtree) => true,
        (Some(own), Reach::OwnAgency) => target == own,
        (Some(own), Reach::Below) => target.is_below(own),
    };
    if within_reach {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use uuid::Uuid;

    #[test]
    fn rights_flow_down_never_sideways_or_up() {
        let roles = Catalog::load().unwrap().roles;
        let bureau = AgencyPath::root(Uuid::now_v7());
        let school = bureau.child(Uuid::now_v7());
        let sibling = bureau.child(Uuid::now_v7());
        let officer = Principal {
            role: Role::Officer,
            agency_path: Some(school.clone()),
        };
        let auditor = Principal {
            role: Role::Auditor,
            agency_path: Some(bureau.clone()),
        };
        let admin = Principal {
            role: Role::Admin,
            agency_path: None,
        };
        assert_eq!(
            authorize(&roles, &officer, Permission::UserManage, &school),
            Decision::Allow
        );
        assert_eq!(
            authorize(&roles, &officer, Permission::UserManage, &sibling),
            Decision::Hidden
        );
        assert_eq!(
            authorize(&roles, &officer, Permission::AgencyRead, &bureau),
            Decision::Hidden
        );
        assert_eq!(
            authorize(&roles, &auditor, Permission::UserRead, &school),
            Decision::Allow
        );
        assert_eq!(
            authorize(&roles, &auditor, Permission::AuditRead, &sibling),
            Decision::Allow
        );
        assert_eq!(
            authorize(&roles, &auditor, Permission::UserManage, &school),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&roles, &auditor, Permission::AgencyEdit, &bureau),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&roles, &admin, Permission::AgencyCreate, &school),
            Decision::Allow
        );
    }

    #[test]
    fn some_permissions_do_not_flow_down() {
        let roles = Catalog::load().unwrap().roles;
        let bureau = AgencyPath::root(Uuid::now_v7());
        let school = bureau.child(Uuid::now_v7());
        let bureau_officer = Principal {
            role: Role::Officer,
            agency_path: Some(bureau.clone()),
        };
        let school_officer = Principal {
            role: Role::Officer,
            agency_path: Some(school.clone()),
        };
        // A supervisor reviews a school's incident but does not edit it, and never reviews its own.
        assert_eq!(
            authorize(&roles, &bureau_officer, Permission::IncidentReview, &school),
            Decision::Allow
        );
        assert_eq!(
            authorize(&roles, &bureau_officer, Permission::IncidentManage, &school),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&roles, &bureau_officer, Permission::IncidentReview, &bureau),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&roles, &school_officer, Permission::IncidentManage, &school),
            Decision::Allow
        );
        assert_eq!(
            authorize(&roles, &school_officer, Permission::IncidentReview, &school),
            Decision::Forbidden
        );
        assert_eq!(
            authorize(&roles, &bureau_officer, Permission::IncidentRead, &school),
            Decision::Allow
        );
    }

    /// Issue 21 item 2: a school never decides its own level; its supervisor and an
    /// administrator do.
    #[test]
    fn levels_are_decided_from_above() {
        let roles = Catalog::load().unwrap().roles;
        let bureau = AgencyPath::root(Uuid::now_v7());
        let school = bureau.child(Uuid::now_v7());
        let at = |role, path: &AgencyPath| Principal {
            role,
            agency_path: Some(path.clone()),
        };
        for role in [Role::Officer, Role::Ciso] {
            assert_eq!(
                authorize(&roles, &at(role, &school), Permission::AgencyLevel, &school),
                Decision::Forbidden
            );
            assert_eq!(
                authorize(&roles, &at(role, &bureau), Permission::AgencyLevel, &school),
                Decision::Allow
            );
        }
        assert_eq!(
            authorize(
                &roles,
                &at(Role::Auditor, &bureau),
                Permission::AgencyLevel,
                &school
            ),
            Decision::Forbidden
        );
        let admin = Principal {
            role: Role::Admin,
            agency_path: None,
        };
        assert_eq!(
            authorize(&roles, &admin, Permission::AgencyLevel, &school),
            Decision::Allow
        );
    }

    /// Issue 22 item 1: nobody grants a role they do not hold; the 資通安全長 only from above.
    #[test]
    fn roles_are_granted_only_by_who_the_catalog_names() {
        let roles = Catalog::load().unwrap().roles;
        let bureau = AgencyPath::root(Uuid::now_v7());
        let school = bureau.child(Uuid::now_v7());
        let sibling = bureau.child(Uuid::now_v7());
        let at = |role, path: &AgencyPath| Principal {
            role,
            agency_path: Some(path.clone()),
        };
        let officer = at(Role::Officer, &school);
        let ciso = at(Role::Ciso, &school);
        let bureau_officer = at(Role::Officer, &bureau);
        let auditor = at(Role::Auditor, &bureau);
        let admin = Principal {
            role: Role::Admin,
            agency_path: None,
        };
        for role in [Role::Staff, Role::Custodian] {
            assert!(roles.may_grant(&officer, role, Some(&school)));
        }
        for role in [Role::Ciso, Role::Officer, Role::Auditor, Role::Admin] {
            assert!(!roles.may_grant(&officer, role, Some(&school)), "{role:?}");
        }
        assert!(!roles.may_grant(&officer, Role::Staff, Some(&sibling)));
        assert!(!roles.may_grant(&officer, Role::Staff, None));
        assert!(!roles.may_grant(&ciso, Role::Ciso, Some(&school)));
        assert!(roles.may_grant(&ciso, Role::Officer, Some(&school)));
        assert!(roles.may_grant(&bureau_officer, Role::Ciso, Some(&school)));
        assert!(!roles.may_grant(&bureau_officer, Role::Ciso, Some(&bureau)));
        assert!(!roles.may_grant(&bureau_officer, Role::Auditor, Some(&school)));
        assert!(!roles.may_grant(&auditor, Role::Staff, Some(&school)));
        assert!(roles.may_grant(&admin, Role::Ciso, Some(&school)));
        assert!(roles.may_grant(&admin, Role::Admin, None));
    }

    #[test]
    fn a_catalog_letting_a_role_grant_more_than_it_holds_is_refused() {
        let text = include_str!("../../../catalog/roles.toml").replace(
            "granted_by = { own = [], above = [\"ciso\", \"officer\"] }",
            "granted_by = { own = [\"officer\"], above = [\"ciso\", \"officer\"] }",
        );
        let err = RoleCatalog::from_toml(&text).unwrap_err().to_string();
        assert!(
            err.contains("`ciso` may not be granted by `officer`"),
            "{err}"
        );
    }

    #[test]
    fn bad_catalogs_are_refused() {
        assert!(
            RoleCatalog::from_toml(
                "[roles.ciso]\nname_zh='x'\nname_en='x'\ncitation='x'\npermissions=['nope']"
            )
            .is_err()
        );
        assert!(
            RoleCatalog::from_toml(
                "[roles.ciso]\nname_zh='x'\nname_en='x'\ncitation='x'\npermissions=[]"
            )
            .is_err()
        );
    }
}
