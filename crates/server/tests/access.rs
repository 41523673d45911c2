//! Issue 8, item 7 (access), against the real binary on loopback with a real SQLite file:
//!
//! - every mutation in `Mutation::NAMES` against every role ([`MATRIX`]: one line per cell);
//! - every record kind in `RecordKind::ALL` against every role, read from the raw body of a full
//!   pull and compared with the design's rules restated here ([`volunteer_may_see`]): card codes
//!   reach coordinators only, a time-bank account's lines its holder and the coordinators;
//! - a coordinator's `GET /api/v1/devices` and `POST /api/v1/devices/revoke`.
//!
//! Village A is the demo village (`--demo`, 300 volunteers); village B is made with `linli-server
//! admin create-village`, `add-coordinator` and `create-invite`, so "the other village" has real
//! people with real tokens. The records the matrix aims at are all village A's.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use linli_core::sync::protocol::{
    PatchOp, PushedMutation, ResultStatus, SyncRequest, SyncResponse,
};
use linli_core::sync::RejectCode::{self, Forbidden, InvalidArgs, NotFound};
use linli_core::sync::{Mutation, RecordKind};
use linli_core::{
    Audience, Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPrivate, Message, MessageId,
    NaiveDate, Task, TaskId, TaskKind, TimeDelta, TimeRange, VillageGroupId, Volunteer,
    VolunteerId, WeeklyAvailability,
};
use linli_server::api::DevicesResponse;
use linli_server::storage::hash_secret;
use serde_json::{json, Value};
use support::{http_client, post, scratch_dir, Server};

/// Who is asking. "Own village" is village A, whose records the mutations name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// No `Authorization` header.
    Anonymous,
    /// A volunteer of village A: the one the records are about (their profile, sign-ups,
    /// check-ins).
    Volunteer,
    /// Another volunteer of village A.
    Fellow,
    /// A volunteer of village B.
    OtherVolunteer,
    /// Village A's coordinator.
    Coordinator,
    /// Village B's coordinator.
    OtherCoordinator,
    /// A coordinator of village A whose token was revoked (`admin revoke`).
    Revoked,
}
use Who::*;

const EVERYONE: [Who; 7] = [
    Anonymous,
    Volunteer,
    Fellow,
    OtherVolunteer,
    Coordinator,
    OtherCoordinator,
    Revoked,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// HTTP 401 `unauthorized`: nothing is read or written.
    Unauthorized,
    /// `results[0].status == "rejected"` with this code; neither village changes.
    Rejected(RejectCode),
    /// Applied, in the actor's own village (the token decides where; the other village does not
    /// change).
    Applied,
}
use Expect::*;

/// What the design (`linli_core::sync::apply`) says for each mutation and each role. The
/// arguments are [`mutation`]'s: village A's records, the same for everyone.
#[rustfmt::skip]
const MATRIX: &[(&str, Who, Expect)] = &[
    // update_profile: the volunteer's own profile, with other weekly hours.
    ("update_profile", Anonymous, Unauthorized),
    ("update_profile", Volunteer, Applied), // their own profile
    ("update_profile", Fellow, Rejected(Forbidden)), // someone else's profile
    ("update_profile", OtherVolunteer, Rejected(Forbidden)), // refused by role, before any look-up
    ("update_profile", Coordinator, Applied),
    ("update_profile", OtherCoordinator, Rejected(NotFound)), // no such volunteer in their village
    ("update_profile", Revoked, Unauthorized),
    // create_task: a new task for one of village A's beneficiaries.
    ("create_task", Anonymous, Unauthorized),
    ("create_task", Volunteer, Rejected(Forbidden)),
    ("create_task", Fellow, Rejected(Forbidden)),
    ("create_task", OtherVolunteer, Rejected(Forbidden)),
    ("create_task", Coordinator, Applied),
    ("create_task", OtherCoordinator, Rejected(NotFound)), // the beneficiary is not in their village
    ("create_task", Revoked, Unauthorized),
    // update_task: an open task of village A, retitled.
    ("update_task", Anonymous, Unauthorized),
    ("update_task", Volunteer, Rejected(Forbidden)),
    ("update_task", Fellow, Rejected(Forbidden)),
    ("update_task", OtherVolunteer, Rejected(Forbidden)),
    ("update_task", Coordinator, Applied),
    ("update_task", OtherCoordinator, Rejected(NotFound)), // no such task in their village
    ("update_task", Revoked, Unauthorized),
    // cancel_task: an open task of village A.
    ("cancel_task", Anonymous, Unauthorized),
    ("cancel_task", Volunteer, Rejected(Forbidden)),
    ("cancel_task", Fellow, Rejected(Forbidden)),
    ("cancel_task", OtherVolunteer, Rejected(Forbidden)),
    ("cancel_task", Coordinator, Applied),
    ("cancel_task", OtherCoordinator, Rejected(NotFound)),
    ("cancel_task", Revoked, Unauthorized),
    // sign_up: an open task of village A with three places.
    ("sign_up", Anonymous, Unauthorized),
    ("sign_up", Volunteer, Applied),
    ("sign_up", Fellow, Applied), // any volunteer of the village may take an open task
    ("sign_up", OtherVolunteer, Rejected(NotFound)), // the task does not exist in their village
    ("sign_up", Coordinator, Rejected(Forbidden)), // a coordinator assigns instead
    ("sign_up", OtherCoordinator, Rejected(Forbidden)), // refused by role first
    ("sign_up", Revoked, Unauthorized),
    // withdraw: a task the volunteer signed up for.
    ("withdraw", Anonymous, Unauthorized),
    ("withdraw", Volunteer, Applied),
    ("withdraw", Fellow, Rejected(NotFound)), // withdraw acts on one's own sign-up: they have none
    ("withdraw", OtherVolunteer, Rejected(NotFound)),
    ("withdraw", Coordinator, Rejected(Forbidden)), // a coordinator unassigns instead
    ("withdraw", OtherCoordinator, Rejected(Forbidden)),
    ("withdraw", Revoked, Unauthorized),
    // assign: the volunteer onto an open task of village A.
    ("assign", Anonymous, Unauthorized),
    ("assign", Volunteer, Rejected(Forbidden)), // not even themselves: they sign up
    ("assign", Fellow, Rejected(Forbidden)),
    ("assign", OtherVolunteer, Rejected(Forbidden)),
    ("assign", Coordinator, Applied),
    ("assign", OtherCoordinator, Rejected(NotFound)), // no such task in their village
    ("assign", Revoked, Unauthorized),
    // unassign: the volunteer off a task the coordinator assigned them to.
    ("unassign", Anonymous, Unauthorized),
    ("unassign", Volunteer, Rejected(Forbidden)), // they withdraw instead
    ("unassign", Fellow, Rejected(Forbidden)),
    ("unassign", OtherVolunteer, Rejected(Forbidden)),
    ("unassign", Coordinator, Applied),
    ("unassign", OtherCoordinator, Rejected(NotFound)), // no such sign-up in their village
    ("unassign", Revoked, Unauthorized),
    // create_beneficiary: a new beneficiary with private fields.
    ("create_beneficiary", Anonymous, Unauthorized),
    ("create_beneficiary", Volunteer, Rejected(Forbidden)),
    ("create_beneficiary", Fellow, Rejected(Forbidden)),
    ("create_beneficiary", OtherVolunteer, Rejected(Forbidden)),
    ("create_beneficiary", Coordinator, Applied),
    ("create_beneficiary", OtherCoordinator, Applied), // in their own village B: A gets nothing
    ("create_beneficiary", Revoked, Unauthorized),
    // update_beneficiary: one of village A's beneficiaries, renamed.
    ("update_beneficiary", Anonymous, Unauthorized),
    ("update_beneficiary", Volunteer, Rejected(Forbidden)),
    ("update_beneficiary", Fellow, Rejected(Forbidden)),
    ("update_beneficiary", OtherVolunteer, Rejected(Forbidden)),
    ("update_beneficiary", Coordinator, Applied),
    ("update_beneficiary", OtherCoordinator, Rejected(NotFound)),
    ("update_beneficiary", Revoked, Unauthorized),
    // check_in: a task the volunteer is confirmed on.
    ("check_in", Anonymous, Unauthorized),
    ("check_in", Volunteer, Applied),
    ("check_in", Fellow, Rejected(Forbidden)), // not confirmed on the task
    ("check_in", OtherVolunteer, Rejected(NotFound)), // no such task in their village
    ("check_in", Coordinator, Rejected(Forbidden)), // only the volunteer checks in
    ("check_in", OtherCoordinator, Rejected(Forbidden)),
    ("check_in", Revoked, Unauthorized),
    // check_out: a task the volunteer checked in on.
    ("check_out", Anonymous, Unauthorized),
    ("check_out", Volunteer, Applied),
    // Check-out acts on one's own record of the task; they have none: "check in first".
    ("check_out", Fellow, Rejected(InvalidArgs)),
    ("check_out", OtherVolunteer, Rejected(InvalidArgs)), // likewise (none in their village)
    ("check_out", Coordinator, Rejected(Forbidden)),
    ("check_out", OtherCoordinator, Rejected(Forbidden)),
    ("check_out", Revoked, Unauthorized),
    // save_visit_note: a task the volunteer checked in on.
    ("save_visit_note", Anonymous, Unauthorized),
    ("save_visit_note", Volunteer, Applied),
    ("save_visit_note", Fellow, Rejected(InvalidArgs)), // own record only: "check in first"
    ("save_visit_note", OtherVolunteer, Rejected(InvalidArgs)), // likewise
    ("save_visit_note", Coordinator, Rejected(Forbidden)),
    ("save_visit_note", OtherCoordinator, Rejected(Forbidden)),
    ("save_visit_note", Revoked, Unauthorized),
    // post_message: a notice to the people of one of village A's tasks.
    ("post_message", Anonymous, Unauthorized),
    ("post_message", Volunteer, Rejected(Forbidden)),
    ("post_message", Fellow, Rejected(Forbidden)),
    ("post_message", OtherVolunteer, Rejected(Forbidden)),
    ("post_message", Coordinator, Applied),
    ("post_message", OtherCoordinator, Rejected(NotFound)), // the task is not in their village
    ("post_message", Revoked, Unauthorized),
    // set_card_code: the card of village A's beneficiary (the same code again).
    ("set_card_code", Anonymous, Unauthorized),
    ("set_card_code", Volunteer, Rejected(Forbidden)), // not even for the elder they visit
    ("set_card_code", Fellow, Rejected(Forbidden)),
    ("set_card_code", OtherVolunteer, Rejected(Forbidden)),
    ("set_card_code", Coordinator, Applied),
    ("set_card_code", OtherCoordinator, Rejected(NotFound)), // no such beneficiary in their village
    ("set_card_code", Revoked, Unauthorized),
    // confirm_visit: the right code, on a task the volunteer checked in on.
    ("confirm_visit", Anonymous, Unauthorized),
    ("confirm_visit", Volunteer, Applied),
    ("confirm_visit", Fellow, Rejected(InvalidArgs)), // own record only: "check in first"
    ("confirm_visit", OtherVolunteer, Rejected(NotFound)), // no such task in their village
    ("confirm_visit", Coordinator, Rejected(Forbidden)), // the visitor co-signs; a coordinator confirms
    ("confirm_visit", OtherCoordinator, Rejected(Forbidden)),
    ("confirm_visit", Revoked, Unauthorized),
    // confirm_service: the volunteer's checked-out record, confirmed by hand.
    ("confirm_service", Anonymous, Unauthorized),
    ("confirm_service", Volunteer, Rejected(Forbidden)), // no vouching for oneself
    ("confirm_service", Fellow, Rejected(Forbidden)),
    ("confirm_service", OtherVolunteer, Rejected(Forbidden)),
    ("confirm_service", Coordinator, Applied),
    ("confirm_service", OtherCoordinator, Rejected(NotFound)), // no such record in their village
    ("confirm_service", Revoked, Unauthorized),
    // dispute_service: the same record, with a reason.
    ("dispute_service", Anonymous, Unauthorized),
    ("dispute_service", Volunteer, Rejected(Forbidden)),
    ("dispute_service", Fellow, Rejected(Forbidden)),
    ("dispute_service", OtherVolunteer, Rejected(Forbidden)),
    ("dispute_service", Coordinator, Applied),
    ("dispute_service", OtherCoordinator, Rejected(NotFound)),
    ("dispute_service", Revoked, Unauthorized),
    // reopen_confirmation: the same record.
    ("reopen_confirmation", Anonymous, Unauthorized),
    ("reopen_confirmation", Volunteer, Rejected(Forbidden)), // a locked record stays locked for them
    ("reopen_confirmation", Fellow, Rejected(Forbidden)),
    ("reopen_confirmation", OtherVolunteer, Rejected(Forbidden)),
    ("reopen_confirmation", Coordinator, Applied),
    ("reopen_confirmation", OtherCoordinator, Rejected(NotFound)),
    ("reopen_confirmation", Revoked, Unauthorized),
    // approve_service: the same record's hours (credits the volunteer).
    ("approve_service", Anonymous, Unauthorized),
    ("approve_service", Volunteer, Rejected(Forbidden)), // nobody approves their own hours
    ("approve_service", Fellow, Rejected(Forbidden)),
    ("approve_service", OtherVolunteer, Rejected(Forbidden)),
    ("approve_service", Coordinator, Applied),
    ("approve_service", OtherCoordinator, Rejected(NotFound)),
    ("approve_service", Revoked, Unauthorized),
    // adjust_service: the same record, other minutes and a reason.
    ("adjust_service", Anonymous, Unauthorized),
    ("adjust_service", Volunteer, Rejected(Forbidden)),
    ("adjust_service", Fellow, Rejected(Forbidden)),
    ("adjust_service", OtherVolunteer, Rejected(Forbidden)),
    ("adjust_service", Coordinator, Applied),
    ("adjust_service", OtherCoordinator, Rejected(NotFound)),
    ("adjust_service", Revoked, Unauthorized),
    // reject_service: the same record, with a reason (takes the credits back).
    ("reject_service", Anonymous, Unauthorized),
    ("reject_service", Volunteer, Rejected(Forbidden)),
    ("reject_service", Fellow, Rejected(Forbidden)),
    ("reject_service", OtherVolunteer, Rejected(Forbidden)),
    ("reject_service", Coordinator, Applied),
    ("reject_service", OtherCoordinator, Rejected(NotFound)),
    ("reject_service", Revoked, Unauthorized),
    // record_no_show: a task the volunteer is confirmed on and never checked in.
    ("record_no_show", Anonymous, Unauthorized),
    ("record_no_show", Volunteer, Rejected(Forbidden)),
    ("record_no_show", Fellow, Rejected(Forbidden)),
    ("record_no_show", OtherVolunteer, Rejected(Forbidden)),
    ("record_no_show", Coordinator, Applied),
    ("record_no_show", OtherCoordinator, Rejected(NotFound)), // nobody on such a task there
    ("record_no_show", Revoked, Unauthorized),
    // transfer_credits: 0.10 credits to village A's beneficiary (the volunteer has 1.00).
    ("transfer_credits", Anonymous, Unauthorized),
    ("transfer_credits", Volunteer, Applied),
    ("transfer_credits", Fellow, Rejected(InvalidArgs)), // no credits to give
    ("transfer_credits", OtherVolunteer, Rejected(NotFound)), // no such account in their village
    ("transfer_credits", Coordinator, Rejected(Forbidden)), // coordinators hold no account
    ("transfer_credits", OtherCoordinator, Rejected(Forbidden)),
    ("transfer_credits", Revoked, Unauthorized),
    // redeem_credits: 0.10 credits for a meal delivery.
    ("redeem_credits", Anonymous, Unauthorized),
    ("redeem_credits", Volunteer, Applied),
    ("redeem_credits", Fellow, Rejected(InvalidArgs)), // nothing to spend
    ("redeem_credits", OtherVolunteer, Rejected(InvalidArgs)), // nothing to spend either
    ("redeem_credits", Coordinator, Rejected(Forbidden)),
    ("redeem_credits", OtherCoordinator, Rejected(Forbidden)),
    ("redeem_credits", Revoked, Unauthorized),
];

