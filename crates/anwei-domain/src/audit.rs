//! The audit log is evidence (附表十 事件日誌與可歸責性; seed 玖.二.(三).4 特權帳號之使用軌跡), so it
//! must show when it has been tampered with. Each agency has its own chain: every event stores the
//! hash of the previous event of its chain and a sequence number, so an edited event no longer
//! matches its hash, a deleted one leaves a gap, and a deleted last event no longer matches the
//! chain's head. One chain per agency means agencies never wait on each other's writes.

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

pub fn chain_of(agency_id: Option<Uuid>) -> String {
    match agency_id {
        Some(id) => id.simple().to_string(),
        None => SYSTEM_CHAIN.to_string(),
    }
}

/// One stored event, as the hash covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
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
    /// encode to the same bytes.
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
}

impl ChainVerifier {
    pub fn new(chain: &str) -> Self {
        Self {
            chain: chain.to_string(),
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            last_id: None,
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
        if e.compute_hash() != e.hash {
            return Err(brk(BreakKind::Altered));
        }
        if e.prev_hash != self.prev_hash {
            return Err(brk(BreakKind::Relinked));
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.last_id = Some(e.id);
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = ChainedEvent {
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
}
