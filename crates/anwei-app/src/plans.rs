//! The plan's operations that the pages, the command line and the demo share: the facts its
//! placeholders stand for, its documents, its lint and its publication. Kept out of the route
//! module so that `anwei plan export` prints exactly what the page offers for download.

use crate::{Error, Result};
use anwei_docs::plan::{Edition, plan_document};
use anwei_docs::{Document, Format};
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::catalog::Catalog;
use anwei_domain::evidence::sha256_hex;
use anwei_domain::plan::{Facts, Member, PlanContent};
use anwei_domain::plan_lint::{Finding, LintContext, lint};
use anwei_domain::roc::RocDate;
use anwei_store::agencies::AgencyScope;
use anwei_store::files::FileStore;
use anwei_store::plans::{PlanFileRow, PlanVersionRow};
use anwei_store::{Actor, Store, StoreError};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The template a new plan starts from when the agency has none.
pub const DEFAULT_TEMPLATE: &str = "tainan-school-d";

/// The formats a published version is frozen in (HTML is generated on demand from the frozen
/// content).
pub const FROZEN_FORMATS: [Format; 3] = [Format::Odt, Format::Docx, Format::Pdf];

pub fn facts(a: &AgencyScope) -> Facts {
    Facts {
        agency_name: a.name.clone(),
        level: a.responsibility_level(),
    }
}

/// How the cover names the version: 「第 2 版」 and its publication date, or 「草稿」 and today;
/// and who submitted and approved it, by the names of their accounts.
pub async fn edition(
    store: &Store,
    a: &AgencyScope,
    v: &PlanVersionRow,
    today: Date,
) -> Result<Edition> {
    let (label, dated) = match (v.number, v.published_at) {
        (Some(n), Some(at)) => (format!("第 {n} 版"), RocDate::of_instant(at).long()),
        _ => ("草稿".to_string(), RocDate::new(today).long()),
    };
    let users = store.users_of_agency(&Actor::system(), a.id).await?;
    let name = |label: &str| {
        users
            .iter()
            .find(|u| u.username.as_str() == label)
            .map_or(label.to_string(), |u| u.display_name.clone())
    };
    let mut approvals = Vec::new();
    if let (Some(by), Some(at)) = (&v.submitted_by, v.submitted_at) {
        approvals.push(format!(
            "送核　{}　{}",
            name(by),
            RocDate::of_instant(at).long()
        ));
    }
    if let (Some(by), Some(at)) = (&v.approved_by, v.approved_at) {
        approvals.push(format!(
            "核定　{}　{}",
            name(by),
            RocDate::of_instant(at).long()
        ));
    }
    Ok(Edition {
        label,
        dated,
        approvals,
    })
}

/// What a published version's cover said when it was published: the agency's name and level
/// and the edition with its approval record. Every format of the version renders from it, so
/// that a later level change or a renamed account does not rewrite a published plan.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FrozenCover {
    pub agency_name: String,
    pub level: Option<ResponsibilityLevel>,
    pub label: String,
    pub dated: String,
    pub approvals: Vec<String>,
}

impl FrozenCover {
    fn of(facts: &Facts, edition: &Edition) -> Self {
        Self {
            agency_name: facts.agency_name.clone(),
            level: facts.level,
            label: edition.label.clone(),
            dated: edition.dated.clone(),
            approvals: edition.approvals.clone(),
        }
    }

    fn parts(self) -> (Facts, Edition) {
        (
            Facts {
                agency_name: self.agency_name,
                level: self.level,
            },
            Edition {
                label: self.label,
                dated: self.dated,
                approvals: self.approvals,
            },
        )
    }
}

/// The facts and edition a version renders with: a published version's frozen cover, or, for a
/// draft (and a version published before covers were kept), today's records.
async fn cover(
    store: &Store,
    a: &AgencyScope,
    v: &PlanVersionRow,
    today: Date,
) -> Result<(Facts, Edition)> {
    if let Some(frozen) = v.frozen_cover.as_deref() {
        let cover: FrozenCover = serde_json::from_str(frozen)
            .map_err(|e| StoreError::Migration(format!("plan version {}: cover: {e}", v.id)))?;
        return Ok(cover.parts());
    }
    Ok((facts(a), edition(store, a, v, today).await?))
}

pub async fn document(
    store: &Store,
    a: &AgencyScope,
    v: &PlanVersionRow,
    today: Date,
) -> Result<Document> {
    let (facts, edition) = cover(store, a, v, today).await?;
    Ok(plan_document(&v.content()?, &facts, &edition))
}

/// Lint of a plan's content against the law in force `on` and the agency's own records.
pub async fn lint_plan(
    store: &Store,
    catalog: &Catalog,
    a: &AgencyScope,
    content: &PlanContent,
    on: Date,
) -> Result<Vec<Finding>> {
    let departed = store.departed_names(a, on).await?;
    Ok(lint(
        content,
        &LintContext {
            on,
            level: facts(a).level,
            rules: &catalog.plan_rules,
            training: &catalog.training,
            departed,
        },
    ))
}

/// Opens a draft: a copy of the latest published version, or the template with the roster
/// given (the agency's 資通安全長, 單位主管 and 承辦人).
pub async fn start_draft(
    store: &Store,
    catalog: &Catalog,
    actor: &Actor,
    a: &AgencyScope,
    roster: Vec<Member>,
    now: OffsetDateTime,
) -> Result<Uuid> {
    let (content, based_on) = match store.published_plan(a, None).await? {
        Some(v) => (v.content()?, Some(v.id)),
        None => {
            let template = catalog
                .plan_template(DEFAULT_TEMPLATE)
                .ok_or(Error::NotFound)?;
            (template.instantiate(roster), None)
        }
    };
    Ok(store
        .create_plan_draft(actor, a.id, &content, based_on, now)
        .await?)
}

/// Publishes an approved version: renders it in every frozen format, keeps the files by their
/// SHA-256, and numbers the version.
pub async fn publish(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    a: &AgencyScope,
    v: &PlanVersionRow,
    now: OffsetDateTime,
) -> Result<i32> {
    // The cover carries the publication date: render as the published version will read.
    let mut as_published = v.clone();
    as_published.published_at = Some(now);
    as_published.number = Some(
        store
            .published_plan(a, None)
            .await?
            .and_then(|p| p.number)
            .unwrap_or(0)
            + 1,
    );
    let (facts, edition) = cover(store, a, &as_published, RocDate::of_instant(now).date()).await?;
    let frozen = serde_json::to_string(&FrozenCover::of(&facts, &edition))
        .map_err(|e| StoreError::Files(e.to_string()))?;
    let doc = plan_document(&as_published.content()?, &facts, &edition);
    let mut rows = Vec::new();
    for format in FROZEN_FORMATS {
        let bytes = format.render(&doc)?;
        let sha256 = sha256_hex(&bytes);
        files.put(&sha256, &bytes).await?;
        rows.push(PlanFileRow {
            format: format.extension().to_string(),
            sha256,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        });
    }
    Ok(store
        .publish_plan(actor, a.id, v.id, &rows, &frozen, now)
        .await?)
}
