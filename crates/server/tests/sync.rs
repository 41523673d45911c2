//! `POST /api/v1/sync`, `/join` and `/login` against the real binary on loopback with a real
//! SQLite file (the demo village), checked as a device would see them: raw response bodies,
//! status codes and the coordinator's view of the data.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use linli_core::demo::{generate, DemoParams};
use linli_core::sync::protocol::{
    JoinResponse, PatchOp, PushedMutation, ResultStatus, SyncRequest, SyncResponse,
};
use linli_core::sync::{Mutation, RejectCode};
use linli_core::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPrivate, NaiveDate, Task, TaskId,
    TaskKind, TimeRange, VillageGroupId, Volunteer, VolunteerId, WeeklyAvailability,
};
use serde_json::{json, Value};

struct Server {
    child: Child,
    base: String,
    login_code: String,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The real binary with `--demo` on a fresh database; waits for `listening on` and keeps
    /// the demo coordinator's login code it printed.
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("linli.sqlite3");
        let mut child = Command::new(env!("CARGO_BIN_EXE_linli-server"))
            .args(["serve", "--port", "0", "--demo", "--db"])
            .arg(&db)
            .arg("--dist")
            .arg(dir.path().join("no-dist"))
            .env("LINLI_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start linli-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut login_code = None;
        let mut base = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if let Some(code) = line.strip_prefix("demo coordinator login code: ") {
                login_code = Some(code.trim().to_owned());
            }
            if let Some(url) = line.strip_prefix("listening on ") {
                base = Some(url.trim().to_owned());
                break;
            }
        }
        Server {
            child,
            base: base.expect("server did not start"),
            login_code: login_code.expect("no demo login code printed"),
            db,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `linli-server admin --db <this db> ARGS`; returns stdout.
    fn admin(&self, args: &[&str]) -> String {
        admin(&self.db, args)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: String) -> (u16, String) {
        let mut request = reqwest::Client::new()
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("post");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    async fn login(&self, code: &str) -> String {
        let (status, body) = self
            .post("/api/v1/login", None, json!({ "code": code }).to_string())
            .await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    async fn join(&self, name: &str, phone: &str) -> JoinResponse {
        let (status, body) = self
            .post(
                "/api/v1/join",
                None,
                json!({"invite_code": "DEMO-2026", "name": name, "phone": phone}).to_string(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("join response")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn admin(db: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LINLI_LOG", "warn")
        .output()
        .expect("run admin");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "admin {args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Asserts a JSON error and returns its code.
fn error_code(status: u16, body: &str, expected_status: u16) -> String {
    assert_eq!(status, expected_status, "{body}");
    let body: Value = serde_json::from_str(body).expect("error body is JSON");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

/// A device as the test drives it: numbered mutations, the cookie, and its snapshot.
struct Device {
    client_id: String,
    token: String,
    cookie: Option<u64>,
    next_id: u64,
    snapshot: BTreeMap<String, Value>,
    cookies: Vec<u64>,
}

impl Device {
    fn new(client_id: &str, token: &str) -> Device {
        Device {
            client_id: client_id.to_owned(),
            token: token.to_owned(),
            cookie: None,
            next_id: 1,
            snapshot: BTreeMap::new(),
            cookies: Vec::new(),
        }
    }

    /// Numbers `mutations` after the previous ones and builds the request.
    fn request(&mut self, mutations: &[Mutation]) -> SyncRequest {
        let mutations = mutations
            .iter()
            .map(|m| {
                let id = self.next_id;
                self.next_id += 1;
                PushedMutation::new(id, m, None)
            })
            .collect();
        // Whole answers: these tests read one raw answer each. Pages are tested in
        // `storage::sync`, `limits.rs` and the simulation.
        SyncRequest {
            max_records: None,
            ..SyncRequest::new(self.client_id.clone(), self.cookie, mutations)
        }
    }

    /// Sends `request` (with the current cookie), applies the response; returns it and the raw
    /// body.
    async fn send(&mut self, server: &Server, mut request: SyncRequest) -> (SyncResponse, String) {
        request.cookie = self.cookie;
        let (status, body) = server
            .post(
                "/api/v1/sync",
                Some(&self.token),
                serde_json::to_string(&request).expect("encode"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let response: SyncResponse = serde_json::from_str(&body).expect("sync response");
        if let Some(last) = self.cookies.last() {
            assert!(response.cookie >= *last, "the cookie went backwards");
        }
        self.cookies.push(response.cookie);
        if response.reset {
            self.snapshot.clear();
        }
        for op in &response.patch {
            match op {
                PatchOp::Put { key, value } => {
                    self.snapshot.insert(key.clone(), value.clone());
                }
                PatchOp::Del { key } => {
                    self.snapshot.remove(key);
                }
            }
        }
        self.cookie = Some(response.cookie);
        (response, body)
    }

    async fn sync(&mut self, server: &Server, mutations: &[Mutation]) -> (SyncResponse, String) {
        let request = self.request(mutations);
        self.send(server, request).await
    }

    fn volunteer(&self, id: &str) -> Volunteer {
        serde_json::from_value(self.snapshot[&format!("volunteer/{id}")].clone()).expect("profile")
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 2).expect("date")
}

/// A one-hour home visit on 2027-03-02 (outside the demo programme) for `beneficiary`.
fn visit(id: &str, hour: u32, places: u32, beneficiary: Option<&str>) -> Task {
    let start = date().and_hms_opt(hour, 0, 0).expect("time");
    let end = date().and_hms_opt(hour + 1, 0, 0).expect("time");
    let mut builder =
        Task::builder(id, TaskKind::HomeVisit, "探访", start, end).capacity(1, places);
    if let Some(b) = beneficiary {
        builder = builder.beneficiary(BeneficiaryId::new(b));
    }
    builder.build().expect("task")
}

fn beneficiary(id: &str, address: &str, notes: &str) -> Beneficiary {
    Beneficiary {
        id: BeneficiaryId::new(id),
        name: "测试老人".into(),
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

/// The volunteer's own profile made free all week, so the rules let them take tasks.
fn free_all_week(mut volunteer: Volunteer) -> Mutation {
    let all_day = TimeRange::new(0, 1440).expect("range");
    volunteer.availability =
        WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
    Mutation::UpdateProfile { volunteer }
}

fn applied(response: &SyncResponse) -> Vec<u64> {
    response
        .results
        .iter()
        .filter(|r| r.status == ResultStatus::Applied)
        .map(|r| r.id)
        .collect()
}

fn signup_key(task: &str, volunteer: &str) -> String {
    format!("signup/{task}/{volunteer}")
}

#[tokio::test]
async fn a_retried_push_applies_once_and_a_gap_is_refused() {
    let server = Server::start();
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    let joined = server.join("王小明", "13800001111").await;
    let me = joined.volunteer_id.clone();
    let mut phone = Device::new("phone-1", &joined.token);
    coordinator
        .sync(
            &server,
            &[Mutation::CreateTask {
                task: visit("t-retry", 9, 3, None),
            }],
        )
        .await;
    phone.sync(&server, &[]).await;
    let profile = free_all_week(phone.volunteer(&me));
    let sign_up = Mutation::SignUp {
        task: TaskId::new("t-retry"),
    };
    let request = phone.request(&[profile, sign_up]);

    // The same push three times (the answer was lost twice): applied once.
    let (first, _) = phone.send(&server, request.clone()).await;
    assert_eq!(applied(&first), vec![1, 2], "{:?}", first.results);
    for _ in 0..2 {
        let (again, _) = phone.send(&server, request.clone()).await;
        assert_eq!(again.last_mutation_id, 2);
        assert!(again.results.is_empty(), "a retry is not processed again");
    }
    coordinator.sync(&server, &[]).await;
    let signups: Vec<_> = coordinator
        .snapshot
        .keys()
        .filter(|k| k.starts_with("signup/t-retry/"))
        .collect();
    assert_eq!(signups, vec![&signup_key("t-retry", &me)]);

    // A gap: mutation 3 never arrived, 4 must wait.
    phone.next_id = 4;
    let withdraw = phone.request(&[Mutation::Withdraw {
        task: TaskId::new("t-retry"),
    }]);
    let (gap, _) = phone.send(&server, withdraw).await;
    assert_eq!(gap.last_mutation_id, 2);
    assert!(gap.results.is_empty());
    coordinator.sync(&server, &[]).await;
    assert!(coordinator
        .snapshot
        .contains_key(&signup_key("t-retry", &me)));

    // Once 3 arrives, 3 and 4 are processed in order.
    phone.next_id = 3;
    let both = phone.request(&[
        Mutation::Withdraw {
            task: TaskId::new("t-retry"),
        },
        Mutation::SignUp {
            task: TaskId::new("t-retry"),
        },
    ]);
    let mut reordered = both.clone();
    reordered.mutations.reverse();
    let (done, _) = phone.send(&server, reordered).await;
    assert_eq!(applied(&done), vec![3, 4]);
    assert_eq!(done.last_mutation_id, 4);
    assert!(phone.snapshot.contains_key(&signup_key("t-retry", &me)));
    assert!(phone.cookies.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn private_fields_reach_a_volunteer_only_while_confirmed() {
    let server = Server::start();
    let demo = generate(&DemoParams::village());
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    let address = "幸福路 88号 测试门牌";
    let notes = "青霉素过敏 测试备注";
    coordinator
        .sync(
            &server,
            &[
                Mutation::CreateBeneficiary {
                    beneficiary: beneficiary("b-test", address, notes),
                },
                Mutation::CreateTask {
                    task: visit("t-visit", 10, 1, Some("b-test")),
                },
            ],
        )
        .await;
    let joined = server.join("李秀英", "13800002222").await;
    let me = joined.volunteer_id.clone();
    let mut phone = Device::new("phone-a", &joined.token);
    let (_, first) = phone.sync(&server, &[]).await;
    let profile = free_all_week(phone.volunteer(&me));
    let (_, second) = phone.sync(&server, &[profile]).await;

    // Never any demo beneficiary's private details, nor the new one's before confirmation.
    let private_texts: Vec<String> = demo
        .beneficiaries
        .iter()
        .filter_map(|b| b.private.as_ref())
        .flat_map(|p| [p.address.clone(), p.health_notes.clone()])
        .filter(|t| !t.is_empty())
        .chain([address.to_owned(), notes.to_owned()])
        .collect();
    for body in [&first, &second] {
        for text in &private_texts {
            assert!(!body.contains(text.as_str()), "leaked {text:?}");
        }
    }
    assert!(
        phone.snapshot.contains_key("task/t-visit"),
        "open tasks are visible"
    );
    assert!(!phone.snapshot.contains_key("beneficiary/b-test"));

    // Assigned by the coordinator: the address and notes arrive at the next pull.
    let (assigned, _) = coordinator
        .sync(
            &server,
            &[Mutation::Assign {
                task: TaskId::new("t-visit"),
                volunteer: VolunteerId::new(me.as_str()),
            }],
        )
        .await;
    assert_eq!(applied(&assigned).len(), 1, "{:?}", assigned.results);
    let (pulled, body) = phone.sync(&server, &[]).await;
    assert!(!pulled.reset, "an incremental pull");
    assert!(body.contains(address) && body.contains(notes), "{body}");
    assert!(phone.snapshot.contains_key("beneficiary_private/b-test"));

    // A second volunteer on the waiting list sees the beneficiary's name, not the details.
    let other = server.join("张伟", "13800003333").await;
    let mut other_phone = Device::new("phone-b", &other.token);
    other_phone.sync(&server, &[]).await;
    let profile = free_all_week(other_phone.volunteer(&other.volunteer_id));
    let (waiting, body) = other_phone
        .sync(
            &server,
            &[
                profile,
                Mutation::SignUp {
                    task: TaskId::new("t-visit"),
                },
            ],
        )
        .await;
    assert_eq!(applied(&waiting).len(), 2, "{:?}", waiting.results);
    assert!(other_phone.snapshot.contains_key("beneficiary/b-test"));
    assert!(!body.contains(address) && !body.contains(notes));

    // Unassigned: the device is told to delete them; the waiting volunteer moves up and gets them.
    coordinator
        .sync(
            &server,
            &[Mutation::Unassign {
                task: TaskId::new("t-visit"),
                volunteer: VolunteerId::new(me.as_str()),
            }],
        )
        .await;
    let (dropped, body) = phone.sync(&server, &[]).await;
    assert!(dropped.patch.contains(&PatchOp::Del {
        key: "beneficiary_private/b-test".into()
    }));
    assert!(!body.contains(address) && !body.contains(notes));
    assert!(!phone.snapshot.contains_key("beneficiary_private/b-test"));
    assert!(!phone.snapshot.contains_key(&signup_key("t-visit", &me)));
    let (_, body) = other_phone.sync(&server, &[]).await;
    assert!(
        body.contains(address),
        "the promoted volunteer gets the details"
    );
}

#[tokio::test]
async fn a_volunteer_cannot_do_coordinator_work() {
    let server = Server::start();
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    let (before, _) = coordinator.sync(&server, &[]).await;
    let joined = server.join("王小明", "13800001111").await;
    let me = VolunteerId::new(joined.volunteer_id.as_str());
    let mut phone = Device::new("phone-1", &joined.token);
    let demo_task = coordinator
        .snapshot
        .keys()
        .find_map(|k| k.strip_prefix("task/"))
        .expect("a demo task")
        .to_owned();
    let (response, _) = phone
        .sync(
            &server,
            &[
                Mutation::CreateTask {
                    task: visit("t-forged", 9, 2, None),
                },
                Mutation::Assign {
                    task: TaskId::new(demo_task.as_str()),
                    volunteer: me.clone(),
                },
                Mutation::CancelTask {
                    task: TaskId::new(demo_task.as_str()),
                },
            ],
        )
        .await;
    assert_eq!(response.last_mutation_id, 3, "rejections are consumed");
    assert_eq!(response.results.len(), 3, "one verdict per mutation");
    for result in &response.results {
        assert_eq!(result.status, ResultStatus::Rejected);
        assert_eq!(
            result.error.as_ref().map(|e| e.code),
            Some(RejectCode::Forbidden)
        );
    }
    let task_before = coordinator.snapshot[&format!("task/{demo_task}")].clone();
    let (after, _) = coordinator.sync(&server, &[]).await;
    assert!(!coordinator.snapshot.contains_key("task/t-forged"));
    assert!(!coordinator
        .snapshot
        .contains_key(&signup_key(&demo_task, me.as_str())));
    assert_eq!(
        coordinator.snapshot[&format!("task/{demo_task}")],
        task_before
    );
    assert!(
        after
            .patch
            .iter()
            .all(|op| matches!(op, PatchOp::Put { key, .. } if key.starts_with("volunteer/"))),
        "only the new volunteer changed: {:?}",
        after.patch
    );
    assert!(after.cookie >= before.cookie);
}

#[tokio::test]
async fn tokens_revoked_unknown_or_missing_get_401() {
    let server = Server::start();
    let joined = server.join("王小明", "13800001111").await;
    let mut phone = Device::new("phone-1", &joined.token);
    phone.sync(&server, &[]).await;
    let out = server.admin(&[
        "revoke",
        "--token-of",
        &format!("volunteer:{}", joined.volunteer_id),
    ]);
    assert!(out.contains("revoked 1 token"), "{out}");
    let body = serde_json::to_string(&phone.request(&[])).expect("encode");
    let (status, text) = server
        .post("/api/v1/sync", Some(&joined.token), body.clone())
        .await;
    assert_eq!(error_code(status, &text, 401), "unauthorized");
    let (status, text) = server
        .post("/api/v1/sync", Some("not-a-token"), body.clone())
        .await;
    assert_eq!(error_code(status, &text, 401), "unauthorized");
    let (status, text) = server.post("/api/v1/sync", None, body).await;
    assert_eq!(error_code(status, &text, 401), "unauthorized");
    let listing = server.admin(&["list-devices", "--village", &joined.village_id]);
    assert!(
        listing.contains("phone-1") && listing.contains("revoked="),
        "{listing}"
    );
}

#[tokio::test]
async fn joining_needs_a_live_invite_and_a_valid_profile() {
    let server = Server::start();
    let joined = server.join("王小明", "138 0000 1111").await;
    assert!(joined.token.len() >= 22, "at least 128 bits");
    assert!(joined.volunteer_id.starts_with("v-"));
    let invalid = |code: &str| json!({"invite_code": code, "name": "张三", "phone": "13800001111"});
    let (status, body) = server
        .post("/api/v1/join", None, invalid("WRONG-CODE").to_string())
        .await;
    assert_eq!(error_code(status, &body, 403), "invalid_invite");

    let village = joined.village_id.as_str();
    let expired = server.admin(&["create-invite", "--village", village, "--days", "0"]);
    let expired = expired
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .expect("code");
    let (status, body) = server
        .post("/api/v1/join", None, invalid(expired).to_string())
        .await;
    assert_eq!(error_code(status, &body, 403), "invalid_invite", "expired");
    // The join form checks a code first: a live one names the village and its groups (and
    // nothing about anyone), a dead one gets the same refusal as joining.
    let check = |code: &str| json!({ "invite_code": code }).to_string();
    let (status, body) = server.post("/api/v1/invite", None, check(expired)).await;
    assert_eq!(error_code(status, &body, 403), "invalid_invite");
    let (status, body) = server
        .post("/api/v1/invite", None, check("demo-2026"))
        .await;
    assert_eq!(status, 200, "{body}");
    let opened: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(opened["village_name"], "青溪村");
    let groups = opened["groups"].as_array().expect("groups");
    assert!(groups.len() >= 2, "{body}");
    assert!(groups
        .iter()
        .all(|g| g["id"].is_string() && g["name"].is_string()));
    assert!(!body.contains("1380000"), "no phone numbers: {body}");
    let (status, body) = server
        .post(
            "/api/v1/invite",
            None,
            json!({"invite_code": "x", "extra": 1}).to_string(),
        )
        .await;
    assert_eq!(error_code(status, &body, 400), "invalid_body");

    let fresh = server.admin(&["create-invite", "--village", village]);
    assert!(fresh.contains("/join#"), "{fresh}");
    let fresh = fresh
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .expect("code");
    let (status, body) = server
        .post("/api/v1/join", None, invalid(fresh).to_string())
        .await;
    assert_eq!(status, 200, "{body}");
    server.admin(&["revoke", "--invite", fresh]);
    let (status, body) = server
        .post("/api/v1/join", None, invalid(fresh).to_string())
        .await;
    assert_eq!(error_code(status, &body, 403), "invalid_invite", "revoked");

    // A phone that joined offline retries until it gets an answer: the same request id finds
    // the volunteer made the first time (its answer was lost), with a fresh working token.
    let retried = json!({"invite_code": "DEMO-2026", "name": "周末", "phone": "13800009999",
                         "request_id": "3f1c2a9e-phone-join-0001"})
    .to_string();
    let (status, first) = server.post("/api/v1/join", None, retried.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = server.post("/api/v1/join", None, retried).await;
    assert_eq!(status, 200, "{again}");
    let first: JoinResponse = serde_json::from_str(&first).expect("join");
    let again: JoinResponse = serde_json::from_str(&again).expect("join");
    assert_eq!(
        first.volunteer_id, again.volunteer_id,
        "one volunteer, not two"
    );
    assert_ne!(first.token, again.token);
    let mut phone = Device::new("phone-retry", &again.token);
    phone.sync(&server, &[]).await;
    assert_eq!(phone.volunteer(&again.volunteer_id).name, "周末");
    let short = json!({"invite_code": "DEMO-2026", "name": "周末", "phone": "13800009999",
                       "request_id": "short"});
    let (status, body) = server.post("/api/v1/join", None, short.to_string()).await;
    assert_eq!(error_code(status, &body, 400), "invalid_profile");

    let bad_phone = json!({"invite_code": "DEMO-2026", "name": "张三", "phone": "call me"});
    let (status, body) = server
        .post("/api/v1/join", None, bad_phone.to_string())
        .await;
    assert_eq!(error_code(status, &body, 400), "invalid_profile");
    assert!(body.contains("phone"), "{body}");
    let bad_name = json!({"invite_code": "DEMO-2026", "name": "  ", "phone": "13800001111"});
    let (status, body) = server
        .post("/api/v1/join", None, bad_name.to_string())
        .await;
    assert_eq!(error_code(status, &body, 400), "invalid_profile");
    assert!(body.contains("name"), "{body}");
    let bad_group = json!({"invite_code": "DEMO-2026", "name": "张三", "phone": "13800001111", "group": "g-9999"});
    let (status, body) = server
        .post("/api/v1/join", None, bad_group.to_string())
        .await;
    assert_eq!(error_code(status, &body, 400), "invalid_group");

    // The token works, and the database holds only its hash.
    let mut phone = Device::new("phone-1", &joined.token);
    let (response, _) = phone.sync(&server, &[]).await;
    assert!(response.reset);
    let profile = phone.volunteer(&joined.volunteer_id);
    assert_eq!(profile.name, "王小明");
    assert_eq!(profile.max_hours_per_week, 8);
    assert_eq!(profile.languages, vec![linli_core::Language::mandarin()]);
    assert!(
        !server_db_contains(&server.db, &joined.token),
        "token stored in clear"
    );
}

/// Whether any text column of the database contains `needle`.
fn server_db_contains(db: &Path, needle: &str) -> bool {
    let conn = rusqlite::Connection::open(db).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..columns {
                if let Ok(text) = row.get::<_, String>(i) {
                    if text.contains(needle) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

#[tokio::test]
async fn a_login_code_works_once() {
    let server = Server::start();
    let token = server.login(&server.login_code).await;
    let again = json!({ "code": server.login_code }).to_string();
    let (status, body) = server.post("/api/v1/login", None, again).await;
    assert_eq!(error_code(status, &body, 403), "invalid_login_code");
    assert!(
        !server_db_contains(&server.db, &server.login_code),
        "code stored in clear"
    );
    let mut desk = Device::new("desk-1", &token);
    let (response, _) = desk.sync(&server, &[]).await;
    assert!(desk
        .snapshot
        .keys()
        .any(|k| k.starts_with("beneficiary_private/")));
    assert!(response.reset);

    // A coordinator added with the admin command logs in with the printed code.
    let out = server.admin(&[
        "add-coordinator",
        "--village",
        "vil-0001",
        "--name",
        "赵主任",
    ]);
    assert!(out.contains("/login#"), "{out}");
    let code = out
        .lines()
        .find_map(|l| l.strip_prefix("login code: "))
        .expect("code line");
    server.login(code).await;
}

#[tokio::test]
async fn a_client_id_belongs_to_its_first_user() {
    let server = Server::start();
    let first = server.join("王小明", "13800001111").await;
    let second = server.join("李秀英", "13800002222").await;
    Device::new("shared-phone", &first.token)
        .sync(&server, &[])
        .await;
    let mut intruder = Device::new("shared-phone", &second.token);
    let body = serde_json::to_string(&intruder.request(&[])).expect("encode");
    let (status, text) = server.post("/api/v1/sync", Some(&second.token), body).await;
    assert_eq!(error_code(status, &text, 403), "client_id_in_use");
    let coordinator = server.login(&server.login_code).await;
    let body = serde_json::to_string(&intruder.request(&[])).expect("encode");
    let (status, text) = server.post("/api/v1/sync", Some(&coordinator), body).await;
    assert_eq!(error_code(status, &text, 403), "client_id_in_use");
}

#[tokio::test]
async fn malformed_and_oversized_requests_get_json_errors() {
    let server = Server::start();
    let joined = server.join("王小明", "13800001111").await;
    let token = Some(joined.token.as_str());
    let sync = |body: String| server.post("/api/v1/sync", token, body);

    let (status, body) = sync("{\"client_id\": ".into()).await;
    assert_eq!(error_code(status, &body, 400), "invalid_json");
    let unknown =
        json!({"client_id": "p", "schema_version": 1, "cookie": null, "role": "coordinator"});
    let (status, body) = sync(unknown.to_string()).await;
    assert_eq!(error_code(status, &body, 400), "invalid_body");
    assert!(body.contains("role"), "{body}");

    let many: Vec<Value> = (1..=101)
        .map(|id| json!({"id": id, "name": "sign_up", "args": {"task": "t-1"}}))
        .collect();
    let too_many =
        json!({"client_id": "p", "schema_version": 1, "cookie": null, "mutations": many});
    let (status, body) = sync(too_many.to_string()).await;
    assert_eq!(error_code(status, &body, 413), "too_many_mutations");
    assert!(body.contains("100"), "{body}");

    let long_id = json!({"client_id": "x".repeat(65), "schema_version": 1, "cookie": null});
    let (status, body) = sync(long_id.to_string()).await;
    assert_eq!(error_code(status, &body, 400), "invalid_client_id");
    assert!(body.contains("64"), "{body}");

    // Bad arguments are a rejection of that one mutation (consumed), not of the request.
    let bad_args = json!({"client_id": "p", "schema_version": 1, "cookie": null, "mutations": [
        {"id": 1, "name": "launch_rocket", "args": {}},
        {"id": 2, "name": "sign_up", "args": {"task": "t".repeat(5000)}},
    ]});
    let (status, body) = sync(bad_args.to_string()).await;
    assert_eq!(status, 200, "{body}");
    let response: SyncResponse = serde_json::from_str(&body).expect("response");
    assert_eq!(response.last_mutation_id, 2);
    let codes: Vec<_> = response
        .results
        .iter()
        .map(|r| r.error.as_ref().map(|e| e.code))
        .collect();
    assert_eq!(codes, vec![Some(RejectCode::InvalidArgs); 2]);
}

#[tokio::test]
async fn the_openapi_document_describes_the_endpoints() {
    let server = Server::start();
    let response = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/health",
        "/api/v1/sync",
        "/api/v1/join",
        "/api/v1/login",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["Error"].is_object());
    assert!(doc["components"]["schemas"]["SyncRequest"]["properties"]["mutations"].is_object());
}

#[tokio::test]
async fn a_cookie_from_far_in_the_future_cannot_lock_the_village_out() {
    let server = Server::start();
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    coordinator.sync(&server, &[]).await;
    let joined = server.join("捣乱者", "13800002222").await;
    let mut attacker = Device::new("phone-x", &joined.token);
    attacker.cookie = Some((1 << 53) - 1);
    let request = attacker.request(&[]);
    let (answer, _) = attacker.send(&server, request).await;
    assert!(answer.reset, "an unknown cookie gets a fresh start");
    assert!(
        answer.cookie < 1 << 40,
        "the village's counter was not pushed up"
    );
    // Everyone else keeps syncing, and their changes keep arriving.
    coordinator
        .sync(
            &server,
            &[Mutation::CreateTask {
                task: visit("t-after", 10, 1, None),
            }],
        )
        .await;
    let (next, _) = coordinator.sync(&server, &[]).await;
    assert!(!next.reset);
    assert!(coordinator.snapshot.contains_key("task/t-after"));
}

#[tokio::test]
async fn a_volunteer_never_holds_other_volunteers_or_their_sign_ups() {
    let server = Server::start();
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    coordinator
        .sync(
            &server,
            &[Mutation::CreateTask {
                task: visit("t-two", 9, 2, None),
            }],
        )
        .await;
    let first = server.join("甲", "13800003333").await;
    let second = server.join("乙", "13800004444").await;
    let mut phone_a = Device::new("phone-a", &first.token);
    let mut phone_b = Device::new("phone-b", &second.token);
    for (phone, me) in [
        (&mut phone_a, &first.volunteer_id),
        (&mut phone_b, &second.volunteer_id),
    ] {
        phone.sync(&server, &[]).await;
        let profile = free_all_week(phone.volunteer(me));
        phone
            .sync(
                &server,
                &[
                    profile,
                    Mutation::SignUp {
                        task: TaskId::new("t-two"),
                    },
                ],
            )
            .await;
    }
    coordinator.sync(&server, &[]).await;
    assert!(coordinator
        .snapshot
        .contains_key(&signup_key("t-two", &first.volunteer_id)));
    assert!(coordinator
        .snapshot
        .contains_key(&signup_key("t-two", &second.volunteer_id)));
    // Checked on what the server sent (the device's snapshot is exactly the applied patches),
    // independently of the server's own visibility code: only my profile and my sign-ups.
    phone_a.sync(&server, &[]).await;
    for key in phone_a.snapshot.keys() {
        if key.starts_with("volunteer/") {
            assert_eq!(key, &format!("volunteer/{}", first.volunteer_id));
        }
        if key.starts_with("signup/") {
            assert!(key.ends_with(&format!("/{}", first.volunteer_id)), "{key}");
        }
        assert!(!key.starts_with("beneficiary_private/"), "{key}");
    }
    let demo_volunteers = phone_a
        .snapshot
        .keys()
        .filter(|k| k.starts_with("volunteer/"))
        .count();
    assert_eq!(
        demo_volunteers, 1,
        "the demo village's 300 volunteers stay on the server"
    );
}

#[tokio::test]
async fn check_in_and_out_keep_both_clocks_and_only_first_names_are_shared() {
    let server = Server::start();
    let mut coordinator = Device::new("coord-1", &server.login(&server.login_code).await);
    coordinator
        .sync(
            &server,
            &[Mutation::CreateTask {
                task: visit("t-pair", 9, 2, None),
            }],
        )
        .await;
    let first = server.join("王秀英", "13800005555").await;
    let second = server.join("欧阳明月", "13800006666").await;
    let mut phone_a = Device::new("phone-a", &first.token);
    let mut phone_b = Device::new("phone-b", &second.token);
    let task = || TaskId::new("t-pair");
    for (phone, me) in [
        (&mut phone_a, &first.volunteer_id),
        (&mut phone_b, &second.volunteer_id),
    ] {
        phone.sync(&server, &[]).await;
        let profile = free_all_week(phone.volunteer(me));
        phone
            .sync(&server, &[profile, Mutation::SignUp { task: task() }])
            .await;
    }
    // B checks in and out; the phone's clock says 09:03-10:12 (it may have been offline).
    let at = |h, m| date().and_hms_opt(h, m, 0).expect("time");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let (response, _) = phone_b
        .sync(
            &server,
            &[
                Mutation::CheckIn {
                    task: task(),
                    at: at(9, 3),
                },
                Mutation::CheckOut {
                    task: task(),
                    at: at(10, 12),
                },
                Mutation::SaveVisitNote {
                    task: task(),
                    note: "老人需要续开降压药".into(),
                },
            ],
        )
        .await;
    assert_eq!(applied(&response).len(), 3, "{:?}", response.results);
    let key = format!("service/t-pair/{}", second.volunteer_id);
    let record: linli_core::ServiceRecord =
        serde_json::from_value(phone_b.snapshot[&key].clone()).expect("service record");
    assert_eq!(record.minutes(), Some(69));
    let check_in = record.check_in.expect("check-in");
    assert_eq!(
        check_in.device,
        at(9, 3),
        "the phone's time is kept as given"
    );
    let received = check_in.received.expect("the server's time is added");
    assert!(received >= before && received <= before + 60, "{received}");
    // The coordinator sees the record and the note.
    coordinator.sync(&server, &[]).await;
    assert_eq!(coordinator.snapshot[&key]["note"], "老人需要续开降压药");
    // A sees who else is going by first name only, and never B's record or phone number.
    let (_, raw) = phone_a.sync(&server, &[]).await;
    let roster = &phone_a.snapshot["roster/t-pair"];
    let names: Vec<&str> = roster["going"]
        .as_array()
        .expect("going")
        .iter()
        .filter_map(|e| e["first_name"].as_str())
        .collect();
    assert_eq!(names, vec!["秀英", "明月"]);
    let full = phone_a
        .snapshot
        .values()
        .map(Value::to_string)
        .collect::<String>()
        + &raw;
    assert!(!phone_a.snapshot.contains_key(&key));
    for secret in ["13800006666", "欧阳明月", "降压药"] {
        assert!(!full.contains(secret), "{secret} reached another volunteer");
    }
    // Someone not on the task sees how full it is, not who is going.
    let third = server.join("张三", "13800007777").await;
    let mut phone_c = Device::new("phone-c", &third.token);
    phone_c.sync(&server, &[]).await;
    assert_eq!(phone_c.snapshot["places/t-pair"]["confirmed"], 2);
    assert!(!phone_c.snapshot.contains_key("roster/t-pair"));
    // A notice to the task reaches those on it, and whoever joins the task later.
    let notice = linli_core::Message {
        id: linli_core::MessageId::new("m-heat"),
        audience: linli_core::Audience::Task { task: task() },
        text: "明天高温，请带上防暑药品".into(),
        posted_at: at(8, 0),
    };
    let (response, _) = coordinator
        .sync(&server, &[Mutation::PostMessage { message: notice }])
        .await;
    assert_eq!(applied(&response).len(), 1, "{:?}", response.results);
    phone_c.sync(&server, &[]).await;
    assert!(!phone_c.snapshot.contains_key("message/m-heat"));
    let profile = free_all_week(phone_c.volunteer(&third.volunteer_id));
    phone_c
        .sync(&server, &[profile, Mutation::SignUp { task: task() }])
        .await;
    assert_eq!(
        phone_c.snapshot["message/m-heat"]["text"],
        "明天高温，请带上防暑药品"
    );
    // After withdrawing, A no longer holds the roster.
    phone_a
        .sync(&server, &[Mutation::Withdraw { task: task() }])
        .await;
    assert!(!phone_a.snapshot.contains_key("roster/t-pair"));
}
