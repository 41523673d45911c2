//! The village's public figures (`/v/:village/figures?month=YYYY-MM`): anyone with the link sees
//! a month's and its year's hours by kind and by village group, elders visited, heat-wave
//! coverage and volunteers who served, as bar charts (hand-written SVG that fits a 360 px phone)
//! and as tables. No account is needed: the page does not use the local copy or the session.
//!
//! Everything shown comes from `GET /api/v1/villages/{id}/figures`, which holds aggregates only
//! (`linli_core::figures`), so there is nothing on this page to hide.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;
use linli_core::figures::{
    Breakdown, GroupRow, KindRow, OtherRow, PeriodFigures, PublicFigures, YearMonth,
};
use linli_core::model::TaskKind;

use crate::api::{self, ApiFailure};
use crate::app::{tr, Shell};
use crate::i18n::{
    coverage_text, hours_text, month_label, small_group_rule, year_label, Lang, Msg,
};

/// One bar of a chart and one row of its table.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub minutes: i64,
    pub services: u32,
    pub volunteers: u32,
    /// The label is a name someone typed (a village group): shown as written in any language.
    pub typed: bool,
}

fn kind_label(lang: Lang, kind: TaskKind) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

fn other_bar(lang: Lang, other: &Option<OtherRow>) -> Option<Bar> {
    other.as_ref().map(|o| Bar {
        label: Msg::OtherRow.text(lang).to_owned(),
        minutes: o.minutes,
        services: o.services,
        volunteers: o.volunteers,
        typed: false,
    })
}

/// The bars of the by-kind breakdown, "other" last.
pub fn kind_bars(lang: Lang, breakdown: &Breakdown<KindRow>) -> Vec<Bar> {
    breakdown
        .rows
        .iter()
        .map(|r| Bar {
            label: kind_label(lang, r.kind).to_owned(),
            minutes: r.minutes,
            services: r.services,
            volunteers: r.volunteers,
            typed: false,
        })
        .chain(other_bar(lang, &breakdown.other))
        .collect()
}

/// The bars of the by-group breakdown, "other" last.
pub fn group_bars(lang: Lang, breakdown: &Breakdown<GroupRow>) -> Vec<Bar> {
    breakdown
        .rows
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            minutes: r.minutes,
            services: r.services,
            volunteers: r.volunteers,
            typed: true,
        })
        .chain(other_bar(lang, &breakdown.other))
        .collect()
}

/// The chart's drawing units: the SVG is 320 wide and scales to its box (`width="100%"`), so on
/// a 360 px phone one unit is about one CSS pixel and 14-unit labels read like body text.
const CHART_WIDTH: f64 = 320.0;
const LABEL_HEIGHT: f64 = 18.0;
const BAR_HEIGHT: f64 = 16.0;
const ROW_GAP: f64 = 10.0;
/// The longest bar; the rest of the width holds its value ("123.5 hours").
const MAX_BAR: f64 = 220.0;

/// A horizontal bar chart: each bar's label above it and its hours after it. Screen readers
/// get the whole chart as one image named by its title and every value (`role="img"`), and the
/// table beside it has the same numbers.
#[component]
pub fn BarChart(
    #[prop(into)] title: String,
    bars: Vec<Bar>,
    lang: Lang,
    testid: &'static str,
) -> impl IntoView {
    let row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP;
    let height = (bars.len() as f64 * row).max(row);
    let longest = bars.iter().map(|b| b.minutes).max().unwrap_or(0).max(1) as f64;
    let summary: Vec<String> = bars
        .iter()
        .map(|b| format!("{} {}", b.label, hours_text(lang, b.minutes)))
        .collect();
    let separator = if lang == Lang::Zh { "；" } else { "; " };
    let name = format!("{title}: {}", summary.join(separator));
    view! {
        <svg class="chart" role="img" aria-label=name data-testid=testid
            viewBox=format!("0 0 {CHART_WIDTH} {height}") width="100%"
            preserveAspectRatio="xMinYMin meet">
            {bars.into_iter().enumerate().map(|(i, bar)| {
                let top = i as f64 * row;
                // A bar of a few minutes is still visible.
                let width = if bar.minutes > 0 { (bar.minutes as f64 / longest * MAX_BAR).max(3.0) } else { 0.0 };
                let value = hours_text(lang, bar.minutes);
                let label = if bar.typed {
                    view! { <text x="0" y=format!("{:.1}", top + 14.0) font-size="14" fill="#1f2a24" data-user-text="">{bar.label}</text> }.into_any()
                } else {
                    view! { <text x="0" y=format!("{:.1}", top + 14.0) font-size="14" fill="#1f2a24">{bar.label}</text> }.into_any()
                };
                view! {
                    {label}
                    <rect x="0" y=format!("{:.1}", top + LABEL_HEIGHT) width=format!("{width:.1}")
                        height=format!("{BAR_HEIGHT}") rx="3" fill="#2e7d5b"></rect>
                    <text x=format!("{:.1}", width + 6.0) y=format!("{:.1}", top + LABEL_HEIGHT + 13.0)
                        font-size="13" fill="#1f2a24">{value}</text>
                }
            }).collect_view()}
        </svg>
    }
}

