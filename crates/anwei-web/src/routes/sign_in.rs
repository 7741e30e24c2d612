//! Signing in, the second factor, changing the password, signing out.
//!
//! The order of the steps is the plan's: a privileged account proves its second factor before
//! anything else — including changing an expired password, which would otherwise let someone
//! holding only the password lock the administrator out. Every attempt, good or bad, is in the
//! audit log (附表十 事件日誌: 記錄登入失敗).

use crate::auth::{
    PartialSession, SessionState, cookie, csrf_cookie_name, hash_blocking, read_cookie,
    session_actor, session_cookie_name, stage_page, verify_blocking,
};
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, render};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::account_mail::account_locked;
use anwei_domain::password::{DECOY_HASH, is_reused};
use anwei_domain::secret;
use anwei_domain::totp::TotpSecret;
use anwei_domain::user::{Role, Username};
use anwei_store::Actor;
use anwei_store::outbox::NewMail;
use anwei_store::sessions::{NewSession, Stage};
use anwei_store::users::LoginRow;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/totp", get(totp_page).post(totp_verify))
        .route("/login/totp/enrol", get(enrol_page).post(totp_enrol))
        .route("/password", get(password_page).post(change_password))
        .route("/reset/{token}", get(reset_page).post(complete_reset))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'a Locale,
    c: Chrome,
    username: String,
    message: String,
    error: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    reason: Option<String>,
}

/// The double-submit token for forms shown before sign-in: reuse the cookie's, or make one.
fn pre_session_token(app: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let secure = app.config.secure_cookies;
    match read_cookie(headers, csrf_cookie_name(secure)) {
        Some(t) if t.len() >= 40 => (t.to_string(), None),
        _ => {
            let t = secret::random_token("");
            let c = cookie(csrf_cookie_name(secure), &t, secure, None);
            (t, c.parse().ok())
        }
    }
}

