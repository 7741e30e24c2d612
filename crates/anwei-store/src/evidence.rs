//! 佐證資料 rows: a file (kept in the [`FileStore`] by digest) or a link, attached to one or more
//! tasks of the same agency. The digest recorded at upload is checked again on every download.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{Tx, on_db, on_tx};
use crate::files::FileStore;
use crate::obligations::TaskRow;
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::evidence::sha256_hex;
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EvidenceRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub title: String,
    pub kind: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub url: Option<String>,
    pub effective_on: Date,
    pub expires_on: Option<Date>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl EvidenceRow {
    pub fn is_expired(&self, today: &Date) -> bool {
        self.expires_on.is_some_and(|d| d < *today)
    }

    /// 「1.2 MB」
    pub fn size_label(&self) -> String {
        let b = self.size_bytes.unwrap_or(0);
        if b >= 1024 * 1024 {
            format!("{:.1} MB", b as f64 / 1_048_576.0)
        } else {
            format!("{} KB", (b + 1023) / 1024)
        }
    }
}

/// What was uploaded or linked, already checked by the domain.
pub enum EvidenceContent<'a> {
    File {
        name: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
    Link(&'a str),
}

/// What a piece of evidence proves: a task of a duty, or an incident (optionally one step of its
/// timeline).
#[derive(Clone, Copy)]
pub enum EvidenceTarget<'a> {
    Task(&'a TaskRow),
    Incident {
        incident_id: Uuid,
        agency_id: Uuid,
        event_id: Option<Uuid>,
    },
    /// Held by the agency and attached to nothing yet (e.g. the proof of a disposal, which
    /// then names it).
    Agency {
        agency_id: Uuid,
    },
    /// A certificate of one person's attendance of one course.
    Attendance {
        course_id: Uuid,
        person_id: Uuid,
        agency_id: Uuid,
    },
}

impl EvidenceTarget<'_> {
    fn agency_id(&self) -> Uuid {
        match self {
            EvidenceTarget::Task(t) => t.agency_id,
            EvidenceTarget::Incident { agency_id, .. }
            | EvidenceTarget::Agency { agency_id }
            | EvidenceTarget::Attendance { agency_id, .. } => *agency_id,
        }
    }
}

pub struct NewEvidence<'a> {
    pub title: &'a str,
    pub content: EvidenceContent<'a>,
    pub effective_on: Date,
    pub expires_on: Option<Date>,
}

const EVIDENCE_SELECT_WITH_EVENT: &str = "SELECT ie.event_id, e.id, e.agency_id, e.title, e.kind, e.file_name,
        e.content_type, e.size_bytes, e.sha256, e.url, e.effective_on, e.expires_on, e.created_by, e.created_at
     FROM evidence e";
const EVIDENCE_SELECT: &str =
    "SELECT e.id, e.agency_id, e.title, e.kind, e.file_name, e.content_type, e.size_bytes,
        e.sha256, e.url, e.effective_on, e.expires_on, e.created_by, e.created_at FROM evidence e";

