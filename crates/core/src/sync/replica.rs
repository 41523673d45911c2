//! A device's side of sync, as plain data: the confirmed snapshot from the server, the cookie,
//! and the queue of pending mutations. What the user sees is the snapshot with the pending
//! mutations replayed on top (rebased after every pull). The browser stores this struct in
//! local storage; the server's simulation tests drive many of them against the real server.

use serde::{Deserialize, Serialize};

use super::apply::{apply, Actor, ApplyError, Outcome};
use super::mutation::Mutation;
use super::protocol::{
    MutationResult, PatchOp, PushedMutation, SyncRequest, SyncResponse, MAX_MUTATIONS_PER_REQUEST,
    SCHEMA_VERSION,
};
use super::record::{Record, RecordError};
use super::store::MemoryStore;

/// How many of the server's rejections a device keeps for the user to read.
pub const MAX_KEPT_REJECTIONS: usize = 20;

/// A mutation made on this device that the server has not yet reported as processed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingMutation {
    pub id: u64,
    pub mutation: Mutation,
    /// The device clock when the user acted (informational only).
    #[serde(default)]
    pub client_time: Option<String>,
}

/// One device's sync state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replica {
    pub client_id: String,
    /// What the server last confirmed, as `(key, JSON body)`; kept as JSON so a record kind
    /// this version does not know does not make the whole store unreadable.
    pub snapshot: Vec<(String, serde_json::Value)>,
    pub cookie: Option<u64>,
    pub pending: Vec<PendingMutation>,
    /// The id the next local mutation gets (ids start at 1 and never repeat per client id).
    pub next_mutation_id: u64,
    /// The server's verdicts on mutations that were rejected, for the user to read and dismiss.
    #[serde(default)]
    pub rejected: Vec<MutationResult>,
}

impl Replica {
    pub fn new(client_id: impl Into<String>) -> Self {
        Replica {
            client_id: client_id.into(),
            snapshot: Vec::new(),
            cookie: None,
            pending: Vec::new(),
            next_mutation_id: 1,
            rejected: Vec::new(),
        }
    }

    /// The confirmed snapshot as a store (records that cannot be read are skipped).
    pub fn confirmed(&self) -> MemoryStore {
        MemoryStore::from_records(
            self.snapshot
                .iter()
                .filter_map(|(k, v)| Record::from_value(k, v.clone()).ok()),
        )
        .as_device_copy()
    }

    /// What the user sees: the snapshot with every pending mutation replayed in order. A pending
    /// mutation that no longer applies (the facts changed) simply shows no effect; the server's
    /// verdict will explain.
    pub fn view(&self, actor: &Actor) -> MemoryStore {
        let mut store = self.confirmed();
        for pending in &self.pending {
            let mut attempt = store.clone();
            if apply(&pending.mutation, actor, &mut attempt).is_ok() {
                store = attempt;
            }
        }
        store
    }

    /// Records a new local mutation after checking it against the current view: one the rules
    /// refuse here (e.g. an overlap with my own schedule) is refused before it is queued.
    /// Returns the optimistic outcome. The caller must persist the replica before showing it.
    pub fn mutate(
        &mut self,
        actor: &Actor,
        mutation: Mutation,
        client_time: Option<String>,
    ) -> Result<Outcome, ApplyError> {
        let mut view = self.view(actor);
        let outcome = apply(&mutation, actor, &mut view)?;
        self.pending.push(PendingMutation {
            id: self.next_mutation_id,
            mutation,
            client_time,
        });
        self.next_mutation_id += 1;
        Ok(outcome)
    }

    /// The request that pushes the pending mutations (the oldest
    /// [`MAX_MUTATIONS_PER_REQUEST`]; the rest go in the next request) and pulls what changed.
    pub fn sync_request(&self) -> SyncRequest {
        SyncRequest {
            client_id: self.client_id.clone(),
            schema_version: SCHEMA_VERSION,
            cookie: self.cookie,
            mutations: self
                .pending
                .iter()
                .take(MAX_MUTATIONS_PER_REQUEST)
                .map(|p| PushedMutation {
                    id: p.id,
                    name: p.mutation.name().to_owned(),
                    args: p.mutation.args(),
                    client_time: p.client_time.clone(),
                })
                .collect(),
        }
    }

    /// Applies a server response: patch onto the snapshot, drop every pending mutation the
    /// server has processed, keep rejections for the user. A response older than what this
    /// device already has (a reordered, delayed reply) is ignored, a reset too: applying a stale
    /// reset would roll the snapshot back under a cookie the server still accepts. (The server
    /// never answers with a cookie below the one sent, even after restoring a backup.)
    pub fn apply_response(&mut self, response: &SyncResponse) -> Result<(), RecordError> {
        if let Some(cookie) = self.cookie {
            if response.cookie < cookie {
                return Ok(());
            }
        }
        // Validate the whole patch before changing anything. A record kind this version does
        // not know (a newer server) is kept as JSON and ignored by `view`, not an error.
        for op in &response.patch {
            if let PatchOp::Put { key, value } = op {
                match Record::from_value(key, value.clone()) {
                    Ok(_) | Err(RecordError::UnknownKey(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let mut snapshot: std::collections::BTreeMap<String, serde_json::Value> = if response.reset
        {
            Default::default()
        } else {
            self.snapshot.drain(..).collect()
        };
        for op in &response.patch {
            match op {
                PatchOp::Put { key, value } => {
                    snapshot.insert(key.clone(), value.clone());
                }
                PatchOp::Del { key } => {
                    snapshot.remove(key);
                }
            }
        }
        self.snapshot = snapshot.into_iter().collect();
        self.cookie = Some(response.cookie);
        self.pending.retain(|p| p.id > response.last_mutation_id);
        // A new client id's counter must stay above what the server has seen.
        self.next_mutation_id = self.next_mutation_id.max(response.last_mutation_id + 1);
        self.rejected.extend(
            response
                .results
                .iter()
                .filter(|r| r.status == super::protocol::ResultStatus::Rejected)
                .cloned(),
        );
        // Only the latest verdicts matter to a person; local storage must not grow forever.
        let excess = self.rejected.len().saturating_sub(MAX_KEPT_REJECTIONS);
        self.rejected.drain(..excess);
        Ok(())
    }
}
