//! The browser's sync engine: keeps the device's state in local storage, shows the user the
//! confirmed snapshot with their pending changes replayed, and syncs with the server at start,
//! when the connection returns, shortly after each change, every 30 s while the page is visible,
//! and with exponential back-off after failures. The rules themselves are `linli_core::sync`.

pub mod local;

use std::time::Duration;

use leptos::prelude::*;
use linli_core::sync::protocol::{MutationResult, ResultStatus, SyncResponse};
use linli_core::sync::{
    Actor, ApplyError, MemoryStore, Mutation, Outcome, PendingMutation, RejectCode, Rejection,
    SignupStatus,
};

use crate::api::{self, ApiFailure};
use crate::status::SyncStatus;
use local::{LoadNote, LocalState, Session, STATE_KEY};

/// Something the user should read, shown until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A sign-up reached the server after the places were gone.
    Waitlisted {
        position: u32,
    },
    /// The server refused a change (it has been undone here).
    Rejected {
        code: RejectCode,
    },
    StorageFull,
    Repaired {
        kept: usize,
    },
    SignedOut,
}

/// Why a change could not be made on this device.
#[derive(Clone, Debug, PartialEq)]
pub enum MutateError {
    NotSignedIn,
    /// The rules refused it here already (e.g. an overlap with my own schedule).
    Refused(Rejection),
    /// It could not be saved on the phone, so it was not made.
    StorageFull,
}

const SYNC_EVERY: Duration = Duration::from_secs(30);
const DEBOUNCE: Duration = Duration::from_millis(400);
const MAX_BACKOFF_SECS: u64 = 300;

/// A handle to the engine (cheap to copy, in context for every page).
#[derive(Clone, Copy)]
pub struct SyncEngine {
    state: StoredValue<LocalState>,
    /// What the pages show: snapshot + pending mutations.
    pub view: RwSignal<MemoryStore>,
    pub session: RwSignal<Option<Session>>,
    pub pending: RwSignal<Vec<PendingMutation>>,
    pub notices: RwSignal<Vec<Notice>>,
    status: RwSignal<SyncStatus>,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    failures: StoredValue<u32>,
    /// Bumped at every sign-in, so an answer to a request of the previous session is dropped.
    generation: StoredValue<u64>,
    /// The stored document as this tab last wrote or read it: `reload` parses only when another
    /// tab has changed it (a month of a village's data is a large document for a cheap phone).
    known_text: StoredValue<String>,
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn new_client_id() -> String {
    window()
        .crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("c-{}", js_sys::Date::now()))
}

/// The device clock, as ISO text: informational only, the server never orders by it.
fn device_time() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

fn local_hour_minute() -> (u32, u32) {
    let now = js_sys::Date::new_0();
    (now.get_hours(), now.get_minutes())
}

fn is_quota_error(err: &wasm_bindgen::JsValue) -> bool {
    use wasm_bindgen::JsCast;
    err.dyn_ref::<web_sys::DomException>()
        .is_some_and(|e| e.name() == "QuotaExceededError" || e.code() == 22)
}