impl Store {
    /// Stores a piece of evidence and attaches it to its target, in a transaction of its own.
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        files: &FileStore,
        target: EvidenceTarget<'_>,
        new: &NewEvidence<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let mut tx = self.transaction().await?;
        let id = tx.add_evidence(actor, files, target, new, now).await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl crate::Transaction {
    /// Keeps a file by its digest as part of a larger change (a frozen register whose duty has
    /// no task this year): removed again unless the transaction commits, if it was new.
    pub async fn keep_file(&mut self, files: &FileStore, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        if files.put(&sha, bytes).await? {
            self.stored_fresh(files.path_of(&sha)?);
        }
        Ok(sha)
    }

    /// Stores a piece of evidence and attaches it to its target as part of a larger change.
    /// The file is written first; a file that was new is removed again if the database refuses
    /// the row or the transaction does not commit.
    pub async fn add_evidence(
        &mut self,
        actor: &Actor,
        files: &FileStore,
        target: EvidenceTarget<'_>,
        new: &NewEvidence<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let (kind, name, ctype, size, sha, url) = match &new.content {
            EvidenceContent::File {
                name,
                content_type,
                bytes,
            } => (
                "file",
                Some(*name),
                Some(*content_type),
                Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
                Some(sha256_hex(bytes)),
                None,
            ),
            EvidenceContent::Link(u) => ("link", None, None, None, None, Some(*u)),
        };
        let fresh_file = match (&new.content, &sha) {
            (EvidenceContent::File { bytes, .. }, Some(s)) => files.put(s, bytes).await?,
            _ => false,
        };
        let result = insert_evidence(
            &mut self.0,
            actor,
            target,
            new,
            (kind, name, ctype, size, sha.as_deref(), url),
            now,
        )
        .await;
        if fresh_file && let Some(s) = &sha {
            if result.is_err() {
                let _ = files.remove(s).await;
            } else {
                self.stored_fresh(files.path_of(s)?);
            }
        }
        result
    }
}

#[allow(clippy::type_complexity)]
async fn insert_evidence(
    tx: &mut Tx,
    actor: &Actor,
    target: EvidenceTarget<'_>,
    new: &NewEvidence<'_>,
    (kind, name, ctype, size, sha, url): (
        &str,
        Option<&str>,
        Option<&str>,
        Option<i64>,
        Option<&str>,
        Option<&str>,
    ),
    now: OffsetDateTime,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let agency_id = target.agency_id();
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO evidence (id, agency_id, title, kind, file_name, content_type, size_bytes, sha256, url,
                               effective_on, expires_on, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(id).bind(agency_id).bind(new.title).bind(kind).bind(name).bind(ctype).bind(size)
        .bind(sha).bind(url).bind(new.effective_on).bind(new.expires_on).bind(&actor.label).bind(now)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    let attached_to = match target {
        EvidenceTarget::Task(task) => {
            on_tx!(&mut *tx, c => sqlx::query(
                "INSERT INTO task_evidence (task_id, evidence_id, agency_id, linked_at) VALUES ($1, $2, $3, $4)")
                .bind(task.id).bind(id).bind(agency_id).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            json!({ "task": task.id })
        }
        EvidenceTarget::Incident {
            incident_id,
            event_id,
            ..
        } => {
            on_tx!(&mut *tx, c => sqlx::query(
                "INSERT INTO incident_evidence (incident_id, evidence_id, event_id, agency_id, linked_at)
                 VALUES ($1, $2, $3, $4, $5)")
                .bind(incident_id).bind(id).bind(event_id).bind(agency_id).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            json!({ "incident": incident_id, "event": event_id })
        }
        EvidenceTarget::Agency { .. } => json!({ "agency": agency_id }),
        EvidenceTarget::Attendance {
            course_id,
            person_id,
            ..
        } => {
            // The attendance must exist in this agency; the foreign key refuses any other.
            let n = on_tx!(&mut *tx, c => sqlx::query(
                "INSERT INTO attendance_evidence (course_id, person_id, evidence_id, agency_id, linked_at)
                 SELECT $1, $2, $3, $4, $5 FROM attendance
                 WHERE course_id = $1 AND person_id = $2 AND agency_id = $4")
                .bind(course_id).bind(person_id).bind(id).bind(agency_id).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            json!({ "course": course_id, "person": person_id })
        }
    };
    append(
        &mut *tx,
        actor,
        Change {
            agency_id: Some(agency_id),
            action: "evidence.add",
            target: format!("evidence:{id}"),
            before: None,
            after: Some(json!({
                "for": attached_to, "title": new.title, "kind": kind, "file_name": name, "sha256": sha,
                "size": size, "url": url, "effective_on": new.effective_on.to_string(),
                "expires_on": new.expires_on.map(|d| d.to_string()),
            })),
        },
        now,
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Attaches evidence the agency already holds to another of its tasks.
    pub async fn link_evidence(
        &self,
        actor: &Actor,
        task: &TaskRow,
        evidence_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let same_agency: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id FROM evidence WHERE id = $1 AND agency_id = $2")
            .bind(evidence_id).bind(task.agency_id).fetch_optional(&mut **c).await)?;
        if same_agency.is_none() {
            return Err(StoreError::NotFound);
        }
        let n = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO task_evidence (task_id, evidence_id, agency_id, linked_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (task_id, evidence_id) DO NOTHING")
            .bind(task.id).bind(evidence_id).bind(task.agency_id).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            append(
                &mut tx,
                actor,
                Change {
                    agency_id: Some(task.agency_id),
                    action: "evidence.link",
                    target: format!("task:{}", task.id),
                    before: None,
                    after: Some(json!({ "evidence": evidence_id })),
                },
                now,
            )
            .await?;
        }
        tx.commit().await
    }

    /// An incident's evidence with the timeline step each belongs to (None = the whole
    /// incident), oldest first.
    pub async fn evidence_of_incident(
        &self,
        incident_id: Uuid,
    ) -> Result<Vec<(Option<Uuid>, EvidenceRow)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            event_id: Option<Uuid>,
            #[sqlx(flatten)]
            evidence: EvidenceRow,
        }
        let sql = format!(
            "{EVIDENCE_SELECT_WITH_EVENT} JOIN incident_evidence ie ON ie.evidence_id = e.id
             WHERE ie.incident_id = $1 ORDER BY ie.linked_at"
        );
        let rows: Vec<Row> = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(incident_id).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| (r.event_id, r.evidence)).collect())
    }

    pub async fn evidence_of_task(&self, task_id: Uuid) -> Result<Vec<EvidenceRow>> {
        let sql = format!(
            "{EVIDENCE_SELECT} JOIN task_evidence te ON te.evidence_id = e.id WHERE te.task_id = $1 ORDER BY te.linked_at"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(task_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Which evidence proves which of the agency's tasks of `year` (the tasks
    /// [`Store::tasks`] lists): (task, evidence) pairs, in one query for the whole year (the
    /// audit checklist reads every duty at once).
    pub async fn task_evidence_links(
        &self,
        scope: &AgencyScope,
        year: i32,
    ) -> Result<Vec<(Uuid, Uuid)>> {
        let (first, next) = crate::obligations::year_bounds(year);
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT te.task_id, te.evidence_id FROM task_evidence te JOIN task t ON t.id = te.task_id
             WHERE t.agency_id = $1 AND t.starts_on < $3 AND t.due_on >= $2 ORDER BY te.linked_at")
            .bind(agency_id).bind(first).bind(next).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The agency's evidence, newest first (to attach one piece to several tasks).
    pub async fn agency_evidence(&self, scope: &AgencyScope) -> Result<Vec<EvidenceRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "{EVIDENCE_SELECT} WHERE e.agency_id = $1 ORDER BY e.created_at DESC LIMIT 200"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One piece of evidence, if within the actor's reach.
    pub async fn evidence(&self, actor: &Actor, id: Uuid) -> Result<Option<EvidenceRow>> {
        let pattern = actor.reach.path_pattern();
        let sql = format!(
            "{EVIDENCE_SELECT} JOIN agency a ON a.id = e.agency_id WHERE e.id = $1 AND ($2 IS NULL OR a.path LIKE $2)"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(&pattern).fetch_optional(p).await)?;
        Ok(row)
    }

    /// The file's bytes, after checking them against the digest recorded at upload.
    pub async fn evidence_bytes(&self, files: &FileStore, row: &EvidenceRow) -> Result<Vec<u8>> {
        let sha = row.sha256.as_deref().ok_or(StoreError::NotFound)?;
        let bytes = files.get(sha).await?;
        if sha256_hex(&bytes) != sha {
            return Err(StoreError::Tampered(sha.to_string()));
        }
        Ok(bytes)
    }
}
