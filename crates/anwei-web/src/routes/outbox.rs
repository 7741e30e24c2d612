//! The mail outbox as administrators see it: what is waiting, what was sent, and what failed
//! (after its retries) with the SMTP server's answer — so that a reminder that never arrived is
//! visible and can be sent again, never silently lost.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::Locale;
use crate::pages::{Chrome, render};
use crate::routes::notice_text;
use crate::state::AppState;
use anwei_domain::rbac::Permission;
use anwei_store::outbox::OutboxRow;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(list))
        .route("/outbox/{id}/retry", post(retry))
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage<'a> {
    t: &'a Locale,
    c: Chrome,
    rows: Vec<OutboxRow>,
    mail_configured: bool,
    notice: String,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::AuditRead)?;
    let page = OutboxPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, "/outbox"),
        rows: app.store.outbox(&user.actor, 300).await?,
        mail_configured: app.config.mail_configured,
        notice: notice_text(&t, q.notice.as_deref()),
    };
    Ok(render(&page)?.into_response())
}

async fn retry(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::AuditRead)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    if app
        .store
        .retry_mail(&user.actor, id, app.clock.now())
        .await?
    {
        Ok(redirect("/outbox?notice=mail-requeued"))
    } else {
        Err(AppError::NotFound)
    }
}
