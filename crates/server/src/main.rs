use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use linli_server::ServeConfig;

/// Linli's server: the volunteer-service PWA and its sync API, with SQLite storage.
#[derive(Parser)]
#[command(name = "linli-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and the API until SIGINT or SIGTERM.
    Serve {
        /// TCP port to listen on (0 picks a free one).
        #[arg(long, env = "LINLI_PORT", default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, env = "LINLI_BIND", default_value = "127.0.0.1")]
        bind: IpAddr,
        /// SQLite database file; created with its directory on first run.
        #[arg(long, env = "LINLI_DB", default_value = "data/linli.sqlite3")]
        db: PathBuf,
        /// The built app (trunk's output directory).
        #[arg(long, env = "LINLI_DIST", default_value = "dist")]
        dist: PathBuf,
        /// Load the demo village (skipped if it is already in the database).
        #[arg(long, env = "LINLI_DEMO")]
        demo: bool,
        /// The demo's size: `village` (300 volunteers, a month of tasks) or `district`
        /// (2,000 volunteers, 600 tasks in a week: the planner's benchmark).
        #[arg(long, default_value = "village", value_parser = ["village", "district"])]
        demo_size: String,
        /// Overrides the demo's number of volunteers (e.g. 5,000 for the search benchmark).
        #[arg(long)]
        demo_volunteers: Option<usize>,
        /// Failed join, invite and login attempts allowed per client IP per
        /// --auth-failure-window, then 429 until the window refills (0: no limit). Successes
        /// are not counted. The IP is the TCP peer's: behind a reverse proxy, limit there.
        #[arg(long, env = "LINLI_AUTH_FAILURE_LIMIT",
              default_value_t = linli_server::rate_limit::RateLimits::DEFAULT_AUTH_FAILURES)]
        auth_failure_limit: u32,
        /// The window of --auth-failure-limit, in seconds.
        #[arg(long, env = "LINLI_AUTH_FAILURE_WINDOW",
              default_value_t = linli_server::rate_limit::RateLimits::DEFAULT_AUTH_FAILURE_WINDOW_SECS,
              value_parser = clap::value_parser!(u64).range(1..))]
        auth_failure_window: u64,
        /// Sync requests allowed per token per minute, also the burst (0: no limit).
        #[arg(long, env = "LINLI_SYNC_RATE_LIMIT",
              default_value_t = linli_server::rate_limit::RateLimits::DEFAULT_SYNC_PER_MINUTE)]
        sync_rate_limit: u32,
    },
    /// Manage villages, coordinators, invites and tokens, back up or restore the database (no
    /// server needed).
    Admin {
        /// SQLite database file.
        #[arg(long, env = "LINLI_DB", default_value = "data/linli.sqlite3")]
        db: PathBuf,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Plan assignments for an instance file and print the plan as JSON (format: docs/matching.md).
    Match {
        /// The instance, as JSON; `-` reads standard input.
        #[arg(long)]
        input: String,
    },
    /// Check an exported time-bank statement without the database: every line's signature, the
    /// hash chain, the running balance, the total, the seal (format: docs/ledger.md). Exit 0:
    /// valid, sealed, under the --key given; 1: not valid, with the line and the reason; 2: the
    /// file or the key cannot be read; 3: valid as far as it goes, but without --key or without
    /// a seal (a warning says which).
    Verify {
        /// The statement (JSON from GET /api/v1/ledger/{account}/statement); `-` reads
        /// standard input.
        statement: PathBuf,
        /// The village's public key (base64), from GET /api/v1/villages/{id}/key. Without it the
        /// statement is checked against the key it carries, which says nothing about who made it.
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an empty village with one group per --group.
    CreateVillage {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
        /// Offset of local time from UTC in minutes (480 for China).
        #[arg(long, default_value_t = 480, allow_negative_numbers = true)]
        utc_offset_minutes: i32,
        /// A village group's name (repeat for several).
        #[arg(long = "group", default_value = "第一村民小组")]
        groups: Vec<String>,
    },
    /// Set how many time-bank credits an hour of approved service earns in a village (default
    /// 1). Credits already given keep their amount.
    SetCreditRate {
        #[arg(long)]
        village: String,
        /// Credits per hour, at most two decimals ("1", "1.5").
        #[arg(long)]
        credits_per_hour: String,
    },
    /// Add a coordinator and print their one-time login link and code.
    AddCoordinator {
        #[arg(long)]
        village: String,
        #[arg(long)]
        name: String,
        /// The address people open the app at.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Print a new invite code (and its /join link) for volunteers.
    CreateInvite {
        #[arg(long)]
        village: String,
        /// Days the code stays valid.
        #[arg(long, default_value_t = 14)]
        days: u32,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Revoke every token of a user (`volunteer:v-0001`, `coordinator:c-1`) or an invite code.
    Revoke {
        #[arg(long, value_name = "ROLE:ID")]
        token_of: Option<String>,
        #[arg(long, value_name = "CODE")]
        invite: Option<String>,
        /// Only in this village (default: every village).
        #[arg(long)]
        village: Option<String>,
    },
    /// List a village's devices (client ids) and tokens.
    ListDevices {
        #[arg(long)]
        village: String,
    },
    /// Copy the database to a file, consistently, while the server runs (SQLite's online
    /// backup). The file is replaced only once the copy is complete and checked.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the database with a backup. Stop the server first: a running server keeps
    /// writing to the file it opened. Devices catch up at their next sync; what they did after
    /// the backup was taken is lost.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
enum AdminCliError {
    #[error(transparent)]
    Admin(#[from] linli_server::storage::AdminError),
    #[error(transparent)]
    Storage(#[from] linli_server::storage::StorageError),
    #[error(transparent)]
    Backup(#[from] linli_server::storage::BackupError),
    #[error("{0}")]
    Usage(String),
}

fn run_admin(db: &std::path::Path, action: AdminAction) -> ExitCode {
    match admin(db, action) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("linli-server admin: {err}");
            match err {
                AdminCliError::Storage(_) | AdminCliError::Backup(_) => ExitCode::FAILURE,
                _ => ExitCode::from(2),
            }
        }
    }
}

fn admin(db: &std::path::Path, action: AdminAction) -> Result<(), AdminCliError> {
    use linli_server::storage::{backup_database, restore_database, PrincipalRole, Storage};
    // Backup and restore copy the file as it is: opening it as `Storage` first would migrate
    // it (a restore target may be damaged, and must not be written before it is replaced).
    let storage = match action {
        AdminAction::Backup { to } => {
            let report = backup_database(db, &to)?;
            println!(
                "backed up {} to {} ({} bytes, schema version {}, {} village(s))",
                db.display(),
                to.display(),
                report.bytes,
                report.schema_version,
                report.villages
            );
            return Ok(());
        }
        AdminAction::Restore { from } => {
            let report = restore_database(db, &from)?;
            println!(
                "restored {} from {} (schema version {}, {} village(s)); start the server again",
                db.display(),
                from.display(),
                report.schema_version,
                report.villages
            );
            return Ok(());
        }
        _ => Storage::open(db)?,
    };
    match action {
        AdminAction::CreateVillage {
            id,
            name,
            time_zone,
            utc_offset_minutes,
            groups,
        } => {
            storage.admin_create_village(&id, &name, &time_zone, utc_offset_minutes, &groups)?;
            println!(
                "created village {id} ({name}) with {} group(s)",
                groups.len()
            );
        }
        AdminAction::SetCreditRate {
            village,
            credits_per_hour,
        } => {
            let per_hour =
                linli_core::ledger::parse_credits(&credits_per_hour).ok_or_else(|| {
                    AdminCliError::Usage(format!(
                    "--credits-per-hour {credits_per_hour:?} is not an amount of credits (at most \
                     two decimals, e.g. 1 or 1.5)"
                ))
                })?;
            let updated = storage.admin_set_credit_rate(&village, per_hour)?;
            println!(
                "village {village}: {} credits per hour of approved service from now on \
                 (credits already given keep their amount)",
                linli_core::ledger::format_credits(updated.credit_rate_per_hour)
            );
        }
        AdminAction::AddCoordinator {
            village,
            name,
            base_url,
        } => {
            let (id, code) = storage.admin_add_coordinator(&village, &name)?;
            println!("coordinator: {id}");
            println!("login link (one use, 24 hours): {base_url}/login#{code}");
            println!("login code: {code}");
        }
        AdminAction::CreateInvite {
            village,
            days,
            base_url,
        } => {
            let code = storage.admin_create_invite(&village, days)?;
            println!("invite code (valid {days} days): {code}");
            println!("join link: {base_url}/join#{code}");
        }
        AdminAction::Revoke {
            token_of,
            invite,
            village,
        } => match (token_of, invite) {
            (Some(user), None) => {
                let (role, subject) = user
                    .split_once(':')
                    .and_then(|(r, s)| Some((PrincipalRole::parse(r)?, s)))
                    .ok_or_else(|| {
                        AdminCliError::Usage(format!(
                            "--token-of wants volunteer:ID or coordinator:ID, not {user:?}"
                        ))
                    })?;
                let n = storage.admin_revoke_tokens(village.as_deref(), role, subject)?;
                println!("revoked {n} token(s) of {user}");
            }
            (None, Some(code)) => {
                if storage.admin_revoke_invite(&code)? {
                    println!("revoked the invite code");
                } else {
                    return Err(AdminCliError::Usage("no live invite with that code".into()));
                }
            }
            _ => {
                return Err(AdminCliError::Usage(
                    "give exactly one of --token-of ROLE:ID or --invite CODE".into(),
                ))
            }
        },
        AdminAction::ListDevices { village } => {
            let (devices, tokens) = storage.admin_list_devices(&village)?;
            println!("devices ({}):", devices.len());
            for d in devices {
                println!(
                    "  {}  user={}  last_mutation_id={}  cookie={}  last_seen={}",
                    d.client_id,
                    d.user,
                    d.last_mutation_id,
                    d.cookie.map_or("-".to_owned(), |c| c.to_string()),
                    d.last_seen_at
                );
            }
            println!("tokens ({}):", tokens.len());
            for t in tokens {
                println!(
                    "  {}  {}  created={}  last_used={}  {}",
                    t.user,
                    t.label,
                    t.created_at,
                    t.last_used_at.map_or("-".to_owned(), |c| c.to_string()),
                    t.revoked_at
                        .map_or("live".to_owned(), |r| format!("revoked={r}"))
                );
            }
        }
        AdminAction::Backup { .. } | AdminAction::Restore { .. } => {
            unreachable!("handled above, without opening the database")
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINLI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("linli-server: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Match { input } => return run_match(&input),
        Command::Verify { statement, key } => return run_verify(&statement, key.as_deref()),
        Command::Admin { db, action } => return run_admin(&db, action),
        Command::Serve {
            port,
            bind,
            db,
            dist,
            demo,
            demo_size,
            demo_volunteers,
            auth_failure_limit,
            auth_failure_window,
            sync_rate_limit,
        } => runtime.block_on(linli_server::serve(
            ServeConfig {
                bind: SocketAddr::new(bind, port),
                database: db,
                dist,
                demo: demo.then(|| {
                    let params = match demo_size.as_str() {
                        "district" => linli_core::demo::DemoParams::district_week(),
                        _ => linli_core::demo::DemoParams::village(),
                    };
                    linli_core::demo::DemoParams {
                        volunteers: demo_volunteers.unwrap_or(params.volunteers),
                        ..params
                    }
                }),
                rate_limits: linli_server::rate_limit::RateLimits {
                    auth_failures: auth_failure_limit,
                    auth_failure_window: std::time::Duration::from_secs(auth_failure_window),
                    sync_per_minute: sync_rate_limit,
                },
            },
            shutdown_signal(),
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("linli-server: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the plan as JSON; exit code 2 for bad input, so scripts can tell it from a crash.
fn run_match(input: &str) -> ExitCode {
    let plan = match linli_server::match_cli::run(input) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("linli-server match: {err}");
            return ExitCode::from(2);
        }
    };
    match serde_json::to_string_pretty(&plan) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("linli-server match: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `verify`: prints what was checked and exits 0, or prints the first failure (which line, what)
/// and exits 1; 2 when the statement or the key cannot be read at all, so a script can tell
/// "forged" from "wrong file".
fn run_verify(path: &std::path::Path, key: Option<&str>) -> ExitCode {
    use linli_server::signing::{parse_statement, verify_statement, VerifyError};
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let read = if stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("linli-server verify: cannot read {name}: {err}");
            return ExitCode::from(2);
        }
    };
    let statement = match parse_statement(&bytes) {
        Ok(statement) => statement,
        Err(err) => {
            eprintln!(
                "linli-server verify: {name}: {}",
                printable(&err.to_string())
            );
            return ExitCode::from(2);
        }
    };
    let checked_key = key.unwrap_or(&statement.public_key);
    match verify_statement(&statement, checked_key) {
        Ok(verified) => {
            println!("valid statement");
            println!(
                "village: {} ({})",
                printable(&verified.village_id),
                printable(&verified.village_name)
            );
            println!("account: {}", printable(&verified.account));
            println!("lines: {}", verified.lines);
            println!(
                "balance: {} credits ({} hundredths)",
                linli_core::ledger::format_credits(verified.balance),
                verified.balance
            );
            match verified.sealed_at {
                Some(issued_at) => println!(
                    "sealed: issued at {} (unix {issued_at}): complete then; lines stored later \
                     are not in it",
                    linli_server::signing::format_unix_utc(issued_at)
                ),
                None => println!("sealed: no (cannot show that no lines were cut off the end)"),
            }
            if let Some(warning) = verified.completeness_warning() {
                eprintln!("linli-server verify: warning: {warning}");
            }
            if key.is_some() {
                println!("key: {} (the --key given)", verified.public_key);
            } else {
                println!(
                    "key: {} (the statement's own key: NOT checked against the village's published key)",
                    verified.public_key
                );
                eprintln!(
                    "linli-server verify: warning: no --key given, so the statement was checked only \
                     against the key it carries, and anyone can sign with a key of their own. Fetch \
                     the village's key from GET /api/v1/villages/{}/key and pass it with --key.",
                    printable(&verified.village_id)
                );
            }
            // 0 only for the whole proof; a script that checks the exit code alone must not
            // take "valid under a key of its own" or "maybe cut short" for it.
            if key.is_some() && verified.sealed_at.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            }
        }
        Err(err @ VerifyError::BadKey(_)) if key.is_some() => {
            eprintln!(
                "linli-server verify: --key: {}",
                printable(&err.to_string())
            );
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!(
                "linli-server verify: INVALID statement of account {:?}: {}",
                statement.account,
                printable(&err.to_string())
            );
            ExitCode::FAILURE
        }
    }
}

/// Text from a statement file (unsigned names, parse errors quoting it) with control characters
/// escaped, so a crafted file cannot rewrite the auditor's terminal (ANSI sequences, `\r`).
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish and SQLite closes cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
