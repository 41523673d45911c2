//! The time bank's signatures from the outside: the real `linli-server verify` binary on
//! statement files (a good one passes, a tampered or truncated one fails with its reason, an
//! unsealed one passes with a warning, bad input is reported without a panic), and
//! `GET /api/v1/villages/{id}/key` over real HTTP, whose key is the one the village's lines and
//! exported statements are signed with.

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use linli_core::ledger::{balance, credits_for_minutes, LedgerEntry, LedgerLine, Statement};
use linli_core::{TaskId, VolunteerId};
use linli_server::signing::{seal_statement, sign_line, VillageKey};
use linli_server::storage::Storage;
use serde_json::Value;
use support::{http_client, join, scratch_dir, Server};

const VILLAGE: &str = "vil-0001";

fn verify(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .arg("verify")
        .args(args)
        .env("LINLI_LOG", "warn")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run verify");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).expect("write stdin");
    }
    child.wait_with_output().expect("verify output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// v-0001 earns 1.50 and 1.00, gives 0.50 to b-0007: 2.00 left. `sign` signs as the server does.
fn statement(public_key: String, mut sign: impl FnMut(&mut LedgerLine)) -> Statement {
    let drafts = [
        (90, None),
        (60, None),
        (
            -50,
            Some(LedgerEntry::TransferOut {
                to: "b-0007".into(),
            }),
        ),
    ];
    let mut lines: Vec<LedgerLine> = Vec::new();
    for (i, (amount_or_minutes, entry)) in drafts.into_iter().enumerate() {
        let (amount, entry) = match entry {
            Some(entry) => (amount_or_minutes, entry),
            None => (
                credits_for_minutes(amount_or_minutes, 100),
                LedgerEntry::ServiceCredit {
                    task: TaskId::new(format!("t-{i}")),
                    volunteer: VolunteerId::new("v-0001"),
                    minutes: amount_or_minutes,
                },
            ),
        };
        let mut line = LedgerLine {
            account: "v-0001".into(),
            seq: 0,
            at: 1_780_000_000 + i as i64 * 3600,
            amount,
            entry,
            by: "c-demo".into(),
            reason: "探访王奶奶".into(),
            prev: String::new(),
            signature: None,
        };
        line.chain_after(lines.last());
        sign(&mut line);
        lines.push(line);
    }
    Statement {
        village_id: VILLAGE.into(),
        village_name: "示范村".into(),
        account: "v-0001".into(),
        public_key,
        balance: balance(&lines),
        lines,
        seal: None,
    }
}

/// When [`sealed`] statements were issued: 2026-05-28 23:26:40 UTC.
const ISSUED_AT: i64 = 1_780_010_800;

/// [`statement`] signed and sealed by `key`, as the statement endpoint exports it.
fn sealed(key: &VillageKey) -> Statement {
    let mut s = statement(key.public_key_base64(), |line| sign_line(key, line));
    seal_statement(key, &mut s, ISSUED_AT);
    s
}

fn write(dir: &Path, name: &str, value: &impl serde::Serialize) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    path.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn verify_passes_a_good_statement_and_names_what_is_wrong_with_a_tampered_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = VillageKey::generate();
    let public_key = key.public_key_base64();
    let good = sealed(&key);
    let good_file = write(dir.path(), "good.json", &good);

    let out = verify(&[&good_file, "--key", &public_key], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("valid statement"), "{stdout}");
    assert!(stdout.contains("account: v-0001"), "{stdout}");
    assert!(stdout.contains("lines: 3"), "{stdout}");
    assert!(
        stdout.contains("balance: 2.00 credits (200 hundredths)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sealed: issued at 2026-05-28 23:26:40 UTC (unix 1780010800)"),
        "{stdout}"
    );
    assert!(!text(&out.stderr).contains("warning"));

    // The amount of line 2 raised from 1.00 to 10.00, the balance adjusted to match.
    let mut tampered = serde_json::to_value(&good).expect("json");
    tampered["lines"][1]["amount"] = 1000.into();
    tampered["balance"] = 1100.into();
    let tampered_file = write(dir.path(), "tampered.json", &tampered);
    let out = verify(&[&tampered_file, "--key", &public_key], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("INVALID"), "{stderr}");
    assert!(stderr.contains("line 2 (seq 2)"), "{stderr}");
    assert!(stderr.contains("signature does not match"), "{stderr}");
    assert!(!text(&out.stdout).contains("valid statement"));

    // Only the balance edited.
    let mut richer = serde_json::to_value(&good).expect("json");
    richer["balance"] = 99_900.into();
    let richer_file = write(dir.path(), "richer.json", &richer);
    let out = verify(&[&richer_file, "--key", &public_key], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("balance is 999.00 credits but its lines add up to 2.00 credits"),
        "{stderr}"
    );

    // A middle line removed.
    let mut shorter = good.clone();
    shorter.lines.remove(1);
    shorter.balance = balance(&shorter.lines);
    let shorter_file = write(dir.path(), "shorter.json", &shorter);
    let out = verify(&[&shorter_file, "--key", &public_key], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 2 has seq 3 where seq 2 was expected"),
        "{stderr}"
    );

    // The last two lines cut off and the balance lowered to match (2.00 down to 1.50): every
    // remaining line is genuine and chained, only the seal tells.
    let mut truncated = good.clone();
    truncated.lines.truncate(1);
    truncated.balance = balance(&truncated.lines);
    assert_eq!(truncated.balance, 150);
    let truncated_file = write(dir.path(), "truncated.json", &truncated);
    let out = verify(&[&truncated_file, "--key", &public_key], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("INVALID"), "{stderr}");
    assert!(
        stderr.contains(
            "the seal says the statement had 3 lines when it was issued, but it has 1: lines \
             were cut off its end"
        ),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("valid statement"));

    // The same with its seal removed: it verifies (as a statement from before seals would),
    // and says plainly that it cannot show it is complete.
    let mut stripped = serde_json::to_value(&truncated).expect("json");
    stripped
        .as_object_mut()
        .expect("object")
        .remove("seal")
        .expect("it had a seal");
    let stripped_file = write(dir.path(), "stripped.json", &stripped);
    let out = verify(&[&stripped_file, "--key", &public_key], None);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("lines: 1"), "{stdout}");
    assert!(stdout.contains("sealed: no"), "{stdout}");
    assert!(
        stderr.contains("warning: the statement has no seal, so nothing shows that no lines were cut off its end"),
        "{stderr}"
    );

    // Another village's key.
    let other = VillageKey::generate().public_key_base64();
    let out = verify(&[&good_file, "--key", &other], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not with the key it is checked against"),
        "{stderr}"
    );
}

