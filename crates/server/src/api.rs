//! The JSON API's handlers: `POST /api/v1/sync`, `/api/v1/invite`, `/api/v1/join`, `/api/v1/login`,
//! and a coordinator's `GET /api/v1/devices` and `POST /api/v1/devices/revoke`. They parse, hand
//! the work to [`crate::storage`] on a blocking thread, and map its errors to the one error
//! shape. The actor of every change comes from the bearer token's row, never from the request.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_core::sync::protocol::{
    InviteRequest, InviteResponse, JoinRequest, JoinResponse, SyncRequest, SyncResponse,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{error_response, ApiError};
use crate::http::AppState;
use crate::storage::{
    hash_secret, JoinError, LoginError, LoginResponse, Principal, PrincipalRole, StorageError,
    SyncError, TokenRow, MAX_TOKEN_CHARS,
};

/// The characters a `client_id` may not hold: control characters and white space (exactly
/// Rust's `char::is_control` and `char::is_whitespace`, which `check_limits` applies), as
/// inclusive ranges. The OpenAPI document's pattern is made from the same list.
const CLIENT_ID_EXCLUDED: [(char, char); 8] = [
    ('\u{0}', '\u{20}'),
    ('\u{7f}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];

/// `client_id` as a JSON Schema (ECMA-262) pattern.
pub fn client_id_pattern() -> String {
    let class: String = CLIENT_ID_EXCLUDED
        .iter()
        .map(|&(from, to)| {
            if from == to {
                format!("\\u{:04x}", u32::from(from))
            } else {
                format!("\\u{:04x}-\\u{:04x}", u32::from(from), u32::from(to))
            }
        })
        .collect();
    format!("^[^{class}]+$")
}

/// A join's `request_id`: 16-64 printable ASCII characters without spaces (the app sends a
/// UUID). Checked before the storage sees it, so what the document promises is what is taken.
pub const REQUEST_ID_PATTERN: &str = "^[!-~]{16,64}$";

fn valid_request_id(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

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

/// Reads a sync request. JSON Schema, and so the OpenAPI document, counts a number with no
/// fraction (`2.0`) as an integer, but serde reads `u32`/`u64` only from integer literals: such
/// numbers are made integers first, everywhere except inside mutations' `args` (each mutation's
/// own types decide those, and they stay exactly as sent).
fn parse_sync_request(body: &[u8]) -> Result<SyncRequest, ApiError> {
    let mut value: Value = parse_json(body)?;
    integral_floats_to_integers(&mut value);
    serde_json::from_value(value).map_err(|e| ApiError::BadRequest {
        code: "invalid_body",
        message: format!("cannot read the request body: {e}"),
    })
}

fn integral_floats_to_integers(value: &mut Value) {
    // 2^64 as a float: every integral float below it fits a u64.
    const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                if (0.0..TWO_TO_64).contains(&f) {
                    // In range and integral: the conversion is exact.
                    *value = Value::from(f as u64);
                } else if (-9.223_372_036_854_776e18..0.0).contains(&f) {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key != "args" {
                    integral_floats_to_integers(item);
                }
            }
        }
        _ => {}
    }
}

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
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
            SyncError::TooManyRecordsAsked { .. } => ApiError::BadRequest {
                code: "too_many_records",
                message,
            },
            SyncError::InvalidResume => ApiError::BadRequest {
                code: "invalid_resume",
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
    let request = parse_sync_request(&body)?;
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
    if request
        .request_id
        .as_deref()
        .is_some_and(|id| !valid_request_id(id))
    {
        return Err(ApiError::BadRequest {
            code: "invalid_profile",
            message: "request_id must be 16-64 printable ASCII characters without spaces".into(),
        });
    }
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

/// One device of the village (a bearer token: a phone or browser that joined or logged in), as
/// `GET /api/v1/devices` lists it. Never the token, nor its whole hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Opaque id: the first 16 hex digits of the token's SHA-256.
    pub device: String,
    /// `volunteer` or `coordinator`.
    pub role: String,
    /// Whose device: the volunteer id (`v-0001`) or coordinator id (`c-1`).
    pub person: String,
    /// Their name (`null` if their record is gone).
    pub name: Option<String>,
    /// How the token was made: `join` or `login` (or a label given by a tool).
    pub label: String,
    /// Unix seconds, the server's clock.
    pub created_at: i64,
    /// The token's last request (Unix seconds); `null` if never used.
    pub last_seen_at: Option<i64>,
    /// When it was revoked (Unix seconds); `null` while live.
    pub revoked_at: Option<i64>,
    /// The device making this request.
    pub current: bool,
}

/// `GET /api/v1/devices`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DevicesResponse {
    pub devices: Vec<Device>,
}

