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
    /// The highest `last_mutation_id` a response applied here carried: every mutation up to it
    /// was dropped from `pending`. Sent with each request so a server restored from an older
    /// backup stops waiting for them (they are in the backup, or lost with what came after it).
    #[serde(default)]
    pub acked_mutation_id: u64,
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
            acked_mutation_id: 0,
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
        let confirmed = self.confirmed();
        let mut store = confirmed.clone();
        // Applied in place, not on a copy each: a coordinator's copy of a village is thousands
        // of records and a weekly plan queues hundreds of assignments. A refusal may leave
        // partial writes, so then the view is rebuilt from the ones that applied.
        let mut applied: Vec<&Mutation> = Vec::with_capacity(self.pending.len());
        for pending in &self.pending {
            if apply(&pending.mutation, actor, &mut store).is_ok() {
                applied.push(&pending.mutation);
            } else {
                store = confirmed.clone();
                for mutation in &applied {
                    // Each applied before on exactly this state, so it applies again.
                    let _ = apply(mutation, actor, &mut store);
                }
            }
        }
        store
    }

    /// Records several mutations at once (a campaign's tasks, a weekly plan's assignments),
    /// each checked against the view with the ones before it applied: the view is built once,
    /// not once per mutation. Refused ones are not queued; the others are, in order.
    pub fn mutate_all(
        &mut self,
        actor: &Actor,
        mutations: Vec<Mutation>,
        client_time: Option<String>,
    ) -> Vec<Result<Outcome, ApplyError>> {
        let mut view = self.view(actor);
        let mut results = Vec::with_capacity(mutations.len());
        for mutation in mutations {
            match apply(&mutation, actor, &mut view) {
                Ok(outcome) => {
                    self.pending.push(PendingMutation {
                        id: self.next_mutation_id,
                        mutation,
                        client_time: client_time.clone(),
                    });
                    self.next_mutation_id += 1;
                    results.push(Ok(outcome));
                }
                Err(err) => {
                    // A refusal may have left partial writes in `view`: start again from what
                    // is queued.
                    view = self.view(actor);
                    results.push(Err(err));
                }
            }
        }
        results
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
            acked_mutation_id: (self.acked_mutation_id > 0).then_some(self.acked_mutation_id),
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
        self.acked_mutation_id = self.acked_mutation_id.max(response.last_mutation_id);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response(cookie: u64, last: u64) -> SyncResponse {
        SyncResponse {
            cookie,
            last_mutation_id: last,
            reset: false,
            patch: Vec::new(),
            results: Vec::new(),
        }
    }

    #[test]
    fn the_request_carries_the_highest_acknowledged_id_and_it_never_goes_back() {
        let mut device = Replica::new("phone-1");
        // Nothing acknowledged yet: the field is left out (an older server refuses it).
        assert_eq!(device.sync_request().acked_mutation_id, None);
        let json = serde_json::to_value(device.sync_request()).expect("encode");
        assert!(json.get("acked_mutation_id").is_none(), "{json}");
        device.apply_response(&response(5, 7)).expect("apply");
        assert_eq!(device.sync_request().acked_mutation_id, Some(7));
        // A delayed reply with an older cookie is ignored, its id too; a newer reply with a lower
        // id (a server restored from a backup) does not lower it either.
        device.apply_response(&response(4, 9)).expect("apply");
        device.apply_response(&response(6, 3)).expect("apply");
        assert_eq!(device.sync_request().acked_mutation_id, Some(7));
    }

    #[test]
    fn a_replica_stored_before_the_field_existed_still_loads() {
        let mut stored = serde_json::to_value(Replica::new("phone-1")).expect("encode");
        stored
            .as_object_mut()
            .expect("object")
            .remove("acked_mutation_id");
        let replica: Replica = serde_json::from_value(stored).expect("decode");
        assert_eq!(replica.acked_mutation_id, 0);
    }
}
