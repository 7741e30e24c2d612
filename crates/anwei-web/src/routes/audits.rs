//! 稽核 (seed 壹拾伍.二): an agency's audits — its own, its supervisor's and external ones — each
//! with its plan and the official checklist, which Anwei proposes from the records and a person
//! confirms item by item; the filled form prints as ODT, DOCX or PDF.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt};
use crate::pages::{Chrome, Outcome, render};
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_app::audits::{AuditItem, RecordNames, evidence_path, reason_text};
use anwei_domain::checklist::{Answer, AuditKind, RawAuditPlan};
use anwei_domain::finding::{FindingAspect, FindingClass, RawFinding};
use anwei_domain::rbac::Permission;
use anwei_store::agencies::AgencyScope;
use anwei_store::audit_plans::{AuditRow, FindingRow};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/audits", get(list).post(create))
        .route("/agencies/{code}/audits/{id}", get(show))
        .route("/agencies/{code}/audits/{id}/answers", post(save_answers))
        .route("/agencies/{code}/audits/{id}/findings", post(add_finding))
        .route(
            "/agencies/{code}/audits/{id}/findings/{finding}/review",
            post(review_finding),
        )
        .route("/agencies/{code}/audits/{id}/{file}", get(document))
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "audits.html")]
struct ListPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    audits: Vec<(AuditRow, usize)>,
    /// The agencies below, each with its findings closed on time (a supervisor's view).
    below: Vec<anwei_app::audits::FindingsLine>,
    can_plan: bool,
    /// The agency plans its own audit (internal or external), not a subordinate's.
    own: bool,
    kinds: Vec<Opt>,
    checklists: Vec<Opt>,
    f: RawAuditPlan,
    o: Outcome,
}

/// The agency of the actor, who audits: its own for an internal audit, the supervisor's for one
/// of an agency below it. An account of no agency (an administrator) plans no audit.
async fn auditor_of(app: &AppState, user: &CurrentUser) -> Result<AgencyScope, AppError> {
    let id = user.session.agency_id.ok_or(AppError::Forbidden)?;
    app.store
        .agency_by_id(&user.actor, id)
        .await?
        .ok_or(AppError::Forbidden)
}

async fn list_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    f: RawAuditPlan,
    o: Outcome,
) -> Result<Response, AppError> {
    let can_plan = user
        .require(app, Permission::ChecklistAnswer, &a.agency_path())
        .is_ok()
        && user.session.agency_id.is_some();
    let own = user.session.agency_id == Some(a.id);
    let totals = |id: &str| {
        app.catalog
            .checklists
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.items.len())
            .unwrap_or(0)
    };
    let audits = app
        .store
        .audits_of(&a)
        .await?
        .into_iter()
        .map(|r| {
            let n = totals(&r.checklist_id);
            (r, n)
        })
        .collect();
    let kinds = [AuditKind::Internal, AuditKind::External]
        .iter()
        .map(|k| Opt {
            value: k.as_str().to_string(),
            label: t.tp("audit-kind-", k.as_str()),
            selected: f.kind == k.as_str(),
        })
        .collect();
    let newest = app
        .catalog
        .checklist(None, app.cx().today())
        .map(|c| c.id.clone());
    let checklists = app
        .catalog
        .checklists
        .iter()
        .map(|c| Opt {
            value: c.id.clone(),
            label: format!("{}（{}年）", t.pick(&c.title.zh, &c.title.en), c.edition),
            selected: if f.checklist.is_empty() {
                Some(&c.id) == newest.as_ref()
            } else {
                f.checklist == c.id
            },
        })
        .collect();
    let below = anwei_app::audits::findings_below(&app.cx(), &user.actor, &a).await?;
    let status = o.status;
    let page = ListPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/audits", a.code)),
        a,
        audits,
        below,
        can_plan,
        own,
        kinds,
        checklists,
        f,
        o,
    };
    Ok((status, render(&page)?).into_response())
}

async fn list(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let previous_results = anwei_app::audits::previous_results(&app.cx(), &t, &a).await?;
    let f = RawAuditPlan {
        kind: AuditKind::Internal.as_str().into(),
        basis: t.t("audit-default-basis"),
        confidentiality: t.t("audit-default-confidentiality"),
        method: t.t("audit-default-method"),
        assistance: t.t("audit-default-assistance"),
        previous_results,
        ..Default::default()
    };
    let notice = notice_text(&t, q.notice.as_deref());
    list_page(&app, &t, &user, a, f, Outcome::ok(notice)).await
}

