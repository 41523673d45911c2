//! Issue 7, item 4: `GET /api/v1/villages/{id}/figures` against the real binary with the demo
//! village (`serve --demo`), with service given through the real sync API:
//!
//! - the raw body holds no demo volunteer's or beneficiary's name or phone (nor an address, nor
//!   a family contact), and none of the volunteers who served in the test;
//! - its numbers equal what the test counts from what it did itself, including the small-group
//!   rule (a group of one is merged, with the smallest shown group, so it cannot be subtracted);
//! - no account is needed; a bad month (or one outside 2000-01..=2100-12) is a 400 and an
//!   unknown village a 404, both JSON; the answer may be cached briefly; the OpenAPI document
//!   describes it;
//! - the server keeps an answer for a minute: asked again, it sends the same body even after
//!   new service was recorded, while a month not asked before already counts it (including
//!   hours a coordinator set by hand for a volunteer who never checked in).

use std::collections::BTreeMap;

use linli_core::demo::{generate, DemoParams};
use linli_core::sync::Mutation;
use linli_core::{
    Beneficiary, Language, NaiveDate, NaiveDateTime, PreferenceStrength, Task, TaskKind, TimeDelta,
    TimeRange, Volunteer, VolunteerId, WeeklyAvailability,
};
use serde_json::{json, Value};

const VILLAGE: &str = "vil-0001";
const MONTH: &str = "2027-03";

mod support;

/// The real binary with the demo village on a fresh database (`support`'s harness), and the
/// two kinds of request this test makes.
struct Demo {
    /// Kept for its `Drop`: the process ends with the test.
    _server: support::Server,
    base: String,
    login_code: String,
    _dir: tempfile::TempDir,
}

impl Demo {
    fn start() -> Demo {
        let dir = support::scratch_dir();
        let server = support::Server::start(&dir.path().join("linli.sqlite3"));
        Demo {
            base: server.base.clone(),
            login_code: server.login_code.clone(),
            _server: server,
            _dir: dir,
        }
    }

    /// POST that must succeed: the JSON answer.
    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Value {
        let (status, text) = support::post(&support::http_client(), &self.base, path, token, body)
            .await
            .expect("an answer");
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// GET without any credentials: (status, headers, raw body).
    async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }
}

/// A device of one user: its token, client id, next mutation id and cookie.
struct Device {
    token: String,
    client_id: String,
    next_id: u64,
    cookie: Option<u64>,
}

impl Device {
    fn new(token: &str, client_id: &str) -> Device {
        Device {
            token: token.to_owned(),
            client_id: client_id.to_owned(),
            next_id: 1,
            cookie: None,
        }
    }

    /// Pushes `mutations` and requires every one applied; returns the answer's patch as
    /// key → record (everything the user may see, on the device's first sync).
    async fn sync(&mut self, server: &Demo, mutations: &[Mutation]) -> BTreeMap<String, Value> {
        let pushed: Vec<Value> = mutations
            .iter()
            .enumerate()
            .map(
                |(i, m)| json!({"id": self.next_id + i as u64, "name": m.name(), "args": m.args()}),
            )
            .collect();
        let body = json!({
            "client_id": self.client_id,
            "schema_version": linli_core::sync::protocol::SCHEMA_VERSION,
            "cookie": self.cookie,
            "mutations": pushed,
        });
        let answer = server.post("/api/v1/sync", Some(&self.token), &body).await;
        for (result, mutation) in answer["results"]
            .as_array()
            .expect("results")
            .iter()
            .zip(mutations)
        {
            assert_eq!(result["status"], "applied", "{}: {result}", mutation.name());
        }
        self.next_id += mutations.len() as u64;
        self.cookie = answer["cookie"].as_u64();
        answer["patch"]
            .as_array()
            .expect("patch")
            .iter()
            .filter(|op| op["op"] == "put")
            .map(|op| {
                let key = op["key"].as_str().expect("key").to_owned();
                (key, op["value"].clone())
            })
            .collect()
    }
}

/// A volunteer who joined in the test, free all week and speaking Mandarin and the dialect.
struct Joined {
    id: String,
    device: Device,
    name: String,
    phone: String,
    group: String,
}

