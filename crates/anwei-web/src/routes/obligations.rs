//! 應辦事項 and their tasks: what the agency owes this year, grouped by plan chapter and by
//! person, each with its citation; a task's page with its evidence and the 資通安全長's decision.
//!
//! Who may do what: anyone in the agency reads; the 承辦人 and the assignee do the work; only the
//! 資通安全長 approves completions (when the agency requires it) and "not applicable" (always,
//! because saying a legal duty does not apply is a decision, not a chore).

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt};
use crate::pages::{Chrome, Outcome, download, render};
use crate::routes::evidence_form::{EvidenceFields, parse_upload};
use crate::routes::{notice_text, parse_year, this_year};
use crate::scope::{Owned, Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::obligation::{
    CHAPTER_NUMERALS, Obligation, Period, Recurrence, TaskAction, chapter_numeral,
};
use anwei_domain::rbac::Permission;
use anwei_domain::roc::RocDate;
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::{EvidenceRow, EvidenceTarget};
use anwei_store::obligations::{ObligationSettingRow, TaskRow, TaskSummary};
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/obligations", get(list))
        .route("/agencies/{code}/obligations/refresh", post(refresh))
        .route(
            "/agencies/{code}/obligations/settings",
            get(settings).post(save_setting),
        )
        .route("/tasks/{id}", get(show))
        .route("/tasks/{id}/action", post(act))
        .route("/tasks/{id}/assign", post(assign))
        .route(
            "/tasks/{id}/evidence",
            post(upload).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
        .route("/tasks/{id}/evidence/link", post(link))
        .route("/evidence/{id}", get(fetch_evidence))
}

/// A task as a list shows it.
pub struct TaskLine {
    pub row: TaskRow,
    pub title: String,
    pub chapter: u8,
    pub period: String,
    pub status: String,
    pub overdue: bool,
}

/// A task a level change superseded, as the year's history shows it.
pub struct SupersededLine {
    pub title: String,
    pub period: String,
    pub row: anwei_store::obligations::SupersededTaskRow,
}

pub struct ChapterGroup {
    pub numeral: &'static str,
    pub name: String,
    pub lines: Vec<TaskLine>,
}

/// One bar of the chart: a chapter's tasks as done / open / overdue shares of 100.
pub struct Bar {
    pub label: String,
    pub y: usize,
    pub done: usize,
    pub open: usize,
    pub overdue: usize,
    pub done_w: f64,
    pub open_w: f64,
    pub overdue_w: f64,
}

pub struct PersonLine {
    pub name: String,
    pub total: usize,
    pub closed: usize,
    pub overdue: usize,
}

fn title(t: &Locale, o: Option<&Obligation>, key: &str) -> String {
    o.map(|o| t.pick(&o.title.zh, &o.title.en))
        .unwrap_or_else(|| key.to_string())
}

fn status_label(t: &Locale, row: &TaskRow, today: Date) -> String {
    if row.is_overdue(today) {
        format!(
            "{}（{}）",
            t.t("task-overdue"),
            t.tp("task-status-", &row.status)
        )
    } else {
        t.tp("task-status-", &row.status)
    }
}

pub fn task_line(app: &AppState, t: &Locale, row: TaskRow, today: Date) -> TaskLine {
    let o = app.catalog.obligations.get(&row.obligation_key);
    TaskLine {
        title: title(t, o, &row.obligation_key),
        chapter: o.map(|o| o.chapter).unwrap_or(0),
        period: Period::parse_key(&row.period_key)
            .map(|p| t.period(&p))
            .unwrap_or_else(|| row.period_key.clone()),
        status: status_label(t, &row, today),
        overdue: row.is_overdue(today),
        row,
    }
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct ListPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    year: i32,
    years: Vec<i32>,
    show: String,
    groups: Vec<ChapterGroup>,
    bars: Vec<Bar>,
    chart_height: usize,
    people: Vec<PersonLine>,
    summary: TaskSummary,
    /// Tasks of the year a level change superseded (kept in the history, not owed).
    superseded: Vec<SupersededLine>,
    /// The catalog's 「即將到期」 window, for the label.
    due_soon_days: i64,
    due_this_month: usize,
    can_manage: bool,
    notice: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    year: Option<String>,
    show: Option<String>,
    notice: Option<String>,
}

async fn list(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let year = parse_year(&app, q.year.as_deref())?;
    let today = RocDate::of_instant(app.clock.now()).date();
    let rows = app.store.tasks(&user.actor, Some(a.id), year).await?;
    let summary = app
        .store
        .task_summaries(
            &user.actor,
            year,
            today,
            app.catalog.obligations.reminders.due_soon_until(today),
        )
        .await?
        .into_iter()
        .find(|s| s.agency_id == a.id)
        .unwrap_or_default();
    let due_this_month = rows
        .iter()
        .filter(|r| {
            !r.status().is_closed()
                && r.due_on.year() == today.year()
                && r.due_on.month() == today.month()
        })
        .count();
    let mut people: Vec<PersonLine> = Vec::new();
    for r in &rows {
        let name = r
            .assignee_name
            .clone()
            .unwrap_or_else(|| t.t("task-unassigned"));
        let i = match people.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                people.push(PersonLine {
                    name,
                    total: 0,
                    closed: 0,
                    overdue: 0,
                });
                people.len() - 1
            }
        };
        let p = &mut people[i];
        p.total += 1;
        p.closed += usize::from(r.status().is_closed());
        p.overdue += usize::from(r.is_overdue(today));
    }
    let show = match q.show.as_deref() {
        Some("overdue") => "overdue",
        Some("open") => "open",
        _ => "all",
    };
    let mut groups: Vec<ChapterGroup> = Vec::new();
    let mut bars: Vec<Bar> = Vec::new();
    let lines: Vec<TaskLine> = rows
        .into_iter()
        .map(|r| task_line(&app, &t, r, today))
        .collect();
    for (i, numeral) in CHAPTER_NUMERALS.iter().enumerate() {
        let chapter = u8::try_from(i + 1).unwrap_or(0);
        let of_chapter: Vec<&TaskLine> = lines.iter().filter(|l| l.chapter == chapter).collect();
        if of_chapter.is_empty() {
            continue;
        }
        let done = of_chapter
            .iter()
            .filter(|l| l.row.status().is_closed())
            .count();
        let overdue = of_chapter.iter().filter(|l| l.overdue).count();
        let open = of_chapter.len() - done - overdue;
        let total = of_chapter.len() as f64;
        bars.push(Bar {
            label: format!("{numeral} {}", t.tp("chapter-", &chapter.to_string())),
            y: bars.len() * 34,
            done,
            open,
            overdue,
            done_w: done as f64 * 100.0 / total,
            open_w: open as f64 * 100.0 / total,
            overdue_w: overdue as f64 * 100.0 / total,
        });
    }
    for line in lines {
        let keep = match show {
            "overdue" => line.overdue,
            "open" => !line.row.status().is_closed(),
            _ => true,
        };
        if !keep {
            continue;
        }
        match groups
            .iter_mut()
            .find(|g| g.numeral == chapter_numeral(line.chapter))
        {
            Some(g) => g.lines.push(line),
            None => groups.push(ChapterGroup {
                numeral: chapter_numeral(line.chapter),
                name: t.tp("chapter-", &line.chapter.to_string()),
                lines: vec![line],
            }),
        }
    }
    groups.sort_by_key(|g| CHAPTER_NUMERALS.iter().position(|n| *n == g.numeral));
    let superseded = app
        .store
        .superseded_tasks(&a, year)
        .await?
        .into_iter()
        .map(|row| SupersededLine {
            title: title(
                &t,
                app.catalog.obligations.get(&row.obligation_key),
                &row.obligation_key,
            ),
            period: Period::parse_key(&row.period_key)
                .map(|p| t.period(&p))
                .unwrap_or_else(|| row.period_key.clone()),
            row,
        })
        .collect();
    let page = ListPage {
        superseded,
        due_soon_days: app.catalog.obligations.reminders.due_soon_days,
        t: &t,
        c: Chrome::for_user(
            &app,
            &t,
            &user,
            &format!("/agencies/{}/obligations", a.code),
        ),
        can_manage: user
            .require(&app, Permission::ObligationManage, &a.agency_path())
            .is_ok(),
        notice: notice_text(&t, q.notice.as_deref()),
        years: ((this_year(&app) - 2)..=(this_year(&app) + 1)).collect(),
        chart_height: bars.len() * 34,
        a,
        year,
        show: show.to_string(),
        groups,
        bars,
        people,
        summary,
        due_this_month,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct RefreshForm {
    year: String,
}

/// Recomputes the year's tasks from the catalog and the level history (after a level change,
/// or for next year ahead of time).
async fn refresh(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RefreshForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let year = parse_year(&app, Some(&f.year))?;
    app.store
        .materialise_year(
            &user.actor,
            &app.catalog.obligations,
            a.id,
            year,
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/obligations?year={year}&notice=tasks-refreshed",
        a.code
    )))
}

