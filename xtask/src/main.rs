//! Project automation, in Rust rather than shell scripts so it runs the same everywhere:
//!
//! - `cargo xtask serve [--port N] [--bind ADDR] [--db PATH] [--demo]`: install what is missing,
//!   build the release PWA, run `linli-server`.
//! - `cargo xtask test`: every check and test; ends with `N passed, N failed`.
//! - `cargo xtask bench`: benchmarks with baselines measured in the same run.
//! - `cargo xtask fuzz [--seconds N] [--examples N] [--cases N]`: schemathesis against the real
//!   server's OpenAPI document, and the property tests with many cases (bounded in time).
//! - `cargo xtask bundle-size`: gzip size of what a phone downloads on first visit.
//! - `cargo xtask lighthouse`: Lighthouse accessibility and performance scores of the
//!   volunteer's pages (mobile emulation), with the failing accessibility audits.

mod bench;
mod fuzz;
mod lighthouse;
mod pwa;
mod run;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test::run_all(),
        Some("bundle-size") => bundle_size(),
        Some("bench") => bench::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("lighthouse") => lighthouse::run(),
        Some("build") => tools::ensure_build_tools().and_then(|tools| pwa::build(&tools).map(drop)),
        _ => {
            eprintln!(
                "usage: cargo xtask <serve|test|bench|fuzz|bundle-size|lighthouse|build>\n\
                 \n  serve [--port N] [--bind ADDR] [--db PATH] [--demo]\
                 \n        install missing tools, build the PWA, run the server (default :8080)\
                 \n  test  fmt, clippy, every test, end-to-end in headless Chromium\
                 \n  bench benchmarks (criterion, scipy baseline, wasm in Chromium)\
                 \n  fuzz [--seconds N] [--examples N] [--cases N]\
                 \n        schemathesis against the release server's OpenAPI document (N s per\
                 \n        run, default 120; N examples per operation, default 200), then the\
                 \n        property tests with N cases (default 20000)\
                 \n  bundle-size  gzip size of the first load\
                 \n  lighthouse   accessibility and performance of the volunteer's pages\
                 \n               (mobile); reuses dist/ and the release server if built\
                 \n  build build the release PWA into dist/"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut server_args = vec!["serve".to_owned()];
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--demo" => server_args.push("--demo".into()),
            "--port" | "--bind" | "--db" => {
                let value = iter.next().ok_or_else(|| format!("{arg} needs a value"))?;
                server_args.push(arg.clone());
                server_args.push(value.clone());
            }
            other => return Err(format!("unknown flag {other}; see `cargo xtask` for usage")),
        }
    }
    let tools = tools::ensure_build_tools()?;
    pwa::build(&tools)?;
    let server = pwa::build_server()?;
    server_args.push("--dist".into());
    server_args.push(root().join("dist").display().to_string());
    run::step("starting linli-server (Ctrl-C to stop)");
    let status = std::process::Command::new(&server)
        .args(&server_args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("linli-server exited with {status}"))
    }
}

fn bundle_size() -> Result<(), String> {
    let tools = tools::ensure_build_tools()?;
    pwa::build(&tools)?;
    let report = pwa::first_load_report(&root().join("dist"))?;
    print!("{report}");
    Ok(())
}
