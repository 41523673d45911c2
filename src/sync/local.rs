//! What this device keeps in local storage, and how it survives damage: a versioned JSON
//! document holding the session and the sync replica (snapshot, cookie, pending queue).

use linli_core::sync::{Actor, PendingMutation, Replica};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The storage key. One key, so a write is all-or-nothing.
pub const STATE_KEY: &str = "linli.state";
/// A copy of the session alone, written whenever the session changes: when the main document is
/// too damaged to read, the device stays signed in (a volunteer made to join again would become
/// a new person, without their sign-ups and hours).
pub const SESSION_KEY: &str = "linli.session";
/// Version of the stored document's shape; a newer app migrates older documents.
pub const STATE_VERSION: u32 = 1;

/// Who this device is signed in as. The token is never shown to the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub actor: Actor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalState {
    pub version: u32,
    pub session: Option<Session>,
    pub replica: Replica,
    /// How many times this document has been written, by any tab: a tab whose copy shows fewer
    /// than another tab announced has not seen that write yet (`SyncEngine::reload_coherent`).
    #[serde(default)]
    pub writes: u64,
}

/// What loading found, for the user to be told.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadNote {
    Fresh,
    Loaded,
    /// The document was damaged: `kept` pending changes were recovered, the rest of the data
    /// will be downloaded again.
    Repaired {
        kept: usize,
    },
}

impl LocalState {
    pub fn new(client_id: String) -> Self {
        LocalState {
            version: STATE_VERSION,
            session: None,
            replica: Replica::new(client_id),
            writes: 0,
        }
    }

