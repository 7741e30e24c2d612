//! The audit log is evidence (附表十 事件日誌與可歸責性; seed 玖.二.(三).4 特權帳號之使用軌跡), so it
//! must show when it has been tampered with. Each agency has its own chain: every event stores the
//! hash of the previous event of its chain and a sequence number, so an edited event no longer
//! matches its hash, a deleted one leaves a gap, and a deleted last event no longer matches the
//! chain's head. One chain per agency means agencies never wait on each other's writes.
//!
//! A chain cannot prove by itself that it is whole: someone who can write the database can delete
//! an agency's whole chain with its head, or cut its last events and roll the head back, and
//! what is left still links up. [`Checkpoint`]s anchor the chains outside themselves: each
//! records every chain's head, is chained to the checkpoint before it, and is written to a file
//! an operator copies off the machine; `anwei audit verify` then names a chain that is missing
//! or behind its last checkpoint. What a checkpoint cannot tell: events cut after the last
//! checkpoint, together with the head, before the next one.

use data_encoding::HEXLOWER;
use sha2::{Digest, Sha256};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// The previous-hash of the first event in a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain that holds events belonging to no agency (administrator creation, sign-in attempts
/// with unknown usernames).
pub const SYSTEM_CHAIN: &str = "system";

/// The hash version new events are written with: 2 covers every column, the event's id and the
/// version itself included; 1 (events written before) covered every column but the id.
pub const HASH_VERSION: i16 = 2;

pub fn chain_of(agency_id: Option<Uuid>) -> String {
    match agency_id {
        Some(id) => id.simple().to_string(),
        None => SYSTEM_CHAIN.to_string(),
    }
}

/// One stored event, as the hash covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    pub hash_version: i16,
    pub id: Uuid,
    pub chain: String,
    pub seq: i64,
    pub occurred_at: OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub agency_id: Option<Uuid>,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl ChainedEvent {
    /// SHA-256 over every field but `hash`, each length-prefixed so that no two different events
    /// encode to the same bytes. Version 2 puts a version tag and the event's id first; version 1
    /// (events written before) did not cover the id. Any other version hashes to nothing valid.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut put = |field: Option<&[u8]>| match field {
            None => h.update([0u8]),
            Some(bytes) => {
                h.update([1u8]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(bytes);
            }
        };
        match self.hash_version {
            1 => {}
            2 => {
                put(Some(b"anwei-audit-v2"));
                put(Some(self.id.as_bytes()));
            }
            _ => return String::new(),
        }
        put(Some(self.prev_hash.as_bytes()));
        put(Some(self.chain.as_bytes()));
        put(Some(&self.seq.to_be_bytes()));
        put(Some(&self.occurred_at.unix_timestamp().to_be_bytes()));
        put(self.actor_user_id.as_ref().map(|u| u.as_bytes().as_slice()));
        put(Some(self.actor_label.as_bytes()));
        put(self.agency_id.as_ref().map(|u| u.as_bytes().as_slice()));
        put(Some(self.action.as_bytes()));
        put(Some(self.target.as_bytes()));
        put(self.before.as_deref().map(str::as_bytes));
        put(self.after.as_deref().map(str::as_bytes));
        put(self.client_addr.as_deref().map(str::as_bytes));
        HEXLOWER.encode(&h.finalize())
    }
}

/// Where a chain's head says it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub last_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// The event's content no longer matches its hash.
    Altered,
    /// The event does not point at the hash of the event before it.
    Relinked,
    /// One or more events before this one are missing.
    GapBefore { expected_seq: i64 },
    /// Events after this one (the last present) are missing: the head is further on.
    MissingAfter { head_seq: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub chain: String,
    /// The first event found broken, or the last intact one for `MissingAfter`; None when the
    /// whole chain is gone.
    pub event_id: Option<Uuid>,
    pub seq: i64,
    pub kind: BreakKind,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self
            .event_id
            .map(|u| u.to_string())
            .unwrap_or_else(|| "(none)".into());
        match &self.kind {
            BreakKind::Altered => write!(
                f,
                "chain {}: event {id} (seq {}) has been altered: its content does not match its hash",
                self.chain, self.seq
            ),
            BreakKind::Relinked => write!(
                f,
                "chain {}: event {id} (seq {}) does not follow the hash of the event before it",
                self.chain, self.seq
            ),
            BreakKind::GapBefore { expected_seq } => write!(
                f,
                "chain {}: event {id} has seq {} where seq {expected_seq} was expected: events before it were deleted",
                self.chain, self.seq
            ),
            BreakKind::MissingAfter { head_seq } => write!(
                f,
                "chain {}: event {id} (seq {}) is the last present but the chain head is at seq {head_seq}: events after it were deleted",
                self.chain, self.seq
            ),
        }
    }
}