async fn create(
    scope: Scoped<need::ChecklistAnswer>,
    State(app): State<AppState>,
    t: Locale,
    Form(f): Form<RawAuditPlan>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let auditor = auditor_of(&app, &user).await?;
    match anwei_app::audits::plan(&app.cx(), &user.actor, &auditor, &a, &f).await? {
        Ok(id) => Ok(redirect(&format!(
            "/agencies/{}/audits/{id}?notice=audit-planned",
            a.code
        ))),
        Err(errors) => {
            let o = Outcome::rejected(
                FormErrors::from_fields(&t, &errors),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            list_page(&app, &t, &user, a, f, o).await
        }
    }
}

/// One item as the page shows it.
pub struct ItemView {
    pub number: String,
    pub dimension: String,
    /// The first item of its 構面 (the page puts the 構面's heading above it).
    pub starts_dimension: bool,
    pub text: String,
    pub proposed: Answer,
    pub reasons: Vec<String>,
    /// (link, name) of each record cited.
    pub evidence: Vec<(String, String)>,
    /// The answer the radio buttons show: the person's, or Anwei's proposal until they answer.
    pub shown: Answer,
    pub answered: bool,
    pub note: String,
    pub answered_by: String,
}

#[derive(Template)]
#[template(path = "audit_checklist.html")]
struct AuditPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    audit: AuditRow,
    form: String,
    citation: String,
    items: Vec<ItemView>,
    /// How many items Anwei proposes each answer for.
    summary: Vec<(Answer, usize)>,
    answered: usize,
    answers: [Answer; 4],
    findings: Vec<FindingView>,
    /// The new finding's form.
    nf: RawFinding,
    item_options: Vec<Opt>,
    classes: Vec<Opt>,
    aspects: Vec<Opt>,
    owners: Vec<Opt>,
    can_answer: bool,
    o: Outcome,
}

async fn audit_for(app: &AppState, a: &AgencyScope, id: &str) -> Result<AuditRow, AppError> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    app.store.audit_of(a, id).await?.ok_or(AppError::NotFound)
}