#[test]
fn without_a_key_verify_says_the_key_was_not_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A forger's statement, signed with a key of their own: valid in itself, and the output
    // says plainly that nothing tied it to the village.
    let forger = VillageKey::generate();
    let forged = sealed(&forger);
    let file = write(dir.path(), "forged.json", &forged);
    let out = verify(&[&file], None);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(3),
        "no --key: not the whole proof. {stdout}{stderr}"
    );
    assert!(
        stdout.contains("NOT checked against the village's published key"),
        "{stdout}"
    );
    assert!(stderr.contains("warning: no --key given"), "{stderr}");
    assert!(stderr.contains("/api/v1/villages/vil-0001/key"), "{stderr}");

    // Standard input works too.
    let bytes = std::fs::read(&file).expect("read");
    let out = verify(&["-", "--key", &forger.public_key_base64()], Some(&bytes));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn unreadable_input_is_reported_without_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = VillageKey::generate().public_key_base64();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, b"{\"village_id\": \"vil-0001\", \"lines\": [").expect("write");
    let wrong_shape = dir.path().join("shape.json");
    std::fs::write(&wrong_shape, br#"{"village_id": 1}"#).expect("write");
    let missing = dir.path().join("missing.json");
    let good = write(
        dir.path(),
        "good.json",
        &statement(key.clone(), |_| {}), // unsigned: readable, not valid
    );
    let cases: [(Vec<&str>, &str, i32); 5] = [
        (
            vec![garbage.to_str().expect("path"), "--key", &key],
            "not a ledger statement: ",
            2,
        ),
        (
            vec![wrong_shape.to_str().expect("path"), "--key", &key],
            "not a ledger statement: ",
            2,
        ),
        (
            vec![missing.to_str().expect("path"), "--key", &key],
            "cannot read",
            2,
        ),
        (
            vec![&good, "--key", "bm90IGEga2V5"],
            "--key: the public key to check against is not a base64 Ed25519 public key",
            2,
        ),
        (
            vec![&good, "--key", &key],
            "line 1 (seq 1) has no signature",
            1,
        ),
    ];
    for (args, expected, code) in cases {
        let out = verify(&args, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn the_key_endpoint_publishes_the_key_the_lines_are_signed_with() {
    let dir = scratch_dir();
    let db = dir.path().join("linli.sqlite3");
    let mut server = Server::start(&db);
    let http = http_client();
    let get = |base: String, path: &str| {
        let request = http.get(format!("{base}{path}"));
        async move {
            let response = request.send().await.expect("answer");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body: Value = response.json().await.expect("JSON body");
            (status, content_type, body)
        }
    };

    let path = format!("/api/v1/villages/{VILLAGE}/key");
    let (status, content_type, body) = get(server.base.clone(), &path).await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("application/json"));
    let mut fields: Vec<&String> = body.as_object().expect("object").keys().collect();
    fields.sort();
    assert_eq!(fields, ["algorithm", "public_key", "village_id"]);
    assert_eq!(body["village_id"], VILLAGE);
    assert_eq!(body["algorithm"], "ed25519");
    let public_key = body["public_key"].as_str().expect("key").to_owned();
    assert_eq!(public_key.len(), 44, "{public_key}");
    // Asked again, and after a restart: the same key.
    assert_eq!(get(server.base.clone(), &path).await.2, body);

    let (status, _, body) = get(server.base.clone(), "/api/v1/villages/nowhere/key").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "unknown_village", "{body}");
    assert!(body["error"]["message"].is_string());

    // The OpenAPI document describes the endpoint.
    let (_, _, doc) = get(server.base.clone(), "/api/v1/openapi.json").await;
    let documented = &doc["paths"]["/api/v1/villages/{id}/key"]["get"]["responses"];
    assert!(documented["200"].is_object() && documented["404"].is_object());
    assert!(doc["components"]["schemas"]["VillageKeyResponse"].is_object());

    // A statement as the endpoint exports it is sealed, by the published key, as of now.
    let volunteer = join(&http, &server.base, "审计志愿者", "13800009999").await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let response = http
        .get(format!(
            "{}/api/v1/ledger/{}/statement",
            server.base, volunteer.volunteer_id
        ))
        .bearer_auth(&volunteer.token)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 200);
    let exported = response.text().await.expect("body");
    let answer: Value = serde_json::from_str(&exported).expect("JSON");
    let seal = &answer["seal"];
    assert_eq!(seal["lines"], 0, "{answer}");
    assert_eq!(seal["last_chain_hash"], "", "{answer}");
    assert_eq!(seal["balance"], 0, "{answer}");
    let issued_at = seal["issued_at"].as_i64().expect("issued_at");
    assert!(
        (before - 5..=before + 60).contains(&issued_at),
        "{issued_at}"
    );
    let mut documented: Vec<&String> = doc["components"]["schemas"]["StatementSeal"]["properties"]
        .as_object()
        .expect("the seal's schema")
        .keys()
        .collect();
    let mut answered: Vec<&String> = seal.as_object().expect("seal").keys().collect();
    documented.sort();
    answered.sort();
    assert_eq!(documented, answered);
    let exported_file = dir.path().join("exported.json");
    std::fs::write(&exported_file, &exported).expect("write");
    let out = verify(
        &[exported_file.to_str().expect("path"), "--key", &public_key],
        None,
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("sealed: issued at "), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");

    server.kill();
    server.restart();
    assert_eq!(
        get(server.base.clone(), &path).await.2["public_key"],
        public_key.as_str()
    );
    server.kill();

    // Lines signed by the village's stored key pass `verify --key` with the published key
    // (unsealed, as a statement exported before seals: with the warning).
    let storage = Storage::open(&db).expect("open the database");
    let signed = statement(public_key.clone(), |line| {
        storage.sign_ledger_line(VILLAGE, line).expect("sign");
    });
    drop(storage);
    let file = write(dir.path(), "statement.json", &signed);
    let out = verify(&[&file, "--key", &public_key], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("lines: 3"));
    assert!(text(&out.stderr).contains("warning: the statement has no seal"));
}
