//! The JSON API's handlers: `POST /api/v1/sync`, `/api/v1/invite`, `/api/v1/join`, `/api/v1/login`. They parse,
//! hand the work to [`crate::storage`] on a blocking thread, and map its errors to the one error
//! shape. The actor of every change comes from the bearer token's row, never from the request.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use linli_core::sync::protocol::{
    InviteRequest, InviteResponse, JoinRequest, JoinResponse, SyncRequest, SyncResponse,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::http::AppState;
use crate::storage::{
    JoinError, LoginError, LoginResponse, StorageError, SyncError, MAX_TOKEN_CHARS,
};

/// `POST /api/v1/login`'s body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub code: String,
}

/// Reads a JSON body strictly (unknown fields are refused): syntax errors are `invalid_json`,
/// a well-formed body of the wrong shape is `invalid_body`; both 400 with serde's explanation.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let code = match e.classify() {
            serde_json::error::Category::Data => "invalid_body",
            _ => "invalid_json",
        };
        ApiError::BadRequest {
            code,
            message: format!("cannot read the request body: {e}"),
        }
    })
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing =
        || ApiError::Unauthorized("an Authorization: Bearer <token> header is required".into());
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(missing)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Err(missing());
    }
    Ok(token.to_owned())
}

fn storage_error(e: StorageError) -> ApiError {
    if e.is_busy() {
        ApiError::Unavailable(e.to_string())
    } else {
        ApiError::Internal(e.to_string())
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match e {
            SyncError::Unauthorized => ApiError::Unauthorized(message),
            SyncError::ClientIdInUse(_) => ApiError::Forbidden {
                code: "client_id_in_use",
                message,
            },
            SyncError::InvalidClientId => ApiError::BadRequest {
                code: "invalid_client_id",
                message,
            },
            SyncError::InvalidCookie(_) => ApiError::BadRequest {
                code: "invalid_cookie",
                message,
            },
            SyncError::TooManyMutations { .. } => ApiError::TooLarge {
                code: "too_many_mutations",
                message,
            },
            SyncError::Storage(e) => storage_error(e),
        }
    }
}

impl From<JoinError> for ApiError {
    fn from(e: JoinError) -> Self {
        let message = e.to_string();
        match e {
            JoinError::InvalidInvite => ApiError::Forbidden {
                code: "invalid_invite",
                message,
            },
            JoinError::InvalidProfile(_) => ApiError::BadRequest {
                code: "invalid_profile",
                message,
            },
            JoinError::UnknownGroup(_) => ApiError::BadRequest {
                code: "invalid_group",
                message,
            },
            JoinError::Storage(e) => storage_error(e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        let message = e.to_string();
        match e {
            LoginError::InvalidCode => ApiError::Forbidden {
                code: "invalid_login_code",
                message,
            },
            LoginError::Storage(e) => storage_error(e),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// `POST /api/v1/sync`: push the device's pending mutations, pull its patch.
pub async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SyncResponse>, ApiError> {
    let token = bearer(&headers)?;
    let request: SyncRequest = parse_json(&body)?;
    crate::storage::check_limits(&request)?;
    let storage = state.storage.clone();
    let response = blocking(move || Ok(storage.sync(&token, &request)?)).await?;
    Ok(Json(response))
}

/// `POST /api/v1/invite`: checks an invite code and names the village and its groups.
pub async fn invite(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<InviteResponse>, ApiError> {
    let request: InviteRequest = parse_json(&body)?;
    let storage = state.storage.clone();
    let response = blocking(move || Ok(storage.invite(&request.invite_code)?)).await?;
    Ok(Json(response))
}

/// `POST /api/v1/join`: a volunteer joins a village with an invite code.
pub async fn join(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<JoinResponse>, ApiError> {
    let request: JoinRequest = parse_json(&body)?;
    let storage = state.storage.clone();
    let response = blocking(move || Ok(storage.join(&request)?)).await?;
    Ok(Json(response))
}

/// `POST /api/v1/login`: a coordinator exchanges a one-time login code for a token.
pub async fn login(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<LoginResponse>, ApiError> {
    let request: LoginRequest = parse_json(&body)?;
    let storage = state.storage.clone();
    let response = blocking(move || Ok(storage.login(&request.code)?)).await?;
    Ok(Json(response))
}
