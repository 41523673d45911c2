//! The HTTP surface: the JSON API under `/api`, the PWA's files, and the headers every response
//! carries (CSP, caching, JSON errors).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use http_body_util::BodyExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::error::{code_for, error_response, ApiError};
use crate::rate_limit::{RateLimiter, Taken};
use crate::storage::{DatabaseHealth, Storage};

/// Largest request body accepted, in bytes. A sync push of a week of offline work is a few KB;
/// 1 MiB leaves room while stopping a client from making us buffer without bound.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a request handler may use.
#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub site: Arc<Site>,
    pub limits: Arc<RateLimiter>,
    /// Recent answers of the public figures endpoint (`public.rs`).
    pub figures_cache: Arc<crate::public::FiguresCache>,
}

/// The built PWA (trunk's `dist/`), with `index.html` held in memory so deep links such as
/// `/volunteer` get the app shell, and the CSP that allows exactly its inline loader script.
pub struct Site {
    pub dist: PathBuf,
    index_html: Option<String>,
    csp: HeaderValue,
}

impl Site {
    /// Reads `dist/index.html` if the app has been built. A server without a built app still
    /// answers the API (useful for the API's own tests).
    pub fn load(dist: &Path) -> Site {
        let index_html = std::fs::read_to_string(dist.join("index.html")).ok();
        if index_html.is_none() {
            tracing::warn!(dist = %dist.display(), "no index.html: the app is not built, serving the API only");
        }
        let csp = content_security_policy(index_html.as_deref().unwrap_or(""));
        Site {
            dist: dist.to_owned(),
            index_html,
            csp,
        }
    }
}

/// The Content-Security-Policy: our own origin only, wasm compilation allowed, and inline scripts
/// only when their exact hash is listed (trunk's generated loader is inline). Nothing from any
/// other host, no plugins, no framing.
pub fn content_security_policy(index_html: &str) -> HeaderValue {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for script in inline_scripts(index_html) {
        let digest = Sha256::digest(script.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        script_src.push_str(&format!(" 'sha256-{hash}'"));
    }
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The bodies of `<script>` elements without a `src`, exactly as the browser hashes them.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after_open = &rest[open..];
        let Some(tag_end) = after_open.find('>') else {
            break;
        };
        let tag = &after_open[..tag_end];
        let body_start = &after_open[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            found.push(&body_start[..close]);
        }
        rest = &body_start[close..];
    }
    found
}

/// The app and the API. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`:
/// the rate limits key on the peer's address (without it every client shares one bucket).
pub fn router(state: AppState) -> Router {
    // The endpoints that take a secret code: failed attempts are limited per client IP. The
    // method router's `route_layer`, so a wrong method (405) or path is not an attempt.
    let codes = || middleware::from_fn_with_state(state.clone(), limit_failed_attempts);
    let api = Router::new()
        .route("/health", get(health))
        .route(
            "/v1/sync",
            post(crate::api::sync)
                .route_layer(middleware::from_fn_with_state(state.clone(), limit_sync)),
        )
        .route("/v1/invite", post(crate::api::invite).route_layer(codes()))
        .route("/v1/join", post(crate::api::join).route_layer(codes()))
        .route("/v1/login", post(crate::api::login).route_layer(codes()))
        .route("/v1/devices", get(crate::api::devices))
        .route("/v1/devices/revoke", post(crate::api::revoke_device))
        .route("/v1/villages/{id}/key", get(crate::api::village_key))
        .route(
            "/v1/ledger/{account}/statement",
            get(crate::api::ledger_statement),
        )
        .route("/v1/villages/{id}/figures", get(crate::public::figures))
        .route("/v1/openapi.json", get(openapi))
        .fallback(api_not_found);
    let dist = state.site.dist.clone();
    let static_files = ServeDir::new(&dist)
        .append_index_html_on_directories(false)
        .fallback(get(app_shell).with_state(state.clone()));
    Router::new()
        .route("/", get(app_shell))
        .route("/index.html", get(app_shell))
        .nest("/api", api)
        .fallback_service(static_files)
        // Innermost first: limits, then the JSON rewrite of any error (the limit's 413 too),
        // then headers for every response, compression, and request logs outermost.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            response_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    database: DatabaseHealth,
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let storage = state.storage.clone();
    let database = tokio::task::spawn_blocking(move || storage.health())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database,
    }))
}

