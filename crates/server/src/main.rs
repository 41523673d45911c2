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
    },
    /// Plan assignments for an instance file and print the plan as JSON (format: docs/matching.md).
    Match {
        /// The instance, as JSON; `-` reads standard input.
        #[arg(long)]
        input: String,
    },
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
        Command::Serve {
            port,
            bind,
            db,
            dist,
            demo,
        } => runtime.block_on(linli_server::serve(
            ServeConfig {
                bind: SocketAddr::new(bind, port),
                database: db,
                dist,
                demo,
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