/// The one expected outcome of a cell; fails when a mutation or role has no line (or two).
fn expected(name: &str, who: Who) -> Expect {
    let cells: Vec<Expect> = MATRIX
        .iter()
        .filter(|(n, w, _)| *n == name && *w == who)
        .map(|(_, _, e)| *e)
        .collect();
    assert_eq!(
        cells.len(),
        1,
        "MATRIX needs exactly one line for {name} × {who:?}, has {}",
        cells.len()
    );
    cells[0]
}

// ---------------------------------------------------------------------------------------------
// The two villages and their people

const DEMO_INVITE: &str = "DEMO-2026";
const VILLAGE_B: &str = "vil-east";
const VILLAGE_B_NAME: &str = "东湖村";

/// One person's device: their token (none for [`Anonymous`]), client id, mutation ids, cookie.
struct Device {
    who: Who,
    token: Option<String>,
    client_id: String,
    next_id: u64,
    cookie: Option<u64>,
    village: String,
    volunteer_id: Option<String>,
}

impl Device {
    fn new(who: Who, token: Option<String>, client_id: &str, village: &str) -> Device {
        Device {
            who,
            token,
            client_id: client_id.to_owned(),
            next_id: 1,
            cookie: None,
            village: village.to_owned(),
            volunteer_id: None,
        }
    }

    fn me(&self) -> &str {
        self.volunteer_id.as_deref().expect("a volunteer")
    }

    /// One sync with `cookie` (`None`: a full pull): (status, raw body).
    async fn sync_raw(
        &mut self,
        w: &World,
        mutations: &[Mutation],
        cookie: Option<u64>,
    ) -> (u16, String) {
        let first = self.next_id;
        let mut request = SyncRequest::new(
            self.client_id.clone(),
            cookie,
            mutations
                .iter()
                .enumerate()
                .map(|(i, m)| PushedMutation::new(first + i as u64, m, None))
                .collect(),
        );
        // No pages: the readable side reads a full pull's raw body as one answer.
        request.max_records = None;
        let body = serde_json::to_value(&request).expect("encode");
        let (status, text) = post(
            &w.http,
            &w.server.base,
            "/api/v1/sync",
            self.token.as_deref(),
            &body,
        )
        .await
        .expect("an answer");
        if status == 200 {
            let response: SyncResponse = serde_json::from_str(&text).expect("sync response");
            self.next_id = response.last_mutation_id + 1;
            self.cookie = Some(response.cookie);
        }
        (status, text)
    }

    /// Pushes `mutations` (incremental pull) and requires every one applied.
    async fn apply(&mut self, w: &World, mutations: &[Mutation]) -> SyncResponse {
        let (status, text) = self.sync_raw(w, mutations, self.cookie).await;
        assert_eq!(status, 200, "{:?}: {text}", self.who);
        let response: SyncResponse = serde_json::from_str(&text).expect("sync response");
        assert_eq!(response.results.len(), mutations.len(), "{text}");
        for (result, mutation) in response.results.iter().zip(mutations) {
            assert_eq!(
                result.status,
                ResultStatus::Applied,
                "{:?} setup {}: {:?}",
                self.who,
                mutation.name(),
                result.error
            );
        }
        response
    }