/// The TCP peer's address; unspecified when the router runs without connection info (an
/// in-process test), so every such request shares one bucket.
fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// Limits failed `join`, `invite` and `login` attempts per client IP: an attempt is reserved
/// before the handler runs and given back unless the answer is a client error (a wrong code,
/// and also a malformed body or profile: with a valid code `join` checks the profile after the
/// code, so its 400s would otherwise tell a guesser which code was right). Server errors are
/// not the client's doing and are not counted. Logs the address, never the code.
async fn limit_failed_attempts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request);
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let left = match state.limits.take_auth_attempt(ip, started) {
        Taken::Allowed { left } => left,
        Taken::Refused(limited) => {
            tracing::warn!(%ip, %path, retry_after = limited.retry_after_secs,
                "refused: too many failed code attempts from this address (guessing?)");
            return ApiError::RateLimited {
                what: "too many failed join, invite or login attempts from this address",
                retry_after_secs: limited.retry_after_secs,
            }
            .into_response();
        }
    };
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() {
        if left == 0 {
            tracing::warn!(%ip, %path, status = status.as_u16(),
                "failed code attempt; this address is now limited (guessing?)");
        } else {
            tracing::info!(%ip, %path, status = status.as_u16(), left, "failed code attempt");
        }
    } else {
        state.limits.auth_succeeded(ip, Instant::now());
    }
    response
}

/// Limits sync requests per bearer token. A request without a token goes on to get its 401.
async fn limit_sync(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Ok(token) = crate::api::bearer(request.headers()) {
        if let Taken::Refused(limited) = state.limits.take_sync(&token, Instant::now()) {
            tracing::warn!(ip = %client_ip(&request), retry_after = limited.retry_after_secs,
                "refused: too many sync requests with one token");
            return ApiError::RateLimited {
                what: "too many sync requests for this token",
                retry_after_secs: limited.retry_after_secs,
            }
            .into_response();
        }
    }
    next.run(request).await
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_owned())
}

/// Serves the app shell for client-side routes (`/volunteer`, `/coordinator/...`). A missing file
/// with an extension is a real 404, so a broken asset link is not hidden behind HTML.
async fn app_shell(State(state): State<AppState>, uri: Uri) -> Response {
    let last = uri.path().rsplit('/').next().unwrap_or("");
    let looks_like_file = last.contains('.') && last != "index.html";
    match (&state.site.index_html, looks_like_file) {
        (Some(html), false) => Html(html.clone()).into_response(),
        (None, false) => error_response(
            StatusCode::NOT_FOUND,
            "app_not_built",
            "the app has not been built: run `cargo xtask serve`",
        ),
        (_, true) => error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no file at {}", uri.path()),
        ),
    }
}

/// Security and caching headers for every response.
async fn response_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, state.site.csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        let cache = cache_policy(&path, headers);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}

/// Hashed build outputs never change under their name, so they are cached for a year; the HTML
/// shell, the service worker and the manifest must be revalidated so an update is seen at once.
fn cache_policy(path: &str, headers: &HeaderMap) -> &'static str {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if path.starts_with("/api/") {
        "no-store"
    } else if is_html || path == "/sw.js" || path.ends_with(".webmanifest") {
        "no-cache"
    } else if is_hashed_asset(path) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    }
}

/// Trunk names outputs like `linli-1a2b3c4d5e6f7a8b_bg.wasm`: a dash and 16 hex digits.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // Trunk prints its 64-bit content hash in hex without leading zeros: 16 digits, or fewer
    // about one build in sixteen (seen: `linli-3184a649829e3a7_bg.wasm`, 15).
    name.split(['-', '_', '.'])
        .any(|part| (12..=16).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Rewrites any error response that is not already JSON (axum's 405, tower-http's 413, extractor
/// rejections) into `{"error": {"code", "message"}}`, keeping the original text as the message.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let original = String::from_utf8_lossy(&text);
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("request body is larger than the limit of {MAX_BODY_BYTES} bytes")
    } else if original.trim().is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned()
    } else {
        original.trim().to_owned()
    };
    let mut rewritten = error_response(status, code_for(status), &message);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        rewritten.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_lists_the_hash_of_each_inline_script_only() {
        let html = r#"<head><script type="module">import init from '/a.js';</script>
            <script src="/pwa.js"></script></head>"#;
        let csp = content_security_policy(html);
        let csp = csp.to_str().expect("ascii");
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/a.js';"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert_eq!(csp.matches("sha256-").count(), 1, "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/linli-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // A hash that happens to start with zero digits is printed shorter.
        assert!(is_hashed_asset("/linli-3184a649829e3a7_bg.wasm"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
    }
}
