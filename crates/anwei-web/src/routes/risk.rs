//! 資通安全風險評估 (安維計畫 捌、一; 施行細則 §9 I(7)). Each year the 承辦人 either opens an
//! assessment by the detailed method — choosing the scales and the acceptable-risk threshold,
//! which default to the previous year's or the catalog's — or, when every system the agency uses
//! is run by its supervisor, records the year as exempt with the plan's reason (捌、一、1). Risks
//! are recorded per asset: threat, vulnerability, existing controls, likelihood and impact (the
//! impact proposed from the asset's value). A risk above the threshold is treated; a 留存 waits
//! for the 資通安全長, who approves it until a date. The 資通安全長 completes the assessment when
//! every risk is settled; the register is then frozen as an XLSX and proves the year's duty.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, render};
use crate::routes::{notice_text, parse_year, this_year};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_app::risk::RiskLine;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::asset::{AssetStatus, Rating};
use anwei_domain::rbac::Permission;
use anwei_domain::risk::{
    RawRisk, RiskInput, Scales, Treatment, asset_value, exempt_by_centralisation,
};
use anwei_store::StoreError;
use anwei_store::agencies::AgencyScope;
use anwei_store::assets::AssetRow;
use anwei_store::risks::{RiskAssessmentRow, RiskRow};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/risks", get(page))
        .route("/agencies/{code}/risks/open", post(open))
        .route("/agencies/{code}/risks/exempt", post(exempt))
        .route("/agencies/{code}/risks/scales", post(set_scales))
        .route("/agencies/{code}/risks/add", post(add))
        .route("/agencies/{code}/risks/complete", post(complete))
        .route("/agencies/{code}/risks/r/{id}", get(risk_page).post(update))
        .route("/agencies/{code}/risks/r/{id}/delete", post(delete))
        .route("/agencies/{code}/risks/r/{id}/approve", post(approve))
        .route("/agencies/{code}/risks/{year}/{file}", get(export))
}

// ---- what the pages show ----

pub struct MatrixCell {
    pub score: u16,
    pub acceptable: bool,
    pub count: usize,
}

pub struct MatrixRow {
    pub label: String,
    pub cells: Vec<MatrixCell>,
}

/// The risk form with its choices.
pub struct RiskForm {
    pub raw: RawRisk,
    pub assets: Vec<Opt>,
    pub likelihoods: Vec<Opt>,
    pub impacts: Vec<Opt>,
    pub treatments: Vec<Opt>,
    pub threats: Vec<String>,
    pub vulnerabilities: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScalesBody {
    pub likelihood_levels: String,
    pub impact_levels: String,
    pub threshold: String,
}

impl ScalesBody {
    fn of(s: Scales) -> Self {
        Self {
            likelihood_levels: s.likelihood_levels.to_string(),
            impact_levels: s.impact_levels.to_string(),
            threshold: s.threshold.to_string(),
        }
    }

    fn parse(&self) -> Result<Scales, Vec<FieldError>> {
        Scales::parse(
            &self.likelihood_levels,
            &self.impact_levels,
            &self.threshold,
        )
    }
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RisksPage<'a> {
    c: Chrome,
    t: &'a Locale,
    a: AgencyScope,
    notice: String,
    year: i32,
    this_year: bool,
    citation: String,
    exemption_citation: String,
    assessment: Option<RiskAssessmentRow>,
    history: Vec<RiskAssessmentRow>,
    lines: Vec<RiskLine>,
    matrix: Vec<MatrixRow>,
    impact_labels: Vec<String>,
    unsettled: usize,
    can_manage: bool,
    can_approve: bool,
    scales: ScalesBody,
    scale_choices: Vec<u8>,
    exemptable: bool,
    /// The systems in use and whether each is centralised, for the exemption.
    systems: Vec<(String, bool, String)>,
    exempt_reason: String,
    form: RiskForm,
    errors: FormErrors,
    formats: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "risk.html")]
struct RiskPage<'a> {
    c: Chrome,
    t: &'a Locale,
    a: AgencyScope,
    notice: String,
    line: RiskLine,
    assessment: RiskAssessmentRow,
    can_manage: bool,
    can_approve: bool,
    form: RiskForm,
    errors: FormErrors,
    expires_on: String,
}

// ---- access and lookups ----