/// `POST /api/v1/devices/revoke`'s body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeDeviceRequest {
    pub device: String,
}

/// `POST /api/v1/devices/revoke`'s answer: the device as it is now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RevokeDeviceResponse {
    pub device: Device,
}

/// `caller_hash`: the SHA-256 of the requesting token, to mark the caller's own device.
fn device(row: TokenRow, caller_hash: &str) -> Device {
    Device {
        current: caller_hash.starts_with(&row.device),
        device: row.device,
        role: row.role.as_str().to_owned(),
        person: row.subject,
        name: row.name,
        label: row.label,
        created_at: row.created_at,
        last_seen_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// The coordinator holding `token`: 401 for a missing, unknown or revoked token, 403 for a
/// volunteer's (a volunteer may not see who else uses the app, nor cut anyone off). Checked
/// just before, not in the same transaction as, the storage call that follows: a token revoked
/// in between acts once more, like any request already on its way.
fn coordinator(storage: &crate::storage::Storage, token: &str) -> Result<Principal, ApiError> {
    let principal = storage
        .principal(token)
        .map_err(storage_error)?
        .ok_or_else(|| ApiError::Unauthorized("the token is missing, unknown or revoked".into()))?;
    match principal.role {
        PrincipalRole::Coordinator => Ok(principal),
        PrincipalRole::Volunteer => Err(ApiError::Forbidden {
            code: "forbidden",
            message: "only a coordinator may see or revoke devices".into(),
        }),
    }
}

/// `GET /api/v1/devices`: a coordinator sees every device of their village, live and revoked.
pub async fn devices(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<DevicesResponse>, ApiError> {
    let token = bearer(&headers)?;
    let storage = state.storage.clone();
    let response = blocking(move || {
        let principal = coordinator(&storage, &token)?;
        let caller = hash_secret(&token);
        let rows = storage
            .village_tokens(&principal.village_id)
            .map_err(storage_error)?;
        Ok(DevicesResponse {
            devices: rows.into_iter().map(|r| device(r, &caller)).collect(),
        })
    })
    .await?;
    Ok(Json(response))
}

/// `POST /api/v1/devices/revoke`: a coordinator revokes one device of their village (a lost
/// phone, someone who left); its next request gets 401. A device of another village is
/// `unknown_device`, as it does not exist for this coordinator.
pub async fn revoke_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RevokeDeviceResponse>, Response> {
    let token = bearer(&headers).map_err(IntoResponse::into_response)?;
    let request: RevokeDeviceRequest = parse_json(&body).map_err(IntoResponse::into_response)?;
    let storage = state.storage.clone();
    let revoked = blocking(move || {
        let principal = coordinator(&storage, &token)?;
        let caller = hash_secret(&token);
        let row = storage
            .revoke_village_token(&principal.village_id, &request.device)
            .map_err(storage_error)?;
        Ok(row.map(|r| device(r, &caller)))
    })
    .await
    .map_err(IntoResponse::into_response)?;
    match revoked {
        Some(device) => Ok(Json(RevokeDeviceResponse { device })),
        None => Err(error_response(
            StatusCode::NOT_FOUND,
            "unknown_device",
            "no such device in this village",
        )),
    }
}

/// `GET /api/v1/villages/{id}/key`'s answer: the public key that signs the village's ledger
/// lines, for auditors and other villages checking a statement (`linli-server verify --key`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VillageKeyResponse {
    pub village_id: String,
    /// Always `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, standard base64 with padding.
    pub public_key: String,
}

/// `GET /api/v1/villages/{id}/key`: public, no token (a public key is meant to be known). The
/// key is made on the first request, so it is published before any line is signed with it.
pub async fn village_key(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<VillageKeyResponse>, Response> {
    let storage = state.storage.clone();
    let lookup = id.clone();
    let public_key = blocking(move || storage.village_public_key(&lookup).map_err(storage_error))
        .await
        .map_err(IntoResponse::into_response)?;
    match public_key {
        Some(public_key) => Ok(Json(VillageKeyResponse {
            village_id: id,
            algorithm: crate::signing::ALGORITHM.to_owned(),
            public_key,
        })),
        None => Err(error_response(
            StatusCode::NOT_FOUND,
            "unknown_village",
            "no such village",
        )),
    }
}

/// `GET /api/v1/ledger/{account}/statement`: every signed line of a time-bank account, its
/// balance and the village's public key (`linli_core::ledger::Statement`), to keep or to hand
/// to `linli-server verify`. A volunteer's token reads only its own account (403 `forbidden`
/// for another); a coordinator's any account of their village (404 `unknown_account` for one
/// that does not exist there, another village's included).
pub async fn ledger_statement(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(account): axum::extract::Path<String>,
) -> Result<Json<linli_core::ledger::Statement>, Response> {
    use crate::storage::StatementError;
    let token = bearer(&headers).map_err(IntoResponse::into_response)?;
    let storage = state.storage.clone();
    let answer = blocking(move || Ok(storage.ledger_statement(&token, &account)))
        .await
        .map_err(IntoResponse::into_response)?;
    answer.map(Json).map_err(|e| {
        let message = e.to_string();
        match e {
            StatementError::Unauthorized => ApiError::Unauthorized(message).into_response(),
            StatementError::Forbidden => ApiError::Forbidden {
                code: "forbidden",
                message,
            }
            .into_response(),
            StatementError::NotFound => {
                error_response(StatusCode::NOT_FOUND, "unknown_account", &message)
            }
            StatementError::Storage(e) => storage_error(e).into_response(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_id_pattern_excludes_exactly_what_check_limits_refuses() {
        let excluded = |c: char| {
            CLIENT_ID_EXCLUDED
                .iter()
                .any(|&(from, to)| (from..=to).contains(&c))
        };
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(
                excluded(c),
                c.is_control() || c.is_whitespace(),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert!(client_id_pattern().starts_with("^[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680"));
    }

    #[test]
    fn integral_floats_are_integers_outside_args() {
        let body = br#"{"client_id": "p", "schema_version": 1.0, "cookie": 2856362715.0,
            "mutations": [{"id": 3.0, "name": "sign_up", "args": {"places": 2.0}}]}"#;
        let request = parse_sync_request(body).expect("integral floats are integers");
        assert_eq!(request.schema_version, 1);
        assert_eq!(request.cookie, Some(2_856_362_715));
        assert_eq!(request.mutations[0].id, 3);
        assert_eq!(request.mutations[0].args["places"], serde_json::json!(2.0));
        // Read exactly (serde_json's float_roundtrip): found by Schemathesis, this id came out
        // 2251799813685247.25 without it and was refused as not an integer.
        let body = br#"{"client_id": "p", "schema_version": 1,
            "mutations": [{"id": 2251799813685247.0, "name": "sign_up", "args": {}}]}"#;
        let request = parse_sync_request(body).expect("an integral id");
        assert_eq!(request.mutations[0].id, 2_251_799_813_685_247);
        for bad in [
            &br#"{"client_id": "p", "schema_version": 1.5}"#[..],
            br#"{"client_id": "p", "schema_version": -1.0}"#,
            br#"{"client_id": "p", "schema_version": 1e300}"#,
            br#"{"client_id": "p", "schema_version": 4294967296.0}"#,
        ] {
            let err = parse_sync_request(bad).expect_err("refused");
            assert!(
                matches!(
                    err,
                    ApiError::BadRequest {
                        code: "invalid_body",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        assert!(matches!(
            parse_sync_request(b"{\"client_id\": "),
            Err(ApiError::BadRequest {
                code: "invalid_json",
                ..
            })
        ));
    }

    #[test]
    fn request_ids_are_printable_ascii_of_16_to_64() {
        assert!(valid_request_id("3f1c2a9e-phone-join-0001"));
        assert!(valid_request_id(&"a".repeat(64)));
        assert!(!valid_request_id(&"a".repeat(65)));
        assert!(!valid_request_id("short"));
        assert!(!valid_request_id("has a space in it ok"));
        assert!(!valid_request_id("ünïcödé-ünïcödé-ü"));
    }
}
