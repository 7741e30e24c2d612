pub mod agencies;
pub mod assets;
pub mod audit_log;
pub mod calendar;
pub mod dashboard;
pub mod drills;
pub mod evidence_form;
pub mod health;
pub mod incidents;
pub mod lang;
pub mod obligations;
pub mod outbox;
pub mod sign_in;
pub mod tokens;
pub mod training;
pub mod users;

/// Messages a redirect may ask a page to show (`?notice=…`); anything else is ignored, so a
/// link cannot make Anwei display arbitrary text.
pub fn notice_key(notice: Option<&str>) -> Option<&'static str> {
    const KNOWN: [&str; 24] = [
        "notice-person-added",
        "notice-course-added",
        "notice-mail-requeued",
        "notice-calendar-created",
        "notice-calendar-revoked",
        "notice-tasks-refreshed",
        "notice-task-updated",
        "notice-evidence-added",
        "notice-settings-saved",
        "notice-drill-recorded",
        "notice-report-saved",
        "notice-incident-filed",
        "notice-incident-updated",
        "notice-password-changed",
        "notice-signed-out",
        "notice-user-created",
        "notice-user-updated",
        "notice-agency-created",
        "notice-agency-updated",
        "notice-token-revoked",
        "notice-system-added",
        "notice-system-removed",
        "notice-password-reset",
        "notice-totp-enrolled",
    ];
    let n = notice?;
    KNOWN
        .into_iter()
        .find(|k| k.strip_prefix("notice-") == Some(n))
}
