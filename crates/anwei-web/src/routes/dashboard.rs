//! The landing page. What it shows follows the person's permissions: their agency and its
//! centrally hosted systems for everyone; the agencies below for supervisors and auditors; recent
//! audit events for those who may read them; and the state of their own account.

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::pages::{Chrome, render};
use crate::routes::notice_text;
use crate::routes::obligations::{TaskLine, task_line};
use crate::state::AppState;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::RocDate;
use anwei_store::agencies::AgencyScope;
use anwei_store::agencies::{AgencyRow, HostedSystemRow};
use anwei_store::audit::{AuditEntry, AuditFilter};
use anwei_store::obligations::TaskSummary;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// How many agencies below their own a supervisor's landing page lists.
const DASHBOARD_AGENCIES: usize = 50;

pub struct AgencyLine {
    pub row: AgencyRow,
    pub users: i64,
    pub indent: usize,
    /// This year's duties, when the person may read them.
    pub duties: Option<TaskSummary>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    t: &'a Locale,
    c: Chrome,
    notice: String,
    agency: Option<AgencyScope>,
    systems: Vec<HostedSystemRow>,
    below: Vec<AgencyLine>,
    below_total: usize,
    recent: Vec<AuditEntry>,
    password_expires: String,
    password_days_left: i64,
    totp_enabled: bool,
    is_admin: bool,
    can_audit: bool,
    incidents: Vec<crate::routes::incidents::IncidentLine>,
    now_rfc3339: String,
    own_duties: Option<TaskSummary>,
    /// The catalog's 「即將到期」 window, for the label.
    due_soon_days: i64,
    my_tasks: Vec<TaskLine>,
    show_duties: bool,
    year: i32,
    /// The signed-in person's own training hours: (general, professional) as
    /// (required, done, missing), found by their account's e-mail among the agency's people.
    my_training: Option<(Hours, Hours, bool)>,
}

#[derive(Deserialize)]
struct DashQuery {
    notice: Option<String>,
}

