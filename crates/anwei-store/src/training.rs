//! People, courses and attendance (資通安全教育訓練). The ledger itself is computed by the domain
//! from these rows; nothing here decides what anyone owes.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::training::{
    Attended, HourKind, LedgerLine, Proration, Tenths, TrainingCategory, TrainingRules, ledger,
};
use serde::Serialize;
use serde_json::json;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PersonRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    pub category: String,
    pub email: Option<String>,
    pub external: bool,
    pub joined_on: Option<Date>,
    pub left_on: Option<Date>,
}

impl PersonRow {
    pub fn category(&self) -> TrainingCategory {
        TrainingCategory::parse(&self.category).unwrap_or(TrainingCategory::General)
    }
}

/// A person to add, already checked.
pub struct NewPerson<'a> {
    pub name: &'a str,
    pub category: TrainingCategory,
    pub email: Option<&'a str>,
    pub external: bool,
    pub joined_on: Option<Date>,
    pub left_on: Option<Date>,
}

/// A course to add, already checked.
pub struct NewCourse<'a> {
    pub title: &'a str,
    pub held_on: Date,
    pub hours: Tenths,
    pub kind: HourKind,
    pub provider: &'a str,
    pub online: bool,
    /// The item of the year's training plan this course carries out, if any.
    pub plan_item: Option<Uuid>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct CourseRow {
    pub id: Uuid,
    pub title: String,
    pub held_on: Date,
    pub hours: i32,
    pub kind: String,
    pub provider: String,
    pub online: bool,
    pub attendees: i64,
    pub plan_item_id: Option<Uuid>,
}

/// One attendance as the ledger reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendanceRow {
    pub person_id: Uuid,
    pub held_on: Date,
    pub kind: String,
    pub hours: i32,
}

