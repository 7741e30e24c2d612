//! A person's calendar feed: a secret URL that Google Calendar or Outlook subscribes to. The URL
//! is shown once when created; anyone holding it sees the person's task titles and due dates
//! (nothing else), so it can be replaced or switched off at any time.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::Locale;
use crate::pages::{Chrome, render};
use crate::routes::notice_text;
use crate::state::AppState;
use anwei_domain::ical::{Event, calendar};
use anwei_domain::obligation::Period;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::RocDate;
use anwei_domain::secret;
use anwei_domain::user::Role;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use time::OffsetDateTime;

const FEED_PREFIX: &str = "cal_";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page).post(create))
        .route("/calendar/revoke", post(revoke))
        .route("/calendar/{file}", get(feed))
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage<'a> {
    t: &'a Locale,
    c: Chrome,
    since: Option<OffsetDateTime>,
    /// The URL just created, shown this once.
    new_url: String,
    notice: String,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    match &app.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

async fn render_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    new_url: String,
    notice: String,
) -> Result<Response, AppError> {
    let page = CalendarPage {
        t,
        c: Chrome::for_user(app, t, user, "/calendar"),
        since: app.store.calendar_feed_since(user.session.user_id).await?,
        new_url,
        notice,
    };
    Ok(render(&page)?.into_response())
}

async fn page(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::ObligationRead)?;
    let notice = notice_text(&t, q.notice.as_deref());
    render_page(&app, &t, &user, String::new(), notice).await
}

async fn create(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::ObligationRead)?;
    let secret_value = secret::random_token(FEED_PREFIX);
    app.store
        .create_calendar_feed(
            &user.actor,
            user.session.user_id,
            &secret::digest(&secret_value),
            app.clock.now(),
        )
        .await?;
    let url = format!("{}/calendar/{secret_value}.ics", base_url(&app, &headers));
    render_page(&app, &t, &user, url, t.t("notice-calendar-created")).await
}

async fn revoke(State(app): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    app.store
        .revoke_calendar_feed(&user.actor, user.session.user_id, app.clock.now())
        .await?;
    Ok(redirect("/calendar?notice=calendar-revoked"))
}

/// The feed itself: no session (calendar apps have none), the secret in the URL is the key.
/// Holds the person's own tasks, and for the 承辦人 and 資通安全長 the agency's unassigned ones.
async fn feed(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let secret_value = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if !secret_value.starts_with(FEED_PREFIX) || secret_value.len() > 100 {
        return Err(AppError::NotFound);
    }
    let owner = app
        .store
        .calendar_feed_owner(&secret::digest(secret_value))
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now();
    let today = RocDate::of_instant(now).date();
    let since = today - time::Duration::days(90);
    let mut tasks = app.store.tasks_of_user(owner.user_id, since).await?;
    let role = Role::from_stored(&owner.role);
    if let (Some(agency), Some(role)) = (owner.agency_id, role)
        && app.catalog.roles.has(role, Permission::ObligationManage)
    {
        // the feed's owner's own agency: within their reach by construction
        if let Some(scope) = app
            .store
            .agency_by_id(&anwei_store::Actor::system(), agency)
            .await?
        {
            tasks.extend(app.store.unassigned_tasks(&scope, since).await?);
        }
    }
    tasks.retain(|task| !task.status().is_closed());
    let base = base_url(&app, &headers);
    let texts: Vec<(String, String, String, String)> = tasks
        .iter()
        .map(|task| {
            let o = app.catalog.obligations.get(&task.obligation_key);
            let title = o
                .map(|o| o.title.zh.clone())
                .unwrap_or_else(|| task.obligation_key.clone());
            let period = Period::parse_key(&task.period_key)
                .map(|p| p.label_zh())
                .unwrap_or_default();
            let citation = o
                .and_then(|o| o.citations.last())
                .map(|c| c.text.clone())
                .unwrap_or_default();
            let url = format!("{base}/tasks/{}", task.id);
            (
                format!("{period} {title}"),
                format!("{}\n{citation}\n{url}", task.agency_name),
                url,
                task.id.to_string(),
            )
        })
        .collect();
    let events: Vec<Event<'_>> = tasks
        .iter()
        .zip(&texts)
        .map(|(task, (summary, description, url, id))| Event {
            uid: format!("{id}@anwei"),
            date: task.due_on,
            summary,
            description,
            url,
        })
        .collect();
    let name = format!(
        "安維 · {}",
        owner.agency_name.as_deref().unwrap_or(&owner.display_name)
    );
    let body = calendar(&name, &events, now);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=900"),
        ],
        body,
    )
        .into_response())
}