async fn join(server: &Demo, n: usize, group: &str) -> Joined {
    // Names and phones the demo does not use (its names come from common surnames).
    let name = format!(
        "测试志愿者{}",
        ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑"][n]
    );
    let phone = format!("1770000{n:04}");
    let answer = server
        .post(
            "/api/v1/join",
            None,
            &json!({"invite_code": "DEMO-2026", "name": name, "phone": phone, "group": group}),
        )
        .await;
    let id = answer["volunteer_id"].as_str().expect("id").to_owned();
    let token = answer["token"].as_str().expect("token");
    let mut device = Device::new(token, &format!("figures-phone-{n}"));
    let records = device.sync(server, &[]).await;
    let mut profile: Volunteer =
        serde_json::from_value(records[&format!("volunteer/{id}")].clone()).expect("profile");
    let all_day = TimeRange::new(0, 1440).expect("range");
    profile.availability =
        WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
    profile.max_hours_per_week = 40;
    profile.languages = vec![Language::mandarin(), Language::local_dialect()];
    device
        .sync(server, &[Mutation::UpdateProfile { volunteer: profile }])
        .await;
    Joined {
        id,
        device,
        name,
        phone,
        group: group.to_owned(),
    }
}

fn at(day: u32, hour: u32) -> NaiveDateTime {
    in_month(3, day, hour)
}

fn in_month(month: u32, day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2027, month, day)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("time")
}

fn task(
    id: &str,
    kind: TaskKind,
    start: NaiveDateTime,
    places: u32,
    b: Option<&Beneficiary>,
) -> Task {
    let mut builder = Task::builder(
        id,
        kind,
        kind.label_zh(),
        start,
        start + TimeDelta::hours(1),
    )
    .capacity(1, places);
    if let Some(b) = b {
        builder = builder.beneficiary(b.id.clone()).group(b.group.clone());
    }
    builder.build().expect("task")
}

/// The volunteer signs up for `task`, checks in at its start and out `minutes` later.
async fn serve(server: &Demo, v: &mut Joined, task: &Task, minutes: i64) {
    let id = task.id.clone();
    v.device
        .sync(server, &[Mutation::SignUp { task: id.clone() }])
        .await;
    v.device
        .sync(
            server,
            &[
                Mutation::CheckIn {
                    task: id.clone(),
                    at: task.start,
                },
                Mutation::CheckOut {
                    task: id,
                    at: task.start + TimeDelta::minutes(minutes),
                },
            ],
        )
        .await;
}

/// Every name, phone number and address of the demo village's people and their contacts.
fn demo_personal_data() -> Vec<String> {
    let demo = generate(&DemoParams::village());
    let mut found = Vec::new();
    for v in &demo.volunteers {
        found.push(v.name.clone());
        found.push(v.phone.clone());
    }
    for b in &demo.beneficiaries {
        found.push(b.name.clone());
        if let Some(private) = &b.private {
            found.extend(private.phone.clone());
            found.push(private.address.clone());
            if let Some(contact) = &private.family_contact {
                found.push(contact.name.clone());
                found.push(contact.phone.clone());
            }
        }
    }
    found.retain(|s| !s.trim().is_empty());
    found
}

