//! Issue 7's trust part over the real binary and a real SQLite file: a volunteer's raw sync
//! answers never carry a card code; five wrong codes lock a record (and the sixth, right, is
//! refused); an approved record's ledger line comes back chained, signed and verifiable with
//! the village's published key; the statement endpoint's access rules.

mod support;

use linli_core::ledger::{LedgerEntry, LedgerLine, Statement};
use linli_core::sync::protocol::SCHEMA_VERSION;
use linli_core::sync::Mutation;
use linli_core::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, NaiveDate, Task, TaskId, TaskKind, TimeDelta,
    VillageGroupId,
};
use linli_server::signing::verify_statement;
use serde_json::{json, Value};
use support::{http_client, join, login, post, scratch_dir, Server};

const CARD: &str = "730452";
const BENEFICIARY: &str = "b-trust-1";
const TASK: &str = "t-trust-1";

/// One device's raw sync: pushes `mutations` (numbered from `first_id`) and pulls everything
/// (no cookie, no `max_records`: the whole pull in one answer). The raw body and its JSON.
async fn sync(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client: &str,
    first_id: u64,
    mutations: &[Mutation],
) -> (String, Value) {
    let pushed: Vec<Value> = mutations
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": first_id + i as u64, "name": m.name(), "args": m.args()}))
        .collect();
    let body = json!({
        "client_id": client,
        "schema_version": SCHEMA_VERSION,
        "cookie": null,
        "mutations": pushed,
    });
    let (status, text) = post(http, base, "/api/v1/sync", Some(token), &body)
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{text}");
    let value: Value = serde_json::from_str(&text).expect("JSON");
    (text, value)
}

fn results(answer: &Value) -> Vec<Value> {
    answer["results"].as_array().expect("results").clone()
}

fn applied(answer: &Value) {
    for result in results(answer) {
        assert_eq!(result["status"], "applied", "{result}");
    }
}

fn record(answer: &Value, key: &str) -> Option<Value> {
    answer["patch"]
        .as_array()
        .expect("patch")
        .iter()
        .find(|op| op["key"] == key)
        .map(|op| op["value"].clone())
}

