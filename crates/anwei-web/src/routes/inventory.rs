//! 資訊及資通系統盤點 and 防護需求分級: the inventory page, each asset's form with its level
//! and the reason for it, the spreadsheet exports, and the JSON API
//! (`/api/v1/agencies/{code}/assets`) that scripts and other systems use. Pages and API share
//! one set of access rules: everyone who reads the agency's duties reads its inventory; the
//! 承辦人 adds and removes assets; a custodian (資產管理人) changes the assets in their care.

use crate::auth::{ApiUser, CurrentUser};
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, Paging, render};
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::asset::{AssetInput, AssetKind, AssetStatus, DIMENSIONS, Rating, RawAsset};
use anwei_domain::rbac::Permission;
use anwei_store::agencies::AgencyScope;
use anwei_store::assets::{AssetFilter, AssetProfile, AssetRow};
use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/assets", get(page).post(create_form))
        .route(
            "/agencies/{code}/assets/{id}",
            get(asset_page).post(update_form),
        )
        .route("/agencies/{code}/assets/{id}/delete", post(delete_form))
        .route("/agencies/{code}/inventory/{file}", get(export))
}

/// Under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/assets", get(api_list).post(api_create))
        .route(
            "/agencies/{code}/assets/{id}",
            get(api_get).patch(api_patch).delete(api_delete),
        )
}

// ---- access ----

fn can_manage(app: &AppState, user: &CurrentUser, a: &AgencyScope) -> bool {
    user.require(app, Permission::ObligationManage, &a.agency_path())
        .is_ok()
}

/// The 承辦人 changes any asset; a custodian, the ones in their care.
pub(crate) fn can_edit(
    app: &AppState,
    user: &CurrentUser,
    a: &AgencyScope,
    asset: &AssetRow,
) -> bool {
    can_manage(app, user, a)
        || (asset.custodian_user_id.is_some()
            && asset.custodian_user_id == user.actor.user_id
            && user
                .require(app, Permission::ObligationWork, &a.agency_path())
                .is_ok())
}

pub(crate) async fn find_asset(
    app: &AppState,
    a: &AgencyScope,
    id: &str,
) -> Result<AssetRow, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    app.store.asset(a, id).await?.ok_or(AppError::NotFound)
}

/// The account a custodian's name or username designates, if one of the agency's accounts does.
async fn custodian_account(
    app: &AppState,
    user: &CurrentUser,
    a: &AgencyScope,
    custodian: &str,
) -> Result<Option<Uuid>, AppError> {
    if custodian.is_empty() {
        return Ok(None);
    }
    let users = app.store.users_of_agency(&user.actor, a.id).await?;
    Ok(anwei_store::assets::custodian_account(&users, custodian))
}

