//! What every page shares: the header with the agency, the person and their role, the navigation
//! their permissions allow, the language switch, and the CSRF token forms carry.

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::AppState;
use anwei_domain::rbac::Permission;
use askama::Template;
use axum::response::Html;

#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub agencies: bool,
    /// The signed-in person's agency's account list, when they may see it.
    pub users_href: String,
    pub audit: bool,
    pub incidents: bool,
    /// The signed-in person's agency's duties, when they may see them.
    pub obligations_href: String,
    /// The same agency's training ledger.
    pub training_href: String,
    /// The same agency's 資通安全維護計畫.
    pub plan_href: String,
    /// The same agency's inventory.
    pub assets_href: String,
    /// The same agency's risk assessment.
    pub risks_href: String,
    /// The same agency's 稽核.
    pub audits_href: String,
    pub signed_in: bool,
}

/// The page frame (`templates/base.html`).
#[derive(Debug, Clone)]
pub struct Chrome {
    pub csrf: String,
    pub user_name: String,
    pub username: String,
    pub agency_name: String,
    pub role_name: String,
    pub nav: Nav,
    pub other_lang: &'static str,
    pub other_lang_label: String,
    pub lang: &'static str,
    /// The current path, for the language switch to come back to.
    pub here: String,
}

impl Chrome {
    pub fn for_user(app: &AppState, t: &Locale, user: &CurrentUser, here: &str) -> Self {
        let users_href = match (
            &user.session.agency_code,
            user.can(app, Permission::UserRead),
        ) {
            (Some(code), true) => format!("/agencies/{code}/users"),
            _ => String::new(),
        };
        let obligations_href = match (
            &user.session.agency_code,
            user.can(app, Permission::ObligationRead),
        ) {
            (Some(code), true) => format!("/agencies/{code}/obligations"),
            _ => String::new(),
        };
        Self {
            csrf: user.session.csrf_token.clone(),
            user_name: user.session.display_name.clone(),
            username: user.session.username.clone(),
            agency_name: user
                .session
                .agency_name
                .clone()
                .unwrap_or_else(|| t.t("admin-no-agency")),
            role_name: t.role(user.role.as_str()),
            nav: Nav {
                agencies: user.can(app, Permission::AgencyRead),
                users_href,
                audit: user.can(app, Permission::AuditRead),
                incidents: user.can(app, Permission::IncidentRead),
                training_href: obligations_href.replace("/obligations", "/training"),
                plan_href: obligations_href.replace("/obligations", "/plan"),
                assets_href: obligations_href.replace("/obligations", "/assets"),
                risks_href: obligations_href.replace("/obligations", "/risks"),
                audits_href: obligations_href.replace("/obligations", "/audits"),
                obligations_href,
                signed_in: true,
            },
            other_lang: t.other().code(),
            other_lang_label: t.t("lang-switch"),
            lang: t.lang.code(),
            here: here.to_string(),
        }
    }

    /// Pages before full sign-in (sign-in, second factor, forced password change).
    pub fn anonymous(t: &Locale, csrf: &str, here: &str) -> Self {
        Self {
            csrf: csrf.to_string(),
            user_name: String::new(),
            username: String::new(),
            agency_name: String::new(),
            role_name: String::new(),
            nav: Nav::default(),
            other_lang: t.other().code(),
            other_lang_label: t.t("lang-switch"),
            lang: t.lang.code(),
            here: here.to_string(),
        }
    }
}

/// What a page shows besides its data when it is rendered again: a notice after a redirect, or
/// the errors and the typed value of a small inline form, with the status to answer.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub notice: String,
    pub errors: crate::i18n::FormErrors,
    pub value: String,
    pub status: axum::http::StatusCode,
}

impl Outcome {
    pub fn ok(notice: String) -> Self {
        Self {
            notice,
            errors: Default::default(),
            value: String::new(),
            status: axum::http::StatusCode::OK,
        }
    }

    pub fn rejected(
        errors: crate::i18n::FormErrors,
        value: String,
        status: axum::http::StatusCode,
    ) -> Self {
        Self {
            notice: String::new(),
            errors,
            value,
            status,
        }
    }
}

pub fn render<T: Template>(page: &T) -> Result<Html<String>, AppError> {
    page.render()
        .map(Html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// A file to download, named in the person's language (RFC 6266/5987: the UTF-8 name, plus a
/// plain ASCII fallback for old clients).
pub fn download(bytes: Vec<u8>, content_type: &str, filename: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded: String = filename
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let ext = filename.rsplit('.').next().unwrap_or("bin");
    let disposition = format!("attachment; filename=\"anwei.{ext}\"; filename*=UTF-8''{encoded}");
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The format a download's file name asks for, `{stem}.{ext}` with one of `allowed`; any other
/// name is not found.
pub fn format_of(
    file: &str,
    stem: &str,
    allowed: &[anwei_docs::Format],
) -> Result<anwei_docs::Format, AppError> {
    file.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(anwei_docs::Format::from_extension)
        .filter(|f| allowed.contains(f))
        .ok_or(AppError::NotFound)
}

/// A file frozen in the file store (a signed-off register, a completed assessment), served only
/// while it still matches the digest recorded when it was frozen.
pub async fn frozen(
    app: &crate::state::AppState,
    sha: &str,
    format: anwei_docs::Format,
    filename: &str,
) -> Result<axum::response::Response, AppError> {
    let bytes = app.files.get(sha).await?;
    if anwei_domain::evidence::sha256_hex(&bytes) != sha {
        return Err(AppError::Tampered);
    }
    Ok(download(bytes, format.mime(), filename))
}

/// A generated document as a download named `{kind}-{subject}.{ext}`.
pub fn deliver(
    doc: &anwei_docs::Document,
    format: anwei_docs::Format,
    kind: &str,
    subject: &str,
) -> Result<axum::response::Response, AppError> {
    let bytes = format
        .render(doc)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        format.mime(),
        &format!("{kind}-{subject}.{}", format.extension()),
    ))
}

/// Where a paged list stands and the links to its neighbours, keeping the list's filters.
pub struct Paging {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub per_page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Paging {
    /// `base` is the list's path; `keep` the query parameters that select what it shows (empty
    /// values are left out).
    pub fn new(page: i64, per_page: i64, total: i64, base: &str, keep: &[(&str, &str)]) -> Self {
        let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
        let href = |p: i64| {
            let mut query: Vec<(&str, String)> = keep
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, (*v).to_string()))
                .collect();
            query.push(("page", p.to_string()));
            query.push(("per_page", per_page.to_string()));
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(&query).unwrap_or_default()
            )
        };
        Self {
            page,
            pages,
            total,
            per_page,
            prev: (page > 1).then(|| href((page - 1).min(pages))),
            next: (page < pages).then(|| href(page + 1)),
        }
    }
}
