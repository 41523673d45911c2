//! The coordinator's spreadsheets for a date range: every service record, and each volunteer's
//! hours. CSV in UTF-8 with a byte-order mark (so Excel and WPS read the Chinese) and CRLF line
//! ends, quoted like the register's export ([`crate::beneficiary_csv`]).
//!
//! These are coordinator-only exports, built in the coordinator's browser from its local copy:
//! names are in them, because a coordinator needs to know who served whom. Free text people
//! typed (names, titles, notes) is written so a spreadsheet shows it as text and never runs it
//! as a formula (`=HYPERLINK(...)` in a volunteer's name).
//!
//! Which records' hours count is decided by [`counted_minutes`], and which day a record belongs
//! to by [`ServiceRecord::day`], as for the public figures: so both exports of one date range
//! list the same counted records, and agree with the monthly report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};

use crate::beneficiary_csv::quote;
use crate::figures::{counted_minutes, Index, Period, VillageData};
use crate::model::{ServiceRecord, TaskKind, VolunteerId};

/// The service-record export's columns, in order.
pub const SERVICE_COLUMNS: [&str; 13] = [
    "日期",
    "任务编号",
    "任务",
    "服务类别",
    "志愿者编号",
    "志愿者",
    "志愿者所在小组",
    "服务对象",
    "签到时间（手机）",
    "签退时间（手机）",
    "时长（分钟）",
    "计入时长",
    "服务记录",
];

/// The volunteer-hours export's first columns; then one "<kind>（小时）" column per task kind
/// served in the range, in [`TaskKind`]'s order.
pub const VOLUNTEER_HOURS_COLUMNS: [&str; 6] = [
    "志愿者编号",
    "姓名",
    "村民小组",
    "服务次数",
    "服务时长（小时）",
    "服务时长（分钟）",
];

/// The header of a volunteer-hours column for one kind, e.g. "上门探访（小时）".
pub fn kind_hours_column(kind: TaskKind) -> String {
    format!("{}（小时）", kind.label_zh())
}

