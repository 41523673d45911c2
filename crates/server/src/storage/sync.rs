//! `POST /api/v1/sync` as one database transaction: authenticate, bind the client id, apply the
//! pushed mutations in order (each in a savepoint), bump the village version once, and pull the
//! patch this device needs. Described in `docs/sync-protocol.md`.
//!
//! The pull's cost follows the change, not the database: `client_view` holds the keys the device
//! has, and an incremental pull reads only records stamped after the device's cookie (an index
//! range on `(village_id, version)`), deciding each one's visibility afresh. `client_view` also
//! keeps a digest of the body each key was last sent with: a record re-stamped only so its
//! visibility is re-evaluated (a task when someone signs up) is not sent again to a device that
//! holds it unchanged.

use std::cell::RefCell;
use std::collections::HashMap;

use linli_core::sync::protocol::{
    MutationError, MutationResult, PatchOp, PullCursor, ResultStatus, SyncRequest, SyncResponse,
    MAX_RECORDS_PER_PAGE, SCHEMA_VERSION,
};
use linli_core::sync::visibility::visible;
use linli_core::sync::{
    apply, Actor, ApplyError, Mutation, Record, RecordKind, RejectCode, Role, Signup, Store,
    StoreError,
};
use linli_core::{TaskId, Village, VolunteerId};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::auth::{authenticate, unix_now, Principal};
use super::tx_store::TxStore;
use super::{Storage, StorageError};

/// Most mutations one request may push; a device with more pushes them over several requests.
pub const MAX_MUTATIONS_PER_REQUEST: usize = linli_core::sync::protocol::MAX_MUTATIONS_PER_REQUEST;
/// Longest client id, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Longest string anywhere in a mutation's `args`, in characters (a task description is the
/// longest real text). Longer ones are rejected as `invalid_args`.
pub const MAX_ARG_STRING_CHARS: usize = 2000;
/// Largest cookie accepted: the largest integer a JavaScript number holds exactly.
pub const MAX_COOKIE: u64 = (1 << 53) - 1;
/// Longest record key a `resume` may name (ours are under 80 characters).
pub const MAX_KEY_CHARS: usize = 200;
/// Longest bearer token looked up (ours are 43 characters).
pub const MAX_TOKEN_CHARS: usize = 256;

/// Why a sync request failed as a whole. Nothing of the request was committed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the token is missing, unknown or revoked")]
    Unauthorized,
    #[error("client_id {0:?} is in use by another user; a device must choose a new client_id for each user")]
    ClientIdInUse(String),
    #[error("client_id must be 1-{MAX_CLIENT_ID_CHARS} printable characters")]
    InvalidClientId,
    #[error("cookie {0} is not one this server gives out (at most {MAX_COOKIE})")]
    InvalidCookie(u64),
    #[error("{count} mutations pushed; the limit is {MAX_MUTATIONS_PER_REQUEST} per request")]
    TooManyMutations { count: usize },
    #[error(
        "max_records {asked} asked; the limit is 1 to {MAX_RECORDS_PER_PAGE} records per page"
    )]
    TooManyRecordsAsked { asked: u32 },
    #[error("resume is not a place in a pull: after is at most {MAX_KEY_CHARS} characters, since at most {MAX_COOKIE}")]
    InvalidResume,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl SyncError {
    /// A fault worth retrying (the database was busy or failed); the request left no trace.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Storage(_))
    }
}

pub(crate) fn village_version(conn: &Connection, village: &str) -> Result<i64, StorageError> {
    Ok(conn
        .prepare_cached("SELECT version FROM villages WHERE id = ?1")?
        .query_row([village], |r| r.get(0))?)
}

pub(crate) fn set_village_version(
    conn: &Connection,
    village: &str,
    version: i64,
) -> Result<(), StorageError> {
    conn.prepare_cached("UPDATE villages SET version = ?2 WHERE id = ?1")?
        .execute(params![village, version])?;
    Ok(())
}

struct ClientRow {
    last_mutation_id: i64,
    cookie: Option<i64>,
    /// The `more` of the last answer: the only place a paged pull may resume from.
    resume: Option<PullCursor>,
    last_seen_at: i64,
}

