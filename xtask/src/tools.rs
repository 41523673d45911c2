//! Installs the pinned tools a fresh machine lacks, and skips what is already there.
//! Versions and the reasons for them: ../shared/TOOLCHAIN.md.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::root;
use crate::run::{output, run, step};

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate pinned in Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// Debian's binaryen 108 produces wasm that crashes Leptos 0.8 at start; 132 from npm works.
pub const BINARYEN_VERSION: &str = "132";

/// What the PWA build needs: trunk, and a PATH on which trunk finds the pinned wasm-bindgen and
/// wasm-opt before anything else.
pub struct BuildTools {
    pub trunk: PathBuf,
    pub path: OsString,
}

fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

/// The project-local npm folder for wasm-opt (not committed; see .gitignore).
pub fn local_tools() -> PathBuf {
    root().join(".tools")
}

fn find_in_cargo_bin(name: &str) -> PathBuf {
    let candidate = cargo_bin().join(name);
    if candidate.exists() {
        candidate
    } else {
        PathBuf::from(name)
    }
}

fn has_version(program: &Path, args: &[&str], wanted: &str) -> bool {
    output(&program.to_string_lossy(), args).is_some_and(|v| v.contains(wanted))
}

pub fn ensure_build_tools() -> Result<BuildTools, String> {
    ensure_wasm_target()?;
    ensure_rust_components()?;
    let trunk = find_in_cargo_bin("trunk");
    if has_version(&trunk, &["--version"], TRUNK_VERSION) {
        step(&format!("trunk {TRUNK_VERSION}: installed"));
    } else {
        run(
            &format!("installing trunk {TRUNK_VERSION} (about 10 minutes on 2 cores)"),
            Command::new("cargo").args([
                "install",
                "trunk",
                "--version",
                TRUNK_VERSION,
                "--locked",
            ]),
        )?;
    }
    let bindgen = find_in_cargo_bin("wasm-bindgen");
    if has_version(&bindgen, &["--version"], WASM_BINDGEN_VERSION) {
        step(&format!(
            "wasm-bindgen-cli {WASM_BINDGEN_VERSION}: installed"
        ));
    } else {
        // No --locked: its lock file pins a webpki-roots that cannot be resolved any more.
        run(
            &format!("installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (about 6 minutes)"),
            Command::new("cargo").args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                WASM_BINDGEN_VERSION,
            ]),
        )?;
    }
    ensure_wasm_opt()?;
    let mut dirs = vec![local_tools().join("node_modules").join(".bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let path = std::env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;
    Ok(BuildTools {
        trunk: find_in_cargo_bin("trunk"),
        path,
    })
}

/// clippy and rustfmt, which a minimal rustup profile leaves out.
fn ensure_rust_components() -> Result<(), String> {
    let installed = output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    let missing: Vec<&str> = ["clippy", "rustfmt"]
        .into_iter()
        .filter(|c| !installed.lines().any(|l| l.starts_with(c)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut args = vec!["component", "add"];
    args.extend(&missing);
    run(
        &format!("adding rustup components {}", missing.join(", ")),
        Command::new("rustup").args(&args),
    )
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step("wasm32-unknown-unknown target: installed");
        Ok(())
    } else {
        run(
            "adding the wasm32-unknown-unknown target",
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        )
    }
}

fn ensure_wasm_opt() -> Result<(), String> {
    let dir = local_tools();
    let wasm_opt = dir.join("node_modules").join(".bin").join("wasm-opt");
    if has_version(
        &wasm_opt,
        &["--version"],
        &format!("version {BINARYEN_VERSION}"),
    ) {
        step(&format!(
            "wasm-opt (binaryen {BINARYEN_VERSION}): installed"
        ));
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let manifest = dir.join("package.json");
    if !manifest.exists() {
        std::fs::write(&manifest, "{\"name\":\"linli-tools\",\"private\":true}\n")
            .map_err(|e| format!("cannot write {}: {e}", manifest.display()))?;
    }
    run(
        &format!("installing wasm-opt from npm binaryen@{BINARYEN_VERSION} into .tools/"),
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                &format!("binaryen@{BINARYEN_VERSION}"),
            ])
            .current_dir(&dir),
    )
}

/// Debian's Chromium for the browser tests. Installing needs root; otherwise say what to run.
pub fn ensure_chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        step("chromium: installed");
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if !is_root {
        return Err(
            "Chromium is missing and installing it needs root. Run:\n    \
             sudo apt-get update && sudo apt-get install -y chromium chromium-driver\n\
             then run `cargo xtask test` again."
                .into(),
        );
    }
    run("apt-get update", Command::new("apt-get").args(["update"]))?;
    run(
        "installing chromium and chromium-driver from Debian",
        Command::new("apt-get")
            .args(["install", "-y", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The end-to-end tests' npm packages, exactly as locked (never a browser download).
pub fn ensure_e2e_packages() -> Result<(), String> {
    let dir = root().join("tests").join("e2e");
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules").join(".package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => match (l.modified(), s.modified()) {
            (Ok(l), Ok(s)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        step("end-to-end test packages: installed");
        return Ok(());
    }
    run(
        "installing the end-to-end test packages (npm ci)",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&dir),
    )
}

/// Where scipy is installed for the tests (`pip install --target`), so it works both with a
/// user-managed Python and with Debian's, which refuses system-wide pip installs (PEP 668).
pub fn python_path() -> OsString {
    let mut dirs = vec![local_tools().join("python")];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        dirs.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The Python packages the tests use as independent oracles: SciPy (the assignment solver's,
/// and the benchmarks' baseline) and icalendar (parses the calendar export). Commands that need
/// them get `PYTHONPATH` from [`python_path`].
pub fn ensure_python_packages() -> Result<(), String> {
    let has_all = Command::new("python3")
        .args(["-c", "import scipy.optimize, icalendar"])
        .env("PYTHONPATH", python_path())
        .output()
        .is_ok_and(|o| o.status.success());
    if has_all {
        step("python3 scipy, icalendar: installed");
        return Ok(());
    }
    let has_pip = output("python3", &["-m", "pip", "--version"]).is_some();
    let is_root = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if !has_pip && is_root {
        run(
            "installing python3-pip from Debian",
            Command::new("apt-get")
                .args(["install", "-y", "python3-pip"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    } else if !has_pip {
        return Err(
            "python3 has no pip and installing it needs root. Run:\n    \
             sudo apt-get install -y python3-pip\nthen run `cargo xtask test` again."
                .into(),
        );
    }
    let target = local_tools().join("python");
    run(
        "installing scipy and icalendar into .tools/python for the oracle tests (pip)",
        Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--upgrade", "--target"])
            .arg(&target)
            .args(["scipy", "icalendar"]),
    )
}

/// Pinned so a run is reproducible: checks and their names change between releases.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Schemathesis, the OpenAPI fuzzer of `cargo xtask fuzz`, installed from PyPI into
/// `.tools/python` like the oracle tests' packages (run it with [`python_path`] as `PYTHONPATH`).
pub fn ensure_schemathesis() -> Result<(), String> {
    let installed = Command::new("python3")
        .args(["-c", "import schemathesis; print(schemathesis.__version__)"])
        .env("PYTHONPATH", python_path())
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == SCHEMATHESIS_VERSION
        });
    if installed {
        step(&format!(
            "python3 schemathesis {SCHEMATHESIS_VERSION}: installed"
        ));
        return Ok(());
    }
    if output("python3", &["-m", "pip", "--version"]).is_none() {
        return Err(
            "python3 has no pip. Run:\n    sudo apt-get install -y python3-pip\n\
             then run `cargo xtask fuzz` again."
                .into(),
        );
    }
    let target = local_tools().join("python");
    run(
        &format!("installing schemathesis {SCHEMATHESIS_VERSION} into .tools/python (pip)"),
        Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--upgrade", "--target"])
            .arg(&target)
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
    )
}