// ───────────────────────────── one task ─────────────────────────────

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage<'a> {
    t: &'a Locale,
    c: Chrome,
    line: TaskLine,
    o: Option<Obligation>,
    evidence: Vec<EvidenceRow>,
    other_evidence: Vec<Opt>,
    people: Vec<Opt>,
    today: Date,
    can_work: bool,
    can_decide: bool,
    can_assign: bool,
    requires_approval: bool,
    accept: String,
    max_mb: usize,
    ev: EvidenceFields,
    /// A task's evidence belongs to no timeline step.
    no_events: Vec<Opt>,
    note: String,
    out: Outcome,
}

/// The task as it is now (after someone else moved it), within the actor's reach.
async fn task_now(app: &AppState, user: &CurrentUser, id: Uuid) -> Result<TaskRow, AppError> {
    app.store
        .task(&user.actor, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A task the person may work on: 403 otherwise (its scope was checked by [`Owned`]).
fn workable(
    app: &AppState,
    user: &CurrentUser,
    a: &AgencyScope,
    task: &TaskRow,
) -> Result<(), AppError> {
    if may_work(app, user, a, task) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The 承辦人 (obligation.manage) works on any task; others only on tasks given to them.
fn may_work(app: &AppState, user: &CurrentUser, a: &AgencyScope, task: &TaskRow) -> bool {
    let path = a.agency_path();
    user.require(app, Permission::ObligationWork, &path).is_ok()
        && (user
            .require(app, Permission::ObligationManage, &path)
            .is_ok()
            || task.assignee_id == Some(user.session.user_id))
}

async fn requires_approval(
    app: &AppState,
    a: &AgencyScope,
    task: &TaskRow,
) -> Result<bool, AppError> {
    Ok(app
        .store
        .obligation_settings(a)
        .await?
        .iter()
        .any(|s| s.obligation_key == task.obligation_key && s.requires_approval))
}

#[allow(clippy::too_many_arguments)]
async fn task_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: &AgencyScope,
    task: TaskRow,
    ev: EvidenceFields,
    note: String,
    out: Outcome,
) -> Result<Response, AppError> {
    let today = RocDate::of_instant(app.clock.now()).date();
    let evidence = app.store.evidence_of_task(task.id).await?;
    let other_evidence = app
        .store
        .agency_evidence(a)
        .await?
        .into_iter()
        .filter(|e| evidence.iter().all(|mine| mine.id != e.id))
        .map(|e| Opt {
            value: e.id.to_string(),
            label: format!("{}（{}）", e.title, t.date(&e.effective_on)),
            selected: false,
        })
        .collect();
    let path = a.agency_path();
    let can_assign = user
        .require(app, Permission::ObligationManage, &path)
        .is_ok();
    let people = if can_assign {
        app.store
            .users_of_agency(&user.actor, a.id)
            .await?
            .into_iter()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| Opt {
                selected: task.assignee_id == Some(u.id),
                label: format!("{}（{}）", u.display_name, t.role(&u.role)),
                value: u.id.to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = TaskPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/tasks/{}", task.id)),
        o: app.catalog.obligations.get(&task.obligation_key).cloned(),
        can_work: may_work(app, user, a, &task),
        can_decide: user
            .require(app, Permission::ObligationApprove, &path)
            .is_ok(),
        requires_approval: requires_approval(app, a, &task).await?,
        line: task_line(app, t, task, today),
        evidence,
        other_evidence,
        people,
        today,
        can_assign,
        accept: crate::routes::evidence_form::accept_attribute(),
        max_mb: app.config.max_upload_bytes / (1024 * 1024),
        ev,
        no_events: Vec::new(),
        note,
        out,
    };
    let status = page.out.status;
    Ok((status, render(&page)?).into_response())
}

async fn show(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: task,
        agency: a,
        user,
        ..
    }: Owned<TaskRow, need::ObligationRead>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let notice = notice_text(&t, q.notice.as_deref());
    let today = RocDate::of_instant(app.clock.now()).date();
    let ev = EvidenceFields {
        effective_on: today.to_string(),
        ..Default::default()
    };
    task_page(
        &app,
        &t,
        &user,
        &a,
        task,
        ev,
        String::new(),
        Outcome::ok(notice),
    )
    .await
}

#[derive(Deserialize)]
struct ActionForm {
    action: String,
    #[serde(default)]
    note: String,
}

async fn act(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: task,
        agency: a,
        user,
        ..
    }: Owned<TaskRow, need::ObligationRead>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    let action = TaskAction::parse(&f.action).ok_or(AppError::BadRequest("error-invalid"))?;
    if action.needs_approver() {
        user.require(&app, Permission::ObligationApprove, &a.agency_path())?;
    } else if !may_work(&app, &user, &a, &task) {
        return Err(AppError::Forbidden);
    }
    let note =
        anwei_domain::agency::parse_line("note", &f.note.replace(['\r', '\n'], " "), 0, 1000);
    let evidence = app.store.evidence_of_task(task.id).await?;
    let o = app.catalog.obligations.get(&task.obligation_key);
    let needs_approval = requires_approval(&app, &a, &task).await?;
    let result = note.and_then(|note| {
        action
            .apply(
                task.status(),
                needs_approval,
                !evidence.is_empty(),
                o.is_some_and(|o| o.evidence_required),
                &note,
            )
            .map(|to| (to, note))
    });
    match result {
        Ok((to, note)) => {
            let keep_note = (!note.is_empty()).then_some(note.as_str());
            match app
                .store
                .set_task_status(&user.actor, &task, to, keep_note, app.clock.now())
                .await
            {
                Ok(()) => Ok(redirect(&format!("/tasks/{}?notice=task-updated", task.id))),
                // someone else moved it first: show the page as it is now
                Err(anwei_store::StoreError::NotFound) => {
                    let fresh = task_now(&app, &user, task.id).await?;
                    let err = FieldError::new("action", "err-task-action")
                        .with("status", fresh.status.clone());
                    let out = Outcome::rejected(
                        FormErrors::from_fields_in(&t, &[err], "task"),
                        String::new(),
                        StatusCode::CONFLICT,
                    );
                    task_page(
                        &app,
                        &t,
                        &user,
                        &a,
                        fresh,
                        EvidenceFields::default(),
                        f.note,
                        out,
                    )
                    .await
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => {
            let e = FieldError {
                args: localized_status(&t, e.args),
                ..e
            };
            let out = Outcome::rejected(
                FormErrors::from_fields_in(&t, &[e], "task"),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            task_page(
                &app,
                &t,
                &user,
                &a,
                task,
                EvidenceFields::default(),
                f.note,
                out,
            )
            .await
        }
    }
}

/// The status named in an error, in the reader's words.
fn localized_status(t: &Locale, args: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    args.into_iter()
        .map(|(k, v)| {
            if k == "status" {
                (k, t.tp("task-status-", &v))
            } else {
                (k, v)
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    assignee: String,
}

async fn assign(
    State(app): State<AppState>,
    Owned {
        record: task, user, ..
    }: Owned<TaskRow, need::ObligationManage>,
    Form(f): Form<AssignForm>,
) -> Result<Response, AppError> {
    let assignee = match f.assignee.trim() {
        "" => None,
        s => Some(Uuid::parse_str(s).map_err(|_| FieldError::new("assignee", "err-choice"))?),
    };
    match app
        .store
        .assign_task(&user.actor, &task, assignee, app.clock.now())
        .await
    {
        Ok(()) => Ok(redirect(&format!("/tasks/{}?notice=task-updated", task.id))),
        Err(anwei_store::StoreError::NotFound) => {
            Err(FieldError::new("assignee", "err-choice").into())
        }
        Err(e) => Err(e.into()),
    }
}

// ───────────────────────────── evidence ─────────────────────────────

async fn upload(
    State(app): State<AppState>,
    t: Locale,
    Owned {
        record: task,
        agency: a,
        user,
        ..
    }: Owned<TaskRow, need::ObligationWork>,
    form: Multipart,
) -> Result<Response, AppError> {
    workable(&app, &user, &a, &task)?;
    let upload = match parse_upload(&app, form).await? {
        Ok(u) => u,
        Err((fields, errors)) => {
            let out = Outcome::rejected(
                FormErrors::from_fields_in(&t, &errors, "ev"),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            return task_page(&app, &t, &user, &a, task, fields, String::new(), out).await;
        }
    };
    app.store
        .add_evidence(
            &user.actor,
            &app.files,
            EvidenceTarget::Task(&task),
            &upload.as_new(),
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/tasks/{}?notice=evidence-added",
        task.id
    )))
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    evidence_id: String,
}

async fn link(
    State(app): State<AppState>,
    Owned {
        record: task,
        agency: a,
        user,
        ..
    }: Owned<TaskRow, need::ObligationWork>,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    workable(&app, &user, &a, &task)?;
    let evidence = Uuid::parse_str(f.evidence_id.trim())
        .map_err(|_| FieldError::new("evidence_id", "err-choice"))?;
    match app
        .store
        .link_evidence(&user.actor, &task, evidence, app.clock.now())
        .await
    {
        Ok(()) => Ok(redirect(&format!(
            "/tasks/{}?notice=evidence-added",
            task.id
        ))),
        Err(anwei_store::StoreError::NotFound) => {
            Err(FieldError::new("evidence_id", "err-choice").into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Serves an evidence file after checking it against its recorded digest; a link redirects.
async fn fetch_evidence(
    State(app): State<AppState>,
    Owned { record: row, .. }: Owned<EvidenceRow, need::ObligationRead>,
) -> Result<Response, AppError> {
    if let Some(url) = &row.url {
        return Ok(axum::response::Redirect::to(url).into_response());
    }
    match app.store.evidence_bytes(&app.files, &row).await {
        Ok(bytes) => Ok(download(
            bytes,
            row.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
            row.file_name.as_deref().unwrap_or("evidence"),
        )),
        Err(anwei_store::StoreError::Tampered(sha)) => {
            tracing::error!(evidence = %row.id, sha256 = %sha, "evidence file does not match its digest");
            Err(AppError::Tampered)
        }
        Err(e) => Err(e.into()),
    }
}

// ───────────────────────────── settings ─────────────────────────────

pub struct SettingLine {
    pub key: String,
    pub numeral: &'static str,
    pub title: String,
    /// The catalog's recurrence.
    pub recurrence: String,
    /// The agency's own, as typed (shown again with its error).
    pub own_recurrence: String,
    pub recurrence_error: String,
    pub people: Vec<Opt>,
    pub requires_approval: bool,
}

#[derive(Template)]
#[template(path = "obligation_settings.html")]
struct SettingsPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    lines: Vec<SettingLine>,
    can_require_approval: bool,
    notice: String,
}

/// A rejected row: its duty, what was typed and the message.
struct RowError {
    key: String,
    typed: String,
    message: String,
}

async fn settings_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    notice: String,
    rejected: Option<RowError>,
) -> Result<Response, AppError> {
    let current = app.store.obligation_settings(&a).await?;
    let users = app.store.users_of_agency(&user.actor, a.id).await?;
    let year = this_year(app);
    // Only the duties this agency owes this year.
    let owed: Vec<String> = app
        .store
        .tasks(&user.actor, Some(a.id), year)
        .await?
        .into_iter()
        .map(|r| r.obligation_key)
        .collect();
    let mut lines: Vec<SettingLine> = app
        .catalog
        .obligations
        .obligations
        .iter()
        .filter(|o| owed.contains(&o.key))
        .map(|o| {
            let s = current.iter().find(|s| s.obligation_key == o.key);
            let bad = rejected.as_ref().filter(|r| r.key == o.key);
            SettingLine {
                key: o.key.clone(),
                numeral: chapter_numeral(o.chapter),
                title: t.pick(&o.title.zh, &o.title.en),
                recurrence: o.recurrence_text.clone(),
                own_recurrence: match bad {
                    Some(r) => r.typed.clone(),
                    None => s.and_then(|s| s.recurrence.clone()).unwrap_or_default(),
                },
                recurrence_error: bad.map(|r| r.message.clone()).unwrap_or_default(),
                people: users
                    .iter()
                    .filter(|u| u.disabled_at.is_none())
                    .map(|u| Opt {
                        value: u.id.to_string(),
                        label: u.display_name.clone(),
                        selected: s.and_then(|s| s.assignee_id) == Some(u.id),
                    })
                    .collect(),
                requires_approval: s.is_some_and(|s| s.requires_approval),
            }
        })
        .collect();
    lines.sort_by_key(|l| CHAPTER_NUMERALS.iter().position(|n| *n == l.numeral));
    let status = if rejected.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SettingsPage {
        t,
        c: Chrome::for_user(
            app,
            t,
            user,
            &format!("/agencies/{}/obligations/settings", a.code),
        ),
        can_require_approval: user
            .require(app, Permission::ObligationApprove, &a.agency_path())
            .is_ok(),
        notice,
        a,
        lines,
    };
    Ok((status, render(&page)?).into_response())
}

async fn settings(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let notice = notice_text(&t, q.notice.as_deref());
    settings_page(&app, &t, &user, a, notice, None).await
}

#[derive(Deserialize)]
struct SettingForm {
    obligation_key: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    requires_approval: Option<String>,
    #[serde(default)]
    recurrence: String,
}

async fn save_setting(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<SettingForm>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    if app.catalog.obligations.get(&f.obligation_key).is_none() {
        return Err(FieldError::new("obligation_key", "err-choice").into());
    }
    let assignee = match f.assignee.trim() {
        "" => None,
        s => {
            let id = Uuid::parse_str(s).map_err(|_| FieldError::new("assignee", "err-choice"))?;
            let of_agency = app.store.users_of_agency(&user.actor, a.id).await?;
            if !of_agency
                .iter()
                .any(|u| u.id == id && u.disabled_at.is_none())
            {
                return Err(FieldError::new("assignee", "err-choice").into());
            }
            Some(id)
        }
    };
    // The agency's own frequency, in the catalog's notation; an impossible one is refused next
    // to the field and nothing is saved.
    let recurrence = match f
        .recurrence
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
    {
        r if r.is_empty() => None,
        r => match Recurrence::parse(&r) {
            Ok(_) => Some(r),
            Err(e) => {
                let rejected = RowError {
                    key: f.obligation_key,
                    typed: f.recurrence,
                    message: t.field_error(&e),
                };
                return settings_page(&app, &t, &user, a, String::new(), Some(rejected)).await;
            }
        },
    };
    let current = app.store.obligation_settings(&a).await?;
    let was = current
        .iter()
        .find(|s| s.obligation_key == f.obligation_key)
        .is_some_and(|s| s.requires_approval);
    let wants = f.requires_approval.is_some();
    // Only the 資通安全長 decides whether completions need the 資通安全長's approval.
    if wants != was {
        user.require(&app, Permission::ObligationApprove, &a.agency_path())?;
    }
    let setting = ObligationSettingRow {
        obligation_key: f.obligation_key,
        assignee_id: assignee,
        requires_approval: wants,
        recurrence,
    };
    // a new frequency changes this year's open tasks at once
    anwei_app::obligations::save_setting(app.cx(), &user.actor, &a, &setting).await?;
    Ok(redirect(&format!(
        "/agencies/{}/obligations/settings?notice=settings-saved",
        a.code
    )))
}