/// Finds the client row, creating it for this user on first use; another user's client id is
/// refused.
fn client_row(
    conn: &Connection,
    client_id: &str,
    principal: &Principal,
    now: i64,
) -> Result<ClientRow, SyncError> {
    let row = conn
        .prepare_cached(
            "SELECT village_id, user_key, last_mutation_id, cookie, resume_after, resume_since,
                    last_seen_at
             FROM clients WHERE client_id = ?1",
        )
        .map_err(StorageError::from)?
        .query_row([client_id], |r| {
            let resume_after: Option<String> = r.get(4)?;
            let resume_since: Option<i64> = r.get(5)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                ClientRow {
                    last_mutation_id: r.get(2)?,
                    cookie: r.get(3)?,
                    resume: resume_after.map(|after| PullCursor {
                        after,
                        since: resume_since.and_then(|v| u64::try_from(v).ok()),
                    }),
                    last_seen_at: r.get(6)?,
                },
            ))
        })
        .optional()
        .map_err(StorageError::from)?;
    match row {
        Some((village, user, client)) => {
            if village != principal.village_id || user != principal.user_key() {
                return Err(SyncError::ClientIdInUse(client_id.to_owned()));
            }
            Ok(client)
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO clients (client_id, village_id, user_key, last_mutation_id, cookie,
                                      created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, 0, NULL, ?4, ?4)",
            )
            .map_err(StorageError::from)?
            .execute(params![
                client_id,
                principal.village_id,
                principal.user_key(),
                now
            ])
            .map_err(StorageError::from)?;
            Ok(ClientRow {
                last_mutation_id: 0,
                cookie: None,
                resume: None,
                last_seen_at: now,
            })
        }
    }
}