/// Every service record whose day ([`ServiceRecord::day`]: the check-in's, or the task's when
/// nobody checked in) is in `period`, oldest first. Records not yet complete are listed too (a
/// forgotten check-out is something the coordinator wants to see), with "计入时长" = 否.
pub fn service_records_csv(data: &VillageData, period: Period) -> String {
    let index = Index::new(data);
    let mut rows: Vec<(NaiveDate, Option<NaiveDateTime>, &ServiceRecord)> = data
        .services
        .iter()
        .filter_map(|record| {
            let day = index.day_of(record)?;
            // Within a day, by the time the volunteer came, else the task's start.
            let task_start = index.task(&record.task).map(|t| t.start);
            let when = record.check_in.as_ref().map(|c| c.device).or(task_start);
            period.contains(day).then_some((day, when, record))
        })
        .collect();
    rows.sort_by(|(da, a, ra), (db, b, rb)| {
        (da, a, &ra.task, &ra.volunteer).cmp(&(db, b, &rb.task, &rb.volunteer))
    });
    let mut out = start(SERVICE_COLUMNS.iter().map(|c| c.to_string()));
    for (day, _, record) in rows {
        let task = index.task(&record.task);
        let volunteer = index.volunteer(&record.volunteer);
        let minutes = counted_minutes(record);
        let time = |t: Option<NaiveDateTime>| {
            t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        line(
            &mut out,
            [
                day.format("%Y-%m-%d").to_string(),
                record.task.as_str().to_owned(),
                text(task.map(|t| t.title.as_str()).unwrap_or_default()),
                record.kind.label_zh().to_owned(),
                record.volunteer.as_str().to_owned(),
                text(volunteer.map(|v| v.name.as_str()).unwrap_or_default()),
                text(&group_name(&index, &record.volunteer)),
                text(
                    index
                        .beneficiary_of(record)
                        .map(|b| b.name.as_str())
                        .unwrap_or_default(),
                ),
                time(record.check_in.as_ref().map(|c| c.device)),
                time(record.check_out.as_ref().map(|c| c.device)),
                minutes.map(|m| m.to_string()).unwrap_or_default(),
                if minutes.is_some() { "是" } else { "否" }.to_owned(),
                text(&record.note),
            ],
        );
    }
    out
}

/// One row per volunteer with hours that count in `period`: the most hours first. Hours have
/// two decimals (rounded half up from whole minutes); the minutes column is exact.
pub fn volunteer_hours_csv(data: &VillageData, period: Period) -> String {
    #[derive(Default)]
    struct Hours {
        minutes: i64,
        services: u32,
        by_kind: BTreeMap<TaskKind, i64>,
    }
    let index = Index::new(data);
    let mut by_volunteer: BTreeMap<&VolunteerId, Hours> = BTreeMap::new();
    let mut kinds = BTreeSet::new();
    for (record, minutes) in index.counted_in(period) {
        let hours = by_volunteer.entry(&record.volunteer).or_default();
        hours.minutes += minutes;
        hours.services += 1;
        *hours.by_kind.entry(record.kind).or_default() += minutes;
        kinds.insert(record.kind);
    }
    let mut rows: Vec<(&VolunteerId, Hours)> = by_volunteer.into_iter().collect();
    rows.sort_by(|(a, ha), (b, hb)| hb.minutes.cmp(&ha.minutes).then(a.cmp(b)));

    let header = VOLUNTEER_HOURS_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(kinds.iter().map(|&k| kind_hours_column(k)));
    let mut out = start(header);
    for (id, hours) in rows {
        let name = index.volunteer(id).map(|v| v.name.as_str());
        let fields = [
            id.as_str().to_owned(),
            text(name.unwrap_or_default()),
            text(&group_name(&index, id)),
            hours.services.to_string(),
            hours_text(hours.minutes),
            hours.minutes.to_string(),
        ]
        .into_iter()
        .chain(kinds.iter().map(|k| {
            hours
                .by_kind
                .get(k)
                .map(|&m| hours_text(m))
                .unwrap_or_default()
        }));
        line(&mut out, fields);
    }
    out
}

/// Whole minutes as hours with two decimals, rounded half up: 40 → "0.67", 90 → "1.50".
/// Integer arithmetic, so every platform writes the same digits.
pub fn hours_text(minutes: i64) -> String {
    let hundredths = (minutes.max(0) * 100 + 30) / 60;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The name of the volunteer's village group, or its id if the village has no such group.
fn group_name(index: &Index<'_>, volunteer: &VolunteerId) -> String {
    let Some(v) = index.volunteer(volunteer) else {
        return String::new();
    };
    index
        .data
        .village
        .group(&v.group)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| v.group.as_str().to_owned())
}

/// Text someone typed, made safe to open in a spreadsheet: a leading `=`, `+`, `-`, `@` (or a
/// tab or carriage return) would make Excel or WPS read it as a formula, so it gets a leading
/// apostrophe, which spreadsheets show as "this is text".
fn text(typed: &str) -> String {
    if typed.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{typed}")
    } else {
        typed.to_owned()
    }
}

/// A new file: the byte-order mark and the header line.
fn start(header: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("\u{feff}");
    line(&mut out, header);
    out
}

