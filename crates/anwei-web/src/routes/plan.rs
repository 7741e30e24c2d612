//! 資通安全維護計畫: the plan as the agency maintains it, its lint against the law in force, its
//! versions and approval (承辦人 drafts and submits, the 資通安全長 approves, a published version
//! is numbered and frozen with its documents' digests), a readable diff between versions, and
//! the documents in every format. The state rules live in the store and the domain; this module
//! reads forms and renders.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::pages::{Chrome, render};
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_app::plans::{FROZEN_FORMATS, document, facts, lint_plan, publish, start_draft};
use anwei_docs::Format;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::plan::{
    Member, PlanBlock, PlanContent, ROSTER_ROLES, SectionChange, blocks_to_markup, diff, fill,
    markup_to_blocks, numbered, recurrence_label,
};
use anwei_domain::plan_lint::Finding;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::parse_date_input;
use anwei_store::agencies::AgencyScope;
use anwei_store::plans::{PlanFileRow, PlanStep, PlanVersionRow};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/plan", get(overview))
        .route("/agencies/{code}/plan/draft", post(new_draft))
        .route(
            "/agencies/{code}/plan/roster",
            get(roster_form).post(save_roster),
        )
        .route(
            "/agencies/{code}/plan/sections/{id}",
            get(section_form).post(save_section),
        )
        .route("/agencies/{code}/plan/step/{step}", post(step))
        .route("/agencies/{code}/plan/diff", get(diff_page))
        .route("/agencies/{code}/plan/{version}/{file}", get(file))
}

/// One heading of the outline as the page lists it.
pub struct OutlineLine {
    pub id: String,
    pub number: String,
    pub depth: u8,
    pub title: String,
    /// 「每季：…」 for clauses with a frequency.
    pub clauses: Vec<String>,
    pub empty: bool,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    notice: String,
    versions: Vec<(PlanVersionRow, Vec<PlanFileRow>)>,
    open: Option<PlanVersionRow>,
    /// The version the outline and lint show: the open one, or the latest published.
    shown: Option<PlanVersionRow>,
    outline: Vec<OutlineLine>,
    roster: Vec<Member>,
    findings: Vec<Finding>,
    lint_on: String,
    can_edit: bool,
    can_approve: bool,
    formats: Vec<&'static str>,
}

impl PlanPage<'_> {
    fn status_label(&self, v: &PlanVersionRow) -> String {
        self.t.tp("plan-status-", &v.status)
    }
}

#[derive(Deserialize, Default)]
struct OverviewQuery {
    notice: Option<String>,
    /// The date lint evaluates the law on (default today).
    on: Option<String>,
}

fn outline(content: &PlanContent, a: &AgencyScope) -> Vec<OutlineLine> {
    let f = facts(a);
    numbered(&content.sections)
        .into_iter()
        .map(|(number, s)| OutlineLine {
            id: s.id.clone(),
            number,
            depth: s.depth,
            title: if s.title.is_empty() {
                s.blocks
                    .first()
                    .and_then(|b| b.texts().first().map(|t| fill(t, &f, content)))
                    .map(|t| t.chars().take(40).collect())
                    .unwrap_or_default()
            } else {
                fill(&s.title, &f, content)
            },
            clauses: s
                .blocks
                .iter()
                .filter_map(|b| match b {
                    PlanBlock::Clause {
                        clause,
                        every: Some(every),
                        owner,
                    } => Some(format!(
                        "{}{}：{}",
                        recurrence_label(every),
                        owner
                            .as_deref()
                            .map(|o| format!("（{o}）"))
                            .unwrap_or_default(),
                        clause.chars().take(60).collect::<String>()
                    )),
                    _ => None,
                })
                .collect(),
            empty: !content.has_content(&s.id),
        })
        .collect()
}

