//! iCalendar (RFC 5545) export of tasks, so a volunteer can put their schedule into the phone's
//! own calendar. Times are written in the village's time zone with a VTIMEZONE block, so the
//! phone shows 09:00 for a 09:00 visit wherever the phone's clock is set.

use chrono::{Duration, NaiveDateTime};

use crate::model::{Task, Village};

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character (§3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// `+0800` from minutes east of UTC.
fn offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// A calendar with one event per task. `now_utc` stamps the events (DTSTAMP); the crate never
/// reads the clock itself.
pub fn calendar(village: &Village, tasks: &[&Task], now_utc: NaiveDateTime) -> String {
    let tz = escape(&village.time_zone);
    let off = offset(village.utc_offset_minutes);
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Linli//Volunteer schedule//ZH".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-WR-CALNAME:{}", escape(&village.name)),
        "BEGIN:VTIMEZONE".into(),
        format!("TZID:{tz}"),
        "BEGIN:STANDARD".into(),
        "DTSTART:19700101T000000".into(),
        format!("TZOFFSETFROM:{off}"),
        format!("TZOFFSETTO:{off}"),
        "END:STANDARD".into(),
        "END:VTIMEZONE".into(),
    ];
    for task in tasks {
        let place = task.place.as_deref().unwrap_or("");
        let group = task
            .group
            .as_ref()
            .and_then(|g| village.group(g))
            .map(|g| g.name.as_str())
            .unwrap_or("");
        let location = [group, place]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        lines.extend([
            "BEGIN:VEVENT".into(),
            format!(
                "UID:{}@{}.linli",
                escape(task.id.as_str()),
                escape(village.id.as_str())
            ),
            format!("DTSTAMP:{}Z", local(now_utc)),
            format!("DTSTART;TZID={tz}:{}", local(task.start)),
            format!("DTEND;TZID={tz}:{}", local(task.end)),
            format!("SUMMARY:{}", escape(&task.title)),
        ]);
        if !location.is_empty() {
            lines.push(format!("LOCATION:{}", escape(&location)));
        }
        if !task.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&task.description)));
        }
        // A reminder the evening before is what people asked for; the phone shows it.
        lines.extend([
            "BEGIN:VALARM".into(),
            "ACTION:DISPLAY".into(),
            format!("DESCRIPTION:{}", escape(&task.title)),
            format!("TRIGGER:-PT{}M", Duration::hours(12).num_minutes()),
            "END:VALARM".into(),
            "END:VEVENT".into(),
        ]);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::fixtures::{at, group, village};
    use crate::model::TaskKind;

    #[test]
    fn events_carry_local_times_with_the_village_zone_and_escaped_text() {
        let village = village();
        let mut task = Task::builder(
            "t-7",
            TaskKind::HomeVisit,
            "探访李奶奶; 带药",
            at(1, 9, 0),
            at(1, 10, 30),
        )
        .group(group(2))
        .build()
        .expect("task");
        task.description = "第一行\n第二行, 注意".into();
        let now = at(1, 0, 0);
        let ics = calendar(&village, &[&task], now);
        assert!(ics.contains("TZID:Asia/Shanghai\r\n"));
        assert!(ics.contains("TZOFFSETTO:+0800"));
        assert!(ics.contains("DTSTART;TZID=Asia/Shanghai:20261201T090000\r\n"));
        assert!(ics.contains("DTEND;TZID=Asia/Shanghai:20261201T103000\r\n"));
        assert!(ics.contains("SUMMARY:探访李奶奶\\; 带药"));
        assert!(ics.contains("DESCRIPTION:第一行\\n第二行\\, 注意"));
        assert!(ics.contains("LOCATION:第2村民小组"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_breaking_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "长".repeat(60));
        fold(&line, &mut out);
        for piece in out.split("\r\n").filter(|p| !p.is_empty()) {
            assert!(piece.len() <= 75, "{} octets", piece.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
    }
}
