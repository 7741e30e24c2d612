//! Personal API tokens: each person manages only their own. A new token is shown once, on the
//! page that creates it; Anwei keeps only its digest.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, Outcome, render};
use crate::routes::notice_text;
use crate::state::AppState;
use anwei_domain::agency::parse_line;
use anwei_domain::secret;
use anwei_store::tokens::{NewToken, TokenRow};
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
    /// The token just created, shown this once.
    new_token: String,
    o: Outcome,
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
    o: Outcome,
) -> Result<Response, AppError> {
    let status = o.status;
    let page = TokensPage {
        t,
        c: Chrome::for_user(app, t, user, "/tokens"),
        tokens: app.store.tokens_of(user.session.user_id).await?,
        new_token,
        o,
    };
    Ok((status, render(&page)?).into_response())
}

async fn list(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = notice_text(&t, q.notice.as_deref());
    page(&app, &t, &user, String::new(), Outcome::ok(notice)).await
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
            let o = Outcome::rejected(
                FormErrors::from_fields(&t, &[e]),
                f.name,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            return page(&app, &t, &user, String::new(), o).await;
        }
    };
    let (token, digest, prefix) = secret::new_api_token();
    let new = NewToken {
        user_id: user.session.user_id,
        agency_id: user.session.agency_id,
        name: &name,
        digest: &digest,
        prefix: &prefix,
    };
    app.store
        .create_token(&user.actor, new, app.clock.now())
        .await?;
    page(&app, &t, &user, token, Outcome::ok(String::new())).await
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