fn item_view(
    app: &AppState,
    t: &Locale,
    a: &AgencyScope,
    names: &RecordNames,
    i: AuditItem<'_>,
    previous: &mut usize,
    typed: Option<&[(String, String)]>,
) -> ItemView {
    let n = &i.item.number;
    let typed_value = |name: String| {
        typed.and_then(|form| {
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
    };
    let shown = typed_value(format!("answer-{n}"))
        .and_then(|v| Answer::parse(&v))
        .or(i.answer.as_ref().map(|r| r.answer))
        .unwrap_or(i.proposal.answer);
    let reasons: Vec<String> = i
        .proposal
        .reasons
        .iter()
        .map(|r| reason_text(t, &app.catalog, r))
        .collect();
    // Until someone answers, the note starts as Anwei's reasons (the form's 「簡述…執行結果」):
    // confirming the proposal confirms them, and anyone may rewrite them.
    let note = typed_value(format!("note-{n}"))
        .or(i.answer.as_ref().map(|r| r.note.clone()))
        .unwrap_or_else(|| {
            if i.proposal.answer == Answer::Conforming {
                String::new()
            } else {
                reasons.join("；")
            }
        });
    let starts_dimension = i.item.dimension != *previous;
    *previous = i.item.dimension;
    let text = i.item.printed_text();
    ItemView {
        number: n.clone(),
        dimension: i.dimension.to_string(),
        starts_dimension,
        text,
        proposed: i.proposal.answer,
        reasons,
        evidence: i
            .proposal
            .evidence
            .iter()
            .map(|e| (evidence_path(&a.code, e), names.name(t, &app.catalog, e)))
            .collect(),
        shown,
        answered: i.answer.is_some(),
        answered_by: i
            .answer
            .as_ref()
            .map(|r| format!("{} · {}", r.answered_by, t.datetime(&r.answered_at)))
            .unwrap_or_default(),
        note,
    }
}

/// A finding as the audit page shows it.
pub struct FindingView {
    pub f: FindingRow,
    pub late: bool,
    /// Its corrective action is done with evidence (or it needs none): it may be reviewed.
    pub reviewable: bool,
}

fn options<T: Copy>(
    t: &Locale,
    all: &[T],
    key: impl Fn(T) -> &'static str,
    prefix: &str,
    chosen: &str,
) -> Vec<Opt> {
    all.iter()
        .map(|x| Opt {
            value: key(*x).to_string(),
            label: t.tp(prefix, key(*x)),
            selected: key(*x) == chosen,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn audit_page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    audit: AuditRow,
    typed: Option<&[(String, String)]>,
    nf: RawFinding,
    o: Outcome,
) -> Result<Response, AppError> {
    let cx = app.cx();
    let (checklist, items) = anwei_app::audits::audit_items(&cx, &user.actor, &a, &audit).await?;
    let names = RecordNames::of(&cx, &a).await?;
    let mut previous = 0;
    let items: Vec<ItemView> = items
        .into_iter()
        .map(|i| item_view(app, t, &a, &names, i, &mut previous, typed))
        .collect();
    let summary = Answer::ALL
        .iter()
        .map(|x| (*x, items.iter().filter(|i| i.proposed == *x).count()))
        .collect();
    let answered = items.iter().filter(|i| i.answered).count();
    let today = cx.today();
    let findings = app
        .store
        .findings_of(&audit)
        .await?
        .into_iter()
        .map(|f| FindingView {
            late: f.is_late(today),
            reviewable: !f.is_closed()
                && (!f.class.needs_correction()
                    || (f.task_status.as_deref() == Some("done") && f.evidence_count > 0)),
            f,
        })
        .collect();
    let item_options = items
        .iter()
        .map(|i| Opt {
            value: i.number.clone(),
            label: format!(
                "{} {}",
                i.number,
                t.tp("checklist-answer-", i.shown.as_str())
            ),
            selected: nf.item == i.number,
        })
        .collect();
    let owners = app
        .store
        .users_of_agency(&user.actor, a.id)
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| Opt {
            selected: nf.owner == u.id.to_string(),
            label: format!("{}（{}）", u.display_name, t.role(&u.role)),
            value: u.id.to_string(),
        })
        .collect();
    let classes = options(
        t,
        FindingClass::ALL,
        FindingClass::as_str,
        "finding-class-",
        &nf.class,
    );
    let aspects = options(
        t,
        FindingAspect::ALL,
        FindingAspect::as_str,
        "finding-aspect-",
        &nf.aspect,
    );
    let status = o.status;
    let page = AuditPage {
        t,
        c: Chrome::for_user(
            app,
            t,
            user,
            &format!("/agencies/{}/audits/{}", a.code, audit.id),
        ),
        can_answer: user
            .require(app, Permission::ChecklistAnswer, &a.agency_path())
            .is_ok(),
        form: checklist.form.clone(),
        citation: checklist.citation.clone(),
        a,
        audit,
        items,
        summary,
        answered,
        answers: Answer::ALL,
        findings,
        nf,
        item_options,
        classes,
        aspects,
        owners,
        o,
    };
    Ok((status, render(&page)?).into_response())
}

async fn show(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let audit = audit_for(&app, &a, &id).await?;
    let notice = notice_text(&t, q.notice.as_deref());
    audit_page(
        &app,
        &t,
        &user,
        a,
        audit,
        None,
        RawFinding::default(),
        Outcome::ok(notice),
    )
    .await
}

async fn save_answers(
    scope: Scoped<need::ChecklistAnswer>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let audit = audit_for(&app, &a, &id).await?;
    match anwei_app::audits::answer(&app.cx(), &user.actor, &a, &audit, &form).await? {
        Ok(_) => Ok(redirect(&format!(
            "/agencies/{}/audits/{}?notice=audit-answered",
            a.code, audit.id
        ))),
        Err(refused) => {
            let errors = FormErrors(
                refused
                    .iter()
                    .map(|(item, e)| (format!("{}-{item}", e.field), t.field_error(e)))
                    .collect(),
            );
            let o = Outcome::rejected(errors, String::new(), StatusCode::UNPROCESSABLE_ENTITY);
            audit_page(
                &app,
                &t,
                &user,
                a,
                audit,
                Some(&form),
                RawFinding::default(),
                o,
            )
            .await
        }
    }
}

async fn add_finding(
    scope: Scoped<need::ChecklistAnswer>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<RawFinding>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let audit = audit_for(&app, &a, &id).await?;
    match anwei_app::audits::add_finding(&app.cx(), &user.actor, &a, &audit, &f).await? {
        Ok(number) => Ok(redirect(&format!(
            "/agencies/{}/audits/{}?notice=finding-added#finding-{number}",
            a.code, audit.id
        ))),
        Err(errors) => {
            let o = Outcome::rejected(
                FormErrors::from_fields_in(&t, &errors, "finding"),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            audit_page(&app, &t, &user, a, audit, None, f, o).await
        }
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    review_note: String,
}

async fn review_finding(
    scope: Scoped<need::ChecklistAnswer>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, id, finding)): Path<(String, String, String)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let audit = audit_for(&app, &a, &id).await?;
    let finding = uuid::Uuid::parse_str(&finding).map_err(|_| AppError::NotFound)?;
    let cx = app.cx();
    match anwei_app::audits::review_finding(
        &cx,
        &user.actor,
        &a,
        finding,
        &f.outcome,
        &f.review_note,
    )
    .await?
    {
        Ok(()) => Ok(redirect(&format!(
            "/agencies/{}/audits/{}?notice=finding-reviewed#findings",
            a.code, audit.id
        ))),
        Err(errors) => {
            let o = Outcome::rejected(
                FormErrors::from_fields_in(&t, &errors, &format!("review-{finding}")),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            audit_page(&app, &t, &user, a, audit, None, RawFinding::default(), o).await
        }
    }
}

/// `checklist.odt|docx|pdf` (the official form filled in) and `report.odt|docx|pdf` (稽核結果及
/// 改善報告).
async fn document(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, id, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (a, user) = scope.into_parts();
    let audit = audit_for(&app, &a, &id).await?;
    let cx = app.cx();
    let (stem, _) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let format = crate::pages::format_of(&file, stem, &anwei_docs::Format::TEXT)?;
    let (doc, kind) = match stem {
        "checklist" => (
            anwei_app::audits::document(&cx, &t, &user.actor, &a, &audit).await?,
            t.t("audit-checklist"),
        ),
        "report" => (
            anwei_app::audits::improvement_report(&cx, &t, &user.actor, &a, &audit).await?,
            t.t("finding-report-title"),
        ),
        _ => return Err(AppError::NotFound),
    };
    crate::pages::deliver(&doc, format, &kind, &a.name)
}