async fn dashboard(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<DashQuery>,
) -> Result<Html<String>, AppError> {
    user.require_global(&app, Permission::DashboardView)?;
    let now = app.clock.now();
    let agency = match user.session.agency_id {
        Some(id) => app.store.agency_by_id(&user.actor, id).await?,
        None => None,
    };
    let systems = match &agency {
        Some(a) => app.store.hosted_systems(a).await?,
        None => Vec::new(),
    };
    let today = RocDate::of_instant(now).date();
    let year = today.year();
    let show_duties = user.can(&app, Permission::ObligationRead);
    let summaries = duty_summaries(&app, &user, today).await?;
    let own_duties = agency.as_ref().and_then(|a| summaries.get(&a.id).cloned());
    let my_tasks: Vec<TaskLine> = if show_duties {
        app.store
            .tasks_of_user(user.session.user_id, today - time::Duration::days(730))
            .await?
            .into_iter()
            .filter(|r| !r.status().is_closed())
            .take(6)
            .map(|r| task_line(&app, &t, r, today))
            .collect()
    } else {
        Vec::new()
    };
    let my_training = match (&agency, show_duties) {
        (Some(a), true) => my_training(&app, &user, a, today).await?,
        _ => None,
    };
    let mut below: Vec<AgencyLine> = agency_lines(&app, &user, &summaries)
        .await?
        .into_iter()
        .filter(|l| agency.as_ref().is_none_or(|own| own.id != l.row.id))
        .map(|mut l| {
            l.indent = l.indent.saturating_sub(usize::from(agency.is_some()));
            l
        })
        .collect();
    // A city has hundreds of schools and the ministry thousands: the landing page shows the
    // agencies that most need attention (most overdue, then lowest rate); /agencies lists all.
    let below_total = below.len();
    if below_total > DASHBOARD_AGENCIES && show_duties {
        below.sort_by_key(|l| {
            let d = l.duties.as_ref();
            (
                std::cmp::Reverse(d.map_or(0, |d| d.overdue)),
                d.map_or(100, TaskSummary::percent_met),
                l.row.path.clone(),
            )
        });
        for l in &mut below {
            l.indent = 0;
        }
    }
    below.truncate(DASHBOARD_AGENCIES);
    let can_audit = user.can(&app, Permission::AuditRead);
    let recent = if can_audit {
        let mut r = app
            .store
            .audit_events(&user.actor, &AuditFilter::default(), 0)
            .await?;
        r.truncate(8);
        r
    } else {
        Vec::new()
    };
    // Open incidents with their next deadline: a missed notification should be hard to miss.
    let incidents = if user.can(&app, Permission::IncidentRead) {
        let mut lines = crate::routes::incidents::incident_lines(&app, &t, &user, false).await?;
        lines.truncate(10);
        lines
    } else {
        Vec::new()
    };
    let row = app
        .store
        .login_row(user.session.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expires = app
        .catalog
        .account_policy
        .password_expires_at(row.password_changed_at);
    let page = DashboardPage {
        due_soon_days: app.catalog.obligations.reminders.due_soon_days,
        t: &t,
        c: Chrome::for_user(&app, &t, &user, "/"),
        notice: notice_text(&t, q.notice.as_deref()),
        agency,
        systems,
        below,
        below_total,
        recent,
        password_expires: t.datetime(&expires),
        password_days_left: (expires - now).whole_days().max(0),
        totp_enabled: row.totp_secret.is_some(),
        is_admin: user.role.is_admin(),
        can_audit,
        incidents,
        now_rfc3339: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        own_duties,
        my_tasks,
        show_duties,
        year,
        my_training,
    };
    render(&page)
}

/// Every agency within the person's reach in tree order, with its accounts and, for those who
/// may read duties, this year's summary; indented from the shallowest.
pub async fn agency_lines(
    app: &AppState,
    user: &CurrentUser,
    summaries: &HashMap<Uuid, TaskSummary>,
) -> Result<Vec<AgencyLine>, AppError> {
    let rows = app.store.agencies(&user.actor).await?;
    let counts: HashMap<Uuid, i64> = app
        .store
        .user_counts(&user.actor)
        .await?
        .into_iter()
        .collect();
    let min_depth = rows.iter().map(AgencyRow::depth).min().unwrap_or(1);
    Ok(rows
        .into_iter()
        .map(|row| AgencyLine {
            duties: summaries.get(&row.id).cloned(),
            users: counts.get(&row.id).copied().unwrap_or(0),
            indent: row.depth() - min_depth,
            row,
        })
        .collect())
}

/// This year's duty summaries within the person's reach (none without the right to read them).
pub async fn duty_summaries(
    app: &AppState,
    user: &CurrentUser,
    today: time::Date,
) -> Result<HashMap<Uuid, TaskSummary>, AppError> {
    if !user.can(app, Permission::ObligationRead) {
        return Ok(HashMap::new());
    }
    Ok(app
        .store
        .task_summaries(
            &user.actor,
            today.year(),
            today,
            app.catalog.obligations.reminders.due_soon_until(today),
        )
        .await?
        .into_iter()
        .map(|s| (s.agency_id, s))
        .collect())
}

type Hours = (String, String, String);

/// The person's own ledger line, if one of the agency's people has their account's e-mail.
async fn my_training(
    app: &AppState,
    user: &CurrentUser,
    agency: &AgencyScope,
    today: time::Date,
) -> Result<Option<(Hours, Hours, bool)>, AppError> {
    use crate::routes::training_person::{account_email, is_own};
    let Some(email) = account_email(app, user).await? else {
        return Ok(None);
    };
    let (_, people) = app
        .store
        .training_ledger(&app.catalog.training, agency, today.year(), today)
        .await?;
    let show = |t: (i32, i32, i32)| {
        use anwei_domain::training::show_hours;
        (show_hours(t.0), show_hours(t.1), show_hours(t.2))
    };
    Ok(people
        .into_iter()
        .find(|p| is_own(&p.person, Some(&email)))
        .map(|p| {
            use anwei_domain::training::HourKind;
            (
                show(p.owed(HourKind::General)),
                show(p.owed(HourKind::Professional)),
                p.compliant(),
            )
        }))
}
