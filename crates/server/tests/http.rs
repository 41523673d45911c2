//! The real `linli-server` binary on loopback, with a real SQLite file, checked over HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

const INLINE_LOADER: &str = "import init from '/linli-0123456789abcdef.js'; await init();";

struct TestServer {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    db: PathBuf,
}

/// A fake build: an index.html with an inline loader script (like trunk's), a hashed wasm file,
/// and a service worker.
fn fake_dist(dir: &Path) -> PathBuf {
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).expect("mkdir dist");
    std::fs::write(
        dist.join("index.html"),
        format!(
            "<!doctype html><html><head><script type=\"module\">{INLINE_LOADER}</script>\
             </head><body></body></html>"
        ),
    )
    .expect("index");
    // Large enough and repetitive enough that compression is worth it.
    std::fs::write(
        dist.join("linli-0123456789abcdef_bg.wasm"),
        vec![0u8; 64 * 1024],
    )
    .expect("wasm");
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});\n".repeat(20),
    )
    .expect("sw");
    dist
}

fn spawn(args: &[&str], db: &Path, dist: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .args(["serve", "--port", "0", "--db"])
        .arg(db)
        .arg("--dist")
        .arg(dist)
        .args(args)
        .env("LINLI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start linli-server")
}

fn wait_for_listening(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take()?;
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let line = lines.next()?.ok()?;
        if let Some(url) = line.strip_prefix("listening on ") {
            return Some(url.trim().to_owned());
        }
    }
    None
}

