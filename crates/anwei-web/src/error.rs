//! The one error type that becomes an HTTP response. A handler returns `AppError`; the response
//! carries only the status and a message key, and the `render_errors` middleware — which knows
//! the request's language and whether it came to the API — turns it into a localized page or a
//! JSON problem. Internal causes are logged, never shown.

use crate::i18n::{FormErrors, Locale};
use anwei_domain::{DomainError, FieldError};
use anwei_store::StoreError;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    Unauthorized,
    /// A valid token whose owner's account rules stop it for now; the key says which.
    #[error("token refused: {0}")]
    TokenRefused(&'static str),
    /// A choice in the form that the actor may not make (a role they cannot grant); shown next
    /// to the field with 403.
    #[error("not permitted")]
    Refused(Vec<FieldError>),
    #[error("the form was not sent from this site (CSRF check failed)")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The body is larger than this route accepts: 413, saying so.
    #[error("request body too large")]
    TooLarge,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Send the browser elsewhere (sign-in flows); htmx requests get `HX-Redirect`.
    #[error("redirect to {0}")]
    Redirect(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("internal error: {0}")]
    Internal(String),
    /// A stored file no longer matches its recorded digest: never served, always logged.
    #[error("a stored file failed its integrity check")]
    Tampered,
}

/// A JSON body, or why not: too large (413) or not JSON of the expected shape (400).
pub fn json_body<T>(
    body: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, AppError> {
    match body {
        Ok(axum::Json(v)) => Ok(v),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::TooLarge),
        Err(_) => Err(AppError::BadRequest("error-bad-json")),
    }
}

/// The one conversion of a use-case's outcome to the edge's: a rule refusal is a 409 with its
/// message, a missing record a 404.
impl From<anwei_app::Error> for AppError {
    fn from(e: anwei_app::Error) -> Self {
        match e {
            anwei_app::Error::NotFound => AppError::NotFound,
            anwei_app::Error::Domain(d) => AppError::Domain(d),
            anwei_app::Error::Store(s) => AppError::Store(s),
            anwei_app::Error::Document(m) => AppError::Internal(m),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

/// Attached to error responses for `render_errors`.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub key: &'static str,
    pub fields: Vec<FieldError>,
}

impl AppError {
    fn info(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound | AppError::Store(StoreError::NotFound) => {
                (StatusCode::NOT_FOUND, "error-not-found")
            }
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "error-unauthorized"),
            AppError::TokenRefused(key) => (StatusCode::UNAUTHORIZED, key),
            AppError::Refused(_) => (StatusCode::FORBIDDEN, "error-forbidden"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "error-csrf"),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, key),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
            AppError::Invalid(_) | AppError::Domain(DomainError::Invalid(_)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "error-invalid")
            }
            AppError::Store(StoreError::Conflict { .. }) => {
                (StatusCode::CONFLICT, "error-conflict")
            }
            AppError::Store(StoreError::WrongState(key))
            | AppError::Domain(DomainError::Rule(key)) => (StatusCode::CONFLICT, key),
            AppError::Redirect(_) => (StatusCode::SEE_OTHER, ""),
            AppError::Tampered => (StatusCode::INTERNAL_SERVER_ERROR, "error-tampered"),
            AppError::Store(_) | AppError::Domain(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Redirect(to) = &self {
            return redirect(to);
        }
        let (status, key) = self.info();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let fields = match self {
            AppError::Invalid(f)
            | AppError::Refused(f)
            | AppError::Domain(DomainError::Invalid(f)) => f,
            AppError::Store(StoreError::Conflict { field }) => {
                vec![FieldError::new(field, "err-taken")]
            }
            _ => Vec::new(),
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(ErrorInfo {
            status,
            key,
            fields,
        });
        resp
    }
}

/// A 303 to `to`; for htmx requests the middleware turns it into `HX-Redirect`.
pub fn redirect(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Locale,
    status: u16,
    message: String,
}

/// Renders error responses in the request's language: JSON problems under `/api/`, pages
/// elsewhere. Also turns redirects of htmx requests into `HX-Redirect`, which htmx follows with a
/// full page load (so an expired session lands on the sign-in page, not inside a fragment).
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = crate::auth::request_lang(req.headers());
    let is_api = req.uri().path().starts_with("/api/");
    let is_htmx = req.headers().contains_key("hx-request");
    let mut resp = next.run(req).await;
    if is_htmx
        && resp.status() == StatusCode::SEE_OTHER
        && let Some(loc) = resp.headers().get(header::LOCATION).cloned()
    {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert("hx-redirect", loc);
        return r;
    }
    let Some(info) = resp.extensions_mut().remove::<ErrorInfo>() else {
        return resp;
    };
    let t = Locale::new(lang);
    let message = t.t(info.key);
    let mut out = if is_api {
        let errors = FormErrors::from_fields(&t, &info.fields);
        let body = serde_json::json!({
            "status": info.status.as_u16(),
            "error": info.key,
            "message": message,
            "fields": errors.0.iter().map(|(f, m)| serde_json::json!({"field": f, "message": m})).collect::<Vec<_>>(),
        });
        (info.status, axum::Json(body)).into_response()
    } else {
        let page = ErrorPage {
            t: &t,
            status: info.status.as_u16(),
            message,
        };
        match askama::Template::render(&page) {
            Ok(html) => (info.status, Html(html)).into_response(),
            Err(_) => info.status.into_response(),
        }
    };
    if is_api && info.status == StatusCode::UNAUTHORIZED {
        out.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    out
}