impl Store {
    pub async fn add_person(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        p: &NewPerson<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO person (id, agency_id, name, category, email, external, joined_on, left_on, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
            .bind(id).bind(agency_id).bind(p.name).bind(p.category.as_str()).bind(p.email).bind(p.external)
            .bind(p.joined_on).bind(p.left_on).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "name"))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.person_add",
                target: format!("person:{id}"),
                before: None,
                after: Some(json!({ "name": p.name, "category": p.category.as_str(), "external": p.external,
                    "joined_on": p.joined_on.map(|d| d.to_string()), "left_on": p.left_on.map(|d| d.to_string()) })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The agency's people, by name.
    pub async fn people(&self, scope: &AgencyScope) -> Result<Vec<PersonRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, name, category, email, external, joined_on, left_on FROM person
             WHERE agency_id = $1 ORDER BY name")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Adds a course and its attendance in one transaction; `attendees` are people of the same
    /// agency (others are refused with NotFound and nothing is written).
    pub async fn add_course(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        course: &NewCourse<'_>,
        attendees: &[Uuid],
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        if let Some(item) = course.plan_item {
            let of_agency: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id FROM training_plan_item WHERE id = $1 AND agency_id = $2")
                .bind(item).bind(agency_id).fetch_optional(&mut **c).await)?;
            if of_agency.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO course (id, agency_id, title, held_on, hours, kind, provider, online, created_by, created_at, plan_item_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id).bind(agency_id).bind(course.title).bind(course.held_on).bind(course.hours)
            .bind(course.kind.as_str()).bind(course.provider).bind(course.online).bind(&actor.label).bind(now)
            .bind(course.plan_item)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let mut seen = std::collections::HashSet::new();
        for person in attendees {
            if !seen.insert(*person) {
                continue; // the same person ticked twice counts once
            }
            let of_agency: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id FROM person WHERE id = $1 AND agency_id = $2")
                .bind(*person).bind(agency_id).fetch_optional(&mut **c).await)?;
            if of_agency.is_none() {
                return Err(StoreError::NotFound);
            }
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO attendance (course_id, person_id, agency_id, hours, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(*person).bind(agency_id).bind(course.hours).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.course_add",
                target: format!("course:{id}"),
                before: None,
                after: Some(json!({ "title": course.title, "held_on": course.held_on.to_string(),
                    "hours": course.hours, "kind": course.kind.as_str(), "provider": course.provider,
                    "online": course.online, "attendees": seen.len(), "plan_item": course.plan_item })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The agency's courses of the window, newest first, with how many attended.
    pub async fn courses(
        &self,
        scope: &AgencyScope,
        from: Date,
        to: Date,
    ) -> Result<Vec<CourseRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT c.id, c.title, c.held_on, c.hours, c.kind, c.provider, c.online, c.plan_item_id,
                    (SELECT COUNT(*) FROM attendance a WHERE a.course_id = c.id) AS attendees
             FROM course c WHERE c.agency_id = $1 AND c.held_on >= $2 AND c.held_on <= $3
             ORDER BY c.held_on DESC, c.title")
            .bind(agency_id).bind(from).bind(to).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Every attendance of the agency's people between `from` and `to`.
    pub async fn attendances(
        &self,
        scope: &AgencyScope,
        from: Date,
        to: Date,
    ) -> Result<Vec<AttendanceRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT a.person_id, c.held_on, c.kind, a.hours FROM attendance a JOIN course c ON c.id = a.course_id
             WHERE a.agency_id = $1 AND c.held_on >= $2 AND c.held_on <= $3")
            .bind(agency_id).bind(from).bind(to).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The agency's choice for joiners and leavers (full hours unless it chose pro rata).
    pub async fn proration(&self, scope: &AgencyScope) -> Result<Proration> {
        let agency_id = scope.id;
        let row: Option<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT proration FROM training_setting WHERE agency_id = $1")
            .bind(agency_id).fetch_optional(p).await)?;
        Ok(proration_of(row.as_ref().map(|(s,)| s.as_str())))
    }

    pub async fn set_proration(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        proration: Proration,
        now: OffsetDateTime,
    ) -> Result<()> {
        let value = match proration {
            Proration::Full => "full",
            Proration::ProRata => "pro_rata",
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO training_setting (agency_id, proration, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (agency_id) DO UPDATE SET proration = excluded.proration, updated_at = excluded.updated_at")
            .bind(agency_id).bind(value).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.proration",
                target: format!("agency:{agency_id}"),
                before: None,
                after: Some(json!({ "proration": value })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

/// One person's ledger for a year.
#[derive(Debug, Clone, Serialize)]
pub struct PersonLedger {
    pub person: PersonRow,
    pub lines: Vec<LedgerLine>,
}

impl PersonLedger {
    pub fn owed(&self, kind: HourKind) -> (Tenths, Tenths, Tenths) {
        self.lines
            .iter()
            .filter(|l| l.kind == kind)
            .fold((0, 0, 0), |(r, d, m), l| {
                (r + l.required, d + l.done, m + l.missing)
            })
    }

    pub fn compliant(&self) -> bool {
        self.lines.iter().all(|l| l.missing == 0)
    }

    /// Owes nothing this year (joined later, left earlier, or no rule binds).
    pub fn exempt(&self) -> bool {
        self.lines.iter().all(|l| l.required == 0)
    }
}

/// How many of the people who owe hours have them: (compliant, owing) for one category, or for
/// all when `category` is None. The one definition the training page, its report and the
/// supervisor's view of each school share.
pub fn compliance(
    ledgers: &[PersonLedger],
    category: Option<anwei_domain::training::TrainingCategory>,
) -> (usize, usize) {
    let owing = ledgers
        .iter()
        .filter(|l| !l.exempt() && category.is_none_or(|c| l.person.category() == c));
    owing.fold((0, 0), |(ok, all), l| {
        (ok + usize::from(l.compliant()), all + 1)
    })
}

/// The first and last day of the ledger's reach (four years back, for the rules counted over a
/// term), and the day whose level binds: the year's end, or today within the year.
fn ledger_window(year: i32, today: Date) -> Option<(Date, Date, Date)> {
    let from = Date::from_calendar_date(year - 4, Month::January, 1).ok()?;
    let jan1 = Date::from_calendar_date(year, Month::January, 1).ok()?;
    let dec31 = Date::from_calendar_date(year, Month::December, 31).ok()?;
    Some((from, dec31, dec31.min(today.max(jan1))))
}

/// The level in force on `at`, from a level history in date order.
fn level_on(
    history: &[(Date, Option<ResponsibilityLevel>)],
    at: Date,
) -> Option<ResponsibilityLevel> {
    history
        .iter()
        .rfind(|(on, _)| *on <= at)
        .and_then(|(_, level)| *level)
}

/// Each person's ledger from the rows of one agency.
fn ledgers(
    rules: &TrainingRules,
    level: Option<ResponsibilityLevel>,
    proration: Proration,
    people: Vec<PersonRow>,
    attendances: &[AttendanceRow],
    year: i32,
    today: Date,
) -> Vec<PersonLedger> {
    people
        .into_iter()
        .map(|person| {
            let mine: Vec<Attended> = attendances
                .iter()
                .filter(|a| a.person_id == person.id)
                .filter_map(|a| {
                    Some(Attended {
                        on: a.held_on,
                        kind: HourKind::parse(&a.kind).ok()?,
                        hours: a.hours,
                    })
                })
                .collect();
            let binding = rules.binding(person.category(), level, year);
            let lines = ledger(
                &binding,
                year,
                person.joined_on,
                person.left_on,
                proration,
                &mine,
                today,
            );
            PersonLedger { person, lines }
        })
        .collect()
}

fn proration_of(stored: Option<&str>) -> Proration {
    match stored {
        Some("pro_rata") => Proration::ProRata,
        _ => Proration::Full,
    }
}

/// The agencies directly under a parent, as SQL, for the supervisor's batched reads (`$1` is the
/// parent).
const CHILDREN: &str = "SELECT id FROM agency WHERE parent_id = $1";

impl Store {
    /// Every person's required, done and missing hours for `year`, under the rules binding the
    /// agency's level at the end of that year (or on `today`, for the current year).
    pub async fn training_ledger(
        &self,
        rules: &TrainingRules,
        scope: &AgencyScope,
        year: i32,
        today: Date,
    ) -> Result<(Option<ResponsibilityLevel>, Vec<PersonLedger>)> {
        let Some((from, dec31, at)) = ledger_window(year, today) else {
            return Ok((None, Vec::new()));
        };
        let history: Vec<_> = self
            .level_history(scope)
            .await?
            .iter()
            .map(|r| (r.effective_on, r.level()))
            .collect();
        let level = level_on(&history, at);
        let proration = self.proration(scope).await?;
        let attendances = self.attendances(scope, from, dec31).await?;
        let people = self.people(scope).await?;
        let out = ledgers(rules, level, proration, people, &attendances, year, today);
        Ok((level, out))
    }

    /// The ledgers of every agency directly under `parent` within the actor's reach, read in four
    /// queries whatever their number (a bureau has hundreds of schools).
    pub async fn training_ledgers_below(
        &self,
        rules: &TrainingRules,
        actor: &Actor,
        parent: &AgencyScope,
        year: i32,
        today: Date,
    ) -> Result<Vec<(AgencyScope, Vec<PersonLedger>)>> {
        let subs = self.subordinate_scopes(actor, parent.id).await?;
        let Some((from, dec31, at)) = ledger_window(year, today) else {
            return Ok(Vec::new());
        };
        if subs.is_empty() {
            return Ok(Vec::new());
        }
        let parent_id = parent.id;
        let levels: Vec<(Uuid, Date, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
            "SELECT agency_id, effective_on, level FROM agency_level WHERE agency_id IN ({CHILDREN})
             ORDER BY agency_id, effective_on, created_at")))
            .bind(parent_id).fetch_all(p).await)?;
        let prorations: Vec<(Uuid, String)> = on_db!(&self.db, p => sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
            "SELECT agency_id, proration FROM training_setting WHERE agency_id IN ({CHILDREN})")))
            .bind(parent_id).fetch_all(p).await)?;
        let people: Vec<PersonRow> = on_db!(&self.db, p => sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
            "SELECT id, agency_id, name, category, email, external, joined_on, left_on FROM person
             WHERE agency_id IN ({CHILDREN}) ORDER BY name")))
            .bind(parent_id).fetch_all(p).await)?;
        let attendances: Vec<(Uuid, AttendanceRow)> =
            on_db!(&self.db, p => sqlx::query_as::<_, (Uuid, Uuid, Date, String, i32)>(
            sqlx::AssertSqlSafe(format!(
            "SELECT a.agency_id, a.person_id, c.held_on, c.kind, a.hours
             FROM attendance a JOIN course c ON c.id = a.course_id
             WHERE a.agency_id IN ({CHILDREN}) AND c.held_on >= $2 AND c.held_on <= $3")))
            .bind(parent_id).bind(from).bind(dec31).fetch_all(p).await)?
            .into_iter()
            .map(|(agency, person_id, held_on, kind, hours)| {
                (
                    agency,
                    AttendanceRow {
                        person_id,
                        held_on,
                        kind,
                        hours,
                    },
                )
            })
            .collect();
        let mut people_of: std::collections::HashMap<Uuid, Vec<PersonRow>> =
            std::collections::HashMap::new();
        for p in people {
            people_of.entry(p.agency_id).or_default().push(p);
        }
        Ok(subs
            .into_iter()
            .map(|sub| {
                let history: Vec<_> = levels
                    .iter()
                    .filter(|(a, _, _)| *a == sub.id)
                    .map(|(_, on, l)| {
                        (
                            *on,
                            l.as_deref()
                                .and_then(|l| ResponsibilityLevel::parse(l).ok()),
                        )
                    })
                    .collect();
                let proration = proration_of(
                    prorations
                        .iter()
                        .find(|(a, _)| *a == sub.id)
                        .map(|(_, p)| p.as_str()),
                );
                let mine: Vec<AttendanceRow> = attendances
                    .iter()
                    .filter(|(a, _)| *a == sub.id)
                    .map(|(_, row)| row.clone())
                    .collect();
                let out = ledgers(
                    rules,
                    level_on(&history, at),
                    proration,
                    people_of.remove(&sub.id).unwrap_or_default(),
                    &mine,
                    year,
                    today,
                );
                (sub, out)
            })
            .collect())
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub courses_created: usize,
    pub attendances_added: usize,
    /// rows already recorded (the same person at the same course), not counted twice
    pub already_recorded: usize,
}

impl Store {
    /// Imports checked rows in one transaction: a course is found by (title, date) or created,
    /// and each person's attendance is added unless already recorded. The caller has matched
    /// every name to a person of `agency_id`.
    pub async fn import_attendance(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        rows: &[(Uuid, &anwei_domain::training_import::ImportRow)],
        now: OffsetDateTime,
    ) -> Result<ImportOutcome> {
        let mut out = ImportOutcome::default();
        let mut courses: std::collections::HashMap<(String, Date), Uuid> =
            std::collections::HashMap::new();
        let mut tx = self.begin().await?;
        for (person, row) in rows {
            let key = (row.course.clone(), row.held_on);
            let course_id = match courses.get(&key) {
                Some(id) => *id,
                None => {
                    let existing: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
                        "SELECT id FROM course WHERE agency_id = $1 AND title = $2 AND held_on = $3 ORDER BY created_at LIMIT 1")
                        .bind(agency_id).bind(&row.course).bind(row.held_on).fetch_optional(&mut **c).await)?;
                    let id = match existing {
                        Some((id,)) => id,
                        None => {
                            let id = Uuid::now_v7();
                            on_tx!(&mut tx, c => sqlx::query(
                                "INSERT INTO course (id, agency_id, title, held_on, hours, kind, provider, online, created_by, created_at)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9)")
                                .bind(id).bind(agency_id).bind(&row.course).bind(row.held_on).bind(row.hours)
                                .bind(row.kind.as_str()).bind(&row.provider).bind(&actor.label).bind(now)
                                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
                            out.courses_created += 1;
                            id
                        }
                    };
                    courses.insert(key, id);
                    id
                }
            };
            let n = on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO attendance (course_id, person_id, agency_id, hours, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (course_id, person_id) DO NOTHING")
                .bind(course_id).bind(*person).bind(agency_id).bind(row.hours).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n > 0 {
                out.attendances_added += 1;
            } else {
                out.already_recorded += 1;
            }
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.import",
                target: format!("agency:{agency_id}"),
                before: None,
                after: Some(json!(out)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// One course of the year's training plan.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PlanItemRow {
    pub id: Uuid,
    pub audience: String,
    pub title: String,
    pub planned_month: i32,
    pub hours: i32,
    pub kind: String,
    /// The first course held for this item, if one has been.
    pub held_on: Option<Date>,
    /// People who attended the courses held for it.
    pub attendees: i64,
}

impl PlanItemRow {
    /// Not held although its month is over.
    pub fn is_late(&self, year: i32, today: Date) -> bool {
        self.held_on.is_none()
            && u8::try_from(self.planned_month)
                .ok()
                .and_then(|m| Month::try_from(m).ok())
                .and_then(|m| {
                    Date::from_calendar_date(year, m, time::util::days_in_month(m, year)).ok()
                })
                .is_some_and(|end| today > end)
    }
}

pub struct NewPlanItem<'a> {
    pub year: i32,
    /// management, business or it
    pub audience: &'a str,
    pub title: &'a str,
    pub planned_month: u8,
    pub hours: Tenths,
    pub kind: HourKind,
}

impl Store {
    pub async fn add_plan_item(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        item: &NewPlanItem<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let mut tx = self.transaction().await?;
        let out = tx.add_plan_item(actor, agency_id, item, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The year's plan, by audience and month.
    pub async fn plan_items(&self, scope: &AgencyScope, year: i32) -> Result<Vec<PlanItemRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT i.id, i.audience, i.title, i.planned_month, i.hours, i.kind,
                    (SELECT MIN(c.held_on) FROM course c WHERE c.plan_item_id = i.id) AS held_on,
                    (SELECT COUNT(*) FROM attendance a JOIN course c ON c.id = a.course_id
                     WHERE c.plan_item_id = i.id) AS attendees
             FROM training_plan_item i
             WHERE i.agency_id = $1 AND i.year = $2 ORDER BY i.audience, i.planned_month, i.title")
            .bind(agency_id).bind(year).fetch_all(p).await)?;
        Ok(rows)
    }
}

/// One attendance of a person, with the certificates that prove it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PersonAttendance {
    pub course_id: Uuid,
    pub title: String,
    pub held_on: Date,
    pub kind: String,
    pub hours: i32,
    pub provider: String,
    pub online: bool,
    #[sqlx(skip)]
    pub certificates: Vec<crate::evidence::EvidenceRow>,
}

/// A person's acknowledgement of a version of the security policy.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AcknowledgementRow {
    pub person_id: Uuid,
    pub policy_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub acknowledged_at: OffsetDateTime,
    pub by_person: bool,
    pub recorded_by: String,
}

impl Store {
    pub async fn person(&self, scope: &AgencyScope, id: Uuid) -> Result<Option<PersonRow>> {
        let agency_id = scope.id;
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, name, category, email, external, joined_on, left_on FROM person
             WHERE agency_id = $1 AND id = $2")
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Every course the person attended, newest first, each with its certificates.
    pub async fn person_attendance(
        &self,
        scope: &AgencyScope,
        person_id: Uuid,
    ) -> Result<Vec<PersonAttendance>> {
        let agency_id = scope.id;
        let mut rows: Vec<PersonAttendance> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT c.id AS course_id, c.title, c.held_on, c.kind, a.hours, c.provider, c.online
             FROM attendance a JOIN course c ON c.id = a.course_id
             WHERE a.agency_id = $1 AND a.person_id = $2 ORDER BY c.held_on DESC, c.title")
            .bind(agency_id).bind(person_id).fetch_all(p).await)?;
        #[derive(sqlx::FromRow)]
        struct Cert {
            course_id: Uuid,
            #[sqlx(flatten)]
            evidence: crate::evidence::EvidenceRow,
        }
        let certs: Vec<Cert> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT ae.course_id, e.id, e.agency_id, e.title, e.kind, e.file_name, e.content_type, e.size_bytes,
                    e.sha256, e.url, e.effective_on, e.expires_on, e.created_by, e.created_at
             FROM attendance_evidence ae JOIN evidence e ON e.id = ae.evidence_id
             WHERE ae.agency_id = $1 AND ae.person_id = $2 ORDER BY ae.linked_at")
            .bind(agency_id).bind(person_id).fetch_all(p).await)?;
        for c in certs {
            if let Some(r) = rows.iter_mut().find(|r| r.course_id == c.course_id) {
                r.certificates.push(c.evidence);
            }
        }
        Ok(rows)
    }

    /// The version of the security policy the agency has in force, if it named one.
    pub async fn policy_version(&self, scope: &AgencyScope) -> Result<Option<String>> {
        let agency_id = scope.id;
        let row: Option<(Option<String>,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT policy_version FROM training_setting WHERE agency_id = $1")
            .bind(agency_id).fetch_optional(p).await)?;
        Ok(row.and_then(|(v,)| v))
    }

    pub async fn set_policy_version(
        &self,
        actor: &Actor,
        scope: &AgencyScope,
        version: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let agency_id = scope.id;
        let before = self.policy_version(scope).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO training_setting (agency_id, proration, updated_at, policy_version) VALUES ($1, 'full', $2, $3)
             ON CONFLICT (agency_id) DO UPDATE SET policy_version = excluded.policy_version, updated_at = excluded.updated_at")
            .bind(agency_id).bind(now).bind(version).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.policy_version",
                target: format!("agency:{agency_id}"),
                before: before.map(|v| json!({ "policy_version": v })),
                after: Some(json!({ "policy_version": version })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Records that the person acknowledged this version of the policy; a second
    /// acknowledgement of the same version changes nothing and returns false.
    pub async fn acknowledge_policy(
        &self,
        actor: &Actor,
        person: &PersonRow,
        version: &str,
        by_person: bool,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO policy_acknowledgement (id, agency_id, person_id, policy_version, acknowledged_at, by_person, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id, policy_version) DO NOTHING")
            .bind(id).bind(person.agency_id).bind(person.id).bind(version).bind(now).bind(by_person)
            .bind(&actor.label).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(person.agency_id),
                action: "training.policy_acknowledged",
                target: format!("person:{}", person.id),
                before: None,
                after: Some(json!({ "policy_version": version, "by_person": by_person })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every acknowledgement of the agency's people, newest first.
    pub async fn acknowledgements(&self, scope: &AgencyScope) -> Result<Vec<AcknowledgementRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT person_id, policy_version, acknowledged_at, by_person, recorded_by
             FROM policy_acknowledgement WHERE agency_id = $1 ORDER BY acknowledged_at DESC")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl crate::Transaction {
    pub async fn add_plan_item(
        &mut self,
        actor: &Actor,
        agency_id: Uuid,
        item: &NewPlanItem<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let tx = &mut self.0;
        let id = Uuid::now_v7();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO training_plan_item (id, agency_id, year, audience, title, planned_month, hours, kind, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id).bind(agency_id).bind(item.year).bind(item.audience).bind(item.title)
            .bind(i32::from(item.planned_month)).bind(item.hours).bind(item.kind.as_str()).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "training.plan_add",
                target: format!("training_plan_item:{id}"),
                before: None,
                after: Some(
                    json!({ "year": item.year, "audience": item.audience, "title": item.title,
                    "month": item.planned_month, "hours": item.hours, "kind": item.kind.as_str() }),
                ),
            },
            now,
        )
        .await?;
        Ok(id)
    }
}
