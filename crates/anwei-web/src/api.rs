//! JSON API for scripts, under `/api/v1`, authenticated with a personal token
//! (`Authorization: Bearer anwei_…`). The same authorisation and store calls as the pages; errors
//! are JSON problems in the requester's language (see `error::render_errors`).

use crate::auth::ApiUser;
use crate::error::AppError;
use crate::routes::audit_log::{AuditQuery, filter_of};
use crate::routes::users::UserForm;
use crate::scope::{Owned, Scoped, need};
use crate::state::AppState;
use anwei_domain::rbac::Permission;
use anwei_store::agencies::{AgencyRow, HostedSystemRow};
use anwei_store::audit::{AuditEntry, PAGE_SIZE};
use anwei_store::incidents::IncidentRow;
use anwei_store::users::UserRow;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/agencies", get(agencies))
        .route("/agencies/{code}", get(agency))
        .route("/agencies/{code}/users", get(users).post(create_user))
        .route("/audit-events", get(audit_events))
        .route("/incidents", get(incidents))
        .route("/incidents/{id}", get(incident))
        .route(
            "/agencies/{code}/incidents",
            axum::routing::post(file_incident),
        )
        .route("/agencies/{code}/checklist", get(checklist))
        .merge(crate::routes::inventory::api_router())
        .fallback(|| async { AppError::NotFound })
}

async fn me(ApiUser(user): ApiUser) -> Json<Value> {
    Json(json!({
        "id": user.session.user_id,
        "username": user.session.username,
        "display_name": user.session.display_name,
        "role": user.role.as_str(),
        "agency": user.session.agency_code.as_ref().map(|code| json!({
            "code": code,
            "name": user.session.agency_name,
        })),
    }))
}

async fn agencies(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<AgencyRow>>, AppError> {
    user.require_global(&app, Permission::AgencyRead)?;
    Ok(Json(app.store.agencies(&user.actor).await?))
}

#[derive(Serialize)]
struct AgencyDetail {
    #[serde(flatten)]
    agency: AgencyRow,
    hosted_systems: Vec<HostedSystemRow>,
}

async fn agency(
    State(app): State<AppState>,
    scope: Scoped<need::AgencyRead, ApiUser>,
) -> Result<Json<AgencyDetail>, AppError> {
    let a = scope.agency;
    Ok(Json(AgencyDetail {
        hosted_systems: app.store.hosted_systems(&a).await?,
        agency: a.into_row(),
    }))
}

async fn users(
    State(app): State<AppState>,
    scope: Scoped<need::UserRead, ApiUser>,
) -> Result<Json<Vec<UserRow>>, AppError> {
    let (a, user) = scope.into_parts();
    Ok(Json(app.store.users_of_agency(&user.actor, a.id).await?))
}

async fn create_user(
    State(app): State<AppState>,
    scope: Scoped<need::UserManage, ApiUser>,
    body: Result<Json<UserForm>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (a, user) = scope.into_parts();
    let f = crate::error::json_body(body)?;
    let parsed = f.parse(&app).map_err(AppError::Invalid)?;
    let id = parsed.create(&app, &user, &a, f.password.clone()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "username": parsed.username.as_str() })),
    ))
}

#[derive(Serialize)]
struct AuditPageJson {
    events: Vec<AuditEntry>,
    page: i64,
    has_more: bool,
}

async fn audit_events(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPageJson>, AppError> {
    user.require_global(&app, Permission::AuditRead)?;
    let filter = filter_of(&app, &user, &q)
        .await?
        .map_err(AppError::Invalid)?;
    let page = q.page.unwrap_or(0).clamp(0, 100_000);
    let mut events = app.store.audit_events(&user.actor, &filter, page).await?;
    let has_more = events.len() as i64 > PAGE_SIZE;
    events.truncate(PAGE_SIZE as usize);
    Ok(Json(AuditPageJson {
        events,
        page,
        has_more,
    }))
}

// ---- incidents ----

fn deadline_json(d: &crate::routes::incidents::DeadlineView) -> Value {
    json!({
        "kind": d.label_key.trim_start_matches("clock-").replace('-', "_"),
        "level": d.level,
        "due": d.due_rfc3339,
        "rule": d.rule,
        "uncertain": d.uncertain,
        "done_at": d.done_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
        "late": d.late,
        "overdue": d.overdue,
    })
}

async fn incidents(
    State(app): State<AppState>,
    t: crate::i18n::Locale,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Value>>, AppError> {
    user.require_global(&app, Permission::IncidentRead)?;
    let lines = crate::routes::incidents::incident_lines(&app, &t, &user, true).await?;
    Ok(Json(
        lines
            .iter()
            .map(|l| {
                json!({
                    "id": l.i.id,
                    "agency": l.i.agency_code,
                    "title": l.i.title,
                    "status": l.i.status,
                    "level": l.level,
                    "aware_at": l.i.aware_at.format(&time::format_description::well_known::Rfc3339).ok(),
                    "next_deadline": l.next.as_ref().map(deadline_json),
                    "awaiting_my_review": l.awaiting_my_review,
                })
            })
            .collect(),
    ))
}

async fn incident(
    State(app): State<AppState>,
    t: crate::i18n::Locale,
    Owned { record: i, .. }: Owned<IncidentRow, need::IncidentRead, ApiUser>,
) -> Result<Json<Value>, AppError> {
    let (level, deadlines) = crate::routes::incidents::incident_deadlines(&app, &t, &i).await?;
    Ok(Json(json!({
        "incident": i,
        "level": level,
        "deadlines": deadlines.iter().map(deadline_json).collect::<Vec<_>>(),
    })))
}

async fn file_incident(
    State(app): State<AppState>,
    scope: Scoped<need::IncidentReport, ApiUser>,
    body: Result<Json<anwei_domain::incident::RawFiling>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (a, user) = scope.into_parts();
    let raw = crate::error::json_body(body)?;
    let now = app.clock.now();
    let filing = app
        .catalog
        .incidents
        .parse_filing(&raw, now)
        .map_err(AppError::Invalid)?;
    let id = app
        .store
        .create_incident(&user.actor, a.id, &filing, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "id": id, "level": filing.level.get(), "proposed_level": filing.proposed_level.get() }),
        ),
    ))
}

#[derive(serde::Deserialize)]
struct ChecklistQuery {
    year: Option<String>,
    checklist: Option<String>,
}

/// The audit checklist with Anwei's proposed answers (`?year=2026&checklist=gov-115`), as
/// `anwei checklist --format json` prints it.
async fn checklist(
    State(app): State<AppState>,
    t: crate::i18n::Locale,
    scope: Scoped<need::ObligationRead, ApiUser>,
    Query(q): Query<ChecklistQuery>,
) -> Result<Json<Value>, AppError> {
    let (a, user) = scope.into_parts();
    let year = crate::routes::parse_year(&app, q.year.as_deref())?;
    let cx = app.cx();
    let (c, proposals) =
        anwei_app::audits::proposals(&cx, &user.actor, &a, year, q.checklist.as_deref()).await?;
    Ok(Json(anwei_app::audits::proposals_json(
        &t, cx.catalog, &a, year, c, &proposals,
    )))
}
