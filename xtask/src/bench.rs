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

    println!("\n==> summary");
    for line in &summary {
        println!("{line}");
    }
    Ok(())
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