impl SyncEngine {
    /// Loads the stored state, provides the engine to the app and starts syncing.
    pub fn start(status: RwSignal<SyncStatus>) -> SyncEngine {
        let stored = storage().and_then(|s| s.get_item(STATE_KEY).ok().flatten());
        let (state, note) = LocalState::load(stored.as_deref(), new_client_id);
        let engine = SyncEngine {
            session: RwSignal::new(state.session.clone()),
            state: StoredValue::new(state),
            view: RwSignal::new(MemoryStore::new()),
            pending: RwSignal::new(Vec::new()),
            notices: RwSignal::new(Vec::new()),
            status,
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            failures: StoredValue::new(0),
            generation: StoredValue::new(0),
            known_text: StoredValue::new(stored.clone().unwrap_or_default()),
        };
        if let LoadNote::Repaired { kept } = note {
            engine.notify(Notice::Repaired { kept });
            // Persist the repaired document so the damage is not met again.
            let _ = engine.save();
        }
        engine.refresh();
        let _ = window_event_listener(leptos::ev::online, move |_| engine.sync_now());
        // Another tab of the app (or the installed PWA beside a browser tab) saved: take its
        // state, so both show the same queue and never hand out the same mutation id.
        let _ = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(STATE_KEY) {
                engine.reload();
                engine.refresh();
            }
        });
        let _ = set_interval_with_handle(
            move || {
                let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
                if visible {
                    engine.sync_now();
                }
            },
            SYNC_EVERY,
        );
        engine.sync_now();
        engine
    }

    pub fn actor(&self) -> Option<Actor> {
        self.session.get_untracked().map(|s| s.actor)
    }

    fn notify(&self, notice: Notice) {
        self.notices.update(|n| {
            if !n.contains(&notice) {
                n.push(notice)
            }
        });
    }

    pub fn dismiss(&self, index: usize) {
        self.notices.update(|n| {
            if index < n.len() {
                n.remove(index);
            }
        });
    }

    /// Re-reads the stored state, which another tab may have changed since this one last read
    /// it. Called before every change and every sync, so a tab never works from a stale queue.
    /// A stored document that cannot be read is left to the load-time repair; this keeps its
    /// own state then.
    fn reload(&self) {
        let stored = storage().and_then(|s| s.get_item(STATE_KEY).ok().flatten());
        let Some(text) = stored else { return };
        if self.known_text.with_value(|known| *known == text) {
            return;
        }
        let (state, note) = LocalState::load(Some(&text), new_client_id);
        if note != LoadNote::Loaded {
            return;
        }
        self.known_text.set_value(text);
        if state.session != self.session.get_untracked() {
            self.session.set(state.session.clone());
        }
        self.state.set_value(state);
    }

    /// Recomputes what the pages show and the indicator's pending count.
    fn refresh(&self) {
        let (view, pending) = self.state.with_value(|state| {
            let view = match &state.session {
                Some(session) => state.replica.view(&session.actor),
                None => MemoryStore::new(),
            };
            (view, state.replica.pending.clone())
        });
        let count = pending.len();
        self.view.set(view);
        self.pending.set(pending);
        self.status.update(|s| s.pending = count);
    }

    /// Writes the state to local storage. When storage is full, the snapshot cache is dropped
    /// (it can be downloaded again) so that the pending queue, the user's own work, is kept.
    fn save(&self) -> Result<(), MutateError> {
        let Some(storage) = storage() else {
            return Err(MutateError::StorageFull);
        };
        let json = self.state.with_value(LocalState::to_json);
        match storage.set_item(STATE_KEY, &json) {
            Ok(()) => {
                self.known_text.set_value(json);
                Ok(())
            }
            Err(err) if is_quota_error(&err) => {
                let slim = self
                    .state
                    .with_value(LocalState::without_snapshot)
                    .to_json();
                match storage.set_item(STATE_KEY, &slim) {
                    Ok(()) => {
                        self.known_text.set_value(slim);
                        self.notify(Notice::StorageFull);
                        Ok(())
                    }
                    Err(_) => Err(MutateError::StorageFull),
                }
            }
            Err(_) => Err(MutateError::StorageFull),
        }
    }

    /// Makes a change: checked against the rules here, written to local storage *before* the
    /// page shows it, then pushed to the server soon.
    pub fn mutate(&self, mutation: Mutation) -> Result<Outcome, MutateError> {
        self.reload();
        let actor = self.actor().ok_or(MutateError::NotSignedIn)?;
        let outcome = self
            .state
            .try_update_value(|state| state.replica.mutate(&actor, mutation, Some(device_time())))
            .ok_or(MutateError::NotSignedIn)?
            .map_err(|e| match e {
                ApplyError::Rejected(r) => MutateError::Refused(r),
                ApplyError::Store(_) => MutateError::StorageFull,
            })?;
        if let Err(err) = self.save() {
            // Not stored means not made: take it back off the queue.
            self.state.update_value(|state| {
                state.replica.pending.pop();
                state.replica.next_mutation_id -= 1;
            });
            return Err(err);
        }
        self.refresh();
        let engine = *self;
        set_timeout(move || engine.sync_now(), DEBOUNCE);
        Ok(outcome)
    }

    /// Makes several changes at once (a campaign, a weekly plan): one check, one write to local
    /// storage, one push. Each gets its own result; refused ones are not queued.
    pub fn mutate_all(&self, mutations: Vec<Mutation>) -> Vec<Result<Outcome, MutateError>> {
        self.reload();
        let Some(actor) = self.actor() else {
            return mutations
                .iter()
                .map(|_| Err(MutateError::NotSignedIn))
                .collect();
        };
        let before = self
            .state
            .with_value(|s| (s.replica.pending.len(), s.replica.next_mutation_id));
        let results = self
            .state
            .try_update_value(|state| {
                state
                    .replica
                    .mutate_all(&actor, mutations, Some(device_time()))
            })
            .unwrap_or_default();
        let mut results: Vec<Result<Outcome, MutateError>> = results
            .into_iter()
            .map(|r| {
                r.map_err(|e| match e {
                    ApplyError::Rejected(r) => MutateError::Refused(r),
                    ApplyError::Store(_) => MutateError::StorageFull,
                })
            })
            .collect();
        if let Err(err) = self.save() {
            // Not stored means not made: take them all back off the queue.
            self.state.update_value(|state| {
                state.replica.pending.truncate(before.0);
                state.replica.next_mutation_id = before.1;
            });
            for r in &mut results {
                if r.is_ok() {
                    *r = Err(err.clone());
                }
            }
            return results;
        }
        self.refresh();
        let engine = *self;
        set_timeout(move || engine.sync_now(), DEBOUNCE);
        results
    }

    /// Signs this device in as someone else (after joining or a coordinator's login): the
    /// snapshot of the previous user is discarded and pulled afresh.
    pub fn sign_in(&self, session: Session) {
        // A new user on this device is a new sync client: the server binds a client id to its
        // first user, and the previous user's queue cannot be pushed with someone else's token.
        self.generation.update_value(|g| *g += 1);
        self.state.update_value(|state| {
            state.session = Some(session.clone());
            state.replica = linli_core::sync::Replica::new(new_client_id());
        });
        self.session.set(Some(session));
        let _ = self.save();
        self.refresh();
        self.sync_now();
    }

    /// Starts a sync unless one is running (then one more runs right after it).
    pub fn sync_now(&self) {
        if self.session.get_untracked().is_none() {
            return;
        }
        // When the phone knows it has no connection, don't try: the `online` event starts the
        // next sync. (Saves a cheap phone's battery, and a request is never half-sent.)
        if !window().navigator().on_line() {
            self.status.update(|s| s.online = false);
            return;
        }
        if self.running.get_value() {
            self.again.set_value(true);
            return;
        }
        self.running.set_value(true);
        let engine = *self;
        leptos::task::spawn_local(async move {
            loop {
                engine.again.set_value(false);
                engine.run_once().await;
                if !engine.again.get_value() {
                    break;
                }
            }
            engine.running.set_value(false);
        });
    }

    async fn run_once(&self) {
        let Some(token) = self.session.get_untracked().map(|s| s.token) else {
            return;
        };
        self.reload();
        let request = self.state.with_value(|s| s.replica.sync_request());
        let generation = self.generation.get_value();
        self.status.update(|s| s.syncing = true);
        let result = api::sync(&token, &request).await;
        self.status.update(|s| s.syncing = false);
        if generation != self.generation.get_value() {
            return;
        }
        match result {
            Ok(response) => {
                self.failures.set_value(0);
                self.status.update(|s| {
                    s.online = true;
                    s.last_synced = Some(local_hour_minute());
                });
                self.accept(&response);
                // A request carries at most 100 changes: when all it carried went through and
                // more are queued (a weekly plan), send the next ones now, not in 30 seconds.
                let all_taken = request
                    .mutations
                    .last()
                    .is_some_and(|m| response.last_mutation_id >= m.id);
                if all_taken && self.state.with_value(|s| !s.replica.pending.is_empty()) {
                    self.again.set_value(true);
                }
            }
            Err(ApiFailure::Unauthorized) => {
                // Keep the pending queue: after signing in again it is pushed as it is.
                self.notify(Notice::SignedOut);
                self.session.set(None);
                self.state.update_value(|s| s.session = None);
                let _ = self.save();
                self.refresh();
            }
            Err(failure) => {
                if failure.is_transient() {
                    self.retry_later();
                }
            }
        }
    }

    /// Exponential back-off: 2, 4, 8 ... seconds, at most five minutes.
    fn retry_later(&self) {
        let failures = self.failures.get_value().saturating_add(1);
        self.failures.set_value(failures);
        let delay = (1u64 << failures.min(8)).min(MAX_BACKOFF_SECS);
        let engine = *self;
        set_timeout(move || engine.sync_now(), Duration::from_secs(delay));
    }

    fn accept(&self, response: &SyncResponse) {
        // Another tab may have queued changes while the request was out: apply the answer to
        // the current stored state, which keeps them (ids above `last_mutation_id`).
        self.reload();
        let notices: Vec<Notice> = self.state.with_value(|state| {
            response
                .results
                .iter()
                .filter_map(|r| notice_for(r, &state.replica.pending))
                .collect()
        });
        let applied = self
            .state
            .try_update_value(|state| state.replica.apply_response(response))
            .is_some_and(|r| r.is_ok());
        if !applied {
            leptos::logging::warn!("ignored a sync response that could not be applied");
            return;
        }
        for notice in notices {
            self.notify(notice);
        }
        let _ = self.save();
        self.refresh();
    }
}

/// The message a result deserves: a rejection, or a sign-up that landed on the waiting list.
fn notice_for(result: &MutationResult, pending: &[PendingMutation]) -> Option<Notice> {
    let mine = pending.iter().find(|p| p.id == result.id)?;
    match (result.status, &result.outcome, &result.error) {
        (ResultStatus::Rejected, _, Some(error)) => Some(Notice::Rejected { code: error.code }),
        (
            ResultStatus::Applied,
            Some(Outcome::SignedUp {
                status: SignupStatus::Waitlisted,
                waitlist_position,
            }),
            _,
        ) if matches!(mine.mutation, Mutation::SignUp { .. }) => Some(Notice::Waitlisted {
            position: waitlist_position.unwrap_or(1),
        }),
        _ => None,
    }
}