    /// A full pull (`cookie: null`): (status, raw body).
    async fn full_pull(&mut self, w: &World) -> (u16, String) {
        self.sync_raw(w, &[], None).await
    }

    /// An incremental pull: the keys that changed since the last one, and the new cookie.
    async fn changes(&mut self, w: &World) -> (Vec<String>, u64) {
        let (status, text) = self.sync_raw(w, &[], self.cookie).await;
        assert_eq!(status, 200, "{text}");
        let response: SyncResponse = serde_json::from_str(&text).expect("sync response");
        assert!(
            !response.reset,
            "{:?}: the watcher's pull is incremental",
            self.who
        );
        let keys = response
            .patch
            .iter()
            .map(|op| match op {
                PatchOp::Put { key, .. } | PatchOp::Del { key } => key.clone(),
            })
            .collect();
        (keys, response.cookie)
    }

    /// The volunteer's own profile as the server has it.
    async fn profile(&mut self, w: &World) -> Volunteer {
        let (status, text) = self.full_pull(w).await;
        assert_eq!(status, 200, "{text}");
        let records = records(&text);
        let key = format!("volunteer/{}", self.me());
        serde_json::from_value(records[&key].clone()).expect("profile")
    }
}

struct World {
    server: Server,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
    village_a: String,
    devices: BTreeMap<Who, Device>,
    /// Village B's second volunteer (for the readable side).
    other_fellow: Device,
    /// The revoked coordinator's token and id.
    revoked_token: String,
    revoked_id: String,
}

impl World {
    /// Takes a device out to drive it against `self` (put back with [`World::put`]).
    fn take(&mut self, who: Who) -> Device {
        self.devices.remove(&who).expect("device")
    }

    fn put(&mut self, device: Device) {
        self.devices.insert(device.who, device);
    }
}

/// `linli-server admin --db DB ARGS`, which must succeed: its stdout.
fn admin(db: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = support::admin(db, args);
    assert!(ok, "admin {args:?}: {stdout}{stderr}");
    stdout
}

/// The rest of the line of `out` that starts with `prefix`.
fn line(out: &str, prefix: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {out}"))
        .trim()
        .to_owned()
}

async fn join(http: &reqwest::Client, base: &str, code: &str, name: &str, phone: &str) -> Value {
    let body = json!({"invite_code": code, "name": name, "phone": phone});
    let (status, text) = post(http, base, "/api/v1/join", None, &body)
        .await
        .expect("join");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("join response")
}

async fn login(http: &reqwest::Client, base: &str, code: &str) -> (String, String) {
    let (token, actor) = support::login(http, base, code).await;
    (token, actor.village.as_str().to_owned())
}

/// A free week and room for many one-hour tasks, so the matching rules let the volunteer take
/// every task of the tests.
fn free_all_week(mut volunteer: Volunteer) -> Volunteer {
    let all_day = TimeRange::new(0, 1440).expect("range");
    volunteer.availability =
        WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
    volunteer.max_hours_per_week = 40;
    volunteer
}

/// The volunteers the tests add, with names and phones that do not occur in the demo. `None`:
/// village B's second volunteer, who has no role in the mutation matrix (the readable side
/// uses them as village B's fellow).
const PEOPLE: [(Option<Who>, &str, &str); 4] = [
    (Some(Volunteer), "欧阳晓岚", "13911110001"),
    (Some(Fellow), "司马思远", "13911110002"),
    (Some(OtherVolunteer), "诸葛海燕", "13922220001"),
    (None, "上官建国", "13922220002"),
];

/// Starts the server on the demo village, makes village B with the admin commands, and gives
/// everyone a device; volunteers are made free all week. The revoked coordinator synced once
/// before being revoked.
async fn setup() -> World {
    let dir = scratch_dir();
    let db = dir.path().join("linli.sqlite3");
    // Many syncs per token (the watchers share the coordinators' tokens): no rate limit.
    let server = Server::start_with_args(&db, &["--sync-rate-limit", "0"]);
    let http = http_client();
    let base = server.base.clone();

    let created = admin(
        &db,
        &[
            "create-village",
            "--id",
            VILLAGE_B,
            "--name",
            VILLAGE_B_NAME,
            "--group",
            "东湖一组",
        ],
    );
    assert!(created.contains(VILLAGE_B), "{created}");
    let added = admin(
        &db,
        &[
            "add-coordinator",
            "--village",
            VILLAGE_B,
            "--name",
            "钱主任",
        ],
    );
    let b_login = line(&added, "login code:");
    let invited = admin(&db, &["create-invite", "--village", VILLAGE_B]);
    let b_invite = line(&invited, "invite code (valid 14 days):");

    let (a_token, village_a) = login(&http, &base, &server.login_code).await;
    let (b_token, village_b) = login(&http, &base, &b_login).await;
    assert_eq!(village_b, VILLAGE_B);
    assert_ne!(village_a, village_b);

    // A second coordinator of village A, who logs in, syncs, and is revoked.
    let added = admin(
        &db,
        &[
            "add-coordinator",
            "--village",
            &village_a,
            "--name",
            "离任协调员",
        ],
    );
    let revoked_id = line(&added, "coordinator:");
    let (revoked_token, _) = login(&http, &base, &line(&added, "login code:")).await;

    let mut w = World {
        server,
        _dir: dir,
        http,
        village_a: village_a.clone(),
        devices: BTreeMap::new(),
        other_fellow: Device::new(OtherVolunteer, None, "phone-b2", VILLAGE_B),
        revoked_token: revoked_token.clone(),
        revoked_id: revoked_id.clone(),
    };
    let mut revoked = Device::new(Revoked, Some(revoked_token), "revoked-desk", &village_a);
    let (status, text) = revoked.full_pull(&w).await;
    assert_eq!(status, 200, "the token worked before: {text}");
    let out = admin(
        &db,
        &[
            "revoke",
            "--token-of",
            &format!("coordinator:{revoked_id}"),
            "--village",
            &village_a,
        ],
    );
    assert!(out.contains("revoked 1 token"), "{out}");
    w.put(revoked);
    w.put(Device::new(Anonymous, None, "anonymous", &village_a));
    w.put(Device::new(
        Coordinator,
        Some(a_token),
        "desk-a",
        &village_a,
    ));
    w.put(Device::new(
        OtherCoordinator,
        Some(b_token),
        "desk-b",
        VILLAGE_B,
    ));

    for (role, name, phone) in PEOPLE {
        let (code, village) = match role {
            Some(Volunteer | Fellow) => (DEMO_INVITE, village_a.as_str()),
            _ => (b_invite.as_str(), VILLAGE_B),
        };
        let joined = join(&w.http, &w.server.base, code, name, phone).await;
        assert_eq!(joined["village_id"], village, "{joined}");
        let token = joined["token"].as_str().expect("token").to_owned();
        let client = format!("phone-{phone}");
        let mut device = Device::new(
            role.unwrap_or(OtherVolunteer),
            Some(token),
            &client,
            village,
        );
        device.volunteer_id = Some(joined["volunteer_id"].as_str().expect("id").to_owned());
        let profile = free_all_week(device.profile(&w).await);
        device
            .apply(&w, &[Mutation::UpdateProfile { volunteer: profile }])
            .await;
        match role {
            Some(_) => w.put(device),
            None => w.other_fellow = device,
        }
    }
    assert_eq!(w.devices.len(), EVERYONE.len());
    w
}

// ---------------------------------------------------------------------------------------------
// Building records

/// Day `n` from 2027-04-01 (after the demo's month, so the demo's tasks never overlap ours).
fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 4, 1).expect("date") + TimeDelta::days(i64::from(n))
}

/// A one-hour home visit at 10:00 on day `n` (from 2027-04-01; one task a day, so none overlap).
fn visit(id: &str, n: u32, places: u32, beneficiary: Option<&str>) -> Task {
    let start = day(n).and_hms_opt(10, 0, 0).expect("time");
    let mut builder =
        Task::builder(id, TaskKind::HomeVisit, "探访", start, start + hour()).capacity(1, places);
    if let Some(b) = beneficiary {
        builder = builder.beneficiary(BeneficiaryId::new(b));
    }
    builder.build().expect("task")
}

fn hour() -> TimeDelta {
    TimeDelta::hours(1)
}

fn beneficiary(id: &str, name: &str, address: &str, notes: &str) -> Beneficiary {
    Beneficiary {
        id: BeneficiaryId::new(id),
        name: name.into(),
        group: VillageGroupId::numbered(1),
        gender: None,
        birth_year: Some(1940),
        flags: BeneficiaryFlags::default(),
        needs: vec![TaskKind::HomeVisit],
        preferences: Default::default(),
        private: Some(BeneficiaryPrivate {
            address: address.into(),
            phone: None,
            family_contact: None,
            health_notes: notes.into(),
        }),
    }
}

fn message(id: &str, audience: Audience, text: &str) -> Message {
    Message {
        id: MessageId::new(id),
        audience,
        text: text.into(),
        posted_at: day(0).and_hms_opt(8, 0, 0).expect("time"),
    }
}

fn task_id(id: &str) -> TaskId {
    TaskId::new(id)
}

/// The records of a full pull's raw body, by key (puts only: a reset has no deletions; each
/// key once).
fn records(body: &str) -> BTreeMap<String, Value> {
    let value: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(value["reset"], true, "a pull without a cookie is a reset");
    let mut records = BTreeMap::new();
    for op in value["patch"].as_array().expect("patch") {
        assert_eq!(op["op"], "put", "{op}");
        let key = op["key"].as_str().expect("key").to_owned();
        assert!(
            records.insert(key.clone(), op["value"].clone()).is_none(),
            "{key} twice"
        );
    }
    records
}

