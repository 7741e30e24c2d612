//! Appending to and verifying the per-agency audit chains (see `anwei_domain::audit`).
//!
//! Appending locks the chain's head row inside the writing transaction (`UPDATE … RETURNING`
//! takes the row lock on PostgreSQL; SQLite's write transaction is already exclusive), so two
//! writers of one agency queue while writers of different agencies do not wait on each other.

use crate::agencies::AgencyScope;
use crate::db::{Tx, on_db, on_tx};
use crate::{Actor, Reach, Result, Store};
use anwei_domain::audit::{
    ChainBreak, ChainHead, ChainVerifier, ChainedEvent, Checkpoint, CheckpointFinding,
    CheckpointHead, GENESIS, HASH_VERSION, chain_of, compare_with_checkpoint, verify_checkpoints,
};
use serde_json::Value;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a change did, to be written with it.
pub struct Change<'a> {
    /// The agency the change belongs to (its chain); None for system-wide events.
    pub agency_id: Option<Uuid>,
    /// `noun.verb`, e.g. `user.create`, `auth.login_failed`.
    pub action: &'a str,
    /// `kind:id` of what was changed, e.g. `user:0190…`.
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    last_hash: String,
}

/// Appends one event to its agency's chain inside `tx`.
pub(crate) async fn append(
    tx: &mut Tx,
    actor: &Actor,
    change: Change<'_>,
    now: OffsetDateTime,
) -> Result<Uuid> {
    let chain = chain_of(change.agency_id);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_chain_head (chain, seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING")
        .bind(&chain).bind(GENESIS).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    let head: HeadRow = on_tx!(tx, c => sqlx::query_as(
        "UPDATE audit_chain_head SET seq = seq + 1 WHERE chain = $1 RETURNING seq, last_hash")
        .bind(&chain).fetch_one(&mut **c).await)?;
    let mut event = ChainedEvent {
        hash_version: HASH_VERSION,
        id: Uuid::now_v7(),
        chain,
        seq: head.seq,
        occurred_at: anwei_domain::clock::truncate(now),
        actor_user_id: actor.user_id,
        actor_label: actor.label.clone(),
        agency_id: change.agency_id,
        action: change.action.to_string(),
        target: change.target,
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        client_addr: actor.client_addr.clone(),
        prev_hash: head.last_hash,
        hash: String::new(),
    };
    event.hash = event.compute_hash();
    let e = &event;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_event (id, chain, seq, occurred_at, actor_user_id, actor_label, agency_id, action, target,
                                  before_json, after_json, client_addr, prev_hash, hash, hash_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
        .bind(e.id).bind(&e.chain).bind(e.seq).bind(e.occurred_at).bind(e.actor_user_id).bind(&e.actor_label)
        .bind(e.agency_id).bind(&e.action).bind(&e.target).bind(&e.before).bind(&e.after).bind(&e.client_addr)
        .bind(&e.prev_hash).bind(&e.hash).bind(e.hash_version)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE audit_chain_head SET last_hash = $2 WHERE chain = $1")
        .bind(&event.chain).bind(&event.hash).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(event.id)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    hash_version: i16,
    id: Uuid,
    chain: String,
    seq: i64,
    occurred_at: OffsetDateTime,
    actor_user_id: Option<Uuid>,
    actor_label: String,
    agency_id: Option<Uuid>,
    action: String,
    target: String,
    before_json: Option<String>,
    after_json: Option<String>,
    client_addr: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for ChainedEvent {
    fn from(r: EventRow) -> Self {
        ChainedEvent {
            hash_version: r.hash_version,
            id: r.id,
            chain: r.chain,
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_user_id: r.actor_user_id,
            actor_label: r.actor_label,
            agency_id: r.agency_id,
            action: r.action,
            target: r.target,
            before: r.before_json,
            after: r.after_json,
            client_addr: r.client_addr,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ChainHeadRow {
    chain: String,
    seq: i64,
    last_hash: String,
}

/// The outcome of verifying every chain.
#[derive(Debug)]
pub struct VerifyReport {
    pub chains: usize,
    pub events: i64,
    /// The checkpoint the chains were compared with, if any.
    pub checkpoint: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Broken(ChainBreak),
    #[error("chain {chain}: it has events but its head row is missing (deleted?)")]
    HeadMissing { chain: String },
    /// Chains missing, behind or rewritten against the last checkpoint.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    AgainstCheckpoint(Vec<CheckpointFinding>),
    /// The checkpoints themselves do not link up, or the database lost ones the file holds.
    #[error("{0}")]
    Checkpoints(String),
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

impl From<sqlx::Error> for VerifyError {
    fn from(e: sqlx::Error) -> Self {
        VerifyError::Store(e.into())
    }
}

const VERIFY_BATCH: i64 = 1000;

/// Re-computes every chain from its first event, stopping at the first break, then compares
/// the chains with the newest checkpoint — the database's, or that of `external`, an
/// operator's copy of the checkpoint file (oldest first; may be empty).
pub async fn verify(
    store: &Store,
    external: &[Checkpoint],
) -> std::result::Result<VerifyReport, VerifyError> {
    let heads: Vec<ChainHeadRow> = on_db!(&store.db, p => sqlx::query_as(
        "SELECT chain, seq, last_hash FROM audit_chain_head ORDER BY chain").fetch_all(p).await)?;
    let chains_with_events: Vec<(String,)> = on_db!(&store.db, p => sqlx::query_as(
        "SELECT DISTINCT chain FROM audit_event ORDER BY chain").fetch_all(p).await)?;
    if let Some((orphan,)) = chains_with_events
        .iter()
        .find(|(c,)| !heads.iter().any(|h| &h.chain == c))
    {
        return Err(VerifyError::HeadMissing {
            chain: orphan.clone(),
        });
    }
    let mut total = 0;
    for head in &heads {
        let mut verifier = ChainVerifier::new(&head.chain);
        let mut after_seq = 0i64;
        loop {
            let batch: Vec<EventRow> = on_db!(&store.db, p => sqlx::query_as(
                "SELECT hash_version, id, chain, seq, occurred_at, actor_user_id, actor_label, agency_id, action, target,
                        before_json, after_json, client_addr, prev_hash, hash
                 FROM audit_event WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .bind(&head.chain).bind(after_seq).bind(VERIFY_BATCH).fetch_all(p).await)?;
            let n = batch.len();
            for row in batch {
                after_seq = row.seq;
                verifier.push(&row.into()).map_err(VerifyError::Broken)?;
            }
            if (n as i64) < VERIFY_BATCH {
                break;
            }
        }
        let head = ChainHead {
            chain: head.chain.clone(),
            seq: head.seq,
            last_hash: head.last_hash.clone(),
        };
        total += verifier.finish(&head).map_err(VerifyError::Broken)?;
    }
    let checkpoint = check_checkpoints(store, &heads, external).await?;
    Ok(VerifyReport {
        chains: heads.len(),
        events: total,
        checkpoint,
    })
}

#[derive(sqlx::FromRow)]
struct CheckpointRow {
    seq: i64,
    created_at: OffsetDateTime,
    heads_json: String,
    prev_hash: String,
    hash: String,
}

impl CheckpointRow {
    fn into_checkpoint(self) -> std::result::Result<Checkpoint, VerifyError> {
        let heads = serde_json::from_str(&self.heads_json).map_err(|e| {
            VerifyError::Checkpoints(format!("checkpoint {}: unreadable heads: {e}", self.seq))
        })?;
        Ok(Checkpoint {
            seq: self.seq,
            created_at: self.created_at,
            heads,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

async fn stored_checkpoints(store: &Store) -> std::result::Result<Vec<Checkpoint>, VerifyError> {
    let rows: Vec<CheckpointRow> = on_db!(&store.db, p => sqlx::query_as(
        "SELECT seq, created_at, heads_json, prev_hash, hash FROM audit_checkpoint ORDER BY seq")
        .fetch_all(p).await)?;
    rows.into_iter()
        .map(CheckpointRow::into_checkpoint)
        .collect()
}

/// The checkpoints in the database must link up; those of an operator's copy (`external`,
/// oldest first) too, and the database must still hold the copy's last one unchanged. The
/// chains are then compared with the newest checkpoint known.
async fn check_checkpoints(
    store: &Store,
    heads: &[ChainHeadRow],
    external: &[Checkpoint],
) -> std::result::Result<Option<i64>, VerifyError> {
    let stored = stored_checkpoints(store).await?;
    verify_checkpoints(&stored).map_err(VerifyError::Checkpoints)?;
    verify_checkpoints(external)
        .map_err(|e| VerifyError::Checkpoints(format!("in the checkpoint file: {e}")))?;
    if let Some(last) = external.last()
        && !stored.iter().any(|c| c == last)
    {
        return Err(VerifyError::Checkpoints(format!(
            "checkpoint {} of the file is not in the database as it was written: checkpoints were removed or rewritten",
            last.seq
        )));
    }
    let newest = match (stored.last(), external.last()) {
        (Some(s), Some(e)) if e.seq > s.seq => e,
        (Some(s), _) => s,
        (None, Some(e)) => e,
        (None, None) => return Ok(None),
    };
    let seq_of: HashMap<&str, i64> = heads.iter().map(|h| (h.chain.as_str(), h.seq)).collect();
    let mut hashes = HashMap::new();
    for h in &newest.heads {
        let row: Option<(String,)> = on_db!(&store.db, p => sqlx::query_as(
            "SELECT hash FROM audit_event WHERE chain = $1 AND seq = $2")
            .bind(&h.chain).bind(h.seq).fetch_optional(p).await)?;
        if let Some((hash,)) = row {
            hashes.insert((h.chain.clone(), h.seq), hash);
        }
    }
    let findings = compare_with_checkpoint(
        newest,
        |chain| seq_of.get(chain).copied(),
        |chain, seq| hashes.get(&(chain.to_string(), seq)).cloned(),
    );
    if findings.is_empty() {
        Ok(Some(newest.seq))
    } else {
        Err(VerifyError::AgainstCheckpoint(findings))
    }
}

/// Records every chain's head as a new checkpoint, chained to the last one. Two instances taking
/// one at once cannot both write the same sequence: the loser gets an error and the next run
/// takes the next.
pub async fn checkpoint(store: &Store, now: OffsetDateTime) -> Result<Checkpoint> {
    let mut tx = store.begin().await?;
    let heads: Vec<ChainHeadRow> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT chain, seq, last_hash FROM audit_chain_head ORDER BY chain").fetch_all(&mut **c).await)?;
    let last: Option<CheckpointRow> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT seq, created_at, heads_json, prev_hash, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **c).await)?;
    let last = last
        .map(CheckpointRow::into_checkpoint)
        .transpose()
        .map_err(|e| crate::StoreError::Migration(e.to_string()))?;
    let cp = Checkpoint::next(
        last.as_ref(),
        heads
            .into_iter()
            .map(|h| CheckpointHead {
                chain: h.chain,
                seq: h.seq,
                hash: h.last_hash,
            })
            .collect(),
        now,
    );
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO audit_checkpoint (seq, created_at, heads_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)")
        .bind(cp.seq).bind(cp.created_at).bind(cp.heads_json()).bind(&cp.prev_hash).bind(&cp.hash)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(cp)
}

impl Store {
    /// The sequence numbers of an agency's audit chain head and of the system chain's: every
    /// change to the agency's records (or to the instance-wide registers) moves one of them, so
    /// together they version what was computed from those records.
    pub async fn records_version(&self, scope: &AgencyScope) -> Result<(i64, i64)> {
        let agency_id = scope.id;
        let own = chain_of(Some(agency_id));
        let system = chain_of(None);
        let (a, s): (i64, i64) = on_db!(&self.db, p => sqlx::query_as(
            "SELECT COALESCE((SELECT seq FROM audit_chain_head WHERE chain = $1), 0),
                    COALESCE((SELECT seq FROM audit_chain_head WHERE chain = $2), 0)")
            .bind(&own).bind(&system).fetch_one(p).await)?;
        Ok((a, s))
    }
}

/// One line of the audit-log page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub actor_label: String,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub action: String,
    pub target: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub client_addr: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this agency (and nothing outside the actor's reach in any case).
    pub agency_id: Option<Uuid>,
    pub actor_label: Option<String>,
    /// Actions starting with this, e.g. `auth.` or `user.create`.
    pub action_prefix: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

pub const PAGE_SIZE: i64 = 50;

impl Store {
    /// Events of agencies within the actor's reach, newest first. Events of no agency (the system
    /// chain) are shown only to actors who reach everything.
    pub async fn audit_events(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: i64,
    ) -> Result<Vec<AuditEntry>> {
        let reach = actor.reach.path_pattern();
        let all = matches!(actor.reach, Reach::All);
        let action = filter.action_prefix.as_ref().map(|a| format!("{a}%"));
        let offset = page.max(0) * PAGE_SIZE;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT e.id, e.seq, e.occurred_at, e.actor_label, a.code AS agency_code, a.name AS agency_name,
                    e.action, e.target, e.before_json, e.after_json, e.client_addr
             FROM audit_event e LEFT JOIN agency a ON a.id = e.agency_id
             WHERE (($1 AND e.agency_id IS NULL) OR (e.agency_id IS NOT NULL AND ($2 IS NULL OR a.path LIKE $2)))
               AND ($3 IS NULL OR e.agency_id = $3)
               AND ($4 IS NULL OR e.actor_label = $4)
               AND ($5 IS NULL OR e.action LIKE $5)
               AND ($6 IS NULL OR e.occurred_at >= $6)
               AND ($7 IS NULL OR e.occurred_at < $7)
             ORDER BY e.occurred_at DESC, e.id DESC
             LIMIT $8 OFFSET $9")
            .bind(all).bind(&reach).bind(filter.agency_id).bind(&filter.actor_label).bind(&action)
            .bind(filter.from).bind(filter.until).bind(PAGE_SIZE + 1).bind(offset)
            .fetch_all(p).await)?;
        Ok(rows)
    }
}