impl TestServer {
    fn start(args: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let dist = fake_dist(dir.path());
        let db = dir.path().join("data").join("linli.sqlite3");
        let mut child = spawn(args, &db, &dist);
        let base = wait_for_listening(&mut child).expect("server did not start");
        TestServer {
            child,
            base,
            _dir: dir,
            db,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGTERM, then the exit status (graceful shutdown must finish promptly).
    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
}

async fn get_json(url: &str) -> serde_json::Value {
    let response = client().get(url).send().await.expect("get");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("json body")
}

async fn error_code(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{status}: {content_type}"
    );
    let body: serde_json::Value = response.json().await.expect("json body");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    let message = body["error"]["message"]
        .as_str()
        .expect("error.message")
        .to_owned();
    (status, code, message)
}

#[tokio::test]
async fn health_reports_version_and_database() {
    let server = TestServer::start(&[]);
    let response = client()
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["status"], "ok");
    assert_eq!(
        body["database"]["schema_version"],
        linli_server::storage::SCHEMA_VERSION
    );
    assert!(
        server.db.exists(),
        "the SQLite file was created in a new directory"
    );
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_get_json_errors() {
    let server = TestServer::start(&[]);
    let response = client()
        .get(server.url("/api/v9/nothing"))
        .send()
        .await
        .expect("get");
    assert_eq!(
        error_code(response).await,
        (
            404,
            "not_found".into(),
            "no API endpoint at /v9/nothing".into()
        )
    );
    let response = client()
        .delete(server.url("/api/health"))
        .send()
        .await
        .expect("delete");
    assert!(response.headers().contains_key("allow"));
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_json_413() {
    let server = TestServer::start(&[]);
    let limit = linli_server::http::MAX_BODY_BYTES;
    let response = client()
        .post(server.url("/api/health"))
        .header("content-type", "application/json")
        .body(vec![b' '; limit + 1])
        .send()
        .await
        .expect("post");
    let (status, code, message) = error_code(response).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(message.contains(&limit.to_string()), "{message}");
    // The server is still fine afterwards.
    let ok = client()
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn index_html_carries_the_csp_and_security_headers() {
    let server = TestServer::start(&[]);
    for path in ["/", "/index.html", "/volunteer", "/coordinator/plan"] {
        let response = client().get(server.url(path)).send().await.expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(INLINE_LOADER.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("default-src 'self'"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        assert!(
            response.text().await.expect("body").contains(INLINE_LOADER),
            "{path}"
        );
    }
    let missing = client()
        .get(server.url("/missing-asset.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(error_code(missing).await.0, 404);
}

#[tokio::test]
async fn assets_get_mime_long_cache_and_compression() {
    let server = TestServer::start(&[]);
    let wasm = server.url("/linli-0123456789abcdef_bg.wasm");
    let plain = client().get(&wasm).send().await.expect("get");
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    for encoding in ["br", "gzip"] {
        let compressed = client()
            .get(&wasm)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("get");
        assert_eq!(compressed.headers()["content-encoding"], encoding);
        let body = compressed.bytes().await.expect("body");
        assert!(
            body.len() < 64 * 1024 / 10,
            "{encoding}: {} bytes",
            body.len()
        );
    }
    let sw = client()
        .get(server.url("/sw.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(sw.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let mut server = TestServer::start(&[]);
    let ok = client()
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
    assert!(server.terminate().success());
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dist = fake_dist(dir.path());
    let db = dir.path().join("future.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).expect("create");
        conn.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 42;")
            .expect("prepare");
    }
    let before = std::fs::read(&db).expect("read");
    let output = spawn(&[], &db, &dist).wait_with_output().expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("schema version 42, newer than this linli-server"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).expect("read"), before);
}

#[tokio::test]
async fn demo_flag_loads_the_demo_village_once() {
    let mut server = TestServer::start(&["--demo"]);
    let body = get_json(&server.url("/api/health")).await;
    assert_eq!(body["database"]["villages"], 1);
    let db = server.db.clone();
    let dir = db.parent().and_then(Path::parent).expect("dir").to_owned();
    assert!(server.terminate().success());
    // Restarting with --demo on the same file keeps one village.
    let mut again = spawn(&["--demo"], &db, &dir.join("dist"));
    let base = wait_for_listening(&mut again).expect("restart");
    let body = get_json(&format!("{base}/api/health")).await;
    assert_eq!(body["database"]["villages"], 1);
    let _ = again.kill();
    let _ = again.wait();
}

/// Cases for the fuzzing tests: a few hundred in the normal test run, as many as
/// `LINLI_FUZZ_CASES` says under `cargo xtask fuzz`.
fn fuzz_cases(default: u64) -> u64 {
    std::env::var("LINLI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A body for `path`: random bytes, a valid body with bytes flipped, inserted or cut, or a
/// valid body with one field replaced by JSON of another shape.
fn fuzz_body(rng: &mut linli_core::rng::SplitMix64, valid: &serde_json::Value) -> Vec<u8> {
    use serde_json::{json, Value};
    let junk = [
        json!(null),
        json!(-1),
        json!(1e300),
        json!(u64::MAX),
        json!(9_007_199_254_740_993u64),
        json!(""),
        json!("\u{0}\u{202e}<script>"),
        json!("x".repeat(70_000)),
        json!([1, "a", null]),
        json!({"id": 1, "name": "sign_up", "args": {"task": [[[]]]}}),
        json!(vec![json!({"id": 1, "name": "sign_up", "args": {}}); 150]),
        json!({"nested": {"deeper": [{"deepest": true}]}}),
    ];
    match rng.below(5) {
        0 => (0..rng.below(300))
            .map(|_| (rng.next_u64() & 0xff) as u8)
            .collect(),
        1 | 2 => {
            let mut bytes = serde_json::to_vec(valid).expect("encode");
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.index(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] ^= 1 << rng.below(8),
                    1 => {
                        let tokens = b"{}[]\",:\\0-e9\xff";
                        bytes.insert(at, tokens[rng.index(tokens.len())]);
                    }
                    2 => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            bytes
        }
        3 => {
            // 200 levels of nesting: deeper than serde_json's recursion limit.
            let depth = 1 + rng.index(200);
            let mut text = "[".repeat(depth);
            text.push_str(&"]".repeat(depth));
            text.into_bytes()
        }
        _ => {
            let mut body = valid.clone();
            if let Value::Object(map) = &mut body {
                let keys: Vec<String> = map.keys().cloned().collect();
                let value = rng.pick(&junk).cloned().unwrap_or(Value::Null);
                if rng.chance(0.2) || keys.is_empty() {
                    map.insert("unexpected".into(), value);
                } else if let Some(key) = rng.pick(&keys) {
                    map.insert(key.clone(), value);
                }
            }
            serde_json::to_vec(&body).expect("encode")
        }
    }
}

/// Whatever the body, the API answers 2xx or 4xx, and every 4xx is the JSON error shape: the
/// parse path (`parse_json`, `check_limits`, the handlers) never fails with a 5xx or a panic.
#[tokio::test]
async fn arbitrary_bodies_get_json_4xx_never_5xx() {
    use serde_json::json;
    let server = TestServer::start(&[
        "--demo",
        "--auth-failure-limit",
        "0",
        "--sync-rate-limit",
        "0",
    ]);
    let joined = client()
        .post(server.url("/api/v1/join"))
        .json(&json!({"invite_code": "DEMO-2026", "name": "模糊", "phone": "13800000000"}))
        .send()
        .await
        .expect("join");
    assert_eq!(joined.status(), 200);
    let joined: serde_json::Value = joined.json().await.expect("json");
    let token = joined["token"].as_str().expect("token").to_owned();
    let endpoints = [
        (
            "/api/v1/sync",
            json!({"client_id": "fuzz-1", "schema_version": 1, "cookie": null, "mutations": [
                {"id": 1, "name": "sign_up", "args": {"task": "t-0001"}, "client_time": null},
                {"id": 2, "name": "save_visit_note", "args": {"task": "t-0001", "note": "好"}}]}),
        ),
        (
            "/api/v1/join",
            json!({"invite_code": "DEMO-2026", "name": "张三", "phone": "13800001111",
                   "group": null, "request_id": "0123456789abcdef-fuzz"}),
        ),
        ("/api/v1/invite", json!({"invite_code": "DEMO-2026"})),
        ("/api/v1/login", json!({"code": "not-a-code"})),
    ];
    let seed = std::env::var("LINLI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let mut rng = linli_core::rng::SplitMix64::new(seed);
    // At least enough that both refused and accepted bodies come up (checked below).
    let cases = fuzz_cases(200).max(100);
    let mut statuses = std::collections::BTreeMap::new();
    for case in 0..cases {
        let (path, valid) = &endpoints[rng.index(endpoints.len())];
        let body = fuzz_body(&mut rng, valid);
        let response = client()
            .post(server.url(path))
            .header("content-type", "application/json")
            .bearer_auth(&token)
            .body(body.clone())
            .send()
            .await
            .expect("post");
        let status = response.status().as_u16();
        *statuses.entry(status).or_insert(0u64) += 1;
        let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        assert!(
            status < 500,
            "case {case} (LINLI_FUZZ_SEED={seed}): {status} for {path} {shown}"
        );
        if status >= 400 {
            let (_, code, message) = error_code(response).await;
            assert!(!code.is_empty() && !message.is_empty(), "case {case}");
        } else {
            let _: serde_json::Value = response.json().await.expect("a JSON answer");
        }
    }
    // The generator must reach both sides: bodies that are refused and bodies that work.
    assert!(statuses.contains_key(&400), "{statuses:?}");
    assert!(statuses.contains_key(&200), "{statuses:?}");
    let health = client()
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(health.status(), 200);
}
