//! Every limit, exceeded against the real binary on loopback: the answer is a 4xx JSON error
//! naming the limit (or, for a mutation's arguments, a rejection of that mutation naming it),
//! and the rate limits answer 429 with `Retry-After`.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

struct Server {
    child: Child,
    base: String,
    login_code: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The real binary with `--demo` on a fresh database, and `args` (the limits under test).
    /// Its log (warnings and up) goes to a file the test can read.
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_linli-server"))
            .args(["serve", "--port", "0", "--demo", "--db"])
            .arg(dir.path().join("linli.sqlite3"))
            .arg("--dist")
            .arg(dir.path().join("no-dist"))
            .args(args)
            .env("LINLI_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
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
            login_code: login_code.expect("no demo login code"),
            log,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a response said: status, `Retry-After` (if any) and the JSON body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Answer {
    /// Asserts the JSON error shape and returns the code and message.
    fn error(&self) -> (&str, &str) {
        let code = self.body["error"]["code"].as_str();
        let message = self.body["error"]["message"].as_str();
        match (code, message) {
            (Some(code), Some(message)) => (code, message),
            _ => panic!("{}: not a JSON error: {}", self.status, self.body),
        }
    }
}

/// A client whose connections come from `from` (any 127.x.y.z address is this machine).
fn client_from(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from)
        .build()
        .expect("client")
}

fn client() -> reqwest::Client {
    client_from(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

async fn post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Answer {
    let mut request = client.post(server.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("post");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    assert!(
        content_type.starts_with("application/json"),
        "{status} {content_type}: {text}"
    );
    Answer {
        status,
        retry_after,
        body: serde_json::from_str(&text).expect("JSON"),
    }
}

async fn join(server: &Server, name: &str, phone: &str) -> String {
    let answer = post(
        &client(),
        server,
        "/api/v1/join",
        None,
        json!({"invite_code": "DEMO-2026", "name": name, "phone": phone}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["token"].as_str().expect("token").to_owned()
}

fn sync_body(client_id: &str, mutations: Value) -> Value {
    json!({"client_id": client_id, "schema_version": 1, "cookie": null, "mutations": mutations})
}

#[tokio::test]
async fn guessing_codes_from_one_address_is_stopped_with_429_and_logged() {
    let server = Server::start(&["--auth-failure-limit", "5", "--auth-failure-window", "600"]);
    let me = client();
    let invite = |code: &str| json!({ "invite_code": code });

    // Successes are not counted: a village joining on one Wi-Fi is never limited.
    for _ in 0..10 {
        let answer = post(&me, &server, "/api/v1/invite", None, invite("DEMO-2026")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // Five failures, on any of the three endpoints, use up the address's attempts.
    let wrong = [
        ("/api/v1/invite", invite("GUESS-0001")),
        ("/api/v1/invite", invite("GUESS-0002")),
        (
            "/api/v1/join",
            json!({"invite_code": "GUESS-0003", "name": "猜", "phone": "13800001111"}),
        ),
        ("/api/v1/login", json!({"code": "GUESS-0004"})),
        ("/api/v1/login", json!({"code": "GUESS-0005"})),
    ];
    for (path, body) in wrong {
        let answer = post(&me, &server, path, None, body).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        assert!(answer.retry_after.is_none());
    }
    // Then everything from that address is refused for a while, the right code included.
    let refused = post(&me, &server, "/api/v1/invite", None, invite("DEMO-2026")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let (code, message) = refused.error();
    assert_eq!(code, "rate_limited");
    assert!(message.contains("retry after 120 s"), "{message}");
    // 5 attempts per 600 s: one comes back every 120 s.
    assert_eq!(refused.retry_after.as_deref(), Some("120"));
    let login = json!({ "code": server.login_code });
    let refused = post(&me, &server, "/api/v1/login", None, login.clone()).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.error().0, "rate_limited");

    // Another address has its own attempts.
    let neighbour = client_from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let answer = post(&neighbour, &server, "/api/v1/login", None, login).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    // Other endpoints are not affected by the limit on codes.
    let health = me.get(server.url("/api/health")).send().await.expect("get");
    assert_eq!(health.status(), 200);

    // The guessing is in the log with the address, and no code is.
    let log = server.log();
    assert!(log.contains("127.0.0.1"), "{log}");
    assert!(log.contains("guessing"), "{log}");
    for secret in ["GUESS-000", "DEMO-2026", &server.login_code] {
        assert!(!log.contains(secret), "{secret} logged: {log}");
    }
}

#[tokio::test]
async fn malformed_attempts_count_too_and_wrong_methods_do_not() {
    // With a valid code, join checks the profile after the code, so a 400 tells a guesser
    // the code was right: client errors of any kind are counted.
    let server = Server::start(&["--auth-failure-limit", "2"]);
    let me = client();
    let bad_profile = json!({"invite_code": "GUESS-1", "name": "", "phone": "x"});
    for _ in 0..2 {
        let answer = post(&me, &server, "/api/v1/join", None, bad_profile.clone()).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    let answer = post(&me, &server, "/api/v1/join", None, bad_profile).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    // Unrouted methods and paths are not attempts (and still get their own errors).
    let wrong_method = me
        .get(server.url("/api/v1/join"))
        .send()
        .await
        .expect("get");
    assert_eq!(wrong_method.status(), 405);
}

#[tokio::test]
async fn the_defaults_let_a_village_join_from_one_address() {
    // The end-to-end tests join about twenty volunteers from 127.0.0.1 in a few minutes, with
    // a few wrong codes on the way; a village on one Wi-Fi does the same.
    let server = Server::start(&[]);
    let me = client();
    for n in 0..3 {
        let answer = post(
            &me,
            &server,
            "/api/v1/invite",
            None,
            json!({"invite_code": format!("TYPO-{n}")}),
        )
        .await;
        assert_eq!(answer.status, 403);
    }
    for n in 0..40 {
        join(&server, &format!("村民{n}"), &format!("1380000{n:04}")).await;
    }
}

#[tokio::test]
async fn sync_is_limited_per_token() {
    let server = Server::start(&["--sync-rate-limit", "3"]);
    let first = join(&server, "王小明", "13800001111").await;
    let second = join(&server, "李秀英", "13800002222").await;
    let me = client();
    for _ in 0..3 {
        let answer = post(
            &me,
            &server,
            "/api/v1/sync",
            Some(&first),
            sync_body("phone-1", json!([])),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let refused = post(
        &me,
        &server,
        "/api/v1/sync",
        Some(&first),
        sync_body("phone-1", json!([])),
    )
    .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.error().0, "rate_limited");
    // 3 a minute: one every 20 s.
    assert_eq!(refused.retry_after.as_deref(), Some("20"));
    // Another token has its own budget; no token at all is still a 401.
    let other = post(
        &me,
        &server,
        "/api/v1/sync",
        Some(&second),
        sync_body("phone-2", json!([])),
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.body);
    let anonymous = post(
        &me,
        &server,
        "/api/v1/sync",
        None,
        sync_body("phone-3", json!([])),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn request_limits_are_4xx_json_errors_naming_the_limit() {
    let server = Server::start(&[]);
    let token = join(&server, "王小明", "13800001111").await;
    let me = client();
    let sync = |body: Value| post(&me, &server, "/api/v1/sync", Some(&token), body);

    let answer = sync(json!({"client_id": "p", "schema_version": 1, "cookie": 1u64 << 53})).await;
    assert_eq!(answer.status, 400);
    let (code, message) = answer.error();
    assert_eq!(code, "invalid_cookie");
    assert!(message.contains("9007199254740991"), "{message}");

    let many: Vec<Value> = (1..=101)
        .map(|id| json!({"id": id, "name": "sign_up", "args": {"task": "t-1"}}))
        .collect();
    let answer = sync(sync_body("p", json!(many))).await;
    assert_eq!(answer.status, 413);
    let (code, message) = answer.error();
    assert_eq!(code, "too_many_mutations");
    assert!(message.contains("limit is 100"), "{message}");

    let answer = sync(sync_body(&"x".repeat(65), json!([]))).await;
    assert_eq!(answer.status, 400);
    let (code, message) = answer.error();
    assert_eq!(code, "invalid_client_id");
    assert!(message.contains("1-64"), "{message}");

    // Records per pull page: 1 to 1,000.
    for asked in [0, 1001] {
        let answer =
            sync(json!({"client_id": "p", "schema_version": 1, "max_records": asked})).await;
        assert_eq!(answer.status, 400, "max_records {asked}");
        let (code, message) = answer.error();
        assert_eq!(code, "too_many_records");
        assert!(message.contains("1 to 1000 records per page"), "{message}");
    }
    let answer = sync(json!({"client_id": "p", "schema_version": 1, "cookie": 3,
        "resume": {"after": "k".repeat(201), "since": null}}))
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error().0, "invalid_resume");
    // A place this server never gave out is not an error of the request: a reset starts over.
    let answer = sync(json!({"client_id": "p", "schema_version": 1, "cookie": 3,
        "resume": {"after": "task/t-1", "since": 4}}))
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["reset"], true);
    // A page of the largest size is fine, and a large answer comes in pages.
    let answer = sync(json!({"client_id": "p", "schema_version": 1, "max_records": 1})).await;
    assert_eq!(answer.status, 200);
    let page = &answer.body;
    assert_eq!(page["patch"].as_array().map(Vec::len), Some(1));
    assert!(page["more"]["after"].is_string(), "{page}");

    let long_name =
        json!({"invite_code": "DEMO-2026", "name": "名".repeat(41), "phone": "13800001111"});
    let answer = post(&me, &server, "/api/v1/join", None, long_name).await;
    assert_eq!(answer.status, 400);
    let (code, message) = answer.error();
    assert_eq!(code, "invalid_profile");
    assert!(message.contains("1-40"), "{message}");

    let bad_request_id = json!({"invite_code": "DEMO-2026", "name": "张三",
        "phone": "13800001111", "request_id": "has spaces in it, so no"});
    let answer = post(&me, &server, "/api/v1/join", None, bad_request_id).await;
    assert_eq!(answer.status, 400);
    let (code, message) = answer.error();
    assert_eq!(code, "invalid_profile");
    assert!(message.contains("16-64"), "{message}");
}

#[tokio::test]
async fn argument_limits_reject_the_mutation_naming_the_limit() {
    // A mutation's arguments over a limit reject that mutation (it is consumed, so the device's
    // queue moves on), not the whole request.
    let server = Server::start(&[]);
    let token = join(&server, "王小明", "13800001111").await;
    let me = client();
    let skills = vec![json!("first_aid"); 201];
    let mutations = json!([
        {"id": 1, "name": "save_visit_note", "args": {"task": "t-0001", "note": "长".repeat(2001)}},
        {"id": 2, "name": "update_profile", "args": {"volunteer": {"id": "v-0001", "skills": skills}}},
        {"id": 3, "name": "sign_up", "args": {"task": "t-0001"}},
    ]);
    let answer = post(
        &me,
        &server,
        "/api/v1/sync",
        Some(&token),
        sync_body("phone-1", mutations),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["last_mutation_id"], 3);
    let results = answer.body["results"].as_array().expect("results");
    let error = |i: usize| {
        let e = &results[i]["error"];
        (
            e["code"].as_str().unwrap_or("").to_owned(),
            e["message"].as_str().unwrap_or("").to_owned(),
        )
    };
    let (code, message) = error(0);
    assert_eq!(code, "invalid_args");
    assert!(message.contains("limit of 2000"), "{message}");
    let (code, message) = error(1);
    assert_eq!(code, "invalid_args");
    assert!(message.contains("201 items"), "{message}");
    assert!(message.contains("limit of 200 items"), "{message}");
    // The mutation after them is processed as usual.
    assert_eq!(results[2]["id"], 3);
}
