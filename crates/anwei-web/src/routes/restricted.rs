//! 危害國家資通安全產品 (資通安全管理法 §11). The register is the catalog's entries plus what an
//! administrator imports from the ministry's published list; every agency's inventory is checked
//! against it whenever its page is read, so a newly listed product shows up without anyone
//! running anything. For each match the 承辦人 records either that the asset is not the product,
//! or an exception (business need, no alternative, the 主管機關's approval reference) that the
//! 資通安全長 approves; approved exceptions are the list the Act asks for (列冊管理), exported as
//! a spreadsheet.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, render};
use crate::routes::evidence_form::the_file;
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::evidence::sha256_hex;
use anwei_domain::rbac::Permission;
use anwei_domain::restricted::parse_register;
use anwei_store::StoreError;
use anwei_store::agencies::AgencyScope;
use anwei_store::restricted::{FindingRow, Resolution};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/restricted-products", get(register_page))
        .route(
            "/restricted-products/import",
            post(import).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
        .route("/restricted-products/{key}/remove", post(remove))
        .route("/agencies/{code}/restricted", get(agency_page))
        .route("/agencies/{code}/restricted/record", post(record))
        .route("/agencies/{code}/restricted/{id}/approve", post(approve))
        .route("/agencies/{code}/restricted/{id}/withdraw", post(withdraw))
        .route("/agencies/{code}/restricted/{file}", get(export))
}

use anwei_app::restricted::{Entry, Match};

// ---- the register ----

#[derive(Template)]
#[template(path = "restricted_register.html")]
struct RegisterPage<'a> {
    c: Chrome,
    t: &'a Locale,
    notice: String,
    citation: String,
    regulation: String,
    entries: Vec<Entry>,
    is_admin: bool,
    /// (line, message) of a refused import.
    import_errors: Vec<(usize, String)>,
    max_mb: usize,
}

#[derive(Debug, Default, Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
    added: Option<usize>,
    replaced: Option<usize>,
}