/// The same numbers as a table.
#[component]
pub fn BarTable(
    bars: Vec<Bar>,
    first_column: Msg,
    lang: Lang,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <table class="figures-table" data-testid=testid>
            <thead><tr>
                <th scope="col">{first_column.text(lang)}</th>
                <th scope="col">{Msg::TotalHours.text(lang)}</th>
                <th scope="col">{Msg::ServicesColumn.text(lang)}</th>
                <th scope="col">{Msg::VolunteersCountColumn.text(lang)}</th>
            </tr></thead>
            <tbody>
                {bars.into_iter().map(|b| {
                    let label = if b.typed {
                        view! { <th scope="row" data-user-text="">{b.label}</th> }.into_any()
                    } else {
                        view! { <th scope="row">{b.label}</th> }.into_any()
                    };
                    view! {
                        <tr>
                            {label}
                            <td>{hours_text(lang, b.minutes)}</td>
                            <td>{b.services}</td>
                            <td>{b.volunteers}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A breakdown as a chart and a table, or the note that it is withheld.
fn breakdown_view(
    lang: Lang,
    title: Msg,
    first_column: Msg,
    bars: Vec<Bar>,
    withheld: bool,
    chart: &'static str,
    table: &'static str,
) -> AnyView {
    let note = withheld.then(|| {
        view! { <p class="note" data-testid="withheld">{Msg::FiguresWithheld.text(lang)}</p> }
    });
    if bars.is_empty() {
        return view! { <h3>{title.text(lang)}</h3> {note} }.into_any();
    }
    view! {
        <h3>{title.text(lang)}</h3>
        <BarChart title=title.text(lang) bars=bars.clone() lang=lang testid=chart/>
        <BarTable bars=bars first_column=first_column lang=lang testid=table/>
        {note}
    }
    .into_any()
}

/// The headline numbers of a period.
#[component]
pub fn PeriodTotals(figures: PeriodFigures, lang: Lang) -> impl IntoView {
    let heat = figures.heat_wave.clone();
    let heat_text = if heat.checks == 0 {
        Msg::HeatWaveNone.text(lang).to_owned()
    } else {
        coverage_text(lang, heat.visited, heat.elders_living_alone)
    };
    let total = |testid: &'static str, label: Msg, value: String| {
        view! {
            <div class="total" data-testid=testid>
                <span class="total-label">{label.text(lang)}</span>
                <strong>{value}</strong>
            </div>
        }
    };
    view! {
        <div class="totals">
            {total("total-hours", Msg::TotalHours, hours_text(lang, figures.minutes))}
            {total("total-services", Msg::TotalServices, figures.services.to_string())}
            {total("total-volunteers", Msg::TotalVolunteers, figures.volunteers.to_string())}
            {total("total-elders", Msg::EldersVisited, figures.elders_visited.to_string())}
            {total("total-heat-wave", Msg::HeatWaveCoverage, heat_text)}
        </div>
    }
}

/// One period: its heading, totals, and both breakdowns.
fn period_view(
    lang: Lang,
    heading: String,
    figures: PeriodFigures,
    testid: &'static str,
) -> AnyView {
    let kinds = kind_bars(lang, &figures.by_kind);
    let groups = group_bars(lang, &figures.by_group);
    let (kinds_withheld, groups_withheld) = (figures.by_kind.withheld, figures.by_group.withheld);
    let empty = figures.services == 0;
    view! {
        <section class="figures-period" data-testid=testid>
            <h2>{heading}</h2>
            <PeriodTotals figures=figures lang=lang/>
            {if empty {
                view! { <p class="empty">{Msg::NoServiceInPeriod.text(lang)}</p> }.into_any()
            } else {
                view! {
                    {breakdown_view(lang, Msg::HoursByKind, Msg::KindColumn, kinds, kinds_withheld, "chart-kind", "table-kind")}
                    {breakdown_view(lang, Msg::HoursByGroup, Msg::FilterGroup, groups, groups_withheld, "chart-group", "table-group")}
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// What the page has from the server.
#[derive(Clone, Debug, PartialEq)]
enum Loaded {
    Loading,
    Ready(Box<PublicFigures>),
    UnknownVillage,
    Failed,
}

#[component]
pub fn Figures() -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let params = use_params_map();
    let query = use_query_map();
    let navigate = use_navigate();
    let village = move || params.with(|p| p.get("village").unwrap_or_default());
    let asked_month = move || query.with(|q| q.get("month"));
    let loaded = RwSignal::new(Loaded::Loading);
    // Each load is numbered; an answer to an older one (the month changed meanwhile) is dropped.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (village, month) = (village(), asked_month());
        let this = generation.get_value() + 1;
        generation.set_value(this);
        loaded.set(Loaded::Loading);
        leptos::task::spawn_local(async move {
            let answer = api::figures(&village, month.as_deref()).await;
            if generation.get_value() != this {
                return;
            }
            loaded.set(match answer {
                Ok(figures) => Loaded::Ready(Box::new(figures)),
                Err(ApiFailure::Refused { status: 404, .. }) => Loaded::UnknownVillage,
                Err(_) => Loaded::Failed,
            });
        });
    });
    let shown_month = move || match loaded.get() {
        Loaded::Ready(f) => Some(f.month),
        _ => asked_month().and_then(|m| m.parse::<YearMonth>().ok()),
    };
    let go = move |month: YearMonth| {
        navigate(
            &format!("/v/{}/figures?month={month}", village()),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };
    let go_to = go.clone();
    let go_back = go.clone();
    let go_on = go;

    let content = move || {
        let lang = lang.get();
        match loaded.get() {
            Loaded::Loading => view! { <p class="note" role="status">{Msg::FiguresLoading.text(lang)}</p> }.into_any(),
            Loaded::UnknownVillage => view! { <p class="form-error" role="alert" data-testid="figures-error">{Msg::FiguresUnknownVillage.text(lang)}</p> }.into_any(),
            Loaded::Failed => view! { <p class="form-error" role="alert" data-testid="figures-error">{Msg::FiguresUnavailable.text(lang)}</p> }.into_any(),
            Loaded::Ready(f) => {
                let f = *f;
                view! {
                    <p class="village-name" data-testid="figures-village"><strong data-user-text="">{f.village_name.clone()}</strong></p>
                    {period_view(lang, month_label(lang, f.month), f.of_month, "figures-month")}
                    {period_view(lang, year_label(lang, f.month.year()), f.of_year, "figures-year")}
                    <p class="note" data-testid="small-group-rule">{small_group_rule(lang, f.min_group_size)}</p>
                }
                .into_any()
            }
        }
    };

    view! {
        <section class="area figures" data-testid="figures-page">
            <h1>{tr(Msg::FiguresTitle)}</h1>
            <p class="note">{tr(Msg::FiguresIntro)}</p>
            <div class="filters">
                <label>
                    <span>{tr(Msg::FiguresMonthLabel)}</span>
                    <input type="month" data-testid="figures-month-picker"
                        prop:value=move || shown_month().map(|m| m.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            if let Ok(month) = event_target_value(&ev).parse::<YearMonth>() {
                                go_to(month);
                            }
                        }/>
                </label>
                <button type="button" class="secondary" data-testid="previous-month"
                    on:click=move |_| { if let Some(m) = shown_month() { go_back(m.previous()) } }>
                    {tr(Msg::PreviousMonth)}
                </button>
                <button type="button" class="secondary" data-testid="next-month"
                    on:click=move |_| { if let Some(m) = shown_month() { go_on(m.next()) } }>
                    {tr(Msg::NextMonth)}
                </button>
            </div>
            {content}
        </section>
    }
}
