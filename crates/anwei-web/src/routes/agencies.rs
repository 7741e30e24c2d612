//! Agencies: the tree, each agency's profile (responsibility level with its approval date and
//! basis), and the systems its supervisor runs for it (向上集中).

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, Outcome, render};
use crate::routes::dashboard::AgencyLine;
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::agency::{AgencyCode, AgencyKind, ResponsibilityLevel, parse_line};
use anwei_domain::rbac::Permission;
use anwei_domain::roc::parse_date_input;
use anwei_store::agencies::AgencyScope;
use anwei_store::agencies::{
    AgencyProfile, AgencyRow, HostedSystemRow, LevelDecision, LevelProposalRow,
};
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
        .route("/agencies", get(list).post(create))
        .route("/agencies/new", get(new_form))
        .route("/agencies/{code}", get(show))
        .route("/agencies/{code}/edit", get(edit_form).post(update))
        .route("/agencies/{code}/systems", post(add_system))
        .route("/agencies/{code}/systems/{id}/delete", post(remove_system))
        .route("/agencies/{code}/level-proposals", post(propose_level))
        .route(
            "/agencies/{code}/level-proposals/{id}/decide",
            post(decide_level),
        )
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct ListPage<'a> {
    t: &'a Locale,
    c: Chrome,
    lines: Vec<AgencyLine>,
    can_create: bool,
    notice: String,
    show_duties: bool,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
    parent: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::AgencyRead)?;
    let today = anwei_domain::roc::RocDate::of_instant(app.clock.now()).date();
    let summaries = crate::routes::dashboard::duty_summaries(&app, &user, today).await?;
    let show_duties = user.can(&app, Permission::ObligationRead);
    let lines = crate::routes::dashboard::agency_lines(&app, &user, &summaries).await?;
    let page = ListPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, "/agencies"),
        lines,
        show_duties,
        can_create: user.can(&app, Permission::AgencyCreate),
        notice: notice_text(&t, q.notice.as_deref()),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "agency.html")]
struct ShowPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    parent: Option<AgencyRow>,
    systems: Vec<HostedSystemRow>,
    subordinates: Vec<AgencyRow>,
    can_edit: bool,
    can_users: bool,
    /// The actor decides this agency's level (its supervisor, an administrator).
    can_decide_level: bool,
    proposals: Vec<LevelProposalRow>,
    levels: Vec<Opt>,
    /// A notice, or the hosted-system form's errors and typed name.
    o: Outcome,
}

async fn show(
    scope: Scoped<need::AgencyRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let notice = notice_text(&t, q.notice.as_deref());
    show_page(&app, &t, &user, a, Outcome::ok(notice)).await
}

async fn show_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    o: Outcome,
) -> Result<Response, AppError> {
    let status = o.status;
    let parent = match a.parent_id {
        Some(pid) => app
            .store
            .agency_by_id(&user.actor, pid)
            .await?
            .map(AgencyScope::into_row),
        None => None,
    };
    let path = a.agency_path();
    let page = ShowPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}", a.code)),
        parent,
        systems: app.store.hosted_systems(&a).await?,
        subordinates: app.store.subordinates(&user.actor, a.id).await?,
        can_edit: user.require(app, Permission::AgencyEdit, &path).is_ok(),
        can_users: user.require(app, Permission::UserRead, &path).is_ok(),
        can_decide_level: user.require(app, Permission::AgencyLevel, &path).is_ok(),
        proposals: app.store.level_proposals(&a).await?,
        levels: options(
            t,
            &ResponsibilityLevel::ALL.map(ResponsibilityLevel::as_str),
            "level-",
            "",
        ),
        o,
        a,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "agency_form.html")]
struct FormPage<'a> {
    t: &'a Locale,
    c: Chrome,
    creating: bool,
    action: String,
    parent_code: String,
    f: AgencyForm,
    errors: FormErrors,
    kinds: Vec<Opt>,
    levels: Vec<Opt>,
    /// The level fields are offered only to whom decides the level.
    can_decide_level: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct AgencyForm {
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub level_approved_on: String,
    #[serde(default)]
    pub level_basis: String,
}

impl AgencyForm {
    fn from_row(a: &AgencyScope) -> Self {
        Self {
            parent: String::new(),
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind.clone(),
            level: a.level.clone().unwrap_or_default(),
            level_approved_on: a
                .level_approved_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            level_basis: a.level_basis.clone().unwrap_or_default(),
        }
    }