#[tokio::test]
async fn public_figures_hold_no_personal_data_and_the_right_numbers() {
    let server = Demo::start();
    let demo = generate(&DemoParams::village());
    assert_eq!(demo.village.id.as_str(), VILLAGE);

    // The coordinator posts a class for everyone and a heat-wave check for five elders who
    // live alone (without a strict language wish, so any of our volunteers may go).
    let login = server
        .post("/api/v1/login", None, &json!({"code": server.login_code}))
        .await;
    let mut coordinator = Device::new(login["token"].as_str().expect("token"), "figures-desk");
    let alone: Vec<&Beneficiary> = demo
        .beneficiaries
        .iter()
        .filter(|b| b.flags.elderly && b.flags.lives_alone)
        .collect();
    let checked: Vec<&Beneficiary> = alone
        .iter()
        .copied()
        .filter(|b| {
            b.preferences
                .preferred_language
                .as_ref()
                .is_none_or(|p| p.strength != PreferenceStrength::Hard)
        })
        .take(5)
        .collect();
    assert_eq!(checked.len(), 5, "the demo has elders living alone");
    let class = task(
        "t-fig-class",
        TaskKind::SmartphoneClass,
        at(2, 19),
        20,
        None,
    );
    let checks: Vec<Task> = checked
        .iter()
        .enumerate()
        .map(|(i, b)| {
            task(
                &format!("t-fig-heat-{i}"),
                TaskKind::HeatWaveCheck,
                at(3, 9),
                1,
                Some(b),
            )
        })
        .collect();
    let mut posts = vec![Mutation::CreateTask {
        task: class.clone(),
    }];
    posts.extend(
        checks
            .iter()
            .map(|t| Mutation::CreateTask { task: t.clone() }),
    );
    coordinator.sync(&server, &posts).await;

    // Twelve volunteers: six in the first group, five in the second, one in the third.
    let groups: Vec<String> = demo
        .village
        .groups
        .iter()
        .take(3)
        .map(|g| g.id.as_str().to_owned())
        .collect();
    let mut volunteers = Vec::new();
    for n in 0..12 {
        let group = match n {
            0..=5 => &groups[0],
            6..=10 => &groups[1],
            _ => &groups[2],
        };
        volunteers.push(join(&server, n, group).await);
    }
    // Everyone comes to the class for an hour; volunteers 0..=4 (all of the first group) each
    // do one heat-wave check of 30 minutes.
    let mut expected_minutes = 0;
    let mut by_group: BTreeMap<String, (i64, u32)> = BTreeMap::new();
    for v in volunteers.iter_mut() {
        serve(&server, v, &class, 60).await;
        expected_minutes += 60;
        let entry = by_group.entry(v.group.clone()).or_default();
        entry.0 += 60;
        entry.1 += 1;
    }
    for (v, check) in volunteers.iter_mut().zip(&checks) {
        serve(&server, v, check, 30).await;
        expected_minutes += 30;
        by_group.entry(v.group.clone()).or_default().0 += 30;
    }
    // A check-in without a check-out does not count; service in December 2026 counts in 2026
    // only (the storage picks records by their check-in's year).
    let open = task("t-fig-open", TaskKind::HomeVisit, at(4, 9), 1, None);
    let december_start = NaiveDate::from_ymd_opt(2026, 12, 15)
        .and_then(|d| d.and_hms_opt(14, 0, 0))
        .expect("time");
    let in_december = task("t-fig-dec", TaskKind::WindowDuty, december_start, 1, None);
    coordinator
        .sync(
            &server,
            &[
                Mutation::CreateTask { task: open.clone() },
                Mutation::CreateTask {
                    task: in_december.clone(),
                },
            ],
        )
        .await;
    let last = volunteers.last_mut().expect("a volunteer");
    serve(&server, last, &in_december, 45).await;
    last.device
        .sync(
            &server,
            &[Mutation::SignUp {
                task: open.id.clone(),
            }],
        )
        .await;
    last.device
        .sync(
            &server,
            &[Mutation::CheckIn {
                task: open.id.clone(),
                at: open.start,
            }],
        )
        .await;

    // Anyone may read the figures: no token.
    let (status, headers, body) = server
        .get(&format!("/api/v1/villages/{VILLAGE}/figures?month={MONTH}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(headers["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("application/json"));
    let cache = headers["cache-control"].to_str().expect("ascii");
    assert!(cache.starts_with("public, max-age="), "{cache}");

    // No personal data anywhere in the raw body.
    let mut personal = demo_personal_data();
    for v in &volunteers {
        personal.push(v.name.clone());
        personal.push(v.phone.clone());
    }
    assert!(personal.len() > 600, "{}", personal.len());
    for text in &personal {
        assert!(
            !body.contains(text.as_str()),
            "{text:?} is in the public figures"
        );
    }
    // Nor any id of a person.
    for id in ["\"v-", "\"b-", "\"t-"] {
        assert!(!body.contains(id), "{id} in {body}");
    }

    // The numbers, against what the test did.
    let figures: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(figures["month"], MONTH);
    assert_eq!(figures["village_name"], demo.village.name.as_str());
    assert_eq!(figures["min_group_size"], 5);
    let m = &figures["of_month"];
    assert_eq!(
        m["period"],
        json!({"from": "2027-03-01", "to": "2027-03-31"})
    );
    assert_eq!(m["minutes"], expected_minutes);
    assert_eq!(m["minutes"], 12 * 60 + 5 * 30);
    assert_eq!(m["services"], 12 + 5);
    assert_eq!(m["volunteers"], 12);
    assert_eq!(m["elders_visited"], 5);
    assert_eq!(
        m["heat_wave"],
        json!({"elders_living_alone": alone.len(), "visited": 5, "checks": 5})
    );
    // Kinds: the class (12 volunteers) and the checks (5) are both shown, biggest first.
    assert_eq!(
        m["by_kind"],
        json!({
            "rows": [
                {"kind": "smartphone_class", "minutes": 720, "services": 12, "volunteers": 12},
                {"kind": "heat_wave_check", "minutes": 150, "services": 5, "volunteers": 5}
            ],
            "other": null,
            "withheld": false
        })
    );
    // Groups: the first (6 volunteers) is shown. The third has one volunteer: merged alone it
    // would be the total minus the rest, so the second (5) is merged with it.
    let first = &demo.village.groups[0];
    let (first_minutes, first_people) = by_group[first.id.as_str()];
    assert_eq!(
        m["by_group"]["rows"],
        json!([{"group": first.id.as_str(), "name": first.name, "minutes": first_minutes,
            "services": 6 + 5, "volunteers": first_people}])
    );
    let other_minutes: i64 = groups[1..].iter().map(|g| by_group[g].0).sum();
    assert_eq!(
        m["by_group"]["other"],
        json!({"merged": 2, "minutes": other_minutes, "services": 6, "volunteers": 6})
    );
    for hidden in &groups[1..] {
        assert!(!body.contains(hidden.as_str()), "{hidden} shown");
    }
    // The year is 2027, of which only March has service.
    assert_eq!(figures["of_year"]["minutes"], expected_minutes);
    assert_eq!(
        figures["of_year"]["period"],
        json!({"from": "2027-01-01", "to": "2027-12-31"})
    );

    // December 2026: one volunteer's 45 minutes. Too few people for any breakdown: only the
    // totals are published.
    let (status, _, body) = server
        .get(&format!("/api/v1/villages/{VILLAGE}/figures?month=2026-12"))
        .await;
    assert_eq!(status, 200, "{body}");
    let december: Value = serde_json::from_str(&body).expect("JSON");
    let d = &december["of_month"];
    assert_eq!(
        (&d["minutes"], &d["services"], &d["volunteers"]),
        (&json!(45), &json!(1), &json!(1))
    );
    for breakdown in ["by_kind", "by_group"] {
        assert_eq!(
            d[breakdown],
            json!({"rows": [], "other": null, "withheld": true}),
            "{breakdown}"
        );
    }
    assert_eq!(december["of_year"]["minutes"], 45);
    // A month with nothing: nothing withheld either.
    let (_, _, body) = server
        .get(&format!("/api/v1/villages/{VILLAGE}/figures?month=2027-02"))
        .await;
    let february: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(february["of_month"]["minutes"], 0);
    assert_eq!(february["of_month"]["by_group"]["withheld"], false);
    assert_eq!(february["of_year"]["minutes"], expected_minutes);
}

#[tokio::test]
async fn month_defaults_to_the_village_s_and_bad_requests_get_json_errors() {
    let server = Demo::start();
    let village_month = || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let village = generate(&DemoParams::village()).village;
        linli_core::figures::YearMonth::in_village_at(&village, now as i64)
            .expect("in range")
            .to_string()
    };
    let before = village_month();
    let (status, _, body) = server
        .get(&format!("/api/v1/villages/{VILLAGE}/figures"))
        .await;
    let after = village_month();
    assert_eq!(status, 200, "{body}");
    let figures: Value = serde_json::from_str(&body).expect("JSON");
    let month = figures["month"].as_str().expect("month");
    assert!(month == before || month == after, "{month}");

    let error = |status: u16, body: &str, expected: u16| -> String {
        assert_eq!(status, expected, "{body}");
        let value: Value = serde_json::from_str(body).expect("a JSON error");
        assert!(value["error"]["message"].is_string(), "{body}");
        value["error"]["code"].as_str().expect("code").to_owned()
    };
    for bad in [
        "2027-13",
        "2027-3",
        "March",
        "2027-03-01",
        "%E4%B8%89%E6%9C%88",
    ] {
        let (status, headers, body) = server
            .get(&format!("/api/v1/villages/{VILLAGE}/figures?month={bad}"))
            .await;
        assert_eq!(error(status, &body, 400), "invalid_month", "{bad}");
        assert_eq!(headers["cache-control"], "no-store");
    }
    let (status, _, body) = server.get("/api/v1/villages/vil-none/figures").await;
    assert_eq!(error(status, &body, 404), "unknown_village");
    let (status, _, body) = server
        .get("/api/v1/villages/vil-none/figures?month=2027-01")
        .await;
    assert_eq!(error(status, &body, 404), "unknown_village");

    // Described in the OpenAPI document, with every schema it points to.
    let (status, _, body) = server.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let operation = &doc["paths"]["/api/v1/villages/{id}/figures"]["get"];
    assert!(operation["security"].is_null(), "no token needed");
    for status in ["200", "400", "404"] {
        assert!(operation["responses"][status].is_object(), "{status}");
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.iter().any(|r| r.ends_with("/PublicFigures")));
    for r in refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} points nowhere"
        );
    }
    // The document's schema accepts the figures' keys (every required key is present).
    let required = doc["components"]["schemas"]["PeriodFigures"]["required"]
        .as_array()
        .expect("required");
    for key in required {
        let key = key.as_str().expect("key");
        assert!(!figures["of_month"][key].is_null(), "{key}");
    }
}

