//! The coordinator's reports (`/coordinator/reports`): for a date range, the service records and
//! each volunteer's hours as spreadsheets (CSV built in the browser from the local copy by
//! `linli_core::reports`, so they work offline); a monthly report for the district that prints
//! on A4 (the month's and the year-so-far figures, by kind and by village group, with the same
//! small-group rule as the public page, since the report leaves the village); and the link to
//! the village's public figures, to share.

use leptos::prelude::*;
use linli_core::figures::{period_figures, Period, PeriodFigures, VillageData, YearMonth};
use linli_core::model::NaiveDate;
use linli_core::reports;
use linli_core::sync::MemoryStore;

use crate::app::{tr, Shell};
use crate::i18n::{colon, coverage_text, full_date, hours_text, month_label, small_group_rule};
use crate::i18n::{Lang, Msg};
use crate::pages::coordinator::{CoordinatorNav, CoordinatorOnly};
use crate::pages::figures::{group_bars, kind_bars, BarTable};
use crate::sync::SyncEngine;

/// Everything figures and reports read, from this device's copy (the coordinator's holds the
/// whole village).
fn village_data(view: &MemoryStore) -> Option<VillageData> {
    VillageData::from_records(view.records().map(|(_, record)| record.clone()))
}

/// The range typed in the two date fields, if it is one.
fn range(from: &str, to: &str) -> Option<Period> {
    let from: NaiveDate = from.parse().ok()?;
    let to: NaiveDate = to.parse().ok()?;
    (from <= to).then_some(Period::new(from, to))
}

#[component]
pub fn Reports() -> impl IntoView {
    view! { <CoordinatorOnly><ReportsView/></CoordinatorOnly> }
}

