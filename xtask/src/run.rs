//! Running commands with visible progress: what is happening, and how long it took.

use std::process::{Command, Stdio};
use std::time::Instant;

pub fn step(what: &str) {
    println!("==> {what}");
}

/// Runs a command, streaming its output, and fails with the command line if it fails.
pub fn run(what: &str, command: &mut Command) -> Result<(), String> {
    step(what);
    let started = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    let took = started.elapsed().as_secs_f64();
    if status.success() {
        println!("    done in {took:.1} s");
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({status}) after {took:.1} s: {command:?}"
        ))
    }
}

/// Runs a command and captures stdout+stderr (for version checks); `None` if it cannot start.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    out.status.success().then_some(text)
}
