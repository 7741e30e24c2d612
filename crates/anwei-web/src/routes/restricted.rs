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
use anwei_domain::asset::{AssetKind, AssetStatus};
use anwei_domain::evidence::sha256_hex;
use anwei_domain::rbac::Permission;
use anwei_domain::restricted::{RestrictedProduct, check_inventory, parse_register};
use anwei_store::StoreError;
use anwei_store::agencies::AgencyScope;
use anwei_store::assets::AssetRow;
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

/// An entry of the register as shown, with where it comes from.
pub struct Entry {
    pub product: RestrictedProduct,
    pub imported: bool,
    pub imported_by: String,
}

/// The register: the catalog's entries, then the imported ones (an import may replace a
/// catalog entry's text only under its own key).
async fn register(app: &AppState) -> Result<Vec<Entry>, AppError> {
    let mut all: Vec<Entry> = app
        .catalog
        .restricted
        .products
        .iter()
        .map(|p| Entry {
            product: p.clone(),
            imported: false,
            imported_by: String::new(),
        })
        .collect();
    for row in app.store.restricted_products().await? {
        all.push(Entry {
            product: row.product(),
            imported: true,
            imported_by: row.imported_by,
        });
    }
    Ok(all)
}

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
        entries: register(app).await?,
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

/// One asset that names a product, and what the agency recorded about it.
pub struct Match {
    pub index: usize,
    pub asset: AssetRow,
    pub product: RestrictedProduct,
    pub finding: Option<FindingRow>,
    /// violation, pending, approved or mismatch
    pub state: &'static str,
}

/// Still a violation, or an exception the 資通安全長 has not approved.
fn unresolved(state: &str) -> bool {
    matches!(state, "violation" | "pending")
}

fn state_of(f: Option<&FindingRow>) -> &'static str {
    match f {
        None => "violation",
        Some(f) if f.resolution == Resolution::Mismatch.as_str() => "mismatch",
        Some(f) if f.approved_at.is_some() => "approved",
        Some(_) => "pending",
    }
}

/// Every match among an agency's assets — `keys` are (id, kind, in use, name) — as (asset
/// index, product index, what the agency recorded), with the products matched against.
async fn pairs(
    app: &AppState,
    a: &AgencyScope,
    keys: &[(Uuid, AssetKind, bool, &str)],
) -> Result<
    (
        Vec<RestrictedProduct>,
        Vec<(usize, usize, Option<FindingRow>)>,
    ),
    AppError,
> {
    let products: Vec<RestrictedProduct> = register(app)
        .await?
        .into_iter()
        .map(|e| e.product)
        .collect();
    let names: Vec<(AssetKind, bool, &str)> = keys
        .iter()
        .map(|(_, kind, in_use, name)| (*kind, *in_use, *name))
        .collect();
    let findings = app.store.restricted_findings(a).await?;
    let found = check_inventory(&products, &names)
        .into_iter()
        .map(|(ai, pi)| {
            let finding = findings
                .iter()
                .find(|f| f.asset_id == keys[ai].0 && f.product_key == products[pi].key)
                .cloned();
            (ai, pi, finding)
        })
        .collect();
    Ok((products, found))
}

/// Every match of the agency's inventory, in the inventory's order.
async fn matches(app: &AppState, a: &AgencyScope) -> Result<Vec<Match>, AppError> {
    let assets: Vec<AssetRow> = app.store.assets(a).await?;
    let keys: Vec<(Uuid, AssetKind, bool, &str)> = assets
        .iter()
        .map(|x| {
            (
                x.id,
                x.kind,
                x.status == AssetStatus::InUse,
                x.name.as_str(),
            )
        })
        .collect();
    let (products, found) = pairs(app, a, &keys).await?;
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(index, (ai, pi, finding))| Match {
            index,
            state: state_of(finding.as_ref()),
            asset: assets[ai].clone(),
            product: products[pi].clone(),
            finding,
        })
        .collect())
}

/// How many of the agency's assets name a product and are not resolved (the inventory page's
/// warning), from names alone: the page does not read the whole register for it.
pub(crate) async fn unresolved_count(app: &AppState, a: &AgencyScope) -> Result<usize, AppError> {
    let rows = app.store.asset_keys(a).await?;
    let keys: Vec<(Uuid, AssetKind, bool, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.id,
                r.kind,
                r.status == AssetStatus::InUse,
                r.name.as_str(),
            )
        })
        .collect();
    let (_, found) = pairs(app, a, &keys).await?;
    Ok(found
        .iter()
        .filter(|(_, _, f)| unresolved(state_of(f.as_ref())))
        .count())
}

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
        matches: matches(app, &a).await?,
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
    let current = matches(&app, &a).await?;
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
    let all = matches(&app, &a).await?;
    let header = [
        "field-name",
        "asset-kind",
        "restricted-product",
        "restricted-source",
        "field-status",
        "restricted-reason",
        "restricted-authority-ref",
        "restricted-recorded-by",
        "restricted-approved-by",
    ]
    .map(|k| t.t(k))
    .to_vec();
    let row = |m: &Match| {
        let f = m.finding.as_ref();
        vec![
            m.asset.name.clone(),
            t.tp("asset-kind-", m.asset.kind.as_str()),
            m.product.label(),
            m.product.source.clone(),
            t.tp("restricted-state-", m.state),
            f.map_or(String::new(), |f| f.reason.clone()),
            f.map_or(String::new(), |f| f.authority_ref.clone()),
            f.map_or(String::new(), |f| {
                format!("{} {}", f.recorded_by, t.datetime(&f.recorded_at))
            }),
            f.and_then(|f| f.approved_at.map(|at| (f, at)))
                .map_or(String::new(), |(f, at)| {
                    format!(
                        "{} {}",
                        f.approved_by.clone().unwrap_or_default(),
                        t.datetime(&at)
                    )
                }),
        ]
    };
    let listed: Vec<Vec<String>> = all
        .iter()
        .filter(|m| m.state == "approved")
        .map(row)
        .collect();
    let others: Vec<Vec<String>> = all
        .iter()
        .filter(|m| m.state != "approved")
        .map(row)
        .collect();
    let doc = anwei_docs::Document::new(t.f1("restricted-list-title", "agency", &a.name))
        .fields(vec![
            (t.t("field-name"), a.name.clone()),
            (
                t.t("restricted-citation"),
                app.catalog.restricted.citation.clone(),
            ),
        ])
        .heading(1, t.t("restricted-listed"))
        .table(header.clone(), listed)
        .heading(1, t.t("restricted-other-matches"))
        .table(header, others);
    crate::pages::deliver(&doc, format, &t.t("restricted-listed"), &a.name)
}
