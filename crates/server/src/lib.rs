#![recursion_limit = "256"]
//! `linli-server`: serves the Linli PWA and its JSON API from one process, with SQLite storage.
//!
//! The rules themselves (what a task is, who may do what) live in `linli-core`; this crate only
//! stores, authorises and transports.

pub mod api;
pub mod demo;
pub mod error;
pub mod http;
pub mod match_cli;
pub mod openapi;
pub mod public;
pub mod rate_limit;
pub mod signing;
pub mod storage;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::http::{AppState, Site};
use crate::rate_limit::{RateLimiter, RateLimits};
use crate::storage::{Storage, StorageError};

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub database: PathBuf,
    pub dist: PathBuf,
    /// Load a demo village of this size (skipped if it is already in the database).
    pub demo: Option<linli_core::demo::DemoParams>,
    pub rate_limits: RateLimits,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database, optionally loads the demo village, then serves until `shutdown` resolves.
/// Prints `listening on http://ADDR` on stdout once the socket is bound, which tests and the xtask
/// wait for (the port may be 0, meaning "any free port").
pub async fn serve(
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let storage = Storage::open(&config.database)?;
    tracing::info!(database = %config.database.display(), "database ready");
    let demo_login = match &config.demo {
        Some(params) => {
            let outcome = demo::load(&storage, params)?;
            tracing::info!(?outcome, "demo village");
            Some(demo::identities(&storage, params)?)
        }
        None => None,
    };
    let state = AppState {
        storage,
        site: Arc::new(Site::load(&config.dist)),
        limits: Arc::new(RateLimiter::new(config.rate_limits)),
        figures_cache: Arc::default(),
    };
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr()?;
    if let Some(code) = demo_login {
        println!("demo coordinator login code: {code}");
        println!("demo coordinator login link: http://{addr}/login#{code}");
        println!("demo invite code: {}", storage::DEMO_INVITE_CODE);
    }
    println!("listening on http://{addr}");
    tracing::info!(%addr, "listening");
    // With the peer's address on every request: the rate limits key on it.
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("stopped");
    Ok(())
}
