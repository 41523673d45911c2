//! Building the PWA: trunk, then the service worker's precache list from what trunk emitted,
//! then the figures of what a phone downloads.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::root;
use crate::run::{run, step};
use crate::tools::BuildTools;

const VERSION_PLACEHOLDER: &str = "'__LINLI_VERSION__'";
const PRECACHE_PLACEHOLDER: &str = "__LINLI_PRECACHE__";

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// `trunk build --release` with the size-first `wasm-release` profile (the native server keeps the
/// speed-first release profile), then writes the real `dist/sw.js`.
pub fn build(tools: &BuildTools) -> Result<PathBuf, String> {
    run(
        "building the PWA (trunk build --release)",
        Command::new(&tools.trunk)
            .args(["build", "--release", "--cargo-profile", "wasm-release"])
            .env("PATH", &tools.path)
            .current_dir(root()),
    )?;
    let dist = root().join("dist");
    let count = write_service_worker(&dist)?;
    step(&format!("service worker written: {count} files precached"));
    Ok(dist)
}

pub fn build_server() -> Result<PathBuf, String> {
    run(
        "building linli-server (cargo build --release)",
        Command::new("cargo")
            .args(["build", "--release", "--package", "linli-server"])
            .current_dir(root()),
    )?;
    Ok(server_binary())
}

/// Whether `dist` holds a finished build: trunk's `index.html`, and the service worker with its
/// placeholders filled (a build stopped between trunk and [`write_service_worker`] has not).
pub fn is_built(dist: &Path) -> bool {
    dist.join("index.html").is_file()
        && std::fs::read_to_string(dist.join("sw.js"))
            .is_ok_and(|sw| !sw.contains(VERSION_PLACEHOLDER) && !sw.contains(PRECACHE_PLACEHOLDER))
}

/// Where [`build_server`] puts the release server binary.
pub fn server_binary() -> PathBuf {
    target_dir().join("release").join("linli-server")
}

/// Every file of the build, as absolute URL paths, sorted; the service worker itself excluded.
fn site_files(dist: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                walk(&path, base, out)?;
            } else if let Ok(rel) = path.strip_prefix(base) {
                let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
                if url != "/sw.js" {
                    out.push((url, path));
                }
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dist, dist, &mut files)?;
    files.sort();
    Ok(files)
}

/// Fills the template copied by trunk: the precache list is exactly the files trunk emitted, and
/// the version is a hash of their names and contents, so any change makes browsers update.
pub fn write_service_worker(dist: &Path) -> Result<usize, String> {
    let sw_path = dist.join("sw.js");
    let template = std::fs::read_to_string(&sw_path)
        .map_err(|e| format!("cannot read {}: {e}", sw_path.display()))?;
    if !template.contains(VERSION_PLACEHOLDER) || !template.contains(PRECACHE_PLACEHOLDER) {
        return Err(format!(
            "{} is not the template from public/sw.js (placeholders missing)",
            sw_path.display()
        ));
    }
    let files = site_files(dist)?;
    let mut hasher = Sha256::new();
    for (url, path) in &files {
        hasher.update(url.as_bytes());
        hasher.update(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let version: String = hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let urls: Vec<&str> = files.iter().map(|(u, _)| u.as_str()).collect();
    let list = serde_json::to_string(&urls).map_err(|e| e.to_string())?;
    let sw = template
        .replace(VERSION_PLACEHOLDER, &format!("'{version}'"))
        .replace(PRECACHE_PLACEHOLDER, &list);
    std::fs::write(&sw_path, sw).map_err(|e| format!("cannot write {}: {e}", sw_path.display()))?;
    Ok(files.len())
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len()).unwrap_or(0)
}

/// Local URLs that `text` refers to by `href`, `src`, an import, or a quoted absolute path.
fn referenced_urls(text: &str, from_url: &str) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    let dir = from_url.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for quote in ['"', '\''] {
        for (i, piece) in text.split(quote).enumerate() {
            if i % 2 == 0 || piece.contains(char::is_whitespace) || piece.len() > 200 {
                continue;
            }
            let resolved = if let Some(rest) = piece.strip_prefix("./") {
                format!("{dir}/{rest}")
            } else if piece.starts_with('/') && !piece.starts_with("//") {
                piece.to_owned()
            } else {
                continue;
            };
            urls.insert(resolved.split(['?', '#']).next().unwrap_or("").to_owned());
        }
    }
    urls
}