fn longest_string(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) => s.chars().count(),
        serde_json::Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.chars().count().max(longest_string(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

fn rejected(id: u64, code: RejectCode, message: String) -> MutationResult {
    MutationResult {
        id,
        status: ResultStatus::Rejected,
        outcome: None,
        error: Some(MutationError {
            code,
            message,
            reasons: Vec::new(),
        }),
    }
}

/// The highest cookie the server will move a village's version up to (2^40: a village writing
/// once a millisecond takes 35 years to get there), far below [`MAX_COOKIE`] (2^53).
const MAX_FUTURE_COOKIE_BUMP: i64 = 1 << 40;

/// Checks the request's limits before any database work.
pub fn check_limits(request: &SyncRequest) -> Result<(), SyncError> {
    let id = &request.client_id;
    if id.is_empty()
        || id.chars().count() > MAX_CLIENT_ID_CHARS
        || id.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(SyncError::InvalidClientId);
    }
    if let Some(cookie) = request.cookie.filter(|c| *c > MAX_COOKIE) {
        return Err(SyncError::InvalidCookie(cookie));
    }
    if request.mutations.len() > MAX_MUTATIONS_PER_REQUEST {
        return Err(SyncError::TooManyMutations {
            count: request.mutations.len(),
        });
    }
    if let Some(asked) = request
        .max_records
        .filter(|n| *n == 0 || *n as usize > MAX_RECORDS_PER_PAGE)
    {
        return Err(SyncError::TooManyRecordsAsked { asked });
    }
    // Only the size is checked here: any other `resume` than the one the server gave this client
    // with that cookie (a `since` above the cookie included) is answered with a reset.
    if let Some(resume) = &request.resume {
        if resume.after.chars().count() > MAX_KEY_CHARS
            || resume.since.is_some_and(|since| since > MAX_COOKIE)
        {
            return Err(SyncError::InvalidResume);
        }
    }
    Ok(())
}

impl Storage {
    /// Handles one sync request for the holder of `token`: push, then pull, in one transaction.
    /// On `Err` nothing of the request was committed.
    pub fn sync(&self, token: &str, request: &SyncRequest) -> Result<SyncResponse, SyncError> {
        check_limits(request)?;
        if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
            return Err(SyncError::Unauthorized);
        }
        let now = unix_now();
        self.with_conn(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StorageError::from)?;
            let principal = authenticate(&tx, token, now)?.ok_or(SyncError::Unauthorized)?;
            let actor = principal.actor();
            let client = client_row(&tx, &request.client_id, &principal, now)?;
            let village = principal.village_id.as_str();
            let version = village_version(&tx, village)?;

            // Push: every mutation exactly once, in id order.
            let mut store = TxStore::new(&tx, village, version + 1).with_clock(now);
            let mut last = client.last_mutation_id;
            // A device that was told its mutations up to `acked` were processed has dropped
            // them. If the database no longer has them (restored from an older backup), they
            // can never arrive: waiting for them would block the device's queue forever, so skip
            // past them. Their effects are in the backup or gone with everything after it.
            // Above 2^53 - 1 is not an id this server gave out: ignored.
            if let Some(acked) = request
                .acked_mutation_id
                .filter(|a| *a <= MAX_COOKIE)
                .and_then(|a| i64::try_from(a).ok())
                .filter(|a| *a > last)
            {
                tracing::warn!(
                    client_id = %request.client_id,
                    stored = last,
                    acked,
                    "a device had mutations acknowledged that the database does not record \
                     (restored from a backup?): skipping to its acknowledged id"
                );
                last = acked;
            }
            let mut results = Vec::new();
            let mut pushed: Vec<_> = request.mutations.iter().collect();
            pushed.sort_by_key(|m| m.id);
            for pushed in pushed {
                let Ok(id) = i64::try_from(pushed.id) else {
                    break;
                };
                if id <= last {
                    continue; // a retry of something already processed
                }
                if id != last + 1 {
                    break; // a gap: the missing mutation must come first
                }
                last = id;
                let mutation = match Mutation::from_wire(&pushed.name, pushed.args.clone()) {
                    Ok(m) => m,
                    Err(message) => {
                        results.push(rejected(pushed.id, RejectCode::InvalidArgs, message));
                        continue;
                    }
                };
                let longest = longest_string(&pushed.args);
                if longest > MAX_ARG_STRING_CHARS {
                    results.push(rejected(
                        pushed.id,
                        RejectCode::InvalidArgs,
                        format!(
                            "a text of {longest} characters is longer than the limit of \
                             {MAX_ARG_STRING_CHARS}"
                        ),
                    ));
                    continue;
                }
                let before = store.changed().clone();
                tx.execute_batch("SAVEPOINT mutation")
                    .map_err(StorageError::from)?;
                match apply(&mutation, &actor, &mut store) {
                    Ok(outcome) => {
                        tx.execute_batch("RELEASE mutation")
                            .map_err(StorageError::from)?;
                        results.push(MutationResult {
                            id: pushed.id,
                            status: ResultStatus::Applied,
                            outcome: Some(outcome),
                            error: None,
                        });
                    }
                    Err(ApplyError::Rejected(rejection)) => {
                        tx.execute_batch("ROLLBACK TO mutation; RELEASE mutation")
                            .map_err(StorageError::from)?;
                        store.restore_changed(before);
                        results.push(MutationResult {
                            id: pushed.id,
                            status: ResultStatus::Rejected,
                            outcome: None,
                            error: Some(MutationError {
                                code: rejection.code,
                                message: rejection.message,
                                reasons: rejection.reasons,
                            }),
                        });
                    }
                    Err(ApplyError::Store(StoreError(message))) => {
                        return Err(StorageError::Store(message).into());
                    }
                }
            }
            let version = if store.changed().is_empty() {
                version
            } else {
                set_village_version(&tx, village, version + 1)?;
                version + 1
            };

            // Pull.
            let cookie = request.cookie.and_then(|c| i64::try_from(c).ok());
            let incremental = match (cookie, client.cookie) {
                // The device goes on from exactly the last answer it was given: its cookie and
                // where its paged pull stopped. Anything else (an answer lost, or applied out of
                // order) could leave a gap, so it gets a reset.
                (Some(sent), Some(stored)) => {
                    sent == stored
                        && sent <= version
                        && request.schema_version == SCHEMA_VERSION
                        && request.resume == client.resume
                }
                _ => false,
            };
            // A cookie from the future (the database was restored from a backup): move the
            // village's version up to it, so the reset answer's cookie does not go backwards.
            // Only within a ceiling far above any real version: a client must not be able to
            // push the village's counter to the top of the cookie range and lock every device
            // out (a cookie above the ceiling just gets a reset).
            let version = match cookie {
                Some(sent) if sent > version && sent <= MAX_FUTURE_COOKIE_BUMP => {
                    set_village_version(&tx, village, sent)?;
                    sent
                }
                _ => version,
            };
            // What this answer pulls: the rest of a paged pull, the changes since the cookie,
            // or (a reset) everything, each from its start.
            let pull = match (incremental, cookie) {
                (true, Some(since)) => match &request.resume {
                    Some(resume) => Pull {
                        base: resume.since.and_then(|s| i64::try_from(s).ok()),
                        after: resume.after.clone(),
                        changed_meanwhile: Some(since),
                    },
                    None => Pull::from_start(Some(since)),
                },
                _ => {
                    tx.prepare_cached("DELETE FROM client_view WHERE client_id = ?1")
                        .map_err(StorageError::from)?
                        .execute([&request.client_id])
                        .map_err(StorageError::from)?;
                    Pull::from_start(None)
                }
            };
            let limit = request.max_records.map_or(usize::MAX, |n| n as usize);
            let (patch, more) = pull.page(&store, &tx, &actor, Some(&request.client_id), limit)?;
            // A pull that found nothing new leaves the row as it is (unless "last synced" is
            // a minute old): the transaction then writes nothing and commits without an fsync.
            let unchanged = last == client.last_mutation_id
                && Some(version) == client.cookie
                && more == client.resume
                && now - client.last_seen_at < super::auth::SEEN_RESOLUTION_SECS;
            if !unchanged {
                tx.prepare_cached(
                    "UPDATE clients SET last_mutation_id = ?2, cookie = ?3, last_seen_at = ?4,
                                    resume_after = ?5, resume_since = ?6
                 WHERE client_id = ?1",
                )
                .map_err(StorageError::from)?
                .execute(params![
                    request.client_id,
                    last,
                    version,
                    now,
                    more.as_ref().map(|m| m.after.as_str()),
                    more.as_ref()
                        .and_then(|m| m.since)
                        .and_then(|v| i64::try_from(v).ok()),
                ])
                .map_err(StorageError::from)?;
            }
            drop(store);
            tx.commit().map_err(StorageError::from)?;
            Ok(SyncResponse {
                cookie: version as u64,
                last_mutation_id: last as u64,
                reset: !incremental,
                patch,
                results,
                more,
                resumed: request.resume.clone().filter(|_| incremental),
            })
        })
    }

    /// Every record of a village that `actor` may see, as `(key, body)` in key order: what a
    /// device of that user must hold after a full sync (used by tests and the simulation).
    pub fn visible_records(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, serde_json::Value)>, StorageError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let store = TxStore::new(&tx, actor.village.as_str(), i64::MAX);
            let (patch, _) = Pull::from_start(None).page(&store, &tx, actor, None, usize::MAX)?;
            let mut out: Vec<(String, serde_json::Value)> = patch
                .into_iter()
                .filter_map(|op| match op {
                    PatchOp::Put { key, value } => Some((key, value)),
                    PatchOp::Del { .. } => None,
                })
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        })
    }

    /// The village's current version (the newest cookie).
    pub fn village_version(&self, village: &str) -> Result<i64, StorageError> {
        self.with_conn(|conn| village_version(conn, village))
    }
}