    /// Reads the stored document. A damaged one is not thrown away: the session and every
    /// pending mutation that can still be read are kept, and the snapshot is rebuilt by a full
    /// pull (cookie cleared).
    pub fn load(
        stored: Option<&str>,
        fresh_client_id: impl FnOnce() -> String,
    ) -> (Self, LoadNote) {
        let Some(text) = stored else {
            return (LocalState::new(fresh_client_id()), LoadNote::Fresh);
        };
        // Typed data is only ever read from a `Value` (here, in sync responses and in records),
        // so each type's deserializer is compiled once into the wasm, not once per input kind.
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        if let Ok(state) = serde_json::from_value::<LocalState>(value.clone()) {
            if state.version == STATE_VERSION {
                return (state, LoadNote::Loaded);
            }
        }
        let replica = &value["replica"];
        let known_client = replica["client_id"].as_str().map(str::to_owned);
        let same_client = known_client.is_some();
        let mut state = LocalState::new(known_client.unwrap_or_else(fresh_client_id));
        state.session = serde_json::from_value(value["session"].clone()).ok();
        let pending: Vec<PendingMutation> = replica["pending"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| serde_json::from_value(p.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let mut pending = pending;
        if same_client {
            // What the server confirmed stays confirmed (it is sent with every request).
            state.replica.acked_mutation_id = replica["acked_mutation_id"].as_u64().unwrap_or(0);
            let next = replica["next_mutation_id"].as_u64().unwrap_or(1);
            state.replica.next_mutation_id = pending
                .iter()
                .map(|p| p.id + 1)
                .max()
                .unwrap_or(1)
                .max(next);
        } else {
            // A new client id starts at 1 on the server: renumber, or the queue waits on a gap
            // forever.
            for (n, p) in pending.iter_mut().enumerate() {
                p.id = n as u64 + 1;
            }
            state.replica.next_mutation_id = pending.len() as u64 + 1;
        }
        let kept = pending.len();
        state.replica.pending = pending;
        (state, LoadNote::Repaired { kept })
    }

    /// After a repair that lost the session, takes it from its backup copy (`SESSION_KEY`).
    /// Returns whether it did.
    pub fn restore_session(&mut self, backup: Option<&str>) -> bool {
        if self.session.is_some() {
            return false;
        }
        let value: Value = backup
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        self.session = serde_json::from_value(value).ok();
        self.session.is_some()
    }

    /// The text of the session's backup copy (`None`: signed out, no copy).
    pub fn session_backup(&self) -> Option<String> {
        let session = self.session.as_ref()?;
        serde_json::to_value(session).ok().map(|v| v.to_string())
    }

    pub fn to_json(&self) -> String {
        // Through `Value`, like every other serialisation in the app (one serializer per type).
        serde_json::to_value(self)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The same state without the snapshot cache, for when storage is full: the pending queue
    /// (the user's own work) is what must survive; the snapshot can be downloaded again.
    pub fn without_snapshot(&self) -> LocalState {
        let mut slim = self.clone();
        slim.replica.snapshot.clear();
        // A reset's pages collected so far go too: the next sync starts the pull afresh.
        slim.replica.staged = None;
        slim.replica.resume = None;
        slim.replica.cookie = None;
        slim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::{TaskId, VillageId, VolunteerId};
    use linli_core::sync::{Mutation, Role};

    fn signed_in() -> LocalState {
        let mut state = LocalState::new("client-a".into());
        state.session = Some(Session {
            token: "secret".into(),
            actor: Actor {
                village: VillageId::new("vil-0001"),
                role: Role::Volunteer(VolunteerId::new("v-0001")),
            },
        });
        state.replica.cookie = Some(42);
        state.replica.snapshot = vec![("task/t-1".into(), serde_json::json!({"x": 1}))];
        for id in 1..=2 {
            state.replica.pending.push(PendingMutation {
                id,
                mutation: Mutation::SignUp {
                    task: TaskId::new(format!("t-{id}")),
                },
                client_time: None,
            });
        }
        state.replica.next_mutation_id = 3;
        state
    }

    #[test]
    fn a_saved_state_loads_back_unchanged() {
        let state = signed_in();
        let (loaded, note) = LocalState::load(Some(&state.to_json()), || "new".into());
        assert_eq!(note, LoadNote::Loaded);
        assert_eq!(loaded, state);
        let (fresh, note) = LocalState::load(None, || "new".into());
        assert_eq!(
            (fresh.replica.client_id.as_str(), note),
            ("new", LoadNote::Fresh)
        );
    }

    #[test]
    fn a_damaged_store_keeps_session_and_readable_pending_changes_and_pulls_again() {
        let mut value: Value = serde_json::from_str(&signed_in().to_json()).expect("json");
        value["replica"]["snapshot"] = Value::String("garbage".into());
        value["replica"]["pending"][1] = serde_json::json!({"id": 2, "mutation": "???"});
        let (state, note) = LocalState::load(Some(&value.to_string()), || "new".into());
        assert_eq!(note, LoadNote::Repaired { kept: 1 });
        assert_eq!(
            state.replica.client_id, "client-a",
            "same device, same mutation ids"
        );
        assert_eq!(state.replica.pending.len(), 1);
        assert_eq!(state.replica.next_mutation_id, 3, "ids are never reused");
        assert_eq!(
            state.replica.cookie, None,
            "the snapshot is rebuilt by a full pull"
        );
        assert!(state.session.is_some());
        let (state, note) = LocalState::load(Some("{not json"), || "new".into());
        assert_eq!(note, LoadNote::Repaired { kept: 0 });
        assert_eq!(state.replica.client_id, "new");
        // Pending changes whose client id was lost are renumbered from 1 for the new id.
        let mut lost_id: Value = serde_json::from_str(&signed_in().to_json()).expect("json");
        lost_id["replica"]["client_id"] = Value::Null;
        lost_id["replica"]["pending"][0]["id"] = serde_json::json!(5);
        lost_id["replica"]["pending"][1]["id"] = serde_json::json!(6);
        let (state, _) = LocalState::load(Some(&lost_id.to_string()), || "new".into());
        let ids: Vec<u64> = state.replica.pending.iter().map(|p| p.id).collect();
        assert_eq!((state.replica.client_id.as_str(), ids), ("new", vec![1, 2]));
        assert_eq!(state.replica.next_mutation_id, 3);
    }

    #[test]
    fn an_unreadable_store_keeps_the_session_from_its_backup_copy() {
        let state = signed_in();
        let backup = state.session_backup();
        assert!(backup.is_some());
        let (mut repaired, note) = LocalState::load(Some("\u{0}garbage{{"), || "new".into());
        assert_eq!(note, LoadNote::Repaired { kept: 0 });
        assert!(repaired.session.is_none());
        assert!(repaired.restore_session(backup.as_deref()));
        assert_eq!(repaired.session, state.session);
        assert_eq!(
            repaired.replica.client_id, "new",
            "a new client: the queue was lost"
        );
        // A session that survived is not replaced, and a damaged backup restores nothing.
        let mut kept = signed_in();
        assert!(!kept.restore_session(Some("{}")));
        let mut fresh = LocalState::new("x".into());
        assert!(!fresh.restore_session(Some("not json")));
        assert!(!fresh.restore_session(None));
        assert_eq!(fresh.session_backup(), None);
    }

    #[test]
    fn an_older_version_is_migrated_keeping_session_client_and_queue_and_pulls_again() {
        // Version 0: no `rejected`, no `acked_mutation_id`, a snapshot in an older form.
        let mut value: Value = serde_json::from_str(&signed_in().to_json()).expect("json");
        value["version"] = serde_json::json!(0);
        value["replica"]["snapshot"] = serde_json::json!({"task/t-1": {"old": true}});
        value["replica"]
            .as_object_mut()
            .expect("object")
            .remove("rejected");
        value["replica"]["acked_mutation_id"] = serde_json::json!(7);
        let (state, note) = LocalState::load(Some(&value.to_string()), || "new".into());
        assert_eq!(note, LoadNote::Repaired { kept: 2 });
        assert_eq!(state.version, STATE_VERSION);
        assert_eq!(state.session, signed_in().session);
        assert_eq!(state.replica.client_id, "client-a");
        assert_eq!(state.replica.pending, signed_in().replica.pending);
        assert_eq!(state.replica.next_mutation_id, 3);
        assert_eq!(state.replica.acked_mutation_id, 7);
        assert!(state.replica.snapshot.is_empty());
        assert_eq!(state.replica.cookie, None, "everything is pulled again");
        // A newer version (the app was downgraded) is treated the same way.
        value["version"] = serde_json::json!(STATE_VERSION + 1);
        let (state, note) = LocalState::load(Some(&value.to_string()), || "new".into());
        assert_eq!(
            (note, state.replica.pending.len()),
            (LoadNote::Repaired { kept: 2 }, 2)
        );
    }

    #[test]
    fn a_slim_copy_keeps_the_queue_and_drops_the_cache() {
        let slim = signed_in().without_snapshot();
        assert!(slim.replica.snapshot.is_empty());
        assert_eq!(slim.replica.cookie, None);
        assert_eq!(slim.replica.pending.len(), 2);
    }
}