fn allowed(app: &AppState, user: &CurrentUser, a: &AgencyScope, p: Permission) -> bool {
    user.require(app, p, &a.agency_path()).is_ok()
}

async fn current(app: &AppState, a: &AgencyScope) -> Result<RiskAssessmentRow, AppError> {
    Ok(app
        .store
        .risk_assessment(a, this_year(app))
        .await?
        .ok_or(StoreError::WrongState("err-assessment-none"))?)
}

async fn find_risk(app: &AppState, a: &AgencyScope, id: &str) -> Result<RiskRow, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    app.store.risk(a, id).await?.ok_or(AppError::NotFound)
}

/// The scales a new assessment starts from: last year's, else the catalog's.
fn starting_scales(app: &AppState, history: &[RiskAssessmentRow]) -> Scales {
    history
        .iter()
        .find(|x| !x.is_exempt())
        .map_or(app.catalog.risk.defaults, RiskAssessmentRow::scales)
}

fn value_of(asset: &AssetRow) -> Option<Rating> {
    let [c, i, av, _] = asset.ratings();
    asset_value(c, i, av)
}

/// Levels 1..=n with their labels, the current one selected.
fn level_options(app: &AppState, levels: u8, current: &str) -> Vec<Opt> {
    (1..=levels)
        .map(|n| Opt {
            value: n.to_string(),
            label: format!("{n} {}", app.catalog.risk.label(levels, n)),
            selected: current.trim() == n.to_string(),
        })
        .collect()
}

async fn risk_form(
    app: &AppState,
    t: &Locale,
    a: &AgencyScope,
    s: &Scales,
    raw: RawRisk,
) -> Result<RiskForm, AppError> {
    let assets = app
        .store
        .assets(a)
        .await?
        .into_iter()
        .filter(|x| x.status == AssetStatus::InUse || x.id.to_string() == raw.asset)
        .map(|x| {
            let value = value_of(&x).map_or_else(
                || t.t("risk-value-unrated"),
                |v| {
                    t.f(
                        "risk-value-impact",
                        &[
                            ("value", v.zh().to_string()),
                            ("impact", s.impact_of(v).to_string()),
                        ],
                    )
                },
            );
            Opt {
                selected: x.id.to_string() == raw.asset,
                label: format!(
                    "{}（{}，{}）",
                    x.name,
                    t.tp("asset-kind-", x.kind.as_str()),
                    value
                ),
                value: x.id.to_string(),
            }
        })
        .collect();
    let (own_threats, own_vulnerabilities) = app.store.risk_terms(a).await?;
    let merge = |catalog: &[anwei_domain::risk::Term], own: Vec<String>| {
        let mut all: Vec<String> = catalog.iter().map(|x| x.name.clone()).collect();
        for o in own {
            if !all.contains(&o) {
                all.push(o);
            }
        }
        all
    };
    let treatment_values: Vec<&'static str> = Treatment::ALL.iter().map(|x| x.as_str()).collect();
    Ok(RiskForm {
        assets,
        likelihoods: level_options(app, s.likelihood_levels, &raw.likelihood),
        impacts: level_options(app, s.impact_levels, &raw.impact),
        treatments: options(
            t,
            &treatment_values,
            "risk-treatment-",
            raw.treatment.trim(),
        ),
        threats: merge(&app.catalog.risk.threats, own_threats),
        vulnerabilities: merge(&app.catalog.risk.vulnerabilities, own_vulnerabilities),
        raw,
    })
}