/// Incremental verification of one chain, fed its events in `seq` order. Keeps only the last
/// event, so a chain of millions of events is checked in constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    chain: String,
    expected_seq: i64,
    prev_hash: String,
    last_id: Option<Uuid>,
    last_version: i16,
}

impl ChainVerifier {
    pub fn new(chain: &str) -> Self {
        Self {
            chain: chain.to_string(),
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            last_id: None,
            last_version: 1,
        }
    }

    pub fn push(&mut self, e: &ChainedEvent) -> Result<(), ChainBreak> {
        let brk = |kind| ChainBreak {
            chain: self.chain.clone(),
            event_id: Some(e.id),
            seq: e.seq,
            kind,
        };
        if e.seq != self.expected_seq {
            return Err(brk(BreakKind::GapBefore {
                expected_seq: self.expected_seq,
            }));
        }
        // A chain only moves to newer versions: an event marked older than the one before it
        // was altered (to escape covering its id).
        if e.hash_version < self.last_version || e.compute_hash() != e.hash {
            return Err(brk(BreakKind::Altered));
        }
        if e.prev_hash != self.prev_hash {
            return Err(brk(BreakKind::Relinked));
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.last_id = Some(e.id);
        self.last_version = e.hash_version;
        Ok(())
    }

    /// Checks the end of the chain against its head.
    pub fn finish(self, head: &ChainHead) -> Result<i64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if head.seq != last_seq || (last_seq > 0 && head.last_hash != self.prev_hash) {
            return Err(ChainBreak {
                chain: self.chain,
                event_id: self.last_id,
                seq: last_seq,
                kind: BreakKind::MissingAfter { head_seq: head.seq },
            });
        }
        Ok(last_seq)
    }
}

/// Where one chain's head stood when a checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// Every chain's head at one moment, chained to the checkpoint before it. Its JSON line is what
/// the checkpoint file holds and what `anwei audit checkpoint` prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub heads: Vec<CheckpointHead>,
    pub prev_hash: String,
    pub hash: String,
}

impl Checkpoint {
    /// The next checkpoint after `previous` (None for the first), over `heads` in any order.
    pub fn next(
        previous: Option<&Checkpoint>,
        mut heads: Vec<CheckpointHead>,
        created_at: OffsetDateTime,
    ) -> Self {
        heads.sort_by(|a, b| a.chain.cmp(&b.chain));
        let mut cp = Checkpoint {
            seq: previous.map_or(1, |p| p.seq + 1),
            created_at: crate::clock::truncate(created_at),
            heads,
            prev_hash: previous.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone()),
            hash: String::new(),
        };
        cp.hash = cp.compute_hash();
        cp
    }

    /// The heads as stored and hashed: a JSON array sorted by chain.
    pub fn heads_json(&self) -> String {
        serde_json::to_string(&self.heads).unwrap_or_default()
    }

    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            b"anwei-checkpoint-v1".as_slice(),
            self.prev_hash.as_bytes(),
            &self.seq.to_be_bytes(),
            &self.created_at.unix_timestamp().to_be_bytes(),
            self.heads_json().as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        HEXLOWER.encode(&h.finalize())
    }

    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_line(line: &str) -> Result<Self, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }
}

/// Checks that a list of checkpoints (oldest first) links up and that each matches its hash;
/// names the first that does not.
pub fn verify_checkpoints(list: &[Checkpoint]) -> Result<(), String> {
    let mut prev: Option<&Checkpoint> = None;
    for cp in list {
        let want_prev = prev.map_or(GENESIS, |p| p.hash.as_str());
        let want_seq = prev.map_or(cp.seq, |p| p.seq + 1);
        if cp.compute_hash() != cp.hash {
            return Err(format!("checkpoint {} has been altered", cp.seq));
        }
        if prev.is_some() && (cp.prev_hash != want_prev || cp.seq != want_seq) {
            return Err(format!(
                "checkpoint {} does not follow checkpoint {}: checkpoints were removed or replaced",
                cp.seq,
                want_seq - 1
            ));
        }
        prev = Some(cp);
    }
    Ok(())
}

