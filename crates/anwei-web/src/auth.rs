//! Sessions, CSRF and the signed-in person, in one middleware and three extractors.
//!
//! `session_layer` runs before every handler: it reads the session cookie, ends sessions that have
//! been idle for the plan's limit (seed 玖.三.(七).1: 15 minutes) or lived past the absolute limit
//! — on the server, with an audit event — and checks every state-changing form post for a CSRF
//! token and a same-origin source. It leaves a [`SessionState`] in the request for the
//! extractors, so each request costs one indexed read of the session.

use crate::error::AppError;
use crate::i18n::{Lang, Locale};
use crate::state::AppState;
use anwei_domain::agency::AgencyPath;
use anwei_domain::rbac::{Decision, Permission, Principal, authorize};
use anwei_domain::secret;
use anwei_domain::user::Role;
use anwei_store::sessions::{SessionView, Stage};
use anwei_store::{Actor, Reach};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use time::Duration;

/// Argon2id off the async executor: hashing takes tens of milliseconds of CPU.
pub async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || anwei_domain::password::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hash task: {e}")))?
        .map_err(AppError::from)
}

/// Verifies a password against a stored hash, off the async executor.
pub async fn verify_blocking(hash: String, password: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || anwei_domain::password::verify_password(&hash, &password))
        .await
        .map_err(|e| AppError::Internal(format!("verify task: {e}")))
}

/// Largest form body accepted by the CSRF check (and by forms generally).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-anwei_session"
    } else {
        "anwei_session"
    }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-anwei_csrf"
    } else {
        "anwei_csrf"
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, and Secure when configured.
pub fn cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Idle,
    Expired,
    /// The cookie names a session that no longer exists (signed out elsewhere, disabled, …).
    Gone,
}

impl EndReason {
    fn query(self) -> &'static str {
        match self {
            EndReason::Idle => "idle",
            EndReason::Expired => "expired",
            EndReason::Gone => "ended",
        }
    }
}

#[derive(Debug, Clone)]
pub enum SessionState {
    None,
    Ended(EndReason),
    Active(Box<SessionView>),
}

/// The client's address, as recorded in audit events.
pub fn client_addr(parts_ext: &axum::http::Extensions) -> Option<String> {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
}

pub async fn session_layer(
    State(app): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let now = app.clock.now();
    let policy = &app.catalog.account_policy;
    let secure = app.config.secure_cookies;
    let addr = client_addr(req.extensions());
    let mut state = SessionState::None;
    if let Some(token) = read_cookie(req.headers(), session_cookie_name(secure)) {
        let digest = secret::digest(token);
        state = match app.store.session(&digest).await? {
            None => SessionState::Ended(EndReason::Gone),
            Some(s) => {
                let actor = session_actor(&s, addr.clone());
                if policy.session_idle_expired(s.last_seen_at, now) {
                    app.store
                        .end_session(&actor, &s, "auth.idle_timeout", now)
                        .await?;
                    SessionState::Ended(EndReason::Idle)
                } else if policy.session_absolute_expired(s.created_at, now) {
                    app.store
                        .end_session(&actor, &s, "auth.session_expired", now)
                        .await?;
                    SessionState::Ended(EndReason::Expired)
                } else if s.disabled_at.is_some() {
                    SessionState::Ended(EndReason::Gone)
                } else if s.stage == Stage::Full.as_str()
                    && policy.password_expired(s.password_changed_at, now)
                {
                    // The 90-day expiry holds for a session already open (seed 玖.二.(二).1 (3)):
                    // nothing more until the password is changed.
                    app.store
                        .set_session_stage(&s.id_digest, Stage::PasswordChange, None)
                        .await?;
                    let mut s = s;
                    s.stage = Stage::PasswordChange.as_str().into();
                    SessionState::Active(Box::new(s))
                } else {
                    // Write last-seen at most once a minute: the idle limit is 15 minutes, so a
                    // minute of slack is harmless and saves a write per request.
                    if now - s.last_seen_at >= Duration::minutes(1) {
                        app.store.touch_session(&s.id_digest, now).await?;
                    }
                    SessionState::Active(Box::new(s))
                }
            }
        };
    }
    let mut req = req;
    if is_state_changing(req.method()) && !req.uri().path().starts_with("/api/") {
        req = check_csrf(req, &state, secure, app.config.max_upload_bytes).await?;
    }
    req.extensions_mut().insert(state);
    Ok(next.run(req).await)
}

