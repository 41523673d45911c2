//! `cargo xtask bench`: the benchmarks (never part of `cargo xtask test`), with a summary at the
//! end: criterion's estimates, the figures the benches print (`dense n=…`, `district week …`,
//! ratios against scipy measured in the same run), and the in-browser plan timing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::root;
use crate::run::step;
use crate::tools;

pub fn run() -> Result<(), String> {
    tools::ensure_python_packages()?;
    let build_tools = tools::ensure_build_tools()?;
    tools::ensure_chromium()?;
    let mut summary = vec![machine()];

    step("native benchmarks (criterion, release)");
    let mut native = Command::new("cargo");
    native
        .args([
            "bench",
            "--package",
            "linli-core",
            "--bench",
            "assignment",
            "--bench",
            "matching",
        ])
        .env("PYTHONPATH", tools::python_path())
        .current_dir(root());
    summary.extend(collect(&mut native)?);

    step("sync server benchmark (real server on loopback, release)");
    let mut server = Command::new("cargo");
    server
        .args(["bench", "--package", "linli-server", "--bench", "sync"])
        .current_dir(root());
    summary.extend(collect(&mut server)?);

    step("in-browser benchmark (wasm, release, headless Chromium)");
    let runner = build_tools
        .trunk
        .with_file_name("wasm-bindgen-test-runner")
        .display()
        .to_string();
    let mut wasm = Command::new("cargo");
    wasm.args([
        "test",
        "--release",
        "--package",
        "linli-core",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "wasm_bench",
        "--",
        // Without it the runner keeps the page's console output to itself.
        "--nocapture",
    ])
    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
    .env("PATH", &build_tools.path)
    .current_dir(root().join("crates").join("core"));
    summary.extend(collect(&mut wasm)?);

    summary.extend(coordinator_in_browser(&build_tools)?);

    println!("\n==> summary");
    for line in &summary {
        println!("{line}");
    }
    Ok(())
}

/// The coordinator's workspace timed in headless Chromium against the real server: the weekly
/// plan of the demo district (2,000 volunteers x 600 tasks) and the volunteer search over
/// 5,000 volunteers (`tests/e2e/coordinator-bench.mjs`).
fn coordinator_in_browser(build_tools: &tools::BuildTools) -> Result<Vec<String>, String> {
    step("coordinator's workspace in the browser (release app, real server, demo district)");
    tools::ensure_e2e_packages()?;
    let dist = crate::pwa::build(build_tools)?;
    let binary = crate::pwa::build_server()?;
    let mut kept = Vec::new();
    for (what, extra) in [
        ("plan", vec!["--demo-size", "district"]),
        (
            "filter",
            vec!["--demo-size", "district", "--demo-volunteers", "5000"],
        ),
    ] {
        let work = crate::pwa::target_dir()
            .join("coordinator-bench")
            .join(what);
        let _ = std::fs::remove_dir_all(&work);
        let site = work.join("dist");
        crate::test::copy_dir(&dist, &site).map_err(|e| format!("cannot copy the app: {e}"))?;
        let db = work.join("linli.sqlite3");
        let server = crate::test::Server::start_with(&binary, &db, &site, &extra)?;
        let mut node = Command::new("node");
        node.arg("coordinator-bench.mjs")
            .env("LINLI_BASE_URL", &server.base_url)
            .env("LINLI_SERVER_BIN", &binary)
            .env("LINLI_DB", &db)
            .env("BENCH_WHAT", what)
            .current_dir(root().join("tests").join("e2e"));
        kept.extend(collect(&mut node)?);
        drop(server);
    }
    Ok(kept)
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']))
        })
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("machine: {model}, {cores} cores")
}

/// Runs a bench command, echoing its output, and returns the lines worth keeping: criterion's
/// `name  time: [low estimate high]` (with the name from the line before when it wraps) and
/// the figures the benches print themselves.
fn collect(command: &mut Command) -> Result<Vec<String>, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let mut kept = Vec::new();
    let mut previous = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let trimmed = line.trim();
            if let Some((name, times)) = trimmed.split_once("time:") {
                let name = if name.trim().is_empty() {
                    previous.trim()
                } else {
                    name.trim()
                };
                kept.push(format!("{name}: {}", times.trim()));
            } else if trimmed.starts_with("dense n=")
                || trimmed.starts_with("district week")
                || trimmed.starts_with("plan_week")
                || trimmed.contains("BENCH ")
            {
                kept.push(trimmed.replace("BENCH ", ""));
            }
            if !trimmed.is_empty() {
                previous = trimmed.to_owned();
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(kept)
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}
