//! A device's side of sync, as plain data: the confirmed snapshot from the server, the cookie,
//! and the queue of pending mutations. What the user sees is the snapshot with the pending
//! mutations replayed on top (rebased after every pull). The browser stores this struct in
//! local storage; the server's simulation tests drive many of them against the real server.

use serde::{Deserialize, Serialize};

use super::apply::{apply, Actor, ApplyError, Outcome};
use super::mutation::Mutation;
use super::protocol::{
    MutationResult, PatchOp, PullCursor, PushedMutation, SyncRequest, SyncResponse,
    MAX_MUTATIONS_PER_REQUEST,
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
    /// A paged pull not finished yet: where the next request resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<PullCursor>,
    /// The pages of a reset received so far. The snapshot the user sees is swapped for them only
    /// once the last page arrives: a half-received reset would show a village with records
    /// missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<Vec<(String, serde_json::Value)>>,
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
            resume: None,
            staged: None,
        }
    }

    /// The pending mutations the server has not taken yet (while a reset's pages collect, the
    /// ones it took stay in `pending` to keep showing on the old snapshot).
    pub fn unsent(&self) -> impl Iterator<Item = &PendingMutation> {
        self.pending
            .iter()
            .filter(move |p| p.id > self.acked_mutation_id)
    }

    /// A pull is in pages and not all have arrived: the app asks for the next one at once.
    pub fn catching_up(&self) -> bool {
        self.resume.is_some()
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
        let mutations = self
            .unsent()
            .take(MAX_MUTATIONS_PER_REQUEST)
            .map(|p| PushedMutation::new(p.id, &p.mutation, p.client_time.clone()))
            .collect();
        SyncRequest {
            acked_mutation_id: (self.acked_mutation_id > 0).then_some(self.acked_mutation_id),
            resume: self.resume.clone(),
            ..SyncRequest::new(self.client_id.clone(), self.cookie, mutations)
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
        // A page belongs to the pull it continues: one that continues another place (an answer
        // delayed while this device moved on, or began another pull) is ignored like a stale
        // answer. The server then sees where this device really is and answers accordingly.
        if !response.reset && response.resumed != self.resume {
            return Ok(());
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
        // A reset's pages collect in `staged`; the snapshot the user sees changes when the last
        // one is in. An answer that is neither a reset nor a page of one goes on top of the
        // snapshot.
        if response.reset {
            self.staged = Some(Vec::new());
        }
        let target = self.staged.as_mut().unwrap_or(&mut self.snapshot);
        let mut records: std::collections::BTreeMap<String, serde_json::Value> =
            target.drain(..).collect();
        for op in &response.patch {
            match op {
                PatchOp::Put { key, value } => {
                    records.insert(key.clone(), value.clone());
                }
                PatchOp::Del { key } => {
                    records.remove(key);
                }
            }
        }
        *target = records.into_iter().collect();
        self.resume = response.more.clone();
        if self.resume.is_none() {
            if let Some(staged) = self.staged.take() {
                self.snapshot = staged;
            }
        }
        self.cookie = Some(response.cookie);
        // While a reset's pages are still collecting, the user sees the old snapshot: changes the
        // server has taken are kept (and replayed in `view`) until the new one, which holds
        // them, is swapped in; they are not sent again (`sync_request` skips them).
        let acked = response.last_mutation_id.max(self.acked_mutation_id);
        if self.staged.is_none() {
            self.pending.retain(|p| p.id > acked);
        } else {
            // A refused one has no effect to keep showing.
            let refused: Vec<u64> = response
                .results
                .iter()
                .filter(|r| r.status == super::protocol::ResultStatus::Rejected)
                .map(|r| r.id)
                .collect();
            self.pending.retain(|p| !refused.contains(&p.id));
        }
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
            more: None,
            resumed: None,
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

    fn put(key: &str, title: &str) -> PatchOp {
        PatchOp::Put {
            key: key.into(),
            value: serde_json::json!({ "title": title }),
        }
    }

    fn at(after: &str, since: Option<u64>) -> Option<PullCursor> {
        Some(PullCursor {
            after: after.into(),
            since,
        })
    }

    /// An answer: `more` where the pull goes on, `resumed` the place the request resumed from.
    fn page(
        cookie: u64,
        reset: bool,
        patch: Vec<PatchOp>,
        more: Option<PullCursor>,
        resumed: Option<PullCursor>,
    ) -> SyncResponse {
        SyncResponse {
            reset,
            patch,
            more,
            resumed,
            ..response(cookie, 0)
        }
    }

    fn keys(records: &[(String, serde_json::Value)]) -> Vec<&str> {
        records.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn a_reset_in_pages_replaces_the_snapshot_only_when_the_last_page_is_in() {
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&page(3, true, vec![put("x/old", "old")], None, None))
            .expect("first sync");
        // A reset of three pages; meanwhile the user still sees the old copy, whole.
        device
            .apply_response(&page(9, true, vec![put("a/1", "a")], at("a/1", None), None))
            .expect("page 1");
        assert!(device.catching_up());
        assert_eq!(keys(&device.snapshot), ["x/old"]);
        let next = device.sync_request();
        assert_eq!(next.resume, at("a/1", None));
        assert_eq!(next.cookie, Some(9));
        device
            .apply_response(&page(
                10,
                false,
                vec![put("a/1", "a changed meanwhile"), put("b/1", "b")],
                at("b/1", None),
                at("a/1", None),
            ))
            .expect("page 2");
        assert_eq!(keys(&device.snapshot), ["x/old"]);
        device
            .apply_response(&page(
                10,
                false,
                vec![put("c/1", "c")],
                None,
                at("b/1", None),
            ))
            .expect("page 3");
        assert!(!device.catching_up());
        assert_eq!(device.sync_request().resume, None);
        assert_eq!(keys(&device.snapshot), ["a/1", "b/1", "c/1"]);
        assert_eq!(device.snapshot[0].1["title"], "a changed meanwhile");
        assert_eq!(device.staged, None);
    }

    /// The user's own change, taken by the server while a reset's pages collect, keeps
    /// showing on the old snapshot until the new one (which holds it) is swapped in, and is not
    /// sent again.
    #[test]
    fn a_change_the_server_took_during_a_paged_reset_does_not_vanish_meanwhile() {
        use crate::sync::{Actor, Role};
        use crate::VillageId;
        let actor = Actor {
            village: VillageId::new("vil-1"),
            role: Role::Coordinator("c-1".into()),
        };
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&page(3, true, vec![], None, None))
            .expect("first sync");
        let mut beneficiary =
            crate::demo::generate(&crate::demo::DemoParams::village()).beneficiaries[0].clone();
        beneficiary.name = "新登记".into();
        device
            .mutate(
                &actor,
                Mutation::CreateBeneficiary {
                    beneficiary: beneficiary.clone(),
                },
                None,
            )
            .expect("queued");
        let key = format!("beneficiary/{}", beneficiary.id.as_str());
        assert!(device.view(&actor).get_record(&key).is_some());
        // The server takes it, and answers with the first page of a reset.
        let mut first = page(9, true, vec![put("a/1", "a")], at("a/1", None), None);
        first.last_mutation_id = 1;
        device.apply_response(&first).expect("page 1");
        assert!(
            device.view(&actor).get_record(&key).is_some(),
            "still shown"
        );
        assert_eq!(device.unsent().count(), 0);
        assert!(device.sync_request().mutations.is_empty(), "not sent again");
        let mut last = page(
            9,
            false,
            vec![PatchOp::Put {
                key: key.clone(),
                value: serde_json::to_value(&beneficiary).expect("json"),
            }],
            None,
            at("a/1", None),
        );
        last.last_mutation_id = 1;
        device.apply_response(&last).expect("page 2");
        assert!(device.pending.is_empty());
        assert!(device.view(&actor).get_record(&key).is_some());
    }

    #[test]
    fn changes_in_pages_go_straight_onto_the_snapshot() {
        let mut device = Replica::new("phone-1");
        device
            .apply_response(&page(
                3,
                true,
                vec![put("a/1", "a"), put("b/1", "b")],
                None,
                None,
            ))
            .expect("first sync");
        device
            .apply_response(&page(
                5,
                false,
                vec![put("a/1", "a2")],
                at("a/1", Some(3)),
                None,
            ))
            .expect("page 1");
        assert!(device.catching_up());
        assert_eq!(device.snapshot[0].1["title"], "a2");
        let del = PatchOp::Del { key: "b/1".into() };
        device
            .apply_response(&page(5, false, vec![del], None, at("a/1", Some(3))))
            .expect("page 2");
        assert_eq!(keys(&device.snapshot), ["a/1"]);
        assert!(!device.catching_up());
    }

    /// A duplicated first page arrives after the device moved on: it restarts the reset, and
    /// the next page of the old run, arriving after it, must not be glued onto it (the page
    /// between them would be missing with nothing to show it).
    #[test]
    fn a_page_of_another_pull_is_ignored() {
        let mut device = Replica::new("phone-1");
        let first = page(4, true, vec![put("a/1", "a")], at("a/1", None), None);
        device.apply_response(&first).expect("page 1");
        let second = page(
            4,
            false,
            vec![put("b/1", "b")],
            at("b/1", None),
            at("a/1", None),
        );
        device.apply_response(&second).expect("page 2");
        device
            .apply_response(&first)
            .expect("page 1 again, delayed");
        assert_eq!(device.resume, at("a/1", None));
        let third = page(4, false, vec![put("c/1", "c")], None, at("b/1", None));
        device
            .apply_response(&third)
            .expect("page 3 of the old run");
        assert!(
            device.catching_up(),
            "page 3 does not continue page 1: ignored"
        );
        assert_eq!(keys(device.staged.as_deref().unwrap_or_default()), ["a/1"]);
        // The right next page is taken.
        device.apply_response(&second).expect("page 2");
        device.apply_response(&third).expect("page 3");
        assert!(!device.catching_up());
        assert_eq!(keys(&device.snapshot), ["a/1", "b/1", "c/1"]);
    }

    #[test]
    fn requests_ask_for_pages_and_a_stored_replica_from_before_paging_loads() {
        assert_eq!(
            Replica::new("phone-1").sync_request().max_records,
            Some(crate::sync::protocol::MAX_RECORDS_PER_PAGE as u32)
        );
        let mut stored = serde_json::to_value(Replica::new("phone-1")).expect("encode");
        let object = stored.as_object_mut().expect("object");
        assert!(object.get("resume").is_none() && object.get("staged").is_none());
        object.remove("resume");
        let replica: Replica = serde_json::from_value(stored).expect("decode");
        assert!(!replica.catching_up());
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