fn is_state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Same-origin (Sec-Fetch-Site / Origin) and a token: the session's, or for forms shown before
/// sign-in, the double-submit cookie's.
async fn check_csrf(
    req: Request,
    state: &SessionState,
    secure: bool,
    max_upload: usize,
) -> Result<Request, AppError> {
    let (parts, body) = req.into_parts();
    let fail = |reason: &str| -> AppError {
        tracing::warn!(reason, path = %parts.uri.path(), "CSRF check failed");
        match state {
            // A form sent after the session ended: send the person to sign in again.
            SessionState::Ended(r) => AppError::Redirect(format!("/login?reason={}", r.query())),
            _ => AppError::Csrf,
        }
    };
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return Err(fail("cross-site request"));
    }
    if let (Some(origin), Some(host)) = (
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || origin_host != host {
            return Err(fail("foreign origin"));
        }
    }
    // File uploads (multipart) may be larger than forms; their token is one of the parts.
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let limit = if boundary.is_some() {
        max_upload + MAX_FORM_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let from_body = match &boundary {
        Some(b) => multipart_field(bytes.clone(), b, "csrf").await,
        None => form_field(&bytes, "csrf"),
    };
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(from_body);
    let Some(sent) = sent else {
        return Err(fail("no token"));
    };
    let session_ok = match state {
        SessionState::Active(s) => secret::equal(&sent, &s.csrf_token),
        _ => false,
    };
    let cookie_ok = read_cookie(&parts.headers, csrf_cookie_name(secure))
        .is_some_and(|c| secret::equal(&sent, c));
    if !(session_ok || cookie_ok) {
        return Err(fail("token mismatch"));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The text of one multipart part; the browser sends hidden inputs before the file when the
/// form lists them first, so this rarely reads past the first part.
async fn multipart_field(body: axum::body::Bytes, boundary: &str, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub fn session_actor(s: &SessionView, client_addr: Option<String>) -> Actor {
    Actor {
        user_id: Some(s.user_id),
        label: s.username.clone(),
        agency_id: s.agency_id,
        reach: reach_of(Role::from_stored(&s.role), s.agency_path.as_deref()),
        client_addr,
    }
}

fn reach_of(role: Option<Role>, path: Option<&str>) -> Reach {
    match (role, path) {
        (Some(Role::Admin), _) => Reach::All,
        (_, Some(p)) => Reach::Subtree(AgencyPath::from_stored(p.to_string())),
        // A non-admin without an agency reaches nothing: an empty subtree.
        (_, None) => Reach::Subtree(AgencyPath::from_stored("/nothing/".into())),
    }
}

/// The signed-in person with a complete session.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub session: SessionView,
    pub role: Role,
    pub principal: Principal,
    pub actor: Actor,
}

impl CurrentUser {
    fn from_session(s: SessionView, addr: Option<String>) -> Result<Self, AppError> {
        let role = Role::from_stored(&s.role)
            .ok_or_else(|| AppError::Internal(format!("stored role {}", s.role)))?;
        let actor = session_actor(&s, addr);
        let principal = Principal {
            role,
            agency_path: s.agency_path.clone().map(AgencyPath::from_stored),
        };
        Ok(Self {
            session: s,
            role,
            principal,
            actor,
        })
    }

    /// The one authorisation check for pages: 404 outside the actor's subtree, 403 within it
    /// when the role lacks the permission.
    pub fn require(
        &self,
        app: &AppState,
        what: Permission,
        target: &AgencyPath,
    ) -> Result<(), AppError> {
        match authorize(&app.catalog.roles, &self.principal, what, target) {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(AppError::Forbidden),
            Decision::Hidden => Err(AppError::NotFound),
        }
    }

    /// The same check for things without an agency (instance-wide pages): only the role counts.
    pub fn require_global(&self, app: &AppState, what: Permission) -> Result<(), AppError> {
        if app.catalog.roles.has(self.role, what) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn can(&self, app: &AppState, what: Permission) -> bool {
        app.catalog.roles.has(self.role, what)
    }

    pub fn own_agency_path(&self) -> Option<AgencyPath> {
        self.principal.agency_path.clone()
    }
}

/// Where a session at `stage` must go before anything else.
pub fn stage_page(stage: Stage) -> &'static str {
    match stage {
        Stage::PasswordChange => "/password",
        Stage::TotpEnrol => "/login/totp/enrol",
        Stage::TotpVerify => "/login/totp",
        Stage::Full => "/",
    }
}

fn sign_in_redirect(state: &SessionState) -> AppError {
    match state {
        SessionState::Ended(r) => AppError::Redirect(format!("/login?reason={}", r.query())),
        _ => AppError::Redirect("/login".into()),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _app: &AppState) -> Result<Self, AppError> {
        let state = parts
            .extensions
            .get::<SessionState>()
            .cloned()
            .unwrap_or(SessionState::None);
        match state {
            SessionState::Active(s) => {
                let stage = Stage::parse(&s.stage).unwrap_or(Stage::PasswordChange);
                if stage != Stage::Full {
                    return Err(AppError::Redirect(stage_page(stage).into()));
                }
                CurrentUser::from_session(*s, client_addr(&parts.extensions))
            }
            other => Err(sign_in_redirect(&other)),
        }
    }
}

/// A session at any stage (the password-change and second-factor pages, sign-out).
#[derive(Debug, Clone)]
pub struct PartialSession {
    pub session: SessionView,
    pub stage: Stage,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for PartialSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _app: &AppState) -> Result<Self, AppError> {
        let state = parts
            .extensions
            .get::<SessionState>()
            .cloned()
            .unwrap_or(SessionState::None);
        match state {
            SessionState::Active(s) => Ok(PartialSession {
                stage: Stage::parse(&s.stage).unwrap_or(Stage::PasswordChange),
                actor: session_actor(&s, client_addr(&parts.extensions)),
                session: *s,
            }),
            other => Err(sign_in_redirect(&other)),
        }
    }
}

/// The request's language.
/// The request's language: the `anwei_lang` cookie, else `Accept-Language`, else zh-TW.
pub fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
    Lang::negotiate(
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    )
}

