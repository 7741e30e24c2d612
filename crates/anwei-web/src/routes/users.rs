//! Accounts of an agency: create, disable (at once: seed 玖.二.(二).3), enable, unlock, re-role,
//! send a password reset link. Nobody can change their own role or disable themselves, so an
//! agency cannot lose its last manager by a slip; administrator accounts are never turned into
//! daily accounts. Separation of duties (seed 玖.二.(三)): nobody grants a role, or manages an
//! account holding one, unless `granted_by` in `catalog/roles.toml` lets them
//! ([`RoleCatalog::may_grant`]); nobody sets another person's password — a reset is a link
//! mailed to the person, who chooses the new one.

use crate::auth::{CurrentUser, hash_blocking};
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, Paging, render};
use crate::routes::notice_text;
use crate::scope::{Owned, Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::account_mail::password_reset_link;
use anwei_domain::agency::AgencyPath;
use anwei_domain::agency::parse_line;
use anwei_domain::rbac::{Permission, RoleCatalog};
use anwei_domain::secret;
use anwei_domain::user::{Role, Username, parse_email};
use anwei_store::StoreError;
use anwei_store::agencies::AgencyRow;
use anwei_store::agencies::AgencyScope;
use anwei_store::users::{NewUser, PasswordResetMail, UserRow};
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
        .route("/agencies/{code}/users", get(list).post(create))
        .route("/agencies/{code}/users/new", get(new_form))
        .route("/users/{id}", get(show))
        .route("/users/{id}/role", post(set_role))
        .route("/users/{id}/{action}", post(set_state))
        .route("/users/{id}/password", post(reset_password))
}

pub struct UserLine {
    pub u: UserRow,
    pub status_key: &'static str,
}

pub fn status_key(u: &UserRow, now: time::OffsetDateTime) -> &'static str {
    if u.disabled_at.is_some() {
        "user-status-disabled"
    } else if u.locked_until.is_some_and(|t| t > now) {
        "user-status-locked"
    } else if u.must_change_password {
        "user-status-must-change"
    } else {
        "user-status-active"
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    lines: Vec<UserLine>,
    can_manage: bool,
    notice: String,
    pages: Paging,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list(
    scope: Scoped<need::UserRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let now = app.clock.now();
    let page_no = crate::routes::page_number("page", q.page.as_deref(), 1, 1_000_000)?;
    let per_page = crate::routes::page_number("per_page", q.per_page.as_deref(), 50, 200)?;
    let (rows, total) = app
        .store
        .users_page(&user.actor, a.id, page_no, per_page)
        .await?;
    let pages = Paging::new(
        page_no,
        per_page,
        total,
        &format!("/agencies/{}/users", a.code),
        &[],
    );
    let lines = rows
        .into_iter()
        .map(|u| UserLine {
            status_key: status_key(&u, now),
            u,
        })
        .collect();
    let page = ListPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/users", a.code)),
        can_manage: user
            .require(&app, Permission::UserManage, &a.agency_path())
            .is_ok(),
        notice: notice_text(&t, q.notice.as_deref()),
        lines,
        pages,
        a,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    f: UserForm,
    errors: FormErrors,
    roles: Vec<Opt>,
    rules: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

/// A new account's fields, parsed; every problem reported at once.
pub struct ParsedUser {
    pub username: Username,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
}

impl UserForm {
    pub fn parse(&self, app: &AppState) -> Result<ParsedUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let username = Username::parse(&self.username)
            .map_err(|e| errors.push(e))
            .ok();
        let display_name = parse_line("display_name", &self.display_name, 1, 50)
            .map_err(|e| errors.push(e))
            .ok();
        let email = parse_email(&self.email).map_err(|e| errors.push(e)).ok();
        let role = Role::parse_assignable(&self.role)
            .map_err(|e| errors.push(e))
            .ok();
        if let Err(mut e) = app.catalog.account_policy.check_strength(
            &self.password,
            username.as_ref().map(Username::as_str).unwrap_or(""),
        ) {
            e.field = "password";
            errors.push(e);
        }
        match (username, display_name, email, role) {
            (Some(username), Some(display_name), Some(email), Some(role)) if errors.is_empty() => {
                Ok(ParsedUser {
                    username,
                    display_name,
                    email,
                    role,
                })
            }
            _ => Err(errors),
        }
    }
}

impl ParsedUser {
    /// Creates the account in `agency` with an initial password, which the person must change at
    /// first sign-in (附表十: 預設通行碼於首次登入時立即變更).
    pub async fn create(
        &self,
        app: &AppState,
        user: &CurrentUser,
        agency: &AgencyRow,
        password: String,
    ) -> Result<Uuid, AppError> {
        check_grant(app, user, self.role, Some(&agency.agency_path()))?;
        let hash = hash_blocking(password).await?;
        let new = NewUser {
            agency_id: Some(agency.id),
            username: &self.username,
            display_name: &self.display_name,
            email: self.email.as_deref(),
            role: self.role,
            password_hash: &hash,
            must_change_password: true,
        };
        Ok(app
            .store
            .create_user(&user.actor, new, app.clock.now())
            .await?)
    }
}

/// Refuses a role the actor may not grant (or an account holding one they may not manage), next
/// to the role field.
pub fn check_grant(
    app: &AppState,
    user: &CurrentUser,
    role: Role,
    target: Option<&AgencyPath>,
) -> Result<(), AppError> {
    if app.catalog.roles.may_grant(&user.principal, role, target) {
        Ok(())
    } else {
        Err(AppError::Refused(vec![FieldError::new(
            "role",
            "err-role-not-grantable",
        )]))
    }
}

/// The roles the actor may give to an account of `target`, for the role choices.
fn grantable(
    roles: &RoleCatalog,
    user: &CurrentUser,
    target: Option<&AgencyPath>,
) -> Vec<&'static str> {
    Role::ASSIGNABLE
        .into_iter()
        .filter(|r| roles.may_grant(&user.principal, *r, target))
        .map(Role::as_str)
        .collect()
}

