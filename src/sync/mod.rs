//! The browser's sync engine: keeps the device's state in local storage, shows the user the
//! confirmed snapshot with their pending changes replayed, and syncs with the server at start,
//! when the connection returns, shortly after each change, every 30 s while the page is visible,
//! and with exponential back-off after failures. The rules themselves are `linli_core::sync`.

pub mod local;

use std::time::Duration;

use leptos::prelude::*;
use linli_core::model::CodeVerdict;
use linli_core::sync::protocol::{MutationResult, ResultStatus, SyncResponse};
use linli_core::sync::{
    ApplyError, MemoryStore, Mutation, Outcome, PendingMutation, RejectCode, Rejection,
    SignupStatus,
};

use crate::api::{self, ApiFailure};
use crate::status::SyncStatus;
use local::{LoadNote, LocalState, Session, SESSION_KEY, STATE_KEY};

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/sync/lock.js")]
extern "C" {
    #[wasm_bindgen(js_name = acquireLock)]
    fn acquire_lock(name: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = listenForWrites)]
    fn listen_for_writes();
    #[wasm_bindgen(js_name = announceWrite)]
    fn announce_write(number: f64);
    #[wasm_bindgen(js_name = announcedWrites)]
    fn announced_writes() -> f64;
    fn pause(ms: u32) -> js_sys::Promise;
}

/// How long a tab that holds the sync lock waits, at most, for its copy of local storage to show
/// the last write another tab announced (`lock.js`); after that it goes on with what it has,
/// as before (the server skips a mutation it already has; a stale cookie costs a reset).
const COHERENCE_WAIT_MS: u32 = 1000;

/// The Web Locks name a tab holds while it syncs (read the queue, push it, store the answer), so
/// two tabs of the app never push the same mutations at once.
const SYNC_LOCK: &str = "linli-sync";