impl FromRequestParts<AppState> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Locale::new(request_lang(&parts.headers)))
    }
}

/// A script authenticated with `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthorized)?;
        let p = app
            .store
            .token_principal(&secret::digest(token))
            .await?
            .ok_or(AppError::Unauthorized)?;
        if p.disabled_at.is_some() {
            return Err(AppError::Unauthorized);
        }
        let now = app.clock.now();
        // A token belongs to a person and obeys that person's account rules: it stops with an
        // expired password (until the person changes it), and an administrator's works only
        // once the second factor is enrolled (issue 22 item 9).
        let policy = &app.catalog.account_policy;
        if policy.password_expired(p.password_changed_at, now) {
            return Err(AppError::TokenRefused("error-token-password-expired"));
        }
        if p.role == Role::Admin.as_str() && policy.privileged.require_totp && !p.totp_enabled {
            return Err(AppError::TokenRefused("error-token-needs-totp"));
        }
        if p.last_used_at
            .is_none_or(|t| now - t >= Duration::minutes(1))
        {
            app.store.touch_token(p.token_id, now).await?;
        }
        let view = SessionView {
            id_digest: String::new(),
            stage: Stage::Full.as_str().into(),
            csrf_token: String::new(),
            pending_totp_secret: None,
            created_at: now,
            last_seen_at: now,
            user_id: p.user_id,
            username: p.username,
            display_name: p.display_name,
            role: p.role,
            disabled_at: None,
            password_changed_at: p.password_changed_at,
            totp_secret: None,
            totp_last_step: None,
            agency_id: p.agency_id,
            agency_path: p.agency_path,
            agency_code: p.agency_code,
            agency_name: p.agency_name,
        };
        Ok(ApiUser(CurrentUser::from_session(
            view,
            client_addr(&parts.extensions),
        )?))
    }
}
