//! Drills (演練, 通報應變及演練辦法 §10): social-engineering e-mail drills every six months and the
//! yearly notification-and-response drill. The agency records each one it held, with the e-mail
//! drill's results; the page says when the next of each kind falls due.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale, Opt};
use crate::pages::{Chrome, Outcome, render};
use crate::routes::notice_text;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::incident::RawDrill;
use anwei_domain::rbac::Permission;
use anwei_domain::roc::RocDate;
use anwei_store::agencies::AgencyScope;
use anwei_store::incidents::DrillRow;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use time::Date;

pub fn router() -> Router<AppState> {
    Router::new().route("/agencies/{code}/drills", get(list).post(create))
}

pub struct DrillDue {
    pub name: String,
    pub citation: String,
    pub last: Option<Date>,
    pub next: Option<Date>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "drills.html")]
struct DrillsPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    due: Vec<DrillDue>,
    drills: Vec<(String, DrillRow)>,
    can_record: bool,
    kinds: Vec<Opt>,
    f: RawDrill,
    o: Outcome,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    f: RawDrill,
    o: Outcome,
) -> Result<Response, AppError> {
    let status = o.status;
    let rules = &app.catalog.incidents;
    let today = RocDate::of_instant(app.clock.now()).date();
    let rows = app.store.drills(&a).await?;
    let name = |k: &str| {
        rules
            .drill_rule(k)
            .map(|r| t.pick(&r.name, &r.name_en))
            .unwrap_or_else(|| k.to_string())
    };
    let due = rules
        .drills
        .iter()
        .map(|r| {
            let last = rows
                .iter()
                .filter(|d| d.kind == r.kind)
                .map(|d| d.held_on)
                .max();
            let next = rules.next_drill_due(&r.kind, last, today);
            DrillDue {
                name: name(&r.kind),
                citation: r.citation.clone(),
                last,
                overdue: next.is_some_and(|n| n < today),
                next,
            }
        })
        .collect();
    let kinds = rules
        .drills
        .iter()
        .map(|r| Opt {
            value: r.kind.clone(),
            label: name(&r.kind),
            selected: r.kind == f.kind,
        })
        .collect();
    let page = DrillsPage {
        t,
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/drills", a.code)),
        can_record: user
            .require(app, Permission::IncidentManage, &a.agency_path())
            .is_ok(),
        drills: rows.into_iter().map(|d| (name(&d.kind), d)).collect(),
        a,
        due,
        kinds,
        f,
        o,
    };
    Ok((status, render(&page)?).into_response())
}

async fn list(
    scope: Scoped<need::IncidentRead>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let notice = notice_text(&t, q.notice.as_deref());
    page(&app, &t, &user, a, RawDrill::default(), Outcome::ok(notice)).await
}

async fn create(
    scope: Scoped<need::IncidentManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Form(f): Form<RawDrill>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let now = app.clock.now();
    match app
        .catalog
        .incidents
        .parse_drill(&f, RocDate::of_instant(now).date())
    {
        Ok(d) => {
            let rule = app.catalog.incidents.drill_rule(&d.kind);
            let title = rule.map(|r| d.evidence_title(&r.name)).unwrap_or_default();
            let url = format!("/agencies/{}/drills", a.code);
            let evidence_for = rule
                .and_then(|r| r.obligation.as_deref())
                .map(|o| (o, title.as_str(), url.as_str()));
            app.store
                .create_drill(&user.actor, a.id, &d, evidence_for, now)
                .await?;
            Ok(redirect(&format!(
                "/agencies/{}/drills?notice=drill-recorded",
                a.code
            )))
        }
        Err(errors) => {
            let errors = FormErrors::from_fields(&t, &errors);
            let o = Outcome::rejected(errors, String::new(), StatusCode::UNPROCESSABLE_ENTITY);
            page(&app, &t, &user, a, f, o).await
        }
    }
}