pub(crate) fn raw_of(row: &AssetRow) -> RawAsset {
    let rating = |r: Option<i32>| {
        r.and_then(Rating::from_number)
            .map_or(String::new(), |r| r.as_str().to_string())
    };
    let flag = |b: bool| if b { "true" } else { "false" }.to_string();
    RawAsset {
        name: row.name.clone(),
        kind: row.kind.as_str().to_string(),
        custodian: row.custodian.clone(),
        owner_unit: row.owner_unit.clone(),
        location: row.location.clone(),
        supports_core_business: flag(row.supports_core_business),
        centralised: flag(row.centralised),
        hosted_by: row.hosted_by.clone(),
        confidentiality: rating(row.confidentiality),
        integrity: rating(row.integrity),
        availability: rating(row.availability),
        legality: rating(row.legality),
        status: row.status.as_str().to_string(),
        acquired_on: row.acquired_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// A JSON object onto a raw asset: strings as they are, booleans and numbers as text, null as
/// empty; an unknown key is an error on that key.
fn overlay(raw: &mut RawAsset, body: &Map<String, Value>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (key, value) in body {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            _ => {
                errors.push(FieldError::new("body", "err-json-value").with("field", key));
                continue;
            }
        };
        let slot = match key.as_str() {
            "name" => &mut raw.name,
            "kind" => &mut raw.kind,
            "custodian" => &mut raw.custodian,
            "owner_unit" => &mut raw.owner_unit,
            "location" => &mut raw.location,
            "supports_core_business" => &mut raw.supports_core_business,
            "centralised" => &mut raw.centralised,
            "hosted_by" => &mut raw.hosted_by,
            "confidentiality" => &mut raw.confidentiality,
            "integrity" => &mut raw.integrity,
            "availability" => &mut raw.availability,
            "legality" => &mut raw.legality,
            "status" => &mut raw.status,
            "acquired_on" => &mut raw.acquired_on,
            _ => {
                errors.push(FieldError::new("body", "err-json-unknown").with("field", key));
                continue;
            }
        };
        *slot = text;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

async fn create(
    app: &AppState,
    user: &CurrentUser,
    a: &AgencyScope,
    input: &AssetInput,
) -> Result<AssetRow, AppError> {
    let custodian = custodian_account(app, user, a, &input.custodian).await?;
    Ok(app
        .store
        .create_asset(&user.actor, a.id, input, custodian, app.clock.now())
        .await?)
}

async fn update(
    app: &AppState,
    user: &CurrentUser,
    a: &AgencyScope,
    before: &AssetRow,
    input: &AssetInput,
) -> Result<(), AppError> {
    // a custodian may not hand their asset to someone else
    let custodian = if can_manage(app, user, a) {
        custodian_account(app, user, a, &input.custodian).await?
    } else {
        if input.custodian != before.custodian {
            return Err(FieldError::new("custodian", "err-custodian-own").into());
        }
        before.custodian_user_id
    };
    Ok(app
        .store
        .update_asset(&user.actor, before, input, custodian, app.clock.now())
        .await?)
}

// ---- API ----

#[derive(Deserialize)]
struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
}

/// An asset as the API shows it: as recorded, with what the catalog's rules make of it — its
/// level (附表九) and why, in the request's language, and whether it is a 核心資通系統.
fn asset_json(app: &AppState, t: &Locale, row: &AssetRow) -> Value {
    let mut v = row.to_json();
    let g = row.grade();
    if let Value::Object(m) = &mut v {
        m.insert("level".into(), json!(g.as_ref().map(|g| g.level.as_str())));
        m.insert(
            "level_reason".into(),
            json!(g.as_ref().map(|g| t.grade_reason(g))),
        );
        m.insert(
            "core_system".into(),
            json!(row.is_core(app.catalog.grading.core)),
        );
    }
    v
}

async fn api_list(
    State(app): State<AppState>,
    t: Locale,
    scope: Scoped<need::ObligationRead, ApiUser>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let a = scope.agency;
    let page = crate::routes::page_number("page", q.page.as_deref(), 1, 1_000_000)?;
    let per_page = crate::routes::page_number("per_page", q.per_page.as_deref(), 50, 500)?;
    let (rows, total) = app
        .store
        .assets_page(&a, &AssetFilter::default(), page, per_page)
        .await?;
    Ok(Json(json!({
        "items": rows.iter().map(|r| asset_json(&app, &t, r)).collect::<Vec<_>>(),
        "total": total,
        "page": page,
        "per_page": per_page,
    })))
}

async fn api_create(
    State(app): State<AppState>,
    t: Locale,
    scope: Scoped<need::ObligationManage, ApiUser>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (a, user) = scope.into_parts();
    let body = crate::error::json_body(body)?;
    let mut raw = RawAsset::default();
    overlay(&mut raw, &body).map_err(AppError::Invalid)?;
    let input = raw.parse(app.today()).map_err(AppError::Invalid)?;
    let row = create(&app, &user, &a, &input).await?;
    Ok((StatusCode::CREATED, Json(asset_json(&app, &t, &row))))
}

async fn api_get(
    State(app): State<AppState>,
    t: Locale,
    scope: Scoped<need::ObligationRead, ApiUser>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    let a = scope.agency;
    let row = find_asset(&app, &a, &id).await?;
    Ok(Json(asset_json(&app, &t, &row)))
}

async fn api_patch(
    State(app): State<AppState>,
    t: Locale,
    scope: Scoped<need::ObligationRead, ApiUser>,
    Path((_, id)): Path<(String, String)>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let (a, user) = scope.into_parts();
    let before = find_asset(&app, &a, &id).await?;
    if !can_edit(&app, &user, &a, &before) {
        return Err(AppError::Forbidden);
    }
    let body = crate::error::json_body(body)?;
    let mut raw = raw_of(&before);
    overlay(&mut raw, &body).map_err(AppError::Invalid)?;
    let input = raw.parse(app.today()).map_err(AppError::Invalid)?;
    update(&app, &user, &a, &before, &input).await?;
    let row = find_asset(&app, &a, &id).await?;
    Ok(Json(asset_json(&app, &t, &row)))
}

async fn api_delete(
    State(app): State<AppState>,
    scope: Scoped<need::ObligationManage, ApiUser>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (a, user) = scope.into_parts();
    let before = find_asset(&app, &a, &id).await?;
    app.store
        .delete_asset(&user.actor, &before, app.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- pages ----

/// A form's outcome: a name already in use or a refused field goes back to the form beside its
/// field; anything else is an error of the request.
fn taken_as_field<T>(r: Result<T, AppError>) -> Result<Result<T, Vec<FieldError>>, AppError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(AppError::Store(anwei_store::StoreError::Conflict { field })) => {
            Ok(Err(vec![FieldError::new(field, "err-asset-name-taken")]))
        }
        Err(AppError::Invalid(errors)) => Ok(Err(errors)),
        Err(e) => Err(e),
    }
}

/// One row of the inventory table.
pub struct AssetLine {
    pub row: AssetRow,
    pub kind: String,
    pub ratings: Vec<String>,
    pub level: String,
    pub core: bool,
    pub mine: bool,
    /// Confirmed in this year's inventory round.
    pub confirmed: bool,
    pub can_confirm: bool,
}

#[derive(Template)]
#[template(path = "inventory.html")]
struct InventoryPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    lines: Vec<AssetLine>,
    notice: String,
    can_manage: bool,
    form: AssetForm,
    errors: FormErrors,
    formats: Vec<&'static str>,
    mine_only: bool,
    counts: (usize, usize, usize),
    /// Why an uploaded file could not be read.
    import_error: String,
    max_mb: usize,
    round: Option<anwei_store::assets::InventoryRoundRow>,
    year: i32,
    confirmed: usize,
    can_approve: bool,
    /// Assets naming a product endangering national security that are not resolved (§11).
    restricted_open: usize,
    pages: Paging,
    search: String,
}

/// Rows on one page of the register unless `per_page` says otherwise.
const PAGE_SIZE: i64 = 50;

/// The asset form's fields and choices.
pub struct AssetForm {
    pub raw: RawAsset,
    pub kinds: Vec<Opt>,
    pub statuses: Vec<Opt>,
    /// (field, label, options) per dimension
    pub dimensions: Vec<(&'static str, String, Vec<Opt>)>,
    pub core: bool,
    pub centralised: bool,
}

fn asset_form(t: &Locale, raw: RawAsset) -> AssetForm {
    let kinds: Vec<&str> = AssetKind::ALL.iter().map(|k| k.as_str()).collect();
    let statuses: Vec<&str> = AssetStatus::ALL.iter().map(|s| s.as_str()).collect();
    let ratings: Vec<&str> = Rating::ALL.iter().map(|r| r.as_str()).collect();
    let value_of = |field: &str| match field {
        "confidentiality" => raw.confidentiality.clone(),
        "integrity" => raw.integrity.clone(),
        "availability" => raw.availability.clone(),
        _ => raw.legality.clone(),
    };
    let normalise = |v: String| {
        Rating::parse("x", &v)
            .ok()
            .flatten()
            .map_or(v, |r| r.as_str().to_string())
    };
    AssetForm {
        kinds: options(t, &kinds, "asset-kind-", &raw.kind),
        statuses: options(t, &statuses, "asset-status-", &raw.status),
        dimensions: DIMENSIONS
            .iter()
            .map(|(field, _)| {
                (
                    *field,
                    t.tp("asset-dimension-", field),
                    options(t, &ratings, "asset-rating-", &normalise(value_of(field))),
                )
            })
            .collect(),
        core: anwei_domain::asset::parse_flag("x", &raw.supports_core_business).unwrap_or(false),
        centralised: anwei_domain::asset::parse_flag("x", &raw.centralised).unwrap_or(false),
        raw,
    }
}

fn line(app: &AppState, t: &Locale, row: AssetRow, user: &CurrentUser) -> AssetLine {
    let g = row.grade();
    AssetLine {
        confirmed: false,
        can_confirm: false,
        kind: t.tp("asset-kind-", row.kind.as_str()),
        ratings: row
            .ratings()
            .iter()
            .map(|r| r.map_or("—".to_string(), |r| r.zh().to_string()))
            .collect(),
        level: g.map_or("—".into(), |g| g.level.zh().to_string()),
        core: row.is_core(app.catalog.grading.core),
        mine: row.custodian_user_id.is_some() && row.custodian_user_id == user.actor.user_id,
        row,
    }
}

/// The counts of the whole register (whatever the page's filter shows) and the §11 matches
/// still unresolved.
async fn inventory_facts(
    app: &AppState,
    a: &AgencyScope,
) -> Result<crate::state::InventoryFacts, AppError> {
    let profile = app.store.asset_profile(a).await?;
    let sum = |keep: &dyn Fn(&AssetProfile) -> bool| {
        profile
            .iter()
            .filter(|p| keep(p))
            .map(|p| usize::try_from(p.n).unwrap_or(0))
            .sum::<usize>()
    };
    Ok(crate::state::InventoryFacts {
        counts: (
            sum(&|_| true),
            sum(&|p| p.is_core(app.catalog.grading.core)),
            sum(&|p| p.centralised),
        ),
        // assets naming a product endangering national security, not resolved (Act §11)
        restricted_open: anwei_app::restricted::unresolved_count(&app.store, &app.catalog, a)
            .await?,
    })
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    notice: Option<String>,
    mine: Option<String>,
    /// Text searched in name, custodian, unit and location.
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    /// After an import: how many rows were added and how many refused.
    imported: Option<usize>,
    refused: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
pub async fn render_inventory(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    q: PageQuery,
    form: RawAsset,
    errors: FormErrors,
    import_error: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mine_only = q.mine.as_deref() == Some("1");
    let year = crate::routes::this_year(app);
    let round = app.store.inventory_round(&a, year).await?;
    let open_round = round.as_ref().is_some_and(|r| r.signed_off_at.is_none());
    // One page of the register, paged and filtered in SQL (issue 22 item 11).
    let filter = AssetFilter {
        text: q.q.clone().filter(|s| !s.trim().is_empty()),
        custodian_user_id: if mine_only { user.actor.user_id } else { None },
    };
    let page_no = crate::routes::page_number("page", q.page.as_deref(), 1, 1_000_000)?;
    let per_page = crate::routes::page_number("per_page", q.per_page.as_deref(), PAGE_SIZE, 200)?;
    let (rows, shown_total) = app
        .store
        .assets_page(&a, &filter, page_no, per_page)
        .await?;
    let confirmed_ids = match (&round, rows.first(), rows.last()) {
        (Some(r), Some(first), Some(last)) => {
            app.store
                .confirmed_between(r.id, &a, &first.name, &last.name)
                .await?
        }
        _ => Vec::new(),
    };
    let confirmed = match &round {
        Some(r) => usize::try_from(app.store.confirmed_count(r.id).await?).unwrap_or(0),
        None => 0,
    };
    // Whole-register facts, recomputed only when the agency's records changed.
    let version = app.store.records_version(&a).await?;
    let facts = match app.register_facts.get(a.id, version) {
        Some(f) => f,
        None => {
            let f = inventory_facts(app, &a).await?;
            app.register_facts.put(a.id, version, f);
            f
        }
    };
    let (counts, restricted_open) = (facts.counts, facts.restricted_open);
    let lines: Vec<AssetLine> = rows
        .into_iter()
        .map(|r| {
            let confirmed = confirmed_ids.contains(&r.id);
            let can_confirm = open_round && !confirmed && can_edit(app, user, &a, &r);
            AssetLine {
                confirmed,
                can_confirm,
                ..line(app, t, r, user)
            }
        })
        .collect();
    let pages = Paging::new(
        page_no,
        per_page,
        shown_total,
        &format!("/agencies/{}/assets", a.code),
        &[
            ("q", q.q.as_deref().unwrap_or("")),
            ("mine", if mine_only { "1" } else { "" }),
        ],
    );
    let page = InventoryPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/assets", a.code)),
        notice: match q.imported {
            Some(n) => t.f(
                "notice-assets-imported",
                &[
                    ("n", n.to_string()),
                    ("refused", q.refused.unwrap_or(0).to_string()),
                ],
            ),
            None => notice_text(t, q.notice.as_deref()),
        },
        can_manage: can_manage(app, user, &a),
        can_approve: user
            .require(app, Permission::ObligationApprove, &a.agency_path())
            .is_ok(),
        confirmed,
        restricted_open,
        pages,
        search: q.q.clone().unwrap_or_default(),
        round,
        year,
        import_error,
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        form: asset_form(t, form),
        formats: anwei_docs::Format::TABULAR
            .iter()
            .map(|f| f.extension())
            .collect(),
        t,
        a,
        lines,
        errors,
        mine_only,
        counts,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    render_inventory(
        &app,
        &t,
        &user,
        a,
        q,
        RawAsset::default(),
        FormErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

async fn create_form(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    axum::Form(raw): axum::Form<RawAsset>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let result = match raw.parse(app.today()) {
        Ok(input) => taken_as_field(create(&app, &user, &a, &input).await)?,
        Err(errors) => Err(errors),
    };
    match result {
        Ok(row) => Ok(redirect(&format!(
            "/agencies/{}/assets/{}?notice=asset-saved",
            a.code, row.id
        ))),
        Err(errors) => {
            render_inventory(
                &app,
                &t,
                &user,
                a,
                PageQuery::default(),
                raw,
                FormErrors::from_fields(&t, &errors),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    asset: AssetRow,
    level: String,
    reason: String,
    core: bool,
    can_edit: bool,
    can_delete: bool,
    form: AssetForm,
    errors: FormErrors,
    notice: String,
    disposal: Option<anwei_store::assets::DisposalRow>,
    dispose: DisposalForm,
    methods: Vec<Opt>,
    accept: String,
    max_mb: usize,
    /// 附表十 rows for the system's level, with their status (empty for other kinds or an
    /// ungraded system).
    controls: Vec<ControlLine>,
    /// Whether the agency's level binds it to 附表十.
    baseline_binds: bool,
    baseline_citation: String,
    statuses: Vec<&'static str>,
}

/// One 附表十 row of a system, with where it stands.
pub struct ControlLine {
    pub key: String,
    pub domain: String,
    pub control: String,
    pub level: &'static str,
    pub text: String,
    pub status: String,
    pub note: String,
}

/// The disposal form as sent, with its errors (see `asset_disposal`).
#[derive(Default)]
pub struct DisposalForm {
    pub fields: crate::routes::evidence_form::EvidenceFields,
    pub errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn render_asset(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    asset: AssetRow,
    raw: RawAsset,
    errors: FormErrors,
    notice: String,
    status: StatusCode,
    dispose: DisposalForm,
) -> Result<Response, AppError> {
    let g = asset.grade();
    let methods: Vec<&str> = anwei_domain::asset::DisposalMethod::ALL
        .iter()
        .map(|m| m.as_str())
        .collect();
    let statuses = app.store.control_statuses(asset.id).await?;
    let controls = match (Some(asset.kind), g.as_ref()) {
        (Some(anwei_domain::asset::AssetKind::System), Some(grade)) => app
            .catalog
            .baseline
            .rows_for(grade.level)
            .into_iter()
            .map(|r| {
                let s = statuses.iter().find(|s| s.control_key == r.key);
                ControlLine {
                    key: r.key.clone(),
                    domain: r.domain.clone(),
                    control: r.control.clone(),
                    level: r.level.zh(),
                    text: r.text.clone(),
                    status: s.map_or("not_started".into(), |s| s.status.clone()),
                    note: s.map_or(String::new(), |s| s.note.clone()),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let page = AssetPage {
        controls,
        baseline_binds: app.catalog.baseline.binds(
            a.level
                .as_deref()
                .and_then(|l| anwei_domain::agency::ResponsibilityLevel::parse(l).ok()),
        ),
        baseline_citation: app.catalog.baseline.citation.clone(),
        statuses: anwei_domain::baseline::CONTROL_STATUSES.to_vec(),
        disposal: app.store.disposal_of(asset.id).await?,
        methods: options(
            t,
            &methods,
            "disposal-method-",
            dispose.fields.extra("method"),
        ),
        dispose,
        accept: crate::routes::evidence_form::accept_attribute(),
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/assets", a.code)),
        level: g.as_ref().map_or("—".into(), |g| g.level.zh().to_string()),
        reason: g
            .map(|g| t.grade_reason(&g))
            .unwrap_or_else(|| t.t("asset-not-graded")),
        core: asset.is_core(app.catalog.grading.core),
        can_edit: can_edit(app, user, &a, &asset),
        can_delete: can_manage(app, user, &a),
        form: asset_form(t, raw),
        t,
        a,
        asset,
        errors,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

async fn asset_page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let asset = find_asset(&app, &a, &id).await?;
    let notice = notice_text(&t, q.notice.as_deref());
    let raw = raw_of(&asset);
    render_asset(
        &app,
        &t,
        &user,
        a,
        asset,
        raw,
        FormErrors::default(),
        notice,
        StatusCode::OK,
        DisposalForm::default(),
    )
    .await
}

async fn update_form(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    axum::Form(raw): axum::Form<RawAsset>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let before = find_asset(&app, &a, &id).await?;
    if !can_edit(&app, &user, &a, &before) {
        return Err(AppError::Forbidden);
    }
    let result = match raw.parse(app.today()) {
        Ok(input) => taken_as_field(update(&app, &user, &a, &before, &input).await)?,
        Err(errors) => Err(errors),
    };
    match result {
        Ok(()) => Ok(redirect(&format!(
            "/agencies/{}/assets/{}?notice=asset-saved",
            a.code, before.id
        ))),
        Err(errors) => {
            render_asset(
                &app,
                &t,
                &user,
                a,
                before,
                raw,
                FormErrors::from_fields(&t, &errors),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                DisposalForm::default(),
            )
            .await
        }
    }
}

async fn delete_form(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let before = find_asset(&app, &a, &id).await?;
    app.store
        .delete_asset(&user.actor, &before, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=asset-deleted",
        a.code
    )))
}

/// `inventory.xlsx` (or .ods, .csv, .odt, .pdf): the register as the supervisor collects it,
/// with each asset's level and whether it is a core system.
async fn export(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let format = crate::pages::format_of(&file, "inventory", &anwei_docs::Format::TABULAR)?;
    let doc =
        anwei_app::documents::asset_register(&app.store, &app.catalog, &t, &a, app.today()).await?;
    crate::pages::deliver(&doc, format, &t.t("asset-register"), &a.name)
}
