//! What anyone with a village's link may read, without an account:
//! `GET /api/v1/villages/{id}/figures?month=YYYY-MM`, the village's public figures (core's
//! [`PublicFigures`]: aggregates only, small groups merged; see `linli_core::figures`).
//!
//! Computing them loads a village's volunteers, beneficiaries and a year of service records
//! while holding the server's one database connection, and the request needs no account. So
//! answers are kept in a small [`FiguresCache`] for [`FRESH_FOR`]: a link shared in a group chat,
//! or someone requesting it in a loop, costs one computation a minute per month asked for, not
//! one per request (browsers honour the `Cache-Control`, scripts need not).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use linli_core::figures::{PublicFigures, YearMonth};

use crate::error::{error_response, ApiError};
use crate::http::AppState;
use crate::storage::{unix_now, StorageError};

/// How long the server (and a browser or a proxy, by `Cache-Control`) reuses an answer: figures
/// move slowly, and a minute-old figure misleads nobody.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// At most this many answers are kept; the oldest goes first. An answer is a few kilobytes, so
/// the cache stays under a few megabytes whatever is asked.
pub const MAX_CACHED: usize = 256;

/// The months figures are published for. Nobody needs year 9999, and a bounded range bounds
/// the different answers one village can be asked for.
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

/// A village and the month asked for; `None`: no month given, so the village's current month.
/// That answer is kept like any other, so for up to [`FRESH_FOR`] after a month ends it may
/// still be the previous month's (as a browser's cached copy would be).
type CacheKey = (String, Option<YearMonth>);

struct Cached {
    made: Instant,
    /// The JSON body, ready to send.
    body: Bytes,
}

/// Recent answers of the public figures endpoint, per (village, month). Only successful answers
/// are kept: an unknown village (404) or a bad month (400) never takes a place.
#[derive(Default)]
pub struct FiguresCache {
    entries: Mutex<HashMap<CacheKey, Cached>>,
    /// Held (asynchronously, so no thread waits on it) while an answer is computed: a burst of
    /// requests for an answer not cached yet computes it once and the rest find it cached, and
    /// public requests take the database connection one at a time, never crowding out the
    /// volunteers' syncs or filling the blocking thread pool.
    computing: tokio::sync::Mutex<()>,
}

impl FiguresCache {
    /// The body kept for `key` and how old it is, if it is still fresh at `now`.
    fn get(&self, key: &CacheKey, now: Instant) -> Option<(Bytes, Duration)> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let cached = entries.get(key)?;
        let age = now.saturating_duration_since(cached.made);
        (age < FRESH_FOR).then(|| (cached.body.clone(), age))
    }

    /// Keeps `body` for `key`, made at `now`: expired answers are dropped first, then, if the
    /// cache is still full, the oldest one.
    fn put(&self, key: CacheKey, body: Bytes, now: Instant) {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still a map.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, cached| now.saturating_duration_since(cached.made) < FRESH_FOR);
        if entries.len() >= MAX_CACHED && !entries.contains_key(&key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, cached)| cached.made)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(key, Cached { made: now, body });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

fn storage_error(e: StorageError) -> ApiError {
    if e.is_busy() {
        ApiError::Unavailable(e.to_string())
    } else {
        ApiError::Internal(e.to_string())
    }
}

/// The month asked for: `None` when none was given; `Err` with what is wrong for one that is not
/// `YYYY-MM` in 2000-01..=2100-12 (answered with a 400 `invalid_month`).
fn month_asked(query: &HashMap<String, String>) -> Result<Option<YearMonth>, String> {
    let Some(text) = query.get("month") else {
        return Ok(None);
    };
    let month = text.parse::<YearMonth>().map_err(|e| e.to_string())?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&month.year()) {
        return Err(format!(
            "figures are published for months {FIRST_YEAR}-01 to {LAST_YEAR}-12, not {month}"
        ));
    }
    Ok(Some(month))
}

