//! The phone's clock. Every time the app shows or records is the village's local time, taken
//! from the phone's clock (UTC) and the village's offset: a phone set to another time zone (a
//! daughter visiting from abroad) still sees 09:00 for a 09:00 visit.

use linli_core::sync::{MemoryStore, Record};
use linli_core::{NaiveDate, NaiveDateTime};

/// The village's local time now by the phone's clock; the phone's own zone until the device
/// has the village.
pub fn village_now(view: &MemoryStore) -> NaiveDateTime {
    match village_of(view) {
        Some(village) => village.local_time(utc_now()),
        None => read(false),
    }
}

/// A server timestamp (Unix seconds) in the village's local time.
pub fn village_time_of_unix(view: &MemoryStore, seconds: i64) -> Option<NaiveDateTime> {
    village_of(view)?.local_time_of_unix(seconds)
}

fn village_of(view: &MemoryStore) -> Option<&linli_core::Village> {
    view.records().find_map(|(_, r)| match r {
        Record::Village(v) => Some(v),
        _ => None,
    })
}

/// UTC now (for calendar files' DTSTAMP).
pub fn utc_now() -> NaiveDateTime {
    read(true)
}

fn read(utc: bool) -> NaiveDateTime {
    let d = js_sys::Date::new_0();
    let (y, mo, da, h, mi, s) = if utc {
        (
            d.get_utc_full_year(),
            d.get_utc_month(),
            d.get_utc_date(),
            d.get_utc_hours(),
            d.get_utc_minutes(),
            d.get_utc_seconds(),
        )
    } else {
        (
            d.get_full_year(),
            d.get_month(),
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds(),
        )
    };
    NaiveDate::from_ymd_opt(y as i32, mo + 1, da)
        .and_then(|day| day.and_hms_opt(h, mi, s))
        .unwrap_or_default()
}
