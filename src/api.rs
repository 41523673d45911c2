//! Every request the app makes to the server, in one place.

use gloo_net::http::{Request, RequestBuilder, Response};
use linli_core::sync::protocol::{
    InviteRequest, InviteResponse, JoinRequest, JoinResponse, LoginRequest, LoginResponse,
    SyncRequest, SyncResponse,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Why a request did not produce an answer the app can use.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiFailure {
    /// No connection (or the server could not be reached at all): try again later.
    Network,
    /// The device's token is unknown or revoked: the user must join or sign in again.
    Unauthorized,
    /// The server refused the request; `code` is its stable error code.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The server is having trouble (5xx): try again later.
    Server(u16),
    /// The answer was not what this version of the app understands.
    Decode(String),
}

impl ApiFailure {
    /// Worth retrying later without the user doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiFailure::Network | ApiFailure::Server(_))
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    let status = response.status();
    if (200..300).contains(&status) {
        // Parse to a `Value` first, then to `T`: every typed deserializer in the app reads from
        // a `Value`, so each is compiled into the wasm once.
        let value = response
            .json::<serde_json::Value>()
            .await
            .map_err(|e| ApiFailure::Decode(e.to_string()))?;
        return serde_json::from_value(value).map_err(|e| ApiFailure::Decode(e.to_string()));
    }
    if status == 401 {
        return Err(ApiFailure::Unauthorized);
    }
    // 429 (too many requests) is "later", like a server in trouble: a queued join or a sync
    // waits and tries again instead of giving up.
    if status >= 500 || status == 429 {
        return Err(ApiFailure::Server(status));
    }
    let body = response
        .json::<serde_json::Value>()
        .await
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    match serde_json::from_value::<ErrorBody>(body) {
        Ok(body) => Err(ApiFailure::Refused {
            status,
            code: body.error.code,
            message: body.error.message,
        }),
        Err(e) => Err(ApiFailure::Decode(e.to_string())),
    }
}

/// How long a request may take before it counts as "no connection". A request that hangs on
/// a weak signal would otherwise hold the sync (and its cross-tab lock) for good.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `send` with a deadline: past it the request (and the reading of its body) is aborted.
async fn with_deadline<T>(
    send: impl FnOnce(Option<&web_sys::AbortSignal>) -> Result<RequestBuilder, ApiFailure>,
    finish: impl AsyncFnOnce(Response) -> Result<T, ApiFailure>,
    body: Option<serde_json::Value>,
) -> Result<T, ApiFailure> {
    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let timer = controller
        .clone()
        .and_then(|c| leptos::prelude::set_timeout_with_handle(move || c.abort(), TIMEOUT).ok());
    let builder = send(signal.as_ref())?;
    let sent = match body {
        Some(body) => {
            builder
                .json(&body)
                .map_err(|e| ApiFailure::Decode(e.to_string()))?
                .send()
                .await
        }
        None => builder.send().await,
    };
    let result = match sent {
        Ok(response) => finish(response).await,
        Err(_) => Err(ApiFailure::Network),
    };
    if let Some(timer) = timer {
        timer.clear();
    }
    result
}

async fn post<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<T, ApiFailure> {
    let body = serde_json::to_value(body).map_err(|e| ApiFailure::Decode(e.to_string()))?;
    with_deadline(
        |signal| {
            let mut request = Request::post(path).abort_signal(signal);
            if let Some(token) = token {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
            Ok(request)
        },
        async |response| read(response).await,
        Some(body),
    )
    .await
}

/// One device (a phone or a browser signed in) of the coordinator's village.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Device {
    pub device: String,
    pub role: String,
    pub person: String,
    #[serde(default)]
    pub name: Option<String>,
    pub created_at: i64,
    #[serde(default)]
    pub last_seen_at: Option<i64>,
    #[serde(default)]
    pub revoked_at: Option<i64>,
    #[serde(default)]
    pub current: bool,
}

#[derive(Deserialize)]
struct DeviceList {
    devices: Vec<Device>,
}

#[derive(Deserialize)]
struct RevokedDevice {
    device: Device,
}

/// The village's devices (coordinators only; needs a connection).
pub async fn devices(token: &str) -> Result<Vec<Device>, ApiFailure> {
    with_deadline(
        |signal| {
            Ok(Request::get("/api/v1/devices")
                .abort_signal(signal)
                .header("Authorization", &format!("Bearer {token}")))
        },
        async |response| read::<DeviceList>(response).await.map(|l| l.devices),
        None,
    )
    .await
}

/// Signs a device out for good: its token stops working at its next sync.
pub async fn revoke_device(token: &str, device: &str) -> Result<Device, ApiFailure> {
    post::<_, RevokedDevice>(
        "/api/v1/devices/revoke",
        Some(token),
        &serde_json::json!({ "device": device }),
    )
    .await
    .map(|r| r.device)
}

/// A village's public figures for `month` (`YYYY-MM`; `None`: the village's current month).
/// No token: the page is for anyone with the village's link.
pub async fn figures(
    village: &str,
    month: Option<&str>,
) -> Result<linli_core::figures::PublicFigures, ApiFailure> {
    let village = String::from(js_sys::encode_uri_component(village));
    let path = match month {
        Some(month) => format!(
            "/api/v1/villages/{village}/figures?month={}",
            String::from(js_sys::encode_uri_component(month))
        ),
        None => format!("/api/v1/villages/{village}/figures"),
    };
    with_deadline(
        |signal| Ok(Request::get(&path).abort_signal(signal)),
        async |response| read(response).await,
        None,
    )
    .await
}

/// The time-bank statement of `account`, signed line by line by the village's key (a volunteer
/// may fetch only their own; needs a connection). Kept as JSON: it is saved as the server sent
/// it, for `linli-server verify`.
pub async fn statement(token: &str, account: &str) -> Result<serde_json::Value, ApiFailure> {
    let path = format!(
        "/api/v1/ledger/{}/statement",
        String::from(js_sys::encode_uri_component(account))
    );
    with_deadline(
        |signal| {
            Ok(Request::get(&path)
                .abort_signal(signal)
                .header("Authorization", &format!("Bearer {token}")))
        },
        async |response| read(response).await,
        None,
    )
    .await
}

pub async fn sync(token: &str, request: &SyncRequest) -> Result<SyncResponse, ApiFailure> {
    post("/api/v1/sync", Some(token), request).await
}

pub async fn invite(code: &str) -> Result<InviteResponse, ApiFailure> {
    post(
        "/api/v1/invite",
        None,
        &InviteRequest {
            invite_code: code.to_owned(),
        },
    )
    .await
}

pub async fn join(request: &JoinRequest) -> Result<JoinResponse, ApiFailure> {
    post("/api/v1/join", None, request).await
}

pub async fn login(code: &str) -> Result<LoginResponse, ApiFailure> {
    post(
        "/api/v1/login",
        None,
        &LoginRequest {
            code: code.to_owned(),
        },
    )
    .await
}