/// A read-only, memoising view of the transaction for deciding visibility during a pull: the
/// same task and the same volunteer's sign-ups are asked for again and again.
struct PullView<'a, 'c> {
    inner: &'a TxStore<'c>,
    records: RefCell<HashMap<String, Option<Record>>>,
    by_volunteer: RefCell<HashMap<VolunteerId, Vec<Signup>>>,
}

impl<'a, 'c> PullView<'a, 'c> {
    fn new(inner: &'a TxStore<'c>) -> Self {
        PullView {
            inner,
            records: RefCell::default(),
            by_volunteer: RefCell::default(),
        }
    }
}

fn read_only() -> StoreError {
    StoreError("a pull does not write".into())
}

impl Store for PullView<'_, '_> {
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        if let Some(hit) = self.records.borrow().get(key) {
            return Ok(hit.clone());
        }
        let record = self.inner.get(key)?;
        self.records
            .borrow_mut()
            .insert(key.to_owned(), record.clone());
        Ok(record)
    }
    fn put(&mut self, _: Record) -> Result<(), StoreError> {
        Err(read_only())
    }
    fn delete(&mut self, _: &str) -> Result<(), StoreError> {
        Err(read_only())
    }
    fn signups_for_task(&self, task: &TaskId) -> Result<Vec<Signup>, StoreError> {
        self.inner.signups_for_task(task)
    }
    fn signups_of_volunteer(&self, volunteer: &VolunteerId) -> Result<Vec<Signup>, StoreError> {
        if let Some(hit) = self.by_volunteer.borrow().get(volunteer) {
            return Ok(hit.clone());
        }
        let signups = self.inner.signups_of_volunteer(volunteer)?;
        self.by_volunteer
            .borrow_mut()
            .insert(volunteer.clone(), signups.clone());
        Ok(signups)
    }
    fn next_seq(&mut self) -> Result<u64, StoreError> {
        Err(read_only())
    }
    fn village(&self) -> Result<Option<Village>, StoreError> {
        self.inner.village()
    }
}