async fn render_register(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    notice: String,
    import_errors: Vec<(usize, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = RegisterPage {
        c: Chrome::for_user(app, t, user, "/restricted-products"),
        notice,
        citation: app.catalog.restricted.citation.clone(),
        regulation: app.catalog.restricted.regulation.clone(),
        entries: anwei_app::restricted::register(&app.store, &app.catalog).await?,
        is_admin: user.role.is_admin(),
        import_errors,
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        t,
    };
    Ok((status, render(&page)?).into_response())
}

async fn register_page(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    if !user.can(&app, Permission::DashboardView) {
        return Err(AppError::Forbidden);
    }
    let notice = match q.added {
        Some(n) => t.f(
            "notice-restricted-imported",
            &[
                ("added", n.to_string()),
                ("replaced", q.replaced.unwrap_or(0).to_string()),
            ],
        ),
        None => notice_text(&t, q.notice.as_deref()),
    };
    render_register(&app, &t, &user, notice, Vec::new(), StatusCode::OK).await
}

/// Only an administrator: the register is every agency's.
async fn import(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    form: Multipart,
) -> Result<Response, AppError> {
    if !user.role.is_admin() {
        return Err(AppError::Forbidden);
    }
    let parsed = match the_file(form, app.config.max_upload_bytes).await {
        Ok((_, bytes)) => parse_register(&bytes).map(|rows| (rows, sha256_hex(&bytes))),
        Err(error) => Err(vec![anwei_domain::training_import::RowError {
            line: 1,
            error,
        }]),
    };
    match parsed {
        Ok((rows, sha)) => {
            let (added, replaced) = app
                .store
                .import_restricted_products(&user.actor, &rows, &sha, app.clock.now())
                .await?;
            Ok(redirect(&format!(
                "/restricted-products?added={added}&replaced={replaced}"
            )))
        }
        Err(errors) => {
            let lines = errors
                .iter()
                .map(|e| (e.line, t.field_error(&e.error)))
                .collect();
            render_register(
                &app,
                &t,
                &user,
                String::new(),
                lines,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn remove(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    if !user.role.is_admin() {
        return Err(AppError::Forbidden);
    }
    app.store
        .remove_restricted_product(&user.actor, &key, app.clock.now())
        .await?;
    Ok(redirect("/restricted-products?notice=restricted-removed"))
}

// ---- an agency's check ----

#[derive(Template)]
#[template(path = "restricted.html")]
struct AgencyPage<'a> {
    c: Chrome,
    t: &'a Locale,
    a: AgencyScope,
    notice: String,
    citation: String,
    matches: Vec<Match>,
    can_manage: bool,
    can_approve: bool,
    errors: FormErrors,
    /// The form sent back with its errors: (index, resolution, reason, authority_ref).
    sent: (usize, String, String, String),
    formats: Vec<&'static str>,
}

#[allow(clippy::too_many_arguments)]
async fn render_agency(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    notice: String,
    errors: FormErrors,
    sent: (usize, String, String, String),
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = AgencyPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/restricted", a.code)),
        notice,
        citation: app.catalog.restricted.citation.clone(),
        matches: anwei_app::restricted::matches(&app.store, &app.catalog, &a).await?,
        can_manage: user
            .require(app, Permission::ObligationManage, &a.agency_path())
            .is_ok(),
        can_approve: user
            .require(app, Permission::ObligationApprove, &a.agency_path())
            .is_ok(),
        errors,
        sent,
        formats: anwei_docs::Format::TABULAR
            .iter()
            .map(|f| f.extension())
            .collect(),
        t,
        a,
    };
    Ok((status, render(&page)?).into_response())
}

async fn agency_page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let notice = notice_text(&t, q.notice.as_deref());
    render_agency(
        &app,
        &t,
        &user,
        a,
        notice,
        FormErrors::default(),
        (usize::MAX, String::new(), String::new(), String::new()),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RecordBody {
    asset: String,
    product: String,
    index: usize,
    resolution: String,
    reason: String,
    authority_ref: String,
}

/// The 承辦人 records a mismatch, or asks for an exception; the pair must be a current match.
async fn record(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(body): Form<RecordBody>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let current = anwei_app::restricted::matches(&app.store, &app.catalog, &a).await?;
    let m = current
        .iter()
        .find(|m| m.asset.id.to_string() == body.asset && m.product.key == body.product)
        .ok_or(StoreError::WrongState("err-not-a-match"))?;
    let mut errors = Vec::new();
    let resolution = match body.resolution.as_str() {
        "mismatch" => Some(Resolution::Mismatch),
        "exception" => Some(Resolution::Exception),
        _ => {
            errors.push(FieldError::new("resolution", "err-choice"));
            None
        }
    };
    let reason = parse_line("reason", &body.reason, 1, 300)
        .map_err(|e| errors.push(e))
        .ok();
    // an exception is reported to and approved by the 主管機關 (§11): its reference is required
    let min_ref = usize::from(resolution == Some(Resolution::Exception));
    let authority_ref = parse_line("authority_ref", &body.authority_ref, min_ref, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(resolution), Some(reason), Some(authority_ref), true) =
        (resolution, reason, authority_ref, errors.is_empty())
    else {
        let form = format!("f{}", m.index);
        return render_agency(
            &app,
            &t,
            &user,
            a,
            String::new(),
            FormErrors::from_fields_in(&t, &errors, &form),
            (m.index, body.resolution, body.reason, body.authority_ref),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    app.store
        .record_finding(
            &user.actor,
            a.id,
            m.asset.id,
            &m.product.key,
            resolution,
            &reason,
            &authority_ref,
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/restricted?notice=restricted-recorded",
        a.code
    )))
}

async fn find(app: &AppState, a: &AgencyScope, id: &str) -> Result<FindingRow, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    app.store
        .restricted_finding(a, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The 資通安全長 approves an exception (§11: 經資通安全長核可).
async fn approve(
    scope: Scoped<need::ObligationApprove>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let f = find(&app, &a, &id).await?;
    app.store
        .approve_finding(&user.actor, &f, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/restricted?notice=restricted-approved",
        a.code
    )))
}

async fn withdraw(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let f = find(&app, &a, &id).await?;
    app.store
        .withdraw_finding(&user.actor, &f, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/restricted?notice=restricted-withdrawn",
        a.code
    )))
}

/// `exceptions.xlsx` (or .ods, .csv, .odt, .pdf): the approved exceptions, the list §11 asks
/// the agency to keep, and every other match with where it stands.
async fn export(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let format = crate::pages::format_of(&file, "exceptions", &anwei_docs::Format::TABULAR)?;
    let all = anwei_app::restricted::matches(&app.store, &app.catalog, &a).await?;
    let doc = anwei_app::documents::restricted_list(&app.catalog, &t, &a, &all);
    crate::pages::deliver(&doc, format, &t.t("restricted-listed"), &a.name)
}