    /// Parses every field and reports every problem at once.
    pub fn profile(&self) -> Result<AgencyProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = parse_line("name", &self.name, 1, 100)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = AgencyKind::parse(&self.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let level = if self.level.trim().is_empty() {
            Some(None)
        } else {
            ResponsibilityLevel::parse(&self.level)
                .map(Some)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let approved = parse_date_input("level_approved_on", &self.level_approved_on)
            .map_err(|e| errors.push(e))
            .ok();
        let basis = parse_line("level_basis", &self.level_basis, 0, 200)
            .map_err(|e| errors.push(e))
            .ok();
        match (name, kind, level, approved, basis) {
            (Some(name), Some(kind), Some(level), Some(level_approved_on), Some(basis))
                if errors.is_empty() =>
            {
                Ok(AgencyProfile {
                    name,
                    kind,
                    level,
                    level_approved_on,
                    level_basis: (!basis.is_empty()).then_some(basis),
                })
            }
            _ => Err(errors),
        }
    }
}

/// `agency` is the agency edited (None while creating one: creating takes agency.create, which
/// only those above it hold, so they set its first level).
#[allow(clippy::too_many_arguments)]
fn form_page<'a>(
    app: &AppState,
    t: &'a Locale,
    user: &CurrentUser,
    creating: bool,
    action: String,
    f: AgencyForm,
    errors: FormErrors,
    agency: Option<&AgencyRow>,
) -> FormPage<'a> {
    let can_decide_level = agency.is_none_or(|a| {
        user.require(app, Permission::AgencyLevel, &a.agency_path())
            .is_ok()
    });
    FormPage {
        t,
        c: Chrome::for_user(app, t, user, &action),
        creating,
        parent_code: f.parent.clone(),
        action,
        errors,
        kinds: options(
            t,
            &AgencyKind::ALL.map(AgencyKind::as_str),
            "kind-",
            &f.kind,
        ),
        levels: options(
            t,
            &ResponsibilityLevel::ALL.map(ResponsibilityLevel::as_str),
            "level-",
            &f.level,
        ),
        can_decide_level,
        f,
    }
}

async fn new_form(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::AgencyCreate)?;
    let f = AgencyForm {
        parent: q.parent.unwrap_or_default(),
        kind: "school".into(),
        ..Default::default()
    };
    Ok(render(&form_page(
        &app,
        &t,
        &user,
        true,
        "/agencies".into(),
        f,
        FormErrors::default(),
        None,
    ))?
    .into_response())
}

