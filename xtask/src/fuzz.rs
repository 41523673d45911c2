//! `cargo xtask fuzz [--seconds N] [--examples N] [--cases N]`: tries to break the API, for a
//! bounded time, never as part of `cargo xtask test`:
//!
//! 1. Schemathesis (from PyPI, into `.tools/python`) against `/api/v1/openapi.json` of the real
//!    release server (`--demo`, a fresh database): every operation with generated valid and
//!    invalid requests, all of schemathesis' checks (no 5xx, responses and status codes as the
//!    document says, invalid input refused, valid input accepted, auth enforced). Twice: with a
//!    volunteer's token from `/api/v1/join`, then `/api/v1/sync` with a coordinator's token (the
//!    coordinator's mutations reach other rules).
//! 2. The property tests with many cases (`LINLI_FUZZ_CASES`): `crates/core/tests/sync_fuzz.rs`
//!    (`Mutation::from_wire` and `apply` on arbitrary and edited arguments) and the arbitrary
//!    request bodies of `crates/server/tests/http.rs`.
//!
//! Ends with a summary; exits non-zero if anything failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::step;
use crate::test::Server;
use crate::{pwa, root, tools};

/// How long and how much: schemathesis' time budget per run and examples per operation, and
/// the property tests' cases.
struct Budget {
    seconds: u64,
    examples: u64,
    cases: u64,
}

impl Budget {
    fn parse(args: &[String]) -> Result<Budget, String> {
        let mut budget = Budget {
            seconds: 120,
            examples: 200,
            cases: 20_000,
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let slot = match arg.as_str() {
                "--seconds" => &mut budget.seconds,
                "--examples" => &mut budget.examples,
                "--cases" => &mut budget.cases,
                other => return Err(format!("unknown flag {other}; see `cargo xtask` for usage")),
            };
            let value = iter.next().ok_or_else(|| format!("{arg} needs a value"))?;
            *slot = value
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("{arg} wants a positive whole number, not {value:?}"))?;
        }
        Ok(budget)
    }
}

/// One line of the summary, and whether that part passed.
struct Outcome {
    what: String,
    passed: bool,
    detail: String,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let budget = Budget::parse(args)?;
    let started = Instant::now();
    tools::ensure_schemathesis()?;
    let server_binary = pwa::build_server()?;
    let work = pwa::target_dir().join("fuzz");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let mut outcomes = Vec::new();

    {
        // The fuzzer is one client on 127.0.0.1 failing most of its join and login attempts on
        // purpose: with the rate limits on, it would mostly test the 429 (which has its own
        // tests in crates/server/tests/limits.rs). The server reads these at start; they are
        // removed again so the cargo commands below do not inherit them.
        let server_env = [
            ("LINLI_AUTH_FAILURE_LIMIT", "0"),
            ("LINLI_SYNC_RATE_LIMIT", "0"),
            ("LINLI_LOG", "warn"),
        ];
        for (key, value) in server_env {
            std::env::set_var(key, value);
        }
        let db = work.join("linli.sqlite3");
        let server = Server::start(&server_binary, &db, &work.join("no-dist"));
        for (key, _) in server_env {
            std::env::remove_var(key);
        }
        let server = server?;
        let base = server.base_url.clone();
        step(&format!("linli-server --demo at {base}"));
        let (volunteer, village) = join(&base)?;
        let coordinator = coordinator_token(&server_binary, &db, &base, &village)?;
        let config = write_config(&work)?;

        outcomes.push(schemathesis(
            "schemathesis, every operation, volunteer token",
            &base,
            &volunteer,
            &[],
            &budget,
            &config,
            &work.join("report-volunteer"),
        )?);
        outcomes.push(schemathesis(
            "schemathesis, /api/v1/sync, coordinator token",
            &base,
            &coordinator,
            &["--include-path", "/api/v1/sync"],
            &budget,
            &config,
            &work.join("report-coordinator"),
        )?);
        let (status, _) = request(&base, "GET", "/api/health", None)?;
        outcomes.push(Outcome {
            what: "server still healthy afterwards".into(),
            passed: status == 200,
            detail: format!("GET /api/health: {status}"),
        });
        drop(server);
    }

    let cases = budget.cases.to_string();
    outcomes.push(property_tests(
        "proptest: Mutation::from_wire + apply (crates/core/tests/sync_fuzz.rs)",
        &["test", "--package", "linli-core", "--test", "sync_fuzz"],
        &cases,
    ));
    // Each server case is an HTTP request to the real binary: a tenth of the cases.
    let body_cases = (budget.cases / 10).max(1).to_string();
    outcomes.push(property_tests(
        "arbitrary request bodies to the real server (crates/server/tests/http.rs)",
        &[
            "test",
            "--package",
            "linli-server",
            "--test",
            "http",
            "arbitrary_bodies",
        ],
        &body_cases,
    ));

    println!(
        "\n==> summary (took {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    for outcome in &outcomes {
        let mark = if outcome.passed { "ok    " } else { "FAILED" };
        println!("{mark} {}: {}", outcome.what, outcome.detail);
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} fuzzing step(s) failed"))
    }
}

/// A volunteer joins the demo village: their token and the village id.
fn join(base: &str) -> Result<(String, String), String> {
    let body = serde_json::json!({
        "invite_code": "DEMO-2026", "name": "模糊测试", "phone": "13800000000"
    });
    let (status, answer) = request(base, "POST", "/api/v1/join", Some(&body))?;
    let field = |name: &str| answer[name].as_str().map(str::to_owned);
    match (status, field("token"), field("village_id")) {
        (200, Some(token), Some(village)) => Ok((token, village)),
        _ => Err(format!(
            "joining the demo village failed: {status} {answer}"
        )),
    }
}

