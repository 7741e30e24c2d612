//! Incidents: filing one in the agency (anyone may report), its level proposed from the impact
//! answers, its statutory deadlines with live countdowns, and its course — notification with the
//! platform's ticket, level changes, the supervisor's review, recovery, the report, closing. A
//! supervisor reads and reviews a school's incident but cannot change its record (catalog/roles.toml
//! scopes); a closed incident takes notes only.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt, options};
use crate::pages::{Chrome, render};
use crate::routes::evidence_form::{EvidenceFields, parse_upload};
use crate::routes::notice_text;
use crate::scope::{Owned, Scoped, need};
use crate::state::AppState;
use anwei_docs::Format;
use anwei_domain::FieldError;
use anwei_domain::agency::{AgencyPath, parse_line};
use anwei_domain::incident::{
    Deadline, IncidentLevel, Proposal, RawFiling, parse_text, step_allowed, step_time,
};
use anwei_domain::rbac::Permission;
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::{EvidenceRow, EvidenceTarget};
use anwei_store::incidents::{
    IncidentEventRow, IncidentHistory, IncidentRow, LevelChangeRow, NoticeRow, Step,
};
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/agencies/{code}/incidents", post(create))
        .route("/agencies/{code}/incidents/new", get(new_form))
        .route("/incidents/{id}", get(show))
        .route("/incidents/{id}/report-draft", post(save_report))
        .route(
            "/incidents/{id}/evidence",
            post(add_evidence).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
        .route("/incidents/{id}/{step}", get(document).post(step))
}

pub use anwei_app::incidents::DeadlineView;

fn span(t: &Locale, d: time::Duration) -> String {
    let mins = d.whole_minutes().abs();
    t.f(
        "duration",
        &[
            ("hours", (mins / 60).to_string()),
            ("minutes", (mins % 60).to_string()),
        ],
    )
}

/// Deadlines as pages show them, each with when its step was done.
fn views(t: &Locale, i: &IncidentRow, ds: Vec<Deadline>, now: OffsetDateTime) -> Vec<DeadlineView> {
    ds.into_iter()
        .map(|d| {
            let done_at = i.done_at(&d);
            let late = done_at.is_some_and(|x| x > d.due);
            DeadlineView {
                label_key: crate::i18n::deadline_key(d.kind),
                level: d.level.get(),
                due_rfc3339: d.due.format(&Rfc3339).unwrap_or_default(),
                rule: d.rule,
                uncertain: d.uncertain,
                overdue: done_at.is_none() && now > d.due,
                remaining: span(t, d.due - now),
                due: d.due,
                done_at,
                late,
            }
        })
        .collect()
}

