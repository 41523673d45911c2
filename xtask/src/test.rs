//! `cargo xtask test`: every check, on a fresh machine, ending with one `N passed, N failed` line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::root;
use crate::run::step;
use crate::{pwa, tools};

/// Counts across every step. A step that cannot even run (a build error) counts as one failure.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, what: &str, passed: usize, failed: usize) {
        self.passed += passed;
        self.failed += failed;
        if failed > 0 {
            self.failures.push(format!("{what}: {failed} failed"));
        }
    }

    fn check(&mut self, what: &str, ok: bool) {
        if ok {
            self.record(what, 1, 0);
        } else {
            self.record(what, 0, 1);
        }
    }
}

pub fn run_all() -> Result<(), String> {
    let started = Instant::now();
    let build_tools = tools::ensure_build_tools()?;
    tools::ensure_chromium()?;
    tools::ensure_e2e_packages()?;
    tools::ensure_python_packages()?;

    let mut tally = Tally::default();
    tally.check(
        "cargo fmt --check",
        succeeds(
            "formatting (cargo fmt --check)",
            cargo(&["fmt", "--all", "--check"]),
        ),
    );
    tally.check(
        "clippy (native)",
        succeeds(
            "clippy, native, all targets (-D warnings)",
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
    );
    tally.check(
        "clippy (wasm app)",
        succeeds(
            "clippy, the app and core for wasm32 (-D warnings)",
            cargo(&[
                "clippy",
                "--package",
                "linli",
                "--package",
                "linli-core",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]),
        ),
    );
    let (passed, failed) = cargo_tests(&["test", "--workspace", "--all-targets", "--no-fail-fast"]);
    tally.record("native tests", passed, failed);
    let (passed, failed) = cargo_tests(&["test", "--workspace", "--doc", "--no-fail-fast"]);
    tally.record("doc tests", passed, failed);

    match pwa::build(&build_tools).and_then(|dist| Ok((dist, pwa::build_server()?))) {
        Ok((dist, server)) => {
            let (passed, failed) = end_to_end(&dist, &server);
            tally.record("end-to-end tests", passed, failed);
        }
        Err(err) => {
            eprintln!("{err}");
            tally.record("release build", 0, 1);
        }
    }

    println!();
    for failure in &tally.failures {
        println!("FAILED: {failure}");
    }
    println!(
        "took {:.0} s\n{} passed, {} failed",
        started.elapsed().as_secs_f64(),
        tally.passed,
        tally.failed
    );
    if tally.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", tally.failed))
    }
}

fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    command.args(args).current_dir(root());
    command
}

fn succeeds(what: &str, mut command: Command) -> bool {
    crate::run::run(what, &mut command)
        .map_err(|e| eprintln!("{e}"))
        .is_ok()
}

/// Runs `cargo <args>` (a test command; `--no-fail-fast` so one failing crate does not hide the
/// others) and adds up libtest's `test result:` lines.
fn cargo_tests(args: &[&str]) -> (usize, usize) {
    step(&format!("cargo {}", args.join(" ")));
    let child = cargo(args)
        .env("PYTHONPATH", tools::python_path())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            eprintln!("cannot run cargo test: {err}");
            return (0, 1);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some((p, f)) = parse_libtest_summary(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let ok = child.wait().is_ok_and(|s| s.success());
    if !ok && failed == 0 {
        // A compile error or a crashed test binary: no summary line says so.
        failed = 1;
    }
    (passed, failed)
}

/// `test result: ok. 12 passed; 0 failed; 0 ignored; ...` -> (12, 0). Ignored tests count as
/// failures: a skipped check is not a passed one.
fn parse_libtest_summary(line: &str) -> Option<(usize, usize)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |label: &str| -> usize {
        rest.split(';')
            .find_map(|part| {
                let part = part
                    .trim()
                    .trim_start_matches("ok. ")
                    .trim_start_matches("FAILED. ");
                part.strip_suffix(label)?.trim().parse().ok()
            })
            .unwrap_or(0)
    };
    Some((
        number_before("passed"),
        number_before("failed") + number_before("ignored"),
    ))
}

/// A running `linli-server` on a free loopback port, stopped (SIGTERM) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base_url: String,
}

impl Server {
    /// Starts the server on port 0 with the demo village, a database at `db` (created if
    /// missing) and the app from `dist`, and waits until it says where it listens.
    pub(crate) fn start(binary: &Path, db: &Path, dist: &Path) -> Result<Server, String> {
        Self::start_with(binary, db, dist, &[])
    }

    /// As [`Server::start`], with more `serve` arguments (e.g. the demo's size).
    pub(crate) fn start_with(
        binary: &Path,
        db: &Path,
        dist: &Path,
        extra: &[&str],
    ) -> Result<Server, String> {
        let mut child = Command::new(binary)
            .args(["serve", "--port", "0", "--demo", "--db"])
            .arg(db)
            .arg("--dist")
            .arg(dist)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from linli-server")?;
        // Read on a thread, so a server that hangs before listening cannot hang the test run.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining after the address is found: a closed pipe would make any later
            // print of the server fail.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        if let Ok(base_url) = rx.recv_timeout(Duration::from_secs(60)) {
            return Ok(Server { child, base_url });
        }
        let _ = child.kill();
        Err("linli-server did not report `listening on`".into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Playwright against the release build served by the real server, with a fresh database and a
/// private copy of `dist/` (the update test rewrites its service worker).
fn end_to_end(dist: &Path, server_binary: &Path) -> (usize, usize) {
    step("end-to-end tests (Playwright, headless Chromium, real linli-server)");
    let work: PathBuf = pwa::target_dir().join("e2e");
    let _ = std::fs::remove_dir_all(&work);
    let site = work.join("dist");
    if let Err(err) = copy_dir(dist, &site) {
        eprintln!("cannot copy {}: {err}", dist.display());
        return (0, 1);
    }
    let server = match Server::start(server_binary, &work.join("linli.sqlite3"), &site) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("{err}");
            return (0, 1);
        }
    };
    let results = work.join("playwright-results.json");
    let e2e_dir = root().join("tests").join("e2e");
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .env("LINLI_BASE_URL", &server.base_url)
        .env("LINLI_DIST_DIR", &site)
        .env("LINLI_SERVER_BIN", server_binary)
        .env("LINLI_DB", work.join("linli.sqlite3"))
        .env("PYTHONPATH", tools::python_path())
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &results)
        .current_dir(&e2e_dir)
        .status();
    drop(server);
    let counts = std::fs::read_to_string(&results)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map(|json| {
            let stat = |k: &str| json["stats"][k].as_u64().unwrap_or(0) as usize;
            (
                stat("expected"),
                stat("unexpected") + stat("flaky") + stat("skipped"),
            )
        });
    match (counts, status) {
        (Some((passed, failed)), Ok(status)) if status.success() || failed > 0 => (passed, failed),
        (Some((passed, _)), _) => (passed, 1),
        (None, _) => {
            eprintln!("Playwright wrote no results to {}", results.display());
            (0, 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_summary_lines_are_counted_and_ignored_is_a_failure() {
        assert_eq!(
            parse_libtest_summary(
                "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out"
            ),
            Some((12, 0))
        );
        assert_eq!(
            parse_libtest_summary("test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured"),
            Some((3, 3))
        );
        assert_eq!(parse_libtest_summary("running 3 tests"), None);
    }
}