/// A coordinator added with `linli-server admin`, logged in with the printed code.
fn coordinator_token(
    server_binary: &Path,
    db: &Path,
    base: &str,
    village: &str,
) -> Result<String, String> {
    let output = Command::new(server_binary)
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args([
            "add-coordinator",
            "--village",
            village,
            "--name",
            "模糊测试",
        ])
        .output()
        .map_err(|e| format!("cannot run linli-server admin: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let code = stdout
        .lines()
        .find_map(|l| l.strip_prefix("login code: "))
        .map(str::trim)
        .ok_or_else(|| format!("add-coordinator printed no login code: {stdout}"))?;
    let body = serde_json::json!({ "code": code });
    let (status, answer) = request(base, "POST", "/api/v1/login", Some(&body))?;
    match (status, answer["token"].as_str()) {
        (200, Some(token)) => Ok(token.to_owned()),
        _ => Err(format!("coordinator login failed: {status} {answer}")),
    }
}

/// Schemathesis' settings that the command line cannot take: a 413 is a right answer to an
/// invalid request too (over 100 mutations is refused with `too_many_mutations`), but it is not
/// among the statuses its negative-data check expects by default.
fn write_config(work: &Path) -> Result<PathBuf, String> {
    let path = work.join("schemathesis.toml");
    let text = "[checks.negative_data_rejection]\n\
                expected-statuses = [\"400\", \"401\", \"403\", \"404\", \"405\", \"406\", \"409\", \
                \"413\", \"415\", \"422\", \"428\", \"429\", \"5xx\"]\n";
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

fn schemathesis(
    what: &str,
    base: &str,
    token: &str,
    filter: &[&str],
    budget: &Budget,
    config: &Path,
    report: &Path,
) -> Result<Outcome, String> {
    step(what);
    let mut command = Command::new("python3");
    command
        .args(["-m", "schemathesis.cli", "--no-color", "--config-file"])
        .arg(config)
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", base])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args(["--max-examples", &budget.examples.to_string()])
        .args(["--max-time", &budget.seconds.to_string()])
        // One worker: the machine has two cores and the server needs one.
        .args(["--workers", "1"])
        .args(filter)
        .args(["--report", "junit", "--report-dir"])
        .arg(report)
        .env("PYTHONPATH", tools::python_path())
        .current_dir(report.parent().unwrap_or(Path::new(".")));
    let (ok, kept) = stream(&mut command, |line| {
        line.contains(" generated,")
            || (line.starts_with('=') && (line.contains(" in ") || line.contains("issues")))
            || line.trim_start().starts_with("❌")
    })?;
    let detail = if kept.is_empty() {
        "no summary printed".to_owned()
    } else {
        kept.join("; ")
    };
    Ok(Outcome {
        what: what.to_owned(),
        passed: ok,
        detail,
    })
}

fn property_tests(what: &str, cargo_args: &[&str], cases: &str) -> Outcome {
    step(&format!("{what}, {cases} cases"));
    let mut command = Command::new("cargo");
    command
        .args(cargo_args)
        .env("LINLI_FUZZ_CASES", cases)
        .current_dir(root());
    match stream(&mut command, |line| line.starts_with("test result:")) {
        Ok((ok, kept)) => Outcome {
            what: what.to_owned(),
            passed: ok,
            detail: format!("{cases} cases each; {}", kept.join("; ")),
        },
        Err(err) => Outcome {
            what: what.to_owned(),
            passed: false,
            detail: err,
        },
    }
}

/// Runs a command, echoing its standard output, and keeps the lines `keep` picks.
fn stream(
    command: &mut Command,
    keep: impl Fn(&str) -> bool,
) -> Result<(bool, Vec<String>), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    let mut kept = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let line = line.trim();
            if keep(line) {
                kept.push(line.trim_matches('=').trim().to_owned());
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), kept))
}

/// A minimal HTTP/1.1 request to the server on loopback (xtask has no HTTP client, and needs
/// only these few calls): the status and the JSON answer (`null` if it was not JSON).
fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    let host = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// address: {base}"))?;
    let mut stream =
        TcpStream::connect(host).map_err(|e| format!("cannot connect to {host}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("cannot send to {host}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("no answer from {host}: {e}"))?;
    let split = find(&raw, b"\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP answer: {}", String::from_utf8_lossy(&raw)))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let rest = &raw[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head}"))?;
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Ok((
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The body of a `Transfer-Encoding: chunked` answer (in bytes: a chunk may end inside a
/// UTF-8 character).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(rest, b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let after = &rest[line_end + 2..];
        match size {
            Some(size) if size > 0 && after.len() >= size => {
                out.extend_from_slice(&after[..size]);
                rest = after[size..]
                    .strip_prefix(b"\r\n")
                    .unwrap_or(&after[size..]);
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"),
            b"{\"a\":1}"
        );
        // A chunk boundary inside a character (\u{6d4b} is three bytes).
        let text = "\u{6d4b}".as_bytes();
        let mut raw = b"1\r\n".to_vec();
        raw.extend_from_slice(&text[..1]);
        raw.extend_from_slice(b"\r\n2\r\n");
        raw.extend_from_slice(&text[1..]);
        raw.extend_from_slice(b"\r\n0\r\n\r\n");
        assert_eq!(dechunk(&raw), text);
    }

    #[test]
    fn the_budget_takes_positive_numbers_only() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let budget = Budget::parse(&args(&["--seconds", "30", "--cases", "500"])).expect("ok");
        assert_eq!(
            (budget.seconds, budget.examples, budget.cases),
            (30, 200, 500)
        );
        assert!(Budget::parse(&args(&["--seconds", "0"])).is_err());
        assert!(Budget::parse(&args(&["--examples"])).is_err());
        assert!(Budget::parse(&args(&["--fast"])).is_err());
    }
}
