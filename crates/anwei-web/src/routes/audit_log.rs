//! The audit log, read by those the plan makes responsible for oversight: the 資通安全長 for their
//! agency, a supervisor's auditor for the subtree. Filterable by agency, person, action and
//! date; the filter form works without JavaScript and, with htmx, refreshes only the table.

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, render};
use crate::scope::visible_agency;
use crate::state::AppState;
use anwei_domain::agency::parse_line;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::{TAIPEI, parse_date_input};
use anwei_store::agencies::AgencyRow;
use anwei_store::audit::{AuditEntry, AuditFilter, PAGE_SIZE};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use time::{Duration, OffsetDateTime, Time};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    t: &'a Locale,
    c: Chrome,
    q: AuditQuery,
    agencies: Vec<AgencyRow>,
    entries: Vec<AuditEntry>,
    page: i64,
    page_no: i64,
    has_more: bool,
    errors: FormErrors,
    prev_href: String,
    next_href: String,
}

fn start_of_day(d: time::Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT)
        .assume_offset(TAIPEI)
        .to_offset(time::UtcOffset::UTC)
}

fn href(q: &AuditQuery, page: i64) -> String {
    let pairs = [
        ("agency", q.agency.as_str()),
        ("actor", q.actor.as_str()),
        ("action", q.action.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
    ];
    let mut s = serde_urlencoded::to_string(
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    if !s.is_empty() {
        s.push('&');
    }
    format!("/audit?{s}page={page}")
}

/// Turns the query into a store filter; dates are whole Taipei days, `to` inclusive.
pub async fn filter_of(
    app: &AppState,
    user: &CurrentUser,
    q: &AuditQuery,
) -> Result<Result<AuditFilter, Vec<anwei_domain::FieldError>>, AppError> {
    let mut errors = Vec::new();
    let mut filter = AuditFilter::default();
    if !q.agency.trim().is_empty() {
        let a = visible_agency(app, user, &q.agency).await?;
        user.require(app, Permission::AuditRead, &a.agency_path())?;
        filter.agency_id = Some(a.id);
    }
    match parse_line("actor", &q.actor, 0, 64) {
        Ok(a) => filter.actor_label = (!a.is_empty()).then_some(a),
        Err(e) => errors.push(e),
    }
    match parse_line("action", &q.action, 0, 64) {
        Ok(a) => filter.action_prefix = (!a.is_empty()).then_some(a),
        Err(e) => errors.push(e),
    }
    match parse_date_input("from", &q.from) {
        Ok(d) => filter.from = d.map(start_of_day),
        Err(e) => errors.push(e),
    }
    match parse_date_input("to", &q.to) {
        Ok(d) => filter.until = d.map(|d| start_of_day(d) + Duration::days(1)),
        Err(e) => errors.push(e),
    }
    Ok(if errors.is_empty() {
        Ok(filter)
    } else {
        Err(errors)
    })
}

async fn audit_page(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    // The agency filter is resolved first, so another tenant's agency is a 404 whatever the role.
    let filter = filter_of(&app, &user, &q).await?;
    user.require_global(&app, Permission::AuditRead)?;
    let page = q.page.unwrap_or(0).clamp(0, 100_000);
    let (mut entries, errors) = match filter {
        Ok(filter) => (
            app.store.audit_events(&user.actor, &filter, page).await?,
            Vec::new(),
        ),
        Err(errors) => (Vec::new(), errors),
    };
    let has_more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = AuditPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, "/audit"),
        agencies: app.store.agencies(&user.actor).await?,
        prev_href: href(&q, page - 1),
        next_href: href(&q, page + 1),
        q,
        entries,
        page,
        page_no: page + 1,
        has_more,
        errors: FormErrors::from_fields(&t, &errors),
    };
    Ok((status, render(&body)?).into_response())
}