/// The JSON answer, with how long it may still be reused (what is left of [`FRESH_FOR`]).
fn answer(body: Bytes, age: Duration) -> Response {
    let left = FRESH_FOR.saturating_sub(age).as_secs();
    let cache_control = HeaderValue::from_str(&format!("public, max-age={left}"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, cache_control),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/v1/villages/{id}/figures`: the figures of `month` (default: the village's current
/// month) and of its calendar year. 400 `invalid_month` for a month that is not `YYYY-MM` or is
/// outside 2000-01..=2100-12, 404 `unknown_village` for a village that does not exist. A fresh
/// answer from [`FiguresCache`] is sent without touching the database.
pub async fn figures(
    State(state): State<AppState>,
    Path(village_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Checked before anything else: a bad request costs nothing.
    let month = match month_asked(&query) {
        Ok(month) => month,
        Err(message) => {
            return ApiError::BadRequest {
                code: "invalid_month",
                message,
            }
            .into_response()
        }
    };
    let key: CacheKey = (village_id, month);
    let cache = state.figures_cache.clone();
    if let Some((body, age)) = cache.get(&key, Instant::now()) {
        return answer(body, age);
    }
    let _computing = cache.computing.lock().await;
    // Whoever held the lock before may have just computed this very answer.
    if let Some((body, age)) = cache.get(&key, Instant::now()) {
        return answer(body, age);
    }
    let storage = state.storage.clone();
    let village_id = key.0.clone();
    let computed = tokio::task::spawn_blocking(move || {
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
        let figures = PublicFigures::compute(&data, month);
        let body = serde_json::to_vec(&figures).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok::<_, ApiError>(Some(Bytes::from(body)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()));
    match computed {
        Ok(Ok(Some(body))) => {
            cache.put(key, body.clone(), Instant::now());
            answer(body, Duration::ZERO)
        }
        // Not kept: anyone can make up village ids, and they must not push real answers out.
        Ok(Ok(None)) => error_response(StatusCode::NOT_FOUND, "unknown_village", "no such village"),
        Ok(Err(e)) | Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(village: &str, month: u32) -> CacheKey {
        (village.to_owned(), YearMonth::new(2027, month))
    }

    #[test]
    fn answers_are_kept_for_a_minute() {
        let cache = FiguresCache::default();
        let t0 = Instant::now();
        cache.put(key("vil-1", 3), Bytes::from_static(b"{}"), t0);
        let (body, age) = cache
            .get(&key("vil-1", 3), t0 + Duration::from_secs(59))
            .expect("fresh");
        assert_eq!((&body[..], age.as_secs()), (&b"{}"[..], 59));
        assert!(cache.get(&key("vil-1", 4), t0).is_none(), "another month");
        assert!(cache.get(&key("vil-2", 3), t0).is_none(), "another village");
        assert!(cache.get(&key("vil-1", 3), t0 + FRESH_FOR).is_none());
        // The expired answer is dropped at the next insertion.
        cache.put(key("vil-1", 4), Bytes::new(), t0 + FRESH_FOR);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_forgets_its_oldest_answer() {
        let cache = FiguresCache::default();
        let t0 = Instant::now();
        let village = |n: usize| format!("vil-{n:04}");
        for n in 0..MAX_CACHED {
            let at = t0 + Duration::from_millis(n as u64);
            cache.put((village(n), None), Bytes::new(), at);
        }
        assert_eq!(cache.len(), MAX_CACHED);
        let later = t0 + Duration::from_secs(1);
        // Replacing a kept answer makes no room.
        cache.put((village(5), None), Bytes::new(), later);
        assert_eq!(cache.len(), MAX_CACHED);
        assert!(cache.get(&(village(0), None), later).is_some());
        // A new one pushes out the oldest (vil-0000), and nothing else.
        cache.put((village(9999), None), Bytes::new(), later);
        assert_eq!(cache.len(), MAX_CACHED);
        assert!(cache.get(&(village(0), None), later).is_none());
        assert!(cache.get(&(village(1), None), later).is_some());
        assert!(cache.get(&(village(9999), None), later).is_some());
    }

    #[test]
    fn months_outside_2000_to_2100_are_refused() {
        let asked = |month: &str| {
            let query = HashMap::from([("month".to_owned(), month.to_owned())]);
            month_asked(&query).map_err(|_| "refused")
        };
        for good in ["2000-01", "2027-03", "2100-12"] {
            assert_eq!(asked(good), Ok(good.parse().ok()), "{good}");
        }
        for bad in ["1999-12", "2101-01", "9999-01", "0000-01", "2027-13"] {
            assert_eq!(asked(bad), Err("refused"), "{bad}");
        }
        assert_eq!(month_asked(&HashMap::new()), Ok(None));
    }
}