fn raw_of(row: &RiskRow) -> RawRisk {
    RawRisk {
        asset: row.asset_id.map(|x| x.to_string()).unwrap_or_default(),
        threat: row.threat.clone(),
        vulnerability: row.vulnerability.clone(),
        existing_controls: row.existing_controls.clone(),
        likelihood: row.likelihood.to_string(),
        impact: row.impact.to_string(),
        treatment: row.treatment.clone().unwrap_or_default(),
        treatment_plan: row.treatment_plan.clone(),
        owner: row.owner.clone(),
        due_on: row.due_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// The asset a form names (one of the agency's) and the risk it describes. An empty impact takes
/// the one the asset's value proposes.
async fn parse_risk(
    app: &AppState,
    a: &AgencyScope,
    s: &Scales,
    raw: &RawRisk,
) -> Result<Result<(AssetRow, RiskInput), Vec<FieldError>>, AppError> {
    let asset = match Uuid::parse_str(raw.asset.trim()) {
        Ok(id) => app.store.asset(a, id).await?,
        Err(_) => None,
    };
    let mut raw = raw.clone();
    if raw.impact.trim().is_empty()
        && let Some(v) = asset.as_ref().and_then(value_of)
    {
        raw.impact = s.impact_of(v).to_string();
    }
    let parsed = raw.parse(s);
    Ok(match (asset, parsed) {
        (Some(asset), Ok(input)) => Ok((asset, input)),
        (None, Ok(_)) => Err(vec![FieldError::new("asset", "err-choice")]),
        (Some(_), Err(e)) => Err(e),
        (None, Err(mut e)) => {
            e.insert(0, FieldError::new("asset", "err-choice"));
            Err(e)
        }
    })
}

// ---- the year's page ----

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    notice: Option<String>,
    year: Option<String>,
}

#[derive(Default)]
struct Forms {
    scales: Option<ScalesBody>,
    exempt_reason: Option<String>,
    risk: RawRisk,
    errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    year: i32,
    notice: String,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let history = app.store.risk_assessments(&a).await?;
    let assessment = history.iter().find(|x| x.year == year).cloned();
    let scales = match &assessment {
        Some(x) => x.scales(),
        None => starting_scales(app, &history),
    };
    let lines: Vec<RiskLine> = match &assessment {
        Some(x) => app
            .store
            .risks(x.id)
            .await?
            .into_iter()
            .map(|r| anwei_app::risk::line(&app.catalog, app.today(), t, &scales, r))
            .collect(),
        None => Vec::new(),
    };
    let m = &app.catalog.risk;
    let matrix = (1..=scales.likelihood_levels)
        .rev()
        .map(|l| MatrixRow {
            label: format!("{l} {}", m.label(scales.likelihood_levels, l)),
            cells: (1..=scales.impact_levels)
                .map(|i| {
                    let score = scales.score(l, i);
                    MatrixCell {
                        score,
                        acceptable: scales.acceptable(score),
                        count: lines
                            .iter()
                            .filter(|x| {
                                x.row.likelihood == i32::from(l) && x.row.impact == i32::from(i)
                            })
                            .count(),
                    }
                })
                .collect(),
        })
        .collect();
    let systems = anwei_app::risk::systems_in_use(&app.store, &a).await?;
    let exemptable = app
        .catalog
        .risk
        .level_may_be_exempt(a.responsibility_level())
        && exempt_by_centralisation(systems.iter().map(|(_, c, _)| (true, *c)));
    let exempt_reason = forms
        .exempt_reason
        .unwrap_or_else(|| exemption_reason(t, &systems));
    let form = risk_form(app, t, &a, &scales, forms.risk).await?;
    let page = RisksPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/risks", a.code)),
        notice,
        year,
        this_year: year == this_year(app),
        citation: m.citation.clone(),
        exemption_citation: m.exemption_citation.clone(),
        history,
        unsettled: lines
            .iter()
            .filter(|l| !l.row.state(&scales, app.today()).settled())
            .count(),
        matrix,
        impact_labels: (1..=scales.impact_levels)
            .map(|i| format!("{i} {}", m.label(scales.impact_levels, i)))
            .collect(),
        lines,
        can_manage: allowed(app, user, &a, Permission::ObligationManage),
        can_approve: allowed(app, user, &a, Permission::ObligationApprove),
        scales: forms.scales.unwrap_or_else(|| ScalesBody::of(scales)),
        scale_choices: anwei_domain::risk::SCALE_LEVELS.collect(),
        exemptable,
        systems,
        exempt_reason,
        form,
        errors: forms.errors,
        formats: anwei_docs::Format::TABULAR
            .iter()
            .map(|f| f.extension())
            .collect(),
        assessment,
        t,
        a,
    };
    Ok((status, render(&page)?).into_response())
}

