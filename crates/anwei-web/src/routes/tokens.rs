//! Personal API tokens: each person manages only their own. A new token is shown once, on the
//! page that creates it; Anwei keeps only its digest.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, render};
use crate::routes::notice_key;
use crate::state::AppState;
use anwei_domain::agency::parse_line;
use anwei_domain::secret;
use anwei_store::tokens::TokenRow;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage<'a> {
    t: &'a Locale,
    c: Chrome,
    tokens: Vec<TokenRow>,
    new_token: String,
    name: String,
    errors: FormErrors,
    notice: String,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    new_token: String,
    name: String,
    errors: FormErrors,
    notice: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = TokensPage {
        t,
        c: Chrome::for_user(app, t, user, "/tokens"),
        tokens: app.store.tokens_of(user.session.user_id).await?,
        new_token,
        name,
        errors,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

async fn list(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = notice_key(q.notice.as_deref())
        .map(|k| t.t(k))
        .unwrap_or_default();
    page(
        &app,
        &t,
        &user,
        String::new(),
        String::new(),
        FormErrors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

async fn create(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    let name = match parse_line("name", &f.name, 1, 60) {
        Ok(n) => n,
        Err(e) => {
            let errors = FormErrors::from_fields(&t, &[e]);
            return page(
                &app,
                &t,
                &user,
                String::new(),
                f.name,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (token, digest, prefix) = secret::new_api_token();
    app.store
        .create_token(
            &user.actor,
            user.session.user_id,
            user.session.agency_id,
            &name,
            &digest,
            &prefix,
            app.clock.now(),
        )
        .await?;
    page(
        &app,
        &t,
        &user,
        token,
        String::new(),
        FormErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

async fn revoke(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    app.store
        .revoke_token(
            &user.actor,
            user.session.user_id,
            user.session.agency_id,
            id,
            app.clock.now(),
        )
        .await?;
    Ok(redirect("/tokens?notice=token-revoked"))
}
