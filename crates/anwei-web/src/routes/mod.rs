pub mod agencies;
pub mod asset_controls;
pub mod asset_disposal;
pub mod assets;
pub mod audit_log;
pub mod audits;
pub mod calendar;
pub mod dashboard;
pub mod drills;
pub mod evidence_form;
pub mod health;
pub mod incidents;
pub mod inventory;
pub mod inventory_import;
pub mod inventory_round;
pub mod lang;
pub mod obligations;
pub mod outbox;
pub mod plan;
pub mod restricted;
pub mod risk;
pub mod sign_in;
pub mod tokens;
pub mod training;
pub mod training_person;
pub mod users;

/// The text of a `?notice=` a page was sent with, in the person's language; "" for none or an
/// unknown one.
pub fn notice_text(t: &crate::i18n::Locale, notice: Option<&str>) -> String {
    notice_key(notice).map(|k| t.t(k)).unwrap_or_default()
}

/// Messages a redirect may ask a page to show (`?notice=…`); anything else is ignored, so a
/// link cannot make Anwei display arbitrary text.
pub fn notice_key(notice: Option<&str>) -> Option<&'static str> {
    const KNOWN: [&str; 56] = [
        "notice-finding-added",
        "notice-finding-reviewed",
        "notice-audit-planned",
        "notice-audit-answered",
        "notice-restricted-removed",
        "notice-restricted-recorded",
        "notice-restricted-approved",
        "notice-restricted-withdrawn",
        "notice-risk-opened",
        "notice-risk-exempted",
        "notice-risk-scales-saved",
        "notice-risk-added",
        "notice-risk-completed",
        "notice-risk-saved",
        "notice-risk-deleted",
        "notice-risk-approved",
        "notice-asset-disposed",
        "notice-round-opened",
        "notice-round-signed-off",
        "notice-asset-confirmed",
        "notice-asset-saved",
        "notice-asset-deleted",
        "notice-plan-draft",
        "notice-plan-saved",
        "notice-plan-submit",
        "notice-plan-approve",
        "notice-plan-return",
        "notice-plan-publish",
        "notice-policy-acknowledged",
        "notice-plan-added",
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
        "notice-password-reset-sent",
        "notice-totp-enrolled",
        "notice-level-proposed",
        "notice-level-decided",
    ];
    let n = notice?;
    KNOWN
        .into_iter()
        .find(|k| k.strip_prefix("notice-") == Some(n))
}

/// This year in Taipei.
pub fn this_year(app: &crate::state::AppState) -> i32 {
    anwei_domain::roc::RocDate::of_instant(app.clock.now())
        .date()
        .year()
}

/// A `?year=` as typed: empty means this year; outside 2019–2100 is refused next to the field.
pub fn parse_year(
    app: &crate::state::AppState,
    raw: Option<&str>,
) -> Result<i32, crate::error::AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(this_year(app)),
        Some(s) => s
            .parse::<i32>()
            .ok()
            .filter(|y| (2019..=2100).contains(y))
            .ok_or_else(|| anwei_domain::FieldError::new("year", "err-year").into()),
    }
}

/// A whole number from the query (a page, a page size) between 1 and `max`; empty means
/// `default`; anything else is refused next to the field.
pub fn page_number(
    field: &'static str,
    raw: Option<&str>,
    default: i64,
    max: i64,
) -> Result<i64, crate::error::AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                anwei_domain::FieldError::new(field, "err-number-range")
                    .with("min", 1)
                    .with("max", max)
                    .into()
            }),
    }
}