/// The page again with a form's errors beside its fields, and what was typed kept.
async fn refused(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    year: i32,
    errors: &[FieldError],
    forms: Forms,
) -> Result<Response, AppError> {
    let forms = Forms {
        errors: FormErrors::from_fields(t, errors),
        ..forms
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_page(app, t, user, a, year, String::new(), forms, status).await
}

/// The plan's reason, naming the systems and who runs them.
fn exemption_reason(t: &Locale, systems: &[(String, bool, String)]) -> String {
    if systems.is_empty() {
        return t.t("risk-exempt-reason-none");
    }
    let names: Vec<String> = systems
        .iter()
        .map(|(n, _, by)| {
            if by.is_empty() {
                n.clone()
            } else {
                format!("{n}（{by}）")
            }
        })
        .collect();
    t.f1("risk-exempt-reason", "systems", &names.join("、"))
}

async fn page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let year = parse_year(&app, q.year.as_deref())?;
    let notice = notice_text(&t, q.notice.as_deref());
    render_page(
        &app,
        &t,
        &user,
        a,
        year,
        notice,
        Forms::default(),
        StatusCode::OK,
    )
    .await
}

fn back(a: &AgencyScope, notice: &str, anchor: &str) -> Response {
    redirect(&format!(
        "/agencies/{}/risks?notice={notice}#{anchor}",
        a.code
    ))
}

