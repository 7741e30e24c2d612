use anwei_domain::agency::AgencyPath;
use uuid::Uuid;

/// Which agencies an actor may read at all.
#[derive(Debug, Clone)]
pub enum Reach {
    /// Administrators and the command line.
    All,
    /// The actor's agency and everything below it.
    Subtree(AgencyPath),
}

impl Reach {
    /// A `LIKE` pattern for `agency.path`, or None for no restriction.
    pub(crate) fn path_pattern(&self) -> Option<String> {
        match self {
            Reach::All => None,
            Reach::Subtree(p) => Some(format!("{}%", p.as_str())),
        }
    }
}

/// Who is acting, for authorisation of reads and for the audit event of every write.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// The username, or `cli:<os user>` for the command line.
    pub label: String,
    /// The acting agency (None for administrators and the command line).
    pub agency_id: Option<Uuid>,
    pub reach: Reach,
    pub client_addr: Option<String>,
}

impl Actor {
    /// The command line, run by whoever operates the server.
    pub fn cli() -> Self {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Self {
            user_id: None,
            label: format!("cli:{who}"),
            agency_id: None,
            reach: Reach::All,
            client_addr: None,
        }
    }

    /// Anwei's own background work (reminders, scheduled recomputation).
    pub fn system() -> Self {
        Self {
            user_id: None,
            label: "system".into(),
            agency_id: None,
            reach: Reach::All,
            client_addr: None,
        }
    }

    /// Someone not yet signed in (e.g. a sign-in attempt).
    pub fn anonymous(label: &str, client_addr: Option<String>) -> Self {
        Self {
            user_id: None,
            label: label.to_string(),
            agency_id: None,
            reach: Reach::All,
            client_addr,
        }
    }
}
