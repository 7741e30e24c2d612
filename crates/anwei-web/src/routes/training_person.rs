//! One person's training record. The ledger says who is short; this page is where the hours are
//! proved: each attendance with its certificates (a person uploads their own, the 承辦人 anyone's),
//! and the acknowledgement of the security policy that new staff give on joining (安維計畫
//! 壹拾參、二、3), recorded with its time and the policy version. The same record prints for a
//! personnel file.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt};
use crate::pages::{Chrome, render};
use crate::routes::evidence_form::{EvidenceFields, parse_upload};
use crate::routes::{notice_text, parse_year, this_year};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::RocDate;
use anwei_domain::training::{LedgerLine, show_hours};
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::EvidenceTarget;
use anwei_store::training::{AcknowledgementRow, PersonAttendance, PersonRow};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/training/people/{id}", get(page))
        .route(
            "/agencies/{code}/training/people/{id}/certificate",
            post(add_certificate).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
        .route(
            "/agencies/{code}/training/people/{id}/acknowledge",
            post(acknowledge),
        )
        .route("/agencies/{code}/training/people/{id}/{file}", get(file))
        .route("/agencies/{code}/training/policy", post(set_policy))
}

/// The signed-in account's e-mail: how a person is found among the agency's people.
pub async fn account_email(app: &AppState, user: &CurrentUser) -> Result<Option<String>, AppError> {
    Ok(app
        .store
        .user_by_id(&user.actor, user.session.user_id)
        .await?
        .and_then(|u| u.email))
}

/// Whether the person is the signed-in account's own.
pub fn is_own(person: &PersonRow, email: Option<&str>) -> bool {
    match (person.email.as_deref(), email) {
        (Some(p), Some(e)) => p.eq_ignore_ascii_case(e),
        _ => false,
    }
}

/// Who may do what with one person's record: everyone who reads the agency's training sees it;
/// the person and the 承辦人 add certificates; the person acknowledges the policy, the 承辦人
/// records a signed paper acknowledgement.
struct Access {
    a: AgencyScope,
    person: PersonRow,
    own: bool,
    can_manage: bool,
}

async fn access(
    app: &AppState,
    user: &CurrentUser,
    a: AgencyScope,
    id: &str,
) -> Result<Access, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let person = app.store.person(&a, id).await?.ok_or(AppError::NotFound)?;
    let own = is_own(&person, account_email(app, user).await?.as_deref());
    let can_manage = user
        .require(app, Permission::ObligationManage, &a.agency_path())
        .is_ok();
    Ok(Access {
        a,
        person,
        own,
        can_manage,
    })
}

#[derive(Template)]
#[template(path = "training_person.html")]
struct PersonPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    person: PersonRow,
    year: i32,
    lines: Vec<LedgerLine>,
    attendance: Vec<PersonAttendance>,
    policy_version: Option<String>,
    acknowledged: Vec<AcknowledgementRow>,
    own: bool,
    can_manage: bool,
    ev: EvidenceFields,
    errors: FormErrors,
    course_options: Vec<Opt>,
    accept: String,
    max_mb: usize,
    notice: String,
}

impl PersonPage<'_> {
    fn hours(&self, t: &i32) -> String {
        show_hours(*t)
    }

    /// Whether the version in force has been acknowledged.
    fn current_acknowledged(&self) -> Option<&AcknowledgementRow> {
        let v = self.policy_version.as_deref()?;
        self.acknowledged.iter().find(|r| r.policy_version == v)
    }
}

