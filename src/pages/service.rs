//! My service: hours given this month and in total, by kind, every visit with its check-in and
//! check-out, and a record of service that prints cleanly on A4 from the browser.

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{NaiveDate, ServiceRecord, ServiceTotals, TaskId, TaskKind, VolunteerId};
use linli_core::sync::{MemoryStore, Mutation, Record, Role};
use linli_core::Datelike;

use crate::app::{tr, Shell};
use crate::i18n::{
    colon, date_time, duration_text, full_date, hours_text, pending_hours_text, visits_text, Lang,
    Msg,
};
use crate::sync::SyncEngine;

/// One visit on the page.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub record: ServiceRecord,
    /// The task's title, if this phone still holds the task.
    pub title: Option<String>,
    /// A check-in, check-out or note of it has not reached the server yet.
    pub pending: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSummary {
    /// Counted once the server has the record: hours a coordinator can see.
    pub month: ServiceTotals,
    pub total: ServiceTotals,
    /// Completed visits still waiting to sync.
    pub pending_minutes: i64,
    pub rows: Vec<ServiceRow>,
    pub volunteer_name: Option<String>,
    pub village_name: Option<String>,
}

pub fn summary(
    view: &MemoryStore,
    me: &VolunteerId,
    pending_tasks: &[TaskId],
    today: NaiveDate,
) -> ServiceSummary {
    let mut rows: Vec<ServiceRow> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Service(s) if &s.volunteer == me => Some(s.clone()),
            _ => None,
        })
        .map(|record| ServiceRow {
            title: match view.get_record(&format!("task/{}", record.task.as_str())) {
                Some(Record::Task(t)) => Some(t.title.clone()),
                _ => None,
            },
            pending: pending_tasks.contains(&record.task),
            record,
        })
        .collect();
    // Newest first: what a volunteer looks for is their last visit.
    rows.sort_by(|a, b| {
        let key = |r: &ServiceRow| r.record.check_in.as_ref().map(|c| c.device);
        key(b).cmp(&key(a))
    });
    let synced: Vec<&ServiceRecord> = rows
        .iter()
        .filter(|r| !r.pending)
        .map(|r| &r.record)
        .collect();
    // The record's day as figures and reports give it (hours a coordinator set with no
    // check-in count on the task's day).
    let in_month = |r: &ServiceRecord| {
        let task = match view.get_record(&format!("task/{}", r.task.as_str())) {
            Some(Record::Task(t)) => Some(t),
            _ => None,
        };
        r.day(task)
            .is_some_and(|d| d.year() == today.year() && d.month() == today.month())
    };
    let pending_minutes = rows
        .iter()
        .filter(|r| r.pending)
        .filter_map(|r| r.record.minutes())
        .sum();
    ServiceSummary {
        month: ServiceTotals::of(synced.iter().copied(), in_month),
        total: ServiceTotals::of(synced.iter().copied(), |_| true),
        pending_minutes,
        rows,
        volunteer_name: match view.get_record(&format!("volunteer/{}", me.as_str())) {
            Some(Record::Volunteer(v)) => Some(v.name.clone()),
            _ => None,
        },
        village_name: view.records().find_map(|(_, r)| match r {
            Record::Village(v) => Some(v.name.clone()),
            _ => None,
        }),
    }
}

fn kind_label(lang: Lang, kind: TaskKind) -> &'static str {
    if lang == Lang::Zh {
        kind.label_zh()
    } else {
        kind.label_en()
    }
}