/// The figures of the first visit: the files needed to show the app (critical path), and the
/// rest that the service worker downloads right after to make the app work offline.
pub fn first_load_report(dist: &Path) -> Result<String, String> {
    let files = site_files(dist)?;
    let read = |url: &str| -> Option<Vec<u8>> {
        files
            .iter()
            .find(|(u, _)| u == url)
            .and_then(|(_, p)| std::fs::read(p).ok())
    };
    // Follow references from index.html transitively (JS glue imports its snippets, etc.).
    let mut critical: BTreeSet<String> = BTreeSet::new();
    let mut queue = vec!["/index.html".to_owned()];
    while let Some(url) = queue.pop() {
        if !critical.insert(url.clone()) {
            continue;
        }
        let Some(bytes) = read(&url) else { continue };
        if url.ends_with(".html") || url.ends_with(".js") || url.ends_with(".webmanifest") {
            let text = String::from_utf8_lossy(&bytes);
            for next in referenced_urls(&text, &url) {
                if read(&next).is_some() && !critical.contains(&next) {
                    queue.push(next);
                }
            }
        }
    }
    critical.insert("/sw.js".to_owned());
    let sw_bytes = std::fs::read(dist.join("sw.js")).unwrap_or_default();
    let mut out = String::new();
    let mut rows: Vec<(String, usize, usize, bool)> = Vec::new();
    for (url, path) in &files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        rows.push((
            url.clone(),
            bytes.len(),
            gzip_len(&bytes),
            critical.contains(url),
        ));
    }
    rows.push(("/sw.js".into(), sw_bytes.len(), gzip_len(&sw_bytes), true));
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(b.2.cmp(&a.2)));
    let _ = writeln!(out, "{:<60} {:>10} {:>10}", "file", "bytes", "gzip");
    let (mut crit_raw, mut crit_gz, mut all_raw, mut all_gz) = (0, 0, 0, 0);
    for (url, raw, gz, is_critical) in &rows {
        let tag = if *is_critical {
            "first paint"
        } else {
            "precache"
        };
        let _ = writeln!(out, "{url:<60} {raw:>10} {gz:>10}  {tag}");
        all_raw += raw;
        all_gz += gz;
        if *is_critical {
            crit_raw += raw;
            crit_gz += gz;
        }
    }
    let kb = |b: usize| b as f64 / 1024.0;
    let _ = writeln!(
        out,
        "first paint (index.html and everything it pulls in): {:.1} KB, {:.1} KB gzip",
        kb(crit_raw),
        kb(crit_gz)
    );
    let _ = writeln!(
        out,
        "whole first visit incl. service-worker precache: {:.1} KB, {:.1} KB gzip",
        kb(all_raw),
        kb(all_gz)
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_and_resolved() {
        let urls = referenced_urls(
            r#"import * as s from './snippets/linli-1/src/pwa.js'; fetch("/api/x"); "no spaces""#,
            "/linli-abc.js",
        );
        assert!(urls.contains("/snippets/linli-1/src/pwa.js"));
        assert!(urls.contains("/api/x"));
        assert!(!urls.iter().any(|u| u.contains("spaces")));
    }

    #[test]
    fn service_worker_gets_every_file_and_a_content_version() {
        let dir = std::env::temp_dir().join(format!("linli-xtask-sw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("icons")).expect("mkdir");
        std::fs::write(dir.join("index.html"), "<html></html>").expect("write");
        std::fs::write(dir.join("icons/a.png"), "png").expect("write");
        let template = std::fs::read_to_string(root().join("public/sw.js")).expect("template");
        std::fs::write(dir.join("sw.js"), &template).expect("write");
        assert_eq!(write_service_worker(&dir).expect("sw"), 2);
        let first = std::fs::read_to_string(dir.join("sw.js")).expect("read");
        assert!(
            first.contains(r#"["/icons/a.png","/index.html"]"#),
            "{first}"
        );
        assert!(!first.contains("__LINLI_"));
        // Changing a file changes the version; a finished sw.js is not accepted as a template.
        assert!(write_service_worker(&dir).is_err());
        std::fs::write(dir.join("sw.js"), &template).expect("write");
        std::fs::write(dir.join("index.html"), "<html>2</html>").expect("write");
        write_service_worker(&dir).expect("sw");
        let second = std::fs::read_to_string(dir.join("sw.js")).expect("read");
        assert_ne!(first, second);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
