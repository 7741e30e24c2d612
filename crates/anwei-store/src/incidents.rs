//! Incident records and their timelines. Every step is one transaction: the record's change, a
//! timeline entry and the audit event.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{Tx, on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::incident::Filing;
use anwei_domain::incident::{Course, Deadline, DeadlineKind, IncidentLevel};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct IncidentRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub agency_code: String,
    pub agency_name: String,
    pub agency_path: String,
    pub title: String,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub occurred_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub aware_at: OffsetDateTime,
    pub category: String,
    pub subtype: String,
    pub description: String,
    pub device_ip: Option<String>,
    pub device_url: Option<String>,
    pub device_model: Option<String>,
    pub device_os: Option<String>,
    pub affected_software: Option<String>,
    pub protection: String,
    pub protection_other: Option<String>,
    pub c_scope: Option<String>,
    pub c_severity: Option<String>,
    pub i_scope: Option<String>,
    pub i_severity: Option<String>,
    pub a_scope: Option<String>,
    pub a_outcome: Option<String>,
    pub proposed_level: i32,
    pub initial_level: i32,
    pub level_reason: Option<String>,
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub notified_at: Option<OffsetDateTime>,
    pub external_ticket: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub recovered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub report_submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl IncidentRow {
    /// The incident's course for the domain's clocks: awareness, level, changes, notification,
    /// recovery. None when a stored level is out of range (never written by Anwei).
    pub fn course(&self, history: &IncidentHistory) -> Option<Course> {
        Some(Course {
            aware_at: self.aware_at,
            level: IncidentLevel::new(u8::try_from(self.initial_level).ok()?)?,
            level_changes: history
                .changes
                .iter()
                .filter_map(|c| {
                    Some((
                        c.changed_at,
                        IncidentLevel::new(u8::try_from(c.level).ok()?)?,
                    ))
                })
                .collect(),
            notified_at: self.notified_at,
            renotified_at: history.times("renotification"),
            reviewed_at: history.times("review"),
            passed_on_at: history.times("pass_on"),
            recovered_at: self.recovered_at,
        })
    }

    /// When the step a deadline asks for was done. The domain knows every act of notification
    /// and recovery from the course; the report is recorded on the incident.
    pub fn done_at(&self, d: &Deadline) -> Option<OffsetDateTime> {
        match d.kind {
            DeadlineKind::Report => self.report_submitted_at,
            _ => d.done_at,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LevelChangeRow {
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    pub level: i32,
    pub reason: String,
}

/// One notification act (see migration 0021): notification, renotification, review, pass_on.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct NoticeRow {
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub note: Option<String>,
    pub level: Option<i32>,
    pub actor_label: String,
}

/// What happened to an incident after it was filed that its clocks read: its level changes and
/// its notification acts, each in order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentHistory {
    pub changes: Vec<LevelChangeRow>,
    pub notices: Vec<NoticeRow>,
}

impl IncidentHistory {
    /// The level in force after every change.
    pub fn current_level(&self, i: &IncidentRow) -> i32 {
        self.changes.last().map_or(i.initial_level, |c| c.level)
    }

    /// When acts of one kind were made.
    pub fn times(&self, kind: &str) -> Vec<OffsetDateTime> {
        self.notices
            .iter()
            .filter(|n| n.kind == kind)
            .map(|n| n.at)
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_notice(
    tx: &mut Tx,
    actor: &Actor,
    incident: &IncidentRow,
    kind: &str,
    at: OffsetDateTime,
    note: Option<&String>,
    level: i32,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO incident_notice (id, incident_id, agency_id, kind, at, note, level, actor_label, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(Uuid::now_v7()).bind(incident.id).bind(incident.agency_id).bind(kind).bind(at).bind(note)
        .bind(level).bind(&actor.label).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct IncidentEventRow {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: String,
    pub note: Option<String>,
    pub actor_label: String,
}

const INCIDENT_SELECT: &str = "SELECT i.id, i.agency_id, a.code AS agency_code, a.name AS agency_name, a.path AS agency_path,
        i.title, i.reporter_name, i.reporter_phone, i.reporter_email, i.occurred_at, i.aware_at, i.category, i.subtype,
        i.description, i.device_ip, i.device_url, i.device_model, i.device_os, i.affected_software, i.protection,
        i.protection_other, i.c_scope, i.c_severity, i.i_scope, i.i_severity, i.a_scope, i.a_outcome, i.proposed_level,
        i.initial_level, i.level_reason, i.status, i.notified_at, i.external_ticket, i.reviewed_at, i.reviewed_by,
        i.review_note, i.recovered_at, i.report_submitted_at, i.closed_at, i.created_at
     FROM incident i JOIN agency a ON a.id = i.agency_id";

/// One step of an incident's course.
#[derive(Debug, Clone)]
pub enum Step {
    /// 通報 made on the competent platform, with its ticket number.
    Notify {
        at: OffsetDateTime,
        ticket: String,
    },
    /// 等級變更 (to be re-notified).
    ChangeLevel {
        at: OffsetDateTime,
        level: u8,
        reason: String,
    },
    /// 續行通報 after a level change (§6 II), its own act beside the first notification.
    Renotify {
        at: OffsetDateTime,
        ticket: String,
    },
    /// 上級機關審核.
    Review {
        note: String,
    },
    /// The supervisor passes its review on to the 主管機關 (§7 II).
    PassOn {
        at: OffsetDateTime,
        note: String,
    },
    /// 完成損害控制或復原.
    Recover {
        at: OffsetDateTime,
    },
    /// 調查、處理及改善報告 submitted.
    SubmitReport {
        at: OffsetDateTime,
    },
    Close,
    /// A note or correction; the only step allowed once closed.
    Note {
        text: String,
    },
}

impl Step {
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Notify { .. } => "notify",
            Step::Renotify { .. } => "renotify",
            Step::ChangeLevel { .. } => "level",
            Step::Review { .. } => "review",
            Step::PassOn { .. } => "pass_on",
            Step::Recover { .. } => "recover",
            Step::SubmitReport { .. } => "report",
            Step::Close => "close",
            Step::Note { .. } => "note",
        }
    }
}

impl Store {
    pub async fn create_incident(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        f: &Filing,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let c = f.impact.confidentiality;
        let i = f.impact.integrity;
        let a = f.impact.availability;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO incident (id, agency_id, title, reporter_name, reporter_phone, reporter_email, occurred_at, aware_at,
                category, subtype, description, device_ip, device_url, device_model, device_os, affected_software,
                protection, protection_other, c_scope, c_severity, i_scope, i_severity, a_scope, a_outcome,
                proposed_level, initial_level, level_reason, status, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
                $23, $24, $25, $26, $27, 'reported', $28, $29, $29)")
            .bind(id).bind(agency_id).bind(&f.title).bind(&f.reporter_name).bind(&f.reporter_phone)
            .bind(&f.reporter_email).bind(f.occurred_at).bind(f.aware_at).bind(&f.category).bind(&f.subtype)
            .bind(&f.description).bind(&f.device_ip).bind(&f.device_url).bind(&f.device_model).bind(&f.device_os)
            .bind(&f.affected_software).bind(f.protection.join(",")).bind(&f.protection_other)
            .bind(c.map(|x| x.0.as_str())).bind(c.map(|x| x.1.as_str()))
            .bind(i.map(|x| x.0.as_str())).bind(i.map(|x| x.1.as_str()))
            .bind(a.map(|x| x.0.as_str())).bind(a.map(|x| x.1.as_str()))
            .bind(i32::from(f.proposed_level.get())).bind(i32::from(f.level.get())).bind(&f.level_reason)
            .bind(actor.user_id).bind(now)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO incident_event (id, incident_id, agency_id, at, kind, note, actor_label, created_at)
             VALUES ($1, $2, $3, $4, 'reported', $5, $6, $7)")
            .bind(Uuid::now_v7()).bind(id).bind(agency_id).bind(f.aware_at).bind(&f.title).bind(&actor.label).bind(now)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "incident.create",
                target: format!("incident:{id}"),
                before: None,
                after: Some(json!({
                    "title": f.title, "aware_at": f.aware_at.unix_timestamp(), "category": f.category,
                    "subtype": f.subtype, "level": f.level.get(), "proposed_level": f.proposed_level.get(),
                })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Incidents within the actor's reach, newest first; of one agency when given; only those not
    /// closed when `open_only`.
    pub async fn incidents(
        &self,
        actor: &Actor,
        agency_id: Option<Uuid>,
        open_only: bool,
    ) -> Result<Vec<IncidentRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!(
            "{INCIDENT_SELECT} WHERE ($1 IS NULL OR a.path LIKE $1) AND ($2 IS NULL OR i.agency_id = $2)
               AND ($3 = FALSE OR i.status <> 'closed')
             ORDER BY i.aware_at DESC LIMIT 500"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&pattern).bind(agency_id).bind(open_only).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn incident(&self, actor: &Actor, id: Uuid) -> Result<Option<IncidentRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!("{INCIDENT_SELECT} WHERE i.id = $1 AND ($2 IS NULL OR a.path LIKE $2)");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(&pattern).fetch_optional(p).await)?;
        Ok(row)
    }

    /// An incident's level changes and notification acts.
    pub async fn incident_history(&self, incident_id: Uuid) -> Result<IncidentHistory> {
        let changes = on_db!(&self.db, p => sqlx::query_as(
            "SELECT changed_at, level, reason FROM incident_level_change WHERE incident_id = $1 ORDER BY changed_at, created_at")
            .bind(incident_id).fetch_all(p).await)?;
        let notices = on_db!(&self.db, p => sqlx::query_as(
            "SELECT kind, at, note, level, actor_label FROM incident_notice WHERE incident_id = $1 ORDER BY at, created_at")
            .bind(incident_id).fetch_all(p).await)?;
        Ok(IncidentHistory { changes, notices })
    }

    /// The histories of every incident within the actor's reach, by incident, in two queries
    /// (list pages would otherwise ask once per incident).
    pub async fn incident_histories_in_reach(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<Uuid, IncidentHistory>> {
        #[derive(sqlx::FromRow)]
        struct Change {
            incident_id: Uuid,
            changed_at: OffsetDateTime,
            level: i32,
            reason: String,
        }
        #[derive(sqlx::FromRow)]
        struct Notice {
            incident_id: Uuid,
            kind: String,
            at: OffsetDateTime,
            note: Option<String>,
            level: Option<i32>,
            actor_label: String,
        }
        let pattern = actor.reach.path_pattern();
        let changes: Vec<Change> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT c.incident_id, c.changed_at, c.level, c.reason FROM incident_level_change c
             JOIN agency a ON a.id = c.agency_id WHERE ($1 IS NULL OR a.path LIKE $1)
             ORDER BY c.changed_at, c.created_at")
            .bind(&pattern).fetch_all(p).await)?;
        let notices: Vec<Notice> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT n.incident_id, n.kind, n.at, n.note, n.level, n.actor_label FROM incident_notice n
             JOIN agency a ON a.id = n.agency_id WHERE ($1 IS NULL OR a.path LIKE $1)
             ORDER BY n.at, n.created_at")
            .bind(&pattern).fetch_all(p).await)?;
        let mut by_incident: std::collections::HashMap<Uuid, IncidentHistory> =
            std::collections::HashMap::new();
        for r in changes {
            by_incident
                .entry(r.incident_id)
                .or_default()
                .changes
                .push(LevelChangeRow {
                    changed_at: r.changed_at,
                    level: r.level,
                    reason: r.reason,
                });
        }
        for n in notices {
            by_incident
                .entry(n.incident_id)
                .or_default()
                .notices
                .push(NoticeRow {
                    kind: n.kind,
                    at: n.at,
                    note: n.note,
                    level: n.level,
                    actor_label: n.actor_label,
                });
        }
        Ok(by_incident)
    }

    pub async fn incident_events(&self, incident_id: Uuid) -> Result<Vec<IncidentEventRow>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, at, kind, note, actor_label FROM incident_event WHERE incident_id = $1 ORDER BY created_at, at")
            .bind(incident_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Records one step; the caller has checked that the step is allowed now.
    pub async fn incident_step(
        &self,
        actor: &Actor,
        incident: &IncidentRow,
        history: &IncidentHistory,
        step: &Step,
        now: OffsetDateTime,
    ) -> Result<()> {
        let id = incident.id;
        let level = history.current_level(incident);
        let mut tx = self.begin().await?;
        let (at, note) = match step {
            Step::Notify { at, ticket } => {
                // The first notification is kept as made: a second one is a re-notification,
                // never a rewrite of the first (the record a supervisor reviews).
                let n = on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE incident SET notified_at = $2, external_ticket = $3,
                        status = CASE WHEN status = 'reported' THEN 'notified' ELSE status END, updated_at = $4
                     WHERE id = $1 AND notified_at IS NULL")
                    .bind(id).bind(*at).bind(ticket).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                if n == 0 {
                    return Err(StoreError::WrongState("err-incident-already-notified"));
                }
                add_notice(
                    &mut tx,
                    actor,
                    incident,
                    "notification",
                    *at,
                    Some(ticket),
                    level,
                    now,
                )
                .await?;
                (*at, Some(ticket.clone()))
            }
            Step::Renotify { at, ticket } => {
                add_notice(
                    &mut tx,
                    actor,
                    incident,
                    "renotification",
                    *at,
                    Some(ticket),
                    level,
                    now,
                )
                .await?;
                (*at, Some(ticket.clone()))
            }
            Step::PassOn { at, note } => {
                add_notice(
                    &mut tx,
                    actor,
                    incident,
                    "pass_on",
                    *at,
                    Some(note),
                    level,
                    now,
                )
                .await?;
                (*at, Some(note.clone()))
            }
            Step::ChangeLevel { at, level, reason } => {
                on_tx!(&mut tx, c => sqlx::query(
                    "INSERT INTO incident_level_change (id, incident_id, agency_id, changed_at, level, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(Uuid::now_v7()).bind(id).bind(incident.agency_id).bind(*at).bind(i32::from(*level)).bind(reason)
                    .bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                (*at, Some(format!("{level}: {reason}")))
            }
            Step::Review { note } => {
                // the incident shows the latest review; every review stays a notice of its own
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE incident SET reviewed_at = $2, reviewed_by = $3, review_note = $4, updated_at = $2 WHERE id = $1")
                    .bind(id).bind(now).bind(&actor.label).bind(note).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                add_notice(
                    &mut tx,
                    actor,
                    incident,
                    "review",
                    now,
                    Some(note),
                    level,
                    now,
                )
                .await?;
                (now, Some(note.clone()))
            }
            Step::Recover { at } => {
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE incident SET recovered_at = $2, status = 'recovered', updated_at = $3 WHERE id = $1")
                    .bind(id).bind(*at).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                (*at, None)
            }
            Step::SubmitReport { at } => {
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE incident SET report_submitted_at = $2, status = 'report_submitted', updated_at = $3 WHERE id = $1")
                    .bind(id).bind(*at).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                (*at, None)
            }
            Step::Close => {
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE incident SET closed_at = $2, status = 'closed', updated_at = $2 WHERE id = $1")
                    .bind(id).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
                (now, None)
            }
            Step::Note { text } => (now, Some(text.clone())),
        };
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO incident_event (id, incident_id, agency_id, at, kind, note, actor_label, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(Uuid::now_v7()).bind(id).bind(incident.agency_id).bind(at).bind(step.kind()).bind(&note)
            .bind(&actor.label).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(incident.agency_id),
                action: match step {
                    Step::Notify { .. } => "incident.notify",
                    Step::Renotify { .. } => "incident.renotify",
                    Step::ChangeLevel { .. } => "incident.level_change",
                    Step::Review { .. } => "incident.review",
                    Step::PassOn { .. } => "incident.pass_on",
                    Step::Recover { .. } => "incident.recover",
                    Step::SubmitReport { .. } => "incident.report_submit",
                    Step::Close => "incident.close",
                    Step::Note { .. } => "incident.note",
                },
                target: format!("incident:{id}"),
                before: Some(json!({ "status": incident.status })),
                after: Some(json!({ "at": at.unix_timestamp(), "note": note })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

/// A saved (draft or final) investigation report.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub contents: std::collections::BTreeMap<String, String>,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

#[derive(sqlx::FromRow)]
struct ReportDbRow {
    contents: String,
    updated_at: OffsetDateTime,
    updated_by: String,
}

impl Store {
    pub async fn incident_report(&self, incident_id: Uuid) -> Result<Option<ReportRow>> {
        let row: Option<ReportDbRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT contents, updated_at, updated_by FROM incident_report WHERE incident_id = $1")
            .bind(incident_id).fetch_optional(p).await)?;
        Ok(row.map(|r| ReportRow {
            // Written by this crate from a map; an unreadable value would be a corrupted row.
            contents: serde_json::from_str(&r.contents).unwrap_or_default(),
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }))
    }

    /// Saves the report's sections (replacing the previous text), with the change in the audit log.
    pub async fn save_incident_report(
        &self,
        actor: &Actor,
        incident: &IncidentRow,
        contents: &std::collections::BTreeMap<String, String>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let before = self.incident_report(incident.id).await?.map(|r| r.contents);
        let text = json!(contents).to_string();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO incident_report (incident_id, agency_id, contents, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (incident_id) DO UPDATE SET contents = $3, updated_at = $4, updated_by = $5")
            .bind(incident.id).bind(incident.agency_id).bind(&text).bind(now).bind(&actor.label)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(incident.agency_id),
                action: "incident.report_save",
                target: format!("incident:{}", incident.id),
                before: before.map(|b| json!(b)),
                after: Some(json!(contents)),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct DrillRow {
    pub id: Uuid,
    pub kind: String,
    pub held_on: time::Date,
    pub participants: i32,
    pub opened: i32,
    pub clicked: i32,
    pub notes: String,
    pub created_by: String,
}

impl DrillRow {
    fn percent(&self, n: i32) -> String {
        anwei_domain::incident::share(i64::from(n), i64::from(self.participants))
    }

    pub fn open_rate(&self) -> String {
        self.percent(self.opened)
    }

    pub fn click_rate(&self) -> String {
        self.percent(self.clicked)
    }
}

impl Store {
    pub async fn create_drill(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        d: &anwei_domain::incident::DrillRecord,
        evidence_for: Option<(&str, &str, &str)>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO incident_drill (id, agency_id, kind, held_on, participants, opened, clicked, notes, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id).bind(agency_id).bind(&d.kind).bind(d.held_on).bind(n(d.participants)).bind(n(d.opened))
            .bind(n(d.clicked)).bind(&d.notes).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        // The drill is evidence of its duty's task for the period it falls in (通報應變及演練辦法
        // §10; 安維計畫 玖: 社交工程演練): the results are attached as a link to the drill list.
        let mut evidence_task = None;
        if let Some((obligation, title, url)) = evidence_for {
            let task: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id FROM task WHERE agency_id = $1 AND obligation_key = $2 AND starts_on <= $3 AND due_on >= $3
                 ORDER BY due_on LIMIT 1")
                .bind(agency_id).bind(obligation).bind(d.held_on).fetch_optional(&mut **c).await)?;
            if let Some((task_id,)) = task {
                let evidence_id = Uuid::now_v7();
                on_tx!(&mut tx, c => sqlx::query(
                    "INSERT INTO evidence (id, agency_id, title, kind, url, effective_on, created_by, created_at)
                     VALUES ($1, $2, $3, 'link', $4, $5, $6, $7)")
                    .bind(evidence_id).bind(agency_id).bind(title).bind(url).bind(d.held_on).bind(&actor.label).bind(now)
                    .execute(&mut **c).await.map(|r| r.rows_affected()))?;
                on_tx!(&mut tx, c => sqlx::query(
                    "INSERT INTO task_evidence (task_id, evidence_id, agency_id, linked_at) VALUES ($1, $2, $3, $4)")
                    .bind(task_id).bind(evidence_id).bind(agency_id).bind(now)
                    .execute(&mut **c).await.map(|r| r.rows_affected()))?;
                evidence_task = Some(task_id);
            }
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "incident.drill_create",
                target: format!("drill:{id}"),
                before: None,
                after: Some(json!({ "kind": d.kind, "held_on": d.held_on.to_string(), "participants": d.participants,
                                    "opened": d.opened, "clicked": d.clicked, "evidence_for_task": evidence_task })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An agency's drills, newest first (the caller has checked the agency is within reach).
    pub async fn drills(&self, scope: &AgencyScope) -> Result<Vec<DrillRow>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, kind, held_on, participants, opened, clicked, notes, created_by FROM incident_drill
             WHERE agency_id = $1 ORDER BY held_on DESC, created_at DESC")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }
}