/// How a chain now stands against the checkpoint that recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointFinding {
    /// The chain (events and head) is gone.
    Missing { chain: String },
    /// Its head is before the checkpoint's: events recorded then were cut off.
    Behind {
        chain: String,
        head_seq: i64,
        checkpoint_seq: i64,
    },
    /// The event at the checkpoint's sequence is not the one recorded.
    Diverged { chain: String, seq: i64 },
}

impl fmt::Display for CheckpointFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointFinding::Missing { chain } => write!(
                f,
                "chain {chain}: recorded by the checkpoint but gone from the database (events and head deleted)"
            ),
            CheckpointFinding::Behind {
                chain,
                head_seq,
                checkpoint_seq,
            } => write!(
                f,
                "chain {chain}: ends at seq {head_seq} but the checkpoint recorded seq {checkpoint_seq}: its last events were deleted and the head rolled back"
            ),
            CheckpointFinding::Diverged { chain, seq } => write!(
                f,
                "chain {chain}: the event at seq {seq} is not the one the checkpoint recorded: the chain was rewritten"
            ),
        }
    }
}

/// Compares the chains as they are now — `head_of(chain)` gives a chain's head sequence, None
/// when it is gone; `hash_at(chain, seq)` the stored hash of one event — with a checkpoint.
/// The chains themselves must have verified first: then an event whose hash matches proves
/// everything before it.
pub fn compare_with_checkpoint(
    cp: &Checkpoint,
    head_of: impl Fn(&str) -> Option<i64>,
    hash_at: impl Fn(&str, i64) -> Option<String>,
) -> Vec<CheckpointFinding> {
    let mut out = Vec::new();
    for h in &cp.heads {
        match head_of(&h.chain) {
            None => out.push(CheckpointFinding::Missing {
                chain: h.chain.clone(),
            }),
            Some(seq) if seq < h.seq => out.push(CheckpointFinding::Behind {
                chain: h.chain.clone(),
                head_seq: seq,
                checkpoint_seq: h.seq,
            }),
            Some(_)
                if h.seq > 0 && hash_at(&h.chain, h.seq).as_deref() != Some(h.hash.as_str()) =>
            {
                out.push(CheckpointFinding::Diverged {
                    chain: h.chain.clone(),
                    seq: h.seq,
                })
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = ChainedEvent {
                    hash_version: HASH_VERSION,
                    id: Uuid::now_v7(),
                    chain: "c".into(),
                    seq,
                    occurred_at: datetime!(2026-01-01 00:00 UTC),
                    actor_user_id: None,
                    actor_label: "cli".into(),
                    agency_id: None,
                    action: "user.create".into(),
                    target: format!("user:{seq}"),
                    before: None,
                    after: Some(format!("{{\"n\":{seq}}}")),
                    client_addr: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(events: &[ChainedEvent], head: &ChainHead) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new("c");
        for e in events {
            v.push(e)?;
        }
        v.finish(head)
    }

    fn head_of(events: &[ChainedEvent]) -> ChainHead {
        let last = events.last().unwrap();
        ChainHead {
            chain: "c".into(),
            seq: last.seq,
            last_hash: last.hash.clone(),
        }
    }

    #[test]
    fn intact_chain_verifies() {
        let ev = chain(5);
        assert_eq!(verify(&ev, &head_of(&ev)), Ok(5));
    }

    #[test]
    fn edit_is_named() {
        let mut ev = chain(5);
        let head = head_of(&ev);
        ev[2].after = Some("{\"n\":99}".into());
        let b = verify(&ev, &head).unwrap_err();
        assert_eq!((b.event_id, b.kind), (Some(ev[2].id), BreakKind::Altered));
    }

    #[test]
    fn deletion_in_the_middle_is_named() {
        let mut ev = chain(5);
        let head = head_of(&ev);
        ev.remove(1);
        let b = verify(&ev, &head).unwrap_err();
        assert_eq!(b.event_id, Some(ev[1].id));
        assert_eq!(b.kind, BreakKind::GapBefore { expected_seq: 2 });
    }

    #[test]
    fn deletion_of_the_last_is_named() {
        let mut ev = chain(5);
        let head = head_of(&ev);
        ev.pop();
        let b = verify(&ev, &head).unwrap_err();
        assert_eq!(b.event_id, Some(ev[3].id));
        assert_eq!(b.kind, BreakKind::MissingAfter { head_seq: 5 });
    }

    #[test]
    fn rehashing_an_edit_still_breaks_the_next_link() {
        let mut ev = chain(5);
        let head = head_of(&ev);
        ev[2].after = Some("{\"n\":99}".into());
        ev[2].hash = ev[2].compute_hash();
        let b = verify(&ev, &head).unwrap_err();
        assert_eq!((b.event_id, b.kind), (Some(ev[3].id), BreakKind::Relinked));
    }

    /// Issue 22 item 3: the id is covered, and no event can be marked with the older version.
    #[test]
    fn the_id_and_the_version_are_covered() {
        let mut ev = chain(3);
        let head = head_of(&ev);
        ev[1].id = Uuid::now_v7();
        assert_eq!(verify(&ev, &head).unwrap_err().kind, BreakKind::Altered);
        let mut ev = chain(3);
        ev[1].hash_version = 1;
        ev[1].hash = ev[1].compute_hash();
        ev[2].prev_hash = ev[1].hash.clone();
        ev[2].hash = ev[2].compute_hash();
        let head = head_of(&ev);
        let b = verify(&ev, &head).unwrap_err();
        assert_eq!((b.seq, b.kind), (2, BreakKind::Altered));
        // A version-1 chain (written before version 2 existed) still verifies, and may go on
        // with version 2.
        let mut ev = chain(3);
        let mut prev = GENESIS.to_string();
        for (i, e) in ev.iter_mut().enumerate() {
            e.hash_version = if i < 2 { 1 } else { 2 };
            e.prev_hash = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
        }
        let head = head_of(&ev);
        assert_eq!(verify(&ev, &head), Ok(3));
    }

    #[test]
    fn checkpoints_name_chains_missing_behind_or_rewritten() {
        let t = datetime!(2026-12-07 10:00 UTC);
        let heads = vec![
            CheckpointHead {
                chain: "b".into(),
                seq: 5,
                hash: "h5".into(),
            },
            CheckpointHead {
                chain: "a".into(),
                seq: 3,
                hash: "h3".into(),
            },
            CheckpointHead {
                chain: "c".into(),
                seq: 2,
                hash: "h2".into(),
            },
        ];
        let first = Checkpoint::next(None, heads, t);
        assert_eq!(first.heads[0].chain, "a", "sorted by chain");
        let line = first.to_line();
        assert_eq!(Checkpoint::from_line(&line).unwrap(), first);
        let second = Checkpoint::next(Some(&first), first.heads.clone(), t);
        assert_eq!(verify_checkpoints(&[first.clone(), second.clone()]), Ok(()));
        let mut forged = second.clone();
        forged.heads.pop();
        assert!(verify_checkpoints(&[first.clone(), forged]).is_err());
        let third = Checkpoint::next(Some(&second), vec![], t);
        assert!(
            verify_checkpoints(&[first.clone(), third])
                .unwrap_err()
                .contains("removed")
        );

        // a is intact and has grown; b was cut back to 4; c is gone.
        let findings = compare_with_checkpoint(
            &first,
            |c| match c {
                "a" => Some(9),
                "b" => Some(4),
                _ => None,
            },
            |c, seq| (c == "a" && seq == 3).then(|| "h3".to_string()),
        );
        assert_eq!(
            findings,
            vec![
                CheckpointFinding::Behind {
                    chain: "b".into(),
                    head_seq: 4,
                    checkpoint_seq: 5
                },
                CheckpointFinding::Missing { chain: "c".into() },
            ]
        );
        let rewritten = compare_with_checkpoint(&first, |_| Some(10), |_, _| Some("x".into()));
        assert_eq!(rewritten.len(), 3);
        assert!(rewritten[0].to_string().contains("rewritten"));
    }
}
