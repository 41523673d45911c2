//! What anyone with a village's link may read, without an account:
//! `GET /api/v1/villages/{id}/figures?month=YYYY-MM`, the village's public figures (core's
//! [`PublicFigures`]: aggregates only, small groups merged; see `linli_core::figures`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_core::figures::{PublicFigures, YearMonth};

use crate::error::{error_response, ApiError};
use crate::http::AppState;
use crate::storage::{unix_now, StorageError};

/// How long a browser or a proxy may reuse an answer: figures move slowly, and a village's link
/// shared in a group chat should not make every phone hit the database.
const CACHE_CONTROL: &str = "public, max-age=60";

fn storage_error(e: StorageError) -> ApiError {
    if e.is_busy() {
        ApiError::Unavailable(e.to_string())
    } else {
        ApiError::Internal(e.to_string())
    }
}

/// `GET /api/v1/villages/{id}/figures`: the figures of `month` (default: the village's current
/// month) and of its calendar year. 400 `invalid_month` for a month that is not `YYYY-MM`,
/// 404 `unknown_village` for a village that does not exist.
pub async fn figures(
    State(state): State<AppState>,
    Path(village_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Checked before the database is touched: a bad request costs nothing.
    let month = match query.get("month").map(|m| m.parse::<YearMonth>()) {
        None => None,
        Some(Ok(month)) => Some(month),
        Some(Err(e)) => {
            return ApiError::BadRequest {
                code: "invalid_month",
                message: e.to_string(),
            }
            .into_response()
        }
    };
    let storage = state.storage.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let Some(village) = storage.village_record(&village_id).map_err(storage_error)? else {
            return Ok(None);
        };
        let month = match month {
            Some(month) => month,
            None => YearMonth::in_village_at(&village, unix_now())
                .ok_or_else(|| ApiError::Internal("the clock is out of range".into()))?,
        };
        let data = storage
            .figures_data(village, month.year())
            .map_err(storage_error)?;
        Ok::<_, ApiError>(Some(PublicFigures::compute(&data, month)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()));
    match answer {
        Ok(Ok(Some(figures))) => {
            let mut response = Json(figures).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            );
            response
        }
        Ok(Ok(None)) => error_response(StatusCode::NOT_FOUND, "unknown_village", "no such village"),
        Ok(Err(e)) | Err(e) => e.into_response(),
    }
}