/// Whether a level change has not been re-notified yet (§6 II): the page then offers the
/// re-notification form.
fn needs_renotification(history: &IncidentHistory) -> bool {
    let last_change = history.changes.last().map(|c| c.changed_at);
    let last_renotified = history.times("renotification").into_iter().max();
    match (last_change, last_renotified) {
        (Some(change), Some(done)) => done < change,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The level in force and every deadline of an incident, from its record and its history.
pub fn level_and_deadlines(
    app: &AppState,
    t: &Locale,
    i: &IncidentRow,
    history: &IncidentHistory,
) -> (i32, Vec<DeadlineView>) {
    let level = history.current_level(i);
    let deadlines = i
        .course(history)
        .and_then(|c| app.catalog.incidents.deadlines(&c).ok())
        .map(|ds| views(t, i, ds, app.clock.now()))
        .unwrap_or_default();
    (level, deadlines)
}

/// An incident's level and deadlines.
pub async fn incident_deadlines(
    app: &AppState,
    t: &Locale,
    i: &IncidentRow,
) -> Result<(i32, Vec<DeadlineView>), AppError> {
    let history = app.store.incident_history(i.id).await?;
    Ok(level_and_deadlines(app, t, i, &history))
}

pub struct IncidentLine {
    pub i: IncidentRow,
    pub level: i32,
    /// The earliest deadline not yet met.
    pub next: Option<DeadlineView>,
    /// Notified, not yet reviewed, and this person may review it.
    pub awaiting_my_review: bool,
}

/// The incidents within the person's reach with their next deadline, soonest first; closed ones
/// only when asked. Shared by the incident list and the dashboard.
pub async fn incident_lines(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    include_closed: bool,
) -> Result<Vec<IncidentLine>, AppError> {
    let mut histories = app.store.incident_histories_in_reach(&user.actor).await?;
    let mut lines = Vec::new();
    for i in app
        .store
        .incidents(&user.actor, None, !include_closed)
        .await?
    {
        let history = histories.remove(&i.id).unwrap_or_default();
        let (level, deadlines) = level_and_deadlines(app, t, &i, &history);
        let next = deadlines
            .into_iter()
            .filter(|v| v.done_at.is_none())
            .min_by_key(|v| v.due);

        let path = AgencyPath::from_stored(i.agency_path.clone());
        let awaiting_my_review = i.notified_at.is_some()
            && i.reviewed_at.is_none()
            && i.status != "closed"
            && user.require(app, Permission::IncidentReview, &path).is_ok();
        lines.push(IncidentLine {
            i,
            level,
            next,
            awaiting_my_review,
        });
    }
    // Open incidents with the nearest deadline first; then the rest by awareness (newest first).
    lines.sort_by_key(|l| (l.next.is_none(), l.next.as_ref().map(|n| n.due)));
    Ok(lines)
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage<'a> {
    t: &'a Locale,
    c: Chrome,
    lines: Vec<IncidentLine>,
    report_href: String,
    drills_href: String,
    now_rfc3339: String,
}

async fn list(
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require_global(&app, Permission::IncidentRead)?;
    let now = app.clock.now();
    let lines = incident_lines(&app, &t, &user, true).await?;
    let report_href = match (
        &user.session.agency_code,
        user.can(&app, Permission::IncidentReport),
    ) {
        (Some(code), true) => format!("/agencies/{code}/incidents/new"),
        _ => String::new(),
    };
    let drills_href = user
        .session
        .agency_code
        .as_ref()
        .map(|c| format!("/agencies/{c}/drills"))
        .unwrap_or_default();
    let page = ListPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, "/incidents"),
        lines,
        report_href,
        drills_href,
        now_rfc3339: now.format(&Rfc3339).unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

/// The filing form's fields; check boxes and the combined classification are split into the
/// domain's `RawFiling` (which the API takes as JSON).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FilingForm {
    pub title: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    pub occurred_at: String,
    pub aware_at: String,
    /// `CODE/subtype`
    pub classification: String,
    pub description: String,
    pub device_ip: String,
    pub device_url: String,
    pub device_model: String,
    pub device_os: String,
    pub affected_software: String,
    pub protection_antivirus: Option<String>,
    pub protection_firewall: Option<String>,
    pub protection_ips_ids: Option<String>,
    pub protection_other: Option<String>,
    pub protection_other_text: String,
    pub c_scope: String,
    pub c_severity: String,
    pub i_scope: String,
    pub i_severity: String,
    pub a_scope: String,
    pub a_outcome: String,
    pub level: String,
    pub level_reason: String,
}

impl FilingForm {
    fn raw(&self) -> RawFiling {
        let (category, subtype) = self
            .classification
            .split_once('/')
            .unwrap_or((&self.classification, ""));
        let protection = [
            ("antivirus", &self.protection_antivirus),
            ("firewall", &self.protection_firewall),
            ("ips_ids", &self.protection_ips_ids),
            ("other", &self.protection_other),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k.to_string())
        .collect();
        RawFiling {
            title: self.title.clone(),
            reporter_name: self.reporter_name.clone(),
            reporter_phone: self.reporter_phone.clone(),
            reporter_email: self.reporter_email.clone(),
            occurred_at: self.occurred_at.clone(),
            aware_at: self.aware_at.clone(),
            category: category.to_string(),
            subtype: subtype.to_string(),
            description: self.description.clone(),
            device_ip: self.device_ip.clone(),
            device_url: self.device_url.clone(),
            device_model: self.device_model.clone(),
            device_os: self.device_os.clone(),
            affected_software: self.affected_software.clone(),
            protection,
            protection_other: self.protection_other_text.clone(),
            c_scope: self.c_scope.clone(),
            c_severity: self.c_severity.clone(),
            i_scope: self.i_scope.clone(),
            i_severity: self.i_severity.clone(),
            a_scope: self.a_scope.clone(),
            a_outcome: self.a_outcome.clone(),
            level: self.level.clone(),
            level_reason: self.level_reason.clone(),
        }
    }
}

/// `<optgroup>` of the classification select.
pub struct ClassGroup {
    pub label: String,
    pub options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    f: FilingForm,
    errors: FormErrors,
    classes: Vec<ClassGroup>,
    c_scopes: Vec<Opt>,
    c_severities: Vec<Opt>,
    i_scopes: Vec<Opt>,
    i_severities: Vec<Opt>,
    a_scopes: Vec<Opt>,
    a_outcomes: Vec<Opt>,
    levels: Vec<Opt>,
}

const SECRET_SCOPES: [&str; 6] = [
    "none",
    "non_core",
    "core",
    "core_ci",
    "official_secret",
    "national_secret",
];
const SYSTEM_SCOPES: [&str; 4] = ["none", "non_core", "core", "core_ci"];
const SEVERITIES: [&str; 2] = ["minor", "serious"];
const OUTCOMES: [&str; 2] = ["within_tolerance", "beyond_tolerance"];
const LEVELS: [&str; 4] = ["1", "2", "3", "4"];

fn form_page<'a>(
    app: &AppState,
    t: &'a Locale,
    user: &CurrentUser,
    a: AgencyScope,
    f: FilingForm,
    errors: FormErrors,
) -> FormPage<'a> {
    let classes = app
        .catalog
        .incidents
        .categories
        .iter()
        .map(|c| ClassGroup {
            label: format!("{} {}", c.code, t.pick(&c.name, &c.name_en)),
            options: c
                .subtypes
                .iter()
                .map(|s| {
                    let value = format!("{}/{s}", c.code);
                    Opt {
                        selected: value == f.classification,
                        value,
                        label: s.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    FormPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/incidents/new", a.code)),
        classes,
        c_scopes: options(t, &SECRET_SCOPES, "scope-", &f.c_scope),
        c_severities: options(t, &SEVERITIES, "severity-", &f.c_severity),
        i_scopes: options(t, &SECRET_SCOPES, "scope-", &f.i_scope),
        i_severities: options(t, &SEVERITIES, "severity-", &f.i_severity),
        a_scopes: options(t, &SYSTEM_SCOPES, "scope-", &f.a_scope),
        a_outcomes: options(t, &OUTCOMES, "outcome-", &f.a_outcome),
        levels: options(t, &LEVELS, "incident-level-", &f.level),
        a,
        f,
        errors,
    }
}

async fn new_form(
    scope: Scoped<need::IncidentReport>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let f = FilingForm {
        reporter_name: user.session.display_name.clone(),
        ..Default::default()
    };
    Ok(render(&form_page(&app, &t, &user, a, f, FormErrors::default()))?.into_response())
}

async fn create(
    scope: Scoped<need::IncidentReport>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<FilingForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let now = app.clock.now();
    match app.catalog.incidents.parse_filing(&f.raw(), now) {
        Ok(filing) => {
            let id = app
                .store
                .create_incident(&user.actor, a.id, &filing, now)
                .await?;
            Ok(redirect(&format!("/incidents/{id}?notice=incident-filed")))
        }
        Err(errors) => {
            // The classification select carries both category and sub-type.
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| match e.field {
                    "category" | "subtype" => FieldError {
                        field: "classification",
                        ..e
                    },
                    _ => e,
                })
                .collect();
            let page = form_page(&app, &t, &user, a, f, FormErrors::from_fields(&t, &errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct ShowPage<'a> {
    t: &'a Locale,
    c: Chrome,
    i: IncidentRow,
    level: i32,
    category_name: String,
    protection: Vec<String>,
    proposal: Option<Proposal>,
    deadlines: Vec<DeadlineView>,
    changes: Vec<LevelChangeRow>,
    /// Every notification act: the first, each re-notification, each review and passing on.
    notices: Vec<NoticeRow>,
    /// A level change waits for its re-notification.
    renotification_due: bool,
    events: Vec<IncidentEventRow>,
    /// Evidence per timeline event (None = the incident as a whole).
    evidence: Vec<(Option<Uuid>, EvidenceRow)>,
    ev: EvidenceFields,
    event_options: Vec<Opt>,
    accept: String,
    max_mb: usize,
    meeting: bool,
    can_manage: bool,
    can_review: bool,
    closed: bool,
    notice: String,
    errors: FormErrors,
    now_rfc3339: String,
    levels: Vec<Opt>,
    report: Vec<SectionView>,
    report_saved: Option<String>,
}

/// One section of the investigation report as shown or edited.
pub struct SectionView {
    /// The form field, `section-{key}`.
    pub field: String,
    /// Where its error is kept (`report-section-{n}`, as the domain numbers sections).
    pub error_field: String,
    pub label: String,
    pub text: String,
}

fn section_views(
    t: &Locale,
    app: &AppState,
    saved: &std::collections::BTreeMap<String, String>,
) -> Vec<SectionView> {
    app.catalog
        .incidents
        .report_contents
        .sections
        .iter()
        .enumerate()
        .map(|(n, s)| SectionView {
            field: format!("section-{}", s.key),
            error_field: format!("report-section-{n}"),
            label: t.pick(&s.label, &s.label_en),
            text: saved.get(&s.key).cloned().unwrap_or_default(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn show_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    i: IncidentRow,
    notice: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    show_page_with(
        app,
        t,
        user,
        i,
        notice,
        errors,
        status,
        EvidenceFields::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show_page_with(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    i: IncidentRow,
    notice: String,
    errors: FormErrors,
    status: StatusCode,
    ev: EvidenceFields,
) -> Result<Response, AppError> {
    let now = app.clock.now();
    let events = app.store.incident_events(i.id).await?;
    let rules = &app.catalog.incidents;
    let history = app.store.incident_history(i.id).await?;
    let (level, deadlines) = level_and_deadlines(app, t, &i, &history);
    let path = AgencyPath::from_stored(i.agency_path.clone());
    let category_name = rules
        .category(&i.category)
        .map(|c| t.pick(&c.name, &c.name_en))
        .unwrap_or_else(|| i.category.clone());
    let saved = app.store.incident_report(i.id).await?;
    let page = ShowPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/incidents/{}", i.id)),
        report: section_views(
            t,
            app,
            &saved
                .as_ref()
                .map(|r| r.contents.clone())
                .unwrap_or_default(),
        ),
        report_saved: saved.map(|r| format!("{} · {}", t.datetime(&r.updated_at), r.updated_by)),
        level,
        category_name,
        protection: i
            .protection
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| t.t(&format!("protection-{p}")))
            .collect(),
        proposal: rules
            .propose_level(&anwei_app::incidents::impact_of(&i))
            .ok(),
        deadlines,
        event_options: events
            .iter()
            .map(|e| Opt {
                value: e.id.to_string(),
                label: format!("{} · {}", t.datetime(&e.at), t.tp("event-", &e.kind)),
                selected: false,
            })
            .collect(),
        events,
        evidence: app.store.evidence_of_incident(i.id).await?,
        ev,
        accept: crate::routes::evidence_form::accept_attribute(),
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        meeting: IncidentLevel::new(u8::try_from(level).unwrap_or(1))
            .is_some_and(|l| rules.needs_meeting(l)),
        can_manage: user.require(app, Permission::IncidentManage, &path).is_ok(),
        can_review: user.require(app, Permission::IncidentReview, &path).is_ok(),
        closed: i.status == "closed",
        notice,
        errors,
        now_rfc3339: now.format(&Rfc3339).unwrap_or_default(),
        levels: options(t, &LEVELS, "incident-level-", &level.to_string()),
        renotification_due: needs_renotification(&history),
        changes: history.changes,
        notices: history.notices,
        i,
    };
    Ok((status, render(&page)?).into_response())
}

async fn show(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: i, user, ..
    }: Owned<IncidentRow, need::IncidentRead>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = notice_text(&t, q.notice.as_deref());
    show_page(
        &app,
        &t,
        &user,
        i,
        notice,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Evidence for the incident or one step of its timeline (a screenshot of the notification
/// platform, the recovery log). Allowed after closing too: it adds to the record, changes nothing.
async fn add_evidence(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: i, user, ..
    }: Owned<IncidentRow, need::IncidentManage>,
    form: Multipart,
) -> Result<Response, AppError> {
    let upload = match parse_upload(&app, form).await? {
        Ok(u) => u,
        Err((fields, errors)) => {
            let errors = FormErrors::from_fields_in(&t, &errors, "ev");
            return show_page_with(
                &app,
                &t,
                &user,
                i,
                String::new(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                fields,
            )
            .await;
        }
    };
    let events = app.store.incident_events(i.id).await?;
    let event_id = match upload
        .extra("event")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(
            Uuid::parse_str(raw)
                .ok()
                .filter(|e| events.iter().any(|ev| ev.id == *e))
                .ok_or_else(|| FieldError::new("event", "err-choice"))?,
        ),
    };
    let target = EvidenceTarget::Incident {
        incident_id: i.id,
        agency_id: i.agency_id,
        event_id,
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
        "/incidents/{}?notice=evidence-added#timeline",
        i.id
    )))
}

/// The fields of one step's form. Each form on the page names its fields `{step}-{field}`, so
/// that ids are unique and errors land in the right form.
#[derive(Default)]
struct StepForm {
    at: String,
    ticket: String,
    level: String,
    reason: String,
    note: String,
}

impl StepForm {
    fn from_pairs(step: &str, pairs: Vec<(String, String)>) -> Self {
        let mut f = StepForm::default();
        for (name, value) in pairs {
            let Some(field) = name.strip_prefix(step).and_then(|n| n.strip_prefix('-')) else {
                continue;
            };
            match field {
                "at" => f.at = value,
                "ticket" => f.ticket = value,
                "level" => f.level = value,
                "reason" => f.reason = value,
                "note" => f.note = value,
                _ => {}
            }
        }
        f
    }
}

fn parse_step(
    kind: &str,
    f: &StepForm,
    i: &IncidentRow,
    now: OffsetDateTime,
) -> Result<Step, Vec<FieldError>> {
    let one = |e: FieldError| vec![e];
    match kind {
        "notify" => {
            let at = step_time("at", &f.at, i.aware_at, now).map_err(one);
            let ticket = parse_line("ticket", &f.ticket, 1, 60).map_err(one);
            match (at, ticket) {
                (Ok(at), Ok(ticket)) => Ok(Step::Notify { at, ticket }),
                (a, b) => Err([a.err(), b.err()].into_iter().flatten().flatten().collect()),
            }
        }
        "level" => {
            let at = step_time("at", &f.at, i.aware_at, now).map_err(one);
            let level = IncidentLevel::parse("level", &f.level).map_err(one);
            let reason = parse_line("reason", &f.reason, 1, 300).map_err(one);
            match (at, level, reason) {
                (Ok(at), Ok(level), Ok(reason)) => Ok(Step::ChangeLevel {
                    at,
                    level: level.get(),
                    reason,
                }),
                (a, b, c) => Err([a.err(), b.err(), c.err()]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .collect()),
            }
        }
        "renotify" => {
            let at = step_time("at", &f.at, i.aware_at, now).map_err(one);
            let ticket = parse_line("ticket", &f.ticket, 1, 60).map_err(one);
            match (at, ticket) {
                (Ok(at), Ok(ticket)) => Ok(Step::Renotify { at, ticket }),
                (a, b) => Err([a.err(), b.err()].into_iter().flatten().flatten().collect()),
            }
        }
        "review" => parse_text("note", &f.note, 1, 2000)
            .map(|note| Step::Review { note })
            .map_err(one),
        "pass_on" => {
            let at = step_time("at", &f.at, i.aware_at, now).map_err(one);
            let note = parse_line("note", &f.note, 1, 300).map_err(one);
            match (at, note) {
                (Ok(at), Ok(note)) => Ok(Step::PassOn { at, note }),
                (a, b) => Err([a.err(), b.err()].into_iter().flatten().flatten().collect()),
            }
        }
        "recover" => step_time("at", &f.at, i.aware_at, now)
            .map(|at| Step::Recover { at })
            .map_err(one),
        "report" => {
            let at = step_time("at", &f.at, i.aware_at, now).map_err(one)?;
            if i.recovered_at.is_some_and(|r| at < r) {
                return Err(one(FieldError::new("at", "err-report-before-recovery")));
            }
            Ok(Step::SubmitReport { at })
        }
        "close" => Ok(Step::Close),
        "note" => parse_text("note", &f.note, 1, 2000)
            .map(|text| Step::Note { text })
            .map_err(one),
        _ => Err(one(FieldError::new("step", "err-choice"))),
    }
}

async fn step(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: i, user, ..
    }: Owned<IncidentRow, need::IncidentRead>,
    Path((_, kind)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = StepForm::from_pairs(&kind, pairs);
    let path = AgencyPath::from_stored(i.agency_path.clone());
    // The supervisor reviews and passes its review on; everything else is the agency's own.
    let needed = if kind == "review" || kind == "pass_on" {
        Permission::IncidentReview
    } else {
        Permission::IncidentManage
    };
    user.require(&app, needed, &path)?;
    let now = app.clock.now();
    let mut parsed = step_allowed(
        &i.status,
        &kind,
        i.notified_at.is_some(),
        i.reviewed_at.is_some(),
        i.recovered_at.is_some(),
    )
    .map_err(|e| vec![e])
    .and_then(|()| parse_step(&kind, &f, &i, now));
    // The report can be submitted only with every section the law requires written.
    if kind == "report" && parsed.is_ok() {
        let saved = app
            .store
            .incident_report(i.id)
            .await?
            .map(|r| r.contents)
            .unwrap_or_default();
        let missing = app.catalog.incidents.report_contents.missing(&saved);
        if !missing.is_empty() {
            let names: Vec<String> = missing
                .iter()
                .map(|s| t.pick(&s.label, &s.label_en))
                .collect();
            parsed = Err(vec![
                FieldError::new("step", "err-report-incomplete").with("sections", names.join("、")),
            ]);
        }
    }
    match parsed {
        Ok(s) => {
            let history = app.store.incident_history(i.id).await?;
            app.store
                .incident_step(&user.actor, &i, &history, &s, now)
                .await?;
            Ok(redirect(&format!(
                "/incidents/{}?notice=incident-updated",
                i.id
            )))
        }
        Err(errors) => {
            let status = if errors.iter().any(|e| e.key == "err-incident-closed") {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            // Each step has its own form: key the errors `step-field` so they show in it.
            let errors = FormErrors::from_fields_in(&t, &errors, &kind);
            show_page(&app, &t, &user, i, String::new(), errors, status).await
        }
    }
}

async fn notification(
    app: AppState,
    t: Locale,
    i: IncidentRow,
    format: Format,
) -> Result<Response, AppError> {
    let (level, deadlines) = incident_deadlines(&app, &t, &i).await?;
    let doc = anwei_app::documents::incident_notification(&app.catalog, &t, &i, level, &deadlines);
    crate::pages::deliver(&doc, format, &t.t("doc-notification-title"), &i.title)
}

/// `notification.odt|pdf` and `report.odt|pdf`.
async fn document(
    State(app): State<AppState>,
    t: Locale,
    Owned { record: i, .. }: Owned<IncidentRow, need::IncidentRead>,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (name, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let format = Format::from_extension(ext).ok_or(AppError::NotFound)?;
    match name {
        "notification" => notification(app, t, i, format).await,
        "report" => report(app, t, i, format).await,
        _ => Err(AppError::NotFound),
    }
}

async fn save_report(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: i, user, ..
    }: Owned<IncidentRow, need::IncidentManage>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let sent: std::collections::BTreeMap<String, String> = pairs
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("section-").map(|key| (key.to_string(), v)))
        .collect();
    let contents = &app.catalog.incidents.report_contents;
    let result = step_allowed(
        &i.status,
        "note_report",
        i.notified_at.is_some(),
        i.reviewed_at.is_some(),
        i.recovered_at.is_some(),
    )
    .map_err(|e| vec![e])
    .and_then(|()| contents.parse_draft(&sent));
    match result {
        Ok(map) => {
            app.store
                .save_incident_report(&user.actor, &i, &map, app.clock.now())
                .await?;
            Ok(redirect(&format!(
                "/incidents/{}?notice=report-saved#report",
                i.id
            )))
        }
        Err(errors) => {
            let status = if errors.iter().any(|e| e.key == "err-incident-closed") {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            show_page(
                &app,
                &t,
                &user,
                i,
                String::new(),
                FormErrors::from_fields_in(&t, &errors, "report"),
                status,
            )
            .await
        }
    }
}

/// The investigation report (調查、處理及改善報告) with the contents 施行細則 §12 requires: the
/// times from the record, then each written section.
async fn report(
    app: AppState,
    t: Locale,
    i: IncidentRow,
    format: Format,
) -> Result<Response, AppError> {
    let saved = app
        .store
        .incident_report(i.id)
        .await?
        .map(|r| r.contents)
        .unwrap_or_default();
    let doc = anwei_app::documents::incident_report(&app.catalog, &t, &i, &saved);
    crate::pages::deliver(&doc, format, &t.t("doc-report-title"), &i.title)
}