fn rules(app: &AppState, t: &Locale) -> String {
    let p = &app.catalog.account_policy.password;
    t.f(
        "password-rules-initial",
        &[
            ("min", p.min_length.to_string()),
            ("classes", p.min_classes.to_string()),
        ],
    )
}

fn form_page<'a>(
    app: &AppState,
    t: &'a Locale,
    user: &CurrentUser,
    a: AgencyScope,
    f: UserForm,
    errors: FormErrors,
) -> FormPage<'a> {
    let roles = options(
        t,
        &grantable(&app.catalog.roles, user, Some(&a.agency_path())),
        "role-",
        &f.role,
    );
    FormPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/users/new", a.code)),
        a,
        roles,
        f,
        errors,
        rules: rules(app, t),
    }
}

async fn new_form(
    scope: Scoped<need::UserManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let f = UserForm {
        role: "staff".into(),
        ..Default::default()
    };
    Ok(render(&form_page(&app, &t, &user, a, f, FormErrors::default()))?.into_response())
}

async fn create(
    scope: Scoped<need::UserManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<UserForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let parsed = match f.parse(&app) {
        Ok(p) => p,
        Err(errors) => {
            let mut f = f;
            f.password.clear();
            let page = form_page(&app, &t, &user, a, f, FormErrors::from_fields(&t, &errors));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    match parsed.create(&app, &user, &a, f.password.clone()).await {
        Ok(id) => Ok(redirect(&format!("/users/{id}?notice=user-created"))),
        Err(AppError::Refused(errors)) => {
            let mut f = f;
            f.password.clear();
            let page = form_page(&app, &t, &user, a, f, FormErrors::from_fields(&t, &errors));
            Ok((StatusCode::FORBIDDEN, render(&page)?).into_response())
        }
        Err(AppError::Store(StoreError::Conflict { .. })) => {
            let mut f = f;
            f.password.clear();
            let errors = [FieldError::new("username", "err-taken")];
            let page = form_page(&app, &t, &user, a, f, FormErrors::from_fields(&t, &errors));
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct ShowPage<'a> {
    t: &'a Locale,
    c: Chrome,
    u: UserRow,
    status: &'static str,
    can_manage: bool,
    is_self: bool,
    is_admin_account: bool,
    roles: Vec<Opt>,
    has_email: bool,
    notice: String,
    errors: FormErrors,
}

/// Whether the actor may manage an account they see ([`Owned`] checked that they do).
fn may_manage(app: &AppState, user: &CurrentUser, u: &UserRow) -> Result<bool, AppError> {
    let role = u
        .role()
        .ok_or_else(|| AppError::Internal(format!("stored role {}", u.role)))?;
    Ok(match &u.agency_path {
        Some(p) => {
            let p = AgencyPath::from_stored(p.clone());
            app.catalog.roles.may_grant(&user.principal, role, Some(&p))
        }
        // Administrator accounts: only administrators see them, and they manage them.
        None => user.role.is_admin(),
    })
}

async fn show_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    u: UserRow,
    notice: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let can_manage = may_manage(app, user, &u)?;
    let page = ShowPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/users/{}", u.id)),
        status: status_key(&u, app.clock.now()),
        is_self: u.id == user.session.user_id,
        is_admin_account: u.role == Role::Admin.as_str(),
        can_manage,
        roles: options(
            t,
            &grantable(
                &app.catalog.roles,
                user,
                u.agency_path.clone().map(AgencyPath::from_stored).as_ref(),
            ),
            "role-",
            &u.role,
        ),
        has_email: u.email.is_some(),
        notice,
        errors,
        u,
    };
    Ok((status, render(&page)?).into_response())
}

async fn show(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: u, user, ..
    }: Owned<UserRow, need::UserRead>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = notice_text(&t, q.notice.as_deref());
    show_page(
        &app,
        &t,
        &user,
        u,
        notice,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A change to another account: the actor must manage it, and it must not be their own.
fn manageable(app: &AppState, user: &CurrentUser, u: &UserRow) -> Result<(), AppError> {
    if !may_manage(app, user, u)? || u.id == user.session.user_id {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

fn done(id: Uuid) -> Response {
    redirect(&format!("/users/{id}?notice=user-updated"))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: u, user, ..
    }: Owned<UserRow, need::UserRead>,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    manageable(&app, &user, &u)?;
    let id = u.id;
    if u.role == Role::Admin.as_str() {
        return Err(AppError::Forbidden);
    }
    let refused = |errors: Vec<FieldError>, status| {
        show_page(
            &app,
            &t,
            &user,
            u.clone(),
            String::new(),
            FormErrors::from_fields(&t, &errors),
            status,
        )
    };
    let path = u.agency_path.clone().map(AgencyPath::from_stored);
    match Role::parse_assignable(&f.role) {
        Ok(role)
            if !app
                .catalog
                .roles
                .may_grant(&user.principal, role, path.as_ref()) =>
        {
            refused(
                vec![FieldError::new("role", "err-role-not-grantable")],
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Ok(role) => {
            app.store
                .set_user_role(&user.actor, &u, role, app.clock.now())
                .await?;
            Ok(done(id))
        }
        Err(e) => refused(vec![e], StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// Disabling (effective at once: seed 玖.二.(二).3), re-enabling and unlocking an account.
async fn set_state(
    State(app): State<AppState>,
    Owned {
        record: u, user, ..
    }: Owned<UserRow, need::UserRead>,
    Path((_, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    manageable(&app, &user, &u)?;
    let id = u.id;
    let now = app.clock.now();
    match action.as_str() {
        "disable" => {
            app.store
                .set_user_disabled(&user.actor, &u, true, now)
                .await?
        }
        "enable" => {
            app.store
                .set_user_disabled(&user.actor, &u, false, now)
                .await?
        }
        "unlock" => app.store.unlock_user(&user.actor, &u, now).await?,
        _ => return Err(AppError::NotFound),
    }
    Ok(done(id))
}

/// Mails the person a one-time link to choose a new password. Whoever asks never sees the link;
/// an account without an e-mail address is refused beside the button.
async fn reset_password(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: u, user, ..
    }: Owned<UserRow, need::UserRead>,
) -> Result<Response, AppError> {
    manageable(&app, &user, &u)?;
    let id = u.id;
    let Some(to) = u.email.clone() else {
        return show_page(
            &app,
            &t,
            &user,
            u,
            String::new(),
            FormErrors::from_fields(&t, &[FieldError::new("reset", "err-reset-needs-email")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = app.clock.now();
    let token = secret::random_token("");
    let digest = secret::digest(&token);
    let expires_at =
        now + time::Duration::hours(app.catalog.account_policy.password.reset_link_hours);
    // Never from the request's Host header, which whoever asks for the reset controls.
    let link = format!("{}/reset/{token}", app.config.link_base());
    let (subject, body) = password_reset_link(&u.display_name, &u.username, &link, expires_at);
    app.store
        .request_password_reset(
            &user.actor,
            &u,
            PasswordResetMail {
                digest: &digest,
                expires_at,
                to_addr: &to,
                subject: &subject,
                body: &body,
            },
            now,
        )
        .await?;
    Ok(redirect(&format!("/users/{id}?notice=password-reset-sent")))
}
