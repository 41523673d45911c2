//! The phone's clock. Times the user sees and records are village local time, which on a
//! villager's phone is the phone's own time zone.

use linli_core::{NaiveDate, NaiveDateTime};

/// The phone's local time now, to the second.
pub fn local_now() -> NaiveDateTime {
    read(false)
}

/// UTC now (for calendar files' DTSTAMP).
pub fn utc_now() -> NaiveDateTime {
    read(true)
}

/// A server timestamp (Unix seconds) in the phone's local time.
pub fn local_from_unix(seconds: i64) -> NaiveDateTime {
    let ms = wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0);
    parts(&js_sys::Date::new(&ms), false)
}

fn read(utc: bool) -> NaiveDateTime {
    parts(&js_sys::Date::new_0(), utc)
}

fn parts(d: &js_sys::Date, utc: bool) -> NaiveDateTime {
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