fn with_cookie(mut resp: Response, c: Option<HeaderValue>) -> Response {
    if let Some(c) = c {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

async fn login_page(
    State(app): State<AppState>,
    t: Locale,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let (csrf, set) = pre_session_token(&app, &headers);
    let message = match q.reason.as_deref() {
        Some("idle") => t.f(
            "login-ended-idle",
            &[(
                "minutes",
                app.catalog.account_policy.session.idle_minutes.to_string(),
            )],
        ),
        Some("expired") => t.t("login-ended-expired"),
        Some("ended") => t.t("login-ended-other"),
        Some("signed_out") => t.t("notice-signed-out"),
        Some("reset") => t.t("notice-password-reset-done"),
        _ => String::new(),
    };
    let page = LoginPage {
        t: &t,
        c: Chrome::anonymous(&t, &csrf, "/login"),
        username: String::new(),
        message,
        error: String::new(),
    };
    Ok(with_cookie(render(&page)?.into_response(), set))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn is_admin(row: &LoginRow) -> bool {
    Role::from_stored(&row.role) == Some(Role::Admin)
}

/// What must happen after the password: the second factor for privileged accounts, then a
/// password change if it expired or was set by someone else.
fn stage_after_password(app: &AppState, row: &LoginRow, now: OffsetDateTime) -> Stage {
    if is_admin(row) && app.catalog.account_policy.privileged.require_totp {
        if row.totp_secret.is_some() {
            Stage::TotpVerify
        } else {
            Stage::TotpEnrol
        }
    } else {
        stage_after_second_factor(app, row, now)
    }
}

fn stage_after_second_factor(app: &AppState, row: &LoginRow, now: OffsetDateTime) -> Stage {
    if row.must_change_password
        || app
            .catalog
            .account_policy
            .password_expired(row.password_changed_at, now)
    {
        Stage::PasswordChange
    } else {
        Stage::Full
    }
}

async fn login(
    State(app): State<AppState>,
    t: Locale,
    headers: HeaderMap,
    Extension(state): Extension<SessionState>,
    Extension(conn): Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = app.clock.now();
    let addr = Some(conn.0.ip().to_string());
    // A username that cannot exist is refused before any lookup (and cannot carry bytes the
    // database would reject).
    let username = Username::parse(&form.username)
        .map(|u| u.as_str().to_string())
        .unwrap_or_default();
    let (csrf, set) = pre_session_token(&app, &headers);
    let fail_page = |error: String| -> Result<Response, AppError> {
        let page = LoginPage {
            t: &t,
            c: Chrome::anonymous(&t, &csrf, "/login"),
            username: form.username.chars().take(64).collect(),
            message: String::new(),
            error,
        };
        Ok(with_cookie(
            (axum::http::StatusCode::UNAUTHORIZED, render(&page)?).into_response(),
            set.clone(),
        ))
    };
    let generic = t.t("login-failed");
    if username.is_empty() || form.password.is_empty() || form.password.chars().count() > 128 {
        return fail_page(generic);
    }
    let anon = Actor::anonymous(&username, addr.clone());
    let Some(row) = app.store.login_candidate(&username).await? else {
        verify_blocking(DECOY_HASH.to_string(), form.password.clone()).await?;
        app.store
            .record_login_refused(&anon, None, "login".into(), "unknown_username", now)
            .await?;
        return fail_page(generic);
    };
    let actor = Actor {
        user_id: Some(row.id),
        agency_id: row.agency_id,
        ..anon
    };
    let target = format!("user:{}", row.id);
    if row.disabled_at.is_some() {
        verify_blocking(DECOY_HASH.to_string(), form.password.clone()).await?;
        app.store
            .record_login_refused(&actor, row.agency_id, target, "disabled", now)
            .await?;
        return fail_page(generic);
    }
    // A locked account answers like a wrong password, so that the page does not tell which
    // usernames exist; the person learns of the lock by mail (issue 22 item 8).
    if row.throttle().is_locked(now) {
        verify_blocking(DECOY_HASH.to_string(), form.password.clone()).await?;
        app.store
            .record_login_refused(&actor, row.agency_id, target, "locked", now)
            .await?;
        return fail_page(generic);
    }
    if !verify_blocking(row.password_hash.clone(), form.password.clone()).await? {
        count_failure(&app, &actor, &row, "wrong_password", now).await?;
        return fail_page(generic);
    }
    // A signed-in session that signs in again is replaced, never reused (session fixation).
    if let SessionState::Active(old) = &state {
        app.store
            .end_session(&session_actor(old, addr.clone()), old, "auth.logout", now)
            .await?;
    }
    let stage = stage_after_password(&app, &row, now);
    let token = secret::random_token("");
    let digest = secret::digest(&token);
    let session_csrf = secret::random_token("");
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    let started = app
        .store
        .start_session(
            &actor,
            NewSession {
                digest: &digest,
                user_id: row.id,
                agency_id: row.agency_id,
                stage,
                csrf_token: &session_csrf,
                client_addr: addr.as_deref(),
                user_agent: user_agent.as_deref(),
            },
            now,
        )
        .await?;
    if !started {
        // Locked by failures counted while this password was being checked.
        app.store
            .record_login_refused(&actor, row.agency_id, target, "locked", now)
            .await?;
        return fail_page(generic);
    }
    let secure = app.config.secure_cookies;
    let mut resp = redirect(stage_page(stage));
    if let Ok(v) = cookie(session_cookie_name(secure), &token, secure, None).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// One more failure, counted atomically; when it locks the account the person is told by mail.
async fn count_failure(
    app: &AppState,
    actor: &Actor,
    row: &LoginRow,
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool, AppError> {
    let rules = &app.catalog.account_policy.lockout;
    let mail = row.email.as_ref().map(|to| {
        let until = now + time::Duration::minutes(rules.lock_minutes);
        let (subject, body) = account_locked(&row.username, until, rules.max_failures);
        NewMail {
            agency_id: row.agency_id,
            dedupe_key: format!("locked:{}:{}", row.id, until.unix_timestamp()),
            to_addr: to.clone(),
            subject,
            body,
        }
    });
    let locked = app
        .store
        .record_login_failure(actor, row, rules, reason, mail, now)
        .await?;
    Ok(locked.is_some())
}

// ---- second factor ----

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage<'a> {
    t: &'a Locale,
    c: Chrome,
    enrol: bool,
    secret_b32: String,
    qr_svg: String,
    error: String,
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

fn require_stage(s: &PartialSession, stage: Stage) -> Result<(), AppError> {
    if s.stage == stage {
        Ok(())
    } else {
        Err(AppError::Redirect(stage_page(s.stage).into()))
    }
}

fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

async fn enrol_page(
    State(app): State<AppState>,
    t: Locale,
    s: PartialSession,
) -> Result<Response, AppError> {
    require_stage(&s, Stage::TotpEnrol)?;
    let secret = match s
        .session
        .pending_totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
    {
        Some(sec) => sec,
        None => {
            let sec = TotpSecret::generate();
            app.store
                .set_session_stage(
                    &s.session.id_digest,
                    Stage::TotpEnrol,
                    Some(&sec.to_base32()),
                )
                .await?;
            sec
        }
    };
    totp_page_response(
        &t,
        &s,
        true,
        &secret,
        String::new(),
        axum::http::StatusCode::OK,
    )
}

fn totp_page_response(
    t: &Locale,
    s: &PartialSession,
    enrol: bool,
    secret: &TotpSecret,
    error: String,
    status: axum::http::StatusCode,
) -> Result<Response, AppError> {
    let (secret_b32, qr) = if enrol {
        let b32 = secret.to_base32();
        let uri = secret.otpauth_uri("Anwei", &s.session.username);
        (b32, qr_svg(&uri))
    } else {
        (String::new(), String::new())
    };
    let page = TotpPage {
        t,
        c: Chrome::anonymous(
            t,
            &s.session.csrf_token,
            if enrol {
                "/login/totp/enrol"
            } else {
                "/login/totp"
            },
        ),
        enrol,
        secret_b32,
        qr_svg: qr,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn totp_enrol(
    State(app): State<AppState>,
    t: Locale,
    s: PartialSession,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    require_stage(&s, Stage::TotpEnrol)?;
    let secret = s
        .session
        .pending_totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
        .ok_or(AppError::Redirect("/login/totp/enrol".into()))?;
    second_factor(&app, &t, &s, &secret, &form.code, true).await
}

async fn totp_page(t: Locale, s: PartialSession) -> Result<Response, AppError> {
    require_stage(&s, Stage::TotpVerify)?;
    totp_page_response(
        &t,
        &s,
        false,
        &TotpSecret::from_bytes(Vec::new()),
        String::new(),
        axum::http::StatusCode::OK,
    )
}

async fn totp_verify(
    State(app): State<AppState>,
    t: Locale,
    s: PartialSession,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    require_stage(&s, Stage::TotpVerify)?;
    let secret = s
        .session
        .totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
        .ok_or_else(|| AppError::Internal("enrolled account without a readable secret".into()))?;
    second_factor(&app, &t, &s, &secret, &form.code, false).await
}

/// Checks a one-time code; a wrong code counts as a failed sign-in (and can lock the account).
async fn second_factor(
    app: &AppState,
    t: &Locale,
    s: &PartialSession,
    secret: &TotpSecret,
    code: &str,
    enrol: bool,
) -> Result<Response, AppError> {
    let now = app.clock.now();
    let row = app
        .store
        .login_row(s.session.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let last_step = if enrol { None } else { row.totp_last_step };
    match secret.verify(code, now, last_step) {
        Some(step) => {
            let secret_b32 = secret.to_base32();
            let next = stage_after_second_factor(app, &row, now);
            let completed = app
                .store
                .complete_totp(
                    &s.actor,
                    &s.session,
                    enrol.then_some(secret_b32.as_str()),
                    step,
                    next,
                    now,
                )
                .await?;
            if !completed {
                app.store
                    .end_session(&s.actor, &s.session, "auth.logout", now)
                    .await?;
                return Ok(redirect("/login?reason=ended"));
            }
            Ok(redirect(stage_page(next)))
        }
        None => {
            let locked = count_failure(app, &s.actor, &row, "wrong_totp", now).await?;
            if locked || row.throttle().is_locked(now) {
                app.store
                    .end_session(&s.actor, &s.session, "auth.logout", now)
                    .await?;
                return Ok(redirect("/login?reason=ended"));
            }
            totp_page_response(
                t,
                s,
                enrol,
                secret,
                t.t("totp-wrong"),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

// ---- password ----

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    t: &'a Locale,
    c: Chrome,
    forced: bool,
    /// Where the form goes: `/password`, or a reset link (which asks no current password).
    action: String,
    reset: bool,
    rules: String,
    errors: FormErrors,
}

fn password_rules(app: &AppState, t: &Locale) -> String {
    let p = &app.catalog.account_policy.password;
    t.f(
        "password-rules",
        &[
            ("min", p.min_length.to_string()),
            ("classes", p.min_classes.to_string()),
            ("history", p.history.to_string()),
            ("days", p.max_age_days.to_string()),
        ],
    )
}

fn password_chrome(t: &Locale, s: &PartialSession) -> Chrome {
    let mut c = Chrome::anonymous(t, &s.session.csrf_token, "/password");
    if s.stage == Stage::Full {
        c.user_name = s.session.display_name.clone();
        c.username = s.session.username.clone();
        c.agency_name = s.session.agency_name.clone().unwrap_or_default();
        c.role_name = t.role(&s.session.role);
        c.nav.signed_in = true;
    }
    c
}

async fn password_page(
    State(app): State<AppState>,
    t: Locale,
    s: PartialSession,
) -> Result<Response, AppError> {
    if !matches!(s.stage, Stage::PasswordChange | Stage::Full) {
        return Err(AppError::Redirect(stage_page(s.stage).into()));
    }
    let page = PasswordPage {
        t: &t,
        c: password_chrome(&t, &s),
        forced: s.stage == Stage::PasswordChange,
        action: "/password".into(),
        reset: false,
        rules: password_rules(&app, &t),
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(app): State<AppState>,
    t: Locale,
    s: PartialSession,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if !matches!(s.stage, Stage::PasswordChange | Stage::Full) {
        return Err(AppError::Redirect(stage_page(s.stage).into()));
    }
    let now = app.clock.now();
    let row = app
        .store
        .login_row(s.session.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if form.current_password.chars().count() > 128
        || !verify_blocking(row.password_hash.clone(), form.current_password.clone()).await?
    {
        errors.push(FieldError::new("current_password", "err-current-password"));
    }
    errors
        .extend(new_password_errors(&app, &row, &form.new_password, &form.confirm_password).await?);
    if !errors.is_empty() {
        let page = PasswordPage {
            t: &t,
            c: password_chrome(&t, &s),
            forced: s.stage == Stage::PasswordChange,
            action: "/password".into(),
            reset: false,
            rules: password_rules(&app, &t),
            errors: FormErrors::from_fields(&t, &errors),
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = hash_blocking(form.new_password).await?;
    app.store
        .change_own_password(
            &s.actor,
            row.id,
            row.agency_id,
            &hash,
            &s.session.id_digest,
            now,
        )
        .await?;
    Ok(redirect("/?notice=password-changed"))
}

/// The complexity rule, the confirmation and the history rule for a new password (seed
/// 玖.二.(二).1), for a change and for a reset alike.
async fn new_password_errors(
    app: &AppState,
    row: &LoginRow,
    new: &str,
    confirm: &str,
) -> Result<Vec<FieldError>, AppError> {
    let policy = &app.catalog.account_policy;
    if let Err(e) = policy.check_strength(new, &row.username) {
        return Ok(vec![e]);
    }
    if new != confirm {
        return Ok(vec![FieldError::new(
            "confirm_password",
            "err-password-mismatch",
        )]);
    }
    let recent = app
        .store
        .recent_password_hashes(row.id, policy.password.history)
        .await?;
    let rules = policy.password.clone();
    let candidate = new.to_string();
    let reused = tokio::task::spawn_blocking(move || is_reused(&rules, &recent, &candidate))
        .await
        .map_err(|e| AppError::Internal(format!("reuse task: {e}")))?;
    Ok(if reused {
        vec![
            FieldError::new("new_password", "err-password-reused")
                .with("history", policy.password.history),
        ]
    } else {
        Vec::new()
    })
}

// ---- reset link ----

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// The account a reset link in the path may still be used for; an unknown, used or expired
/// link is one answer (404), whichever it is.
async fn reset_target(app: &AppState, token: &str) -> Result<LoginRow, AppError> {
    if token.len() > 128 {
        return Err(AppError::NotFound);
    }
    app.store
        .password_reset_target(&secret::digest(token), app.clock.now())
        .await?
        .ok_or(AppError::NotFound)
}

fn reset_form_page(
    app: &AppState,
    t: &Locale,
    headers: &HeaderMap,
    token: &str,
    errors: FormErrors,
    status: axum::http::StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set) = pre_session_token(app, headers);
    let page = PasswordPage {
        t,
        c: Chrome::anonymous(t, &csrf, "/reset"),
        forced: false,
        action: format!("/reset/{token}"),
        reset: true,
        rules: password_rules(app, t),
        errors,
    };
    Ok(with_cookie((status, render(&page)?).into_response(), set))
}

async fn reset_page(
    State(app): State<AppState>,
    t: Locale,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    reset_target(&app, &token).await?;
    reset_form_page(
        &app,
        &t,
        &headers,
        &token,
        FormErrors::default(),
        axum::http::StatusCode::OK,
    )
}

/// The person chooses their new password through the link: every session of the account ends,
/// any lock is lifted, and they sign in with it.
async fn complete_reset(
    State(app): State<AppState>,
    t: Locale,
    headers: HeaderMap,
    Extension(conn): Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let row = reset_target(&app, &token).await?;
    let errors =
        new_password_errors(&app, &row, &form.new_password, &form.confirm_password).await?;
    if !errors.is_empty() {
        return reset_form_page(
            &app,
            &t,
            &headers,
            &token,
            FormErrors::from_fields(&t, &errors),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = hash_blocking(form.new_password).await?;
    let done = app
        .store
        .complete_password_reset(
            &secret::digest(&token),
            &hash,
            Some(conn.0.ip().to_string()),
            app.clock.now(),
        )
        .await?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(redirect("/login?reason=reset"))
}

async fn logout(State(app): State<AppState>, s: PartialSession) -> Result<Response, AppError> {
    let now = app.clock.now();
    app.store
        .end_session(&s.actor, &s.session, "auth.logout", now)
        .await?;
    let secure = app.config.secure_cookies;
    let mut resp = redirect("/login?reason=signed_out");
    if let Ok(v) = cookie(session_cookie_name(secure), "", secure, Some(0)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