#[component]
pub fn Service() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    move || match engine.session.get().map(|s| s.actor.role) {
        Some(Role::Volunteer(me)) => view! { <ServiceView me=me/> }.into_any(),
        _ => view! {
            <section class="area">
                <h1>{tr(Msg::NavService)}</h1>
                <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ServiceView(me: VolunteerId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let data = Memo::new(move |_| {
        let pending: Vec<TaskId> = engine
            .pending
            .get()
            .iter()
            .filter_map(|p| match &p.mutation {
                Mutation::CheckIn { task, .. }
                | Mutation::CheckOut { task, .. }
                | Mutation::SaveVisitNote { task, .. } => Some(task.clone()),
                _ => None,
            })
            .collect();
        engine
            .view
            .with(|v| summary(v, &me, &pending, crate::clock::village_now(v).date()))
    });
    let print = move |_| {
        if let Err(err) = window().print() {
            leptos::logging::warn!("print failed: {err:?}");
        }
    };
    move || {
        let s = data.get();
        let today = engine.view.with_untracked(crate::clock::village_now).date();
        let by_kind = s.total.by_kind.clone();
        let has_rows = !s.rows.is_empty();
        view! {
            <section class="area service printable">
                <h1>{tr(Msg::NavService)}</h1>
                <p class="no-print">
                    <A href="/volunteer/credits" attr:class="button secondary" attr:data-testid="credits-link">{tr(Msg::NavCredits)}</A>
                </p>
                <div class="print-only print-header">
                    <h2>{tr(Msg::ServiceRecordTitle)}</h2>
                    <p>
                        <span>{tr(Msg::VolunteerColumn)} {move || colon(lang.get())}</span>
                        <span data-user-text="">{s.volunteer_name.clone()}</span>
                        " · "
                        <span>{tr(Msg::VillageLabel)} {move || colon(lang.get())}</span>
                        <span data-user-text="">{s.village_name.clone()}</span>
                        " · "
                        <span>{tr(Msg::PrintedOn)} " " {move || full_date(lang.get(), today)}</span>
                    </p>
                </div>
                <div class="totals">
                    <div class="total" data-testid="hours-month">
                        <span class="total-label">{tr(Msg::ThisMonth)}</span>
                        <strong>{move || hours_text(lang.get(), s.month.minutes)}</strong>
                        <span>{move || visits_text(lang.get(), s.month.visits)}</span>
                    </div>
                    <div class="total" data-testid="hours-total">
                        <span class="total-label">{tr(Msg::AllTime)}</span>
                        <strong>{move || hours_text(lang.get(), s.total.minutes)}</strong>
                        <span>{move || visits_text(lang.get(), s.total.visits)}</span>
                    </div>
                </div>
                {(s.pending_minutes > 0).then(|| view! {
                    <p class="note" data-testid="hours-pending">{move || pending_hours_text(lang.get(), s.pending_minutes)}</p>
                })}
                {(!by_kind.is_empty()).then(|| view! {
                    <h2>{tr(Msg::ByKind)}</h2>
                    <table class="by-kind" data-testid="by-kind">
                        <thead><tr><th scope="col">{tr(Msg::KindColumn)}</th><th scope="col">{tr(Msg::DurationColumn)}</th></tr></thead>
                        <tbody>
                            {by_kind.into_iter().map(|(kind, minutes)| view! {
                                <tr>
                                    <td>{move || kind_label(lang.get(), kind)}</td>
                                    <td>{move || hours_text(lang.get(), minutes)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
                <h2>{tr(Msg::ServiceRecordsTitle)}</h2>
                {if has_rows {
                    view! {
                        <table class="records" data-testid="service-records">
                            <thead>
                                <tr>
                                    <th scope="col">{tr(Msg::DateColumn)}</th>
                                    <th scope="col">{tr(Msg::TaskColumn)}</th>
                                    <th scope="col">{tr(Msg::TimeColumn)}</th>
                                    <th scope="col">{tr(Msg::DurationColumn)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {s.rows.into_iter().map(|row| {
                                    let r = row.record.clone();
                                    let check_in = r.check_in.as_ref().map(|c| c.device);
                                    let check_out = r.check_out.as_ref().map(|c| c.device);
                                    let minutes = r.minutes();
                                    let kind = r.kind;
                                    view! {
                                        <tr data-testid=format!("service-{}", r.task.as_str())>
                                            <td>{move || check_in.map(|t| full_date(lang.get(), t.date()))}</td>
                                            <td>
                                                <span data-user-text="">{row.title.clone()}</span>
                                                <span class="note">" " {move || kind_label(lang.get(), kind)}</span>
                                            </td>
                                            <td>
                                                {move || check_in.map(|t| date_time(lang.get(), t))}
                                                {move || check_out.map(|t| format!("–{}", date_time(lang.get(), t)))}
                                            </td>
                                            <td>
                                                {move || minutes.map(|m| duration_text(lang.get(), m))}
                                                {row.pending.then(|| view! { <span class="badge" data-state="pending">{tr(Msg::SignupPendingSync)}</span> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                } else {
                    view! { <p class="empty">{tr(Msg::NoServiceYet)}</p> }.into_any()
                }}
                <p class="note">{tr(Msg::PhoneClock)}</p>
                <div class="actions no-print">
                    <button type="button" class="primary" data-testid="print-record" on:click=print>{tr(Msg::PrintRecord)}</button>
                </div>
            </section>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::ClockReading;

    fn at(day: u32, h: u32, m: u32) -> ClockReading {
        ClockReading {
            device: NaiveDate::from_ymd_opt(2026, 12, day)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .expect("time"),
            received: None,
        }
    }

    fn record(task: &str, me: &VolunteerId, day: u32, minutes: u32) -> Record {
        let mut r = ServiceRecord::new(TaskId::new(task), me.clone(), TaskKind::HomeVisit);
        r.check_in = Some(at(day, 9, 0));
        r.check_out = Some(at(day, 9 + minutes / 60, minutes % 60));
        Record::Service(r)
    }

    #[test]
    fn hours_count_once_synced_and_the_month_is_the_phone_s_month() {
        let me = VolunteerId::new("v-1");
        let mut view = MemoryStore::new();
        view.insert(record("t-1", &me, 1, 90));
        view.insert(record("t-2", &me, 2, 60));
        view.insert(record("t-3", &me, 3, 30));
        // Another volunteer's record (a coordinator's device holds them) is not mine.
        view.insert(record("t-4", &VolunteerId::new("v-2"), 3, 600));
        let today = NaiveDate::from_ymd_opt(2026, 12, 20).expect("date");
        let s = summary(&view, &me, &[TaskId::new("t-3")], today);
        assert_eq!(s.total.minutes, 150);
        assert_eq!(s.month.minutes, 150);
        assert_eq!(s.pending_minutes, 30);
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.rows[0].record.task, TaskId::new("t-3"), "newest first");
        let next_month = NaiveDate::from_ymd_opt(2027, 1, 5).expect("date");
        let s = summary(&view, &me, &[], next_month);
        assert_eq!((s.month.minutes, s.total.minutes), (0, 180));
    }
}