// ---------------------------------------------------------------------------------------------
// The mutation matrix

/// Village A's records the matrix acts on (made by its coordinator in `matrix_fixture`).
const TASK_UPDATE: &str = "t-acc-update";
const TASK_CANCEL: &str = "t-acc-cancel";
const TASK_SIGN_UP: &str = "t-acc-sign-up";
const TASK_WITHDRAW: &str = "t-acc-withdraw";
const TASK_ASSIGN: &str = "t-acc-assign";
const TASK_UNASSIGN: &str = "t-acc-unassign";
const TASK_CHECK_IN: &str = "t-acc-check-in";
const TASK_CHECK_OUT: &str = "t-acc-check-out";
const TASK_NOTE: &str = "t-acc-note";
const TASK_MESSAGE: &str = "t-acc-message";
const TASK_NEW: &str = "t-acc-new";
/// The volunteer checked in here: `confirm_visit` co-signs it.
const TASK_CONFIRM: &str = "t-acc-confirm";
/// The volunteer checked in and out here: the coordinator's confirmation and review rows.
const TASK_REVIEW: &str = "t-acc-review";
/// The volunteer is confirmed here and never checked in: `record_no_show`.
const TASK_NO_SHOW: &str = "t-acc-no-show";
/// Approved in the fixture: the volunteer's 1.00 credit to give and spend.
const TASK_CREDIT: &str = "t-acc-credit";
/// The code on the matrix beneficiary's card.
const CARD: &str = "604218";
const BENEFICIARY: &str = "b-acc-1";
const BENEFICIARY_NEW: &str = "b-acc-new";
const MESSAGE_NEW: &str = "m-acc-new";

/// The matrix's tasks, each on its own day.
fn matrix_tasks() -> Vec<Task> {
    [
        (TASK_UPDATE, 1),
        (TASK_CANCEL, 1),
        (TASK_SIGN_UP, 3),
        (TASK_WITHDRAW, 1),
        (TASK_ASSIGN, 1),
        (TASK_UNASSIGN, 1),
        (TASK_CHECK_IN, 1),
        (TASK_CHECK_OUT, 1),
        (TASK_NOTE, 1),
        (TASK_MESSAGE, 1),
        (TASK_CONFIRM, 1),
        (TASK_REVIEW, 1),
        (TASK_NO_SHOW, 1),
        (TASK_CREDIT, 1),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (id, places))| {
        let mut task = visit(id, n as u32 + 1, places, Some(BENEFICIARY));
        if id == TASK_NO_SHOW {
            // Over by the server's clock: a no-show is recorded only once a task has ended.
            let shift = task.start
                - NaiveDate::from_ymd_opt(2026, 1, 5)
                    .expect("date")
                    .and_hms_opt(10, 0, 0)
                    .expect("time");
            task.start -= shift;
            task.end -= shift;
        }
        task
    })
    .collect()
}

fn matrix_task(id: &str) -> Task {
    matrix_tasks()
        .into_iter()
        .find(|t| t.id.as_str() == id)
        .expect("a matrix task")
}

/// Village A's coordinator posts the matrix's beneficiary and tasks; the volunteer signs up
/// for some, is assigned to one, and checks in on two.
async fn matrix_fixture(w: &mut World) {
    let mut coordinator = w.take(Coordinator);
    let mut volunteer = w.take(Volunteer);
    let mut setup = vec![
        Mutation::CreateBeneficiary {
            beneficiary: beneficiary(BENEFICIARY, "甲测试老人", "甲村测试路1号", "测试备注"),
        },
        Mutation::SetCardCode {
            beneficiary: BeneficiaryId::new(BENEFICIARY),
            code: CARD.into(),
        },
    ];
    setup.extend(
        matrix_tasks()
            .into_iter()
            .map(|task| Mutation::CreateTask { task }),
    );
    coordinator.apply(w, &setup).await;
    volunteer.apply(w, &[]).await;
    let me = VolunteerId::new(volunteer.me());
    let sign_ups: Vec<Mutation> = [TASK_WITHDRAW, TASK_CHECK_IN, TASK_CHECK_OUT, TASK_NOTE]
        .into_iter()
        .map(|t| Mutation::SignUp { task: task_id(t) })
        .collect();
    volunteer.apply(w, &sign_ups).await;
    coordinator
        .apply(
            w,
            &[Mutation::Assign {
                task: task_id(TASK_UNASSIGN),
                volunteer: me,
            }],
        )
        .await;
    let check_ins: Vec<Mutation> = [TASK_CHECK_OUT, TASK_NOTE]
        .into_iter()
        .map(|t| Mutation::CheckIn {
            task: task_id(t),
            at: matrix_task(t).start,
        })
        .collect();
    volunteer.apply(w, &check_ins).await;
    // The trust rows: a visit to co-sign, one to review, a no-show, and 1.00 credit earned.
    let mut visits: Vec<Mutation> = [TASK_CONFIRM, TASK_REVIEW, TASK_NO_SHOW, TASK_CREDIT]
        .into_iter()
        .map(|t| Mutation::SignUp { task: task_id(t) })
        .collect();
    for t in [TASK_CONFIRM, TASK_REVIEW, TASK_CREDIT] {
        visits.push(Mutation::CheckIn {
            task: task_id(t),
            at: matrix_task(t).start,
        });
    }
    for t in [TASK_REVIEW, TASK_CREDIT] {
        visits.push(Mutation::CheckOut {
            task: task_id(t),
            at: matrix_task(t).start + hour(),
        });
    }
    volunteer.apply(w, &visits).await;
    let me = VolunteerId::new(volunteer.me());
    coordinator
        .apply(
            w,
            &[Mutation::ApproveService {
                task: task_id(TASK_CREDIT),
                volunteer: me,
            }],
        )
        .await;
    w.put(coordinator);
    w.put(volunteer);
}