async fn open(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(body): Form<ScalesBody>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    match body.parse() {
        Ok(s) => {
            app.store
                .open_risk_assessment(&user.actor, a.id, this_year(&app), s, app.clock.now())
                .await?;
            Ok(back(&a, "risk-opened", "register"))
        }
        Err(e) => {
            refused(
                &app,
                &t,
                &user,
                a,
                this_year(&app),
                &e,
                Forms {
                    scales: Some(body),
                    ..Forms::default()
                },
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExemptBody {
    reason: String,
}

/// 捌、一、1: only when every system in use is centralised; the record is attached to the
/// year's duty as a short document.
async fn exempt(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(body): Form<ExemptBody>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let reason = match parse_line("reason", &body.reason, 1, 500) {
        Ok(r) => r,
        Err(e) => {
            return refused(
                &app,
                &t,
                &user,
                a,
                this_year(&app),
                &[e],
                Forms {
                    exempt_reason: Some(body.reason),
                    ..Forms::default()
                },
            )
            .await;
        }
    };
    anwei_app::risk::record_exemption(app.cx(), &t, &user.actor, &a, &reason).await?;
    Ok(back(&a, "risk-exempted", "assessment"))
}

async fn set_scales(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(body): Form<ScalesBody>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let x = current(&app, &a).await?;
    match body.parse() {
        Ok(s) => {
            app.store
                .set_risk_scales(&user.actor, &x, s, app.clock.now())
                .await?;
            Ok(back(&a, "risk-scales-saved", "scales"))
        }
        Err(e) => {
            refused(
                &app,
                &t,
                &user,
                a,
                x.year,
                &e,
                Forms {
                    scales: Some(body),
                    ..Forms::default()
                },
            )
            .await
        }
    }
}

async fn add(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(raw): Form<RawRisk>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let x = current(&app, &a).await?;
    if !x.is_open() || x.is_exempt() {
        return Err(StoreError::WrongState("err-assessment-closed").into());
    }
    match parse_risk(&app, &a, &x.scales(), &raw).await? {
        Ok((asset, input)) => {
            let value = value_of(&asset).map(Rating::number);
            app.store
                .add_risk(&user.actor, &x, &asset, value, &input, app.clock.now())
                .await?;
            Ok(back(&a, "risk-added", "register"))
        }
        Err(e) => {
            refused(
                &app,
                &t,
                &user,
                a,
                x.year,
                &e,
                Forms {
                    risk: raw,
                    ..Forms::default()
                },
            )
            .await
        }
    }
}

/// Only the 資通安全長, only when every risk is settled and at least one is recorded.
async fn complete(
    scope: Scoped<need::ObligationApprove>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let x = current(&app, &a).await?;
    anwei_app::risk::complete_assessment(app.cx(), &t, &user.actor, &a, &x).await?;
    Ok(back(&a, "risk-completed", "assessment"))
}

// ---- one risk ----

#[allow(clippy::too_many_arguments)]
async fn render_risk(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    row: RiskRow,
    notice: String,
    raw: RawRisk,
    errors: FormErrors,
    expires_on: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let assessment = app
        .store
        .risk_assessments(&a)
        .await?
        .into_iter()
        .find(|x| x.id == row.assessment_id)
        .ok_or(AppError::NotFound)?;
    let s = assessment.scales();
    let form = risk_form(app, t, &a, &s, raw).await?;
    let page = RiskPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/risks", a.code)),
        notice,
        line: anwei_app::risk::line(&app.catalog, app.today(), t, &s, row),
        can_manage: allowed(app, user, &a, Permission::ObligationManage) && assessment.is_open(),
        can_approve: allowed(app, user, &a, Permission::ObligationApprove) && assessment.is_open(),
        assessment,
        form,
        errors,
        expires_on,
        t,
        a,
    };
    Ok((status, render(&page)?).into_response())
}

async fn risk_page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let row = find_risk(&app, &a, &id).await?;
    let notice = notice_text(&t, q.notice.as_deref());
    let raw = raw_of(&row);
    render_risk(
        &app,
        &t,
        &user,
        a,
        row,
        notice,
        raw,
        FormErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

async fn update(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    Form(raw): Form<RawRisk>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let row = find_risk(&app, &a, &id).await?;
    let x = current(&app, &a).await?;
    if x.id != row.assessment_id || !x.is_open() {
        return Err(StoreError::WrongState("err-assessment-closed").into());
    }
    match parse_risk(&app, &a, &x.scales(), &raw).await? {
        Ok((asset, input)) => {
            let value = value_of(&asset).map(Rating::number);
            app.store
                .update_risk(&user.actor, &row, &asset, value, &input, app.clock.now())
                .await?;
            Ok(redirect(&format!(
                "/agencies/{}/risks/r/{}?notice=risk-saved",
                a.code, row.id
            )))
        }
        Err(e) => {
            let errors = FormErrors::from_fields(&t, &e);
            render_risk(
                &app,
                &t,
                &user,
                a,
                row,
                String::new(),
                raw,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn delete(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let row = find_risk(&app, &a, &id).await?;
    app.store
        .delete_risk(&user.actor, &row, app.clock.now())
        .await?;
    Ok(back(&a, "risk-deleted", "register"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApproveBody {
    expires_on: String,
}

/// 留存 needs the 資通安全長 (the role holding `obligation.approve` in its own agency).
async fn approve(
    scope: Scoped<need::ObligationApprove>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    Form(body): Form<ApproveBody>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let row = find_risk(&app, &a, &id).await?;
    if row.treatment() != Some(Treatment::Retain) {
        return Err(StoreError::WrongState("err-risk-not-retained").into());
    }
    match app
        .catalog
        .risk
        .acceptance_expiry(&body.expires_on, app.today())
    {
        Ok(until) => {
            app.store
                .approve_risk(&user.actor, &row, until, app.clock.now())
                .await?;
            Ok(redirect(&format!(
                "/agencies/{}/risks/r/{}?notice=risk-approved",
                a.code, row.id
            )))
        }
        Err(e) => {
            let errors = FormErrors::from_fields(&t, &[e]);
            let raw = raw_of(&row);
            render_risk(
                &app,
                &t,
                &user,
                a,
                row,
                String::new(),
                raw,
                errors,
                body.expires_on,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- the register as a document ----

/// `register.xlsx` (or .ods, .csv, .odt, .pdf) of a year's assessment.
async fn export(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, year, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    if file == "frozen.xlsx" {
        return frozen(&app, &t, &a, &year).await;
    }
    let format = crate::pages::format_of(&file, "register", &anwei_docs::Format::TABULAR)?;
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let x = app
        .store
        .risk_assessment(&a, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let risks = app.store.risks(x.id).await?;
    let doc = anwei_app::documents::risk_register(&app.catalog, app.today(), &t, &a, &x, risks);
    crate::pages::deliver(&doc, format, &t.t("risk-register"), &a.name)
}

/// The register as the 資通安全長 completed it, checked against its digest.
async fn frozen(
    app: &AppState,
    t: &Locale,
    a: &AgencyScope,
    year: &str,
) -> Result<Response, AppError> {
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let sha = app
        .store
        .risk_assessment(a, year)
        .await?
        .and_then(|x| x.snapshot_sha256)
        .ok_or(AppError::NotFound)?;
    crate::pages::frozen(
        app,
        &sha,
        anwei_docs::Format::Xlsx,
        &format!("{}-{}-{year}.xlsx", t.t("risk-register"), a.name),
    )
    .await
}