async fn overview(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let on = match parse_date_input("on", q.on.as_deref().unwrap_or("")) {
        Ok(Some(d)) => d,
        Ok(None) => app.today(),
        Err(e) => return Err(e.into()),
    };
    let all = app.store.plan_versions(&a).await?;
    let open = all.iter().find(|v| !v.is_published()).cloned();
    let shown = open
        .clone()
        .or_else(|| all.iter().find(|v| v.is_published()).cloned());
    let (outline_lines, roster, findings) = match &shown {
        Some(v) => {
            let content = v.content()?;
            let findings = lint_plan(&app.store, &app.catalog, &a, &content, on).await?;
            (outline(&content, &a), content.roster, findings)
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let mut versions = Vec::new();
    for v in all {
        let files = app.store.plan_files(v.id).await?;
        versions.push((v, files));
    }
    let path = a.agency_path();
    let page = PlanPage {
        t: &t,
        c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
        notice: notice_text(&t, q.notice.as_deref()),
        versions,
        open,
        shown,
        outline: outline_lines,
        roster,
        findings,
        lint_on: on.to_string(),
        can_edit: user
            .require(&app, Permission::ObligationManage, &path)
            .is_ok(),
        can_approve: user
            .require(&app, Permission::ObligationApprove, &path)
            .is_ok(),
        formats: Format::TEXT.iter().map(|f| f.extension()).collect(),
        a,
    };
    Ok(render(&page)?.into_response())
}

/// Opens a draft: a copy of the latest published version, or the template.
async fn new_draft(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    // A first plan names the agency's 資通安全長 and 承辦人 from its accounts; the titles and the
    // 單位主管 are the officer's to fill in on the roster page.
    let users = app.store.users_of_agency(&user.actor, a.id).await?;
    let roster = ["ciso", "officer"]
        .into_iter()
        .filter_map(|role| {
            users
                .iter()
                .find(|u| u.role == role && u.disabled_at.is_none())
                .map(|u| Member {
                    role: role.into(),
                    name: u.display_name.clone(),
                    title: String::new(),
                    duties: String::new(),
                })
        })
        .collect();
    start_draft(
        &app.store,
        &app.catalog,
        &user.actor,
        &a,
        roster,
        app.clock.now(),
    )
    .await?;
    Ok(redirect(&format!(
        "/agencies/{}/plan?notice=plan-draft",
        a.code
    )))
}

/// The open draft of the agency, for editing; refused when there is none or it was submitted.
async fn editable(
    app: &AppState,
    a: AgencyScope,
) -> Result<(AgencyScope, PlanVersionRow, PlanContent), AppError> {
    let v = app
        .store
        .open_plan(&a)
        .await?
        .filter(|v| v.status == "draft")
        .ok_or(anwei_store::StoreError::WrongState("err-plan-not-draft"))?;
    let content = v.content()?;
    Ok((a, v, content))
}

#[derive(Template)]
#[template(path = "plan_section.html")]
struct SectionPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    id: String,
    number: String,
    title: String,
    markup: String,
    errors: FormErrors,
    answers: Vec<String>,
}

async fn section_form(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (a, _, content) = editable(&app, scope.agency).await?;
    let (number, s) = numbered(&content.sections)
        .into_iter()
        .find(|(_, s)| s.id == id)
        .ok_or(AppError::NotFound)?;
    let page = SectionPage {
        answers: answers(&app, &s.answers),
        c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
        t: &t,
        number,
        title: s.title.clone(),
        markup: blocks_to_markup(&s.blocks),
        id,
        a,
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

fn answers(app: &AppState, numbers: &[u8]) -> Vec<String> {
    numbers
        .iter()
        .filter_map(|n| {
            app.catalog
                .plan_rules
                .items
                .iter()
                .find(|i| i.number == *n)
                .map(|i| format!("第{}款 {}", i.number, i.title))
        })
        .collect()
}

#[derive(Deserialize)]
struct SectionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// Saves one section of the draft; its text before and after goes into the audit chain.
async fn save_section(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    axum::Form(f): axum::Form<SectionForm>,
) -> Result<Response, AppError> {
    let (a, v, mut content) = editable(&app, scope.agency).await?;
    let numbers = numbered(&content.sections);
    let (number, old) = numbers
        .iter()
        .find(|(_, s)| s.id == id)
        .map(|(n, s)| (n.clone(), (*s).clone()))
        .ok_or(AppError::NotFound)?;
    drop(numbers);
    let mut errors = Vec::new();
    // a run-in item has no title; every other section needs one
    let min = usize::from(!old.title.is_empty());
    let title = parse_line("title", &f.title, min, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let blocks = markup_to_blocks("body", &f.body)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(title), Some(blocks)) = (title, blocks) else {
        let page = SectionPage {
            answers: answers(&app, &old.answers),
            c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
            t: &t,
            number,
            title: f.title,
            markup: f.body,
            id,
            a,
            errors: FormErrors::from_fields(&t, &errors),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let before = json!({ "title": old.title, "text": blocks_to_markup(&old.blocks) });
    let after = json!({ "title": title, "text": blocks_to_markup(&blocks) });
    if let Some(s) = content.sections.iter_mut().find(|s| s.id == id) {
        s.title = title;
        s.blocks = blocks;
    }
    app.store
        .save_plan_draft(
            &user.actor,
            a.id,
            v.id,
            &content,
            (&format!("section:{id}"), before, after),
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/plan?notice=plan-saved#s-{id}",
        a.code
    )))
}

#[derive(Template)]
#[template(path = "plan_roster.html")]
struct RosterPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    /// (role, name, title) of the three who sign.
    signers: Vec<(&'static str, String, String)>,
    members: String,
    classification: String,
    errors: FormErrors,
}

fn signers_of(content: &PlanContent) -> Vec<(&'static str, String, String)> {
    ROSTER_ROLES
        .iter()
        .filter(|r| **r != "member")
        .map(|r| {
            let m = content.member(r);
            (
                *r,
                m.map(|m| m.name.clone()).unwrap_or_default(),
                m.map(|m| m.title.clone()).unwrap_or_default(),
            )
        })
        .collect()
}

fn members_text(content: &PlanContent) -> String {
    content
        .roster
        .iter()
        .filter(|m| m.role == "member")
        .map(|m| format!("{}｜{}｜{}", m.name, m.title.replace('\n', " "), m.duties))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn roster_form(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let (a, _, content) = editable(&app, scope.agency).await?;
    let page = RosterPage {
        c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
        t: &t,
        signers: signers_of(&content),
        members: members_text(&content),
        classification: content.classification.clone(),
        a,
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

/// The roster form: name and title of the three signers, then one member per line as
/// 「姓名｜職稱｜職掌」.
async fn save_roster(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (a, v, mut content) = editable(&app, scope.agency).await?;
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut roster = Vec::new();
    for role in ["ciso", "unit_head", "officer"] {
        let name = get(&format!("{role}-name"));
        let title = get(&format!("{role}-title"));
        let field: &'static str = match role {
            "ciso" => "ciso-name",
            "unit_head" => "unit_head-name",
            _ => "officer-name",
        };
        // the 資通安全長 must be named; the others may be filled in later
        let min = usize::from(role == "ciso");
        if let Ok(name) = parse_line(field, &name, min, 50).map_err(|e| errors.push(e))
            && !name.is_empty()
        {
            roster.push(Member {
                role: role.into(),
                name,
                title: title.trim().replace("\r\n", "\n"),
                duties: String::new(),
            });
        }
    }
    for (n, line) in get("members").lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('｜').map(str::trim).collect();
        match parts.as_slice() {
            [name, title, duties @ ..] if !name.is_empty() && name.chars().count() <= 50 => roster
                .push(Member {
                    role: "member".into(),
                    name: name.to_string(),
                    title: title.to_string(),
                    duties: duties.join("｜"),
                }),
            _ => {
                errors.push(FieldError::new("members", "err-plan-member-line").with("line", n + 1))
            }
        }
    }
    let classification = parse_line("classification", &get("classification"), 1, 20)
        .map_err(|e| errors.push(e))
        .ok();
    let Some(classification) = classification.filter(|_| errors.is_empty()) else {
        let page = RosterPage {
            c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
            t: &t,
            signers: ["ciso", "unit_head", "officer"]
                .into_iter()
                .map(|r| (r, get(&format!("{r}-name")), get(&format!("{r}-title"))))
                .collect(),
            members: get("members"),
            classification: get("classification"),
            a,
            errors: FormErrors::from_fields(&t, &errors),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let before = json!({ "roster": content.roster, "classification": content.classification });
    content.roster = roster;
    content.classification = classification;
    let after = json!({ "roster": content.roster, "classification": content.classification });
    app.store
        .save_plan_draft(
            &user.actor,
            a.id,
            v.id,
            &content,
            ("roster", before, after),
            app.clock.now(),
        )
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/plan?notice=plan-saved#roster",
        a.code
    )))
}

/// submit / return / approve / publish.
async fn step(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, step)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let path = a.agency_path();
    let v = app
        .store
        .open_plan(&a)
        .await?
        .ok_or(anwei_store::StoreError::WrongState("err-plan-step"))?;
    let now = app.clock.now();
    match step.as_str() {
        "submit" => {
            user.require(&app, Permission::ObligationManage, &path)?;
            app.store
                .plan_step(&user.actor, a.id, v.id, PlanStep::Submit, now)
                .await?;
        }
        // only the agency's 資通安全長 approves or sends back (資通安全管理法 §12: the CISO
        // approves the plan and its policies)
        "approve" | "return" => {
            user.require(&app, Permission::ObligationApprove, &path)?;
            let s = if step == "approve" {
                PlanStep::Approve
            } else {
                PlanStep::Return
            };
            app.store.plan_step(&user.actor, a.id, v.id, s, now).await?;
        }
        "publish" => {
            if user
                .require(&app, Permission::ObligationApprove, &path)
                .is_err()
            {
                user.require(&app, Permission::ObligationManage, &path)?;
            }
            publish(&app.store, &app.files, &user.actor, &a, &v, now).await?;
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(redirect(&format!(
        "/agencies/{}/plan?notice=plan-{step}",
        a.code
    )))
}

/// `draft/plan.odt` or `3/plan.pdf`: a draft is rendered now; a published version's ODT, DOCX and
/// PDF are the files frozen at publication (checked against their digests), its HTML is
/// rendered from its frozen content.
async fn file(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    Path((_, version, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let format = crate::pages::format_of(&file, "plan", &Format::TEXT)?;
    let v = version_of(&app, &a, &version).await?;
    let name = match v.number {
        Some(n) => format!("資通安全維護計畫-{}-第{n}版.{}", a.name, format.extension()),
        None => format!("資通安全維護計畫-{}-草稿.{}", a.name, format.extension()),
    };
    if FROZEN_FORMATS.contains(&format) && v.is_published() {
        let files = app.store.plan_files(v.id).await?;
        let f = files
            .iter()
            .find(|f| f.format == format.extension())
            .ok_or(AppError::NotFound)?;
        let bytes = app.files.get(&f.sha256).await?;
        if anwei_domain::evidence::sha256_hex(&bytes) != f.sha256 {
            return Err(AppError::Tampered);
        }
        return Ok(crate::pages::download(bytes, format.mime(), &name));
    }
    let doc = document(&app.store, &a, &v, app.today()).await?;
    let bytes = format
        .render(&doc)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::pages::download(bytes, format.mime(), &name))
}

/// "draft" (the open version) or a published version's number.
async fn version_of(
    app: &AppState,
    a: &AgencyScope,
    version: &str,
) -> Result<PlanVersionRow, AppError> {
    let v = if version == "draft" {
        app.store.open_plan(a).await?
    } else {
        let n: i32 = version.parse().map_err(|_| AppError::NotFound)?;
        app.store.published_plan(a, Some(n)).await?
    };
    v.ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct DiffQuery {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "plan_diff.html")]
struct DiffPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    from: String,
    to: String,
    changes: Vec<(String, String, SectionChange)>,
}

async fn diff_page(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<DiffQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let old = version_of(&app, &a, &q.from).await?.content()?;
    let new = version_of(&app, &a, &q.to).await?.content()?;
    let numbers: Vec<(String, String)> = numbered(&new.sections)
        .into_iter()
        .chain(numbered(&old.sections))
        .map(|(n, s)| (s.id.clone(), n))
        .collect();
    let changes = diff(&old, &new)
        .into_iter()
        .map(|(id, title, change)| {
            let number = numbers
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (id, format!("{number}{title}"), change)
        })
        .collect();
    let page = DiffPage {
        c: Chrome::for_user(&app, &t, &user, &format!("/agencies/{}/plan", a.code)),
        t: &t,
        a,
        from: q.from,
        to: q.to,
        changes,
    };
    Ok(render(&page)?.into_response())
}