async fn create(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<AgencyForm>,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::AgencyCreate)?;
    let mut errors = Vec::new();
    let parent = if f.parent.trim().is_empty() {
        None
    } else {
        let found = match AgencyCode::parse(&f.parent) {
            Ok(code) => app.store.agency_by_code(&user.actor, code.as_str()).await?,
            Err(_) => None,
        };
        match found {
            Some(p) => {
                user.require(&app, Permission::AgencyCreate, &p.agency_path())?;
                Some(p)
            }
            None => {
                errors.push(FieldError::new("parent", "err-unknown-agency"));
                None
            }
        }
    };
    let code = AgencyCode::parse(&f.code).map_err(|e| errors.push(e)).ok();
    let profile = f.profile().map_err(|e| errors.extend(e)).ok();
    let (Some(code), Some(profile), true) = (code, profile, errors.is_empty()) else {
        let page = form_page(
            &app,
            &t,
            &user,
            true,
            "/agencies".into(),
            f,
            FormErrors::from_fields(&t, &errors),
            None,
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    match anwei_app::agencies::create(app.cx(), &user.actor, parent.as_deref(), &code, &profile)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/agencies/{code}?notice=agency-created"))),
        Err(anwei_app::Error::Store(anwei_store::StoreError::Conflict { .. })) => {
            let errors = [FieldError::new("code", "err-taken")];
            let page = form_page(
                &app,
                &t,
                &user,
                true,
                "/agencies".into(),
                f,
                FormErrors::from_fields(&t, &errors),
                None,
            );
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(
    scope: Scoped<need::AgencyEdit>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let action = format!("/agencies/{}/edit", a.code);
    Ok(render(&form_page(
        &app,
        &t,
        &user,
        false,
        action,
        AgencyForm::from_row(&a),
        FormErrors::default(),
        Some(&a),
    ))?
    .into_response())
}

async fn update(
    scope: Scoped<need::AgencyEdit>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<AgencyForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    // The level is decided for the agency, never by it (分級辦法: 上級機關或主管機關核定): whoever
    // may not decide it keeps it as it is, and a form that tries to change it is refused.
    let mut f = f;
    if user
        .require(&app, Permission::AgencyLevel, &a.agency_path())
        .is_err()
    {
        let current = AgencyForm::from_row(&a);
        let tried = [
            (&f.level, &current.level),
            (&f.level_approved_on, &current.level_approved_on),
            (&f.level_basis, &current.level_basis),
        ]
        .iter()
        .any(|(sent, now)| !sent.trim().is_empty() && sent.trim() != now.as_str());
        if tried {
            let errors = [FieldError::new("level", "err-level-decided-above")];
            let page = form_page(
                &app,
                &t,
                &user,
                false,
                format!("/agencies/{}/edit", a.code),
                current,
                FormErrors::from_fields(&t, &errors),
                Some(&a),
            );
            return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
        }
        f.level = current.level.clone();
        f.level_approved_on = current.level_approved_on.clone();
        f.level_basis = current.level_basis.clone();
    }
    match f.profile() {
        Ok(profile) => {
            anwei_app::agencies::update(app.cx(), &user.actor, &a, &profile).await?;
            Ok(redirect(&format!(
                "/agencies/{}?notice=agency-updated",
                a.code
            )))
        }
        Err(errors) => {
            let mut f = f;
            f.code = a.code.clone();
            let action = format!("/agencies/{}/edit", a.code);
            let page = form_page(
                &app,
                &t,
                &user,
                false,
                action,
                f,
                FormErrors::from_fields(&t, &errors),
                Some(&a),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
struct SystemForm {
    #[serde(default)]
    name: String,
}

async fn add_system(
    scope: Scoped<need::AgencyEdit>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<SystemForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let fail =
        |key: &'static str| FormErrors::from_fields(&t, &[FieldError::new("system_name", key)]);
    let name = match parse_line("system_name", &f.name, 1, 100) {
        Ok(n) => n,
        Err(e) => {
            let errors = FormErrors::from_fields(&t, &[e]);
            return show_page(
                &app,
                &t,
                &user,
                a,
                Outcome::rejected(errors, f.name, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await;
        }
    };
    // Systems are hosted by the supervisor (向上集中); a root agency has none.
    let Some(supervisor) = a.parent_id else {
        return show_page(
            &app,
            &t,
            &user,
            a,
            Outcome::rejected(
                fail("err-no-supervisor"),
                name,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        )
        .await;
    };
    match app
        .store
        .add_hosted_system(&user.actor, &a, supervisor, &name, app.clock.now())
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/agencies/{}?notice=system-added",
            a.code
        ))),
        Err(anwei_store::StoreError::Conflict { .. }) => {
            show_page(
                &app,
                &t,
                &user,
                a,
                Outcome::rejected(fail("err-taken"), name, StatusCode::CONFLICT),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_system(
    scope: Scoped<need::AgencyEdit>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    app.store
        .remove_hosted_system(&user.actor, &a, id, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}?notice=system-removed",
        a.code
    )))
}

#[derive(Deserialize, Default)]
struct ProposalForm {
    #[serde(default)]
    proposal_level: String,
    #[serde(default)]
    proposal_reason: String,
}

/// The agency proposes a change of its level with its reason; nothing changes until its
/// supervisor decides.
async fn propose_level(
    scope: Scoped<need::AgencyEdit>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<ProposalForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let mut errors = Vec::new();
    let level = ResponsibilityLevel::parse(&f.proposal_level)
        .map_err(|mut e| {
            e.field = "proposal_level";
            errors.push(e)
        })
        .ok();
    let reason = parse_line("proposal_reason", &f.proposal_reason, 1, 500)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(level), Some(reason), true) = (level, reason, errors.is_empty()) else {
        let o = Outcome::rejected(
            FormErrors::from_fields(&t, &errors),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return show_page(&app, &t, &user, a, o).await;
    };
    app.store
        .propose_level(&user.actor, &a, level, &reason, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}?notice=level-proposed",
        a.code
    )))
}

#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    letter_no: String,
    #[serde(default)]
    letter_date: String,
    #[serde(default)]
    note: String,
}

/// The supervisor decides a proposal: an approval needs the approval letter's number and date,
/// and recomputes the agency's duties from the new level.
async fn decide_level(
    scope: Scoped<need::AgencyLevel>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, Uuid)>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let mut errors = Vec::new();
    let approve = f.decision == "approve";
    let letter_no = parse_line("letter_no", &f.letter_no, 1, 100);
    let letter_date = parse_date_input("letter_date", &f.letter_date).and_then(|d| {
        d.filter(|d| *d <= app.today()).ok_or_else(|| {
            FieldError::new(
                "letter_date",
                if d.is_none() {
                    "err-required"
                } else {
                    "err-in-future"
                },
            )
        })
    });
    let note = parse_line("note", &f.note, 0, 500);
    let decision = if approve {
        match (letter_no.as_ref(), letter_date.as_ref()) {
            (Ok(no), Ok(date)) => Some(LevelDecision::Approve {
                letter_no: no.as_str(),
                letter_date: *date,
            }),
            _ => {
                errors.extend(letter_no.clone().err());
                errors.extend(letter_date.clone().err());
                None
            }
        }
    } else if f.decision == "reject" {
        match note.as_ref() {
            Ok(n) => Some(LevelDecision::Reject { note: n.as_str() }),
            Err(e) => {
                errors.push(e.clone());
                None
            }
        }
    } else {
        return Err(AppError::BadRequest("error-invalid"));
    };
    let Some(decision) = decision else {
        let o = Outcome::rejected(
            FormErrors::from_fields(&t, &errors),
            id.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return show_page(&app, &t, &user, a, o).await;
    };
    anwei_app::agencies::decide_level(app.cx(), &user.actor, &a, id, decision).await?;
    Ok(redirect(&format!(
        "/agencies/{}?notice=level-decided",
        a.code
    )))
}