#[derive(Deserialize, Default)]
struct PageQuery {
    year: Option<String>,
    notice: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    acc: Access,
    year: i32,
    ev: EvidenceFields,
    errors: FormErrors,
    status: StatusCode,
    notice: String,
) -> Result<Response, AppError> {
    let today = RocDate::of_instant(app.clock.now()).date();
    let anwei_app::training::PersonRecord {
        lines,
        attendance,
        acknowledged,
    } = anwei_app::training::person_record(&app.cx(), &acc.a, &acc.person, year, today).await?;
    let course_options = attendance
        .iter()
        .map(|r| Opt {
            value: r.course_id.to_string(),
            label: format!("{} {}", t.date(&r.held_on), r.title),
            selected: false,
        })
        .collect();
    let page = PersonPage {
        t,
        c: Chrome::for_user(
            app,
            t,
            user,
            &format!("/agencies/{}/training/people/{}", acc.a.code, acc.person.id),
        ),
        policy_version: app.store.policy_version(&acc.a).await?,
        acknowledged,
        lines,
        attendance,
        year,
        own: acc.own,
        can_manage: acc.can_manage,
        a: acc.a,
        person: acc.person,
        ev,
        errors,
        course_options,
        accept: crate::routes::evidence_form::accept_attribute(),
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let acc = access(&app, &user, scope.agency, &id).await?;
    let year = parse_year(&app, q.year.as_deref())?;
    let notice = notice_text(&t, q.notice.as_deref());
    render_page(
        &app,
        &t,
        &user,
        acc,
        year,
        EvidenceFields::default(),
        FormErrors::default(),
        StatusCode::OK,
        notice,
    )
    .await
}

/// A certificate (file or link) for one of the person's attendances.
async fn add_certificate(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, AppError> {
    let acc = access(&app, &user, scope.agency, &id).await?;
    if !acc.own {
        user.require(&app, Permission::ObligationManage, &acc.a.agency_path())?;
    }
    let attendance = app.store.person_attendance(&acc.a, acc.person.id).await?;
    let (upload, mut errors, fields) = match parse_upload(&app, form).await? {
        Ok(u) => (Some(u), Vec::new(), EvidenceFields::default()),
        Err((fields, errors)) => (None, errors, fields),
    };
    let course = upload
        .as_ref()
        .and_then(|u| u.extra("course"))
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .filter(|c| attendance.iter().any(|r| r.course_id == *c));
    if upload.is_some() && course.is_none() {
        errors.push(FieldError::new("course", "err-choice"));
    }
    let (Some(upload), Some(course_id), true) = (upload, course, errors.is_empty()) else {
        let errors = FormErrors::from_fields_in(&t, &errors, "ev");
        let year = this_year(&app);
        return render_page(
            &app,
            &t,
            &user,
            acc,
            year,
            fields,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
        )
        .await;
    };
    let target = EvidenceTarget::Attendance {
        course_id,
        person_id: acc.person.id,
        agency_id: acc.a.id,
    };
    app.store
        .add_evidence(
            &user.actor,
            &app.files,
            target,
            &upload.as_new(),
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/training/people/{}?notice=evidence-added#attendance",
        acc.a.code, acc.person.id
    )))
}

/// The person acknowledges the policy in force; the 承辦人 may record a signed paper form.
async fn acknowledge(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let acc = access(&app, &user, scope.agency, &id).await?;
    if !acc.own {
        user.require(&app, Permission::ObligationManage, &acc.a.agency_path())?;
    }
    let version = app
        .store
        .policy_version(&acc.a)
        .await?
        .ok_or_else(|| FieldError::new("policy", "err-policy-version-missing"))?;
    app.store
        .acknowledge_policy(&user.actor, &acc.person, &version, acc.own, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/training/people/{}?notice=policy-acknowledged#policy",
        acc.a.code, acc.person.id
    )))
}

#[derive(Deserialize)]
struct PolicyForm {
    #[serde(default)]
    policy_version: String,
}

/// Names the version of the security policy now in force; everyone acknowledges it anew.
async fn set_policy(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    axum::Form(f): axum::Form<PolicyForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let version = parse_line("policy_version", &f.policy_version, 1, 100)?;
    app.store
        .set_policy_version(&user.actor, &a, &version, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/training?notice=settings-saved#policy",
        a.code
    )))
}

/// The person's record as a document: the hours against each rule, every course attended with
/// its certificates, and the policy acknowledgements.
async fn file(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id, file)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let format = crate::pages::format_of(&file, "record", &anwei_docs::Format::TABULAR)?;
    let acc = access(&app, &user, scope.agency, &id).await?;
    let year = parse_year(&app, q.year.as_deref())?;
    let today = RocDate::of_instant(app.clock.now()).date();
    let rec =
        anwei_app::training::person_record(&app.cx(), &acc.a, &acc.person, year, today).await?;
    let p = &acc.person;
    let doc = anwei_app::documents::training_record(&t, &acc.a, p, &rec, year, today);
    crate::pages::deliver(&doc, format, &t.t("training-record"), &p.name)
}