/// The mutation of the row `name` as `who` sends it, and the key it changes when applied
/// (`actor_volunteer`: the sender's volunteer id, for the rows that act on one's own records).
/// Texts and numbers vary with `who`, so every applied cell changes its record. A key ending
/// in `/` is a prefix: some key under it changes (a new line of a time-bank account).
fn mutation(
    name: &str,
    who: Who,
    profile: &Volunteer,
    actor_volunteer: Option<&str>,
) -> (Mutation, String) {
    let own = |prefix: &str, task: &str| {
        // The key of the sender's own record; a coordinator has none, and is refused anyway.
        format!("{prefix}/{task}/{}", actor_volunteer.unwrap_or("-"))
    };
    let volunteer = profile.id.clone();
    let tag = format!("{who:?}");
    let (mutation, key) = match name {
        "update_profile" => {
            let mut profile = profile.clone();
            profile.max_hours_per_week = 30 + who as u32;
            let key = format!("volunteer/{}", profile.id.as_str());
            (Mutation::UpdateProfile { volunteer: profile }, key)
        }
        "create_task" => (
            Mutation::CreateTask {
                task: visit(TASK_NEW, 20, 1, Some(BENEFICIARY)),
            },
            format!("task/{TASK_NEW}"),
        ),
        "update_task" => {
            let mut task = matrix_task(TASK_UPDATE);
            task.title = format!("改过的标题 {tag}");
            (Mutation::UpdateTask { task }, format!("task/{TASK_UPDATE}"))
        }
        "cancel_task" => (
            Mutation::CancelTask {
                task: task_id(TASK_CANCEL),
            },
            format!("task/{TASK_CANCEL}"),
        ),
        "sign_up" => (
            Mutation::SignUp {
                task: task_id(TASK_SIGN_UP),
            },
            own("signup", TASK_SIGN_UP),
        ),
        "withdraw" => (
            Mutation::Withdraw {
                task: task_id(TASK_WITHDRAW),
            },
            own("signup", TASK_WITHDRAW),
        ),
        "assign" => (
            Mutation::Assign {
                task: task_id(TASK_ASSIGN),
                volunteer: volunteer.clone(),
            },
            format!("signup/{TASK_ASSIGN}/{}", volunteer.as_str()),
        ),
        "unassign" => (
            Mutation::Unassign {
                task: task_id(TASK_UNASSIGN),
                volunteer: volunteer.clone(),
            },
            format!("signup/{TASK_UNASSIGN}/{}", volunteer.as_str()),
        ),
        "create_beneficiary" => (
            Mutation::CreateBeneficiary {
                beneficiary: beneficiary(BENEFICIARY_NEW, "新老人", "新地址", "新备注"),
            },
            format!("beneficiary/{BENEFICIARY_NEW}"),
        ),
        "update_beneficiary" => (
            Mutation::UpdateBeneficiary {
                beneficiary: beneficiary(
                    BENEFICIARY,
                    &format!("改名老人{}", who as u32),
                    "甲村测试路1号",
                    "测试备注",
                ),
            },
            format!("beneficiary/{BENEFICIARY}"),
        ),
        "check_in" => (
            Mutation::CheckIn {
                task: task_id(TASK_CHECK_IN),
                at: matrix_task(TASK_CHECK_IN).start,
            },
            own("service", TASK_CHECK_IN),
        ),
        "check_out" => (
            Mutation::CheckOut {
                task: task_id(TASK_CHECK_OUT),
                at: matrix_task(TASK_CHECK_OUT).start + hour(),
            },
            own("service", TASK_CHECK_OUT),
        ),
        "save_visit_note" => (
            Mutation::SaveVisitNote {
                task: task_id(TASK_NOTE),
                note: format!("一切安好 {tag}"),
            },
            own("service", TASK_NOTE),
        ),
        "post_message" => (
            Mutation::PostMessage {
                message: message(
                    MESSAGE_NEW,
                    Audience::Task {
                        task: task_id(TASK_MESSAGE),
                    },
                    "明天带伞",
                ),
            },
            format!("message/{MESSAGE_NEW}"),
        ),
        "set_card_code" => (
            Mutation::SetCardCode {
                beneficiary: BeneficiaryId::new(BENEFICIARY),
                code: CARD.into(),
            },
            format!("card/{BENEFICIARY}"),
        ),
        "confirm_visit" => (
            Mutation::ConfirmVisit {
                task: task_id(TASK_CONFIRM),
                code: CARD.into(),
            },
            own("service", TASK_CONFIRM),
        ),
        "confirm_service" => (
            Mutation::ConfirmService {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "dispute_service" => (
            Mutation::DisputeService {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
                reason: format!("家属说没有来 {tag}"),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "reopen_confirmation" => (
            Mutation::ReopenConfirmation {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "approve_service" => (
            Mutation::ApproveService {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "adjust_service" => (
            Mutation::AdjustService {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
                minutes: 40 + who as i64,
                reason: format!("提前离开 {tag}"),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "reject_service" => (
            Mutation::RejectService {
                task: task_id(TASK_REVIEW),
                volunteer: volunteer.clone(),
                reason: format!("重复记录 {tag}"),
            },
            format!("service/{TASK_REVIEW}/{}", volunteer.as_str()),
        ),
        "record_no_show" => (
            Mutation::RecordNoShow {
                task: task_id(TASK_NO_SHOW),
                volunteer: volunteer.clone(),
            },
            format!("service/{TASK_NO_SHOW}/{}", volunteer.as_str()),
        ),
        "transfer_credits" => (
            Mutation::TransferCredits {
                to: BENEFICIARY.into(),
                amount: 10,
                reason: format!("给老人 {tag}"),
            },
            format!("ledger/{BENEFICIARY}/"),
        ),
        "redeem_credits" => (
            Mutation::RedeemCredits {
                amount: 10,
                what: format!("送餐一次 {tag}"),
            },
            format!("ledger/{}/", actor_volunteer.unwrap_or("-")),
        ),
        other => panic!("no arguments for mutation {other:?}: add it to `mutation` and MATRIX"),
    };
    assert_eq!(mutation.name(), name);
    (mutation, key)
}

#[tokio::test]
async fn every_mutation_against_every_role() {
    assert_eq!(MATRIX.len(), Mutation::NAMES.len() * EVERYONE.len());
    for (name, _, _) in MATRIX {
        assert!(Mutation::NAMES.contains(name), "MATRIX names {name}");
    }
    let mut w = setup().await;
    matrix_fixture(&mut w).await;
    let mut volunteer = w.take(Volunteer);
    let profile = volunteer.profile(&w).await;
    w.put(volunteer);
    // Watchers: the two coordinators' tokens on devices of their own, pulling incrementally
    // after every cell to see what changed in each village.
    let token = |w: &World, who| w.devices[&who].token.clone();
    let village_a = w.village_a.clone();
    let mut watch_a = Device::new(Coordinator, token(&w, Coordinator), "watch-a", &village_a);
    let mut watch_b = Device::new(
        OtherCoordinator,
        token(&w, OtherCoordinator),
        "watch-b",
        VILLAGE_B,
    );
    assert_eq!(watch_a.full_pull(&w).await.0, 200);
    assert_eq!(watch_b.full_pull(&w).await.0, 200);

    let mut table = Vec::new();
    for name in Mutation::NAMES {
        // Refusals first: they change nothing, so the applied cells then meet the state the
        // fixture made.
        let mut order: Vec<Who> = EVERYONE.to_vec();
        order.sort_by_key(|who| expected(name, *who) == Applied);
        for who in order {
            let expect = expected(name, who);
            let mut device = w.take(who);
            let (mutation, key) = mutation(name, who, &profile, device.volunteer_id.as_deref());
            let sent_id = device.next_id;
            let (status, text) = device
                .sync_raw(&w, std::slice::from_ref(&mutation), device.cookie)
                .await;
            let cell = format!("{name} × {who:?}");
            let got = if status == 401 {
                let body: Value = serde_json::from_str(&text).expect("JSON error");
                assert_eq!(body["error"]["code"], "unauthorized", "{cell}: {text}");
                Unauthorized
            } else {
                assert_eq!(status, 200, "{cell}: {text}");
                let response: SyncResponse = serde_json::from_str(&text).expect("response");
                assert_eq!(response.results.len(), 1, "{cell}: {text}");
                let result = &response.results[0];
                assert_eq!(result.id, sent_id, "{cell}");
                match result.status {
                    ResultStatus::Applied => Applied,
                    ResultStatus::Rejected => {
                        Rejected(result.error.as_ref().expect("an error").code)
                    }
                }
            };
            assert_eq!(got, expect, "{cell}: {text}");
            let home_is_a = device.village != VILLAGE_B;
            w.put(device);

            // What changed: only the actor's village, only when applied, and there the key.
            let before = (watch_a.cookie, watch_b.cookie);
            let (changed_a, cookie_a) = watch_a.changes(&w).await;
            let (changed_b, cookie_b) = watch_b.changes(&w).await;
            let (home, away) = if home_is_a {
                (
                    (&changed_a, cookie_a, before.0),
                    (&changed_b, cookie_b, before.1),
                )
            } else {
                (
                    (&changed_b, cookie_b, before.1),
                    (&changed_a, cookie_a, before.0),
                )
            };
            assert!(
                away.0.is_empty() && Some(away.1) == away.2,
                "{cell}: the other village changed: {:?}",
                away.0
            );
            if expect == Applied {
                let changed = |k: &String| k == &key || (key.ends_with('/') && k.starts_with(&key));
                assert!(
                    home.0.iter().any(changed),
                    "{cell}: applied but {key} did not change: {:?}",
                    home.0
                );
            } else {
                assert!(
                    home.0.is_empty() && Some(home.1) == home.2,
                    "{cell}: refused, yet the village changed: {:?}",
                    home.0
                );
            }
            table.push(format!("{name:20} {:18} {got:?}", format!("{who:?}")));
        }
    }
    // Each village holds what its own people did, and only that.
    let village_a = records(&watch_a.full_pull(&w).await.1);
    let village_b = records(&watch_b.full_pull(&w).await.1);
    assert_eq!(
        village_a[&format!("task/{TASK_CANCEL}")]["status"],
        "cancelled"
    );
    for key in [
        format!("task/{TASK_NEW}"),
        format!("message/{MESSAGE_NEW}"),
        format!("beneficiary/{BENEFICIARY}"),
    ] {
        assert!(village_a.contains_key(&key), "{key}");
        assert!(!village_b.contains_key(&key), "{key}");
    }
    let new = format!("beneficiary/{BENEFICIARY_NEW}");
    assert!(village_a.contains_key(&new) && village_b.contains_key(&new));
    eprintln!(
        "access matrix ({} cells):\n{}",
        table.len(),
        table.join("\n")
    );
    assert_eq!(table.len(), MATRIX.len());
}

// ---------------------------------------------------------------------------------------------
// The readable side

/// The design's visibility rule for a volunteer (`docs/sync-protocol.md`, "Visibility"),
/// restated over the records their coordinator holds (`village`), independently of core's
/// `visible`: may volunteer `me` hold `key`?
fn volunteer_may_see(village: &BTreeMap<String, Value>, me: &str, key: &str) -> bool {
    // Their sign-ups: task -> "confirmed" | "waitlisted".
    let mine: BTreeMap<&str, &str> = village
        .iter()
        .filter(|(k, v)| k.starts_with("signup/") && v["volunteer"] == me)
        .map(|(_, v)| {
            let task = v["task"].as_str().expect("task");
            (task, v["status"].as_str().expect("status"))
        })
        .collect();
    let task = |id: &str| village.get(&format!("task/{id}"));
    let open = |id: &str| task(id).is_some_and(|t| t["status"] == "open");
    let for_beneficiary =
        |id: &str, b: &str| task(id).is_some_and(|t| t["beneficiary"].as_str() == Some(b));
    let (_, rest) = key.split_once('/').expect("kind/id");
    let kind = RecordKind::of_key(key).expect("a known kind");
    match kind {
        RecordKind::Village => true,
        RecordKind::Volunteer => rest == me,
        // signup/<task>/<volunteer>, service/<task>/<volunteer>: only their own.
        RecordKind::Signup | RecordKind::Service => {
            rest.rsplit_once('/').map(|(_, v)| v) == Some(me)
        }
        // Open tasks, and every task they are signed up for; how full a task is goes with it.
        RecordKind::Task | RecordKind::Places => open(rest) || mine.contains_key(rest),
        // Who else is going: only while signed up (waiting or confirmed).
        RecordKind::Roster => mine.contains_key(rest),
        // The public part while signed up for one of the beneficiary's open tasks...
        RecordKind::Beneficiary => mine.keys().any(|t| open(t) && for_beneficiary(t, rest)),
        // ...the private part only while confirmed on one.
        RecordKind::BeneficiaryPrivate => mine
            .iter()
            .any(|(t, s)| *s == "confirmed" && open(t) && for_beneficiary(t, rest)),
        // A beneficiary's card code: never, whatever their connection to her.
        RecordKind::Card => false,
        // ledger/<account>/<seq>: their own account's lines only.
        RecordKind::Ledger => rest.split_once('/').map(|(account, _)| account) == Some(me),
        RecordKind::Message => {
            let audience = &village[key]["audience"];
            audience["to"] == "village"
                || (audience["to"] == "task"
                    && audience["task"]
                        .as_str()
                        .is_some_and(|t| mine.contains_key(t)))
        }
    }
}

/// Every string in a JSON value: object keys and string values.
fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// The strings of some records: their keys and everything in their bodies.
fn strings_of<'a>(records: impl IntoIterator<Item = (&'a String, &'a Value)>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (key, value) in records {
        out.insert(key.clone());
        strings(value, &mut out);
    }
    out
}

/// Every string literal in a JSON text, decoded, found by scanning the raw characters (not by
/// parsing into a structure, which would fold duplicate keys or drop what a type ignores).
fn string_literals(raw: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = raw.char_indices();
    while let Some((start, c)) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut escaped = false;
        let mut end = None;
        for (i, c) in chars.by_ref() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                end = Some(i);
                break;
            }
        }
        let end = end.expect("a closed string literal");
        let literal: String = serde_json::from_str(&raw[start..=end]).expect("a JSON string");
        out.insert(literal);
    }
    out
}

/// The sync response's own words, which are in every body.
const ENVELOPE: [&str; 10] = [
    "cookie",
    "last_mutation_id",
    "reset",
    "patch",
    "results",
    "op",
    "put",
    "del",
    "key",
    "value",
];

/// The records of one village for the readable side: ids with `p` ("a" or "b"), texts with
/// `tag`, so that nothing of one village can be mistaken for the other's.
struct Fixture {
    p: &'static str,
    tag: &'static str,
}

impl Fixture {
    fn task(&self, name: &str) -> String {
        format!("t-{}-{name}", self.p)
    }
    fn beneficiary(&self, name: &str) -> String {
        format!("b-{}-{name}", self.p)
    }
    fn message(&self, name: &str) -> String {
        format!("m-{}-{name}", self.p)
    }
    fn address(&self, name: &str) -> String {
        format!("{}村{name}路{}号", self.tag, self.p)
    }
    fn notes(&self, name: &str) -> String {
        format!("{}村{name}健康备注", self.tag)
    }
    fn text(&self, name: &str) -> String {
        format!("{}村{name}通知", self.tag)
    }
    fn visit_note(&self, whose: &str) -> String {
        format!("{}村{whose}的探访记录", self.tag)
    }

    /// The beneficiaries, each with a task of their own (one a day from day 40): the volunteer
    /// is confirmed on `conf`'s, waiting on `wait`'s (the fellow has its one place), not on
    /// `other`'s (the fellow is), and was confirmed on `cancel`'s, which is then cancelled. A
    /// fifth task, `closed`, has no beneficiary; only the fellow took it, then it was cancelled.
    const NAMES: [&'static str; 4] = ["conf", "wait", "other", "cancel"];

    fn tasks(&self) -> Vec<Task> {
        let b = |n: &str| Some(self.beneficiary(n));
        [
            ("conf", 1, b("conf")),
            ("wait", 1, b("wait")),
            ("other", 2, b("other")),
            ("cancel", 1, b("cancel")),
            ("closed", 1, None),
        ]
        .into_iter()
        .enumerate()
        .map(|(n, (name, places, ben))| {
            visit(&self.task(name), 40 + n as u32, places, ben.as_deref())
        })
        .collect()
    }

    fn task_record(&self, name: &str) -> Task {
        let id = self.task(name);
        self.tasks()
            .into_iter()
            .find(|t| t.id.as_str() == id)
            .expect("a fixture task")
    }

    /// The coordinator, the volunteer and the fellow make every kind of record.
    async fn make(&self, w: &World, c: &mut Device, v: &mut Device, f: &mut Device) {
        let mut setup: Vec<Mutation> = Self::NAMES
            .iter()
            .map(|n| Mutation::CreateBeneficiary {
                beneficiary: beneficiary(
                    &self.beneficiary(n),
                    &format!("{}村{n}老人", self.tag),
                    &self.address(n),
                    &self.notes(n),
                ),
            })
            .collect();
        setup.extend(
            self.tasks()
                .into_iter()
                .map(|task| Mutation::CreateTask { task }),
        );
        c.apply(w, &setup).await;
        let sign_up = |n: &str| Mutation::SignUp {
            task: task_id(&self.task(n)),
        };
        f.apply(w, &[sign_up("wait"), sign_up("other"), sign_up("closed")])
            .await;
        v.apply(w, &[sign_up("conf"), sign_up("wait"), sign_up("cancel")])
            .await;
        let cancel = |n: &str| Mutation::CancelTask {
            task: task_id(&self.task(n)),
        };
        let to_task = |n: &str| Audience::Task {
            task: task_id(&self.task(n)),
        };
        c.apply(
            w,
            &[
                cancel("cancel"),
                cancel("closed"),
                Mutation::PostMessage {
                    message: message(
                        &self.message("village"),
                        Audience::Village,
                        &self.text("village"),
                    ),
                },
                Mutation::PostMessage {
                    message: message(&self.message("conf"), to_task("conf"), &self.text("conf")),
                },
                Mutation::PostMessage {
                    message: message(
                        &self.message("other"),
                        to_task("other"),
                        &self.text("other"),
                    ),
                },
            ],
        )
        .await;
        let visit_of = |n: &str, whose: &str| {
            [
                Mutation::CheckIn {
                    task: task_id(&self.task(n)),
                    at: self.task_record(n).start,
                },
                Mutation::SaveVisitNote {
                    task: task_id(&self.task(n)),
                    note: self.visit_note(whose),
                },
            ]
        };
        v.apply(w, &visit_of("conf", "volunteer")).await;
        f.apply(w, &visit_of("other", "fellow")).await;
        // Both visits end and are approved (a credit line each); the volunteer gives some to
        // the elder of `conf` (a line in each account); every beneficiary gets a card.
        let check_out = |n: &str| Mutation::CheckOut {
            task: task_id(&self.task(n)),
            at: self.task_record(n).start + hour(),
        };
        v.apply(w, &[check_out("conf")]).await;
        f.apply(w, &[check_out("other")]).await;
        let approve = |n: &str, who: &Device| Mutation::ApproveService {
            task: task_id(&self.task(n)),
            volunteer: VolunteerId::new(who.me()),
        };
        let mut reviews = vec![approve("conf", v), approve("other", f)];
        reviews.extend(Self::NAMES.iter().map(|n| Mutation::SetCardCode {
            beneficiary: BeneficiaryId::new(self.beneficiary(n)),
            code: self.card(n),
        }));
        c.apply(w, &reviews).await;
        v.apply(
            w,
            &[Mutation::TransferCredits {
                to: self.beneficiary("conf"),
                amount: 25,
                reason: format!("{}村转赠", self.tag),
            }],
        )
        .await;
    }

    /// The code on a beneficiary's card: six digits, different in each village.
    fn card(&self, name: &str) -> String {
        let base = if self.p == "a" { 310_000 } else { 520_000 };
        let index = Self::NAMES.iter().position(|n| *n == name).unwrap_or(9);
        (base + 7_919 * (index + 1)).to_string()
    }

    /// Texts of this village a volunteer of it must never receive (`withheld`), and those
    /// they must (`shown`).
    fn volunteer_markers(
        &self,
        fellow_name: &str,
        fellow_phone: &str,
    ) -> (Vec<String>, Vec<String>) {
        let withheld = vec![
            fellow_name.to_owned(),
            fellow_phone.to_owned(),
            self.address("wait"), // waiting, not confirmed
            self.notes("wait"),
            self.address("other"), // not signed up
            self.notes("other"),
            self.address("cancel"), // confirmed, but the task was cancelled
            self.notes("cancel"),
            self.visit_note("fellow"),
            self.text("other"),
            format!("\"{}\"", self.task("closed")),
        ]
        .into_iter()
        // No card code, not even of the elder they visit.
        .chain(Self::NAMES.iter().map(|n| self.card(n)))
        .collect::<Vec<_>>();
        let shown = vec![
            self.address("conf"),
            self.notes("conf"),
            self.visit_note("volunteer"),
            self.text("conf"),
            self.text("village"),
        ];
        (withheld, shown)
    }

    /// Texts and ids of this village that nobody of another village may receive.
    fn village_markers(&self) -> Vec<String> {
        let mut markers: Vec<String> = Self::NAMES
            .iter()
            .flat_map(|n| [self.beneficiary(n), self.address(n), self.notes(n)])
            .collect();
        markers.extend(self.tasks().iter().map(|t| t.id.as_str().to_owned()));
        markers.extend(
            ["village", "conf", "other"]
                .iter()
                .flat_map(|n| [self.message(n), self.text(n)]),
        );
        markers.extend([self.visit_note("volunteer"), self.visit_note("fellow")]);
        markers
    }
}

const A: Fixture = Fixture { p: "a", tag: "甲" };
const B: Fixture = Fixture { p: "b", tag: "乙" };

#[tokio::test]
async fn every_record_kind_against_every_role() {
    let mut w = setup().await;
    let (mut c, mut v, mut f) = (w.take(Coordinator), w.take(Volunteer), w.take(Fellow));
    A.make(&w, &mut c, &mut v, &mut f).await;
    w.put(c);
    w.put(v);
    w.put(f);
    let placeholder = Device::new(OtherVolunteer, None, "-", VILLAGE_B);
    let mut f = std::mem::replace(&mut w.other_fellow, placeholder);
    let (mut c, mut v) = (w.take(OtherCoordinator), w.take(OtherVolunteer));
    B.make(&w, &mut c, &mut v, &mut f).await;
    w.put(c);
    w.put(v);
    w.other_fellow = f;

    // Everyone's full pull, raw. Village B's second volunteer is read as `other_fellow`.
    let mut bodies: BTreeMap<&str, (Who, u16, String)> = BTreeMap::new();
    for who in EVERYONE {
        let mut device = w.take(who);
        let (status, body) = device.full_pull(&w).await;
        bodies.insert(label(who), (who, status, body));
        w.put(device);
    }
    let mut other_fellow = std::mem::replace(
        &mut w.other_fellow,
        Device::new(OtherVolunteer, None, "-", VILLAGE_B),
    );
    let (status, body) = other_fellow.full_pull(&w).await;
    bodies.insert("other village's fellow", (OtherVolunteer, status, body));

    for who in [Anonymous, Revoked] {
        let (_, status, body) = &bodies[label(who)];
        assert_eq!(*status, 401, "{who:?}: {body}");
        let error: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(error["error"]["code"], "unauthorized", "{body}");
        assert!(!body.contains("patch"), "{body}");
    }
    let truth = |who: Who| records(&bodies[label(who)].2);
    let (village_a, village_b) = (truth(Coordinator), truth(OtherCoordinator));
    assert_eq!(
        village_a[&format!("village/{}", w.village_a)]["id"],
        w.village_a
    );
    assert_eq!(
        village_b[&format!("village/{VILLAGE_B}")]["name"],
        VILLAGE_B_NAME
    );

    // Coordinators: every record of their village (the fixture's all there), none of the other.
    // The only keys both villages have are volunteer numbers, which each village counts from
    // v-0001: different people.
    for (fixture, view) in [(&A, &village_a), (&B, &village_b)] {
        for task in fixture.tasks() {
            assert!(view.contains_key(&format!("task/{}", task.id.as_str())));
        }
    }
    for (key, value) in &village_a {
        if let Some(other) = village_b.get(key) {
            assert!(key.starts_with("volunteer/v-"), "both villages hold {key}");
            assert_ne!(value["name"], other["name"], "{key}");
        }
    }

    let person = |who: Option<Who>| {
        PEOPLE
            .iter()
            .find(|(w, _, _)| *w == who)
            .map(|(_, name, phone)| (*name, *phone))
            .expect("a person")
    };
    let readers = [
        Reader {
            name: "volunteer",
            me: w.devices[&Volunteer].me(),
            own: (&village_a, &A),
            other: (&village_b, &B),
            fellow: Some(person(Some(Fellow))),
        },
        Reader {
            name: "fellow",
            me: w.devices[&Fellow].me(),
            own: (&village_a, &A),
            other: (&village_b, &B),
            fellow: None,
        },
        Reader {
            name: "other village's volunteer",
            me: w.devices[&OtherVolunteer].me(),
            own: (&village_b, &B),
            other: (&village_a, &A),
            fellow: Some(person(None)),
        },
        Reader {
            name: "other village's fellow",
            me: other_fellow.me(),
            own: (&village_b, &B),
            other: (&village_a, &A),
            fellow: None,
        },
    ];
    let mut table = vec![format!(
        "{:28}{}",
        "visible / in own village",
        RecordKind::ALL
            .map(|k| format!("{:>20}", k.as_str()))
            .join("")
    )];
    for reader in readers {
        let name = reader.name;
        let (own, own_fixture) = reader.own;
        let (other, other_fixture) = reader.other;
        let (_, status, body) = &bodies[name];
        assert_eq!(*status, 200, "{name}: {body}");
        let got = records(body);
        let expected: BTreeMap<String, Value> = own
            .iter()
            .filter(|(key, _)| volunteer_may_see(own, reader.me, key))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let keys = |m: &BTreeMap<String, Value>, kind| -> Vec<String> {
            m.keys()
                .filter(|k| RecordKind::of_key(k) == Some(kind))
                .cloned()
                .collect()
        };
        for kind in RecordKind::ALL {
            assert_eq!(
                keys(&got, kind),
                keys(&expected, kind),
                "{name} × {}",
                kind.as_str()
            );
            // The rule was exercised both ways: something shown (but for card codes, which
            // no volunteer ever receives), and (but for the one village record) something of
            // their own village withheld.
            assert_eq!(
                keys(&expected, kind).is_empty(),
                kind == RecordKind::Card,
                "{name}: {} to see",
                kind.as_str()
            );
            if kind != RecordKind::Village {
                assert!(
                    keys(own, kind).len() > keys(&expected, kind).len(),
                    "{name}: every {} is visible: the fixture tests nothing",
                    kind.as_str()
                );
            }
        }
        assert_eq!(got, expected, "{name}: the bodies differ");
        table.push(format!(
            "{name:28}{}",
            RecordKind::ALL
                .map(|k| {
                    let shown = format!("{}/{}", keys(&got, k).len(), keys(own, k).len());
                    format!("{shown:>20}")
                })
                .join("")
        ));

        // The raw body: no string of a withheld record, or of the other village, unless a
        // visible record holds the same string.
        let mut allowed = strings_of(&expected);
        allowed.extend(ENVELOPE.map(str::to_owned));
        let withheld = strings_of(own.iter().filter(|(k, _)| !expected.contains_key(*k)));
        let foreign = strings_of(other.iter());
        let forbidden: BTreeSet<&String> = withheld
            .union(&foreign)
            .filter(|s| !allowed.contains(*s))
            .collect();
        let leaked: Vec<_> = string_literals(body)
            .into_iter()
            .filter(|s| forbidden.contains(s))
            .collect();
        assert!(leaked.is_empty(), "{name} received {leaked:?}");
        // And by plain search of the raw text: the other village's ids and texts, and for
        // the volunteer, their fellow and the elders' details the rules withhold.
        for marker in other_fixture.village_markers() {
            assert!(
                !body.contains(marker.as_str()),
                "{name} received {marker:?}"
            );
        }
        if let Some((fellow_name, fellow_phone)) = reader.fellow {
            let (withheld, shown) = own_fixture.volunteer_markers(fellow_name, fellow_phone);
            for marker in &withheld {
                assert!(
                    !body.contains(marker.as_str()),
                    "{name} received {marker:?}"
                );
            }
            for marker in &shown {
                assert!(body.contains(marker.as_str()), "{name} lacks {marker:?}");
            }
        }
    }

    // Coordinators: nothing of the other village in the raw text either.
    for (who, own, other, other_fixture) in [
        (Coordinator, &village_a, &village_b, &B),
        (OtherCoordinator, &village_b, &village_a, &A),
    ] {
        let body = &bodies[label(who)].2;
        let allowed = strings_of(own.iter());
        let foreign = strings_of(other.iter());
        let leaked: Vec<_> = string_literals(body)
            .into_iter()
            .filter(|s| foreign.contains(s) && !allowed.contains(s))
            .collect();
        assert!(leaked.is_empty(), "{who:?} received {leaked:?}");
        for marker in other_fixture.village_markers() {
            assert!(
                !body.contains(marker.as_str()),
                "{who:?} received {marker:?}"
            );
        }
        table.push(format!(
            "{:28} {}",
            label(who),
            RecordKind::ALL
                .map(|k| {
                    let n = own
                        .keys()
                        .filter(|key| RecordKind::of_key(key) == Some(k))
                        .count();
                    assert!(n > 0, "{who:?}: no {} in the village", k.as_str());
                    format!("{:>20}", format!("{n}/{n}"))
                })
                .join("")
        ));
    }
    let village_b_text = [VILLAGE_B, VILLAGE_B_NAME, "诸葛海燕", "13922220001"];
    for marker in village_b_text {
        for who in [Volunteer, Fellow, Coordinator] {
            assert!(!bodies[label(who)].2.contains(marker), "{who:?}: {marker}");
        }
    }
    for marker in [w.village_a.as_str(), "青溪村", "欧阳晓岚", "13911110001"] {
        for who in [OtherVolunteer, OtherCoordinator] {
            assert!(!bodies[label(who)].2.contains(marker), "{who:?}: {marker}");
        }
    }
    eprintln!("readable side (full pulls):\n{}", table.join("\n"));
}

/// A volunteer whose full pull is checked against [`volunteer_may_see`] over their own village
/// (`own`: its records as its coordinator holds them, and its fixture).
struct Reader<'a> {
    name: &'static str,
    me: &'a str,
    own: (&'a BTreeMap<String, Value>, &'a Fixture),
    other: (&'a BTreeMap<String, Value>, &'a Fixture),
    /// For the two main volunteers: their fellow's name and phone, never to be received.
    fellow: Option<(&'static str, &'static str)>,
}

fn label(who: Who) -> &'static str {
    match who {
        Anonymous => "anonymous",
        Volunteer => "volunteer",
        Fellow => "fellow",
        OtherVolunteer => "other village's volunteer",
        Coordinator => "coordinator",
        OtherCoordinator => "other village's coordinator",
        Revoked => "revoked",
    }
}

// ---------------------------------------------------------------------------------------------
// Devices

/// A token's device id as the server shows it: the first 16 hex digits of its SHA-256.
fn device_of(token: &str) -> String {
    hash_secret(token)[..16].to_owned()
}

/// (status, raw body) of `GET /api/v1/devices`.
async fn list_devices(w: &World, token: Option<&str>) -> (u16, String) {
    let mut request = w.http.get(format!("{}/api/v1/devices", w.server.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// (status, raw body) of `POST /api/v1/devices/revoke` with `body`.
async fn revoke(w: &World, token: Option<&str>, body: &Value) -> (u16, String) {
    post(
        &w.http,
        &w.server.base,
        "/api/v1/devices/revoke",
        token,
        body,
    )
    .await
    .expect("answer")
}

/// The status of a full pull with `token` (a client id of its own).
async fn sync_status(w: &World, token: &str) -> u16 {
    let mut device = Device::new(
        Volunteer,
        Some(token.to_owned()),
        &format!("probe-{}", device_of(token)),
        "",
    );
    device.full_pull(w).await.0
}

fn error_code(status: u16, body: &str, expected: u16) -> String {
    assert_eq!(status, expected, "{body}");
    let body: Value = serde_json::from_str(body).expect("a JSON error");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"]["code"].as_str().expect("code").to_owned()
}

/// The device list, checking the exact fields of every device in the raw body.
fn devices(status: u16, body: &str) -> DevicesResponse {
    assert_eq!(status, 200, "{body}");
    let raw: Value = serde_json::from_str(body).expect("JSON");
    let fields: BTreeSet<&str> = [
        "device",
        "role",
        "person",
        "name",
        "label",
        "created_at",
        "last_seen_at",
        "revoked_at",
        "current",
    ]
    .into();
    for device in raw["devices"].as_array().expect("devices") {
        let got: BTreeSet<&str> = device
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(got, fields, "{device}");
    }
    serde_json::from_str(body).expect("the documented shape")
}

#[tokio::test]
async fn coordinators_see_and_revoke_their_villages_devices() {
    let w = setup().await;
    let token = |who: Who| w.devices[&who].token.clone().expect("token");
    let (coordinator, volunteer, other_coordinator, other_volunteer) = (
        token(Coordinator),
        token(Volunteer),
        token(OtherCoordinator),
        token(OtherVolunteer),
    );
    // A volunteer with two devices: the same join sent twice with its request id (an answer
    // lost) gives the same volunteer a second token.
    let twice = json!({"invite_code": DEMO_INVITE, "name": "两机志愿者", "phone": "13911110003",
        "request_id": "access-test-join-0001"});
    let mut phones = Vec::new();
    for _ in 0..2 {
        let (status, body) = post(&w.http, &w.server.base, "/api/v1/join", None, &twice)
            .await
            .expect("join");
        assert_eq!(status, 200, "{body}");
        let joined: Value = serde_json::from_str(&body).expect("JSON");
        phones.push((
            joined["token"].as_str().expect("token").to_owned(),
            joined["volunteer_id"].as_str().expect("id").to_owned(),
        ));
    }
    let ((first_phone, two_phones), (second_phone, same)) = (phones[0].clone(), phones[1].clone());
    assert_eq!(two_phones, same);
    for token in [&first_phone, &second_phone, &volunteer] {
        assert_eq!(sync_status(&w, token).await, 200);
    }

    // Nobody but a coordinator may list or revoke.
    let (status, body) = list_devices(&w, None).await;
    assert_eq!(error_code(status, &body, 401), "unauthorized");
    let (status, body) = list_devices(&w, Some(&w.revoked_token)).await;
    assert_eq!(error_code(status, &body, 401), "unauthorized");
    for token in [&volunteer, &other_volunteer] {
        let (status, body) = list_devices(&w, Some(token)).await;
        assert_eq!(error_code(status, &body, 403), "forbidden");
        let own = json!({ "device": device_of(token) });
        let (status, body) = revoke(&w, Some(token), &own).await;
        assert_eq!(error_code(status, &body, 403), "forbidden");
    }
    let (status, body) = revoke(&w, None, &json!({ "device": device_of(&volunteer) })).await;
    assert_eq!(error_code(status, &body, 401), "unauthorized");
    let (status, body) = revoke(
        &w,
        Some(&w.revoked_token),
        &json!({ "device": device_of(&volunteer) }),
    )
    .await;
    assert_eq!(error_code(status, &body, 401), "unauthorized");
    assert_eq!(
        sync_status(&w, &volunteer).await,
        200,
        "nothing was revoked"
    );

    // The coordinator sees their village's devices, never a token or its hash.
    let (status, body) = list_devices(&w, Some(&coordinator)).await;
    let listed = devices(status, &body);
    let village_a_tokens = [
        &coordinator,
        &volunteer,
        &first_phone,
        &second_phone,
        &w.revoked_token,
    ];
    for token in village_a_tokens
        .iter()
        .copied()
        .chain([&other_coordinator, &other_volunteer])
    {
        assert!(!body.contains(token.as_str()), "a token in the list");
        assert!(
            !body.contains(&hash_secret(token)),
            "a token's hash in the list"
        );
    }
    let find = |list: &DevicesResponse, token: &str| {
        list.devices
            .iter()
            .find(|d| d.device == device_of(token))
            .cloned()
    };
    let me = find(&listed, &coordinator).expect("the coordinator's own device");
    assert!(me.current && me.role == "coordinator" && me.revoked_at.is_none());
    assert_eq!(listed.devices.iter().filter(|d| d.current).count(), 1);
    let theirs = find(&listed, &volunteer).expect("the volunteer's device");
    assert_eq!(
        (
            theirs.role.as_str(),
            theirs.name.as_deref(),
            theirs.label.as_str()
        ),
        ("volunteer", Some("欧阳晓岚"), "join")
    );
    assert_eq!(theirs.person, w.devices[&Volunteer].me());
    assert!(theirs.last_seen_at.is_some() && theirs.revoked_at.is_none());
    let gone = find(&listed, &w.revoked_token).expect("the revoked coordinator's device");
    assert_eq!(
        (
            gone.role.as_str(),
            gone.person.as_str(),
            gone.name.as_deref()
        ),
        ("coordinator", w.revoked_id.as_str(), Some("离任协调员"))
    );
    assert!(gone.revoked_at.is_some());
    let both: Vec<_> = listed
        .devices
        .iter()
        .filter(|d| d.person == two_phones)
        .collect();
    assert_eq!(both.len(), 2, "one line per device, not per person");
    for token in [&other_coordinator, &other_volunteer] {
        assert!(find(&listed, token).is_none(), "another village's device");
    }
    for text in [VILLAGE_B_NAME, "钱主任", "诸葛海燕", "上官建国"] {
        assert!(!body.contains(text), "{text}");
    }

    // The other village's coordinator sees only theirs, and cannot revoke ours.
    let (status, body) = list_devices(&w, Some(&other_coordinator)).await;
    let theirs = devices(status, &body);
    assert!(find(&theirs, &other_coordinator).is_some_and(|d| d.current));
    assert!(find(&theirs, &other_volunteer).is_some());
    for token in village_a_tokens {
        assert!(
            find(&theirs, token).is_none(),
            "village A's device in B's list"
        );
    }
    for text in ["欧阳晓岚", "两机志愿者", "离任协调员", "示范协调员"] {
        assert!(!body.contains(text), "{text}");
    }
    let ours = json!({ "device": device_of(&first_phone) });
    let (status, body) = revoke(&w, Some(&other_coordinator), &ours).await;
    assert_eq!(error_code(status, &body, 404), "unknown_device");
    assert_eq!(sync_status(&w, &first_phone).await, 200, "still live");

    // Malformed requests and unknown devices.
    for (body, status, code) in [
        (json!({"device": "not-a-device"}), 404, "unknown_device"),
        (json!({"device": "0000000000000000"}), 404, "unknown_device"),
        (
            json!({"device": device_of(&first_phone), "all": true}),
            400,
            "invalid_body",
        ),
        (
            json!({"devices": [device_of(&first_phone)]}),
            400,
            "invalid_body",
        ),
    ] {
        let (got, text) = revoke(&w, Some(&coordinator), &body).await;
        assert_eq!(error_code(got, &text, status), code, "{body}");
    }
    let response = w
        .http
        .post(format!("{}/api/v1/devices/revoke", w.server.base))
        .bearer_auth(&coordinator)
        .header("content-type", "application/json")
        .body("{\"device\": ")
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(error_code(status, &text, 400), "invalid_json");
    assert_eq!(sync_status(&w, &first_phone).await, 200, "still live");

    // The coordinator revokes one of the volunteer's two phones: that one is cut off at its
    // next request, the other keeps working.
    let (status, body) = revoke(&w, Some(&coordinator), &ours).await;
    assert_eq!(status, 200, "{body}");
    let raw: Value = serde_json::from_str(&body).expect("JSON");
    let revoked = raw["device"].clone();
    assert_eq!(revoked["device"], device_of(&first_phone));
    assert_eq!(revoked["person"], two_phones.as_str());
    assert_eq!(revoked["current"], false);
    let revoked_at = revoked["revoked_at"].as_i64().expect("revoked_at");
    assert_eq!(sync_status(&w, &first_phone).await, 401);
    assert_eq!(sync_status(&w, &second_phone).await, 200);
    let (status, body) = list_devices(&w, Some(&first_phone)).await;
    assert_eq!(error_code(status, &body, 401), "unauthorized");
    // Again (an answer lost): the same answer, the first revocation's time.
    let (status, body) = revoke(&w, Some(&coordinator), &ours).await;
    assert_eq!(status, 200, "{body}");
    let again: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(again["device"]["revoked_at"], revoked_at);
    let (status, body) = list_devices(&w, Some(&coordinator)).await;
    let listed = devices(status, &body);
    assert_eq!(
        find(&listed, &first_phone).and_then(|d| d.revoked_at),
        Some(revoked_at)
    );
    assert!(find(&listed, &second_phone).is_some_and(|d| d.revoked_at.is_none()));

    // The endpoints are in the OpenAPI document.
    let doc: Value = w
        .http
        .get(format!("{}/api/v1/openapi.json", w.server.base))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert!(doc["paths"]["/api/v1/devices"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/devices/revoke"]["post"]["responses"]["404"].is_object());
}