#[component]
fn ReportsView() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let today = engine.view.with_untracked(crate::clock::village_now).date();
    let this_month = YearMonth::of(today);
    let from = RwSignal::new(this_month.first_day().to_string());
    let to = RwSignal::new(this_month.last_day().to_string());
    let month = RwSignal::new(this_month);
    let error = RwSignal::new(None::<&'static str>);

    let download = move |which: &'static str| {
        error.set(None);
        let Some(period) = range(&from.get_untracked(), &to.get_untracked()) else {
            error.set(Some(Msg::ReportsRangeInvalid.text(lang.get_untracked())));
            return;
        };
        let Some(data) = engine.view.with_untracked(village_data) else {
            return;
        };
        let (name, text) = match which {
            "services" => (
                "linli-service-records",
                reports::service_records_csv(&data, period),
            ),
            _ => (
                "linli-volunteer-hours",
                reports::volunteer_hours_csv(&data, period),
            ),
        };
        let filename = format!("{name}-{}-{}.csv", period.from, period.to);
        if let Err(err) = crate::files::download(&filename, "text/csv;charset=utf-8", &text) {
            leptos::logging::warn!("export failed: {err:?}");
        }
    };

    // The monthly report: the month and the year up to its end.
    let report = Memo::new(move |_| {
        let month = month.get();
        engine.view.with(|view| {
            let data = village_data(view)?;
            Some((
                data.village.name.clone(),
                period_figures(&data, Period::month(month)),
                period_figures(&data, Period::year_to_end_of(month)),
            ))
        })
    });
    let public_path = move || {
        engine
            .session
            .get()
            .map(|s| format!("/v/{}/figures", s.actor.village.as_str()))
            .unwrap_or_default()
    };
    let public_url = move || {
        let origin = window().location().origin().unwrap_or_default();
        format!("{origin}{}", public_path())
    };
    let print = move |_| {
        if let Err(err) = window().print() {
            leptos::logging::warn!("print failed: {err:?}");
        }
    };

    view! {
        <section class="area coordinator wide reports printable">
            <div class="no-print"><CoordinatorNav/></div>
            <h1 class="no-print">{tr(Msg::ReportsTitle)}</h1>
            <div class="no-print" data-testid="exports">
                <p class="note">{tr(Msg::ReportsRangeHint)}</p>
                <div class="filters">
                    <label>
                        <span>{tr(Msg::DateFrom)}</span>
                        <input type="date" data-testid="report-from" prop:value=move || from.get()
                            on:input=move |ev| from.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        <span>{tr(Msg::DateTo)}</span>
                        <input type="date" data-testid="report-to" prop:value=move || to.get()
                            on:input=move |ev| to.set(event_target_value(&ev))/>
                    </label>
                </div>
                <p class="form-error" role="alert" data-testid="report-error">{move || error.get()}</p>
                <div class="row">
                    <button type="button" class="secondary" data-testid="download-services"
                        on:click=move |_| download("services")>{tr(Msg::DownloadServiceRecords)}</button>
                    <button type="button" class="secondary" data-testid="download-hours"
                        on:click=move |_| download("hours")>{tr(Msg::DownloadVolunteerHours)}</button>
                </div>
                <h2>{tr(Msg::PublicLinkTitle)}</h2>
                <p class="note">{tr(Msg::PublicLinkHint)}</p>
                <p><a href=public_path data-testid="public-link">{public_url}</a></p>
                <h2>{tr(Msg::MonthlyReportTitle)}</h2>
                <div class="filters">
                    <label>
                        <span>{tr(Msg::FiguresMonthLabel)}</span>
                        <input type="month" data-testid="report-month" prop:value=move || month.get().to_string()
                            on:input=move |ev| {
                                if let Ok(m) = event_target_value(&ev).parse::<YearMonth>() {
                                    month.set(m);
                                }
                            }/>
                    </label>
                </div>
            </div>
            {move || {
                let lang = lang.get();
                let month = month.get();
                report.get().map(|(village_name, of_month, so_far)| view! {
                    <div class="monthly-report" data-testid="monthly-report">
                        <div class="print-header">
                            <h2>{Msg::MonthlyReportTitle.text(lang)} " · " {month_label(lang, month)}</h2>
                            <p>
                                <span>{Msg::VillageLabel.text(lang)} {colon(lang)}</span>
                                <span data-user-text="">{village_name}</span>
                                " · "
                                <span>{Msg::PrintedOn.text(lang)} " " {full_date(lang, today)}</span>
                            </p>
                        </div>
                        <ReportTotals lang=lang month=month of_month=of_month.clone() so_far=so_far/>
                        <h3>{Msg::HoursByKind.text(lang)}</h3>
                        <BarTable bars=kind_bars(lang, &of_month.by_kind) first_column=Msg::KindColumn lang=lang testid="report-kinds"/>
                        {of_month.by_kind.withheld.then(|| view! { <p class="note">{Msg::FiguresWithheld.text(lang)}</p> })}
                        <h3>{Msg::HoursByGroup.text(lang)}</h3>
                        <BarTable bars=group_bars(lang, &of_month.by_group) first_column=Msg::FilterGroup lang=lang testid="report-groups"/>
                        {of_month.by_group.withheld.then(|| view! { <p class="note">{Msg::FiguresWithheld.text(lang)}</p> })}
                        <p class="note">{small_group_rule(lang, linli_core::figures::MIN_GROUP_SIZE as u32)}</p>
                    </div>
                })
            }}
            <div class="actions no-print">
                <button type="button" class="primary" data-testid="print-report" on:click=print>{tr(Msg::PrintReport)}</button>
            </div>
        </section>
    }
}

/// The headline numbers side by side: the month, and the year up to its end.
#[component]
fn ReportTotals(
    lang: Lang,
    month: YearMonth,
    of_month: PeriodFigures,
    so_far: PeriodFigures,
) -> impl IntoView {
    let heat = |f: &PeriodFigures| {
        if f.heat_wave.checks == 0 {
            Msg::HeatWaveNone.text(lang).to_owned()
        } else {
            coverage_text(lang, f.heat_wave.visited, f.heat_wave.elders_living_alone)
        }
    };
    let rows: Vec<(Msg, String, String)> = vec![
        (
            Msg::TotalHours,
            hours_text(lang, of_month.minutes),
            hours_text(lang, so_far.minutes),
        ),
        (
            Msg::TotalServices,
            of_month.services.to_string(),
            so_far.services.to_string(),
        ),
        (
            Msg::TotalVolunteers,
            of_month.volunteers.to_string(),
            so_far.volunteers.to_string(),
        ),
        (
            Msg::EldersVisited,
            of_month.elders_visited.to_string(),
            so_far.elders_visited.to_string(),
        ),
        (Msg::HeatWaveCoverage, heat(&of_month), heat(&so_far)),
    ];
    view! {
        <table class="figures-table" data-testid="report-totals">
            <thead><tr>
                <th scope="col"></th>
                <th scope="col">{month_label(lang, month)}</th>
                <th scope="col">{Msg::YearSoFar.text(lang)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(label, a, b)| view! {
                    <tr><th scope="row">{label.text(lang)}</th><td>{a}</td><td>{b}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