async fn get(http: &reqwest::Client, base: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut request = http.get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

fn the_visit() -> Task {
    let start = NaiveDate::from_ymd_opt(2027, 5, 4)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("time");
    Task::builder(
        TASK,
        TaskKind::HomeVisit,
        "探访",
        start,
        start + TimeDelta::hours(1),
    )
    .beneficiary(BeneficiaryId::new(BENEFICIARY))
    .build()
    .expect("task")
}

fn elder() -> Beneficiary {
    Beneficiary {
        id: BeneficiaryId::new(BENEFICIARY),
        name: "信任测试老人".into(),
        group: VillageGroupId::numbered(1),
        gender: None,
        birth_year: Some(1938),
        flags: BeneficiaryFlags::default(),
        needs: vec![TaskKind::HomeVisit],
        preferences: Default::default(),
        private: None,
    }
}

#[tokio::test]
async fn card_codes_stay_with_coordinators_wrong_codes_lock_and_approved_hours_come_back_signed() {
    let dir = scratch_dir();
    let server = Server::start_with_args(
        &dir.path().join("linli.sqlite3"),
        &["--sync-rate-limit", "0"],
    );
    let (http, base) = (http_client(), server.base.clone());
    let (coordinator, actor) = login(&http, &base, &server.login_code).await;
    let village = actor.village.as_str().to_owned();
    let joined = join(&http, &base, "信任测试员", "13955550001").await;
    let (volunteer, me) = (joined.token.clone(), joined.volunteer_id.clone());
    let who = linli_core::VolunteerId::new(me.as_str());
    let task = the_visit();

    // The coordinator registers the elder, prints her card, posts the visit.
    let (_, answer) = sync(
        &http,
        &base,
        &coordinator,
        "desk",
        1,
        &[
            Mutation::CreateBeneficiary {
                beneficiary: elder(),
            },
            Mutation::SetCardCode {
                beneficiary: BeneficiaryId::new(BENEFICIARY),
                code: CARD.into(),
            },
            Mutation::CreateTask { task: task.clone() },
        ],
    )
    .await;
    applied(&answer);
    let card =
        record(&answer, &format!("card/{BENEFICIARY}")).expect("the coordinator holds the card");
    assert_eq!(card["code"], CARD);
    assert!(card["issued"].as_i64().is_some(), "{card}");

    // The volunteer takes the visit, checks in and out, and co-signs with wrong codes.
    let t = TaskId::new(TASK);
    let visit = [
        Mutation::SignUp { task: t.clone() },
        Mutation::CheckIn {
            task: t.clone(),
            at: task.start,
        },
        Mutation::CheckOut {
            task: t.clone(),
            at: task.start + TimeDelta::minutes(75),
        },
    ];
    let (raw, answer) = sync(&http, &base, &volunteer, "phone", 1, &visit).await;
    applied(&answer);
    let mut volunteer_bodies = vec![raw];
    let wrong: Vec<Mutation> = (0..5)
        .map(|_| Mutation::ConfirmVisit {
            task: t.clone(),
            code: "111111".into(),
        })
        .collect();
    let (raw, answer) = sync(&http, &base, &volunteer, "phone", 4, &wrong).await;
    volunteer_bodies.push(raw);
    let verdicts: Vec<(String, i64)> = results(&answer)
        .iter()
        .map(|r| {
            assert_eq!(
                r["status"], "applied",
                "a wrong code is kept, not rolled back: {r}"
            );
            let outcome = &r["outcome"];
            assert_eq!(outcome["kind"], "visit_code", "{r}");
            (
                outcome["verdict"].as_str().expect("verdict").to_owned(),
                outcome["attempts_left"].as_i64().expect("attempts left"),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("wrong".into(), 4),
            ("wrong".into(), 3),
            ("wrong".into(), 2),
            ("wrong".into(), 1),
            ("locked".into(), 0),
        ]
    );
    let service_key = format!("service/{TASK}/{me}");
    let locked = record(&answer, &service_key).expect("own service record");
    assert_eq!(locked["wrong_codes"], 5, "{locked}");
    assert!(
        locked.get("confirmation").is_none(),
        "still unconfirmed: {locked}"
    );

    // Locked: the right code is refused now, without saying what the code is.
    let (raw, answer) = sync(
        &http,
        &base,
        &volunteer,
        "phone",
        9,
        &[Mutation::ConfirmVisit {
            task: t.clone(),
            code: CARD.into(),
        }],
    )
    .await;
    let refused = &results(&answer)[0];
    assert_eq!(refused["status"], "rejected", "{refused}");
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    // That body holds the pushed mutation's result only: the code it names is nowhere in it.
    assert!(!raw.contains(CARD), "{raw}");

    // The coordinator re-opens and confirms by hand, and approves the 75 minutes.
    let (_, answer) = sync(
        &http,
        &base,
        &coordinator,
        "desk",
        4,
        &[
            Mutation::ReopenConfirmation {
                task: t.clone(),
                volunteer: who.clone(),
            },
            Mutation::ConfirmService {
                task: t.clone(),
                volunteer: who.clone(),
            },
            Mutation::ApproveService {
                task: t.clone(),
                volunteer: who.clone(),
            },
            // Bulk approval sent twice: harmless.
            Mutation::ApproveService {
                task: t.clone(),
                volunteer: who.clone(),
            },
        ],
    )
    .await;
    applied(&answer);
    let reviewed = record(&answer, &service_key).expect("the record");
    assert_eq!(reviewed["confirmation"]["state"], "confirmed", "{reviewed}");
    assert_eq!(reviewed["confirmation"]["how"], "coordinator", "{reviewed}");
    assert!(
        reviewed["confirmation"]["received"].as_i64().is_some(),
        "{reviewed}"
    );
    assert_eq!(
        reviewed["reviews"].as_array().map(Vec::len),
        Some(1),
        "{reviewed}"
    );
    assert_eq!(reviewed["reviews"][0]["minutes"], 75);

    // The volunteer's pull: their record, their signed line, and no card code anywhere.
    let (raw, answer) = sync(&http, &base, &volunteer, "phone", 10, &[]).await;
    volunteer_bodies.push(raw);
    for body in &volunteer_bodies {
        assert!(!body.contains(CARD), "a volunteer received the card code");
        assert!(
            !body.contains("\"card/"),
            "a volunteer received a card record"
        );
    }
    let key = format!("ledger/{me}/00000001");
    let line: LedgerLine =
        serde_json::from_value(record(&answer, &key).expect("their ledger line")).expect("line");
    assert_eq!(line.amount, 125, "75 minutes at one credit an hour");
    assert!(matches!(
        line.entry,
        LedgerEntry::ServiceCredit { minutes: 75, .. }
    ));
    assert_eq!(line.prev, "");
    assert!(line.at > 1_700_000_000, "the server's clock: {}", line.at);
    assert!(line.signature.is_some(), "signed by the server");
    assert!(
        record(&answer, &format!("ledger/{me}/00000002")).is_none(),
        "one credit only"
    );

    // The statement verifies under the village's published key.
    let (status, text) = get(
        &http,
        &base,
        &format!("/api/v1/villages/{village}/key"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let published: Value = serde_json::from_str(&text).expect("key");
    let public_key = published["public_key"].as_str().expect("public key");
    let path = format!("/api/v1/ledger/{me}/statement");
    let (status, text) = get(&http, &base, &path, Some(&volunteer)).await;
    assert_eq!(status, 200, "{text}");
    let statement: Statement = serde_json::from_str(&text).expect("statement");
    assert_eq!(statement.lines, vec![line.clone()]);
    assert_eq!(statement.balance, 125);
    let verified = verify_statement(&statement, public_key).expect("verifies");
    assert_eq!((verified.lines, verified.balance), (1, 125));
    // A line altered after signing does not.
    let mut forged = statement.clone();
    forged.lines[0].amount = 12_500;
    forged.balance = 12_500;
    assert!(verify_statement(&forged, public_key).is_err());

    // A transfer to the elder chains a second signed line after the first.
    let (_, answer) = sync(
        &http,
        &base,
        &volunteer,
        "phone",
        10,
        &[Mutation::TransferCredits {
            to: BENEFICIARY.into(),
            amount: 25,
            reason: "给李奶奶".into(),
        }],
    )
    .await;
    applied(&answer);
    let (status, text) = get(&http, &base, &path, Some(&volunteer)).await;
    assert_eq!(status, 200, "{text}");
    let statement: Statement = serde_json::from_str(&text).expect("statement");
    assert_eq!(statement.lines.len(), 2);
    assert_eq!(statement.lines[1].prev, statement.lines[0].chain_hash());
    assert_eq!(
        verify_statement(&statement, public_key)
            .expect("verifies")
            .balance,
        100
    );
    let elder_path = format!("/api/v1/ledger/{BENEFICIARY}/statement");
    let (status, text) = get(&http, &base, &elder_path, Some(&coordinator)).await;
    assert_eq!(status, 200, "{text}");
    let elder_statement: Statement = serde_json::from_str(&text).expect("statement");
    assert_eq!(
        verify_statement(&elder_statement, public_key)
            .expect("verifies")
            .balance,
        25
    );

    // Who may read which statement.
    let error_code = |text: &str| -> String {
        let v: Value = serde_json::from_str(text).expect("JSON error");
        v["error"]["code"].as_str().unwrap_or_default().to_owned()
    };
    let (status, text) = get(&http, &base, &elder_path, Some(&volunteer)).await;
    assert_eq!(
        (status, error_code(&text)),
        (403, "forbidden".into()),
        "{text}"
    );
    let (status, text) = get(&http, &base, &path, None).await;
    assert_eq!(
        (status, error_code(&text)),
        (401, "unauthorized".into()),
        "{text}"
    );
    let (status, text) = get(
        &http,
        &base,
        "/api/v1/ledger/v-9999/statement",
        Some(&coordinator),
    )
    .await;
    assert_eq!(
        (status, error_code(&text)),
        (404, "unknown_account".into()),
        "{text}"
    );
    let (status, _) = get(&http, &base, &path, Some(&coordinator)).await;
    assert_eq!(
        status, 200,
        "a coordinator reads any account of the village"
    );
}

/// `admin set-credit-rate`, run beside the serving server: every device receives the village's
/// new rate, the next approval earns at it, and a bad amount or village is refused plainly.
#[tokio::test]
async fn the_credit_rate_an_operator_sets_prices_the_next_approval() {
    let dir = scratch_dir();
    let db = dir.path().join("linli.sqlite3");
    let server = Server::start_with_args(&db, &["--sync-rate-limit", "0"]);
    let (http, base) = (http_client(), server.base.clone());
    let (coordinator, actor) = login(&http, &base, &server.login_code).await;
    let village = actor.village.as_str().to_owned();
    let joined = join(&http, &base, "费率测试员", "13955550002").await;
    let (volunteer, me) = (joined.token.clone(), joined.volunteer_id.clone());

    let (ok, out, err) = support::admin(
        &db,
        &[
            "set-credit-rate",
            "--village",
            &village,
            "--credits-per-hour",
            "2",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("2.00 credits per hour"), "{out}");
    for (args, says) in [
        (
            vec!["--village", village.as_str(), "--credits-per-hour", "1.555"],
            "not an amount",
        ),
        (
            vec!["--village", "vil-nowhere", "--credits-per-hour", "1"],
            "no village",
        ),
        (
            vec!["--village", village.as_str(), "--credits-per-hour", "101"],
            "invalid village",
        ),
    ] {
        let mut all = vec!["set-credit-rate"];
        all.extend(args);
        let (ok, out, err) = support::admin(&db, &all);
        assert!(!ok && err.contains(says), "{all:?}: {out}{err}");
    }

    let task = the_visit();
    let t = TaskId::new(TASK);
    let (_, answer) = sync(
        &http,
        &base,
        &coordinator,
        "desk",
        1,
        &[
            Mutation::CreateBeneficiary {
                beneficiary: elder(),
            },
            Mutation::CreateTask { task: task.clone() },
        ],
    )
    .await;
    applied(&answer);
    let visit = [
        Mutation::SignUp { task: t.clone() },
        Mutation::CheckIn {
            task: t.clone(),
            at: task.start,
        },
        Mutation::CheckOut {
            task: t.clone(),
            at: task.start + TimeDelta::minutes(75),
        },
    ];
    let (_, answer) = sync(&http, &base, &volunteer, "phone", 1, &visit).await;
    applied(&answer);
    let held = record(&answer, &format!("village/{village}")).expect("the village");
    assert_eq!(
        held["credit_rate_per_hour"], 200,
        "the phone learns the rate"
    );

    let approve = Mutation::ApproveService {
        task: t.clone(),
        volunteer: linli_core::VolunteerId::new(me.as_str()),
    };
    let (_, answer) = sync(&http, &base, &coordinator, "desk", 3, &[approve]).await;
    applied(&answer);
    let (_, answer) = sync(&http, &base, &volunteer, "phone", 4, &[]).await;
    let line = record(&answer, &format!("ledger/{me}/00000001")).expect("the credit");
    assert_eq!(
        line["amount"], 250,
        "75 minutes at 2 credits an hour: {line}"
    );
}
