//! The JSON of `POST /api/v1/sync` and `POST /api/v1/join`, shared by the server and the app.
//! Described for people in `docs/sync-protocol.md`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::apply::{Outcome, RejectCode};
use super::mutation::Mutation;
use crate::matching::Ineligibility;

/// Bumped when the shape of records or of this protocol changes incompatibly; a device with
/// another version gets `reset: true` after its pending mutations are handled.
pub const SCHEMA_VERSION: u32 = 1;

/// The most mutations one sync request may push; a device with more pending pushes the oldest
/// this many and the rest in the following requests.
pub const MAX_MUTATIONS_PER_REQUEST: usize = 100;

/// The most records (puts and deletes) one answer carries when the device asks for pages
/// (`max_records`). A coordinator's first sync of a district is thousands of records: in pages
/// a weak signal can carry each answer, and a dropped connection loses one page, not all.
pub const MAX_RECORDS_PER_PAGE: usize = 1000;

/// A device's push and pull in one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Random id the device chose once; its mutations are numbered per client id.
    pub client_id: String,
    pub schema_version: u32,
    /// The `cookie` of the last response this device applied; `null` on first sync.
    pub cookie: Option<u64>,
    /// Pending mutations in id order (1, 2, 3, ... per client id).
    #[serde(default)]
    pub mutations: Vec<PushedMutation>,
    /// The highest `last_mutation_id` this device has received: it has dropped every mutation
    /// up to it and can never send them again. A server restored from an older backup has
    /// forgotten some of them and, without this, would wait forever for the gap to fill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_mutation_id: Option<u64>,
    /// Answer in pages of at most this many records (1..=[`MAX_RECORDS_PER_PAGE`]); more is a
    /// `400` naming the limit. Left out (apps from before paging), the whole pull comes in one
    /// answer: such an app would not ask for the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_records: Option<u32>,
    /// The `more` of the last answer: where the pull it began goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<PullCursor>,
}

impl SyncRequest {
    /// A request of this protocol version, asking for pages of the largest size.
    pub fn new(
        client_id: impl Into<String>,
        cookie: Option<u64>,
        mutations: Vec<PushedMutation>,
    ) -> Self {
        SyncRequest {
            client_id: client_id.into(),
            schema_version: SCHEMA_VERSION,
            cookie,
            mutations,
            acked_mutation_id: None,
            max_records: Some(MAX_RECORDS_PER_PAGE as u32),
            resume: None,
        }
    }
}

/// Where a paged pull goes on: the records after key `after` (in key order) of the set the pull
/// began with: every live record (`since: null`, a reset) or those changed after version
/// `since`. Changes made meanwhile to records before `after` come with the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullCursor {
    pub after: String,
    #[serde(default)]
    pub since: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedMutation {
    pub id: u64,
    pub name: String,
    pub args: Value,
    /// The device clock when the user acted: kept for the record, never used for ordering
    /// (cheap phones' clocks are often wrong by days).
    #[serde(default)]
    pub client_time: Option<String>,
}

impl PushedMutation {
    /// `mutation` as the wire carries it, numbered `id`.
    pub fn new(id: u64, mutation: &Mutation, client_time: Option<String>) -> Self {
        PushedMutation {
            id,
            name: mutation.name().to_owned(),
            args: mutation.args(),
            client_time,
        }
    }
}

// Responses accept unknown fields: an app cached by the service worker must keep syncing
// with a newer server that added one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Pass back next time. Never goes backwards.
    pub cookie: u64,
    /// The highest mutation id of this client the server has processed (applied or rejected).
    pub last_mutation_id: u64,
    /// `true`: replace the local snapshot with `patch` instead of applying it on top.
    pub reset: bool,
    pub patch: Vec<PatchOp>,
    /// One entry per mutation processed in this request.
    pub results: Vec<MutationResult>,
    /// Set when the pull did not fit in one page: send it back as `resume`, at once, to get the
    /// rest. Until then the device does not have everything `cookie` stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<PullCursor>,
    /// The `resume` of the request this answers (a page after the first). A device applies a
    /// page only to the pull it belongs to: a delayed answer of an earlier pull (a duplicate, a
    /// reply that overtook another) would otherwise leave a gap no cookie shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<PullCursor>,
}

/// A change to the device's snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PatchOp {
    Put { key: String, value: Value },
    Del { key: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Applied,
    Rejected,
}

// Responses accept unknown fields: an app cached by the service worker must keep syncing
// with a newer server that added one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub id: u64,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MutationError>,
}

/// Why a mutation was rejected: a stable `code` for the app to translate, an English `message`,
/// and for `not_eligible` the structured reasons.
// Responses accept unknown fields: an app cached by the service worker must keep syncing
// with a newer server that added one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationError {
    pub code: RejectCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Ineligibility>,
}

/// `POST /api/v1/join`: a new volunteer joins a village with an invite code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub invite_code: String,
    pub name: String,
    pub phone: String,
    /// The village group they live in (an id from the village record).
    #[serde(default)]
    pub group: Option<String>,
    /// Made by the phone once per join; a retry with the same id (the first answer was lost)
    /// gets the volunteer created the first time, with a fresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `POST /api/v1/invite`: what an invite code opens, asked before joining so the form can
/// say at once that a code is wrong and offer the village's groups to pick from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub invite_code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteResponse {
    pub village_name: String,
    pub groups: Vec<InviteGroup>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteGroup {
    pub id: String,
    pub name: String,
}

/// The device keeps `token` (never shown) and sends it as `Authorization: Bearer <token>`.
// Responses accept unknown fields: an app cached by the service worker must keep syncing
// with a newer server that added one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub token: String,
    pub volunteer_id: String,
    pub village_id: String,
}

/// `POST /api/v1/login`: a coordinator exchanges the one-time code from their login link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub code: String,
}

// Responses accept unknown fields: an app cached by the service worker must keep syncing
// with a newer server that added one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub coordinator_id: String,
    pub village_id: String,
}
