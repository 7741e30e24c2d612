//! Incidents as their documents and pages show them: a deadline with how it stands, and the
//! impact assessment read back from the record.

use anwei_domain::incident::{Impact, Outcome, Scope, Severity};
use anwei_store::incidents::IncidentRow;
use time::OffsetDateTime;

/// A deadline as shown: its label, due time, and how it stands now.
pub struct DeadlineView {
    pub label_key: &'static str,
    pub level: u8,
    pub due: OffsetDateTime,
    pub due_rfc3339: String,
    pub rule: String,
    pub uncertain: bool,
    pub done_at: Option<OffsetDateTime>,
    pub late: bool,
    /// Not done and past due.
    pub overdue: bool,
    /// "3 小時 12 分" until due, or since it passed.
    pub remaining: String,
}

/// The record's impact assessment (通報應變辦法 §2), as the level rules read it.
pub fn impact_of(i: &IncidentRow) -> Impact {
    let scope = |v: &Option<String>| v.as_deref().and_then(Scope::parse);
    Impact {
        confidentiality: scope(&i.c_scope).zip(i.c_severity.as_deref().and_then(Severity::parse)),
        integrity: scope(&i.i_scope).zip(i.i_severity.as_deref().and_then(Severity::parse)),
        availability: scope(&i.a_scope).zip(i.a_outcome.as_deref().and_then(Outcome::parse)),
    }
}