#[tokio::test]
async fn answers_are_kept_for_a_minute_and_hours_set_by_hand_count() {
    let server = Demo::start();
    let login = server
        .post("/api/v1/login", None, &json!({"code": server.login_code}))
        .await;
    let mut coordinator = Device::new(login["token"].as_str().expect("token"), "cache-desk");
    // May 2027: no other test here uses it (each test has its own server anyway).
    let window = |n: u32| {
        task(
            &format!("t-cache-{n}"),
            TaskKind::WindowDuty,
            in_month(5, n, 9),
            1,
            None,
        )
    };
    let (first, second, forgotten) = (window(3), window(4), window(5));
    coordinator
        .sync(
            &server,
            &[first.clone(), second.clone(), forgotten.clone()]
                .map(|task| Mutation::CreateTask { task }),
        )
        .await;
    let group = generate(&DemoParams::village()).village.groups[0]
        .id
        .as_str()
        .to_owned();
    let mut a = join(&server, 0, &group).await;
    let mut b = join(&server, 1, &group).await;
    serve(&server, &mut a, &first, 60).await;

    let may = format!("/api/v1/villages/{VILLAGE}/figures?month=2027-05");
    let (status, headers, before) = server.get(&may).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let figures: Value = serde_json::from_str(&before).expect("JSON");
    assert_eq!(figures["of_month"]["minutes"], 60);

    // More service in May: 30 minutes by the clock, and 40 minutes a coordinator set for a
    // volunteer confirmed on a task who never checked in.
    serve(&server, &mut a, &second, 30).await;
    b.device
        .sync(
            &server,
            &[Mutation::SignUp {
                task: forgotten.id.clone(),
            }],
        )
        .await;
    coordinator
        .sync(
            &server,
            &[Mutation::AdjustService {
                task: forgotten.id.clone(),
                volunteer: VolunteerId::new(b.id.clone()),
                minutes: 40,
                reason: "忘记签到，已电话核实".into(),
            }],
        )
        .await;

    // Within the minute, May is the kept answer, byte for byte.
    let (status, headers, again) = server.get(&may).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, before, "the cached answer");
    let cache = headers["cache-control"].to_str().expect("ascii");
    assert!(cache.starts_with("public, max-age="), "{cache}");
    // June was not asked before: computed now, its year has all of May's hours, including
    // the ones set by hand (filed on their task's day, for want of a check-in).
    let (status, _, june) = server
        .get(&format!("/api/v1/villages/{VILLAGE}/figures?month=2027-06"))
        .await;
    assert_eq!(status, 200, "{june}");
    let june: Value = serde_json::from_str(&june).expect("JSON");
    assert_eq!(june["of_month"]["minutes"], 0);
    assert_eq!(june["of_year"]["minutes"], 60 + 30 + 40);
    assert_eq!(june["of_year"]["services"], 3);
    assert_eq!(june["of_year"]["volunteers"], 2);

    // Far-off months are refused before anything is looked up, and not only malformed ones.
    for far in ["9999-01", "1999-12", "2101-01"] {
        let (status, headers, body) = server
            .get(&format!("/api/v1/villages/{VILLAGE}/figures?month={far}"))
            .await;
        assert_eq!(status, 400, "{far}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(error["error"]["code"], "invalid_month", "{far}");
        assert_eq!(headers["cache-control"], "no-store");
    }
    // An unknown village is a 404 every time (not kept, and not answered from May's entry).
    for _ in 0..2 {
        let (status, _, body) = server
            .get("/api/v1/villages/vil-none/figures?month=2027-05")
            .await;
        assert_eq!(status, 404, "{body}");
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}
