//! 資通安全教育訓練: the ledger of every person's hours against the rule for their category, the
//! share of compliant people per category, and the forms to add people and courses with their
//! attendance. The rules are the catalog's; the ledger is computed on each view from the rows.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, Outcome, render};
use crate::routes::{notice_text, parse_year, this_year};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::{RocDate, not_in_future, parse_date_input};
use anwei_domain::training::{HourKind, PLAN_AUDIENCES, Proration, TrainingCategory, parse_hours};
use anwei_store::agencies::AgencyScope;
use anwei_store::training::{
    CourseRow, NewCourse, NewPerson, NewPlanItem, PersonLedger, PlanItemRow, compliance,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use time::{Date, Month};
use uuid::Uuid;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/training", get(page))
        .route("/agencies/{code}/training/people", post(add_person))
        .route("/agencies/{code}/training/proration", post(set_proration))
        .route("/agencies/{code}/training/plan", post(add_plan_item))
        .route("/agencies/{code}/training/{file}", get(ledger_file))
        .route("/agencies/{code}/training/courses", post(add_course))
        .route(
            "/agencies/{code}/training/import",
            post(import).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
}

/// A ledger row as the table shows it.
pub struct LedgerView {
    pub l: PersonLedger,
    pub category: String,
    pub general: (String, String, String),
    pub professional: (String, String, String),
}

/// Compliant people per category.
pub struct CategoryRate {
    pub name: String,
    pub compliant: usize,
    pub total: usize,
}

impl CategoryRate {
    pub fn percent(&self) -> usize {
        (self.compliant * 100)
            .checked_div(self.total)
            .unwrap_or(100)
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub name: String,
    pub email: String,
    pub category: String,
    pub joined_on: String,
    pub left_on: String,
    pub external: Option<String>,
}

#[derive(Default)]
pub struct CourseForm {
    pub title: String,
    pub held_on: String,
    pub hours: String,
    pub kind: String,
    pub provider: String,
    pub online: bool,
    pub attendees: Vec<String>,
    /// The plan item this course carries out, or empty.
    pub plan_item: String,
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    year: i32,
    level: String,
    rows: Vec<LedgerView>,
    rates: Vec<CategoryRate>,
    courses: Vec<CourseRow>,
    can_manage: bool,
    categories: Vec<Opt>,
    kinds: Vec<Opt>,
    attendee_options: Vec<Opt>,
    p: PersonForm,
    cf: CourseForm,
    o: Outcome,
    /// The rows an import refused, as 「第 N 列：message」.
    import_errors: Vec<String>,
    /// For a supervisor: each agency directly below, with its people's compliance.
    below: Vec<(AgencyScope, usize, usize)>,
    pro_rata: bool,
    /// The year's training plan: (audience label, items).
    plan: Vec<(String, Vec<PlanItemRow>)>,
    audiences: Vec<Opt>,
    plan_form: PlanForm,
    today: Date,
    /// The year's plan items, for the course form.
    plan_options: Vec<Opt>,
    /// Courses of the year held outside the plan.
    unplanned: usize,
    policy_version: Option<String>,
    /// People on the staff who have not acknowledged the policy version in force.
    pending_ack: Vec<(Uuid, String)>,
    formats: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    year: Option<String>,
    notice: Option<String>,
}

use anwei_app::documents::triple;

/// What the page's forms held when one was refused, to show it again beside its errors.
#[derive(Default)]
struct Forms {
    person: PersonForm,
    course: CourseForm,
    plan: PlanForm,
    /// The rows an import refused, as 「第 N 列：message」.
    import_errors: Vec<String>,
}

async fn render_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    year: i32,
    forms: Forms,
    o: Outcome,
) -> Result<Response, AppError> {
    let Forms {
        person: p,
        course: cf,
        plan: plan_form,
        import_errors,
    } = forms;
    let today = RocDate::of_instant(app.clock.now()).date();
    let (level, ledgers) = app
        .store
        .training_ledger(&app.catalog.training, &a, year, today)
        .await?;
    let rates = TrainingCategory::ALL
        .iter()
        .map(|c| {
            let (compliant, total) = compliance(&ledgers, Some(*c));
            CategoryRate {
                name: t.tp("training-category-", c.as_str()),
                compliant,
                total,
            }
        })
        .collect();
    let attendee_options = ledgers
        .iter()
        .map(|l| Opt {
            value: l.person.id.to_string(),
            label: l.person.name.clone(),
            selected: cf.attendees.contains(&l.person.id.to_string()),
        })
        .collect();
    let rows = ledgers
        .into_iter()
        .map(|l| LedgerView {
            category: t.tp("training-category-", &l.person.category),
            general: triple(l.owed(HourKind::General)),
            professional: triple(l.owed(HourKind::Professional)),
            l,
        })
        .collect();
    let (from, to) = (
        Date::from_calendar_date(year, Month::January, 1).unwrap_or(today),
        Date::from_calendar_date(year, Month::December, 31).unwrap_or(today),
    );
    let below: Vec<_> = app
        .store
        .training_ledgers_below(&app.catalog.training, &user.actor, &a, year, today)
        .await?
        .into_iter()
        .map(|(sub, of_sub)| {
            let (ok, owing) = compliance(&of_sub, None);
            (sub, ok, owing)
        })
        .collect();
    let items = app.store.plan_items(&a, year).await?;
    let plan = PLAN_AUDIENCES
        .iter()
        .map(|aud| {
            (
                t.tp("training-audience-", aud),
                items
                    .iter()
                    .filter(|i| i.audience == *aud)
                    .cloned()
                    .collect(),
            )
        })
        .filter(|(_, v): &(String, Vec<PlanItemRow>)| !v.is_empty())
        .collect();
    let plan_options = items
        .iter()
        .map(|i| Opt {
            value: i.id.to_string(),
            label: format!(
                "{} · {} · {}",
                t.tp("training-audience-", &i.audience),
                t.f1("training-plan-month", "month", &i.planned_month),
                i.title
            ),
            selected: cf.plan_item == i.id.to_string(),
        })
        .collect();
    let courses = app.store.courses(&a, from, to).await?;
    let policy_version = app.store.policy_version(&a).await?;
    let acknowledged = app.store.acknowledgements(&a).await?;
    let pending_ack = match &policy_version {
        None => Vec::new(),
        Some(v) => app
            .store
            .people(&a)
            .await?
            .into_iter()
            .filter(|p| p.left_on.is_none_or(|d| d >= today))
            .filter(|p| {
                !acknowledged
                    .iter()
                    .any(|r| r.person_id == p.id && &r.policy_version == v)
            })
            .map(|p| (p.id, p.name))
            .collect(),
    };
    let status = o.status;
    let page = TrainingPage {
        today,
        plan_options,
        unplanned: courses.iter().filter(|c| c.plan_item_id.is_none()).count(),
        policy_version,
        pending_ack,
        formats: anwei_docs::Format::TABULAR
            .iter()
            .map(|f| f.extension())
            .collect(),
        audiences: options(
            t,
            &PLAN_AUDIENCES,
            "training-audience-",
            &plan_form.audience,
        ),
        plan,
        plan_form,
        pro_rata: app.store.proration(&a).await? == Proration::ProRata,
        below,
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/training", a.code)),
        courses,
        can_manage: user
            .require(app, Permission::ObligationManage, &a.agency_path())
            .is_ok(),
        level: t.level(&level.map(|l| l.as_str().to_string())),
        categories: options(
            t,
            &TrainingCategory::ALL.map(TrainingCategory::as_str),
            "training-category-",
            &p.category,
        ),
        kinds: options(t, &["general", "professional"], "training-kind-", &cf.kind),
        attendee_options,
        rows,
        rates,
        a,
        year,
        p,
        cf,
        o,
        import_errors,
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
    let year = parse_year(&app, q.year.as_deref())?;
    let notice = notice_text(&t, q.notice.as_deref());
    render_page(
        &app,
        &t,
        &user,
        a,
        year,
        Forms::default(),
        Outcome::ok(notice),
    )
    .await
}

async fn add_person(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    axum::Form(f): axum::Form<PersonForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let mut errors = Vec::new();
    let name = parse_line("name", &f.name, 1, 50)
        .map_err(|e| errors.push(e))
        .ok();
    let category = TrainingCategory::parse(&f.category)
        .map_err(|e| errors.push(e))
        .ok();
    let joined = parse_date_input("joined_on", &f.joined_on)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let left = parse_date_input("left_on", &f.left_on)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let email = anwei_domain::user::parse_email(&f.email)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if let (Some(j), Some(l)) = (joined, left)
        && l < j
    {
        errors.push(FieldError::new("left_on", "err-left-before-joined"));
    }
    let outcome = match (name, category) {
        (Some(name), Some(category)) if errors.is_empty() => {
            let new = NewPerson {
                name: &name,
                category,
                email: email.as_deref(),
                external: f.external.is_some(),
                joined_on: joined,
                left_on: left,
            };
            match app
                .store
                .add_person(&user.actor, a.id, &new, app.clock.now())
                .await
            {
                Ok(_) => {
                    return Ok(redirect(&format!(
                        "/agencies/{}/training?notice=person-added",
                        a.code
                    )));
                }
                Err(anwei_store::StoreError::Conflict { .. }) => (
                    vec![FieldError::new("name", "err-taken")],
                    StatusCode::CONFLICT,
                ),
                Err(e) => return Err(e.into()),
            }
        }
        _ => (errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let (errors, status) = outcome;
    let o = Outcome::rejected(
        FormErrors::from_fields_in(&t, &errors, "person"),
        String::new(),
        status,
    );
    let year = this_year(&app);
    render_page(
        &app,
        &t,
        &user,
        a,
        year,
        Forms {
            person: f,
            ..Forms::default()
        },
        o,
    )
    .await
}

/// The course form repeats `attendee` once per ticked person, which serde's form decoding does
/// not gather into a list; the pairs are read as sent.
fn course_form(body: &[u8]) -> CourseForm {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut f = CourseForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => f.title = v,
            "held_on" => f.held_on = v,
            "hours" => f.hours = v,
            "kind" => f.kind = v,
            "provider" => f.provider = v,
            "online" => f.online = true,
            "attendee" => f.attendees.push(v),
            "plan_item" => f.plan_item = v,
            _ => {}
        }
    }
    f
}

async fn add_course(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let f = course_form(&body);
    let today = RocDate::of_instant(app.clock.now()).date();
    let mut errors = Vec::new();
    let title = parse_line("title", &f.title, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let provider = parse_line("provider", &f.provider, 0, 100)
        .map_err(|e| errors.push(e))
        .ok();
    // a course in the future cannot be counted as done
    let held_on = match parse_date_input("held_on", &f.held_on)
        .and_then(|d| not_in_future("held_on", d, today))
    {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push(FieldError::new("held_on", "err-required"));
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let hours = parse_hours("hours", &f.hours)
        .map_err(|e| errors.push(e))
        .ok();
    let kind = HourKind::parse(&f.kind).map_err(|e| errors.push(e)).ok();
    let attendees: Vec<Uuid> = f
        .attendees
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    if attendees.len() != f.attendees.len() {
        errors.push(FieldError::new("attendee", "err-choice"));
    }
    let plan_item = match f.plan_item.trim() {
        "" => None,
        raw => Uuid::parse_str(raw)
            .map_err(|_| errors.push(FieldError::new("plan_item", "err-choice")))
            .ok(),
    };
    let (Some(title), Some(provider), Some(held_on), Some(hours), Some(kind), true) =
        (title, provider, held_on, hours, kind, errors.is_empty())
    else {
        let o = Outcome::rejected(
            FormErrors::from_fields_in(&t, &errors, "course"),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return render_page(
            &app,
            &t,
            &user,
            a,
            this_year(&app),
            Forms {
                course: f,
                ..Forms::default()
            },
            o,
        )
        .await;
    };
    let course = NewCourse {
        title: &title,
        held_on,
        hours,
        kind,
        provider: &provider,
        online: f.online,
        plan_item,
    };
    match app
        .store
        .add_course(&user.actor, a.id, &course, &attendees, app.clock.now())
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/agencies/{}/training?year={}&notice=course-added",
            a.code,
            held_on.year()
        ))),
        // someone of another agency among the attendees, or another agency's plan item:
        // nothing was written
        Err(anwei_store::StoreError::NotFound) => {
            Err(FieldError::new("attendee", "err-choice").into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Imports attendance from an XLSX, ODS or CSV export (UTF-8 or Big5). All or nothing: every refused row is
/// listed with its line, and nothing is written until the file is clean; rows already recorded
/// are skipped, never counted twice.
async fn import(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    form: Multipart,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let today = RocDate::of_instant(app.clock.now()).date();
    let refuse = |lines: Vec<String>| async {
        let o = Outcome::rejected(
            FormErrors::default(),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        render_page(
            &app,
            &t,
            &user,
            a.clone(),
            this_year(&app),
            Forms {
                import_errors: lines,
                ..Forms::default()
            },
            o,
        )
        .await
    };
    let bytes =
        match crate::routes::evidence_form::the_file(form, app.config.max_upload_bytes).await {
            Ok((_, bytes)) => bytes,
            Err(e) => return refuse(vec![t.field_error(&e)]).await,
        };
    let rows = match anwei_domain::training_import::parse(&bytes, today) {
        Ok(rows) => rows,
        Err(errors) => {
            let lines = errors
                .iter()
                .take(200)
                .map(|e| {
                    t.f(
                        "import-row-error",
                        &[
                            ("line", e.line.to_string()),
                            ("message", t.field_error(&e.error)),
                        ],
                    )
                })
                .collect();
            return refuse(lines).await;
        }
    };
    let people = app.store.people(&a).await?;
    let mut matched = Vec::with_capacity(rows.len());
    let mut unknown = Vec::new();
    for row in &rows {
        match people.iter().find(|p| p.name == row.name) {
            Some(p) => matched.push((p.id, row)),
            None => unknown.push(t.f(
                "import-row-error",
                &[
                    ("line", row.line.to_string()),
                    ("message", t.f1("err-import-person", "name", &row.name)),
                ],
            )),
        }
    }
    if !unknown.is_empty() {
        unknown.truncate(200);
        return refuse(unknown).await;
    }
    let done = app
        .store
        .import_attendance(&user.actor, a.id, &matched, app.clock.now())
        .await?;
    let notice = t.f(
        "notice-import-done",
        &[
            ("added", done.attendances_added.to_string()),
            ("courses", done.courses_created.to_string()),
            ("already", done.already_recorded.to_string()),
        ],
    );
    let year = rows
        .iter()
        .map(|r| r.held_on.year())
        .max()
        .unwrap_or_else(|| this_year(&app));
    render_page(
        &app,
        &t,
        &user,
        a,
        year,
        Forms::default(),
        Outcome::ok(notice),
    )
    .await
}

/// The year's ledger as a document, for the agency of the path.
async fn ledger_document(
    app: &AppState,
    t: &Locale,
    a: AgencyScope,
    year: Option<String>,
) -> Result<(anwei_docs::Document, AgencyScope), AppError> {
    let year = parse_year(app, year.as_deref())?;
    let doc =
        anwei_app::documents::training_ledger(&app.store, &app.catalog, t, &a, year, app.today())
            .await?;
    Ok((doc, a))
}

/// `ledger.odt`, `.pdf`, `.xlsx`, `.ods` or `.csv`.
async fn ledger_file(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, file)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let format = crate::pages::format_of(&file, "ledger", &anwei_docs::Format::TABULAR)?;
    let (doc, a) = ledger_document(&app, &t, scope.agency, q.year).await?;
    crate::pages::deliver(&doc, format, &t.t("training-title"), &a.name)
}

#[derive(Deserialize)]
struct ProrationForm {
    #[serde(default)]
    proration: String,
}

/// How hours owed by people who joined or left during the year are counted.
async fn set_proration(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    axum::Form(f): axum::Form<ProrationForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let proration = match f.proration.as_str() {
        "full" => Proration::Full,
        "pro_rata" => Proration::ProRata,
        _ => return Err(FieldError::new("proration", "err-choice").into()),
    };
    app.store
        .set_proration(&user.actor, a.id, proration, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/training?notice=settings-saved",
        a.code
    )))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub year: String,
    pub audience: String,
    #[serde(rename = "plan-title")]
    pub title: String,
    pub month: String,
    #[serde(rename = "plan-hours")]
    pub hours: String,
    pub kind: String,
}

/// Adds a course to the year's plan (安維計畫 壹拾參、二、1: drafted at the start of the year by
/// audience). The plan is attached as evidence of that year's training-plan duty.
async fn add_plan_item(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    axum::Form(f): axum::Form<PlanForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let mut errors = Vec::new();
    let year = parse_year(&app, Some(&f.year))
        .map_err(|_| errors.push(FieldError::new("year", "err-year")))
        .ok();
    let audience = PLAN_AUDIENCES.into_iter().find(|x| *x == f.audience.trim());
    if audience.is_none() {
        errors.push(FieldError::new("audience", "err-choice"));
    }
    let title = parse_line("title", &f.title, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let month = f
        .month
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|m| (1..=12).contains(m));
    if month.is_none() {
        errors.push(FieldError::new("month", "err-month"));
    }
    let hours = parse_hours("hours", &f.hours)
        .map_err(|e| errors.push(e))
        .ok();
    let kind = HourKind::parse(&f.kind).map_err(|e| errors.push(e)).ok();
    let (Some(year), Some(audience), Some(title), Some(month), Some(hours), Some(kind)) =
        (year, audience, title, month, hours, kind)
    else {
        let o = Outcome::rejected(
            FormErrors::from_fields_in(&t, &errors, "plan"),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let year = this_year(&app);
        return render_page(
            &app,
            &t,
            &user,
            a,
            year,
            Forms {
                plan: f,
                ..Forms::default()
            },
            o,
        )
        .await;
    };
    let item = NewPlanItem {
        year,
        audience,
        title: &title,
        planned_month: month,
        hours,
        kind,
    };
    // The year's plan proves the year's plan duty.
    let url = format!("/agencies/{}/training?year={year}#plan", a.code);
    anwei_app::training::add_plan_item(app.cx(), &t, &user.actor, &a, &item, &url).await?;
    Ok(redirect(&format!(
        "/agencies/{}/training?year={year}&notice=plan-added#plan",
        a.code
    )))
}