/// A held cross-tab lock, released when dropped (also on an early return).
struct LockGuard(Option<js_sys::Function>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            let _ = release.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

/// Waits for the lock `name`. Where the browser has no Web Locks (old Android WebViews) or the
/// request fails, goes on without one: each tab still re-reads the stored queue before it syncs.
async fn lock(name: &str) -> LockGuard {
    use wasm_bindgen::JsCast;
    let granted = wasm_bindgen_futures::JsFuture::from(acquire_lock(name)).await;
    LockGuard(
        granted
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok()),
    )
}

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
    /// A card code entered offline turned out wrong when the server checked it.
    WrongCardCode {
        tries_left: u32,
    },
    /// ... and it was the last try: a coordinator must confirm the visit.
    CardCodeLocked,
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
    /// The one scheduled retry after a failure, replaced (never added to) by the next one. While
    /// it waits, the periodic sync does not try: the back-off holds even for a day without the
    /// server.
    retry: StoredValue<Option<TimeoutHandle>>,
    /// Bumped at every sign-in, so an answer to a request of the previous session is dropped.
    generation: StoredValue<u64>,
    /// The stored document as this tab last wrote or read it: `reload` parses only when another
    /// tab has changed it (a month of a village's data is a large document for a cheap phone).
    known_text: StoredValue<String>,
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn stored_text(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
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
        listen_for_writes();
        let stored = stored_text(STATE_KEY);
        let (mut state, note) = LocalState::load(stored.as_deref(), new_client_id);
        if matches!(note, LoadNote::Repaired { .. }) {
            // The document was too damaged to hold the session: the backup copy keeps the
            // device signed in (a volunteer made to join again would become someone new).
            state.restore_session(stored_text(SESSION_KEY).as_deref());
        }
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
            retry: StoredValue::new(None),
            generation: StoredValue::new(0),
            known_text: StoredValue::new(stored.clone().unwrap_or_default()),
        };
        if let LoadNote::Repaired { kept } = note {
            engine.notify(Notice::Repaired { kept });
            // Persist the repaired document so the damage is not met again.
            engine.state.with_value(|state| engine.write(state));
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
                // Not while backing off: the retry is already scheduled.
                if visible && engine.retry.with_value(Option::is_none) {
                    engine.sync_now();
                }
            },
            SYNC_EVERY,
        );
        engine.sync_now();
        engine
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
        let Some(text) = stored_text(STATE_KEY) else {
            return;
        };
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

    /// [`Self::reload`], once this tab's copy of local storage holds every write another tab
    /// announced (or after [`COHERENCE_WAIT_MS`]): the sync lock can be granted before the last
    /// holder's answer reached this tab's copy, and a stale queue would be pushed again.
    async fn reload_coherent(&self) {
        let mut waited = 0;
        loop {
            self.reload();
            let mine = self.state.with_value(|s| s.writes) as f64;
            if mine >= announced_writes() || waited >= COHERENCE_WAIT_MS {
                return;
            }
            let _ = wasm_bindgen_futures::JsFuture::from(pause(10)).await;
            waited += 10;
        }
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
        let count = self
            .state
            .with_value(|state| state.replica.unsent().count());
        self.view.set(view);
        self.pending.set(pending);
        self.status.update(|s| s.pending = count);
    }

    /// Writes `state` to local storage; false if it could not be stored at all. When storage is
    /// full, the snapshot cache is dropped (it can be downloaded again) so that the pending
    /// queue, the user's own work, is kept.
    fn write(&self, state: &LocalState) -> bool {
        let Some(storage) = storage() else {
            return false;
        };
        let json = state.to_json();
        let written = state.writes;
        let stored = match storage.set_item(STATE_KEY, &json) {
            Ok(()) => Some(json),
            Err(err) if is_quota_error(&err) => {
                let slim = state.without_snapshot().to_json();
                let stored = storage.set_item(STATE_KEY, &slim).ok().map(|()| slim);
                if stored.is_some() {
                    self.notify(Notice::StorageFull);
                }
                stored
            }
            Err(_) => None,
        };
        let Some(json) = stored else {
            return false;
        };
        self.known_text.set_value(json);
        announce_write(written as f64);
        // The session's backup copy follows the session (a few hundred bytes, rarely written).
        let backup = state.session_backup();
        if storage.get_item(SESSION_KEY).ok().flatten() != backup {
            let _ = match backup {
                Some(text) => storage.set_item(SESSION_KEY, &text),
                None => storage.remove_item(SESSION_KEY),
            };
        }
        true
    }

    /// Read-modify-write of the stored state, safe against other tabs: local storage has no
    /// transactions and tabs run in parallel. The stored document is re-read first (another tab
    /// may have changed it), `change` is made on a copy, and if another tab wrote in the
    /// meantime (seen just before writing), the change is made again on that tab's state. Only
    /// a stored change is adopted ("not stored means not made"), unless `keep_unsaved` (a
    /// server's answer is true whether or not this phone could store it). Returns the change's
    /// result and whether it was stored.
    fn commit<R, E>(
        &self,
        keep_unsaved: bool,
        mut change: impl FnMut(&mut LocalState) -> Result<R, E>,
    ) -> Result<(R, bool), E> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.reload();
            let mut next = self.state.get_value();
            let result = change(&mut next)?;
            // Numbered past every write this tab has seen announced, so the next lock holder
            // knows to wait for it.
            next.writes = next.writes.max(announced_writes() as u64) + 1;
            let raced = stored_text(STATE_KEY)
                .is_some_and(|now| self.known_text.with_value(|known| *known != now));
            if raced && attempt < 3 {
                continue;
            }
            let stored = self.write(&next);
            if stored || keep_unsaved {
                if next.session != self.session.get_untracked() {
                    self.session.set(next.session.clone());
                }
                self.state.set_value(next);
            }
            return Ok((result, stored));
        }
    }

    /// Makes a change: checked against the rules here, written to local storage *before* the
    /// page shows it, then pushed to the server soon.
    pub fn mutate(&self, mutation: Mutation) -> Result<Outcome, MutateError> {
        let (outcome, stored) = self.commit(false, |state| {
            let actor = state
                .session
                .as_ref()
                .map(|s| s.actor.clone())
                .ok_or(MutateError::NotSignedIn)?;
            state
                .replica
                .mutate(&actor, mutation.clone(), Some(device_time()))
                .map_err(refusal)
        })?;
        if !stored {
            // Not stored means not made: the page says so, and the queue is as it was.
            return Err(MutateError::StorageFull);
        }
        self.refresh();
        let engine = *self;
        set_timeout(move || engine.sync_now(), DEBOUNCE);
        Ok(outcome)
    }

    /// Makes several changes at once (a campaign, a weekly plan): one check, one write to local
    /// storage, one push. Each gets its own result; refused ones are not queued.
    pub fn mutate_all(&self, mutations: Vec<Mutation>) -> Vec<Result<Outcome, MutateError>> {
        let count = mutations.len();
        let committed = self.commit(false, |state| {
            let actor = state
                .session
                .as_ref()
                .map(|s| s.actor.clone())
                .ok_or(MutateError::NotSignedIn)?;
            Ok::<_, MutateError>(state.replica.mutate_all(
                &actor,
                mutations.clone(),
                Some(device_time()),
            ))
        });
        let (results, stored) = match committed {
            Ok(done) => done,
            Err(err) => return (0..count).map(|_| Err(err.clone())).collect(),
        };
        let results: Vec<Result<Outcome, MutateError>> = results
            .into_iter()
            .map(|r| match r {
                // Not stored means not made: none of them was queued.
                Ok(_) if !stored => Err(MutateError::StorageFull),
                r => r.map_err(refusal),
            })
            .collect();
        if stored {
            self.refresh();
            let engine = *self;
            set_timeout(move || engine.sync_now(), DEBOUNCE);
        }
        results
    }

    /// Signs this device in as someone else (after joining or a coordinator's login): the
    /// snapshot of the previous user is discarded and pulled afresh.
    pub fn sign_in(&self, session: Session) {
        // A new user on this device is a new sync client: the server binds a client id to its
        // first user, and the previous user's queue cannot be pushed with someone else's token.
        self.generation.update_value(|g| *g += 1);
        let _ = self.commit(true, |state| {
            state.session = Some(session.clone());
            state.replica = linli_core::sync::Replica::new(new_client_id());
            Ok::<(), ()>(())
        });
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
                let backing_off = engine.run_once().await;
                // After a failure the scheduled retry is the next try, not another one now.
                if backing_off || !engine.again.get_value() {
                    break;
                }
            }
            engine.running.set_value(false);
        });
    }

    /// One request and its answer; true when it failed and a retry is scheduled.
    async fn run_once(&self) -> bool {
        // One tab at a time: the other waits, then finds the queue this one pushed gone.
        let _lock = lock(SYNC_LOCK).await;
        self.reload_coherent().await;
        let Some(token) = self.session.get_untracked().map(|s| s.token) else {
            return false;
        };
        let request = self.state.with_value(|s| s.replica.sync_request());
        let generation = self.generation.get_value();
        self.status.update(|s| s.syncing = true);
        let result = api::sync(&token, &request).await;
        // After an answer the indicator says "syncing" until the last page of a paged pull is
        // in (set below), so "synced" never shows over a half-received copy.
        if result.is_err() || generation != self.generation.get_value() {
            self.status.update(|s| s.syncing = false);
        }
        if generation != self.generation.get_value() {
            return false;
        }
        match result {
            Ok(response) => {
                self.failures.set_value(0);
                if let Some(retry) = self.retry.try_update_value(Option::take).flatten() {
                    retry.clear();
                }
                let accepted = self.accept(&response);
                // The pull came in pages (a coordinator's first sync of a district): the next
                // one is asked for at once, below. (Not after an answer that could not be kept,
                // e.g. storage full: asking again at once would loop.)
                let more_pages = accepted && self.state.with_value(|s| s.replica.catching_up());
                self.status.update(|s| {
                    // An answer that arrives just after the phone lost its connection must not
                    // paint the indicator "online" again.
                    s.online = window().navigator().on_line();
                    s.syncing = more_pages;
                    if !more_pages {
                        s.last_synced = Some(local_hour_minute());
                    }
                });
                // A request carries at most 100 changes: when all it carried went through and
                // more are queued (a weekly plan), send the next ones now, not in 30 seconds.
                let all_taken = request
                    .mutations
                    .last()
                    .is_some_and(|m| response.last_mutation_id >= m.id);
                if all_taken && self.state.with_value(|s| !s.replica.pending.is_empty()) {
                    self.again.set_value(true);
                }
                if more_pages {
                    self.again.set_value(true);
                }
                false
            }
            Err(ApiFailure::Unauthorized) => {
                // Keep the pending queue: after signing in again it is pushed as it is.
                self.notify(Notice::SignedOut);
                // Only this session: another tab may have signed in again meanwhile.
                let _ = self.commit(true, |state| {
                    if state.session.as_ref().is_some_and(|s| s.token == token) {
                        state.session = None;
                    }
                    Ok::<(), ()>(())
                });
                self.refresh();
                false
            }
            Err(failure) => {
                leptos::logging::warn!("sync failed: {failure:?}");
                if failure == ApiFailure::Network {
                    // The server cannot be reached, whatever the phone says: show it.
                    self.status.update(|s| s.online = false);
                }
                if failure.is_transient() {
                    self.retry_later();
                }
                failure.is_transient()
            }
        }
    }

    /// Exponential back-off: 2, 4, 8 ... seconds, at most five minutes.
    fn retry_later(&self) {
        let failures = self.failures.get_value().saturating_add(1);
        self.failures.set_value(failures);
        let delay = (1u64 << failures.min(8)).min(MAX_BACKOFF_SECS);
        let engine = *self;
        let handle = set_timeout_with_handle(
            move || {
                engine.retry.set_value(None);
                engine.sync_now();
            },
            Duration::from_secs(delay),
        )
        .ok();
        if let Some(previous) = self
            .retry
            .try_update_value(|r| std::mem::replace(r, handle))
            .flatten()
        {
            previous.clear();
        }
    }

    /// Applies and stores the answer; false when it could not be kept.
    fn accept(&self, response: &SyncResponse) -> bool {
        // Another tab may have queued changes while the request was out: apply the answer to
        // the current stored state, which keeps them (ids above `last_mutation_id`).
        let accepted = self.commit(true, |state| {
            let notices: Vec<Notice> = response
                .results
                .iter()
                .filter_map(|r| notice_for(r, &state.replica.pending))
                .collect();
            state
                .replica
                .apply_response(response)
                .map(|_| notices)
                .map_err(|_| ())
        });
        let Ok((notices, _)) = accepted else {
            leptos::logging::warn!("ignored a sync response that could not be applied");
            return false;
        };
        for notice in notices {
            self.notify(notice);
        }
        self.refresh();
        true
    }
}

fn refusal(err: ApplyError) -> MutateError {
    match err {
        ApplyError::Rejected(r) => MutateError::Refused(r),
        ApplyError::Store(_) => MutateError::StorageFull,
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
        (
            ResultStatus::Applied,
            Some(Outcome::VisitCode {
                verdict,
                attempts_left,
            }),
            _,
        ) => match verdict {
            CodeVerdict::Wrong => Some(Notice::WrongCardCode {
                tries_left: attempts_left.unwrap_or(0),
            }),
            CodeVerdict::Locked => Some(Notice::CardCodeLocked),
            CodeVerdict::Pending | CodeVerdict::Confirmed => None,
        },
        _ => None,
    }
}