fn line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| quote(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beneficiary_csv::records;
    use crate::figures::tests::{at, elder, served, task, village, volunteer};
    use crate::figures::YearMonth;

    fn december() -> Period {
        Period::month(YearMonth::new(2026, 12).expect("month"))
    }

    /// Two volunteers (one with a name that looks like a formula), an elder, three tasks; a
    /// note with a comma, quotes and a line break; a record without check-out; one in January.
    fn data() -> VillageData {
        let mut wang = volunteer(1, 1);
        wang.name = "王秀英".into();
        let mut odd = volunteer(2, 3);
        odd.name = "=HYPERLINK(\"x\")".into();
        let mut li = elder(1, true);
        li.name = "李桂英".into();
        let mut visit = task(
            1,
            crate::model::TaskKind::HomeVisit,
            at(2026, 12, 3, 9, 0),
            Some(1),
        );
        visit.title = "上门探访 · 李奶奶, 第三组".into();
        let class = task(
            2,
            crate::model::TaskKind::SmartphoneClass,
            at(2026, 12, 10, 19, 0),
            None,
        );
        let january = task(
            3,
            crate::model::TaskKind::HomeVisit,
            at(2027, 1, 2, 9, 0),
            Some(1),
        );
        let mut noted = served(&visit, 1, at(2026, 12, 3, 9, 5), Some(50));
        noted.note = "老人说：\"药快吃完了\"，\n下周，再去".into();
        let services = vec![
            noted,
            served(&class, 1, at(2026, 12, 10, 19, 0), Some(90)),
            served(&class, 2, at(2026, 12, 10, 19, 0), Some(40)),
            served(&visit, 2, at(2026, 12, 3, 9, 0), None),
            served(&january, 1, at(2027, 1, 2, 9, 0), Some(60)),
        ];
        VillageData {
            village: village(),
            volunteers: vec![wang, odd],
            beneficiaries: vec![li],
            tasks: vec![visit, class, january],
            services,
        }
    }

    #[test]
    fn service_records_round_trip_with_their_columns_and_chinese_text() {
        let csv = service_records_csv(&data(), december());
        assert!(csv.starts_with('\u{feff}'), "a BOM for spreadsheets");
        assert!(csv.contains("\r\n"));
        let rows = records(&csv).expect("parses");
        let (_, header) = &rows[0];
        assert_eq!(header, &SERVICE_COLUMNS.to_vec());
        let body: Vec<&Vec<String>> = rows[1..].iter().map(|(_, f)| f).collect();
        assert_eq!(body.len(), 4, "December only: January's visit is out");
        assert!(body.iter().all(|f| f.len() == SERVICE_COLUMNS.len()));
        let field = |row: &Vec<String>, name: &str| {
            let i = SERVICE_COLUMNS
                .iter()
                .position(|c| *c == name)
                .expect("column");
            row[i].clone()
        };
        // Oldest first: the visit (v-0002 checked in at 09:00, v-0001 at 09:05), then the class.
        let first = body[0];
        assert_eq!(field(first, "志愿者编号"), "v-0002");
        assert_eq!(field(first, "计入时长"), "否");
        assert_eq!(field(first, "时长（分钟）"), "");
        assert_eq!(field(first, "签退时间（手机）"), "");
        let noted = body[1];
        assert_eq!(field(noted, "日期"), "2026-12-03");
        assert_eq!(field(noted, "任务"), "上门探访 · 李奶奶, 第三组");
        assert_eq!(field(noted, "服务类别"), "上门探访");
        assert_eq!(field(noted, "志愿者"), "王秀英");
        assert_eq!(field(noted, "志愿者所在小组"), "第1村民小组");
        assert_eq!(field(noted, "服务对象"), "李桂英");
        assert_eq!(field(noted, "签到时间（手机）"), "2026-12-03 09:05");
        assert_eq!(field(noted, "签退时间（手机）"), "2026-12-03 09:55");
        assert_eq!(field(noted, "时长（分钟）"), "50");
        assert_eq!(field(noted, "计入时长"), "是");
        assert_eq!(
            field(noted, "服务记录"),
            "老人说：\"药快吃完了\"，\n下周，再去"
        );
        // A name that looks like a formula stays text.
        let odd = body
            .iter()
            .find(|f| field(f, "志愿者编号") == "v-0002" && field(f, "任务编号") == "t-0002")
            .expect("v-0002's class");
        assert_eq!(field(odd, "志愿者"), "'=HYPERLINK(\"x\")");
        assert_eq!(field(odd, "服务对象"), "", "a class has no beneficiary");
    }

    #[test]
    fn volunteer_hours_sum_counted_records_with_a_column_per_kind() {
        let csv = volunteer_hours_csv(&data(), december());
        assert!(csv.starts_with('\u{feff}'));
        let rows = records(&csv).expect("parses");
        let header: Vec<&str> = rows[0].1.iter().map(String::as_str).collect();
        assert_eq!(
            header,
            [
                "志愿者编号",
                "姓名",
                "村民小组",
                "服务次数",
                "服务时长（小时）",
                "服务时长（分钟）",
                "上门探访（小时）",
                "智能手机课堂（小时）",
            ]
        );
        let body: Vec<Vec<&str>> = rows[1..]
            .iter()
            .map(|(_, f)| f.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            body,
            vec![
                vec![
                    "v-0001",
                    "王秀英",
                    "第1村民小组",
                    "2",
                    "2.33",
                    "140",
                    "0.83",
                    "1.50"
                ],
                vec![
                    "v-0002",
                    "'=HYPERLINK(\"x\")",
                    "第3村民小组",
                    "1",
                    "0.67",
                    "40",
                    "",
                    "0.67"
                ],
            ]
        );
        // A range with nobody: the header alone.
        let empty = Period::month(YearMonth::new(2026, 11).expect("month"));
        let rows = records(&volunteer_hours_csv(&data(), empty)).expect("parses");
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn both_exports_file_hours_set_by_hand_on_the_task_s_day_and_agree() {
        use crate::model::{Review, ReviewAction, TaskKind};
        let mut d = data();
        // v-0002 forgot to check in to a class on 20 December; the coordinator set 60 minutes.
        let class = task(4, TaskKind::SmartphoneClass, at(2026, 12, 20, 19, 0), None);
        let mut adjusted =
            ServiceRecord::new(class.id.clone(), VolunteerId::numbered(2), class.kind);
        let review = |action, minutes| Review {
            action,
            minutes,
            reason: "忘记签到".into(),
            by: "c-0001".into(),
            received: None,
        };
        adjusted
            .reviews
            .push(review(ReviewAction::Adjusted, Some(60)));
        // v-0001's record on the same class: adjusted, then rejected.
        let mut rejected =
            ServiceRecord::new(class.id.clone(), VolunteerId::numbered(1), class.kind);
        rejected
            .reviews
            .push(review(ReviewAction::Adjusted, Some(30)));
        rejected.reviews.push(review(ReviewAction::Rejected, None));
        d.services.extend([adjusted, rejected]);
        d.tasks.push(class);

        let services = records(&service_records_csv(&d, december())).expect("parses");
        let column = |name: &str| {
            SERVICE_COLUMNS
                .iter()
                .position(|c| *c == name)
                .expect("column")
        };
        let on_the_20th: Vec<(&str, &str, &str)> = services[1..]
            .iter()
            .map(|(_, f)| f)
            .filter(|f| f[column("任务编号")] == "t-0004")
            .map(|f| {
                (
                    f[column("日期")].as_str(),
                    f[column("时长（分钟）")].as_str(),
                    f[column("计入时长")].as_str(),
                )
            })
            .collect();
        assert_eq!(
            on_the_20th,
            vec![("2026-12-20", "", "否"), ("2026-12-20", "60", "是")],
            "v-0001's rejected record, then v-0002's adjusted one"
        );
        // What the service-record export counts, per volunteer, is what the hours export sums.
        let mut counted: BTreeMap<String, i64> = BTreeMap::new();
        for (_, f) in &services[1..] {
            if f[column("计入时长")] == "是" {
                let minutes: i64 = f[column("时长（分钟）")].parse().expect("minutes");
                *counted.entry(f[column("志愿者编号")].clone()).or_default() += minutes;
            }
        }
        let hours = records(&volunteer_hours_csv(&d, december())).expect("parses");
        let summed: BTreeMap<String, i64> = hours[1..]
            .iter()
            .map(|(_, f)| (f[0].clone(), f[5].parse().expect("minutes")))
            .collect();
        assert_eq!(summed, counted);
        assert_eq!(
            summed["v-0002"],
            40 + 60,
            "the class by the clock and by hand"
        );
    }

    #[test]
    fn hours_are_rounded_half_up_from_whole_minutes() {
        assert_eq!(hours_text(0), "0.00");
        assert_eq!(hours_text(1), "0.02");
        assert_eq!(hours_text(40), "0.67");
        assert_eq!(hours_text(90), "1.50");
        assert_eq!(hours_text(20), "0.33");
        assert_eq!(hours_text(12 * 60), "12.00");
    }
}
