//! `cargo xtask lighthouse`: Google Lighthouse (accessibility and performance, its default
//! mobile emulation) on the join page and the signed-in volunteer's pages of the release app,
//! served by the real `linli-server` with the demo village. The browser side, and the list of
//! pages, is `tests/e2e/lighthouse.mjs`; this starts what it needs and reports its figures.
//!
//! It reuses `dist/` and `target/release/linli-server` when they exist (building them takes
//! many minutes on 2 cores), so it measures whatever was built last: run `cargo xtask build`
//! first to measure the current sources.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::root;
use crate::run::step;
use crate::test::{copy_dir, Server};
use crate::{pwa, tools};

/// The exit code of `lighthouse.mjs` when it measured every page and some accessibility score
/// is below its threshold (any other failure exits with another code).
const LOW_SCORE_EXIT: i32 = 1;

pub fn run() -> Result<(), String> {
    tools::ensure_chromium()?;
    tools::ensure_e2e_packages()?;
    let dist = existing_or_built_app()?;
    let server_binary = existing_or_built_server()?;

    // A private copy of the app, so a build running meanwhile cannot change it under the
    // measurement, and a fresh database each run, so the demo village starts the same.
    let work = pwa::target_dir().join("lighthouse");
    let _ = std::fs::remove_dir_all(&work);
    let site = work.join("dist");
    copy_dir(&dist, &site).map_err(|e| format!("cannot copy {}: {e}", dist.display()))?;
    let reports = work.join("reports");
    let server = Server::start(&server_binary, &work.join("linli.sqlite3"), &site)?;

    step("Lighthouse (mobile emulation, headless Chromium, real linli-server)");
    let mut child = Command::new("node")
        .arg("lighthouse.mjs")
        .env("LINLI_BASE_URL", &server.base_url)
        .env("LINLI_LIGHTHOUSE_OUT", &reports)
        .current_dir(root().join("tests").join("e2e"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    // The script's stdout is its report and nothing else; echo it as it comes (a run takes
    // about half a minute per page) and keep it to print again once the server is quiet.
    let mut report = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            report.push(line);
        }
    }
    let status = child.wait().map_err(|e| format!("lighthouse.mjs: {e}"))?;
    drop(server);

    println!(
        "\n==> Lighthouse summary (full reports: {})",
        reports.display()
    );
    for line in &report {
        println!("{line}");
    }
    match status.code() {
        Some(0) => Ok(()),
        Some(LOW_SCORE_EXIT) => Err("an accessibility score is below the threshold".into()),
        _ => Err(format!("lighthouse.mjs failed ({status})")),
    }
}

/// `dist/` as it is if it holds a finished build; otherwise the same build as `cargo xtask build`.
fn existing_or_built_app() -> Result<PathBuf, String> {
    let dist = root().join("dist");
    if pwa::is_built(&dist) {
        step(&format!(
            "reusing the app in {} (`cargo xtask build` rebuilds it)",
            dist.display()
        ));
        return Ok(dist);
    }
    let build_tools = tools::ensure_build_tools()?;
    pwa::build(&build_tools)
}

/// The release server binary as it is if it exists; otherwise the build `cargo xtask test` does.
fn existing_or_built_server() -> Result<PathBuf, String> {
    let binary = pwa::server_binary();
    if binary.is_file() {
        step(&format!("reusing {}", binary.display()));
        return Ok(binary);
    }
    pwa::build_server()
}