/// A record from its stored body, straight into its type (no intermediate `Value` copy).
fn parse_record(key: &str, body: &str) -> Result<Record, StorageError> {
    let value: serde_json::Value = serde_json::from_str(body)?;
    Record::from_value(key, value).map_err(|e| StorageError::Store(e.to_string()))
}

/// What `client_view.sent` holds: the first 8 bytes of the body's SHA-256. Stable across
/// builds (it is stored); a collision would need 2^64 tries, and only skips a resend.
fn body_digest(body: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

fn store_fault(e: StoreError) -> StorageError {
    StorageError::Store(e.0)
}

/// Sorts a page so a fresh device can apply it in order: the order of `RecordKind::ALL`
/// (village, volunteers, beneficiaries, private parts, tasks, sign-ups, rosters, places,
/// service records, messages, cards, ledger lines), then by key.
fn sort_patch(patch: &mut [PatchOp]) {
    fn rank(op: &PatchOp) -> (Option<RecordKind>, &str) {
        let key = match op {
            PatchOp::Put { key, .. } | PatchOp::Del { key } => key.as_str(),
        };
        (RecordKind::of_key(key), key)
    }
    patch.sort_by(|a, b| rank(a).cmp(&rank(b)));
}

/// One page of a pull, in key order. A pull is the records of its `base` set (every live
/// record for a reset, or those stamped after a version) from key `after` on; a page after the
/// first also carries what changed, since the last page's cookie, among the keys already sent.
/// Each record is decided afresh: put if `actor` may see it and the device does not hold this very
/// body, deleted from the device if it holds it and may no longer (or it was deleted).
struct Pull {
    /// `None`: every live record (a reset); `Some(v)`: records stamped after version `v`.
    base: Option<i64>,
    /// Keys up to this one have been sent in earlier pages of this pull.
    after: String,
    /// The cookie of the last page: changes to keys up to `after` since then come in this one.
    changed_meanwhile: Option<i64>,
}

impl Pull {
    fn from_start(base: Option<i64>) -> Self {
        Pull {
            base,
            after: String::new(),
            changed_meanwhile: None,
        }
    }

    /// The page's operations (sorted by kind, then key) and, when `limit` cut it short, where
    /// the next page resumes. With `client`, its `client_view` is kept in step.
    fn page(
        &self,
        store: &TxStore<'_>,
        conn: &Connection,
        actor: &Actor,
        client: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<PatchOp>, Option<PullCursor>), StorageError> {
        let view = PullView::new(store);
        // Volunteers never see other volunteers' profiles, sign-ups, service records or ledger
        // lines, nor any card code: skip reading those at all (`visible` decides the rest). `?4 = ''` keeps one statement per shape for coordinators.
        let (me, volunteer_filter) = match &actor.role {
            Role::Coordinator(_) => (String::new(), "?4 = ''"),
            Role::Volunteer(me) => (
                me.as_str().to_owned(),
                "NOT (kind = 'volunteer' AND key <> 'volunteer/' || ?4)
                 AND kind <> 'card'
                 AND NOT (kind IN ('signup', 'service', 'ledger') AND volunteer_id <> ?4)",
            ),
        };
        let mut decide = Decide::new(conn, actor, &view, client)?;

        // Changes since the last page among keys already sent: their count is not limited (a
        // few seconds' worth), so a busy village cannot starve the rest of the pull.
        if let Some(since) = self.changed_meanwhile {
            let sql = format!(
                "SELECT key, body, deleted FROM records INDEXED BY records_by_version
                 WHERE village_id = ?1 AND version > ?2 AND key <= ?3 AND {volunteer_filter}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![actor.village.as_str(), since, self.after, me],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )?;
            for row in rows {
                let (key, body, deleted) = row?;
                decide.record(key, (deleted == 0).then_some(body))?;
            }
        }

        // The base set from `after` on, in key order (the primary key's), until the page is full.
        let sql = match self.base {
            None => format!(
                "SELECT key, body, deleted FROM records
                 WHERE village_id = ?1 AND deleted = 0 AND ?2 IS NULL AND key > ?3
                   AND {volunteer_filter}
                 ORDER BY key"
            ),
            // `INDEXED BY`: to return rows in key order SQLite would rather walk the primary
            // key, i.e. every record of the village, than the few changed since `?2` and sort
            // them (measured: a pull after one change went from reading ~2,000 rows to a few).
            Some(_) => format!(
                "SELECT key, body, deleted FROM records INDEXED BY records_by_version
                 WHERE village_id = ?1 AND version > ?2 AND key > ?3 AND {volunteer_filter}
                 ORDER BY key"
            ),
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![actor.village.as_str(), self.base, self.after, me])?;
        let mut more = None;
        let mut last_read = self.after.clone();
        while let Some(row) = rows.next()? {
            if decide.patch.len() >= limit {
                // Full, and at least one record is left: the next page starts after the last
                // key read.
                more = Some(PullCursor {
                    after: last_read,
                    since: self.base.map(|v| v as u64),
                });
                break;
            }
            let (key, body, deleted): (String, String, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            last_read.clone_from(&key);
            decide.record(key, (deleted == 0).then_some(body))?;
        }
        let mut patch = decide.patch;
        sort_patch(&mut patch);
        Ok((patch, more))
    }
}

/// Decides, record by record, what a pull sends, and keeps `client_view` in step.
struct Decide<'a, 'v, 'c> {
    conn: &'a Connection,
    actor: &'a Actor,
    view: &'a PullView<'v, 'c>,
    client: Option<&'a str>,
    patch: Vec<PatchOp>,
}

impl<'a, 'v, 'c> Decide<'a, 'v, 'c> {
    fn new(
        conn: &'a Connection,
        actor: &'a Actor,
        view: &'a PullView<'v, 'c>,
        client: Option<&'a str>,
    ) -> Result<Self, StorageError> {
        Ok(Decide {
            conn,
            actor,
            view,
            client,
            patch: Vec::new(),
        })
    }

    /// `body: None` is a tombstone.
    fn record(&mut self, key: String, body: Option<String>) -> Result<(), StorageError> {
        let show = match &body {
            Some(body) => {
                visible(self.actor, &parse_record(&key, body)?, self.view).map_err(store_fault)?
            }
            None => false,
        };
        let Some(client) = self.client else {
            if let (true, Some(body)) = (show, body) {
                self.patch.push(PatchOp::Put {
                    key,
                    value: serde_json::from_str(&body)?,
                });
            }
            return Ok(());
        };
        match (show, body) {
            (true, Some(body)) => {
                let digest = body_digest(&body);
                let sent: Option<Option<i64>> = self
                    .conn
                    .prepare_cached(
                        "SELECT sent FROM client_view WHERE client_id = ?1 AND key = ?2",
                    )?
                    .query_row(params![client, key], |r| r.get(0))
                    .optional()?;
                // Re-stamped for visibility only, and the device holds this very body: nothing
                // to send, nothing to write.
                if sent == Some(Some(digest)) {
                    return Ok(());
                }
                self.conn
                    .prepare_cached(
                        "INSERT INTO client_view (client_id, key, sent) VALUES (?1, ?2, ?3)
                         ON CONFLICT (client_id, key) DO UPDATE SET sent = excluded.sent",
                    )?
                    .execute(params![client, key, digest])?;
                self.patch.push(PatchOp::Put {
                    key,
                    value: serde_json::from_str(&body)?,
                });
            }
            _ => {
                if self
                    .conn
                    .prepare_cached("DELETE FROM client_view WHERE client_id = ?1 AND key = ?2")?
                    .execute(params![client, key])?
                    > 0
                {
                    self.patch.push(PatchOp::Del { key });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use linli_core::demo::{generate, DemoParams};
    use linli_core::sync::protocol::PushedMutation;
    use linli_core::{TaskStatus, TimeRange, WeeklyAvailability};

    use super::*;
    use crate::storage::{PrincipalRole, Storage};

    /// The demo village in a fresh database; `token(role, subject)` issues a token in it.
    struct DemoDb {
        _dir: tempfile::TempDir,
        storage: Storage,
        demo: linli_core::demo::DemoVillage,
    }

    impl DemoDb {
        fn open() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let storage = Storage::open(&dir.path().join("db.sqlite3")).expect("open");
            let params = DemoParams::village();
            crate::demo::load(&storage, &params).expect("demo");
            DemoDb {
                _dir: dir,
                storage,
                demo: generate(&params),
            }
        }

        fn principal(&self, role: PrincipalRole, subject: &str) -> Principal {
            Principal {
                village_id: self.demo.village.id.as_str().to_owned(),
                role,
                subject: subject.into(),
            }
        }

        fn token(&self, role: PrincipalRole, subject: &str) -> String {
            self.storage
                .issue_token(&self.principal(role, subject), "test")
                .expect("token")
        }
    }

    /// A request answered whole (as from an app before paging), unless the test asks for pages.
    fn request(client: &str, cookie: Option<u64>, mutations: Vec<PushedMutation>) -> SyncRequest {
        SyncRequest {
            max_records: None,
            ..SyncRequest::new(client, cookie, mutations)
        }
    }

    fn pushed(id: u64, mutation: &Mutation) -> PushedMutation {
        PushedMutation::new(id, mutation, None)
    }

    /// A sign-up re-stamps its task so every device re-evaluates it; a device that holds the
    /// task unchanged is not sent it again, but a real change of the task still reaches it.
    #[test]
    fn a_record_re_stamped_for_visibility_only_is_not_sent_again() {
        let db = DemoDb::open();
        let (storage, demo) = (&db.storage, &db.demo);
        let token = |role, subject: &str| db.token(role, subject);
        let (first, second) = (&demo.volunteers[0], &demo.volunteers[1]);
        let signer = token(PrincipalRole::Volunteer, first.id.as_str());
        let watcher = token(PrincipalRole::Volunteer, second.id.as_str());
        let coordinator = token(PrincipalRole::Coordinator, "c-test");

        let reset = storage
            .sync(&watcher, &request("watcher", None, vec![]))
            .expect("reset");
        let held: Vec<String> = reset
            .patch
            .iter()
            .filter_map(|op| match op {
                PatchOp::Put { key, .. } => Some(key.clone()),
                PatchOp::Del { .. } => None,
            })
            .collect();

        // The signer frees its week, then signs up for the first visible open task it may take.
        let mut volunteer = first.clone();
        let all_day = TimeRange::new(0, 1440).expect("range");
        volunteer.availability =
            WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
        volunteer.max_hours_per_week = 80;
        let mut mutations = vec![pushed(1, &Mutation::UpdateProfile { volunteer })];
        let open: Vec<&linli_core::Task> = demo
            .tasks
            .iter()
            .filter(|t| {
                t.status == TaskStatus::Open && held.contains(&format!("task/{}", t.id.as_str()))
            })
            .collect();
        for (i, task) in open.iter().enumerate().take(20) {
            mutations.push(pushed(
                i as u64 + 2,
                &Mutation::SignUp {
                    task: task.id.clone(),
                },
            ));
        }
        let pushed_response = storage
            .sync(&signer, &request("signer", None, mutations))
            .expect("push");
        let signed: Vec<&linli_core::Task> = pushed_response
            .results
            .iter()
            .filter(|r| r.id >= 2 && r.status == ResultStatus::Applied)
            .map(|r| open[r.id as usize - 2])
            .collect();
        let task = signed.first().expect("a sign-up applied");
        let key = format!("task/{}", task.id.as_str());

        let pulled = storage
            .sync(&watcher, &request("watcher", Some(reset.cookie), vec![]))
            .expect("pull");
        assert!(!pulled.reset);
        let puts = |patch: &[PatchOp]| -> Vec<String> {
            patch
                .iter()
                .filter_map(|op| match op {
                    PatchOp::Put { key, .. } => Some(key.clone()),
                    PatchOp::Del { .. } => None,
                })
                .collect()
        };
        assert!(
            !puts(&pulled.patch).contains(&key),
            "{:?}",
            puts(&pulled.patch)
        );

        let mut changed = (*task).clone();
        changed.title = "改期".into();
        let update = storage
            .sync(
                &coordinator,
                &request(
                    "coordinator",
                    None,
                    vec![pushed(1, &Mutation::UpdateTask { task: changed })],
                ),
            )
            .expect("update");
        assert_eq!(update.results[0].status, ResultStatus::Applied);
        let pulled = storage
            .sync(&watcher, &request("watcher", Some(pulled.cookie), vec![]))
            .expect("pull");
        assert!(
            puts(&pulled.patch).contains(&key),
            "{:?}",
            puts(&pulled.patch)
        );
    }

    /// Syncs `device` with pages of `page` records until its pull is complete, calling `between`
    /// after each page but the last; returns the answers.
    fn pull_in_pages(
        storage: &Storage,
        token: &str,
        device: &mut linli_core::sync::Replica,
        page: u32,
        mut between: impl FnMut(usize),
    ) -> Vec<SyncResponse> {
        let mut answers = Vec::new();
        loop {
            let request = SyncRequest {
                max_records: Some(page),
                ..device.sync_request()
            };
            let answer = storage.sync(token, &request).expect("sync");
            assert!(
                answer.patch.len() <= page as usize,
                "{}",
                answer.patch.len()
            );
            device.apply_response(&answer).expect("apply");
            answers.push(answer);
            if !device.catching_up() {
                return answers;
            }
            between(answers.len());
        }
    }

    /// A reset and a catch-up, each in pages while another coordinator edits tasks already
    /// sent and not yet sent: the device ends with exactly what it may see.
    #[test]
    fn a_pull_in_pages_ends_with_everything_even_when_records_change_between_pages() {
        let db = DemoDb::open();
        let (storage, demo) = (&db.storage, &db.demo);
        let principal = db.principal(PrincipalRole::Coordinator, "c-test");
        let reader = storage.issue_token(&principal, "reader").expect("token");
        let writer = storage.issue_token(&principal, "writer").expect("token");
        let actor = principal.actor();
        let mut tasks = demo.tasks.clone();
        tasks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut writes = 0;
        let mut edit = |task: &linli_core::Task, title: &str| {
            let mut task = task.clone();
            task.title = title.into();
            writes += 1;
            let answer = storage
                .sync(
                    &writer,
                    &request(
                        "writer",
                        None,
                        vec![pushed(writes, &Mutation::UpdateTask { task })],
                    ),
                )
                .expect("edit");
            assert_eq!(answer.results[0].status, ResultStatus::Applied);
        };

        let mut device = linli_core::sync::Replica::new("reader");
        let (first, last) = (&tasks[0], &tasks[tasks.len() - 1]);
        let answers = pull_in_pages(storage, &reader, &mut device, 50, |page| {
            if page == 3 {
                // `task/` keys sort after the beneficiaries: the first task may not be sent yet
                // on page 3, so edit after the task pages began too.
                edit(first, "第一个改了");
                edit(last, "最后一个改了");
            }
            if page == 12 {
                edit(first, "又改了");
            }
        });
        assert!(answers.len() > 12, "{} pages", answers.len());
        assert!(answers[0].reset && answers[1..].iter().all(|a| !a.reset));
        let whole = storage.visible_records(&actor).expect("visible");
        assert_eq!(device.snapshot, whole);
        let title = |key: &str| {
            whole
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v["title"].clone())
        };
        assert_eq!(
            title(&format!("task/{}", first.id.as_str())),
            Some("又改了".into())
        );

        // A catch-up of many changes, in pages, reaches the same end.
        for (i, task) in tasks.iter().enumerate().take(120) {
            edit(task, &format!("第{i}次"));
        }
        let answers = pull_in_pages(storage, &reader, &mut device, 50, |_| {});
        assert_eq!(answers.len(), 3, "120 changed tasks in pages of 50");
        assert!(answers.iter().all(|a| !a.reset));
        assert_eq!(
            device.snapshot,
            storage.visible_records(&actor).expect("visible")
        );
    }

    /// A device that applies an older page after a newer one (an answer delayed in the network)
    /// resumes from the wrong place: the server answers with a reset, never with a gap.
    #[test]
    fn resuming_from_anywhere_but_the_last_answer_gets_a_reset() {
        let db = DemoDb::open();
        let storage = &db.storage;
        let token = db.token(PrincipalRole::Coordinator, "c-test");
        let paged = |cookie: Option<u64>, resume: Option<PullCursor>| SyncRequest {
            max_records: Some(20),
            resume,
            ..request("reader", cookie, vec![])
        };
        let first = storage.sync(&token, &paged(None, None)).expect("page 1");
        let second = storage
            .sync(&token, &paged(Some(first.cookie), first.more.clone()))
            .expect("page 2");
        assert!(!second.reset && second.more.is_some());
        // Page 1's place again, though page 2 was given out.
        let again = storage
            .sync(&token, &paged(Some(first.cookie), first.more.clone()))
            .expect("stale resume");
        assert!(again.reset, "a stale resume must restart the pull");
        // And a request without the resume it was given.
        let without = storage
            .sync(&token, &paged(Some(again.cookie), None))
            .expect("no resume");
        assert!(without.reset);
    }
}
